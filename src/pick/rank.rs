//! The ranking of `seqwrap pick`: the numbers behind an answer, per threat
//! model. It finds the smallest plain width (analyze's closed forms), the
//! times or probabilities at that width and one bit below, the options
//! that meet the target in the order of their cost, and the verdict on
//! the request's own protocol. It writes no sentence: what it found goes
//! to the prose ([`super::prose`]) as the answer's fields and the facts
//! beside it ([`AdversarialFacts`], [`WindowFacts`]), so rewording an
//! explanation cannot change a number, and every number the explanation
//! cites was computed here, once.

use crate::explore::sc_facts;
use num_bigint::BigUint;

use super::options::{candidates, meets, option_of, param_pairs, per_model, survives, widen};
use super::{
    AdversarialFacts, AdversarialWidth, DEFAULT_TARGET, DEFAULT_UPTIME_YEARS, FixedWindow, Horizon,
    Limit, PickAnswer, PickOption, PickRequest, StallBound, Uptime, WindowFacts, WindowWidth,
    YourAnswer, kernel_bits, kernel_type,
};
use crate::analyze::{AnalyzeConfig, LogProb, analyze};
use crate::error::{Error, Result};
use crate::memory::Model;
use crate::protocol::{Protocol, catalog};
use crate::timing::{Process, Window, Writer, YEAR_S};

fn plain(bits: u32) -> Protocol {
    catalog::protocol("plain", &[("W", &bits.to_string())]).expect("plain takes W in 2..=64")
}

fn writer(rate: f64) -> Result<Writer> {
    Writer::new(rate, Process::Poisson, 0.0)
}

/// Seconds for an adversary to break a plain W-bit counter at `rate`.
fn time_to_fp(bits: u32, rate: f64) -> Result<f64> {
    let protocol = plain(bits);
    let r = analyze(&AnalyzeConfig {
        sc: sc_facts(&protocol)?,
        protocol,
        writer: writer(rate)?,
        window: None,
        fleet: None,
    })?;
    r.time_to_fp_s
        .ok_or_else(|| Error::Run("analyze gave no time for plain".into()))
}

/// The horizon of an adversarial request: the stall bound or the uptime,
/// whichever is shorter.
fn horizon(req: &PickRequest) -> Horizon {
    let (uptime, from) = match (req.uptime_s, &req.fleet) {
        (Some(u), _) => (u, Uptime::Given),
        (None, Some(f)) => (f.years * YEAR_S, Uptime::Fleet),
        (None, None) => (DEFAULT_UPTIME_YEARS * YEAR_S, Uptime::Default),
    };
    let (seconds, limit) = match &req.stall {
        StallBound::At { seconds, why } if *seconds < uptime => {
            (*seconds, Limit::Stall(why.clone()))
        }
        StallBound::At { .. } => (uptime, Limit::UptimeBelowStall),
        StallBound::Unbounded => (uptime, Limit::Unbounded),
    };
    Horizon {
        seconds,
        uptime,
        from,
        limit,
    }
}

