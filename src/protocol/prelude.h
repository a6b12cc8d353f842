/*
 * The kernel API a protocol body may call, written once in the
 * protocol language itself and expanded where it is called, as the C
 * preprocessor and the inliner would (DESIGN §1.7). Every token of an
 * expansion carries the position of the call, so an error inside one points
 * at the user's line.
 *
 * Each definition follows today's header text; where the protocol
 * language has no construct for the kernel's spelling, the equivalent is
 * written and the difference said:
 *  - `s->sequence++` (a plain increment under the writer's lock) is
 *    WRITE_ONCE(s->sequence, s->sequence + 1): the writer never loads, its
 *    own latest value is known, and a marked store keeps the question one
 *    of ordering, not of data races;
 *  - `while (unlikely((__seq = seqprop_sequence(s)) & 1)) cpu_relax();`
 *    (an assignment inside a condition) is the do-while it is equivalent to;
 *  - statement macros are `do { ... } while (0)` as in the kernel, so
 *    `if (x) atomic_inc(&v); else ...` parses; the parser reads a
 *    `do ... while (0)` as its body run once;
 *  - lockdep, KCSAN and preemption bookkeeping are left out: they emit no
 *    access the memory model sees (seqprop_preemptible() is false for a
 *    plain seqcount_t).
 *
 * The header texts these follow, with where each was read, are in
 * docs/research/kernel-api.md.
 *
 * Atomics (atomic_*, atomic64_*, atomic_long_*) are generated from one
 * table in api.rs; `__rmw()` and `__aread()` are the two builtins they
 * expand to.
 */

/* include/linux/compiler.h, arch cpu_relax(): no access, no ordering */
#define unlikely(x) (x)
#define likely(x) (x)
#define cpu_relax() barrier()

/*
 * include/linux/seqlock.h, as of d0dd066a0fa2 "seqcount: replace smp_rmb()
 * in read_seqcount() with load acquire" (v6.12): the begin side reads the
 * count with smp_load_acquire() and no smp_rmb(). The form before it (a
 * READ_ONCE() then smp_rmb()) is the catalog's `seqcount` with BEGIN=rmb.
 */
#define seqprop_sequence(s) smp_load_acquire(&(s)->sequence)

#define __read_seqcount_begin(s) ({ \
	unsigned __seq; \
	do { \
		__seq = seqprop_sequence(s); \
	} while (__seq & 1); \
	__seq; \
})
#define raw_read_seqcount_begin(s) __read_seqcount_begin(s)
#define read_seqcount_begin(s) raw_read_seqcount_begin(s)

#define raw_read_seqcount(s) ({ \
	unsigned __seq = seqprop_sequence(s); \
	__seq; \
})

#define raw_seqcount_try_begin(s, start) ({ \
	start = raw_read_seqcount(s); \
	!(start & 1); \
})

#define raw_seqcount_begin(s) ({ \
	unsigned __seq = raw_read_seqcount(s) & ~1; \
	__seq; \
})

#define do___read_seqcount_retry(s, start) ({ \
	unsigned __now = READ_ONCE((s)->sequence); \
	__now != (start); \
})
#define __read_seqcount_retry(s, start) do___read_seqcount_retry(s, start)

#define do_read_seqcount_retry(s, start) ({ \
	smp_rmb(); \
	do___read_seqcount_retry(s, start); \
})
#define read_seqcount_retry(s, start) do_read_seqcount_retry(s, start)

#define do_raw_write_seqcount_begin(s) do { \
	WRITE_ONCE((s)->sequence, (s)->sequence + 1); \
	smp_wmb(); \
} while (0)
#define do_raw_write_seqcount_end(s) do { \
	smp_wmb(); \
	WRITE_ONCE((s)->sequence, (s)->sequence + 1); \
} while (0)
#define raw_write_seqcount_begin(s) do_raw_write_seqcount_begin(s)
#define raw_write_seqcount_end(s) do_raw_write_seqcount_end(s)
#define do_write_seqcount_begin(s) do_raw_write_seqcount_begin(s)
#define do_write_seqcount_end(s) do_raw_write_seqcount_end(s)
#define write_seqcount_begin(s) do_write_seqcount_begin(s)
#define write_seqcount_end(s) do_write_seqcount_end(s)

/* The latch (seqcount_latch_t holds a seqcount_t named seqcount). */
#define raw_write_seqcount_latch(s) do { \
	smp_wmb(); \
	WRITE_ONCE((s)->seqcount.sequence, (s)->seqcount.sequence + 1); \
	smp_wmb(); \
} while (0)
#define raw_read_seqcount_latch(s) ({ \
	unsigned __seq = READ_ONCE((s)->seqcount.sequence); \
	__seq; \
})
#define raw_read_seqcount_latch_retry(s, start) ({ \
	smp_rmb(); \
	unsigned __now = READ_ONCE((s)->seqcount.sequence); \
	__now != (start); \
})

/*
 * include/linux/mmap_lock.h (CONFIG_PER_VMA_LOCK), 03a001b156d2 "mm:
 * introduce mmap_lock_speculate_{try_begin|retry}" and eb449bd96954 "mm:
 * convert mm_lock_seq to a proper seqcount" (v6.14). mm->mm_lock_seq is a
 * seqcount_t; mmap_write_lock() calls mm_lock_seqcount_begin() after
 * down_write(), vma_end_write_all() calls mm_lock_seqcount_end().
 */
#define mm_lock_seqcount_begin(mm) do_raw_write_seqcount_begin(&(mm)->mm_lock_seq)
#define mm_lock_seqcount_end(mm) do_raw_write_seqcount_end(&(mm)->mm_lock_seq)
#define mmap_lock_speculate_try_begin(mm, seq) \
	raw_seqcount_try_begin(&(mm)->mm_lock_seq, *(seq))
#define mmap_lock_speculate_retry(mm, seq) \
	read_seqcount_retry(&(mm)->mm_lock_seq, seq)
