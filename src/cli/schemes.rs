//! `seqwrap schemes`: the catalog, one line each.

use seqwrap::scheme::CATALOG;

/// Arguments of `seqwrap schemes`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print a JSON array instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Print the catalog.
pub fn run(args: &Args) -> anyhow::Result<()> {
    if args.json {
        let v: Vec<_> = CATALOG
            .iter()
            .map(|(name, params, what)| {
                serde_json::json!({"name": name, "params": params, "models": what})
            })
            .collect();
        println!("{}", serde_json::to_string(&v)?);
    } else {
        for (name, params, what) in CATALOG {
            println!("{name:<8} {params}  -- {what}");
        }
    }
    Ok(())
}
