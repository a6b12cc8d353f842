//! The report's text is a pure function of its evidence: a saved
//! `report_evidence.json` (written by `seqwrap report` beside its CSVs)
//! renders the summary and the mail that run wrote, byte for byte, without
//! measuring anything.
//!
//! The fixture in `tests/fixtures/report/` is one real run's evidence, its
//! spec CSVs, and the `summary.md` and `mail.txt` it wrote then. A change
//! to the renderers that changes a byte of either fails here; a deliberate
//! change of the text regenerates the fixture from a new run (and says so
//! in its commit).

use std::path::PathBuf;

use seqwrap::report::{EVIDENCE_FILE, Evidence, render};

use crate::helpers::root;

fn dir() -> PathBuf {
    root().join("tests/fixtures/report")
}

fn fixture(name: &str) -> String {
    let p = dir().join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn evidence() -> Evidence {
    Evidence::load(&dir().join(EVIDENCE_FILE)).expect("the fixture loads")
}

/// Where two texts first differ, for a readable failure.
fn first_difference(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("line {}:\n  rendered: {x}\n  fixture:  {y}", i + 1);
        }
    }
    format!(
        "lengths differ: {} lines rendered, {} in the fixture",
        a.lines().count(),
        b.lines().count()
    )
}

#[test]
fn summary_renders_byte_identical_from_saved_evidence() {
    let got = render(&evidence()).summary;
    let want = fixture("summary.md");
    assert!(
        got == want,
        "summary.md differs: {}",
        first_difference(&got, &want)
    );
}

#[test]
fn mail_renders_byte_identical_from_saved_evidence() {
    let got = render(&evidence()).mail.text;
    let want = fixture("mail.txt");
    assert!(
        got == want,
        "mail.txt differs: {}",
        first_difference(&got, &want)
    );
}

#[test]
fn evidence_round_trips_through_json() {
    let e = evidence();
    assert!(
        e.specs.iter().all(|s| !s.rows.is_empty()),
        "every spec's rows are read from its CSV"
    );
    assert_eq!(e.to_json().unwrap(), fixture(EVIDENCE_FILE));
}
