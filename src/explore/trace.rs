//! Printing a counterexample for the mailing list: one step a line, every
//! line at most 72 columns, values absolute (the search works on states
//! reduced by symmetry; the trace replays the moves without the reduction).

use super::path::{Move, PathItem};
use crate::model::step::{self, Actor};
use crate::model::{CounterView, Event, Outcome, Protocol, State, var};
use crate::scheme::SchemeSpec;

/// The widest line a trace may have (an email).
pub const TRACE_COLUMNS: usize = 72;

/// A protocol that never reduces by symmetry, so replayed values are the
/// values the threads really see.
struct Absolute<'a, P>(&'a P);

impl<P: Protocol> Protocol for Absolute<'_, P> {
    fn spec(&self) -> &SchemeSpec {
        self.0.spec()
    }
    fn var_names(&self) -> [&'static str; 2] {
        self.0.var_names()
    }
    fn counter(&self) -> CounterView {
        self.0.counter()
    }
    fn writer_ready<const R: usize>(&self, st: &State<R>) -> bool {
        self.0.writer_ready(st)
    }
    fn writer_step<const R: usize>(&self, st: &mut State<R>) -> Event {
        self.0.writer_step(st)
    }
    fn reader_step<const R: usize>(&self, st: &mut State<R>, i: usize) -> Event {
        self.0.reader_step(st, i)
    }
    fn symmetry(&self) -> Option<(usize, u64)> {
        None
    }
    fn started_cap(&self) -> Option<u64> {
        self.0.started_cap()
    }
}

fn hex(v: u64, bits: u32) -> String {
    let digits = bits.div_ceil(4).max(1) as usize;
    format!("{v:#0w$x}", w = digits + 2)
}

fn words<P: Protocol, const R: usize>(p: &P, st: &State<R>) -> String {
    let names = p.var_names();
    let c = p.counter();
    let mut s = format!("{}={}", names[0], hex(st.vars[var::LOW], c.low_bits));
    if c.high_bits > 0 {
        s += &format!(" {}={}", names[1], hex(st.vars[var::HIGH], c.high_bits));
    }
    s
}

fn describe<P: Protocol>(p: &P, ev: Event) -> String {
    let c = p.counter();
    let names = p.var_names();
    let bits = |v| {
        if v == var::LOW {
            c.low_bits
        } else {
            c.high_bits
        }
    };
    match ev {
        Event::Store { var, value, what } => {
            format!("{what}: {} = {}", names[var], hex(value, bits(var)))
        }
        Event::Modify => "modify the protected data".into(),
        Event::GraceStart { mask } => {
            if mask == 0 {
                "grace period: no speculation in flight".into()
            } else {
                let who: Vec<String> = (0..8)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| format!("R{i}"))
                    .collect();
                format!("grace period starts, waits for {}", who.join(","))
            }
        }
        Event::GraceEnd => "grace period ends".into(),
        Event::Load {
            var,
            value,
            note,
            outcome,
        } => {
            let mut s = format!("{note}: {} = {}", names[var], hex(value, bits(var)));
            if let Some(o) = outcome {
                s += &format!(" -> {o}");
            }
            s
        }
    }
}

/// Format a count for a trace: decimal, and `2^k` when it is a power of two.
pub fn count_text(n: u128) -> String {
    if n.is_power_of_two() && n > 2 {
        format!("{n} (2^{})", n.trailing_zeros())
    } else {
        n.to_string()
    }
}

/// Render the run `path` (canonical states) as trace lines.
pub(crate) fn render<P: Protocol, const R: usize>(p: &P, path: &[PathItem<R>]) -> Vec<String> {
    let abs = Absolute(p);
    let max_cost = path.last().map_or(0, |i| i.cost_after);
    let cw = max_cost.to_string().len().max(3);
    let mut lines = vec![format!(
        "{:>cw$} {:<3} step (cycles = modifications in R0's window)",
        "cyc", "who"
    )];
    let mut st = State::<R>::initial();
    let mut cost: u128 = 0;
    let push = |cost: u128, who: &str, text: String, lines: &mut Vec<String>| {
        let mut line = format!("{cost:>cw$} {who:<3} {text}");
        if line.len() > TRACE_COLUMNS {
            // Keep the column contract even for pathological names.
            line.truncate(TRACE_COLUMNS);
        }
        lines.push(line);
    };
    for item in path {
        match item.mv {
            Move::Step(a) => {
                let (ev, dc) = step::apply(&abs, &mut st, a);
                cost += dc;
                let who = match a {
                    Actor::Writer(w) => format!("W{w}"),
                    Actor::Reader(i) => format!("R{i}"),
                };
                push(cost, &who, describe(p, ev), &mut lines);
            }
            Move::Jump { cycles } => {
                let before = words(p, &st);
                cost += step::jump(&abs, &mut st, cycles);
                push(
                    cost,
                    "W",
                    format!("{} cycles, no reader moves:", count_text(cycles)),
                    &mut lines,
                );
                push(
                    cost,
                    "",
                    format!("  {before} -> {}", words(p, &st)),
                    &mut lines,
                );
            }
            Move::WriterRun { steps, cycles } => {
                let before = words(p, &st);
                if steps <= 64 {
                    for _ in 0..steps {
                        let holder = st.writer.holder;
                        let (ev, dc) = step::writer(&abs, &mut st, holder);
                        cost += dc;
                        push(cost, &format!("W{holder}"), describe(p, ev), &mut lines);
                    }
                } else {
                    // Long runs were walked step by step by the search; the
                    // symmetry shift is constant inside them (reader 0 holds
                    // its snapshot), so the absolute state is the canonical
                    // one moved by the same shift as before the run.
                    let shift = shift_of(p, &item.before, &st);
                    st = item.after;
                    unshift(p, &mut st, shift);
                    cost += cycles;
                    push(
                        cost,
                        "W",
                        format!("{} steps, {} cycles:", steps, count_text(cycles)),
                        &mut lines,
                    );
                    push(
                        cost,
                        "",
                        format!("  {before} -> {}", words(p, &st)),
                        &mut lines,
                    );
                }
            }
        }
    }
    if let Some(last) = path.last() {
        let o = last.after.readers[0].outcome;
        let end = match o {
            Some(Outcome::FalsePositive) => format!(
                "FALSE POSITIVE: R0 accepted after {} cycles changed the data",
                count_text(cost)
            ),
            Some(o) => format!("R0 ends with {o}"),
            None => "R0 still in flight".into(),
        };
        push(cost, "", end, &mut lines);
    }
    lines
}

fn shift_of<P: Protocol, const R: usize>(p: &P, canonical: &State<R>, absolute: &State<R>) -> u64 {
    match p.symmetry() {
        Some((v, _)) => {
            absolute.vars[v].wrapping_sub(canonical.vars[v]) & crate::width::mask(p.bits_of(v))
        }
        None => 0,
    }
}

fn unshift<P: Protocol, const R: usize>(p: &P, st: &mut State<R>, shift: u64) {
    if let Some((v, _)) = p.symmetry() {
        let m = crate::width::mask(p.bits_of(v));
        st.vars[v] = st.vars[v].wrapping_add(shift) & m;
        for r in st.readers.iter_mut() {
            for k in 0..4 {
                if r.tags[k] == v as u8 + 1 {
                    r.regs[k] = r.regs[k].wrapping_add(shift) & m;
                }
            }
        }
    }
}
