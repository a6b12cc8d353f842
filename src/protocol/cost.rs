//! What a protocol costs, read off its program (DESIGN §4): per
//! speculation, the reader's loads and fences on its path to ACCEPT; per
//! cycle, the writer's stores and fences on its common path, and what its
//! rarer paths add (a carry's extra store, a grace period) and how often.
//! What the program cannot show (a locked read, a tree-wide type change)
//! is the protocol's `[costs] note`.

use serde::Serialize;

use super::Protocol;
use super::parse::{FenceKind, ReturnKind};
use super::program::{AtomicTy, Body, Instr, LoadOrder, Rmw, StoreOrder};
use super::shape::TKind;

/// A protocol's costs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Costs {
    /// Loads of shared words on the reader's shortest path to ACCEPT.
    pub reader_loads: u32,
    /// Fences (smp_rmb/smp_mb) and acquire loads on that path.
    pub reader_fences: u32,
    /// Stores on the writer's common path (one cycle).
    pub writer_stores: u32,
    /// Fences and release stores on that path.
    pub writer_fences: u32,
    /// Of those stores, read-modify-writes (`atomic_inc()`): locked
    /// instructions on x86, a full barrier there whatever their ordering.
    pub writer_rmws: u32,
    /// What rarer writer paths add, with how often (`+1 store per 2^31
    /// cycles`, `1 grace period per 2^31 cycles`).
    pub writer_rare: Vec<String>,
    /// What the atomics cost where they are not plain accesses, per
    /// architecture (an `atomic64_read()` on 32-bit x86 is a locked
    /// `cmpxchg8b`).
    pub per_arch: Vec<String>,
    /// What the protocol cannot show.
    pub note: Option<String>,
}

impl Costs {
    /// One line: `2 loads, 2 fences; writer 2 stores, 2 fences; +1 store per 2^15 cycles`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} loads, {} fences; writer {} stores, {} fences",
            self.reader_loads, self.reader_fences, self.writer_stores, self.writer_fences
        );
        if self.writer_rmws > 0 {
            s += &format!(
                " ({} of them RMW{})",
                self.writer_rmws,
                if self.writer_rmws == 1 { "" } else { "s" }
            );
        }
        for r in &self.writer_rare {
            s += "; ";
            s += r;
        }
        s
    }
}

/// Read the costs off `s`.
pub fn costs(s: &Protocol) -> Costs {
    let p = s.program();
    let (reader_loads, reader_fences) = accept_path(&p.reader);
    let shape = s.shape();
    let mut c = Costs {
        reader_loads,
        reader_fences,
        writer_stores: 0,
        writer_fences: 0,
        writer_rmws: 0,
        writer_rare: Vec::new(),
        per_arch: per_arch(p),
        note: s.file().cost_note.clone(),
    };
    let Ok(paths) = &shape.paths else {
        return c;
    };
    // Stores, fences (release stores included) and grace periods of a
    // writer path.
    let count = |q: &super::shape::SymPath| {
        let stores = q
            .events
            .iter()
            .filter(|e| matches!(e.kind, TKind::Store { .. }))
            .count() as u32;
        let fences = q
            .events
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    TKind::Fence(FenceKind::Wmb | FenceKind::Mb)
                        | TKind::Store {
                            order: StoreOrder::Release,
                            ..
                        }
                )
            })
            .count() as u32;
        let gps = q
            .events
            .iter()
            .filter(|e| matches!(e.kind, TKind::SyncRcu))
            .count() as u32;
        let rmws = q
            .events
            .iter()
            .filter(|e| matches!(e.kind, TKind::Store { rmw: Some(_), .. }))
            .count() as u32;
        (stores, fences, gps, rmws)
    };
    // How often each path runs over one period (log2), so a rare path can
    // say how often it runs.
    let Some((weights, period)) = shape
        .map
        .as_ref()
        .ok()
        .and_then(|m| m.path_frequencies(paths))
    else {
        // No period (a saturating counter) or no map: the common path is
        // the first one, and nothing is "per" anything.
        if let Some(q) = paths.first() {
            (c.writer_stores, c.writer_fences, _, c.writer_rmws) = count(q);
        }
        return c;
    };
    let Some(common) = (0..paths.len()).max_by(|&a, &b| weights[a].total_cmp(&weights[b])) else {
        return c;
    };
    let (cs, cf, cg, cr) = count(&paths[common]);
    c.writer_stores = cs;
    c.writer_fences = cf;
    c.writer_rmws = cr;
    // Group the rarer paths by what they add; each group's frequency is the
    // sum of its paths' (a carry at hi's wrap is still a carry).
    let mut extra_stores: std::collections::BTreeMap<u32, f64> = Default::default();
    let mut extra_gps: std::collections::BTreeMap<u32, f64> = Default::default();
    for (i, q) in paths.iter().enumerate() {
        let (st, _, gp, _) = count(q);
        if weights[i] == f64::NEG_INFINITY {
            continue;
        }
        if st > cs {
            *extra_stores.entry(st - cs).or_default() += weights[i].exp2();
        }
        if gp > cg {
            *extra_gps.entry(gp - cg).or_default() += weights[i].exp2();
        }
    }
    let every = |visits: f64| (period - visits.log2()).round().max(0.0) as u32;
    for (k, v) in extra_stores {
        c.writer_rare.push(format!(
            "+{k} store{} per 2^{} cycles",
            if k == 1 { "" } else { "s" },
            every(v)
        ));
    }
    for (k, v) in extra_gps {
        c.writer_rare.push(format!(
            "{k} grace period{} per 2^{} cycles",
            if k == 1 { "" } else { "s" },
            every(v)
        ));
    }
    c
}

