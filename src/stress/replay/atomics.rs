//! The atomics interpreter's parts: each word on the hardware atomic of
//! its width ([`AWord`]), the protocol's fences as real fences, and a
//! writer cycle's events compiled once into stores straight onto those
//! atomics ([`Path`]), so the hot loop does one dispatch per event and no
//! i128 arithmetic.

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, compiler_fence, fence};

use crate::error::{Error, Result};
use crate::protocol::Protocol;
use crate::protocol::parse::FenceKind;
use crate::protocol::program::{MAX_WORDS, RmwOrder, StoreOrder};
use crate::protocol::shape::{Sym, TEvent, TKind};
use crate::width::mask;

/// A word on the hardware atomic of its width.
pub(super) enum AWord {
    U8(AtomicU8),
    U16(AtomicU16),
    U32(AtomicU32),
    U64(AtomicU64),
}

impl AWord {
    fn new(bits: u32) -> AWord {
        match bits {
            0..=8 => AWord::U8(AtomicU8::new(0)),
            9..=16 => AWord::U16(AtomicU16::new(0)),
            17..=32 => AWord::U32(AtomicU32::new(0)),
            _ => AWord::U64(AtomicU64::new(0)),
        }
    }

    #[inline(always)]
    pub(super) fn load(&self, o: std::sync::atomic::Ordering) -> u64 {
        match self {
            AWord::U8(a) => u64::from(a.load(o)),
            AWord::U16(a) => u64::from(a.load(o)),
            AWord::U32(a) => u64::from(a.load(o)),
            AWord::U64(a) => a.load(o),
        }
    }
}

#[inline(always)]
pub(super) fn fence_for(k: FenceKind) {
    match k {
        FenceKind::Rmb => fence(Acquire),
        FenceKind::Wmb => fence(Release),
        // The atomic barriers stand next to their RMW (the compiler checks
        // it), where they are an smp_mb(); a fully ordered RMW's own
        // ordering is its SeqCst swap/fetch_add plus these fences.
        FenceKind::Mb | FenceKind::BeforeAtomic | FenceKind::AfterAtomic | FenceKind::RmwFull => {
            fence(SeqCst)
        }
        FenceKind::Barrier => compiler_fence(SeqCst),
    }
}

/// A store as the hot loop runs it: the word's new value from its
/// current one, `(x & sel) + add` masked to the width. `sel` is all ones
/// and `add` the step from the word's previous store in the cycle (or its
/// start) for `x_w + c`, `sel` is 0 for a constant. Sums mod 2^64 then
/// masked to a width of at most 64 bits agree with the i128 sum truncated,
/// and chaining the steps agrees with `x_w + c` from the start. The current
/// value is the atomic's own: only writers store, and only holding the
/// lock, so a relaxed load sees the last store (as the minimal loop's
/// `seq.load` does), and nothing is copied or kept beside the words.
#[derive(Clone, Copy, Debug)]
pub(super) struct St {
    /// The ordering of a plain store (the fences are their own steps).
    /// Kept as the protocol's two-valued enum rather than a std `Ordering`:
    /// mapped in [`St::order`], the compiler sees that a plain store is
    /// never `SeqCst` or `Acquire` and keeps the hot loop's store a plain
    /// `mov` without the other orderings' branches (5% on the harness
    /// bench when it was a std `Ordering`).
    pub(super) store: StoreOrder,
    pub(super) sel: u64,
    pub(super) add: u64,
    pub(super) mask: u64,
    /// A read-modify-write (`atomic_inc()`...) with this ordering: run as a
    /// real locked instruction, `fetch_add` where the step is an add over
    /// the atomic's full width, else `swap` of the computed value.
    pub(super) rmw: Option<std::sync::atomic::Ordering>,
    /// The word is as wide as its atomic (a `fetch_add` wraps as it does).
    pub(super) full_width: bool,
}

impl St {
    /// The word's next value after `x`.
    #[inline(always)]
    pub(super) fn next(self, x: u64) -> u64 {
        (x & self.sel).wrapping_add(self.add) & self.mask
    }

    #[inline(always)]
    pub(super) fn order(self) -> std::sync::atomic::Ordering {
        match self.rmw {
            Some(o) => o,
            None => match self.store {
                StoreOrder::Release => Release,
                StoreOrder::Once => Relaxed,
            },
        }
    }
}

/// One writer store on its atomic: a plain store, or a real RMW.
macro_rules! run_store {
    ($a:expr, $st:expr, $t:ty) => {{
        let (a, st) = ($a, $st);
        match st.rmw {
            None => a.store(st.next(a.load(Relaxed).into()) as $t, st.order()),
            Some(o) if st.sel == u64::MAX && st.full_width => {
                a.fetch_add(st.add as $t, o);
            }
            Some(o) => {
                a.swap(st.next(a.load(Relaxed).into()) as $t, o);
            }
        }
    }};
}
pub(super) use run_store;

