//! The kernel API in protocol bodies: `seqlock.h`, `mmap_lock.h`, the
//! atomics and RCU read-side markers, as the kernel writes them (DESIGN
//! §1.7).
//!
//! The seqcount and mmap_lock functions are macros of the protocol
//! language itself (`prelude.h`), expanded token by token where they are
//! called — a preprocessor, since that is what the kernel's own
//! `static inline` helpers and macros amount to for a memory model. The
//! atomics are one table: every `atomic*_OP[_ORDER]()` of
//! `include/linux/atomic/atomic-instrumented.h` that a lock holder or a
//! speculating reader uses, generated here as macros over two builtins:
//! `__rmw(&w, new, NAME)` (a read-modify-write store) and `__aread(&w,
//! NAME)` (an atomic read).
//!
//! Hand-written rather than a C preprocessor crate: the expansions must keep
//! the caller's position on every token and refuse what the subset cannot
//! model with a message naming the call, which a general preprocessor would
//! not give.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::lexer::{Tok, lex};
use super::program::{AtomicTy, LoadOrder, Rmw, RmwOp, RmwOrder};

/// A macro of the prelude: parameter names and the body's tokens.
#[derive(Clone, Debug)]
pub struct Macro {
    /// Parameter names.
    pub params: Vec<String>,
    /// Body tokens (positions meaningless: the caller's replaces them).
    pub body: Vec<Tok>,
}

/// The handwritten part of the prelude.
const PRELUDE: &str = include_str!("prelude.h");

const TYPES: [AtomicTy; 3] = [AtomicTy::Atomic, AtomicTy::Atomic64, AtomicTy::AtomicLong];

const OPS: [RmwOp; 15] = [
    RmwOp::Inc,
    RmwOp::Dec,
    RmwOp::Add,
    RmwOp::Sub,
    RmwOp::IncReturn,
    RmwOp::DecReturn,
    RmwOp::AddReturn,
    RmwOp::SubReturn,
    RmwOp::FetchInc,
    RmwOp::FetchDec,
    RmwOp::FetchAdd,
    RmwOp::FetchSub,
    RmwOp::Xchg,
    RmwOp::Cmpxchg,
    RmwOp::TryCmpxchg,
];

const ORDERS: [RmwOrder; 4] = [
    RmwOrder::Full,
    RmwOrder::Relaxed,
    RmwOrder::Acquire,
    RmwOrder::Release,
];

/// Every read-modify-write the API names, by name.
pub fn rmws() -> &'static HashMap<String, Rmw> {
    static T: OnceLock<HashMap<String, Rmw>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m = HashMap::new();
        for ty in TYPES {
            for op in OPS {
                for order in ORDERS {
                    if !op.returns() && order != RmwOrder::Relaxed {
                        continue;
                    }
                    let r = Rmw { ty, op, order };
                    m.insert(r.name(), r);
                }
            }
        }
        m
    })
}

/// The atomic reads (`atomic_read`, `atomic64_read_acquire`, ...): type and
/// whether it is an acquire.
pub fn atomic_read(name: &str) -> Option<(AtomicTy, LoadOrder)> {
    TYPES.into_iter().find_map(|ty| {
        let rest = name.strip_prefix(ty.prefix())?.strip_prefix("_read")?;
        match rest {
            "" => Some((ty, LoadOrder::Once)),
            "_acquire" => Some((ty, LoadOrder::Acquire)),
            _ => None,
        }
    })
}

