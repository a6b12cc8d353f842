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

use super::lexer::{Tok, Token, lex};

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
}

impl FenceKind {
    /// The macro as written.
    pub fn macro_name(self) -> &'static str {
        match self {
            FenceKind::Rmb => "smp_rmb",
            FenceKind::Wmb => "smp_wmb",
            FenceKind::Mb => "smp_mb",
            FenceKind::Barrier => "barrier",
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
    Name(String),
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
    },
    Fence(FenceKind),
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
     { }; return ACCEPT|RETRY|ABORT;";

const LOAD_MACROS: &[&str] = &["READ_ONCE", "smp_load_acquire"];

/// Known kernel macros the subset leaves out, with what to write instead.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "raw_read_seqcount",
        "write the load and smp_rmb() it expands to",
    ),
    (
        "read_seqcount_begin",
        "write the load and smp_rmb() it expands to",
    ),
    (
        "read_seqcount_retry",
        "write smp_rmb() and the load it expands to",
    ),
    (
        "raw_seqcount_try_begin",
        "write the load and smp_rmb() it expands to",
    ),
    (
        "write_seqcount_begin",
        "write the store and smp_wmb() it expands to",
    ),
    (
        "write_seqcount_end",
        "write smp_wmb() and the store it expands to",
    ),
    ("smp_store_mb", "write WRITE_ONCE(w, e); smp_mb();"),
    (
        "rcu_read_lock",
        "the whole reader is one RCU read-side section",
    ),
    (
        "rcu_read_unlock",
        "the whole reader is one RCU read-side section",
    ),
];

/// Parse a body into its statements.
pub fn parse_body(text: &str) -> Result<Vec<Stmt>, ParseError> {
    let toks = lex(text)?;
    let mut p = Parser { toks, i: 0 };
    let mut out = Vec::new();
    while p.peek() != &Tok::Eof {
        out.push(p.stmt()?);
    }
    Ok(out)
}

/// Parse one expression (a width, a constraint, a parameter value).
pub fn parse_expr(text: &str) -> Result<Expr, ParseError> {
    let toks = lex(text)?;
    let mut p = Parser { toks, i: 0 };
    let e = p.expr()?;
    if p.peek() != &Tok::Eof {
        return Err((
            p.at(),
            format!("unexpected {} after the expression", p.peek()),
        ));
    }
    Ok(e)
}

struct Parser {
    toks: Vec<Token>,
    i: usize,
}

impl Parser {
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

