//! What a scheme costs, read off its step list (DESIGN.md, issue 2): the
//! loads a reader makes per speculation when nothing retries, and what the
//! writer does beyond the plain scheme's two stores per cycle. These are
//! properties of the scheme's definition, not measurements; the CSV rows
//! carry them as metric `scheme_cost` so plots and the summary can show a
//! fix's price beside the explorer's verdict.

use crate::scheme::{SchemeSpec, SplitRead};

/// Reader loads per speculation (begin + end, no retry).
pub fn reader_loads(s: &SchemeSpec) -> u32 {
    match s {
        SchemeSpec::Plain { .. } | SchemeSpec::Guard { .. } | SchemeSpec::Bounded { .. } => 2,
        // lo, hi at begin and at end.
        SchemeSpec::Split {
            read: SplitRead::Naive,
            ..
        } => 4,
        // hi, lo, hi at begin and at end.
        SchemeSpec::Split {
            read: SplitRead::HiLoHi,
            ..
        } => 6,
        // epoch, seq at begin; seq, epoch at end.
        SchemeSpec::Epoch { .. } => 4,
    }
}

/// The writer's extra work, in words: `none`, `+1 store per 2^15 cycles`,
/// `grace period per 2^31 cycles`, or the reader's retry rule for bounded.
pub fn writer_extra(s: &SchemeSpec) -> String {
    match s {
        SchemeSpec::Plain { .. } => "none".into(),
        SchemeSpec::Split { lo, .. } => format!("+1 store per 2^{} cycles", lo - 1),
        SchemeSpec::Epoch { width, .. } => format!("+1 store per 2^{} cycles", width.bits() - 1),
        SchemeSpec::Guard { width } => format!("grace period per 2^{} cycles", width.bits() - 1),
        SchemeSpec::Bounded {
            max_window_cycles, ..
        } => {
            format!("retry windows > {max_window_cycles} cycles")
        }
    }
}

/// One line: `2 loads; writer: none`.
pub fn summary(s: &SchemeSpec) -> String {
    format!("{} loads; writer: {}", reader_loads(s), writer_extra(s))
}
