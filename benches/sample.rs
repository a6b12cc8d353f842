//! `cargo bench --bench sample`: windows per second of `seqwrap sample`,
//! on 1 and 2 threads (local rayon pools), so the speed-up is measured too.
//! Target: >= 2e7 windows/s on 2 cores, >= 1.8x from 1 to 2.

use divan::Bencher;
use divan::counter::ItemsCount;
use seqwrap::protocol::catalog;
use seqwrap::sample::{SampleConfig, tally};
use seqwrap::timing::{Process, Window, Writer};

fn main() {
    divan::main();
}

/// Windows per measured call: 64 chunks, enough for two threads to share.
const N: u64 = 1 << 22;

fn cfg(process: Process, window: &str, rate: f64) -> SampleConfig {
    let protocol = catalog::protocol("plain", &[("W", "8")]).unwrap();
    SampleConfig {
        sc: seqwrap::explore::sc_facts(&protocol).unwrap(),
        protocol,
        writer: Writer::new(rate, process, 0.0).unwrap(),
        window: Window::parse(window).unwrap(),
        samples: N,
        seed: 1,
    }
}

fn run(bencher: Bencher, threads: usize, c: SampleConfig) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    bencher
        .counter(ItemsCount::new(N))
        .bench(|| pool.install(|| tally(&c, &|_| {}).unwrap()));
}

/// The thread's model: poisson writer at 5.35e6/s, lognormal(2us, 1ms).
#[divan::bench(args = [1, 2], sample_count = 10, sample_size = 1)]
fn poisson_lognormal(bencher: Bencher, threads: usize) {
    run(
        bencher,
        threads,
        cfg(Process::Poisson, "lognormal:2us,1ms", 5.35e6),
    );
}

/// The cross-check model: poisson writer, exponential windows of 128 cycles.
#[divan::bench(args = [1, 2], sample_count = 10, sample_size = 1)]
fn poisson_exp_128_cycles(bencher: Bencher, threads: usize) {
    run(bencher, threads, cfg(Process::Poisson, "exp:128us", 1e6));
}

/// Fixed-rate writer (one uniform phase per window).
#[divan::bench(args = [1, 2], sample_count = 10, sample_size = 1)]
fn fixed_lognormal(bencher: Bencher, threads: usize) {
    run(
        bencher,
        threads,
        cfg(Process::Fixed, "lognormal:2us,1ms", 5.35e6),
    );
}
