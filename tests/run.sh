#!/bin/sh
# Run every test program of each build directory given, then every CLI
# test script in tests/cli/ against each build's depeche binary, then
# the Python tests of tests/bench/ once, and print the sum of their
# "N passed, N failed" lines as the last line.
# Each program's full output goes to <build>/tests/<name>.log; failures
# are shown in full.
pass=0; fail=0; skip=0
run_one() { # label, log, command...
    label=$1; log=$2; shift 2
    "$@" >"$log" 2>&1
    status=$?
    last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
    f=$(echo "$last" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    s=$(echo "$last" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
    [ -z "$p" ] && p=0
    [ -z "$f" ] && f=0
    [ -z "$s" ] && s=0
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 # crashed or exited badly without counting a failure
    fi
    pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
    if [ "$f" -ne 0 ]; then
        echo "FAIL $label ($p passed, $f failed, exit $status)"
        cat "$log"
    else
        echo "ok   $label ($p passed, $s skipped)"
        grep '  SKIP' "$log" | sed 's/^/     /'
    fi
}
for b in "$@"; do
    for t in "$b"/tests/test_*; do
        case "$t" in *.o|*.d|*.log) continue ;; esac
        [ -x "$t" ] || continue
        run_one "$t" "$t.log" "$t"
    done
    for s in tests/cli/test_*.sh; do
        [ -f "$s" ] || continue
        name=$(basename "$s" .sh)
        run_one "$b: $s" "$b/tests/$name.log" sh "$s" "$b/depeche"
    done
done
# The peer benchmark's report (its verdicts and checks, on made-up
# runs): once, not per build, since it does not run depeche.
if [ $# -gt 0 ]; then
    run_one "tests/bench/test_report.py" "$1/tests/test_report_py.log" \
        python3 tests/bench/test_report.py
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
