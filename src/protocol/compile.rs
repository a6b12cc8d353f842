//! From a [`Description`] and parameter values to a [`Program`]: params
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

use std::collections::BTreeMap;

use super::desc::{Description, Located, ParamDefault};
use super::parse::{self, Expr, ExprKind, FenceKind, Rhs, Stmt, StmtKind};
use super::program::{
    Body, CExpr, CKind, Instr, LoadOrder, LocalId, MAX_LOCALS, MAX_NODES, MAX_WORDS, Node, Program,
    RmwOrder, StoreOrder, Word, WordId, binary, unary,
};
use super::source::{BodyMap, SourceFile};
use crate::error::{Error, Result};

/// A parameter's resolved value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ParamValue {
    /// The parameter's name.
    pub name: String,
    /// Its value (a choice's index for choice parameters).
    pub value: i128,
    /// As shown: the number, or the choice's name.
    pub text: String,
}

/// Most bits all words may have together (the explorer keeps a counter of
/// all of them in a u128).
pub const MAX_TOTAL_BITS: u32 = 128;

/// Evaluate a constant expression over `consts`.
pub(crate) fn const_eval(
    e: &Expr,
    consts: &BTreeMap<String, i128>,
    file: &SourceFile,
    map: &BodyMap,
) -> Result<i128> {
    let err = |at: usize, msg: String| file.error(map.file(at), msg);
    match &e.kind {
        ExprKind::Int(v) => i128::try_from(*v).map_err(|_| err(e.at, "integer too large".into())),
        ExprKind::Name(n) => consts.get(n).copied().ok_or_else(|| {
            err(
                e.at,
                format!(
                    "unknown name '{n}'; allowed here: {}",
                    if consts.is_empty() {
                        "integers".to_string()
                    } else {
                        consts.keys().cloned().collect::<Vec<_>>().join(", ")
                    }
                ),
            )
        }),
        ExprKind::Addr(n) => Err(err(
            e.at,
            format!("'&{n}' is an address; allowed here: integers and parameters"),
        )),
        ExprKind::WindowCycles => Err(err(
            e.at,
            "window_cycles() only in the reader's body".into(),
        )),
        ExprKind::Unary(op, a) => {
            unary(*op, const_eval(a, consts, file, map)?, e.at).map_err(|x| err(x.at, x.msg))
        }
        ExprKind::Binary(op, a, b) => binary(
            *op,
            const_eval(a, consts, file, map)?,
            const_eval(b, consts, file, map)?,
            e.at,
        )
        .map_err(|x| err(x.at, x.msg)),
        ExprKind::Cond(c, a, b) => {
            if const_eval(c, consts, file, map)? != 0 {
                const_eval(a, consts, file, map)
            } else {
                const_eval(b, consts, file, map)
            }
        }
    }
}

fn eval_located(l: &Located, consts: &BTreeMap<String, i128>, file: &SourceFile) -> Result<i128> {
    let e = parse::parse_expr(&l.text).map_err(|(at, m)| file.error(l.map.file(at), m))?;
    const_eval(&e, consts, file, &l.map)
}

/// Parse a parameter value as the user typed it (`--param NAME=TEXT`): a
/// choice's name, a preset's name, a width preset (`i32`, `u64`) or an
/// expression over the other parameters.
fn parse_override(
    d: &Description,
    idx: usize,
    text: &str,
    consts: &BTreeMap<String, i128>,
    origin: &str,
) -> Result<(i128, String)> {
    let p = &d.params[idx];
    let t = text.trim();
    if !p.choices.is_empty() {
        return match p.choices.iter().position(|c| c == t) {
            Some(i) => Ok((i as i128, t.to_string())),
            None => Err(Error::usage(format!(
                "{origin}: '{t}' is not a choice of {} in {}; allowed: {}",
                p.name,
                d.name,
                p.choices.join(", ")
            ))),
        };
    }
    if let Some((_, l)) = p.presets.iter().find(|(n, _)| n == t) {
        let v = eval_located(l, consts, &d.file)?;
        return Ok((v, v.to_string()));
    }
    let preset = match t {
        "i8" | "u8" => Some(8),
        "i16" | "u16" => Some(16),
        "i32" | "u32" => Some(32),
        "i64" | "u64" => Some(64),
        _ => None,
    };
    if let Some(v) = preset {
        return Ok((v, v.to_string()));
    }
    // A count as seqwrap writes counts everywhere else (`1e6`, `2^31`): on
    // a command line `2^31` means a power, not C's exclusive or.
    if let Ok(v) = crate::timing::units::parse_count_u128(t)
        && let Ok(v) = i128::try_from(v)
    {
        return Ok((v, v.to_string()));
    }
    let e = parse::parse_expr(t).map_err(|(_, m)| {
        Error::usage(format!(
            "{origin}: '{t}' is not a value for {}: {m}; allowed: an integer or an expression \
             over {}{}",
            p.name,
            consts.keys().cloned().collect::<Vec<_>>().join(", "),
            presets_hint(&p.presets)
        ))
    })?;
    let empty = SourceFile {
        name: origin.to_string(),
        text: t.to_string(),
    };
    let v = const_eval(&e, consts, &empty, &BodyMap::default()).map_err(|err| {
        Error::usage(format!(
            "{origin}: '{t}' is not a value for {}: {}",
            p.name,
            err.to_string()
                .trim_start_matches(&format!("{origin}:1:1: "))
        ))
    })?;
    Ok((v, v.to_string()))
}

