//! A body's control-flow graph: the [`Compiler`] that emits instructions
//! with pending successor slots patched as the next node appears, and the
//! pruning of unreachable nodes afterwards. The statements and names it
//! compiles are in `stmt.rs` and `names.rs`.

use std::collections::BTreeMap;

use super::Role;
use super::rules::check;
use crate::error::{Error, Result};
use crate::protocol::file::{Located, ProtocolFile};
use crate::protocol::parse;
use crate::protocol::program::{Body, Instr, MAX_NODES, Node, Word};
use crate::protocol::source::BodyMap;

/// A successor not known yet.
pub(super) const HOLE: Node = Node::MAX;

/// Where a pending successor goes once its node is emitted.
#[derive(Clone, Copy, Debug)]
pub(super) enum Slot {
    Next(Node),
    Then(Node),
    Els(Node),
    Entry,
    Capture(usize),
}

/// One body being compiled.
pub(super) struct Compiler<'a> {
    pub(super) d: &'a ProtocolFile,
    pub(super) map: &'a BodyMap,
    pub(super) consts: &'a BTreeMap<String, i128>,
    pub(super) words: &'a [Word],
    pub(super) role: Role,
    code: Vec<Instr>,
    at: Vec<usize>,
    pub(super) locals: Vec<String>,
    entry: Option<Node>,
    pub(super) captures: Vec<Option<Node>>,
    pub(super) rcu: Rcu,
}

/// Where a reader's RCU read-side section begins and ends, in source
/// order. The model takes the whole speculation as one section
/// (DESIGN §1.5), so it must begin before the first load and end after the
/// last.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Rcu {
    pub(super) lock_at: Option<usize>,
    pub(super) unlock_at: Option<usize>,
    pub(super) loaded: bool,
}

/// Parse and compile one body; check its rules.
pub(super) fn compile_body(
    d: &ProtocolFile,
    body: &Located,
    consts: &BTreeMap<String, i128>,
    words: &[Word],
    role: Role,
) -> Result<(Body, Rcu)> {
    let stmts =
        parse::parse_body(&body.text).map_err(|(at, m)| d.raw.error(body.map.file(at), m))?;
    let mut c = Compiler {
        d,
        map: &body.map,
        consts,
        words,
        role,
        code: Vec::new(),
        at: Vec::new(),
        locals: Vec::new(),
        entry: None,
        captures: Vec::new(),
        rcu: Rcu::default(),
    };
    let out = c.stmts(&stmts, vec![Slot::Entry])?;
    let end_at = body.map.file(body.text.trim_end().len());
    let end = c.emit(out, Instr::End, body.text.trim_end().len())?;
    let _ = end;
    let entry = c.entry.expect("the end node at least receives the entry");
    let rcu = c.rcu;
    let mut b = prune(c.code, c.at, entry, c.locals, end_at);
    check(d, &mut b, role)?;
    Ok((b, rcu))
}

impl Compiler<'_> {
    pub(super) fn err(&self, body_at: usize, msg: impl std::fmt::Display) -> Error {
        self.d.raw.error(self.map.file(body_at), msg)
    }

    pub(super) fn emit(&mut self, pending: Vec<Slot>, instr: Instr, at: usize) -> Result<Node> {
        let n = self.code.len();
        if n >= MAX_NODES {
            return Err(self.err(
                at,
                format!("the body is too long; allowed: {MAX_NODES} steps"),
            ));
        }
        self.code.push(instr);
        self.at.push(self.map.file(at));
        for s in pending {
            self.patch(s, n as Node);
        }
        Ok(n as Node)
    }

    pub(super) fn patch(&mut self, s: Slot, to: Node) {
        match s {
            Slot::Entry => self.entry = Some(to),
            Slot::Capture(k) => {
                if self.captures[k].is_none() {
                    self.captures[k] = Some(to);
                }
            }
            Slot::Next(n) => match &mut self.code[n as usize] {
                Instr::Load { next, .. }
                | Instr::DataLoad { next, .. }
                | Instr::Store { next, .. }
                | Instr::Modify { next }
                | Instr::Fence { next, .. }
                | Instr::SyncRcu { next }
                | Instr::Assign { next, .. } => *next = to,
                _ => unreachable!("only instructions with a next slot are patched so"),
            },
            Slot::Then(n) | Slot::Els(n) => {
                if let Instr::Branch { then, els, .. } = &mut self.code[n as usize] {
                    if matches!(s, Slot::Then(_)) {
                        *then = to;
                    } else {
                        *els = to;
                    }
                }
            }
        }
    }

    pub(super) fn simple(&mut self, pending: Vec<Slot>, i: Instr, at: usize) -> Result<Vec<Slot>> {
        let n = self.emit(pending, i, at)?;
        Ok(vec![Slot::Next(n)])
    }
}

/// Keep the nodes reachable from `entry`, in order, renumbered.
fn prune(
    code: Vec<Instr>,
    at: Vec<usize>,
    entry: Node,
    locals: Vec<String>,
    end_at: usize,
) -> Body {
    let n = code.len();
    let mut seen = vec![false; n];
    let mut stack = vec![entry];
    while let Some(x) = stack.pop() {
        if x == HOLE || seen[x as usize] {
            continue;
        }
        seen[x as usize] = true;
        stack.extend(code[x as usize].successors());
    }
    let mut new_id = vec![HOLE; n];
    let mut k = 0;
    for (i, s) in seen.iter().enumerate() {
        if *s {
            new_id[i] = k;
            k += 1;
        }
    }
    let map = |x: Node| new_id[x as usize];
    let mut out_code = Vec::new();
    let mut out_at = Vec::new();
    for (i, instr) in code.into_iter().enumerate() {
        if !seen[i] {
            continue;
        }
        let ins = match instr {
            Instr::Load {
                dst,
                word,
                order,
                atomic,
                next,
            } => Instr::Load {
                dst,
                word,
                order,
                atomic,
                next: map(next),
            },
            Instr::DataLoad { second, next } => Instr::DataLoad {
                second,
                next: map(next),
            },
            Instr::Store {
                word,
                value,
                order,
                rmw,
                next,
            } => Instr::Store {
                word,
                value,
                order,
                rmw,
                next: map(next),
            },
            Instr::Modify { next } => Instr::Modify { next: map(next) },
            Instr::Fence { kind, next } => Instr::Fence {
                kind,
                next: map(next),
            },
            Instr::SyncRcu { next } => Instr::SyncRcu { next: map(next) },
            Instr::Assign { dst, value, next } => Instr::Assign {
                dst,
                value,
                next: map(next),
            },
            Instr::Branch { cond, then, els } => Instr::Branch {
                cond,
                then: map(then),
                els: map(els),
            },
            other => other,
        };
        out_code.push(ins);
        out_at.push(at[i]);
    }
    debug_assert_eq!(map(entry), 0, "the entry is the first reachable node");
    Body {
        code: out_code,
        at: out_at,
        locals,
        end_at,
    }
}
