//! From a [`ProtocolFile`] and parameter values to a [`Program`]: params
//! resolved and checked, widths evaluated, bodies parsed, names resolved,
//! constant conditions folded away, and the semantic rules of DESIGN §1
//! enforced — each violation one line `FILE:LINE:COL: what; allowed`.
//!
//! The rules: loads, stores and fences are statements; the writer stores
//! and never loads (a word in its expressions is its own latest value, it
//! holds the lock), runs straight-line code with `if`s and calls `modify()`
//! exactly once on every path; the reader loads and never stores, calls
//! `read()` at most once on any path and never in a loop, loads on every
//! loop iteration, and returns ACCEPT, RETRY or ABORT on every path; a
//! local is set before it is used.
//!
//! The jobs live in their own files: `params.rs` (parameters resolved,
//! constant expressions), `body.rs` (a body's control-flow graph built and
//! pruned), `stmt.rs` (statements to instructions, with the per-role
//! rules that can be told at a statement), `names.rs` (names bound to
//! locals, words and constants; constant folding) and `rules.rs` (the
//! rules that need the whole graph). This file holds [`compile`], which
//! ties them together.

mod body;
mod names;
mod params;
mod rules;
mod stmt;

pub(crate) use params::eval_with_params;
pub use params::{Override, ParamValue, resolve_params};

use params::{constants, eval_located};

use super::file::ProtocolFile;
use super::program::{Instr, MAX_WORDS, Program, Word};
use crate::error::Result;

/// Most bits all words may have together (the explorer keeps a counter of
/// all of them in a u128).
pub const MAX_TOTAL_BITS: u32 = 128;

/// Compile `d` with resolved `params` into a program.
pub fn compile(d: &ProtocolFile, params: &[ParamValue]) -> Result<Program> {
    let consts = constants(d, params);
    let mut words = Vec::new();
    for w in &d.words {
        if consts.contains_key(&w.name) {
            return Err(d.raw.error(
                w.width.at,
                format!("word '{}' has the name of a param or constant", w.name),
            ));
        }
        let bits = eval_located(&w.width, &consts, &d.raw)?;
        if !(1..=64).contains(&bits) {
            return Err(d.raw.error(
                w.width.at,
                format!("word '{}' is {bits} bits wide; allowed: 1..=64", w.name),
            ));
        }
        words.push(Word {
            name: w.name.clone(),
            bits: bits as u32,
        });
    }
    if words.len() > MAX_WORDS {
        return Err(d.raw.error(
            d.words[MAX_WORDS].width.at,
            format!("{} words; allowed: at most {MAX_WORDS}", words.len()),
        ));
    }
    let total: u32 = words.iter().map(|w| w.bits).sum();
    if total > MAX_TOTAL_BITS {
        return Err(d.raw.error(
            d.words[0].width.at,
            format!("the words hold {total} bits together; allowed: at most {MAX_TOTAL_BITS}"),
        ));
    }
    let (writer, _) = body::compile_body(d, &d.writer, &consts, &words, Role::Writer)?;
    let (reader, rcu) = body::compile_body(d, &d.reader, &consts, &words, Role::Reader)?;
    // synchronize_rcu() waits only for RCU read-side critical sections: a
    // writer that counts on it needs a reader that is in one.
    if rcu.lock_at.is_none()
        && let Some(n) = writer
            .code
            .iter()
            .position(|i| matches!(i, Instr::SyncRcu { .. }))
    {
        return Err(d.raw.error(
            writer.at[n],
            "synchronize_rcu() waits only for RCU readers; the reader must run its \
             speculation inside rcu_read_lock() or guard(rcu)() (before its first load)",
        ));
    }
    Ok(Program {
        words,
        writer,
        reader,
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Writer,
    Reader,
}
