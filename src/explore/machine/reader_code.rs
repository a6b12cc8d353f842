//! What is read off the reader's code once, before any search: which
//! locals each instruction may still read, whether an expression reads
//! `window_cycles()`, and an expression's value from the locals known so
//! far (the walk guesses only the branches this leaves open).

use crate::protocol::program::{Body, CExpr, CKind, Instr, MAX_LOCALS};

/// Locals each reader instruction may still read (backward liveness).
pub(super) fn liveness(b: &Body) -> Vec<u16> {
    let n = b.code.len();
    let uses = |e: &CExpr| {
        let mut m = 0u16;
        e.visit(&mut |k| {
            if let CKind::Local(l) = k {
                m |= 1 << l;
            }
        });
        m
    };
    let mut live = vec![0u16; n];
    let mut changed = true;
    while changed {
        changed = false;
        for x in (0..n).rev() {
            let out: u16 = b.code[x]
                .successors()
                .map(|s| live[s as usize])
                .fold(0, |a, v| a | v);
            let v = match &b.code[x] {
                Instr::Load { dst, .. } => out & !(1 << dst),
                Instr::Assign { dst, value, .. } => (out & !(1 << dst)) | uses(value),
                Instr::Branch { cond, .. } => out | uses(cond),
                _ => out,
            };
            if v != live[x] {
                live[x] = v;
                changed = true;
            }
        }
    }
    live
}

/// Does `e` read `window_cycles()`?
#[inline]
pub(super) fn uses_window(e: &CExpr) -> bool {
    let mut found = false;
    e.visit(&mut |k| found |= matches!(k, CKind::WindowCycles));
    found
}

/// Evaluate `e` with the locals known so far; `None` if it needs one that
/// is not (or `window_cycles()`).
#[inline]
pub(super) fn eval_known(e: &CExpr, known: &[Option<i128>; MAX_LOCALS]) -> Option<i128> {
    use crate::protocol::parse::BinOp;
    match &e.kind {
        CKind::Const(v) => Some(*v),
        CKind::Local(l) => known[*l as usize],
        CKind::WindowCycles | CKind::Word(_) => None,
        CKind::Un(op, a) => crate::protocol::program::unary(*op, eval_known(a, known)?, e.at).ok(),
        CKind::Bin(op, a, b) => {
            let x = eval_known(a, known);
            if *op == BinOp::And && x == Some(0) {
                return Some(0);
            }
            if *op == BinOp::Or && x.is_some_and(|v| v != 0) {
                return Some(1);
            }
            let y = eval_known(b, known);
            if *op == BinOp::And && y == Some(0) {
                return Some(0);
            }
            if *op == BinOp::Or && y.is_some_and(|v| v != 0) {
                return Some(1);
            }
            crate::protocol::program::binary(*op, x?, y?, e.at).ok()
        }
        CKind::Cond(c, a, b) => {
            if eval_known(c, known)? != 0 {
                eval_known(a, known)
            } else {
                eval_known(b, known)
            }
        }
    }
}
