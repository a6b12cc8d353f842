//! A compiled protocol: the writer's and the reader's bodies as control
//! flow graphs of steps, every load, store and fence one instruction with
//! its ordering, ready for any memory model.
//!
//! Node numbers follow the source order, so an edge to a node at or before
//! its source is a loop's back edge (the compiler lays loops out that way).

use serde::Serialize;

use super::parse::{BinOp, FenceKind, ReturnKind, UnOp};

/// Index of a shared word (in `[words]` order).
pub type WordId = u8;
/// Index of a local of one body.
pub type LocalId = u8;
/// Index of an instruction in a body.
pub type Node = u16;

/// Most shared words a protocol may declare.
pub const MAX_WORDS: usize = 4;
/// Most locals one body may use.
pub const MAX_LOCALS: usize = 12;
/// Most instructions one body may compile to.
pub const MAX_NODES: usize = 4096;

/// A shared word.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Word {
    /// Its name.
    pub name: String,
    /// Width in bits, 1..=64.
    pub bits: u32,
}

impl Word {
    /// `2^bits - 1`.
    pub fn mask(&self) -> u64 {
        crate::width::mask(self.bits)
    }
}

/// The kernel's atomic types (`include/linux/types.h`,
/// `include/linux/atomic/atomic-long.h`): which family an `atomic*_()` call
/// belongs to. The width is the word's; the family decides what an access
/// costs on an architecture without native atomics of that size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AtomicTy {
    /// `atomic_t`: an `int`.
    Atomic,
    /// `atomic64_t`: an `s64`, on every architecture.
    Atomic64,
    /// `atomic_long_t`: `atomic64_t` on 64-bit, `atomic_t` on 32-bit.
    AtomicLong,
}

impl AtomicTy {
    /// The function-name prefix (`atomic64`).
    pub fn prefix(self) -> &'static str {
        match self {
            AtomicTy::Atomic => "atomic",
            AtomicTy::Atomic64 => "atomic64",
            AtomicTy::AtomicLong => "atomic_long",
        }
    }
}

/// What a read-modify-write does with the word's old value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum RmwOp {
    Inc,
    Dec,
    Add,
    Sub,
    IncReturn,
    DecReturn,
    AddReturn,
    SubReturn,
    FetchInc,
    FetchDec,
    FetchAdd,
    FetchSub,
    Xchg,
    Cmpxchg,
    TryCmpxchg,
}

impl RmwOp {
    /// As the kernel spells it after the type prefix (`inc_return`).
    pub fn text(self) -> &'static str {
        use RmwOp::*;
        match self {
            Inc => "inc",
            Dec => "dec",
            Add => "add",
            Sub => "sub",
            IncReturn => "inc_return",
            DecReturn => "dec_return",
            AddReturn => "add_return",
            SubReturn => "sub_return",
            FetchInc => "fetch_inc",
            FetchDec => "fetch_dec",
            FetchAdd => "fetch_add",
            FetchSub => "fetch_sub",
            Xchg => "xchg",
            Cmpxchg => "cmpxchg",
            TryCmpxchg => "try_cmpxchg",
        }
    }

    /// Does it return a value? Only those are ordered at all
    /// (`Documentation/atomic_t.txt`: "RMW operations that have a return
    /// value are fully ordered"; the void ones are unordered).
    pub fn returns(self) -> bool {
        !matches!(self, RmwOp::Inc | RmwOp::Dec | RmwOp::Add | RmwOp::Sub)
    }
}

pub use crate::memory::order::{LoadOrder, RmwOrder, StoreOrder};

/// A read-modify-write of a word, the kernel's `atomic*_*()` call: in a
/// writer that holds the lock it stores the new value (the old one is the
/// writer's own latest value), ordered as its name says. x86 executes it
/// as a locked instruction, a full fence under TSO, which a writer that
/// never loads cannot tell from a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Rmw {
    /// `atomic`, `atomic64` or `atomic_long`.
    pub ty: AtomicTy,
    /// The operation.
    pub op: RmwOp,
    /// The ordering.
    pub order: RmwOrder,
}

impl Rmw {
    /// The function as the kernel names it (`atomic64_inc_return_release`).
    pub fn name(&self) -> String {
        let suffix = match (self.op.returns(), self.order) {
            (false, _) | (true, RmwOrder::Full) => "",
            (true, RmwOrder::Relaxed) => "_relaxed",
            (true, RmwOrder::Acquire) => "_acquire",
            (true, RmwOrder::Release) => "_release",
        };
        format!("{}_{}{suffix}", self.ty.prefix(), self.op.text())
    }
}

