//! Command-line definitions: clap types live here and nowhere in the
//! library. Each subcommand has its own file with its `<Command>Args`, its
//! `EXAMPLES` (shown by `--help` and in the man page) and a `run` that
//! calls one library function and prints its result to `out`.
//!
//! Printing: every command writes through the `out` it is given, never
//! `println!` (which panics when stdout is a closed pipe). Write errors
//! come back as `io::Error`s naming `stdout`; `main` treats a broken pipe
//! as success and anything else (a full disk) as a failure, exit 1.

use std::io::Write;

use clap::{Parser, Subcommand};

pub mod analyze;
pub mod audit;
pub mod completions;
pub mod explore;
pub mod hold;
pub mod litmus;
pub mod man;
pub mod merge;
pub mod pick;
pub mod plot;
pub mod protocol_flags;
pub mod protocols;
pub mod report;
pub mod sample;
pub mod sites;
pub mod stress;
pub mod sweep;

/// How wide must a sequence counter be before a lockless reader can trust it?
#[derive(Debug, Parser)]
#[command(name = "seqwrap", version, about, long_about = None, after_long_help = EXAMPLES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  seqwrap report
  seqwrap explore --protocol plain --bits i32
  seqwrap analyze --protocol plain --bits 32 --rate 1e7 --window fixed:1ms
  seqwrap pick --adversarial --rate measured:kernel
  seqwrap protocols --json | jq '.protocols[].name'
  seqwrap completions bash > /etc/bash_completion.d/seqwrap
  seqwrap man --out ~/.local/share/man/man1

Exit codes: 0 success (also when stdout is a closed pipe), 1 a
failure of the run (I/O), 2 bad input (one line on stderr naming it),
130/143 on SIGINT/SIGTERM.";

/// The subcommands. Parsed once per run, so variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the protocols of the catalog with their parameters.
    #[command(after_long_help = protocols::EXAMPLES)]
    Protocols(protocols::ProtocolsArgs),
    /// The kernel's reader sites and what can hold them (sites/, holds/).
    #[command(after_long_help = sites::EXAMPLES)]
    Sites(sites::SitesArgs),
    /// The answer per reader site: holds, wrap time, ordering, verdict.
    #[command(after_long_help = audit::EXAMPLES)]
    Audit(audit::AuditArgs),
    /// Explore every interleaving of readers and writers; find the shortest false positive.
    #[command(after_long_help = explore::EXAMPLES)]
    Explore(explore::ExploreArgs),
    /// Print a herd7 C litmus test of a protocol, writer unrolled K cycles.
    #[command(after_long_help = litmus::EXAMPLES)]
    Litmus(litmus::LitmusArgs),
    /// Exact closed forms: time to the first false positive, probabilities, fleet risk.
    #[command(after_long_help = analyze::EXAMPLES)]
    Analyze(analyze::AnalyzeArgs),
    /// Monte Carlo over timed schedules, with confidence intervals.
    #[command(after_long_help = sample::EXAMPLES)]
    Sample(sample::SampleArgs),
    /// Real threads and atomics; or the kernel's own mmap_lock write rate.
    #[command(after_long_help = stress::EXAMPLES)]
    Stress(stress::StressArgs),
    /// Run a question spec's grid into CSV.
    #[command(after_long_help = sweep::EXAMPLES)]
    Sweep(sweep::SweepArgs),
    /// Join sweep shards into the file one run would produce.
    #[command(after_long_help = merge::EXAMPLES)]
    Merge(merge::MergeArgs),
    /// Draw plots from sweep CSV.
    #[command(after_long_help = plot::EXAMPLES)]
    Plot(plot::PlotArgs),
    /// Recommend a counter width and protocol for a threat model.
    #[command(after_long_help = pick::EXAMPLES)]
    Pick(pick::PickArgs),
    /// The main job: run the shipped questions, write data/, plots and reports/summary.md.
    #[command(after_long_help = report::EXAMPLES)]
    Report(report::ReportArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_long_help = completions::EXAMPLES)]
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write one page per command into a directory.
    #[command(after_long_help = man::EXAMPLES)]
    Man(man::ManArgs),
}

/// Standard output as every command sees it: errors keep their kind (a
/// broken pipe stays `BrokenPipe`) and name `stdout` in their message.
struct Stdout(std::io::Stdout);

fn named(e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("stdout: {}", seqwrap::error::io_text(&e)))
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf).map_err(named)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush().map_err(named)
    }
}

/// Run the parsed command, printing to stdout.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let mut out = Stdout(std::io::stdout());
    let out: &mut dyn Write = &mut out;
    match cli.command {
        Command::Protocols(a) => protocols::run(&a, out),
        Command::Sites(a) => sites::run(&a, out),
        Command::Audit(a) => audit::run(&a, out),
        Command::Explore(a) => explore::run(&a, out),
        Command::Litmus(a) => litmus::run(&a, out),
        Command::Analyze(a) => analyze::run(&a, out),
        Command::Sample(a) => sample::run(&a, out),
        Command::Stress(a) => stress::run(&a, out),
        Command::Sweep(a) => sweep::run(&a, out),
        Command::Merge(a) => merge::run(&a, out),
        Command::Plot(a) => plot::run(&a, out),
        Command::Pick(a) => pick::run(&a, out),
        Command::Report(a) => report::run(&a, out),
        Command::Completions(a) => completions::run(&a, out),
        Command::Man(a) => man::run(&a, out),
    }?;
    // The last line may still sit in the buffer; its error must not be lost
    // to the silent flush at exit.
    out.flush()?;
    Ok(())
}

/// Print a `--json` document in the shared style (`text::json`).
pub fn print_json(
    out: &mut dyn Write,
    command: &str,
    body: serde_json::Value,
) -> anyhow::Result<()> {
    use seqwrap::text::json;
    out.write_all(json::render(&json::document(command, command, body)).as_bytes())?;
    Ok(())
}
