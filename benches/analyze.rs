//! `cargo bench --bench analyze`: time for one analysis point.
//! Target: < 10 ms a point, u64 included.

use divan::Bencher;
use seqwrap::analyze::probabilities;
use seqwrap::protocol::{Protocol, catalog};
use seqwrap::timing::{Process, Window, Writer};

fn main() {
    divan::main();
}

fn plain(bits: u32) -> Protocol {
    catalog::protocol("plain", &[("W", &bits.to_string())]).unwrap()
}

fn point(bencher: Bencher, bits: u32, process: Process, hold: f64, window: &str) {
    let s = plain(bits);
    let w = Writer::new(5.35e6, process, hold).unwrap();
    let win = Window::parse(window).unwrap();
    // The explorer's SC facts are resolved inside the measured call, as
    // `probabilities` did itself before its caller passed them in: the
    // figures stay comparable with the earlier ones.
    bencher.bench(|| {
        let sc = seqwrap::explore::sc_facts(&s).unwrap();
        probabilities(&s, &sc, &w, &win).unwrap()
    });
}

const BITS: [u32; 5] = [2, 8, 16, 32, 64];

/// The thread's question: poisson writer, lognormal(2us, 1ms).
#[divan::bench(args = BITS)]
fn poisson_lognormal(bencher: Bencher, bits: u32) {
    point(bencher, bits, Process::Poisson, 0.0, "lognormal:2us,1ms");
}

/// Fixed writer, same windows.
#[divan::bench(args = BITS)]
fn fixed_lognormal(bencher: Bencher, bits: u32) {
    point(bencher, bits, Process::Fixed, 0.0, "lognormal:2us,1ms");
}

/// Heavy tail: Pareto(1us, 1.1), the slowest-converging sum over wraps.
#[divan::bench(args = BITS)]
fn poisson_pareto(bencher: Bencher, bits: u32) {
    point(bencher, bits, Process::Poisson, 0.0, "pareto:1us,1.1");
}

/// Exponential windows.
#[divan::bench(args = BITS)]
fn poisson_exp(bencher: Bencher, bits: u32) {
    point(bencher, bits, Process::Poisson, 0.0, "exp:10us");
}

/// With a hold: poisson writer holding the lock 50 ns a cycle.
#[divan::bench(args = BITS)]
fn poisson_hold_lognormal(bencher: Bencher, bits: u32) {
    point(bencher, bits, Process::Poisson, 50e-9, "lognormal:2us,1ms");
}
