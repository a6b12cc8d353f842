//! Which reader windows the stress engine runs for each scheme, and how
//! many writer cycles go where. The counts come from
//! [`SchemeSpec::min_cycles_closed_form`] (never re-derived here); the
//! schedules are the shortest counterexamples the explorer finds:
//!
//! - plain: the reader snapshots seq and parks; 2^(W-1) cycles run; it
//!   validates (seed mail: "mm->mm_lock_seq (int) overflows and just happen
//!   to reach the same value as we recorded").
//! - split naive: lo is first brought to 2^L - 2 (outside the window); the
//!   reader loads lo, one cycle carries into hi, the reader loads hi (new),
//!   the rest of the cycles bring lo back; the end loads match.
//! - epoch: the writer is stopped in the cycle that wraps seq, after its
//!   modification and before its unlock stores; the reader loads the old
//!   epoch, the writer finishes (seq 0, epoch + 1), the reader loads seq 0;
//!   (2^E - 1) * 2^(W-1) more cycles bring (epoch, seq) back to (old, 0).
//! - safe schemes run the schedule that breaks their unsafe sibling, at its
//!   count and more: guard runs plain's schedule for 2 * 2^(W-1) cycles
//!   (the writer must wait at the wrap); split hi-lo-hi runs naive's
//!   torn-read schedule at naive's count and at 2^(H+L-1) - 1 cycles, the
//!   longest window below its own full-width bound.
//!
//! Known gap: split with L = 1. The torn-read schedule then has no cycle
//! left for the data-read phase (2^(L-1) - 1 = 0), so it ends in a true
//! ACCEPT; the closed form's one-cycle counterexample needs the writer
//! stopped between its two carry stores while the reader's end loads run,
//! which these plans do not schedule. The report says the window reached
//! the predicted count without a false positive instead of hiding it.

use num_bigint::BigUint;
use num_traits::ToPrimitive;

use crate::error::{Error, Result};
use crate::scheme::{SchemeSpec, SplitRead};

/// One reader window. Writer cycles run at three places:
/// `pre_cycles` before the speculation starts (not in the window),
/// `gap_cycles` between the reader's first and second begin loads, and
/// `data_cycles` in the data-read phase, where the reader is parked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Cycles before the reader's first begin load.
    pub(crate) pre_cycles: u64,
    /// Stop the pre-run's wrapping cycle after its modification, before its
    /// unlock stores; it finishes at the reader's begin gap.
    pub(crate) pause_at_wrap: bool,
    /// Cycles between the first and second begin loads.
    pub(crate) gap_cycles: u64,
    /// Cycles in the data-read phase.
    pub(crate) data_cycles: u64,
    /// One line saying what the window does, for the report.
    pub(crate) what: String,
}

impl Plan {
    /// Writer cycles the plan runs in all.
    pub(crate) fn total(&self) -> u64 {
        self.pre_cycles
            .saturating_add(self.gap_cycles)
            .saturating_add(self.data_cycles)
    }
}

/// Why a plan is refused: one line with the count, the limit and what to
/// use instead. A ~10 ns cycle is this machine's order of magnitude.
fn too_many(spec: &SchemeSpec, n: &BigUint, max_cycles: u64) -> Error {
    let log2 = n.to_f64().map_or(f64::INFINITY, f64::log2);
    let secs = n.to_f64().unwrap_or(f64::INFINITY) * 10e-9;
    let time = if secs < 3.0 * 86400.0 {
        format!("~{secs:.0} s")
    } else {
        format!("~{:.1e} years", secs / (365.25 * 86400.0))
    };
    let max_bits = 64 - max_cycles.leading_zeros();
    Error::usage(format!(
        "stress: {spec} needs {n} writer cycles (2^{log2:.1}, {time} at 10 ns); \
         allowed: at most --max-cycles {max_cycles} (a counter of up to ~{max_bits} bits); \
         use explore or analyze for wider counters"
    ))
}

fn fit(spec: &SchemeSpec, n: &BigUint, max_cycles: u64) -> Result<u64> {
    n.to_u64()
        .filter(|&v| v <= max_cycles)
        .ok_or_else(|| too_many(spec, n, max_cycles))
}

