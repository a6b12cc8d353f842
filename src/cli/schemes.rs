//! `seqwrap schemes`: the catalog, one line each.

use std::io::Write;

use seqwrap::scheme::CATALOG;

/// Shown by `seqwrap schemes --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap schemes
  seqwrap schemes --json | jq -r '.schemes[].name'";

/// Arguments of `seqwrap schemes`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON object (`schemes`: name, params, models) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Print the catalog.
pub fn run(args: &Args, out: &mut dyn Write) -> anyhow::Result<()> {
    if args.json {
        let v: Vec<_> = CATALOG
            .iter()
            .map(|(name, params, what)| {
                serde_json::json!({"name": name, "params": params, "models": what})
            })
            .collect();
        super::print_json(out, "schemes", serde_json::Value::Array(v))?;
    } else {
        for (name, params, what) in CATALOG {
            writeln!(out, "{name:<8} {params}  -- {what}")?;
        }
    }
    Ok(())
}
