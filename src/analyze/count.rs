//! `P(window starts free, sees exactly n cycles, ends free)`: the building
//! block of every probability `analyze` reports.
//!
//! Given the window length D (see [`crate::timing`] for the model):
//!
//! - **poisson** writer, hold H, `h = rate H`, `mu = rate/(1-h)`: the
//!   start is free with probability `1 - h`; then lock attempts are a
//!   Poisson process of rate `mu` in *free* time, and n cycles with the end
//!   free means the n-th lock came, its hold ended, and no further attempt
//!   came, all within D: `P = (1-h) Pois(n; mu (D - n H))` for `nH <= D`
//!   (the n free gaps sum to `D - nH`: Gamma(n) <= D - nH < Gamma(n+1)).
//! - **fixed** writer: in cycle units `x = rate D`, `c = 1 - h`, the phase
//!   u since the last lock is uniform on [0, 1); the start is free iff
//!   `u >= h`, N = floor(x + u), the end is free iff frac(x + u) >= h, so
//!   `P = (c - |x - n|)+`, a tent of height and half-width c (for n = 0:
//!   `(c - x)+`).
//!
//! For a continuous window these are integrated against the density in log
//! space ([`super::quad`]); for fixed and hist windows they are summed over
//! the atoms.

use super::logprob::ln_add;
use super::poisson::{ln_pois, ln_pois_rel};
use super::quad::{T_MAX, T_MIN, ln_gauss_legendre, ln_integrate, ln_integrate_pieces};
use crate::timing::{Process, Window, Writer};

/// The writer and window of one analysis point, with derived constants.
#[derive(Clone, Debug)]
pub(crate) struct Counts<'a> {
    pub(crate) process: Process,
    /// Cycles per second.
    pub(crate) rate: f64,
    /// Hold in seconds.
    pub(crate) hold: f64,
    /// `1 - h`, P(start free).
    pub(crate) free: f64,
    /// `mu`, the attempt rate in free time (poisson).
    pub(crate) mu: f64,
    pub(crate) window: &'a Window,
}

/// Tent of half-width `c` around `n`, in cycle units.
fn tent(c: f64, x: f64, n: f64) -> f64 {
    if n == 0.0 {
        (c - x).max(0.0)
    } else {
        (c - (x - n).abs()).max(0.0)
    }
}

