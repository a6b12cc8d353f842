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

use super::parse::{BinOp, FenceKind, UnOp};
use super::program::{
    Body, CExpr, CKind, Instr, LocalId, MAX_LOCALS, MAX_WORDS, Node, Program, Rmw, StoreOrder,
    WordId, truncate,
};
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
        let paths = writer_paths(p, &mut cond_words, &mut const_words);
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
            Ok(ps) => cycle_map(p, ps, stored_words),
            Err(e) => Err(e.clone()),
        };
        let reader = reader_use(p);
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

/// A sorted set of disjoint inclusive intervals.
type Set = Vec<(u64, u64)>;

fn intersect(a: &Set, b: &Set) -> Set {
    let mut out = Vec::new();
    for &(x0, x1) in a {
        for &(y0, y1) in b {
            let lo = x0.max(y0);
            let hi = x1.min(y1);
            if lo <= hi {
                out.push((lo, hi));
            }
        }
    }
    out.sort_unstable();
    out
}

fn complement(a: &Set, max: u64) -> Set {
    let mut out = Vec::new();
    let mut next: u128 = 0;
    for &(lo, hi) in a {
        if u128::from(lo) > next {
            out.push((next as u64, lo - 1));
        }
        next = u128::from(hi) + 1;
    }
    if next <= u128::from(max) {
        out.push((next as u64, max));
    }
    out
}

fn union(a: &Set, b: &Set, max: u64) -> Set {
    complement(&intersect(&complement(a, max), &complement(b, max)), max)
}

/// `x cmp t` over `[0, max]`.
fn cmp_set(op: BinOp, t: i128, max: u64) -> Set {
    let m = i128::from(max);
    let iv = |lo: i128, hi: i128| -> Set {
        let lo = lo.max(0);
        let hi = hi.min(m);
        if lo <= hi {
            vec![(lo as u64, hi as u64)]
        } else {
            Vec::new()
        }
    };
    match op {
        BinOp::Lt => iv(0, t - 1),
        BinOp::Le => iv(0, t),
        BinOp::Gt => iv(t + 1, m),
        BinOp::Ge => iv(t, m),
        BinOp::Eq => iv(t, t),
        BinOp::Ne => complement(&iv(t, t), max),
        _ => unreachable!("comparison operators only"),
    }
}

fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        o => o,
    }
}

/// A condition's truth: constant, or a set of start values of one word.
enum CondSet {
    Const(bool),
    Word(WordId, Set),
}

#[derive(Clone)]
struct SState {
    node: Node,
    bx: [(u64, u64); MAX_WORDS],
    latest: [Sym; MAX_WORDS],
    locals: [Option<Sym>; MAX_LOCALS],
    events: Vec<TEvent>,
}

struct Walker<'a> {
    p: &'a Program,
    cond_words: &'a mut u8,
    const_words: &'a mut u8,
}

