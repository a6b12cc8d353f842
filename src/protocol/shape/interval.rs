//! Sets of start values of one word, as sorted disjoint inclusive
//! intervals, and the set a comparison with a constant selects. The
//! symbolic writer ([`super::writer`]) splits its paths' boxes with these;
//! they are plain interval arithmetic, apart from the program.

use crate::protocol::parse::BinOp;

/// A sorted set of disjoint inclusive intervals.
pub(super) type Set = Vec<(u64, u64)>;

pub(super) fn intersect(a: &Set, b: &Set) -> Set {
    let mut out = Vec::new();
    for &(x0, x1) in a {
        for &(y0, y1) in b {
            let lo = x0.max(y0);
            let hi = x1.min(y1);
            if lo <= hi {
                out.push((lo, hi));
            }
        }
    }
    out.sort_unstable();
    out
}

pub(super) fn complement(a: &Set, max: u64) -> Set {
    let mut out = Vec::new();
    let mut next: u128 = 0;
    for &(lo, hi) in a {
        if u128::from(lo) > next {
            out.push((next as u64, lo - 1));
        }
        next = u128::from(hi) + 1;
    }
    if next <= u128::from(max) {
        out.push((next as u64, max));
    }
    out
}

pub(super) fn union(a: &Set, b: &Set, max: u64) -> Set {
    complement(&intersect(&complement(a, max), &complement(b, max)), max)
}

/// `x cmp t` over `[0, max]`.
pub(super) fn cmp_set(op: BinOp, t: i128, max: u64) -> Set {
    let m = i128::from(max);
    let iv = |lo: i128, hi: i128| -> Set {
        let lo = lo.max(0);
        let hi = hi.min(m);
        if lo <= hi {
            vec![(lo as u64, hi as u64)]
        } else {
            Vec::new()
        }
    };
    match op {
        BinOp::Lt => iv(0, t - 1),
        BinOp::Le => iv(0, t),
        BinOp::Gt => iv(t + 1, m),
        BinOp::Ge => iv(t, m),
        BinOp::Eq => iv(t, t),
        BinOp::Ne => complement(&iv(t, t), max),
        _ => unreachable!("comparison operators only"),
    }
}

pub(super) fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        o => o,
    }
}
