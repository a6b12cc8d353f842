//! What every command shares when it hands results to the outside world:
//!
//! - [`json`]: the one `--json` style (numbers as numbers, exact values as
//!   strings in `*_exact` fields, `seqwrap_version`, pretty-printed);
//! - [`exact`]: reading the exact decimal and scientific strings the
//!   engines write, so a value far below f64 (`2.34645e-344`) keeps a
//!   usable `log10` instead of becoming 0.0;
//! - [`file`]: output paths checked before any work, atomic writes that
//!   fsync, temporary files removed on error and on SIGINT/SIGTERM.

pub mod exact;
pub mod file;
pub mod json;
