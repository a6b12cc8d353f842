//! What the parser produces: statements and expressions as written, with
//! their body offsets, and the operators, fences and return values they
//! name. The compiler ([`crate::protocol::compile`]) and the engines use
//! these types; they are apart from the parsing itself.

use crate::protocol::program::{AtomicTy, LoadOrder, Rmw, StoreOrder};

/// How a reader speculation ends, as its `return` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ReturnKind {
    /// The counter did not change: use the data.
    Accept,
    /// The counter changed: try again.
    Retry,
    /// The lock is held: take it instead.
    Abort,
}

pub use crate::memory::order::FenceKind;

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    /// `-e`
    Neg,
    /// `!e`
    Not,
    /// `~e`
    BitNot,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinOp {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitOr,
    And,
    Or,
}

impl BinOp {
    /// The operator as written.
    pub fn text(self) -> &'static str {
        use BinOp::*;
        match self {
            Mul => "*",
            Div => "/",
            Rem => "%",
            Add => "+",
            Sub => "-",
            Shl => "<<",
            Shr => ">>",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            Eq => "==",
            Ne => "!=",
            BitAnd => "&",
            BitXor => "^",
            BitOr => "|",
            And => "&&",
            Or => "||",
        }
    }
}

/// An expression with the offset it starts at.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Body offset.
    pub at: usize,
}

/// Expression kinds.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum ExprKind {
    Int(u128),
    /// A local, a parameter, a constant or a word, by name; a member path
    /// (`mm->mm_lock_seq.sequence`) after `&`, `*`, `->` and `.` are
    /// resolved (`(&x)->f` is `x.f`, `*&x` is `x`).
    Name(String),
    /// `&x`: an address, valid only as the argument of a macro that takes
    /// one (`smp_load_acquire(&w)`).
    Addr(String),
    /// `window_cycles()`: the ghost clock of the `bounded` protocol.
    WindowCycles,
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// The right-hand side of an assignment.
#[derive(Clone, Debug, PartialEq)]
pub enum Rhs {
    /// `READ_ONCE(w)` or `smp_load_acquire(&w)`.
    Load {
        /// The word's name.
        word: String,
        /// Offset of the word's name.
        word_at: usize,
        /// `Acquire` for `smp_load_acquire` and `atomic*_read_acquire`.
        order: LoadOrder,
        /// `atomic*_read()`.
        atomic: Option<AtomicTy>,
    },
    /// Any other expression.
    Expr(Expr),
}

/// A statement with its offset.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// Body offset.
    pub at: usize,
}

/// Statement kinds.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum StmtKind {
    Block(Vec<Stmt>),
    /// `x = rhs;` (with a type in front when `decl`).
    Assign {
        name: String,
        rhs: Rhs,
        decl: bool,
    },
    /// `TYPE x;`
    Decl {
        name: String,
    },
    Store {
        word: String,
        word_at: usize,
        value: Expr,
        /// `Release` for `smp_store_release` and a release RMW.
        order: StoreOrder,
        rmw: Option<Rmw>,
    },
    Fence(FenceKind),
    /// `rcu_read_lock()`/`guard(rcu)()` (true) or `rcu_read_unlock()`.
    Rcu(bool),
    Modify,
    Read,
    SyncRcu,
    If {
        cond: Expr,
        then: Box<Stmt>,
        els: Option<Box<Stmt>>,
    },
    DoWhile {
        body: Box<Stmt>,
        cond: Expr,
    },
    While {
        cond: Expr,
        body: Box<Stmt>,
    },
    Return(ReturnKind),
    Empty,
}
