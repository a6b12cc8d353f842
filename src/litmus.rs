//! A protocol as a herd7 C litmus test: the writer unrolled K cycles at
//! the protocol's (small) width, the reader as one thread, and an
//! `exists` clause that is the false positive by the same rule the
//! explorer uses ([`crate::protocol::verdict`]): the reader returns ACCEPT
//! and its two data loads saw different versions.
//!
//! - The writer is one thread (writers serialize on the lock, and under
//!   LKMM the lock orders each cycle before the next whoever holds it);
//!   each cycle is wrapped in `spin_lock()`/`spin_unlock()` of one lock,
//!   so LKMM's `po-unlock-lock-po` applies as it does to `mmap_lock`. Its
//!   stores carry the values the protocol computes (the writer never
//!   loads, so they are known), and cycle i's `modify()` writes i to the
//!   protected data `d`.
//! - The reader is one RCU read-side section (`rcu_read_lock()` around its
//!   body), as the uprobes reader's `guard(rcu)()` is. Its control flow is
//!   unrolled into nested `if`s; a loop body runs once (the explorer
//!   shows that a re-read never makes a false positive possible or shorter, see
//!   `explore`); a second iteration ends the speculation as "gave up".
//!   herd7's C has no `!`, `~`, `<<`, `>>`, `%`, `&&`, `||` or `?:`;
//!   those are rewritten with `==`, `*`, `/`, `&`, `|`, `+` and `-`.
//! - `out` is 1 for ACCEPT, 2 RETRY, 3 ABORT, 4 gave up; `fp` is 1 for the
//!   false positive. `exists (1:fp=1)`.
//!
//! `window_cycles()` (the `bounded` protocol's ghost clock) has no herd7
//! counterpart: such protocols are refused.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::explore::cycle::run_writer;
use crate::protocol::Protocol;
use crate::protocol::parse::{BinOp, FenceKind, ReturnKind, UnOp};
use crate::protocol::program::{
    CExpr, CKind, Instr, LoadOrder, MAX_WORDS, Node, Program, RmwOrder, StoreOrder,
};
use crate::protocol::shape::{Sym, TKind};

/// Loop iterations the reader's unrolling allows.
pub const UNROLL: u32 = 1;

/// A word's name as a C identifier: a member path (`mm->mm_lock_seq`)
/// with its `->` and `.` turned into `_`.
fn c_name(name: &str) -> String {
    name.replace("->", "_").replace('.', "_")
}

