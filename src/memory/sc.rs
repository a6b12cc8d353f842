//! Sequential consistency: one file for the model every other model is
//! measured against, so what SC decides is stated once, here.
//!
//! Every pair of a thread's events keeps its program order: the executions
//! are the interleavings of the program's steps. A writer's store is
//! visible to every reader at once, so one view of the writer's stores
//! stands for every reader's.
//!
//! It is the strongest model: it allows nothing any other model forbids.

use super::{Fences, MemoryModel, Model, ReaderLoad, WriterEvent};

/// Sequential consistency.
pub(super) struct Sc;

impl MemoryModel for Sc {
    fn name(&self) -> &'static str {
        "sc"
    }

    fn title(&self) -> &'static str {
        "SC"
    }

    fn weaker_than(&self) -> &'static [Model] {
        &[]
    }

    fn writer_orders(&self, _: WriterEvent, _: Fences, _: WriterEvent) -> bool {
        true
    }

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
