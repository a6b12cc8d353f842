#!/bin/sh
# Regenerate tests/herd/random.tsv: the herd7 verdicts (Linux-kernel memory
# model) of the random files of tests/it/random_protocols.rs, each exported by
# `seqwrap litmus` with its writer unrolled 1 or 2 cycles, and a hash of
# each exported test (so the test sees a changed generator or export).
#
#   tests/herd/regen_random.sh /path/to/herd    # herd7, libdir/, lkmm/
#
# Run from the repository root. It runs the ignored test
# regen_random_herd_expectations, which writes the file.
set -eu
herd=${1:?usage: tests/herd/regen_random.sh HERD_DIR}
herd=$(cd "$herd" && pwd)
SEQWRAP_HERD="$herd" cargo test --release --test it \
    -- --ignored --exact random_protocols::regen_random_herd_expectations --nocapture
