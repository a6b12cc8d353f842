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
    if has(Context::UserAccess) {
        out.push(Holds::UserFault);
    }
    if has(Context::MaySleep) || has(Context::UserAccess) {
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

/// The attacker's write-lock rate by how many writer threads run: a hold
/// that occupies a CPU leaves one CPU fewer (`Hold::takes_cpu`).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum SiteRates {
    /// One rate whatever the threads (a rate the user gave).
    Given {
        /// Cycles per second.
        rate: f64,
    },
    /// Measured on a machine with `cpus` CPUs, per writer-thread count.
    Measured {
        /// The machine's CPUs.
        cpus: usize,
        /// (threads, cycles per second), at least for `cpus - 1` (when
        /// above 0) and `cpus`.
        by_threads: Vec<(usize, f64)>,
    },
}

/// The writer-thread counts a measured [`SiteRates`] needs on `cpus` CPUs:
/// one fewer (a hold that takes a CPU) and all of them.
pub fn thread_counts(cpus: usize) -> Vec<usize> {
    let mut v = vec![cpus.saturating_sub(1).max(1), cpus];
    v.dedup();
    v
}

impl SiteRates {
    /// The writer threads a hold leaves (`None`: a given rate, threads
    /// not modelled).
    pub fn threads_left(&self, takes_cpu: bool) -> Option<usize> {
        match self {
            SiteRates::Given { .. } => None,
            SiteRates::Measured { cpus, .. } => Some(if takes_cpu {
                cpus.saturating_sub(1).max(1)
            } else {
                *cpus
            }),
        }
    }

    /// The rate with that many writer threads (the nearest measured count
    /// not above it).
    pub fn at(&self, threads: Option<usize>) -> f64 {
        match (self, threads) {
            (SiteRates::Given { rate }, _) => *rate,
            (SiteRates::Measured { by_threads, .. }, t) => {
                let t = t.unwrap_or(usize::MAX);
                by_threads
                    .iter()
                    .filter(|(n, _)| *n <= t)
                    .max_by_key(|(n, _)| *n)
                    .or_else(|| by_threads.iter().min_by_key(|(n, _)| *n))
                    .map(|(_, r)| *r)
                    .expect("a measured rate table is not empty")
            }
        }
    }

    /// The rate with every CPU writing.
    pub fn all_cpus(&self) -> f64 {
        match self {
            SiteRates::Given { rate } => *rate,
            SiteRates::Measured { cpus, .. } => self.at(Some(*cpus)),
        }
    }
}

/// What one site comes to under one model and privilege.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum SiteVerdict {
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
        /// The wrap time, in seconds, at the rate that hold leaves.
        wrap_s: f64,
        /// The hold that reaches it.
        hold: String,
    },
    /// Every hold is bounded, but the writer's rate is not measured, so
    /// whether the longest reaches the wrap is not known.
    RateNotMeasured {
        /// The longest bound, in seconds.
        hold_s: f64,
        /// What imposes it.
        hold: String,
    },
    /// A hold nothing bounds.
    FallsUnbounded {
        /// The least privileged such hold (of those, the one that leaves
        /// the writers most CPUs).
        hold: String,
        /// Its longest demonstration, if any (never a bound).
        longest_shown: String,
        /// Every unbounded hold that applies, with the privilege it needs,
        /// least first.
        all: Vec<(String, Privilege)>,
    },
}

/// One row of the answer.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct AuditRow {
    /// The site.
    pub site: String,
    /// The preemption model.
    pub preempt: PreemptModel,
    /// The attacker's privilege.
    pub privilege: Privilege,
    /// The holds that apply.
    pub holds: Vec<String>,
    /// Writer cycles to the wrap (the fewest any memory model allows).
    pub wrap_cycles: Option<String>,
    /// Writer threads the verdict's hold leaves (`None`: a given rate, or
    /// no hold).
    pub writer_threads: Option<usize>,
    /// The rate with those threads (`None`: the site's writer rate is not
    /// measured).
    pub rate: Option<f64>,
    /// The wrap time at that rate, in seconds.
    pub wrap_s: Option<f64>,
    /// The wrap time with every CPU writing, beside it.
    pub wrap_s_all_cpus: Option<f64>,
    /// The verdict.
    pub verdict: SiteVerdict,
}

/// The answer for one site, every model and privilege.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct SiteAnswer {
    /// The site.
    pub site: String,
    /// Its kernel function.
    pub function: String,
    /// The explorer's `min_cycles` per memory model (`None`: no false
    /// positive at all), exact as decimal strings.
    pub ordering: Vec<(Model, Option<String>)>,
    /// Rows: every model × privilege.
    pub rows: Vec<AuditRow>,
    /// What a false positive does there.
    pub consequence: String,
}

