//! States packed into words for the visited table: exact (a state and its
//! packing determine each other) and a fraction of the size of [`State`],
//! whose fixed arrays are sized for the largest protocol. The layout of
//! a search keeps only what its protocol, model and bounds can make
//! non-zero: the words it declares; the locals its reader code names, one
//! word each for those only ever loaded (a word's value) and two for those
//! an assignment may set (any `i128`); branch guesses and loads satisfied
//! ahead only under a model that reorders loads; `window_cycles()` only
//! where the reader reads it; the writer's cycle count only when the
//! writer is limited. Packing checks that everything left out is zero (and
//! that a loaded-only local fits a word), so a state the layout cannot hold
//! stops the search instead of aliasing another one.

use super::machine::Machine;
use super::state::{MAX_AHEAD, RState, State, View};
use crate::protocol::Outcome;
use crate::protocol::program::{CExpr, CKind, Instr, MAX_LOCALS, MAX_WORDS, Node};

/// Words holding the nodes of the loads satisfied ahead (four per word).
const AHEAD_NODE_WORDS: usize = MAX_AHEAD.div_ceil(4);

/// The packing of one search's states.
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    nwords: usize,
    /// The locals kept, and whether each takes two words.
    locals: Vec<(usize, bool)>,
    /// Guesses and loads satisfied ahead (models that reorder loads).
    ahead: bool,
    window: bool,
    cycle: bool,
    /// Words per state.
    pub stride: usize,
}

fn outcome_code(o: Option<Outcome>) -> u64 {
    match o {
        None => 0,
        Some(Outcome::Accept) => 1,
        Some(Outcome::FalsePositive) => 2,
        Some(Outcome::Retry) => 3,
        Some(Outcome::Abort) => 4,
    }
}

fn outcome_of(c: u64) -> Option<Outcome> {
    match c {
        1 => Some(Outcome::Accept),
        2 => Some(Outcome::FalsePositive),
        3 => Some(Outcome::Retry),
        4 => Some(Outcome::Abort),
        _ => None,
    }
}

impl Layout {
    /// The layout of states with `R` readers under machine `m`.
    pub fn of<const R: usize>(m: &Machine<'_>) -> Layout {
        let nwords = m.nwords();
        assert!(nwords <= MAX_WORDS);
        // Locals the reader names, and those an assignment sets.
        let uses = |e: &CExpr| {
            let mut m = 0u16;
            e.visit(&mut |k| {
                if let CKind::Local(l) = k {
                    m |= 1 << l;
                }
            });
            m
        };
        let (mut named, mut assigned) = (0u16, 0u16);
        for i in &m.program().reader.code {
            match i {
                Instr::Load { dst, .. } => named |= 1 << dst,
                Instr::Assign { dst, value, .. } => {
                    named |= uses(value) | 1 << dst;
                    assigned |= 1 << dst;
                }
                Instr::Branch { cond, .. } => named |= uses(cond),
                _ => {}
            }
        }
        let locals: Vec<(usize, bool)> = (0..MAX_LOCALS)
            .filter(|&l| named & (1 << l) != 0)
            .map(|l| (l, assigned & (1 << l) != 0))
            .collect();
        let ahead = m.model.reorders_loads();
        let window = m.window_cap() > 0;
        let per_reader = 1
            + usize::from(window)
            + locals
                .iter()
                .map(|&(_, wide)| 1 + usize::from(wide))
                .sum::<usize>()
            + if ahead {
                1 + MAX_AHEAD + AHEAD_NODE_WORDS
            } else {
                0
            };
        let cycle = m.cycle_cap().is_some();
        Layout {
            nwords,
            locals,
            ahead,
            window,
            cycle,
            stride: 1 + usize::from(cycle) + 2 * nwords + R * per_reader,
        }
    }

