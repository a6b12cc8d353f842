//! Memory models: which of a thread's events must become visible (writer)
//! or be satisfied (reader) before which others. One interface for all of
//! them ([`MemoryModel`]); the explorer is the same code under each.
//!
//! The programs seqwrap explores have a special shape (DESIGN §1): writers
//! store and never load; readers load and never store. An execution is
//! then an order in which the writer's events *propagate* to a reader's
//! view and the reader's loads are *satisfied* from it. A model says which
//! pairs must keep their program order.
//!
//! One file per model says what it decides and why: `sc.rs` (every pair:
//! interleavings), `tso.rs` (x86: a FIFO store buffer, which these programs
//! cannot tell from SC), `lkmm.rs` (the Linux-kernel memory model). This
//! file holds what they share — the events and fences a model sees — and
//! the registry: [`Model`], the small `Copy` handle the rest of seqwrap
//! passes around (parsed from `--memory-model`, serialized, hashed), and
//! [`Model::spec`], the one place a handle becomes its model. Adding a
//! model is its file, a variant, its line in [`Model::ALL`] and in
//! [`Model::spec`] (the compiler points there), and where it stands in the
//! strength relation ([`MemoryModel::weaker_than`]). Code outside this
//! directory asks a model (`model.reorders_loads()`, [`Model::weakest`])
//! rather than testing which variant it is.

mod lkmm;
pub mod order;
mod sc;
mod tso;

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::Serialize;

use crate::error::{Error, Result};
pub use order::{FenceKind, LoadOrder, RmwOrder, StoreOrder};

/// What a memory model decides, for programs whose writers only store and
/// whose readers only load. Each model is one implementation, in its own
/// file; [`Model::spec`] finds it.
pub trait MemoryModel: Sync {
    /// As `--memory-model` spells it (`lkmm`).
    fn name(&self) -> &'static str;

    /// As prose names it (`x86-TSO`).
    fn title(&self) -> &'static str;

    /// The models this one is directly weaker than: it allows every
    /// execution they allow (on any program, not only these: for these
    /// programs TSO allows exactly what SC does). The relation the registry
    /// derives from these lists ([`Model::is_weaker_than`]) is their
    /// transitive closure, a strict partial order: two models may be
    /// incomparable, each allowing something the other forbids. Today it
    /// is a chain, SC, then TSO, then LKMM, because TSO allows every SC
    /// execution (one whose store buffer drains at once) and LKMM is meant
    /// to allow whatever any CPU Linux runs on does, x86 included.
    fn weaker_than(&self) -> &'static [Model];

    /// Is this the model of the CPU seqwrap was built for (by
    /// `target_arch`)? At most one model is; see [`host_model`].
    fn is_host(&self) -> bool {
        false
    }

    /// Must writer event `a` become visible before the later event `b` of
    /// the same cycle, with fences `f` between them? (Stores to the same
    /// word are ordered by coherence separately: see
    /// [`MemoryModel::overwrites_unseen`].)
    fn writer_orders(&self, a: WriterEvent, f: Fences, b: WriterEvent) -> bool;

    /// Must reader load `a` be satisfied before the later load `b`, with
    /// fences `f` between them?
    fn reader_orders(&self, a: ReaderLoad, f: Fences, b: ReaderLoad) -> bool;

    /// May a store become visible while an earlier store of the same cycle
    /// to the same word never does (it is overwritten first)? Only where
    /// stores are not totally ordered; under SC and TSO the earlier one is
    /// always visible first.
    fn overwrites_unseen(&self) -> bool;

    /// May the reader satisfy a load before an earlier one?
    fn reorders_loads(&self) -> bool;

    /// Do all readers see the writer's stores become visible in one order
    /// at once (multi-copy atomicity), so that one view of them, the one
    /// the explorer keeps, stands for every reader's? Where not, each
    /// reader may see its own propagation order, and one view is exact only
    /// while the readers do not interact.
    fn shares_one_view(&self) -> bool;
}

