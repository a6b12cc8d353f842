//! Over a hundred bad inputs across every command — flags, units, specs,
//! CSVs, rate files, output paths (missing directories, directories,
//! devices, FIFOs, dangling symlinks, the command's own inputs) and
//! `/dev/full` — each must fail fast with exit 2 (1 only for a failed
//! write of stdout, which the user did not cause by a bad argument), one
//! error line naming the problem (clap's own errors keep their usage
//! block), no panic, and no file created, changed or removed.
#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use crate::helpers::{self, seqwrap_in, tempdir};

/// A spec that runs in milliseconds with the fake engines.
const SPEC: &str = r#"
name = "bad"
title = "bad inputs"
seed = 1
samples = 1000
engines = ["explore", "sample"]
widths = [8]
rates = ["1e6"]
windows = ["fixed:1us", "fixed:1ms"]

[[schemes]]
scheme = "plain"
"#;

/// Every file under `dir` with its size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, Option<SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            if m.is_dir() {
                stack.push(e.path());
            }
            out.insert(e.path(), (m.len(), m.modified().ok()));
        }
    }
    out
}

/// Write the fixtures; returns the directory.
fn fixtures(dir: &Path) {
    let w = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    w("good.toml", SPEC);
    let run = |args: &[&str]| {
        let o = seqwrap_in(dir).args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&[
        "sweep",
        "good.toml",
        "--out",
        "good.csv",
        "--debug-fake-engines",
        "0",
    ]);
    for k in 1..=3 {
        run(&[
            "sweep",
            "good.toml",
            "--shard",
            &format!("{k}/3"),
            "--out",
            &format!("s{k}.csv"),
            "--debug-fake-engines",
            "0",
        ]);
    }
    w("other.toml", &SPEC.replace("seed = 1", "seed = 2"));
    run(&[
        "sweep",
        "other.toml",
        "--shard",
        "2/3",
        "--out",
        "other2.csv",
        "--debug-fake-engines",
        "0",
    ]);
    let good = std::fs::read_to_string(dir.join("good.csv")).unwrap();
    w(
        "bad_header.csv",
        &good.replacen("metric,value", "metric,valeur", 1),
    );
    let mut lines: Vec<&str> = good.lines().collect();
    let broken = format!("x{}", lines[2]);
    lines[2] = &broken;
    w("bad_field.csv", &(lines.join("\n") + "\n"));
    w(
        "header_only.csv",
        &format!("{}\n", good.lines().next().unwrap()),
    );
    std::fs::write(
        dir.join("garbage.csv"),
        [0xffu8, 0xfe, 0, 1, 2, b'\n', b','],
    )
    .unwrap();
    w(
        "bad_rates.csv",
        "kind,rate_per_s,what\nmeasured:kernel,fast,x\n",
    );
    w("hist_bad.csv", "length,weight\nten,1\n");
    let windows: Vec<String> = (1..=30).map(|i| format!("\"fixed:{i}us\"")).collect();
    w(
        "big.toml",
        &format!(
            "name = \"big\"\ntitle = \"b\"\nseed = 1\nsamples = 1000000000\nengines = [\"sample\"]\n\
             widths = [8, 16]\nrates = [\"1e6\"]\nwindows = [{}]\n[[schemes]]\nscheme = \"plain\"\n",
            windows.join(", ")
        ),
    );
    let holds: Vec<String> = (0..3000)
        .map(|i| format!("\"{:.4}us\"", f64::from(i) * 1e-4))
        .collect();
    let specs = [
        (
            "unknown_key.toml",
            SPEC.replace("seed = 1", "seed = 1\nsead = 3"),
        ),
        (
            "samples_text.toml",
            SPEC.replace("samples = 1000", "samples = \"many\""),
        ),
        (
            "samples_zero.toml",
            SPEC.replace("samples = 1000", "samples = 0"),
        ),
        (
            "no_widths.toml",
            SPEC.replace("widths = [8]", "widths = []"),
        ),
        (
            "width_99.toml",
            SPEC.replace("widths = [8]", "widths = [99]"),
        ),
        ("bad_rate.toml", SPEC.replace("\"1e6\"", "\"-5\"")),
        (
            "bad_window.toml",
            SPEC.replace("fixed:1us", "fixed:1parsec"),
        ),
        (
            "bad_engine.toml",
            SPEC.replace("\"sample\"]", "\"quantum\"]"),
        ),
        (
            "twice_engine.toml",
            SPEC.replace("\"sample\"]", "\"sample\", \"sample\"]"),
        ),
        (
            "bad_name.toml",
            SPEC.replace("name = \"bad\"", "name = \"bad name\""),
        ),
        (
            "bad_scheme.toml",
            SPEC.replace("scheme = \"plain\"", "scheme = \"plane\""),
        ),
        (
            "no_title.toml",
            SPEC.replace("title = \"bad inputs\"\n", ""),
        ),
        ("not_toml.toml", "name = \"x\nthis is [not toml".to_string()),
        ("empty.toml", String::new()),
        (
            "too_big.toml",
            // 17 widths x 3000 holds x 2 windows = 102,000 points > 100,000.
            SPEC.replace(
                "samples = 1000",
                &format!("samples = 1000\nholds = [{}]", holds.join(",")),
            )
            .replace(
                "widths = [8]",
                "widths = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]",
            ),
        ),
        ("no_rates.toml", SPEC.replace("rates = [\"1e6\"]\n", "")),
    ];
    for (name, text) in specs {
        w(name, &text);
    }
    // A progress file of another spec, for --resume.
    w(
        ".resumed.csv.progress.json",
        r#"{"version":"0.1.0","fingerprint":1,"shard":"1/1","rates":{},"done":{}}"#,
    );
    std::fs::create_dir(dir.join("adir")).unwrap();
    std::os::unix::fs::symlink(dir.join("gone.csv"), dir.join("dangling.csv")).unwrap();
    let fifo = Command::new("mkfifo").arg(dir.join("fifo")).status();
    assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
}