    fn stmt(&mut self) -> Result<Stmt, ParseError> {
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
            Tok::Ident(id) => self.ident_stmt(&id, at)?,
            other => {
                return Err((
                    at,
                    format!("expected a statement, found {other}; allowed: {STATEMENTS_ALLOWED}"),
                ));
            }
        };
        Ok(Stmt { kind, at })
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
                let body = Box::new(self.stmt()?);
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
                let cond = self.expr()?;
                self.expect(")", "to close the 'while' condition")?;
                self.expect(";", "after 'do ... while (...)'")?;
                Ok(StmtKind::DoWhile { body, cond })
            }
            "while" => {
                self.bump();
                self.expect("(", "after 'while'")?;
                let cond = self.expr()?;
                self.expect(")", "to close the 'while' condition")?;
                let body = Box::new(self.stmt()?);
                Ok(StmtKind::While { cond, body })
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
                        "members and arrays are not supported; name each word in [words] \
                         and use it directly (READ_ONCE(seq))"
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

    fn call_stmt(&mut self, id: &str, at: usize) -> Result<StmtKind, ParseError> {
        let kind = match id {
            "WRITE_ONCE" | "smp_store_release" => {
                self.bump();
                self.expect("(", "after the macro")?;
                let release = id == "smp_store_release";
                if release {
                    if !self.is_punct("&") {
                        return Err((
                            self.at(),
                            "smp_store_release takes a pointer: smp_store_release(&w, e)".into(),
                        ));
                    }
                    self.bump();
                } else if self.is_punct("&") || self.is_punct("*") {
                    return Err((
                        self.at(),
                        "WRITE_ONCE takes the word itself: WRITE_ONCE(w, e)".into(),
                    ));
                }
                let (word, word_at) = self.ident("a word's name")?;
                self.expect(",", "between the word and the value")?;
                let value = self.expr()?;
                self.expect(")", "to close the store")?;
                StmtKind::Store {
                    word,
                    word_at,
                    value,
                    release,
                }
            }
            "smp_rmb" | "smp_wmb" | "smp_mb" | "barrier" | "modify" | "read"
            | "synchronize_rcu" => {
                self.bump();
                self.expect("(", "after the macro")?;
                self.expect(")", &format!("'{id}' takes no arguments"))?;
                match id {
                    "smp_rmb" => StmtKind::Fence(FenceKind::Rmb),
                    "smp_wmb" => StmtKind::Fence(FenceKind::Wmb),
                    "smp_mb" => StmtKind::Fence(FenceKind::Mb),
                    "barrier" => StmtKind::Fence(FenceKind::Barrier),
                    "modify" => StmtKind::Modify,
                    "read" => StmtKind::Read,
                    _ => StmtKind::SyncRcu,
                }
            }
            _ if LOAD_MACROS.contains(&id) => {
                return Err((
                    at,
                    format!("the value of '{id}(...)' must be kept: x = {id}(...);"),
                ));
            }
            _ => {
                let hint = UNSUPPORTED
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
        if let Tok::Ident(id) = self.peek().clone()
            && LOAD_MACROS.contains(&id.as_str())
            && matches!(self.peek_at(1), Tok::Punct("("))
        {
            self.bump();
            self.bump();
            let acquire = id == "smp_load_acquire";
            if acquire {
                if !self.is_punct("&") {
                    return Err((
                        self.at(),
                        "smp_load_acquire takes a pointer: x = smp_load_acquire(&w);".into(),
                    ));
                }
                self.bump();
            } else if self.is_punct("&") || self.is_punct("*") {
                return Err((
                    self.at(),
                    "READ_ONCE takes the word itself: x = READ_ONCE(w);".into(),
                ));
            }
            let (word, word_at) = self.ident("a word's name")?;
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
            });
        }
        Ok(Rhs::Expr(self.expr()?))
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let c = self.binary(0)?;
        if self.is_punct("?") {
            let at = c.at;
            self.bump();
            let a = self.expr()?;
            self.expect(":", "in a '?:' expression")?;
            let b = self.expr()?;
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
            let rhs = self.binary(prec + 1)?;
            let at = lhs.at;
            lhs = Expr {
                kind: ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)),
                at,
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let at = self.at();
        let op = match self.peek() {
            Tok::Punct("-") => Some(UnOp::Neg),
            Tok::Punct("!") => Some(UnOp::Not),
            Tok::Punct("~") => Some(UnOp::BitNot),
            Tok::Punct("+") => {
                self.bump();
                return self.unary();
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
        self.primary()
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
                        format!("'{id}(...)' in an expression; allowed calls: window_cycles()"),
                    ));
                }
                if self.is_punct("->") || self.is_punct(".") || self.is_punct("[") {
                    return Err((
                        self.at(),
                        "members and arrays are not supported; name each word in [words]".into(),
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
            Tok::Punct("&") => Err((
                at,
                "'&' takes an address only in smp_load_acquire/smp_store_release".into(),
            )),
            other => Err((at, format!("expected an expression, found {other}"))),
        }
    }
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
            ("smp_mb__before_atomic();", "unknown macro"),
            ("x = READ_ONCE(seq) + 1;", "statement of its own"),
            ("return OK;", "return ACCEPT"),
            ("for (;;) {}", "not supported"),
            ("seq++;", "not supported"),
            ("smp_store_release(seq, 1);", "takes a pointer"),
            ("x = (u32)y;", "casts"),
            ("{ x = 1;", "never closed"),
            ("raw_read_seqcount(&s);", "expands to"),
        ] {
            let e = parse_body(body).unwrap_err();
            assert!(e.1.contains(want), "{body}: {}", e.1);
        }
    }
}