impl Walker<'_> {
    fn max(&self, w: WordId) -> u64 {
        self.p.words[w as usize].mask()
    }

    fn eval(&self, st: &SState, e: &CExpr) -> Result<Sym, String> {
        let bad = |what: &str| {
            Err(format!(
                "the writer computes {what}, which is not 'word + constant'"
            ))
        };
        match &e.kind {
            CKind::Const(v) => Ok(Sym::Const(*v)),
            CKind::Word(w) => Ok(st.latest[*w as usize]),
            CKind::Local(l) => {
                st.locals[*l as usize].ok_or_else(|| "a local without a value".into())
            }
            CKind::WindowCycles => bad("window_cycles()"),
            CKind::Un(op, a) => match (op, self.eval(st, a)?) {
                (_, Sym::Const(v)) => super::program::unary(*op, v, e.at)
                    .map(Sym::Const)
                    .map_err(|x| x.msg),
                (UnOp::Neg, _) => bad("a negated word"),
                (UnOp::Not, _) => bad("'!' of a word in a value"),
                (UnOp::BitNot, _) => bad("'~' of a word"),
            },
            CKind::Bin(op, a, b) => {
                let (x, y) = (self.eval(st, a)?, self.eval(st, b)?);
                match (op, x, y) {
                    (_, Sym::Const(u), Sym::Const(v)) => super::program::binary(*op, u, v, e.at)
                        .map(Sym::Const)
                        .map_err(|x| x.msg),
                    (BinOp::Add, Sym::Rel(w, c), Sym::Const(k))
                    | (BinOp::Add, Sym::Const(k), Sym::Rel(w, c)) => Ok(Sym::Rel(w, c + k)),
                    (BinOp::Sub, Sym::Rel(w, c), Sym::Const(k)) => Ok(Sym::Rel(w, c - k)),
                    (BinOp::Sub, Sym::Rel(w1, c1), Sym::Rel(w2, c2)) if w1 == w2 => {
                        Ok(Sym::Const(c1 - c2))
                    }
                    _ => bad(&format!("'{}' on a word", op.text())),
                }
            }
            CKind::Cond(..) => bad("'?:' on a word"),
        }
    }

    fn cond(&mut self, st: &SState, e: &CExpr) -> Result<CondSet, String> {
        if let CKind::Bin(op, a, b) = &e.kind {
            match op {
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
                    let (x, y) = (self.eval(st, a)?, self.eval(st, b)?);
                    return match (x, y) {
                        (Sym::Const(u), Sym::Const(v)) => Ok(CondSet::Const(
                            super::program::binary(*op, u, v, e.at).map_err(|x| x.msg)? != 0,
                        )),
                        (Sym::Rel(w, c), Sym::Const(k)) => {
                            *self.cond_words |= 1 << w;
                            Ok(CondSet::Word(w, cmp_set(*op, k - c, self.max(w))))
                        }
                        (Sym::Const(k), Sym::Rel(w, c)) => {
                            *self.cond_words |= 1 << w;
                            Ok(CondSet::Word(w, cmp_set(flip(*op), k - c, self.max(w))))
                        }
                        (Sym::Rel(w1, c1), Sym::Rel(w2, c2)) if w1 == w2 => Ok(CondSet::Const(
                            super::program::binary(*op, c1, c2, e.at).map_err(|x| x.msg)? != 0,
                        )),
                        _ => Err("a writer condition compares two different words".into()),
                    };
                }
                BinOp::And | BinOp::Or => {
                    let x = self.cond(st, a)?;
                    let y = self.cond(st, b)?;
                    let and = *op == BinOp::And;
                    return match (x, y) {
                        (CondSet::Const(u), CondSet::Const(v)) => {
                            Ok(CondSet::Const(if and { u && v } else { u || v }))
                        }
                        (CondSet::Const(u), s) | (s, CondSet::Const(u)) => Ok(match (and, u) {
                            (true, true) | (false, false) => s,
                            (true, false) => CondSet::Const(false),
                            (false, true) => CondSet::Const(true),
                        }),
                        (CondSet::Word(w1, s1), CondSet::Word(w2, s2)) if w1 == w2 => {
                            let max = self.max(w1);
                            Ok(CondSet::Word(
                                w1,
                                if and {
                                    intersect(&s1, &s2)
                                } else {
                                    union(&s1, &s2, max)
                                },
                            ))
                        }
                        _ => Err("a writer condition combines two different words".into()),
                    };
                }
                _ => {}
            }
        }
        if let CKind::Un(UnOp::Not, a) = &e.kind {
            return Ok(match self.cond(st, a)? {
                CondSet::Const(b) => CondSet::Const(!b),
                CondSet::Word(w, s) => CondSet::Word(w, complement(&s, self.max(w))),
            });
        }
        match self.eval(st, e)? {
            Sym::Const(v) => Ok(CondSet::Const(v != 0)),
            Sym::Rel(w, c) => {
                *self.cond_words |= 1 << w;
                Ok(CondSet::Word(w, cmp_set(BinOp::Ne, -c, self.max(w))))
            }
        }
    }
}

