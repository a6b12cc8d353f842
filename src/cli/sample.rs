//! `seqwrap sample`: Monte Carlo estimate of the outcome rates.

use std::io::Write;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use seqwrap::Error;
use seqwrap::sample::{SampleConfig, sample, to_json, to_text};
use seqwrap::timing::{FlagExt, parse_count};

use super::analyze::TimingArgs;
use super::protocol_flags::ProtocolFlags;

/// Arguments of `seqwrap sample`.
#[derive(Debug, clap::Args)]
pub struct SampleArgs {
    /// The protocol.
    #[command(flatten)]
    pub protocol: ProtocolFlags,
    /// The writer and window (--window is required here).
    #[command(flatten)]
    pub timing: TimingArgs,
    /// Number of windows to simulate (>= 1; 1000000, 1e6, 2^20).
    #[arg(long, default_value = "1000000", allow_hyphen_values = true)]
    pub samples: String,
    /// Seed; the same seed gives the same output for any thread count.
    #[arg(long, default_value = "1", allow_hyphen_values = true)]
    pub seed: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Shown by `seqwrap sample --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap sample --protocol plain --bits 8 --rate 1e6 --window fixed:128us
  seqwrap sample --protocol plain --bits 16 --rate 1e7 \\
      --window lognormal:2us,1ms --samples 10000000 --seed 42 --json";

/// Parse, sample, print. Progress goes to stderr (only on a terminal).
pub fn run(args: &SampleArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let samples = parse_count(&args.samples).flag("--samples")?;
    if samples == 0 {
        return Err(Error::usage("--samples: 0 windows; allowed: a count >= 1 (1e6, 2^20)").into());
    }
    let seed: u64 = args.seed.trim().parse().map_err(|_| {
        Error::usage(format!(
            "--seed: '{}' is not a seed; allowed: an integer 0..=2^64-1",
            args.seed
        ))
    })?;
    let window = args.timing.window()?.ok_or_else(|| {
        Error::usage(format!(
            "--window is required; allowed: {}",
            seqwrap::timing::WINDOW_ALLOWED
        ))
    })?;
    let protocol = args.protocol.spec()?;
    let writer = args.timing.writer()?;
    // The flags are all valid before the explorer runs for the engine.
    let cfg = SampleConfig {
        sc: seqwrap::explore::sc_facts(&protocol)?,
        protocol,
        writer,
        window,
        samples,
        seed,
    };
    let bar = ProgressBar::with_draw_target(Some(samples), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} windows {eta}").expect("template"),
    );
    let report = sample(&cfg, &|n| bar.inc(n))?;
    bar.finish_and_clear();
    if args.json {
        super::print_json(out, "sample", to_json(&report))?;
    } else {
        write!(out, "{}", to_text(&report))?;
    }
    Ok(())
}
