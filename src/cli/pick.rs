//! `seqwrap pick`: recommend a counter width and scheme for a threat model.

use seqwrap::analyze::Fleet;
use seqwrap::pick::{PickRequest, Threat, pick};
use seqwrap::timing::{FlagExt, Window, parse_rate, resolve_rate};

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
pub fn run(args: &Args) -> anyhow::Result<()> {
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
        println!("{}", serde_json::to_string(&answer)?);
    } else {
        match answer.bits {
            Some(b) => println!(
                "pick: {b} bits, {} ({})\n",
                answer.scheme, answer.kernel_type
            ),
            None => println!("pick: {} ({})\n", answer.scheme, answer.kernel_type),
        }
        print!("{}", answer.explanation);
    }
    Ok(())
}
