//! `seqwrap sweep` and `seqwrap merge` from the outside: the guarantees of
//! the sweep's promise — byte-identical output whatever the thread count, after a
//! kill -9 and `--resume`, and after shard + merge; shards that do not
//! make a whole, and progress of another spec, are one line, exit 2, and
//! no output file (bad specs and CSVs, which name file, line and key, are
//! in the table of `bad_input`).
//!
//! Most tests use the hidden deterministic fake engines (`--debug-fake-engines
//! MS`, as hyperfine's `--debug-mode`) so a sweep is slow enough to kill and
//! free of engine noise; `real_engines_*` run the shipped engines.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{assert_bad_input_line, ok, ok_json, seqwrap, tempdir, write};

/// A grid of 6 protocols x (1 explore + 2 rates x 7 windows x 1 sample) points;
/// `bad_input` breaks it too, for errors that name its lines.
pub const SPEC: &str = r#"
name = "t"
title = "sweep test"
seed = 11
samples = 1000
engines = ["explore", "sample"]
widths = [8, 16, 32]
rates = ["1e6", "measured:kernel"]
windows = ["fixed:1us", "fixed:10us", "fixed:100us", "fixed:1ms", "fixed:10ms", "fixed:100ms", "lognormal:2us,1ms"]

[[protocols]]
protocol = "plain"

[[protocols]]
protocol = "split"
read = "hi-lo-hi"
"#;

/// The spec as `t.toml` in `dir`: its path.
fn write_spec(dir: &Path, text: &str) -> PathBuf {
    write(dir, "t.toml", text)
}

fn sweep(spec: &Path, out: &Path, threads: &str, extra: &[&str]) -> std::process::Output {
    seqwrap()
        .arg("sweep")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .args(extra)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap()
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let d = tempdir();
    let spec = write_spec(d.path(), SPEC);
    let mut files = Vec::new();
    for t in ["1", "2", "8"] {
        let out = d.path().join(format!("t{t}.csv"));
        ok(&sweep(&spec, &out, t, &["--debug-fake-engines", "0"]));
        files.push(std::fs::read(&out).unwrap());
    }
    assert!(files[0].len() > 1000);
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
    // Rows are in grid order: the point column never decreases.
    let text = String::from_utf8(files[0].clone()).unwrap();
    let points: Vec<usize> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(points.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(*points.last().unwrap(), 6 * (1 + 14) - 1);
}

#[test]
fn kill_9_then_resume_gives_the_uninterrupted_file() {
    let d = tempdir();
    let spec = write_spec(d.path(), SPEC);
    let whole = d.path().join("whole.csv");
    ok(&sweep(&spec, &whole, "2", &["--debug-fake-engines", "0"]));

    let out = d.path().join("killed.csv");
    let progress = d.path().join(".killed.csv.progress.json");
    // 90 points x 40 ms on 2 threads: about 1.8 s. Kill it as soon as its
    // progress file holds a finished point (saved every 0.5 s), so the
    // kill lands mid-run however loaded the machine is.
    let mut child = seqwrap()
        .arg("sweep")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .args(["--debug-fake-engines", "40"])
        .env("RAYON_NUM_THREADS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        let saved = std::fs::read(&progress)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v["done"].as_object().is_some_and(|d| !d.is_empty()));
        if saved {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "no progress saved in 30 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    // SIGKILL: no destructor, no flush, no cleanup runs.
    let killed = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the sweep finished before the kill; slow it down"
    );
    assert!(
        !out.exists(),
        "a killed sweep must not leave a partial output"
    );
    assert!(progress.exists(), "a killed sweep must leave its progress");

    let o = sweep(
        &spec,
        &out,
        "2",
        &["--resume", "--json", "--debug-fake-engines", "0"],
    );
    let summary = ok_json(&o);
    let resumed = summary["resumed_points"].as_u64().unwrap();
    assert!(
        resumed > 0 && resumed < 90,
        "resumed {resumed} of 90 points"
    );
    assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&whole).unwrap());
    assert!(!progress.exists(), "a finished sweep removes its progress");
}

