//! The answer per reader site (DESIGN §8, `../shared/DESIGN.md` §5): for
//! each site, preemption model and privilege, which holds can keep its
//! reader in the window, whether anything bounds them, how long the wrap
//! takes at the writer's rate, what the memory models say of the
//! ordering, and the verdict.
//!
//! The rate and the explorer's counts are resolved by the caller and
//! passed in: this module runs no engine (it reads typed results).

use num_bigint::BigUint;
use num_traits::ToPrimitive;
use serde::Serialize;

use super::hold::{Hold, Holds, PreemptModel, Privilege};
use super::{Context, Site, WrapGives};
use crate::memory::Model;

/// Which kinds of reader a site's window is, under a preemption model:
/// what a hold must be able to hold to keep it open. A window with a
/// sleeping part is held by what holds a sleeper; its other parts by what
/// holds their strongest restriction.
pub fn reader_kinds(site: &Site, model: PreemptModel) -> Vec<Holds> {
    let has = |c: Context| site.context.contains(&c);
    let mut out = Vec::new();
    if has(Context::MaySleep) {
        out.push(Holds::Sleeping);
    }
    let running = if has(Context::IrqsDisabled) && !has(Context::Preemptible) {
        Some(Holds::IrqsDisabled)
    } else if has(Context::PreemptDisabled) {
        Some(Holds::PreemptDisabled)
    } else if has(Context::Rcu) || has(Context::Preemptible) {
        // rcu_read_lock() is preemptible only under PREEMPT_RCU; a task
        // outside RCU is preempted in the kernel only where the model
        // preempts kernel code (full, lazy, rt).
        Some(if model.preemptible_rcu() {
            Holds::PreemptibleRcu
        } else {
            Holds::PreemptDisabled
        })
    } else if has(Context::RcuTasksTrace) {
        Some(Holds::PreemptibleRcu)
    } else {
        None
    };
    if let Some(k) = running
        && !out.contains(&k)
    {
        out.push(k);
    }
    out
}

/// The holds that apply to `site` under `model` for an attacker with
/// privilege `privilege`.
pub fn applicable<'h>(
    site: &Site,
    model: PreemptModel,
    privilege: Privilege,
    holds: &'h [Hold],
) -> Vec<&'h Hold> {
    let kinds = reader_kinds(site, model);
    let mut v: Vec<&Hold> = holds
        .iter()
        .filter(|h| {
            h.models.contains(&model)
                && h.privilege <= privilege
                && h.holds.iter().any(|k| kinds.contains(k))
        })
        .collect();
    // The least privilege first: that is who can do it.
    v.sort_by(|a, b| a.privilege.cmp(&b.privilege).then(a.name.cmp(&b.name)));
    v
}

/// What one site comes to under one model and privilege.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Verdict {
    /// A wrap only sends the reader down the slow path.
    SafeSlowPath,
    /// No known hold keeps the reader in its window.
    SafeNoHold,
    /// Every hold is bounded, and below the wrap time.
    Safe {
        /// The longest bound, in seconds.
        hold_s: f64,
        /// What imposes it.
        hold: String,
    },
    /// A bounded hold reaches the wrap.
    FallsAfter {
        /// The wrap time, in seconds.
        wrap_s: f64,
        /// The hold that reaches it.
        hold: String,
    },
    /// A hold nothing bounds.
    FallsUnbounded {
        /// The least privileged such hold.
        hold: String,
        /// Its longest demonstration, if any (never a bound).
        longest_shown: String,
        /// Every unbounded hold that applies, with the privilege it needs,
        /// least first.
        all: Vec<(String, Privilege)>,
    },
}

/// One row of the answer.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The site.
    pub site: String,
    /// The preemption model.
    pub preempt: PreemptModel,
    /// The attacker's privilege.
    pub privilege: Privilege,
    /// The holds that apply.
    pub holds: Vec<String>,
    /// Writer cycles to the wrap (the explorer's min under sc).
    pub wrap_cycles: Option<String>,
    /// The wrap time at the rate, in seconds.
    pub wrap_s: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The answer for one site, every model and privilege.
