//! The kernel-C subset of writer and reader bodies: statements and
//! expressions as written, with their offsets. Names are resolved later
//! ([`super::compile`]): the parser only knows the macros.
//!
//! The grammar (DESIGN: loads, stores and fences are whole statements, one
//! step each, so the memory model can order them):
//!
//! ```text
//! stmt  := [TYPE] x = READ_ONCE(w);  |  [TYPE] x = smp_load_acquire(&w);
//!        | WRITE_ONCE(w, e);  |  smp_store_release(&w, e);
//!        | smp_rmb(); | smp_wmb(); | smp_mb(); | barrier();
//!        | modify(); | read(); | synchronize_rcu();
//!        | [TYPE] x = e;  |  TYPE x;  |  return ACCEPT|RETRY|ABORT;
//!        | if (e) stmt [else stmt]  |  do stmt while (e);  |  while (e) stmt
//!        | { stmt* }  |  ;
//! e     := C expressions over integers: + - * / % & | ^ ~ << >> == != < <=
//!          > >= && || ! ?: ( ), names, literals, window_cycles()
//! ```

use super::api;
use super::lexer::{Tok, Token, lex};
use super::program::{AtomicTy, Rmw};

/// A parse error: body offset and message.
pub type ParseError = (usize, String);

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
    /// `window_cycles()`: the ghost clock of the `bounded` scheme.
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
        /// `smp_load_acquire`.
        acquire: bool,
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
        release: bool,
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

/// Type words a declaration may start with; they carry no meaning here
/// (arithmetic is exact, a store truncates to the word's width).
const TYPE_WORDS: &[&str] = &[
    "int", "unsigned", "signed", "long", "short", "char", "bool", "u8", "u16", "u32", "u64", "s8",
    "s16", "s32", "s64", "const", "size_t",
];

/// What a statement may be, for error messages.
pub const STATEMENTS_ALLOWED: &str = "x = READ_ONCE(w); x = smp_load_acquire(&w); \
     WRITE_ONCE(w, e); smp_store_release(&w, e); smp_rmb(); smp_wmb(); smp_mb(); \
     barrier(); modify(); read(); synchronize_rcu(); x = e; if/else; do-while; while; \
     { }; return ACCEPT|RETRY|ABORT; the seqlock.h, mmap_lock.h and atomic_t API \
     (seqwrap schemes --api)";

const LOAD_MACROS: &[&str] = &["READ_ONCE", "smp_load_acquire"];

/// The builtins the prelude's atomics expand to.
const BUILTINS: &[&str] = &["__rmw", "__aread"];

/// Most macro expansions one body may take (a guard against a runaway
/// expansion; the deepest API call takes five).
const MAX_EXPANSIONS: usize = 4096;

/// Parse a body into its statements.
pub fn parse_body(text: &str) -> Result<Vec<Stmt>, ParseError> {
    let toks = lex(text)?;
    let mut p = Parser::new(toks);
    let mut out = Vec::new();
    while p.peek() != &Tok::Eof {
        out.push(p.stmt()?);
    }
    Ok(out)
}

/// Parse one expression (a width, a constraint, a parameter value).
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    let toks = lex(text)?;
    let mut p = Parser::new(toks);
    let e = p.expr()?;
    if p.peek() != &Tok::Eof {
        return Err((
            p.at(),
            format!("unexpected {} after the expression", p.peek()),
        ));
    }
    if !p.hoist.is_empty() {
        return Err((
            e.at,
            "a kernel API call is not a constant expression".into(),
        ));
    }
    Ok(e)
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
    /// Statements an API call inside the current statement's expressions
    /// expands to; they run before it (`if (read_seqcount_retry(&s, x))`
    /// loads first, then tests).
    hoist: Vec<Stmt>,
    /// Inside an operand C may skip (right of `&&`/`||`, an arm of `?:`),
    /// where hoisting would run what C does not.
    no_hoist: usize,
    expansions: usize,
    /// Suffix for the next expansion's temporaries (`__seq` -> `__seq_3`).
    fresh: usize,
}