fn writer_paths(
    p: &Program,
    cond_words: &mut u8,
    const_words: &mut u8,
) -> Result<Vec<SymPath>, String> {
    let n = p.words.len();
    let mut init = SState {
        node: 0,
        bx: [(0, 0); MAX_WORDS],
        latest: [Sym::Const(0); MAX_WORDS],
        locals: [None; MAX_LOCALS],
        events: Vec::new(),
    };
    for w in 0..n {
        init.bx[w] = (0, p.words[w].mask());
        init.latest[w] = Sym::Rel(w as WordId, 0);
    }
    let mut walker = Walker {
        p,
        cond_words,
        const_words,
    };
    let code = &p.writer.code;
    let mut work = vec![init];
    let mut done = Vec::new();
    while let Some(mut st) = work.pop() {
        if done.len() + work.len() > MAX_PATHS {
            return Err(format!("the writer has more than {MAX_PATHS} paths"));
        }
        match &code[st.node as usize] {
            Instr::Store {
                word,
                value,
                order,
                rmw,
                next,
            } => {
                let w = *word as usize;
                let bits = p.words[w].bits;
                let modulus = 1i128 << bits;
                match walker.eval(&st, value)? {
                    Sym::Const(k) => {
                        *walker.const_words |= 1 << w;
                        let v = Sym::Const(i128::from(truncate(k, bits)));
                        st.latest[w] = v;
                        st.events.push(TEvent {
                            kind: TKind::Store {
                                word: *word,
                                value: v,
                                order: *order,
                                rmw: *rmw,
                            },
                            node: st.node,
                        });
                        st.node = *next;
                        work.push(st);
                    }
                    Sym::Rel(src, c) if src as usize == w => {
                        let (lo, hi) = st.bx[w];
                        let m_lo = (i128::from(lo) + c).div_euclid(modulus);
                        let m_hi = (i128::from(hi) + c).div_euclid(modulus);
                        if m_hi - m_lo > 4 {
                            return Err(
                                "a store adds more than a few times the word's range".into()
                            );
                        }
                        for m in m_lo..=m_hi {
                            let sub_lo = i128::from(lo).max(m * modulus - c);
                            let sub_hi = i128::from(hi).min((m + 1) * modulus - 1 - c);
                            if sub_lo > sub_hi {
                                continue;
                            }
                            let mut s2 = st.clone();
                            s2.bx[w] = (sub_lo as u64, sub_hi as u64);
                            let v = Sym::Rel(src, c - m * modulus);
                            s2.latest[w] = v;
                            s2.events.push(TEvent {
                                kind: TKind::Store {
                                    word: *word,
                                    value: v,
                                    order: *order,
                                    rmw: *rmw,
                                },
                                node: st.node,
                            });
                            s2.node = *next;
                            work.push(s2);
                        }
                    }
                    Sym::Rel(..) => {
                        return Err("the writer stores one word computed from another".into());
                    }
                }
            }
            Instr::Modify { next } => {
                st.events.push(TEvent {
                    kind: TKind::Modify,
                    node: st.node,
                });
                st.node = *next;
                work.push(st);
            }
            Instr::Fence { kind, next } => {
                st.events.push(TEvent {
                    kind: TKind::Fence(*kind),
                    node: st.node,
                });
                st.node = *next;
                work.push(st);
            }
            Instr::SyncRcu { next } => {
                st.events.push(TEvent {
                    kind: TKind::SyncRcu,
                    node: st.node,
                });
                st.node = *next;
                work.push(st);
            }
            Instr::Assign { dst, value, next } => {
                st.locals[*dst as usize] = Some(walker.eval(&st, value)?);
                st.node = *next;
                work.push(st);
            }
            Instr::Branch { cond, then, els } => match walker.cond(&st, cond)? {
                CondSet::Const(b) => {
                    st.node = if b { *then } else { *els };
                    work.push(st);
                }
                CondSet::Word(w, set) => {
                    let wi = w as usize;
                    let here = vec![st.bx[wi]];
                    let yes = intersect(&here, &set);
                    let no = intersect(&here, &complement(&set, walker.max(w)));
                    for (parts, target) in [(yes, *then), (no, *els)] {
                        for iv in parts {
                            let mut s2 = st.clone();
                            s2.bx[wi] = iv;
                            s2.node = target;
                            work.push(s2);
                        }
                    }
                }
            },
            Instr::End => {
                done.push(SymPath {
                    bx: st.bx,
                    events: st.events,
                    fin: st.latest,
                });
            }
            other => return Err(format!("unexpected writer instruction {other:?}")),
        }
    }
    done.sort_by_key(|a| a.bx);
    Ok(done)
}

fn cycle_map(p: &Program, paths: &[SymPath], stored: u8) -> Result<CycleMap, String> {
    let n = p.words.len();
    // Words never stored stay 0: only the paths whose box holds 0 for them
    // are reachable.
    let live: Vec<&SymPath> = paths
        .iter()
        .filter(|q| (0..n).all(|w| stored & (1 << w) != 0 || q.bx[w].0 == 0))
        .collect();
    let digits: Vec<WordId> = (0..n as WordId)
        .filter(|w| stored & (1 << w) != 0)
        .collect();
    match digits.len() {
        0 => Err("the writer stores no word".into()),
        1 => {
            let w = digits[0];
            let mut pieces: Vec<Piece> = Vec::new();
            for (i, q) in paths.iter().enumerate() {
                if !live.iter().any(|l| std::ptr::eq(*l, q)) {
                    continue;
                }
                let (lo, hi) = q.bx[w as usize];
                let effect = match q.fin[w as usize] {
                    Sym::Rel(_, a) => Effect::Add(a),
                    Sym::Const(c) => Effect::Set(c as u64),
                };
                pieces.push(Piece {
                    lo,
                    hi,
                    effect,
                    path: i,
                });
            }
            pieces.sort_by_key(|q| q.lo);
            let mut next: u128 = 0;
            for q in &pieces {
                if u128::from(q.lo) != next {
                    return Err("the writer's paths do not cover the word's values once".into());
                }
                next = u128::from(q.hi) + 1;
            }
            if next != u128::from(p.words[w as usize].mask()) + 1 {
                return Err("the writer's paths do not cover the word's values".into());
            }
            Ok(CycleMap::Piecewise { word: w, pieces })
        }
        _ => counter(p, &live, &digits).or_else(|why| {
            independent(p, &live, &digits).map_err(|_| {
                format!("{why}, nor independent counters (each word plus its own constant)")
            })
        }),
    }
}

