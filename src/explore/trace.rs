//! A counterexample as data: the steps of the shortest false positive, with
//! absolute values (the search works on states reduced by symmetry; the
//! trace replays the steps without the reduction), the source line of each
//! step, and what each weak-memory step reorders. Text for the mailing
//! list (every line at most 72 columns) and JSON for other tools come from
//! the same steps, and `stress` replays them on real atomics.

use serde::Serialize;

use super::cycle::EvKind;
use super::machine::{Machine, Move};
use super::search::{PathItem, Step};
use super::state::{State, flags};
use crate::error::{Error, Result};
use crate::protocol::Outcome;
use crate::protocol::program::{Instr, MAX_WORDS, Node};

/// The widest line a trace may have (an email).
pub const TRACE_COLUMNS: usize = 72;

/// What a step is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Op {
    /// A writer store becomes visible.
    Store,
    /// The writer's `modify()` becomes visible.
    Modify,
    /// The writer's `synchronize_rcu()`.
    GracePeriod,
    /// A reader load.
    Load,
    /// The first of `read()`'s two data loads: the data phase begins.
    ReadBegins,
    /// The second: the data phase ends.
    ReadEnds,
    /// Whole writer cycles with no reader moving, jumped in O(1).
    Jump,
    /// Whole writer cycles walked one move at a time.
    Run,
}

/// One step of a counterexample.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TraceStep {
    /// `W` (the writer) or `R0`, `R1`, ...
    pub thread: String,
    /// What happened.
    pub op: Op,
    /// The protocol's line of the statement (none for jumps and runs).
    pub line: Option<usize>,
    /// The instruction (writer or reader body), for replays.
    pub node: Option<Node>,
    /// The word loaded or stored.
    pub word: Option<String>,
    /// Its value (hex), as loaded or stored.
    pub value: Option<String>,
    /// Writer cycles for a jump or run.
    pub cycles: Option<String>,
    /// Modifications inside R0's window so far.
    pub window: String,
    /// The reordering the step uses, if any (weak memory models).
    pub reorder: Option<String>,
    /// For jumps and runs: the words before and after.
    pub words: Option<(String, String)>,
    /// The outcome, on the step that ends R0's speculation.
    pub outcome: Option<Outcome>,
    /// Where the writer is after this step: whole cycles completed
    /// (decimal) ...
    pub writer_cycles: String,
    /// ... and events of the next cycle already visible (under SC and TSO
    /// a prefix of the cycle). A replay runs the writer to this point.
    pub writer_events: u32,
}

/// A counterexample: its steps and R0's verdict.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The steps, oldest first.
    pub steps: Vec<TraceStep>,
}

fn hex(v: u64, bits: u32) -> String {
    let digits = bits.div_ceil(4).max(1) as usize;
    format!("{v:#0w$x}", w = digits + 2)
}

/// Format a count: decimal, and `2^k` when it is a power of two.
pub fn count_text(n: u128) -> String {
    if n.is_power_of_two() && n > 2 {
        format!("{n} (2^{})", n.trailing_zeros())
    } else {
        n.to_string()
    }
}

