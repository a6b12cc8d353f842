//! `seqwrap sweep` and `seqwrap merge` from the outside: the guarantees of
//! the sweep's promise — byte-identical output whatever the thread count, after a
//! kill -9 and `--resume`, and after shard + merge; bad input is one line
//! naming file, line and key, exit 2, and no output file.
//!
//! Most tests use the hidden deterministic fake engines (`--debug-fake-engines
//! MS`, as hyperfine's `--debug-mode`) so a sweep is slow enough to kill and
//! free of engine noise; `real_engines_*` run the shipped engines.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{ok, ok_json, read, seqwrap, tempdir, write};

/// A grid of 6 schemes x (1 explore + 2 rates x 7 windows x 1 sample) points.
const SPEC: &str = r#"
name = "t"
title = "sweep test"
seed = 11
samples = 1000
engines = ["explore", "sample"]
widths = [8, 16, 32]
rates = ["1e6", "measured:kernel"]
windows = ["fixed:1us", "fixed:10us", "fixed:100us", "fixed:1ms", "fixed:10ms", "fixed:100ms", "lognormal:2us,1ms"]

[[schemes]]
scheme = "plain"

[[schemes]]
scheme = "split"
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
    assert_one_line_usage(&o, "shard 2/3 missing; given: ");
    assert!(!partial.exists());

    // The same file twice, and a copy of a shard under another name.
    let o = seqwrap()
        .arg("merge")
        .args([&shards[0], &shards[0], &shards[1], &shards[2]])
        .arg("--out")
        .arg(&partial)
        .output()
        .unwrap();
    assert_one_line_usage(&o, "is given twice");
    let copy = d.path().join("copy.csv");
    std::fs::copy(&shards[1], &copy).unwrap();
    let o = seqwrap()
        .arg("merge")
        .args([&shards[0], &shards[1], &copy, &shards[2]])
        .arg("--out")
        .arg(&partial)
        .output()
        .unwrap();
    assert_one_line_usage(&o, "are both shard 2/3");
    assert!(!partial.exists());
}

fn assert_one_line_usage(o: &std::process::Output, want: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line, got: {err}");
    assert!(err.contains(want), "{err:?} should contain {want:?}");
}

#[test]
fn bad_specs_are_one_line_with_file_line_key_and_leave_nothing() {
    let d = tempdir();
    let cases: Vec<(String, &str)> = vec![
        (
            SPEC.replace("seed = 11", "seed = 11\nsead = 3"),
            "t.toml:5: key 'sead': unknown key",
        ),
        (
            SPEC.replace("samples = 1000", "samples = \"many\""),
            "t.toml:5: key 'samples'",
        ),
        (
            SPEC.replace("widths = [8, 16, 32]", "widths = []"),
            "t.toml:7: key 'widths': empty grid",
        ),
        (
            SPEC.replace("\"1e6\"", "\"-5\""),
            "t.toml:8: key 'rates[0]'",
        ),
        (
            SPEC.replace("read = \"hi-lo-hi\"", "read = \"sideways\""),
            "key 'schemes[1]'",
        ),
        (
            SPEC.replace("scheme = \"plain\"", "scheme = \"plain\"\nbits = 99"),
            "key 'schemes[0]'",
        ),
        (
            SPEC.replace(
                "samples = 1000",
                &format!(
                    "samples = 1000\nholds = [{}]",
                    (0..3000)
                        .map(|i| format!("\"{}ns\"", f64::from(i) / 10.0))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            ),
            "over the limit",
        ),
    ];
    for (text, want) in cases {
        let spec = write_spec(d.path(), &text);
        let out = d.path().join("never.csv");
        let o = sweep(&spec, &out, "2", &["--debug-fake-engines", "0"]);
        assert_one_line_usage(&o, want);
        assert!(!out.exists());
        assert!(!d.path().join(".never.csv.progress.json").exists());
    }
    // A bad shard flag.
    let spec = write_spec(d.path(), SPEC);
    let o = sweep(&spec, &d.path().join("x.csv"), "2", &["--shard", "4/3"]);
    assert_one_line_usage(&o, "--shard");
}

#[test]
fn bad_csv_is_one_line_with_file_line_key() {
    let d = tempdir();
    let spec = write_spec(d.path(), SPEC);
    let good = d.path().join("good.csv");
    ok(&sweep(&spec, &good, "2", &["--debug-fake-engines", "0"]));
    let text = read(&good);

    let wrong_header = d.path().join("wrong_header.csv");
    std::fs::write(
        &wrong_header,
        text.replacen("metric,value", "metric,valeur", 1),
    )
    .unwrap();
    let bad_field = d.path().join("bad_field.csv");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[3] = format!("x{}", &lines[3]);
    std::fs::write(&bad_field, lines.join("\n") + "\n").unwrap();

    for (file, want) in [
        (
            &wrong_header,
            "wrong_header.csv:1: key 'value': wrong CSV header",
        ),
        (&bad_field, "bad_field.csv:4: key 'point'"),
    ] {
        let out = d.path().join("m.csv");
        let o = seqwrap()
            .arg("merge")
            .arg(file)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        assert_one_line_usage(&o, want);
        assert!(!out.exists());
        let pdir = d.path().join("plots");
        let o = seqwrap()
            .arg("plot")
            .arg(file)
            .arg("--out")
            .arg(&pdir)
            .output()
            .unwrap();
        assert_one_line_usage(&o, want);
        assert!(!pdir.exists() || std::fs::read_dir(&pdir).unwrap().next().is_none());
    }
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
    assert_one_line_usage(&o, "key 'spec'");
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

[[schemes]]
scheme = "plain"

[[schemes]]
scheme = "split"
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
