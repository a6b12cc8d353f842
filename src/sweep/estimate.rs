//! What a sweep will cost, before it starts.
//!
//! The work is counted exactly from the grid: Monte Carlo windows (sample
//! points × `samples`) and real lock cycles (each stress point's planned
//! windows plus timing runs, from `stress::planned_cycles`). Time is that
//! work at reference speeds measured with `cargo bench` on the project's
//! 2-core machine (README, "Cost of a sweep"):
//!
//! - [`NS_PER_WINDOW`]: a sample window on one core (the bench target is
//!   2e7 windows/s on 2 cores; 26–44 ns measured, 50 ns assumed); sample
//!   points spread over every thread.
//! - [`NS_PER_CYCLE`]: a stress lock cycle (12.6 ns measured, 15 assumed);
//!   stress runs one point at a time on its own threads, so its cycles add
//!   up serially.
//! - [`S_PER_POINT`]: fixed overhead of any point (explore, analyze), 1 ms.
//!
//! Explore points are counted but not timed here: the explorer estimates
//! and bounds its own searches. The estimate is a guide within a factor
//! of a few, not a promise; its purpose is to stop a 27-day typo.

use serde::Serialize;

use crate::question::Question;
use crate::results::EngineKind;
use crate::stress::StressConfig;
use crate::sweep::grid::Point;

/// Reference cost of one sample window on one core, seconds.
pub const NS_PER_WINDOW: f64 = 50.0;
/// Reference cost of one stress lock cycle, seconds.
pub const NS_PER_CYCLE: f64 = 15.0;
/// Reference overhead of any point, seconds.
pub const S_PER_POINT: f64 = 1e-3;
/// The default limit of `seqwrap sweep` (`--budget`): one hour of wall
/// time. The shipped specs need seconds to minutes.
pub const DEFAULT_BUDGET_S: f64 = 3600.0;

/// The estimated cost of the points a sweep still has to run.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SweepEstimate {
    /// Points to run (this shard's, minus those resumed).
    pub points: usize,
    /// Of which explore points.
    pub explore_points: usize,
    /// Of which analyze points.
    pub analyze_points: usize,
    /// Of which sample points.
    pub sample_points: usize,
    /// Of which stress points.
    pub stress_points: usize,
    /// Monte Carlo windows in all (sample points × samples).
    pub sample_windows: f64,
    /// Real lock cycles in all (stress windows and timing runs).
    pub stress_cycles: f64,
    /// Threads the sweep runs on.
    pub threads: usize,
    /// Estimated wall time at the reference speeds, seconds.
    pub wall_s: f64,
}

impl SweepEstimate {
    /// Count the work of `todo` and time it on `threads` threads.
    pub fn of(
        q: &Question,
        todo: &[&Point],
        stress: &StressConfig,
        threads: usize,
    ) -> SweepEstimate {
        let threads = threads.max(1);
        let mut e = SweepEstimate {
            points: todo.len(),
            threads,
            ..SweepEstimate::default()
        };
        for p in todo {
            match p.engine {
                EngineKind::Explore => e.explore_points += 1,
                EngineKind::Analyze => e.analyze_points += 1,
                EngineKind::Sample => {
                    e.sample_points += 1;
                    e.sample_windows += q.samples as f64;
                }
                EngineKind::Stress => {
                    e.stress_points += 1;
                    // A protocol stress refuses costs nothing (a `not_run` row).
                    e.stress_cycles +=
                        crate::stress::planned_cycles(&p.protocol, stress).unwrap_or(0) as f64;
                }
            }
        }
        let parallel = e.sample_windows * NS_PER_WINDOW * 1e-9 + e.points as f64 * S_PER_POINT;
        e.wall_s = parallel / threads as f64 + e.stress_cycles * NS_PER_CYCLE * 1e-9;
        e
    }

