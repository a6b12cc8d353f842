//! `seqwrap sample` from the outside: bad input, JSON fields, and the same
//! bytes for a seed whatever the thread count.

use crate::helpers::{ok, seqwrap};

fn rejects(args: &[&str], flag: &str) {
    let out = seqwrap().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(flag), "{args:?}: {err} should name {flag}");
}

const BASE: [&str; 9] = [
    "sample",
    "--scheme",
    "plain",
    "--bits",
    "8",
    "--rate",
    "1e6",
    "--window",
    "exp:128us",
];

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let with = |extra: &[&'static str]| {
        BASE.iter()
            .copied()
            .chain(extra.iter().copied())
            .collect::<Vec<_>>()
    };
    rejects(&with(&["--samples", "0"]), "--samples");
    rejects(&with(&["--samples", "-3"]), "--samples");
    rejects(&with(&["--samples", "many"]), "--samples");
    rejects(&with(&["--samples", "1.5"]), "--samples");
    rejects(&with(&["--hold", "50"]), "--hold: '50' has no unit");
    rejects(
        &[
            "sample", "--scheme", "plain", "--bits", "8", "--rate", "1e6", "--window", "fixed:10",
        ],
        "--window: fixed T: '10' has no unit",
    );
    // A lock held 99.9% of the time and windows of 1e19 attempts: past
    // sample's exact range, refused (analyze answers it).
    rejects(
        &[
            "sample",
            "--scheme",
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
    );
    rejects(&with(&["--seed", "x"]), "--seed");
    rejects(
        &[
            "sample", "--scheme", "plain", "--bits", "8", "--rate", "1e6",
        ],
        "--window",
    );
    rejects(
        &[
            "sample", "--scheme", "plain", "--bits", "8", "--rate", "0", "--window", "exp:1us",
        ],
        "--rate",
    );
    rejects(
        &[
            "sample",
            "--scheme",
            "plain",
            "--bits",
            "8",
            "--rate",
            "1e6",
            "--window",
            "pareto:1us,0",
        ],
        "ALPHA",
    );
}

fn run(threads: &str) -> Vec<u8> {
    let out = seqwrap()
        .args(BASE)
        .args(["--samples", "3e5", "--seed", "7", "--json"])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    ok(&out);
    out.stdout
}

#[test]
fn json_fields_and_byte_identical_across_thread_counts() {
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
    let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(v["samples"], 300000);
    assert_eq!(v["seed"], 7);
    let mut total = 0;
    for k in ["false_positive", "retry", "abort", "accept"] {
        let o = &v[k];
        let (r, lo, hi) = (
            o["rate"].as_f64().unwrap(),
            o["ci_low"].as_f64().unwrap(),
            o["ci_high"].as_f64().unwrap(),
        );
        assert!(lo <= r && r <= hi, "{k}: {o}");
        total += o["events"].as_u64().unwrap();
    }
    assert_eq!(total, 300000);
}
