//! The writer executed symbolically: each word's start value a variable,
//! expressions `x_w + c` or constants, conditions and a store's wrap
//! splitting the start values into boxes (the parent module's docs). The
//! result is the writer's paths, from which [`super::cycle`] builds the
//! cycle map. Separate because it is the one place that walks the writer's
//! code.

use super::interval::{Set, cmp_set, complement, flip, intersect, union};
use super::{MAX_PATHS, Sym, SymPath, TEvent, TKind};
use crate::protocol::parse::{BinOp, UnOp};
use crate::protocol::program::{
    self, CExpr, CKind, Instr, MAX_LOCALS, MAX_WORDS, Node, Program, WordId, truncate,
};

/// A condition's truth: constant, or a set of start values of one word.
enum CondSet {
    Const(bool),
    Word(WordId, Set),
}

#[derive(Clone)]
struct SState {
    node: Node,
    bx: [(u64, u64); MAX_WORDS],
    latest: [Sym; MAX_WORDS],
    locals: [Option<Sym>; MAX_LOCALS],
    events: Vec<TEvent>,
}

struct Walker<'a> {
    p: &'a Program,
    cond_words: &'a mut u8,
    const_words: &'a mut u8,
}

impl Walker<'_> {
    fn max(&self, w: WordId) -> u64 {
        self.p.words[w as usize].mask()
    }

    fn eval(&self, st: &SState, e: &CExpr) -> Result<Sym, String> {
        let bad = |what: &str| {
            Err(format!(
                "the writer computes {what}, which is not 'word + constant'"
            ))
        };
        match &e.kind {
            CKind::Const(v) => Ok(Sym::Const(*v)),
            CKind::Word(w) => Ok(st.latest[*w as usize]),
            CKind::Local(l) => {
                st.locals[*l as usize].ok_or_else(|| "a local without a value".into())
            }
            CKind::WindowCycles => bad("window_cycles()"),
            CKind::Un(op, a) => match (op, self.eval(st, a)?) {
                (_, Sym::Const(v)) => program::unary(*op, v, e.at)
                    .map(Sym::Const)
                    .map_err(|x| x.msg),
                (UnOp::Neg, _) => bad("a negated word"),
                (UnOp::Not, _) => bad("'!' of a word in a value"),
                (UnOp::BitNot, _) => bad("'~' of a word"),
            },
            CKind::Bin(op, a, b) => {
                let (x, y) = (self.eval(st, a)?, self.eval(st, b)?);
                match (op, x, y) {
                    (_, Sym::Const(u), Sym::Const(v)) => program::binary(*op, u, v, e.at)
                        .map(Sym::Const)
                        .map_err(|x| x.msg),
                    (BinOp::Add, Sym::Rel(w, c), Sym::Const(k))
                    | (BinOp::Add, Sym::Const(k), Sym::Rel(w, c)) => Ok(Sym::Rel(w, c + k)),
                    (BinOp::Sub, Sym::Rel(w, c), Sym::Const(k)) => Ok(Sym::Rel(w, c - k)),
                    (BinOp::Sub, Sym::Rel(w1, c1), Sym::Rel(w2, c2)) if w1 == w2 => {
                        Ok(Sym::Const(c1 - c2))
                    }
                    _ => bad(&format!("'{}' on a word", op.text())),
                }
            }
            CKind::Cond(..) => bad("'?:' on a word"),
        }
    }

    fn cond(&mut self, st: &SState, e: &CExpr) -> Result<CondSet, String> {
        if let CKind::Bin(op, a, b) = &e.kind {
            match op {
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
                    let (x, y) = (self.eval(st, a)?, self.eval(st, b)?);
                    return match (x, y) {
                        (Sym::Const(u), Sym::Const(v)) => Ok(CondSet::Const(
                            program::binary(*op, u, v, e.at).map_err(|x| x.msg)? != 0,
                        )),
                        (Sym::Rel(w, c), Sym::Const(k)) => {
                            *self.cond_words |= 1 << w;
                            Ok(CondSet::Word(w, cmp_set(*op, k - c, self.max(w))))
                        }
                        (Sym::Const(k), Sym::Rel(w, c)) => {
                            *self.cond_words |= 1 << w;
                            Ok(CondSet::Word(w, cmp_set(flip(*op), k - c, self.max(w))))
                        }
                        (Sym::Rel(w1, c1), Sym::Rel(w2, c2)) if w1 == w2 => Ok(CondSet::Const(
                            program::binary(*op, c1, c2, e.at).map_err(|x| x.msg)? != 0,
                        )),
                        _ => Err("a writer condition compares two different words".into()),
                    };
                }
                BinOp::And | BinOp::Or => {
                    let x = self.cond(st, a)?;
                    let y = self.cond(st, b)?;
                    let and = *op == BinOp::And;
                    return match (x, y) {
                        (CondSet::Const(u), CondSet::Const(v)) => {
                            Ok(CondSet::Const(if and { u && v } else { u || v }))
                        }
                        (CondSet::Const(u), s) | (s, CondSet::Const(u)) => Ok(match (and, u) {
                            (true, true) | (false, false) => s,
                            (true, false) => CondSet::Const(false),
                            (false, true) => CondSet::Const(true),
                        }),
                        (CondSet::Word(w1, s1), CondSet::Word(w2, s2)) if w1 == w2 => {
                            let max = self.max(w1);
                            Ok(CondSet::Word(
                                w1,
                                if and {
                                    intersect(&s1, &s2)
                                } else {
                                    union(&s1, &s2, max)
                                },
                            ))
                        }
                        _ => Err("a writer condition combines two different words".into()),
                    };
                }
                _ => {}
            }
        }
        if let CKind::Un(UnOp::Not, a) = &e.kind {
            return Ok(match self.cond(st, a)? {
                CondSet::Const(b) => CondSet::Const(!b),
                CondSet::Word(w, s) => CondSet::Word(w, complement(&s, self.max(w))),
            });
        }
        match self.eval(st, e)? {
            Sym::Const(v) => Ok(CondSet::Const(v != 0)),
            Sym::Rel(w, c) => {
                *self.cond_words |= 1 << w;
                Ok(CondSet::Word(w, cmp_set(BinOp::Ne, -c, self.max(w))))
            }
        }
    }
}

