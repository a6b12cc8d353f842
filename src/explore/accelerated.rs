//! Accelerated mode: writer-only stretches are jumped in O(1).
//!
//! A stretch in which no reader moves is deterministic: from a cycle
//! boundary, k cycles take the words to the cycle map's image
//! ([`crate::protocol::shape::CycleMap`]). So instead of stepping, the
//! search jumps, and only to the stretch lengths at which something can
//! happen to reader 0:
//! - a word comes back to a value reader 0 holds (loaded, or loaded ahead
//!   under a weak model) or compares with, exactly or one intermediate
//!   store of a cycle away;
//! - the whole counter comes back to the value reader 0's words encode,
//!   or to that value torn by one unit of a higher digit (a torn snapshot
//!   or a torn end read);
//! - a higher digit becomes a value reader 0 holds (a carry);
//! - the next cycle on another writer path begins (a carry, a wrap, a
//!   grace period, saturation);
//! - `window_cycles()` crosses a constant the reader compares it with.
//!
//! It lands up to one cycle early and then steps single cycles (a budget
//! per jump, renewed by every reader move), so every interleaving around
//! the landing point — every propagation order the memory model allows —
//! is still explored move by move. Why this is enough: in a shortest false
//! positive each load can be moved later (a begin load) or earlier (an end
//! load) until a store to its word, another load or a modification stops
//! it; what is left are loads next to a path change or at a point where
//! the words equal values the reader holds. The tests hold this to brute
//! mode at every width 2..=12, under every memory model.
//!
//! One dominance reduction, exact for the minimum: a reader move that
//! sends the reader back to an earlier step of its program without ending
//! it (a re-read loop) is not taken. After the re-read the reader is where
//! a reader that had simply waited would be, only with a longer window and
//! a data phase no dirtier, so a run that waited is at least as short.
//! Brute mode keeps these moves, and the cross-check tests compare.

use super::machine::{Machine, Move};
use super::progress::Meter;
use super::search::{PathItem, Search, Step};
use super::state::{MAX_AHEAD, State, flags};
use crate::error::Result;
use crate::protocol::Outcome;
use crate::protocol::program::{Instr, MAX_LOCALS, MAX_WORDS};
use crate::protocol::shape::{CycleMap, Effect, Sym, TKind, combine};

/// Single cycles the writer may begin after a jump or a reader move, and
/// from the start (which is a landing point too: a value the writer
/// passes through only inside its first cycle, `0 -> 2 -> modify() -> 1`,
/// is reached by no jump; the random-protocol test found a reader that
/// accepts only it).
pub(crate) const BUDGET: u8 = 1;

/// Explore with jumps.
pub(crate) fn run<const R: usize>(
    m: &Machine<'_>,
    search: &mut Search<R>,
    meter: &mut Meter,
) -> Result<()> {
    let deltas = Deltas::of(m);
    let mut moves = Vec::new();
    while let Some(id) = search.pop() {
        search.states += 1;
        meter.tick(search.nodes[id].cost, search.states);
        let st = search.state(id);
        let cost = search.nodes[id].cost;
        m.moves(&st, &mut moves)?;
        for &mv in &moves {
            let starts_cycle = matches!(mv, Move::Writer(_)) && st.view.done == 0;
            if starts_cycle && st.budget == 0 {
                continue;
            }
            let mut s2 = st;
            let (dc, alive) = m.apply(&mut s2, mv)?;
            if !alive {
                continue;
            }
            if let Move::Reader { r, .. } = mv {
                let (was, now) = (&st.readers[r as usize], &s2.readers[r as usize]);
                if now.pc < was.pc && !now.has(flags::DONE) {
                    continue; // a re-read: dominated by having waited
                }
            }
            s2.budget = match mv {
                Move::Reader { .. } => BUDGET,
                Move::Writer(_) if starts_cycle => st.budget - 1,
                Move::Writer(_) => st.budget,
            };
            if matches!(mv, Move::Reader { .. }) {
                s2.after_jump = false;
            }
            settle(search, id, Step::Move(mv), s2, cost + dc);
        }
        if st.view.done == 0 && !st.after_jump {
            for k in jump_lengths(m, &st, &deltas) {
                let mut s2 = st;
                let dc = m.jump(&mut s2, k);
                s2.budget = BUDGET;
                s2.after_jump = true;
                settle(search, id, Step::Jump(k), s2, cost + dc);
            }
        }
    }
    Ok(())
}

