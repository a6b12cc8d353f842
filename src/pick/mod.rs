//! `seqwrap pick`: the counter width, and the schemes, that meet a threat
//! model — explained in a few sentences with the numbers behind them.
//!
//! Two threat models:
//! - **adversarial**: an attacker drives the write lock at the given rate
//!   and holds one reader inside its speculation for as long as the threat
//!   model allows. The *horizon* is that longest hold ([`StallBound`]): a
//!   bound the user states (`--stall`), or this machine's when it panics
//!   on an RCU stall (`--stall machine`), else unbounded, and then the
//!   machine's uptime (`--uptime`, default [`DEFAULT_UPTIME_YEARS`]): a
//!   reader cannot be held longer than the machine is up. It is not a
//!   wrap time. The counter must not come back within `rate x horizon`
//!   cycles; a plain W-bit counter comes back after 2^(W-1) (analyze's
//!   closed form, held to the explorer by the tests). Every other option
//!   that meets the same count under sc, tso *and* lkmm is found by
//!   iterating the catalog ([`safe_options`]) and asking the explorer, and
//!   listed by cost; no scheme is known here by name.
//! - **window D**: accidental; speculation lengths follow D and the writer
//!   is Poisson at the rate; P(false positive) per speculation (or, with a
//!   fleet, P(at least one over its lifetime)) must be at most the target.
//!   A *fixed* window is read with a jittered writer ([`JITTER_P99`]): with
//!   an exactly Poisson writer and an exactly fixed window the count is
//!   concentrated within sqrt(rate x T) of rate x T, and P then depends on
//!   how close rate x T lies to a multiple of the period — a lattice
//!   artifact no real writer has (a 1% change of rate moves it by tens of
//!   orders of magnitude). P is non-increasing in W for a plain counter (a
//!   multiple of 2^W cycles is a multiple of 2^(W-1)), so the smallest
//!   width is found by bisection.

mod options;

use num_bigint::BigUint;
use serde::Serialize;

pub use self::options::instances_at;
use self::options::{candidates, meets, option_of, per_model, sizing_params, survives, widen};
use crate::analyze::{AnalyzeConfig, Fleet, LogProb, analyze};
use crate::error::{Error, Result};
use crate::memory::Model;
use crate::protocol::{Scheme, catalog};
use crate::text::number::cycles_text;
use crate::text::table::{Table, bullet, fit, rate_text, short_p, wrap};
use crate::timing::{Process, Window, Writer, YEAR_S, human_duration, sig3};

/// Default target probability for `--window` (per speculation, or of at
/// least one false positive over the fleet's lifetime with `--fleet`).
pub const DEFAULT_TARGET: f64 = 1e-6;
/// Default uptime for `--adversarial` when no stall bound applies: ten
/// years without a reboot (Julian years).
pub const DEFAULT_UPTIME_YEARS: f64 = 10.0;
pub use crate::timing::window::JITTER_P99;

/// The threat.
#[derive(Clone, Debug)]
pub enum Threat {
    /// A reader held as long as the threat model allows.
    Adversarial,
    /// Accidental, windows from this distribution (as written, parsed).
    Window(String, Window),
}

/// The longest time the threat model lets a reader be held inside one
/// speculation.
#[derive(Clone, Debug, PartialEq)]
pub enum StallBound {
    /// Nothing bounds it: the machine's uptime does.
    Unbounded,
    /// At most this long, and why.
    At {
        /// Seconds.
        seconds: f64,
        /// Where the bound comes from.
        why: String,
    },
}

