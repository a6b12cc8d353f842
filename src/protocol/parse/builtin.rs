//! The language's own macros: loads (`READ_ONCE()`, `smp_load_acquire()`,
//! the atomics' `__aread`), stores (`WRITE_ONCE()`,
//! `smp_store_release()`, the atomics' `__rmw`), fences, the markers
//! (`modify()`, `read()`, `synchronize_rcu()`) and the RCU read side.
//! Each is one step the memory model orders, so each is a statement of
//! its own; the kernel API expands to these.

use super::expr::binop;
use super::{
    ExprKind, FenceKind, LOAD_MACROS, ParseError, Parser, Rhs, STATEMENTS_ALLOWED, StmtKind,
};
use crate::protocol::api;
use crate::protocol::lexer::Tok;
use crate::protocol::program::{LoadOrder, RmwOrder, StoreOrder};

impl Parser {
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

    pub(super) fn call_stmt(&mut self, id: &str, at: usize) -> Result<StmtKind, ParseError> {
        let kind = match id {
            "WRITE_ONCE" | "smp_store_release" => {
                self.bump();
                self.expect("(", "after the macro")?;
                let order = if id == "smp_store_release" {
                    StoreOrder::Release
                } else {
                    StoreOrder::Once
                };
                let (word, word_at) = if order == StoreOrder::Release {
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
                    order,
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
                    order: if rmw.order == RmwOrder::Release {
                        StoreOrder::Release
                    } else {
                        StoreOrder::Once
                    },
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

    pub(super) fn rhs(&mut self) -> Result<Rhs, ParseError> {
        while self.expand()? {}
        if let Tok::Ident(id) = self.peek().clone()
            && (LOAD_MACROS.contains(&id.as_str()) || id == "__aread")
            && matches!(self.peek_at(1), Tok::Punct("("))
        {
            self.bump();
            self.bump();
            let (word, word_at, order, atomic) = match id.as_str() {
                "READ_ONCE" => {
                    let (w, a) = self.place("READ_ONCE", "x = READ_ONCE(w);")?;
                    (w, a, LoadOrder::Once, None)
                }
                "smp_load_acquire" => {
                    let (w, a) = self.address("smp_load_acquire", "x = smp_load_acquire(&w);")?;
                    (w, a, LoadOrder::Acquire, None)
                }
                _ => {
                    let (w, a) = self.address("an atomic read", "x = atomic_read(&v);")?;
                    self.expect(",", "after the atomic")?;
                    let (name, nat) = self.ident("the read's name")?;
                    let (ty, order) = api::atomic_read(&name)
                        .ok_or_else(|| (nat, format!("'{name}' is not an atomic read")))?;
                    (w, a, order, Some(ty))
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
                order,
                atomic,
            });
        }
        Ok(Rhs::Expr(self.expr()?))
    }
}
