//! What a false positive does to the uprobes reader: what it trusts,
//! what keeps it memory-safe, and its likely outcome. The claims of
//! [`crate::report::claims::ClaimSection::Consequences`], each citing its
//! sources.

use super::{Inputs, Rows, claims_list};
use crate::report::claims::ClaimSection;

pub(super) fn render(_inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    claims_list(
        "Consequences of a false positive",
        ClaimSection::Consequences,
    )
}
