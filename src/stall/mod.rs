//! How long can a reader be held inside `rcu_read_lock()`? The other half
//! of "how wide must the counter be": a wrap needs both a writer rate and
//! a reader window, and the window is bounded (or not) by what the kernel
//! lets happen to a task inside an RCU read-side critical section.
//!
//! - [`machine`]: this machine's preemption and stall model, read at run
//!   time (`/proc/config.gz`, the dynamic preemption mode, the RCU stall
//!   sysctls, `uname -v`, the hypervisor; the texts read by
//!   [`crate::host::texts`]), every field with its source.
//! - [`table`]: pure data: for each preemption model (none, voluntary,
//!   full, lazy, RT) what can hold a reader and for how long, every row
//!   with its citations, which rows apply to a given machine, and a
//!   plain-text rendering at most 72 columns wide.

pub mod machine;
pub mod table;

pub use machine::{MachineModel, PreemptModel, Sourced};
pub use table::{Applies, Citation, CiteKind, StallRow, render, rows};
