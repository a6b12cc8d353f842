//! What the engines may assume about a program: the writer's cycle as a
//! map on the words (for O(1) jumps), translation symmetries, and the
//! values the reader compares (for the accelerated explorer's landing
//! points).
//!
//! **The writer.** A writer holds the lock and never loads, so one cycle is
//! a function of the words at its start. It is executed *symbolically*:
//! each word's start value is a variable `x_w`, expressions stay of the
//! form `x_w + c` or a constant, conditions split the start values into
//! intervals, and a store's truncation to its width splits them where the
//! sum wraps. The result is a finite set of paths, each an interval box of
//! start values with its events (`Rel(w, c)` or constant store values) and
//! the words at its end. Anything else (a product, a mask, a store of one
//! word computed from another) is outside this analysis: the program is
//! then explored by brute force only, and the explorer says so.
//!
//! From the paths: with one stored word the cycle is a *piecewise* map on
//! that word (each path adds a constant or sets a value: plain, guard,
//! saturate); with several, the writer must be a *mixed-radix counter*: an
//! order of the words (low digit first) and a D such that every cycle adds
//! D to the combined value, with carries (split, epoch, a three-word
//! counter). That claim is checked exactly: on every cell where a path's
//! box meets a carry case of the counter and holds a reachable start state,
//! both give the same affine form for every word.
//!
//! **Symmetry.** A word no writer condition reads and that the writer only
//! ever changes by adding constants, and whose loaded values the reader only
//! compares for equality (or tests below bit `a`), can be translated by any
//! multiple of `2^a` without changing any run's outcome.
//!
//! **The reader.** Accelerated exploration needs to know which word values
//! can matter: values the reader holds (to be met again), constants it
//! compares a word with, thresholds on `window_cycles()`. A reader that
//! computes with loaded values otherwise (`e - s < 100`) is outside the
//! accelerated shape.
//!
//! The jobs live in their own files: `interval.rs` (sets of start values),
//! `writer.rs` (the symbolic execution of the writer), `cycle.rs` (which
//! cycle map the writer's paths make), `jump.rs` (that map's arithmetic:
//! jumps, periods, counter values) and `reader.rs` (the reader's
//! abstraction). This file holds the public types and [`Shape::of`], which
//! ties them together.

mod cycle;
mod interval;
mod jump;
mod reader;
mod writer;

pub use jump::{combine, split};
pub use reader::locals_of;

use super::parse::FenceKind;
use super::program::{Instr, MAX_WORDS, Node, Program, Rmw, StoreOrder, WordId};
use crate::width::mask;

/// Most symbolic paths through the writer.
pub const MAX_PATHS: usize = 64;

/// A symbolic value: a constant, or a word's value at the cycle's start
/// plus a constant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sym {
    /// A constant.
    Const(i128),
    /// `x_w + c`.
    Rel(WordId, i128),
}

impl Sym {
    /// The concrete value for start words `x`.
    pub fn at(&self, x: &[u64]) -> i128 {
        match *self {
            Sym::Const(c) => c,
            Sym::Rel(w, c) => i128::from(x[w as usize]) + c,
        }
    }
}

/// An event of a writer path: what it is and the instruction it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct TEvent {
    /// What it is.
    pub kind: TKind,
    /// The writer instruction.
    pub node: Node,
}

/// A writer path's event, with its value in symbolic form.
#[derive(Clone, Debug, PartialEq)]
pub enum TKind {
    /// A store; the value is already truncated to the word (on the path's
    /// box, `x_w + c` stays within the word).
    Store {
        /// The word.
        word: WordId,
        /// Its new value.
        value: Sym,
        /// Its ordering.
        order: StoreOrder,
        /// The read-modify-write it is, if any (exports and costs).
        rmw: Option<Rmw>,
    },
    /// `modify()`.
    Modify,
    /// A fence.
    Fence(FenceKind),
    /// `synchronize_rcu()`.
    SyncRcu,
}

/// One path through the writer's body.
#[derive(Clone, Debug)]
pub struct SymPath {
    /// The start values that take this path: an inclusive interval per word.
    pub bx: [(u64, u64); MAX_WORDS],
    /// Its events in program order.
    pub events: Vec<TEvent>,
    /// Each word at the end of the cycle.
    pub fin: [Sym; MAX_WORDS],
}

impl SymPath {
    /// Does this path contain `synchronize_rcu()`?
    pub fn has_gp(&self) -> bool {
        self.events.iter().any(|e| matches!(e.kind, TKind::SyncRcu))
    }

    fn contains(&self, x: &[u64]) -> bool {
        x.iter()
            .enumerate()
            .all(|(w, &v)| self.bx[w].0 <= v && v <= self.bx[w].1)
    }
}

