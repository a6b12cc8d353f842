//! Benchmarks of the sweep machinery and the output modules (not of the
//! engines; see the explore, analyze, sample and stress benches):
//! grid expansion, CSV bytes, a whole sweep on the zero-delay fake engines
//! (the per-point overhead: progress saves, row building, the atomic
//! write), and drawing one figure to PNG + SVG.
//!
//! `cargo bench --bench sweep`

use std::path::PathBuf;

use seqwrap::question::Question;
use seqwrap::report::specs::SHIPPED;
use seqwrap::sweep::csv::{from_bytes, to_bytes};
use seqwrap::sweep::grid::points;
use seqwrap::sweep::{FakeEngines, SweepOptions, run_sweep};

fn main() {
    divan::main();
}

fn shipped(name: &str) -> Question {
    let (file, text) = SHIPPED
        .iter()
        .find(|(f, _)| f.starts_with(name))
        .expect("spec");
    Question::parse(file, text).expect("shipped spec")
}

/// Expanding the largest shipped grid (widths.toml, 57 widths x 6 rates).
#[divan::bench]
fn grid_widths() -> usize {
    let q = shipped("widths");
    points(divan::black_box(&q)).len()
}

/// A sweep of mm_lock_seq.toml on fake engines (no delay): everything but
/// the engines' own work, into a temp file.
#[divan::bench(sample_count = 10)]
fn sweep_overhead_mm_lock_seq(bencher: divan::Bencher) {
    let q = shipped("mm_lock_seq");
    let dir = tempfile::tempdir().expect("tempdir");
    let out: PathBuf = dir.path().join("b.csv");
    bencher.bench(|| {
        let opts = SweepOptions::new(out.clone());
        run_sweep(&q, &opts, &FakeEngines::default()).expect("sweep")
    });
}

/// CSV bytes of a fake sweep of widths.toml, and parsing them back.
#[divan::bench(sample_count = 10)]
fn csv_round_trip(bencher: divan::Bencher) {
    let q = shipped("widths");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("w.csv");
    run_sweep(&q, &SweepOptions::new(out.clone()), &FakeEngines::default()).expect("sweep");
    let rows = seqwrap::sweep::csv::read(&out).expect("read");
    bencher.bench(|| {
        let bytes = to_bytes(divan::black_box(&rows)).expect("bytes");
        from_bytes("w.csv", &bytes).expect("parse").len()
    });
}

/// Drawing the time-to-first-false-positive figure (PNG + SVG).
#[divan::bench(sample_count = 5)]
fn plot_time_to_fp(bencher: divan::Bencher) {
    // The first release's 16 columns (`HEADER_V1`), which the reader still
    // accepts: the rows below write exactly those.
    let header = seqwrap::sweep::csv::HEADER[..seqwrap::sweep::csv::HEADER_V1].join(",");
    let mut text = header + "\n";
    let mut i = 0;
    for bits in 8..=64u32 {
        for rate in [1e5f64, 1e7, 1e9] {
            let t = 2f64.powi(bits as i32 - 1) / rate;
            text.push_str(&format!(
                "{i},b,plain,bits={bits},{bits},{rate:e},poisson,0,fixed:1ms,analyze,time_to_fp_s,{t:e},,,0,0.1.0\n"
            ));
            i += 1;
        }
    }
    let rows = from_bytes("b.csv", text.as_bytes()).expect("rows");
    let dir = tempfile::tempdir().expect("tempdir");
    bencher.bench(|| {
        seqwrap::plot::plot_rows(
            &rows,
            dir.path(),
            "b",
            Some(&[seqwrap::plot::FigureId::TimeToFp]),
        )
        .expect("plot")
    });
}
