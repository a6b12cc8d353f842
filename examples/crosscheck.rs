//! Scratch: brute vs accelerated over the matrix.
#[path = "../tests/common/mod.rs"]
mod common;
use seqwrap::explore::*;
fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap())
        .collect();
    let (lo, hi, r, n) = (args[0], args[1], args[2] as u8, args[3] as u8);
    let mut worst = 0.0f64;
    for t in lo..=hi {
        for s in common::schemes_of_width(t) {
            let mut c = ExploreConfig::new(s.clone());
            c.readers = r;
            c.writers = n;
            c.mode = ExploreMode::Brute;
            let t0 = std::time::Instant::now();
            let b = explore(&c).unwrap();
            let tb = t0.elapsed().as_secs_f64();
            c.mode = ExploreMode::Accelerated;
            let a = explore(&c).unwrap();
            worst = worst.max(a.elapsed_s);
            let cf = s.min_cycles_closed_form();
            let flag = if b.min_cycles != a.min_cycles || b.verdict != a.verdict {
                "DISAGREE"
            } else if cf != a.min_cycles {
                "CLOSED-FORM"
            } else {
                ""
            };
            if !flag.is_empty() || tb > 1.0 {
                println!(
                    "{flag} {s} R={r} N={n}: brute {:?} ({} st, {:.2}s) accel {:?} ({} st, {:.3}s) cf {:?}",
                    b.min_cycles, b.states, tb, a.min_cycles, a.states, a.elapsed_s, cf
                );
            }
        }
    }
    println!("done; worst accel {worst:.3}s");
}
