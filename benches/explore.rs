//! Explorer benchmarks: brute i16 and i32 (cycle by cycle, R = N = 1) and
//! accelerated u64 for every scheme family.
//!
//! `cargo bench --bench explore`. The targets: brute plain i32 in
//! under 30 s on the 2-core machine; accelerated answers in under 50 ms.

use seqwrap::explore::{ExploreConfig, ExploreMode, explore};
use seqwrap::scheme::{EpochWriteOrder, SchemeSpec, SplitRead, SplitWriteOrder};
use seqwrap::width::Width;

fn main() {
    divan::main();
}

fn run(s: SchemeSpec, mode: ExploreMode) -> bool {
    let mut c = ExploreConfig::new(s);
    c.mode = mode;
    explore(&c).expect("explore").false_positive()
}

#[divan::bench(sample_count = 10)]
fn brute_plain_i16() -> bool {
    run(SchemeSpec::plain(16), ExploreMode::Brute)
}

/// 2^31 cycles, 6.4e9 steps: one sample.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn brute_plain_i32() -> bool {
    run(SchemeSpec::plain(32), ExploreMode::Brute)
}

fn u64_schemes() -> Vec<(&'static str, SchemeSpec)> {
    let w = |b| Width::new(b).unwrap();
    vec![
        ("plain", SchemeSpec::Plain { width: w(64) }),
        ("guard", SchemeSpec::Guard { width: w(64) }),
        (
            "bounded",
            SchemeSpec::Bounded {
                width: w(64),
                max_window_cycles: 1 << 62,
            },
        ),
        (
            "split-naive",
            SchemeSpec::Split {
                hi: 32,
                lo: 32,
                read: SplitRead::Naive,
                write_order: SplitWriteOrder::LoFirst,
            },
        ),
        (
            "split-hi-lo-hi-lo-first",
            SchemeSpec::Split {
                hi: 32,
                lo: 32,
                read: SplitRead::HiLoHi,
                write_order: SplitWriteOrder::LoFirst,
            },
        ),
        (
            "split-hi-lo-hi-hi-first",
            SchemeSpec::Split {
                hi: 32,
                lo: 32,
                read: SplitRead::HiLoHi,
                write_order: SplitWriteOrder::HiFirst,
            },
        ),
        (
            "epoch-seq-first",
            SchemeSpec::Epoch {
                width: w(32),
                epoch_bits: 32,
                write_order: EpochWriteOrder::SeqFirst,
            },
        ),
        (
            "epoch-epoch-first",
            SchemeSpec::Epoch {
                width: w(32),
                epoch_bits: 32,
                write_order: EpochWriteOrder::EpochFirst,
            },
        ),
    ]
}

#[divan::bench(args = ["plain", "guard", "bounded", "split-naive", "split-hi-lo-hi-lo-first", "split-hi-lo-hi-hi-first", "epoch-seq-first", "epoch-epoch-first"])]
fn accelerated_u64(name: &str) -> bool {
    let s = u64_schemes()
        .into_iter()
        .find(|(n, _)| *n == name)
        .expect("scheme")
        .1;
    run(s, ExploreMode::Accelerated)
}
