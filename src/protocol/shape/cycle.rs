//! Which cycle map the writer's symbolic paths make: piecewise on one
//! stored word, independent counters, or a mixed-radix counter checked
//! exactly against every path (the parent module's docs). Separate from
//! [`super::jump`], which computes with a map once it is known.

use super::{CycleMap, Effect, Piece, Sym, SymPath};
use crate::protocol::program::{MAX_WORDS, Program, WordId};
use crate::width::mask;

/// The cycle map the paths make, or why they make none.
pub(super) fn cycle_map(p: &Program, paths: &[SymPath], stored: u8) -> Result<CycleMap, String> {
    let n = p.words.len();
    // Words never stored stay 0: only the paths whose box holds 0 for them
    // are reachable.
    let live: Vec<&SymPath> = paths
        .iter()
        .filter(|q| (0..n).all(|w| stored & (1 << w) != 0 || q.bx[w].0 == 0))
        .collect();
    let digits: Vec<WordId> = (0..n as WordId)
        .filter(|w| stored & (1 << w) != 0)
        .collect();
    match digits.len() {
        0 => Err("the writer stores no word".into()),
        1 => {
            let w = digits[0];
            let mut pieces: Vec<Piece> = Vec::new();
            for (i, q) in paths.iter().enumerate() {
                if !live.iter().any(|l| std::ptr::eq(*l, q)) {
                    continue;
                }
                let (lo, hi) = q.bx[w as usize];
                let effect = match q.fin[w as usize] {
                    Sym::Rel(_, a) => Effect::Add(a),
                    Sym::Const(c) => Effect::Set(c as u64),
                };
                pieces.push(Piece {
                    lo,
                    hi,
                    effect,
                    path: i,
                });
            }
            pieces.sort_by_key(|q| q.lo);
            let mut next: u128 = 0;
            for q in &pieces {
                if u128::from(q.lo) != next {
                    return Err("the writer's paths do not cover the word's values once".into());
                }
                next = u128::from(q.hi) + 1;
            }
            if next != u128::from(p.words[w as usize].mask()) + 1 {
                return Err("the writer's paths do not cover the word's values".into());
            }
            Ok(CycleMap::Piecewise { word: w, pieces })
        }
        _ => counter(p, &live, &digits).or_else(|why| {
            independent(p, &live, &digits).map_err(|_| {
                format!("{why}, nor independent counters (each word plus its own constant)")
            })
        }),
    }
}

/// Check that the writer adds its own constant to each stored word every
/// cycle, modulo the word's width, with no carry between words: every path
/// is one combination of "this word wraps this cycle or not", each word's
/// final value `x + a` on the paths where it does not wrap and `x + a -
/// 2^bits` where it does. No grace period (it would have to be located
/// from several words).
fn independent(p: &Program, paths: &[&SymPath], stored: &[WordId]) -> Result<CycleMap, String> {
    let zero = [0u64; MAX_WORDS];
    let from_zero = paths
        .iter()
        .find(|q| (0..p.words.len()).all(|w| q.bx[w].0 == 0))
        .ok_or("no writer path starts from all words 0")?;
    let bits: Vec<u32> = stored.iter().map(|&w| p.words[w as usize].bits).collect();
    let adds: Vec<u128> = stored
        .iter()
        .map(|&w| from_zero.fin[w as usize].at(&zero) as u128)
        .collect();
    for q in paths {
        if q.has_gp() {
            return Err("a grace period".into());
        }
        for (i, &w) in stored.iter().enumerate() {
            let modulus = 1i128 << bits[i];
            let a = adds[i] as i128;
            let (lo, hi) = q.bx[w as usize];
            let (lo, hi) = (i128::from(lo), i128::from(hi));
            let ok = match q.fin[w as usize] {
                Sym::Rel(src, c) if src == w => {
                    (c == a && hi + a < modulus) || (c == a - modulus && lo + a >= modulus)
                }
                Sym::Const(c) => lo == hi && (lo + a) % modulus == c,
                Sym::Rel(..) => false,
            };
            if !ok {
                return Err("a word is not its own counter".into());
            }
        }
    }
    Ok(CycleMap::Independent {
        words: stored.to_vec(),
        bits,
        adds,
    })
}

