//! `seqwrap pick`: recommend a counter width and scheme for a threat model.

use std::io::Write;

use seqwrap::analyze::Fleet;
use seqwrap::pick::{PickRequest, Threat, pick};
use seqwrap::timing::{FlagExt, Window, parse_rate, resolve_rate};

/// Shown by `seqwrap pick --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap pick --adversarial --rate measured:kernel
  seqwrap pick --window lognormal:2us,1ms --rate 1e7 --target 1e-9
  seqwrap pick --window exp:1ms --rate 187ns --fleet 1e6,1e3,10 \\
      --target 1e-3 --json";

/// Arguments of `seqwrap pick`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("threat").required(true).args(["adversarial", "window"])))]
pub struct Args {
    /// A reader can be stalled at will: the counter must not come back
    /// within the fleet's lifetime (default 1000 years).
    #[arg(long)]
    pub adversarial: bool,
    /// Accidental risk with speculation windows from this distribution
    /// (fixed:T, exp:MEAN, lognormal:MEDIAN,P99, pareto:XMIN,ALPHA, hist:FILE).
    #[arg(long, value_name = "D")]
    pub window: Option<String>,
    /// Writer (write-lock) cycles per second, a cycle time (187ns), or
    /// measured:kernel / measured:stress.
    #[arg(long, value_name = "R")]
    pub rate: String,
    /// MACHINES,SPECULATIONS_PER_S,YEARS.
    #[arg(long, value_name = "M,S,Y")]
    pub fleet: Option<String>,
    /// Target probability for --window: per speculation, or of at least one
    /// false positive over the fleet's lifetime with --fleet [default: 1e-6].
    #[arg(long, value_name = "P")]
    pub target: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Pick.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<()> {
    let (rate, rate_words) = resolve_rate(parse_rate(&args.rate).flag("--rate")?)?;
    let threat = match &args.window {
        Some(w) => Threat::Window(w.clone(), Window::parse(w).flag("--window")?),
        None => Threat::Adversarial,
    };
    let fleet = args
        .fleet
        .as_deref()
        .map(|f| Fleet::parse(f).flag("--fleet"))
        .transpose()?;
    let target = match &args.target {
        None => None,
        Some(t) => Some(
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|p| *p > 0.0 && *p < 1.0)
                .ok_or_else(|| {
                    seqwrap::Error::usage(format!(
                        "--target: '{t}' is not a probability; allowed: a number in (0, 1)"
                    ))
                })?,
        ),
    };
    let answer = pick(&PickRequest {
        threat,
        rate,
        rate_words,
        fleet,
        target,
    })?;
    if args.json {
        super::print_json(out, "pick", json(&answer)?)?;
    } else {
        match answer.bits {
            Some(b) => writeln!(
                out,
                "pick: {b} bits, {} ({})\n",
                answer.scheme, answer.kernel_type
            )?,
            None => writeln!(out, "pick: {} ({})\n", answer.scheme, answer.kernel_type)?,
        }
        write!(out, "{}", answer.explanation)?;
    }
    Ok(())
}

/// The answer in the shared JSON style: the scheme as `scheme` (name) and
/// `params` like every other command (pick.rs keeps it as one string,
/// `plain bits=59`, which is split here), the compared values as numbers
/// with `*_exact` strings.
fn json(a: &seqwrap::pick::PickAnswer) -> anyhow::Result<serde_json::Value> {
    let mut v = seqwrap::export::json::value(a)?;
    let mut words = a.scheme.split_whitespace();
    let name = words.next().unwrap_or_default().to_string();
    let params: serde_json::Map<String, serde_json::Value> = words
        .filter_map(|w| w.split_once('='))
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
        .collect();
    v["scheme"] = serde_json::Value::from(name);
    v["params"] = serde_json::Value::Object(params);
    seqwrap::export::json::promote_exact(&mut v, &["value_at_bits", "value_at_bits_minus_1"]);
    Ok(v)
}