/// What the program's atomics cost where they are more than a plain
/// access: `atomic64_t` on a 32-bit machine (`arch/x86/include/asm/
/// atomic64_32.h`: every operation, a read too, is a `lock cmpxchg8b`;
/// `lib/atomic64.c`, where an architecture selects `CONFIG_GENERIC_ATOMIC64`:
/// every operation takes one of 16 hashed spinlocks with interrupts off),
/// and a read-modify-write anywhere (a locked instruction on x86, a full
/// barrier whatever its ordering).
fn per_arch(p: &super::program::Program) -> Vec<String> {
    let reads64 = p
        .reader
        .code
        .iter()
        .filter(|i| {
            matches!(
                i,
                Instr::Load {
                    atomic: Some(AtomicTy::Atomic64),
                    ..
                }
            )
        })
        .count();
    let rmws: Vec<&Rmw> = p
        .writer
        .code
        .iter()
        .filter_map(|i| match i {
            Instr::Store { rmw: Some(r), .. } => Some(r),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    if reads64 > 0 {
        out.push(format!(
            "32-bit x86: each of the reader's {reads64} atomic64_read() is a locked \
             cmpxchg8b (a write to the line); 32-bit without 64-bit atomics \
             (lib/atomic64.c): each takes a hashed spinlock with interrupts off; \
             64-bit: a plain load"
        ));
    }
    if !rmws.is_empty() {
        out.push(format!(
            "x86: each of the writer's {} RMW(s) ({}) is a locked instruction, a full \
             barrier whatever its ordering{}",
            rmws.len(),
            rmws.iter()
                .map(|r| format!("{}()", r.name()))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", "),
            if rmws.iter().any(|r| r.ty == AtomicTy::Atomic64) {
                "; atomic64_*() on 32-bit x86 is a cmpxchg8b loop and a hashed \
                 spinlock without 64-bit atomics (lib/atomic64.c)"
            } else {
                ""
            }
        ));
    }
    out
}

/// Loads and fences on the shortest path to `return ACCEPT`, taking each
/// loop once.
fn accept_path(b: &Body) -> (u32, u32) {
    // Dijkstra-free: the forward graph is a DAG; take the minimum over paths.
    let n = b.code.len();
    let mut best: Vec<Option<(u32, u32)>> = vec![None; n];
    for x in (0..n).rev() {
        let here = match &b.code[x] {
            Instr::Load { order, .. } => (1, u32::from(*order == LoadOrder::Acquire)),
            Instr::Fence {
                kind: FenceKind::Rmb | FenceKind::Mb,
                ..
            } => (0, 1),
            _ => (0, 0),
        };
        let tail = match &b.code[x] {
            Instr::Return(ReturnKind::Accept) => Some((0, 0)),
            Instr::Return(_) => None,
            ins => ins
                .successors()
                .filter(|&s| !Body::is_back_edge(x as u16, s))
                .filter_map(|s| best[s as usize])
                .min(),
        };
        best[x] = tail.map(|(l, f)| (l + here.0, f + here.1));
    }
    best.first().copied().flatten().unwrap_or((0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::catalog::protocol;

    fn summary(name: &str, params: &[(&str, &str)]) -> String {
        costs(&protocol(name, params).unwrap()).summary()
    }

    /// Costs read off the programs, checked against the kernel code each
    /// file holds: a seqcount's reader loads the counter twice with an
    /// smp_rmb() after the first and before the second; its writer stores
    /// twice (lock, unlock) with an smp_wmb() after the first and before
    /// the second. A split counter's carry costs one store per 2^(L-1)
    /// cycles (lo steps by two each cycle); a guard's writer waits one grace
    /// period per 2^(W-1) cycles.
    #[test]
    fn costs_match_the_code_and_the_periods() {
        assert_eq!(
            summary("seqcount", &[]),
            "2 loads, 2 fences; writer 2 stores, 2 fences"
        );
        assert_eq!(
            summary("split", &[("READ", "hi-lo-hi"), ("ORDER", "hi-first")]),
            "6 loads, 6 fences; writer 2 stores, 2 fences; +1 store per 2^31 cycles"
        );
        assert_eq!(
            summary("split", &[("H", "8"), ("L", "8")]),
            "4 loads, 4 fences; writer 2 stores, 2 fences; +1 store per 2^7 cycles"
        );
        let g = summary("guard", &[("W", "16")]);
        assert!(g.ends_with("1 grace period per 2^15 cycles"), "{g}");
        let e = summary("epoch", &[("W", "16"), ("E", "8")]);
        assert!(e.ends_with("+1 store per 2^15 cycles"), "{e}");
        // A saturating counter has no period: nothing is "per" anything.
        let s = summary("saturate", &[("W", "8")]);
        assert!(!s.contains("per"), "{s}");
    }
}
