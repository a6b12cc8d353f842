//! `analyze`: exact answers for one point (protocol × writer × window).
//!
//! - `min_cycles`: the adversarial minimum, from the protocol's closed
//!   form when it states one (`[expect] sc`, held to the explorer by the
//!   tests), else from the explorer itself; both resolved by the caller
//!   (`explore::sc_facts`) and passed in ([`AnalyzeConfig::sc`]): an
//!   engine never runs another;
//! - `time_to_fp_s = min_cycles / rate`: how long an adversary who drives
//!   the writer at that rate, and can stall a reader at will, needs;
//! - P(FALSE POSITIVE), P(RETRY), P(ABORT), P(ACCEPT) of one speculation
//!   under the timed model of [`crate::timing`] (accidental, no adversary),
//!   kept in log space ([`LogProb`]);
//! - with a [`Fleet`], the expected false positives over its lifetime and
//!   the probability of at least one.
//!
//! Cost: one point is a few thousand log-density evaluations (< 10 ms,
//! `cargo bench --bench analyze`).

mod count;
#[cfg(test)]
mod extremes;
mod fleet;
mod logprob;
mod poisson;
mod quad;
mod render;
mod wraps;

pub use fleet::{FLEET_ALLOWED, Fleet, FleetRisk};
pub use logprob::{LogProb, ln_add, ln_sub};
pub use poisson::ln_pois;
pub use render::{to_json, to_text};

use num_bigint::BigUint;
use num_traits::ToPrimitive;

use crate::error::{Error, Result};
use crate::explore::ScFacts;
use crate::protocol::Protocol;
use crate::timing::{Process, TimedProtocol, Window, Writer};
use count::Counts;

/// One analysis point.
#[derive(Clone, Debug)]
pub struct AnalyzeConfig {
    /// The protocol.
    pub protocol: Protocol,
    /// The writer (rate, process, hold).
    pub writer: Writer,
    /// The window distribution; without it only `min_cycles` and
    /// `time_to_fp_s` are computed.
    pub window: Option<Window>,
    /// Fleet risk (needs a window).
    pub fleet: Option<Fleet>,
    /// What the explorer says of the protocol (SC), resolved by the caller
    /// (`explore::sc_facts`).
    pub sc: ScFacts,
}

/// The four outcome probabilities of one speculation. They sum to 1 (up
/// to quadrature error, ~1e-9).
#[derive(Clone, Debug, PartialEq)]
pub struct Probabilities {
    /// P(FALSE POSITIVE).
    pub false_positive: LogProb,
    /// When P(FALSE POSITIVE) is exactly 0, why.
    pub false_positive_zero_reason: Option<String>,
    /// P(RETRY).
    pub retry: LogProb,
    /// P(ABORT) = rate × hold.
    pub abort: LogProb,
    /// P(ACCEPT).
    pub accept: LogProb,
    /// The counter's period in writer cycles in the timed model,
    /// 2^(total bits - 1).
    pub period_cycles: u64,
}

/// Everything `analyze` says about one point.
#[derive(Clone, Debug)]
pub struct AnalyzeReport {
    /// The input.
    pub config: AnalyzeConfig,
    /// Fewest writer cycles in one speculation that give a false positive
    /// (adversarial; `None` when impossible).
    pub min_cycles: Option<BigUint>,
    /// `min_cycles / rate` in seconds.
    pub time_to_fp_s: Option<f64>,
    /// Outcome probabilities (when a window was given).
    pub probabilities: Option<Probabilities>,
    /// Fleet risk (when a fleet was given).
    pub fleet: Option<FleetRisk>,
    /// What the timed probabilities leave out, when the adversarial count
    /// is below the counter's period: a torn read or an ordering bug needs
    /// a reader stalled between two loads of one phase (probability 0 in
    /// the timed model, see `crate::timing::outcome`), so the
    /// probabilities are the wraps' alone.
    pub timed_scope: Option<String>,
}

