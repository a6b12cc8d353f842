//! `seqwrap stress` end to end: each protocol runs on real threads and
//! atomics following the explorer's shortest counterexample, and the false
//! positive is observed at exactly the count the protocol's closed form
//! states (theory, from its `[expect]` table, not numbers stress printed),
//! one cycle fewer is not one; safe protocols observe none over a whole
//! period; a counterexample that needs a reordering this CPU does not do
//! is reported as not reproducible here; the kernel probe reports rates.
//! Bad input to `stress` is in the table of `bad_input`.

use seqwrap::protocol::{Protocol, catalog};
use serde_json::Value;

use crate::helpers::{self, ok, ok_json, read, root, seqwrap, tempdir, test_protocol};

/// Keep the timed runs short in the test binary.
const QUICK: &[&str] = &["--timing-cycles", "2e4", "--timing-runs", "3", "--json"];

fn stress(args: &[&str]) -> Value {
    let out = seqwrap()
        .arg("stress")
        .args(args)
        .args(QUICK)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn protocol(name: &str, params: &[(&str, &str)]) -> Protocol {
    catalog::protocol(name, params).unwrap()
}

/// The protocol's closed form under the model the report replayed
/// (this CPU's), falling back to SC where the file states only that.
fn closed(v: &Value, s: &Protocol) -> Option<u64> {
    let model = v["model"].as_str().unwrap();
    let e = s
        .expected_min_cycles(model)
        .unwrap()
        .or_else(|| s.expected_min_cycles("sc").unwrap())
        .expect("catalog entries state their closed form");
    e.map(|m| u64::try_from(m).unwrap())
}

fn args_of(s: &Protocol) -> Vec<String> {
    let mut a = vec!["--protocol".to_string(), s.name().to_string()];
    for p in s.params() {
        a.push("--param".into());
        a.push(format!("{}={}", p.name, p.text));
    }
    a
}

fn run_protocol(s: &Protocol, extra: &[&str]) -> Value {
    let mut a = args_of(s);
    a.extend(extra.iter().map(|x| x.to_string()));
    let refs: Vec<&str> = a.iter().map(String::as_str).collect();
    stress(&refs)
}

/// A false positive observed at exactly `want` cycles, measured from the
/// data's versions; the same schedule one cycle shorter does not accept
/// changed data (so the count is exact, not merely enough).
fn assert_fp_count(v: &Value, want: u64) {
    assert_eq!(v["false_positive_observed"], true, "{v}");
    assert_eq!(v["observed_at_cycles"].as_u64(), Some(want), "{v}");
    let replays = v["replays"].as_array().unwrap();
    let fp = replays
        .iter()
        .find(|r| r["outcome"] == "false-positive")
        .unwrap();
    assert_eq!(fp["followed"], true, "{v}");
    let d = fp["data"].as_array().unwrap();
    assert_ne!(d[0], d[1], "the reader accepted changed data: {v}");
    if want > 1 {
        let fewer: Vec<_> = replays
            .iter()
            .filter(|r| r["window_cycles"].as_u64() == Some(want - 1))
            .collect();
        assert_eq!(fewer.len(), 1, "one cycle fewer was replayed: {v}");
        assert_ne!(fewer[0]["outcome"], "false-positive", "{v}");
    }
    assert!(v["ns_per_cycle"].as_f64().unwrap() > 0.0);
    assert!(v["note"].as_str().unwrap().contains("(agrees)"), "{v}");
}

fn assert_none(v: &Value, s: &Protocol) {
    assert_eq!(v["false_positive_observed"], false, "{s}: {v}");
    assert_eq!(v["observed_at_cycles"], Value::Null, "{s}: {v}");
    assert_eq!(v["explore_min_cycles"], Value::Null, "{s}: {v}");
    for r in v["replays"].as_array().unwrap() {
        assert_ne!(r["outcome"], "false-positive", "{s}: {v}");
    }
}

/// Every runnable catalog shape at 8 bits (16 for plain), against its
/// closed form: the wrap, the torn reads of the two-word counters, the
/// epoch's store orders, and the protocols with none at all.
#[test]
fn catalog_false_positives_are_observed_at_the_closed_form() {
    let mut cases = vec![
        protocol("plain", &[("W", "8")]),
        protocol("plain", &[("W", "16")]),
        protocol("rfc-v2", &[("W", "8")]),
        protocol("seqcount", &[("W", "8")]),
        protocol("epoch", &[("W", "4"), ("E", "2"), ("ORDER", "seq-first")]),
        protocol("epoch", &[("W", "4"), ("E", "2"), ("ORDER", "epoch-first")]),
        protocol("epoch", &[("W", "6"), ("E", "3"), ("ORDER", "epoch-first")]),
    ];
    for read in ["naive", "hi-lo-hi", "lo-hi-lo"] {
        for order in ["lo-first", "hi-first"] {
            cases.push(protocol(
                "split",
                &[("H", "4"), ("L", "4"), ("READ", read), ("ORDER", order)],
            ));
        }
    }
    cases.push(protocol(
        "split",
        &[
            ("H", "3"),
            ("L", "1"),
            ("READ", "naive"),
            ("ORDER", "hi-first"),
        ],
    ));
    for s in &cases {
        let v = run_protocol(s, &[]);
        let want = closed(&v, s).unwrap_or_else(|| panic!("{s} has a false positive"));
        assert_eq!(
            v["explore_min_cycles_exact"].as_str(),
            Some(want.to_string().as_str()),
            "{s}"
        );
        assert_fp_count(&v, want);
    }
}

#[test]
fn two_writers_still_wrap_at_the_closed_form() {
    let s = protocol("plain", &[("W", "10")]);
    let v = run_protocol(&s, &["--writers", "2"]);
    assert_eq!(v["writers"], 2);
    assert_fp_count(&v, closed(&v, &s).unwrap());
}

/// guard, saturate and bounded (T below the period) have no false
/// positive: the reader parked over a whole period of the counter ends
/// without accepting changed data; the guard's writer waited for it.
#[test]
fn safe_protocols_observe_none_over_a_whole_period() {
    let guard = protocol("guard", &[("W", "8")]);
    let v = run_protocol(&guard, &[]);
    assert_none(&v, &guard);
    assert_eq!(closed(&v, &guard), None);
    let r = &v["replays"][0];
    assert_eq!(r["grace_period_waited"], true, "{v}");
    assert_eq!(r["outcome"], "retry", "{v}");
    for s in [
        protocol("saturate", &[("W", "8")]),
        protocol("bounded", &[("W", "8")]),
    ] {
        let v = run_protocol(&s, &[]);
        assert_eq!(closed(&v, &s), None, "{s}");
        assert_none(&v, &s);
    }
}

/// rfc-v1's ordering bug needs load-load and store-store reordering: on
/// x86-TSO the explorer and the hardware agree on the wrap alone, and the
/// report says the LKMM counterexample is not reproducible here.
#[cfg(target_arch = "x86_64")]
#[test]
fn an_lkmm_only_counterexample_is_reported_not_reproducible_on_x86() {
    let s = protocol("rfc-v1", &[("W", "8")]);
    let v = run_protocol(&s, &[]);
    assert_eq!(v["model"], "tso");
    assert_fp_count(&v, closed(&v, &s).unwrap());
    assert_eq!(closed(&v, &s), Some(128));
    let why = v["not_reproducible"]
        .as_str()
        .unwrap_or_else(|| panic!("{v}"));
    let lkmm = s.expected_min_cycles("lkmm").unwrap().unwrap().unwrap();
    assert!(why.contains(&format!("only {lkmm} cycle")), "{why}");
    assert!(
        why.contains("x86-TSO forbids it: not reproducible here"),
        "{why}"
    );
    // rfc-v2 (after review) has no such note.
    let v = run_protocol(&protocol("rfc-v2", &[("W", "8")]), &[]);
    assert_eq!(v["not_reproducible"], Value::Null, "{v}");
}

/// The two user files run on hardware too; with no closed form in them,
/// the count to observe is the one `seqwrap explore` (another engine)
/// prints for the same file under this CPU's model.
#[test]
fn user_protocol_files_are_observed_at_the_explorers_count() {
    for (name, params) in [
        ("rfc-as-posted", vec!["BITS=8"]),
        ("three-word", vec!["A=3", "B=2", "C=2"]),
    ] {
        let mut a = vec!["--protocol".to_string(), test_protocol(name)];
        for p in &params {
            a.push("--param".into());
            a.push(p.to_string());
        }
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let v = stress(&refs);
        let model = v["model"].as_str().unwrap().to_string();
        let out = seqwrap()
            .arg("explore")
            .args(&refs)
            .args(["--memory-model", &model, "--json"])
            .output()
            .unwrap();
        let e = ok_json(&out);
        let want: u64 = e["min_cycles_exact"].as_str().unwrap().parse().unwrap();
        assert_fp_count(&v, want);
    }
}

/// `seqwrap stress --kernel ...` with the rate cache pointed at a
/// temporary directory (tests never write into the checkout or the user's
/// cache) and run from another temporary directory.
#[cfg(target_os = "linux")]
fn kernel(args: &[&str], cache: &std::path::Path, cwd: &std::path::Path) -> std::process::Output {
    seqwrap()
        .arg("stress")
        .arg("--kernel")
        .args(args)
        .env("SEQWRAP_CACHE_DIR", cache)
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// The table: cells per op and thread count with median inside the
/// spread, the speedup against one thread, munmap(1, 0)'s errno, the
/// tracepoint check (or the reason it could not run), and the cache
/// written where SEQWRAP_CACHE_DIR says, nothing in the working directory.
#[cfg(target_os = "linux")]
#[test]
fn kernel_table_reports_rates_spread_check_and_cache() {
    let cache = tempdir();
    let cwd = tempdir();
    let v = ok_json(&kernel(
        &[
            "--op",
            "munmap-null,madvise",
            "--threads",
            "1..2",
            "--duration",
            "60ms",
            "--runs",
            "3",
            "--json",
        ],
        cache.path(),
        cwd.path(),
    ));
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4);
    for c in cells {
        let s = &c["spread"];
        let f = |k: &str| s[k].as_f64().unwrap();
        assert!(f("min") <= f("q1") && f("q1") <= f("median") && f("median") <= f("q3"));
        assert!(f("q3") <= f("max") && f("min") > 0.0);
        assert_eq!(s["runs"], 3);
        let rate = f("median");
        let w32 = c["wrap_s_32"].as_f64().unwrap();
        assert!((w32 * rate / 2f64.powi(31) - 1.0).abs() < 1e-9);
        let w64 = c["wrap_s_64"].as_f64().unwrap();
        assert!((w64 / w32 / 2f64.powi(32) - 1.0).abs() < 1e-9);
    }
    assert_eq!(cells[0]["op"], "munmap-null");
    assert_eq!(cells[1]["threads"], 2);
    let sp = cells[1]["speedup_vs_1_thread"].as_f64().unwrap();
    let ratio = cells[1]["spread"]["median"].as_f64().unwrap()
        / cells[0]["spread"]["median"].as_f64().unwrap();
    assert!((sp / ratio - 1.0).abs() < 1e-9);
    assert_eq!(v["munmap_errno"], "EINVAL");
    for r in v["verification"].as_array().unwrap() {
        match r["status"].as_str().unwrap() {
            "verified" => {
                let net = r["write_acquisitions"].as_u64().unwrap()
                    - r["control_acquisitions"].as_u64().unwrap();
                assert_eq!(net, r["calls"].as_u64().unwrap());
            }
            "not-verified" => {
                helpers::skip(
                    "tracefs",
                    &format!("tracepoint check not run here: {}", r["reason"]),
                );
                assert!(!r["reason"].as_str().unwrap().is_empty());
            }
            other => panic!("{other}: {r}"),
        }
    }
    let csv = read(cache.path().join("measured_rates.csv"));
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
    assert!(csv.lines().next().unwrap().contains("rate_q1"));
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
}

#[cfg(target_os = "linux")]
#[test]
fn kernel_text_names_the_errno_the_check_and_the_wrap_times() {
    let cache = tempdir();
    let out = kernel(
        &[
            "--op",
            "munmap-null,mprotect",
            "--duration",
            "30ms",
            "--threads",
            "2",
            "--runs",
            "3",
            "--no-cache",
        ],
        cache.path(),
        cache.path(),
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for want in [
        "cycles/s",
        "2^31",
        "2^63",
        "EINVAL",
        "tracepoint check",
        "not recorded",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);
}

/// `--rate measured:kernel` from a directory without data/ creates nothing
/// there and reuses the user cache (here a temporary one) on a second run.
#[cfg(target_os = "linux")]
#[test]
fn measured_rates_live_in_the_user_cache_not_the_working_directory() {
    let cache = tempdir();
    let cwd = tempdir();
    let analyze = || {
        seqwrap()
            .args(["analyze", "--protocol", "plain", "--bits", "i32"])
            .args(["--rate", "measured:kernel", "--json"])
            .env("SEQWRAP_CACHE_DIR", cache.path())
            .current_dir(cwd.path())
            .output()
            .unwrap()
    };
    let a = ok_json(&analyze());
    let b = ok_json(&analyze());
    assert_eq!(
        a["time_to_fp_s"], b["time_to_fp_s"],
        "the second run reuses the cache"
    );
    assert_eq!(std::fs::read_dir(cwd.path()).unwrap().count(), 0);
    let csv = read(cache.path().join("measured_rates.csv"));
    assert_eq!(csv.lines().count(), 2, "{csv}");
}

/// `--machine`: every field of the model with a source, the stall table
/// with a citation per row, text within 72 columns.
#[cfg(target_os = "linux")]
#[test]
fn machine_model_and_stall_table_print() {
    let d = tempdir();
    let out = kernel(&["--machine"], d.path(), d.path());
    ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("model in force") && text.contains("rcu_read_lock()"));
    assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
    let v = ok_json(&kernel(&["--machine", "--json"], d.path(), d.path()));
    for (k, f) in v["machine"].as_object().unwrap() {
        assert!(!f["source"].as_str().unwrap().is_empty(), "{k}");
    }
    let rows = v["rows"].as_array().unwrap();
    assert!(rows.len() >= 8);
    for r in rows {
        assert!(!r["row"]["sources"].as_array().unwrap().is_empty(), "{r}");
        assert!(["yes", "no", "unknown"].contains(&r["here"]["applies"].as_str().unwrap()));
    }
}

/// `--observe` with the generated cargo build: where tracefs can be used the
/// workload is named, completes, and its processes' write locks are counted;
/// where it cannot, the report says "not available" and why.
#[cfg(target_os = "linux")]
#[test]
fn observe_counts_a_workloads_write_locks_or_says_why_not() {
    let d = tempdir();
    let v = ok_json(&kernel(
        &[
            "--observe",
            "120",
            "--workload",
            "cargo-build",
            "--workload-size",
            "quick",
            "--json",
        ],
        d.path(),
        d.path(),
    ));
    if v["available"] == false {
        helpers::skip(
            "tracefs",
            &format!("observation not available here: {}", v["reason"]),
        );
        assert!(!v["reason"].as_str().unwrap().is_empty());
        assert_eq!(v["workload"], Value::Null);
        return;
    }
    let w = &v["workload"];
    assert_eq!(w["completed"], true, "{w}");
    assert!(
        w["name"]
            .as_str()
            .unwrap()
            .contains("cargo build --offline")
    );
    assert!(v["workload_acquisitions"].as_u64().unwrap() > 0, "{v}");
    assert!(
        v["total_acquisitions"].as_u64().unwrap() >= v["workload_acquisitions"].as_u64().unwrap()
    );
    let listed = v["mms"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .any(|m| m["in_workload"] == true && m["process"] != Value::Null)
    );
}

/// 2^31 real lock/unlock cycles: run with
/// `cargo test --release --test it -- --ignored stress_cli::` (about 30 s).
#[test]
#[ignore]
fn plain_i32_observes_the_false_positive_at_2_pow_31() {
    let s = protocol("plain", &[("W", "32")]);
    let v = run_protocol(&s, &[]);
    assert_fp_count(&v, closed(&v, &s).unwrap());
}

/// The syscalls are the only unsafe code. The crate root denies
/// `unsafe_code`, so an `allow(unsafe_code)` is the only way in: it must
/// appear in `src/host/sys.rs` and `src/stress/uffd.rs` and nowhere else,
/// and every unsafe block there carries a SAFETY comment.
#[test]
fn unsafe_lives_only_in_the_syscall_modules() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = root();
    let lib = read(root.join("src/lib.rs"));
    assert!(lib.contains("#![deny(unsafe_code)]"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    // The probe's syscalls, and the userfaultfd ioctls.
    let syscalls = [
        root.join("src/host/sys.rs"),
        root.join("src/stress/uffd.rs"),
    ];
    for f in files {
        let text = read(&f);
        let allows = text.contains("allow(unsafe_code)");
        assert_eq!(allows, syscalls.contains(&f), "{}", f.display());
    }
    for f in &syscalls {
        let text = read(f);
        let blocks = text.matches("unsafe {").count();
        assert!(blocks > 0);
        assert_eq!(
            text.matches("// SAFETY:").count(),
            blocks,
            "{}: one SAFETY comment per unsafe block",
            f.display()
        );
    }
}