fn words_text(m: &Machine<'_>, w: &[u64; MAX_WORDS]) -> String {
    m.program()
        .words
        .iter()
        .enumerate()
        .map(|(i, word)| format!("{}={}", word.name, hex(w[i], word.bits)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replay `path` (canonical states) with `abs`, a machine without the
/// symmetry reduction, into a trace.
pub(crate) fn replay<const R: usize>(abs: &Machine<'_>, path: &[PathItem<R>]) -> Result<Trace> {
    let prog = abs.program();
    let file = &abs.protocol.file().raw;
    let wline = |n: Node| file.line_col(prog.writer.at[n as usize]).0;
    let rline = |n: Node| file.line_col(prog.reader.at[n as usize]).0;
    let mut st: State<R> = abs.initial()?;
    let mut cost: u128 = 0;
    let mut steps = Vec::new();
    let mut cycles: u128 = 0;
    for item in path {
        let from = steps.len();
        match item.step {
            Step::Move(mv) => {
                writer_or_reader(abs, &mut st, mv, &mut cost, &mut steps, &wline, &rline)?;
                if matches!(mv, Move::Writer(_)) && st.view.done == 0 {
                    cycles += 1;
                }
            }
            Step::Jump(k) => {
                let from = words_text(abs, &st.view.start);
                cost += abs.jump(&mut st, k);
                cycles += k;
                steps.push(TraceStep {
                    thread: "W".into(),
                    op: Op::Jump,
                    line: None,
                    node: None,
                    word: None,
                    value: None,
                    cycles: Some(k.to_string()),
                    window: cost.to_string(),
                    reorder: None,
                    words: Some((from, words_text(abs, &st.view.start))),
                    outcome: None,
                    writer_cycles: String::new(),
                    writer_events: 0,
                });
            }
            Step::Run {
                moves,
                cycles: modifies,
            } => {
                if moves <= 64 {
                    for _ in 0..moves {
                        let en = abs.writer_enabled(&st)?;
                        if en.count_ones() != 1 {
                            return Err(Error::Run(
                                "internal: a forced writer run is not forced on replay".into(),
                            ));
                        }
                        let mv = Move::Writer(en.trailing_zeros() as u8);
                        writer_or_reader(abs, &mut st, mv, &mut cost, &mut steps, &wline, &rline)?;
                    }
                } else {
                    // Long runs were walked by the search; reader 0's anchor
                    // is constant inside them, so the absolute state is the
                    // canonical one moved by the shift it had at the start.
                    let (before_c, after_c) = *item
                        .run_states
                        .clone()
                        .ok_or_else(|| Error::Run("internal: a run without its states".into()))?;
                    let from = words_text(abs, &st.view.start);
                    let shift = shifts(abs, &before_c, &st);
                    let before_abs = st;
                    st = after_c;
                    unshift(abs, &mut st, &shift);
                    let run_cycles = st_cycles(abs, &before_abs, &st, modifies)?;
                    cost += modifies;
                    cycles += run_cycles;
                    let full = run_cycles;
                    steps.push(TraceStep {
                        thread: "W".into(),
                        op: Op::Run,
                        line: None,
                        node: None,
                        word: None,
                        value: None,
                        cycles: Some(full.to_string()),
                        window: cost.to_string(),
                        reorder: None,
                        words: Some((from, words_text(abs, &st.view.start))),
                        outcome: None,
                        writer_cycles: String::new(),
                        writer_events: 0,
                    });
                }
            }
        }
        let events = st.view.done.count_ones();
        for s in &mut steps[from..] {
            s.writer_cycles = cycles.to_string();
            s.writer_events = events;
        }
    }
    Ok(Trace { steps })
}

/// Whole cycles a long forced run completed, from the modifications it
/// made (one per cycle) and where in their cycles it started and ended:
/// `cycles = modifies - [the last cycle's modify is visible]
/// + [the first cycle's was already visible]`.
fn st_cycles<const R: usize>(
    m: &Machine<'_>,
    before: &State<R>,
    after: &State<R>,
    modifies: u128,
) -> Result<u128> {
    let seen = |st: &State<R>| -> Result<u128> {
        let t = m.cycles.get(st.view.path, &st.view.start)?;
        Ok(t.ev
            .iter()
            .position(|e| e.kind == EvKind::Modify)
            .map_or(0, |i| u128::from(st.view.done & (1 << i) != 0)))
    };
    Ok(modifies + seen(before)? - seen(after)?)
}

/// Whole cycles in a run of `moves` writer moves (its events per cycle).
#[allow(dead_code)]
fn cycles_of(moves: u64, m: &Machine<'_>) -> u64 {
    let per = m
        .shape
        .paths
        .as_ref()
        .ok()
        .and_then(|p| p.first())
        .map(|p| {
            p.events
                .iter()
                .filter(|e| !matches!(e.kind, crate::protocol::shape::TKind::Fence(_)))
                .count() as u64
        })
        .unwrap_or(1)
        .max(1);
    moves / per
}

fn shifts<const R: usize>(
    m: &Machine<'_>,
    canonical: &State<R>,
    absolute: &State<R>,
) -> Vec<(usize, u64)> {
    m.protocol
        .shape()
        .symmetry
        .iter()
        .map(|&(w, _)| {
            let wi = w as usize;
            let mask = crate::width::mask(m.bits()[wi]);
            (
                wi,
                absolute.view.start[wi].wrapping_sub(canonical.view.start[wi]) & mask,
            )
        })
        .collect()
}

fn unshift<const R: usize>(m: &Machine<'_>, st: &mut State<R>, shift: &[(usize, u64)]) {
    let u = &m.shape.reader;
    for &(wi, s) in shift {
        let mask = crate::width::mask(m.bits()[wi]);
        st.view.start[wi] = st.view.start[wi].wrapping_add(s) & mask;
        st.view.vis[wi] = st.view.vis[wi].wrapping_add(s) & mask;
        for rs in st.readers.iter_mut() {
            if rs.has(flags::DONE) {
                continue;
            }
            for (l, v) in rs.locals.iter_mut().enumerate() {
                if u.local_word.get(l) == Some(&Some(wi as u8)) {
                    *v = i128::from((*v as u64).wrapping_add(s) & mask);
                }
            }
        }
    }
    st.view.path = m.path_of(&st.view.start);
}

#[allow(clippy::too_many_arguments)]
fn writer_or_reader<const R: usize>(
    m: &Machine<'_>,
    st: &mut State<R>,
    mv: Move,
    cost: &mut u128,
    steps: &mut Vec<TraceStep>,
    wline: &dyn Fn(Node) -> usize,
    rline: &dyn Fn(Node) -> usize,
) -> Result<()> {
    let prog = m.program();
    match mv {
        Move::Writer(j) => {
            let j = j as usize;
            let t = m.cycles.get(st.view.path, &st.view.start)?;
            let ev = t.ev[j];
            let done = st.view.done;
            let value = t.value(j, &st.view.start, m.bits());
            // Which earlier events of the cycle this one overtakes or hides.
            let mut notes = Vec::new();
            let passed: Vec<usize> = (0..j)
                .filter(|&i| done & (1 << i) == 0 && t.co_before[j] & (1 << i) == 0)
                .collect();
            if !passed.is_empty() {
                let lines: Vec<String> = passed
                    .iter()
                    .map(|&i| wline(t.ev[i].node).to_string())
                    .collect();
                notes.push(format!("visible before line {}", lines.join(", ")));
            }
            let hidden: Vec<String> = (0..j)
                .filter(|&i| done & (1 << i) == 0 && t.co_before[j] & (1 << i) != 0)
                .map(|i| wline(t.ev[i].node).to_string())
                .collect();
            if !hidden.is_empty() {
                notes.push(format!("line {}'s store never seen", hidden.join(", ")));
            }
            let (dc, _) = m.apply(st, mv)?;
            *cost += dc;
            let (op, word, val) = match ev.kind {
                EvKind::Store(w) => (
                    Op::Store,
                    Some(prog.words[w as usize].name.clone()),
                    Some(hex(value, prog.words[w as usize].bits)),
                ),
                EvKind::Modify => (Op::Modify, None, None),
                EvKind::Gp => (Op::GracePeriod, None, None),
            };
            steps.push(TraceStep {
                thread: "W".into(),
                op,
                line: Some(wline(ev.node)),
                node: Some(ev.node),
                word,
                value: val,
                cycles: None,
                window: cost.to_string(),
                reorder: (!notes.is_empty()).then(|| notes.join("; ")),
                words: None,
                outcome: None,
                writer_cycles: String::new(),
                writer_events: 0,
            });
        }
        Move::Reader { r, .. } => {
            let mut log = Some(Vec::new());
            let (dc, alive) = m.apply_logged(st, mv, &mut log)?;
            if !alive {
                return Err(Error::Run(
                    "internal: a trace step contradicts itself".into(),
                ));
            }
            *cost += dc;
            let log = log.unwrap_or_default();
            let n = log.len();
            for (k, (at, value, pc_then)) in log.into_iter().enumerate() {
                let (op, word, val) = match prog.reader.code[at as usize] {
                    Instr::Load { word, .. } => (
                        Op::Load,
                        Some(prog.words[word as usize].name.clone()),
                        Some(hex(value, prog.words[word as usize].bits)),
                    ),
                    Instr::DataLoad { second: false, .. } => (Op::ReadBegins, None, None),
                    _ => (Op::ReadEnds, None, None),
                };
                let reorder = (at != pc_then)
                    .then(|| format!("satisfied early, before line {}", rline(pc_then)));
                let last = k + 1 == n;
                let rs = &st.readers[r as usize];
                steps.push(TraceStep {
                    thread: format!("R{r}"),
                    op,
                    line: Some(rline(at)),
                    node: Some(at),
                    word,
                    value: val,
                    cycles: None,
                    window: cost.to_string(),
                    reorder,
                    words: None,
                    outcome: (last && rs.has(flags::DONE))
                        .then_some(rs.outcome)
                        .flatten(),
                    writer_cycles: String::new(),
                    writer_events: 0,
                });
            }
        }
    }
    Ok(())
}

impl Trace {
    /// The trace as text: a header, one line per step (three for a jump or
    /// run: count, words before, words after), each at most 72 columns, and
    /// a last line with R0's verdict. The first column is the number of
    /// modifications inside R0's window so far.
    pub fn lines(&self) -> Vec<String> {
        let cw = self
            .steps
            .iter()
            .map(|s| s.window.len())
            .max()
            .unwrap_or(3)
            .max(3);
        let mut out = vec![format!("{:>cw$} {:<3} step", "cyc", "who")];
        let mut push = |cyc: &str, who: &str, text: String| {
            let mut line = format!("{cyc:>cw$} {who:<3} {text}");
            if line.chars().count() > TRACE_COLUMNS {
                line = line.chars().take(TRACE_COLUMNS).collect();
            }
            out.push(line.trim_end().to_string());
        };
        let mut last_outcome = None;
        for s in &self.steps {
            let at = s.line.map(|l| format!("l.{l} ")).unwrap_or_default();
            let main = match s.op {
                Op::Store => format!(
                    "{at}{} = {}",
                    s.word.as_deref().unwrap_or("?"),
                    s.value.as_deref().unwrap_or("?")
                ),
                Op::Load => format!(
                    "{at}load {} = {}",
                    s.word.as_deref().unwrap_or("?"),
                    s.value.as_deref().unwrap_or("?")
                ),
                Op::Modify => format!("{at}modify()"),
                Op::GracePeriod => format!("{at}synchronize_rcu()"),
                Op::ReadBegins => format!("{at}read() begins"),
                Op::ReadEnds => format!("{at}read() ends"),
                Op::Jump | Op::Run => {
                    let n: u128 = s
                        .cycles
                        .as_deref()
                        .and_then(|c| c.parse().ok())
                        .unwrap_or(0);
                    format!(
                        "{} cycles, no reader moves{}",
                        count_text(n),
                        if s.op == Op::Run { " (stepped)" } else { "" }
                    )
                }
            };
            let main = match s.outcome {
                Some(o) => format!("{main} -> {o}"),
                None => main,
            };
            push(&s.window, &s.thread, main);
            if let Some(r) = &s.reorder {
                push(&s.window, "", format!("  ({r})"));
            }
            if let Some((from, to)) = &s.words {
                push(&s.window, "", format!("  from {from}"));
                push(&s.window, "", format!("  to   {to}"));
            }
            if s.thread == "R0" && s.outcome.is_some() {
                last_outcome = s.outcome;
            }
        }
        if let Some(last) = self.steps.last() {
            let end = match last_outcome {
                Some(Outcome::FalsePositive) => "=> FALSE POSITIVE: R0 accepts changed data".into(),
                Some(o) => format!("=> R0 ends with {o}"),
                None => "=> R0 still in flight".into(),
            };
            push(&last.window, "", end);
        }
        out
    }

    /// Does any step reorder (a weak-memory counterexample)?
    pub fn reorders(&self) -> bool {
        self.steps.iter().any(|s| s.reorder.is_some())
    }
}