/// A compiled expression. Params are folded to constants; arithmetic is
/// exact (i128, checked: overflow is an error, never a silent wrap).
#[derive(Clone, Debug, PartialEq)]
pub struct CExpr {
    /// What it is.
    pub kind: CKind,
    /// File offset (for run-time errors such as division by zero).
    pub at: usize,
}

/// Compiled expression kinds.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum CKind {
    Const(i128),
    /// Writer only: the writer's own latest value of the word.
    Word(WordId),
    Local(LocalId),
    /// Reader only: writer cycles begun since the reader's first load.
    WindowCycles,
    Un(UnOp, Box<CExpr>),
    Bin(BinOp, Box<CExpr>, Box<CExpr>),
    Cond(Box<CExpr>, Box<CExpr>, Box<CExpr>),
}

/// One instruction. Loads, stores, `modify()`, the two data loads of
/// `read()` and `synchronize_rcu()` are the memory events a model orders;
/// fences constrain them; the rest is local and takes no step.
#[derive(Clone, Debug, PartialEq)]
pub enum Instr {
    /// `dst = READ_ONCE(word)` / `smp_load_acquire(&word)`.
    Load {
        /// Destination local.
        dst: LocalId,
        /// The word.
        word: WordId,
        /// Its ordering.
        order: LoadOrder,
        /// `atomic*_read()`: which atomic type (what the read costs).
        atomic: Option<AtomicTy>,
        /// Next instruction.
        next: Node,
    },
    /// One of the two loads of the protected data that `read()` stands for
    /// (the data phase is bracketed by them: a `modify()` that becomes
    /// visible between them is a modification during the data phase).
    DataLoad {
        /// The second of the two.
        second: bool,
        /// Next instruction.
        next: Node,
    },
    /// `WRITE_ONCE(word, value)` / `smp_store_release(&word, value)`;
    /// the value is truncated to the word's width.
    Store {
        /// The word.
        word: WordId,
        /// The value.
        value: CExpr,
        /// Its ordering.
        order: StoreOrder,
        /// The `atomic*_*()` read-modify-write this store is, if any.
        rmw: Option<Rmw>,
        /// Next instruction.
        next: Node,
    },
    /// `modify()`: a store to the protected data.
    Modify {
        /// Next instruction.
        next: Node,
    },
    /// A fence.
    Fence {
        /// Which.
        kind: FenceKind,
        /// Next instruction.
        next: Node,
    },
    /// `synchronize_rcu()`: waits until every speculation in flight when it
    /// starts has ended; a full fence.
    SyncRcu {
        /// Next instruction.
        next: Node,
    },
    /// `dst = value`.
    Assign {
        /// Destination local.
        dst: LocalId,
        /// The value.
        value: CExpr,
        /// Next instruction.
        next: Node,
    },
    /// `if (cond) then else els`; also the tests of loops.
    Branch {
        /// Nonzero: take `then`.
        cond: CExpr,
        /// Target when true.
        then: Node,
        /// Target when false.
        els: Node,
    },
    /// Reader: the speculation ends.
    Return(ReturnKind),
    /// Writer: the cycle's critical section ends (the lock is released).
    End,
}

impl Instr {
    /// The successors of this instruction.
    pub fn successors(&self) -> impl Iterator<Item = Node> {
        let (a, b) = match self {
            Instr::Load { next, .. }
            | Instr::DataLoad { next, .. }
            | Instr::Store { next, .. }
            | Instr::Modify { next }
            | Instr::Fence { next, .. }
            | Instr::SyncRcu { next }
            | Instr::Assign { next, .. } => (Some(*next), None),
            Instr::Branch { then, els, .. } => (Some(*then), Some(*els)),
            Instr::Return(_) | Instr::End => (None, None),
        };
        a.into_iter().chain(b)
    }

    /// Is this a step some thread takes (a memory event), as opposed to a
    /// fence or local computation?
    pub fn is_event(&self) -> bool {
        matches!(
            self,
            Instr::Load { .. }
                | Instr::DataLoad { .. }
                | Instr::Store { .. }
                | Instr::Modify { .. }
                | Instr::SyncRcu { .. }
        )
    }
}

/// One body: its instructions (with their file offsets) and its locals.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// Instructions; node 0 is the entry.
    pub code: Vec<Instr>,
    /// File offset of each instruction's statement.
    pub at: Vec<usize>,
    /// Names of the locals, by id.
    pub locals: Vec<String>,
    /// File offset of the end of the body (for "falls off the end").
    pub end_at: usize,
}

