//! The schemes' counters on real atomics: the writer's stores and the
//! reader's loads, in the order DESIGN.md and issue 2 give for each scheme.
//!
//! Orderings follow the kernel's seqcount and the seed's RFC:
//! - writer, lock increment: a relaxed store, then `fence(Release)` in the
//!   harness before the data stores (`write_seqcount_begin`'s `smp_wmb()`);
//! - writer, unlock increment: release stores (`inc_mm_lock_seq` uses
//!   `smp_store_release`);
//! - reader begin: acquire loads (`mmap_lock_speculation_start`);
//! - reader end: the harness issues `fence(Acquire)` after the data reads,
//!   then acquire loads (`smp_rmb()` + `READ_ONCE` as `read_seqcount_retry`
//!   does; the RFC's first `smp_load_acquire` alone would not order the
//!   earlier data reads).
//!
//! Only the lock holder writes, so every increment is load-then-store.

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use super::atomic::{MaskedWord, Word};
use crate::scheme::{EpochWriteOrder, SplitRead, SplitWriteOrder};

/// What a reader compares: `(high word or epoch, low word or seq)`; plain
/// counters use `(0, seq)`. The parity (odd = write-locked) is the low bit
/// of the second field.
pub(crate) type Snap = (u64, u64);

/// `true` when a begin snapshot says a writer holds the lock (ABORT).
pub(crate) fn is_odd(s: Snap) -> bool {
    s.1 & 1 == 1
}

/// A scheme's counter state with its writer and reader steps.
pub(crate) trait Counter: Send + Sync {
    /// Writer, right after taking the lock: seq becomes odd. Never wraps
    /// (an even value plus one is at most the mask).
    fn lock_inc(&self);
    /// Writer, after modifying the data: seq becomes even. When the low word
    /// (seq, or split's low word) wraps, `at_wrap` runs first, before any
    /// unlock store (where guard waits for a grace period and where the
    /// harness can pause the writer), and `mid_wrap` runs between the two
    /// stores of a two-word wrap (the carry's torn moment).
    fn unlock_inc(&self, at_wrap: impl FnOnce(), mid_wrap: impl FnOnce());
    /// Reader begin loads. `gap` runs between the first load of the low-order
    /// word and the next load (split: between lo and the following hi;
    /// epoch: between epoch and seq); schemes with one begin load never call
    /// it. The harness makes `gap` do work only the first time.
    fn begin(&self, gap: &mut dyn FnMut()) -> Snap;
    /// Reader end loads (the caller has issued `fence(Acquire)`). `gap`
    /// runs between consecutive end loads (the harness runs writer cycles
    /// there for schedules that tear the end check).
    fn end(&self, gap: &mut dyn FnMut()) -> Snap;
}

/// `plain` (and `guard`, whose wait lives in the harness's `at_wrap`): one
/// W-bit seq, +1 at lock, +1 at unlock.
pub(crate) struct Plain<A> {
    seq: MaskedWord<A>,
}

impl<A: Word> Plain<A> {
    pub(crate) fn new(bits: u32) -> Self {
        Plain {
            seq: MaskedWord::new(bits),
        }
    }
}

impl<A: Word> Counter for Plain<A> {
    #[inline(always)]
    fn lock_inc(&self) {
        self.seq.store(self.seq.next(), Relaxed);
    }
    #[inline(always)]
    fn unlock_inc(&self, at_wrap: impl FnOnce(), _mid_wrap: impl FnOnce()) {
        let n = self.seq.next();
        if n == 0 {
            at_wrap();
        }
        self.seq.store(n, Release);
    }
    fn begin(&self, _gap: &mut dyn FnMut()) -> Snap {
        (0, self.seq.load(Acquire))
    }
    fn end(&self, _gap: &mut dyn FnMut()) -> Snap {
        (0, self.seq.load(Acquire))
    }
}

/// `split`: an (H+L)-bit counter as two words. The writer increments lo and
/// on a carry stores lo = 0 and hi + 1 in `order`; the reader loads the
/// words separately (`naive`: lo, hi; `hi-lo-hi`: hi, lo, hi, again while
/// the two hi differ), at begin and at end.
pub(crate) struct Split<A> {
    hi: MaskedWord<A>,
    lo: MaskedWord<A>,
    read: SplitRead,
    order: SplitWriteOrder,
}

impl<A: Word> Split<A> {
    pub(crate) fn new(hi: u32, lo: u32, read: SplitRead, order: SplitWriteOrder) -> Self {
        Split {
            hi: MaskedWord::new(hi),
            lo: MaskedWord::new(lo),
            read,
            order,
        }
    }

    /// The reader's loads. `gap1` runs between the first and second load,
    /// `gap2` between the second and third (hi-lo-hi only). Begin passes
    /// only `gap2` (between lo and the second hi, naive: between lo and hi);
    /// end passes both.
    fn load(&self, gap1: &mut dyn FnMut(), gap2: &mut dyn FnMut()) -> Snap {
        match self.read {
            SplitRead::Naive => {
                let lo = self.lo.load(Acquire);
                gap1();
                gap2();
                (self.hi.load(Acquire), lo)
            }
            SplitRead::HiLoHi => loop {
                let h1 = self.hi.load(Acquire);
                gap1();
                let lo = self.lo.load(Acquire);
                gap2();
                let h2 = self.hi.load(Acquire);
                if h1 == h2 {
                    return (h1, lo);
                }
            },
        }
    }
}

