//! The Linux-kernel memory model (`tools/memory-model/linux-kernel.cat`):
//! one file for the model the kernel's code must be correct under, so that
//! which of its axioms matter for these programs, and how they reduce, is
//! stated once, here.
//!
//! For one writer that only stores and one reader that only loads, LKMM's
//! `happens-before` and `propagation` axioms order: on the writer, a store
//! after `smp_wmb()`, `smp_mb()` or `synchronize_rcu()` after every store
//! before it (`cumul-fence`), a `smp_store_release()` after every earlier
//! access (`po-rel`), and everything of one lock cycle before everything of
//! the next (`po-unlock-lock-po`: the writer's lock is an unlock/lock
//! pair); on the reader, a load after `smp_rmb()`/`smp_mb()` after every
//! load before it, everything after an `smp_load_acquire()` after it
//! (`acq-po`), and loads of one location in program order (coherence).
//! Nothing else: a control dependency does not order a later load, and
//! coherence does not chain — a store may become visible while an earlier
//! store to the same word never does (it is overwritten first), and that
//! earlier store's own predecessors need not be visible either. The tests
//! hold this to herd7 with the kernel's `linux-kernel.cat` on every catalog
//! entry and a set of classic shapes.
//!
//! LKMM is not multi-copy atomic: each CPU may see the writer's stores
//! propagate in its own order, so one view of them does not stand for
//! several readers'. It is weaker than every other model here: it is meant
//! to allow whatever any CPU Linux runs on does, x86 included.

use super::{Fences, LoadOrder, MemoryModel, Model, ReaderLoad, StoreOrder, WriterEvent};

/// The Linux-kernel memory model.
pub(super) struct Lkmm;

impl MemoryModel for Lkmm {
    fn name(&self) -> &'static str {
        "lkmm"
    }

    fn title(&self) -> &'static str {
        "the LKMM"
    }

    fn weaker_than(&self) -> &'static [Model] {
        &[Model::Tso]
    }

    /// `cumul-fence` (a write or full fence between them, or a grace
    /// period on either side) and `po-rel` (`b` is a release).
    fn writer_orders(&self, a: WriterEvent, f: Fences, b: WriterEvent) -> bool {
        f.wmb
            || f.mb
            || a == WriterEvent::GracePeriod
            || b == WriterEvent::GracePeriod
            || b == WriterEvent::Store(StoreOrder::Release)
    }

    /// A read or full fence between them, `acq-po` (`a` is an acquire), or
    /// coherence (one location).
    fn reader_orders(&self, a: ReaderLoad, f: Fences, b: ReaderLoad) -> bool {
        f.rmb || f.mb || a.order == LoadOrder::Acquire || a.location == b.location
    }

    fn overwrites_unseen(&self) -> bool {
        true
    }

    fn reorders_loads(&self) -> bool {
        true
    }

    fn shares_one_view(&self) -> bool {
        false
    }
}