fn settle<const R: usize>(
    search: &mut Search<R>,
    id: usize,
    step: Step,
    after: State<R>,
    cost: u128,
) {
    let item = PathItem::new(step, cost);
    match Machine::outcome(&after) {
        Some(Outcome::FalsePositive) => search.found(id, &[], item, cost),
        Some(_) => {}
        None => search.offer(id, &[], item, after, cost),
    }
}

/// The offsets, relative to a cycle's start value, of the intermediate
/// values each word takes within a cycle (0 included).
struct Deltas {
    per_word: [Vec<i128>; MAX_WORDS],
}

impl Deltas {
    fn of(m: &Machine<'_>) -> Deltas {
        let mut per_word: [Vec<i128>; MAX_WORDS] = Default::default();
        for v in per_word.iter_mut() {
            v.push(0);
        }
        if let Ok(paths) = &m.shape.paths {
            for p in paths {
                for e in &p.events {
                    if let TKind::Store {
                        word,
                        value: Sym::Rel(src, c),
                        ..
                    } = e.kind
                        && src == word
                        && !per_word[word as usize].contains(&c)
                    {
                        per_word[word as usize].push(c);
                    }
                }
            }
        }
        Deltas { per_word }
    }
}

/// The values reader 0 holds or compares each word with.
fn values<const R: usize>(m: &Machine<'_>, st: &State<R>) -> [Vec<u64>; MAX_WORDS] {
    let mut out: [Vec<u64>; MAX_WORDS] = Default::default();
    let r0 = &st.readers[0];
    let u = &m.shape.reader;
    for l in 0..MAX_LOCALS.min(u.local_word.len()) {
        if let Some(w) = u.local_word[l]
            && !r0.has(flags::DONE)
        {
            let v = r0.locals[l] as u64;
            if !out[w as usize].contains(&v) {
                out[w as usize].push(v);
            }
        }
    }
    for &(node, v) in r0.ahead.iter().take((r0.n_ahead as usize).min(MAX_AHEAD)) {
        if let Instr::Load { word, .. } = m.program().reader.code[node as usize]
            && !out[word as usize].contains(&v)
        {
            out[word as usize].push(v);
        }
    }
    for (w, cs) in u.word_consts.iter().enumerate() {
        for &c in cs {
            if !out[w].contains(&c) {
                out[w].push(c);
            }
        }
    }
    out
}

/// Smallest `k >= 1` with `k * d == t (mod 2^bits)`, if any.
fn solve(d: u128, t: u128, bits: u32) -> Option<u128> {
    let modulus_mask = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    let t = t & modulus_mask;
    let g = d.trailing_zeros().min(bits);
    if t.trailing_zeros() < g && t != 0 {
        return None;
    }
    // Reduce: (d/2^g) k == t/2^g (mod 2^(bits-g)); d/2^g is odd.
    let b = bits - g;
    let m = if b >= 128 {
        u128::MAX
    } else {
        (1u128 << b) - 1
    };
    let dd = (d >> g) & m;
    let tt = (t >> g) & m;
    // Inverse of an odd number mod 2^b by Newton's iteration.
    let mut inv: u128 = 1;
    for _ in 0..7 {
        inv = inv.wrapping_mul(2u128.wrapping_sub(dd.wrapping_mul(inv)));
    }
    let k = tt.wrapping_mul(inv) & m;
    if k == 0 {
        // t == 0: the first positive solution is a whole period.
        Some(m.wrapping_add(1).max(1))
    } else {
        Some(k)
    }
}

