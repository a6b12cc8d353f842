//! Which reader windows the stress engine runs for each scheme, and how
//! many writer cycles go where. Each window replays a counterexample
//! schedule the explorer finds (`seqwrap explore --scheme ...` prints the
//! same steps as a trace); safe schemes replay their unsafe sibling's
//! schedule at its count and more. Lengths are built from the counter
//! words' periods (a b-bit word comes back after 2^(b-1) cycles: two
//! increments a cycle); the observed count is measured and compared with
//! [`SchemeSpec::min_cycles_closed_form`], never copied from it.
//!
//! - plain, full wrap: the reader snapshots seq and parks; 2^(W-1) cycles
//!   (the closed form) run; it validates (seed mail: "mm->mm_lock_seq (int)
//!   overflows and just happen to reach the same value as we recorded").
//! - guard: plain's schedule for 2 * 2^(W-1) cycles; the writer must wait
//!   at the wrap for the parked reader (the harness lets it finish).
//! - split, torn begin (L >= 2): lo is brought to 2^L - 2 before the
//!   window; the reader loads lo (naive) or hi, lo (hi-lo-hi), one cycle
//!   carries, the reader loads hi: naive keeps the torn pair, hi-lo-hi sees
//!   hi move and re-reads. 2^(L-1) - 1 more cycles bring lo back.
//! - split lo-first, torn end: from rest, 2^(L-1) cycles; the last one
//!   wraps lo and the writer is stopped between its `lo = 0` and `hi + 1`
//!   stores while the reader runs its end loads: lo and hi both look
//!   unchanged. Breaks naive *and* hi-lo-hi (both hi loads see the old hi).
//! - split hi-lo-hi hi-first: lo at 2^L - 2; one cycle runs up to its carry
//!   and stops before the unlock stores; the reader loads its first end hi
//!   (old), the carry completes, 2^(L-1) - 1 cycles bring lo back, the
//!   reader loads lo; 1 + (2^H - 2) * 2^(L-1) cycles bring hi round to its
//!   old value; the reader loads its second hi. Window
//!   (2^H - 1) * 2^(L-1) + 1.
//! - split naive hi-first with L = 1: one cycle, the reader loads its end
//!   lo (0), 2^H - 1 cycles take hi round, the reader loads hi. Window 2^H.
//! - epoch, torn begin: the writer is stopped in its seq-wrapping cycle
//!   after its modification, before its unlock stores; the reader loads the
//!   old epoch, the writer finishes (seq 0, epoch + 1), the reader loads
//!   seq 0; (2^E - 1) * 2^(W-1) cycles bring (epoch, seq) back to (old, 0).
//! - epoch seq-first, torn end: from rest, 2^(W-1) cycles; the last wraps
//!   seq and the writer is stopped between `seq = 0` and `epoch + 1` while
//!   the reader loads seq (0) then epoch (old): the epoch adds nothing.
//!
//! Windows run shortest first; one whose cycles would push the total past
//! `max_cycles` is skipped and listed; none runnable is bad input.

use num_bigint::BigUint;
use num_traits::{One, ToPrimitive};

use crate::error::{Error, Result};
use crate::scheme::{EpochWriteOrder, SchemeSpec, SplitRead, SplitWriteOrder};

/// Where a writer run stops once, at its first wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pause {
    /// Never.
    None,
    /// After the wrapping cycle's modification, before its unlock stores.
    BeforeUnlock,
    /// Between the two stores of a two-word wrap.
    MidWrap,
}

/// One reader window. Writer cycles run at these places, in order:
/// `pre_cycles` before the speculation starts (not in the window; the last
/// may stop at `pre_pause` and finish at the begin gap), `gap_cycles`
/// between two begin loads, `data_cycles` in the data-read phase (the last
/// may stop at `data_pause`; it finishes at the first end gap, or after the
/// end loads), and `end_gaps[i]` after the reader's i-th end load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) pre_cycles: u64,
    pub(crate) pre_pause: Pause,
    pub(crate) gap_cycles: u64,
    pub(crate) data_cycles: u64,
    pub(crate) data_pause: Pause,
    pub(crate) end_gaps: Vec<u64>,
    /// One line saying what the window does, for the report.
    pub(crate) what: String,
}

impl Plan {
    fn data(n: u64, what: String) -> Plan {
        Plan {
            pre_cycles: 0,
            pre_pause: Pause::None,
            gap_cycles: 0,
            data_cycles: n,
            data_pause: Pause::None,
            end_gaps: Vec::new(),
            what,
        }
    }

    /// Writer cycles the plan runs in all.
    pub(crate) fn total(&self) -> u64 {
        self.end_gaps.iter().fold(
            self.pre_cycles
                .saturating_add(self.gap_cycles)
                .saturating_add(self.data_cycles),
            |t, &g| t.saturating_add(g),
        )
    }

    /// Writer cycles inside the window (all but the pre-run).
    pub(crate) fn window(&self) -> u64 {
        self.total() - self.pre_cycles
    }
}

/// The windows to run and the ones skipped (with why).
#[derive(Debug)]
pub(crate) struct Plans {
    pub(crate) run: Vec<Plan>,
    pub(crate) skipped: Vec<String>,
}

