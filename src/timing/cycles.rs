//! `rate × D` — the writer cycles a window of length D holds at a fixed
//! rate — kept exactly, and counts beyond 2^64 kept exactly where it
//! matters.
//!
//! A product of two f64 rounds to 53 bits: above 2^53 cycles the product
//! loses the units digit, above 2^60 it loses the residue modulo 128 that
//! decides a false positive of an 8-bit counter. But each f64 is a 53-bit
//! integer times a power of two, so the exact product is a 106-bit integer
//! times a power of two: [`Cycles::of`] keeps its integer part (below
//! 2^128 exactly, and always modulo 2^64) and its fraction. The counter's
//! period is a power of two of at most 2^63, so it divides 2^64 and the
//! residue is exact whatever the size.

/// `rate × D`, exactly (module docs). Invariants: `frac` in [0, 1);
/// `low == int mod 2^64` when `int` is known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cycles {
    /// The integer part, when it is below 2^128.
    pub int: Option<u128>,
    /// The integer part modulo 2^64 (always exact).
    pub low: u64,
    /// The fractional part (rounded to f64).
    pub frac: f64,
    /// The whole value rounded to f64 (may be +inf).
    pub approx: f64,
}

/// `(m, e)` with `v = m · 2^e` exactly, `m < 2^53`, for finite `v >= 0`.
fn decompose(v: f64) -> (u64, i32) {
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        (frac, -1074) // subnormal (or zero)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    }
}

impl Cycles {
    /// The exact product of two finite numbers >= 0.
    pub fn of(rate: f64, d: f64) -> Cycles {
        debug_assert!(rate.is_finite() && d.is_finite() && rate >= 0.0 && d >= 0.0);
        let (ma, ea) = decompose(rate);
        let (mb, eb) = decompose(d);
        let p = u128::from(ma) * u128::from(mb); // < 2^106
        let e = ea + eb;
        let approx = rate * d;
        if p == 0 {
            return Cycles {
                int: Some(0),
                low: 0,
                frac: 0.0,
                approx: 0.0,
            };
        }
        let bit_len = 128 - p.leading_zeros() as i32;
        if e >= 0 {
            // An integer: p shifted left; its low 64 bits depend only on
            // the low bits of p, so a wrapping shift gives them.
            let low = if e >= 64 {
                0
            } else {
                p.wrapping_shl(e as u32) as u64
            };
            let int = (bit_len + e <= 128).then(|| p << e);
            return Cycles {
                int,
                low,
                frac: 0.0,
                approx,
            };
        }
        let s = -e;
        if s >= 128 {
            // p < 2^106 <= 2^s: no integer part.
            return Cycles {
                int: Some(0),
                low: 0,
                frac: (p as f64) * 2f64.powi(-64) * 2f64.powi(e + 64),
                approx,
            };
        }
        let int = p >> s;
        let rem = p & ((1u128 << s) - 1);
        // rem < 2^s: the quotient is in [0, 1); two steps keep 2^-s finite.
        let frac = ((rem as f64) * 2f64.powi(-(s / 2))) * 2f64.powi(-(s - s / 2));
        Cycles {
            int: Some(int),
            low: int as u64,
            frac: frac.min(1.0 - f64::EPSILON / 2.0),
            approx,
        }
    }

    /// The value modulo `p` (a power of two <= 2^63), in [0, p): exact up
    /// to rounding the result to f64.
    pub fn rem(&self, p: u64) -> f64 {
        debug_assert!(p.is_power_of_two());
        (self.low & (p - 1)) as f64 + self.frac
    }

    /// `floor(value / p)` (p a power of two), when the value is below
    /// 2^128; `None` above.
    pub fn quot(&self, p: u64) -> Option<u128> {
        self.int.map(|i| i / u128::from(p))
    }
}

/// A count as [`crate::timing::TimedProtocol::classify`] reads it: `n`
/// itself when below 2^128, else `2^127 + (n mod 2^64)` — zero iff `n` is,
/// above every u64 cap iff `n` is, and congruent to `n` modulo 2^64.
pub fn count_repr(int: Option<u128>, low: u64) -> u128 {
    int.unwrap_or((1u128 << 127) | u128::from(low))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_products_match_f64() {
        for (a, b) in [
            (1e6, 128e-6),
            (5.35e6, 1e-3),
            (3.0, 0.5),
            (0.0, 7.0),
            (1e-300, 1e-300),
        ] {
            let c = Cycles::of(a, b);
            let v = a * b;
            let int = c.int.unwrap() as f64;
            assert!((int + c.frac - v).abs() <= 1e-12 * v.max(1e-300), "{a} {b}");
            assert!((0.0..1.0).contains(&c.frac));
        }
    }

    /// Against num-bigint's exact product of integer-valued f64s.
    fn exact(a: f64, b: f64) -> num_bigint::BigUint {
        use num_traits::FromPrimitive;
        num_bigint::BigUint::from_f64(a).unwrap() * num_bigint::BigUint::from_f64(b).unwrap()
    }

    #[test]
    fn huge_products_keep_their_residue() {
        use num_traits::ToPrimitive;
        // 1e20 = 2^20 5^20 exactly; times 1 s: a multiple of 2^20.
        let c = Cycles::of(1e20, 1.0);
        assert_eq!(c.int, Some(100_000_000_000_000_000_000));
        assert_eq!(c.rem(128), 0.0);
        let mask = num_bigint::BigUint::from(u64::MAX);
        for (a, b) in [
            // 3 x (2^70 + 2^18): f64 would round the 3 x 2^18 away.
            (3.0, 2f64.powi(70) + 2f64.powi(18)),
            (
                (2f64.powi(52) + 1.0) * 2f64.powi(8),
                (2f64.powi(52) + 3.0) * 2f64.powi(8),
            ),
            // beyond 2^128 with a residue that is not 0
            (
                (2f64.powi(52) + 1.0) * 2f64.powi(20),
                (2f64.powi(52) + 3.0) * 2f64.powi(20),
            ),
            (1e30, 3.15576e7),
            (f64::MAX, 3.0),
        ] {
            let c = Cycles::of(a, b);
            let want = exact(a, b);
            assert_eq!(
                u128::from(c.low),
                (&want & &mask).to_u128().unwrap(),
                "{a} {b}"
            );
            assert_eq!(c.int, want.to_u128(), "{a} {b}");
            assert_eq!(c.frac, 0.0);
        }
        // A fraction: 1e6 x 1.5e-6 = 1.5 (1.5e-6 is not exact in binary).
        let c = Cycles::of(1e6, 1.5e-6);
        assert_eq!(c.int, Some(1));
        assert!((c.frac - 0.5).abs() < 1e-9);
    }

    #[test]
    fn count_repr_keeps_what_classify_reads() {
        assert_eq!(count_repr(Some(5), 5), 5);
        let big = count_repr(None, 128);
        assert!(big > u128::from(u64::MAX) && big.is_multiple_of(128));
    }
}
