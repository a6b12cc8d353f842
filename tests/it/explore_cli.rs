//! The `seqwrap explore` and `seqwrap protocols` command lines.

use crate::helpers::{json, seqwrap, tempdir};

#[test]
fn explore_json_has_the_promised_fields() {
    let v = json(&["explore", "--protocol", "plain", "--bits", "i8"]);
    for key in [
        "protocol",
        "params",
        "bits",
        "mode",
        "readers",
        "writers",
        "false_positive",
        "min_cycles",
        "trace",
        "trace_text",
        "memory_model",
        "verdict_kind",
        "states",
        "elapsed_s",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["protocol"], "plain");
    assert_eq!(v["bits"], 8);
    assert_eq!(v["mode"], "accelerated");
    assert_eq!(v["false_positive"], true);
    assert_eq!(v["min_cycles"], 128);
    assert_eq!(v["min_cycles_exact"], "128");
    assert!(v["states"].as_u64().unwrap() > 0);
    assert!(v["elapsed_s"].as_f64().unwrap() >= 0.0);
    assert_eq!(v["memory_model"], "sc");
    assert_eq!(v["verdict_kind"], "false-positive");
    assert_eq!(v["params"]["W"], "8");
    for l in v["trace_text"].as_array().unwrap() {
        assert!(l.as_str().unwrap().chars().count() <= 72);
    }
    // Structured steps: thread, op, word, value; R0 ends accepting.
    let steps = v["trace"].as_array().unwrap();
    assert!(
        steps
            .iter()
            .any(|s| s["thread"] == "W" && s["op"] == "jump")
    );
    assert!(
        steps
            .iter()
            .any(|s| s["thread"] == "R0" && s["op"] == "load" && s["word"] == "seq")
    );
    let last_r0 = steps.iter().rev().find(|s| s["thread"] == "R0").unwrap();
    assert_eq!(last_r0["outcome"], "false-positive", "{last_r0}");
}

