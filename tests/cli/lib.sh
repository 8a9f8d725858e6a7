# tests/cli/lib.sh -- helpers for CLI tests written in sh.
# A test script sources this with the depeche binary as $1, calls
# t_begin NAME / check_* for each case, and ends with t_end, which prints
# "N passed, N failed" and sets the exit status.
DEPECHE=${1:?usage: test_x.sh path/to/depeche}
case "$DEPECHE" in /*) ;; *) DEPECHE="$(pwd)/$DEPECHE" ;; esac
SHARED=${DEPECHE_SHARED:-../shared/corpora}
T_PASS=0; T_FAIL=0; T_SKIP=0; T_NAME=""; T_BAD=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/depeche-cli.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT

t_flush() {
    [ -z "$T_NAME" ] && return
    if [ "$T_BAD" -ne 0 ]; then T_FAIL=$((T_FAIL + 1)); else T_PASS=$((T_PASS + 1)); fi
    T_NAME=""
}
t_begin() { t_flush; T_NAME=$1; T_BAD=0; echo "$1"; }
t_skip() { echo "  SKIP $1"; T_SKIP=$((T_SKIP + 1)); T_NAME=""; }
t_fail() { echo "  FAIL $T_NAME: $1"; T_BAD=1; }
# check_eq ACTUAL EXPECTED WHAT
check_eq() { [ "$1" = "$2" ] || t_fail "$3: got '$1', expected '$2'"; }
# check_contains FILE STRING
check_contains() { grep -qF -- "$2" "$1" || { t_fail "$1 lacks '$2'"; sed 's/^/    | /' "$1" | head -20; }; }
check_not_contains() { ! grep -qF -- "$2" "$1" || t_fail "$1 contains '$2'"; }
# check_status EXPECTED CMD... (runs CMD, stdout/err to $T_TMP/out, err)
check_status() {
    want=$1; shift
    "$@" >"$T_TMP/out" 2>"$T_TMP/err"
    got=$?
    [ "$got" = "$want" ] || { t_fail "'$*' exited $got, expected $want"; sed 's/^/    err| /' "$T_TMP/err" | head -10; }
}
t_end() {
    t_flush
    echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
    [ "$T_FAIL" -eq 0 ]
}
