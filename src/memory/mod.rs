//! Memory models: which of a thread's events must become visible (writer)
//! or be satisfied (reader) before which others. One interface for all
//! three; the explorer is the same code under each.
//!
//! The programs seqwrap explores have a special shape (DESIGN §1): writers
//! store and never load; readers load and never store. An execution is
//! then an order in which the writer's events *propagate* to a reader's
//! view and the reader's loads are *satisfied* from it. A model says which
//! pairs must keep their program order:
//!
//! - [`Model::Sc`]: every pair (interleavings of the program steps).
//! - [`Model::Tso`] (x86): a store buffer per thread, FIFO, so a thread's
//!   stores become visible in program order; loads are not reordered with
//!   loads; a load may pass an earlier store of its own thread to another
//!   word, and `smp_mb()` drains the buffer. A writer that never loads and
//!   readers that never store cannot tell that relaxation apart, so for
//!   these programs TSO allows exactly the SC behaviours — which is why a
//!   stress test on x86 cannot find an ordering bug that needs a weaker
//!   CPU.
//! - [`Model::Lkmm`]: the Linux-kernel memory model
//!   (`tools/memory-model/linux-kernel.cat`). For one writer that only
//!   stores and one reader that only loads, LKMM's `happens-before` and
//!   `propagation` axioms order: on the writer, a store after `smp_wmb()`,
//!   `smp_mb()` or `synchronize_rcu()` after every store before it
//!   (`cumul-fence`), a `smp_store_release()` after every earlier access
//!   (`po-rel`), and everything of one lock cycle before everything of the
//!   next (`po-unlock-lock-po`: the writer's lock is an unlock/lock pair);
//!   on the reader, a load after `smp_rmb()`/`smp_mb()` after every load
//!   before it, everything after an `smp_load_acquire()` after it
//!   (`acq-po`), and loads of one location in program order (coherence).
//!   Nothing else: a control dependency does not order a later load, and
//!   coherence does not chain — a store may become visible while an earlier
//!   store to the same word never does (it is overwritten first), and that
//!   earlier store's own predecessors need not be visible either. The
//!   tests hold this to herd7 with the kernel's `linux-kernel.cat` on every
//!   catalog entry and a set of classic shapes.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::protocol::parse::FenceKind;
pub use crate::protocol::program::{LoadOrder, StoreOrder};

/// A memory model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Sequential consistency.
    Sc,
    /// x86 total store order.
    Tso,
    /// The Linux-kernel memory model.
    Lkmm,
}

/// What `--memory-model` accepts.
pub const MODELS_ALLOWED: &str = "sc, tso, lkmm";

impl FromStr for Model {
    type Err = Error;
    fn from_str(s: &str) -> Result<Model> {
        match s.trim() {
            "sc" => Ok(Model::Sc),
            "tso" => Ok(Model::Tso),
            "lkmm" => Ok(Model::Lkmm),
            other => Err(Error::usage(format!(
                "--memory-model: '{other}' is not a memory model; allowed: {MODELS_ALLOWED}"
            ))),
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The fences between two events of one thread, in program order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Fences {
    /// An `smp_rmb()` lies between them.
    pub rmb: bool,
    /// An `smp_wmb()` lies between them.
    pub wmb: bool,
    /// An `smp_mb()` lies between them.
    pub mb: bool,
}

impl Fences {
    /// Add a fence.
    pub fn with(mut self, k: FenceKind) -> Fences {
        match k {
            FenceKind::Rmb => self.rmb = true,
            FenceKind::Wmb => self.wmb = true,
            // Exactly smp_mb() where they stand: the compiler places the
            // two atomic barriers next to their RMW, and a fully ordered
            // RMW is an smp_mb() on each side (Documentation/atomic_t.txt).
            FenceKind::Mb
            | FenceKind::BeforeAtomic
            | FenceKind::AfterAtomic
            | FenceKind::RmwFull => self.mb = true,
            FenceKind::Barrier => {}
        }
        self
    }
}

/// A writer event, as a model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriterEvent {
    /// A store, to a word (`WRITE_ONCE`, `smp_store_release`, the store of
    /// an `atomic*_*()` read-modify-write) or to the protected data
    /// (`modify()`, always [`StoreOrder::Once`]), with its ordering.
    Store(StoreOrder),
    /// `synchronize_rcu()`: a grace period, a strong fence.
    GracePeriod,
}

/// A reader load, as a model sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderLoad {
    /// The location (a word, or the protected data).
    pub location: u8,
    /// Its ordering (a data load of `read()` is [`LoadOrder::Once`]).
    pub order: LoadOrder,
}

impl Model {
    /// Every model, weakest last.
    pub const ALL: [Model; 3] = [Model::Sc, Model::Tso, Model::Lkmm];

