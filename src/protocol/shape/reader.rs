//! The reader's abstraction: which word each local holds, what the reader
//! compares loaded values and `window_cycles()` with, and where it does
//! more than the accelerated explorer allows. Separate because it reads
//! the reader's body, as the rest of the shape reads the writer's.

use super::ReaderUse;
use crate::protocol::parse::{BinOp, UnOp};
use crate::protocol::program::{Body, CExpr, CKind, Instr, LocalId, MAX_WORDS, Program, WordId};

/// What the reader does with loaded values.
pub(super) fn reader_use(p: &Program) -> ReaderUse {
    let b: &Body = &p.reader;
    let nl = b.locals.len();
    let mut u = ReaderUse {
        local_word: vec![None; nl],
        ..ReaderUse::default()
    };
    for s in u.stride.iter_mut() {
        *s = Some(1);
    }
    u.mask_stride = [1; MAX_WORDS];
    // Which word each local holds: loads set it; copies propagate it.
    let mut tag: Vec<Option<Option<WordId>>> = vec![None; nl];
    let mut outside: Vec<String> = Vec::new();
    for _ in 0..nl + 1 {
        for ins in &b.code {
            let (dst, t) = match ins {
                Instr::Load { dst, word, .. } => (*dst, Some(*word)),
                Instr::Assign { dst, value, .. } => (
                    *dst,
                    match value.kind {
                        CKind::Local(l) => tag[l as usize].flatten(),
                        _ => None,
                    },
                ),
                _ => continue,
            };
            match tag[dst as usize] {
                None => tag[dst as usize] = Some(t),
                Some(old) if old != t => {
                    if old.is_some() || t.is_some() {
                        let msg = format!(
                            "local '{}' holds values of different words",
                            b.locals[dst as usize]
                        );
                        if !outside.contains(&msg) {
                            outside.push(msg);
                        }
                    }
                    tag[dst as usize] = Some(None);
                }
                _ => {}
            }
        }
    }
    for (i, t) in tag.iter().enumerate() {
        u.local_word[i] = t.flatten();
    }
    let mut a = Abs {
        u: &mut u,
        outside: &mut outside,
        words: p,
    };
    for ins in &b.code {
        match ins {
            Instr::Branch { cond, .. } => {
                a.eval(cond);
            }
            Instr::Assign { value, .. } => {
                if let V::Word(w) = a.eval(value)
                    && !matches!(value.kind, CKind::Local(_))
                {
                    a.bad(&format!(
                        "the reader computes a new value from word {}",
                        p.words[w as usize].name
                    ));
                }
            }
            _ => {}
        }
    }
    if let Some(first) = outside.first() {
        u.outside = Some(format!(
            "{first}; the accelerated explorer needs a reader that only compares loaded values for equality, tests their low bits, and compares window_cycles() with constants"
        ));
    }
    u
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum V {
    Word(WordId),
    Ghost,
    Const(i128),
    Other,
}

struct Abs<'a> {
    u: &'a mut ReaderUse,
    outside: &'a mut Vec<String>,
    words: &'a Program,
}

impl Abs<'_> {
    fn bad(&mut self, msg: &str) {
        if !self.outside.iter().any(|m| m == msg) {
            self.outside.push(msg.to_string());
        }
    }

    fn unfree(&mut self, w: WordId) {
        self.u.stride[w as usize] = None;
    }

    fn eval(&mut self, e: &CExpr) -> V {
        match &e.kind {
            CKind::Const(v) => V::Const(*v),
            CKind::Local(l) => match self.u.local_word[*l as usize] {
                Some(w) => V::Word(w),
                None => V::Other,
            },
            CKind::WindowCycles => V::Ghost,
            CKind::Word(_) => V::Other,
            CKind::Un(op, a) => {
                let x = self.eval(a);
                match (op, x) {
                    (UnOp::Not, _) => V::Other,
                    (_, V::Word(w)) => {
                        self.unfree(w);
                        self.bad("the reader negates a loaded value");
                        V::Other
                    }
                    (_, V::Const(_)) => V::Other,
                    _ => V::Other,
                }
            }
            CKind::Bin(op, a, b) => {
                let x = self.eval(a);
                let y = self.eval(b);
                use BinOp::*;
                match op {
                    Eq | Ne => match (x, y) {
                        (V::Word(w1), V::Word(w2)) => {
                            if w1 != w2 {
                                self.unfree(w1);
                                self.unfree(w2);
                                self.bad("the reader compares values of two different words");
                            }
                            V::Other
                        }
                        (V::Word(w), V::Const(k)) | (V::Const(k), V::Word(w)) => {
                            self.unfree(w);
                            if k >= 0 && k <= i128::from(self.words.words[w as usize].mask()) {
                                self.u.word_consts[w as usize].push(k as u64);
                            }
                            V::Other
                        }
                        (V::Ghost, V::Const(k)) | (V::Const(k), V::Ghost) => {
                            self.ghost(k);
                            V::Other
                        }
                        _ => self.plain(x, y, op),
                    },
                    Lt | Le | Gt | Ge => match (x, y) {
                        (V::Ghost, V::Const(k)) | (V::Const(k), V::Ghost) => {
                            self.ghost(k);
                            self.ghost(k + 1);
                            V::Other
                        }
                        _ => self.plain(x, y, op),
                    },
                    BitAnd => match (x, y) {
                        (V::Word(w), V::Const(k)) | (V::Const(k), V::Word(w)) if k > 0 => {
                            let bitlen = 128 - (k as u128).leading_zeros();
                            let stride = 1u64.checked_shl(bitlen).unwrap_or(0);
                            let ms = &mut self.u.mask_stride[w as usize];
                            *ms = if stride == 0 {
                                u64::MAX
                            } else {
                                (*ms).max(stride)
                            };
                            match self.u.stride[w as usize] {
                                Some(s) if stride != 0 => {
                                    self.u.stride[w as usize] = Some(s.max(stride))
                                }
                                _ => self.unfree(w),
                            }
                            V::Other
                        }
                        _ => self.plain(x, y, op),
                    },
                    And | Or => V::Other,
                    _ => self.plain(x, y, op),
                }
            }
            CKind::Cond(c, a, b) => {
                self.eval(c);
                let x = self.eval(a);
                let y = self.eval(b);
                if matches!(x, V::Word(_) | V::Ghost) || matches!(y, V::Word(_) | V::Ghost) {
                    self.bad("the reader chooses between loaded values with '?:'");
                }
                V::Other
            }
        }
    }

    fn ghost(&mut self, k: i128) {
        if k >= 0 {
            let k = k.min(i128::from(u64::MAX)) as u64;
            if !self.u.ghost_consts.contains(&k) {
                self.u.ghost_consts.push(k);
            }
        }
    }

    fn plain(&mut self, x: V, y: V, op: &BinOp) -> V {
        for v in [x, y] {
            match v {
                V::Word(w) => {
                    self.unfree(w);
                    self.bad(&format!(
                        "the reader applies '{}' to a loaded value",
                        op.text()
                    ));
                }
                V::Ghost => self.bad(&format!(
                    "the reader applies '{}' to window_cycles()",
                    op.text()
                )),
                _ => {}
            }
        }
        V::Other
    }
}

/// Local ids the reader holds values of `w` in.
pub fn locals_of(u: &ReaderUse, w: WordId) -> impl Iterator<Item = LocalId> + '_ {
    u.local_word
        .iter()
        .enumerate()
        .filter(move |(_, t)| **t == Some(w))
        .map(|(i, _)| i as LocalId)
}
