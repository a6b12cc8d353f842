//! The leaf of the upper half: text and units, used by every layer above
//! and using none of them (only `crate::error`).
//!
//! - [`units`]: the one unit grammar (times, counts, rates' units) and the
//!   human forms of durations and numbers (`sig3`, `human_duration`);
//! - [`number`]: values read from a CSV's text, cycle counts as `2^31`;
//! - [`exact`]: exact decimal and scientific strings, so a value far below
//!   f64 (`2.34645e-344`) keeps a usable `log10`;
//! - [`table`]: 72-column tables, bullets and wrapping for the report and
//!   the mail;
//! - [`json`]: the one `--json` style (numbers as numbers, exact values as
//!   strings in `*_exact` fields, `seqwrap_version`, pretty-printed).

pub mod exact;
pub mod json;
pub mod number;
pub mod table;
pub mod units;
