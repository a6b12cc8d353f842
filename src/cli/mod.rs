//! Command-line definitions: clap types live here and nowhere in the
//! library. Each subcommand has its own file with its `Args` and a `run`
//! that calls one library function and prints its result.

use clap::{Parser, Subcommand};

pub mod analyze;
pub mod explore;
pub mod merge;
pub mod pick;
pub mod plot;
pub mod report;
pub mod sample;
pub mod scheme_args;
pub mod schemes;
pub mod stress;
pub mod sweep;

/// How wide must a sequence counter be before a lockless reader can trust it?
#[derive(Debug, Parser)]
#[command(name = "seqwrap", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands. Parsed once per run, so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the schemes of the catalog with their parameters.
    Schemes(schemes::Args),
    /// Explore every interleaving of readers and writers; find the shortest false positive.
    Explore(explore::Args),
    /// Exact closed forms: time to the first false positive, probabilities, fleet risk.
    Analyze(analyze::Args),
    /// Monte Carlo over timed schedules, with confidence intervals.
    Sample(sample::Args),
    /// Real threads and atomics; or the kernel's own mmap_lock write rate.
    Stress(stress::Args),
    /// Run a question spec's grid into CSV.
    Sweep(sweep::Args),
    /// Join sweep shards into the file one run would produce.
    Merge(merge::Args),
    /// Draw plots from sweep CSV.
    Plot(plot::Args),
    /// Recommend a counter width and scheme for a threat model.
    Pick(pick::Args),
    /// The main job: run the shipped questions, write data/, plots and reports/summary.md.
    Report(report::Args),
}

/// Run the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Schemes(a) => schemes::run(&a),
        Command::Explore(a) => explore::run(&a),
        Command::Analyze(a) => analyze::run(&a),
        Command::Sample(a) => sample::run(&a),
        Command::Stress(a) => stress::run(&a),
        Command::Sweep(a) => sweep::run(&a),
        Command::Merge(a) => merge::run(&a),
        Command::Plot(a) => plot::run(&a),
        Command::Pick(a) => pick::run(&a),
        Command::Report(a) => report::run(&a),
    }
}