impl StallBound {
    /// This machine's bound: the RCU stall timeout times the warnings
    /// before the panic when `kernel.panic_on_rcu_stall` is set (a reader
    /// held that long inside `rcu_read_lock()` panics the machine), else
    /// unbounded (the stall warning is a warning only).
    pub fn of_machine(m: &crate::stall::MachineModel) -> StallBound {
        match (m.panic_on_rcu_stall.value, m.stall_timeout_s()) {
            (Some(p), Some(t)) if p > 0 => {
                let n = m.max_rcu_stall_to_panic.value.unwrap_or(0).max(1);
                StallBound::At {
                    seconds: t as f64 * f64::from(n),
                    why: format!(
                        "this machine panics on an RCU stall (panic_on_rcu_stall={p}) after \
                         {n} warning(s) of {t} s"
                    ),
                }
            }
            _ => StallBound::Unbounded,
        }
    }
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
    /// The longest hold (`--adversarial` only).
    pub stall: StallBound,
    /// The machine's uptime in seconds (`--adversarial`); `None`: the
    /// fleet's lifetime when a fleet is given, else
    /// [`DEFAULT_UPTIME_YEARS`].
    pub uptime_s: Option<f64>,
    /// The jittered writer's p99 factor for fixed windows (> 1).
    pub jitter_p99: f64,
    /// A protocol to judge against the same threat (`--scheme` or
    /// `--protocol`): a user's description goes through the same explorer
    /// and closed forms as the catalog's options.
    pub yours: Option<Scheme>,
}

impl PickRequest {
    /// A request with the defaults: no fleet, no target, unbounded stall,
    /// default uptime and jitter.
    pub fn new(threat: Threat, rate: f64, rate_words: impl Into<String>) -> PickRequest {
        PickRequest {
            threat,
            rate,
            rate_words: rate_words.into(),
            fleet: None,
            target: None,
            stall: StallBound::Unbounded,
            uptime_s: None,
            jitter_p99: JITTER_P99,
            yours: None,
        }
    }
}

/// The explorer's answer for one option under one memory model.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct ModelAnswer {
    /// `sc`, `tso` or `lkmm`.
    pub model: String,
    /// Fewest writer cycles to a false positive (decimal); `None`: none.
    pub min_cycles: Option<String>,
}

/// One option that meets an adversarial target, with its cost.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PickOption {
    /// Short label (`split 32+32 lo-hi-lo hi-first`).
    pub label: String,
    /// The description's name.
    pub scheme: String,
    /// Its parameters (`NAME=VALUE ...`).
    pub params: String,
    /// Total bits of its words.
    pub bits: u32,
    /// Its words (`1x64`, `2x32`).
    pub words: String,
    /// Its widest word: an option with a 64-bit word needs 64-bit atomic
    /// loads and stores (a 64-bit kernel, or atomic64_t).
    pub widest_word: u32,
    /// The fewest cycles over the three models (decimal); `None`: no false
    /// positive under any.
    pub min_cycles: Option<String>,
    /// Per model.
    pub per_model: Vec<ModelAnswer>,
    /// Loads and fences (acquire loads included) on the reader's path to
    /// ACCEPT: the cost per speculation.
    pub reader_ops: u32,
    /// Stores and fences (release stores included) of one writer cycle.
    pub writer_ops: u32,
    /// The writer's rarer paths (`+1 store per 2^31 cycles`).
    pub writer_rare: Vec<String>,
    /// The writer waits for a grace period on some path.
    pub grace_period: bool,
    /// What the description says the program cannot show.
    pub note: Option<String>,
    /// The enumerated choices (`READ=lo-hi-lo ORDER=hi-first WMB=1
    /// RMB=1`): instances of one description that differ only in width
    /// share them.
    #[serde(skip)]
    pub choices: String,
}

