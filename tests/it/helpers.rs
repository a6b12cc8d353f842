//! Shared helpers for the integration tests: the scheme matrix.

#![allow(dead_code)]

use seqwrap::protocol::{Scheme, catalog};

fn sch(name: &str, params: &[(&str, String)]) -> Scheme {
    let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    catalog::scheme(name, &p).unwrap_or_else(|e| panic!("{name} {params:?}: {e}"))
}

/// Every catalog variant whose total width is `t` bits: plain, guard,
/// saturate, bounded just below and at the wrap, and every split and epoch
/// shape with every read order and both store orders.
pub fn schemes_of_width(t: u32) -> Vec<Scheme> {
    let w = t.to_string();
    let half = 1u64 << (t - 1);
    let mut v = vec![
        sch("plain", &[("W", w.clone())]),
        sch("guard", &[("W", w.clone())]),
        sch("saturate", &[("W", w.clone())]),
        sch(
            "bounded",
            &[("W", w.clone()), ("T", (half - 1).to_string())],
        ),
        sch("bounded", &[("W", w.clone()), ("T", half.to_string())]),
    ];
    for lo in 1..t {
        let hi = t - lo;
        for read in ["naive", "hi-lo-hi", "lo-hi-lo"] {
            for order in ["lo-first", "hi-first"] {
                v.push(sch(
                    "split",
                    &[
                        ("H", hi.to_string()),
                        ("L", lo.to_string()),
                        ("READ", read.into()),
                        ("ORDER", order.into()),
                    ],
                ));
            }
        }
    }
    for e in 1..t.saturating_sub(1) {
        for order in ["seq-first", "epoch-first"] {
            v.push(sch(
                "epoch",
                &[
                    ("W", (t - e).to_string()),
                    ("E", e.to_string()),
                    ("ORDER", order.into()),
                ],
            ));
        }
    }
    v
}

/// Bad input, as the CLI promises it: exit 2, nothing on stdout, no
/// panic, and `needle` named on stderr. Stderr is one line — except for
/// clap's own parse errors, which keep clap's whole message (an `error:`
/// line, then a tip and the usage line), and must still start
/// with exactly one `error:` line.
pub fn assert_bad_input(out: &std::process::Output, what: &str, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert!(
        out.stdout.is_empty(),
        "{what}: stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(
        err.contains(needle),
        "{what}: {err:?} should name {needle:?}"
    );
    let lines: Vec<&str> = err.trim_end().lines().collect();
    assert!(lines[0].starts_with("error: "), "{what}: {err}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("error")).count(),
        1,
        "{what}: {err}"
    );
    if lines.len() > 1 {
        assert!(
            lines.iter().any(|l| l.starts_with("Usage: seqwrap"))
                || lines.last().is_some_and(|l| l.contains("--help")),
            "{what}: more than one line and not clap's usage: {err}"
        );
    }
}

/// A test that needs an optional tool or permission and cannot have it
/// here: it says `skipped: <why>` where a reader of `cargo test` sees it
/// (straight to stderr, past the harness's capture), and fails instead
/// where `SEQWRAP_REQUIRE` names the tool (a comma-separated list: `herd`,
/// `tracefs`, `dev-full`, ...; `all` for every one), so a machine that must
/// have it cannot pass by skipping.
pub fn skip(tool: &str, why: &str) {
    use std::io::Write as _;
    let required = std::env::var("SEQWRAP_REQUIRE").unwrap_or_default();
    if required
        .split(',')
        .any(|t| t.trim() == tool || t.trim() == "all")
    {
        panic!("SEQWRAP_REQUIRE={required} requires {tool}, but {why}");
    }
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

/// herd7 with the Linux-kernel memory model, where installed: the
/// directory `SEQWRAP_HERD` names, else `../shared/herd` beside the
/// checkout (holding `herd7`, `libdir/`, `lkmm/`); else why not.
pub fn herd_dir() -> Result<std::path::PathBuf, String> {
    let d = std::env::var_os("SEQWRAP_HERD")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/herd"));
    if d.join("herd7").is_file() {
        Ok(d)
    } else {
        Err(format!(
            "no herd7 in {} (set SEQWRAP_HERD to a directory with herd7, libdir/, lkmm/)",
            d.display()
        ))
    }
}

/// herd7's arguments for the LKMM, run from [`herd_dir`].
pub const HERD_ARGS: [&str; 6] = [
    "-I",
    "libdir",
    "-I",
    "lkmm",
    "-conf",
    "lkmm/linux-kernel.cfg",
];
