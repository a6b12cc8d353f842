//! `analyze` at the edges: rates up to 1e30 cycles/s, windows up to
//! centuries, widths 2..=64. Each point must finish (bounded work: a hang
//! here is a failed test) and agree with a computation that does not share
//! the code under test: a characteristic-function sum, the Gaussian limit
//! with residues taken in big integers, or a geometric closed form.

use num_bigint::BigUint;
use num_traits::{FromPrimitive, ToPrimitive};

use super::{ln_add, probabilities_timed};
use crate::timing::{Process, TimedProtocol, Window, Writer, YEAR_S};

/// A plain counter's timed view (period 2^(bits-1)).
fn plain(bits: u32) -> TimedProtocol {
    TimedProtocol::new(1u64 << (bits - 1), None)
}

fn poisson(rate: f64) -> Writer {
    Writer::new(rate, Process::Poisson, 0.0).unwrap()
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1.0)
}

/// Every outcome finite or an explained zero, and the four summing to 1,
/// over a grid of extreme points (3,000 of them, a few seconds).
#[test]
fn extreme_points_finish_and_partition_one() {
    let dir = tempfile::tempdir().unwrap();
    let hist = dir.path().join("h.csv");
    std::fs::write(&hist, "1ns,1\n1s,2\n30y,1\n").unwrap();
    let windows = [
        "fixed:1ns".to_string(),
        "fixed:1s".into(),
        "fixed:1y".into(),
        "fixed:300y".into(),
        "exp:1s".into(),
        "exp:1y".into(),
        "lognormal:2us,1ms".into(),
        "lognormal:1s,10y".into(),
        "pareto:1us,1.1".into(),
        "pareto:1s,0.5".into(),
        format!("hist:{}", hist.display()),
    ];
    for bits in [2, 3, 8, 21, 32, 53, 63, 64] {
        for rate in [1.0, 1e6, 1e12, 1e18, 1e22, 1e26, 1e30] {
            for process in [Process::Fixed, Process::Poisson] {
                for h in [0.0, 0.3] {
                    let writer = Writer::new(rate, process, h / rate).unwrap();
                    for w in &windows {
                        let win = Window::parse(w).unwrap();
                        let p = probabilities_timed(&plain(bits), &writer, &win);
                        let all = [p.false_positive, p.retry, p.abort, p.accept];
                        assert!(
                            all.iter().all(|x| !x.ln().is_nan()),
                            "{bits} {writer} {w}: {p:?}"
                        );
                        let sum: f64 = all.iter().map(|x| x.to_f64()).sum();
                        assert!(
                            (sum - 1.0).abs() < 1e-6,
                            "{bits} {writer} {w}: sum {sum} {p:?}"
                        );
                        assert!(
                            !p.false_positive.is_zero() || p.false_positive_zero_reason.is_some()
                        );
                    }
                }
            }
        }
    }
}

/// Poisson writer, fixed window: `P(N ≡ 0 mod P, N >= 1) = (1/P) Σ_j
/// φ(2πj/P) - e^-m` with `φ(t) = exp(m (e^{it} - 1))` the characteristic
/// function of Poisson(m) (a discrete Fourier sum, no pmf involved).
#[test]
fn poisson_fixed_windows_match_the_characteristic_function() {
    for bits in 2..=13u32 {
        let p = 1u64 << (bits - 1);
        for rate in [1e3, 1e5, 1e7, 1e9, 1e12, 1e15, 1e18, 1e22, 1e26, 1e30] {
            let m: f64 = rate; // fixed:1s
            let mut re = 0.0;
            for j in 0..p {
                let th = std::f64::consts::TAU * j as f64 / p as f64;
                let mag = (m * (th.cos() - 1.0)).exp();
                if mag > 0.0 {
                    re += mag * (m * th.sin()).cos();
                }
            }
            let want = re / p as f64 - (-m).exp();
            let got =
                probabilities_timed(&plain(bits), &poisson(rate), &Window::Fixed { len: 1.0 })
                    .false_positive
                    .to_f64();
            // The Fourier sum of P terms carries ~P x 1e-16 of rounding.
            assert!(
                (got - want).abs() < 1e-8 * want + 1e-12,
                "bits {bits} rate {rate:e}: {got} vs {want}"
            );
        }
    }
}

/// A 64-bit counter and windows of ~2^120 cycles (past 2^53 by far, and
/// past an f64's resolution of the period): the one or two multiples of
/// 2^63 near the mean carry the probability, `φ(δ/σ)/σ` by the Gaussian
/// limit (relative error ~|δ|³/m² < 1e-15 here), with δ computed in big
/// integers from the exact product rate x D.
#[test]
fn wide_counters_at_astronomical_counts_match_the_gaussian_limit() {
    let p = BigUint::from(1u128 << 63);
    for (a, b) in [
        (1u64 << 22, 3u64 << 22),
        (1 << 22, 1 << 21),
        (5 << 20, 7 << 21),
    ] {
        // rate = 2^60 + 2^8 a, D = 2^60 + 2^8 b: both exact f64.
        let rate = 2f64.powi(60) + 256.0 * a as f64;
        let d = 2f64.powi(60) + 256.0 * b as f64;
        let m = BigUint::from_f64(rate).unwrap() * BigUint::from_f64(d).unwrap();
        let r = (&m % &p).to_f64().unwrap();
        let mf = m.to_f64().unwrap();
        let sigma = mf.sqrt();
        let ln_phi = |delta: f64| {
            let z = delta / sigma;
            -0.5 * z * z - (sigma * (std::f64::consts::TAU).sqrt()).ln()
        };
        let pf = 2f64.powi(63);
        let want = ln_add(ln_phi(-r), ln_phi(pf - r));
        let got = probabilities_timed(&plain(64), &poisson(rate), &Window::Fixed { len: d })
            .false_positive
            .ln();
        assert!(close(got, want, 1e-12), "{a} {b}: {got} vs {want}");
    }
}