/// The adversarial answer's numbers: the smallest plain width that
/// survives rate x horizon cycles, and every option that does.
pub(super) fn adversarial(req: &PickRequest) -> Result<(PickAnswer, AdversarialFacts)> {
    if req.target.is_some() {
        return Err(Error::usage(
            "--target applies to --window; with --adversarial the horizon is the longest \
             stall (--stall) or the uptime (--uptime)",
        ));
    }
    let horizon = horizon(req);
    let h = horizon.seconds;
    let needed = req.rate * h;
    let mut found = None;
    for bits in 2..=64 {
        if time_to_fp(bits, req.rate)? >= h {
            found = Some(bits);
            break;
        }
    }
    let t32 = time_to_fp(32, req.rate)?;
    let t64 = time_to_fp(64, req.rate)?;
    let options = safe_options(needed, &[32, 64])?;
    let mut answer = PickAnswer {
        threat: "adversarial".into(),
        rate: req.rate,
        bits: found.map(kernel_bits),
        bits_needed: found,
        protocol: String::new(),
        protocol_name: String::new(),
        protocol_params: Vec::new(),
        kernel_type: String::new(),
        horizon_s: Some(h),
        needed_cycles: Some(needed),
        value_at_bits: None,
        value_at_bits_minus_1: None,
        p_32: None,
        p_64: None,
        wraps_32: None,
        options: Vec::new(),
        yours: None,
        explanation: String::new(),
    };
    let width = match found {
        Some(bits) => {
            let t = time_to_fp(bits, req.rate)?;
            let mut below = None;
            if bits > 2 {
                let b = time_to_fp(bits - 1, req.rate)?;
                answer.value_at_bits_minus_1 = Some(format!("{b:e}"));
                below = Some(b);
            }
            let named = plain(kernel_bits(bits));
            answer.protocol_name = named.name().to_string();
            answer.protocol_params = param_pairs(&named);
            answer.kernel_type = kernel_type(bits).into();
            answer.value_at_bits = Some(format!("{t:e}"));
            Some(AdversarialWidth {
                bits,
                seconds: t,
                below,
            })
        }
        None => {
            let cheapest = options.iter().find(|o| o.min_cycles.is_none());
            (answer.protocol_name, answer.protocol_params) = cheapest
                .map_or(("none".into(), Vec::new()), |o| {
                    (o.protocol.clone(), o.param_pairs.clone())
                });
            answer.kernel_type =
                cheapest.map_or("none".into(), |o| kernel_type(o.widest_word).into());
            answer.value_at_bits_minus_1 = Some(format!("{t64:e}"));
            None
        }
    };
    if let Some(y) = &req.yours {
        let ok = |s: &Protocol| survives(s, needed);
        let per = per_model(y)?;
        let meets_all = per.iter().all(|(_, v)| meets(v, needed));
        answer.yours = Some(judge(y, per, meets_all, &ok, None)?);
    }
    answer.options = options;
    Ok((
        answer,
        AdversarialFacts {
            horizon,
            needed,
            t32,
            t64,
            width,
        },
    ))
}

/// The probability compared with the target at width `bits`: per
/// speculation, or of at least one over the fleet; and P(retry).
fn risk(bits: u32, req: &PickRequest, window: &Window) -> Result<(LogProb, LogProb)> {
    risk_of(&plain(bits), req, window)
}

/// [`risk`] of any protocol (its closed form for a catalog entry, else the
/// explorer's period).
fn risk_of(s: &Protocol, req: &PickRequest, window: &Window) -> Result<(LogProb, LogProb)> {
    let r = analyze(&AnalyzeConfig {
        protocol: s.clone(),
        writer: writer(req.rate)?,
        window: Some(window.clone()),
        fleet: req.fleet,
        sc: sc_facts(s)?,
    })?;
    let p = r
        .probabilities
        .map(|p| p.false_positive)
        .ok_or_else(|| Error::Run("analyze gave no probability".into()))?;
    Ok((p, r.fleet.map_or(p, |f| f.p_any)))
}

/// A fixed window read with a writer jittered by `p99` (see
/// [`JITTER_P99`]); any other window as it is.
pub fn jittered(window: &Window, p99: f64) -> Window {
    match window {
        Window::Fixed { len } => Window::LogNormal {
            median: *len,
            p99: len * p99,
        },
        other => other.clone(),
    }
}