/// The windows to run for `spec`, each within `max_cycles` writer cycles.
pub(crate) fn plans(spec: &SchemeSpec, max_cycles: u64) -> Result<Vec<Plan>> {
    let closed = |s: &SchemeSpec| s.min_cycles_closed_form();
    let plans = match *spec {
        SchemeSpec::Plain { .. } => {
            let n = fit(
                spec,
                &closed(spec).expect("plain always has one"),
                max_cycles,
            )?;
            vec![Plan {
                pre_cycles: 0,
                pause_at_wrap: false,
                gap_cycles: 0,
                data_cycles: n,
                what: format!("reader snapshots seq and parks while writers run {n} cycles"),
            }]
        }
        SchemeSpec::Guard { width } => {
            let plain = SchemeSpec::Plain { width };
            let n = closed(&plain).expect("plain always has one") * 2u8;
            let n = fit(spec, &n, max_cycles)?;
            vec![Plan {
                pre_cycles: 0,
                pause_at_wrap: false,
                gap_cycles: 0,
                data_cycles: n,
                what: format!(
                    "plain's schedule: reader snapshots seq and parks while writers \
                     are asked for {n} cycles (twice plain's false-positive count)"
                ),
            }]
        }
        SchemeSpec::Split {
            hi,
            lo,
            read,
            write_order,
        } => {
            // lo = 2^L - 2: even, one cycle before a carry.
            let pre = (1u64 << (lo - 1)) - 1;
            let naive = SchemeSpec::Split {
                hi,
                lo,
                read: SplitRead::Naive,
                write_order,
            };
            let torn = |total: u64| Plan {
                pre_cycles: pre,
                pause_at_wrap: false,
                gap_cycles: 1,
                data_cycles: total.saturating_sub(1),
                what: format!(
                    "lo at 2^L-2; reader loads {}, 1 carry cycle, reader loads hi{}, \
                     then parks for {} cycles (window {total})",
                    if read == SplitRead::Naive {
                        "lo"
                    } else {
                        "hi, lo"
                    },
                    if read == SplitRead::Naive {
                        ""
                    } else {
                        " (moved: re-reads hi, lo, hi)"
                    },
                    total.saturating_sub(1)
                ),
            };
            let n_naive = fit(
                &naive,
                &closed(&naive).expect("split always has one"),
                max_cycles,
            )?;
            let mut v = vec![torn(n_naive)];
            if read == SplitRead::HiLoHi {
                let full = closed(spec).expect("split always has one") - 1u8;
                let longest = fit(spec, &full, max_cycles)?;
                if longest > n_naive {
                    v.push(torn(longest));
                }
            }
            v
        }
        SchemeSpec::Epoch { width, .. } => {
            let n = fit(
                spec,
                &closed(spec).expect("epoch always has one"),
                max_cycles,
            )?;
            let pre = 1u64 << (width.bits() - 1);
            fit(spec, &(BigUint::from(n) + pre), max_cycles)?;
            vec![Plan {
                pre_cycles: pre,
                pause_at_wrap: true,
                gap_cycles: 0,
                data_cycles: n,
                what: format!(
                    "writer stopped inside its seq-wrapping cycle; reader loads epoch, \
                     writer finishes, reader loads seq, then parks for {n} cycles"
                ),
            }]
        }
        SchemeSpec::Bounded { .. } => {
            return Err(Error::usage(
                "stress: scheme bounded is not run on hardware (its reader needs a \
                 cycle oracle or a clock); allowed: plain, split, epoch, guard",
            ));
        }
    };
    let total: u128 = plans.iter().map(|p| u128::from(p.total())).sum();
    if total > u128::from(max_cycles) {
        return Err(too_many(spec, &BigUint::from(total), max_cycles));
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheme::SplitWriteOrder;

    #[test]
    fn plain_plan_is_the_closed_form() {
        let p = plans(&SchemeSpec::plain(8), 1 << 20).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(
            BigUint::from(p[0].data_cycles),
            SchemeSpec::plain(8).min_cycles_closed_form().unwrap()
        );
    }

    #[test]
    fn too_wide_is_a_usage_error_naming_the_limit() {
        let e = plans(&SchemeSpec::plain(64), 1 << 33).unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(e.to_string().contains("--max-cycles"), "{e}");
        let s = SchemeSpec::Split {
            hi: 32,
            lo: 32,
            read: SplitRead::HiLoHi,
            write_order: SplitWriteOrder::LoFirst,
        };
        assert!(matches!(plans(&s, 1 << 33), Err(Error::Usage(_))));
    }
}
