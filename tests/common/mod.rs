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