/// The macro text of one read-modify-write, over the `__rmw()` builtin.
/// `v` is a pointer to the atomic; its value is `(v)->counter`, which names
/// the word (the writer's own latest value of it).
fn rmw_macro(r: &Rmw) -> String {
    let name = r.name();
    let cur = "(v)->counter";
    let store = |new: &str| format!("__rmw(v, {new}, {name});");
    match r.op {
        RmwOp::Inc => format!(
            "#define {name}(v) do {{ {} }} while (0)",
            store(&format!("{cur} + 1"))
        ),
        RmwOp::Dec => format!(
            "#define {name}(v) do {{ {} }} while (0)",
            store(&format!("{cur} - 1"))
        ),
        RmwOp::Add => format!(
            "#define {name}(i, v) do {{ {} }} while (0)",
            store(&format!("{cur} + (i)"))
        ),
        RmwOp::Sub => format!(
            "#define {name}(i, v) do {{ {} }} while (0)",
            store(&format!("{cur} - (i)"))
        ),
        RmwOp::IncReturn | RmwOp::DecReturn | RmwOp::AddReturn | RmwOp::SubReturn => {
            let (args, delta) = match r.op {
                RmwOp::IncReturn => ("v", "+ 1"),
                RmwOp::DecReturn => ("v", "- 1"),
                RmwOp::AddReturn => ("i, v", "+ (i)"),
                _ => ("i, v", "- (i)"),
            };
            format!(
                "#define {name}({args}) ({{ {} long __ret = {cur}; __ret; }})",
                store(&format!("{cur} {delta}"))
            )
        }
        RmwOp::FetchInc | RmwOp::FetchDec | RmwOp::FetchAdd | RmwOp::FetchSub => {
            let (args, delta) = match r.op {
                RmwOp::FetchInc => ("v", "+ 1"),
                RmwOp::FetchDec => ("v", "- 1"),
                RmwOp::FetchAdd => ("i, v", "+ (i)"),
                _ => ("i, v", "- (i)"),
            };
            format!(
                "#define {name}({args}) ({{ long __old = {cur}; {} __old; }})",
                store(&format!("__old {delta}"))
            )
        }
        RmwOp::Xchg => format!(
            "#define {name}(v, new) ({{ long __old = {cur}; {} __old; }})",
            store("(new)")
        ),
        // A failed cmpxchg stores nothing and orders nothing
        // (Documentation/atomic_t.txt: "a failed RMW operation is not
        // ordered"); the writer knows the value, so the branch is its own.
        RmwOp::Cmpxchg => format!(
            "#define {name}(v, old, new) ({{ long __old = {cur}; \
             if (__old == (old)) {} __old; }})",
            store("(new)")
        ),
        RmwOp::TryCmpxchg => format!(
            "#define {name}(v, oldp, new) ({{ long __old = {cur}; \
             long __ok = __old == *(oldp); \
             if (__ok) {} else *(oldp) = __old; __ok; }})",
            store("(new)")
        ),
    }
}

/// The atomics that are not read-modify-writes: reads and sets.
fn plain_atomic_macros() -> String {
    let mut out = String::new();
    for ty in TYPES {
        let p = ty.prefix();
        out += &format!(
            "#define {p}_read(v) ({{ long __val = __aread(v, {p}_read); __val; }})\n\
             #define {p}_read_acquire(v) ({{ long __val = __aread(v, {p}_read_acquire); __val; }})\n\
             #define {p}_set(v, i) WRITE_ONCE((v)->counter, i)\n\
             #define {p}_set_release(v, i) smp_store_release(&(v)->counter, i)\n"
        );
    }
    out
}

/// The whole prelude as text: the handwritten part and the generated
/// atomics (`seqwrap protocols --api` prints it).
pub fn prelude_text() -> &'static str {
    static T: OnceLock<String> = OnceLock::new();
    T.get_or_init(|| {
        let mut text = PRELUDE.to_string();
        text += "\n#define smp_store_mb(v, val) do { WRITE_ONCE(v, val); smp_mb(); } while (0)\n";
        text += "\n/*\n * The atomics (include/linux/atomic/atomic-instrumented.h), generated:\n \
                 * __rmw(v, new, NAME) stores new as the RMW NAME (ordered as its name\n \
                 * says), __aread(v, NAME) is an atomic read.\n */\n";
        text += &plain_atomic_macros();
        let mut names: Vec<&String> = rmws().keys().collect();
        names.sort();
        for n in names {
            text += &rmw_macro(&rmws()[n]);
            text.push('\n');
        }
        text
    })
}

