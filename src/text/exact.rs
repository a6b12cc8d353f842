//! Exact numbers as text: the decimal integers (`9223372034707292161`)
//! and scientific strings (`2.34645e-344`, `1e-17099555290`) the engines
//! write so nothing is rounded to an f64. Readers that want a float get
//! two safe views: [`Exact::as_f64`] (the nearest f64, or `None` where the
//! value does not fit one) and [`Exact::log10`] (always finite for a
//! non-zero value, whatever its exponent).
//!
//! Hand-written because no crate parses "decimal with an exponent beyond
//! i32" into a logarithm; the grammar is small: `[-]DIGITS[.DIGITS][e[+-]DIGITS]`.

/// A parsed exact number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exact {
    /// Sign.
    pub negative: bool,
    /// Whether every mantissa digit is zero.
    pub zero: bool,
    /// log10 of the magnitude; `-inf` for zero.
    pub log10: f64,
    /// The text as an integer, when it is one within ±2^53 (exactly
    /// representable as a JSON number).
    pub small_int: Option<i64>,
    /// Rust's nearest f64 of the text (0.0 or inf when out of range).
    nearest: f64,
}

/// Integers up to this magnitude are exact in an f64 (and in JSON readers
/// that use doubles).
pub const MAX_SAFE_INT: i64 = 1 << 53;

impl Exact {
    /// Parse `[-]DIGITS[.DIGITS][(e|E)[+-]DIGITS]`; anything else (`2^31`,
    /// `none-at-all`, `NaN`, empty) is `None`.
    pub fn parse(text: &str) -> Option<Exact> {
        let t = text.trim();
        let (negative, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (mant, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], Some(&body[i + 1..])),
            None => (body, None),
        };
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        // The exponent may exceed i64 in principle; beyond 1e300 a log10 is
        // meaningless in f64 anyway, so it is read as f64.
        let exp10: f64 = match exp {
            None => 0.0,
            Some(e) => {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                e.parse::<f64>().ok()?
            }
        };
        let digits: String = int.chars().chain(frac.chars()).collect();
        let lead = digits.trim_start_matches('0');
        let zero = lead.is_empty();
        let log10 = if zero {
            f64::NEG_INFINITY
        } else {
            // value = 0.DIGITS... scaled: lead has n digits, of which the
            // fraction held `frac.len()` positions.
            let n = lead.len() as f64;
            let head: String = lead.chars().take(17).collect();
            let head_v: f64 = head.parse().ok()?;
            let head_len = head.len() as f64;
            head_v.log10() + (n - head_len) - frac.len() as f64 + exp10
        };
        let small_int = if exp.is_none() && frac.is_empty() {
            t.parse::<i64>()
                .ok()
                .filter(|v| v.unsigned_abs() <= MAX_SAFE_INT as u64)
        } else {
            None
        };
        let nearest = t.parse::<f64>().unwrap_or(f64::NAN);
        Some(Exact {
            negative,
            zero,
            log10,
            small_int,
            nearest,
        })
    }

    /// The nearest f64, or `None` when it would be wrong rather than
    /// rounded: a non-zero value that underflows to 0 or overflows to
    /// infinity.
    pub fn as_f64(&self) -> Option<f64> {
        let v = self.nearest;
        if !v.is_finite() || (v == 0.0 && !self.zero) {
            None
        } else {
            Some(v)
        }
    }

    /// log10 of a positive value (`None` for zero and negatives).
    pub fn log10_positive(&self) -> Option<f64> {
        (!self.zero && !self.negative).then_some(self.log10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_values_keep_their_logarithm() {
        let e = Exact::parse("2.34645e-344").unwrap();
        assert_eq!(e.as_f64(), None, "underflows: no f64, not 0.0");
        let l = e.log10_positive().unwrap();
        assert!((l - (2.34645f64.log10() - 344.0)).abs() < 1e-12, "{l}");
        let huge = Exact::parse("1e-17099555290").unwrap();
        assert_eq!(huge.log10_positive(), Some(-17099555290.0));
    }

    #[test]
    fn integers_and_floats() {
        let big = Exact::parse("9223372034707292161").unwrap();
        assert_eq!(big.small_int, None);
        assert_eq!(big.as_f64(), Some(9223372034707292161f64));
        assert!((big.log10 - 9223372034707292161f64.log10()).abs() < 1e-12);
        let small = Exact::parse("2147483648").unwrap();
        assert_eq!(small.small_int, Some(2147483648));
        assert_eq!(Exact::parse("1.25e6").unwrap().as_f64(), Some(1.25e6));
        assert_eq!(Exact::parse("0.001").unwrap().log10, -3.0);
        assert!((Exact::parse("0012.5").unwrap().log10 - 12.5f64.log10()).abs() < 1e-15);
        let z = Exact::parse("0").unwrap();
        assert!(z.zero && z.as_f64() == Some(0.0) && z.log10_positive().is_none());
        assert!(Exact::parse("-3").unwrap().log10_positive().is_none());
        assert_eq!(Exact::parse("1e400").unwrap().as_f64(), None);
    }

    #[test]
    fn words_are_not_numbers() {
        for t in [
            "",
            "2^31",
            "none-at-all",
            "NaN",
            "inf",
            "1e",
            "e5",
            ".",
            "1.2.3",
            "-",
        ] {
            assert!(Exact::parse(t).is_none(), "{t}");
        }
    }
}
