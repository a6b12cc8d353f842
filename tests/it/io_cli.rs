//! The I/O promises (README "What it does"): closed pipes, full disks, signals, output paths,
//! merges of mismatched shards, rate files, `--shard auto`, the cost
//! budget, completions and the man page — each checked from the outside.
#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{self, ok, ok_json, read, seqwrap, seqwrap_path, tempdir, write};

/// A small grid: 2 protocols x (1 explore + 2 rates x 2 windows sample) =
/// 10 points.
const SPEC: &str = r#"
name = "io"
title = "io test"
seed = 3
samples = 2000
engines = ["explore", "sample"]
widths = [8]
rates = ["1e6", "measured:kernel"]
windows = ["fixed:1us", "lognormal:2us,1ms"]

[[protocols]]
protocol = "plain"

[[protocols]]
protocol = "guard"
"#;

fn fake_sweep(spec: &Path, out: &Path, extra: &[&str]) -> Output {
    seqwrap()
        .arg("sweep")
        .arg(spec)
        .arg("--out")
        .arg(out)
        .args(["--debug-fake-engines", "0"])
        .args(extra)
        .output()
        .unwrap()
}

/// Run with stdout a pipe whose reader is already closed: the first write
/// fails with EPIPE (Rust ignores SIGPIPE), which must be success.
fn closed_stdout(args: &[String], dir: &Path) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = seqwrap()
        .args(args)
        .current_dir(dir)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
    out
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn every_command_takes_a_closed_pipe_as_success() {
    let d = tempdir();
    let dir = d.path();
    let spec = write(dir, "io.toml", SPEC);
    let whole = dir.join("whole.csv");
    ok(&fake_sweep(&spec, &whole, &[]));
    let mut shards = Vec::new();
    for k in 1..=2 {
        let s = dir.join(format!("s{k}.csv"));
        ok(&fake_sweep(&spec, &s, &["--shard", &format!("{k}/2")]));
        shards.push(s.display().to_string());
    }
    let spec = spec.display().to_string();
    let whole = whole.display().to_string();
    let mut cases: Vec<(Vec<String>, bool)> = vec![
        (strings(&["protocols"]), true),
        (
            strings(&["explore", "--protocol", "plain", "--bits", "8"]),
            true,
        ),
        (
            strings(&[
                "analyze",
                "--protocol",
                "plain",
                "--bits",
                "8",
                "--rate",
                "1e6",
                "--window",
                "fixed:1ms",
            ]),
            true,
        ),
        (
            strings(&[
                "sample",
                "--protocol",
                "plain",
                "--bits",
                "8",
                "--rate",
                "1e6",
                "--window",
                "fixed:128us",
                "--samples",
                "10000",
            ]),
            true,
        ),
        (
            strings(&[
                "stress",
                "--protocol",
                "plain",
                "--bits",
                "8",
                "--timing-cycles",
                "20000",
                "--timing-runs",
                "3",
            ]),
            true,
        ),
        (strings(&["pick", "--adversarial", "--rate", "1e6"]), true),
        (
            strings(&[
                "sweep",
                &spec,
                "--out",
                "o.csv",
                "--debug-fake-engines",
                "0",
            ]),
            true,
        ),
        (strings(&["sweep", &spec, "--estimate"]), true),
        (
            vec![
                "merge".into(),
                shards[0].clone(),
                shards[1].clone(),
                "--out".into(),
                "m.csv".into(),
            ],
            true,
        ),
        (strings(&["plot", &whole, "--out", "plots"]), true),
        (
            strings(&["report", "--out", "r", "--data", "rd", "--analysis", "none"]),
            true,
        ),
        (strings(&["protocols", "--show", "split"]), false),
        (
            strings(&["litmus", "--protocol", "plain", "--param", "W=2"]),
            false,
        ),
        (
            strings(&["explore", "--protocol", "rfc-v1", "--memory-model", "lkmm"]),
            true,
        ),
        (strings(&["completions", "bash"]), false),
        (strings(&["man"]), false),
        (strings(&["--help"]), false),
        (strings(&["sweep", "--help"]), false),
        (strings(&["--version"]), false),
    ];
    if cfg!(target_os = "linux") {
        cases.push((
            strings(&["stress", "--kernel", "--duration", "100ms", "--runs", "2"]),
            true,
        ));
    }
    let mut runs = 0;
    for (args, has_json) in cases {
        let mut variants = vec![args.clone()];
        if has_json {
            let mut j = args.clone();
            j.push("--json".into());
            variants.push(j);
        }
        for a in variants {
            let o = closed_stdout(&a, dir);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(0), "{a:?}: {err}");
            assert!(err.is_empty(), "{a:?}: stderr {err:?}");
            runs += 1;
        }
    }
    assert!(runs >= 28, "{runs}");
}