/// Every macro the bodies may call: the prelude and the generated atomics.
pub fn macros() -> &'static HashMap<String, Macro> {
    static M: OnceLock<HashMap<String, Macro>> = OnceLock::new();
    M.get_or_init(define_all)
}

/// The prelude read afresh (what the first call of [`macros`] does; the
/// benchmarks time it).
pub fn define_all() -> HashMap<String, Macro> {
    parse_defines(prelude_text())
}

/// `#define NAME(a, b) body` lines (backslash-continued) into macros. The
/// text is ours: a malformed line is a bug, caught by the tests.
fn parse_defines(text: &str) -> HashMap<String, Macro> {
    let joined = text.replace("\\\n", " ");
    let mut out = HashMap::new();
    // Comments first, so a `#define` inside one is not read.
    let mut clean = String::new();
    let mut rest = joined.as_str();
    while let Some(i) = rest.find("/*") {
        clean += &rest[..i];
        let end = rest[i..].find("*/").expect("prelude: unclosed comment");
        rest = &rest[i + end + 2..];
    }
    clean += rest;
    for line in clean.lines() {
        let Some(def) = line.trim().strip_prefix("#define ") else {
            continue;
        };
        let open = def.find('(').expect("prelude: a macro without parameters");
        let name = def[..open].trim().to_string();
        let close = open + def[open..].find(')').expect("prelude: unclosed parameters");
        let params: Vec<String> = def[open + 1..close]
            .split(',')
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let body = lex(&def[close + 1..])
            .unwrap_or_else(|e| panic!("prelude: {name}: {}", e.1))
            .into_iter()
            .map(|t| t.kind)
            .filter(|k| *k != Tok::Eof)
            .collect();
        out.insert(name, Macro { params, body });
    }
    out
}

/// Names a protocol may not call, with why (the subset cannot model
/// them), so a pasted body gets a message rather than "unknown macro".
pub const REFUSED: &[(&str, &str)] = &[
    (
        "read_seqbegin",
        "seqlock_t readers are read_seqcount_begin() on its seqcount; write that",
    ),
    (
        "write_seqlock",
        "seqlock_t writers take a spinlock the model leaves out; write \
         write_seqcount_begin() on its seqcount",
    ),
    (
        "synchronize_rcu_expedited",
        "write synchronize_rcu(): the model has one grace period",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prelude_reads_and_names_what_the_kernel_does() {
        let m = macros();
        for name in [
            "raw_read_seqcount",
            "read_seqcount_begin",
            "raw_seqcount_try_begin",
            "read_seqcount_retry",
            "do_read_seqcount_retry",
            "raw_write_seqcount_begin",
            "raw_write_seqcount_end",
            "do_raw_write_seqcount_begin",
            "do_raw_write_seqcount_end",
            "write_seqcount_begin",
            "write_seqcount_end",
            "raw_write_seqcount_latch",
            "raw_read_seqcount_latch",
            "raw_read_seqcount_latch_retry",
            "mmap_lock_speculate_try_begin",
            "mmap_lock_speculate_retry",
            "mm_lock_seqcount_begin",
            "mm_lock_seqcount_end",
            "atomic_read",
            "atomic64_set_release",
            "atomic_long_read_acquire",
            "atomic_inc",
            "atomic64_add_return_relaxed",
            "atomic_long_fetch_add_release",
            "atomic_try_cmpxchg_acquire",
            "atomic64_xchg",
        ] {
            assert!(m.contains_key(name), "{name}");
        }
        // Void RMWs have no ordered variants.
        assert!(!rmws().contains_key("atomic_inc_relaxed"));
        assert_eq!(rmws().len(), 3 * (4 + 11 * 4));
        assert_eq!(
            atomic_read("atomic64_read_acquire"),
            Some((AtomicTy::Atomic64, LoadOrder::Acquire))
        );
        assert_eq!(atomic_read("atomic64_reads"), None);
    }
}