impl<'a> Counts<'a> {
    pub(crate) fn new(writer: &Writer, window: &'a Window) -> Counts<'a> {
        Counts {
            process: writer.process(),
            rate: writer.rate(),
            hold: writer.hold(),
            free: 1.0 - writer.held_fraction(),
            mu: writer.free_rate(),
            window,
        }
    }

    /// `P(start free, N = n, end free | D)` for one window length.
    pub(crate) fn ln_count_at(&self, n: f64, d: f64) -> f64 {
        match self.process {
            Process::Poisson => {
                let free_time = d - n * self.hold;
                if free_time < 0.0 {
                    return f64::NEG_INFINITY;
                }
                self.free.ln() + ln_pois(n, self.mu * free_time)
            }
            Process::Fixed => tent(self.free, self.rate * d, n).ln(),
        }
    }

    /// [`Counts::ln_count_at`] for `n >= 1` given also `delta = n - rate d`
    /// exactly. Beyond 2^53 cycles `n` itself is rounded, but the Poisson
    /// kernel (width `sqrt(n)`) and the tent (width 1) need the distance to
    /// their centre, which the caller has exactly (`timing::Cycles`).
    ///
    /// Poisson: `y = mu (d - n H)` and `n - y = delta / (1 - h)` (because
    /// `1 + mu H = 1 / (1 - h)`), so the pmf is taken at `y = n e^tau`,
    /// `tau = ln(1 - delta / ((1 - h) n))`. Fixed: the tent `(1 - h -
    /// |delta|)+`.
    pub(crate) fn ln_count_near(&self, n: f64, delta: f64, d: f64) -> f64 {
        match self.process {
            Process::Poisson => {
                if self.hold > 0.0 && n * self.hold > d {
                    return f64::NEG_INFINITY;
                }
                let rel = delta / (self.free * n);
                if rel.abs() < 0.5 {
                    self.free.ln() + ln_pois_rel(n, (-rel).ln_1p())
                } else {
                    // y far from n: no cancellation in forming it directly.
                    self.free.ln() + ln_pois(n, self.mu * (d - n * self.hold))
                }
            }
            Process::Fixed => (self.free - delta.abs()).max(0.0).ln(),
        }
    }

    /// `P(start free and not (N = 0 and end free) | D)`: the window saw the
    /// counter move (RETRY or FALSE POSITIVE).
    pub(crate) fn ln_changed_at(&self, d: f64) -> f64 {
        match self.process {
            Process::Poisson => self.free.ln() + (-(-self.mu * d).exp_m1()).ln(),
            Process::Fixed => (self.rate * d).min(self.free).ln(),
        }
    }

    /// `ln P(start free, N = n, end free)` over the window distribution.
    pub(crate) fn ln_count(&self, n: f64) -> f64 {
        if let Some(atoms) = self.window.atoms() {
            return atoms.iter().fold(f64::NEG_INFINITY, |acc, &(d, p)| {
                ln_add(acc, p.ln() + self.ln_count_at(n, d))
            });
        }
        match self.process {
            Process::Poisson => self.ln_count_poisson(n),
            Process::Fixed => self.ln_count_fixed(n),
        }
    }

    /// Log density terms of `D = a + b e^t` including the Jacobian
    /// `dD/dt = b e^t =: E`: `(ln f(D) + ln E, d/dt, d²/dt²)`.
    fn density_in_t(&self, a: f64, b: f64, t: f64) -> (f64, f64, f64) {
        let e = b * t.exp();
        let d = a + e;
        let (lf, g1, g2) = self.window.ln_pdf_derivs(d).expect("continuous window");
        (lf + e.ln(), g1 * e + 1.0, g2 * e * e + g1 * e)
    }

    /// Poisson kernel in `tau`, `y = mu (D - nH) = yc e^tau` with `yc =
    /// max(n, 1)`: the coordinate is centred on the kernel's peak so that
    /// its width `1/sqrt(n)` stays resolved even for n = 2^63 and beyond
    /// (a plain `ln y` of ~44 has a resolution of 7e-15).
    fn ln_count_poisson(&self, n: f64) -> f64 {
        let a = n * self.hold;
        let yc = n.max(1.0);
        let b = yc / self.mu;
        let d_lo = self.window.lower_bound();
        let lo = if d_lo > a {
            (self.mu * (d_lo - a) / yc).ln()
        } else {
            T_MIN
        };
        let f = |tau: f64, derivs: bool| {
            let y = yc * tau.exp();
            // n >= 1: the relative forms, exact near the peak for any n
            let (lp, n_minus_y) = if n >= 1.0 {
                (ln_pois_rel(n, tau), -n * tau.exp_m1())
            } else {
                (ln_pois(n, y), n - y)
            };
            let (lb, b1, b2) = self.density_in_t(a, b, tau);
            if derivs {
                (lp + lb, n_minus_y + b1, -y + b2)
            } else {
                (lp + lb, 0.0, 0.0)
            }
        };
        self.free.ln() + ln_integrate(lo, T_MAX, &f)
    }

    /// Fixed-rate tent kernel in `tau`, `x = rate D = xc e^tau`, centred on
    /// the tent's peak `xc = n` (or `c` for n = 0) for the same reason.
    fn ln_count_fixed(&self, n: f64) -> f64 {
        let c = self.free;
        let xc = if n == 0.0 { c } else { n };
        let b = xc / self.rate;
        let x_lo = self.rate * self.window.lower_bound();
        let tau_lo = if x_lo > 0.0 { (x_lo / xc).ln() } else { T_MIN };
        // left half, x in (n - c, n): x - (n - c) = n expm1(tau) + c
        let left = |tau: f64, derivs: bool| {
            let (lb, b1, b2) = self.density_in_t(0.0, b, tau);
            let x = xc * tau.exp();
            let gap = xc * tau.exp_m1() + c;
            if !derivs {
                return (gap.ln() + lb, 0.0, 0.0);
            }
            let a = n - c;
            (gap.ln() + lb, x / gap + b1, -a * x / (gap * gap) + b2)
        };
        // right half, x in (n, n + c) (n = 0: (0, c)): n + c - x = c - xc expm1(tau)
        let right = |tau: f64, derivs: bool| {
            let (lb, b1, b2) = self.density_in_t(0.0, b, tau);
            let x = xc * tau.exp();
            let gap = if n == 0.0 {
                c * -tau.exp_m1()
            } else {
                c - xc * tau.exp_m1()
            };
            if !derivs {
                return (gap.ln() + lb, 0.0, 0.0);
            }
            (
                gap.ln() + lb,
                -x / gap + b1,
                -(n + c) * x / (gap * gap) + b2,
            )
        };
        if n == 0.0 {
            return ln_integrate(tau_lo, 0.0, &right);
        }
        let left_lo = if n > c { (-c / n).ln_1p() } else { T_MIN };
        let right_hi = (c / n).ln_1p();
        if n >= 16.0 && left_lo > T_MIN {
            // The tent spans at most 2 cycles around n >= 16: the density is
            // smooth across it, and Gauss-Legendre on each half (4 panels)
            // is exact for the linear tent times a polynomial density.
            return ln_add(
                ln_gauss_legendre(left_lo.max(tau_lo), 0.0, 4, &left),
                ln_gauss_legendre(tau_lo.max(0.0), right_hi, 4, &right),
            );
        }
        ln_add(
            ln_integrate(left_lo.max(tau_lo), 0.0, &left),
            ln_integrate(tau_lo.max(0.0), right_hi, &right),
        )
    }

    /// `ln P(start free and the counter moved)`: RETRY + FALSE POSITIVE.
    pub(crate) fn ln_changed(&self) -> f64 {
        if let Some(atoms) = self.window.atoms() {
            return atoms.iter().fold(f64::NEG_INFINITY, |acc, &(d, p)| {
                ln_add(acc, p.ln() + self.ln_changed_at(d))
            });
        }
        let d_lo = self.window.lower_bound();
        let t_lo = if d_lo > 0.0 { d_lo.ln() } else { T_MIN };
        match self.process {
            Process::Poisson => {
                let mu = self.mu;
                let f = |t: f64, derivs: bool| {
                    let z = mu * t.exp();
                    let k = (-(-z).exp_m1()).ln();
                    let (lb, b1, b2) = self.density_in_t(0.0, 1.0, t);
                    if !derivs {
                        return (k + lb, 0.0, 0.0);
                    }
                    // qz = z / (e^z - 1), finite for every z (-> 1 as z -> 0);
                    // d²/dt² = qz (1 - z - qz), never inf - inf.
                    let qz = if z < 1e-12 {
                        1.0 - 0.5 * z
                    } else {
                        z / z.exp_m1()
                    };
                    let k1 = qz;
                    let k2 = qz * (1.0 - z - qz);
                    (k + lb, k1 + b1, k2 + b2)
                };
                self.free.ln() + ln_integrate(t_lo, T_MAX, &f)
            }
            Process::Fixed => {
                // E[min(rate D, c)]: rate D below D = c/rate, c above.
                let split = (self.free / self.rate).ln();
                let below = |t: f64, derivs: bool| {
                    let (lb, b1, b2) = self.density_in_t(0.0, 1.0, t);
                    let k = self.rate.ln() + t;
                    if derivs {
                        (k + lb, 1.0 + b1, b2)
                    } else {
                        (k + lb, 0.0, 0.0)
                    }
                };
                let above = |t: f64, derivs: bool| {
                    let (lb, b1, b2) = self.density_in_t(0.0, 1.0, t);
                    (
                        self.free.ln() + lb,
                        if derivs { b1 } else { 0.0 },
                        if derivs { b2 } else { 0.0 },
                    )
                };
                ln_add(
                    ln_integrate_pieces(&[(t_lo, split)], &below),
                    ln_integrate(t_lo.max(split), T_MAX, &above),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timing::Process;

    /// Poisson writer, exponential window, no hold: N is geometric,
    /// `P(N = n) = a^n / (1+a)^(n+1)` with `a = rate * mean` (the Poisson
    /// mixed over an exponential rate is geometric).
    #[test]
    fn poisson_over_exponential_window_is_geometric() {
        let w = Writer::new(1e6, Process::Poisson, 0.0).unwrap();
        let win = Window::Exp { mean: 50e-6 };
        let c = Counts::new(&w, &win);
        let a: f64 = 50.0;
        for n in [0.0, 1.0, 7.0, 50.0, 128.0, 1000.0, 30000.0] {
            let want = n * a.ln() - (n + 1.0) * (1.0 + a).ln();
            let got = c.ln_count(n);
            assert!(
                (got - want).abs() < 1e-8 * want.abs().max(1.0),
                "n={n}: {got} vs {want}"
            );
        }
        // changed = 1 - P(N = 0) = a/(1+a)
        let ch = c.ln_changed().exp();
        assert!((ch - a / (1.0 + a)).abs() < 1e-9, "{ch} {}", a / (1.0 + a));
    }

    /// Fixed writer, exponential window: `P(N = n)` is the tent integrated
    /// against the exponential density, in closed form
    /// `∫ (1 - |x - n|)+ e^(-x/a)/a dx = a (e^(1/a) - 1)^2 e^(-(n+1)/a)` for n >= 1.
    #[test]
    fn fixed_writer_over_exponential_window_matches_closed_form() {
        let w = Writer::new(1e6, Process::Fixed, 0.0).unwrap();
        let win = Window::Exp { mean: 20e-6 };
        let c = Counts::new(&w, &win);
        let a: f64 = 20.0;
        for n in [1.0, 2.0, 20.0, 128.0, 2000.0] {
            let want = a.ln() + 2.0 * (1.0 / a).exp_m1().ln() - (n + 1.0) / a;
            let got = c.ln_count(n);
            assert!(
                (got - want).abs() < 1e-8 * want.abs().max(1.0),
                "n={n}: {got} vs {want}"
            );
        }
        // n = 0: ∫_0^1 (1-x) e^(-x/a)/a dx = 1 - a (1 - e^(-1/a))
        let want0 = 1.0 - a * (-(-1.0 / a).exp_m1());
        assert!((c.ln_count(0.0).exp() - want0).abs() < 1e-10);
    }

    /// With a hold, the counts of the poisson writer plus P(ABORT) = h must
    /// sum to the total: the outcomes partition the probability space.
    #[test]
    fn poisson_with_hold_counts_and_held_ends_partition_one() {
        let w = Writer::new(1e6, Process::Poisson, 0.3e-6).unwrap();
        let win = Window::Fixed { len: 10e-6 };
        let c = Counts::new(&w, &win);
        let free_end: f64 = (0..200).map(|n| c.ln_count(n as f64).exp()).sum();
        // P(end free | start free) -> 1 - h for long windows; at 10 cycles
        // it is within a few percent and must stay below 1 - h + O(e^-D).
        let p = free_end / (1.0 - 0.3);
        assert!(p > 0.6 && p < 0.8, "{p}");
    }
}
