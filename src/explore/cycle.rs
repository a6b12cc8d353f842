//! One writer cycle as the explorer steps it: its memory events in program
//! order, and for each event the earlier ones the memory model makes it
//! wait for.
//!
//! For a writer the shape analysis understands, a cycle's events are a
//! template per symbolic path (values as `x_w + c`), instantiated from the
//! words at the cycle's start in O(1). Any other writer is interpreted
//! concretely from those words, and its templates are cached.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::memory::{Fences, Model, StoreOrder, WriterEvent};
use crate::protocol::program::{
    CExpr, Env, Instr, LocalId, MAX_LOCALS, MAX_WORDS, Node, Program, WordId, truncate,
};
use crate::protocol::shape::{Shape, Sym, TEvent, TKind};

/// What an event does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvKind {
    /// A store to a word.
    Store(WordId),
    /// `modify()`: a store to the protected data.
    Modify,
    /// `synchronize_rcu()`.
    Gp,
}

/// One memory event of a cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// What it does.
    pub kind: EvKind,
    /// A store's value (truncated), relative to the cycle's start words.
    pub value: Sym,
    /// A store's ordering (`modify()` and a grace period: `Once`).
    pub order: StoreOrder,
    /// The writer instruction.
    pub node: Node,
}

impl Event {
    /// The event as a memory model sees it.
    fn model_event(kind: EvKind, order: StoreOrder) -> WriterEvent {
        match kind {
            EvKind::Store(_) | EvKind::Modify => WriterEvent::Store(order),
            EvKind::Gp => WriterEvent::GracePeriod,
        }
    }
}

/// A cycle's events and the orders the model imposes on them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Events in program order (at most 32).
    pub ev: Vec<Event>,
    /// `prereq[j]`: earlier events that must be visible before event j.
    pub prereq: Vec<u32>,
    /// `co_before[j]`: earlier events to the same location (overwritten
    /// unseen once j is visible, where the model allows that).
    pub co_before: Vec<u32>,
    /// Every event.
    pub all: u32,
}

/// Most memory events one cycle may have.
pub const MAX_EVENTS: usize = 32;

impl Template {
    fn new(events: &[TEvent], model: Model) -> Result<Template> {
        let mut ev: Vec<Event> = Vec::new();
        // fences_after[i]: fences between event i and the current point.
        let mut fences_after: Vec<Fences> = Vec::new();
        let mut prereq = Vec::new();
        let mut co_before = Vec::new();
        for e in events {
            let (kind, value, order) = match &e.kind {
                TKind::Fence(k) => {
                    for f in fences_after.iter_mut() {
                        *f = f.with(*k);
                    }
                    continue;
                }
                TKind::Store {
                    word, value, order, ..
                } => (EvKind::Store(*word), *value, *order),
                TKind::Modify => (EvKind::Modify, Sym::Const(0), StoreOrder::Once),
                TKind::SyncRcu => (EvKind::Gp, Sym::Const(0), StoreOrder::Once),
            };
            if ev.len() >= MAX_EVENTS {
                return Err(Error::usage(format!(
                    "the writer has more than {MAX_EVENTS} stores in one cycle"
                )));
            }
            let me = Event::model_event(kind, order);
            let mut pre = 0u32;
            let mut co = 0u32;
            for (i, earlier) in ev.iter().enumerate() {
                let them = Event::model_event(earlier.kind, earlier.order);
                let same_loc = match (earlier.kind, kind) {
                    (EvKind::Store(a), EvKind::Store(b)) => a == b,
                    (EvKind::Modify, EvKind::Modify) => true,
                    _ => false,
                };
                if same_loc {
                    co |= 1 << i;
                    if !model.overwrites_unseen() {
                        pre |= 1 << i;
                    }
                } else if model.writer_orders(them, fences_after[i], me) {
                    pre |= 1 << i;
                }
            }
            ev.push(Event {
                kind,
                value,
                order,
                node: e.node,
            });
            fences_after.push(Fences::default());
            prereq.push(pre);
            co_before.push(co);
        }
        let all = if ev.len() == 32 {
            u32::MAX
        } else {
            (1u32 << ev.len()) - 1
        };
        Ok(Template {
            ev,
            prereq,
            co_before,
            all,
        })
    }

