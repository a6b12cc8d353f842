//! What a protocol costs, read off its program (DESIGN §4): per
//! speculation, the reader's loads and fences on its path to ACCEPT; per
//! cycle, the writer's stores and fences on its common path, and what its
//! rarer paths add (a carry's extra store, a grace period) and how often.
//! What the program cannot show (a locked read, a tree-wide type change)
//! is the description's `[costs] note`.

use serde::Serialize;

use super::Scheme;
use super::parse::{FenceKind, ReturnKind};
use super::program::{Body, Instr};
use super::shape::{CycleMap, TKind};

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
    /// What rarer writer paths add, with how often (`+1 store per 2^31
    /// cycles`, `1 grace period per 2^31 cycles`).
    pub writer_rare: Vec<String>,
    /// What the description cannot show.
    pub note: Option<String>,
}

impl Costs {
    /// One line: `2 loads, 2 fences; writer 2 stores, 2 fences; +1 store per 2^15 cycles`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} loads, {} fences; writer {} stores, {} fences",
            self.reader_loads, self.reader_fences, self.writer_stores, self.writer_fences
        );
        for r in &self.writer_rare {
            s += "; ";
            s += r;
        }
        s
    }
}

/// Read the costs off `s`.
pub fn costs(s: &Scheme) -> Costs {
    let p = s.program();
    let (reader_loads, reader_fences) = accept_path(&p.reader);
    let shape = s.shape();
    let mut c = Costs {
        reader_loads,
        reader_fences,
        writer_stores: 0,
        writer_fences: 0,
        writer_rare: Vec::new(),
        note: s.description().cost_note.clone(),
    };
    let Ok(paths) = &shape.paths else {
        return c;
    };
    // How many reachable start states each path has (log2), so a rare path
    // can say how often it runs.
    let weights: Vec<f64> = paths
        .iter()
        .map(|q| match &shape.map {
            Ok(CycleMap::Piecewise { word, .. }) => {
                let (lo, hi) = q.bx[*word as usize];
                ((hi - lo) as f64 + 1.0).log2()
            }
            Ok(CycleMap::Counter { digits, .. }) => digits
                .iter()
                .map(|&w| {
                    let (lo, hi) = q.bx[w as usize];
                    ((hi - lo) as f64 + 1.0).log2()
                })
                .sum(),
            Err(_) => 0.0,
        })
        .collect();
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
                    TKind::Fence(FenceKind::Wmb | FenceKind::Mb) | TKind::Store { release: true, .. }
                )
            })
            .count() as u32;
        let gps = q.events.iter().filter(|e| matches!(e.kind, TKind::SyncRcu)).count() as u32;
        (stores, fences, gps)
    };
    let Some(common) = (0..paths.len()).max_by(|&a, &b| weights[a].total_cmp(&weights[b])) else {
        return c;
    };
    let (cs, cf, cg) = count(&paths[common]);
    c.writer_stores = cs;
    c.writer_fences = cf;
    let total = weights[common];
    for (i, q) in paths.iter().enumerate() {
        let (st, _, gp) = count(q);
        let every = (total - weights[i]).round().max(0.0) as u32;
        if st > cs {
            let r = format!("+{} store per 2^{every} cycles", st - cs);
            if !c.writer_rare.contains(&r) {
                c.writer_rare.push(r);
            }
        }
        if gp > cg {
            let r = format!("{} grace period per 2^{every} cycles", gp - cg);
            if !c.writer_rare.contains(&r) {
                c.writer_rare.push(r);
            }
        }
    }
    c
}

/// Loads and fences on the shortest path to `return ACCEPT`, taking each
/// loop once.
fn accept_path(b: &Body) -> (u32, u32) {
    // Dijkstra-free: the forward graph is a DAG; take the minimum over paths.
    let n = b.code.len();
    let mut best: Vec<Option<(u32, u32)>> = vec![None; n];
    for x in (0..n).rev() {
        let here = match &b.code[x] {
            Instr::Load { acquire, .. } => (1, u32::from(*acquire)),
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
