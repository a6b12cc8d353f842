//! Every scheme's fast `peek` equals stepping a copy, over all small states.

use seqwrap::model::{Outcome, Protocol, ReaderState, State, flags, var};
use seqwrap::scheme::SchemeSpec;
use seqwrap::scheme::bounded::Bounded;
use seqwrap::scheme::guard::Guard;
use seqwrap::scheme::plain::Plain;

fn stepped<P: Protocol>(p: &P, st: &State<2>, i: usize) -> Option<Outcome> {
    let mut s2 = *st;
    p.reader_step(&mut s2, i);
    s2.readers[0].outcome
}

fn check<P: Protocol>(p: &P, bits: u32) {
    let m = (1u64 << bits) - 1;
    for seq in 0..=m {
        for snap in 0..=m {
            for pc in 0..2u8 {
                for dirty in [false, true] {
                    for started in [0u64, 7, 8, 9] {
                        let mut st = State::<2>::initial();
                        st.vars[var::LOW] = seq;
                        let mut r = ReaderState {
                            pc,
                            flags: flags::STARTED,
                            ..Default::default()
                        };
                        if pc == 1 {
                            r.flags |= flags::DATA;
                            r.set(0, var::LOW, snap);
                        }
                        if dirty {
                            r.flags |= flags::DIRTY;
                        }
                        r.started_cycles = started;
                        st.readers = [r, r];
                        for i in 0..2 {
                            assert_eq!(
                                p.peek(&st, i),
                                stepped(p, &st, i),
                                "seq={seq} snap={snap} pc={pc} i={i}"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn single_word_peeks_equal_steps() {
    let spec = SchemeSpec::plain(4);
    check(&Plain::new(spec.clone(), 4), 4);
    check(&Guard::new(spec.clone(), 4), 4);
    check(&Bounded::new(spec, 4, 8), 4);
}