/// A full stdout is a failed write, not bad input: exit 1, one line
/// naming stdout, whatever wrote it (a listing, JSON, the man page, an
/// engine's answer, a merge's summary).
#[test]
fn a_full_stdout_is_a_failure_naming_stdout() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
    let Ok(full) = full else {
        helpers::skip("devfull", "no /dev/full here: a full stdout was not tried");
        return;
    };
    let d = tempdir();
    let spec = write(d.path(), "io.toml", SPEC);
    for k in 1..=3 {
        let shard = d.path().join(format!("s{k}.csv"));
        ok(&fake_sweep(&spec, &shard, &["--shard", &format!("{k}/3")]));
    }
    for args in [
        &["protocols"][..],
        &["protocols", "--json"],
        &["man"],
        &["explore", "--protocol", "plain", "--bits", "8", "--json"],
        &[
            "analyze",
            "--protocol",
            "plain",
            "--bits",
            "8",
            "--rate",
            "1e6",
        ],
        &[
            "merge", "s1.csv", "s2.csv", "s3.csv", "--out", "m.csv", "--json",
        ],
    ] {
        let o = seqwrap()
            .args(args)
            .current_dir(d.path())
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(err, "error: stdout: No space left on device\n", "{args:?}");
    }
}

/// A write the file system refuses (here a file-size limit, EFBIG, as a
/// stand-in for a full disk that a test cannot make): exit 1, the path
/// named, no output, no temporary or progress file left.
#[test]
fn a_failed_write_names_the_path_and_leaves_nothing() {
    let d = tempdir();
    let spec = write(d.path(), "io.toml", SPEC);
    let out = d.path().join("o.csv");
    // `ulimit -f 1`: at most 1024 bytes a file; SIGXFSZ ignored so the
    // write returns EFBIG instead of killing the process.
    let o = Command::new("bash")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 1; exec \"$0\" \"$@\"")
        .arg(seqwrap_path())
        .arg("sweep")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .args(["--debug-fake-engines", "0"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("File too large"), "{err}");
    assert!(
        err.contains(d.path().to_str().unwrap()),
        "names the path: {err}"
    );
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["io.toml".to_string()], "left behind: {left:?}");
}

