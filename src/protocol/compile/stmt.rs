//! Statements to instructions: loads, stores (with a read-modify-write's
//! fences), fences, the markers, RCU sections, `return`, and control flow
//! with constant conditions folded away; the rules that can be told at a
//! statement (who may load, store, call `modify()` or `read()`; where an
//! `smp_mb__*_atomic()` may stand) are enforced here.

use super::Role;
use super::body::{Compiler, HOLE, Slot};
use crate::error::Result;
use crate::protocol::parse::{FenceKind, Rhs, Stmt, StmtKind};
use crate::protocol::program::{Instr, RmwOrder};

impl Compiler<'_> {
    pub(super) fn stmts(&mut self, list: &[Stmt], mut pending: Vec<Slot>) -> Result<Vec<Slot>> {
        for (i, s) in list.iter().enumerate() {
            self.atomic_fence_placed(list, i)?;
            pending = self.stmt(s, pending)?;
        }
        Ok(pending)
    }

    /// `smp_mb__before_atomic()` must have a read-modify-write as the next
    /// access, `smp_mb__after_atomic()` as the one before: then it is
    /// exactly an `smp_mb()` where it stands. (The LKMM orders only
    /// through the RMW, `linux-kernel.cat`'s `mb`; an access between the
    /// two is not ordered, and `Documentation/atomic_t.txt` gives these
    /// barriers no other use.)
    fn atomic_fence_placed(&self, list: &[Stmt], i: usize) -> Result<()> {
        let StmtKind::Fence(k @ (FenceKind::BeforeAtomic | FenceKind::AfterAtomic)) = list[i].kind
        else {
            return Ok(());
        };
        let before = k == FenceKind::BeforeAtomic;
        let neighbour = if before {
            list[i + 1..].iter().find_map(|s| first_access(s, true))
        } else {
            list[..i].iter().rev().find_map(|s| first_access(s, false))
        };
        let ok = matches!(
            neighbour,
            Some(Stmt {
                kind: StmtKind::Store { rmw: Some(_), .. },
                ..
            })
        );
        if ok {
            return Ok(());
        }
        Err(self.err(
            list[i].at,
            format!(
                "{}() must {} a read-modify-write (atomic_inc(), ...) with no other access \
                 between them: it orders only through that atomic",
                k.macro_name(),
                if before {
                    "come right before"
                } else {
                    "come right after"
                }
            ),
        ))
    }

    fn stmt(&mut self, s: &Stmt, pending: Vec<Slot>) -> Result<Vec<Slot>> {
        let at = s.at;
        match &s.kind {
            StmtKind::Block(v) => self.stmts(v, pending),
            StmtKind::Empty => Ok(pending),
            StmtKind::Decl { name } => {
                self.local(name, at)?;
                Ok(pending)
            }
            StmtKind::Assign {
                name,
                rhs:
                    Rhs::Load {
                        word,
                        word_at,
                        order,
                        atomic,
                    },
                ..
            } => {
                if self.role == Role::Writer {
                    return Err(self.err(
                        at,
                        "the writer does not load: it holds the lock, and a word in its \
                         expressions is its own latest value (WRITE_ONCE(seq, seq + 1))",
                    ));
                }
                let w = self.word(word, *word_at)?;
                let dst = self.local(name, at)?;
                if self.rcu.unlock_at.is_some() {
                    return Err(self.err(
                        at,
                        "a load after rcu_read_unlock(): the model takes the whole speculation \
                         as one RCU read-side section; unlock after the last load",
                    ));
                }
                self.rcu.loaded = true;
                self.simple(
                    pending,
                    Instr::Load {
                        dst,
                        word: w,
                        order: *order,
                        atomic: *atomic,
                        next: HOLE,
                    },
                    at,
                )
            }
            StmtKind::Assign {
                name,
                rhs: Rhs::Expr(e),
                ..
            } => {
                let value = self.expr(e)?;
                let dst = self.local(name, at)?;
                self.simple(
                    pending,
                    Instr::Assign {
                        dst,
                        value,
                        next: HOLE,
                    },
                    at,
                )
            }
            StmtKind::Store {
                word,
                word_at,
                value,
                order,
                rmw,
            } => {
                if self.role == Role::Reader {
                    return Err(self.err(
                        at,
                        match rmw {
                            Some(r) => format!(
                                "the reader only loads; {}() is a read-modify-write and \
                                 belongs to the writer",
                                r.name()
                            ),
                            None => "the reader only loads; stores belong to the writer".into(),
                        },
                    ));
                }
                let w = self.word(word, *word_at)?;
                let value = self.expr(value)?;
                let full = rmw.is_some_and(|r| r.order == RmwOrder::Full);
                let rmw_fence = |c: &mut Self, p| {
                    let fence = Instr::Fence {
                        kind: FenceKind::RmwFull,
                        next: HOLE,
                    };
                    if full { c.simple(p, fence, at) } else { Ok(p) }
                };
                let mut pending = rmw_fence(self, pending)?;
                pending = self.simple(
                    pending,
                    Instr::Store {
                        word: w,
                        value,
                        order: *order,
                        rmw: *rmw,
                        next: HOLE,
                    },
                    at,
                )?;
                rmw_fence(self, pending)
            }
            StmtKind::Rcu(lock) => {
                if self.role == Role::Writer {
                    return Err(self.err(
                        at,
                        "RCU read-side sections belong to the reader; the writer holds the lock",
                    ));
                }
                if *lock {
                    if self.rcu.loaded {
                        return Err(self.err(
                            at,
                            "rcu_read_lock() after the reader's first load: the model takes \
                             the whole speculation as one RCU read-side section; lock before \
                             the first load",
                        ));
                    }
                    self.rcu.lock_at.get_or_insert(at);
                } else {
                    if self.rcu.lock_at.is_none() {
                        return Err(self.err(at, "rcu_read_unlock() without rcu_read_lock()"));
                    }
                    self.rcu.unlock_at.get_or_insert(at);
                }
                Ok(pending)
            }
            StmtKind::Fence(kind) => self.simple(
                pending,
                Instr::Fence {
                    kind: *kind,
                    next: HOLE,
                },
                at,
            ),
            StmtKind::Modify => {
                if self.role == Role::Reader {
                    return Err(self.err(
                        at,
                        "modify() belongs to the writer; the reader calls read()",
                    ));
                }
                self.simple(pending, Instr::Modify { next: HOLE }, at)
            }
            StmtKind::Read => {
                if self.role == Role::Writer {
                    return Err(self.err(
                        at,
                        "read() belongs to the reader; the writer calls modify()",
                    ));
                }
                let p = self.simple(
                    pending,
                    Instr::DataLoad {
                        second: false,
                        next: HOLE,
                    },
                    at,
                )?;
                self.simple(
                    p,
                    Instr::DataLoad {
                        second: true,
                        next: HOLE,
                    },
                    at,
                )
            }
            StmtKind::SyncRcu => {
                if self.role == Role::Reader {
                    return Err(self.err(
                        at,
                        "synchronize_rcu() belongs to the writer; the whole reader is one RCU \
                         read-side section",
                    ));
                }
                self.simple(pending, Instr::SyncRcu { next: HOLE }, at)
            }
            StmtKind::Return(r) => {
                if self.role == Role::Writer {
                    return Err(self.err(
                        at,
                        "the writer does not return: its body is one critical section",
                    ));
                }
                self.emit(pending, Instr::Return(*r), at)?;
                Ok(Vec::new())
            }
            StmtKind::If { cond, then, els } => {
                let c = self.expr(cond)?;
                if let Some(v) = c.as_const() {
                    // A constant condition (a parameter test) compiles only
                    // the arm it takes; the other is still checked.
                    let (taken, dead) = if v != 0 {
                        (Some(then.as_ref()), els.as_deref())
                    } else {
                        (els.as_deref(), Some(then.as_ref()))
                    };
                    if let Some(dead) = dead {
                        self.stmt(dead, Vec::new())?;
                    }
                    return match taken {
                        Some(t) => self.stmt(t, pending),
                        None => Ok(pending),
                    };
                }
                let b = self.emit(
                    pending,
                    Instr::Branch {
                        cond: c,
                        then: HOLE,
                        els: HOLE,
                    },
                    at,
                )?;
                let mut out = self.stmt(then, vec![Slot::Then(b)])?;
                match els {
                    Some(e) => out.extend(self.stmt(e, vec![Slot::Els(b)])?),
                    None => out.push(Slot::Els(b)),
                }
                Ok(out)
            }
            StmtKind::While { cond, body } => {
                let c = self.expr(cond)?;
                if c.as_const() == Some(0) {
                    self.stmt(body, Vec::new())?;
                    return Ok(pending);
                }
                let h = self.emit(
                    pending,
                    Instr::Branch {
                        cond: c,
                        then: HOLE,
                        els: HOLE,
                    },
                    at,
                )?;
                let out = self.stmt(body, vec![Slot::Then(h)])?;
                for s in out {
                    self.patch(s, h);
                }
                Ok(vec![Slot::Els(h)])
            }
            StmtKind::DoWhile { body, cond } => {
                let k = self.captures.len();
                self.captures.push(None);
                let mut p = pending;
                p.push(Slot::Capture(k));
                let out = self.stmt(body, p)?;
                let c = self.expr(cond)?;
                let Some(head) = self.captures[k] else {
                    return Err(self.err(at, "the loop body does nothing; a loop must load"));
                };
                if c.as_const() == Some(0) {
                    return Ok(out);
                }
                let b = self.emit(
                    out,
                    Instr::Branch {
                        cond: c,
                        then: head,
                        els: HOLE,
                    },
                    at,
                )?;
                Ok(vec![Slot::Els(b)])
            }
        }
    }
}

/// The first (`forward`) or last access a statement makes, looking into
/// blocks; a branch or a loop counts as an access of its own (it is not
/// known which comes first). Locals, declarations and fences make none.
fn first_access(s: &Stmt, forward: bool) -> Option<&Stmt> {
    match &s.kind {
        StmtKind::Block(v) => {
            if forward {
                v.iter().find_map(|s| first_access(s, true))
            } else {
                v.iter().rev().find_map(|s| first_access(s, false))
            }
        }
        StmtKind::Empty
        | StmtKind::Decl { .. }
        | StmtKind::Fence(_)
        | StmtKind::Rcu(_)
        | StmtKind::Assign {
            rhs: Rhs::Expr(_), ..
        } => None,
        _ => Some(s),
    }
}
