#!/bin/sh
# Regenerate tests/herd/litmus/*.litmus and the herd and seconds columns of
# tests/herd/expected.tsv: each case exported by `seqwrap litmus` and run
# through herd7 with the Linux-kernel memory model.
#
#   tests/herd/regen.sh /path/to/herd    # a directory with herd7, libdir/, lkmm/
#
# Run from the repository root after `cargo build --release`.
set -eu
herd=${1:?usage: tests/herd/regen.sh HERD_DIR}
bin=target/release/seqwrap
tsv=tests/herd/expected.tsv
out=$(mktemp)
grep '^#' "$tsv" > "$out"
grep -v '^#' "$tsv" | while IFS="$(printf '\t')" read -r id src params k _herd _secs; do
    set --
    case "$src" in
        protocol:*) set -- --protocol "${src#protocol:}" ;;
        file:*) set -- --protocol "${src#file:}" ;;
    esac
    if [ "$params" != "-" ]; then
        for p in $params; do set -- "$@" --param "$p"; done
    fi
    "$bin" litmus "$@" --cycles "$k" > "tests/herd/litmus/$id.litmus"
    abs=$(pwd)/tests/herd/litmus/$id.litmus
    start=$(date +%s.%N)
    verdict=$(cd "$herd" && ./herd7 -I libdir -I lkmm -conf lkmm/linux-kernel.cfg "$abs" \
        | awk '/^Observation/ {print $3}')
    end=$(date +%s.%N)
    secs=$(echo "$end - $start" | bc | awk '{printf "%.2f", $1}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$src" "$params" "$k" "$verdict" "$secs" >> "$out"
    echo "$id $verdict $secs s" >&2
done
mv "$out" "$tsv"
