//! Cross-checks of the explorer (DESIGN §6): for every catalog entry at
//! small widths and under every memory model, brute force and the
//! accelerated jumps agree on the verdict and `min_cycles`, and both agree
//! with the closed form the description claims; weaker models never find
//! fewer false positives (every SC execution is a TSO one, every TSO one
//! an LKMM one); the user files outside the catalog behave the same way.

use num_bigint::BigUint;
use seqwrap::explore::{ExploreConfig, ExploreMode, Verdict, explore};
use seqwrap::memory::Model;
use seqwrap::protocol::Scheme;
use seqwrap::protocol::catalog::scheme;

/// (verdict, min_cycles) of one run.
fn run(s: &Scheme, mode: ExploreMode, model: Model) -> (Verdict, Option<BigUint>) {
    let mut c = ExploreConfig::new(s.clone());
    c.mode = mode;
    c.model = model;
    let r = explore(&c).unwrap_or_else(|e| panic!("{s} {model} {mode}: {e}"));
    (r.verdict, r.min_cycles)
}

/// Brute == accelerated, and == the closed form where the file states one;
/// returns the min (None: no false positive at all).
fn agree(s: &Scheme, model: Model) -> Option<BigUint> {
    let b = run(s, ExploreMode::Brute, model);
    let a = run(s, ExploreMode::Accelerated, model);
    assert_eq!(b, a, "{s} under {model}: brute vs accelerated");
    assert!(
        matches!(b.0, Verdict::FalsePositive | Verdict::NoneAtAll),
        "{s} {model}: {:?}",
        b.0
    );
    if let Some(expect) = s.expected_min_cycles(model.name()).unwrap() {
        assert_eq!(
            b.1, expect,
            "{s} under {model}: explorer vs the file's closed form"
        );
    }
    b.1
}

/// Weaker models allow every execution a stronger one does: a false
/// positive under SC is one under TSO and LKMM, and never a longer one.
fn monotone(s: &Scheme, mins: &[Option<BigUint>; 3]) {
    for w in mins.windows(2) {
        match (&w[0], &w[1]) {
            (Some(strong), Some(weak)) => assert!(weak <= strong, "{s}: {mins:?}"),
            (Some(_), None) => panic!("{s}: a weaker model lost a false positive: {mins:?}"),
            _ => {}
        }
    }
}

fn all_models(s: &Scheme) {
    let mins = Model::ALL.map(|m| agree(s, m));
    monotone(s, &mins);
}

#[test]
fn single_word_catalog_entries_at_2_to_12_bits() {
    for name in ["plain", "rfc-v1", "rfc-v2", "seqcount", "guard", "saturate"] {
        for w in 2..=12u32 {
            let s = scheme(name, &[("W", &w.to_string())]).unwrap();
            all_models(&s);
        }
    }
}

#[test]
fn bounded_around_its_period() {
    for w in [3u32, 6, 9, 12] {
        let half = 1u64 << (w - 1);
        for t in [half - 1, half, 2 * half] {
            let s = scheme("bounded", &[("W", &w.to_string()), ("T", &t.to_string())]).unwrap();
            all_models(&s);
        }
    }
}

#[test]
fn split_every_read_and_store_order() {
    let sizes: &[(u32, u32)] = &[
        (1, 1),
        (1, 2),
        (2, 1),
        (2, 2),
        (1, 4),
        (3, 3),
        (2, 4),
        (4, 2),
    ];
    for &(h, l) in sizes {
        for read in ["naive", "hi-lo-hi", "lo-hi-lo"] {
            for order in ["lo-first", "hi-first"] {
                let s = scheme(
                    "split",
                    &[
                        ("H", &h.to_string()),
                        ("L", &l.to_string()),
                        ("READ", read),
                        ("ORDER", order),
                    ],
                )
                .unwrap();
                all_models(&s);
            }
        }
    }
}

#[test]
fn split_without_barriers_under_lkmm() {
    for (h, l) in [(1u32, 2u32), (2, 2), (2, 3)] {
        for read in ["naive", "hi-lo-hi", "lo-hi-lo"] {
            for order in ["lo-first", "hi-first"] {
                for (wmb, rmb) in [("0", "1"), ("1", "0"), ("0", "0")] {
                    let s = scheme(
                        "split",
                        &[
                            ("H", &h.to_string()),
                            ("L", &l.to_string()),
                            ("READ", read),
                            ("ORDER", order),
                            ("WMB", wmb),
                            ("RMB", rmb),
                        ],
                    )
                    .unwrap();
                    all_models(&s);
                }
            }
        }
    }
}

#[test]
fn epoch_both_orders() {
    for (w, e) in [(2u32, 1u32), (2, 2), (3, 2), (3, 3), (4, 3), (5, 4)] {
        for order in ["seq-first", "epoch-first"] {
            let s = scheme(
                "epoch",
                &[
                    ("W", &w.to_string()),
                    ("E", &e.to_string()),
                    ("ORDER", order),
                ],
            )
            .unwrap();
            all_models(&s);
        }
    }
}

fn user_file(name: &str, params: &[(&str, &str)]) -> Scheme {
    let path = format!("{}/tests/protocols/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let d = seqwrap::protocol::catalog::load_file(std::path::Path::new(&path)).unwrap();
    let o: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Scheme::new(d, &o, "test").unwrap()
}

#[test]
fn the_rfc_pasted_as_a_user_file_behaves_as_the_catalogs() {
    for w in [2u32, 5, 8] {
        let u = user_file("rfc-as-posted", &[("BITS", &w.to_string())]);
        let c = scheme("rfc-v1", &[("W", &w.to_string())]).unwrap();
        for m in Model::ALL {
            assert_eq!(agree(&u, m), agree(&c, m), "W={w} {m}");
        }
    }
}

#[test]
fn a_three_word_counter_is_explored_exactly() {
    for (a, b, c) in [(2u32, 1u32, 1u32), (2, 2, 1), (3, 1, 2), (1, 2, 2)] {
        let s = user_file(
            "three-word",
            &[
                ("A", &a.to_string()),
                ("B", &b.to_string()),
                ("C", &c.to_string()),
            ],
        );
        assert!(
            s.shape().accel_blocker.is_none(),
            "{:?}",
            s.shape().accel_blocker
        );
        let min = agree(&s, Model::Sc);
        // A torn snapshot: w0 loaded before a carry, w1 and w2 after it;
        // w0 alone must then come back (2^(A-1) cycles), as for split naive.
        // With A = 1 every unlock carries; then the second digit decides.
        if a >= 2 {
            assert_eq!(min, Some(BigUint::from(1u64 << (a - 1))), "{a} {b} {c}");
        }
        all_models(&s);
    }
}
