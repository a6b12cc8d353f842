//! `cargo bench --bench analyze`: time for one analysis point.
//! Target (issue 3): < 10 ms a point, u64 included.

use seqwrap::analyze::probabilities;
use seqwrap::scheme::SchemeSpec;
use seqwrap::timing::{Process, Window, Writer};

fn main() {
    divan::main();
}

fn point(bits: u32, process: Process, window: &str) {
    let w = Writer::new(5.35e6, process, 0.0).unwrap();
    let win = Window::parse(window).unwrap();
    divan::black_box(probabilities(&SchemeSpec::plain(bits), &w, &win));
}

const BITS: [u32; 5] = [2, 8, 16, 32, 64];

/// The thread's question: poisson writer, lognormal(2us, 1ms).
#[divan::bench(args = BITS)]
fn poisson_lognormal(bits: u32) {
    point(bits, Process::Poisson, "lognormal:2us,1ms");
}

/// Fixed writer, same windows.
#[divan::bench(args = BITS)]
fn fixed_lognormal(bits: u32) {
    point(bits, Process::Fixed, "lognormal:2us,1ms");
}

/// Heavy tail: Pareto(1us, 1.1), the slowest-converging sum over wraps.
#[divan::bench(args = BITS)]
fn poisson_pareto(bits: u32) {
    point(bits, Process::Poisson, "pareto:1us,1.1");
}

/// Exponential windows.
#[divan::bench(args = BITS)]
fn poisson_exp(bits: u32) {
    point(bits, Process::Poisson, "exp:10us");
}

/// With a hold: poisson writer holding the lock 50 ns a cycle.
#[divan::bench(args = BITS)]
fn poisson_hold_lognormal(bits: u32) {
    let w = Writer::new(5.35e6, Process::Poisson, 50e-9).unwrap();
    let win = Window::parse("lognormal:2us,1ms").unwrap();
    divan::black_box(probabilities(&SchemeSpec::plain(bits), &w, &win));
}
