//! C expressions over integers: `?:`, the binary operators by C's
//! precedence, unary operators, `&`/`*`/`->`/`.` on places, literals,
//! names and `window_cycles()`. Loads are not expressions (they are
//! statements, `builtin.rs`); an API call in an expression is expanded
//! and hoisted (`expand.rs`).

use super::{BinOp, Expr, ExprKind, LOAD_MACROS, ParseError, Parser, TYPE_WORDS, UnOp};
use crate::protocol::lexer::Tok;

impl Parser {
    pub(super) fn expr(&mut self) -> Result<Expr, ParseError> {
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
                             the kernel API (seqwrap protocols --api)"
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

/// A binary operator's token: the operator and its precedence (higher
/// binds tighter).
pub(super) fn binop(p: &str) -> Option<(BinOp, u8)> {
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