/// The verdict of one site under one model and privilege, given the
/// fewest writer cycles to a false positive (`None`: none at all) and the
/// rates of its writer (`None`: not measured). Each hold is judged at the
/// rate of the CPUs it leaves.
pub fn judge(
    site: &Site,
    model: PreemptModel,
    privilege: Privilege,
    holds: &[Hold],
    min_cycles: Option<&BigUint>,
    rates: Option<&SiteRates>,
) -> AuditRow {
    let apply = applicable(site, model, privilege, holds);
    let cycles = min_cycles.and_then(|c| c.to_f64());
    let wrap_at = |threads: Option<usize>| Some(cycles? / rates?.at(threads));
    let left = |h: &Hold| rates.and_then(|r| r.threads_left(h.takes_cpu));
    // The hold the verdict rests on, and the threads it leaves.
    let (verdict, threads) = if site.wrap_gives == WrapGives::SlowPath {
        (SiteVerdict::SafeSlowPath, None)
    } else if apply.is_empty() {
        (SiteVerdict::SafeNoHold, None)
    } else if let Some(h) = apply.iter().filter(|h| h.bound.is_none()).min_by(|a, b| {
        a.privilege
            .cmp(&b.privilege)
            .then(a.takes_cpu.cmp(&b.takes_cpu))
    }) {
        (
            SiteVerdict::FallsUnbounded {
                hold: h.name.clone(),
                longest_shown: h.longest_shown.clone(),
                all: apply
                    .iter()
                    .filter(|h| h.bound.is_none())
                    .map(|h| (h.name.clone(), h.privilege))
                    .collect(),
            },
            left(h),
        )
    } else {
        // A bounded hold falls when it lasts at least the wrap at the
        // rate it leaves; the earliest such wrap is the verdict.
        let falls = apply
            .iter()
            .filter_map(|h| {
                let b = h.bound.as_ref()?;
                let w = wrap_at(left(h))?;
                (b.seconds >= w).then_some((w, h))
            })
            .min_by(|a, b| a.0.total_cmp(&b.0));
        match falls {
            Some((w, h)) => (
                SiteVerdict::FallsAfter {
                    wrap_s: w,
                    hold: h.name.clone(),
                },
                left(h),
            ),
            None => {
                let (s, h) = apply
                    .iter()
                    .filter_map(|h| h.bound.as_ref().map(|b| (b.seconds, h)))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .expect("every applicable hold is bounded here");
                let hold = h.name.clone();
                let v = if rates.is_none() && cycles.is_some() {
                    SiteVerdict::RateNotMeasured { hold_s: s, hold }
                } else {
                    SiteVerdict::Safe { hold_s: s, hold }
                };
                (v, left(h))
            }
        }
    };
    AuditRow {
        site: site.name.clone(),
        preempt: model,
        privilege,
        holds: apply.iter().map(|h| h.name.clone()).collect(),
        wrap_cycles: min_cycles.map(|c| c.to_string()),
        writer_threads: threads,
        rate: rates.map(|r| r.at(threads)),
        wrap_s: wrap_at(threads),
        wrap_s_all_cpus: cycles.zip(rates).map(|(c, r)| c / r.all_cpus()),
        verdict,
    }
}

/// The explorer's `min_cycles` for `protocol` under every memory model (auto
/// mode: exact at its width); a search that did not complete is an error
/// naming `what`, never a count. The wrap is the fewest of them: an
/// ordering bug under a weaker model makes it shorter.
pub fn per_model(
    what: &str,
    protocol: &crate::protocol::Protocol,
) -> crate::error::Result<Vec<(Model, Option<BigUint>)>> {
    let mut out = Vec::new();
    for m in Model::ALL {
        let mut cfg = crate::explore::ExploreConfig::new(protocol.clone());
        cfg.model = m;
        let r = crate::explore::explore(&cfg)?;
        if !matches!(
            r.verdict,
            crate::explore::Verdict::FalsePositive | crate::explore::Verdict::NoneAtAll
        ) {
            return Err(crate::error::Error::Run(format!(
                "{what}: explore under {m} did not complete: {}",
                r.verdict
            )));
        }
        out.push((m, r.min_cycles));
    }
    Ok(out)
}

/// Explore the site's protocol under every memory model (auto mode: exact
/// at its width) and judge it under every preemption model and privilege.
pub fn answer(
    site: &Site,
    holds: &[Hold],
    rates: Option<&SiteRates>,
    models: &[PreemptModel],
    privileges: &[Privilege],
) -> crate::error::Result<SiteAnswer> {
    let counts = per_model(&site.name, &site.protocol()?)?;
    let fewest = counts.iter().filter_map(|(_, c)| c.clone()).min();
    let ordering: Vec<(Model, Option<String>)> = counts
        .into_iter()
        .map(|(m, c)| (m, c.map(|c| c.to_string())))
        .collect();
    let mut rows = Vec::new();
    for &model in models {
        for &p in privileges {
            rows.push(judge(site, model, p, holds, fewest.as_ref(), rates));
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

/// Every row of `answers` as CSV (`seqwrap audit --csv`, `data/audit.csv`),
/// one line per site, preemption model and privilege; times in seconds,
/// full precision.
pub fn csv(answers: &[SiteAnswer]) -> String {
    let mut csv = String::from(
        "site,preempt,privilege,holds,wrap_cycles,writer_threads,rate_per_s,wrap_s,\
         wrap_s_all_cpus,verdict,hold\n",
    );
    for a in answers {
        for r in &a.rows {
            let (kind, hold) = match &r.verdict {
                SiteVerdict::SafeSlowPath => ("safe-slow-path", ""),
                SiteVerdict::SafeNoHold => ("safe-no-hold", ""),
                SiteVerdict::Safe { hold, .. } => ("safe", hold.as_str()),
                SiteVerdict::FallsAfter { hold, .. } => ("falls-after", hold.as_str()),
                SiteVerdict::RateNotMeasured { hold, .. } => ("rate-not-measured", hold.as_str()),
                SiteVerdict::FallsUnbounded { hold, .. } => ("falls-unbounded", hold.as_str()),
            };
            let e = |w: Option<f64>| w.map(|w| format!("{w:e}")).unwrap_or_default();
            csv += &format!(
                "{},{},{},{},{},{},{},{},{},{kind},{hold}\n",
                r.site,
                r.preempt.name(),
                r.privilege.name(),
                r.holds.join(" "),
                r.wrap_cycles.as_deref().unwrap_or(""),
                r.writer_threads.map(|n| n.to_string()).unwrap_or_default(),
                e(r.rate),
                e(r.wrap_s),
                e(r.wrap_s_all_cpus),
            );
        }
    }
    csv
}