/// The litmus test for `s` with the writer unrolled `cycles` times.
pub fn litmus(s: &Protocol, cycles: u32) -> Result<String> {
    let p = s.program();
    if cycles == 0 || cycles > 16 {
        return Err(Error::usage(format!(
            "--cycles {cycles}: allowed: 1..=16 (herd7's time grows fast with the writer's length)"
        )));
    }
    let ghost = p.reader.code.iter().any(|i| {
        let mut g = false;
        let mut see = |e: &CExpr| e.visit(&mut |k| g |= matches!(k, CKind::WindowCycles));
        match i {
            Instr::Branch { cond, .. } => see(cond),
            Instr::Assign { value, .. } => see(value),
            _ => {}
        }
        g
    });
    if ghost {
        return Err(Error::usage(format!(
            "{}: window_cycles() is a ghost with no herd7 counterpart; allowed: protocols \
             without it",
            s.name()
        )));
    }
    let name = format!(
        "seqwrap-{}{}-K{cycles}",
        s.name(),
        s.params()
            .iter()
            .map(|q| format!("-{}{}", q.name, q.text))
            .collect::<String>()
    );
    let mut out = String::new();
    let _ = writeln!(out, "C {name}");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "(* seqwrap litmus: {s}, writer unrolled {cycles} cycle(s).\n   exists: the reader \
         returns ACCEPT and its two loads of d differ (a false positive). *)"
    );
    let _ = writeln!(out);
    out.push_str("{}\n\n");
    let words: Vec<String> = p
        .words
        .iter()
        .map(|w| format!("int *{}", c_name(&w.name)))
        .collect();
    let params = |extra: &str| {
        let mut v = words.clone();
        v.push("int *d".into());
        if !extra.is_empty() {
            v.push(extra.into());
        }
        v.join(", ")
    };
    // The writer.
    let _ = writeln!(out, "P0({}) {{", params("spinlock_t *l"));
    // A register for the values the RMWs return (herd7 needs one).
    if p.writer.code.iter().any(|i| {
        matches!(i, Instr::Store { rmw: Some(r), .. } if r.op.returns() || r.order != RmwOrder::Relaxed)
    }) {
        let _ = writeln!(out, "	int r_rmw;");
    }
    let mut start = [0u64; MAX_WORDS];
    for c in 1..=cycles {
        let _ = writeln!(out, "\tspin_lock(l);");
        let events = run_writer(p, &start)?;
        for e in events {
            match e.kind {
                TKind::Store {
                    word,
                    value: Sym::Const(v),
                    rmw: Some(r),
                    ..
                } => {
                    // An RMW as the add that gives the value the
                    // protocol computes (a W-bit word wraps where herd7's
                    // int would not), with the ordering of the call: the
                    // void add is unordered, the value-returning ones carry
                    // the suffix (linux-kernel.def: __atomic_op_return{mb},
                    // {once}, {acquire}, {release}).
                    let w = c_name(&p.words[word as usize].name);
                    let old = start[word as usize] as i128;
                    let d = v - old;
                    let sfx = match r.order {
                        RmwOrder::Relaxed if !r.op.returns() => None,
                        RmwOrder::Relaxed => Some("_relaxed"),
                        RmwOrder::Acquire => Some("_acquire"),
                        RmwOrder::Release => Some("_release"),
                        RmwOrder::Full => Some(""),
                    };
                    match sfx {
                        None => {
                            let _ = writeln!(out, "	atomic_add({d}, {w}); /* {}() */", r.name());
                        }
                        Some(sfx) => {
                            let _ = writeln!(
                                out,
                                "	r_rmw = atomic_add_return{sfx}({d}, {w}); /* {}() */",
                                r.name()
                            );
                        }
                    }
                    start[word as usize] = v as u64;
                }
                TKind::Store {
                    word,
                    value: Sym::Const(v),
                    order,
                    ..
                } => {
                    let w = c_name(&p.words[word as usize].name);
                    if order == StoreOrder::Release {
                        let _ = writeln!(out, "\tsmp_store_release({w}, {v});");
                    } else {
                        let _ = writeln!(out, "\tWRITE_ONCE(*{w}, {v});");
                    }
                    start[word as usize] = v as u64;
                }
                TKind::Store { .. } => unreachable!("run_writer gives constants"),
                TKind::Modify => {
                    let _ = writeln!(out, "\tWRITE_ONCE(*d, {c});");
                }
                TKind::Fence(k) => {
                    // RmwFull is the RMW's own ordering, carried by its call.
                    if !matches!(k, FenceKind::Barrier | FenceKind::RmwFull) {
                        let _ = writeln!(out, "\t{}();", k.macro_name());
                    }
                }
                TKind::SyncRcu => {
                    let _ = writeln!(out, "\tsynchronize_rcu();");
                }
            }
        }
        let _ = writeln!(out, "\tspin_unlock(l);");
    }
    out.push_str("}\n\n");
    // The reader.
    let _ = writeln!(out, "P1({}) {{", params(""));
    let mut regs: Vec<String> = p.reader.locals.iter().map(|l| format!("r_{l}")).collect();
    regs.extend(["d1", "d2", "out", "fp"].map(String::from));
    for r in &regs {
        let _ = writeln!(out, "\tint {r};");
    }
    out.push_str("\td1 = 0;\n\td2 = 0;\n\tout = 0;\n\tfp = 0;\n\trcu_read_lock();\n");
    let mut body = String::new();
    emit(p, 0, &BTreeMap::new(), 1, &mut body)?;
    out.push_str(&body);
    out.push_str("\trcu_read_unlock();\n}\n\n");
    out.push_str("exists (1:fp=1)\n");
    Ok(out)
}

fn indent(n: usize) -> String {
    "\t".repeat(n)
}

