//! A progress bar on stderr for long searches (indicatif draws nothing
//! without a terminal, so pipes and CI stay clean). It appears only once a
//! search has run for a second.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The search's meter.
pub(crate) struct Meter {
    enabled: bool,
    start: Instant,
    bar: Option<ProgressBar>,
    len: u64,
    ticks: u32,
}

impl Meter {
    /// A meter whose bar counts window cycles up to `len`.
    pub(crate) fn new(enabled: bool, len: u128) -> Meter {
        Meter {
            enabled,
            start: Instant::now(),
            bar: None,
            len: len.min(u128::from(u64::MAX)) as u64,
            ticks: 0,
        }
    }

    /// Report the cost reached and the states expanded.
    pub(crate) fn tick(&mut self, cycles: u128, states: u64) {
        if !self.enabled {
            return;
        }
        // Reading the clock costs more than a search step: look at it on
        // one tick in 256 (brute mode ticks once per 2^20 steps anyway).
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks % 256 != 1 {
            return;
        }
        if self.bar.is_none() && self.start.elapsed().as_secs_f64() > 1.0 {
            let bar = ProgressBar::with_draw_target(Some(self.len), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} cycles in R0's window, {msg}",
                )
                .expect("static template")
                .progress_chars("=> "),
            );
            self.bar = Some(bar);
        }
        if let Some(b) = &self.bar {
            b.set_position(cycles.min(u128::from(u64::MAX)) as u64);
            b.set_message(format!("{states} states"));
        }
    }

    /// Remove the bar.
    pub(crate) fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}