impl<A: Word> Counter for Split<A> {
    #[inline(always)]
    fn lock_inc(&self) {
        self.lo.store(self.lo.next(), Relaxed);
    }
    #[inline(always)]
    fn unlock_inc(&self, at_wrap: impl FnOnce(), mid_wrap: impl FnOnce()) {
        let n = self.lo.next();
        if n != 0 {
            self.lo.store(n, Release);
            return;
        }
        at_wrap();
        let h = self.hi.next();
        match self.order {
            SplitWriteOrder::LoFirst => {
                self.lo.store(0, Release);
                mid_wrap();
                self.hi.store(h, Release);
            }
            SplitWriteOrder::HiFirst => {
                self.hi.store(h, Release);
                mid_wrap();
                self.lo.store(0, Release);
            }
        }
    }
    fn begin(&self, gap: &mut dyn FnMut()) -> Snap {
        self.load(&mut || {}, gap)
    }
    fn end(&self, gap: &mut dyn FnMut()) -> Snap {
        match self.read {
            SplitRead::Naive => self.load(gap, &mut || {}),
            SplitRead::HiLoHi => {
                // The same closure between each pair of loads.
                let gap = std::cell::RefCell::new(gap);
                self.load(&mut || (gap.borrow_mut())(), &mut || (gap.borrow_mut())())
            }
        }
    }
}

/// `epoch`: W-bit seq plus an E-bit epoch the writer bumps under the lock
/// when seq wraps, storing both in `order`. The reader loads epoch then seq
/// at begin, seq then epoch at end.
pub(crate) struct Epoch<A> {
    seq: MaskedWord<A>,
    epoch: MaskedWord<A>,
    order: EpochWriteOrder,
}

impl<A: Word> Epoch<A> {
    pub(crate) fn new(bits: u32, epoch_bits: u32, order: EpochWriteOrder) -> Self {
        Epoch {
            seq: MaskedWord::new(bits),
            epoch: MaskedWord::new(epoch_bits),
            order,
        }
    }
}

impl<A: Word> Counter for Epoch<A> {
    #[inline(always)]
    fn lock_inc(&self) {
        self.seq.store(self.seq.next(), Relaxed);
    }
    #[inline(always)]
    fn unlock_inc(&self, at_wrap: impl FnOnce(), mid_wrap: impl FnOnce()) {
        let n = self.seq.next();
        if n != 0 {
            self.seq.store(n, Release);
            return;
        }
        at_wrap();
        let e = self.epoch.next();
        match self.order {
            EpochWriteOrder::SeqFirst => {
                self.seq.store(0, Release);
                mid_wrap();
                self.epoch.store(e, Release);
            }
            EpochWriteOrder::EpochFirst => {
                self.epoch.store(e, Release);
                mid_wrap();
                self.seq.store(0, Release);
            }
        }
    }
    fn begin(&self, gap: &mut dyn FnMut()) -> Snap {
        let e = self.epoch.load(Acquire);
        gap();
        (e, self.seq.load(Acquire))
    }
    fn end(&self, gap: &mut dyn FnMut()) -> Snap {
        let s = self.seq.load(Acquire);
        gap();
        (self.epoch.load(Acquire), s)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicU8;

    use super::*;

    fn cycle(c: &impl Counter, wraps: &mut u32) {
        c.lock_inc();
        c.unlock_inc(|| *wraps += 1, || {});
    }

    #[test]
    fn plain_comes_back_after_half_its_period_in_cycles() {
        let c = Plain::<AtomicU8>::new(5);
        let s = c.begin(&mut || {});
        let mut wraps = 0;
        for _ in 0..16 {
            assert_eq!(wraps, 0);
            cycle(&c, &mut wraps);
        }
        assert_eq!((wraps, c.end(&mut || {})), (1, s));
    }

    #[test]
    fn split_carries_and_epoch_bumps_in_their_store_order() {
        for order in [SplitWriteOrder::LoFirst, SplitWriteOrder::HiFirst] {
            let c = Split::<AtomicU8>::new(2, 3, SplitRead::Naive, order);
            let mut w = 0;
            for _ in 0..4 {
                cycle(&c, &mut w);
            }
            assert_eq!((w, c.end(&mut || {})), (1, (1, 0)));
        }
        for order in [EpochWriteOrder::SeqFirst, EpochWriteOrder::EpochFirst] {
            let c = Epoch::<AtomicU8>::new(3, 2, order);
            let mut w = 0;
            for _ in 0..4 * 4 {
                cycle(&c, &mut w);
            }
            assert_eq!(
                (w, c.end(&mut || {})),
                (4, (0, 0)),
                "full period W+E = 5 bits"
            );
        }
    }

    #[test]
    fn begin_gap_sits_between_the_two_words() {
        let c = Split::<AtomicU8>::new(2, 2, SplitRead::Naive, SplitWriteOrder::LoFirst);
        let mut w = 0;
        cycle(&c, &mut w); // lo = 2
        // The reader loads lo = 2, a carry happens, the reader loads hi = 1.
        let s = c.begin(&mut || cycle(&c, &mut 0));
        assert_eq!(s, (1, 2));
        let c = Split::<AtomicU8>::new(2, 2, SplitRead::HiLoHi, SplitWriteOrder::LoFirst);
        cycle(&c, &mut w);
        let mut once = true;
        let s = c.begin(&mut || {
            if std::mem::take(&mut once) {
                cycle(&c, &mut 0)
            }
        });
        assert_eq!(s, (1, 0), "hi-lo-hi re-reads and sees the carried value");
    }
}
