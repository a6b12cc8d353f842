//! `seqwrap analyze`: exact closed forms for one point.

use std::io::Write;

use seqwrap::analyze::{AnalyzeConfig, Fleet, analyze, to_json, to_text};
use seqwrap::timing::{FlagExt, TimingFlags, Window};

use super::protocol_flags::ProtocolFlags;

/// The timed-model flags shared by `analyze` and `sample`. Values are
/// taken as text and validated by the library, so each error is one line
/// naming its flag.
#[derive(Debug, Clone, clap::Args)]
pub struct TimingArgs {
    /// Writer cycles per second (5.35e6), one cycle's time (187ns), or
    /// measured:kernel / measured:stress.
    #[arg(long, allow_hyphen_values = true)]
    pub rate: Option<String>,
    /// Writer process: fixed (uniform phase) or poisson (default).
    #[arg(long)]
    pub process: Option<String>,
    /// Lock hold time per cycle (default 0), a time with a unit (50ns);
    /// rate x hold < 1.
    #[arg(long, allow_hyphen_values = true)]
    pub hold: Option<String>,
    /// Window length distribution: fixed:T, exp:MEAN, lognormal:MEDIAN,P99,
    /// pareto:XMIN,ALPHA, hist:FILE.csv; times take a unit (ns us ms s
    /// min h d y).
    #[arg(long, allow_hyphen_values = true)]
    pub window: Option<String>,
}

impl TimingArgs {
    /// The writer, validated; a `measured:*` rate is measured here, by
    /// `stress::resolve_rate`.
    pub fn writer(&self) -> seqwrap::Result<seqwrap::timing::Writer> {
        TimingFlags {
            rate: self.rate.clone(),
            process: self.process.clone(),
            hold: self.hold.clone(),
        }
        .writer(&|s| seqwrap::stress::resolve_rate(s).map(|r| r.0))
    }

    /// The window, validated (`None` when absent).
    pub fn window(&self) -> seqwrap::Result<Option<Window>> {
        self.window
            .as_deref()
            .map(|w| Window::parse(w).flag("--window"))
            .transpose()
    }
}

/// Arguments of `seqwrap analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// The protocol.
    #[command(flatten)]
    pub protocol: ProtocolFlags,
    /// The writer and window.
    #[command(flatten)]
    pub timing: TimingArgs,
    /// Fleet risk: MACHINES,SPECULATIONS_PER_S,YEARS (needs --window).
    #[arg(long, allow_hyphen_values = true)]
    pub fleet: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Fields `analyze::to_json` writes as exact strings; printed as numbers
/// with `*_exact` beside them (`text::json`, rule 4).
const ANALYZE_EXACT: &[&str] = &[
    "min_cycles",
    "period_cycles",
    "p_false_positive",
    "p_retry",
    "p_abort",
    "p_accept",
    "fleet_expected",
    "fleet_p_any",
];

/// Shown by `seqwrap analyze --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap analyze --protocol plain --bits 32 --rate 1e7
  seqwrap analyze --protocol plain --bits 32 --rate 187ns \\
      --window lognormal:2us,1ms
  seqwrap analyze --protocol plain --bits 64 --rate measured:kernel \\
      --window exp:1ms --fleet 1e6,1e3,10 --json";

/// Parse, analyze, print.
pub fn run(args: &AnalyzeArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let protocol = args.protocol.spec()?;
    let writer = args.timing.writer()?;
    let window = args.timing.window()?;
    let fleet = args
        .fleet
        .as_deref()
        .map(|f| Fleet::parse(f).flag("--fleet"))
        .transpose()?;
    // The flags are all valid before the explorer runs for the engine.
    let cfg = AnalyzeConfig {
        sc: seqwrap::explore::sc_facts(&protocol)?,
        protocol,
        writer,
        window,
        fleet,
    };
    let report = analyze(&cfg)?;
    if args.json {
        let mut v = to_json(&report);
        seqwrap::text::json::promote_exact(&mut v, ANALYZE_EXACT);
        super::print_json(out, "analyze", v)?;
    } else {
        write!(out, "{}", to_text(&report))?;
    }
    Ok(())
}
