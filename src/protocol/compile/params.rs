//! Parameters resolved: defaults, the user's overrides (a choice, a
//! preset, a width preset, a count or an expression), ranges, choice
//! constants and constraints checked; and the constant expressions they
//! and a protocol's widths and `[expect]` use. Separate from the
//! bodies' compilation, which only reads the resolved values.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::protocol::file::{Located, ParamDefault, ProtocolFile};
use crate::protocol::parse::{self, Expr, ExprKind};
use crate::protocol::program::{binary, unary};
use crate::protocol::source::{BodyMap, SourceFile};

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

pub(super) fn eval_located(
    l: &Located,
    consts: &BTreeMap<String, i128>,
    file: &SourceFile,
) -> Result<i128> {
    let e = parse::parse_expr(&l.text).map_err(|(at, m)| file.error(l.map.file(at), m))?;
    const_eval(&e, consts, file, &l.map)
}

/// Parse a parameter value as the user typed it (`--param NAME=TEXT`): a
/// choice's name, a preset's name, a width preset (`i32`, `u64`) or an
/// expression over the other parameters.
fn parse_override(
    d: &ProtocolFile,
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
        let v = eval_located(l, consts, &d.raw)?;
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
    if let Ok(v) = crate::text::units::parse_count_u128(t)
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
pub fn resolve_params(d: &ProtocolFile, overrides: &[Override]) -> Result<Vec<ParamValue>> {
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
            let k = ProtocolFile::choice_constant(c);
            if consts
                .insert(k.clone(), i as i128)
                .is_some_and(|old| old != i as i128)
            {
                return Err(d.raw.error(
                    p.at,
                    format!("choice constant {k} stands for two different values"),
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (idx, p) in d.params.iter().enumerate() {
        if consts.contains_key(&p.name) {
            return Err(d.raw.error(
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
                        let v = eval_located(pl, &consts, &d.raw)?;
                        (v, v.to_string())
                    } else if !p.choices.is_empty() {
                        return Err(d.raw.error(
                            l.at,
                            format!(
                                "default '{}' is not a choice; allowed: {}",
                                l.text,
                                p.choices.join(", ")
                            ),
                        ));
                    } else {
                        let v = eval_located(l, &consts, &d.raw)?;
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
                None => d.raw.error(p.at, msg),
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
        if eval_located(c, &consts, &d.raw)? == 0 {
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
                d.raw.error(c.at, msg)
            } else {
                let labels: Vec<&str> = overrides.iter().map(|o| o.label.as_str()).collect();
                Error::usage(format!("{}: {msg}", labels.join(", ")))
            });
        }
    }
    Ok(out)
}

/// The constants bodies and expressions see: params and choice constants.
pub(crate) fn constants(d: &ProtocolFile, params: &[ParamValue]) -> BTreeMap<String, i128> {
    let mut c = BTreeMap::new();
    for p in &d.params {
        for (i, ch) in p.choices.iter().enumerate() {
            c.insert(ProtocolFile::choice_constant(ch), i as i128);
        }
    }
    for p in params {
        c.insert(p.name.clone(), p.value);
    }
    c
}

/// Evaluate a `[expect]`-style expression of `d` under `params`.
pub(crate) fn eval_with_params(
    d: &ProtocolFile,
    params: &[ParamValue],
    l: &Located,
) -> Result<i128> {
    eval_located(l, &constants(d, params), &d.raw)
}
