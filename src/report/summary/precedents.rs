//! Precedents: the 32-bit vmacache_seqnum wrap (CVE-2018-17182) and how
//! long it took, FreeBSD's refcount edge case, and where Peter Zijlstra
//! places the problem. The claims of
//! [`crate::report::claims::ClaimSection::Precedents`], each citing its
//! sources.

use super::{Inputs, Rows, claims_list};
use crate::report::claims::ClaimSection;

pub(super) fn render(_inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    claims_list("Precedents", ClaimSection::Precedents)
}
