#!/bin/sh
# Damage: flip bytes and truncate every file of an archive, at spread
# offsets; `depeche stats` (which checks every checksum) and `depeche
# index` must fail with a message naming the damaged file, never crash.
. "$(dirname "$0")/lib.sh"
export DEPECHE_UNSAFE_NOSYNC=1
A="$T_TMP/arch"

awk 'BEGIN { for (i = 0; i < 60; i++)
    printf "{\"id\": \"d%d\", \"date\": \"2022-%02d-03\", \"title\": \"Titre %d\", \"text\": \"Le Kremlin et l Otan parlent de la Roumanie, article %d.\", \"lang\": \"fr\"}\n", i, 1 + i % 12, i, i }' >"$T_TMP/d.jsonl"
"$DEPECHE" index "$A" "$T_TMP/d.jsonl" >/dev/null 2>&1
"$DEPECHE" delete "$A" d3 d7 >/dev/null 2>&1

t_begin archive_is_sound
check_status 0 "$DEPECHE" stats --json "$A"
check_eq "$(jq .documents "$T_TMP/out")" 58 "documents"

flip_byte() { # file offset
    v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $(( (v ^ 90) & 255 )))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# run CMD...: must exit 1 and name $name on stderr; never a signal
expect_damage() {
    "$@" >"$T_TMP/out" 2>"$T_TMP/err"
    st=$?
    if [ "$st" -ge 128 ]; then
        t_fail "$what: '$*' died with status $st"
    elif [ "$st" -ne 1 ] || ! grep -q "$name" "$T_TMP/err"; then
        t_fail "$what: status $st, stderr: $(head -c 200 "$T_TMP/err")"
    fi
}

for f in "$A"/MANIFEST "$A"/seg-*.dps "$A"/del-*.dpd; do
    name=$(basename "$f")
    t_begin "damage_$name"
    cp "$f" "$T_TMP/orig"
    size=$(wc -c <"$f" | tr -d ' ')
    step=$(( size / 7 + 1 ))
    off=0
    while [ "$off" -lt "$size" ]; do
        what="flip at $off"
        flip_byte "$f" "$off"
        expect_damage "$DEPECHE" stats "$A"
        cp "$T_TMP/orig" "$f"
        what="truncate to $off"
        head -c "$off" "$T_TMP/orig" >"$f"
        expect_damage "$DEPECHE" stats "$A"
        cp "$T_TMP/orig" "$f"
        off=$(( off + step ))
    done
    # the last byte, and a writer on a damaged archive
    what="flip last byte"
    flip_byte "$f" $(( size - 1 ))
    expect_damage "$DEPECHE" stats "$A"
    expect_damage "$DEPECHE" add "$A" "$T_TMP/d.jsonl"
    cp "$T_TMP/orig" "$f"
done

t_begin archive_sound_after_restore
check_status 0 "$DEPECHE" stats --json "$A"
check_eq "$(jq .documents "$T_TMP/out")" 58 "documents"

t_end