/// A memory model: a handle on its [`MemoryModel`], which it dereferences
/// to (`model.reorders_loads()` asks the model).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// Sequential consistency (`sc.rs`).
    Sc,
    /// x86 total store order (`tso.rs`).
    Tso,
    /// The Linux-kernel memory model (`lkmm.rs`).
    Lkmm,
}

impl Model {
    /// Every model, in the order reports list them (strongest first).
    pub const ALL: [Model; 3] = [Model::Sc, Model::Tso, Model::Lkmm];

    /// What `--memory-model` and a question's `memory_models` default to,
    /// and the model a point records whose engine takes none: SC, the
    /// protocol's own logic with nothing reordered.
    pub const DEFAULT: Model = Model::Sc;

    /// The model this handle stands for: the registry's one match.
    pub fn spec(self) -> &'static dyn MemoryModel {
        match self {
            Model::Sc => &sc::Sc,
            Model::Tso => &tso::Tso,
            Model::Lkmm => &lkmm::Lkmm,
        }
    }

    /// The model `--memory-model` spells `name`, if any.
    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Every model's name, as an error message lists what is allowed
    /// (`sc, tso, lkmm`).
    pub fn allowed() -> String {
        Model::ALL.map(|m| m.name()).join(", ")
    }

    /// Does `self` allow every execution `other` allows, and is it not
    /// `other`? The transitive closure of [`MemoryModel::weaker_than`].
    pub fn is_weaker_than(self, other: Model) -> bool {
        let mut todo: Vec<Model> = self.weaker_than().to_vec();
        let mut seen: Vec<Model> = Vec::new();
        while let Some(m) = todo.pop() {
            if m == other {
                return true;
            }
            if !seen.contains(&m) {
                seen.push(m);
                todo.extend_from_slice(m.weaker_than());
            }
        }
        false
    }

    /// The model weaker than every other: it allows the most, so what is
    /// safe under it is safe under all.
    ///
    /// Panics if the strength relation has no such model (a registry test
    /// holds it to one).
    pub fn weakest() -> Model {
        Model::ALL
            .into_iter()
            .find(|&m| Model::ALL.iter().all(|&o| o == m || m.is_weaker_than(o)))
            .expect("the memory models have a weakest one")
    }

    /// The model every other is weaker than: it allows the least, and
    /// every CPU can show its executions (an interleaving).
    ///
    /// Panics if the strength relation has no such model (a registry test
    /// holds it to one).
    pub fn strongest() -> Model {
        Model::ALL
            .into_iter()
            .find(|&m| Model::ALL.iter().all(|&o| o == m || o.is_weaker_than(m)))
            .expect("the memory models have a strongest one")
    }

    /// Every model, each before every model it is weaker than: a question
    /// that fails under some model is asked where it fails soonest first.
    pub fn weakest_first() -> Vec<Model> {
        let mut v = Model::ALL.to_vec();
        // A model weaker than another is weaker than everything that one is
        // weaker than, and than it: more models, so it sorts first.
        v.sort_by_key(|&m| {
            std::cmp::Reverse(Model::ALL.iter().filter(|&&o| m.is_weaker_than(o)).count())
        });
        v
    }
}

/// Runs `$body` with `$m` bound to the model's implementation, through a
/// `match` the compiler can inline. The explorer asks a model on every
/// move; through `&dyn MemoryModel` the LKMM benches of `benches/explore.rs`
/// ran up to 1.5 times slower, so the questions it asks in its inner loop
/// are inherent methods of [`Model`] dispatched here. A new model is one
/// more arm, which the compiler asks for.
macro_rules! with_model {
    ($self:expr, |$m:ident| $body:expr) => {
        match $self {
            Model::Sc => {
                let $m = &sc::Sc;
                $body
            }
            Model::Tso => {
                let $m = &tso::Tso;
                $body
            }
            Model::Lkmm => {
                let $m = &lkmm::Lkmm;
                $body
            }
        }
    };
}

