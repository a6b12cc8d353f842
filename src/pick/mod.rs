//! `seqwrap pick`: the counter width, and the protocols, that meet a threat
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
//!   listed by cost; no protocol is known here by name.
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
//!
//! One file a job: `options.rs` finds the candidates (the catalog's
//! instances, each asked of the explorer), `rank.rs` computes the numbers
//! (the widths, the times and probabilities, the options in the order of
//! their cost, the verdict on the request's own protocol) and `prose.rs`
//! writes the explanation from them. The ranking writes no sentence and the
//! prose computes no risk; this file holds what passes between them.

mod options;
mod prose;
mod rank;

use serde::Serialize;

pub use self::options::instances_at;
pub use self::prose::{kernel_type_words, options_text};
pub use self::rank::{jittered, safe_options};
use crate::analyze::{Fleet, LogProb};
use crate::error::{Error, Result};
use crate::protocol::Protocol;
use crate::timing::Window;

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
    /// A protocol to judge against the same threat (`--protocol` or
    /// `--protocol`): a user's protocol goes through the same explorer
    /// and closed forms as the catalog's options.
    pub yours: Option<Protocol>,
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
    /// The protocol's name.
    pub protocol: String,
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
    /// What the protocol says the program cannot show.
    pub note: Option<String>,
    /// The enumerated choices (`READ=lo-hi-lo ORDER=hi-first WMB=1
    /// RMB=1`): instances of one protocol that differ only in width
    /// share them.
    #[serde(skip)]
    pub choices: String,
    /// [`params`](Self::params) typed: `(NAME, VALUE)` in declaration
    /// order, for a caller that needs them one by one (not serialized:
    /// the string is the saved form).
    #[serde(skip)]
    pub param_pairs: Vec<(String, String)>,
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
    /// The recommended protocol (`plain W=64`), or the cheapest option with
    /// no false positive at all when no width suffices (`none` when there
    /// is none): [`protocol_name`](Self::protocol_name) and
    /// [`protocol_params`](Self::protocol_params) written as one string, for
    /// reading.
    pub protocol: String,
    /// The recommended protocol's name (`plain`; `none`), typed so that no
    /// caller splits [`protocol`](Self::protocol) to get it back. Not
    /// serialized: the command line writes it as its JSON `protocol`.
    #[serde(skip)]
    pub protocol_name: String,
    /// Its parameters, `(NAME, VALUE)` in declaration order (`W`, `64`).
    /// Not serialized: the command line writes them as its JSON `params`.
    #[serde(skip)]
    pub protocol_params: Vec<(String, String)>,
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

/// The protocol given with `--protocol`/`--protocol`, judged against the
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

/// The C type a kernel would use for a plain counter of `bits`.
pub fn kernel_type(bits: u32) -> &'static str {
    if bits <= 32 { "u32" } else { "u64" }
}

/// The kernel width for `bits`: 32 or 64.
fn kernel_bits(bits: u32) -> u32 {
    if bits <= 32 { 32 } else { 64 }
}

/// Pick the width and the protocols for a threat model: the ranking's
/// numbers (`rank.rs`), then the words that explain them (`prose.rs`).
pub fn pick(req: &PickRequest) -> Result<PickAnswer> {
    if !(req.rate.is_finite() && req.rate > 0.0) {
        return Err(Error::usage("--rate: must be > 0"));
    }
    let mut answer = match &req.threat {
        Threat::Adversarial => {
            let (mut answer, facts) = rank::adversarial(req)?;
            answer.explanation = prose::adversarial(req, &answer, &facts);
            answer
        }
        Threat::Window(text, given) => {
            let (mut answer, facts) = rank::accidental(req, given)?;
            answer.explanation = prose::accidental(req, text, &answer, &facts);
            answer
        }
    };
    answer.protocol = prose::protocol_text(&answer.protocol_name, &answer.protocol_params);
    Ok(answer)
}

// What the ranking computed that the answer's fields do not hold as
// numbers: the prose cites it, and nothing outside pick sees it.

/// The numbers of an adversarial answer.
struct AdversarialFacts {
    /// The longest hold, and what bounds it.
    horizon: Horizon,
    /// Cycles the counter must survive (rate x horizon).
    needed: f64,
    /// Seconds to a false positive of a plain 32-bit counter.
    t32: f64,
    /// The same for 64 bits.
    t64: f64,
    /// The smallest plain width that survives the horizon, if any.
    width: Option<AdversarialWidth>,
}

/// The smallest plain width of an adversarial answer.
struct AdversarialWidth {
    /// Bits.
    bits: u32,
    /// Seconds to a false positive at `bits`.
    seconds: f64,
    /// The same at `bits - 1` (`None` at 2 bits).
    below: Option<f64>,
}

/// Where the uptime that bounds a hold comes from.
enum Uptime {
    /// `--uptime`.
    Given,
    /// The fleet's lifetime.
    Fleet,
    /// [`DEFAULT_UPTIME_YEARS`].
    Default,
}

/// What limits the longest hold.
enum Limit {
    /// The stall bound, shorter than the uptime; why it holds.
    Stall(String),
    /// The uptime, shorter than the stall bound.
    UptimeBelowStall,
    /// The uptime: nothing bounds the stall.
    Unbounded,
}

/// The horizon of an adversarial request.
struct Horizon {
    /// Seconds: the longest hold.
    seconds: f64,
    /// The machine's uptime in seconds.
    uptime: f64,
    /// Where the uptime comes from.
    from: Uptime,
    /// Which of the stall bound and the uptime is the horizon.
    limit: Limit,
}

/// The numbers of a window answer.
struct WindowFacts {
    /// The target probability.
    target: f64,
    /// The window as read: a fixed one jittered ([`jittered`]).
    window: Window,
    /// A fixed window's own numbers.
    fixed: Option<FixedWindow>,
    /// P(false positive) per speculation of a 32-bit counter.
    p32: LogProb,
    /// The probability compared with the target, 32 bits.
    q32: LogProb,
    /// P(false positive) per speculation of a 64-bit counter.
    p64: LogProb,
    /// The smallest plain width that meets the target, if any.
    width: Option<WindowWidth>,
}

/// A fixed window at the nominal rate.
struct FixedWindow {
    /// Its length in seconds.
    len: f64,
    /// Writer cycles it holds.
    cycles: f64,
    /// 2^31-cycle periods it holds.
    wraps: f64,
    /// P per speculation of a 32-bit counter with an exactly Poisson
    /// writer and the window exactly fixed (the lattice artifact).
    exact: LogProb,
    /// When the window holds a wrap or more: P per speculation of a
    /// 32-bit counter with other jitters (p99 factor, P).
    lottery: Option<Vec<(f64, LogProb)>>,
}

/// The smallest plain width of a window answer.
struct WindowWidth {
    /// Bits.
    bits: u32,
    /// P per speculation at `bits`.
    p: LogProb,
    /// The probability compared with the target at `bits`.
    q: LogProb,
    /// The same at `bits - 1` (`None` at 2 bits).
    below: Option<LogProb>,
}