/// The stretch lengths worth jumping from boundary state `st`, each in
/// `1..=limit`, ascending.
fn jump_lengths<const R: usize>(m: &Machine<'_>, st: &State<R>, deltas: &Deltas) -> Vec<u128> {
    let Some(map) = m.map() else {
        return Vec::new();
    };
    let x = &st.view.start;
    let n = m.nwords();
    let in_flight = st.readers.iter().any(|r| r.in_window());
    let mut limit = match map {
        CycleMap::Counter { .. } | CycleMap::Independent { .. } => {
            map.period(&x[..n]).unwrap_or(u128::MAX)
        }
        CycleMap::Piecewise { word, .. } => map
            .period(&x[..n])
            .unwrap_or_else(|| 1u128 << m.bits()[*word as usize].min(127)),
    };
    if m.readers_matter && in_flight {
        limit = limit.min(next_gp(m, map, x));
    }
    // The landing points found; each is jumped to, and one cycle either
    // side of it.
    let mut ks: Vec<u128> = Vec::new();
    let mut land = |k: u128| {
        if k >= 1 {
            ks.push(k);
        }
    };
    // The next cycles on another writer path.
    match map {
        CycleMap::Piecewise { word, .. } => land(map.steps_in_piece(x[*word as usize])),
        // Each word's next wrap.
        CycleMap::Independent { words, bits, adds } => {
            for (i, &w) in words.iter().enumerate() {
                if adds[i] > 0 {
                    let modulus = 1u128 << bits[i];
                    land((modulus - u128::from(x[w as usize])).div_ceil(adds[i]));
                }
            }
        }
        CycleMap::Counter { digits, bits, d } => {
            let c = combine(digits, bits, &x[..n]);
            let mut low = 0u32;
            for b in bits.iter().take(digits.len() - 1) {
                low += b;
                let unit = 1u128 << low;
                let lower = c & (unit - 1);
                land((unit - lower).div_ceil(*d));
            }
        }
    }
    let r0 = &st.readers[0];
    if r0.in_window() {
        let vals = values(m, st);
        match map {
            // Each word back at a value reader 0 holds or compares with
            // (minus the offsets of the cycle's stores to it); the words
            // move independently, so the first such point of each word is
            // where something can happen, and the search plans again from
            // there.
            CycleMap::Independent { words, bits, adds } => {
                for (i, &w) in words.iter().enumerate() {
                    let wi = w as usize;
                    if adds[i] == 0 {
                        continue;
                    }
                    let mask = crate::width::mask(bits[i]);
                    for &v in &vals[wi] {
                        for &dl in &deltas.per_word[wi] {
                            let t = (i128::from(v) - dl - i128::from(x[wi])) as u64 & mask;
                            if let Some(k) = solve(adds[i], u128::from(t), bits[i]) {
                                land(k);
                            }
                        }
                    }
                }
            }
            CycleMap::Piecewise { word, .. } => {
                let w = *word as usize;
                let mask = crate::width::mask(m.bits()[w]);
                for &v in &vals[w] {
                    for &dl in &deltas.per_word[w] {
                        let t = (i128::from(v) - dl) as u64 & mask;
                        if let Some(k) = map.first_hit(&x[..n], t, limit) {
                            land(k);
                        }
                    }
                }
            }
            CycleMap::Counter { digits, bits, d } => {
                let total: u32 = bits.iter().sum();
                let c = combine(digits, bits, &x[..n]);
                let full = if total >= 128 {
                    u128::MAX
                } else {
                    (1u128 << total) - 1
                };
                // Each digit back at a value reader 0 holds.
                let mut low = 0u32;
                for (i, &w) in digits.iter().enumerate() {
                    let wi = w as usize;
                    for &v in &vals[wi] {
                        if i == 0 {
                            for &dl in &deltas.per_word[wi] {
                                let t = (i128::from(v) - dl - i128::from(x[wi])) as u128;
                                if let Some(k) = solve(*d, t, bits[0]) {
                                    land(k);
                                }
                            }
                        } else {
                            // The first counter value after c with digit i = v.
                            let above = low + bits[i];
                            let mut target = (c >> above << above) | (u128::from(v) << low);
                            if target <= c {
                                target = target.wrapping_add(1u128.checked_shl(above).unwrap_or(0));
                            }
                            let dist = target.wrapping_sub(c) & full;
                            land(dist.div_ceil(*d));
                        }
                    }
                    low += bits[i];
                }
                // The whole counter back at what reader 0 holds, or torn by
                // one unit of a higher digit.
                let mut combos: Vec<u128> = vec![0];
                let mut shift = 0u32;
                for (i, &w) in digits.iter().enumerate() {
                    let wi = w as usize;
                    let mut opts = vals[wi].clone();
                    if opts.is_empty() {
                        opts.push(x[wi]);
                    }
                    let mut next = Vec::new();
                    for &cb in &combos {
                        for &v in &opts {
                            next.push(cb | (u128::from(v) << shift));
                        }
                    }
                    next.truncate(64);
                    combos = next;
                    shift += bits[i];
                }
                let mut offs: Vec<u128> = vec![0];
                let mut low = 0u32;
                for b in bits.iter() {
                    if low > 0 {
                        offs.push(1u128 << low);
                        offs.push(full.wrapping_add(1).wrapping_sub(1u128 << low) & full);
                    }
                    low += b;
                }
                let w0 = digits[0] as usize;
                for &cb in &combos {
                    for &off in &offs {
                        for &dl in &deltas.per_word[w0] {
                            let t = cb
                                .wrapping_add(off)
                                .wrapping_sub(dl as u128)
                                .wrapping_sub(c)
                                & full;
                            if let Some(k) = solve(*d, t, total) {
                                land(k);
                            }
                        }
                    }
                }
            }
        }
        // window_cycles() crossing a constant.
        for &k in &m.shape.reader.ghost_consts {
            if k > r0.window {
                land(u128::from(k - r0.window));
            }
        }
    }
    // Sorting the landing points before widening them keeps the sort
    // small (points repeat); widened in ascending order, each length is
    // kept once, ascending.
    ks.sort_unstable();
    ks.dedup();
    let mut out: Vec<u128> = Vec::with_capacity(ks.len() * 3);
    for &k in &ks {
        for j in [k - 1, k, k.saturating_add(1)] {
            if j >= 1 && j <= limit && out.last().is_none_or(|&l| j > l) {
                out.push(j);
            }
        }
    }
    out
}

