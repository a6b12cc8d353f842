//! Numbers as the tables, plots and CSV readers show them: a value read
//! from a CSV's text, exact cycle counts in their short power-of-two form.

/// A number from a CSV value: plain floats, and integers beyond f64's exact
/// range (2^63) approximated for drawing only.
pub fn num(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// log2 of a decimal integer string (exact enough to draw; the value
/// itself stays exact in the CSV).
pub fn log2_dec(s: &str) -> Option<f64> {
    num(s).filter(|v| *v > 0.0).map(f64::log2)
}

/// A cycle count as tables print it: small counts in decimal (`1`, `8`),
/// counts near a power of two in their exact short form (`2^31`,
/// `2^63-2^31+1`; [`pow2_text`]).
pub fn cycles_text(dec: &str) -> String {
    match dec.trim().parse::<u128>() {
        Ok(v) if v < 1024 => v.to_string(),
        _ => pow2_text(dec),
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