/// Check that the writer adds its own constant to each stored word every
/// cycle, modulo the word's width, with no carry between words: every path
/// is one combination of "this word wraps this cycle or not", each word's
/// final value `x + a` on the paths where it does not wrap and `x + a -
/// 2^bits` where it does. No grace period (it would have to be located
/// from several words).
fn independent(p: &Program, paths: &[&SymPath], stored: &[WordId]) -> Result<CycleMap, String> {
    let zero = [0u64; MAX_WORDS];
    let from_zero = paths
        .iter()
        .find(|q| (0..p.words.len()).all(|w| q.bx[w].0 == 0))
        .ok_or("no writer path starts from all words 0")?;
    let bits: Vec<u32> = stored.iter().map(|&w| p.words[w as usize].bits).collect();
    let adds: Vec<u128> = stored
        .iter()
        .map(|&w| from_zero.fin[w as usize].at(&zero) as u128)
        .collect();
    for q in paths {
        if q.has_gp() {
            return Err("a grace period".into());
        }
        for (i, &w) in stored.iter().enumerate() {
            let modulus = 1i128 << bits[i];
            let a = adds[i] as i128;
            let (lo, hi) = q.bx[w as usize];
            let (lo, hi) = (i128::from(lo), i128::from(hi));
            let ok = match q.fin[w as usize] {
                Sym::Rel(src, c) if src == w => {
                    (c == a && hi + a < modulus) || (c == a - modulus && lo + a >= modulus)
                }
                Sym::Const(c) => lo == hi && (lo + a) % modulus == c,
                Sym::Rel(..) => false,
            };
            if !ok {
                return Err("a word is not its own counter".into());
            }
        }
    }
    Ok(CycleMap::Independent {
        words: stored.to_vec(),
        bits,
        adds,
    })
}

/// All orders of `v`.
fn permutations(v: &[WordId]) -> Vec<Vec<WordId>> {
    if v.len() <= 1 {
        return vec![v.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..v.len() {
        let mut rest = v.to_vec();
        let x = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, x);
            out.push(p);
        }
    }
    out
}

/// Check that the writer is a mixed-radix counter over some order of the
/// stored words (module docs).
fn counter(p: &Program, paths: &[&SymPath], stored: &[WordId]) -> Result<CycleMap, String> {
    let zero = [0u64; MAX_WORDS];
    let from_zero = paths
        .iter()
        .find(|q| (0..p.words.len()).all(|w| q.bx[w].0 == 0))
        .ok_or("no writer path starts from all words 0")?;
    'orders: for order in permutations(stored) {
        let bits: Vec<u32> = order.iter().map(|&w| p.words[w as usize].bits).collect();
        // The combined value after one cycle from zero is D.
        let mut d: u128 = 0;
        let mut shift = 0u32;
        for (i, &w) in order.iter().enumerate() {
            let v = from_zero.fin[w as usize].at(&zero);
            d |= (v as u128) << shift;
            shift += bits[i];
        }
        let low_mod = 1u128 << bits[0];
        // One cycle carries at most once out of the low digit.
        if d == 0 || d > low_mod {
            continue;
        }
        let g = 1u128 << d.trailing_zeros().min(bits[0]);
        // The counter's carry cases: m = how many low digits overflow.
        let k = order.len();
        for m in 0..=k {
            if m == 0 && d == low_mod {
                continue; // every cycle carries
            }
            // Box of case m and each digit's result form.
            let mut bx: Vec<(u64, u64)> = Vec::new();
            let mut form: Vec<Sym> = Vec::new();
            for (i, &w) in order.iter().enumerate() {
                let max = mask(bits[i]);
                if i == 0 {
                    if m == 0 {
                        bx.push((0, (low_mod - d - 1) as u64));
                        form.push(Sym::Rel(w, d as i128));
                    } else {
                        bx.push(((low_mod - d) as u64, max));
                        form.push(Sym::Rel(w, d as i128 - low_mod as i128));
                    }
                } else if i < m {
                    bx.push((max, max));
                    form.push(Sym::Const(0));
                } else if i == m {
                    if max == 0 {
                        continue 'orders;
                    }
                    bx.push((0, max - 1));
                    form.push(Sym::Rel(w, 1));
                } else {
                    bx.push((0, max));
                    form.push(Sym::Rel(w, 0));
                }
            }
            for q in paths {
                // The cell: the path's box met with the case's box.
                let mut cell = Vec::new();
                let mut empty = false;
                for (i, &w) in order.iter().enumerate() {
                    let (a0, a1) = q.bx[w as usize];
                    let lo = a0.max(bx[i].0);
                    let hi = a1.min(bx[i].1);
                    if lo > hi {
                        empty = true;
                        break;
                    }
                    cell.push((lo, hi));
                }
                if empty {
                    continue;
                }
                // Reachable start states have the low digit a multiple of g.
                let first = u128::from(cell[0].0).div_ceil(g) * g;
                if first > u128::from(cell[0].1) {
                    continue;
                }
                for (i, &w) in order.iter().enumerate() {
                    let ok = match (q.fin[w as usize], form[i]) {
                        (Sym::Rel(_, a), Sym::Rel(_, b)) => a == b,
                        (Sym::Const(a), Sym::Const(b)) => a == b,
                        (Sym::Rel(_, a), Sym::Const(c)) | (Sym::Const(c), Sym::Rel(_, a)) => {
                            cell[i].0 == cell[i].1 && i128::from(cell[i].0) + a == c
                        }
                    };
                    if !ok {
                        continue 'orders;
                    }
                }
            }
        }
        return Ok(CycleMap::Counter {
            digits: order,
            bits,
            d,
        });
    }
    Err(
        "the writer is not a counter that adds a constant to its words and carries between \
         them"
            .into(),
    )
}

