//! Bad input, in two tables, each run by one loop.
//!
//! [`cases`]: over two hundred bad command lines across every command —
//! flags, units, distributions, specs, CSVs, rate files, output paths
//! (missing directories, directories, devices, FIFOs, dangling symlinks,
//! the command's own inputs) — each must fail fast with exit 2, one error
//! line naming the problem (clap's own parse errors keep their usage
//! block, and are marked so), no panic, and no file created, changed or
//! removed. They run in one directory of fixtures, so a case names its
//! input files by relative paths.
//!
//! [`file_cases`]: bad protocol files (DESIGN §1.6) and bad site
//! files (DESIGN §8), which must point at the offending character as
//! `error: FILE:LINE:COL: what is wrong; what is allowed` — through TOML's
//! string delimiters and escapes, tabs and non-ASCII characters counted as
//! one column each, CRLF line ends. Each case is a good file with one
//! edit.
//!
//! Both loops check every case before the test fails, so one run lists
//! every case that misbehaves, with its input and its stderr.
#![cfg(unix)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

use crate::helpers::{bad_input_faults, ok, seqwrap_in, tempdir, write};
use crate::sample_cli::BASE as SAMPLE_BASE;
use crate::sweep_cli::SPEC as SWEEP_SPEC;

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

[[protocols]]
protocol = "plain"
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