/// The writer's symbolic paths (sorted by box), noting the words its
/// conditions read and the words it stores a constant to.
pub(super) fn writer_paths(
    p: &Program,
    cond_words: &mut u8,
    const_words: &mut u8,
) -> Result<Vec<SymPath>, String> {
    let n = p.words.len();
    let mut init = SState {
        node: 0,
        bx: [(0, 0); MAX_WORDS],
        latest: [Sym::Const(0); MAX_WORDS],
        locals: [None; MAX_LOCALS],
        events: Vec::new(),
    };
    for w in 0..n {
        init.bx[w] = (0, p.words[w].mask());
        init.latest[w] = Sym::Rel(w as WordId, 0);
    }
    let mut walker = Walker {
        p,
        cond_words,
        const_words,
    };
    let code = &p.writer.code;
    let mut work = vec![init];
    let mut done = Vec::new();
    while let Some(mut st) = work.pop() {
        if done.len() + work.len() > MAX_PATHS {
            return Err(format!("the writer has more than {MAX_PATHS} paths"));
        }
        match &code[st.node as usize] {
            Instr::Store {
                word,
                value,
                order,
                rmw,
                next,
            } => {
                let w = *word as usize;
                let bits = p.words[w].bits;
                let modulus = 1i128 << bits;
                match walker.eval(&st, value)? {
                    Sym::Const(k) => {
                        *walker.const_words |= 1 << w;
                        let v = Sym::Const(i128::from(truncate(k, bits)));
                        st.latest[w] = v;
                        st.events.push(TEvent {
                            kind: TKind::Store {
                                word: *word,
                                value: v,
                                order: *order,
                                rmw: *rmw,
                            },
                            node: st.node,
                        });
                        st.node = *next;
                        work.push(st);
                    }
                    Sym::Rel(src, c) if src as usize == w => {
                        let (lo, hi) = st.bx[w];
                        let m_lo = (i128::from(lo) + c).div_euclid(modulus);
                        let m_hi = (i128::from(hi) + c).div_euclid(modulus);
                        if m_hi - m_lo > 4 {
                            return Err(
                                "a store adds more than a few times the word's range".into()
                            );
                        }
                        for m in m_lo..=m_hi {
                            let sub_lo = i128::from(lo).max(m * modulus - c);
                            let sub_hi = i128::from(hi).min((m + 1) * modulus - 1 - c);
                            if sub_lo > sub_hi {
                                continue;
                            }
                            let mut s2 = st.clone();
                            s2.bx[w] = (sub_lo as u64, sub_hi as u64);
                            let v = Sym::Rel(src, c - m * modulus);
                            s2.latest[w] = v;
                            s2.events.push(TEvent {
                                kind: TKind::Store {
                                    word: *word,
                                    value: v,
                                    order: *order,
                                    rmw: *rmw,
                                },
                                node: st.node,
                            });
                            s2.node = *next;
                            work.push(s2);
                        }
                    }
                    Sym::Rel(..) => {
                        return Err("the writer stores one word computed from another".into());
                    }
                }
            }
            Instr::Modify { next } => {
                st.events.push(TEvent {
                    kind: TKind::Modify,
                    node: st.node,
                });
                st.node = *next;
                work.push(st);
            }
            Instr::Fence { kind, next } => {
                st.events.push(TEvent {
                    kind: TKind::Fence(*kind),
                    node: st.node,
                });
                st.node = *next;
                work.push(st);
            }
            Instr::SyncRcu { next } => {
                st.events.push(TEvent {
                    kind: TKind::SyncRcu,
                    node: st.node,
                });
                st.node = *next;
                work.push(st);
            }
            Instr::Assign { dst, value, next } => {
                st.locals[*dst as usize] = Some(walker.eval(&st, value)?);
                st.node = *next;
                work.push(st);
            }
            Instr::Branch { cond, then, els } => match walker.cond(&st, cond)? {
                CondSet::Const(b) => {
                    st.node = if b { *then } else { *els };
                    work.push(st);
                }
                CondSet::Word(w, set) => {
                    let wi = w as usize;
                    let here = vec![st.bx[wi]];
                    let yes = intersect(&here, &set);
                    let no = intersect(&here, &complement(&set, walker.max(w)));
                    for (parts, target) in [(yes, *then), (no, *els)] {
                        for iv in parts {
                            let mut s2 = st.clone();
                            s2.bx[wi] = iv;
                            s2.node = target;
                            work.push(s2);
                        }
                    }
                }
            },
            Instr::End => {
                done.push(SymPath {
                    bx: st.bx,
                    events: st.events,
                    fin: st.latest,
                });
            }
            other => return Err(format!("unexpected writer instruction {other:?}")),
        }
    }
    done.sort_by_key(|a| a.bx);
    Ok(done)
}