#[test]
fn shards_merge_into_the_one_run_file() {
    let d = tempdir();
    let spec = write_spec(d.path(), SPEC);
    let whole = d.path().join("whole.csv");
    ok(&sweep(&spec, &whole, "2", &["--debug-fake-engines", "0"]));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = d.path().join(format!("s{k}.csv"));
        ok(&sweep(
            &spec,
            &out,
            "1",
            &["--shard", &format!("{k}/3"), "--debug-fake-engines", "0"],
        ));
        shards.push(out);
    }
    // Shards are disjoint and none is the whole.
    let s1 = std::fs::read(&shards[0]).unwrap();
    assert!(s1.len() < std::fs::read(&whole).unwrap().len() / 2);

    let merged = d.path().join("merged.csv");
    // Any order of arguments.
    let o = seqwrap()
        .arg("merge")
        .args([&shards[2], &shards[0], &shards[1]])
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(
        std::fs::read(&merged).unwrap(),
        std::fs::read(&whole).unwrap()
    );

    // A missing shard is named with the files given, exit 2, no output.
    let partial = d.path().join("partial.csv");
    let o = seqwrap()
        .arg("merge")
        .args([&shards[0], &shards[2]])
        .arg("--out")
        .arg(&partial)
        .output()
        .unwrap();
    assert_bad_input_line(&o, "a missing shard", "shard 2/3 missing; given: ");
    assert!(!partial.exists());

    // The same file twice, and a copy of a shard under another name.
    let o = seqwrap()
        .arg("merge")
        .args([&shards[0], &shards[0], &shards[1], &shards[2]])
        .arg("--out")
        .arg(&partial)
        .output()
        .unwrap();
    assert_bad_input_line(&o, "a file twice", "is given twice");
    let copy = d.path().join("copy.csv");
    std::fs::copy(&shards[1], &copy).unwrap();
    let o = seqwrap()
        .arg("merge")
        .args([&shards[0], &shards[1], &copy, &shards[2]])
        .arg("--out")
        .arg(&partial)
        .output()
        .unwrap();
    assert_bad_input_line(&o, "a copy", "are both shard 2/3");
    assert!(!partial.exists());
}

#[test]
fn resume_refuses_progress_of_another_spec() {
    let d = tempdir();
    let spec = write_spec(d.path(), SPEC);
    let out = d.path().join("o.csv");
    std::fs::write(
        d.path().join(".o.csv.progress.json"),
        r#"{"version":"0.1.0","fingerprint":1,"shard":"1/1","rates":{},"done":{}}"#,
    )
    .unwrap();
    let o = sweep(&spec, &out, "2", &["--resume", "--debug-fake-engines", "0"]);
    assert_bad_input_line(&o, "another spec's progress", "key 'spec'");
    assert!(!out.exists());
}

/// The shipped engines (explore, analyze, sample; no hardware timing, no
/// measured rate) on a small grid: the same bytes for 1, 2 and 8 threads
/// and for three merged shards.
const REAL: &str = r#"
name = "real"
title = "real engines"
seed = 5
samples = 20000
engines = ["explore", "analyze", "sample"]
widths = [8, 10]
rates = ["1e6"]
processes = ["poisson", "fixed"]
windows = ["fixed:128us", "exp:128us", "lognormal:100us,1ms"]

[[protocols]]
protocol = "plain"

[[protocols]]
protocol = "split"
read = "naive"
"#;

#[test]
fn real_engines_are_byte_identical_across_threads_and_shards() {
    let d = tempdir();
    let spec = write_spec(d.path(), REAL);
    let mut files = Vec::new();
    for t in ["1", "2", "8"] {
        let out = d.path().join(format!("r{t}.csv"));
        ok(&sweep(&spec, &out, t, &[]));
        files.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(files[0], files[1]);
    assert_eq!(files[0], files[2]);
    let text = String::from_utf8(files[0].clone()).unwrap();
    // Sample rows carry their intervals and a non-zero per-point seed.
    let sample_fp: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(",sample,p_false_positive,"))
        .collect();
    assert_eq!(sample_fp.len(), 4 * 2 * 3);
    assert!(sample_fp.iter().all(|l| !l.ends_with(",0,0.1.0")));

    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = d.path().join(format!("rs{k}.csv"));
        ok(&sweep(&spec, &out, "2", &["--shard", &format!("{k}/3")]));
        shards.push(out);
    }
    let merged = d.path().join("rm.csv");
    let o = seqwrap()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    ok(&o);
    assert_eq!(std::fs::read(&merged).unwrap(), files[0]);
}
