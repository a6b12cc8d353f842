//! `seqwrap pick`: the smallest counter width, and the scheme, that meet a
//! threat model — explained in a few sentences with the numbers behind them.
//!
//! Two threat models:
//! - **adversarial**: a reader can be stalled inside its window for as long
//!   as an attacker likes while the writer runs at the given rate; the
//!   counter must not come back within the horizon (the fleet's lifetime,
//!   or 1000 years). The count is the explorer-checked minimum 2^(W-1)
//!   (`analyze`'s `time_to_fp_s`).
//! - **window D**: accidental; speculation lengths follow D and the writer
//!   is Poisson at the rate; P(false positive) per speculation (or, with a
//!   fleet, P(at least one over its lifetime)) must be at most the target.
//!   P is non-increasing in W for `plain` (a multiple of 2^W cycles is a
//!   multiple of 2^(W-1)), so the smallest width is found by bisection.
//!
//! Whatever the width, above 32 bits the answer also says what the explorer
//! finds for the same width kept as two 32-bit words, because that is what a
//! 32-bit kernel would do with it.

use serde::Serialize;

use crate::analyze::{AnalyzeConfig, Fleet, LogProb, analyze};
use crate::error::{Error, Result};
use crate::explore::{ExploreConfig, explore};
use crate::protocol::{Scheme, catalog};
use crate::report::table::wrap;
use crate::sweep::cost::pow2_text;
use crate::timing::{Process, Window, Writer, YEAR_S, human_duration};

/// Default target probability for `--window` (per speculation, or of at
/// least one false positive over the fleet's lifetime with `--fleet`).
pub const DEFAULT_TARGET: f64 = 1e-6;
/// Default horizon of `--adversarial` without `--fleet`: 1000 years.
pub const DEFAULT_HORIZON_YEARS: f64 = 1000.0;

/// The threat model.
#[derive(Clone, Debug)]
pub enum Threat {
    /// A reader stalled at will.
    Adversarial,
    /// Accidental, windows from this distribution (as written, parsed).
    Window(String, Window),
}

/// What to pick for.
#[derive(Clone, Debug)]
pub struct PickRequest {
    /// The threat.
    pub threat: Threat,
    /// Writer cycles per second.
    pub rate: f64,
    /// How the rate was obtained, for the explanation.
    pub rate_words: String,
    /// Fleet, if any.
    pub fleet: Option<Fleet>,
    /// Target probability (`--window` only).
    pub target: Option<f64>,
}

/// The recommendation.
#[derive(Clone, Debug, Serialize)]
pub struct PickAnswer {
    /// `adversarial` or `window`.
    pub threat: String,
    /// Writer cycles per second.
    pub rate: f64,
    /// Smallest plain width meeting the target, if any width up to 64 does.
    pub bits: Option<u32>,
    /// The recommended scheme (`plain bits=W`, or `guard bits=32`).
    pub scheme: String,
    /// The C type a kernel would use: `int`, `u64`, or a guard.
    pub kernel_type: String,
    /// The numbers: for adversarial the time to a false positive at the
    /// chosen width; for window the probability that is compared.
    pub value_at_bits: Option<String>,
    /// The same at one bit less (why not smaller).
    pub value_at_bits_minus_1: Option<String>,
    /// The explanation, a few sentences.
    pub explanation: String,
}

fn plain(bits: u32) -> Scheme {
    catalog::scheme("plain", &[("W", &bits.to_string())]).expect("plain takes W in 2..=64")
}

fn writer(rate: f64) -> Result<Writer> {
    Writer::new(rate, Process::Poisson, 0.0)
}

/// Seconds for an adversary to break a plain W-bit counter at `rate`.
fn time_to_fp(bits: u32, rate: f64) -> Result<f64> {
    let r = analyze(&AnalyzeConfig {
        scheme: plain(bits),
        writer: writer(rate)?,
        window: None,
        fleet: None,
    })?;
    r.time_to_fp_s
        .ok_or_else(|| Error::Run("analyze gave no time for plain".into()))
}

