//! DESIGN §1 (protocols are files): a protocol that is not in the catalog runs through every
//! engine from the command line — explore, analyze, sample, stress (see
//! `stress_cli.rs`), sweep (a spec's `protocol = "file"` entry) and
//! litmus — and gives what another engine or the theory says.

use crate::helpers::{json, ok, read, seqwrap, tempdir, test_protocol};

/// The RFC pasted as posted, at 8 bits: explore finds the wrap under SC
/// and the ordering bug under LKMM (as the catalog's rfc-v1 does); analyze
/// takes its adversarial count from explore (the file states no closed
/// form) and its timed period from the writer; sample's 99.9% interval
/// holds analyze's probability.
#[test]
fn the_rfc_as_posted_runs_through_explore_analyze_and_sample() {
    let f = test_protocol("rfc-as-posted");
    let base = ["--protocol", f.as_str(), "--param", "BITS=8"];
    let ex = json(&[&["explore"][..], &base[..]].concat());
    assert_eq!(ex["min_cycles_exact"], "128");
    let cat = json(&[
        "explore",
        "--protocol",
        "rfc-v1",
        "--bits",
        "8",
        "--memory-model",
        "lkmm",
    ]);
    let lk = json(&[&["explore"][..], &base[..], &["--memory-model", "lkmm"][..]].concat());
    assert_eq!(lk["min_cycles_exact"], cat["min_cycles_exact"]);
    assert_eq!(lk["reorders"], true);

    let timing = ["--rate", "1e6", "--window", "exp:128us"];
    let an = json(&[&["analyze"][..], &base[..], &timing[..]].concat());
    assert_eq!(an["min_cycles_exact"], ex["min_cycles_exact"]);
    assert_eq!(an["period_cycles_exact"], "128");
    let p: f64 = an["p_false_positive_exact"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let sa = json(
        &[
            &["sample"][..],
            &base[..],
            &timing[..],
            &["--samples", "200000", "--seed", "7"][..],
        ]
        .concat(),
    );
    let fp = &sa["false_positive"];
    let (lo, hi) = (
        fp["ci_low"].as_f64().unwrap(),
        fp["ci_high"].as_f64().unwrap(),
    );
    // The 95% interval, widened to 99.9% by the ratio of the z values.
    let mid = fp["rate"].as_f64().unwrap();
    let k = 3.29 / 1.96;
    assert!(
        mid - k * (mid - lo) <= p && p <= mid + k * (hi - mid),
        "analyze {p} vs sample {mid} [{lo}, {hi}]"
    );
}

/// A three-word counter read naively tears at its low word's carry, as a
/// split counter does: explore gives 2^(A-1) at any width; analyze and a
/// sweep spec that names the file agree with it.
#[test]
fn a_three_word_counter_runs_through_explore_analyze_and_sweep() {
    let f = test_protocol("three-word");
    for (a, b, c) in [(4u32, 4u32, 4u32), (21, 21, 21), (8, 16, 20)] {
        let params = [format!("A={a}"), format!("B={b}"), format!("C={c}")];
        let mut args = vec!["explore", "--protocol", f.as_str()];
        for p in &params {
            args.extend(["--param", p.as_str()]);
        }
        let ex = json(&args);
        assert_eq!(
            ex["min_cycles_exact"],
            (1u64 << (a - 1)).to_string(),
            "{params:?}"
        );
        args[0] = "analyze";
        args.extend(["--rate", "1e6"]);
        let an = json(&args);
        assert_eq!(an["min_cycles_exact"], ex["min_cycles_exact"]);
    }
    let dir = tempdir();
    let spec = dir.path().join("user.toml");
    std::fs::write(
        &spec,
        format!(
            "name = \"user\"\ntitle = \"a user file\"\nseed = 1\nengines = [\"explore\", \"analyze\"]\n\
             memory_models = [\"sc\", \"lkmm\"]\nrates = [\"1e6\"]\nwindows = [\"exp:1ms\"]\n\
             [[protocols]]\nprotocol = {:?}\nparams = {{ A = 4, B = 4, C = 4 }}\n",
            f
        ),
    )
    .unwrap();
    let out = dir.path().join("out.csv");
    let o = seqwrap()
        .args([
            "sweep",
            spec.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    ok(&o);
    let csv = read(&out);
    let mins: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",explore,min_cycles,") || l.contains(",analyze,min_cycles,"))
        .collect();
    assert!(mins.len() >= 3, "{csv}");
    for l in &mins {
        assert!(l.contains("three-word"), "{l}");
        assert!(l.contains(",8,"), "min_cycles 2^(A-1) = 8: {l}");
    }
    assert!(csv.lines().any(|l| l.contains(",lkmm")), "{csv}");
}

/// `seqwrap litmus` exports a user file too (herd7's verdicts on these
/// files are checked in `herd_lkmm.rs`).
#[test]
fn a_user_file_exports_as_a_litmus_test() {
    let out = seqwrap()
        .args([
            "litmus",
            "--protocol",
            &test_protocol("rfc-as-posted"),
            "--param",
            "BITS=2",
            "--cycles",
            "2",
        ])
        .output()
        .unwrap();
    ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("C seqwrap-rfc-as-posted-BITS2-K2"),
        "{text}"
    );
    assert!(text.contains("smp_store_release"), "{text}");
    assert!(text.trim_end().ends_with("exists (1:fp=1)"), "{text}");
}