/// The window answer's numbers: the smallest plain width whose
/// probability meets the target (bisection), the probabilities around it,
/// and when none does the options with no false positive at all.
pub(super) fn accidental(req: &PickRequest, given: &Window) -> Result<(PickAnswer, WindowFacts)> {
    let target = req.target.unwrap_or(DEFAULT_TARGET);
    if !(req.jitter_p99.is_finite() && req.jitter_p99 > 1.0) {
        return Err(Error::usage(
            "--jitter: allowed: a factor > 1 (the writer rate's p99 over its median)",
        ));
    }
    let window = jittered(given, req.jitter_p99);
    // The target met: the one rule for plain widths and the request's own.
    let passes = |q: &LogProb| q.is_zero() || q.log10() <= target.log10();
    let ok = |bits: u32| -> Result<bool> { Ok(passes(&risk(bits, req, &window)?.1)) };
    // Smallest W in 2..=64 with ok(W); P is non-increasing in W.
    let found = if !ok(64)? {
        None
    } else {
        let (mut lo, mut hi) = (2u32, 64u32);
        if ok(2)? {
            hi = 2;
        }
        while lo + 1 < hi {
            let mid = (lo + hi) / 2;
            if ok(mid)? { hi = mid } else { lo = mid }
        }
        Some(hi)
    };
    let fixed = match given {
        Window::Fixed { len } => {
            let cycles = req.rate * len;
            let wraps = cycles / 2f64.powi(31);
            let exact = risk(32, req, given)?.0;
            let lottery = if wraps >= 1.0 {
                Some(
                    [1.2, 2.0]
                        .iter()
                        .map(|j| -> Result<(f64, LogProb)> {
                            Ok((*j, risk(32, req, &jittered(given, *j))?.0))
                        })
                        .collect::<Result<_>>()?,
                )
            } else {
                None
            };
            Some(FixedWindow {
                len: *len,
                cycles,
                wraps,
                exact,
                lottery,
            })
        }
        _ => None,
    };
    let (p32, q32) = risk(32, req, &window)?;
    let (p64, _) = risk(64, req, &window)?;
    let mut answer = PickAnswer {
        threat: "window".into(),
        rate: req.rate,
        bits: found.map(kernel_bits),
        bits_needed: found,
        protocol: String::new(),
        protocol_name: String::new(),
        protocol_params: Vec::new(),
        kernel_type: String::new(),
        horizon_s: None,
        needed_cycles: None,
        value_at_bits: None,
        value_at_bits_minus_1: None,
        p_32: Some(p32.sci()),
        p_64: Some(p64.sci()),
        wraps_32: fixed.as_ref().map(|f| f.wraps),
        options: Vec::new(),
        yours: None,
        explanation: String::new(),
    };
    let width = match found {
        Some(bits) => {
            let (p, q) = risk(bits, req, &window)?;
            let mut below = None;
            if bits > 2 {
                let (_, qb) = risk(bits - 1, req, &window)?;
                answer.value_at_bits_minus_1 = Some(qb.sci());
                below = Some(qb);
            }
            let named = plain(kernel_bits(bits));
            answer.protocol_name = named.name().to_string();
            answer.protocol_params = param_pairs(&named);
            answer.kernel_type = kernel_type(bits).into();
            answer.value_at_bits = Some(q.sci());
            Some(WindowWidth { bits, p, q, below })
        }
        None => {
            let opts = safe_options(f64::INFINITY, &[32])?;
            let cheapest = opts.first();
            (answer.protocol_name, answer.protocol_params) = cheapest
                .map_or(("none".into(), Vec::new()), |o| {
                    (o.protocol.clone(), o.param_pairs.clone())
                });
            answer.kernel_type =
                cheapest.map_or("none".into(), |o| kernel_type(o.widest_word).into());
            answer.options = opts;
            None
        }
    };
    if let Some(y) = &req.yours {
        let ok = |s: &Protocol| -> Result<bool> { Ok(passes(&risk_of(s, req, &window)?.1)) };
        let (_, q) = risk_of(y, req, &window)?;
        answer.yours = Some(judge(y, per_model(y)?, passes(&q), &ok, Some(q.sci()))?);
    }
    Ok((
        answer,
        WindowFacts {
            target,
            window,
            fixed,
            p32,
            q32,
            p64,
            width,
        },
    ))
}

