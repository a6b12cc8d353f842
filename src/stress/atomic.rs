//! The atomics shim: one counter word on a real hardware atomic.
//!
//! Widths 8, 16, 32 and 64 live in `AtomicU8`/`AtomicU16`/`AtomicU32`/
//! `AtomicU64` and wrap exactly as the hardware does (the mask is the whole
//! type). Any other width N lives in the smallest of those that holds N bits
//! and is masked to N bits on every store, so it wraps mod 2^N.
//!
//! Invariant: every value stored in a [`MaskedWord`] is `<= mask`, so loads
//! need no mask.

use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, Ordering};

/// A hardware atomic of some width, seen as `u64`.
pub(crate) trait Word: Send + Sync + 'static {
    /// Bits of the hardware type.
    const BITS: u32;
    /// A word holding `v` (truncated to the type).
    fn with(v: u64) -> Self;
    /// Atomic load, zero-extended.
    fn get(&self, order: Ordering) -> u64;
    /// Atomic store of `v` truncated to the type.
    fn put(&self, v: u64, order: Ordering);
}

macro_rules! word {
    ($atomic:ty, $prim:ty) => {
        impl Word for $atomic {
            const BITS: u32 = <$prim>::BITS;
            fn with(v: u64) -> Self {
                <$atomic>::new(v as $prim)
            }
            #[inline(always)]
            fn get(&self, order: Ordering) -> u64 {
                self.load(order) as u64
            }
            #[inline(always)]
            fn put(&self, v: u64, order: Ordering) {
                self.store(v as $prim, order)
            }
        }
    };
}

word!(AtomicU8, u8);
word!(AtomicU16, u16);
word!(AtomicU32, u32);
word!(AtomicU64, u64);

/// An N-bit counter word on the hardware atomic `A` (N <= `A::BITS`).
#[derive(Debug)]
pub(crate) struct MaskedWord<A> {
    word: A,
    mask: u64,
}

impl<A: Word> MaskedWord<A> {
    /// A `bits`-bit word, initially 0.
    ///
    /// # Panics
    /// If `bits` is 0 or wider than `A` (the dispatch in `mod.rs` picks `A`).
    pub(crate) fn new(bits: u32) -> Self {
        assert!(
            bits >= 1 && bits <= A::BITS,
            "{bits} bits do not fit the atomic"
        );
        MaskedWord {
            word: A::with(0),
            mask: crate::width::mask(bits),
        }
    }

    /// Load the word.
    #[inline(always)]
    pub(crate) fn load(&self, order: Ordering) -> u64 {
        self.word.get(order)
    }

    /// Store `v`, which must already be `<= mask` (callers use [`Self::next`]).
    #[inline(always)]
    pub(crate) fn store(&self, v: u64, order: Ordering) {
        debug_assert!(v <= self.mask);
        self.word.put(v, order)
    }

    /// The value one increment later, wrapping at the word's width. Only the
    /// lock holder calls it, so load-then-store is the kernel's
    /// `smp_store_release(&seq, seq + 1)` (the seed's `inc_mm_lock_seq`), not
    /// a read-modify-write race.
    #[inline(always)]
    pub(crate) fn next(&self) -> u64 {
        self.word.get(Ordering::Relaxed).wrapping_add(1) & self.mask
    }
}

/// Run `$body` with `$A` bound to the smallest atomic type holding `$bits`.
macro_rules! with_word {
    ($bits:expr, $A:ident => $body:expr) => {{
        use std::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64};
        match $bits {
            0..=8 => {
                type $A = AtomicU8;
                $body
            }
            9..=16 => {
                type $A = AtomicU16;
                $body
            }
            17..=32 => {
                type $A = AtomicU32;
                $body
            }
            _ => {
                type $A = AtomicU64;
                $body
            }
        }
    }};
}
pub(crate) use with_word;

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle_through<A: Word>(bits: u32) -> u64 {
        let w = MaskedWord::<A>::new(bits);
        let mut n = 0u64;
        loop {
            let v = w.next();
            w.store(v, Ordering::Relaxed);
            n += 1;
            if v == 0 {
                return n;
            }
        }
    }

    #[test]
    fn native_and_masked_words_wrap_at_their_width() {
        assert_eq!(cycle_through::<AtomicU8>(8), 256);
        assert_eq!(cycle_through::<AtomicU8>(3), 8);
        assert_eq!(cycle_through::<AtomicU16>(16), 65536);
        assert_eq!(cycle_through::<AtomicU16>(12), 4096);
        assert_eq!(cycle_through::<AtomicU32>(20), 1 << 20);
    }

    #[test]
    fn dispatch_picks_the_smallest_atomic() {
        for (bits, want) in [
            (2, 8),
            (8, 8),
            (9, 16),
            (16, 16),
            (17, 32),
            (33, 64),
            (64, 64),
        ] {
            let got = with_word!(bits, A => <A as Word>::BITS);
            assert_eq!(got, want, "{bits}");
        }
    }
}