/// All orders of `v`.
fn permutations(v: &[WordId]) -> Vec<Vec<WordId>> {
    if v.len() <= 1 {
        return vec![v.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..v.len() {
        let mut rest = v.to_vec();
        let x = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, x);
            out.push(p);
        }
    }
    out
}

/// Check that the writer is a mixed-radix counter over some order of the
/// stored words (the parent module's docs).
fn counter(p: &Program, paths: &[&SymPath], stored: &[WordId]) -> Result<CycleMap, String> {
    let zero = [0u64; MAX_WORDS];
    let from_zero = paths
        .iter()
        .find(|q| (0..p.words.len()).all(|w| q.bx[w].0 == 0))
        .ok_or("no writer path starts from all words 0")?;
    'orders: for order in permutations(stored) {
        let bits: Vec<u32> = order.iter().map(|&w| p.words[w as usize].bits).collect();
        // The combined value after one cycle from zero is D.
        let mut d: u128 = 0;
        let mut shift = 0u32;
        for (i, &w) in order.iter().enumerate() {
            let v = from_zero.fin[w as usize].at(&zero);
            d |= (v as u128) << shift;
            shift += bits[i];
        }
        let low_mod = 1u128 << bits[0];
        // One cycle carries at most once out of the low digit.
        if d == 0 || d > low_mod {
            continue;
        }
        let g = 1u128 << d.trailing_zeros().min(bits[0]);
        // The counter's carry cases: m = how many low digits overflow.
        let k = order.len();
        for m in 0..=k {
            if m == 0 && d == low_mod {
                continue; // every cycle carries
            }
            // Box of case m and each digit's result form.
            let mut bx: Vec<(u64, u64)> = Vec::new();
            let mut form: Vec<Sym> = Vec::new();
            for (i, &w) in order.iter().enumerate() {
                let max = mask(bits[i]);
                if i == 0 {
                    if m == 0 {
                        bx.push((0, (low_mod - d - 1) as u64));
                        form.push(Sym::Rel(w, d as i128));
                    } else {
                        bx.push(((low_mod - d) as u64, max));
                        form.push(Sym::Rel(w, d as i128 - low_mod as i128));
                    }
                } else if i < m {
                    bx.push((max, max));
                    form.push(Sym::Const(0));
                } else if i == m {
                    if max == 0 {
                        continue 'orders;
                    }
                    bx.push((0, max - 1));
                    form.push(Sym::Rel(w, 1));
                } else {
                    bx.push((0, max));
                    form.push(Sym::Rel(w, 0));
                }
            }
            for q in paths {
                // The cell: the path's box met with the case's box.
                let mut cell = Vec::new();
                let mut empty = false;
                for (i, &w) in order.iter().enumerate() {
                    let (a0, a1) = q.bx[w as usize];
                    let lo = a0.max(bx[i].0);
                    let hi = a1.min(bx[i].1);
                    if lo > hi {
                        empty = true;
                        break;
                    }
                    cell.push((lo, hi));
                }
                if empty {
                    continue;
                }
                // Reachable start states have the low digit a multiple of g.
                let first = u128::from(cell[0].0).div_ceil(g) * g;
                if first > u128::from(cell[0].1) {
                    continue;
                }
                for (i, &w) in order.iter().enumerate() {
                    let ok = match (q.fin[w as usize], form[i]) {
                        (Sym::Rel(_, a), Sym::Rel(_, b)) => a == b,
                        (Sym::Const(a), Sym::Const(b)) => a == b,
                        (Sym::Rel(_, a), Sym::Const(c)) | (Sym::Const(c), Sym::Rel(_, a)) => {
                            cell[i].0 == cell[i].1 && i128::from(cell[i].0) + a == c
                        }
                    };
                    if !ok {
                        continue 'orders;
                    }
                }
            }
        }
        return Ok(CycleMap::Counter {
            digits: order,
            bits,
            d,
        });
    }
    Err(
        "the writer is not a counter that adds a constant to its words and carries between \
         them"
            .into(),
    )
}