/// The probability compared with the target at width `bits`: per
/// speculation, or of at least one over the fleet.
fn risk(bits: u32, req: &PickRequest, window: &Window) -> Result<(LogProb, LogProb)> {
    let r = analyze(&AnalyzeConfig {
        scheme: plain(bits),
        writer: writer(req.rate)?,
        window: Some(window.clone()),
        fleet: req.fleet,
    })?;
    let p = r
        .probabilities
        .map(|p| p.false_positive)
        .ok_or_else(|| Error::Run("analyze gave no probability".into()))?;
    Ok((p, r.fleet.map_or(p, |f| f.p_any)))
}

/// What the explorer finds for `bits` kept as two words (hi = bits - 32,
/// lo = 32), read hi-lo-hi, in both writer store orders.
fn two_word_sentence(bits: u32) -> Result<Option<String>> {
    if bits <= 32 {
        return Ok(None);
    }
    let mut parts = Vec::new();
    for order in ["hi-first", "lo-first"] {
        let spec = catalog::scheme(
            "split",
            &[
                ("H", &(bits - 32).to_string()),
                ("L", "32"),
                ("READ", "hi-lo-hi"),
                ("ORDER", order),
            ],
        )?;
        let r = explore(&ExploreConfig::new(spec))?;
        let what = match r.min_cycles {
            Some(m) => format!(
                "a false positive after {} cycles",
                pow2_text(&m.to_string())
            ),
            None => "no false positive at all".into(),
        };
        parts.push(format!("writer storing {order} gives {what}"));
    }
    Ok(Some(format!(
        "Kept as two words on a 32-bit kernel ({}+32 bits, reader loads \
         hi, lo, hi), the explorer finds: {}.",
        bits - 32,
        parts.join("; ")
    )))
}

fn kernel_type(bits: u32) -> &'static str {
    if bits <= 32 {
        "int (32 bits)"
    } else {
        "u64 (64 bits)"
    }
}

/// Pick the smallest width and the scheme for a threat model.
pub fn pick(req: &PickRequest) -> Result<PickAnswer> {
    match &req.threat {
        Threat::Adversarial => adversarial(req),
        Threat::Window(text, w) => accidental(req, text, w),
    }
}

fn adversarial(req: &PickRequest) -> Result<PickAnswer> {
    if req.target.is_some() {
        return Err(Error::usage(
            "--target applies to --window; with --adversarial the horizon is \
             the fleet's YEARS (default 1000 years)",
        ));
    }
    let years = req.fleet.map_or(DEFAULT_HORIZON_YEARS, |f| f.years);
    let horizon = years * YEAR_S;
    let mut found = None;
    for bits in 2..=64 {
        if time_to_fp(bits, req.rate)? >= horizon {
            found = Some(bits);
            break;
        }
    }
    let mut s = format!(
        "An adversary who stalls one reader inside its window while the \
         write lock cycles at {} per second ({}) breaks a W-bit counter \
         after 2^(W-1) cycles.",
        crate::report::summary::rate_text(req.rate),
        req.rate_words
    );
    let t32 = time_to_fp(32, req.rate)?;
    let t64 = time_to_fp(64, req.rate)?;
    let answer = match found {
        Some(bits) => {
            let t = time_to_fp(bits, req.rate)?;
            let below = if bits > 2 {
                Some(time_to_fp(bits - 1, req.rate)?)
            } else {
                None
            };
            s.push_str(&format!(
                " To hold for {years} years, the counter needs {bits} bits: \
                 2^{} cycles take {}",
                bits - 1,
                human_duration(t)
            ));
            if let Some(b) = below {
                s.push_str(&format!(
                    ", while {} bits would fall after {}",
                    bits - 1,
                    human_duration(b)
                ));
            }
            s.push_str(&format!(
                ". An int falls after {} and a u64 after {}. Use a {}.",
                human_duration(t32),
                human_duration(t64),
                kernel_type(bits)
            ));
            if let Some(two) = two_word_sentence(if bits > 32 { 64 } else { bits })? {
                s.push(' ');
                s.push_str(&two);
            }
            PickAnswer {
                threat: "adversarial".into(),
                rate: req.rate,
                bits: Some(bits),
                scheme: format!("plain bits={bits}"),
                kernel_type: kernel_type(bits).into(),
                value_at_bits: Some(format!("{t:e} s")),
                value_at_bits_minus_1: below.map(|b| format!("{b:e} s")),
                explanation: String::new(),
            }
        }
        None => {
            let guard = explore(&ExploreConfig::new(catalog::scheme(
                "guard",
                &[("W", "32")],
            )?))?;
            let verdict = if guard.min_cycles.is_none() {
                "the explorer finds no false positive at all".to_string()
            } else {
                "even that fails in the explorer".to_string()
            };
            s.push_str(&format!(
                " No width up to 64 bits holds for {years} years (a u64 falls \
                 after {}). Only a guard helps: the writer waits for a grace \
                 period before the counter wraps; {verdict}, at one grace \
                 period per 2^31 cycles for an int.",
                human_duration(t64)
            ));
            PickAnswer {
                threat: "adversarial".into(),
                rate: req.rate,
                bits: None,
                scheme: "guard bits=32".into(),
                kernel_type: "int with a guard".into(),
                value_at_bits: None,
                value_at_bits_minus_1: Some(format!("{t64:e} s")),
                explanation: String::new(),
            }
        }
    };
    Ok(PickAnswer {
        explanation: wrap(&s),
        ..answer
    })
}

