//! What the text above cites: every source named in the sections before
//! this one, with its reference. It reads them as they are rendered (the
//! same pure functions of the same inputs), so it needs what they need.

use super::{Inputs, Rows, section, text_before};
use crate::report::claims;
use crate::text::table::{bullet, wrap};

pub(super) fn render(inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
    let text = text_before("sources", inp, rows);
    let mut s = section("Sources");
    s.push_str(&wrap(
        "Message-IDs resolve at https://lore.kernel.org/all/ID/; kernel \
         files are paths of the Linux tree; run-* are this run's files. The \
         stall table above carries its own sources.",
    ));
    s.push('\n');
    for id in claims::cited_in(&text) {
        if let Some(src) = claims::source(id) {
            s.push_str(&bullet(&format!("[{}] {}: {}", src.id, src.what, src.cite)));
        }
    }
    s
}
