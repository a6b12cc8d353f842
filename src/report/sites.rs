//! The report's per-site evidence (DESIGN §8): the audit of every reader
//! site at the rates of the table, a short real hold, the uprobe trap, the
//! ordering of the posted and merged code, the patch options judged per
//! site, and this machine's CPU vulnerability state. Gathered once;
//! rendered by `mail.rs` and the summary; written to `data/`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::evidence;
use super::mail::{MailFigure, Ordering};
use super::patches::{self, Judged};
use crate::error::Result;
use crate::memory::Model;
use crate::site::audit::{self, SiteAnswer, SiteRates};
use crate::site::hold::{PREEMPTS, PRIVILEGES};
use crate::site::{self as sites, Site};
use crate::stress::KernelOp;
use crate::stress::hold::{HoldOutcome, HoldUntil, uffd_hold};
use crate::stress::uprobe::{TrapOutcome, trap_round_trip};

/// Calls the report times the uprobe trap over.
pub const TRAP_CALLS: u64 = 100_000;

/// The committed herd7 verdicts (`tests/herd/regen.sh` writes them with
/// herd7; `tests/it/herd_lkmm.rs` checks the explorer against every line).
pub const HERD_TSV: &str = include_str!("../../tests/herd/expected.tsv");

/// Everything per site.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SiteEvidence {
    /// The sites.
    pub sites: Vec<Site>,
    /// Their answers, same order.
    pub answers: Vec<SiteAnswer>,
    /// The mmap_lock writer's rates by threads, when measured.
    pub rates: Option<SiteRates>,
    /// The short hold.
    pub hold: HoldOutcome,
    /// The uprobe trap.
    pub trap: TrapOutcome,
    /// rfc-v1, rfc-v2 and seqcount at 32 bits under every model.
    pub ordering: Vec<Ordering>,
    /// The changes, judged.
    pub patches: Vec<Judged>,
    /// (vulnerability, state) from sysfs.
    pub mitigations: Vec<(String, String)>,
}

/// The munmap(1, 0) rates with every CPU and one fewer, from the table.
pub fn site_rates(r: &evidence::RateTable) -> Option<SiteRates> {
    let t = r.table.as_ref()?;
    let cpus = t.machine.cores;
    let by_threads: Vec<(usize, f64)> = t
        .cells
        .iter()
        .filter(|c| c.op == KernelOp::MunmapNull && c.threads <= cpus)
        .map(|c| (c.threads, c.spread.median))
        .collect();
    (!by_threads.is_empty()).then_some(SiteRates::Measured { cpus, by_threads })
}

/// rename_lock's writer rate with every CPU and one fewer, by exact count
/// on tmpfs (`stress::rename`); `None` where it cannot be measured exactly.
pub fn rename_rates() -> Result<Option<SiteRates>> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let counts = audit::thread_counts(cpus);
    let mut by_threads = Vec::new();
    for threads in counts {
        match crate::stress::rename::rename_rate(threads, Duration::from_millis(500))? {
            Ok(r) => by_threads.push((threads, r.cycles_per_s)),
            Err(_) => return Ok(None),
        }
    }
    Ok(Some(SiteRates::Measured { cpus, by_threads }))
}

/// The explorer's count under every model for a catalog protocol.
fn explore_all(protocol: &str, params: &[(&str, &str)]) -> Result<Vec<(Model, Option<String>)>> {
    let s = crate::protocol::catalog::protocol(protocol, params)?;
    Ok(audit::per_model(protocol, &s)?
        .into_iter()
        .map(|(m, c)| (m, c.map(|c| c.to_string())))
        .collect())
}

