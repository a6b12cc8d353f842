//! The candidates of `seqwrap pick`: every instance of every catalog
//! protocol at a total width, each asked of the explorer under every
//! memory model. This is where pick meets the catalog and the explorer;
//! which candidates are kept and in what order is the ranking's job
//! (`rank.rs`), so an option is found the same way whatever the threat.

use std::sync::Arc;

use num_bigint::BigUint;
use num_traits::ToPrimitive;
use rayon::prelude::*;

use super::{ModelAnswer, PickOption};
use crate::error::{Error, Result};
use crate::explore::{ExploreConfig, Verdict, explore};
use crate::memory::Model;
use crate::protocol::catalog::short_label;
use crate::protocol::file::ProtocolFile;
use crate::protocol::{Protocol, catalog, cost};

/// The parameters that size a word by themselves (`seq = "W"`), in word
/// order: the parameters a total width is split among.
pub(super) fn sizing_params(d: &ProtocolFile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in &d.words {
        let p = w.width.text.trim();
        if d.params.iter().any(|q| q.name == p) && !out.iter().any(|s| s == p) {
            out.push(p.to_string());
        }
    }
    out
}

/// Every instance of protocol `d` whose words total `total` bits: the
/// total split evenly among its sizing parameters, every choice of every
/// choice parameter, both values of every on/off parameter (a range of two
/// values: a barrier present or not), the default of every other one.
/// Instances the protocol refuses (a range, a constraint) are left out.
pub fn instances_at(d: &Arc<ProtocolFile>, total: u32) -> Vec<Protocol> {
    instances_with_choices(d, total)
        .into_iter()
        .map(|(s, _)| s)
        .collect()
}

/// [`instances_at`] with, for each instance, the values it was given for
/// the parameters that were enumerated (its choices, not its widths).
fn instances_with_choices(d: &Arc<ProtocolFile>, total: u32) -> Vec<(Protocol, String)> {
    let sizing = sizing_params(d);
    if sizing.is_empty() || !total.is_multiple_of(sizing.len() as u32) {
        return Vec::new();
    }
    let each = (total / sizing.len() as u32).to_string();
    let mut sets: Vec<Vec<(String, String)>> =
        vec![sizing.iter().map(|p| (p.clone(), each.clone())).collect()];
    for p in &d.params {
        if sizing.contains(&p.name) || !p.pick {
            continue;
        }
        let values: Vec<String> = if !p.choices.is_empty() {
            p.choices.clone()
        } else {
            match (p.min, p.max) {
                (Some(lo), Some(hi)) if hi - lo == 1 => vec![lo.to_string(), hi.to_string()],
                _ => continue,
            }
        };
        sets = sets
            .into_iter()
            .flat_map(|s| {
                values.iter().map(move |v| {
                    let mut t = s.clone();
                    t.push((p.name.clone(), v.clone()));
                    t
                })
            })
            .collect();
    }
    let n = sizing.len();
    sets.into_iter()
        .filter_map(|set| {
            let s = Protocol::new(d.clone(), &set, "pick").ok()?;
            let choices: Vec<String> = set[n..].iter().map(|(k, v)| format!("{k}={v}")).collect();
            (s.total_bits() == total).then(|| (s, choices.join(" ")))
        })
        .collect()
}

/// The explorer's fewest cycles under `model`: `Ok(Some(n))`, `Ok(None)`
/// for no false positive at all, `Err` when the search did not settle.
fn min_under(s: &Protocol, model: Model) -> Result<Option<BigUint>> {
    let mut cfg = ExploreConfig::new(s.clone());
    cfg.model = model;
    let r = explore(&cfg)?;
    match r.verdict {
        Verdict::FalsePositive => Ok(r.min_cycles),
        Verdict::NoneAtAll => Ok(None),
        other => Err(Error::Run(format!("{s} under {model}: {other}"))),
    }
}

/// Does a count meet `needed` cycles (none at all always does)?
pub(super) fn meets(min: &Option<BigUint>, needed: f64) -> bool {
    min.as_ref()
        .is_none_or(|m| m.to_f64().unwrap_or(f64::INFINITY) >= needed)
}

fn words_of(s: &Protocol) -> String {
    let mut counts: Vec<(u32, usize)> = Vec::new();
    for w in &s.program().words {
        match counts.iter_mut().find(|(b, _)| *b == w.bits) {
            Some(c) => c.1 += 1,
            None => counts.push((w.bits, 1)),
        }
    }
    counts
        .iter()
        .map(|(b, n)| format!("{n}x{b}"))
        .collect::<Vec<_>>()
        .join("+")
}

