//! x86 total store order: one file for the model of the CPU `stress` runs
//! on, so that what x86 allows, and why these programs cannot tell it from
//! SC, is stated once, here.
//!
//! A store buffer per thread, FIFO, so a thread's stores become visible in
//! program order; loads are not reordered with loads; a load may pass an
//! earlier store of its own thread to another word, and `smp_mb()` drains
//! the buffer. A writer that never loads and readers that never store
//! cannot tell that relaxation apart, so for these programs TSO allows
//! exactly the SC behaviours — which is why a stress test on x86 cannot
//! find an ordering bug that needs a weaker CPU. A store leaves the buffer
//! for memory, where every other CPU sees it at once (x86 is multi-copy
//! atomic): one view of the writer's stores stands for every reader's.
//!
//! Weaker than SC (an empty store buffer is SC); the model of the host CPU
//! on x86 and x86_64.

use super::{Fences, MemoryModel, Model, ReaderLoad, WriterEvent};

/// x86-TSO.
pub(super) struct Tso;

impl MemoryModel for Tso {
    fn name(&self) -> &'static str {
        "tso"
    }

    fn title(&self) -> &'static str {
        "x86-TSO"
    }

    fn weaker_than(&self) -> &'static [Model] {
        &[Model::Sc]
    }

    fn is_host(&self) -> bool {
        cfg!(any(target_arch = "x86_64", target_arch = "x86"))
    }

    /// The store buffer is FIFO.
    fn writer_orders(&self, _: WriterEvent, _: Fences, _: WriterEvent) -> bool {
        true
    }

    /// TSO never reorders two loads.
    fn reader_orders(&self, _: ReaderLoad, _: Fences, _: ReaderLoad) -> bool {
        true
    }

    fn overwrites_unseen(&self) -> bool {
        false
    }

    fn reorders_loads(&self) -> bool {
        false
    }

    fn shares_one_view(&self) -> bool {
        true
    }
}