/// What the reader does with loaded values.
fn reader_use(p: &Program) -> ReaderUse {
    let b: &Body = &p.reader;
    let nl = b.locals.len();
    let mut u = ReaderUse {
        local_word: vec![None; nl],
        ..ReaderUse::default()
    };
    for s in u.stride.iter_mut() {
        *s = Some(1);
    }
    u.mask_stride = [1; MAX_WORDS];
    // Which word each local holds: loads set it; copies propagate it.
    let mut tag: Vec<Option<Option<WordId>>> = vec![None; nl];
    let mut outside: Vec<String> = Vec::new();
    for _ in 0..nl + 1 {
        for ins in &b.code {
            let (dst, t) = match ins {
                Instr::Load { dst, word, .. } => (*dst, Some(*word)),
                Instr::Assign { dst, value, .. } => (
                    *dst,
                    match value.kind {
                        CKind::Local(l) => tag[l as usize].flatten(),
                        _ => None,
                    },
                ),
                _ => continue,
            };
            match tag[dst as usize] {
                None => tag[dst as usize] = Some(t),
                Some(old) if old != t => {
                    if old.is_some() || t.is_some() {
                        let msg = format!(
                            "local '{}' holds values of different words",
                            b.locals[dst as usize]
                        );
                        if !outside.contains(&msg) {
                            outside.push(msg);
                        }
                    }
                    tag[dst as usize] = Some(None);
                }
                _ => {}
            }
        }
    }
    for (i, t) in tag.iter().enumerate() {
        u.local_word[i] = t.flatten();
    }
    let mut a = Abs {
        u: &mut u,
        outside: &mut outside,
        words: p,
    };
    for ins in &b.code {
        match ins {
            Instr::Branch { cond, .. } => {
                a.eval(cond);
            }
            Instr::Assign { value, .. } => {
                if let V::Word(w) = a.eval(value)
                    && !matches!(value.kind, CKind::Local(_))
                {
                    a.bad(&format!(
                        "the reader computes a new value from word {}",
                        p.words[w as usize].name
                    ));
                }
            }
            _ => {}
        }
    }
    if let Some(first) = outside.first() {
        u.outside = Some(format!(
            "{first}; the accelerated explorer needs a reader that only compares loaded values for equality, tests their low bits, and compares window_cycles() with constants"
        ));
    }
    u
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum V {
    Word(WordId),
    Ghost,
    Const(i128),
    Other,
}

struct Abs<'a> {
    u: &'a mut ReaderUse,
    outside: &'a mut Vec<String>,
    words: &'a Program,
}