/// SIGINT and SIGTERM in the middle of a sweep: exit 128+N, no temporary
/// file, no output; the progress file stays for --resume, and --resume
/// finishes with the uninterrupted bytes.
#[test]
fn signals_remove_temporary_files_and_keep_progress() {
    let d = tempdir();
    let spec = write(d.path(), "io.toml", SPEC);
    let whole = d.path().join("whole.csv");
    ok(&fake_sweep(&spec, &whole, &[]));
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let out = d.path().join(format!("{sig}.csv"));
        let progress = d.path().join(format!(".{sig}.csv.progress.json"));
        let child = seqwrap()
            .arg("sweep")
            .arg(&spec)
            .arg("--out")
            .arg(&out)
            // 10 points x 300 ms on 1 thread; progress saved every 0.5 s.
            .args(["--debug-fake-engines", "300"])
            .env("RAYON_NUM_THREADS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        let saved = || {
            std::fs::read(&progress)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|v| v["done"].as_object().is_some_and(|m| !m.is_empty()))
        };
        while !saved() {
            assert!(t0.elapsed() < Duration::from_secs(30), "no progress");
            std::thread::sleep(Duration::from_millis(5));
        }
        let k = Command::new("kill")
            .args([&format!("-{sig}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(k.success());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(code), "{sig}");
        assert!(!out.exists());
        assert!(progress.exists(), "{sig}: progress kept for --resume");
        let temps: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp."))
            .collect();
        assert!(temps.is_empty(), "{sig}: {temps:?}");
        let o = fake_sweep(&spec, &out, &["--resume", "--json"]);
        let v = ok_json(&o);
        assert!(v["resumed_points"].as_u64().unwrap() > 0);
        assert_eq!(std::fs::read(&out).unwrap(), std::fs::read(&whole).unwrap());
        assert!(!progress.exists());
    }
}

#[test]
fn resume_removes_what_killed_runs_left() {
    let d = tempdir();
    let spec = write(d.path(), "io.toml", SPEC);
    let out = d.path().join("o.csv");
    // PIDs above any pid_max: their processes are certainly gone.
    let orphans = [
        d.path().join(".o.csv.tmp.2147483001"),
        d.path().join("..o.csv.progress.json.tmp.2147483002"),
    ];
    for o in &orphans {
        std::fs::write(o, "half a file").unwrap();
    }
    let unrelated = d.path().join(".other.csv.tmp.2147483003");
    std::fs::write(&unrelated, "not ours").unwrap();
    let o = fake_sweep(&spec, &out, &["--resume", "--json"]);
    let v = ok_json(&o);
    assert_eq!(v["removed_orphans"].as_array().unwrap().len(), 2, "{v}");
    assert!(orphans.iter().all(|o| !o.exists()));
    assert!(unrelated.exists());
}

#[test]
fn completions_and_man_pages_come_from_the_flags() {
    for (shell, marker) in [
        ("bash", "_seqwrap()"),
        ("zsh", "#compdef seqwrap"),
        ("fish", "complete -c seqwrap"),
    ] {
        let text = ok(&seqwrap().args(["completions", shell]).output().unwrap());
        assert!(text.contains(marker), "{shell}");
        assert!(text.contains("--rate-file"), "{shell}: sweep's flags");
    }
    let page = ok(&seqwrap().arg("man").output().unwrap());
    assert!(
        page.starts_with(".ie") || page.contains(".TH seqwrap"),
        "{page:.200}"
    );
    assert!(page.contains("Exit codes"), "examples and exit codes");
    let d = tempdir();
    let dir = d.path().join("man1");
    let listed = ok(&seqwrap()
        .arg("man")
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap());
    let sweep = read(dir.join("seqwrap-sweep.1"));
    assert!(
        sweep.contains("budget") && sweep.contains("Examples"),
        "{sweep:.300}"
    );
    assert_eq!(
        listed.lines().count(),
        std::fs::read_dir(&dir).unwrap().count()
    );
    // Every subcommand's long help carries examples.
    for cmd in [
        "protocols",
        "explore",
        "analyze",
        "sample",
        "stress",
        "sweep",
        "merge",
        "plot",
        "pick",
        "report",
        "completions",
        "man",
    ] {
        let help = ok(&seqwrap().args([cmd, "--help"]).output().unwrap());
        assert!(help.contains("Examples:\n  seqwrap "), "{cmd}");
    }
}

#[test]
fn merge_refuses_shards_of_another_spec_split_or_truncated() {
    let d = tempdir();
    let spec = write(d.path(), "io.toml", SPEC);
    let shard = |spec: &Path, k: usize, n: usize, name: &str| {
        let out = d.path().join(name);
        ok(&fake_sweep(spec, &out, &["--shard", &format!("{k}/{n}")]));
        out
    };
    let s1 = shard(&spec, 1, 3, "s1.csv");
    let s2 = shard(&spec, 2, 3, "s2.csv");
    let s3 = shard(&spec, 3, 3, "s3.csv");
    let merge = |files: &[&Path]| {
        seqwrap()
            .arg("merge")
            .args(files)
            .arg("--out")
            .arg(d.path().join("m.csv"))
            .output()
            .unwrap()
    };
    let o = merge(&[&s1, &s2, &s3]);
    ok(&o);
    std::fs::remove_file(d.path().join("m.csv")).unwrap();
    // The same name, another seed (or rate, sample count, widths): another
    // fingerprint.
    for (what, from, to) in [
        ("seed", "seed = 3", "seed = 4"),
        ("samples", "samples = 2000", "samples = 2001"),
        ("rates", "\"1e6\"", "\"2e6\""),
        ("widths", "widths = [8]", "widths = [8, 10]"),
    ] {
        let other = write(d.path(), "other.toml", &SPEC.replace(from, to));
        let o2 = shard(&other, 2, 3, "other2.csv");
        let o = merge(&[&s1, &o2, &s3]);
        helpers::assert_bad_input(&o, what, "other2.csv");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("spec_fingerprint") || err.contains("grid_points"),
            "{what}: {err}"
        );
    }
    // Another split.
    let h2 = shard(&spec, 2, 2, "h2.csv");
    helpers::assert_bad_input(&merge(&[&s1, &h2, &s3]), "split", "different splits");
    // A shard missing its last point.
    let text = read(&s3);
    let last_point = text
        .lines()
        .last()
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let cut: String = text
        .lines()
        .filter(|l| !l.starts_with(&format!("{last_point},")))
        .map(|l| format!("{l}\n"))
        .collect();
    let t3 = d.path().join("t3.csv");
    std::fs::write(&t3, cut).unwrap();
    helpers::assert_bad_input(&merge(&[&s1, &s2, &t3]), "truncated", "t3.csv");
    // A file from before the fingerprint column.
    let old: String = read(&s1)
        .lines()
        .map(|l| l.rsplitn(5, ',').last().unwrap().to_string() + "\n")
        .collect();
    let v1 = d.path().join("v1.csv");
    std::fs::write(&v1, old).unwrap();
    helpers::assert_bad_input(&merge(&[&v1, &s2, &s3]), "old file", "v1.csv");
    assert!(!d.path().join("m.csv").exists());
}