/// Cycles from boundary `x` until the next cycle that runs
/// `synchronize_rcu()` begins (jumps must stop before it while a reader is
/// in flight: the grace period would wait for it).
fn next_gp(m: &Machine<'_>, map: &CycleMap, x: &[u64; MAX_WORDS]) -> u128 {
    let Ok(paths) = &m.shape.paths else {
        return 0;
    };
    match map {
        CycleMap::Piecewise { word, pieces } => {
            let w = *word as usize;
            let mut v = x[w];
            let mut n: u128 = 0;
            for _ in 0..4 * pieces.len() + 8 {
                let p = pieces[pieces.partition_point(|p| p.hi < v)];
                if paths[p.path].has_gp() {
                    return n;
                }
                let t = map.steps_in_piece(v);
                let mut y = x.to_vec();
                y[w] = v;
                map.jump(&mut y, t);
                if y[w] == v {
                    return u128::MAX;
                }
                v = y[w];
                n += t;
                if let Effect::Set(_) = p.effect {
                    continue;
                }
            }
            u128::MAX
        }
        CycleMap::Independent { .. } => u128::MAX,
        CycleMap::Counter { digits, bits, d } => {
            // Grace periods are on paths constrained only in the low digit
            // (Shape::accel_blocker refuses others).
            let w0 = digits[0] as usize;
            let modulus = 1u128 << bits[0];
            let c0 = u128::from(x[w0]);
            let mut best = u128::MAX;
            for p in paths.iter().filter(|p| p.has_gp()) {
                let (a, b) = (u128::from(p.bx[w0].0), u128::from(p.bx[w0].1));
                let first = |v: u128| -> Option<u128> {
                    if v >= a && v <= b {
                        return Some(0);
                    }
                    if v < a {
                        let j = (a - v).div_ceil(*d);
                        return (v + j * d <= b).then_some(j);
                    }
                    None
                };
                if let Some(j) = first(c0) {
                    best = best.min(j);
                    continue;
                }
                let jw = (modulus - c0).div_ceil(*d);
                let v2 = c0 + jw * d - modulus;
                if let Some(j) = first(v2) {
                    best = best.min(jw + j);
                }
            }
            best
        }
    }
}

#[cfg(test)]
mod tests {
    use super::solve;

    #[test]
    fn linear_congruences() {
        assert_eq!(solve(2, 10, 8), Some(5));
        assert_eq!(solve(2, 0, 8), Some(128), "a whole period");
        assert_eq!(solve(2, 3, 8), None, "odd targets are never hit");
        assert_eq!(solve(3, 1, 4), Some(11), "3 * 11 = 33 = 1 mod 16");
        let big = solve(2, 1u128 << 63, 64).unwrap();
        assert_eq!(big, 1u128 << 62);
    }
}
