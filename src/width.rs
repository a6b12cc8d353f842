//! Counter widths: the presets of the mailing-list thread and any N in 2..=64.
//!
//! Signedness does not change equality, and the kernel builds with
//! `-fwrapv`-style wrapping signed overflow, so `i32` behaves exactly like a
//! 32-bit unsigned counter mod 2^32 for everything seqwrap checks.

use std::fmt;
use std::str::FromStr;

/// A counter width in bits, `2 <= bits <= 64`.
///
/// Invariant: `MIN_BITS <= self.bits() <= MAX_BITS`; every constructor checks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Width(u32);

/// The smallest width: one parity bit plus one counting bit.
pub const MIN_BITS: u32 = 2;
/// The widest counter a 64-bit machine stores atomically.
pub const MAX_BITS: u32 = 64;

/// What `--bits` accepts, for error messages.
pub const WIDTH_ALLOWED: &str = "i8, i16, i32, u64 or an integer 2..=64";

impl Width {
    /// A width of `bits` bits, or `None` outside `2..=64`.
    pub fn new(bits: u32) -> Option<Width> {
        (MIN_BITS..=MAX_BITS).contains(&bits).then_some(Width(bits))
    }

    /// Number of bits.
    pub fn bits(self) -> u32 {
        self.0
    }

    /// `2^bits - 1`: the mask that makes arithmetic wrap as hardware does.
    pub fn mask(self) -> u64 {
        mask(self.0)
    }

    /// The preset name when there is one (`i8`, `i16`, `i32`, `u64`).
    pub fn preset(self) -> Option<&'static str> {
        match self.0 {
            8 => Some("i8"),
            16 => Some("i16"),
            32 => Some("i32"),
            64 => Some("u64"),
            _ => None,
        }
    }
}

/// `2^bits - 1` for `bits` in `0..=64`.
pub fn mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

impl fmt::Display for Width {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.preset() {
            Some(p) => write!(f, "{p}"),
            None => write!(f, "{}", self.0),
        }
    }
}

impl FromStr for Width {
    type Err = String;

    /// Accepts the presets (`i8`, `i16`, `i32`, `u64`, also `u8`..`i64`) and
    /// plain integers 2..=64.
    fn from_str(s: &str) -> Result<Width, String> {
        let t = s.trim();
        let bits = match t {
            "i8" | "u8" => Some(8),
            "i16" | "u16" => Some(16),
            "i32" | "u32" => Some(32),
            "i64" | "u64" => Some(64),
            _ => t.parse::<u32>().ok(),
        };
        bits.and_then(Width::new)
            .ok_or_else(|| format!("'{s}' is not a width; allowed: {WIDTH_ALLOWED}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_and_numbers_parse() {
        assert_eq!("i8".parse::<Width>().unwrap().bits(), 8);
        assert_eq!("i32".parse::<Width>().unwrap().bits(), 32);
        assert_eq!("u64".parse::<Width>().unwrap().bits(), 64);
        assert_eq!("2".parse::<Width>().unwrap().bits(), 2);
        assert_eq!("64".parse::<Width>().unwrap().mask(), u64::MAX);
        assert_eq!("12".parse::<Width>().unwrap().mask(), 0xfff);
    }

    #[test]
    fn out_of_range_and_garbage_are_rejected() {
        for bad in ["0", "1", "65", "x", "", "-3", "i128"] {
            let e = bad.parse::<Width>().unwrap_err();
            assert!(e.contains("2..=64"), "{e}");
        }
    }
}
