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
//!
//! The parser's jobs live in their own files: `ast.rs` (what it produces:
//! statements and expressions with their offsets), `stmt.rs` (statements,
//! control flow, declarations, assignments), `builtin.rs` (the language's
//! own macros: loads, stores, read-modify-writes, fences, the markers),
//! `expr.rs` (C expressions by precedence) and `expand.rs` (the kernel
//! API's macros expanded in place, and the statement expressions they
//! expand to). This file holds the entry points and the token cursor they
//! share.

mod ast;
mod builtin;
mod expand;
mod expr;
mod stmt;

pub use ast::{BinOp, Expr, ExprKind, FenceKind, ReturnKind, Rhs, Stmt, StmtKind, UnOp};

use super::lexer::{Tok, Token, lex};

/// A parse error: body offset and message.
pub type ParseError = (usize, String);

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
     (seqwrap protocols --api)";

const LOAD_MACROS: &[&str] = &["READ_ONCE", "smp_load_acquire"];

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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::program::LoadOrder;

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
                StmtKind::Assign { name, rhs: Rhs::Load { word, order: LoadOrder::Acquire, .. }, .. }
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
                rhs: Rhs::Load {
                    order: LoadOrder::Once,
                    ..
                },
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
            StmtKind::Assign { name, rhs: Rhs::Load { order: LoadOrder::Acquire, .. }, decl: true } if name == "s"
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