impl Abs<'_> {
    fn bad(&mut self, msg: &str) {
        if !self.outside.iter().any(|m| m == msg) {
            self.outside.push(msg.to_string());
        }
    }

    fn unfree(&mut self, w: WordId) {
        self.u.stride[w as usize] = None;
    }

    fn eval(&mut self, e: &CExpr) -> V {
        match &e.kind {
            CKind::Const(v) => V::Const(*v),
            CKind::Local(l) => match self.u.local_word[*l as usize] {
                Some(w) => V::Word(w),
                None => V::Other,
            },
            CKind::WindowCycles => V::Ghost,
            CKind::Word(_) => V::Other,
            CKind::Un(op, a) => {
                let x = self.eval(a);
                match (op, x) {
                    (UnOp::Not, _) => V::Other,
                    (_, V::Word(w)) => {
                        self.unfree(w);
                        self.bad("the reader negates a loaded value");
                        V::Other
                    }
                    (_, V::Const(_)) => V::Other,
                    _ => V::Other,
                }
            }
            CKind::Bin(op, a, b) => {
                let x = self.eval(a);
                let y = self.eval(b);
                use BinOp::*;
                match op {
                    Eq | Ne => match (x, y) {
                        (V::Word(w1), V::Word(w2)) => {
                            if w1 != w2 {
                                self.unfree(w1);
                                self.unfree(w2);
                                self.bad("the reader compares values of two different words");
                            }
                            V::Other
                        }
                        (V::Word(w), V::Const(k)) | (V::Const(k), V::Word(w)) => {
                            self.unfree(w);
                            if k >= 0 && k <= i128::from(self.words.words[w as usize].mask()) {
                                self.u.word_consts[w as usize].push(k as u64);
                            }
                            V::Other
                        }
                        (V::Ghost, V::Const(k)) | (V::Const(k), V::Ghost) => {
                            self.ghost(k);
                            V::Other
                        }
                        _ => self.plain(x, y, op),
                    },
                    Lt | Le | Gt | Ge => match (x, y) {
                        (V::Ghost, V::Const(k)) | (V::Const(k), V::Ghost) => {
                            self.ghost(k);
                            self.ghost(k + 1);
                            V::Other
                        }
                        _ => self.plain(x, y, op),
                    },
                    BitAnd => match (x, y) {
                        (V::Word(w), V::Const(k)) | (V::Const(k), V::Word(w)) if k > 0 => {
                            let bitlen = 128 - (k as u128).leading_zeros();
                            let stride = 1u64.checked_shl(bitlen).unwrap_or(0);
                            let ms = &mut self.u.mask_stride[w as usize];
                            *ms = if stride == 0 {
                                u64::MAX
                            } else {
                                (*ms).max(stride)
                            };
                            match self.u.stride[w as usize] {
                                Some(s) if stride != 0 => {
                                    self.u.stride[w as usize] = Some(s.max(stride))
                                }
                                _ => self.unfree(w),
                            }
                            V::Other
                        }
                        _ => self.plain(x, y, op),
                    },
                    And | Or => V::Other,
                    _ => self.plain(x, y, op),
                }
            }
            CKind::Cond(c, a, b) => {
                self.eval(c);
                let x = self.eval(a);
                let y = self.eval(b);
                if matches!(x, V::Word(_) | V::Ghost) || matches!(y, V::Word(_) | V::Ghost) {
                    self.bad("the reader chooses between loaded values with '?:'");
                }
                V::Other
            }
        }
    }

    fn ghost(&mut self, k: i128) {
        if k >= 0 {
            let k = k.min(i128::from(u64::MAX)) as u64;
            if !self.u.ghost_consts.contains(&k) {
                self.u.ghost_consts.push(k);
            }
        }
    }

    fn plain(&mut self, x: V, y: V, op: &BinOp) -> V {
        for v in [x, y] {
            match v {
                V::Word(w) => {
                    self.unfree(w);
                    self.bad(&format!(
                        "the reader applies '{}' to a loaded value",
                        op.text()
                    ));
                }
                V::Ghost => self.bad(&format!(
                    "the reader applies '{}' to window_cycles()",
                    op.text()
                )),
                _ => {}
            }
        }
        V::Other
    }
}

/// Local ids the reader holds values of `w` in.
pub fn locals_of(u: &ReaderUse, w: WordId) -> impl Iterator<Item = LocalId> + '_ {
    u.local_word
        .iter()
        .enumerate()
        .filter(move |(_, t)| **t == Some(w))
        .map(|(i, _)| i as LocalId)
}

impl CycleMap {
    /// The words after `k` cycles from a boundary with words `x` (in place).
    /// O(1) for a counter; for a piecewise map, one step per piece visited
    /// (a few per period), with fixed points detected.
    pub fn jump(&self, x: &mut [u64], k: u128) {
        match self {
            CycleMap::Counter { digits, bits, d } => {
                let total: u32 = bits.iter().sum();
                let m = if total >= 128 {
                    u128::MAX
                } else {
                    (1u128 << total) - 1
                };
                let c = combine(digits, bits, x);
                let c = c.wrapping_add(k.wrapping_mul(*d)) & m;
                split(digits, bits, c, x);
            }
            CycleMap::Independent { words, bits, adds } => {
                for (i, &w) in words.iter().enumerate() {
                    let m = u128::from(mask(bits[i]));
                    // k reduced mod 2^bits first: the product then fits.
                    let step = ((k & m) * adds[i]) & m;
                    x[w as usize] = ((u128::from(x[w as usize]) + step) & m) as u64;
                }
            }
            CycleMap::Piecewise { word, pieces } => {
                let w = *word as usize;
                let mut v = x[w];
                let mut left = k;
                while left > 0 {
                    let i = pieces.partition_point(|p| p.hi < v);
                    let p = pieces[i];
                    match p.effect {
                        Effect::Set(c) => {
                            left -= 1;
                            if c == v {
                                break; // a fixed point
                            }
                            v = c;
                        }
                        Effect::Add(0) => break,
                        Effect::Add(a) => {
                            // Steps that start inside this piece.
                            let room = if a > 0 {
                                (p.hi - v) as u128 / a as u128 + 1
                            } else {
                                (v - p.lo) as u128 / (-a) as u128 + 1
                            };
                            let t = room.min(left);
                            let nv = i128::from(v) + a * t as i128;
                            v = nv as u64;
                            left -= t;
                        }
                    }
                }
                x[w] = v;
            }
        }
    }

