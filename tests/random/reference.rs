//! The reference: the generated AST run under sequential consistency by a
//! plain interpreter, independent of seqwrap's explorer. One writer runs
//! its body forever (cycles one after another), one reader runs once; words
//! start at 0 and wrap mod 2^bits. `read()` is two data loads; a false
//! positive is an ACCEPT with a `modify()` between them. A 0-1 BFS over
//! states (writer position, words, reader position, live locals, flags)
//! finds the least cost of a false positive.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use super::ast::{Desc, RStep, Val, WStep};

/// A writer event under SC (fences order nothing an interleaving can see).
#[derive(Clone, Copy, Debug)]
enum WEv {
    Add(usize, u64),
    Set(usize, u64),
    Modify,
}

/// A reader operation; fences are dropped.
#[derive(Clone, Debug)]
enum ROp {
    Load(usize, usize),
    Data,
    Odd(usize),
    Cmp(Vec<(usize, usize)>),
}

const STARTED: u8 = 1;
const DATA: u8 = 2;
const DIRTY: u8 = 4;
const READ_SEEN: u8 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct S {
    words: [u8; 3],
    wpos: u8,
    /// Cycles begun (only counted under a cap).
    cyc: u16,
    pc: u8,
    flags: u8,
    locals: [u8; 12],
}

/// What is minimised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cost {
    /// `modify()` steps while the reader's window is open (`min_cycles`).
    WindowModifies,
    /// Writer cycles begun in all (the least K a cap must allow).
    CyclesBegun,
}

/// The interpreter for one protocol.
pub struct Reference {
    mask: Vec<u64>,
    w: Vec<WEv>,
    r: Vec<ROp>,
    /// Locals used at or after each reader position.
    live: Vec<u16>,
}

enum Next {
    Go(S),
    /// Returned ACCEPT; `true` if the data changed under it.
    Accept(bool),
    /// RETRY or ABORT.
    Other,
}

impl Reference {
    pub fn new(d: &Desc) -> Reference {
        let mut w = Vec::new();
        for s in &d.writer {
            match *s {
                WStep::Store { word, val, .. } => w.push(match val {
                    Val::Add(c) => WEv::Add(word, c),
                    Val::Set(c) => WEv::Set(word, c),
                }),
                WStep::Rmw { word, c, .. } => w.push(WEv::Add(word, c)),
                WStep::Modify => w.push(WEv::Modify),
                WStep::Fence(_) => {}
            }
        }
        let mut r = Vec::new();
        for s in &d.reader {
            match s {
                RStep::Load { local, word, .. } => r.push(ROp::Load(*local, *word)),
                RStep::Read => {
                    r.push(ROp::Data);
                    r.push(ROp::Data);
                }
                RStep::Odd(l) => r.push(ROp::Odd(*l)),
                RStep::Compare(p) => {
                    if !p.is_empty() {
                        r.push(ROp::Cmp(p.clone()))
                    }
                }
                RStep::Fence(_) => {}
            }
        }
        let mut live = vec![0u16; r.len() + 1];
        for i in (0..r.len()).rev() {
            let used = match &r[i] {
                ROp::Odd(l) => 1 << l,
                ROp::Cmp(p) => p.iter().fold(0, |m, (a, b)| m | 1 << a | 1 << b),
                _ => 0,
            };
            live[i] = live[i + 1] | used;
        }
        Reference {
            mask: d.bits.iter().map(|b| (1u64 << b) - 1).collect(),
            w,
            r,
            live,
        }
    }

    /// Run local operations from `s.pc` to the next load or the return.
    fn settle(&self, mut s: S) -> Next {
        loop {
            match self.r.get(s.pc as usize) {
                None => return Next::Accept(s.flags & DIRTY != 0),
                Some(ROp::Odd(l)) => {
                    if s.locals[*l] & 1 != 0 {
                        return Next::Other;
                    }
                }
                Some(ROp::Cmp(p)) => {
                    if p.iter().any(|&(a, b)| s.locals[a] != s.locals[b]) {
                        return Next::Other;
                    }
                }
                Some(ROp::Load(..) | ROp::Data) => break,
            }
            s.pc += 1;
        }
        let live = self.live[s.pc as usize];
        for (i, l) in s.locals.iter_mut().enumerate() {
            if live & (1 << i) == 0 {
                *l = 0;
            }
        }
        Next::Go(s)
    }

