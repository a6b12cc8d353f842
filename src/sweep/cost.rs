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
            format!(
                "retry windows > {} cycles",
                pow2_text(&max_window_cycles.to_string())
            )
        }
    }
}

/// One line: `2 loads; writer: none`.
pub fn summary(s: &SchemeSpec) -> String {
    format!("{} loads; writer: {}", reader_loads(s), writer_extra(s))
}

/// A cycle count near a power of two in its exact short form: `2^31`,
/// `2^63-2^31+1`, `2^31-1`; other counts as decimal. Exact, so a table can
/// show 9223372034707292161 in 11 columns.
pub fn pow2_text(dec: &str) -> String {
    let Ok(v) = dec.trim().parse::<u128>() else {
        return dec.to_string();
    };
    if v == 0 {
        return "0".into();
    }
    if v.is_power_of_two() {
        return format!("2^{}", v.trailing_zeros());
    }
    // v = 2^k - 2^j + c with c in {0, 1, -1}.
    let k = 128 - v.leading_zeros();
    if k < 128 {
        let d = (1u128 << k) - v;
        for (c, tail) in [(0i128, ""), (1, "+1"), (-1, "-1")] {
            let m = d as i128 + c;
            if m > 0 && (m as u128).is_power_of_two() {
                let j = (m as u128).trailing_zeros();
                return if j == 0 {
                    format!("2^{k}-1{tail}")
                        .replace("-1+1", "")
                        .replace("-1-1", "-2")
                } else {
                    format!("2^{k}-2^{j}{tail}")
                };
            }
        }
    }
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::pow2_text;

    #[test]
    fn near_powers_of_two_read_exactly() {
        assert_eq!(pow2_text("2147483648"), "2^31");
        assert_eq!(pow2_text("2147483647"), "2^31-1");
        assert_eq!(pow2_text("9223372034707292161"), "2^63-2^31+1");
        assert_eq!(pow2_text("9223372034707292160"), "2^63-2^31");
        assert_eq!(pow2_text("121"), "2^7-2^3+1");
        assert_eq!(pow2_text("100"), "100");
    }
}