/// 2^(b-1): cycles for a b-bit word to come back to its value.
fn half(bits: u32) -> BigUint {
    BigUint::one() << (bits - 1)
}

fn pow2(bits: u32) -> BigUint {
    BigUint::one() << bits
}

/// A plan whose counts may not fit: `Err(needed)` when one does not.
type Draft = std::result::Result<Plan, (BigUint, String)>;

fn u(n: &BigUint) -> Option<u64> {
    n.to_u64()
}

/// Why a window is refused: the count, the limit and what to use instead.
/// A ~10 ns cycle is this machine's order of magnitude.
fn too_many(spec: &SchemeSpec, what: &str, n: &BigUint, max_cycles: u64) -> String {
    let log2 = n.to_f64().map_or(f64::INFINITY, f64::log2);
    let secs = n.to_f64().unwrap_or(f64::INFINITY) * 10e-9;
    let time = if secs < 3.0 * 86400.0 {
        format!("~{secs:.0} s")
    } else {
        format!("~{:.1e} years", secs / (365.25 * 86400.0))
    };
    let max_bits = 64 - max_cycles.leading_zeros();
    format!(
        "stress: {spec}: {what} needs {n} writer cycles (2^{log2:.1}, {time} at 10 ns); \
         allowed: at most --max-cycles {max_cycles} in all (a counter of up to ~{max_bits} \
         bits); use explore or analyze for wider counters"
    )
}

fn drafts(spec: &SchemeSpec) -> Result<Vec<Draft>> {
    let mut v: Vec<Draft> = Vec::new();
    match *spec {
        SchemeSpec::Plain { .. } => {
            let n = spec.min_cycles_closed_form().expect("plain always has one");
            let what = "full wrap: reader snapshots seq, parks while writers run".to_string();
            v.push(
                u(&n)
                    .map(|n| Plan::data(n, format!("{what} {n} cycles")))
                    .ok_or((n, what)),
            );
        }
        SchemeSpec::Guard { width } => {
            let plain = SchemeSpec::Plain { width };
            let n = plain
                .min_cycles_closed_form()
                .expect("plain always has one")
                * 2u8;
            let what = "plain's schedule: reader snapshots seq, parks while writers are asked \
                        for twice plain's count"
                .to_string();
            v.push(
                u(&n)
                    .map(|k| Plan::data(k, format!("{what} ({k} cycles)")))
                    .ok_or((n, what)),
            );
        }
        SchemeSpec::Split {
            hi,
            lo,
            read,
            write_order,
        } => {
            let h = half(lo);
            let naive = read == SplitRead::Naive;
            let torn_begin = |total: &BigUint, what: &str| -> Draft {
                let fits = u(&h).zip(u(total));
                let (half_lo, t) = fits.ok_or_else(|| (total.clone(), what.to_string()))?;
                Ok(Plan {
                    pre_cycles: half_lo - 1,
                    pre_pause: Pause::None,
                    gap_cycles: 1,
                    data_cycles: t - 1,
                    data_pause: Pause::None,
                    end_gaps: Vec::new(),
                    what: format!(
                        "{what}: lo at 2^L-2; reader loads {}, 1 carry cycle, reader \
                         loads hi{}; parks for {} cycles (window {t})",
                        if naive { "lo" } else { "hi, lo" },
                        if naive {
                            ""
                        } else {
                            " (moved: re-reads hi, lo, hi)"
                        },
                        t - 1
                    ),
                })
            };
            if lo >= 2 {
                v.push(torn_begin(&h, "torn begin"));
            }
            if write_order == SplitWriteOrder::LoFirst {
                let what = "torn end: writer stopped between its lo = 0 and hi + 1 stores";
                v.push(u(&h).map_or(Err((h.clone(), what.into())), |k| {
                    let mut p = Plan::data(
                        k,
                        format!("{what} while the reader's end loads run (window {k})"),
                    );
                    p.data_pause = Pause::MidWrap;
                    Ok(p)
                }));
            }
            if naive && lo == 1 && write_order == SplitWriteOrder::HiFirst {
                // One cycle (lo back to 0, hi + 1); the reader loads lo; hi
                // goes round (every cycle carries); the reader loads hi.
                let round = pow2(hi) - 1u8;
                let what = "end across a hi round trip";
                v.push(
                    u(&round).map_or(Err((round.clone() + 1u8, what.into())), |r| {
                        let mut p = Plan::data(
                            1,
                            format!(
                                "{what}: 1 cycle; reader loads end lo; {r} cycles; reader \
                             loads hi (old again) (window {})",
                                r + 1
                            ),
                        );
                        p.end_gaps = vec![r];
                        Ok(p)
                    }),
                );
            }
            if !naive && write_order == SplitWriteOrder::HiFirst {
                let round = (pow2(hi) - 2u8) * &h + 1u8;
                let need = (pow2(hi) - 1u8) * &h + 1u8;
                let what = "torn end across a hi round trip";
                v.push(match (u(&h), u(&round), u(&need)) {
                    (Some(k), Some(r), Some(n)) => Ok(Plan {
                        pre_cycles: k - 1,
                        pre_pause: Pause::None,
                        gap_cycles: 0,
                        data_cycles: 1,
                        data_pause: Pause::BeforeUnlock,
                        end_gaps: vec![k - 1, r],
                        what: format!(
                            "{what}: lo at 2^L-2; 1 cycle stops before its carry; reader \
                             loads end hi (old); carry, {} cycles; reader loads lo; {r} \
                             cycles; reader loads hi (old again) (window {n})",
                            k - 1
                        ),
                    }),
                    _ => Err((need, what.into())),
                });
            }
            if !naive {
                let longest = half(hi + lo) - 1u8;
                if lo >= 2 && longest > h {
                    v.push(torn_begin(
                        &longest,
                        "torn begin, longest window below 2^(H+L-1)",
                    ));
                }
            }
        }
        SchemeSpec::Epoch {
            width,
            epoch_bits,
            write_order,
        } => {
            let h = half(width.bits());
            let n = (pow2(epoch_bits) - 1u8) * &h;
            let what = "torn begin: writer stopped in its seq-wrapping cycle";
            v.push(match (u(&h), u(&n)) {
                (Some(pre), Some(k)) => Ok(Plan {
                    pre_cycles: pre,
                    pre_pause: Pause::BeforeUnlock,
                    gap_cycles: 0,
                    data_cycles: k,
                    data_pause: Pause::None,
                    end_gaps: Vec::new(),
                    what: format!(
                        "{what}; reader loads epoch (old), writer finishes, reader loads \
                         seq 0; parks for {k} cycles"
                    ),
                }),
                _ => Err((n, what.into())),
            });
            if write_order == EpochWriteOrder::SeqFirst {
                let what = "torn end: writer stopped between its seq = 0 and epoch + 1 stores";
                v.push(u(&h).map_or(Err((h.clone(), what.into())), |k| {
                    let mut p = Plan::data(
                        k,
                        format!("{what} while the reader loads seq, epoch (window {k})"),
                    );
                    p.data_pause = Pause::MidWrap;
                    Ok(p)
                }));
            }
        }
        SchemeSpec::Bounded { .. } => {
            return Err(Error::usage(
                "stress: scheme bounded is not run on hardware (its reader needs a \
                 cycle oracle or a clock); allowed: plain, split, epoch, guard",
            ));
        }
    }
    Ok(v)
}