    /// Cycles after which a boundary state repeats from `x`, at most
    /// `2^128 - 1`; `None` if the map reaches a fixed point instead.
    pub fn period(&self, x: &[u64]) -> Option<u128> {
        match self {
            CycleMap::Counter { bits, d, .. } => {
                let total: u32 = bits.iter().sum();
                let g = d.trailing_zeros().min(total);
                Some(1u128.checked_shl(total - g).unwrap_or(u128::MAX))
            }
            CycleMap::Piecewise { word, .. } => self.first_hit(x, x[*word as usize], u128::MAX),
            CycleMap::Independent { bits, adds, .. } => {
                let log = bits
                    .iter()
                    .zip(adds)
                    .map(|(&b, &a)| {
                        if a == 0 {
                            0
                        } else {
                            b - a.trailing_zeros().min(b)
                        }
                    })
                    .max()
                    .unwrap_or(0);
                Some(1u128 << log)
            }
        }
    }

    /// One-word maps: the smallest `k` in `1..=max` after which the word
    /// equals `target` at a boundary, walking the orbit a piece at a time.
    pub fn first_hit(&self, x: &[u64], target: u64, max: u128) -> Option<u128> {
        let CycleMap::Piecewise { word, pieces } = self else {
            return None;
        };
        let mut v = x[*word as usize];
        let mut n: u128 = 0;
        for _ in 0..4 * pieces.len() + 8 {
            if n >= max {
                return None;
            }
            let p = pieces[pieces.partition_point(|p| p.hi < v)];
            match p.effect {
                Effect::Set(c) => {
                    n += 1;
                    if c == target {
                        return (n <= max).then_some(n);
                    }
                    if c == v {
                        return None; // a fixed point
                    }
                    v = c;
                }
                Effect::Add(0) => return None,
                Effect::Add(a) => {
                    let t = if a > 0 {
                        (p.hi - v) as u128 / a as u128 + 1
                    } else {
                        (v - p.lo) as u128 / (-a) as u128 + 1
                    };
                    let diff = i128::from(target) - i128::from(v);
                    if diff % a == 0 {
                        let s = diff / a;
                        if s >= 1 && (s as u128) <= t {
                            let k = n + s as u128;
                            return (k <= max).then_some(k);
                        }
                    }
                    v = (i128::from(v) + a * t as i128) as u64;
                    n += t;
                }
            }
        }
        None
    }

    /// How often each writer path runs over one period of the orbit from
    /// the all-zero words: `(visits per path, cycles in the period)`, as
    /// log2 (the counts reach 2^64). The cost columns' "per 2^k cycles".
    /// A one-word map walks its orbit a piece at a time; a counter counts
    /// the orbit's values (multiples of 2^tz(d)) inside each path's box.
    /// `None` when the orbit ends in a fixed point (a saturating counter):
    /// there is no period to be a fraction of.
    pub fn path_frequencies(&self, paths: &[SymPath]) -> Option<(Vec<f64>, f64)> {
        match self {
            CycleMap::Counter { digits, bits, d } => {
                let total: u32 = bits.iter().sum();
                let g = d.trailing_zeros().min(total);
                if g >= bits[0] {
                    return None;
                }
                let period = f64::from(total - g);
                let v = paths
                    .iter()
                    .map(|q| {
                        let mut l = 0.0;
                        for (i, &w) in digits.iter().enumerate() {
                            let (lo, hi) = q.bx[w as usize];
                            let n = if i == 0 {
                                // Multiples of 2^g in [lo, hi].
                                let step = 1u128 << g;
                                let first = (u128::from(lo)).div_ceil(step) * step;
                                if first > u128::from(hi) {
                                    0
                                } else {
                                    (u128::from(hi) - first) / step + 1
                                }
                            } else {
                                u128::from(hi - lo) + 1
                            };
                            l += if n == 0 {
                                f64::NEG_INFINITY
                            } else {
                                (n as f64).log2()
                            };
                        }
                        l
                    })
                    .collect();
                Some((v, period))
            }
            CycleMap::Piecewise { word, pieces } => {
                let mut visits = vec![0u128; paths.len()];
                let start = 0u64;
                let mut v = start;
                let mut n: u128 = 0;
                for _ in 0..4 * pieces.len() + 8 {
                    let p = pieces[pieces.partition_point(|p| p.hi < v)];
                    let (t, next) = match p.effect {
                        Effect::Set(c) if c == v => return None,
                        Effect::Add(0) => return None,
                        Effect::Set(c) => (1, c),
                        Effect::Add(a) => {
                            let t = if a > 0 {
                                (p.hi - v) as u128 / a as u128 + 1
                            } else {
                                (v - p.lo) as u128 / (-a) as u128 + 1
                            };
                            // Stop at the start value if the walk crosses it.
                            let diff = i128::from(start) - i128::from(v);
                            let t = if diff % a == 0 && diff / a >= 1 && (diff / a) as u128 <= t {
                                (diff / a) as u128
                            } else {
                                t
                            };
                            (t, (i128::from(v) + a * t as i128) as u64)
                        }
                    };
                    visits[p.path] += t;
                    n += t;
                    v = next;
                    if v == start {
                        let _ = word;
                        let l = visits
                            .iter()
                            .map(|&c| {
                                if c == 0 {
                                    f64::NEG_INFINITY
                                } else {
                                    (c as f64).log2()
                                }
                            })
                            .collect();
                        return Some((l, (n as f64).log2()));
                    }
                }
                None
            }
            // The joint orbit's visits to a path's box are not a product
            // of the words' visits, and the paths differ only in which
            // words wrap: no frequencies (the first path is the common one).
            CycleMap::Independent { .. } => None,
        }
    }