impl Body {
    /// Is the edge `from -> to` a loop's back edge? (Nodes are laid out in
    /// source order; loops jump back to their head.)
    pub fn is_back_edge(from: Node, to: Node) -> bool {
        to <= from
    }
}

/// A compiled, instantiated protocol.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    /// The shared words.
    pub words: Vec<Word>,
    /// The writer's critical section (one lock cycle).
    pub writer: Body,
    /// The reader's speculation.
    pub reader: Body,
}

/// Why evaluating an expression failed (at run time, on some path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalError {
    /// File offset of the expression.
    pub at: usize,
    /// What went wrong.
    pub msg: String,
}

/// Values an expression may read.
pub trait Env {
    /// The writer's latest value of a word (writer bodies only).
    fn word(&self, w: WordId) -> u64;
    /// A local's value.
    fn local(&self, l: LocalId) -> i128;
    /// Writer cycles begun in this reader's window (reader bodies only).
    fn window_cycles(&self) -> u64;
}

/// What a reader's expression reads: its locals and `window_cycles()`; a
/// reader never names a word in an expression (loads are statements).
struct ReaderEnv<'a> {
    locals: &'a [i128; MAX_LOCALS],
    window: u64,
}

impl Env for ReaderEnv<'_> {
    fn word(&self, _w: WordId) -> u64 {
        0
    }
    fn local(&self, l: LocalId) -> i128 {
        self.locals[l as usize]
    }
    fn window_cycles(&self) -> u64 {
        self.window
    }
}

impl CExpr {
    /// Evaluate a reader expression over its locals and the cycles begun
    /// in its window (the explorer and the stress replay share this).
    pub fn eval_reader(
        &self,
        locals: &[i128; MAX_LOCALS],
        window: u64,
    ) -> std::result::Result<i128, EvalError> {
        self.eval(&ReaderEnv { locals, window })
    }

    /// A constant.
    pub fn constant(v: i128, at: usize) -> CExpr {
        CExpr {
            kind: CKind::Const(v),
            at,
        }
    }

    /// The constant value, if this is one.
    pub fn as_const(&self) -> Option<i128> {
        match self.kind {
            CKind::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Evaluate exactly.
    pub fn eval(&self, env: &dyn Env) -> Result<i128, EvalError> {
        match &self.kind {
            CKind::Const(v) => Ok(*v),
            CKind::Word(w) => Ok(i128::from(env.word(*w))),
            CKind::Local(l) => Ok(env.local(*l)),
            CKind::WindowCycles => Ok(i128::from(env.window_cycles())),
            CKind::Un(op, a) => unary(*op, a.eval(env)?, self.at),
            CKind::Bin(op, a, b) => {
                let x = a.eval(env)?;
                // && and || short-circuit, as in C.
                match op {
                    BinOp::And if x == 0 => return Ok(0),
                    BinOp::Or if x != 0 => return Ok(1),
                    _ => {}
                }
                binary(*op, x, b.eval(env)?, self.at)
            }
            CKind::Cond(c, a, b) => {
                if c.eval(env)? != 0 {
                    a.eval(env)
                } else {
                    b.eval(env)
                }
            }
        }
    }

    /// Does the expression read anything but constants?
    pub fn visit(&self, f: &mut dyn FnMut(&CKind)) {
        f(&self.kind);
        match &self.kind {
            CKind::Un(_, a) => a.visit(f),
            CKind::Bin(_, a, b) => {
                a.visit(f);
                b.visit(f);
            }
            CKind::Cond(c, a, b) => {
                c.visit(f);
                a.visit(f);
                b.visit(f);
            }
            _ => {}
        }
    }
}

/// `op x`, exactly.
pub fn unary(op: UnOp, x: i128, at: usize) -> Result<i128, EvalError> {
    match op {
        UnOp::Neg => x.checked_neg().ok_or_else(|| overflow(at)),
        UnOp::Not => Ok(i128::from(x == 0)),
        UnOp::BitNot => Ok(!x),
    }
}

fn overflow(at: usize) -> EvalError {
    EvalError {
        at,
        msg: "arithmetic overflows 128 bits".into(),
    }
}

/// `x op y`, exactly (C semantics on unbounded integers; `/` and `%`
/// truncate toward zero; shifts by 0..=127).
pub fn binary(op: BinOp, x: i128, y: i128, at: usize) -> Result<i128, EvalError> {
    use BinOp::*;
    let b = |c: bool| Ok(i128::from(c));
    match op {
        Mul => x.checked_mul(y).ok_or_else(|| overflow(at)),
        Div | Rem => {
            if y == 0 {
                return Err(EvalError {
                    at,
                    msg: "division by zero".into(),
                });
            }
            let r = if op == Div {
                x.checked_div(y)
            } else {
                x.checked_rem(y)
            };
            r.ok_or_else(|| overflow(at))
        }
        Add => x.checked_add(y).ok_or_else(|| overflow(at)),
        Sub => x.checked_sub(y).ok_or_else(|| overflow(at)),
        Shl | Shr => {
            if !(0..=127).contains(&y) {
                return Err(EvalError {
                    at,
                    msg: format!("shift by {y}; allowed: 0..=127"),
                });
            }
            if op == Shr {
                Ok(x >> y)
            } else {
                let r = x.checked_shl(y as u32).ok_or_else(|| overflow(at))?;
                if (r >> y) != x {
                    return Err(overflow(at));
                }
                Ok(r)
            }
        }
        Lt => b(x < y),
        Le => b(x <= y),
        Gt => b(x > y),
        Ge => b(x >= y),
        Eq => b(x == y),
        Ne => b(x != y),
        BitAnd => Ok(x & y),
        BitXor => Ok(x ^ y),
        BitOr => Ok(x | y),
        And => b(x != 0 && y != 0),
        Or => b(x != 0 || y != 0),
    }
}

/// The value a store of `v` leaves in a word of `bits` bits: `v mod 2^bits`
/// (two's complement for negative values, as the kernel's wrapping
/// arithmetic under `-fno-strict-overflow`).
pub fn truncate(v: i128, bits: u32) -> u64 {
    (v as u128 & u128::from(crate::width::mask(bits))) as u64
}

struct ConcreteEnv<'a> {
    locals: &'a [i128; MAX_LOCALS],
    window: u64,
}

impl Env for ConcreteEnv<'_> {
    fn word(&self, _w: WordId) -> u64 {
        0
    }
    fn local(&self, l: LocalId) -> i128 {
        self.locals[l as usize]
    }
    fn window_cycles(&self) -> u64 {
        self.window
    }
}