#[test]
fn merge_json_describes_the_join() {
    let d = tempdir();
    let spec = write(d.path(), "io.toml", SPEC);
    let whole = d.path().join("whole.csv");
    ok(&fake_sweep(&spec, &whole, &[]));
    let mut shards = Vec::new();
    for k in 1..=3 {
        let s = d.path().join(format!("s{k}.csv"));
        ok(&fake_sweep(&spec, &s, &["--shard", &format!("{k}/3")]));
        shards.push(s);
    }
    let m = d.path().join("m.csv");
    let o = seqwrap()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&m)
        .arg("--json")
        .output()
        .unwrap();
    let v = ok_json(&o);
    assert_eq!(v["command"], "merge");
    assert_eq!(v["seqwrap_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["grid_points"], 10);
    assert_eq!(v["shards"].as_array().unwrap().len(), 3);
    let rows = read(&m).lines().count() - 1;
    assert_eq!(v["rows"].as_u64(), Some(rows as u64));
    assert_eq!(std::fs::read(&m).unwrap(), std::fs::read(&whole).unwrap());
}

#[test]
fn the_rate_file_is_measured_once_and_used_by_every_shard() {
    let d = tempdir();
    let spec = write(d.path(), "io.toml", SPEC);
    let rates = d.path().join("rates.csv");
    // --measure-only writes the file (the fake engines measure 1.25e6).
    let text = ok(&seqwrap()
        .arg("sweep")
        .arg(&spec)
        .arg("--rate-file")
        .arg(&rates)
        .args(["--measure-only", "--debug-fake-engines", "0"])
        .output()
        .unwrap());
    assert!(text.contains("measured:kernel: 1250000"), "{text}");
    // Another rate in the file: every shard must use it, not measure.
    std::fs::write(
        &rates,
        "kind,rate_per_s,what\nmeasured:kernel,3300000,taken on the login node\n",
    )
    .unwrap();
    let mut shards = Vec::new();
    for k in 1..=2 {
        let s = d.path().join(format!("s{k}.csv"));
        ok(&fake_sweep(
            &spec,
            &s,
            &[
                "--shard",
                &format!("{k}/2"),
                "--rate-file",
                rates.to_str().unwrap(),
            ],
        ));
        shards.push(read(&s));
    }
    let all = shards.concat();
    assert!(all.contains(",3.3e6,"), "the file's rate is used");
    assert!(!all.contains(",1.25e6,"), "nothing was measured");
    // A rate file lacking a kind the spec needs is measured into the run
    // (not silently dropped); a broken one is bad input.
    std::fs::write(&rates, "kind,rate_per_s,what\nmeasured:kernel,-3,x\n").unwrap();
    let o = fake_sweep(
        &spec,
        &d.path().join("x.csv"),
        &["--rate-file", rates.to_str().unwrap()],
    );
    helpers::assert_bad_input(&o, "negative rate", "rate_per_s");
}

#[test]
fn shard_auto_reads_slurm_and_kubernetes() {
    let d = tempdir();
    let spec = write(d.path(), "io.toml", SPEC);
    let run = |vars: &[(&str, &str)], out: &str| {
        let mut c = seqwrap();
        for v in [
            "SLURM_ARRAY_TASK_ID",
            "SLURM_ARRAY_TASK_MIN",
            "SLURM_ARRAY_TASK_MAX",
            "SLURM_ARRAY_TASK_STEP",
            "SLURM_ARRAY_TASK_COUNT",
            "JOB_COMPLETION_INDEX",
            "SEQWRAP_SHARD_COUNT",
        ] {
            c.env_remove(v);
        }
        c.envs(vars.iter().copied())
            .arg("sweep")
            .arg(&spec)
            .arg("--out")
            .arg(d.path().join(out))
            .args(["--shard", "auto", "--json", "--debug-fake-engines", "0"])
            .output()
            .unwrap()
    };
    let o = run(
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ],
        "slurm.csv",
    );
    let v = ok_json(&o);
    assert_eq!(v["shard"], "3/3");
    let o = run(
        &[("JOB_COMPLETION_INDEX", "0"), ("SEQWRAP_SHARD_COUNT", "4")],
        "k8s.csv",
    );
    let v = ok_json(&o);
    assert_eq!(v["shard"], "1/4");
    helpers::assert_bad_input(&run(&[], "none.csv"), "no array", "--shard auto");
    helpers::assert_bad_input(
        &run(&[("JOB_COMPLETION_INDEX", "0")], "none.csv"),
        "no count",
        "SEQWRAP_SHARD_COUNT",
    );
    assert!(!d.path().join("none.csv").exists());
}

