//! The title and the opening paragraph: the question the summary answers,
//! which version answers it, what is measured on this machine (and so
//! machine-specific), how to reproduce it and how numbers and claims cite
//! their sources.

use super::{Inputs, Rows};
use crate::text::table::wrap;

pub(super) fn render(inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    let mut s = String::new();
    s.push_str("# How wide must mm_lock_seq be?\n\n");
    s.push_str(&wrap(&format!(
        "seqwrap {} answers the question of the mmap_lock_speculation \
         thread: how many write-lock cycles until a speculating reader's \
         recorded mm_lock_seq comes back, how fast this machine's kernel \
         lets user space drive them, how long a reader can be held, how \
         likely a false positive is by accident, and which fixes hold \
         under which memory model. Rates and stalls are measured and read \
         on this machine: they are machine-specific, and rerunning moves \
         the rates. `cargo run --release -- report` reproduces everything; \
         numbers cite the data/ file they come from as [run-*], other \
         claims cite their sources (## Sources).",
        inp.version
    )));
    s
}
