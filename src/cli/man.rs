//! `seqwrap man`: the man page from the clap definitions (clap_mangen).

use std::io::Write;
use std::path::PathBuf;

use clap::CommandFactory;

/// Shown by `seqwrap man --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap man | man -l -
  seqwrap man --out ~/.local/share/man/man1";

/// Arguments of `seqwrap man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write seqwrap.1 and one seqwrap-COMMAND.1 per command into this
    /// directory (created if missing) instead of printing seqwrap.1.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn render(cmd: clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut buf)?;
    Ok(buf)
}

/// Print or write the pages.
pub fn run(args: &ManArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let cmd = super::Cli::command();
    let Some(dir) = &args.out else {
        out.write_all(&render(cmd)?)?;
        return Ok(());
    };
    seqwrap::files::check_output_dir("--out", dir)?;
    let mut pages = vec![(dir.join("seqwrap.1"), render(cmd.clone())?)];
    for sub in cmd.get_subcommands() {
        let name = format!("seqwrap-{}", sub.get_name());
        let page = sub
            .clone()
            .display_name(name.clone())
            .bin_name(format!("seqwrap {}", sub.get_name()));
        pages.push((dir.join(format!("{name}.1")), render(page)?));
    }
    // Every page is written before any is listed: a closed stdout must
    // not cut the set short.
    for (path, bytes) in &pages {
        seqwrap::files::write_atomic(path, bytes)?;
    }
    for (path, _) in &pages {
        writeln!(out, "{}", path.display())?;
    }
    Ok(())
}