    /// As `--memory-model` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Model::Sc => "sc",
            Model::Tso => "tso",
            Model::Lkmm => "lkmm",
        }
    }

    /// Must writer event `a` become visible before the later event `b` of
    /// the same cycle, with fences `f` between them? (Stores to the same
    /// word are ordered by coherence separately: see the module docs.)
    pub fn writer_orders(self, a: WriterEvent, f: Fences, b: WriterEvent) -> bool {
        match self {
            // SC: program order. TSO: the store buffer is FIFO.
            Model::Sc | Model::Tso => true,
            Model::Lkmm => {
                f.wmb
                    || f.mb
                    || a == WriterEvent::GracePeriod
                    || b == WriterEvent::GracePeriod
                    || b == WriterEvent::Store(StoreOrder::Release)
            }
        }
    }

    /// Must reader load `a` be satisfied before the later load `b`, with
    /// fences `f` between them?
    pub fn reader_orders(self, a: ReaderLoad, f: Fences, b: ReaderLoad) -> bool {
        match self {
            // TSO never reorders two loads.
            Model::Sc | Model::Tso => true,
            Model::Lkmm => {
                f.rmb || f.mb || a.order == LoadOrder::Acquire || a.location == b.location
            }
        }
    }

    /// May a store become visible while an earlier store of the same cycle
    /// to the same word never does (it is overwritten first)? Only where
    /// stores are not totally ordered; under SC and TSO the earlier one is
    /// always visible first.
    pub fn overwrites_unseen(self) -> bool {
        self == Model::Lkmm
    }

    /// May the reader satisfy a load before an earlier one?
    pub fn reorders_loads(self) -> bool {
        self == Model::Lkmm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_passing_needs_both_sides_under_lkmm() {
        let st = WriterEvent::Store(StoreOrder::Once);
        let rel = WriterEvent::Store(StoreOrder::Release);
        let none = Fences::default();
        let wmb = none.with(FenceKind::Wmb);
        assert!(!Model::Lkmm.writer_orders(st, none, st));
        assert!(Model::Lkmm.writer_orders(st, wmb, st));
        assert!(Model::Lkmm.writer_orders(st, none, rel), "po-rel");
        assert!(
            !Model::Lkmm.writer_orders(rel, none, st),
            "release is one-way"
        );
        assert!(Model::Tso.writer_orders(st, none, st));
        let x = ReaderLoad {
            location: 0,
            order: LoadOrder::Once,
        };
        let y = ReaderLoad {
            location: 1,
            order: LoadOrder::Once,
        };
        let acq = ReaderLoad {
            order: LoadOrder::Acquire,
            ..y
        };
        assert!(!Model::Lkmm.reader_orders(y, none, x));
        assert!(Model::Lkmm.reader_orders(y, none.with(FenceKind::Rmb), x));
        assert!(Model::Lkmm.reader_orders(acq, none, x), "acq-po");
        assert!(
            !Model::Lkmm.reader_orders(x, none, acq),
            "acquire is one-way"
        );
        assert!(Model::Lkmm.reader_orders(x, none, x), "coherence");
        assert!(!Model::Lkmm.reader_orders(y, none.with(FenceKind::Wmb), x));
        assert!("arm".parse::<Model>().is_err());
    }
}