fn presets_hint(presets: &[(String, Located)]) -> String {
    if presets.is_empty() {
        String::new()
    } else {
        format!(
            ", or {}",
            presets
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// A parameter value as the user gave it, with the words that name where
/// (`--param W=1`, `--bits 1`, `spec.toml:8: params.W`): every error about
/// it starts with `label`.
#[derive(Clone, Debug)]
pub struct Override {
    /// The parameter.
    pub name: String,
    /// Its value as typed.
    pub text: String,
    /// Where it came from, as the user wrote it.
    pub label: String,
}

impl Override {
    /// An override labelled `{origin} NAME=TEXT`.
    pub fn new(origin: &str, name: &str, text: &str) -> Override {
        Override {
            name: name.to_string(),
            text: text.to_string(),
            label: format!("{origin} {name}={text}"),
        }
    }
}

/// Resolve the parameters of `d` with `overrides` applied (the last one
/// for a name wins): defaults in declaration order, ranges and choices
/// checked, then the constraints.
pub fn resolve_params(d: &Description, overrides: &[Override]) -> Result<Vec<ParamValue>> {
    for o in overrides {
        let name = &o.name;
        if !d.params.iter().any(|p| &p.name == name) {
            let known: Vec<&str> = d.params.iter().map(|p| p.name.as_str()).collect();
            return Err(Error::usage(format!(
                "{}: {} has no parameter '{name}'; it takes: {}",
                o.label,
                d.name,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    let mut consts: BTreeMap<String, i128> = BTreeMap::new();
    for p in &d.params {
        for (i, c) in p.choices.iter().enumerate() {
            let k = Description::choice_constant(c);
            if consts
                .insert(k.clone(), i as i128)
                .is_some_and(|old| old != i as i128)
            {
                return Err(d.file.error(
                    p.at,
                    format!("choice constant {k} stands for two different values"),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (idx, p) in d.params.iter().enumerate() {
        if consts.contains_key(&p.name) {
            return Err(d.file.error(
                p.at,
                format!("param {} clashes with a choice constant", p.name),
            ));
        }
        let given = overrides.iter().rev().find(|o| o.name == p.name);
        let (value, text) = match given {
            Some(o) => parse_override(d, idx, &o.text, &consts, &o.label)?,
            None => match &p.default {
                ParamDefault::Int(v) => (*v, v.to_string()),
                ParamDefault::Text(l) => {
                    if let Some(i) = p.choices.iter().position(|c| c == &l.text) {
                        (i as i128, l.text.clone())
                    } else if let Some((_, pl)) = p.presets.iter().find(|(n, _)| n == &l.text) {
                        let v = eval_located(pl, &consts, &d.file)?;
                        (v, v.to_string())
                    } else if !p.choices.is_empty() {
                        return Err(d.file.error(
                            l.at,
                            format!(
                                "default '{}' is not a choice; allowed: {}",
                                l.text,
                                p.choices.join(", ")
                            ),
                        ));
                    } else {
                        let v = eval_located(l, &consts, &d.file)?;
                        (v, v.to_string())
                    }
                }
            },
        };
        let bad_range = p.min.is_some_and(|m| value < m) || p.max.is_some_and(|m| value > m);
        if bad_range {
            let range = format!(
                "{}..={}",
                p.min.map_or("".into(), |m| m.to_string()),
                p.max.map_or("".into(), |m| m.to_string())
            );
            let msg = format!(
                "{} = {value} is out of range; allowed: {range}{}",
                p.name,
                presets_hint(&p.presets)
            );
            return Err(match given {
                Some(o) => Error::usage(format!("{}: {msg}", o.label)),
                None => d.file.error(p.at, msg),
            });
        }
        consts.insert(p.name.clone(), value);
        out.push(ParamValue {
            name: p.name.clone(),
            value,
            text,
        });
    }
    for c in &d.constraints {
        if eval_located(c, &consts, &d.file)? == 0 {
            let vals: Vec<String> = out
                .iter()
                .map(|p| format!("{}={}", p.name, p.text))
                .collect();
            let msg = format!(
                "{} does not satisfy '{}' ({})",
                d.name,
                c.text.trim(),
                vals.join(" ")
            );
            return Err(if overrides.is_empty() {
                d.file.error(c.at, msg)
            } else {
                let labels: Vec<&str> = overrides.iter().map(|o| o.label.as_str()).collect();
                Error::usage(format!("{}: {msg}", labels.join(", ")))
            });
        }
    }
    Ok(out)
}

/// The constants bodies and expressions see: params and choice constants.
pub(crate) fn constants(d: &Description, params: &[ParamValue]) -> BTreeMap<String, i128> {
    let mut c = BTreeMap::new();
    for p in &d.params {
        for (i, ch) in p.choices.iter().enumerate() {
            c.insert(Description::choice_constant(ch), i as i128);
        }
    }
    for p in params {
        c.insert(p.name.clone(), p.value);
    }
    c
}

/// Evaluate a `[expect]`-style expression of `d` under `params`.
pub(crate) fn eval_with_params(
    d: &Description,
    params: &[ParamValue],
    l: &Located,
) -> Result<i128> {
    eval_located(l, &constants(d, params), &d.file)
}

/// Compile `d` with resolved `params` into a program.
pub fn compile(d: &Description, params: &[ParamValue]) -> Result<Program> {
    let consts = constants(d, params);
    let mut words = Vec::new();
    for w in &d.words {
        if consts.contains_key(&w.name) {
            return Err(d.file.error(
                w.width.at,
                format!("word '{}' has the name of a param or constant", w.name),
            ));
        }
        let bits = eval_located(&w.width, &consts, &d.file)?;
        if !(1..=64).contains(&bits) {
            return Err(d.file.error(
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
        return Err(d.file.error(
            d.words[MAX_WORDS].width.at,
            format!("{} words; allowed: at most {MAX_WORDS}", words.len()),
        ));
    }
    let total: u32 = words.iter().map(|w| w.bits).sum();
    if total > MAX_TOTAL_BITS {
        return Err(d.file.error(
            d.words[0].width.at,
            format!("the words hold {total} bits together; allowed: at most {MAX_TOTAL_BITS}"),
        ));
    }
    let (writer, _) = compile_body(d, &d.writer, &consts, &words, Role::Writer)?;
    let (reader, rcu) = compile_body(d, &d.reader, &consts, &words, Role::Reader)?;
    // synchronize_rcu() waits only for RCU read-side critical sections: a
    // writer that counts on it needs a reader that is in one.
    if rcu.lock_at.is_none()
        && let Some(n) = writer
            .code
            .iter()
            .position(|i| matches!(i, Instr::SyncRcu { .. }))
    {
        return Err(d.file.error(
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

const HOLE: Node = Node::MAX;

#[derive(Clone, Copy, Debug)]
enum Slot {
    Next(Node),
    Then(Node),
    Els(Node),
    Entry,
    Capture(usize),
}

struct Compiler<'a> {
    d: &'a Description,
    map: &'a BodyMap,
    consts: &'a BTreeMap<String, i128>,
    words: &'a [Word],
    role: Role,
    code: Vec<Instr>,
    at: Vec<usize>,
    locals: Vec<String>,
    entry: Option<Node>,
    captures: Vec<Option<Node>>,
    rcu: Rcu,
}

/// Where a reader's RCU read-side section begins and ends, in source
/// order. The model takes the whole speculation as one section
/// (DESIGN §1.5), so it must begin before the first load and end after the
/// last.
#[derive(Clone, Copy, Debug, Default)]
struct Rcu {
    lock_at: Option<usize>,
    unlock_at: Option<usize>,
    loaded: bool,
}

fn compile_body(
    d: &Description,
    body: &Located,
    consts: &BTreeMap<String, i128>,
    words: &[Word],
    role: Role,
) -> Result<(Body, Rcu)> {
    let stmts =
        parse::parse_body(&body.text).map_err(|(at, m)| d.file.error(body.map.file(at), m))?;
    let mut c = Compiler {
        d,
        map: &body.map,
        consts,
        words,
        role,
        code: Vec::new(),
        at: Vec::new(),
        locals: Vec::new(),
        entry: None,
        captures: Vec::new(),
        rcu: Rcu::default(),
    };
    let out = c.stmts(&stmts, vec![Slot::Entry])?;
    let end_at = body.map.file(body.text.trim_end().len());
    let end = c.emit(out, Instr::End, body.text.trim_end().len())?;
    let _ = end;
    let entry = c.entry.expect("the end node at least receives the entry");
    let rcu = c.rcu;
    let mut b = prune(c.code, c.at, entry, c.locals, end_at);
    check(d, &mut b, role)?;
    Ok((b, rcu))
}

impl Compiler<'_> {
    fn err(&self, body_at: usize, msg: impl std::fmt::Display) -> Error {
        self.d.file.error(self.map.file(body_at), msg)
    }

    fn emit(&mut self, pending: Vec<Slot>, instr: Instr, at: usize) -> Result<Node> {
        let n = self.code.len();
        if n >= MAX_NODES {
            return Err(self.err(
                at,
                format!("the body is too long; allowed: {MAX_NODES} steps"),
            ));
        }
        self.code.push(instr);
        self.at.push(self.map.file(at));
        for s in pending {
            self.patch(s, n as Node);
        }
        Ok(n as Node)
    }

    fn patch(&mut self, s: Slot, to: Node) {
        match s {
            Slot::Entry => self.entry = Some(to),
            Slot::Capture(k) => {
                if self.captures[k].is_none() {
                    self.captures[k] = Some(to);
                }
            }
            Slot::Next(n) => match &mut self.code[n as usize] {
                Instr::Load { next, .. }
                | Instr::DataLoad { next, .. }
                | Instr::Store { next, .. }
                | Instr::Modify { next }
                | Instr::Fence { next, .. }
                | Instr::SyncRcu { next }
                | Instr::Assign { next, .. } => *next = to,
                _ => unreachable!("only instructions with a next slot are patched so"),
            },
            Slot::Then(n) | Slot::Els(n) => {
                if let Instr::Branch { then, els, .. } = &mut self.code[n as usize] {
                    if matches!(s, Slot::Then(_)) {
                        *then = to;
                    } else {
                        *els = to;
                    }
                }
            }
        }
    }

    fn stmts(&mut self, list: &[Stmt], mut pending: Vec<Slot>) -> Result<Vec<Slot>> {
        for (i, s) in list.iter().enumerate() {
            self.atomic_fence_placed(list, i)?;
            pending = self.stmt(s, pending)?;
        }
        Ok(pending)
    }

    /// `smp_mb__before_atomic()` must have a read-modify-write as the next
    /// access, `smp_mb__after_atomic()` as the one before: then it is
    /// exactly an `smp_mb()` where it stands. (The LKMM orders only
    /// through the RMW, `linux-kernel.cat`'s `mb`; an access between the
    /// two is not ordered, and `Documentation/atomic_t.txt` gives these
    /// barriers no other use.)
    fn atomic_fence_placed(&self, list: &[Stmt], i: usize) -> Result<()> {
        let StmtKind::Fence(k @ (FenceKind::BeforeAtomic | FenceKind::AfterAtomic)) = list[i].kind
        else {
            return Ok(());
        };
        let before = k == FenceKind::BeforeAtomic;
        let neighbour = if before {
            list[i + 1..].iter().find_map(|s| first_access(s, true))
        } else {
            list[..i].iter().rev().find_map(|s| first_access(s, false))
        };
        let ok = matches!(
            neighbour,
            Some(Stmt {
                kind: StmtKind::Store { rmw: Some(_), .. },
                ..
            })
        );
        if ok {
            return Ok(());
        }
        Err(self.err(
            list[i].at,
            format!(
                "{}() must {} a read-modify-write (atomic_inc(), ...) with no other access \
                 between them: it orders only through that atomic",
                k.macro_name(),
                if before {
                    "come right before"
                } else {
                    "come right after"
                }
            ),
        ))
    }

    fn simple(&mut self, pending: Vec<Slot>, i: Instr, at: usize) -> Result<Vec<Slot>> {
        let n = self.emit(pending, i, at)?;
        Ok(vec![Slot::Next(n)])
    }

    fn local(&mut self, name: &str, at: usize) -> Result<LocalId> {
        if let Some(i) = self.locals.iter().position(|l| l == name) {
            return Ok(i as LocalId);
        }
        if self.words.iter().any(|w| w.name == name) {
            return Err(self.err(
                at,
                format!(
                    "'{name}' is a word; a word is stored with WRITE_ONCE/smp_store_release \
                     and a local needs another name"
                ),
            ));
        }
        if self.consts.contains_key(name) {
            return Err(self.err(
                at,
                format!("'{name}' is a parameter or constant; a local needs another name"),
            ));
        }
        if self.locals.len() >= MAX_LOCALS {
            return Err(self.err(at, format!("too many locals; allowed: {MAX_LOCALS}")));
        }
        self.locals.push(name.to_string());
        Ok((self.locals.len() - 1) as LocalId)
    }

    /// The word a name or member path names: the word itself, or its
    /// value member as the kernel's types spell it (`s->sequence` of a
    /// `seqcount_t`, `l.seqcount.sequence` of a `seqcount_latch_t`,
    /// `v.counter` of an `atomic_t`).
    fn word_index(&self, name: &str) -> Option<usize> {
        let exact = |n: &str| self.words.iter().position(|w| w.name == n);
        exact(name).or_else(|| {
            [".seqcount.sequence", ".sequence", ".counter"]
                .iter()
                .find_map(|suffix| name.strip_suffix(suffix).and_then(exact))
        })
    }

    fn word(&self, name: &str, at: usize) -> Result<WordId> {
        if let Some(i) = self.word_index(name) {
            return Ok(i as WordId);
        }
        let words: Vec<&str> = self.words.iter().map(|w| w.name.as_str()).collect();
        let what = if self.locals.iter().any(|l| l == name) {
            format!("'{name}' is a local")
        } else if self.consts.contains_key(name) {
            format!("'{name}' is a parameter")
        } else {
            format!("'{name}' is not a declared word")
        };
        Err(self.err(
            at,
            format!("{what}; loads and stores go to words: {}", words.join(", ")),
        ))
    }

    fn stmt(&mut self, s: &Stmt, pending: Vec<Slot>) -> Result<Vec<Slot>> {
        let at = s.at;
        match &s.kind {
            StmtKind::Block(v) => self.stmts(v, pending),
            StmtKind::Empty => Ok(pending),
            StmtKind::Decl { name } => {
                self.local(name, at)?;
                Ok(pending)
            }
            StmtKind::Assign {
                name,
                rhs:
                    Rhs::Load {
                        word,
                        word_at,
                        acquire,
                        atomic,
                    },
                ..
            } => {
                if self.role == Role::Writer {
                    return Err(self.err(
                        at,
                        "the writer does not load: it holds the lock, and a word in its \
                         expressions is its own latest value (WRITE_ONCE(seq, seq + 1))",
                    ));
                }
                let w = self.word(word, *word_at)?;
                let dst = self.local(name, at)?;
                if self.rcu.unlock_at.is_some() {
                    return Err(self.err(
                        at,
                        "a load after rcu_read_unlock(): the model takes the whole speculation \
                         as one RCU read-side section; unlock after the last load",
                    ));
                }
                self.rcu.loaded = true;
                self.simple(
                    pending,
                    Instr::Load {
                        dst,
                        word: w,
                        order: if *acquire {
                            LoadOrder::Acquire
                        } else {
                            LoadOrder::Once
                        },
                        atomic: *atomic,
                        next: HOLE,
                    },
                    at,
                )
            }
            StmtKind::Assign {
                name,
                rhs: Rhs::Expr(e),
                ..
            } => {
                let value = self.expr(e)?;
                let dst = self.local(name, at)?;
                self.simple(
                    pending,
                    Instr::Assign {
                        dst,
                        value,
                        next: HOLE,
                    },
                    at,
                )
            }
            StmtKind::Store {
                word,
                word_at,
                value,
                release,
                rmw,
            } => {
                if self.role == Role::Reader {
                    return Err(self.err(
                        at,
                        match rmw {
                            Some(r) => format!(
                                "the reader only loads; {}() is a read-modify-write and \
                                 belongs to the writer",
                                r.name()
                            ),
                            None => "the reader only loads; stores belong to the writer".into(),
                        },
                    ));
                }
                let w = self.word(word, *word_at)?;
                let value = self.expr(value)?;
                let full = rmw.is_some_and(|r| r.order == RmwOrder::Full);
                let rmw_fence = |c: &mut Self, p| {
                    let fence = Instr::Fence {
                        kind: FenceKind::RmwFull,
                        next: HOLE,
                    };
                    if full { c.simple(p, fence, at) } else { Ok(p) }
                };
                let mut pending = rmw_fence(self, pending)?;
                pending = self.simple(
                    pending,
                    Instr::Store {
                        word: w,
                        value,
                        order: if *release {
                            StoreOrder::Release
                        } else {
                            StoreOrder::Once
                        },
                        rmw: *rmw,
                        next: HOLE,
                    },
                    at,
                )?;
                rmw_fence(self, pending)
            }
            StmtKind::Rcu(lock) => {
                if self.role == Role::Writer {
                    return Err(self.err(
                        at,
                        "RCU read-side sections belong to the reader; the writer holds the lock",
                    ));
                }
                if *lock {
                    if self.rcu.loaded {
                        return Err(self.err(
                            at,
                            "rcu_read_lock() after the reader's first load: the model takes \
                             the whole speculation as one RCU read-side section; lock before \
                             the first load",
                        ));
                    }
                    self.rcu.lock_at.get_or_insert(at);
                } else {
                    if self.rcu.lock_at.is_none() {
                        return Err(self.err(at, "rcu_read_unlock() without rcu_read_lock()"));
                    }
                    self.rcu.unlock_at.get_or_insert(at);
                }
                Ok(pending)
            }
            StmtKind::Fence(kind) => self.simple(
                pending,
                Instr::Fence {
                    kind: *kind,
                    next: HOLE,
                },
                at,
            ),
            StmtKind::Modify => {
                if self.role == Role::Reader {
                    return Err(self.err(
                        at,
                        "modify() belongs to the writer; the reader calls read()",
                    ));
                }
                self.simple(pending, Instr::Modify { next: HOLE }, at)
            }
            StmtKind::Read => {
                if self.role == Role::Writer {
                    return Err(self.err(
                        at,
                        "read() belongs to the reader; the writer calls modify()",
                    ));
                }
                let p = self.simple(
                    pending,
                    Instr::DataLoad {
                        second: false,
                        next: HOLE,
                    },
                    at,
                )?;
                self.simple(
                    p,
                    Instr::DataLoad {
                        second: true,
                        next: HOLE,
                    },
                    at,
                )
            }
            StmtKind::SyncRcu => {
                if self.role == Role::Reader {
                    return Err(self.err(
                        at,
                        "synchronize_rcu() belongs to the writer; the whole reader is one RCU \
                         read-side section",
                    ));
                }
                self.simple(pending, Instr::SyncRcu { next: HOLE }, at)
            }
            StmtKind::Return(r) => {
                if self.role == Role::Writer {
                    return Err(self.err(
                        at,
                        "the writer does not return: its body is one critical section",
                    ));
                }
                self.emit(pending, Instr::Return(*r), at)?;
                Ok(Vec::new())
            }
            StmtKind::If { cond, then, els } => {
                let c = self.expr(cond)?;
                if let Some(v) = c.as_const() {
                    // A constant condition (a parameter test) compiles only
                    // the arm it takes; the other is still checked.
                    let (taken, dead) = if v != 0 {
                        (Some(then.as_ref()), els.as_deref())
                    } else {
                        (els.as_deref(), Some(then.as_ref()))
                    };
                    if let Some(dead) = dead {
                        self.stmt(dead, Vec::new())?;
                    }
                    return match taken {
                        Some(t) => self.stmt(t, pending),
                        None => Ok(pending),
                    };
                }
                let b = self.emit(
                    pending,
                    Instr::Branch {
                        cond: c,
                        then: HOLE,
                        els: HOLE,
                    },
                    at,
                )?;
                let mut out = self.stmt(then, vec![Slot::Then(b)])?;
                match els {
                    Some(e) => out.extend(self.stmt(e, vec![Slot::Els(b)])?),
                    None => out.push(Slot::Els(b)),
                }
                Ok(out)
            }
            StmtKind::While { cond, body } => {
                let c = self.expr(cond)?;
                if c.as_const() == Some(0) {
                    self.stmt(body, Vec::new())?;
                    return Ok(pending);
                }
                let h = self.emit(
                    pending,
                    Instr::Branch {
                        cond: c,
                        then: HOLE,
                        els: HOLE,
                    },
                    at,
                )?;
                let out = self.stmt(body, vec![Slot::Then(h)])?;
                for s in out {
                    self.patch(s, h);
                }
                Ok(vec![Slot::Els(h)])
            }
            StmtKind::DoWhile { body, cond } => {
                let k = self.captures.len();
                self.captures.push(None);
                let mut p = pending;
                p.push(Slot::Capture(k));
                let out = self.stmt(body, p)?;
                let c = self.expr(cond)?;
                let Some(head) = self.captures[k] else {
                    return Err(self.err(at, "the loop body does nothing; a loop must load"));
                };
                if c.as_const() == Some(0) {
                    return Ok(out);
                }
                let b = self.emit(
                    out,
                    Instr::Branch {
                        cond: c,
                        then: head,
                        els: HOLE,
                    },
                    at,
                )?;
                Ok(vec![Slot::Els(b)])
            }
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<CExpr> {
        let at = self.map.file(e.at);
        let kind = match &e.kind {
            ExprKind::Int(v) => {
                CKind::Const(i128::try_from(*v).map_err(|_| self.err(e.at, "integer too large"))?)
            }
            ExprKind::Name(n) => {
                if let Some(i) = self.locals.iter().position(|l| l == n) {
                    CKind::Local(i as LocalId)
                } else if let Some(w) = self.word_index(n) {
                    if self.role == Role::Reader {
                        return Err(self.err(
                            e.at,
                            format!(
                                "the reader reads a word only with a load statement: \
                                 x = READ_ONCE({n});"
                            ),
                        ));
                    }
                    CKind::Word(w as WordId)
                } else if let Some(v) = self.consts.get(n) {
                    CKind::Const(*v)
                } else {
                    let mut names: Vec<String> =
                        self.words.iter().map(|w| w.name.clone()).collect();
                    names.extend(self.consts.keys().cloned());
                    names.extend(self.locals.iter().cloned());
                    return Err(self.err(
                        e.at,
                        format!("unknown name '{n}'; known: {}", names.join(", ")),
                    ));
                }
            }
            ExprKind::Addr(n) => {
                return Err(self.err(
                    e.at,
                    format!(
                        "'&{n}' is an address; '&' takes an address only in \
                         smp_load_acquire/smp_store_release and the kernel API's pointer \
                         arguments"
                    ),
                ));
            }
            ExprKind::WindowCycles => {
                if self.role == Role::Writer {
                    return Err(self.err(e.at, "window_cycles() only in the reader"));
                }
                CKind::WindowCycles
            }
            ExprKind::Unary(op, a) => {
                let a = self.expr(a)?;
                if let Some(x) = a.as_const() {
                    CKind::Const(unary(*op, x, at).map_err(|x| self.d.file.error(x.at, x.msg))?)
                } else {
                    CKind::Un(*op, Box::new(a))
                }
            }
            ExprKind::Binary(op, a, b) => {
                let a = self.expr(a)?;
                let b = self.expr(b)?;
                match (a.as_const(), b.as_const()) {
                    (Some(x), Some(y)) => CKind::Const(
                        binary(*op, x, y, at).map_err(|x| self.d.file.error(x.at, x.msg))?,
                    ),
                    _ => CKind::Bin(*op, Box::new(a), Box::new(b)),
                }
            }
            ExprKind::Cond(c, a, b) => {
                let c = self.expr(c)?;
                let a = self.expr(a)?;
                let b = self.expr(b)?;
                match c.as_const() {
                    Some(v) => return Ok(if v != 0 { a } else { b }),
                    None => CKind::Cond(Box::new(c), Box::new(a), Box::new(b)),
                }
            }
        };
        Ok(CExpr { kind, at })
    }
}

/// Keep the nodes reachable from `entry`, in order, renumbered.
fn prune(
    code: Vec<Instr>,
    at: Vec<usize>,
    entry: Node,
    locals: Vec<String>,
    end_at: usize,
) -> Body {
    let n = code.len();
    let mut seen = vec![false; n];
    let mut stack = vec![entry];
    while let Some(x) = stack.pop() {
        if x == HOLE || seen[x as usize] {
            continue;
        }
        seen[x as usize] = true;
        stack.extend(code[x as usize].successors());
    }
    let mut new_id = vec![HOLE; n];
    let mut k = 0;
    for (i, s) in seen.iter().enumerate() {
        if *s {
            new_id[i] = k;
            k += 1;
        }
    }
    let map = |x: Node| new_id[x as usize];
    let mut out_code = Vec::new();
    let mut out_at = Vec::new();
    for (i, instr) in code.into_iter().enumerate() {
        if !seen[i] {
            continue;
        }
        let ins = match instr {
            Instr::Load {
                dst,
                word,
                order,
                atomic,
                next,
            } => Instr::Load {
                dst,
                word,
                order,
                atomic,
                next: map(next),
            },
            Instr::DataLoad { second, next } => Instr::DataLoad {
                second,
                next: map(next),
            },
            Instr::Store {
                word,
                value,
                order,
                rmw,
                next,
            } => Instr::Store {
                word,
                value,
                order,
                rmw,
                next: map(next),
            },
            Instr::Modify { next } => Instr::Modify { next: map(next) },
            Instr::Fence { kind, next } => Instr::Fence {
                kind,
                next: map(next),
            },
            Instr::SyncRcu { next } => Instr::SyncRcu { next: map(next) },
            Instr::Assign { dst, value, next } => Instr::Assign {
                dst,
                value,
                next: map(next),
            },
            Instr::Branch { cond, then, els } => Instr::Branch {
                cond,
                then: map(then),
                els: map(els),
            },
            other => other,
        };
        out_code.push(ins);
        out_at.push(at[i]);
    }
    debug_assert_eq!(map(entry), 0, "the entry is the first reachable node");
    Body {
        code: out_code,
        at: out_at,
        locals,
        end_at,
    }
}

/// The first (`forward`) or last access a statement makes, looking into
/// blocks; a branch or a loop counts as an access of its own (it is not
/// known which comes first). Locals, declarations and fences make none.
fn first_access(s: &Stmt, forward: bool) -> Option<&Stmt> {
    match &s.kind {
        StmtKind::Block(v) => {
            if forward {
                v.iter().find_map(|s| first_access(s, true))
            } else {
                v.iter().rev().find_map(|s| first_access(s, false))
            }
        }
        StmtKind::Empty
        | StmtKind::Decl { .. }
        | StmtKind::Fence(_)
        | StmtKind::Rcu(_)
        | StmtKind::Assign {
            rhs: Rhs::Expr(_), ..
        } => None,
        _ => Some(s),
    }
}

/// The semantic rules of DESIGN §1 on a pruned body.
fn check(d: &Description, b: &mut Body, role: Role) -> Result<()> {
    let err = |node: usize, msg: &str| d.file.error(b.at[node], msg);
    let n = b.code.len();
    let back_edges: Vec<(usize, usize)> = (0..n)
        .flat_map(|u| {
            b.code[u]
                .successors()
                .filter(move |&v| Body::is_back_edge(u as Node, v))
                .map(move |v| (u, v as usize))
        })
        .collect();
    match role {
        Role::Writer => {
            if let Some(&(u, _)) = back_edges.first() {
                return Err(err(
                    u,
                    "loops are not allowed in the writer: its body is one critical section, \
                     run once per cycle",
                ));
            }
            // modify() exactly once on every path.
            let mut seen = vec![[false; 3]; n];
            let mut stack = vec![(0usize, 0usize)];
            while let Some((x, c)) = stack.pop() {
                let c = if matches!(b.code[x], Instr::Modify { .. }) {
                    if c == 1 {
                        return Err(err(
                            x,
                            "a path of the writer calls modify() twice; allowed: exactly once per cycle",
                        ));
                    }
                    c + 1
                } else {
                    c
                };
                if seen[x][c] {
                    continue;
                }
                seen[x][c] = true;
                if matches!(b.code[x], Instr::End) && c == 0 {
                    return Err(d.file.error(
                        b.end_at,
                        "a path of the writer never calls modify(); allowed: exactly once per cycle",
                    ));
                }
                for s in b.code[x].successors() {
                    stack.push((s as usize, c));
                }
            }
        }
        Role::Reader => {
            if let Some(i) = b.code.iter().position(|c| matches!(c, Instr::End)) {
                let _ = i;
                return Err(d.file.error(
                    b.end_at,
                    "the reader can reach its end without a return; every path must end in \
                     return ACCEPT, RETRY or ABORT",
                ));
            }
            for &(u, v) in &back_edges {
                // Every iteration must pass a load.
                let mut seen = vec![false; n];
                let mut stack = vec![v];
                while let Some(x) = stack.pop() {
                    if seen[x] {
                        continue;
                    }
                    seen[x] = true;
                    if matches!(b.code[x], Instr::Load { .. } | Instr::DataLoad { .. }) {
                        continue;
                    }
                    if x == u {
                        return Err(err(u, "a loop of the reader must load on every iteration"));
                    }
                    for s in b.code[x].successors() {
                        if !Body::is_back_edge(x as Node, s) || (x == u && s as usize == v) {
                            stack.push(s as usize);
                        }
                    }
                }
                if let Some(k) = (v..=u).find(|&k| matches!(b.code[k], Instr::DataLoad { .. })) {
                    return Err(err(k, "read() inside a loop; allowed: once, outside loops"));
                }
            }
            // read() at most once on any path (loops have none, so the
            // forward graph is a DAG).
            let mut seen = vec![[false; 2]; n];
            let mut stack = vec![(0usize, 0usize)];
            while let Some((x, c)) = stack.pop() {
                let c = if matches!(b.code[x], Instr::DataLoad { second: false, .. }) {
                    if c == 1 {
                        return Err(err(
                            x,
                            "two read() on one path of the reader; allowed: exactly one data phase",
                        ));
                    }
                    1
                } else {
                    c
                };
                if c == 0
                    && matches!(
                        b.code[x],
                        Instr::Return(crate::protocol::ReturnKind::Accept)
                    )
                {
                    return Err(err(
                        x,
                        "return ACCEPT on a path without read(): nothing was read to accept; \
                         allowed: ACCEPT after the data phase, read()",
                    ));
                }
                if seen[x][c] {
                    continue;
                }
                seen[x][c] = true;
                for s in b.code[x].successors() {
                    if !Body::is_back_edge(x as Node, s) {
                        stack.push((s as usize, c));
                    }
                }
            }
        }
    }
    // Locals set before they are used: forward "definitely assigned".
    let nl = b.locals.len();
    let full: u32 = if nl >= 32 { u32::MAX } else { (1u32 << nl) - 1 };
    let mut into = vec![full; n];
    into[0] = 0;
    let mut changed = true;
    let mut reach = vec![false; n];
    reach[0] = true;
    while changed {
        changed = false;
        for x in 0..n {
            if !reach[x] {
                continue;
            }
            let mut out = into[x];
            if let Instr::Load { dst, .. } | Instr::Assign { dst, .. } = b.code[x] {
                out |= 1 << dst;
            }
            for s in b.code[x].successors() {
                let s = s as usize;
                let v = if reach[s] { into[s] & out } else { out };
                if !reach[s] || v != into[s] {
                    reach[s] = true;
                    into[s] = v;
                    changed = true;
                }
            }
        }
    }
    for (x, &defined) in into.iter().enumerate().take(n) {
        let mut used = 0u32;
        let mut note = |e: &CExpr| {
            e.visit(&mut |k| {
                if let CKind::Local(l) = k {
                    used |= 1 << l;
                }
            })
        };
        match &b.code[x] {
            Instr::Store { value, .. } | Instr::Assign { value, .. } => note(value),
            Instr::Branch { cond, .. } => note(cond),
            _ => {}
        }
        let missing = used & !defined;
        if missing != 0 {
            let l = missing.trailing_zeros() as usize;
            return Err(err(
                x,
                &format!("'{}' may be used before it is set", b.locals[l]),
            ));
        }
    }
    Ok(())
}
