//! `seqwrap sites`: the kernel's reader sites (`sites/`), one block each;
//! `--show NAME` prints a site file; `--holds` lists the hold mechanisms
//! (`holds/`); `--site FILE` checks and prints a user's own.

use std::io::Write;

use seqwrap::site::{self, Site, hold};
use seqwrap::text::table::{hang, wrap};

/// Shown by `seqwrap sites --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap sites
  seqwrap sites --show shstk-sigreturn > my-site.toml
  seqwrap sites --site my-site.toml
  seqwrap sites --holds
  seqwrap sites --json | jq -r '.sites[] | [.name, .release] | @tsv'";

/// Arguments of `seqwrap sites`.
#[derive(Debug, clap::Args)]
pub struct SitesArgs {
    /// Print JSON (`sites`, or `holds` with --holds) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print this built-in site's file.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["site", "holds"])]
    pub show: Option<String>,
    /// A site file of your own: checked, then listed alone.
    #[arg(long, value_name = "FILE", conflicts_with = "holds")]
    pub site: Option<String>,
    /// List the hold mechanisms instead of the sites.
    #[arg(long)]
    pub holds: bool,
}

fn site_text(s: &Site) -> String {
    let mut out = wrap(&format!("{}: {}", s.name, s.title));
    let field = |k: &str, v: &str| hang("  ", &format!("{k}: {v}"));
    out += &field("where", &format!("{}() in {}", s.function, s.file));
    let release = if s.release_note.is_empty() {
        s.release.clone()
    } else {
        format!("{} ({})", s.release, s.release_note)
    };
    out += &field(
        "since",
        &format!("{} \"{}\", {release}", s.commit, s.commit_title),
    );
    out += &field("counter", &format!("{} ({})", s.counter, s.protocol));
    let ctx: Vec<&str> = s.context.iter().map(|c| c.name()).collect();
    out += &field("context", &ctx.join(", "));
    out += &field("false positive", &s.false_positive);
    out
}

/// Print the sites, a site, or the holds.
pub fn run(args: &SitesArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    if args.holds {
        let hs = hold::holds()?;
        if args.json {
            super::print_json(out, "sites", serde_json::json!({ "holds": hs }))?;
            return Ok(());
        }
        for h in &hs {
            let bound = match &h.bound {
                Some(b) => format!(
                    "bounded: {} (see bounded_by)",
                    seqwrap::timing::human_duration(b.seconds)
                ),
                None if h.longest_shown.is_empty() => "unbounded".to_string(),
                None => format!("unbounded (longest shown: {})", h.longest_shown),
            };
            let holds: Vec<&str> = h
                .holds
                .iter()
                .filter_map(|x| hold::HOLDS.iter().find(|(_, k)| k == x).map(|(n, _)| *n))
                .collect();
            out.write_all(wrap(&format!("{}: {}", h.name, h.title)).as_bytes())?;
            out.write_all(
                hang(
                    "  ",
                    &format!(
                        "holds {}; privilege {}; {bound}",
                        holds.join(", "),
                        h.privilege.name()
                    ),
                )
                .as_bytes(),
            )?;
        }
        return Ok(());
    }
    if let Some(name) = &args.show {
        let file = format!("{name}.toml");
        let text = site::site_text(&file).ok_or_else(|| {
            seqwrap::Error::usage(format!(
                "--show {name}: not a built-in site; allowed: {}",
                site::sites()
                    .map(|v| v
                        .iter()
                        .map(|s| s.name.clone())
                        .collect::<Vec<_>>()
                        .join(", "))
                    .unwrap_or_default()
            ))
        })?;
        out.write_all(text.as_bytes())?;
        return Ok(());
    }
    let sites = match &args.site {
        Some(f) => vec![site::site(f)?],
        None => site::sites()?,
    };
    if args.json {
        super::print_json(out, "sites", serde_json::json!({ "sites": sites }))?;
        return Ok(());
    }
    for (i, s) in sites.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        out.write_all(site_text(s).as_bytes())?;
    }
    Ok(())
}
