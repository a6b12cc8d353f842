//! The scheme catalog as data: which scheme, with which parameters.
//!
//! A [`SchemeSpec`] is what the CLI, the spec files and every engine agree
//! on. It is validated once, here; engines may rely on its invariants.

use std::collections::BTreeMap;
use std::fmt;

use num_bigint::BigUint;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::width::Width;

/// How a `split` reader loads the two words of its counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitRead {
    /// Low word then high word, once at begin and once at end.
    Naive,
    /// High, low, high; re-read all three while the two high loads differ.
    HiLoHi,
}

/// In which order a `split` writer stores the words when the low word carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitWriteOrder {
    /// Store the wrapped low word, then the incremented high word (default).
    LoFirst,
    /// Store the incremented high word, then the wrapped low word.
    HiFirst,
}

/// In which order an `epoch` writer stores seq and epoch when seq wraps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EpochWriteOrder {
    /// Store the wrapped seq, then the bumped epoch (default).
    SeqFirst,
    /// Store the bumped epoch, then the wrapped seq.
    EpochFirst,
}

/// One scheme of the catalog with its parameters. Invariants (checked by
/// [`SchemeSpec::from_flags`] and the constructors): every counter word is
/// 1..=64 bits and a scheme's total width is 2..=64 bits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SchemeSpec {
    /// The RFC: one W-bit counter, +1 at lock, +1 at unlock.
    Plain {
        /// Counter width.
        width: Width,
    },
    /// An (H+L)-bit counter kept as two words, as on a 32-bit kernel.
    Split {
        /// Bits of the high word.
        hi: u32,
        /// Bits of the low word.
        lo: u32,
        /// Reader load order.
        read: SplitRead,
        /// Writer store order on a carry.
        write_order: SplitWriteOrder,
    },
    /// W-bit seq plus an E-bit epoch bumped whenever seq wraps.
    Epoch {
        /// Width of seq.
        width: Width,
        /// Bits of the epoch word.
        epoch_bits: u32,
        /// Writer store order at the wrap.
        write_order: EpochWriteOrder,
    },
    /// The writer waits for a grace period before seq may wrap.
    Guard {
        /// Counter width.
        width: Width,
    },
    /// The reader retries a speculation during which more than T cycles started.
    Bounded {
        /// Counter width.
        width: Width,
        /// T: the most writer cycles a window may see and still be accepted.
        max_window_cycles: u64,
    },
}

/// Scheme flags as the user typed them, before validation. Each field is the
/// raw text of one flag, `None` when absent. Kept free of clap types so the
/// spec files and the CLI share one validating path.
#[derive(Clone, Debug, Default)]
pub struct SchemeFlags {
    /// `--scheme`
    pub scheme: Option<String>,
    /// `--bits`
    pub bits: Option<String>,
    /// `--hi`
    pub hi: Option<String>,
    /// `--lo`
    pub lo: Option<String>,
    /// `--read`
    pub read: Option<String>,
    /// `--write-order`
    pub write_order: Option<String>,
    /// `--epoch-bits`
    pub epoch_bits: Option<String>,
    /// `--max-window-cycles`
    pub max_window_cycles: Option<String>,
}

impl SchemeFlags {
    /// Set the flag named `flag` (without `--`, e.g. `epoch-bits`) to
    /// `value`; an unknown name is a usage error naming it.
    pub fn set(&mut self, flag: &str, value: &str) -> Result<()> {
        let slot = match flag {
            "scheme" => &mut self.scheme,
            "bits" => &mut self.bits,
            "hi" => &mut self.hi,
            "lo" => &mut self.lo,
            "read" => &mut self.read,
            "write-order" => &mut self.write_order,
            "epoch-bits" => &mut self.epoch_bits,
            "max-window-cycles" => &mut self.max_window_cycles,
            other => {
                return Err(Error::usage(format!(
                    "--{other} is not a scheme flag; allowed: --scheme --bits --hi --lo --read \
                     --write-order --epoch-bits --max-window-cycles"
                )));
            }
        };
        *slot = Some(value.to_string());
        Ok(())
    }
}

/// One line per scheme: name, parameters, what it models.
pub const CATALOG: &[(&str, &str, &str)] = &[
    (
        "plain",
        "--bits W",
        "the RFC: one W-bit counter, +1 at lock, +1 at unlock",
    ),
    (
        "split",
        "--hi H --lo L --read naive|hi-lo-hi [--write-order lo-first|hi-first]",
        "an (H+L)-bit counter kept as two words, loaded separately",
    ),
    (
        "epoch",
        "--bits W --epoch-bits E [--write-order seq-first|epoch-first]",
        "W-bit seq plus an E-bit epoch bumped when seq wraps",
    ),
    (
        "guard",
        "--bits W",
        "writer waits for a grace period before seq may wrap",
    ),
    (
        "bounded",
        "--bits W --max-window-cycles T",
        "reader retries a window in which more than T cycles started",
    ),
];