/// Emit the reader from `node` to its end, duplicating the tail of every
/// branch (herd7's C has no goto); `loops` counts iterations per loop head.
fn emit(
    p: &Program,
    mut node: Node,
    loops: &BTreeMap<Node, u32>,
    depth: usize,
    out: &mut String,
) -> Result<()> {
    let code = &p.reader.code;
    let ind = indent(depth);
    for _ in 0..code.len() + 1 {
        match &code[node as usize] {
            Instr::Load {
                dst,
                word,
                order,
                next,
                ..
            } => {
                let r = &p.reader.locals[*dst as usize];
                let w = c_name(&p.words[*word as usize].name);
                if *order == LoadOrder::Acquire {
                    let _ = writeln!(out, "{ind}r_{r} = smp_load_acquire({w});");
                } else {
                    let _ = writeln!(out, "{ind}r_{r} = READ_ONCE(*{w});");
                }
                node = *next;
            }
            Instr::DataLoad { second, next } => {
                let _ = writeln!(
                    out,
                    "{ind}{} = READ_ONCE(*d);",
                    if *second { "d2" } else { "d1" }
                );
                node = *next;
            }
            Instr::Fence { kind, next } => {
                if !matches!(kind, FenceKind::Barrier | FenceKind::RmwFull) {
                    let _ = writeln!(out, "{ind}{}();", kind.macro_name());
                }
                node = *next;
            }
            Instr::Assign { dst, value, next } => {
                let r = &p.reader.locals[*dst as usize];
                let _ = writeln!(out, "{ind}r_{r} = {};", value_of(p, value)?);
                node = *next;
            }
            Instr::Branch { cond, then, els } => {
                let c = value_of(p, cond)?;
                let _ = writeln!(out, "{ind}if ({c}) {{");
                arm(p, node, *then, loops, depth + 1, out)?;
                let _ = writeln!(out, "{ind}}} else {{");
                arm(p, node, *els, loops, depth + 1, out)?;
                let _ = writeln!(out, "{ind}}}");
                return Ok(());
            }
            Instr::Return(k) => {
                let code = match k {
                    ReturnKind::Accept => 1,
                    ReturnKind::Retry => 2,
                    ReturnKind::Abort => 3,
                };
                let _ = writeln!(out, "{ind}out = {code};");
                if *k == ReturnKind::Accept {
                    let _ = writeln!(out, "{ind}fp = (d1 != d2);");
                }
                return Ok(());
            }
            other => {
                return Err(Error::Run(format!(
                    "internal: reader instruction {other:?}"
                )));
            }
        }
    }
    Err(Error::Run(
        "internal: the reader's unrolling did not end".into(),
    ))
}

fn arm(
    p: &Program,
    from: Node,
    to: Node,
    loops: &BTreeMap<Node, u32>,
    depth: usize,
    out: &mut String,
) -> Result<()> {
    if to <= from {
        let n = loops.get(&to).copied().unwrap_or(1) + 1;
        if n > UNROLL {
            let _ = writeln!(out, "{}out = 4;", indent(depth));
            return Ok(());
        }
        let mut l = loops.clone();
        l.insert(to, n);
        return emit(p, to, &l, depth, out);
    }
    emit(p, to, loops, depth, out)
}

/// An expression in the operators herd7's C accepts.
fn value_of(p: &Program, e: &CExpr) -> Result<String> {
    Ok(match &e.kind {
        CKind::Const(v) => {
            if *v < 0 {
                format!("(0 - {})", v.unsigned_abs())
            } else {
                v.to_string()
            }
        }
        CKind::Local(l) => format!("r_{}", p.reader.locals[*l as usize]),
        CKind::Word(_) | CKind::WindowCycles => {
            return Err(Error::Run("internal: not a reader expression".into()));
        }
        CKind::Un(op, a) => {
            let a = value_of(p, a)?;
            match op {
                UnOp::Neg => format!("(0 - {a})"),
                UnOp::Not => format!("({a} == 0)"),
                UnOp::BitNot => format!("((0 - 1) - {a})"),
            }
        }
        CKind::Bin(op, a, b) => {
            let x = value_of(p, a)?;
            let y = value_of(p, b)?;
            use BinOp::*;
            match op {
                And => format!("(({x} != 0) * ({y} != 0))"),
                Or => format!("(({x} != 0) | ({y} != 0))"),
                Shl | Shr | Rem => {
                    let Some(k) = b.as_const() else {
                        return Err(Error::usage(format!(
                            "'{}' with a non-constant right side has no herd7 counterpart",
                            op.text()
                        )));
                    };
                    match op {
                        Shl => format!("({x} * {})", 1i128 << k.clamp(0, 62)),
                        Shr => format!("({x} / {})", 1i128 << k.clamp(0, 62)),
                        _ if k > 0 && (k & (k - 1)) == 0 => format!("({x} & {})", k - 1),
                        _ => format!("({x} - ({x} / {y}) * {y})"),
                    }
                }
                _ => format!("({x} {} {y})", op.text()),
            }
        }
        CKind::Cond(c, a, b) => {
            let c = value_of(p, c)?;
            let a = value_of(p, a)?;
            let b = value_of(p, b)?;
            format!("((({c}) != 0) * {a} + (({c}) == 0) * {b})")
        }
    })
}

/// The verdict line herd7 prints for a test: `Never`, `Sometimes` or
/// `Always` (from `Observation NAME VERDICT ...`).
pub fn herd_verdict(output: &str) -> Option<&str> {
    output
        .lines()
        .find(|l| l.starts_with("Observation "))
        .and_then(|l| l.split_whitespace().nth(2))
}