    /// One-word maps: cycles a boundary at word value `v` stays in its
    /// piece (the next cycle on another writer path begins after them).
    pub fn steps_in_piece(&self, v: u64) -> u128 {
        match self {
            CycleMap::Piecewise { pieces, .. } => {
                let p = pieces[pieces.partition_point(|p| p.hi < v)];
                match p.effect {
                    Effect::Set(_) | Effect::Add(0) => 1,
                    Effect::Add(a) if a > 0 => (p.hi - v) as u128 / a as u128 + 1,
                    Effect::Add(a) => (v - p.lo) as u128 / (-a) as u128 + 1,
                }
            }
            CycleMap::Counter { .. } | CycleMap::Independent { .. } => 1,
        }
    }

    /// The combined counter value of words `x` (counters only).
    pub fn counter_value(&self, x: &[u64]) -> Option<u128> {
        match self {
            CycleMap::Counter { digits, bits, .. } => Some(combine(digits, bits, x)),
            CycleMap::Piecewise { .. } | CycleMap::Independent { .. } => None,
        }
    }
}

/// The mixed-radix value of `x` over `digits` (low first).
pub fn combine(digits: &[WordId], bits: &[u32], x: &[u64]) -> u128 {
    let mut c: u128 = 0;
    let mut shift = 0u32;
    for (i, &w) in digits.iter().enumerate() {
        c |= u128::from(x[w as usize]) << shift;
        shift += bits[i];
    }
    c
}

/// Write counter value `c` into the digits of `x`.
pub fn split(digits: &[WordId], bits: &[u32], c: u128, x: &mut [u64]) {
    let mut rest = c;
    for (i, &w) in digits.iter().enumerate() {
        x[w as usize] = (rest & u128::from(mask(bits[i]))) as u64;
        rest = rest.checked_shr(bits[i]).unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::catalog::scheme;

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
        let s = scheme("plain", &[("W", "8")]).unwrap();
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
        let g = scheme("guard", &[("W", "8")]).unwrap();
        assert!(g.shape().symmetry.is_empty(), "the wrap point is absolute");
        assert!(g.shape().has_gp);
        let sat = scheme("saturate", &[("W", "8")]).unwrap();
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
            let s = scheme("split", &[("H", "3"), ("L", "4"), ("ORDER", order)]).unwrap();
            let Ok(CycleMap::Counter { digits, d, .. }) = &s.shape().map else {
                panic!("{:?}", s.shape().map)
            };
            assert_eq!(digits, &vec![1, 0], "lo is the low digit");
            assert_eq!(*d, 2);
            assert_eq!(s.shape().symmetry, vec![(0, 1)], "hi shifts freely");
        }
        let e = scheme("epoch", &[("W", "4"), ("E", "3")]).unwrap();
        assert!(matches!(e.shape().map, Ok(CycleMap::Counter { d: 2, .. })));
    }

    #[test]
    fn a_writer_that_is_not_a_counter_is_refused() {
        // Carries into hi one step too early: not a counter.
        let text = crate::protocol::catalog::text("split")
            .unwrap()
            .replace("if (lo + 1 == 1 << L)", "if (lo + 3 == 1 << L)");
        let d = std::sync::Arc::new(crate::protocol::Description::parse("x.toml", &text).unwrap());
        let s = crate::protocol::Scheme::new(
            d,
            &[("L".into(), "4".into()), ("H".into(), "3".into())],
            "t",
        )
        .unwrap();
        assert!(s.shape().map.is_err());
    }
}
