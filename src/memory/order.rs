//! The orderings a program's accesses and fences carry, the vocabulary
//! every model decides with: a load's, a store's and a read-modify-write's
//! ordering, and the fences between accesses. The protocol language
//! (`protocol`) spells them; the models (this module) give them meaning.

/// A fence statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FenceKind {
    /// `smp_rmb()`: orders earlier loads before later loads.
    Rmb,
    /// `smp_wmb()`: orders earlier stores before later stores.
    Wmb,
    /// `smp_mb()`: orders everything.
    Mb,
    /// `barrier()`: a compiler barrier; orders nothing in the model.
    Barrier,
    /// `smp_mb__before_atomic()`: a full barrier between what precedes it
    /// and the read-modify-write that must follow it at once (the compiler
    /// checks that), so exactly an `smp_mb()` there.
    BeforeAtomic,
    /// `smp_mb__after_atomic()`: the same after the read-modify-write that
    /// must precede it.
    AfterAtomic,
    /// The full ordering a value-returning read-modify-write implies on
    /// each side (`atomic_inc_return()`): an `smp_mb()` the model sees and
    /// an export or a cost does not (the RMW carries it).
    RmwFull,
}

impl FenceKind {
    /// The macro as written.
    pub fn macro_name(self) -> &'static str {
        match self {
            FenceKind::Rmb => "smp_rmb",
            FenceKind::Wmb => "smp_wmb",
            FenceKind::Mb => "smp_mb",
            FenceKind::Barrier => "barrier",
            FenceKind::BeforeAtomic => "smp_mb__before_atomic",
            FenceKind::AfterAtomic => "smp_mb__after_atomic",
            FenceKind::RmwFull => "smp_mb",
        }
    }
}

/// The ordering of a read-modify-write, by its suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RmwOrder {
    /// A void RMW, or `_relaxed`: unordered.
    Relaxed,
    /// `_acquire`: its load is an acquire. A writer never loads anything
    /// else, so it orders none of the writer's stores (herd7 with the LKMM:
    /// message passing through it is Sometimes).
    Acquire,
    /// `_release`: its store is a release (`smp_store_release`).
    Release,
    /// No suffix on a value-returning RMW: fully ordered, as if an
    /// `smp_mb()` stood on each side.
    Full,
}

/// The ordering of a load of a word, as the reader's access spells it.
/// The models see it on every reader load ([`super::ReaderLoad`]);
/// the data loads of `read()` are [`LoadOrder::Once`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadOrder {
    /// `READ_ONCE()`, `atomic*_read()`: a marked load, unordered.
    Once,
    /// `smp_load_acquire()`, `atomic*_read_acquire()`: every later access
    /// of the reader is ordered after it.
    Acquire,
}

/// The ordering of a store, as the writer's access spells it. The models
/// see it on every writer store ([`super::WriterEvent`]);
/// `modify()` is [`StoreOrder::Once`]. A read-modify-write's store is a
/// release with [`RmwOrder::Release`] and `Once` otherwise: a fully ordered
/// one's order is the `RmwFull` fences beside it, and an acquire one orders
/// only its own load, which a writer does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreOrder {
    /// `WRITE_ONCE()`, `atomic*_set()`: a marked store, unordered.
    Once,
    /// `smp_store_release()`, `atomic*_set_release()`: ordered after every
    /// earlier access of the writer.
    Release,
}