/// This machine's `/sys/devices/system/cpu/vulnerabilities/*`, sorted.
pub fn mitigations() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir("/sys/devices/system/cpu/vulnerabilities")
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let text = std::fs::read_to_string(e.path()).ok()?;
                    Some((
                        e.file_name().to_string_lossy().into_owned(),
                        text.trim().to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Gather it all: `hold` is the real hold's length (zero skips it).
pub fn gather(rates: &evidence::RateTable, hold: Duration) -> Result<SiteEvidence> {
    let list = sites::sites()?;
    let holds = sites::hold::holds()?;
    let site_rates = site_rates(rates);
    let models: Vec<_> = PREEMPTS.iter().map(|(_, p)| *p).collect();
    let privs: Vec<_> = PRIVILEGES.iter().map(|(_, p)| *p).collect();
    let renames = if list
        .iter()
        .any(|s| s.writer_op == Some(crate::site::WriterOp::Rename))
    {
        rename_rates()?
    } else {
        None
    };
    let answers = list
        .iter()
        .map(|s| {
            let r = match s.writer_op {
                None => None,
                Some(crate::site::WriterOp::Mmap(_)) => site_rates.as_ref(),
                Some(crate::site::WriterOp::Rename) => renames.as_ref(),
            };
            audit::answer(s, &holds, r, &models, &privs)
        })
        .collect::<Result<Vec<_>>>()?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let hold = if hold.is_zero() {
        HoldOutcome::Skipped {
            reason: "not asked for (--hold-seconds 0)".into(),
        }
    } else {
        // A failure here is reported as the reason, not fatal: the rest
        // of the report stands without it.
        uffd_hold(cpus, HoldUntil::For(hold), &|_, _| {}).unwrap_or_else(|e| HoldOutcome::Skipped {
            reason: e.to_string(),
        })
    };
    let trap = trap_round_trip(TRAP_CALLS).unwrap_or_else(|e| TrapOutcome::Skipped {
        reason: e.to_string(),
    });
    let mut ordering = Vec::new();
    for protocol in ["rfc-v1", "rfc-v2", "seqcount"] {
        for (model, min_cycles) in explore_all(protocol, &[("W", "32")])? {
            ordering.push(Ordering {
                protocol: protocol.into(),
                model,
                min_cycles,
            });
        }
    }
    let mut judged = Vec::new();
    for p in patches::patches()? {
        let bits = p.bits.to_string();
        let counts = explore_all(&p.protocol, &[("W", &bits)])?;
        let fewest = counts
            .iter()
            .filter_map(|(_, c)| c.as_ref()?.parse::<num_bigint::BigUint>().ok())
            .min()
            .map(|c| c.to_string());
        judged.push(patches::judge(&p, fewest, &list));
    }
    Ok(SiteEvidence {
        sites: list,
        answers,
        rates: site_rates,
        hold,
        trap,
        ordering,
        patches: judged,
        mitigations: mitigations(),
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[derive(Serialize)]
struct PatchRow<'a> {
    name: &'a str,
    kernel_type: &'a str,
    protocol: &'a str,
    bits: u32,
    min_cycles: &'a str,
    wrap_s_all_cpus: String,
    covers: usize,
    not_for: String,
}

/// Write the per-site data files; returns their paths.
pub fn write(
    data: &Path,
    ev: &SiteEvidence,
    figures: &[MailFigure],
    rate_all: Option<f64>,
) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut put = |name: &str, text: String| -> Result<()> {
        let p = data.join(name);
        crate::sweep::csv::write_atomic(&p, text.as_bytes())?;
        out.push(p);
        Ok(())
    };
    put("audit.csv", audit::csv(&ev.answers))?;
    let mut m = String::from("vulnerability,state\n");
    for (k, v) in &ev.mitigations {
        m += &format!("{},{}\n", csv_field(k), csv_field(v));
    }
    put("mitigations.csv", m)?;
    let mut h = String::from(
        "status,mechanism,writers,held_s,writing_s,counted,calls,rate_per_s,blocked_in,reason\n",
    );
    match &ev.hold {
        HoldOutcome::Measured(r) => {
            h += &format!(
                "measured,{},{},{:e},{:e},{},{},{:e},{},\n",
                r.mechanism,
                r.writers,
                r.held_s,
                r.writing_s,
                r.counted,
                r.calls,
                r.rate,
                r.blocked_in.as_deref().unwrap_or("")
            )
        }
        HoldOutcome::Skipped { reason } => {
            h += &format!("skipped,userfaultfd,,,,,,,,{}\n", csv_field(reason))
        }
    }
    put("hold.csv", h)?;
    let mut u = String::from(
        "status,calls,hits,probed_p50_s,probed_p99_s,probed_max_s,bare_p50_s,reason\n",
    );
    match &ev.trap {
        TrapOutcome::Measured(r) => {
            u += &format!(
                "measured,{},{},{:e},{:e},{:e},{:e},\n",
                r.probed.calls,
                r.hits,
                r.probed.p50_ns * 1e-9,
                r.probed.p99_ns * 1e-9,
                r.probed.max_ns * 1e-9,
                r.bare.p50_ns * 1e-9
            )
        }
        TrapOutcome::Skipped { reason } => u += &format!("skipped,,,,,,,{}\n", csv_field(reason)),
    }
    put("uprobe_trap.csv", u)?;
    let mut o = String::from("protocol,bits,model,min_cycles\n");
    for r in &ev.ordering {
        o += &format!(
            "{},32,{},{}\n",
            r.protocol,
            r.model,
            r.min_cycles.as_deref().unwrap_or("none")
        );
    }
    put("ordering.csv", o)?;
    let mut p =
        String::from("name,kernel_type,protocol,bits,min_cycles,wrap_s_all_cpus,covers,not_for\n");
    for j in &ev.patches {
        let row = PatchRow {
            name: &j.patch.name,
            kernel_type: &j.patch.kernel_type,
            protocol: &j.patch.protocol,
            bits: j.patch.bits,
            min_cycles: j.min_cycles.as_deref().unwrap_or("none"),
            wrap_s_all_cpus: match (&j.min_cycles, rate_all) {
                (Some(c), Some(r)) => format!("{:e}", c.parse::<f64>().unwrap_or(f64::NAN) / r),
                _ => String::new(),
            },
            covers: j.fixes.len(),
            not_for: j
                .fails
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        };
        p += &format!(
            "{},{},{},{},{},{},{},{}\n",
            csv_field(row.name),
            csv_field(row.kernel_type),
            row.protocol,
            row.bits,
            row.min_cycles,
            row.wrap_s_all_cpus,
            row.covers,
            row.not_for
        );
    }
    put("patches.csv", p)?;
    put("herd7.tsv", HERD_TSV.to_string())?;
    put("mail_figures.csv", super::mail::figures_csv(figures))?;
    Ok(out)
}

/// Litmus tests in the committed herd7 verdicts.
pub fn herd_cases() -> usize {
    HERD_TSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count()
}

/// The long form's section on reader sites (Markdown, as the summary).
pub fn summary_section(ev: &SiteEvidence, model: crate::site::hold::PreemptModel) -> String {
    let mut s = format!(
        "\n## Reader sites\n\n{}",
        crate::text::table::wrap(&format!(
            "Every reader that trusts a user-drivable seqcount (sites/), \
             judged under preemption {} at this machine's rates; \
             data/audit.csv has every preemption model and privilege, \
             `seqwrap audit` the holds and consequences.",
            model.name()
        ))
    );
    s.push('\n');
    for (site, a) in ev.sites.iter().zip(&ev.answers) {
        s += &crate::text::table::bullet(&format!(
            "{} (since {}, {}): {}",
            super::mail::site_sentence(site, a, model).trim_end_matches('.'),
            site.commit,
            site.release,
            site.false_positive
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .replace('[', "\\[")
                .replace(']', "\\]")
        ));
    }
    s
}

/// The answer figure's data (`plot::plot_sites`): for each site under
/// `model`, every hold that applies at any privilege, grouped by
/// privilege and boundedness, and the wrap time where it falls.
pub fn sites_plot(
    ev: &SiteEvidence,
    model: crate::site::hold::PreemptModel,
    note: String,
) -> Result<crate::plot::SitesPlot> {
    use crate::plot::{HoldLine, SiteBand, SitesPlot};
    use crate::site::audit::SiteVerdict;
    let holds = sites::hold::holds()?;
    let mut bands = Vec::new();
    for (site, a) in ev.sites.iter().zip(&ev.answers) {
        let rows: Vec<_> = a.rows.iter().filter(|r| r.preempt == model).collect();
        let widest = rows.iter().max_by_key(|r| r.privilege);
        let mut lines: Vec<(usize, bool, Vec<String>, Option<f64>)> = Vec::new();
        for name in widest.map(|r| r.holds.clone()).unwrap_or_default() {
            let Some(h) = holds.iter().find(|h| h.name == name) else {
                continue;
            };
            let pi = PRIVILEGES
                .iter()
                .position(|(_, p)| *p == h.privilege)
                .unwrap_or(0);
            let bound = h.bound.as_ref().map(|b| b.seconds);
            match lines
                .iter_mut()
                .find(|(p, b, _, _)| *p == pi && *b == bound.is_some())
            {
                Some((_, _, names, bnd)) => {
                    names.push(name.clone());
                    *bnd = match (*bnd, bound) {
                        (Some(x), Some(y)) => Some(x.max(y)),
                        (x, y) => x.or(y),
                    };
                }
                None => lines.push((pi, bound.is_some(), vec![name.clone()], bound)),
            }
        }
        lines.sort_by_key(|l| (l.0, l.1));
        let falls = rows.iter().find(|r| {
            matches!(
                r.verdict,
                SiteVerdict::FallsUnbounded { .. } | SiteVerdict::FallsAfter { .. }
            )
        });
        let no_wrap = match rows.first().map(|r| &r.verdict) {
            Some(SiteVerdict::SafeSlowPath) => "a wrap gives only the slow path".to_string(),
            _ if falls.is_some_and(|r| r.wrap_s.is_none()) => {
                "wrap: the writer's rate is not measured".into()
            }
            _ => "no hold reaches the wrap".into(),
        };
        bands.push(SiteBand {
            site: site.name.clone(),
            wrap_s: falls.and_then(|r| r.wrap_s),
            no_wrap,
            holds: lines
                .into_iter()
                .map(|(pi, _, names, bound_s)| HoldLine {
                    label: super::mail::short_holds(
                        &names.iter().map(String::as_str).collect::<Vec<_>>(),
                    ),
                    privilege: pi,
                    privilege_name: PRIVILEGES[pi].0.to_string(),
                    bound_s,
                })
                .collect(),
        });
    }
    Ok(SitesPlot { sites: bands, note })
}