#[test]
fn a_sweep_over_budget_is_refused_with_its_estimate_and_the_flag() {
    let d = tempdir();
    // 2 widths x 30 windows x 1e9 samples: 6e10 windows, about half an
    // hour a core at the reference speed; over a 1 s budget.
    let windows: Vec<String> = (1..=30).map(|i| format!("\"fixed:{i}us\"")).collect();
    let text = format!(
        "name = \"big\"\ntitle = \"big\"\nseed = 1\nsamples = 1000000000\n\
         engines = [\"sample\"]\nwidths = [8, 16]\nrates = [\"1e6\"]\nwindows = [{}]\n\
         [[protocols]]\nprotocol = \"plain\"\n",
        windows.join(", ")
    );
    let spec = write(d.path(), "big.toml", &text);
    let out = d.path().join("big.csv");
    let o = seqwrap()
        .arg("sweep")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .args(["--budget", "1s"])
        .output()
        .unwrap();
    helpers::assert_bad_input(&o, "over budget", "--budget");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("6.000e10 windows"), "{err}");
    assert!(!out.exists());
    assert!(!d.path().join(".big.csv.progress.json").exists());
    // --estimate says the same without running.
    let e = ok(&seqwrap()
        .arg("sweep")
        .arg(&spec)
        .args(["--estimate", "--json"])
        .output()
        .unwrap());
    let v: serde_json::Value = serde_json::from_str(&e).unwrap();
    assert_eq!(v["sample_windows"].as_f64(), Some(6e10));
    assert!(v["wall_s"].as_f64().unwrap() > 1.0);
}

#[test]
fn csv_values_below_f64_keep_a_log10_column() {
    let d = tempdir();
    // u64 counter at 5.35e6/s over 1 us windows: P(false positive) is
    // about 10^-(1.6e20), far below any f64.
    let spec = write(
        d.path(),
        "tiny.toml",
        "name = \"tiny\"\ntitle = \"t\"\nseed = 1\nengines = [\"analyze\"]\nwidths = [64]\n\
         rates = [\"5.35e6\"]\nwindows = [\"fixed:1us\"]\n[[protocols]]\nprotocol = \"plain\"\n",
    );
    let out = d.path().join("tiny.csv");
    ok(&seqwrap()
        .arg("sweep")
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap());
    let text = read(&out);
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (value, log10) = (col("value"), col("log10_value"));
    let row = text
        .lines()
        .find(|l| l.contains(",p_false_positive,"))
        .unwrap();
    let f: Vec<&str> = row.split(',').collect();
    assert!(f[value].starts_with("1e-1"), "{row}");
    let l: f64 = f[log10].parse().unwrap();
    let want: f64 = f[value].trim_start_matches("1e").parse().unwrap();
    assert_eq!(l, want, "{row}");
    // The analyze engine's own log10 metric agrees with the column.
    let own = text
        .lines()
        .find(|l| l.contains(",log10_p_false_positive,"))
        .unwrap();
    let own: f64 = own.split(',').nth(value).unwrap().parse().unwrap();
    assert!((own - l).abs() <= 1e-9 * l.abs(), "{own} vs {l}");
}
