//! `seqwrap explore`: every execution under a memory model, the shortest
//! false positive.

use std::io::Write;

use super::protocol_flags::ProtocolFlags;
use seqwrap::explore::{ExploreConfig, ExploreMode, ExploreReport, Verdict, count_text, explore};
use seqwrap::memory::Model;
use seqwrap::text::units::{
    FlagExt, parse_bytes, parse_count, parse_count_u128, parse_positive_time,
};

/// Shown by `seqwrap explore --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap explore --protocol plain --bits i32
  seqwrap explore --protocol rfc-v1 --memory-model lkmm
  seqwrap explore --protocol split --hi 32 --lo 32 --read lo-hi-lo \\
      --write-order hi-first
  seqwrap explore --protocol my-counter.toml --param W=16 --json
  seqwrap explore --protocol guard --bits 12 --readers 2 --mode brute \\
      --max-memory 1GiB";

/// Arguments of `seqwrap explore`.
#[derive(Debug, clap::Args)]
pub struct ExploreArgs {
    /// The protocol.
    #[command(flatten)]
    pub protocol: ProtocolFlags,
    /// The memory model: sc, tso (x86) or lkmm (Linux-kernel memory model).
    #[arg(long, default_value = "sc")]
    pub memory_model: String,
    /// Readers, one speculation each (1..=4).
    #[arg(long, default_value = "1", allow_hyphen_values = true)]
    pub readers: String,
    /// Writers, serialized by the lock (1..=4).
    #[arg(long, default_value = "1", allow_hyphen_values = true)]
    pub writers: String,
    /// brute (move by move), accelerated (jump writer runs) or auto.
    #[arg(long, default_value = "auto")]
    pub mode: String,
    /// Only consider windows of at most this many writer cycles (a scope:
    /// the verdict is "none within").
    #[arg(long, allow_hyphen_values = true)]
    pub max_cycles: Option<String>,
    /// The writer runs at most K cycles in all: the question `seqwrap
    /// litmus --cycles K` asks herd7 (brute mode).
    #[arg(long, value_name = "K", allow_hyphen_values = true)]
    pub writer_cycles: Option<String>,
    /// Stop after expanding this many states (verdict: incomplete).
    #[arg(long, allow_hyphen_values = true)]
    pub max_states: Option<String>,
    /// Stop after this long, e.g. 30s (verdict: incomplete).
    #[arg(long, allow_hyphen_values = true)]
    pub max_seconds: Option<String>,
    /// Stop once the search holds this much memory (default 4GiB; verdict:
    /// incomplete).
    #[arg(long, allow_hyphen_values = true)]
    pub max_memory: Option<String>,
    /// Run a brute search estimated to take over 10 minutes without a bound.
    #[arg(long)]
    pub force: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

fn count_flag(flag: &str, v: &str, max: u8) -> seqwrap::Result<u8> {
    v.trim()
        .parse::<u8>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| {
            seqwrap::Error::usage(format!("{flag}: '{v}' is out of range; allowed: 1..={max}"))
        })
}

/// Parse into a configuration (every error names its flag).
pub fn config(args: &ExploreArgs) -> seqwrap::Result<ExploreConfig> {
    let mut cfg = ExploreConfig::new(args.protocol.spec()?);
    cfg.model = args.memory_model.parse::<Model>()?;
    cfg.readers = count_flag("--readers", &args.readers, seqwrap::explore::MAX_READERS)?;
    cfg.writers = count_flag("--writers", &args.writers, seqwrap::explore::MAX_WRITERS)?;
    cfg.mode = args.mode.parse::<ExploreMode>()?;
    cfg.max_cycles = args
        .max_cycles
        .as_deref()
        .map(|v| parse_count_u128(v).flag("--max-cycles"))
        .transpose()?;
    cfg.max_writer_cycles = args
        .writer_cycles
        .as_deref()
        .map(|v| {
            parse_count(v)
                .ok()
                .and_then(|k| u32::try_from(k).ok())
                .filter(|k| *k >= 1)
                .ok_or_else(|| format!("'{v}' is not a cycle count; allowed: 1..=2^32-1"))
                .flag("--writer-cycles")
        })
        .transpose()?;
    cfg.max_states = args
        .max_states
        .as_deref()
        .map(|v| parse_count(v).flag("--max-states"))
        .transpose()?;
    cfg.max_seconds = args
        .max_seconds
        .as_deref()
        .map(|v| parse_positive_time(v).flag("--max-seconds"))
        .transpose()?;
    if let Some(v) = &args.max_memory {
        cfg.max_memory = Some(parse_bytes(v).flag("--max-memory")?);
    }
    cfg.force = args.force;
    cfg.progress = true;
    Ok(cfg)
}