    /// The writer's next event: the state after it and its cost.
    fn writer(&self, s: &S, cap: Option<u32>, cost: Cost) -> Option<(S, u32)> {
        let mut n = *s;
        let mut c = 0;
        if s.wpos == 0 {
            if let Some(k) = cap {
                if u32::from(s.cyc) >= k {
                    return None;
                }
                n.cyc += 1;
            }
            if cost == Cost::CyclesBegun {
                c = 1;
            }
        }
        match self.w[s.wpos as usize] {
            WEv::Add(w, v) => n.words[w] = ((u64::from(s.words[w]) + v) & self.mask[w]) as u8,
            WEv::Set(w, v) => n.words[w] = (v & self.mask[w]) as u8,
            WEv::Modify => {
                if cost == Cost::WindowModifies && s.flags & STARTED != 0 {
                    c = 1;
                }
                if s.flags & DATA != 0 {
                    n.flags |= DIRTY;
                }
            }
        }
        n.wpos = ((s.wpos as usize + 1) % self.w.len()) as u8;
        Some((n, c))
    }

    /// The reader's next load.
    fn reader(&self, s: &S) -> Next {
        let mut n = *s;
        n.flags |= STARTED;
        match self.r[s.pc as usize] {
            ROp::Load(l, w) => n.locals[l] = s.words[w],
            ROp::Data => {
                if s.flags & READ_SEEN == 0 {
                    n.flags |= DATA | READ_SEEN;
                } else {
                    n.flags &= !DATA;
                }
            }
            _ => unreachable!("settled on a local operation"),
        }
        n.pc += 1;
        self.settle(n)
    }

    /// The number of distinct word values at cycle boundaries the writer
    /// goes through from all zeros (at most 2^bits): any of them is reached
    /// within this many cycles less one.
    pub fn orbit(&self) -> u32 {
        let mut seen = std::collections::HashSet::new();
        let mut words = [0u8; 3];
        while seen.insert(words) {
            for e in &self.w {
                match *e {
                    WEv::Add(w, v) => words[w] = ((u64::from(words[w]) + v) & self.mask[w]) as u8,
                    WEv::Set(w, v) => words[w] = (v & self.mask[w]) as u8,
                    WEv::Modify => {}
                }
            }
        }
        seen.len() as u32
    }

    /// The least `cost` of a false positive with the writer limited to
    /// `cap` cycles in all (None: unlimited); None if there is none.
    pub fn min(&self, cap: Option<u32>, cost: Cost) -> Option<u32> {
        let init = S {
            words: [0; 3],
            wpos: 0,
            cyc: 0,
            pc: 0,
            flags: 0,
            locals: [0; 12],
        };
        let Next::Go(init) = self.settle(init) else {
            unreachable!("a reader starts with a load")
        };
        let mut dist: FxHashMap<S, u32> = FxHashMap::default();
        let mut q = VecDeque::new();
        dist.insert(init, 0);
        q.push_back((init, 0u32));
        while let Some((s, d)) = q.pop_front() {
            if dist[&s] < d {
                continue;
            }
            // Reader moves cost nothing; states are popped in cost order,
            // so the first false positive generated is a cheapest one.
            match self.reader(&s) {
                Next::Accept(true) => return Some(d),
                Next::Accept(false) | Next::Other => {}
                Next::Go(n) => relax(&mut dist, &mut q, n, d, 0),
            }
            if let Some((n, c)) = self.writer(&s, cap, cost) {
                relax(&mut dist, &mut q, n, d, c);
            }
        }
        None
    }
}

/// 0-1 BFS: a step of cost 0 from a state of cost `d` goes in front, a
/// step of cost 1 behind.
fn relax(dist: &mut FxHashMap<S, u32>, q: &mut VecDeque<(S, u32)>, n: S, d: u32, c: u32) {
    let nd = d + c;
    if dist.get(&n).is_none_or(|&old| nd < old) {
        dist.insert(n, nd);
        if c == 0 {
            q.push_front((n, nd));
        } else {
            q.push_back((n, nd));
        }
    }
}
