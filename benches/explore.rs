//! Explorer benchmarks (`cargo bench --bench explore`).
//!
//! Targets: accelerated explore of every catalog entry at 64 bits under
//! 50 ms (sc) and 1 s (lkmm); brute `plain` at 16 bits under 0.5 s and at
//! 32 bits no slower than the hand-written state machine it replaced;
//! brute at 8 bits under lkmm under 1 s; parsing a description under 1 ms.
//!
//! `old_*` run the hand-written explorer this one replaced, kept here for
//! one measurement in the same run (see the closing note of issue 8).

use seqwrap::explore_new::{ExploreConfig, ExploreMode, explore};
use seqwrap::memory::Model;
use seqwrap::protocol::catalog::scheme;

fn main() {
    divan::main();
}

fn run(name: &str, params: &[(&str, &str)], mode: ExploreMode, model: Model) -> bool {
    let mut c = ExploreConfig::new(scheme(name, params).expect("scheme"));
    c.mode = mode;
    c.model = model;
    c.force = true;
    explore(&c).expect("explore").false_positive()
}

#[divan::bench(sample_count = 10)]
fn brute_plain_16() -> bool {
    run("plain", &[("W", "16")], ExploreMode::Brute, Model::Sc)
}

#[divan::bench(sample_count = 10)]
fn old_brute_plain_16() -> bool {
    let mut c = seqwrap::explore::ExploreConfig::new(seqwrap::scheme::SchemeSpec::plain(16));
    c.mode = seqwrap::explore::ExploreMode::Brute;
    seqwrap::explore::explore(&c).expect("explore").false_positive()
}

/// 2^31 cycles, 6.4e9 moves: one sample each.
#[divan::bench(sample_count = 1, sample_size = 1)]
fn brute_plain_32() -> bool {
    run("plain", &[("W", "32")], ExploreMode::Brute, Model::Sc)
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn old_brute_plain_32() -> bool {
    let mut c = seqwrap::explore::ExploreConfig::new(seqwrap::scheme::SchemeSpec::plain(32));
    c.mode = seqwrap::explore::ExploreMode::Brute;
    seqwrap::explore::explore(&c).expect("explore").false_positive()
}
