//! The semantic rules of DESIGN §1 that need a body's whole graph: the
//! writer has no loops and calls `modify()` exactly once on every path;
//! the reader returns on every path, loads on every loop iteration, calls
//! `read()` at most once on any path and never in a loop, and accepts
//! only after it; a local is set before it is used.

use super::Role;
use crate::error::Result;
use crate::protocol::file::ProtocolFile;
use crate::protocol::program::{Body, CExpr, CKind, Instr, Node};

/// The semantic rules of DESIGN §1 on a pruned body.
pub(super) fn check(d: &ProtocolFile, b: &mut Body, role: Role) -> Result<()> {
    let err = |node: usize, msg: &str| d.raw.error(b.at[node], msg);
    let n = b.code.len();
    let back_edges: Vec<(usize, usize)> = (0..n)
        .flat_map(|u| {
            b.code[u]
                .successors()
                .filter(move |&v| Body::is_back_edge(u as Node, v))
                .map(move |v| (u, v as usize))
        })
        .collect();
    match role {
        Role::Writer => {
            if let Some(&(u, _)) = back_edges.first() {
                return Err(err(
                    u,
                    "loops are not allowed in the writer: its body is one critical section, \
                     run once per cycle",
                ));
            }
            // modify() exactly once on every path.
            let mut seen = vec![[false; 3]; n];
            let mut stack = vec![(0usize, 0usize)];
            while let Some((x, c)) = stack.pop() {
                let c = if matches!(b.code[x], Instr::Modify { .. }) {
                    if c == 1 {
                        return Err(err(
                            x,
                            "a path of the writer calls modify() twice; allowed: exactly once per cycle",
                        ));
                    }
                    c + 1
                } else {
                    c
                };
                if seen[x][c] {
                    continue;
                }
                seen[x][c] = true;
                if matches!(b.code[x], Instr::End) && c == 0 {
                    return Err(d.raw.error(
                        b.end_at,
                        "a path of the writer never calls modify(); allowed: exactly once per cycle",
                    ));
                }
                for s in b.code[x].successors() {
                    stack.push((s as usize, c));
                }
            }
        }
        Role::Reader => {
            if let Some(i) = b.code.iter().position(|c| matches!(c, Instr::End)) {
                let _ = i;
                return Err(d.raw.error(
                    b.end_at,
                    "the reader can reach its end without a return; every path must end in \
                     return ACCEPT, RETRY or ABORT",
                ));
            }
            for &(u, v) in &back_edges {
                // Every iteration must pass a load.
                let mut seen = vec![false; n];
                let mut stack = vec![v];
                while let Some(x) = stack.pop() {
                    if seen[x] {
                        continue;
                    }
                    seen[x] = true;
                    if matches!(b.code[x], Instr::Load { .. } | Instr::DataLoad { .. }) {
                        continue;
                    }
                    if x == u {
                        return Err(err(u, "a loop of the reader must load on every iteration"));
                    }
                    for s in b.code[x].successors() {
                        if !Body::is_back_edge(x as Node, s) || (x == u && s as usize == v) {
                            stack.push(s as usize);
                        }
                    }
                }
                if let Some(k) = (v..=u).find(|&k| matches!(b.code[k], Instr::DataLoad { .. })) {
                    return Err(err(k, "read() inside a loop; allowed: once, outside loops"));
                }
            }
            // read() at most once on any path (loops have none, so the
            // forward graph is a DAG).
            let mut seen = vec![[false; 2]; n];
            let mut stack = vec![(0usize, 0usize)];
            while let Some((x, c)) = stack.pop() {
                let c = if matches!(b.code[x], Instr::DataLoad { second: false, .. }) {
                    if c == 1 {
                        return Err(err(
                            x,
                            "two read() on one path of the reader; allowed: exactly one data phase",
                        ));
                    }
                    1
                } else {
                    c
                };
                if c == 0
                    && matches!(
                        b.code[x],
                        Instr::Return(crate::protocol::ReturnKind::Accept)
                    )
                {
                    return Err(err(
                        x,
                        "return ACCEPT on a path without read(): nothing was read to accept; \
                         allowed: ACCEPT after the data phase, read()",
                    ));
                }
                if seen[x][c] {
                    continue;
                }
                seen[x][c] = true;
                for s in b.code[x].successors() {
                    if !Body::is_back_edge(x as Node, s) {
                        stack.push((s as usize, c));
                    }
                }
            }
        }
    }
    // Locals set before they are used: forward "definitely assigned".
    let nl = b.locals.len();
    let full: u32 = if nl >= 32 { u32::MAX } else { (1u32 << nl) - 1 };
    let mut into = vec![full; n];
    into[0] = 0;
    let mut changed = true;
    let mut reach = vec![false; n];
    reach[0] = true;
    while changed {
        changed = false;
        for x in 0..n {
            if !reach[x] {
                continue;
            }
            let mut out = into[x];
            if let Instr::Load { dst, .. } | Instr::Assign { dst, .. } = b.code[x] {
                out |= 1 << dst;
            }
            for s in b.code[x].successors() {
                let s = s as usize;
                let v = if reach[s] { into[s] & out } else { out };
                if !reach[s] || v != into[s] {
                    reach[s] = true;
                    into[s] = v;
                    changed = true;
                }
            }
        }
    }
    for (x, &defined) in into.iter().enumerate().take(n) {
        let mut used = 0u32;
        let mut note = |e: &CExpr| {
            e.visit(&mut |k| {
                if let CKind::Local(l) = k {
                    used |= 1 << l;
                }
            })
        };
        match &b.code[x] {
            Instr::Store { value, .. } | Instr::Assign { value, .. } => note(value),
            Instr::Branch { cond, .. } => note(cond),
            _ => {}
        }
        let missing = used & !defined;
        if missing != 0 {
            let l = missing.trailing_zeros() as usize;
            return Err(err(
                x,
                &format!("'{}' may be used before it is set", b.locals[l]),
            ));
        }
    }
    Ok(())
}
