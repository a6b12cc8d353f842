//! Shared helpers for the integration tests: the scheme matrix.

#![allow(dead_code)]

use seqwrap::scheme::{EpochWriteOrder, SchemeSpec, SplitRead, SplitWriteOrder};
use seqwrap::width::Width;

/// Every scheme variant whose total width is `t` bits: plain, guard,
/// bounded just below and at the wrap, and every split and epoch shape with
/// both read orders and both store orders.
pub fn schemes_of_width(t: u32) -> Vec<SchemeSpec> {
    let w = Width::new(t).expect("2..=64");
    let half = 1u64 << (t - 1);
    let mut v = vec![
        SchemeSpec::Plain { width: w },
        SchemeSpec::Guard { width: w },
        SchemeSpec::Bounded {
            width: w,
            max_window_cycles: half - 1,
        },
        SchemeSpec::Bounded {
            width: w,
            max_window_cycles: half,
        },
    ];
    for lo in 1..t {
        let hi = t - lo;
        for read in [SplitRead::Naive, SplitRead::HiLoHi] {
            for write_order in [SplitWriteOrder::LoFirst, SplitWriteOrder::HiFirst] {
                v.push(SchemeSpec::Split {
                    hi,
                    lo,
                    read,
                    write_order,
                });
            }
        }
    }
    for e in 1..t.saturating_sub(1) {
        let width = Width::new(t - e).expect("W >= 2");
        for write_order in [EpochWriteOrder::SeqFirst, EpochWriteOrder::EpochFirst] {
            v.push(SchemeSpec::Epoch {
                width,
                epoch_bits: e,
                write_order,
            });
        }
    }
    v
}

/// Bad input, as the CLI promises it: exit 2, nothing on stdout, no
/// panic, and `needle` named on stderr. Stderr is one line — except for
/// clap's own parse errors, which keep clap's whole message (an `error:`
/// line, then a tip and the usage line; issue 11), and must still start
/// with exactly one `error:` line.
pub fn assert_bad_input(out: &std::process::Output, what: &str, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {err}");
    assert!(
        out.stdout.is_empty(),
        "{what}: stdout {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(
        err.contains(needle),
        "{what}: {err:?} should name {needle:?}"
    );
    let lines: Vec<&str> = err.trim_end().lines().collect();
    assert!(lines[0].starts_with("error: "), "{what}: {err}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("error")).count(),
        1,
        "{what}: {err}"
    );
    if lines.len() > 1 {
        assert!(
            lines.iter().any(|l| l.starts_with("Usage: seqwrap"))
                || lines.last().is_some_and(|l| l.contains("--help")),
            "{what}: more than one line and not clap's usage: {err}"
        );
    }
}
