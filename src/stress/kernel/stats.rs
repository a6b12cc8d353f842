//! A cell's statistics: [`Spread`] (median, quartiles and extremes of
//! repeated runs) and [`KernelCell`] (one operation at one thread count:
//! its rates, and what they mean for a 32- and a 64-bit counter). Pure
//! data, apart from the loop that fills it.

use serde::Serialize;
use statrs::statistics::{Data, Max, Min, OrderStatistics};

use super::KernelOp;

/// Median and spread of repeated runs (cycles per second). Quartiles are
/// statrs' R-8 estimate.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Spread {
    /// Median.
    pub median: f64,
    /// Smallest run.
    pub min: f64,
    /// Lower quartile.
    pub q1: f64,
    /// Upper quartile.
    pub q3: f64,
    /// Largest run.
    pub max: f64,
    /// Runs.
    pub runs: usize,
}

impl Spread {
    /// The spread of `xs`; `None` when empty or not all finite.
    pub fn of(xs: &[f64]) -> Option<Spread> {
        if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let mut d = Data::new(xs.to_vec());
        Some(Spread {
            median: d.median(),
            min: d.min(),
            q1: d.lower_quartile(),
            q3: d.upper_quartile(),
            max: d.max(),
            runs: xs.len(),
        })
    }

    /// (max - min) / median: the relative width of the runs.
    pub fn relative_range(&self) -> f64 {
        (self.max - self.min) / self.median
    }
}

/// One operation at one thread count.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct KernelCell {
    /// The operation.
    pub op: KernelOp,
    /// Threads on the one mm.
    pub threads: usize,
    /// Write-lock cycles per second of each run, in run order.
    pub cycles_per_s_runs: Vec<f64>,
    /// Their median and spread.
    pub spread: Spread,
    /// ns per write-lock cycle at the median rate.
    pub ns_per_cycle: f64,
    /// Seconds for 2^31 cycles at the median rate (32-bit counter back to
    /// its value).
    pub wrap_s_32: f64,
    /// Seconds for 2^63 cycles (64-bit).
    pub wrap_s_64: f64,
    /// Median rate over the same op's 1-thread median (when measured).
    pub speedup_vs_1_thread: Option<f64>,
    /// Calls made in all runs.
    pub calls: u64,
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn spread_is_the_order_statistics_of_the_runs() {
        let s = Spread::of(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
        assert_eq!((s.min, s.median, s.max, s.runs), (1.0, 3.0, 5.0, 5));
        // R-8 quartiles of 1..5: h = (5 + 1/3) * 0.25 + 1/3 = 5/3.
        assert!((s.q1 - (1.0 + 2.0 / 3.0)).abs() < 1e-12);
        assert!((s.q3 - (4.0 + 1.0 / 3.0)).abs() < 1e-12);
        assert_eq!(Spread::of(&[]), None);
        assert_eq!(Spread::of(&[1.0, f64::NAN]), None);
    }
}
