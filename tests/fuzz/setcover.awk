# setcover.awk -- pick a small set of corpus files covering every edge.
# Input: a libFuzzer -merge_control_file (line 1: number of files; then
# their paths; then per file "STARTED i size", "FT i ...", "COV i pc...").
# Output: the chosen paths, greedily: each time the file adding the most
# edges not yet covered (ties: the smaller file), until none adds any or
# `max` files are chosen (awk -v max=N; 0 or unset: no limit).
NR == 1 { nfiles = $1; next }
NR == 2 { next }
NR <= nfiles + 2 { path[NR - 3] = $0; next }
$1 == "STARTED" { size[$2] = $3; next }
$1 == "COV" {
    i = $2
    ncov[i] = NF - 2
    for (k = 3; k <= NF; k++)
        pcs[i, k - 2] = $k
    next
}
END {
    for (;;) {
        best = -1; bestgain = 0
        for (i = 0; i < nfiles; i++) {
            if ((i in done) || !(i in ncov))
                continue
            gain = 0
            for (k = 1; k <= ncov[i]; k++)
                if (!(pcs[i, k] in seen))
                    gain++
            if (gain > bestgain ||
                (gain == bestgain && gain > 0 && size[i] < size[best])) {
                best = i; bestgain = gain
            }
        }
        if (best < 0 || (max > 0 && nchosen >= max))
            break
        nchosen++
        done[best] = 1
        for (k = 1; k <= ncov[best]; k++)
            seen[pcs[best, k]] = 1
        print path[best]
    }
}
