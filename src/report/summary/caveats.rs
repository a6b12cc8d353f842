//! The caveats the reader must know before any number: engines missing
//! from this build, measurements that could not be taken, an attacker's
//! rate the tracepoint did not verify. Nothing at all when there are
//! none.

use super::{Inputs, Rows, section};
use crate::text::table::bullet;

pub(super) fn render(inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    let mut s = String::new();
    if !inp.notes.is_empty() {
        s.push_str(&section("Caveats"));
        for n in inp.notes {
            s.push_str(&bullet(n));
        }
    }
    s
}
