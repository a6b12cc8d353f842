//! How long a reader can be held inside its speculation: the stall
//! table per preemption model, with its sources, and which rows apply to
//! this machine.

use super::{Inputs, Rows, section};
use crate::text::table::wrap;

pub(super) fn render(inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    let mut s = section("How long a reader can be held");
    s.push_str(&wrap(
        "The uprobes reader runs under guard(rcu)() and touches kernel \
         memory only [uprobes]: it cannot fault on storage or sleep. What \
         can hold it inside rcu_read_lock(), per preemption model, each \
         row with its sources, and which rows apply to this machine (read \
         from /proc/config.gz, the boot log, sysfs and uname -v):",
    ));
    s.push('\n');
    // The machine paragraph is the headline's; not repeated here.
    let para = wrap(&crate::stall::table::machine_sentence(inp.machine));
    s.push_str(&crate::stall::render(Some(inp.machine)).replacen(&format!("{para}\n"), "", 1));
    s
}
