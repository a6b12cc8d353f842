//! `seqwrap explore`: every interleaving, the shortest false positive.

use std::io::Write;

use super::scheme_args::SchemeArgs;
use seqwrap::explore::{ExploreConfig, ExploreMode, ExploreReport, count_text, explore};

/// Shown by `seqwrap explore --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap explore --scheme plain --bits i32
  seqwrap explore --scheme plain --bits 8 --mode brute
  seqwrap explore --scheme split --hi 32 --lo 32 --read hi-lo-hi \\
      --write-order hi-first
  seqwrap explore --scheme guard --bits 16 --readers 2 --json";

/// Arguments of `seqwrap explore`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scheme.
    #[command(flatten)]
    pub scheme: SchemeArgs,
    /// Readers, one speculation each (1..=4).
    #[arg(long, default_value = "1", allow_hyphen_values = true)]
    pub readers: String,
    /// Writers, serialized by the lock (1..=4).
    #[arg(long, default_value = "1", allow_hyphen_values = true)]
    pub writers: String,
    /// brute (cycle by cycle), accelerated (jump writer runs) or auto.
    #[arg(long, default_value = "auto")]
    pub mode: String,
    /// Only consider windows of at most this many writer cycles.
    #[arg(long, allow_hyphen_values = true)]
    pub max_cycles: Option<String>,
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

/// Parse, explore, print.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<()> {
    let scheme = args.scheme.spec()?;
    let readers = count_flag("--readers", &args.readers, seqwrap::explore::MAX_READERS)?;
    let writers = count_flag("--writers", &args.writers, seqwrap::explore::MAX_WRITERS)?;
    let mode: ExploreMode = args.mode.parse()?;
    let max_cycles = match &args.max_cycles {
        None => None,
        Some(v) => Some(v.trim().parse::<u128>().map_err(|_| {
            seqwrap::Error::usage(format!(
                "--max-cycles: '{v}' is not a cycle count; allowed: an integer >= 0"
            ))
        })?),
    };
    let cfg = ExploreConfig {
        scheme,
        readers,
        writers,
        mode,
        max_cycles,
        progress: true,
    };
    let report = explore(&cfg)?;
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

/// The JSON object (conventions in `seqwrap::export::json`): `min_cycles`
/// is a number with its exact decimal in `min_cycles_exact`.
fn json(r: &ExploreReport) -> serde_json::Value {
    let mut v = serde_json::json!({
        "scheme": r.scheme.name(),
        "params": r.scheme.params(),
        "bits": r.scheme.total_bits(),
        "mode": r.mode,
        "readers": r.readers,
        "writers": r.writers,
        "false_positive": r.false_positive(),
        "verdict": r.verdict.to_string(),
        "min_cycles": r.min_cycles.as_ref().map(|m| m.to_string()),
        "min_cycles_log2": pow2(r),
        "trace": r.trace,
        "states": r.states,
        "elapsed_s": r.elapsed_s,
    });
    seqwrap::export::json::promote_exact(&mut v, &["min_cycles"]);
    v
}

fn text(r: &ExploreReport) -> String {
    let mut s = String::new();
    s += &format!("scheme:     {}\n", r.scheme);
    s += &format!(
        "explored:   {} reader(s), {} writer(s), {} mode\n",
        r.readers, r.writers, r.mode
    );
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
    if !r.trace.is_empty() {
        s += "\nshortest counterexample:\n";
        for line in &r.trace {
            s += line;
            s.push('\n');
        }
    }
    s
}
