//! The scheme catalog: the protocol of DESIGN.md and its fixes.
//!
//! [`SchemeSpec`] is the catalog as data (name + parameters, validated);
//! the per-scheme files implement [`crate::model::Protocol`]: the exact
//! stores and loads each scheme performs, one named step at a time.

pub mod bounded;
pub mod epoch;
pub mod guard;
pub mod plain;
mod spec;
pub mod split;

pub use spec::{
    CATALOG, EpochWriteOrder, SCHEME_NAMES, SchemeFlags, SchemeSpec, SplitRead, SplitWriteOrder,
};