/// The recommendation.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct PickAnswer {
    /// `adversarial` or `window`.
    pub threat: String,
    /// Writer cycles per second.
    pub rate: f64,
    /// The width to use: the kernel word (32 or 64) that holds
    /// `bits_needed`, if any width up to 64 does.
    pub bits: Option<u32>,
    /// The smallest plain width meeting the target.
    pub bits_needed: Option<u32>,
    /// The recommended scheme (`plain W=64`), or the cheapest option with
    /// no false positive at all when no width suffices.
    pub scheme: String,
    /// The C type of the counter: `u32`, `u64` (`none` when nothing
    /// meets the target).
    pub kernel_type: String,
    /// Adversarial: the horizon in seconds.
    pub horizon_s: Option<f64>,
    /// Adversarial: cycles the counter must survive (rate x horizon).
    pub needed_cycles: Option<f64>,
    /// The numbers, unit-free: for adversarial the seconds to a false
    /// positive at the needed width; for window the probability that is
    /// compared.
    pub value_at_bits: Option<String>,
    /// The same at one bit less (why not smaller).
    pub value_at_bits_minus_1: Option<String>,
    /// Window: P(false positive) per speculation of a 32-bit counter
    /// (with the jittered writer for a fixed window).
    pub p_32: Option<String>,
    /// Window: the same for a 64-bit counter.
    pub p_64: Option<String>,
    /// Window: how many 2^31-cycle periods a fixed window holds at the
    /// nominal rate.
    pub wraps_32: Option<f64>,
    /// Adversarial: every option that meets the target, by cost.
    pub options: Vec<PickOption>,
    /// The protocol the request asked about, judged against the target.
    pub yours: Option<YourAnswer>,
    /// The explanation, a few sentences and the options table (at most 72
    /// columns).
    pub explanation: String,
}

/// The protocol given with `--scheme`/`--protocol`, judged against the
/// same target as the recommendation.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct YourAnswer {
    /// It as an option: its cost and its fewest cycles under sc, tso and
    /// lkmm (explorer).
    pub option: PickOption,
    /// Does it meet the target: under every model (adversarial), or with
    /// its probability at most the target (window)?
    pub meets: bool,
    /// Window: the probability compared with the target.
    pub p: Option<String>,
    /// When it does not meet the target: the narrowest instance that does
    /// with every word-sizing parameter at one width and the others as
    /// given (`NAME=VALUE ...`); `None` when no width up to 64 does.
    pub widened: Option<String>,
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

/// The C type a kernel would use for a plain counter of `bits`.
pub fn kernel_type(bits: u32) -> &'static str {
    if bits <= 32 { "u32" } else { "u64" }
}

/// The same in words, for prose.
pub fn kernel_type_words(bits: u32) -> String {
    format!(
        "a {}-bit counter ({})",
        kernel_bits(bits),
        kernel_type(bits)
    )
}

/// The kernel width for `bits`: 32 or 64.
fn kernel_bits(bits: u32) -> u32 {
    if bits <= 32 { 32 } else { 64 }
}

/// The cost order: the reader's loads and fences first (the fast path is
/// why the speculation exists), then the writer's per cycle, then a grace
/// period on the writer's path (it holds mmap_lock while it waits), then a
/// cost the program cannot show (the description's note), then rarer
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