/// Analyze one point. Errors: `--fleet` without `--window` (usage).
pub fn analyze(cfg: &AnalyzeConfig) -> Result<AnalyzeReport> {
    let min_cycles = cfg.sc.min_cycles.clone().map_err(Error::Run)?;
    let time_to_fp_s = min_cycles
        .as_ref()
        .map(|c| c.to_f64().unwrap_or(f64::INFINITY) / cfg.writer.rate());
    let probabilities = match &cfg.window {
        Some(w) => Some(probabilities(&cfg.protocol, &cfg.sc, &cfg.writer, w)?),
        None => None,
    };
    let fleet = match (&cfg.fleet, &probabilities) {
        (None, _) => None,
        (Some(f), Some(p)) => Some(f.risk(p.false_positive)),
        (Some(_), None) => {
            return Err(Error::usage(
                "--fleet needs --window: the fleet risk is built on P(false positive) per speculation",
            ));
        }
    };
    let timed_scope = match (&min_cycles, &probabilities) {
        (Some(m), Some(p)) if *m < BigUint::from(p.period_cycles) => Some(format!(
            "the shortest false positive ({m} cycles, SC) needs a reader stalled \
             between two loads of one phase; the probabilities count wraps of \
             the whole counter ({} cycles) only",
            p.period_cycles
        )),
        _ => None,
    };
    Ok(AnalyzeReport {
        config: cfg.clone(),
        min_cycles,
        time_to_fp_s,
        probabilities,
        fleet,
        timed_scope,
    })
}

/// The outcome probabilities of one speculation (see [`crate::timing`]).
/// Bounded work for every input: a few thousand log-density evaluations
/// at most, however many cycles or wraps a window spans (see `wraps`).
pub fn probabilities(
    protocol: &Protocol,
    sc: &ScFacts,
    writer: &Writer,
    window: &Window,
) -> Result<Probabilities> {
    Ok(probabilities_timed(
        &TimedProtocol::of(protocol, sc.none_at_all)?,
        writer,
        window,
    ))
}

/// [`probabilities`] for a protocol given by its timed view.
pub fn probabilities_timed(
    timed: &TimedProtocol,
    writer: &Writer,
    window: &Window,
) -> Probabilities {
    let counts = Counts::new(writer, window);
    let accept = LogProb::from_ln(counts.ln_count(0.0));
    let changed = counts.ln_changed();
    let reason = timed.why_no_false_positive().map(str::to_string);
    let k_max = timed.max_wraps();
    let fp = if reason.is_some() {
        f64::NEG_INFINITY
    } else if let Some(atoms) = window.atoms() {
        atoms.iter().fold(f64::NEG_INFINITY, |acc, &(d, p)| {
            ln_add(
                acc,
                p.ln() + wraps::ln_sum_atom(&counts, timed.period, k_max, d),
            )
        })
    } else {
        let pf = timed.period as f64;
        // Below the shortest window's mean count less 40 sd nothing counts.
        let m_lo = writer.rate() * window.lower_bound();
        // (Poisson: 40 sd below; fixed writer: the tent reaches 1 cycle.)
        let margin = match writer.process() {
            Process::Poisson => 40.0 * m_lo.sqrt() + 50.0,
            Process::Fixed => 1.0,
        };
        let k0 = ((m_lo - margin) / pf).floor().max(1.0);
        if !k0.is_finite() {
            // Even the shortest window holds more cycles than an f64: the
            // residue is uniform (counts spread over far more than a
            // period), the tent or Poisson mass per period is (1-h)^2, and
            // any cap T < 2^64 lies below every count.
            return finish(
                timed,
                writer,
                accept,
                changed,
                match k_max {
                    Some(_) => f64::NEG_INFINITY,
                    None => 2.0 * counts.free.ln() - pf.ln(),
                },
                None,
            );
        }
        // k_max below k0 (a bounded T under every likely count) is summed
        // down from k_max by ln_sum_wraps.
        wraps::ln_sum_wraps(&counts, pf, k0, k_max.map(|k| k as f64))
    };
    finish(timed, writer, accept, changed, fp, reason)
}