/// Names of the schemes, for error messages.
pub const SCHEME_NAMES: &str = "plain, split, epoch, guard, bounded";

fn parse_word_bits(flag: &str, v: &str) -> Result<u32> {
    v.trim()
        .parse::<u32>()
        .ok()
        .filter(|b| (1..=63).contains(b))
        .ok_or_else(|| {
            Error::usage(format!(
                "{flag}: '{v}' is not a word width; allowed: an integer 1..=63"
            ))
        })
}

impl SchemeSpec {
    /// Validate raw flags into a scheme. Every error names the flag and what
    /// is allowed: unknown scheme, missing or extra parameters, bad widths,
    /// H+L or W+E over 64.
    pub fn from_flags(f: &SchemeFlags) -> Result<SchemeSpec> {
        let name = f.scheme.as_deref().ok_or_else(|| {
            Error::usage(format!("--scheme is required; allowed: {SCHEME_NAMES}"))
        })?;
        let allowed: &[&str] = match name {
            "plain" | "guard" => &["bits"],
            "split" => &["hi", "lo", "read", "write-order"],
            "epoch" => &["bits", "epoch-bits", "write-order"],
            "bounded" => &["bits", "max-window-cycles"],
            other => {
                return Err(Error::usage(format!(
                    "--scheme: unknown scheme '{other}'; allowed: {SCHEME_NAMES}"
                )));
            }
        };
        let given = [
            ("bits", &f.bits),
            ("hi", &f.hi),
            ("lo", &f.lo),
            ("read", &f.read),
            ("write-order", &f.write_order),
            ("epoch-bits", &f.epoch_bits),
            ("max-window-cycles", &f.max_window_cycles),
        ];
        for (flag, v) in given {
            if v.is_some() && !allowed.contains(&flag) {
                return Err(Error::usage(format!(
                    "--{flag} does not apply to scheme {name}; it takes: {}",
                    allowed
                        .iter()
                        .map(|a| format!("--{a}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                )));
            }
        }
        let need = |flag: &str, v: &Option<String>| -> Result<String> {
            v.clone()
                .ok_or_else(|| Error::usage(format!("scheme {name} needs --{flag}")))
        };
        let width = |v: &Option<String>| -> Result<Width> {
            need("bits", v)?
                .parse::<Width>()
                .map_err(|e| Error::usage(format!("--bits: {e}")))
        };
        let spec = match name {
            "plain" => SchemeSpec::Plain {
                width: width(&f.bits)?,
            },
            "guard" => SchemeSpec::Guard {
                width: width(&f.bits)?,
            },
            "bounded" => {
                let t = need("max-window-cycles", &f.max_window_cycles)?;
                let max_window_cycles = t.trim().parse::<u64>().map_err(|_| {
                    Error::usage(format!(
                        "--max-window-cycles: '{t}' is not a cycle count; \
                         allowed: an integer 0..={}",
                        u64::MAX
                    ))
                })?;
                SchemeSpec::Bounded {
                    width: width(&f.bits)?,
                    max_window_cycles,
                }
            }
            "split" => {
                let hi = parse_word_bits("--hi", &need("hi", &f.hi)?)?;
                let lo = parse_word_bits("--lo", &need("lo", &f.lo)?)?;
                if hi + lo > 64 {
                    return Err(Error::usage(format!(
                        "--hi/--lo: H+L = {} exceeds 64; allowed: 2 <= H+L <= 64",
                        hi + lo
                    )));
                }
                let read = match need("read", &f.read)?.as_str() {
                    "naive" => SplitRead::Naive,
                    "hi-lo-hi" => SplitRead::HiLoHi,
                    other => {
                        return Err(Error::usage(format!(
                            "--read: '{other}' is not a read order; allowed: naive, hi-lo-hi"
                        )));
                    }
                };
                let write_order = match f.write_order.as_deref() {
                    None | Some("lo-first") => SplitWriteOrder::LoFirst,
                    Some("hi-first") => SplitWriteOrder::HiFirst,
                    Some(other) => {
                        return Err(Error::usage(format!(
                            "--write-order: '{other}' is not a split store order; \
                             allowed: lo-first, hi-first"
                        )));
                    }
                };
                SchemeSpec::Split {
                    hi,
                    lo,
                    read,
                    write_order,
                }
            }
            "epoch" => {
                let w = width(&f.bits)?;
                let e = parse_word_bits("--epoch-bits", &need("epoch-bits", &f.epoch_bits)?)?;
                if w.bits() + e > 64 {
                    return Err(Error::usage(format!(
                        "--bits/--epoch-bits: W+E = {} exceeds 64; allowed: W+E <= 64",
                        w.bits() + e
                    )));
                }
                let write_order = match f.write_order.as_deref() {
                    None | Some("seq-first") => EpochWriteOrder::SeqFirst,
                    Some("epoch-first") => EpochWriteOrder::EpochFirst,
                    Some(other) => {
                        return Err(Error::usage(format!(
                            "--write-order: '{other}' is not an epoch store order; \
                             allowed: seq-first, epoch-first"
                        )));
                    }
                };
                SchemeSpec::Epoch {
                    width: w,
                    epoch_bits: e,
                    write_order,
                }
            }
            _ => unreachable!("names were matched above"),
        };
        Ok(spec)
    }

    /// Shorthand for `plain --bits W`.
    pub fn plain(bits: u32) -> SchemeSpec {
        SchemeSpec::Plain {
            width: Width::new(bits).expect("plain: 2..=64 bits"),
        }
    }

    /// The scheme's name as `--scheme` spells it.
    pub fn name(&self) -> &'static str {
        match self {
            SchemeSpec::Plain { .. } => "plain",
            SchemeSpec::Split { .. } => "split",
            SchemeSpec::Epoch { .. } => "epoch",
            SchemeSpec::Guard { .. } => "guard",
            SchemeSpec::Bounded { .. } => "bounded",
        }
    }

    /// Total bits of counter state the reader compares (W, H+L or W+E).
    pub fn total_bits(&self) -> u32 {
        match self {
            SchemeSpec::Plain { width }
            | SchemeSpec::Guard { width }
            | SchemeSpec::Bounded { width, .. } => width.bits(),
            SchemeSpec::Split { hi, lo, .. } => hi + lo,
            SchemeSpec::Epoch {
                width, epoch_bits, ..
            } => width.bits() + epoch_bits,
        }
    }

    /// Parameters by flag name (without `--`), in a stable order.
    pub fn params(&self) -> BTreeMap<&'static str, String> {
        let mut m = BTreeMap::new();
        match self {
            SchemeSpec::Plain { width } | SchemeSpec::Guard { width } => {
                m.insert("bits", width.bits().to_string());
            }
            SchemeSpec::Bounded {
                width,
                max_window_cycles,
            } => {
                m.insert("bits", width.bits().to_string());
                m.insert("max-window-cycles", max_window_cycles.to_string());
            }
            SchemeSpec::Split {
                hi,
                lo,
                read,
                write_order,
            } => {
                m.insert("hi", hi.to_string());
                m.insert("lo", lo.to_string());
                m.insert(
                    "read",
                    match read {
                        SplitRead::Naive => "naive",
                        SplitRead::HiLoHi => "hi-lo-hi",
                    }
                    .into(),
                );
                m.insert(
                    "write-order",
                    match write_order {
                        SplitWriteOrder::LoFirst => "lo-first",
                        SplitWriteOrder::HiFirst => "hi-first",
                    }
                    .into(),
                );
            }
            SchemeSpec::Epoch {
                width,
                epoch_bits,
                write_order,
            } => {
                m.insert("bits", width.bits().to_string());
                m.insert("epoch-bits", epoch_bits.to_string());
                m.insert(
                    "write-order",
                    match write_order {
                        EpochWriteOrder::SeqFirst => "seq-first",
                        EpochWriteOrder::EpochFirst => "epoch-first",
                    }
                    .into(),
                );
            }
        }
        m
    }

    /// Parameters as `key=value` pairs joined by spaces (CSV, tables).
    pub fn params_string(&self) -> String {
        self.params()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The closed-form minimal number of complete writer cycles inside one
    /// reader speculation that yields a FALSE POSITIVE, or `None` when no
    /// false positive is possible at all. The explorer is the judge: every
    /// formula here is asserted equal to both explore modes in tests, and
    /// the two-word ones were first found by the explorer, then explained.
    ///
    /// - plain, and bounded with T >= 2^(W-1): 2^(W-1) — seq must advance by
    ///   2^W, two increments per cycle.
    /// - guard, and bounded with T < 2^(W-1): none.
    /// - split naive: 2^(L-1) — only the low word must come back; the high
    ///   word is loaded after the one carry in the window (a torn snapshot).
    ///   With L = 1 and `hi-first` the carry store of hi precedes every
    ///   unlock, so the snapshot cannot be torn that way: 2^H = 2^(H+L-1).
    /// - split hi-lo-hi, `lo-first`: 2^(L-1) — at a carry the low word is
    ///   already 0 while hi still holds the old value; the end phase reads
    ///   hi, lo, hi inside that gap and sees the snapshot again (hi-lo-hi
    ///   cannot catch a high word that has not been stored yet).
    /// - split hi-lo-hi, `hi-first`: 2^(H+L-1) - 2^(L-1) + 1 — the end phase
    ///   loads hi just before a carry, lo when it comes back, and hi again
    ///   once the high word has wrapped all the way round.
    /// - epoch, `seq-first`: 2^(W-1) — the end loads seq = 0 in the gap
    ///   before the epoch bump is stored, then the old epoch: the epoch
    ///   buys nothing.
    /// - epoch, `epoch-first`: (2^E - 1) * 2^(W-1) — the begin loads the
    ///   epoch just before a bump and seq just after the wrap, pairing the
    ///   old epoch with the new seq: one seq period short of 2^(W+E-1).
    pub fn min_cycles_closed_form(&self) -> Option<BigUint> {
        let pow2 = |k: u32| BigUint::from(1u8) << k;
        match *self {
            SchemeSpec::Plain { width } => Some(pow2(width.bits() - 1)),
            SchemeSpec::Guard { .. } => None,
            SchemeSpec::Bounded {
                width,
                max_window_cycles,
            } => {
                let need = pow2(width.bits() - 1);
                (BigUint::from(max_window_cycles) >= need).then_some(need)
            }
            SchemeSpec::Split {
                hi,
                lo,
                read,
                write_order,
            } => Some(match (read, write_order) {
                (SplitRead::Naive, SplitWriteOrder::HiFirst) if lo == 1 => pow2(hi),
                (SplitRead::Naive, _) => pow2(lo - 1),
                (SplitRead::HiLoHi, SplitWriteOrder::LoFirst) => pow2(lo - 1),
                (SplitRead::HiLoHi, SplitWriteOrder::HiFirst) => {
                    pow2(hi + lo - 1) - pow2(lo - 1) + 1u8
                }
            }),
            SchemeSpec::Epoch {
                width,
                epoch_bits,
                write_order,
            } => Some(match write_order {
                EpochWriteOrder::SeqFirst => pow2(width.bits() - 1),
                EpochWriteOrder::EpochFirst => (pow2(epoch_bits) - 1u8) * pow2(width.bits() - 1),
            }),
        }
    }
}

impl fmt::Display for SchemeSpec {
    /// `plain bits=32`, `split hi=32 lo=32 read=hi-lo-hi write-order=lo-first`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name(), self.params_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(pairs: &[(&str, &str)]) -> SchemeFlags {
        let mut f = SchemeFlags::default();
        for (k, v) in pairs {
            f.set(k, v).unwrap();
        }
        f
    }

    #[test]
    fn valid_flags_make_schemes() {
        let s = SchemeSpec::from_flags(&flags(&[("scheme", "plain"), ("bits", "i32")])).unwrap();
        assert_eq!(s.total_bits(), 32);
        let s = SchemeSpec::from_flags(&flags(&[
            ("scheme", "split"),
            ("hi", "32"),
            ("lo", "32"),
            ("read", "hi-lo-hi"),
        ]))
        .unwrap();
        assert_eq!(s.total_bits(), 64);
    }

    #[test]
    fn bad_flags_name_the_flag() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("scheme", "nope")], "--scheme"),
            (&[("scheme", "plain")], "--bits"),
            (&[("scheme", "plain"), ("bits", "65")], "--bits"),
            (&[("scheme", "plain"), ("bits", "1")], "--bits"),
            (&[("scheme", "plain"), ("bits", "8"), ("hi", "3")], "--hi"),
            (
                &[
                    ("scheme", "split"),
                    ("hi", "40"),
                    ("lo", "40"),
                    ("read", "naive"),
                ],
                "H+L",
            ),
            (&[("scheme", "split"), ("hi", "4"), ("lo", "4")], "--read"),
            (
                &[("scheme", "epoch"), ("bits", "40"), ("epoch-bits", "30")],
                "W+E",
            ),
        ];
        for (f, want) in cases {
            let e = SchemeSpec::from_flags(&flags(f)).unwrap_err().to_string();
            assert!(e.contains(want), "{e} should name {want}");
            assert!(!e.contains('\n'));
        }
    }
}