/// Every instance of every catalog description at each of `totals` bits
/// that survives `needed` writer cycles inside one reader window under sc,
/// tso and lkmm (explorer, exact), by cost. Of the instances of one
/// description that differ only in width, only the narrowest that meets
/// the target is kept; an instance another one beats in every respect
/// ([`dominates`]: more bits or a wider word, more work, no more margin) is
/// left out. The candidates and their errors are
/// [`options::candidates`]'s.
pub fn safe_options(needed: f64, totals: &[u32]) -> Result<Vec<PickOption>> {
    let mut kept: Vec<PickOption> = Vec::new();
    for o in candidates(needed, totals)? {
        // The same description with the same choices at a narrower total
        // already meets the target: the wider one adds nothing.
        let narrower = kept
            .iter()
            .position(|k| k.scheme == o.scheme && k.choices == o.choices);
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

/// `s` judged: `per` its fewest cycles under every model, `meets` the
/// caller's verdict on it (from `per`, or from a probability the caller
/// already has), `ok` the same verdict for the widened instances.
fn judge(
    s: &Scheme,
    per: Vec<(Model, Option<BigUint>)>,
    meets: bool,
    ok: &dyn Fn(&Scheme) -> Result<bool>,
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

/// The paragraph about the protocol the request asked about.
fn yours_text(y: &YourAnswer, s: &Scheme, target: &str) -> String {
    let o = &y.option;
    let per: Vec<String> = o
        .per_model
        .iter()
        .map(|m| {
            format!(
                "{} {}",
                m.model,
                m.min_cycles.as_deref().map_or("none".into(), cycles_text)
            )
        })
        .collect();
    let mut t = format!(
        "Yours, {} ({}): the fewest writer cycles to a false positive are \
         {} (explorer); its reader does {} loads and fences a speculation, \
         its writer {} stores and fences a cycle{}.",
        s.name(),
        s.params_string(),
        per.join(", "),
        o.reader_ops,
        o.writer_ops,
        y.p.as_deref()
            .map_or(String::new(), |p| format!("; P = {}", short_p(p)))
    );
    if y.meets {
        t.push_str(&format!(" It meets {target}."));
    } else {
        t.push_str(&format!(" It does not meet {target}."));
        let sizing = sizing_params(s.description()).join(", ");
        match &y.widened {
            Some(w) => t.push_str(&format!(
                " With {w} it does (the other parameters as given)."
            )),
            None if sizing.is_empty() => {}
            None => t.push_str(&format!(
                " No width of {sizing} up to 64 bits does (the other \
                 parameters as given)."
            )),
        }
    }
    t
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
/// fewer cycles to a false positive — and better in one. A description's
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

/// The options as a table of at most 72 columns, and their notes.
pub fn options_text(options: &[PickOption]) -> String {
    let mut t = Table::new(&["#", "option", "min cycles", "reader", "writer"]);
    let mut notes = String::new();
    for (i, o) in options.iter().enumerate() {
        let n = (i + 1).to_string();
        let min = o.min_cycles.as_deref().map_or("none".into(), cycles_text);
        let writer = if o.grace_period {
            format!("{} +GP", o.writer_ops)
        } else {
            o.writer_ops.to_string()
        };
        t.row(vec![
            n.clone(),
            o.label.clone(),
            min,
            o.reader_ops.to_string(),
            writer,
        ]);
        let mut extra: Vec<String> = vec![format!("words {}", o.words)];
        extra.extend(o.writer_rare.iter().cloned());
        if let Some(note) = &o.note {
            extra.push(note.clone());
        }
        notes.push_str(&bullet(&format!("{n}: {}", extra.join("; "))));
    }
    let mut s = fit(&t);
    s.push_str(&wrap(
        "min cycles: the fewest writer cycles inside one reader window \
         that give a false positive, the least over sc, tso and lkmm \
         (explorer). reader: loads and fences per speculation; writer: \
         stores and fences per cycle (+GP: a grace period on a rare path).",
    ));
    s.push_str(&notes);
    s
}

/// Pick the width and the schemes for a threat model.
pub fn pick(req: &PickRequest) -> Result<PickAnswer> {
    if !(req.rate.is_finite() && req.rate > 0.0) {
        return Err(Error::usage("--rate: must be > 0"));
    }
    match &req.threat {
        Threat::Adversarial => adversarial(req),
        Threat::Window(text, w) => accidental(req, text, w),
    }
}

/// The horizon of an adversarial request: (seconds, words).
fn horizon(req: &PickRequest) -> (f64, String) {
    let (uptime, up_words) = match (req.uptime_s, &req.fleet) {
        (Some(u), _) => (u, format!("the uptime you gave, {}", human_duration(u))),
        (None, Some(f)) => (
            f.years * YEAR_S,
            format!(
                "the fleet's lifetime, {} (no machine is up longer)",
                human_duration(f.years * YEAR_S)
            ),
        ),
        (None, None) => (
            DEFAULT_UPTIME_YEARS * YEAR_S,
            format!(
                "the machine's uptime, {} by default (--uptime)",
                human_duration(DEFAULT_UPTIME_YEARS * YEAR_S)
            ),
        ),
    };
    match &req.stall {
        StallBound::At { seconds, why } if *seconds < uptime => {
            (*seconds, format!("{} ({why})", human_duration(*seconds)))
        }
        StallBound::At { .. } => (
            uptime,
            format!("{up_words}, which is shorter than the stall bound"),
        ),
        StallBound::Unbounded => (
            uptime,
            format!(
                "unbounded (nothing in the threat model bounds it), so the \
                 horizon is {up_words}, since a reader cannot be held longer \
                 than the machine is up"
            ),
        ),
    }
}

fn adversarial(req: &PickRequest) -> Result<PickAnswer> {
    if req.target.is_some() {
        return Err(Error::usage(
            "--target applies to --window; with --adversarial the horizon is the longest \
             stall (--stall) or the uptime (--uptime)",
        ));
    }
    let (h, h_words) = horizon(req);
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
    let mut s = format!(
        "An attacker who holds one reader inside its speculation while the \
         write lock cycles at {}/s ({}) breaks a W-bit counter after \
         2^(W-1) cycles. The longest hold this threat model allows is {h_words}: \
         the counter must survive {} cycles.",
        rate_text(req.rate),
        req.rate_words,
        sig3(needed)
    );
    let options = safe_options(needed, &[32, 64])?;
    let mut answer = PickAnswer {
        threat: "adversarial".into(),
        rate: req.rate,
        bits: found.map(kernel_bits),
        bits_needed: found,
        scheme: String::new(),
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
    match found {
        Some(bits) => {
            let t = time_to_fp(bits, req.rate)?;
            s.push_str(&format!(
                " The smallest width that does is {bits} bits (2^{} cycles take {}",
                bits - 1,
                human_duration(t)
            ));
            if bits > 2 {
                let b = time_to_fp(bits - 1, req.rate)?;
                s.push_str(&format!(
                    "; {} bits would fall after {}",
                    bits - 1,
                    human_duration(b)
                ));
                answer.value_at_bits_minus_1 = Some(format!("{b:e}"));
            }
            let k = kernel_bits(bits);
            s.push_str(&format!(
                "). A 32-bit counter falls after {}, a 64-bit one after {}. \
                 Use {}.",
                human_duration(t32),
                human_duration(t64),
                kernel_type_words(bits)
            ));
            answer.scheme = format!("plain W={k}");
            answer.kernel_type = kernel_type(bits).into();
            answer.value_at_bits = Some(format!("{t:e}"));
        }
        None => {
            let cheapest = options.iter().find(|o| o.min_cycles.is_none());
            s.push_str(&format!(
                " No width up to 64 bits does (a 64-bit counter falls after {}); \
                 only a scheme with no false positive at all meets it.",
                human_duration(t64)
            ));
            answer.scheme =
                cheapest.map_or("none".into(), |o| format!("{} {}", o.scheme, o.params));
            answer.kernel_type =
                cheapest.map_or("none".into(), |o| kernel_type(o.widest_word).into());
            answer.value_at_bits_minus_1 = Some(format!("{t64:e}"));
        }
    }
    let mut text = wrap(&s);
    if options.is_empty() {
        text.push_str(&wrap(
            "No instance of the catalog at 32 or 64 bits meets it under \
             all three memory models.",
        ));
    } else {
        text.push('\n');
        text.push_str(&wrap(&format!(
            "Every option of the catalog at 32 or 64 bits that survives {} \
             cycles under sc, tso and lkmm, by cost; of the variants of one \
             scheme the narrowest that does, and none that another beats \
             in bits, word width, work and margin alike:",
            sig3(needed)
        )));
        text.push('\n');
        text.push_str(&options_text(&options));
    }
    if let Some(y) = &req.yours {
        let ok = |s: &Scheme| survives(s, needed);
        let per = per_model(y)?;
        let meets_all = per.iter().all(|(_, v)| meets(v, needed));
        let judged = judge(y, per, meets_all, &ok, None)?;
        text.push('\n');
        text.push_str(&wrap(&yours_text(
            &judged,
            y,
            &format!("the target ({} cycles)", sig3(needed)),
        )));
        answer.yours = Some(judged);
    }
    answer.options = options;
    answer.explanation = text;
    Ok(answer)
}

/// The probability compared with the target at width `bits`: per
/// speculation, or of at least one over the fleet; and P(retry).
fn risk(bits: u32, req: &PickRequest, window: &Window) -> Result<(LogProb, LogProb)> {
    risk_of(&plain(bits), req, window)
}

/// [`risk`] of any scheme (its closed form for a catalog entry, else the
/// explorer's period).
fn risk_of(s: &Scheme, req: &PickRequest, window: &Window) -> Result<(LogProb, LogProb)> {
    let r = analyze(&AnalyzeConfig {
        scheme: s.clone(),
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

fn accidental(req: &PickRequest, text: &str, given: &Window) -> Result<PickAnswer> {
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
    let what = if req.fleet.is_some() {
        "P(at least one false positive over the fleet's lifetime)"
    } else {
        "P(false positive) per speculation"
    };
    let mut s = String::new();
    if let Window::Fixed { len } = given {
        let cycles = req.rate * len;
        let wraps = cycles / 2f64.powi(31);
        let exact = risk(32, req, given)?.0;
        s.push_str(&format!(
            "A fixed {} window at {}/s holds {} writer cycles: {} wraps of a \
             32-bit counter (2^31 cycles each). With an exactly Poisson \
             writer and an exactly fixed window the count stays within about \
             {} cycles of {}, so P depends only on how close {} lies to a \
             multiple of 2^31 ({} here): a lattice artifact, not a risk, \
             since no real writer keeps its rate to that precision. This \
             answer jitters the writer: each speculation's rate is {}/s times \
             a lognormal factor with median 1 and p99 {} (--jitter), which \
             for this writer is the window {}.",
            human_duration(*len),
            rate_text(req.rate),
            sig3(cycles),
            sig3(wraps),
            sig3(cycles.sqrt()),
            sig3(cycles),
            sig3(cycles),
            short_p(&exact.sci()),
            rate_text(req.rate),
            sig3(req.jitter_p99),
            window_text(&window)
        ));
        if wraps >= 1.0 {
            let band: Vec<String> = [1.2, 2.0]
                .iter()
                .map(|j| -> Result<String> {
                    let p = risk(32, req, &jittered(given, *j))?.0;
                    Ok(format!("{} with p99 {}", short_p(&p.sci()), sig3(*j)))
                })
                .collect::<Result<_>>()?;
            s.push_str(&format!(
                " A window that spans several wraps is a lottery: each wrap \
                 ending in it lands on the recorded value with chance \
                 2^-31 = {}, and the jittered answer for a 32-bit counter is \
                 {} ({}).",
                short_p(&LogProb::from_ln(-31.0 * std::f64::consts::LN_2).sci()),
                short_p(&risk(32, req, &window)?.0.sci()),
                band.join(", ")
            ));
        }
        s.push(' ');
    }
    s.push_str(&format!(
        "With speculation windows {text} and a Poisson writer at {}/s ({}), \
         the target is {what} <= {}.",
        rate_text(req.rate),
        req.rate_words,
        sig3(target)
    ));
    if let Some(f) = &req.fleet {
        s.push_str(&format!(
            " The fleet makes {} speculations ({} machines x {}/s x {} years).",
            sig3(f.speculations()),
            sig3(f.machines),
            sig3(f.speculations_per_s),
            sig3(f.years)
        ));
    }
    let (p32, q32) = risk(32, req, &window)?;
    let (p64, _) = risk(64, req, &window)?;
    let mut answer = PickAnswer {
        threat: "window".into(),
        rate: req.rate,
        bits: found.map(kernel_bits),
        bits_needed: found,
        scheme: String::new(),
        kernel_type: String::new(),
        horizon_s: None,
        needed_cycles: None,
        value_at_bits: None,
        value_at_bits_minus_1: None,
        p_32: Some(p32.sci()),
        p_64: Some(p64.sci()),
        wraps_32: match given {
            Window::Fixed { len } => Some(req.rate * len / 2f64.powi(31)),
            _ => None,
        },
        options: Vec::new(),
        yours: None,
        explanation: String::new(),
    };
    match found {
        Some(bits) => {
            let (p, q) = risk(bits, req, &window)?;
            s.push_str(&format!(
                " The smallest width that meets it is {bits} bits: P per \
                 speculation {}",
                short_p(&p.sci())
            ));
            if req.fleet.is_some() {
                s.push_str(&format!(", {what} {}", short_p(&q.sci())));
            }
            s.push('.');
            if bits > 2 {
                let (_, qb) = risk(bits - 1, req, &window)?;
                s.push_str(&format!(
                    " At {} bits it would be {}.",
                    bits - 1,
                    short_p(&qb.sci())
                ));
                answer.value_at_bits_minus_1 = Some(qb.sci());
            }
            let against = if req.fleet.is_some() {
                format!(" ({} against the target)", short_p(&q32.sci()))
            } else {
                String::new()
            };
            s.push_str(&format!(
                " A 32-bit counter gives {} per speculation{against}, a 64-bit \
                 one {}. Use {}.",
                short_p(&p32.sci()),
                short_p(&p64.sci()),
                kernel_type_words(bits)
            ));
            answer.scheme = format!("plain W={}", kernel_bits(bits));
            answer.kernel_type = kernel_type(bits).into();
            answer.value_at_bits = Some(q.sci());
        }
        None => {
            let opts = safe_options(f64::INFINITY, &[32])?;
            let cheapest = opts.first();
            s.push_str(&format!(
                " No width up to 64 bits meets it (a 64-bit counter gives {} \
                 per speculation); only a scheme with no false positive at all \
                 does{}.",
                short_p(&p64.sci()),
                cheapest.map_or(String::new(), |o| format!(
                    ", the cheapest being {}",
                    o.label
                ))
            ));
            answer.scheme =
                cheapest.map_or("none".into(), |o| format!("{} {}", o.scheme, o.params));
            answer.kernel_type =
                cheapest.map_or("none".into(), |o| kernel_type(o.widest_word).into());
            answer.options = opts;
        }
    }
    let mut yours = String::new();
    if let Some(y) = &req.yours {
        let ok = |s: &Scheme| -> Result<bool> { Ok(passes(&risk_of(s, req, &window)?.1)) };
        let (_, q) = risk_of(y, req, &window)?;
        let judged = judge(y, per_model(y)?, passes(&q), &ok, Some(q.sci()))?;
        yours = format!(
            "\n{}",
            wrap(&yours_text(
                &judged,
                y,
                &format!("the target ({what} <= {})", sig3(target)),
            ))
        );
        answer.yours = Some(judged);
    }
    s.push_str(
        " This is the accidental risk only; a reader that can be held at \
         will needs the --adversarial answer.",
    );
    answer.explanation = wrap(&s) + &yours;
    Ok(answer)
}

/// A window as a spec would spell it.
fn window_text(w: &Window) -> String {
    use crate::timing::compact_duration as c;
    match w {
        Window::Fixed { len } => format!("fixed:{}", c(*len)),
        Window::Exp { mean } => format!("exp:{}", c(*mean)),
        Window::LogNormal { median, p99 } => format!("lognormal:{},{}", c(*median), c(*p99)),
        Window::Pareto { xmin, alpha } => format!("pareto:{},{alpha}", c(*xmin)),
        Window::Hist { path, .. } => format!("hist:{path}"),
    }
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