/// (arguments, what stderr must name); every one exits 2.
type Case = (Vec<&'static str>, &'static str);

fn cases() -> Vec<Case> {
    let a = |v: &[&'static str], needle: &'static str| (v.to_vec(), needle);
    let an = |extra: &[&'static str], needle: &'static str| {
        let mut v = vec!["analyze", "--scheme", "plain", "--bits", "8"];
        v.extend_from_slice(extra);
        (v, needle)
    };
    let sm = |extra: &[&'static str], needle: &'static str| {
        let mut v = vec![
            "sample", "--scheme", "plain", "--bits", "8", "--rate", "1e6",
        ];
        v.extend_from_slice(extra);
        (v, needle)
    };
    let sw = |extra: &[&'static str], needle: &'static str| {
        let mut v = vec!["sweep", "good.toml", "--debug-fake-engines", "0"];
        v.extend_from_slice(extra);
        (v, needle)
    };
    let spec = |file: &'static str, needle: &'static str| {
        (
            vec![
                "sweep",
                file,
                "--out",
                "never.csv",
                "--debug-fake-engines",
                "0",
            ],
            needle,
        )
    };
    let mg = |files: &[&'static str], out: &'static str, needle: &'static str| {
        let mut v = vec!["merge"];
        v.extend_from_slice(files);
        v.extend_from_slice(&["--out", out]);
        (v, needle)
    };
    vec![
        // The command line itself.
        a(&["shemes"], "similar subcommand"),
        a(&["--frobnicate"], "--frobnicate"),
        a(&["schemes", "--jsn"], "--jsn"),
        a(&["schemes", "extra"], "extra"),
        a(&["completions"], "<SHELL>"),
        a(&["completions", "tcsh"], "tcsh"),
        a(&["man", "--out", "/dev/null"], "not a directory"),
        a(&["man", "--out", "good.csv"], "not a directory"),
        a(&["man", "page"], "page"),
        // explore
        a(&["explore", "--scheme", "plain", "--bits", "1"], "--bits"),
        a(&["explore", "--scheme", "plain", "--bits", "65"], "--bits"),
        a(&["explore", "--scheme", "plain", "--bits", "i33"], "--bits"),
        a(&["explore", "--scheme", "nope", "--bits", "8"], "--scheme"),
        a(
            &["explore", "--scheme", "split", "--hi", "33"],
            "--hi 33 (H)",
        ),
        a(
            &[
                "explore",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--readers",
                "0",
            ],
            "--readers",
        ),
        a(
            &[
                "explore",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--readers",
                "5",
            ],
            "--readers",
        ),
        a(
            &[
                "explore",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--writers",
                "x",
            ],
            "--writers",
        ),
        a(
            &[
                "explore", "--scheme", "plain", "--bits", "8", "--mode", "fast",
            ],
            "--mode",
        ),
        a(
            &[
                "explore",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--max-cycles",
                "-1",
            ],
            "--max-cycles",
        ),
        // analyze: units and distributions
        an(&["--rate", "0"], "--rate"),
        an(&["--rate", "-5"], "--rate"),
        an(&["--rate", "NaN"], "--rate"),
        an(&["--rate", "inf"], "--rate"),
        an(&["--rate", "abc"], "--rate"),
        an(&["--rate", "0ns"], "--rate"),
        an(&["--rate", "5parsecs"], "--rate"),
        an(&["--rate", "measured:moon"], "--rate"),
        an(&[], "--rate"),
        an(&["--rate", "1e6", "--window", "weibull:1us,2"], "--window"),
        an(&["--rate", "1e6", "--window", "pareto:1us,0"], "--window"),
        an(&["--rate", "1e6", "--window", "fixed:1parsec"], "--window"),
        an(&["--rate", "1e6", "--window", "fixed:-1ms"], "--window"),
        an(
            &["--rate", "1e6", "--window", "lognormal:1ms,1us"],
            "--window",
        ),
        an(&["--rate", "1e6", "--window", "exp:"], "--window"),
        an(
            &["--rate", "1e6", "--window", "hist:missing.csv"],
            "missing.csv",
        ),
        an(
            &["--rate", "1e6", "--window", "hist:hist_bad.csv"],
            "hist_bad.csv",
        ),
        an(&["--rate", "1e6", "--process", "bursty"], "--process"),
        an(&["--rate", "1e6", "--hold", "2us"], "--hold"),
        an(&["--rate", "1e6", "--hold", "-1ns"], "--hold"),
        an(&["--rate", "1e6", "--fleet", "1,2,3"], "--fleet"),
        an(
            &["--rate", "1e6", "--window", "exp:1us", "--fleet", "1,2"],
            "--fleet",
        ),
        an(
            &["--rate", "1e6", "--window", "exp:1us", "--fleet", "a,b,c"],
            "--fleet",
        ),
        // sample
        sm(&["--window", "fixed:1ms", "--samples", "0"], "--samples"),
        sm(&["--window", "fixed:1ms", "--samples", "-3"], "--samples"),
        sm(&["--window", "fixed:1ms", "--samples", "lots"], "--samples"),
        sm(&["--window", "fixed:1ms", "--seed", "x"], "--seed"),
        sm(&["--window", "fixed:1ms", "--seed", "-1"], "--seed"),
        sm(&[], "--window"),
        // stress
        a(
            &[
                "stress",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--writers",
                "0",
            ],
            "--writers",
        ),
        a(
            &[
                "stress",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--writers",
                "many",
            ],
            "--writers",
        ),
        a(
            &[
                "stress",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--duration",
                "1s",
            ],
            "--duration",
        ),
        a(
            &[
                "stress",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--timing-runs",
                "0",
            ],
            "--timing-runs",
        ),
        a(
            &["stress", "--scheme", "plain", "--bits", "64"],
            "--max-cycles",
        ),
        a(
            &[
                "stress",
                "--scheme",
                "bounded",
                "--bits",
                "8",
                "--max-window-cycles",
                "-1",
            ],
            "--max-window-cycles",
        ),
        a(&["stress", "--kernel", "--op", "bogus"], "bogus"),
        a(
            &["stress", "--kernel", "--scheme", "plain", "--bits", "8"],
            "--scheme",
        ),
        a(&["stress", "--kernel", "--duration", "soon"], "--duration"),
        a(&["stress", "--kernel", "--threads", "0"], "--threads"),
        // pick
        a(&["pick", "--rate", "1e6"], "--adversarial"),
        a(
            &[
                "pick",
                "--adversarial",
                "--window",
                "fixed:1ms",
                "--rate",
                "1e6",
            ],
            "--window",
        ),
        a(&["pick", "--adversarial", "--rate", "0"], "--rate"),
        a(
            &["pick", "--adversarial", "--rate", "1e6", "--target", "1e-6"],
            "--target",
        ),
        a(
            &["pick", "--window", "lognormal:1ms,1us", "--rate", "1e6"],
            "--window",
        ),
        a(
            &[
                "pick",
                "--window",
                "fixed:1ms",
                "--rate",
                "1e6",
                "--target",
                "2",
            ],
            "--target",
        ),
        a(
            &["pick", "--adversarial", "--rate", "1e6", "--fleet", "1,2"],
            "--fleet",
        ),
        // sweep: flags
        a(&["sweep", "missing.toml"], "missing.toml"),
        a(&["sweep", "adir"], "adir"),
        a(&["sweep"], "<SPEC>"),
        sw(&["--shard", "4/3"], "--shard"),
        sw(&["--shard", "0/3"], "--shard"),
        sw(&["--shard", "x"], "--shard"),
        sw(&["--shard", "auto"], "--shard auto"),
        sw(&["--budget", "soon"], "--budget"),
        sw(&["--measure-only"], "--rate-file"),
        sw(&["--rate-file", "bad_rates.csv"], "bad_rates.csv"),
        sw(&["--rate-file", "adir"], "adir"),
        (
            vec!["sweep", "big.toml", "--out", "never.csv", "--budget", "1s"],
            "--budget",
        ),
        (
            vec!["sweep", "good.toml", "--out", "resumed.csv", "--resume"],
            "key 'spec'",
        ),
        // sweep: output paths
        sw(&["--out", "/dev/full"], "is a device"),
        sw(&["--out", "/dev/null"], "is a device"),
        sw(&["--out", "good.toml"], "is also an input"),
        sw(&["--out", "nodir/x.csv"], "missing directory"),
        sw(&["--out", "nodir/deeper/x.csv"], "missing directory"),
        sw(&["--out", "adir"], "is a directory"),
        sw(&["--out", "."], "not a file name"),
        sw(&["--out", "fifo"], "FIFO"),
        sw(&["--out", "dangling.csv"], "symlink to a missing file"),
        sw(&["--out", "good.csv/x.csv"], "not a directory"),
        // sweep: specs
        spec("unknown_key.toml", "key 'sead'"),
        spec("samples_text.toml", "key 'samples'"),
        spec("samples_zero.toml", "key 'samples'"),
        spec("no_widths.toml", "key 'widths'"),
        spec("width_99.toml", "widths"),
        spec("bad_rate.toml", "key 'rates[0]'"),
        spec("bad_window.toml", "key 'windows[0]'"),
        spec("bad_engine.toml", "quantum"),
        spec("twice_engine.toml", "twice"),
        spec("bad_name.toml", "key 'name'"),
        spec("bad_scheme.toml", "schemes[0]"),
        spec("no_title.toml", "key 'title'"),
        spec("not_toml.toml", "not TOML"),
        spec("empty.toml", "key 'name'"),
        spec("too_big.toml", "over the limit"),
        spec("no_rates.toml", "rates"),
        // merge
        a(&["merge"], "<SHARDS>"),
        a(&["merge", "good.csv"], "--out"),
        mg(&["missing.csv"], "m.csv", "missing.csv"),
        mg(&["adir"], "m.csv", "adir"),
        mg(&["bad_header.csv"], "m.csv", "wrong CSV header"),
        mg(&["bad_field.csv"], "m.csv", "bad_field.csv:3"),
        mg(&["garbage.csv"], "m.csv", "garbage.csv"),
        mg(&["header_only.csv"], "m.csv", "nothing to merge"),
        mg(&["good.csv"], "good.csv", "is also an input"),
        mg(&["good.csv"], "/dev/full", "is a device"),
        mg(&["good.csv"], "nodir/m.csv", "missing directory"),
        mg(&["good.csv", "good.csv"], "m.csv", "given twice"),
        mg(&["good.csv", "./good.csv"], "m.csv", "given twice"),
        mg(&["s1.csv", "s3.csv"], "m.csv", "shard 2/3 missing"),
        mg(&["s1.csv", "other2.csv", "s3.csv"], "m.csv", "other2.csv"),
        mg(
            &["s1.csv", "s2.csv", "s3.csv", "good.csv"],
            "m.csv",
            "different splits",
        ),
        // plot
        a(&["plot", "missing.csv"], "missing.csv"),
        a(&["plot", "adir"], "adir"),
        a(
            &["plot", "bad_header.csv", "--out", "plots"],
            "wrong CSV header",
        ),
        a(
            &["plot", "good.csv", "--out", "good.csv"],
            "not a directory",
        ),
        a(
            &["plot", "good.csv", "--out", "/dev/null"],
            "not a directory",
        ),
        // report
        a(&["report", "--out", "/dev/null"], "not a directory"),
        a(&["report", "--data", "good.csv"], "not a directory"),
        a(&["report", "--bogus"], "--bogus"),
    ]
}

#[test]
fn bad_inputs_fail_cleanly_everywhere() {
    let d = tempdir();
    let dir = d.path();
    fixtures(dir);
    let cases = cases();
    let start = Instant::now();
    for (args, needle) in &cases {
        let before = snapshot(dir);
        let o = seqwrap_in(dir)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let what = format!("{args:?}");
        helpers::assert_bad_input(&o, &what, needle);
        assert_eq!(snapshot(dir), before, "{what}: files changed");
    }
    // A full stdout is a failed write, not bad input: exit 1, one line.
    let mut io_cases = 0;
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        for args in [
            &["schemes"][..],
            &["explore", "--scheme", "plain", "--bits", "8", "--json"],
            &[
                "analyze", "--scheme", "plain", "--bits", "8", "--rate", "1e6",
            ],
            &[
                "merge", "s1.csv", "s2.csv", "s3.csv", "--out", "m.csv", "--json",
            ],
        ] {
            let o = seqwrap_in(dir)
                .args(args)
                .stdout(full.try_clone().unwrap())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
            assert_eq!(err, "error: stdout: No space left on device\n", "{args:?}");
            io_cases += 1;
        }
    }
    let total = cases.len() + io_cases;
    eprintln!(
        "{total} bad inputs ({} exit 2, {io_cases} exit 1) in {:.1} s",
        cases.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(total >= 80, "{total}");
}