/// The probabilities from the false-positive sum and the other outcomes.
fn finish(
    timed: &TimedProtocol,
    writer: &Writer,
    accept: LogProb,
    changed: f64,
    fp: f64,
    reason: Option<String>,
) -> Probabilities {
    let abort = LogProb::from_f64(writer.held_fraction());
    let reason = reason.or_else(|| {
        (fp == f64::NEG_INFINITY).then(|| {
            "no window length of the distribution lets the writer start a whole number of wraps"
                .to_string()
        })
    });
    Probabilities {
        false_positive: LogProb::from_ln(fp),
        false_positive_zero_reason: reason,
        retry: LogProb::from_ln(ln_sub(changed, fp)),
        abort,
        accept,
        period_cycles: timed.period,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn window(kind: u8, a: f64, b: f64) -> Window {
        match kind {
            0 => Window::Fixed { len: a },
            1 => Window::Exp { mean: a },
            2 => Window::LogNormal {
                median: a,
                p99: a * (1.0 + b),
            },
            _ => Window::Pareto {
                xmin: a,
                alpha: 0.2 + b,
            },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        /// Whatever the point, the four outcomes partition the probability
        /// space (to the quadrature's 1e-6), nothing is NaN, and a false
        /// positive is never more likely than the counter moving at all.
        #[test]
        fn outcomes_partition_one(
            bits in 2u32..=64,
            log_rate in 0.0f64..10.0,
            h in prop_oneof![Just(0.0), 0.0f64..0.9],
            fixed in any::<bool>(),
            kind in 0u8..4,
            log_a in -12.0f64..6.0,
            b in 0.01f64..50.0,
            t in 0u64..5000,
        ) {
            let rate = 10f64.powf(log_rate);
            let process = if fixed { Process::Fixed } else { Process::Poisson };
            let writer = Writer::new(rate, process, h / rate).unwrap();
            let w = window(kind, 10f64.powf(log_a), b);
            let plain = |b: u32| TimedProtocol::new(1u64 << (b - 1), None);
            let p = probabilities_timed(&plain(bits), &writer, &w);
            let all = [p.false_positive, p.retry, p.abort, p.accept];
            prop_assert!(all.iter().all(|x| !x.ln().is_nan()), "{:?}", p);
            let sum: f64 = all.iter().map(|x| x.to_f64()).sum();
            prop_assert!((sum - 1.0).abs() < 1e-6, "sum {} for {} {} {:?}", sum, writer, w, p);
            // bounded retries what plain accepts beyond T; guard never errs
            let bd = probabilities_timed(&TimedProtocol::new(1u64 << (bits - 1), Some(t)), &writer, &w);
            prop_assert!(bd.false_positive.ln() <= p.false_positive.ln() + 1e-6);
            let bsum: f64 = [bd.false_positive, bd.retry, bd.abort, bd.accept].iter().map(|x| x.to_f64()).sum();
            prop_assert!((bsum - 1.0).abs() < 1e-6, "bounded sum {}", bsum);
            let g = probabilities_timed(&TimedProtocol::never(1u64 << (bits - 1), "guard"), &writer, &w);
            prop_assert!(g.false_positive.is_zero() && g.false_positive_zero_reason.is_some());
            prop_assert!((g.retry.to_f64() - (p.retry.to_f64() + p.false_positive.to_f64())).abs() < 1e-9);
            // Multiples of 2^W cycles are multiples of 2^(W-1): one more bit
            // can only remove false positives.
            if bits < 64 {
                let q = probabilities_timed(&plain(bits + 1), &writer, &w);
                prop_assert!(
                    q.false_positive.ln() <= p.false_positive.ln() + 1e-6,
                    "W+1 {:?} > W {:?}", q.false_positive, p.false_positive
                );
            }
        }
    }
}
