//! The `seqwrap explore` and `seqwrap schemes` command lines.

use assert_cmd::Command;
use serde_json::Value;

mod common;

fn seqwrap() -> Command {
    Command::cargo_bin("seqwrap").expect("binary")
}

fn json(args: &[&str]) -> Value {
    let out = seqwrap().args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn explore_json_has_the_promised_fields() {
    let v = json(&["explore", "--scheme", "plain", "--bits", "i8", "--json"]);
    for key in [
        "scheme",
        "params",
        "bits",
        "mode",
        "readers",
        "writers",
        "false_positive",
        "min_cycles",
        "trace",
        "states",
        "elapsed_s",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["scheme"], "plain");
    assert_eq!(v["bits"], 8);
    assert_eq!(v["mode"], "accelerated");
    assert_eq!(v["false_positive"], true);
    assert_eq!(v["min_cycles"], 128);
    assert_eq!(v["min_cycles_exact"], "128");
    assert!(v["states"].as_u64().unwrap() > 0);
    assert!(v["elapsed_s"].as_f64().unwrap() >= 0.0);
    for l in v["trace"].as_array().unwrap() {
        assert!(l.as_str().unwrap().len() <= 72);
    }
}

#[test]
fn u64_is_exact() {
    let v = json(&["explore", "--scheme", "plain", "--bits", "u64", "--json"]);
    assert_eq!(v["min_cycles_exact"], "9223372036854775808");
    assert_eq!(v["min_cycles"].as_f64(), Some(2f64.powi(63)));
    assert_eq!(v["min_cycles_log2"], 63);
    let v = json(&["explore", "--scheme", "guard", "--bits", "64", "--json"]);
    assert_eq!(v["false_positive"], false);
    assert!(v["min_cycles"].is_null());
}

#[test]
fn brute_text_output_is_readable() {
    let out = seqwrap()
        .args([
            "explore", "--scheme", "plain", "--bits", "i16", "--mode", "brute",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("min_cycles: 32768 (2^15)"), "{text}");
    assert!(text.contains("FALSE POSITIVE"), "{text}");
    assert!(text.lines().all(|l| l.len() <= 72), "{text}");
}

#[test]
fn readers_and_writers_are_accepted() {
    let v = json(&[
        "explore",
        "--scheme",
        "guard",
        "--bits",
        "6",
        "--readers",
        "2",
        "--writers",
        "2",
        "--mode",
        "brute",
        "--json",
    ]);
    assert_eq!(v["readers"], 2);
    assert_eq!(v["writers"], 2);
    assert_eq!(v["false_positive"], false);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: &[(&[&str], &str)] = &[
        (&["explore", "--scheme", "nope", "--bits", "8"], "--scheme"),
        (&["explore", "--scheme", "plain", "--bits", "0"], "--bits"),
        (&["explore", "--scheme", "plain", "--bits", "1"], "--bits"),
        (&["explore", "--scheme", "plain", "--bits", "65"], "--bits"),
        (&["explore", "--scheme", "plain", "--bits", "x"], "--bits"),
        (&["explore", "--scheme", "plain"], "--bits"),
        (
            &["explore", "--scheme", "plain", "--bits", "8", "--hi", "4"],
            "--hi",
        ),
        (
            &[
                "explore", "--scheme", "split", "--hi", "40", "--lo", "30", "--read", "naive",
            ],
            "H+L",
        ),
        (
            &["explore", "--scheme", "split", "--hi", "4", "--lo", "4"],
            "--read",
        ),
        (
            &["explore", "--scheme", "epoch", "--bits", "8"],
            "--epoch-bits",
        ),
        (
            &["explore", "--scheme", "bounded", "--bits", "8"],
            "--max-window-cycles",
        ),
        (
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
        (
            &[
                "explore",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--writers",
                "0",
            ],
            "--writers",
        ),
        (
            &[
                "explore", "--scheme", "plain", "--bits", "8", "--mode", "fast",
            ],
            "--mode",
        ),
        (
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
        (
            &[
                "explore",
                "--scheme",
                "plain",
                "--bits",
                "8",
                "--frobnicate",
            ],
            "--frobnicate",
        ),
    ];
    for (args, flag) in cases {
        let out = seqwrap().args(*args).output().unwrap();
        common::assert_bad_input(&out, &format!("{args:?}"), flag);
    }
}

#[test]
fn schemes_lists_the_catalog() {
    let out = seqwrap().arg("schemes").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for name in ["plain", "split", "epoch", "guard", "bounded"] {
        assert_eq!(
            text.lines().filter(|l| l.starts_with(name)).count(),
            1,
            "{text}"
        );
    }
    let v = json(&["schemes", "--json"]);
    assert_eq!(v["schemes"].as_array().unwrap().len(), 5);
}
