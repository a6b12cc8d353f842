//! `seqwrap analyze` from the outside: a measured rate, JSON fields, tiny
//! numbers (its bad input is in the table of `bad_input`).

use crate::helpers::{json, ok_json, seqwrap_in, tempdir};

const PLAIN: [&str; 5] = ["analyze", "--protocol", "plain", "--bits", "i32"];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    PLAIN.iter().copied().chain(extra.iter().copied()).collect()
}

/// A measured rate is usable wherever a rate is (DESIGN §3.4: the kernel's rate turns cycles into time): on Linux the
/// short kernel measurement runs (or a cached one is reused).
///
/// Run in a temporary directory with HOME and XDG_CACHE_HOME pointing into
/// it, so the rate cache (`./data/measured_rates.csv` today, a per-user
/// cache directory once it moves) is never the checkout's or the user's.
#[cfg(target_os = "linux")]
#[test]
fn measured_kernel_rate_is_a_rate() {
    let d = tempdir();
    let out = seqwrap_in(d.path())
        .args([
            "analyze",
            "--protocol",
            "plain",
            "--bits",
            "i32",
            "--rate",
            "measured:kernel",
            "--json",
        ])
        .output()
        .unwrap();
    let v = ok_json(&out);
    let t = v["time_to_fp_s"].as_f64().unwrap();
    // 2^31 cycles at some real rate between 1e4 and 1e9 cycles/s.
    assert!(t > 2.0 && t < 2.2e5, "{t}");
}

#[test]
fn json_has_the_contract_fields() {
    let v = json(&with(&[
        "--rate",
        "5.35e6",
        "--window",
        "lognormal:2us,1ms",
        "--fleet",
        "1e6,1000,5",
    ]));
    // Numbers as numbers, exact values beside them (export::json).
    assert_eq!(v["min_cycles"], 2147483648u64);
    assert_eq!(v["min_cycles_exact"], "2147483648");
    assert_eq!(v["seqwrap_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["command"], "analyze");
    let t = v["time_to_fp_s"].as_f64().unwrap();
    assert!((t - 2147483648.0 / 5.35e6).abs() < 1e-9 * t);
    let p = v["p_false_positive_exact"].as_str().unwrap();
    let l10 = v["log10_p_false_positive"].as_f64().unwrap();
    let parsed: f64 = p.parse().unwrap();
    assert!((parsed.log10() - l10).abs() < 1e-5, "{p} vs {l10}");
    assert_eq!(v["p_false_positive"].as_f64(), Some(parsed));
    for k in [
        "p_retry",
        "p_abort",
        "p_accept",
        "fleet_expected",
        "fleet_p_any",
    ] {
        assert!(v[k].is_number(), "{k}: {v}");
        let exact: f64 = v[format!("{k}_exact")].as_str().unwrap().parse().unwrap();
        assert_eq!(v[k].as_f64(), Some(exact), "{k}");
    }
    // expected = speculations x p
    let e: f64 = v["fleet_expected"].as_f64().unwrap();
    let s = 1e6 * 1000.0 * 5.0 * 365.25 * 86400.0;
    assert!((e - s * parsed).abs() < 1e-4 * e, "{e} vs {}", s * parsed);
}

#[test]
fn probabilities_far_below_f64_keep_their_exponent() {
    // u64 counter, 1 us windows at 5.35e6/s: P(N = 2^63) for a Poisson
    // count of mean 5.35, about 10^-(1.6e20): printed, never 0.
    let v = json(&[
        "analyze",
        "--protocol",
        "plain",
        "--bits",
        "u64",
        "--rate",
        "5.35e6",
        "--window",
        "fixed:1us",
    ]);
    let l10 = v["log10_p_false_positive"].as_f64().unwrap();
    // ln P = 2^63 ln 5.35 - 5.35 - ln Γ(2^63 + 1) ≈ -2^63 (ln 2^63 - 1 - ln 5.35)
    let n = 2f64.powi(63);
    let want = -n * (n.ln() - 1.0 - 5.35f64.ln()) / std::f64::consts::LN_10;
    assert!((l10 - want).abs() < 1e-12 * want.abs(), "{l10} vs {want}");
    let s = v["p_false_positive_exact"].as_str().unwrap();
    assert!(s.starts_with("1e-1") && s.len() > 20, "{s}");
    // Below f64: no number (never a silent 0.0), the exact text beside it.
    assert!(v["p_false_positive"].is_null(), "{v}");
    // guard: an exact, explained 0
    let g = json(&[
        "analyze",
        "--protocol",
        "guard",
        "--bits",
        "8",
        "--rate",
        "1e6",
        "--window",
        "exp:1ms",
    ]);
    assert_eq!(g["p_false_positive"], 0);
    assert_eq!(g["p_false_positive_exact"], "0");
    assert!(g["log10_p_false_positive"].is_null());
    assert!(
        g["p_false_positive_zero_reason"]
            .as_str()
            .unwrap()
            .contains("guard")
    );
    assert!(g["min_cycles"].is_null() && g["time_to_fp_s"].is_null());
}
