//! `seqwrap completions SHELL`: a completion script from the clap
//! definitions (clap_complete), so it never drifts from the flags.

use std::io::Write;

use clap::CommandFactory;

/// Shown by `seqwrap completions --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap completions bash > /etc/bash_completion.d/seqwrap
  seqwrap completions zsh > ~/.zfunc/_seqwrap
  seqwrap completions fish > ~/.config/fish/completions/seqwrap.fish";

/// Arguments of `seqwrap completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Print the script.
pub fn run(args: &CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    // clap_complete panics on a failed write, so the script is built in
    // memory and written here, where a closed pipe is an error we handle.
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut super::Cli::command(), "seqwrap", &mut buf);
    out.write_all(&buf)?;
    Ok(())
}
