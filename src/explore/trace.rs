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
    fn writer_waits_for_readers(&self) -> bool {
        self.0.writer_waits_for_readers()
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

/// Render the run `path` (canonical states) as trace lines: a header, one
/// line per step, three lines per writer stretch (count, words before,
/// words after), and a last line with reader 0's verdict. The first column
/// is the number of modifications inside R0's window so far.
pub(crate) fn render<P: Protocol, const R: usize>(p: &P, path: &[PathItem<R>]) -> Vec<String> {
    let abs = Absolute(p);
    let max_cost = path.last().map_or(0, |i| i.cost_after);
    let cw = max_cost.to_string().len().max(3);
    let mut lines = vec![format!("{:>cw$} {:<3} step", "cyc", "who")];
    let push = |cost: u128, who: &str, text: String, lines: &mut Vec<String>| {
        let mut line = format!("{cost:>cw$} {who:<3} {text}");
        line.truncate(TRACE_COLUMNS);
        lines.push(line.trim_end().to_string());
    };
    let stretch = |cost: u128, what: String, from: String, to: String, lines: &mut Vec<String>| {
        push(cost, "W", what, lines);
        push(cost, "", format!("  from {from}"), lines);
        push(cost, "", format!("  to   {to}"), lines);
    };
    let mut st = step::initial::<Absolute<'_, P>, R>(&abs);
    let mut cost: u128 = 0;
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
                let from = words(p, &st);
                cost += step::jump(&abs, &mut st, cycles);
                let what = format!("{} cycles, no reader moves", count_text(cycles));
                stretch(cost, what, from, words(p, &st), &mut lines);
            }
            Move::WriterRun { steps, cycles } => {
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
                    let from = words(p, &st);
                    let (before_c, after_c) = *item
                        .run_states
                        .clone()
                        .expect("writer runs keep their states");
                    let shift = shift_of(p, &before_c, &st);
                    st = after_c;
                    unshift(p, &mut st, shift);
                    cost += cycles;
                    let what = format!("{} cycles, step by step", count_text(cycles));
                    stretch(cost, what, from, words(p, &st), &mut lines);
                }
            }
        }
    }
    if !path.is_empty() {
        let end = match st.readers[0].outcome {
            Some(Outcome::FalsePositive) => {
                "=> FALSE POSITIVE: R0 accepts changed data".to_string()
            }
            Some(o) => format!("=> R0 ends with {o}"),
            None => "=> R0 still in flight".into(),
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