/// Parse, explore, print.
pub fn run(args: &ExploreArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let report = explore(&config(args)?)?;
    if args.json {
        super::print_json(out, "explore", json(&report))?;
    } else {
        out.write_all(text(&report).as_bytes())?;
    }
    Ok(())
}

fn pow2(report: &ExploreReport) -> Option<u64> {
    let m = report.min_cycles.as_ref()?;
    (m.count_ones() == 1).then(|| m.bits() - 1)
}

/// The JSON object (conventions in `seqwrap::text::json`): `min_cycles`
/// is a number with its exact decimal in `min_cycles_exact`; the verdict
/// is a kind plus its scope, the trace structured steps.
fn json(r: &ExploreReport) -> serde_json::Value {
    let (kind, below, found_at, within) = match &r.verdict {
        Verdict::FalsePositive => ("false-positive", None, None, None),
        Verdict::NoneAtAll => ("none-at-all", None, None, None),
        Verdict::NoneWithin(c) => ("none-within", None, None, Some(c.to_string())),
        Verdict::Incomplete {
            below, found_at, ..
        } => (
            "incomplete",
            Some(below.to_string()),
            found_at.map(|f| f.to_string()),
            None,
        ),
    };
    let mut v = serde_json::json!({
        "protocol": r.protocol.name(),
        "params": r.protocol.params_map(),
        "bits": r.protocol.total_bits(),
        "memory_model": r.model.name(),
        "mode": r.mode,
        "mode_note": r.mode_note,
        "readers": r.readers,
        "writers": r.writers,
        "writer_cycles": r.max_writer_cycles,
        "false_positive": r.false_positive(),
        "verdict_kind": kind,
        "verdict": r.verdict.to_string(),
        "incomplete_below": below,
        "incomplete_found_at": found_at,
        "none_within": within,
        "min_cycles": r.min_cycles.as_ref().map(|m| m.to_string()),
        "min_cycles_log2": pow2(r),
        "reorders": r.trace.reorders(),
        "trace": r.trace.steps,
        "trace_text": r.trace.lines(),
        "states": r.states,
        "elapsed_s": r.elapsed_s,
    });
    seqwrap::text::json::promote_exact(
        &mut v,
        &[
            "min_cycles",
            "incomplete_below",
            "incomplete_found_at",
            "none_within",
        ],
    );
    v
}

fn text(r: &ExploreReport) -> String {
    let mut s = String::new();
    s += &format!("protocol:   {}\n", r.protocol);
    s += &format!("explored:   {}\n", r.scope());
    s += &format!("verdict:    {}\n", r.verdict);
    if let Some(m) = &r.min_cycles {
        let exact = u128::try_from(m)
            .map(count_text)
            .unwrap_or_else(|_| m.to_string());
        s += &format!("min_cycles: {exact}\n");
    }
    s += &format!(
        "states:     {}\nelapsed:    {:.3} s\n",
        r.states, r.elapsed_s
    );
    if !r.trace.steps.is_empty() {
        s += if r.trace.reorders() {
            "\nshortest counterexample (uses reorderings the model allows):\n"
        } else {
            "\nshortest counterexample:\n"
        };
        for line in r.trace.lines() {
            s += &line;
            s.push('\n');
        }
    }
    s
}
