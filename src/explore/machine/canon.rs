//! The reduction that keeps states few: a state brought to the
//! representative of its class (dead locals, finished readers, the
//! translation symmetry of a word). Kept apart from the moves because
//! every move ends here and because a mistake here merges states that
//! differ (see the note on anchors).

use crate::explore::state::{RState, State, flags};
use crate::protocol::program::{Instr, MAX_LOCALS};

use super::Machine;

impl Machine<'_> {
    /// Bring `st` to the representative of its class: dead locals zeroed,
    /// finished readers other than reader 0 forgotten (nothing reads them),
    /// and each symmetric word translated to a canonical position.
    #[inline]
    pub fn canonicalize<const R: usize>(&self, st: &mut State<R>) {
        for (i, rs) in st.readers.iter_mut().enumerate() {
            if rs.has(flags::DONE) {
                if i != 0 {
                    *rs = RState {
                        flags: flags::DONE | flags::STARTED,
                        ..RState::new()
                    };
                } else {
                    rs.locals = [0; MAX_LOCALS];
                }
                continue;
            }
            let live = self.live[rs.pc as usize];
            for (l, v) in rs.locals.iter_mut().enumerate() {
                if live & (1 << l) == 0 {
                    *v = 0;
                }
            }
            if i != 0 {
                rs.flags &= !(flags::DATA | flags::DIRTY);
            }
        }
        for &(w, stride) in &self.symmetry {
            let wi = w as usize;
            let m = crate::width::mask(self.bits[wi]);
            let u = &self.shape.reader;
            let r0 = &st.readers[0];
            let from_local = (!r0.has(flags::DONE))
                .then(|| {
                    let live = self.live[r0.pc as usize];
                    (0..MAX_LOCALS)
                        .find(|&l| live & (1 << l) != 0 && u.local_word.get(l) == Some(&Some(w)))
                        .map(|l| r0.locals[l] as u64)
                })
                .flatten();
            let from_ahead = || {
                r0.ahead[..r0.n_ahead as usize]
                    .iter()
                    .find(|(n, _)| matches!(self.prog.reader.code[*n as usize], Instr::Load { word, .. } if word == w))
                    .map(|(_, v)| *v)
            };
            // A translation by a multiple of the stride only: the reader
            // tests the bits below it (`s & 1`), so they must survive. An
            // anchor taken whole from an odd local once turned an odd count
            // even and made an ABORT path look like an ACCEPT.
            let anchor = from_local.or_else(from_ahead).unwrap_or(st.view.start[wi]);
            let anchor = anchor - anchor % stride;
            if anchor == 0 {
                continue;
            }
            st.view.start[wi] = st.view.start[wi].wrapping_sub(anchor) & m;
            st.view.vis[wi] = st.view.vis[wi].wrapping_sub(anchor) & m;
            for rs in st.readers.iter_mut() {
                if rs.has(flags::DONE) {
                    continue;
                }
                for (l, v) in rs.locals.iter_mut().enumerate() {
                    if u.local_word.get(l) == Some(&Some(w)) {
                        *v = i128::from((*v as u64).wrapping_sub(anchor) & m);
                    }
                }
                for k in 0..rs.n_ahead as usize {
                    if let Instr::Load { word, .. } = self.prog.reader.code[rs.ahead[k].0 as usize]
                        && word == w
                    {
                        rs.ahead[k].1 = rs.ahead[k].1.wrapping_sub(anchor) & m;
                    }
                }
            }
            st.view.path = self.path_of(&st.view.start);
        }
    }
}