/// The windows to run for `spec`, shortest first, within `max_cycles`
/// writer cycles in all. Errors: `Usage` for `bounded`, or when no window
/// fits (naming the limit).
pub(crate) fn plans(spec: &SchemeSpec, max_cycles: u64) -> Result<Plans> {
    let mut ok = Vec::new();
    let mut skipped = Vec::new();
    for d in drafts(spec)? {
        match d {
            Ok(p) => ok.push(p),
            Err((n, what)) => skipped.push(too_many(spec, &what, &n, max_cycles)),
        }
    }
    ok.sort_by_key(Plan::window);
    let mut run = Vec::new();
    let mut used = 0u64;
    for p in ok {
        match used.checked_add(p.total()).filter(|&t| t <= max_cycles) {
            Some(t) => {
                used = t;
                run.push(p);
            }
            None => {
                let what = p.what.split(':').next().unwrap_or("window").to_string();
                skipped.push(too_many(spec, &what, &BigUint::from(p.total()), max_cycles));
            }
        }
    }
    if run.is_empty() {
        return Err(Error::usage(skipped.into_iter().next().unwrap_or_else(
            || {
                format!(
                    "stress: no replayable schedule for {spec}; explore finds its counterexample"
                )
            },
        )));
    }
    Ok(Plans { run, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_plan_is_the_closed_form() {
        let p = plans(&SchemeSpec::plain(8), 1 << 20).unwrap();
        assert_eq!(p.run.len(), 1);
        assert_eq!(
            BigUint::from(p.run[0].data_cycles),
            SchemeSpec::plain(8).min_cycles_closed_form().unwrap()
        );
    }

    #[test]
    fn too_wide_is_a_usage_error_naming_the_limit() {
        let e = plans(&SchemeSpec::plain(64), 1 << 33).unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(e.to_string().contains("--max-cycles"), "{e}");
        let s = SchemeSpec::Epoch {
            width: crate::width::Width::new(32).unwrap(),
            epoch_bits: 32,
            write_order: EpochWriteOrder::EpochFirst,
        };
        assert!(matches!(plans(&s, 1 << 33), Err(Error::Usage(_))));
    }

    #[test]
    fn infeasible_windows_are_skipped_and_listed() {
        let s = SchemeSpec::Epoch {
            width: crate::width::Width::new(32).unwrap(),
            epoch_bits: 32,
            write_order: EpochWriteOrder::SeqFirst,
        };
        let p = plans(&s, 1 << 33).unwrap();
        assert_eq!(p.run.len(), 1, "the torn end at 2^31 runs");
        assert_eq!(p.skipped.len(), 1, "the torn begin at ~2^63 does not");
    }
}
