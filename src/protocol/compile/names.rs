//! Names bound: a name in a body is a local (declared by its first
//! assignment), a word (or its value member as the kernel's types spell
//! it), a parameter or a choice constant; expressions are compiled with
//! constant subexpressions folded.

use super::Role;
use super::body::Compiler;
use crate::error::Result;
use crate::protocol::parse::{Expr, ExprKind};
use crate::protocol::program::{CExpr, CKind, LocalId, MAX_LOCALS, WordId, binary, unary};

impl Compiler<'_> {
    pub(super) fn local(&mut self, name: &str, at: usize) -> Result<LocalId> {
        if let Some(i) = self.locals.iter().position(|l| l == name) {
            return Ok(i as LocalId);
        }
        if self.words.iter().any(|w| w.name == name) {
            return Err(self.err(
                at,
                format!(
                    "'{name}' is a word; a word is stored with WRITE_ONCE/smp_store_release \
                     and a local needs another name"
                ),
            ));
        }
        if self.consts.contains_key(name) {
            return Err(self.err(
                at,
                format!("'{name}' is a parameter or constant; a local needs another name"),
            ));
        }
        if self.locals.len() >= MAX_LOCALS {
            return Err(self.err(at, format!("too many locals; allowed: {MAX_LOCALS}")));
        }
        self.locals.push(name.to_string());
        Ok((self.locals.len() - 1) as LocalId)
    }

    /// The word a name or member path names: the word itself, or its
    /// value member as the kernel's types spell it (`s->sequence` of a
    /// `seqcount_t`, `l.seqcount.sequence` of a `seqcount_latch_t`,
    /// `v.counter` of an `atomic_t`).
    fn word_index(&self, name: &str) -> Option<usize> {
        let exact = |n: &str| self.words.iter().position(|w| w.name == n);
        exact(name).or_else(|| {
            [".seqcount.sequence", ".sequence", ".counter"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix).and_then(exact))
        })
    }

    pub(super) fn word(&self, name: &str, at: usize) -> Result<WordId> {
        if let Some(i) = self.word_index(name) {
            return Ok(i as WordId);
        }
        let words: Vec<&str> = self.words.iter().map(|w| w.name.as_str()).collect();
        let what = if self.locals.iter().any(|l| l == name) {
            format!("'{name}' is a local")
        } else if self.consts.contains_key(name) {
            format!("'{name}' is a parameter")
        } else {
            format!("'{name}' is not a declared word")
        };
        Err(self.err(
            at,
            format!("{what}; loads and stores go to words: {}", words.join(", ")),
        ))
    }

    pub(super) fn expr(&mut self, e: &Expr) -> Result<CExpr> {
        let at = self.map.file(e.at);
        let kind = match &e.kind {
            ExprKind::Int(v) => {
                CKind::Const(i128::try_from(*v).map_err(|_| self.err(e.at, "integer too large"))?)
            }
            ExprKind::Name(n) => {
                if let Some(i) = self.locals.iter().position(|l| l == n) {
                    CKind::Local(i as LocalId)
                } else if let Some(w) = self.word_index(n) {
                    if self.role == Role::Reader {
                        return Err(self.err(
                            e.at,
                            format!(
                                "the reader reads a word only with a load statement: \
                                 x = READ_ONCE({n});"
                            ),
                        ));
                    }
                    CKind::Word(w as WordId)
                } else if let Some(v) = self.consts.get(n) {
                    CKind::Const(*v)
                } else {
                    let mut names: Vec<String> =
                        self.words.iter().map(|w| w.name.clone()).collect();
                    names.extend(self.consts.keys().cloned());
                    names.extend(self.locals.iter().cloned());
                    return Err(self.err(
                        e.at,
                        format!("unknown name '{n}'; known: {}", names.join(", ")),
                    ));
                }
            }
            ExprKind::Addr(n) => {
                return Err(self.err(
                    e.at,
                    format!(
                        "'&{n}' is an address; '&' takes an address only in \
                         smp_load_acquire/smp_store_release and the kernel API's pointer \
                         arguments"
                    ),
                ));
            }
            ExprKind::WindowCycles => {
                if self.role == Role::Writer {
                    return Err(self.err(e.at, "window_cycles() only in the reader"));
                }
                CKind::WindowCycles
            }
            ExprKind::Unary(op, a) => {
                let a = self.expr(a)?;
                if let Some(x) = a.as_const() {
                    CKind::Const(unary(*op, x, at).map_err(|x| self.d.raw.error(x.at, x.msg))?)
                } else {
                    CKind::Un(*op, Box::new(a))
                }
            }
            ExprKind::Binary(op, a, b) => {
                let a = self.expr(a)?;
                let b = self.expr(b)?;
                match (a.as_const(), b.as_const()) {
                    (Some(x), Some(y)) => CKind::Const(
                        binary(*op, x, y, at).map_err(|x| self.d.raw.error(x.at, x.msg))?,
                    ),
                    _ => CKind::Bin(*op, Box::new(a), Box::new(b)),
                }
            }
            ExprKind::Cond(c, a, b) => {
                let c = self.expr(c)?;
                let a = self.expr(a)?;
                let b = self.expr(b)?;
                match c.as_const() {
                    Some(v) => return Ok(if v != 0 { a } else { b }),
                    None => CKind::Cond(Box::new(c), Box::new(a), Box::new(b)),
                }
            }
        };
        Ok(CExpr { kind, at })
    }
}