/// `s` judged: `per` its fewest cycles under every model, `meets` the
/// caller's verdict on it (from `per`, or from a probability the caller
/// already has), `ok` the same verdict for the widened instances.
fn judge(
    s: &Protocol,
    per: Vec<(Model, Option<BigUint>)>,
    meets: bool,
    ok: &dyn Fn(&Protocol) -> Result<bool>,
    p: Option<String>,
) -> Result<YourAnswer> {
    let widened = if meets {
        None
    } else {
        widen(s, ok)?.map(|w| w.params_string())
    };
    Ok(YourAnswer {
        option: option_of(s, "", per),
        meets,
        p,
        widened,
    })
}

/// The cost order: the reader's loads and fences first (the fast path is
/// why the speculation exists), then the writer's per cycle, then a grace
/// period on the writer's path (it holds mmap_lock while it waits), then a
/// cost the program cannot show (the protocol's note), then rarer
/// writer work, then fewer bits.
fn cost_key(o: &PickOption) -> (u32, u32, bool, bool, usize, u32, String) {
    (
        o.reader_ops,
        o.writer_ops,
        o.grace_period,
        o.note.is_some(),
        o.writer_rare.len(),
        o.bits,
        o.label.clone(),
    )
}

/// Every instance of every catalog protocol at each of `totals` bits
/// that survives `needed` writer cycles inside one reader window under sc,
/// tso and lkmm (explorer, exact), by cost. Of the instances of one
/// protocol that differ only in width, only the narrowest that meets
/// the target is kept; an instance another one beats in every respect
/// ([`dominates`]: more bits or a wider word, more work, no more margin) is
/// left out. The candidates and their errors are
/// [`candidates`]'s.
pub fn safe_options(needed: f64, totals: &[u32]) -> Result<Vec<PickOption>> {
    let mut kept: Vec<PickOption> = Vec::new();
    for o in candidates(needed, totals)? {
        // The same protocol with the same choices at a narrower total
        // already meets the target: the wider one adds nothing.
        let narrower = kept
            .iter()
            .position(|k| k.protocol == o.protocol && k.choices == o.choices);
        match narrower {
            Some(i) if kept[i].bits <= o.bits => {}
            Some(i) => kept[i] = o,
            None => kept.push(o),
        }
    }
    let all_kept = kept.clone();
    kept.retain(|o| !all_kept.iter().any(|other| dominates(other, o)));
    kept.sort_by_key(cost_key);
    Ok(kept)
}

/// The fewest cycles as a number (none at all: infinite).
fn margin(o: &PickOption) -> f64 {
    o.min_cycles
        .as_deref()
        .and_then(|m| m.parse::<f64>().ok())
        .unwrap_or(f64::INFINITY)
}

/// `a` is at least as good as `b` in every respect the model measures —
/// no more bits, no wider word (a 64-bit word needs 64-bit atomics), no
/// more reader or writer work, no grace period where `b` has none, no
/// fewer cycles to a false positive — and better in one. A protocol's
/// note is prose (a locked read, a clock) and is not compared: an option
/// with a note hides no other option, except one with the same note.
fn dominates(a: &PickOption, b: &PickOption) -> bool {
    let no_worse = a.bits <= b.bits
        && a.widest_word <= b.widest_word
        && a.reader_ops <= b.reader_ops
        && a.writer_ops <= b.writer_ops
        && (!a.grace_period || b.grace_period)
        && margin(a) >= margin(b)
        && (a.note.is_none() || a.note == b.note);
    let better = a.bits < b.bits
        || a.widest_word < b.widest_word
        || a.reader_ops < b.reader_ops
        || a.writer_ops < b.writer_ops
        || (!a.grace_period && b.grace_period)
        || margin(a) > margin(b);
    no_worse && better
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_turns_fixed_windows_into_lognormal_ones() {
        assert_eq!(
            jittered(&Window::Fixed { len: 600.0 }, 1.5),
            Window::LogNormal {
                median: 600.0,
                p99: 900.0
            }
        );
        let ln = Window::LogNormal {
            median: 1e-6,
            p99: 1e-3,
        };
        assert_eq!(jittered(&ln, 1.5), ln);
    }
}
