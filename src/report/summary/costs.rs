//! What a fix costs beyond the model: vm_lock_seq copied from
//! mm_lock_seq, 64-bit counters on 32-bit kernels, widening seqcount_t
//! tree-wide. The claims of [`crate::report::claims::ClaimSection::Costs`],
//! each citing its sources.

use super::{Inputs, Rows, claims_list};
use crate::report::claims::ClaimSection;

pub(super) fn render(_inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    claims_list("Costs beyond the model", ClaimSection::Costs)
}