pub(super) fn option_of(
    s: &Protocol,
    choices: &str,
    per_model: Vec<(Model, Option<BigUint>)>,
) -> PickOption {
    let c = cost::costs(s);
    let min = per_model
        .iter()
        .filter_map(|(_, m)| m.clone())
        .min()
        .map(|m| m.to_string());
    PickOption {
        label: short_label(s.name(), &s.params_string()),
        protocol: s.name().to_string(),
        params: s.params_string(),
        bits: s.total_bits(),
        words: words_of(s),
        widest_word: s.program().words.iter().map(|w| w.bits).max().unwrap_or(0),
        min_cycles: min,
        per_model: per_model
            .into_iter()
            .map(|(m, v)| ModelAnswer {
                model: m.to_string(),
                min_cycles: v.map(|v| v.to_string()),
            })
            .collect(),
        reader_ops: c.reader_loads + c.reader_fences,
        // RMWs count as the stores they are: pick has no architecture
        // yet, and on 32-bit x86 atomic64's locked cmpxchg8b is what keeps a
        // 64-bit count whole (the costs' per_arch says so).
        writer_ops: c.writer_stores + c.writer_fences,
        writer_rare: c.writer_rare.clone(),
        grace_period: s.shape().has_gp,
        note: c.note.clone(),
        choices: choices.to_string(),
        param_pairs: param_pairs(s),
    }
}

/// The parameters of `s` as `(NAME, VALUE)`, in declaration order: what
/// [`Protocol::params_string`] writes out.
pub(super) fn param_pairs(s: &Protocol) -> Vec<(String, String)> {
    s.params()
        .iter()
        .map(|p| (p.name.clone(), p.text.clone()))
        .collect()
}

/// Does `s` survive `needed` cycles under every model? The weakest first
/// ([`Model::weakest_first`]): it allows the most, so a failure there ends
/// the question.
pub(super) fn survives(s: &Protocol, needed: f64) -> Result<bool> {
    for m in Model::weakest_first() {
        if !meets(&min_under(s, m)?, needed) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The narrowest instance of `s` that `ok` accepts with every parameter
/// that sizes a word set to one width above today's widest (the others as
/// given); `None` when no width up to 64 is accepted or nothing sizes a
/// word. Widths the protocol refuses are skipped.
pub(super) fn widen(
    s: &Protocol,
    ok: &dyn Fn(&Protocol) -> Result<bool>,
) -> Result<Option<Protocol>> {
    let sizing = sizing_params(s.file());
    let Some(now) = sizing.iter().filter_map(|p| s.param(p)).max() else {
        return Ok(None);
    };
    for each in (now + 1).max(2)..=64 {
        let over: Vec<(String, String)> = sizing
            .iter()
            .map(|p| (p.clone(), each.to_string()))
            .collect();
        let Ok(w) = s.with_params(&over) else {
            continue;
        };
        if ok(&w)? {
            return Ok(Some(w));
        }
    }
    Ok(None)
}

/// The fewest cycles of `s` under every model (explorer).
pub(super) fn per_model(s: &Protocol) -> Result<Vec<(Model, Option<BigUint>)>> {
    Model::ALL
        .iter()
        .map(|&m| Ok((m, min_under(s, m)?)))
        .collect()
}

/// Every instance of every catalog protocol at each of `totals` bits
/// that survives `needed` writer cycles inside one reader window under
/// every memory model (explorer, exact), in catalog order. The weakest
/// model ([`Model::weakest`], lkmm) is asked first: an instance that fails
/// there fails the target, and the others are not asked.
///
/// Errors: a search that does not settle (an explorer bound) is an error
/// naming the instance, not a silent omission.
pub(super) fn candidates(needed: f64, totals: &[u32]) -> Result<Vec<PickOption>> {
    let mut all: Vec<(Protocol, String)> = Vec::new();
    for d in catalog::catalog() {
        for &t in totals {
            all.extend(instances_with_choices(d, t));
        }
    }
    let answers: Vec<Option<PickOption>> = all
        .par_iter()
        .map(|(s, choices)| -> Result<Option<PickOption>> {
            let weakest_model = Model::weakest();
            let weakest = min_under(s, weakest_model)?;
            if !meets(&weakest, needed) {
                return Ok(None);
            }
            let mut per = Vec::new();
            for m in Model::ALL {
                let v = if m == weakest_model {
                    weakest.clone()
                } else {
                    min_under(s, m)?
                };
                if !meets(&v, needed) {
                    return Ok(None);
                }
                per.push((m, v));
            }
            Ok(Some(option_of(s, choices, per)))
        })
        .collect::<Result<_>>()?;
    Ok(answers.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The enumeration is driven by the protocols: every catalog entry
    /// with a sizing parameter has instances at 64 bits, the two-word
    /// split has every read, order and barrier combination, and nothing
    /// is instantiated at a width its protocol refuses.
    #[test]
    fn instances_come_from_the_protocol_files() {
        let mut names = Vec::new();
        for d in catalog::catalog() {
            let v = instances_at(d, 64);
            assert!(v.iter().all(|s| s.total_bits() == 64));
            if !v.is_empty() {
                names.push(d.name.clone());
            }
            // split: 3 reads x 2 orders x WMB x RMB.
            if sizing_params(d).len() == 2 && d.params.len() == 6 {
                assert_eq!(v.len(), 24, "{}", d.name);
            }
        }
        assert_eq!(names.len(), catalog::catalog().len());
        // A protocol fixed at 64 bits has no 32-bit instance.
        let fixed: Vec<&Arc<ProtocolFile>> = catalog::catalog()
            .iter()
            .filter(|d| {
                d.params
                    .iter()
                    .any(|p| p.min == Some(64) && p.max == Some(64))
            })
            .collect();
        assert!(!fixed.is_empty());
        for d in fixed {
            assert!(instances_at(d, 32).is_empty());
        }
    }
}
