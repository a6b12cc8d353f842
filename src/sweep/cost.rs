//! What a scheme costs, as the CSV carries it (metric `scheme_cost`): read
//! off the description's program by [`crate::protocol::cost`] — the
//! reader's loads and fences per speculation, the writer's stores and
//! fences per cycle and what its rarer paths add — plus the description's
//! own note on what the program cannot show.

use crate::protocol::Scheme;

/// One line: `2 loads, 2 fences; writer 2 stores, 2 fences; ...`.
pub fn summary(s: &Scheme) -> String {
    let c = crate::protocol::cost::costs(s);
    match &c.note {
        Some(n) => format!("{}; also: {n}", c.summary()),
        None => c.summary(),
    }
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