    /// Event `j`'s stored value for a cycle starting from `start`.
    #[inline]
    pub fn value(&self, j: usize, start: &[u64; MAX_WORDS], bits: &[u32; MAX_WORDS]) -> u64 {
        match self.ev[j].kind {
            EvKind::Store(w) => truncate(self.ev[j].value.at(start), bits[w as usize]),
            _ => 0,
        }
    }

    /// Events that may become visible now, given the visible set `done`.
    #[inline]
    pub fn enabled(&self, done: u32) -> u32 {
        let mut m = 0;
        for j in 0..self.ev.len() {
            if done & (1 << j) == 0 && self.prereq[j] & !done == 0 {
                m |= 1 << j;
            }
        }
        m
    }
}

/// A template, borrowed from the shape's set or cached after interpreting.
pub enum TRef<'a> {
    /// One of the path templates.
    Path(&'a Template),
    /// An interpreted cycle.
    Owned(Arc<Template>),
}

impl Deref for TRef<'_> {
    type Target = Template;
    fn deref(&self) -> &Template {
        match self {
            TRef::Path(t) => t,
            TRef::Owned(t) => t,
        }
    }
}

/// The source of cycle templates for one program under one model.
pub struct WriterCycles {
    templates: Option<Vec<Template>>,
    interpreted: Mutex<HashMap<[u64; MAX_WORDS], Arc<Template>>>,
    program: Program,
    model: Model,
    /// The words' widths.
    pub bits: [u32; MAX_WORDS],
}

/// `path` value for cycles that are interpreted rather than templated.
pub const NO_PATH: u16 = u16::MAX;

/// Interpreted cycles kept at most (small widths only reach here).
const CACHE_LIMIT: usize = 1 << 20;

impl WriterCycles {
    /// Templates for `program` under `model`.
    pub fn new(program: &Program, shape: &Shape, model: Model) -> Result<WriterCycles> {
        let templates = match &shape.paths {
            Ok(paths) => Some(
                paths
                    .iter()
                    .map(|p| Template::new(&p.events, model))
                    .collect::<Result<Vec<_>>>()?,
            ),
            Err(_) => None,
        };
        let mut bits = [0u32; MAX_WORDS];
        for (i, w) in program.words.iter().enumerate() {
            bits[i] = w.bits;
        }
        Ok(WriterCycles {
            templates,
            interpreted: Mutex::new(HashMap::new()),
            program: program.clone(),
            model,
            bits,
        })
    }

    /// Are cycles templated (the writer's shape is understood)?
    pub fn templated(&self) -> bool {
        self.templates.is_some()
    }

    /// The template of a cycle on path `path` starting from `start`.
    pub fn get(&self, path: u16, start: &[u64; MAX_WORDS]) -> Result<TRef<'_>> {
        if let (Some(ts), true) = (&self.templates, path != NO_PATH) {
            return Ok(TRef::Path(&ts[path as usize]));
        }
        let mut cache = self
            .interpreted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(t) = cache.get(start) {
            return Ok(TRef::Owned(t.clone()));
        }
        let events = run_writer(&self.program, start)?;
        let t = Arc::new(Template::new(&events, self.model)?);
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(*start, t.clone());
        Ok(TRef::Owned(t))
    }
}

struct WriterEnv<'a> {
    words: &'a [u64; MAX_WORDS],
    locals: &'a [i128; MAX_LOCALS],
}

impl Env for WriterEnv<'_> {
    fn word(&self, w: WordId) -> u64 {
        self.words[w as usize]
    }
    fn local(&self, l: LocalId) -> i128 {
        self.locals[l as usize]
    }
    fn window_cycles(&self) -> u64 {
        0
    }
}