/// Fixed writer, fixed window: N is rate x D rounded by the phase, so a
/// false positive needs rate x D within one cycle of a multiple of the
/// period: exactly `1 - |x - kP|`. The residue is taken in u128.
#[test]
fn fixed_writer_fixed_window_is_the_exact_tent() {
    for (rate, d) in [
        (1e20, 1.0),
        (1e15, 1.0),
        (3.0, 2f64.powi(70) + 2f64.powi(18)),
        (1e30, 1.0),
        (1e18 + 2048.0, 1.0),
    ] {
        let writer = Writer::new(rate, Process::Fixed, 0.0).unwrap();
        let x = (rate as u128) * (d as u128); // integers here
        for bits in [2u32, 8, 16, 21, 22, 40, 64] {
            let p = 1u128 << (bits - 1);
            let want = if x.is_multiple_of(p) {
                0.0
            } else {
                f64::NEG_INFINITY
            };
            let got = probabilities_timed(&plain(bits), &writer, &Window::Fixed { len: d })
                .false_positive
                .ln();
            assert_eq!(got, want, "rate {rate:e} d {d} bits {bits}");
        }
    }
    // A fraction: x = 128.25 cycles, period 128: the tent gives 0.75.
    let writer = Writer::new(1e6, Process::Fixed, 0.0).unwrap();
    let got = probabilities_timed(&plain(8), &writer, &Window::Fixed { len: 128.25e-6 })
        .false_positive
        .to_f64();
    assert!((got - 0.75).abs() < 1e-9, "{got}");
}

/// Exponential windows (mean μ) under a poisson writer give geometric
/// counts, `P(N = n) = a^n/(1+a)^(n+1)`, `a = rate μ`, so `P(FP) =
/// q^P / ((1 - q^P)(1 + a))` with `q = a/(1+a)`, and `Σ_{k<=K}` of the
/// same for a bounded protocol. Rates to 1e30, means to a year.
#[test]
fn exponential_windows_match_the_geometric_closed_form() {
    for rate in [1e6, 1e12, 1e18, 1e24, 1e30] {
        for mean in [1e-6, 1.0, YEAR_S] {
            let a = rate * mean;
            let lq = -(1.0 / a).ln_1p();
            let win = Window::Exp { mean };
            for bits in [2u32, 8, 32, 48, 64] {
                let pf = 2f64.powi(bits as i32 - 1);
                let want = pf * lq - (-(pf * lq).exp_m1()).ln() - a.ln_1p();
                let got = probabilities_timed(&plain(bits), &poisson(rate), &win)
                    .false_positive
                    .ln();
                assert!(
                    close(got, want, 1e-6),
                    "rate {rate:e} mean {mean} bits {bits}: {got} vs {want}"
                );
            }
            // bounded at K = 5 wraps of an 8-bit counter
            let k = 5.0;
            let pf = 128.0;
            let want =
                pf * lq + (-(k * pf * lq).exp_m1()).ln() - (-(pf * lq).exp_m1()).ln() - a.ln_1p();
            let t = TimedProtocol::new(128, Some(5 * 128 + 17));
            let got = probabilities_timed(&t, &poisson(rate), &win)
                .false_positive
                .ln();
            assert!(
                close(got, want, 1e-6),
                "bounded rate {rate:e} mean {mean}: {got} vs {want}"
            );
        }
    }
}

/// Fixed writer, exponential windows: `P(N = n) = a (e^{1/a} - 1)^2
/// e^{-(n+1)/a}` for n >= 1, so the sum over multiples of P is geometric.
#[test]
fn fixed_writer_exponential_windows_match_the_closed_form() {
    for rate in [1e6, 1e15, 1e22, 1e30] {
        for mean in [1e-3, 1.0, YEAR_S] {
            let a = rate * mean;
            let writer = Writer::new(rate, Process::Fixed, 0.0).unwrap();
            for bits in [2u32, 16, 40, 64] {
                let pf = 2f64.powi(bits as i32 - 1);
                let want = a.ln() + 2.0 * (1.0 / a).exp_m1().ln()
                    - 1.0 / a
                    - pf / a
                    - (-(-pf / a).exp_m1()).ln();
                let got = probabilities_timed(&plain(bits), &writer, &Window::Exp { mean })
                    .false_positive
                    .ln();
                assert!(
                    close(got, want, 1e-6),
                    "rate {rate:e} mean {mean} bits {bits}: {got} vs {want}"
                );
            }
        }
    }
}

/// Windows whose every count spreads over many periods (rate x the
/// shortest window >> period^2) have a uniform residue: P(FP) = 1/P.
#[test]
fn heavy_tailed_windows_at_huge_rates_have_the_uniform_residue() {
    for w in ["pareto:1s,1.1", "pareto:1us,0.3", "lognormal:1s,1y"] {
        let win = Window::parse(w).unwrap();
        for bits in [2u32, 8, 20, 30] {
            let pf = 2f64.powi(bits as i32 - 1);
            let got = probabilities_timed(&plain(bits), &poisson(1e30), &win)
                .false_positive
                .ln();
            // lognormal reaches short windows too, but below 1e-10 s only
            // with probability < e^-60.
            assert!(close(got, -pf.ln(), 1e-6), "{w} bits {bits}: {got}");
        }
    }
}