    /// Pack `st` into `out` (`stride` words). Panics if `st` holds
    /// something the layout leaves out (it would alias another state).
    pub fn pack<const R: usize>(&self, st: &State<R>, out: &mut [u64]) {
        let nw = self.nwords;
        let mut spill = 0u64;
        let v = &st.view;
        out[0] = u64::from(v.done)
            | u64::from(v.path) << 32
            | u64::from(st.budget) << 48
            | u64::from(st.after_jump) << 56;
        let mut at = 1;
        if self.cycle {
            out[at] = u64::from(v.cycle);
            at += 1;
        } else {
            spill |= u64::from(v.cycle);
        }
        out[at..at + nw].copy_from_slice(&v.start[..nw]);
        out[at + nw..at + 2 * nw].copy_from_slice(&v.vis[..nw]);
        at += 2 * nw;
        for x in v.start[nw..].iter().chain(&v.vis[nw..]) {
            spill |= x;
        }
        for rs in &st.readers {
            out[at] = u64::from(rs.pc)
                | u64::from(rs.flags) << 16
                | outcome_code(rs.outcome) << 24
                | u64::from(rs.n_ahead) << 32
                | u64::from(rs.n_guess) << 40;
            at += 1;
            if self.window {
                out[at] = rs.window;
                at += 1;
            } else {
                spill |= rs.window;
            }
            let mut kept = 0u16;
            for &(l, wide) in &self.locals {
                let x = rs.locals[l];
                out[at] = x as u64;
                if wide {
                    out[at + 1] = (x >> 64) as u64;
                    at += 2;
                } else {
                    spill |= (x >> 64) as u64;
                    at += 1;
                }
                kept |= 1 << l;
            }
            for (l, &x) in rs.locals.iter().enumerate() {
                if kept & (1 << l) == 0 {
                    spill |= (x as u64) | (x >> 64) as u64;
                }
            }
            if self.ahead {
                out[at] = u64::from(rs.guess);
                at += 1;
                for k in 0..MAX_AHEAD {
                    out[at + k] = rs.ahead[k].1;
                }
                at += MAX_AHEAD;
                out[at..at + AHEAD_NODE_WORDS].fill(0);
                for k in 0..MAX_AHEAD {
                    out[at + k / 4] |= u64::from(rs.ahead[k].0) << (16 * (k % 4));
                }
                at += AHEAD_NODE_WORDS;
            } else {
                for &(n, x) in &rs.ahead {
                    spill |= u64::from(n) | x;
                }
                spill |= u64::from(rs.n_ahead) | u64::from(rs.guess) | u64::from(rs.n_guess);
            }
        }
        debug_assert_eq!(at, self.stride);
        assert!(
            spill == 0,
            "internal: a state outside its search's packing ({self:?}): {st:?}"
        );
    }

    /// The state `w` packs.
    pub fn unpack<const R: usize>(&self, w: &[u64]) -> State<R> {
        let nw = self.nwords;
        let mut at = 1;
        let cycle = if self.cycle {
            at += 1;
            w[1] as u32
        } else {
            0
        };
        let mut view = View {
            start: [0; MAX_WORDS],
            vis: [0; MAX_WORDS],
            done: w[0] as u32,
            path: (w[0] >> 32) as u16,
            cycle,
        };
        view.start[..nw].copy_from_slice(&w[at..at + nw]);
        view.vis[..nw].copy_from_slice(&w[at + nw..at + 2 * nw]);
        at += 2 * nw;
        let mut readers = [RState::new(); R];
        for rs in &mut readers {
            let h = w[at];
            at += 1;
            rs.pc = h as Node;
            rs.flags = (h >> 16) as u8;
            rs.outcome = outcome_of((h >> 24) & 0xFF);
            rs.n_ahead = (h >> 32) as u8;
            rs.n_guess = (h >> 40) as u8;
            if self.window {
                rs.window = w[at];
                at += 1;
            }
            for &(l, wide) in &self.locals {
                rs.locals[l] = if wide {
                    at += 2;
                    i128::from(w[at - 2]) | i128::from(w[at - 1] as i64) << 64
                } else {
                    at += 1;
                    i128::from(w[at - 1])
                };
            }
            if self.ahead {
                rs.guess = w[at] as u32;
                at += 1;
                for k in 0..MAX_AHEAD {
                    rs.ahead[k] = (
                        (w[at + MAX_AHEAD + k / 4] >> (16 * (k % 4))) as Node,
                        w[at + k],
                    );
                }
                at += MAX_AHEAD + AHEAD_NODE_WORDS;
            }
        }
        State {
            view,
            readers,
            budget: (w[0] >> 48) as u8,
            after_jump: (w[0] >> 56) & 1 == 1,
        }
    }
}