/// Run the writer's body once from `start`, concretely: its events with
/// constant values.
pub fn run_writer(p: &Program, start: &[u64; MAX_WORDS]) -> Result<Vec<TEvent>> {
    let mut words = *start;
    let mut locals = [0i128; MAX_LOCALS];
    let mut out = Vec::new();
    let mut pc: Node = 0;
    let err = |e: crate::protocol::program::EvalError| Error::usage(format!("writer: {}", e.msg));
    let eval = |e: &CExpr, words: &[u64; MAX_WORDS], locals: &[i128; MAX_LOCALS]| {
        e.eval(&WriterEnv { words, locals })
    };
    for _ in 0..p.writer.code.len() + 1 {
        let node = pc;
        match &p.writer.code[pc as usize] {
            Instr::Store {
                word,
                value,
                order,
                rmw,
                next,
            } => {
                let v = eval(value, &words, &locals).map_err(err)?;
                let t = truncate(v, p.words[*word as usize].bits);
                words[*word as usize] = t;
                out.push(TEvent {
                    kind: TKind::Store {
                        word: *word,
                        value: Sym::Const(i128::from(t)),
                        order: *order,
                        rmw: *rmw,
                    },
                    node,
                });
                pc = *next;
            }
            Instr::Modify { next } => {
                out.push(TEvent {
                    kind: TKind::Modify,
                    node,
                });
                pc = *next;
            }
            Instr::Fence { kind, next } => {
                out.push(TEvent {
                    kind: TKind::Fence(*kind),
                    node,
                });
                pc = *next;
            }
            Instr::SyncRcu { next } => {
                out.push(TEvent {
                    kind: TKind::SyncRcu,
                    node,
                });
                pc = *next;
            }
            Instr::Assign { dst, value, next } => {
                locals[*dst as usize] = eval(value, &words, &locals).map_err(err)?;
                pc = *next;
            }
            Instr::Branch { cond, then, els } => {
                pc = if eval(cond, &words, &locals).map_err(err)? != 0 {
                    *then
                } else {
                    *els
                };
            }
            Instr::End => return Ok(out),
            other => {
                return Err(Error::Run(format!(
                    "internal: writer instruction {other:?}"
                )));
            }
        }
    }
    Err(Error::Run("internal: the writer did not end".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::catalog::protocol;

    #[test]
    fn templates_carry_the_models_orders() {
        let s = protocol("rfc-v1", &[("W", "4")]).unwrap();
        let sh = s.shape();
        let p = s.program();
        let start = [0u64; MAX_WORDS];
        let sc = WriterCycles::new(p, sh, Model::Sc).unwrap();
        let lk = WriterCycles::new(p, sh, Model::Lkmm).unwrap();
        let path = sh.path_of(&start[..1]).unwrap() as u16;
        let t = sc.get(path, &start).unwrap();
        assert_eq!(t.ev.len(), 3);
        assert_eq!(t.prereq, vec![0, 1, 3], "SC: program order");
        let t = lk.get(path, &start).unwrap();
        // store-release(seq); modify(); store-release(seq): the modify may
        // become visible before the first release store; the second waits
        // for both (po-rel), and overwrites the first.
        assert_eq!(t.prereq, vec![0, 0, 2]);
        assert_eq!(t.co_before[2], 1);
        assert_eq!(t.value(0, &start, &sc.bits), 1);
        assert_eq!(t.value(2, &start, &sc.bits), 2);
    }

    #[test]
    fn interpretation_agrees_with_the_templates() {
        for name in ["plain", "split", "epoch", "guard", "saturate"] {
            let s = protocol(name, &[]).unwrap();
            let s = match name {
                "split" => s.with_params(&[("H".into(), "3".into()), ("L".into(), "3".into())]),
                "epoch" => s.with_params(&[("W".into(), "3".into()), ("E".into(), "2".into())]),
                _ => s.with_params(&[("W".into(), "4".into())]),
            }
            .unwrap();
            let cy = WriterCycles::new(s.program(), s.shape(), Model::Lkmm).unwrap();
            let n = s.program().words.len();
            let total: u32 = s.program().words.iter().map(|w| w.bits).sum();
            for c in 0..(1u64 << total) {
                let mut start = [0u64; MAX_WORDS];
                let mut rest = c;
                for (i, w) in s.program().words.iter().enumerate() {
                    start[i] = rest & w.mask();
                    rest >>= w.bits;
                }
                let path = s.shape().path_of(&start[..n]).unwrap() as u16;
                let t = cy.get(path, &start).unwrap();
                let i =
                    Template::new(&run_writer(s.program(), &start).unwrap(), Model::Lkmm).unwrap();
                assert_eq!(t.prereq, i.prereq, "{name} {start:?}");
                for j in 0..t.ev.len() {
                    assert_eq!(
                        t.value(j, &start, &cy.bits),
                        i.value(j, &start, &cy.bits),
                        "{name} {start:?} event {j}"
                    );
                }
            }
        }
    }
}