/// The questions the explorer asks per move, statically dispatched
/// ([`with_model`]); each is its [`MemoryModel`] method.
impl Model {
    /// [`MemoryModel::writer_orders`].
    #[inline]
    pub fn writer_orders(self, a: WriterEvent, f: Fences, b: WriterEvent) -> bool {
        with_model!(self, |m| m.writer_orders(a, f, b))
    }

    /// [`MemoryModel::reader_orders`].
    #[inline]
    pub fn reader_orders(self, a: ReaderLoad, f: Fences, b: ReaderLoad) -> bool {
        with_model!(self, |m| m.reader_orders(a, f, b))
    }

    /// [`MemoryModel::overwrites_unseen`].
    #[inline]
    pub fn overwrites_unseen(self) -> bool {
        with_model!(self, |m| m.overwrites_unseen())
    }

    /// [`MemoryModel::reorders_loads`].
    #[inline]
    pub fn reorders_loads(self) -> bool {
        with_model!(self, |m| m.reorders_loads())
    }

    /// [`MemoryModel::shares_one_view`].
    #[inline]
    pub fn shares_one_view(self) -> bool {
        with_model!(self, |m| m.shares_one_view())
    }
}

impl Deref for Model {
    type Target = dyn MemoryModel;
    fn deref(&self) -> &(dyn MemoryModel + 'static) {
        self.spec()
    }
}

/// The model of the CPU seqwrap runs on: x86-TSO on x86 and x86_64;
/// `None` on any other CPU: seqwrap has no model that is its (arm64's and
/// POWER's are weaker than TSO and not LKMM either), and claims nothing
/// about what it allows.
pub fn host_model() -> Option<Model> {
    Model::ALL.into_iter().find(|m| m.is_host())
}

impl FromStr for Model {
    type Err = Error;
    fn from_str(s: &str) -> Result<Model> {
        let s = s.trim();
        Model::from_name(s).ok_or_else(|| {
            Error::usage(format!(
                "--memory-model: '{s}' is not a memory model; allowed: {}",
                Model::allowed()
            ))
        })
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

    /// The registry is consistent: names round-trip and are distinct, the
    /// strength relation is a strict partial order (irreflexive, so
    /// acyclic; transitive by construction) with one weakest and one
    /// strongest model, and today's chain is SC, TSO, LKMM.
    #[test]
    fn registry_and_strength_relation() {
        for m in Model::ALL {
            assert_eq!(m.name().parse::<Model>().unwrap(), m);
            assert_eq!(m.to_string(), m.name());
            assert!(!m.is_weaker_than(m), "{m} weaker than itself");
            for o in Model::ALL {
                assert!(
                    !(m.is_weaker_than(o) && o.is_weaker_than(m)),
                    "{m} and {o} each weaker than the other"
                );
            }
        }
        assert_eq!(Model::allowed(), "sc, tso, lkmm");
        assert_eq!(Model::weakest(), Model::Lkmm);
        assert_eq!(Model::strongest(), Model::Sc);
        assert_eq!(Model::DEFAULT, Model::strongest());
        assert!(Model::Lkmm.is_weaker_than(Model::Sc), "transitive");
        assert!(!Model::Sc.is_weaker_than(Model::Tso));
        let order = Model::weakest_first();
        assert_eq!(order, [Model::Lkmm, Model::Tso, Model::Sc]);
        for (i, &a) in order.iter().enumerate() {
            for &b in &order[..i] {
                assert!(!a.is_weaker_than(b), "{a} listed after {b}");
            }
        }
    }

    /// The host's model is at most one, TSO on x86, none elsewhere.
    #[test]
    fn host_model_by_target_arch() {
        assert!(Model::ALL.iter().filter(|m| m.is_host()).count() <= 1);
        let x86 = cfg!(any(target_arch = "x86_64", target_arch = "x86"));
        assert_eq!(host_model(), x86.then_some(Model::Tso));
    }
}
