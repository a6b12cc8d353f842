//! `seqwrap sample` from the outside: JSON fields, and the same bytes for a
//! seed whatever the thread count (its bad input is in the table of
//! `bad_input`).

use crate::helpers::{ok, seqwrap};

pub(crate) const BASE: [&str; 9] = [
    "sample",
    "--protocol",
    "plain",
    "--bits",
    "8",
    "--rate",
    "1e6",
    "--window",
    "exp:128us",
];

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