/// What one piece of a one-word writer does to the word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `x' = x + a` (no wrap inside the piece).
    Add(i128),
    /// `x' = c`.
    Set(u64),
}

/// An interval of start values of the one stored word and what a cycle
/// starting there does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Smallest start value.
    pub lo: u64,
    /// Largest start value.
    pub hi: u64,
    /// The effect.
    pub effect: Effect,
    /// Index of the writer path.
    pub path: usize,
}

/// The writer's cycle as a map on the words at cycle boundaries.
#[derive(Clone, Debug, PartialEq)]
pub enum CycleMap {
    /// One stored word, piecewise.
    Piecewise {
        /// The word.
        word: WordId,
        /// Pieces, sorted, covering all values of the word.
        pieces: Vec<Piece>,
    },
    /// Independent counters: each word gains its own constant per cycle,
    /// modulo its width, with no carry between them (`atomic_inc()` on one
    /// word, `atomic_add(3, ...)` on another).
    Independent {
        /// The stored words.
        words: Vec<WordId>,
        /// Their widths.
        bits: Vec<u32>,
        /// What one cycle adds to each, in `0..2^bits`.
        adds: Vec<u128>,
    },
    /// A mixed-radix counter: `digits` low first, `d` added per cycle.
    Counter {
        /// The words, low digit first.
        digits: Vec<WordId>,
        /// Their widths.
        bits: Vec<u32>,
        /// What one cycle adds to the combined value.
        d: u128,
    },
}

/// The reader's use of loaded values, as the accelerated explorer needs it.
#[derive(Clone, Debug, Default)]
pub struct ReaderUse {
    /// The word each local holds a value of (`None`: not a word's value).
    pub local_word: Vec<Option<WordId>>,
    /// Constants the reader compares each word's values with.
    pub word_consts: [Vec<u64>; MAX_WORDS],
    /// Constants `window_cycles()` is compared with.
    pub ghost_consts: Vec<u64>,
    /// For each word: the reader only tests values of it for equality and
    /// below bit `a` (stride `2^a`), or `None` (it does more).
    pub stride: [Option<u64>; MAX_WORDS],
    /// For each word: `2^a` for the highest bit `a` the reader tests (1 if
    /// none): two values that agree below it and equal no value the reader
    /// holds or compares with are indistinguishable to it.
    pub mask_stride: [u64; MAX_WORDS],
    /// Why the reader is outside the accelerated shape, if it is.
    pub outside: Option<String>,
}

/// Everything the engines learn from a program's shape.
#[derive(Clone, Debug)]
pub struct Shape {
    /// The writer's symbolic paths, or why there are none.
    pub paths: Result<Vec<SymPath>, String>,
    /// The cycle map, or why there is none.
    pub map: Result<CycleMap, String>,
    /// Words the writer's conditions read.
    pub cond_words: u8,
    /// Words the writer stores a constant to somewhere.
    pub const_words: u8,
    /// Words the writer stores at all.
    pub stored_words: u8,
    /// How the reader uses loaded values.
    pub reader: ReaderUse,
    /// Does the writer ever call `synchronize_rcu()`?
    pub has_gp: bool,
    /// Translation symmetries: (word, stride).
    pub symmetry: Vec<(WordId, u64)>,
    /// Why accelerated exploration does not apply, if it does not.
    pub accel_blocker: Option<String>,
}

impl Shape {
    /// Analyse a program.
    pub fn of(p: &Program) -> Shape {
        let mut cond_words = 0u8;
        let mut const_words = 0u8;
        let paths = writer::writer_paths(p, &mut cond_words, &mut const_words);
        let has_gp = p
            .writer
            .code
            .iter()
            .any(|i| matches!(i, Instr::SyncRcu { .. }));
        let stored_words = p.writer.code.iter().fold(0u8, |m, i| match i {
            Instr::Store { word, .. } => m | (1 << word),
            _ => m,
        });
        let map = match &paths {
            Ok(ps) => cycle::cycle_map(p, ps, stored_words),
            Err(e) => Err(e.clone()),
        };
        let reader = reader::reader_use(p);
        let mut symmetry = Vec::new();
        if paths.is_ok() {
            for w in 0..p.words.len() as WordId {
                let bit = 1u8 << w;
                let writer_free = cond_words & bit == 0 && const_words & bit == 0;
                if let (true, Some(stride)) = (writer_free, reader.stride[w as usize])
                    && stride <= mask(p.words[w as usize].bits).saturating_add(1)
                {
                    symmetry.push((w, stride));
                }
            }
        }
        let accel_blocker = match (&map, &reader.outside) {
            (Err(e), _) => Some(e.clone()),
            (Ok(_), Some(r)) => Some(r.clone()),
            (Ok(m), None) => gp_blocker(m, paths.as_ref().ok()),
        };
        Shape {
            paths,
            map,
            cond_words,
            const_words,
            stored_words,
            reader,
            has_gp,
            symmetry,
            accel_blocker,
        }
    }

