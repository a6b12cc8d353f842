//! `seqwrap protocols`: the catalog, one line each; `--show NAME` prints a
//! protocol's protocol file, the starting point for a user's own.

use std::io::Write;

use seqwrap::protocol::catalog;
use seqwrap::protocol::file::ParamDefault;

/// Shown by `seqwrap protocols --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap protocols
  seqwrap protocols --show split > my-split.toml
  seqwrap protocols --api | grep -A6 read_seqcount_retry
  seqwrap protocols --json | jq -r '.protocols[].name'";

/// Arguments of `seqwrap protocols`.
#[derive(Debug, clap::Args)]
pub struct ProtocolsArgs {
    /// Print a JSON object (`protocols`: name, about, source, params) instead
    /// of text.
    #[arg(long)]
    pub json: bool,
    /// Print this catalog protocol's protocol file.
    #[arg(long, value_name = "NAME")]
    pub show: Option<String>,
    /// Print the kernel API a protocol may call (seqlock.h, mmap_lock.h,
    /// the atomics, RCU) with what each call expands to.
    #[arg(long, conflicts_with = "show")]
    pub api: bool,
}

fn default_text(d: &ParamDefault) -> String {
    match d {
        ParamDefault::Int(v) => v.to_string(),
        ParamDefault::Text(l) => l.text.clone(),
    }
}

/// Print the catalog.
pub fn run(args: &ProtocolsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    if args.api {
        let text = seqwrap::protocol::api::prelude_text();
        if args.json {
            let mut names: Vec<&String> = seqwrap::protocol::api::macros().keys().collect();
            names.sort();
            super::print_json(
                out,
                "api",
                serde_json::json!({"names": names, "text": text}),
            )?;
        } else {
            out.write_all(text.as_bytes())?;
        }
        return Ok(());
    }
    if let Some(name) = &args.show {
        catalog::find(name)?;
        let text = catalog::text(name).expect("found above");
        if args.json {
            super::print_json(
                out,
                "protocol",
                serde_json::json!({"name": name, "text": text}),
            )?;
        } else {
            out.write_all(text.as_bytes())?;
        }
        return Ok(());
    }
    if args.json {
        let v: Vec<_> = catalog::catalog()
            .iter()
            .map(|d| {
                let params: Vec<_> = d
                    .params
                    .iter()
                    .map(|p| {
                        serde_json::json!({
                            "name": p.name,
                            "default": default_text(&p.default),
                            "min": p.min.map(|v| v.to_string()),
                            "max": p.max.map(|v| v.to_string()),
                            "choices": p.choices,
                            "about": p.about,
                        })
                    })
                    .collect();
                serde_json::json!({
                    "name": d.name,
                    "about": d.about,
                    "source": d.source,
                    "flags": catalog::flags_of(d),
                    "params": params,
                })
            })
            .collect();
        super::print_json(out, "protocols", serde_json::Value::Array(v))?;
    } else {
        for d in catalog::catalog() {
            writeln!(out, "{:<9} {}", d.name, d.about)?;
            writeln!(out, "{:<9} takes: {}", "", catalog::flags_of(d))?;
        }
        writeln!(
            out,
            "\n`seqwrap protocols --show NAME` prints a protocol's file; \
             --protocol FILE runs your own."
        )?;
    }
    Ok(())
}
