//! The writer: how often it runs a lock/modify/unlock cycle and how long
//! it holds the lock.
//!
//! # The model
//!
//! A writer cycle is DESIGN.md's `lock (seq+=1); modify (ver+=1); unlock
//! (seq+=1)`. The lock is taken at the cycle's start time and released `H`
//! seconds later (`--hold H`, default 0: lock and unlock at one instant, so
//! a reader never sees an odd seq). Writers serialise on the lock, so holds
//! never overlap; `rate * H < 1` is required, and `h = rate * H` is the
//! fraction of time the lock is held.
//!
//! - `fixed`: cycles start every `1/rate` seconds; the window's start has a
//!   uniform phase in that period.
//! - `poisson`: the lock alternates between free periods, exponential with
//!   mean `1/mu` where `mu = rate / (1 - h)`, and held periods of exactly
//!   `H`. (Equivalently: lock attempts form a Poisson process of rate `mu`
//!   and an attempt that finds the lock held is dropped — a non-paralysable
//!   dead time, Feller's type I counter.) The cycle rate is
//!   `1/(H + 1/mu) = rate` and the lock is held a fraction `h` of the time.
//!   With `H = 0` this is the Poisson process of rate `rate`.
//!
//! The reader's window starts at a stationary random time.

use std::fmt;

use crate::error::{Error, Result};
use crate::text::units::{FlagExt, Parsed, compact_duration};

/// How writer cycles are spaced in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Process {
    /// One cycle every `1/rate` seconds, uniform phase.
    Fixed,
    /// Exponential free periods (a Poisson process when the hold is 0).
    Poisson,
}

/// What `--process` accepts.
pub const PROCESS_ALLOWED: &str = "fixed, poisson";

impl Process {
    /// Parse a process name.
    pub fn parse(text: &str) -> Parsed<Process> {
        match text.trim() {
            "fixed" => Ok(Process::Fixed),
            "poisson" => Ok(Process::Poisson),
            other => Err(format!(
                "'{other}' is not a writer process; allowed: {PROCESS_ALLOWED}"
            )),
        }
    }

    /// The name as `--process` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Process::Fixed => "fixed",
            Process::Poisson => "poisson",
        }
    }
}

impl fmt::Display for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A validated writer: rate > 0 finite, hold >= 0 finite, `rate * hold < 1`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Writer {
    rate: f64,
    process: Process,
    hold: f64,
}

impl Writer {
    /// Check the invariants; each error names its flag (`--rate`,
    /// `--hold`).
    pub fn new(rate: f64, process: Process, hold: f64) -> Result<Writer> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(Error::usage(format!(
                "--rate: {rate} is not a rate; allowed: a finite number of cycles per second > 0"
            )));
        }
        Writer::with_hold(rate, process, hold).flag("--hold")
    }

    /// [`Writer::new`] for a valid rate, the error not naming where the
    /// hold came from (a spec names its file, line and key).
    pub fn with_hold(rate: f64, process: Process, hold: f64) -> Parsed<Writer> {
        if !(hold.is_finite() && hold >= 0.0) {
            return Err(format!("{hold} is not a hold time; allowed: a time >= 0"));
        }
        if rate * hold >= 1.0 {
            return Err(format!(
                "rate x hold = {:e} x {} >= 1, the lock would never be free; \
                 allowed: a hold shorter than one cycle (1/rate = {})",
                rate,
                compact_duration(hold),
                compact_duration(1.0 / rate)
            ));
        }
        Ok(Writer {
            rate,
            process,
            hold,
        })
    }

    /// Writer cycles per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The spacing of cycles in time.
    pub fn process(&self) -> Process {
        self.process
    }

    /// Seconds the lock is held per cycle.
    pub fn hold(&self) -> f64 {
        self.hold
    }

    /// `h = rate * hold`, the fraction of time the lock is held, in [0, 1).
    /// It is also P(ABORT): a stationary window start lands in a hold.
    pub fn held_fraction(&self) -> f64 {
        self.rate * self.hold
    }

    /// `mu = rate / (1 - h)`: the rate of lock attempts while the lock is
    /// free (poisson process); equals `rate` when the hold is 0.
    pub fn free_rate(&self) -> f64 {
        self.rate / (1.0 - self.held_fraction())
    }
}

impl fmt::Display for Writer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Six significant digits, trailing zeros dropped: 5.35e6, 9.70175e6.
        let sci = format!("{:.5e}", self.rate);
        let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        write!(f, "{} writer at {mantissa}e{exp} cycles/s", self.process)?;
        if self.hold > 0.0 {
            write!(f, ", lock held {} a cycle", compact_duration(self.hold))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_must_leave_the_lock_free_sometimes() {
        assert!(Writer::new(1e6, Process::Fixed, 0.5e-6).is_ok());
        let e = Writer::new(1e6, Process::Poisson, 1e-6)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("--hold"), "{e}");
        let w = Writer::new(1e6, Process::Poisson, 0.25e-6).unwrap();
        assert!((w.free_rate() - 1e6 / 0.75).abs() < 1e-6);
        // cycle rate of the alternating process = 1/(H + 1/mu) = rate
        assert!((1.0 / (w.hold() + 1.0 / w.free_rate()) - 1e6).abs() < 1e-3);
    }

    #[test]
    fn process_names_round_trip() {
        for p in [Process::Fixed, Process::Poisson] {
            assert_eq!(Process::parse(p.name()).unwrap(), p);
        }
        assert!(
            Process::parse("bursty")
                .unwrap_err()
                .contains("allowed: fixed, poisson")
        );
    }
}