/// A writer event as the hot loop runs it, compiled once per path: one
/// dispatch per event straight to the word's atomic of its width, and no
/// i128 arithmetic, width lookup or walk through the protocol's types.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ev<'a> {
    /// The fence just before the event in program order, run in the
    /// event's dispatch: the seqcount's `smp_wmb()`s then cost no dispatch
    /// of their own (a fence followed by another fence, or ending the
    /// cycle, stays an event of its own).
    pub(super) pre: Option<FenceKind>,
    pub(super) op: Wop<'a>,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum Wop<'a> {
    U8(&'a AtomicU8, St),
    U16(&'a AtomicU16, St),
    U32(&'a AtomicU32, St),
    U64(&'a AtomicU64, St),
    Modify,
    // The fences one variant each, not `Fence(FenceKind)`: one dispatch,
    // not two, for what is often no instruction at all.
    Rmb,
    Wmb,
    Mb,
    Barrier,
    SyncRcu,
}

/// A cycle's events ready to run.
pub(super) struct Path<'a> {
    /// The start values it covers (a shape path's box; unused for a
    /// concrete run).
    pub(super) bx: [(u64, u64); MAX_WORDS],
    pub(super) events: Vec<Ev<'a>>,
}

impl<'a> Path<'a> {
    pub(super) fn of(
        bx: [(u64, u64); MAX_WORDS],
        events: &[TEvent],
        words: &'a [AWord],
        bits: &[u32],
    ) -> Result<Path<'a>> {
        // Per word: what its last store added to its start value, `None`
        // after a constant store (the start value is gone from the word).
        let mut added: [Option<u64>; MAX_WORDS] = [Some(0); MAX_WORDS];
        let mut out = Vec::with_capacity(events.len());
        let mut pre = None;
        for (i, e) in events.iter().enumerate() {
            if let TKind::Fence(k) = e.kind
                && events
                    .get(i + 1)
                    .is_some_and(|n| !matches!(n.kind, TKind::Fence(_)))
            {
                pre = Some(k);
                continue;
            }
            let op = match &e.kind {
                TKind::Store {
                    word,
                    value,
                    order,
                    rmw,
                } => {
                    let w = *word as usize;
                    let (sel, add) = match *value {
                        Sym::Const(c) => {
                            added[w] = None;
                            (0, c as u64)
                        }
                        Sym::Rel(src, c) => match added[w] {
                            Some(prev) if src == *word => {
                                added[w] = Some(c as u64);
                                (u64::MAX, (c as u64).wrapping_sub(prev))
                            }
                            // The shape analysis reads a word's latest
                            // value and refuses stores of one word from
                            // another: neither happens.
                            _ => {
                                return Err(Error::Run(format!(
                                    "internal: stress cannot run the writer store {:?}",
                                    e.kind
                                )));
                            }
                        },
                    };
                    let atomic_bits = match &words[w] {
                        AWord::U8(_) => 8,
                        AWord::U16(_) => 16,
                        AWord::U32(_) => 32,
                        AWord::U64(_) => 64,
                    };
                    let st = St {
                        store: *order,
                        sel,
                        add,
                        mask: mask(bits[w]),
                        rmw: rmw.map(|r| match r.order {
                            RmwOrder::Full => SeqCst,
                            RmwOrder::Release => Release,
                            RmwOrder::Acquire => Acquire,
                            RmwOrder::Relaxed => Relaxed,
                        }),
                        full_width: bits[w] == atomic_bits,
                    };
                    match &words[w] {
                        AWord::U8(a) => Wop::U8(a, st),
                        AWord::U16(a) => Wop::U16(a, st),
                        AWord::U32(a) => Wop::U32(a, st),
                        AWord::U64(a) => Wop::U64(a, st),
                    }
                }
                TKind::Modify => Wop::Modify,
                TKind::Fence(FenceKind::Rmb) => Wop::Rmb,
                TKind::Fence(FenceKind::Wmb) => Wop::Wmb,
                TKind::Fence(
                    FenceKind::Mb
                    | FenceKind::BeforeAtomic
                    | FenceKind::AfterAtomic
                    | FenceKind::RmwFull,
                ) => Wop::Mb,
                TKind::Fence(FenceKind::Barrier) => Wop::Barrier,
                TKind::SyncRcu => Wop::SyncRcu,
            };
            out.push(Ev {
                pre: pre.take(),
                op,
            });
        }
        Ok(Path { bx, events: out })
    }

    /// Whether a cycle from the words as they stand takes this path: the
    /// path's events hold for every start in its box, so a hit needs no
    /// search through the map.
    #[inline(always)]
    pub(super) fn holds(&self, words: &[AWord]) -> bool {
        words.iter().zip(&self.bx).all(|(a, &(lo, hi))| {
            let v = a.load(Relaxed);
            lo <= v && v <= hi
        })
    }
}

/// The words of a fresh harness, at 0, each on the atomic of its width.
pub(super) fn words_of(s: &Protocol) -> Vec<AWord> {
    s.program()
        .words
        .iter()
        .map(|w| AWord::new(w.bits))
        .collect()
}