    /// One line: `288 points (144 sample x 1e5 windows = 1.44e7 windows,
    /// 4 stress = 8.6e9 cycles, 140 analyze, 0 explore) ~ 2.3 min on 2 threads`.
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        if self.sample_points > 0 {
            parts.push(format!(
                "{} sample = {:.3e} windows",
                self.sample_points, self.sample_windows
            ));
        }
        if self.stress_points > 0 {
            parts.push(format!(
                "{} stress = {:.3e} lock cycles",
                self.stress_points, self.stress_cycles
            ));
        }
        if self.analyze_points > 0 {
            parts.push(format!("{} analyze", self.analyze_points));
        }
        if self.explore_points > 0 {
            parts.push(format!("{} explore (not timed)", self.explore_points));
        }
        format!(
            "{} points ({}) ~ {} on {} thread(s)",
            self.points,
            parts.join(", "),
            human_s(self.wall_s),
            self.threads
        )
    }
}

/// Seconds as `0.4 s`, `2.3 min`, `5.0 h`, `27.0 days`, `3.1e3 years`.
pub fn human_s(s: f64) -> String {
    let year = 365.25 * 86400.0;
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else if s < 2.0 * 86400.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s < year {
        format!("{:.1} days", s / 86400.0)
    } else {
        format!("{:.2e} years", s / year)
    }
}

/// A duration a user can pass back to `--budget`, rounded up: `28d`,
/// `3h`, `12min`, `30s`.
pub fn budget_hint(s: f64) -> String {
    if s <= 60.0 {
        format!("{}s", s.ceil().max(1.0))
    } else if s <= 3600.0 {
        format!("{}min", (s / 60.0).ceil())
    } else if s <= 2.0 * 86400.0 {
        format!("{}h", (s / 3600.0).ceil())
    } else {
        format!("{}d", (s / 86400.0).ceil())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::grid::points;

    fn spec(samples: u64, windows: usize) -> Question {
        let w: Vec<String> = (1..=windows).map(|i| format!("\"fixed:{i}us\"")).collect();
        let text = format!(
            "name = \"e\"\ntitle = \"e\"\nseed = 1\nsamples = {samples}\n\
             engines = [\"explore\", \"analyze\", \"sample\"]\nwidths = [8, 16]\n\
             rates = [\"1e6\"]\nwindows = [{}]\n[[protocols]]\nprotocol = \"plain\"\n",
            w.join(", ")
        );
        Question::parse("e.toml", &text).unwrap()
    }

    #[test]
    fn work_is_counted_from_the_grid() {
        let q = spec(1000, 3);
        let grid = points(&q);
        let todo: Vec<&Point> = grid.iter().collect();
        let e = SweepEstimate::of(&q, &todo, &StressConfig::default(), 2);
        // 2 widths x (1 explore + 3 analyze + 3 sample).
        assert_eq!(
            (
                e.points,
                e.explore_points,
                e.analyze_points,
                e.sample_points
            ),
            (14, 2, 6, 6)
        );
        assert_eq!(e.sample_windows, 6000.0);
        let want = (6000.0 * NS_PER_WINDOW * 1e-9 + 14.0 * S_PER_POINT) / 2.0;
        assert!((e.wall_s - want).abs() < 1e-12);
        // The example: 98,010 points x 1e9 samples is weeks.
        let big = SweepEstimate {
            sample_points: 98_010,
            sample_windows: 98_010.0 * 1e9,
            threads: 2,
            wall_s: 98_010.0 * 1e9 * NS_PER_WINDOW * 1e-9 / 2.0,
            ..SweepEstimate::default()
        };
        assert!(big.wall_s > 20.0 * 86400.0, "{}", human_s(big.wall_s));
    }

    #[test]
    fn hints_round_up() {
        assert_eq!(budget_hint(0.2), "1s");
        assert_eq!(budget_hint(61.0), "2min");
        assert_eq!(budget_hint(2.33e6), "27d");
        assert_eq!(human_s(2.33e6), "27.0 days");
    }
}
