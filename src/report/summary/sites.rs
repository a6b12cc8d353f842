//! Which reader sites speculate on mm_lock_seq and what each can be held
//! by: the per-site section, rendered by `report::sites` from its own
//! evidence and placed here as it is (nothing when there is none).

use super::{Inputs, Rows};

pub(super) fn render(inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    inp.sites.unwrap_or_default().to_string()
}