/// Write the files the cases name into `dir`.
fn fixtures(dir: &Path) {
    let w = |name: &str, text: &str| {
        write(dir, name, text);
    };
    w("good.toml", SPEC);
    let run = |args: &[&str]| {
        ok(&seqwrap_in(dir).args(args).output().unwrap());
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
    // A histogram whose second line has no weight.
    w("hist_lines.csv", "1us,3\n2us,lots\n");
    let windows: Vec<String> = (1..=30).map(|i| format!("\"fixed:{i}us\"")).collect();
    w(
        "big.toml",
        &format!(
            "name = \"big\"\ntitle = \"b\"\nseed = 1\nsamples = 1000000000\nengines = [\"sample\"]\n\
             widths = [8, 16]\nrates = [\"1e6\"]\nwindows = [{}]\n[[protocols]]\nprotocol = \"plain\"\n",
            windows.join(", ")
        ),
    );
    let holds: Vec<String> = (0..3000)
        .map(|i| format!("\"{:.4}us\"", f64::from(i) * 1e-4))
        .collect();
    // The sweep test's spec, whose errors name their line.
    w("t.toml", SWEEP_SPEC);
    let t_holds: Vec<String> = (0..3000)
        .map(|i| format!("\"{}ns\"", f64::from(i) / 10.0))
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
            "bad_protocol.toml",
            SPEC.replace("protocol = \"plain\"", "protocol = \"plane\""),
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
        (
            "t_sead.toml",
            SWEEP_SPEC.replace("seed = 11", "seed = 11\nsead = 3"),
        ),
        (
            "t_samples.toml",
            SWEEP_SPEC.replace("samples = 1000", "samples = \"many\""),
        ),
        (
            "t_widths.toml",
            SWEEP_SPEC.replace("widths = [8, 16, 32]", "widths = []"),
        ),
        ("t_rates.toml", SWEEP_SPEC.replace("\"1e6\"", "\"-5\"")),
        (
            "t_read.toml",
            SWEEP_SPEC.replace("read = \"hi-lo-hi\"", "read = \"sideways\""),
        ),
        (
            "t_bits.toml",
            SWEEP_SPEC.replace("protocol = \"plain\"", "protocol = \"plain\"\nbits = 99"),
        ),
        (
            "t_holds.toml",
            SWEEP_SPEC.replace(
                "samples = 1000",
                &format!("samples = 1000\nholds = [{}]", t_holds.join(",")),
            ),
        ),
    ];
    for (name, text) in specs {
        w(name, &text);
    }
    // The sweep test's CSV, broken in its header and on its line 4.
    run(&[
        "sweep",
        "t.toml",
        "--out",
        "t.csv",
        "--debug-fake-engines",
        "0",
    ]);
    let t = std::fs::read_to_string(dir.join("t.csv")).unwrap();
    w(
        "t_wrong_header.csv",
        &t.replacen("metric,value", "metric,valeur", 1),
    );
    let mut lines: Vec<String> = t.lines().map(String::from).collect();
    lines[3] = format!("x{}", &lines[3]);
    w("t_bad_field.csv", &(lines.join("\n") + "\n"));
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

/// One bad command line.
struct Case {
    args: Vec<&'static str>,
    /// What stderr must name, every one.
    names: Vec<&'static str>,
    /// A parse error of clap's own: its tip and usage lines may follow the
    /// error line. Every other error is exactly one line.
    clap: bool,
}

impl Case {
    /// Stderr must also name `needle`.
    fn and(mut self, needle: &'static str) -> Case {
        self.names.push(needle);
        self
    }

    /// clap's own parse error, with its usage block.
    fn clap(mut self) -> Case {
        self.clap = true;
        self
    }
}

/// `prefix` then `extra`: what stderr must name.
fn case(prefix: &[&'static str], extra: &[&'static str], needle: &'static str) -> Case {
    Case {
        args: prefix.iter().chain(extra).copied().collect(),
        names: vec![needle],
        clap: false,
    }
}

/// Every bad command line, each once; every one exits 2.
fn cases() -> Vec<Case> {
    let a = |args: &[&'static str], needle| case(&[], args, needle);
    let ex = |extra: &[&'static str], needle| case(&["explore"], extra, needle);
    let an = |extra: &[&'static str], needle| {
        case(
            &["analyze", "--protocol", "plain", "--bits", "8"],
            extra,
            needle,
        )
    };
    let an32 = |extra: &[&'static str], needle| {
        case(
            &["analyze", "--protocol", "plain", "--bits", "i32"],
            extra,
            needle,
        )
    };
    let sm = |extra: &[&'static str], needle| {
        let base = [
            "sample",
            "--protocol",
            "plain",
            "--bits",
            "8",
            "--rate",
            "1e6",
        ];
        case(&base, extra, needle)
    };
    let sm_exp = |extra: &[&'static str], needle| case(&SAMPLE_BASE, extra, needle);
    let st = |extra: &[&'static str], needle| case(&["stress"], extra, needle);
    let pick = |extra: &[&'static str], needle| case(&["pick"], extra, needle);
    let sw = |extra: &[&'static str], needle| {
        case(
            &["sweep", "good.toml", "--debug-fake-engines", "0"],
            extra,
            needle,
        )
    };
    let spec = |file: &'static str, needle| {
        case(
            &[
                "sweep",
                file,
                "--out",
                "never.csv",
                "--debug-fake-engines",
                "0",
            ],
            &[],
            needle,
        )
    };
    let mg = |files: &[&'static str], out: &'static str, needle| {
        case(&["merge"], &[files, &["--out", out]].concat(), needle)
    };
    vec![
        // The command line itself.
        a(&["protocls"], "similar subcommand")
            .and("'protocols'")
            .clap(),
        a(&["--frobnicate"], "--frobnicate").clap(),
        a(&["protocols", "--jsn"], "--jsn").clap(),
        a(&["protocols", "extra"], "extra").clap(),
        a(&["protocols", "--show", "nope"], "nope"),
        a(&["completions"], "<SHELL>").clap(),
        a(&["completions", "tcsh"], "tcsh").clap(),
        a(&["man", "--out", "/dev/null"], "not a directory"),
        a(&["man", "--out", "good.csv"], "not a directory"),
        a(&["man", "page"], "page").clap(),
        a(
            &["litmus", "--protocol", "plain", "--cycles", "0"],
            "--cycles",
        ),
        a(
            &["litmus", "--protocol", "bounded", "--param", "W=2"],
            "window_cycles",
        ),
        // explore
        ex(&["--protocol", "plain", "--bits", "0"], "--bits"),
        ex(&["--protocol", "plain", "--bits", "1"], "--bits"),
        ex(&["--protocol", "plain", "--bits", "65"], "--bits"),
        ex(&["--protocol", "plain", "--bits", "i33"], "--bits"),
        ex(&["--protocol", "plain", "--bits", "x"], "--bits"),
        ex(&["--protocol", "nope", "--bits", "8"], "--protocol"),
        ex(&["--protocol", "plain", "--param", "W"], "NAME=VALUE"),
        ex(
            &["--protocol", "plain", "--param", "X=3"],
            "no parameter 'X'",
        ),
        ex(
            &["--protocol", "plain", "--memory-model", "arm"],
            "--memory-model",
        ),
        ex(
            &["--protocol", "plain", "--max-memory", "4"],
            "--max-memory",
        ),
        ex(
            &["--protocol", "plain", "--max-seconds", "10"],
            "--max-seconds",
        ),
        ex(
            &["--protocol", "plain", "--protocol", "x.toml"],
            "--protocol",
        )
        .clap(),
        ex(
            &["--protocol", "plian"],
            "neither a catalog protocol nor a file",
        ),
        ex(&["--protocol", "/nonexistent/x.toml"], "x.toml"),
        ex(
            &["--protocol", "plain", "--writer-cycles", "0"],
            "--writer-cycles",
        ),
        ex(&["--protocol", "plain", "--bits", "8", "--hi", "4"], "--hi"),
        ex(&["--protocol", "split", "--hi", "33"], "--hi 33 (H)"),
        ex(
            &[
                "--protocol",
                "split",
                "--hi",
                "40",
                "--lo",
                "30",
                "--read",
                "naive",
            ],
            "H + L <= 64",
        ),
        ex(&["--protocol", "split", "--read", "lo-lo"], "--read lo-lo"),
        ex(
            &["--protocol", "bounded", "--max-window-cycles", "-3"],
            "--max-window-cycles",
        ),
        ex(
            &["--protocol", "plain", "--bits", "8", "--readers", "0"],
            "--readers",
        ),
        ex(
            &["--protocol", "plain", "--bits", "8", "--readers", "5"],
            "--readers",
        ),
        ex(
            &[
                "--protocol",
                "guard",
                "--bits",
                "8",
                "--readers",
                "2",
                "--memory-model",
                "lkmm",
            ],
            "--readers",
        ),
        ex(
            &["--protocol", "plain", "--bits", "8", "--writers", "0"],
            "--writers",
        ),
        ex(
            &["--protocol", "plain", "--bits", "8", "--writers", "x"],
            "--writers",
        ),
        ex(
            &["--protocol", "plain", "--bits", "8", "--mode", "fast"],
            "--mode",
        ),
        ex(
            &["--protocol", "plain", "--bits", "8", "--max-cycles", "-1"],
            "--max-cycles",
        ),
        ex(
            &["--protocol", "plain", "--bits", "8", "--frobnicate"],
            "--frobnicate",
        )
        .clap(),
        // analyze: rates, units and distributions, at 8 bits and at i32
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
        an32(&["--rate", "0"], "--rate"),
        an32(&["--rate", "-5"], "--rate"),
        an32(&["--rate", "NaN"], "--rate"),
        an32(&["--rate", "inf"], "--rate"),
        an32(&["--rate", "-inf"], "--rate"),
        an32(&["--rate", "abc"], "--rate"),
        an32(&["--rate", "0ns"], "--rate"),
        an32(&["--rate", "measured:moon"], "--rate"),
        an32(&[], "--rate"),
        an32(&["--rate", "1e6", "--window", "weibull:1us,2"], "--window"),
        an32(&["--rate", "1e6", "--window", "pareto:1us,0"], "ALPHA"),
        an32(&["--rate", "1e6", "--window", "pareto:1us,-1"], "ALPHA"),
        an32(&["--rate", "1e6", "--window", "lognormal:1ms,2us"], "P99"),
        an32(
            &["--rate", "1e6", "--window", "hist:/nonexistent/w.csv"],
            "--window: hist: cannot read",
        ),
        an32(
            &["--rate", "1e6", "--window", "hist:hist_lines.csv"],
            "line 2",
        ),
        an32(&["--rate", "1e6", "--process", "bursty"], "--process"),
        an32(&["--rate", "1e6", "--hold", "2us"], "--hold"),
        an32(&["--rate", "1e6", "--fleet", "1,2,3"], "--fleet"),
        an32(
            &["--rate", "1e6", "--window", "exp:1us", "--fleet", "1,2"],
            "--fleet",
        ),
        a(
            &["analyze", "--protocol", "nope", "--rate", "1e6"],
            "--protocol",
        ),
        // sample
        sm(&[], "--window"),
        sm(&["--window", "fixed:1ms", "--samples", "0"], "--samples"),
        sm(&["--window", "fixed:1ms", "--samples", "-3"], "--samples"),
        sm(&["--window", "fixed:1ms", "--samples", "lots"], "--samples"),
        sm(&["--window", "fixed:1ms", "--seed", "x"], "--seed"),
        sm(&["--window", "fixed:1ms", "--seed", "-1"], "--seed"),
        sm(
            &["--window", "fixed:10"],
            "--window: fixed T: '10' has no unit",
        ),
        sm(&["--window", "pareto:1us,0"], "ALPHA"),
        sm_exp(&["--samples", "0"], "--samples"),
        sm_exp(&["--samples", "-3"], "--samples"),
        sm_exp(&["--samples", "many"], "--samples"),
        sm_exp(&["--samples", "1.5"], "--samples"),
        sm_exp(&["--hold", "50"], "--hold: '50' has no unit"),
        sm_exp(&["--seed", "x"], "--seed"),
        a(
            &[
                "sample",
                "--protocol",
                "plain",
                "--bits",
                "8",
                "--rate",
                "0",
                "--window",
                "exp:1us",
            ],
            "--rate",
        ),
        // A lock held 99.9% of the time and windows of 1e19 attempts: past
        // sample's exact range, refused (analyze answers it).
        a(
            &[
                "sample",
                "--protocol",
                "plain",
                "--bits",
                "8",
                "--rate",
                "1e9",
                "--hold",
                "0.999ns",
                "--window",
                "fixed:1y",
                "--samples",
                "1000",
            ],
            "past sample's exact range",
        ),
        // stress: infeasible (every window needs about 2^63 or 2^40
        // cycles) and bad flags
        st(&["--protocol", "plain", "--bits", "64"], "--max-cycles"),
        st(&["--protocol", "guard", "--bits", "40"], "error: "),
        st(
            &[
                "--protocol",
                "epoch",
                "--bits",
                "32",
                "--epoch-bits",
                "32",
                "--write-order",
                "epoch-first",
            ],
            "error: ",
        ),
        st(&["--protocol", "nope", "--bits", "8"], "error: "),
        st(&["--protocol", "plain", "--param", "W"], "error: "),
        st(&["--protocol", "plain", "--bits", "65"], "error: "),
        st(
            &["--protocol", "plain", "--bits", "8", "--writers", "0"],
            "--writers",
        ),
        st(
            &["--protocol", "plain", "--bits", "8", "--writers", "many"],
            "--writers",
        )
        .clap(),
        st(
            &["--protocol", "plain", "--bits", "8", "--duration", "1s"],
            "--duration",
        ),
        st(
            &["--protocol", "plain", "--bits", "8", "--timing-runs", "0"],
            "--timing-runs",
        ),
        st(
            &[
                "--protocol",
                "plain",
                "--bits",
                "8",
                "--timing-cycles",
                "lots",
            ],
            "error: ",
        ),
        st(
            &["--protocol", "plain", "--bits", "8", "--max-cycles", "1.5"],
            "error: ",
        ),
        st(
            &[
                "--protocol",
                "bounded",
                "--bits",
                "8",
                "--max-window-cycles",
                "-1",
            ],
            "--max-window-cycles",
        ),
        st(
            &[
                "--protocol",
                "bounded",
                "--bits",
                "8",
                "--max-window-cycles",
                "x",
            ],
            "error: ",
        ),
        st(
            &["--protocol", "plain", "--bits", "8", "--observe", "1"],
            "error: ",
        ),
        st(
            &["--protocol", "plain", "--bits", "8", "--machine"],
            "error: ",
        ),
        st(&["--kernel", "--op", "bogus"], "bogus"),
        st(&["--kernel", "--op", "munmap-null,bogus"], "error: "),
        st(
            &["--kernel", "--protocol", "plain", "--bits", "8"],
            "--protocol",
        ),
        st(&["--kernel", "--duration", "soon"], "--duration"),
        st(&["--kernel", "--duration", "2"], "error: "),
        st(&["--kernel", "--duration", "1m"], "error: "),
        st(&["--kernel", "--threads", "0"], "--threads"),
        st(&["--kernel", "--threads", "4..2"], "error: "),
        st(&["--kernel", "--batch", "0"], "error: "),
        st(&["--kernel", "--runs", "0"], "error: "),
        st(&["--kernel", "--no-cache", "--cache-dir", "x"], "error: "),
        st(&["--kernel", "--observe", "0"], "error: "),
        st(&["--kernel", "--observe", "nan"], "error: "),
        st(&["--kernel", "--observe", "1", "--runs", "3"], "error: "),
        st(
            &["--kernel", "--observe", "1", "--workload", "make"],
            "error: ",
        ),
        st(
            &[
                "--kernel",
                "--observe",
                "1",
                "--workload",
                "cargo-build",
                "--workload-size",
                "huge",
            ],
            "error: ",
        ),
        st(
            &["--kernel", "--observe", "1", "--workload-size", "quick"],
            "error: ",
        ),
        st(&["--kernel", "--observe", "1", "--top", "0"], "error: "),
        st(&["--kernel", "--workload", "cargo-build"], "error: "),
        st(&["--kernel", "--machine", "--op", "madvise"], "error: "),
        // stress: the hold and the uprobe trap
        st(&["--kernel", "--hold", "fuse"], "allowed: userfaultfd"),
        st(
            &["--kernel", "--hold", "userfaultfd", "--hold-for", "2d"],
            "--hold-for",
        ),
        st(
            &["--kernel", "--hold", "userfaultfd", "--hold-for", "0s"],
            "--hold-for",
        ),
        st(
            &["--kernel", "--hold", "userfaultfd", "--hold-writers", "0"],
            "--hold-writers",
        ),
        st(&["--kernel", "--full"], "--full"),
        st(&["--kernel", "--uprobe-trap", "--calls", "0"], "--calls"),
        st(&["--kernel", "--uprobe-trap", "--calls", "lots"], "--calls"),
        st(&["--kernel", "--uprobe-trap", "--full"], "--full"),
        st(&["--kernel", "--calls", "10"], "--calls"),
        st(
            &["--kernel", "--hold", "userfaultfd", "--op", "mprotect"],
            "--op",
        ),
        // pick
        pick(&["--rate", "1e6"], "--adversarial")
            .and("Usage: seqwrap pick")
            .clap(),
        pick(&["--adversarial", "--rate", "0"], "--rate"),
        pick(
            &["--adversarial", "--window", "fixed:1ms", "--rate", "1e6"],
            "--window",
        )
        .clap(),
        pick(
            &["--adversarial", "--rate", "1e6", "--target", "1e-6"],
            "--target",
        ),
        pick(
            &["--adversarial", "--rate", "1e6", "--fleet", "1,2"],
            "--fleet",
        ),
        pick(
            &["--adversarial", "--rate", "1e6", "--jitter", "2"],
            "error: ",
        ),
        pick(
            &["--adversarial", "--rate", "1e6", "--stall", "forever"],
            "error: ",
        ),
        pick(
            &["--adversarial", "--rate", "1e6", "--uptime", "0"],
            "error: ",
        ),
        pick(
            &["--window", "lognormal:1ms,1us", "--rate", "1e6"],
            "--window",
        ),
        pick(
            &["--window", "fixed:1ms", "--rate", "1e6", "--target", "2"],
            "--target",
        ),
        pick(
            &["--window", "fixed:1s", "--rate", "1e6", "--stall", "1s"],
            "error: ",
        ),
        pick(
            &["--window", "fixed:1s", "--rate", "1e6", "--jitter", "1"],
            "error: ",
        ),
        // sweep: flags
        a(&["sweep", "missing.toml"], "missing.toml"),
        a(&["sweep", "adir"], "adir"),
        a(&["sweep"], "<SPEC>").clap(),
        sw(&["--shard", "4/3"], "--shard"),
        sw(&["--shard", "0/3"], "--shard"),
        sw(&["--shard", "x"], "--shard"),
        sw(&["--shard", "auto"], "--shard auto"),
        sw(&["--budget", "soon"], "--budget"),
        sw(&["--measure-only"], "--rate-file").clap(),
        sw(&["--rate-file", "bad_rates.csv"], "bad_rates.csv"),
        sw(&["--rate-file", "adir"], "adir"),
        a(
            &["sweep", "big.toml", "--out", "never.csv", "--budget", "1s"],
            "--budget",
        ),
        a(
            &["sweep", "good.toml", "--out", "resumed.csv", "--resume"],
            "key 'spec'",
        ),
        a(
            &["sweep", "t.toml", "--out", "x.csv", "--shard", "4/3"],
            "--shard",
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
        // sweep: specs, with the line and the key where the spec has them
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
        spec("bad_protocol.toml", "protocols[0]"),
        spec("no_title.toml", "key 'title'"),
        spec("not_toml.toml", "not TOML"),
        spec("empty.toml", "key 'name'"),
        spec("too_big.toml", "over the limit"),
        spec("no_rates.toml", "rates"),
        spec("t_sead.toml", "t_sead.toml:5: key 'sead': unknown key"),
        spec("t_samples.toml", "t_samples.toml:5: key 'samples'"),
        spec("t_widths.toml", "t_widths.toml:7: key 'widths': empty grid"),
        spec("t_rates.toml", "t_rates.toml:8: key 'rates[0]'"),
        spec("t_read.toml", "key 'protocols[1]'"),
        spec("t_bits.toml", "key 'protocols[0]'"),
        spec("t_holds.toml", "over the limit"),
        // merge
        a(&["merge"], "<SHARDS>").clap(),
        a(&["merge", "good.csv"], "--out").clap(),
        mg(&["missing.csv"], "m.csv", "missing.csv"),
        mg(&["adir"], "m.csv", "adir"),
        mg(&["bad_header.csv"], "m.csv", "wrong CSV header"),
        mg(&["bad_field.csv"], "m.csv", "bad_field.csv:3"),
        mg(
            &["t_wrong_header.csv"],
            "m.csv",
            "t_wrong_header.csv:1: key 'value': wrong CSV header",
        ),
        mg(
            &["t_bad_field.csv"],
            "m.csv",
            "t_bad_field.csv:4: key 'point'",
        ),
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
            &["plot", "t_wrong_header.csv", "--out", "plots"],
            "t_wrong_header.csv:1: key 'value': wrong CSV header",
        ),
        a(
            &["plot", "t_bad_field.csv", "--out", "plots"],
            "t_bad_field.csv:4: key 'point'",
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
        a(&["report", "--bogus"], "--bogus").clap(),
        a(&["report", "--observe-seconds", "-1"], "error: ").clap(),
        a(&["report", "--workload-size", "huge"], "error: "),
        a(&["report", "--rate-runs", "0"], "error: "),
        a(&["report", "--rate-duration", "1us"], "error: "),
        a(&["report", "--threads", "0"], "error: "),
    ]
}

/// Every bad command line: exit 2, one error line naming the problem, no
/// panic, nothing on stdout, no file created, changed or removed.
#[test]
fn bad_inputs_fail_cleanly_everywhere() {
    let d = tempdir();
    let dir = d.path();
    fixtures(dir);
    let cases = cases();
    let mut seen = BTreeSet::new();
    for c in &cases {
        assert!(seen.insert(&c.args), "{:?} is in the table twice", c.args);
    }
    let start = Instant::now();
    let mut failures = Vec::new();
    for c in &cases {
        let before = snapshot(dir);
        let o = seqwrap_in(dir)
            .args(&c.args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let mut faults = bad_input_faults(&o, &c.names, !c.clap);
        if snapshot(dir) != before {
            faults.push("files changed".into());
        }
        if !faults.is_empty() {
            failures.push(format!("{:?}: {}", c.args, faults.join("; ")));
        }
    }
    eprintln!(
        "{} bad inputs in {:.1} s",
        cases.len(),
        start.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs misbehave:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 80, "{}", cases.len());
}

// ---- Bad files: FILE:LINE:COL --------------------------------------------

/// A good protocol, to break. Line numbers matter: the cases name
/// them.
///
/// ```text
///  1 name = "base"           10 writer = """          19 s = READ_ONCE(seq);
///  2 about = "..."           11 WRITE_ONCE(seq, ...   20 if (s & 1)
///  3                         12 smp_wmb();            21 <tab>return ABORT;
///  4 [params]                13 modify();             22 smp_rmb();
///  5 W = { default = 8, ...  14 smp_wmb();            23 read();
///  6                         15 WRITE_ONCE(seq, ...   24 smp_rmb();
///  7 [words]                 16 """                   25 e = READ_ONCE(seq);
///  8 seq = "W"               17                       26 if (e == s)
///  9                         18 reader = """          27 <tab>return ACCEPT;
///                                                     28 return RETRY;
///                                                     29 """
/// ```
const BASE_PROTOCOL: &str = r#"name = "base"
about = "a good protocol to break"

[params]
W = { default = 8, min = 2, max = 64 }

[words]
seq = "W"

writer = """
WRITE_ONCE(seq, seq + 1);
smp_wmb();
modify();
smp_wmb();
WRITE_ONCE(seq, seq + 1);
"""

reader = """
s = READ_ONCE(seq);
if (s & 1)
	return ABORT;
smp_rmb();
read();
smp_rmb();
e = READ_ONCE(seq);
if (e == s)
	return ACCEPT;
return RETRY;
"""
"#;

/// A good site file, to break. Line numbers matter: the cases name them.
const SITE: &str = r#"name = "mine"
title = "a reader of my own"
function = "my_reader"
file = "mm/mine.c"
counter = "mm->mm_lock_seq"
commit = "0123456789ab"
release = "v6.14"
protocol = "seqcount"
params = { W = "32" }
writer = "mmap_write_lock()"
context = ["rcu"]
window = "a lookup"
false_positive = "stale data used"
fallback = "the locked lookup"
sources = ["mm/mine.c@0123456789ab: my_reader()"]
"#;

/// One kind of bad file.
struct FileCase {
    /// What is wrong (also the file's name).
    kind: &'static str,
    /// The command that reads the file, before the file's name.
    command: [&'static str; 2],
    /// The file's text.
    text: String,
    /// Where the error must point: 1-based line and column.
    at: (usize, usize),
    /// Substrings the message must contain: what is wrong and what is
    /// allowed.
    says: Vec<&'static str>,
}

/// `base` with `old` (which must occur) replaced once by `new`.
fn edit(base: &str, old: &str, new: &str) -> String {
    assert!(base.contains(old), "no {old:?} in {base}");
    base.replacen(old, new, 1)
}

/// Every kind of bad protocol, run through `explore --protocol`, and
/// of bad site file, run through `sites --site`.
fn file_cases() -> Vec<FileCase> {
    let writer_start = BASE_PROTOCOL.find("writer = \"\"\"").unwrap();
    let reader_start = BASE_PROTOCOL.find("reader = \"\"\"").unwrap();
    let edit_base = |old: &str, new: &str| edit(BASE_PROTOCOL, old, new);
    let edit_site = |old: &str, new: &str| edit(SITE, old, new);
    let bad_protocol = |kind, text, at, says: &[&'static str]| FileCase {
        kind,
        command: ["explore", "--protocol"],
        text,
        at,
        says: says.to_vec(),
    };
    let site = |kind, text, at, says: &[&'static str]| FileCase {
        kind,
        command: ["sites", "--site"],
        text,
        at,
        says: says.to_vec(),
    };
    vec![
        // --- the kinds DESIGN §1.4 refuses ---
        bad_protocol(
            "syntax-missing-paren",
            edit_base("if (s & 1)", "if (s & 1"),
            // The token found instead: 'return' after the tab.
            (21, 2),
            &["expected ')' to close the 'if' condition", "found 'return'"],
        ),
        bad_protocol(
            "syntax-missing-semicolon",
            edit_base("s = READ_ONCE(seq);", "s = READ_ONCE(seq)"),
            // The token found instead of ';': the 'if' on the next line.
            (20, 1),
            &["expected ';'", "found 'if'"],
        ),
        bad_protocol(
            "unknown-macro",
            edit_base("smp_rmb();\nread();", "smp_mb__after_spinlock();\nread();"),
            (22, 1),
            &[
                "unknown macro 'smp_mb__after_spinlock'",
                "allowed: x = READ_ONCE(w);",
                "smp_rmb();",
            ],
        ),
        bad_protocol(
            "undeclared-word",
            edit_base("e = READ_ONCE(seq);", "e = READ_ONCE(sequence);"),
            (25, 15),
            &["'sequence' is not a declared word", "words: seq"],
        ),
        bad_protocol(
            "two-read",
            edit_base("read();\n", "read();\nread();\n"),
            (24, 1),
            &["two read() on one path", "allowed: exactly one data phase"],
        ),
        bad_protocol(
            "path-without-return",
            edit_base("return RETRY;\n", ""),
            // The end of the reader's body: after "\treturn ACCEPT;".
            (27, 16),
            &[
                "can reach its end without a return",
                "return ACCEPT, RETRY or ABORT",
            ],
        ),
        bad_protocol(
            "width-0",
            edit_base("seq = \"W\"", "seq = 0"),
            (8, 7),
            &["'seq' is 0 bits wide", "allowed: 1..=64"],
        ),
        bad_protocol(
            "width-over-64",
            edit_base("seq = \"W\"", "seq = \"W + 57\""),
            (8, 7),
            &["'seq' is 65 bits wide", "allowed: 1..=64"],
        ),
        bad_protocol(
            "store-to-a-local",
            edit_base(
                "WRITE_ONCE(seq, seq + 1);\nsmp_wmb();\nmodify();",
                "x = 1;\nWRITE_ONCE(x, seq + 1);\nsmp_wmb();\nmodify();",
            ),
            (12, 12),
            &["'x' is a local", "loads and stores go to words: seq"],
        ),
        bad_protocol(
            "load-inside-an-expression",
            edit_base("if (e == s)", "if (READ_ONCE(seq) == s)"),
            (26, 5),
            &["a load inside an expression", "x = READ_ONCE(...);"],
        ),
        // --- the file's keys ---
        bad_protocol(
            "unknown-toml-key",
            edit_base("about = ", "abuot = "),
            (2, 1),
            &["unknown key 'abuot'", "allowed: name, about, source"],
        ),
        bad_protocol(
            "missing-writer",
            format!(
                "{}{}",
                &BASE_PROTOCOL[..writer_start],
                &BASE_PROTOCOL[reader_start..]
            ),
            (1, 1),
            &["missing key 'writer'"],
        ),
        bad_protocol(
            "missing-reader",
            BASE_PROTOCOL[..reader_start].to_string(),
            (1, 1),
            &["missing key 'reader'"],
        ),
        bad_protocol(
            "missing-name",
            edit_base("name = \"base\"\n", ""),
            (1, 1),
            &["missing key 'name'"],
        ),
        bad_protocol(
            "name-with-spaces",
            edit_base("name = \"base\"", "name = \"my base!\""),
            (1, 8),
            &["name 'my base!'", "allowed: letters, digits, '-', '_'"],
        ),
        bad_protocol(
            "not-toml",
            edit_base("name = \"base\"", "name = \"base"),
            (1, 13),
            &["not valid TOML"],
        ),
        bad_protocol(
            "duplicate-word",
            edit_base("seq = \"W\"", "seq = \"W\"\nseq = \"W\""),
            (9, 1),
            &["not valid TOML", "duplicate key"],
        ),
        bad_protocol(
            "empty-words",
            edit_base("seq = \"W\"", ""),
            (7, 1),
            &["[words] is empty", "declare at least one word"],
        ),
        bad_protocol(
            "five-words",
            edit_base("seq = \"W\"", "seq = \"W\"\na = 1\nb = 1\nc = 1\nd = 1"),
            (12, 5),
            &["5 words", "allowed: at most 4"],
        ),
        bad_protocol(
            "words-over-128-bits",
            edit_base("seq = \"W\"", "seq = 64\nx1 = 64\nx2 = 8"),
            (8, 7),
            &["136 bits together", "allowed: at most 128"],
        ),
        bad_protocol(
            "width-not-a-string",
            edit_base("seq = \"W\"", "seq = true"),
            (8, 7),
            &["'words.seq' must be a string, found boolean"],
        ),
        bad_protocol(
            "width-unknown-name",
            edit_base("seq = \"W\"", "seq = \"X\""),
            (8, 8),
            &["unknown name 'X'", "allowed here: W"],
        ),
        bad_protocol(
            "word-named-like-a-param",
            edit_base("seq = \"W\"", "W = 8"),
            (8, 5),
            &["word 'W' has the name of a param"],
        ),
        bad_protocol(
            "param-default-outside-its-min-max",
            edit_base("default = 8, min = 2", "default = 1, min = 2"),
            (5, 1),
            &["W = 1 is out of range", "allowed: 2..=64"],
        ),
        bad_protocol(
            "param-unknown-key",
            edit_base("max = 64 }", "maximum = 64 }"),
            (5, 29),
            &[
                "unknown key 'params.W.maximum'",
                "allowed: default, min, max, choices, presets, about",
            ],
        ),
        bad_protocol(
            "param-not-an-identifier",
            edit_base("W = { default", "\"my-W\" = 3\nW = { default"),
            (5, 1),
            &["param 'my-W' must be a C identifier"],
        ),
        bad_protocol(
            "default-not-a-choice",
            edit_base(
                "W = { default = 8, min = 2, max = 64 }",
                "W = { default = 8, min = 2, max = 64 }\nREAD = { default = \"lo-hi\", choices = [\"naive\", \"hi-lo-hi\"] }",
            ),
            (6, 20),
            &[
                "default 'lo-hi' is not a choice",
                "allowed: naive, hi-lo-hi",
            ],
        ),
        bad_protocol(
            "constraint-false-with-defaults",
            edit_base("[words]", "constraints = [\"W > 8\"]\n\n[words]"),
            (7, 16),
            &["does not satisfy 'W > 8' (W=8)"],
        ),
        bad_protocol(
            "expect-unknown-model",
            edit_base("[words]", "[expect]\narm = \"1\"\n\n[words]"),
            (8, 1),
            &["expect.arm", "allowed keys: sc, tso, lkmm"],
        ),
        bad_protocol(
            "expect-not-an-expression",
            edit_base("[words]", "[expect]\nsc = \"1 <<\"\n\n[words]"),
            // The end of the expression, where an operand is missing.
            (8, 11),
            &["expected an expression"],
        ),
        bad_protocol(
            "costs-unknown-key",
            edit_base("[words]", "[costs]\nprice = \"1\"\n\n[words]"),
            (8, 1),
            &["costs.price", "allowed keys: note"],
        ),
        bad_protocol(
            "body-not-a-string",
            edit_base("writer = \"\"\"", "writer = 3\nxwriter = \"\"\""),
            (10, 10),
            &["'writer' must be a string, found integer"],
        ),
        // --- the bodies: what the writer and the reader may do ---
        bad_protocol(
            "bad-return-value",
            edit_base("return RETRY;", "return OK;"),
            (28, 8),
            &[
                "'return OK'",
                "allowed: return ACCEPT; return RETRY; return ABORT;",
            ],
        ),
        bad_protocol(
            "modify-in-the-reader",
            edit_base("read();", "modify();"),
            (23, 1),
            &["modify() belongs to the writer", "the reader calls read()"],
        ),
        bad_protocol(
            "read-in-the-writer",
            edit_base("modify();", "read();"),
            (13, 1),
            &["read() belongs to the reader", "the writer calls modify()"],
        ),
        bad_protocol(
            "reader-accepts-without-read",
            edit_base("read();\n", ""),
            // The ACCEPT that no data phase precedes.
            (26, 2),
            &["read()", "ACCEPT"],
        ),
        bad_protocol(
            "writer-without-modify",
            edit_base("modify();\n", ""),
            // The end of the writer's body.
            (14, 26),
            &["never calls modify()", "allowed: exactly once per cycle"],
        ),
        bad_protocol(
            "writer-modifies-twice",
            edit_base("modify();\n", "modify();\nmodify();\n"),
            (14, 1),
            &["calls modify() twice", "allowed: exactly once per cycle"],
        ),
        bad_protocol(
            "writer-loads",
            edit_base("modify();", "x = READ_ONCE(seq);\nmodify();"),
            (13, 1),
            &["the writer does not load", "WRITE_ONCE(seq, seq + 1)"],
        ),
        bad_protocol(
            "reader-stores",
            edit_base("read();", "WRITE_ONCE(seq, 1);\nread();"),
            (23, 1),
            &["the reader only loads", "stores belong to the writer"],
        ),
        bad_protocol(
            "writer-returns",
            edit_base("modify();", "modify();\nreturn ACCEPT;"),
            (14, 1),
            &["the writer does not return"],
        ),
        bad_protocol(
            "writer-loops",
            edit_base("modify();", "while (seq) { modify(); }"),
            (13, 15),
            &["loops are not allowed in the writer"],
        ),
        bad_protocol(
            "reader-loop-without-load",
            edit_base(
                "return RETRY;",
                "while (e != s) { smp_rmb(); }\nreturn RETRY;",
            ),
            (28, 18),
            &["a loop of the reader must load on every iteration"],
        ),
        bad_protocol(
            "read-inside-a-loop",
            edit_base(
                "return RETRY;",
                "do { read(); x = READ_ONCE(seq); } while (x != s);\nreturn RETRY;",
            ),
            (28, 6),
            &["read() inside a loop", "allowed: once, outside loops"],
        ),
        bad_protocol(
            "reader-only-spins",
            edit_base("return RETRY;", "do { x = READ_ONCE(seq); } while (1);"),
            (28, 38),
            &["without a return", "return ACCEPT, RETRY or ABORT"],
        ),
        bad_protocol(
            "local-used-before-set",
            edit_base(
                "if (s & 1)\n\treturn ABORT;",
                "if (s & 2)\n\tt = 1;\nif (s & 1)\n\treturn ABORT;",
            )
            .replacen("if (e == s)", "if (e == t)", 1),
            (28, 1),
            &["'t' may be used before it is set"],
        ),
        bad_protocol(
            "unknown-name",
            edit_base("if (e == s)", "if (e == t)"),
            (26, 10),
            &["unknown name 't'", "known: seq, W, s, e"],
        ),
        bad_protocol(
            "word-in-a-reader-expression",
            edit_base("if (e == s)", "if (seq == s)"),
            (26, 5),
            &["the reader reads a word only with a load statement"],
        ),
        bad_protocol(
            "synchronize-rcu-in-the-reader",
            edit_base("read();", "synchronize_rcu();\nread();"),
            (23, 1),
            &["synchronize_rcu() belongs to the writer"],
        ),
        bad_protocol(
            "window-cycles-in-the-writer",
            edit_base("modify();", "modify();\nif (window_cycles() > 3) smp_mb();"),
            (14, 5),
            &["window_cycles() only in the reader"],
        ),
        bad_protocol(
            "macro-outside-the-subset",
            edit_base(
                "s = READ_ONCE(seq);",
                "read_seqbegin(&seq);\ns = READ_ONCE(seq);",
            ),
            (19, 1),
            &[
                "unknown macro 'read_seqbegin'",
                "seqlock_t readers are read_seqcount_begin() on its seqcount",
            ],
        ),
        bad_protocol(
            "function-call-not-a-kernel-macro",
            edit_base("smp_rmb();\nread();", "schedule();\nread();"),
            (22, 1),
            &["unknown macro 'schedule'", "allowed:"],
        ),
        bad_protocol(
            "function-call-in-an-expression",
            edit_base("if (e == s)", "if (e == hash(s))"),
            (26, 10),
            &[
                "'hash(...)' in an expression",
                "allowed calls: window_cycles()",
            ],
        ),
        bad_protocol(
            "fence-with-an-argument",
            edit_base("smp_rmb();\nread();", "smp_rmb(1);\nread();"),
            (22, 9),
            &["'smp_rmb' takes no arguments", "found '1'"],
        ),
        bad_protocol(
            "goto",
            edit_base("return RETRY;", "goto out;"),
            (28, 1),
            &["'goto' is not supported", "allowed control flow: if/else"],
        ),
        bad_protocol(
            "for-loop",
            edit_base("return RETRY;", "for (;;) { }"),
            (28, 1),
            &["'for' is not supported", "allowed control flow"],
        ),
        bad_protocol(
            "else-without-if",
            edit_base("writer = \"\"\"\n", "writer = \"\"\"\nelse smp_mb();\n"),
            (11, 1),
            &["'else' without an 'if'"],
        ),
        bad_protocol(
            "pointer-arithmetic",
            edit_base("e = READ_ONCE(seq);", "e = READ_ONCE(*(&seq + 1));"),
            (25, 15),
            &["READ_ONCE takes the word itself", "x = READ_ONCE(w);"],
        ),
        bad_protocol(
            "address-of-a-word",
            edit_base("if (e == s)", "p = &seq;\nif (e == s)"),
            (26, 5),
            &["'&' takes an address only in smp_load_acquire/smp_store_release"],
        ),
        bad_protocol(
            "store-release-without-pointer",
            edit_base(
                "WRITE_ONCE(seq, seq + 1);\nsmp_wmb();",
                "smp_store_release(seq, seq + 1);\nsmp_wmb();",
            ),
            (11, 19),
            &[
                "smp_store_release takes a pointer",
                "smp_store_release(&w, e)",
            ],
        ),
        bad_protocol(
            "load-acquire-without-pointer",
            edit_base("s = READ_ONCE(seq);", "s = smp_load_acquire(seq);"),
            (19, 22),
            &[
                "smp_load_acquire takes a pointer",
                "x = smp_load_acquire(&w);",
            ],
        ),
        bad_protocol(
            "member-access",
            edit_base("e = READ_ONCE(seq);", "e = READ_ONCE(seq);\nf = s[1];"),
            (26, 6),
            &["arrays are not supported", "name each word in [words]"],
        ),
        bad_protocol(
            "cast",
            edit_base("if (e == s)", "if ((u32)e == s)"),
            (26, 5),
            &[
                "casts are not supported",
                "a store truncates to the word's width",
            ],
        ),
        bad_protocol(
            "compound-assignment",
            edit_base("modify();", "modify();\nseq += 1;"),
            (14, 5),
            &["'seq+=' is not supported", "write 'seq = seq ...;'"],
        ),
        bad_protocol(
            "comma-declaration",
            edit_base("s = READ_ONCE(seq);", "int s, e;\ns = READ_ONCE(seq);"),
            (19, 6),
            &["declare one local a statement"],
        ),
        bad_protocol(
            "preprocessor-line",
            edit_base("s = READ_ONCE(seq);", "#define X 1\ns = READ_ONCE(seq);"),
            (19, 1),
            &["expected a statement, found '#'", "allowed:"],
        ),
        bad_protocol(
            "unbalanced-braces",
            edit_base(
                "if (s & 1)\n\treturn ABORT;",
                "if (s & 1) {\n\treturn ABORT;",
            ),
            (20, 12),
            &["this '{' is never closed"],
        ),
        bad_protocol(
            "unterminated-comment",
            edit_base("smp_rmb();\nread();", "smp_rmb(); /* the data\nread();"),
            (22, 12),
            &["a '/*' comment is never closed"],
        ),
        bad_protocol(
            "non-ascii-garbage",
            edit_base("e = READ_ONCE(seq);", "e = READ_ONCE(seq); « é »"),
            (25, 21),
            &["unexpected character '«'", "allowed: identifiers, integers"],
        ),
        bad_protocol(
            "bad-integer-literal",
            edit_base("s = READ_ONCE(seq);", "s = 0x1g;\ns = READ_ONCE(seq);"),
            (19, 5),
            &["'0x1g' is not an integer", "allowed: decimal or 0x hex"],
        ),
        bad_protocol(
            "integer-too-large",
            edit_base(
                "if (s & 1)",
                "if (s & 999999999999999999999999999999999999999999)",
            ),
            (20, 9),
            &["is not an integer below 2^128"],
        ),
        // --- arithmetic ---
        bad_protocol(
            "division-by-zero-constant",
            edit_base(
                "WRITE_ONCE(seq, seq + 1);\n\"\"\"",
                "WRITE_ONCE(seq, seq + 1 / 0);\n\"\"\"",
            ),
            (15, 23),
            &["division by zero"],
        ),
        bad_protocol(
            "shift-too-far",
            edit_base("if (s & 1)", "if (s & (1 << 200))"),
            (20, 10),
            &["shift by 200", "allowed: 0..=127"],
        ),
        bad_protocol(
            "overflow-of-128-bits",
            edit_base(
                "WRITE_ONCE(seq, seq + 1);\n\"\"\"",
                "WRITE_ONCE(seq, seq + (1 << 126) * 4);\n\"\"\"",
            ),
            (15, 24),
            &["arithmetic overflows 128 bits"],
        ),
        bad_protocol(
            "division-by-zero-at-run-time",
            edit_base("if (e == s)", "z = 100 / s;\nif (e == s)"),
            (26, 5),
            &["reader: division by zero"],
        ),
        // --- positions through TOML's quoting ---
        bad_protocol(
            "error-in-a-one-line-escaped-body",
            format!(
                "{}reader = \"s = READ_ONCE(seq);\\nread();\\ngoto x;\"\n",
                &BASE_PROTOCOL[..reader_start]
            ),
            // `reader = "` is 10 columns; the two `\n` escapes are two each.
            (18, 41),
            &["'goto' is not supported"],
        ),
        bad_protocol(
            "non-ascii-before-the-error",
            edit_base("return RETRY;", "/* é */ goto x;"),
            (28, 9),
            &["'goto' is not supported"],
        ),
        bad_protocol(
            "crlf-line-ends",
            edit_base("if (s & 1)", "if (s & 1").replace('\n', "\r\n"),
            (21, 2),
            &["expected ')' to close the 'if' condition"],
        ),
        // --- the kernel API (DESIGN §1.7) ---
        bad_protocol(
            "atomic-barrier-without-its-rmw",
            edit_base(
                "smp_wmb();\nmodify();",
                "smp_mb__after_atomic();\nmodify();",
            ),
            (12, 1),
            &["smp_mb__after_atomic() must come right after a read-modify-write"],
        ),
        bad_protocol(
            "rmw-in-the-reader",
            edit_base("smp_rmb();\nread();", "atomic_inc(&seq);\nread();"),
            (22, 1),
            &["atomic_inc() is a read-modify-write and belongs to the writer"],
        ),
        bad_protocol(
            "rcu-lock-after-a-load",
            edit_base("smp_rmb();\nread();", "rcu_read_lock();\nread();"),
            (22, 1),
            &[
                "rcu_read_lock() after the reader's first load",
                "lock before",
            ],
        ),
        bad_protocol(
            "load-after-rcu-unlock",
            edit_base(
                "s = READ_ONCE(seq);",
                "rcu_read_lock();\ns = READ_ONCE(seq);\nrcu_read_unlock();",
            ),
            (27, 1),
            &[
                "a load after rcu_read_unlock()",
                "unlock after the last load",
            ],
        ),
        bad_protocol(
            "grace-period-without-an-rcu-reader",
            edit_base(
                "smp_wmb();\nWRITE_ONCE(seq, seq + 1);\n\"\"\"",
                "smp_wmb();\nsynchronize_rcu();\nWRITE_ONCE(seq, seq + 1);\n\"\"\"",
            ),
            (15, 1),
            &[
                "synchronize_rcu() waits only for RCU readers",
                "rcu_read_lock() or guard(rcu)()",
            ],
        ),
        bad_protocol(
            "rcu-in-the-writer",
            edit_base("modify();", "rcu_read_lock();\nmodify();"),
            (13, 1),
            &["RCU read-side sections belong to the reader"],
        ),
        bad_protocol(
            "unknown-word-type",
            edit_base("seq = \"W\"", "seq = { type = \"seqlock_t\" }"),
            (8, 16),
            &[
                "'seqlock_t' is not a word type",
                "allowed: u8",
                "seqcount_t",
            ],
        ),
        bad_protocol(
            "word-table-without-a-type",
            edit_base("seq = \"W\"", "seq = { bits = \"W\" }"),
            (8, 7),
            &["a table needs 'type'"],
        ),
        bad_protocol(
            "api-call-with-too-few-arguments",
            edit_base("e = READ_ONCE(seq);", "e = read_seqcount_retry(&seq);"),
            (25, 5),
            &["'read_seqcount_retry' takes 2 argument(s) (s, start), given 1"],
        ),
        bad_protocol(
            "api-load-where-c-may-skip-it",
            edit_base(
                "if (e == s)",
                "if (e == s && !read_seqcount_retry(&seq, s))",
            ),
            (26, 16),
            &["where C may skip it", "call it in a statement of its own"],
        ),
        bad_protocol(
            "guard-other-than-rcu",
            edit_base(
                "s = READ_ONCE(seq);",
                "guard(mutex)();\ns = READ_ONCE(seq);",
            ),
            (19, 7),
            &["guard(mutex) is not supported", "allowed: guard(rcu)()"],
        ),
        bad_protocol(
            "member-of-an-undeclared-word",
            edit_base("e = READ_ONCE(seq);", "e = READ_ONCE(mm->seq);"),
            (25, 15),
            &["'mm->seq' is not a declared word", "words: seq"],
        ),
        bad_protocol(
            "dereference-of-a-local",
            edit_base("if (e == s)", "if (e == *s)"),
            (26, 10),
            &["pointers are not supported"],
        ),
        bad_protocol(
            "store-to-a-member",
            edit_base("e = READ_ONCE(seq);", "e = READ_ONCE(seq);\nmm->seq = e;"),
            (26, 3),
            &["cannot be assigned", "WRITE_ONCE(mm->seq, v)"],
        ),
        bad_protocol(
            "atomic-read-without-a-pointer",
            edit_base("e = READ_ONCE(seq);", "e = atomic_read(seq);"),
            (25, 5),
            &["an atomic read takes a pointer", "x = atomic_read(&v);"],
        ),
        // --- site files (DESIGN §8) ---
        site(
            "site-not-toml",
            edit_site("title = ", "title == "),
            (2, 8),
            &["not valid TOML"],
        ),
        site(
            "site-unknown-key",
            edit_site("title", "titel"),
            (2, 1),
            &["unknown key 'titel'; allowed: name"],
        ),
        site(
            "site-missing-key",
            edit_site("fallback = \"the locked lookup\"\n", ""),
            (1, 1),
            &["missing key 'fallback'"],
        ),
        site(
            "site-name-not-a-name",
            edit_site("\"mine\"", "\"my site\""),
            (1, 8),
            &["allowed: letters, digits"],
        ),
        site(
            "site-short-commit",
            edit_site("0123456789ab\"", "0123\""),
            (6, 10),
            &["allowed: 12 to 40 hex digits"],
        ),
        site(
            "site-commit-not-hex",
            edit_site("0123456789ab\"", "0123456789xy\""),
            (6, 10),
            &["12 to 40 hex digits"],
        ),
        site(
            "site-release-not-a-tag",
            edit_site("\"v6.14\"", "\"6.14\""),
            (7, 11),
            &["a kernel release tag such as v6.14"],
        ),
        site(
            "site-release-rc",
            edit_site("\"v6.14\"", "\"v6.14-rc1\""),
            (7, 11),
            &["release tag"],
        ),
        site(
            "site-unknown-protocol",
            edit_site("\"seqcount\"", "\"seqlock\""),
            (8, 12),
            &["is not in the catalog; allowed: plain"],
        ),
        site(
            "site-bad-param",
            edit_site("W = \"32\"", "W = \"65\""),
            (9, 16),
            &["out of range"],
        ),
        site(
            "site-unknown-context",
            edit_site("[\"rcu\"]", "[\"rcu\", \"softirq\"]"),
            (11, 19),
            &["context 'softirq': allowed: preemptible, rcu"],
        ),
        site(
            "site-empty-context",
            edit_site("[\"rcu\"]", "[]"),
            (11, 11),
            &["context is empty"],
        ),
        site(
            "site-context-not-array",
            edit_site("[\"rcu\"]", "\"rcu\""),
            (11, 11),
            &["must be an array of strings"],
        ),
        site(
            "site-empty-sources",
            edit_site("[\"mm/mine.c@0123456789ab: my_reader()\"]", "[]"),
            (15, 11),
            &["every claim needs one"],
        ),
        site(
            "site-title-not-a-string",
            edit_site("\"a reader of my own\"", "42"),
            (2, 9),
            &["'title' must be a string"],
        ),
        site(
            "site-empty-window",
            edit_site("\"a lookup\"", "\"  \""),
            (12, 10),
            &["'window' is empty"],
        ),
        site(
            "site-bad-wrap-gives",
            edit_site("context =", "wrap_gives = \"crash\"\ncontext ="),
            (11, 14),
            &["allowed: accept, slow-path"],
        ),
        site(
            "site-param-not-a-string",
            edit_site("W = \"32\"", "W = [32]"),
            (9, 16),
            &["must be a string or an integer"],
        ),
        site(
            "site-bad-writer-op",
            edit_site("context =", "writer_op = \"fork\"\ncontext ="),
            (11, 13),
            &["writer_op 'fork': allowed: munmap-null"],
        ),
        site(
            "site-bad-context",
            edit_site("[\"rcu\"]", "[\"rcu\", \"asleep\"]"),
            (11, 19),
            &["allowed: preemptible, rcu"],
        ),
    ]
}

/// The good protocol explores, so each case fails by its one edit.
#[test]
fn the_base_description_explores() {
    let dir = tempdir();
    std::fs::write(dir.path().join("base.toml"), BASE_PROTOCOL).unwrap();
    let out = seqwrap_in(dir.path())
        .args(["explore", "--protocol", "base.toml", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["min_cycles_exact"], "128");
}

/// A good site file, so each site case fails by its one edit.
#[test]
fn the_base_site_file_is_good() {
    let d = tempdir();
    write(d.path(), "mine.toml", SITE);
    let o = seqwrap_in(d.path())
        .args(["sites", "--site", "mine.toml"])
        .output()
        .unwrap();
    let text = ok(&o);
    assert!(text.starts_with("mine: a reader of my own"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
}

/// Every kind: exit 2, one line, FILE:LINE:COL, what is allowed.
#[test]
fn every_bad_file_gets_one_line_with_its_position() {
    let cases = file_cases();
    for (command, least) in [("explore", 20), ("sites", 15)] {
        let n = cases.iter().filter(|c| c.command[0] == command).count();
        assert!(n >= least, "{n} kinds of bad file for {command}");
    }
    let dir = tempdir();
    let mut failures = Vec::new();
    for c in &cases {
        let file = format!("{}.toml", c.kind);
        write(dir.path(), &file, &c.text);
        let out = seqwrap_in(dir.path())
            .args(c.command)
            .arg(&file)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let mut wrong = bad_input_faults(&out, &c.says, true);
        let prefix = format!("error: {file}:{}:{}: ", c.at.0, c.at.1);
        if !err.starts_with(&prefix) {
            wrong.push(format!("does not start with {prefix:?}"));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{}: {}\n    stderr: {err:?}",
                c.kind,
                wrong.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} kinds of bad file misbehave:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The same bad file gets the same line from every command that reads a
/// protocol, and from a question spec that names it.
#[test]
fn every_command_reports_a_bad_description_the_same_way() {
    let dir = tempdir();
    let text = edit(BASE_PROTOCOL, "return RETRY;", "goto out;");
    std::fs::write(dir.path().join("bad.toml"), &text).unwrap();
    std::fs::write(
        dir.path().join("spec.toml"),
        r#"name = "badspec"
title = "a question over a bad protocol"
seed = 1
samples = 1000
engines = ["explore"]
widths = [8]
rates = ["1e6"]
windows = ["fixed:1us"]

[[protocols]]
protocol = "bad.toml"
"#,
    )
    .unwrap();
    let want = "bad.toml:28:1: 'goto' is not supported";
    let runs: [&[&str]; 6] = [
        &[
            "explore",
            "--protocol",
            "bad.toml",
            "--memory-model",
            "lkmm",
        ],
        &["analyze", "--protocol", "bad.toml", "--rate", "1e6"],
        &[
            "sample",
            "--protocol",
            "bad.toml",
            "--rate",
            "1e6",
            "--window",
            "fixed:1ms",
            "--samples",
            "100",
        ],
        &["stress", "--protocol", "bad.toml"],
        &["litmus", "--protocol", "bad.toml"],
        &["sweep", "spec.toml", "--out", "out.csv"],
    ];
    for args in runs {
        let out = seqwrap_in(dir.path()).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(want),
            "{args:?}: {err}"
        );
    }
    assert!(
        !dir.path().join("out.csv").exists(),
        "a failed sweep writes nothing"
    );
}