#[derive(Clone, Debug, Serialize)]
pub struct SiteAnswer {
    /// The site.
    pub site: String,
    /// Its kernel function.
    pub function: String,
    /// The explorer's `min_cycles` per memory model (`None`: no false
    /// positive at all), exact as decimal strings.
    pub ordering: Vec<(Model, Option<String>)>,
    /// Rows: every model × privilege.
    pub rows: Vec<Row>,
    /// What a false positive does there.
    pub consequence: String,
}

/// The verdict of one site under one model and privilege, given the
/// cycles to a false positive under SC (`None`: none at all) and the rate.
pub fn judge(
    site: &Site,
    model: PreemptModel,
    privilege: Privilege,
    holds: &[Hold],
    min_cycles: Option<&BigUint>,
    rate: f64,
) -> Row {
    let apply = applicable(site, model, privilege, holds);
    let wrap_s = min_cycles.and_then(|c| c.to_f64()).map(|c| c / rate);
    let verdict = if site.wrap_gives == WrapGives::SlowPath {
        Verdict::SafeSlowPath
    } else if apply.is_empty() {
        Verdict::SafeNoHold
    } else if let Some(h) = apply.iter().find(|h| h.bound.is_none()) {
        Verdict::FallsUnbounded {
            hold: h.name.clone(),
            longest_shown: h.longest_shown.clone(),
            all: apply
                .iter()
                .filter(|h| h.bound.is_none())
                .map(|h| (h.name.clone(), h.privilege))
                .collect(),
        }
    } else {
        let longest = apply
            .iter()
            .filter_map(|h| h.bound.as_ref().map(|b| (b.seconds, h)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .expect("every applicable hold is bounded here");
        match wrap_s {
            Some(w) if longest.0 >= w => Verdict::FallsAfter {
                wrap_s: w,
                hold: longest.1.name.clone(),
            },
            _ => Verdict::Safe {
                hold_s: longest.0,
                hold: longest.1.name.clone(),
            },
        }
    };
    Row {
        site: site.name.clone(),
        preempt: model,
        privilege,
        holds: apply.iter().map(|h| h.name.clone()).collect(),
        wrap_cycles: min_cycles.map(|c| c.to_string()),
        wrap_s,
        verdict,
    }
}

/// Explore the site's protocol under every memory model (auto mode: exact
/// at its width) and judge it under every preemption model and privilege.
pub fn answer(
    site: &Site,
    holds: &[Hold],
    rate: f64,
    models: &[PreemptModel],
    privileges: &[Privilege],
) -> crate::error::Result<SiteAnswer> {
    let scheme = site.scheme()?;
    let mut ordering = Vec::new();
    let mut sc_min = None;
    for m in Model::ALL {
        let mut cfg = crate::explore::ExploreConfig::new(scheme.clone());
        cfg.model = m;
        let r = crate::explore::explore(&cfg)?;
        if !matches!(
            r.verdict,
            crate::explore::Verdict::FalsePositive | crate::explore::Verdict::NoneAtAll
        ) {
            return Err(crate::error::Error::Run(format!(
                "{}: explore under {m} did not complete: {}",
                site.name, r.verdict
            )));
        }
        if m == Model::Sc {
            sc_min = r.min_cycles.clone();
        }
        ordering.push((m, r.min_cycles.map(|c| c.to_string())));
    }
    // The wrap is the fewest cycles any model allows: an ordering bug
    // under a weaker model makes it shorter.
    let fewest = ordering
        .iter()
        .filter_map(|(_, c)| c.as_ref().and_then(|c| c.parse::<BigUint>().ok()))
        .min()
        .or(sc_min);
    let mut rows = Vec::new();
    for &model in models {
        for &p in privileges {
            rows.push(judge(site, model, p, holds, fewest.as_ref(), rate));
        }
    }
    Ok(SiteAnswer {
        site: site.name.clone(),
        function: site.function.clone(),
        ordering,
        rows,
        consequence: site.false_positive.clone(),
    })
}