/// A user file's `[expect]` is a claim: analyze asks the explorer (a
/// plain counter claiming 5 cycles still needs 2^(W-1)); and a count on
/// the command line is a count (`2^7` is 128, not C's 2 XOR 7).
#[test]
fn a_user_files_claims_are_checked_and_counts_are_counts() {
    let dir = tempdir();
    let text = seqwrap::protocol::catalog::text("plain")
        .unwrap()
        .replace("name   = \"plain\"", "name   = \"claims\"")
        .replace("sc   = \"1 << (W - 1)\"", "sc   = \"5\"");
    assert!(text.contains("sc   = \"5\""));
    let f = dir.path().join("claims.toml");
    std::fs::write(&f, text).unwrap();
    let an = json(&[
        "analyze",
        "--protocol",
        f.to_str().unwrap(),
        "--param",
        "W=8",
        "--rate",
        "1e6",
    ]);
    assert_eq!(an["min_cycles_exact"], "128");
    let b = json(&[
        "explore",
        "--protocol",
        "bounded",
        "--bits",
        "8",
        "--max-window-cycles",
        "2^7",
    ]);
    assert_eq!(b["params"]["T"], "128");
    assert_eq!(b["min_cycles_exact"], "128");
}

/// `pick --protocol` judges a user's file against the same threat as the
/// recommendation, by the explorer under sc, tso and lkmm.
#[test]
fn pick_judges_a_user_file_against_the_threat() {
    // The RFC as posted ends its read section with an acquire load: under
    // lkmm the reader accepts after one writer cycle, at any width, so no
    // widening helps; under sc only the wrap, 2^(W-1).
    let v = json(&[
        "pick",
        "--adversarial",
        "--rate",
        "1e9",
        "--stall",
        "1ms",
        "--protocol",
        &test_protocol("rfc-as-posted"),
        "--param",
        "BITS=64",
    ]);
    let y = &v["yours"];
    assert_eq!(y["meets"], false, "{y}");
    assert!(y["widened"].is_null(), "{y}");
    let per = y["option"]["per_model"].as_array().unwrap();
    let min = |m: &str| {
        per.iter().find(|x| x["model"] == m).unwrap()["min_cycles_exact"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(min("lkmm"), "1");
    assert_eq!(min("sc"), (1u128 << 63).to_string());
    assert_eq!(min("tso"), (1u128 << 63).to_string());
    assert!(
        v["explanation"]
            .as_str()
            .unwrap()
            .contains("No width of BITS")
    );

    // Three words carried low first and read naively fall after 2^(A-1)
    // cycles (a reader stalled between its loads). 1e9/s held for 1 ms is
    // 1e6 cycles: A = 21 (2^20 = 1048576) is the first width that holds.
    let v = json(&[
        "pick",
        "--adversarial",
        "--rate",
        "1e9",
        "--stall",
        "1ms",
        "--protocol",
        &test_protocol("three-word"),
    ]);
    assert_eq!(v["yours"]["meets"], false);
    assert_eq!(v["yours"]["widened"], "A=21 B=21 C=21");
}

/// The explorer's widening of a catalog protocol agrees with the closed
/// form pick recommends from: 1e9/s held 35 s is 3.5e10 cycles, and
/// 2^35 < 3.5e10 <= 2^36, so 37 bits.
#[test]
fn pick_widens_a_protocol_to_the_width_it_recommends() {
    let v = json(&[
        "pick",
        "--adversarial",
        "--rate",
        "1e9",
        "--stall",
        "35s",
        "--protocol",
        "plain",
        "--bits",
        "32",
    ]);
    assert_eq!(v["bits_needed"], 37);
    assert_eq!(v["yours"]["meets"], false);
    assert_eq!(v["yours"]["widened"], "W=37");

    // A window: the three-word counter's wraps come every 2^47 cycles, far
    // beyond a 1 us window at 1e7/s.
    let v = json(&[
        "pick",
        "--window",
        "exp:1us",
        "--rate",
        "1e7",
        "--protocol",
        &test_protocol("three-word"),
    ]);
    assert_eq!(v["yours"]["meets"], true, "{}", v["yours"]);
    // About 1e7/s x 1us = 10 cycles against a period of 2^47: far below
    // a double, so the number is null and the exact text carries it.
    let exact = v["yours"]["p_exact"].as_str().unwrap();
    let exponent: u64 = exact.split("e-").nth(1).unwrap().parse().unwrap();
    assert!(exponent > 308, "{exact}");
    assert!(v["yours"]["p"].is_null(), "{}", v["yours"]);
}