fn accidental(req: &PickRequest, text: &str, window: &Window) -> Result<PickAnswer> {
    let target = req.target.unwrap_or(DEFAULT_TARGET);
    let ok = |bits: u32| -> Result<bool> {
        let (_, q) = risk(bits, req, window)?;
        Ok(q.is_zero() || q.log10() <= target.log10())
    };
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
    let what = if req.fleet.is_some() {
        "P(at least one false positive over the fleet's lifetime)"
    } else {
        "P(false positive) per speculation"
    };
    let mut s = format!(
        "With speculation windows {text} and a Poisson writer at {} cycles \
         per second ({}), the target is {what} <= {target:e}.",
        crate::report::summary::rate_text(req.rate),
        req.rate_words
    );
    if let Some(f) = &req.fleet {
        s.push_str(&format!(
            " The fleet makes {:.3e} speculations ({} machines x {} per second x {} years).",
            f.speculations(),
            f.machines,
            f.speculations_per_s,
            f.years
        ));
    }
    let (p32, q32) = risk(32, req, window)?;
    let (p64, _) = risk(64, req, window)?;
    let mut answer = PickAnswer {
        threat: "window".into(),
        rate: req.rate,
        bits: found,
        scheme: String::new(),
        kernel_type: String::new(),
        value_at_bits: None,
        value_at_bits_minus_1: None,
        explanation: String::new(),
    };
    match found {
        Some(bits) => {
            let (p, q) = risk(bits, req, window)?;
            s.push_str(&format!(
                " The smallest width that meets it is {bits} bits: P per \
                 speculation {}, {what} {}.",
                p.sci(),
                q.sci()
            ));
            if bits > 2 {
                let (_, qb) = risk(bits - 1, req, window)?;
                s.push_str(&format!(" At {} bits it would be {}.", bits - 1, qb.sci()));
                answer.value_at_bits_minus_1 = Some(qb.sci());
            }
            s.push_str(&format!(
                " An int gives {} per speculation ({} against the target), a \
                 u64 {}. Use a {}.",
                p32.sci(),
                q32.sci(),
                p64.sci(),
                kernel_type(bits)
            ));
            if let Some(two) = two_word_sentence(if bits > 32 { 64 } else { bits })? {
                s.push(' ');
                s.push_str(&two);
            }
            answer.scheme = format!("plain bits={bits}");
            answer.kernel_type = kernel_type(bits).into();
            answer.value_at_bits = Some(q.sci());
        }
        None => {
            s.push_str(&format!(
                " No width up to 64 bits meets it (a u64 gives {} per \
                 speculation); use a guard, which the explorer shows has no \
                 false positive at all.",
                p64.sci()
            ));
            answer.scheme = "guard bits=32".into();
            answer.kernel_type = "int with a guard".into();
        }
    }
    s.push_str(
        " This is the accidental risk only; a reader that can be stalled at \
         will needs the --adversarial answer.",
    );
    answer.explanation = wrap(&s);
    Ok(answer)
}