/// The LKMM finding (DESIGN §2) from the command line: the RFC as posted breaks under
/// LKMM after a handful of cycles, and the trace shows the reordering;
/// under TSO and SC only the wrap remains, 2^31 for its 32-bit counter.
#[test]
fn rfc_v1_shows_the_ordering_bug_only_under_lkmm() {
    let lkmm = json(&["explore", "--protocol", "rfc-v1", "--memory-model", "lkmm"]);
    let m: u64 = lkmm["min_cycles_exact"].as_str().unwrap().parse().unwrap();
    assert!(m <= 4, "{lkmm}");
    assert_eq!(lkmm["reorders"], true);
    assert!(
        lkmm["trace"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| !s["reorder"].is_null()),
        "{lkmm}"
    );
    for model in ["sc", "tso"] {
        let v = json(&["explore", "--protocol", "rfc-v1", "--memory-model", model]);
        assert_eq!(v["min_cycles_exact"], "2147483648", "{model}");
        assert_eq!(v["reorders"], false, "{model}");
    }
    for protocol in ["rfc-v2", "seqcount"] {
        for model in ["sc", "tso", "lkmm"] {
            let v = json(&["explore", "--protocol", protocol, "--memory-model", model]);
            assert_eq!(v["min_cycles_exact"], "2147483648", "{protocol} {model}");
        }
    }
    let out = seqwrap()
        .args(["explore", "--protocol", "rfc-v1", "--memory-model", "lkmm"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("uses reorderings the model allows"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
}

/// A search cut short says incomplete with what it covered, never "none"
/// (this run once aborted at 4.4 GB).
#[test]
fn a_memory_ceiling_gives_incomplete_not_none() {
    let v = json(&[
        "explore",
        "--protocol",
        "guard",
        "--bits",
        "12",
        "--readers",
        "2",
        "--mode",
        "brute",
        "--max-memory",
        "64MiB",
    ]);
    assert_eq!(v["verdict_kind"], "incomplete", "{v}");
    assert_eq!(v["false_positive"], false);
    assert!(
        v["verdict"].as_str().unwrap().starts_with("INCOMPLETE"),
        "{v}"
    );
    assert!(v["incomplete_below_exact"].as_str().is_some(), "{v}");
    let v = json(&[
        "explore",
        "--protocol",
        "guard",
        "--bits",
        "16",
        "--mode",
        "brute",
        "--max-states",
        "1000",
    ]);
    assert_eq!(v["verdict_kind"], "incomplete", "{v}");
}

/// `--max-states N` stops within one expansion of N, in the general search
/// and in brute mode's forced runs and blocks alike (it used to be checked
/// every 2^20 states, so a forced run walked millions past a small bound,
/// or found a false positive the bound should have cut).
#[test]
fn a_state_bound_is_kept_closely() {
    let cases: [&[&str]; 3] = [
        &["--protocol", "plain", "--bits", "28"],
        &["--protocol", "plain", "--bits", "20"],
        &[
            "--protocol",
            "split",
            "--hi",
            "6",
            "--lo",
            "6",
            "--read",
            "hi-lo-hi",
            "--write-order",
            "hi-first",
            "--param",
            "WMB=0",
            "--memory-model",
            "lkmm",
        ],
    ];
    for args in cases {
        for n in [100u64, 2000, 200_000] {
            let ns = n.to_string();
            let mut a = vec!["explore", "--mode", "brute", "--max-states", &ns];
            a.extend_from_slice(args);
            let v = json(&a);
            assert_eq!(v["verdict_kind"], "incomplete", "{args:?} {n}: {v}");
            let states = v["states"].as_u64().unwrap();
            assert!(
                states > n && states <= n + 64,
                "{args:?} {n}: {states} states"
            );
        }
    }
}

#[test]
fn u64_is_exact() {
    let v = json(&["explore", "--protocol", "plain", "--bits", "u64"]);
    assert_eq!(v["min_cycles_exact"], "9223372036854775808");
    assert_eq!(v["min_cycles"].as_f64(), Some(2f64.powi(63)));
    assert_eq!(v["min_cycles_log2"], 63);
    let v = json(&["explore", "--protocol", "guard", "--bits", "64"]);
    assert_eq!(v["false_positive"], false);
    assert!(v["min_cycles"].is_null());
}

#[test]
fn brute_text_output_is_readable() {
    let out = seqwrap()
        .args([
            "explore",
            "--protocol",
            "plain",
            "--bits",
            "i16",
            "--mode",
            "brute",
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
        "--protocol",
        "guard",
        "--bits",
        "6",
        "--readers",
        "2",
        "--writers",
        "2",
        "--mode",
        "brute",
    ]);
    assert_eq!(v["readers"], 2);
    assert_eq!(v["writers"], 2);
    assert_eq!(v["false_positive"], false);
}

#[test]
fn protocols_lists_the_catalog() {
    let out = seqwrap().arg("protocols").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let names = seqwrap::protocol::catalog::names();
    assert_eq!(names.len(), 10);
    for name in &names {
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with(&format!("{name} ")))
                .count(),
            1,
            "{text}"
        );
    }
    let v = json(&["protocols"]);
    let listed: Vec<&str> = v["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names);
}

/// `protocols --show NAME` prints the file; the copy runs as a user file and
/// gives what the catalog entry gives.
#[test]
fn a_shown_protocol_runs_as_a_user_file() {
    let dir = tempdir();
    for name in ["split", "seqcount"] {
        let out = seqwrap()
            .args(["protocols", "--show", name])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text, seqwrap::protocol::catalog::text(name).unwrap());
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, &text).unwrap();
        let mine = json(&["explore", "--protocol", path.to_str().unwrap()]);
        let cat = json(&["explore", "--protocol", name]);
        assert_eq!(mine["min_cycles_exact"], cat["min_cycles_exact"], "{name}");
    }
    let path = dir.path().join("split.toml");
    let p = path.to_str().unwrap();
    let args = ["--param", "READ=lo-hi-lo", "--param", "ORDER=hi-first"];
    let mine = json(&[&["explore", "--protocol", p][..], &args[..]].concat());
    let cat = json(&[&["explore", "--protocol", "split"][..], &args[..]].concat());
    assert_eq!(mine["min_cycles_exact"], cat["min_cycles_exact"]);
    assert_eq!(cat["min_cycles_exact"], "9223372036854775808");
}
