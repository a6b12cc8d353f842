//! The README's batch recipe, run for real: a measured rate taken once
//! (`--measure-only`), three shards run side by side by GNU parallel (or
//! `xargs -P` where parallel is not installed, and always as well), the
//! shards merged, and the result compared byte for byte with one
//! unsharded run of the same spec and rate file.
#![cfg(unix)]

use std::path::Path;
use std::process::Command;

use crate::helpers::{self, seqwrap_path, tempdir};

/// Real engines, small: 2 protocols x (explore + 2 rates x 2 windows x
/// (analyze + sample)) = 18 points, under a second in all.
const SPEC: &str = r#"
name = "batch"
title = "batch recipe"
seed = 9
samples = 5000
engines = ["explore", "analyze", "sample"]
widths = [8]
rates = ["1e6", "RATE"]
windows = ["fixed:128us", "lognormal:100us,1ms"]

[[protocols]]
protocol = "plain"

[[protocols]]
protocol = "split"
read = "naive"
"#;

fn bash(dir: &Path, script: &str) -> String {
    let path = format!(
        "{}:{}",
        seqwrap_path().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{script}\nstatus {:?}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn has(tool: &str) -> bool {
    Command::new("bash")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn shards_through_parallel_or_xargs_merge_into_the_one_run_file() {
    let d = tempdir();
    let dir = d.path();
    // The kernel's rate where it can be measured; a fixed second rate
    // elsewhere (the rate file path is the same either way).
    let rate = if cfg!(target_os = "linux") {
        "measured:kernel"
    } else {
        "2e6"
    };
    std::fs::write(dir.join("batch.toml"), SPEC.replace("RATE", rate)).unwrap();

    // Step 1: the rate, once.
    bash(
        dir,
        "seqwrap sweep batch.toml --rate-file rates.csv --measure-only",
    );
    assert!(dir.join("rates.csv").exists());
    // The reference: one run with the same rates.
    bash(
        dir,
        "seqwrap sweep batch.toml --rate-file rates.csv --out whole.csv --json >/dev/null",
    );
    let whole = std::fs::read(dir.join("whole.csv")).unwrap();
    assert!(whole.len() > 2000);

    let mut runners = vec![(
        "xargs",
        "printf '%s\\n' 1 2 3 | xargs -P 3 -I{} \
         seqwrap sweep batch.toml --rate-file rates.csv --shard {}/3 --json >/dev/null",
    )];
    if has("parallel") {
        runners.push((
            "parallel",
            "parallel --will-cite seqwrap sweep batch.toml --rate-file rates.csv \
             --shard {}/3 --json ::: 1 2 3 >/dev/null",
        ));
    } else {
        helpers::skip(
            "parallel",
            "GNU parallel is not installed: the recipe ran through xargs -P only",
        );
    }
    for (name, run) in runners {
        let _ = std::fs::remove_dir_all(dir.join("data"));
        bash(dir, run);
        for k in 1..=3 {
            assert!(
                dir.join(format!("data/batch.{k}-of-3.csv")).exists(),
                "{name}"
            );
        }
        let text = bash(
            dir,
            "seqwrap merge data/batch.*-of-3.csv --out data/batch.csv",
        );
        assert!(text.starts_with("3 shards, "), "{name}: {text}");
        assert_eq!(
            std::fs::read(dir.join("data/batch.csv")).unwrap(),
            whole,
            "{name}: merged shards differ from one run"
        );
    }
}
