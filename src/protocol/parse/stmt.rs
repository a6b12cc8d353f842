//! Statements: blocks, control flow (`if`/`else`, `do`-`while`, `while`,
//! `return`), declarations and assignments, with the API's hoisted
//! statements placed before the statement that needs them. The macros that
//! are statements of the language itself are in `builtin.rs`.

use super::{
    Expr, ExprKind, ParseError, Parser, ReturnKind, Rhs, STATEMENTS_ALLOWED, Stmt, StmtKind,
    TYPE_WORDS,
};
use crate::protocol::lexer::Tok;

impl Parser {
    pub(super) fn stmt(&mut self) -> Result<Stmt, ParseError> {
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
}

/// A C identifier (not a member path).
fn is_ident(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}