impl Program {
    /// Run the reader once with every load of a word returning `value(w)`
    /// and `window_cycles()` returning `window` (a reader whose loads all
    /// happen at one instant: the timed model's reader). Loops whose loads
    /// agree exit after one pass; a loop that would spin is reported.
    pub fn run_reader(
        &self,
        value: &dyn Fn(WordId) -> u64,
        window: u64,
    ) -> Result<super::parse::ReturnKind, EvalError> {
        let mut locals = [0i128; MAX_LOCALS];
        let mut pc: Node = 0;
        let code = &self.reader.code;
        for _ in 0..code.len() * 4 + 4 {
            let env = ConcreteEnv {
                locals: &locals,
                window,
            };
            pc = match &code[pc as usize] {
                Instr::Load {
                    dst, word, next, ..
                } => {
                    locals[*dst as usize] = i128::from(value(*word));
                    *next
                }
                Instr::DataLoad { next, .. } | Instr::Fence { next, .. } => *next,
                Instr::Assign { dst, value, next } => {
                    let v = value.eval(&env)?;
                    locals[*dst as usize] = v;
                    *next
                }
                Instr::Branch { cond, then, els } => {
                    if cond.eval(&env)? != 0 {
                        *then
                    } else {
                        *els
                    }
                }
                Instr::Return(k) => return Ok(*k),
                _ => {
                    return Err(EvalError {
                        at: 0,
                        msg: "not a reader instruction".into(),
                    });
                }
            };
        }
        Err(EvalError {
            at: self.reader.end_at,
            msg: "the reader loops forever on values that do not change".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_is_exact_and_checked() {
        assert_eq!(binary(BinOp::Shl, 1, 64, 0).unwrap(), 1i128 << 64);
        assert!(binary(BinOp::Shl, 1, 127, 0).is_err());
        assert!(binary(BinOp::Div, 1, 0, 7).unwrap_err().at == 7);
        assert_eq!(binary(BinOp::Div, -7, 2, 0).unwrap(), -3, "C truncation");
        assert_eq!(truncate(-1, 8), 255);
        assert_eq!(truncate(256, 8), 0);
        assert_eq!(truncate((1i128 << 64) + 5, 64), 5);
    }
}