    /// The writer path a cycle starting from words `x` takes.
    pub fn path_of(&self, x: &[u64]) -> Option<usize> {
        let ps = self.paths.as_ref().ok()?;
        if let Ok(CycleMap::Piecewise { word, pieces }) = &self.map {
            let v = x[*word as usize];
            let i = pieces.partition_point(|p| p.hi < v);
            return pieces.get(i).map(|p| p.path);
        }
        ps.iter().position(|p| p.contains(x))
    }
}

/// `synchronize_rcu()` on a path the jump cannot locate in O(1).
fn gp_blocker(m: &CycleMap, paths: Option<&Vec<SymPath>>) -> Option<String> {
    let paths = paths?;
    if let CycleMap::Counter { digits, .. } = m {
        for p in paths.iter().filter(|p| p.has_gp()) {
            for (i, &w) in digits.iter().enumerate().skip(1) {
                let full = (0, mask(digits_bits(m)[i]));
                if p.bx[w as usize] != full {
                    return Some(
                        "synchronize_rcu() under a condition on a word other than the \
                         counter's low digit"
                            .into(),
                    );
                }
            }
        }
    }
    None
}

fn digits_bits(m: &CycleMap) -> Vec<u32> {
    match m {
        CycleMap::Counter { bits, .. } => bits.clone(),
        CycleMap::Piecewise { .. } | CycleMap::Independent { .. } => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::catalog::protocol;

    /// The effect of the piece holding start value `v`.
    fn effect_at(pieces: &[Piece], v: u64) -> Effect {
        pieces
            .iter()
            .find(|p| p.lo <= v && v <= p.hi)
            .unwrap()
            .effect
    }

    #[test]
    fn one_word_writers_are_piecewise() {
        let s = protocol("plain", &[("W", "8")]).unwrap();
        let sh = s.shape();
        let Ok(CycleMap::Piecewise { pieces, .. }) = &sh.map else {
            panic!("{:?}", sh.map)
        };
        // Even start values below 254 add 2; 254 wraps to 0.
        let at = |v: u64| effect_at(pieces, v);
        assert_eq!(at(0), Effect::Add(2));
        assert_eq!(at(254), Effect::Add(2 - 256));
        assert_eq!(sh.symmetry, vec![(0, 2)]);
        assert!(sh.accel_blocker.is_none());
        let g = protocol("guard", &[("W", "8")]).unwrap();
        assert!(g.shape().symmetry.is_empty(), "the wrap point is absolute");
        assert!(g.shape().has_gp);
        let sat = protocol("saturate", &[("W", "8")]).unwrap();
        let Ok(CycleMap::Piecewise { pieces, .. }) = &sat.shape().map else {
            panic!()
        };
        let at = |v: u64| effect_at(pieces, v);
        assert_eq!(at(254), Effect::Set(255));
        assert_eq!(at(255), Effect::Set(255));
    }

    #[test]
    fn two_word_writers_are_counters_checked_exactly() {
        for order in ["lo-first", "hi-first"] {
            let s = protocol("split", &[("H", "3"), ("L", "4"), ("ORDER", order)]).unwrap();
            let Ok(CycleMap::Counter { digits, d, .. }) = &s.shape().map else {
                panic!("{:?}", s.shape().map)
            };
            assert_eq!(digits, &vec![1, 0], "lo is the low digit");
            assert_eq!(*d, 2);
            assert_eq!(s.shape().symmetry, vec![(0, 1)], "hi shifts freely");
        }
        let e = protocol("epoch", &[("W", "4"), ("E", "3")]).unwrap();
        assert!(matches!(e.shape().map, Ok(CycleMap::Counter { d: 2, .. })));
    }

    #[test]
    fn a_writer_that_is_not_a_counter_is_refused() {
        // Carries into hi one step too early: not a counter.
        let text = crate::protocol::catalog::text("split")
            .unwrap()
            .replace("if (lo + 1 == 1 << L)", "if (lo + 3 == 1 << L)");
        let d = std::sync::Arc::new(crate::protocol::ProtocolFile::parse("x.toml", &text).unwrap());
        let s = crate::protocol::Protocol::new(
            d,
            &[("L".into(), "4".into()), ("H".into(), "3".into())],
            "t",
        )
        .unwrap();
        assert!(s.shape().map.is_err());
    }
}