/// A 64-bit hash of a packed state: two multiply-rotate lanes (rustc-hash's
/// step) over alternate words, folded by a 128-bit multiply so every input
/// bit reaches the high bits the table's tag is taken from.
#[inline]
pub(crate) fn hash(w: &[u64]) -> u64 {
    const K: u64 = 0xf135_7aea_2e62_a9c5;
    let (mut a, mut b) = (0x243f_6a88_85a3_08d3u64, 0x1319_8a2e_0370_7344u64);
    let mut pairs = w.chunks_exact(2);
    for p in &mut pairs {
        a = (a.rotate_left(5) ^ p[0]).wrapping_mul(K);
        b = (b.rotate_left(5) ^ p[1]).wrapping_mul(K);
    }
    if let [x] = pairs.remainder() {
        a = (a.rotate_left(5) ^ x).wrapping_mul(K);
    }
    let p = u128::from(a ^ 0xa076_1d64_78bd_642f) * u128::from(b ^ 0xe703_7ed1_a0b4_28db);
    (p as u64) ^ (p >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::Layout;
    use crate::explore::machine::Machine;
    use crate::explore::state::State;
    use crate::memory::Model;
    use crate::protocol::{Protocol, ProtocolFile, catalog};
    use std::sync::Arc;

    /// Every state a few hundred moves reach from the start, for each model
    /// and a few protocols (two words, a ghost, locals set by
    /// assignments), packs into words it is unpacked from unchanged, and
    /// distinct states pack differently.
    #[test]
    fn packing_is_exact_on_reachable_states() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "split",
                &[("H", "4"), ("L", "4"), ("READ", "lo-hi-lo"), ("RMB", "0")],
            ),
            ("bounded", &[("W", "8")]),
            ("epoch", &[("W", "4"), ("E", "4")]),
            ("guard", &[("W", "6")]),
        ];
        // A reader whose assignment leaves a negative local (two words).
        let text = catalog::text("plain")
            .unwrap()
            .replace("s = READ_ONCE(seq);", "s = READ_ONCE(seq);\nd = s - 300;");
        let text = text.replace("if (e == s)", "if (e - 300 == d)");
        let wide = Protocol::new(
            Arc::new(ProtocolFile::parse("wide", &text).unwrap()),
            &[("W".into(), "8".into())],
            "test",
        )
        .unwrap();
        let mut protocols: Vec<(&str, Protocol)> = cases
            .iter()
            .map(|&(name, params)| (name, catalog::protocol(name, params).unwrap()))
            .collect();
        protocols.push(("wide", wide));
        for (name, protocol) in &protocols {
            let name = *name;
            for model in Model::ALL {
                let m = Machine::new(protocol, model, true).unwrap();
                let layout = Layout::of::<2>(&m);
                let mut seen: Vec<State<2>> = vec![m.initial::<2>().unwrap()];
                let mut packed: Vec<Vec<u64>> = Vec::new();
                let mut moves = Vec::new();
                let mut i = 0;
                while i < seen.len() && seen.len() < 3000 {
                    let st = seen[i];
                    i += 1;
                    m.moves(&st, &mut moves).unwrap();
                    for &mv in &moves {
                        let mut s2 = st;
                        if m.apply(&mut s2, mv).unwrap().1 && !seen.contains(&s2) {
                            seen.push(s2);
                        }
                    }
                }
                // The walk reaches what the layout packs conditionally.
                let reached = |f: &dyn Fn(&State<2>) -> bool| seen.iter().any(f);
                if model.reorders_loads() && name == "split" {
                    assert!(reached(&|s| s.readers[0].n_ahead > 0), "{name}");
                }
                if name == "wide" {
                    assert!(reached(&|s| s.readers[0].locals.iter().any(|&l| l < 0)));
                }
                if name == "bounded" {
                    assert!(reached(&|s| s.readers[0].window > 0), "{name} {model}");
                }
                for st in &seen {
                    let mut w = vec![0; layout.stride];
                    layout.pack(st, &mut w);
                    assert_eq!(layout.unpack::<2>(&w), *st, "{name} {model}");
                    assert!(
                        !packed.contains(&w),
                        "{name} {model}: two states, one packing"
                    );
                    packed.push(w);
                }
            }
        }
    }

    /// A state holding what its layout leaves out is refused, not aliased.
    #[test]
    #[should_panic(expected = "outside its search's packing")]
    fn packing_refuses_what_the_layout_leaves_out() {
        let protocol = catalog::protocol("plain", &[("W", "8")]).unwrap();
        let m = Machine::new(&protocol, Model::Sc, true).unwrap();
        let layout = Layout::of::<1>(&m);
        let mut st = m.initial::<1>().unwrap();
        st.readers[0].n_ahead = 1;
        let mut w = vec![0; layout.stride];
        layout.pack(&st, &mut w);
    }
}