impl Parser {
    fn new(toks: Vec<Token>) -> Parser {
        Parser {
            toks,
            i: 0,
            hoist: Vec::new(),
            no_hoist: 0,
            expansions: 0,
            fresh: 0,
        }
    }
    fn peek(&self) -> &Tok {
        &self.toks[self.i].kind
    }
    fn peek_at(&self, k: usize) -> &Tok {
        &self.toks[(self.i + k).min(self.toks.len() - 1)].kind
    }
    fn at(&self) -> usize {
        self.toks[self.i].at
    }
    fn bump(&mut self) -> Token {
        let t = self.toks[self.i].clone();
        if self.i + 1 < self.toks.len() {
            self.i += 1;
        }
        t
    }
    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(q) if *q == p)
    }
    fn expect(&mut self, p: &'static str, context: &str) -> Result<usize, ParseError> {
        if self.is_punct(p) {
            Ok(self.bump().at)
        } else {
            Err((
                self.at(),
                format!("expected '{p}' {context}, found {}", self.peek()),
            ))
        }
    }
    fn ident(&mut self, what: &str) -> Result<(String, usize), ParseError> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                let at = self.bump().at;
                Ok((s, at))
            }
            other => Err((self.at(), format!("expected {what}, found {other}"))),
        }
    }

    /// If the cursor stands at a call of an API macro, replace the call by
    /// its expansion: the arguments, each in parentheses, keep their own
    /// positions; every other token takes the call's, so an error inside
    /// the expansion points at the user's line.
    fn expand(&mut self) -> Result<bool, ParseError> {
        let Tok::Ident(name) = self.peek().clone() else {
            return Ok(false);
        };
        if !matches!(self.peek_at(1), Tok::Punct("(")) {
            return Ok(false);
        }
        let Some(m) = api::macros().get(&name) else {
            return Ok(false);
        };
        let at = self.at();
        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS {
            return Err((
                at,
                format!("more than {MAX_EXPANSIONS} API expansions in one body"),
            ));
        }
        let start = self.i;
        let mut j = self.i + 2;
        let mut depth = 0usize;
        let mut args: Vec<Vec<Token>> = vec![Vec::new()];
        loop {
            let t = &self.toks[j];
            match t.kind {
                Tok::Eof => return Err((at, format!("the call of '{name}' is never closed"))),
                Tok::Punct("(" | "{" | "[") => depth += 1,
                Tok::Punct(")" | "}" | "]") if depth == 0 => break,
                Tok::Punct(")" | "}" | "]") => depth -= 1,
                Tok::Punct(",") if depth == 0 => {
                    args.push(Vec::new());
                    j += 1;
                    continue;
                }
                _ => {}
            }
            args.last_mut().expect("one at least").push(t.clone());
            j += 1;
        }
        if args.len() == 1 && args[0].is_empty() {
            args.clear();
        }
        if args.len() != m.params.len() {
            return Err((
                at,
                format!(
                    "'{name}' takes {} argument(s) ({}), given {}",
                    m.params.len(),
                    m.params.join(", "),
                    args.len()
                ),
            ));
        }
        let suffix = self.fresh;
        self.fresh += 1;
        let tok = |kind: Tok| Token { kind, at };
        let mut out = Vec::new();
        for t in &m.body {
            match t {
                Tok::Ident(id) => {
                    if let Some(k) = m.params.iter().position(|p| p == id) {
                        out.push(tok(Tok::Punct("(")));
                        out.extend(args[k].iter().cloned());
                        out.push(tok(Tok::Punct(")")));
                    } else if id.starts_with("__")
                        && !BUILTINS.contains(&id.as_str())
                        && !api::macros().contains_key(id)
                    {
                        out.push(tok(Tok::Ident(format!("{id}_{suffix}"))));
                    } else {
                        out.push(tok(t.clone()));
                    }
                }
                _ => out.push(tok(t.clone())),
            }
        }
        self.toks.splice(start..=j, out);
        Ok(true)
    }

    fn stmt(&mut self) -> Result<Stmt, ParseError> {
        while self.expand()? {}
        let base = self.hoist.len();
        let at = self.at();
        let kind = match self.peek().clone() {
            Tok::Punct("{") => {
                self.bump();
                let mut v = Vec::new();
                while !self.is_punct("}") {
                    if self.peek() == &Tok::Eof {
                        return Err((at, "this '{' is never closed".into()));
                    }
                    v.push(self.stmt()?);
                }
                self.bump();
                StmtKind::Block(v)
            }
            Tok::Punct(";") => {
                self.bump();
                StmtKind::Empty
            }
            Tok::Punct("(" | "*") => self.expr_stmt(at)?,
            Tok::Ident(id) => self.ident_stmt(&id, at)?,
            other => {
                return Err((
                    at,
                    format!("expected a statement, found {other}; allowed: {STATEMENTS_ALLOWED}"),
                ));
            }
        };
        let mut s = Stmt { kind, at };
        // `x = atomic_read(&v);` expands to `__val_3 = LOAD; x = __val_3;`:
        // load into x directly, so an API call costs no extra local (a
        // body has at most 12). Sound because an expansion's temporaries
        // are its own (renamed per expansion) and its value comes last.
        if let StmtKind::Assign {
            name,
            rhs:
                Rhs::Expr(Expr {
                    kind: ExprKind::Name(t),
                    ..
                }),
            ..
        } = &s.kind
            && t.starts_with("__")
            && self.hoist.len() > base
            && matches!(
                self.hoist.last().map(|h| &h.kind),
                Some(StmtKind::Assign { name: n, .. }) if n == t
            )
        {
            let name = name.clone();
            if let Some(Stmt {
                kind: StmtKind::Assign { name: n, .. },
                ..
            }) = self.hoist.last_mut()
            {
                *n = name;
            }
            s.kind = StmtKind::Empty;
        }
        if self.hoist.len() > base {
            let mut v = self.hoist.split_off(base);
            v.push(s);
            return Ok(Stmt {
                kind: StmtKind::Block(v),
                at,
            });
        }
        Ok(s)
    }

    /// A statement that starts with `(` or `*`: an assignment to a local
    /// through an API macro's out-parameter (`*(&seq) = ...`), or an API
    /// call whose value is dropped (`atomic_inc_return(&v);`).
    fn expr_stmt(&mut self, at: usize) -> Result<StmtKind, ParseError> {
        let base = self.hoist.len();
        let e = self.expr()?;
        if self.is_punct("=") {
            let ExprKind::Name(name) = e.kind else {
                return Err((at, "only a local can be assigned".into()));
            };
            if !is_ident(&name) {
                return Err((
                    at,
                    format!("'{name}' is not a local; a word is stored with WRITE_ONCE()"),
                ));
            }
            self.bump();
            let rhs = self.rhs()?;
            self.expect(";", "after the assignment")?;
            return Ok(StmtKind::Assign {
                name,
                rhs,
                decl: false,
            });
        }
        self.expect(";", "after the expression")?;
        if self.hoist.len() > base {
            return Ok(StmtKind::Empty);
        }
        Err((
            at,
            format!("a statement with no effect; allowed: {STATEMENTS_ALLOWED}"),
        ))
    }

    fn ident_stmt(&mut self, id: &str, at: usize) -> Result<StmtKind, ParseError> {
        match id {
            "if" => {
                self.bump();
                self.expect("(", "after 'if'")?;
                let cond = self.expr()?;
                self.expect(")", "to close the 'if' condition")?;
                let then = Box::new(self.stmt()?);
                let els = if matches!(self.peek(), Tok::Ident(s) if s == "else") {
                    self.bump();
                    Some(Box::new(self.stmt()?))
                } else {
                    None
                };
                Ok(StmtKind::If { cond, then, els })
            }
            "do" => {
                self.bump();
                let body = self.stmt()?;
                match self.peek() {
                    Tok::Ident(s) if s == "while" => {
                        self.bump();
                    }
                    other => {
                        return Err((
                            self.at(),
                            format!("expected 'while' after a do body, found {other}"),
                        ));
                    }
                }
                self.expect("(", "after 'while'")?;
                // `do S while (0);`, the kernel's statement macro: S once.
                if matches!(self.peek(), Tok::Int(0)) && matches!(self.peek_at(1), Tok::Punct(")"))
                {
                    self.bump();
                    self.bump();
                    self.expect(";", "after 'do ... while (0)'")?;
                    return Ok(body.kind);
                }
                let base = self.hoist.len();
                let cond = self.expr()?;
                let h = self.hoist.split_off(base);
                self.expect(")", "to close the 'while' condition")?;
                self.expect(";", "after 'do ... while (...)'")?;
                // The condition's loads run at the end of every iteration.
                let body = if h.is_empty() {
                    body
                } else {
                    let mut v = vec![body];
                    v.extend(h);
                    Stmt {
                        kind: StmtKind::Block(v),
                        at,
                    }
                };
                Ok(StmtKind::DoWhile {
                    body: Box::new(body),
                    cond,
                })
            }
            "while" => {
                self.bump();
                self.expect("(", "after 'while'")?;
                let base = self.hoist.len();
                let cond = self.expr()?;
                let h = self.hoist.split_off(base);
                self.expect(")", "to close the 'while' condition")?;
                let body = self.stmt()?;
                if h.is_empty() {
                    return Ok(StmtKind::While {
                        cond,
                        body: Box::new(body),
                    });
                }
                // The condition's loads run before the first test and
                // again after every iteration.
                let mut again = vec![body];
                again.extend(h.iter().cloned());
                let mut v = h;
                v.push(Stmt {
                    kind: StmtKind::While {
                        cond,
                        body: Box::new(Stmt {
                            kind: StmtKind::Block(again),
                            at,
                        }),
                    },
                    at,
                });
                Ok(StmtKind::Block(v))
            }
            "return" => {
                self.bump();
                let (name, nat) = self.ident("ACCEPT, RETRY or ABORT after 'return'")?;
                let r = match name.as_str() {
                    "ACCEPT" => ReturnKind::Accept,
                    "RETRY" => ReturnKind::Retry,
                    "ABORT" => ReturnKind::Abort,
                    _ => {
                        return Err((
                            nat,
                            format!(
                                "'return {name}': allowed: return ACCEPT; return RETRY; return ABORT;"
                            ),
                        ));
                    }
                };
                self.expect(";", "after the return value")?;
                Ok(StmtKind::Return(r))
            }
            "for" | "goto" | "switch" | "break" | "continue" | "case" | "default" => Err((
                at,
                format!(
                    "'{id}' is not supported; allowed control flow: if/else, do-while, while, \
                     blocks, return"
                ),
            )),
            "else" => Err((at, "'else' without an 'if'".into())),
            _ if TYPE_WORDS.contains(&id) => {
                while matches!(self.peek(), Tok::Ident(s) if TYPE_WORDS.contains(&s.as_str())) {
                    self.bump();
                }
                let (name, _) = self.ident("a local's name after its type")?;
                if self.is_punct(";") {
                    self.bump();
                    return Ok(StmtKind::Decl { name });
                }
                if self.is_punct(",") {
                    return Err((
                        self.at(),
                        "declare one local a statement (int s; int e;)".into(),
                    ));
                }
                self.expect("=", "or ';' after the local's name")?;
                let rhs = self.rhs()?;
                self.expect(";", "after the assignment")?;
                Ok(StmtKind::Assign {
                    name,
                    rhs,
                    decl: true,
                })
            }
            _ => {
                if matches!(self.peek_at(1), Tok::Punct("(")) {
                    return self.call_stmt(id, at);
                }
                let (name, _) = self.ident("a statement")?;
                match self.peek().clone() {
                    Tok::Punct("=") => {
                        self.bump();
                        let rhs = self.rhs()?;
                        self.expect(";", "after the assignment")?;
                        Ok(StmtKind::Assign {
                            name,
                            rhs,
                            decl: false,
                        })
                    }
                    Tok::Punct(
                        op @ ("+=" | "-=" | "*=" | "/=" | "&=" | "|=" | "^=" | "<<=" | ">>=" | "++"
                        | "--"),
                    ) => Err((
                        self.at(),
                        format!(
                            "'{name}{op}' is not supported; write '{name} = {name} ...;' \
                             (and WRITE_ONCE for a word)"
                        ),
                    )),
                    Tok::Punct("->") | Tok::Punct(".") | Tok::Punct("[") => Err((
                        self.at(),
                        "a member or an array element cannot be assigned; store a word with \
                         WRITE_ONCE(mm->seq, v) (members name words declared in [words])"
                            .into(),
                    )),
                    other => Err((
                        self.at(),
                        format!(
                            "expected '=' after '{name}', found {other}; allowed: {STATEMENTS_ALLOWED}"
                        ),
                    )),
                }
            }
        }
    }

    /// `&place` (an address) where a macro takes a pointer; `usage` is
    /// how the macro is written.
    fn address(&mut self, what: &str, usage: &str) -> Result<(String, usize), ParseError> {
        let at = self.at();
        let e = self.expr()?;
        match e.kind {
            ExprKind::Addr(p) => Ok((p, e.at)),
            _ => Err((at, format!("{what} takes a pointer: {usage}"))),
        }
    }

    /// A place (a word named as itself, or a member path) where a macro
    /// takes one; `usage` is how the macro is written.
    fn place(&mut self, what: &str, usage: &str) -> Result<(String, usize), ParseError> {
        let at = self.at();
        if self.is_punct("&") || self.is_punct("*") {
            return Err((at, format!("{what} takes the word itself: {usage}")));
        }
        let e = self.expr()?;
        match e.kind {
            ExprKind::Name(p) => Ok((p, e.at)),
            _ => Err((at, format!("{what} takes a word's name: {usage}"))),
        }
    }

    fn call_stmt(&mut self, id: &str, at: usize) -> Result<StmtKind, ParseError> {
        let kind = match id {
            "WRITE_ONCE" | "smp_store_release" => {
                self.bump();
                self.expect("(", "after the macro")?;
                let release = id == "smp_store_release";
                let (word, word_at) = if release {
                    self.address(id, "smp_store_release(&w, e)")?
                } else {
                    self.place(id, "WRITE_ONCE(w, e)")?
                };
                self.expect(",", "between the word and the value")?;
                let value = self.expr()?;
                self.expect(")", "to close the store")?;
                StmtKind::Store {
                    word,
                    word_at,
                    value,
                    release,
                    rmw: None,
                }
            }
            "__rmw" => {
                self.bump();
                self.expect("(", "after __rmw")?;
                let (word, word_at) = self.address("an atomic operation", "atomic_inc(&v)")?;
                self.expect(",", "after the atomic")?;
                let value = self.expr()?;
                self.expect(",", "after the value")?;
                let (name, nat) = self.ident("the operation's name")?;
                let rmw = *api::rmws()
                    .get(&name)
                    .ok_or_else(|| (nat, format!("'{name}' is not an atomic operation")))?;
                self.expect(")", "to close __rmw")?;
                StmtKind::Store {
                    word,
                    word_at,
                    value,
                    release: rmw.order == super::program::RmwOrder::Release,
                    rmw: Some(rmw),
                }
            }
            "smp_rmb"
            | "smp_wmb"
            | "smp_mb"
            | "barrier"
            | "modify"
            | "read"
            | "synchronize_rcu"
            | "smp_mb__before_atomic"
            | "smp_mb__after_atomic"
            | "rcu_read_lock"
            | "rcu_read_unlock" => {
                self.bump();
                self.expect("(", "after the macro")?;
                self.expect(")", &format!("'{id}' takes no arguments"))?;
                match id {
                    "smp_rmb" => StmtKind::Fence(FenceKind::Rmb),
                    "smp_wmb" => StmtKind::Fence(FenceKind::Wmb),
                    "smp_mb" => StmtKind::Fence(FenceKind::Mb),
                    "barrier" => StmtKind::Fence(FenceKind::Barrier),
                    "smp_mb__before_atomic" => StmtKind::Fence(FenceKind::BeforeAtomic),
                    "smp_mb__after_atomic" => StmtKind::Fence(FenceKind::AfterAtomic),
                    "modify" => StmtKind::Modify,
                    "read" => StmtKind::Read,
                    "rcu_read_lock" => StmtKind::Rcu(true),
                    "rcu_read_unlock" => StmtKind::Rcu(false),
                    _ => StmtKind::SyncRcu,
                }
            }
            "guard" => {
                self.bump();
                self.expect("(", "after 'guard'")?;
                let (what, wat) = self.ident("the guard's class")?;
                if what != "rcu" {
                    return Err((
                        wat,
                        format!("guard({what}) is not supported; allowed: guard(rcu)()"),
                    ));
                }
                self.expect(")", "after guard(rcu")?;
                self.expect("(", "guard(rcu)() takes an empty argument list")?;
                self.expect(")", "guard(rcu)() takes no arguments")?;
                StmtKind::Rcu(true)
            }
            _ if LOAD_MACROS.contains(&id) || id == "__aread" => {
                return Err((
                    at,
                    format!("the value of '{id}(...)' must be kept: x = {id}(...);"),
                ));
            }
            _ => {
                let hint = api::REFUSED
                    .iter()
                    .find(|(m, _)| *m == id)
                    .map(|(_, h)| format!(" ({h})"))
                    .unwrap_or_default();
                return Err((
                    at,
                    format!("unknown macro '{id}'{hint}; allowed: {STATEMENTS_ALLOWED}"),
                ));
            }
        };
        self.expect(";", "after the statement")?;
        Ok(kind)
    }

    fn rhs(&mut self) -> Result<Rhs, ParseError> {
        while self.expand()? {}
        if let Tok::Ident(id) = self.peek().clone()
            && (LOAD_MACROS.contains(&id.as_str()) || id == "__aread")
            && matches!(self.peek_at(1), Tok::Punct("("))
        {
            self.bump();
            self.bump();
            let (word, word_at, acquire, atomic) = match id.as_str() {
                "READ_ONCE" => {
                    let (w, a) = self.place("READ_ONCE", "x = READ_ONCE(w);")?;
                    (w, a, false, None)
                }
                "smp_load_acquire" => {
                    let (w, a) = self.address("smp_load_acquire", "x = smp_load_acquire(&w);")?;
                    (w, a, true, None)
                }
                _ => {
                    let (w, a) = self.address("an atomic read", "x = atomic_read(&v);")?;
                    self.expect(",", "after the atomic")?;
                    let (name, nat) = self.ident("the read's name")?;
                    let (ty, acquire) = api::atomic_read(&name)
                        .ok_or_else(|| (nat, format!("'{name}' is not an atomic read")))?;
                    (w, a, acquire, Some(ty))
                }
            };
            self.expect(")", "to close the load")?;
            let continues = match self.peek() {
                Tok::Punct(p) => binop(p).is_some() || matches!(*p, "?" | "[" | "." | "->"),
                _ => false,
            };
            if continues {
                return Err((
                    self.at(),
                    "a load must be a statement of its own (x = READ_ONCE(w);): loads are \
                     the steps the memory model orders"
                        .into(),
                ));
            }
            if !self.is_punct(";") {
                self.expect(";", "after the load")?;
            }
            return Ok(Rhs::Load {
                word,
                word_at,
                acquire,
                atomic,
            });
        }
        Ok(Rhs::Expr(self.expr()?))
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let c = self.binary(0)?;
        if self.is_punct("?") {
            let at = c.at;
            self.bump();
            self.no_hoist += 1;
            let a = self.expr();
            let b = a.and_then(|a| {
                self.expect(":", "in a '?:' expression")?;
                Ok((a, self.expr()?))
            });
            self.no_hoist -= 1;
            let (a, b) = b?;
            return Ok(Expr {
                kind: ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b)),
                at,
            });
        }
        Ok(c)
    }

    /// Precedence climbing over C's binary operators.
    fn binary(&mut self, min: u8) -> Result<Expr, ParseError> {
        let mut lhs = self.unary()?;
        while let Tok::Punct(p) = self.peek().clone() {
            let Some((op, prec)) = binop(p) else { break };
            if prec < min {
                break;
            }
            self.bump();
            let skippable = matches!(op, BinOp::And | BinOp::Or);
            if skippable {
                self.no_hoist += 1;
            }
            let rhs = self.binary(prec + 1);
            if skippable {
                self.no_hoist -= 1;
            }
            let rhs = rhs?;
            let at = lhs.at;
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                at,
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        while self.expand()? {}
        let at = self.at();
        let op = match self.peek() {
            Tok::Punct("-") => Some(UnOp::Neg),
            Tok::Punct("!") => Some(UnOp::Not),
            Tok::Punct("~") => Some(UnOp::BitNot),
            Tok::Punct("+") => {
                self.bump();
                return self.unary();
            }
            Tok::Punct("&") => {
                self.bump();
                let e = self.unary()?;
                return match e.kind {
                    ExprKind::Name(p) => Ok(Expr {
                        kind: ExprKind::Addr(p),
                        at,
                    }),
                    _ => Err((at, "'&' takes the address of a word or a local only".into())),
                };
            }
            Tok::Punct("*") => {
                self.bump();
                let e = self.unary()?;
                return match e.kind {
                    ExprKind::Addr(p) => Ok(Expr {
                        kind: ExprKind::Name(p),
                        at,
                    }),
                    _ => Err((
                        at,
                        "pointers are not supported: '*' applies only to an address \
                         (a macro's out-parameter, *&x)"
                            .into(),
                    )),
                };
            }
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let e = self.unary()?;
            return Ok(Expr {
                kind: ExprKind::Unary(op, Box::new(e)),
                at,
            });
        }
        let p = self.primary()?;
        self.postfix(p)
    }

    /// `->member` and `.member` after a place: `(&x)->f` is `x.f`.
    fn postfix(&mut self, mut e: Expr) -> Result<Expr, ParseError> {
        loop {
            if self.is_punct("->") || self.is_punct(".") {
                let arrow = self.is_punct("->");
                self.bump();
                let (f, _) = self.ident("a member's name")?;
                e.kind = match (e.kind, arrow) {
                    (ExprKind::Addr(p), true) => ExprKind::Name(format!("{p}.{f}")),
                    (ExprKind::Name(p), true) => ExprKind::Name(format!("{p}->{f}")),
                    (ExprKind::Name(p), false) => ExprKind::Name(format!("{p}.{f}")),
                    _ => {
                        return Err((
                            e.at,
                            "a member of something that is not a struct or a pointer to one".into(),
                        ));
                    }
                };
            } else if self.is_punct("[") {
                return Err((
                    self.at(),
                    "arrays are not supported; name each word in [words]".into(),
                ));
            } else if self.is_punct("++") || self.is_punct("--") {
                return Err((
                    self.at(),
                    "'++' and '--' are not supported; write 'x = x + 1;' (WRITE_ONCE for a word)"
                        .into(),
                ));
            } else {
                return Ok(e);
            }
        }
    }

    /// Is the statement at the cursor the last of a statement expression,
    /// its value (`({ ...; value; })`)?
    fn value_next(&self) -> bool {
        if let Tok::Ident(s) = self.peek()
            && (TYPE_WORDS.contains(&s.as_str())
                || ["if", "do", "while", "return", "else"].contains(&s.as_str()))
        {
            return false;
        }
        if self.is_punct("{") || self.is_punct(";") {
            return false;
        }
        let mut depth = 0usize;
        let mut j = self.i;
        loop {
            match self.toks[j].kind {
                Tok::Eof => return false,
                Tok::Punct("(" | "{" | "[") => depth += 1,
                Tok::Punct(")" | "}" | "]") => {
                    if depth == 0 {
                        return false;
                    }
                    depth -= 1;
                }
                Tok::Punct("=") if depth == 0 => return false,
                Tok::Punct(";") if depth == 0 => {
                    return matches!(self.toks.get(j + 1).map(|t| &t.kind), Some(Tok::Punct("}")));
                }
                _ => {}
            }
            j += 1;
        }
    }

    /// `({ stmt; ...; value; })`, the `(` and `{` consumed: the statements
    /// are hoisted before the statement that holds the expression, and
    /// the value stands in its place.
    fn stmt_expr(&mut self, at: usize) -> Result<Expr, ParseError> {
        if self.no_hoist > 0 {
            return Err((
                at,
                "a kernel API call that loads or stores stands where C may skip it (right \
                 of && or ||, or in ?:); call it in a statement of its own and test its value"
                    .into(),
            ));
        }
        loop {
            if self.value_next() {
                let e = self.expr()?;
                self.expect(";", "after a statement expression's value")?;
                self.expect("}", "to close a statement expression")?;
                self.expect(")", "to close a statement expression")?;
                return Ok(e);
            }
            if self.peek() == &Tok::Eof || self.is_punct("}") {
                return Err((
                    at,
                    "a statement expression must end with its value: ({ ...; value; })".into(),
                ));
            }
            let s = self.stmt()?;
            self.hoist.push(s);
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let at = self.at();
        match self.peek().clone() {
            Tok::Int(v) => {
                self.bump();
                Ok(Expr {
                    kind: ExprKind::Int(v),
                    at,
                })
            }
            Tok::Punct("(") => {
                self.bump();
                if self.is_punct("{") {
                    self.bump();
                    return self.stmt_expr(at);
                }
                if let Tok::Ident(s) = self.peek()
                    && TYPE_WORDS.contains(&s.as_str())
                {
                    return Err((
                        at,
                        "casts are not supported: arithmetic is exact and a store truncates \
                         to the word's width"
                            .into(),
                    ));
                }
                let e = self.expr()?;
                self.expect(")", "to close '('")?;
                Ok(e)
            }
            Tok::Ident(id) => {
                self.bump();
                if self.is_punct("(") {
                    if id == "window_cycles" {
                        self.bump();
                        self.expect(")", "'window_cycles' takes no arguments")?;
                        return Ok(Expr {
                            kind: ExprKind::WindowCycles,
                            at,
                        });
                    }
                    if LOAD_MACROS.contains(&id.as_str()) {
                        return Err((
                            at,
                            format!(
                                "a load inside an expression: loads are statements of their own \
                                 (x = {id}(...);), so the memory model can order them"
                            ),
                        ));
                    }
                    return Err((
                        at,
                        format!(
                            "'{id}(...)' in an expression; allowed calls: window_cycles() and \
                             the kernel API (seqwrap schemes --api)"
                        ),
                    ));
                }
                if self.is_punct("++") || self.is_punct("--") {
                    return Err((
                        self.at(),
                        format!("'{id}++' is not supported; write '{id} = {id} + 1;'"),
                    ));
                }
                Ok(Expr {
                    kind: ExprKind::Name(id),
                    at,
                })
            }
            other => Err((at, format!("expected an expression, found {other}"))),
        }
    }
}

/// A C identifier (not a member path).
fn is_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn binop(p: &str) -> Option<(BinOp, u8)> {
    use BinOp::*;
    Some(match p {
        "*" => (Mul, 10),
        "/" => (Div, 10),
        "%" => (Rem, 10),
        "+" => (Add, 9),
        "-" => (Sub, 9),
        "<<" => (Shl, 8),
        ">>" => (Shr, 8),
        "<" => (Lt, 7),
        "<=" => (Le, 7),
        ">" => (Gt, 7),
        ">=" => (Ge, 7),
        "==" => (Eq, 6),
        "!=" => (Ne, 6),
        "&" => (BitAnd, 5),
        "^" => (BitXor, 4),
        "|" => (BitOr, 3),
        "&&" => (And, 2),
        "||" => (Or, 1),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flatten blocks: the statements as the compiler walks them.
    fn flat(v: &[Stmt], out: &mut Vec<StmtKind>) {
        for s in v {
            match &s.kind {
                StmtKind::Block(b) => flat(b, out),
                StmtKind::Empty | StmtKind::Decl { .. } => {}
                k => out.push(k.clone()),
            }
        }
    }

    /// The API expands to what today's headers say (include/linux/
    /// seqlock.h, mmap_lock.h): try_begin is one acquire load and the odd
    /// test; retry is smp_rmb() then a READ_ONCE() compared with the
    /// start; every token of an expansion sits at the call.
    #[test]
    fn the_mmap_lock_api_expands_as_the_headers_do() {
        let body = "unsigned int seq;\n\
            guard(rcu)();\n\
            if (!mmap_lock_speculate_try_begin(mm, &seq))\n\
                return ABORT;\n\
            read();\n\
            if (mmap_lock_speculate_retry(mm, seq))\n\
                return RETRY;\n\
            return ACCEPT;";
        let v = parse_body(body).unwrap();
        let mut f = Vec::new();
        flat(&v, &mut f);
        assert!(matches!(f[0], StmtKind::Rcu(true)));
        // The load goes straight into seq (no temporary).
        assert!(
            matches!(
                &f[1],
                StmtKind::Assign { name, rhs: Rhs::Load { word, acquire: true, .. }, .. }
                    if word == "mm->mm_lock_seq.sequence" && name == "seq"
            ),
            "{:?}",
            f[1]
        );
        assert!(matches!(f[2], StmtKind::If { .. }));
        assert!(matches!(f[3], StmtKind::Read));
        assert!(matches!(f[4], StmtKind::Fence(FenceKind::Rmb)));
        assert!(matches!(
            &f[5],
            StmtKind::Assign {
                rhs: Rhs::Load { acquire: false, .. },
                ..
            }
        ));
        // The retry's load sits on the user's line.
        let line_of = |at: usize| body[..at].matches('\n').count();
        let StmtKind::Block(b) = &v[4].kind else {
            panic!("{:?}", v[4])
        };
        assert!(b.iter().all(|s| line_of(s.at) == 5), "{b:?}");
    }

    /// Atomics: a void RMW is an unordered RMW store, a value-returning one
    /// fully ordered, and its value the writer's own new value.
    #[test]
    fn atomics_are_rmw_stores() {
        let v = parse_body("x = atomic_inc_return(&seq); atomic_add(3, &seq);").unwrap();
        let mut f = Vec::new();
        flat(&v, &mut f);
        let rmw = |k: &StmtKind| match k {
            StmtKind::Store { rmw: Some(r), .. } => Some(r.name()),
            _ => None,
        };
        assert_eq!(rmw(&f[0]).as_deref(), Some("atomic_inc_return"));
        // x takes the writer's new value of seq, with no temporary.
        assert!(matches!(f[1], StmtKind::Assign { ref name, .. } if name == "x"));
        assert_eq!(rmw(&f[2]).as_deref(), Some("atomic_add"));
    }

    #[test]
    fn the_rfc_reader_parses() {
        let body = "
            int s = smp_load_acquire(&seq);
            if (s & 1) return ABORT;
            read();
            e = smp_load_acquire(&seq);
            if (e == s) return ACCEPT;
            return RETRY;";
        let v = parse_body(body).unwrap();
        assert_eq!(v.len(), 6);
        assert!(matches!(
            &v[0].kind,
            StmtKind::Assign { name, rhs: Rhs::Load { acquire: true, .. }, decl: true } if name == "s"
        ));
        assert!(matches!(v[2].kind, StmtKind::Read));
        assert!(matches!(v[5].kind, StmtKind::Return(ReturnKind::Retry)));
    }

    #[test]
    fn precedence_is_c_precedence() {
        let v = parse_body("x = 1 + 2 * 3 == 7 && y | 4;").unwrap();
        let StmtKind::Assign {
            rhs: Rhs::Expr(e), ..
        } = &v[0].kind
        else {
            panic!()
        };
        assert!(matches!(e.kind, ExprKind::Binary(BinOp::And, _, _)));
    }

    #[test]
    fn errors_say_what_is_allowed() {
        for (body, want) in [
            (
                "if (READ_ONCE(seq) == 1) return ACCEPT;",
                "load inside an expression",
            ),
            ("smp_store_mb_x();", "unknown macro"),
            ("read_seqbegin(&sl);", "seqlock_t readers"),
            (
                "x = atomic_read(&a) + READ_ONCE(b);",
                "load inside an expression",
            ),
            (
                "if (x && read_seqcount_retry(&s, x)) return RETRY;",
                "where C may skip it",
            ),
            ("x = *p;", "pointers are not supported"),
            ("read_seqcount_retry(&s);", "takes 2 argument(s)"),
            ("mm->seq = 1;", "cannot be assigned"),
            ("guard(mutex)(&m);", "guard(mutex) is not supported"),
            ("x = READ_ONCE(seq) + 1;", "statement of its own"),
            ("return OK;", "return ACCEPT"),
            ("for (;;) {}", "not supported"),
            ("seq++;", "not supported"),
            ("smp_store_release(seq, 1);", "takes a pointer"),
            ("x = (u32)y;", "casts"),
            ("{ x = 1;", "never closed"),
        ] {
            let e = parse_body(body).unwrap_err();
            assert!(e.1.contains(want), "{body}: {}", e.1);
        }
    }
}
