//! `summary.md`: the answer, written from result structs only — the rate
//! table, the observed workload, this machine's stall model, the pick, and
//! the sweep CSVs' rows.
//!
//! Every line is at most [`crate::text::table::MAX_COLS`] columns (tables,
//! code blocks and prose alike) so the whole file can be pasted into a
//! reply on a kernel mailing list. Every number is computed by this run
//! (each cites the artifact it comes from, `[run-*]`), every other claim
//! is one of [`super::claims::CLAIMS`] and cites its sources; when a
//! number is missing, the text says so instead of guessing. No protocol is
//! known here by name: rows are selected by spec, metric, width and
//! memory model.
//!
//! Each section is one file of this directory, with one `render` of the
//! same signature, and [`SECTIONS`] is the one ordered list of them:
//! [`render`] writes them in its order. Each entry declares what its
//! section reads ([`SectionNeeds`]): the specs it looks up by name, the metrics
//! (with their engine), and the other [`Inputs`] fields. A unit test here
//! holds the declarations to the code: changing anything a section does
//! not declare leaves its text unchanged.
//!
//! The order: title, caveats, headline, sites, recommendation, rates,
//! observed, stall, adversary, accident, ordering, consequences,
//! precedents, costs, engines, files, sources.

use std::path::PathBuf;

use super::evidence::{Attacker, Observed, RateTable};
use crate::pick::PickAnswer;
use crate::results::{EngineKind, Metric, ReportSpec, Row};
use crate::stall::MachineModel;
use crate::text::number::num;

mod accident;
mod adversary;
mod caveats;
mod consequences;
mod costs;
mod engines;
mod files;
mod headline;
mod observed;
mod ordering;
mod precedents;
mod rates;
mod recommendation;
mod sites;
mod sources;
mod stall;
mod title;

pub use crate::text::table::{rate_text, short_p};
pub use accident::P_FLOOR;

/// Willy's estimate of one syscall, the thread's figure for one write-lock
/// cycle of `munmap(1, 0)` (claim `willy-estimate`).
pub const WILLY_NS: f64 = 217.0;

/// One spec's rows and plots.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct SpecRows {
    /// The spec's name (`analysis/NAME.toml`).
    pub name: String,
    /// Its title.
    pub title: String,
    /// The file it was read from.
    pub file: String,
    /// Its CSV's file name in the data directory: the evidence file
    /// names it, and [`super::Evidence::load`] reads the rows from it.
    pub csv: String,

    /// Its CSV rows (not in the evidence file: they are in `csv`).
    #[serde(skip)]
    pub rows: Vec<Row>,
    /// Its plots.
    pub plots: Vec<PathBuf>,
}

/// What the summary is written from.
pub struct Inputs<'a> {
    /// seqwrap's version.
    pub version: &'a str,
    /// This machine's preemption and stall model.
    pub machine: &'a MachineModel,
    /// The rate table.
    pub rates: &'a RateTable,
    /// The attacker's rate (the fastest verified cell).
    pub attacker: Option<&'a Attacker>,
    /// The observed workload.
    pub observed: &'a Observed,
    /// The accidental rate taken from it, and what it is.
    pub observed_rate: Option<&'a (f64, String)>,
    /// `pick --adversarial` at the attacker's rate.
    pub pick: Option<&'a PickAnswer>,
    /// Each spec's rows, in report order.
    pub specs: &'a [SpecRows],
    /// Extra figures (the stall plot).
    pub plots: &'a [PathBuf],
    /// Caveats to print first.
    pub notes: &'a [String],
    /// The reader-sites section, rendered (`report::sites`).
    pub sites: Option<&'a str>,
    /// The uprobe trap round trip, when timed.
    pub trap: Option<&'a crate::stress::uprobe::TrapReport>,
}

/// A field of [`Inputs`] a section reads, besides the spec rows it looks
/// up by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputField {
    /// `version`.
    Version,
    /// `machine`.
    Machine,
    /// `rates`.
    RateTable,
    /// `attacker`.
    Attacker,
    /// `observed`.
    Observed,
    /// `observed_rate`.
    ObservedRate,
    /// `pick`.
    Pick,
    /// `specs`: every spec's rows, whatever the spec's name (the section
    /// selects them by its declared metrics).
    AllRows,
    /// `specs`: every spec's name, title, file, plots and number of rows.
    SpecList,
    /// `plots`.
    Plots,
    /// `notes`.
    Notes,
    /// `sites`.
    Sites,
    /// `trap`.
    Trap,
}

/// A metric of the sweep CSVs, with the engine that writes it (the
/// `engine` and `metric` columns).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineMetric {
    /// The engine.
    pub engine: EngineKind,
    /// The metric.
    pub metric: Metric,
}

impl EngineMetric {
    /// `engine`'s `metric`.
    pub const fn new(engine: EngineKind, metric: Metric) -> EngineMetric {
        EngineMetric { engine, metric }
    }
}

/// What a section reads.
#[derive(Clone, Copy, Debug)]
pub struct SectionNeeds {
    /// The specs whose rows it looks up by name (`analysis/NAME.toml`).
    pub specs: &'static [ReportSpec],
    /// The metrics it reads from their rows (or from every spec's, with
    /// [`InputField::AllRows`]).
    pub metrics: &'static [EngineMetric],
    /// The other fields of [`Inputs`] it reads.
    pub evidence: &'static [InputField],
    /// The text of the sections before it (the sources cite what they
    /// cite), and so whatever those read.
    pub text_above: bool,
}

impl SectionNeeds {
    /// Nothing: text and claims built into the binary only.
    pub const NOTHING: SectionNeeds = SectionNeeds {
        specs: &[],
        metrics: &[],
        evidence: &[],
        text_above: false,
    };
}

/// One section of the summary.
pub struct Section {
    /// Its name: its file in `src/report/summary/`.
    pub name: &'static str,
    /// What it reads.
    pub needs: SectionNeeds,
    render: fn(&Inputs<'_>, &Rows<'_>) -> String,
}

/// The summary's sections, in the order they are written.
pub const SECTIONS: &[Section] = &[
    Section {
        name: "title",
        needs: SectionNeeds {
            evidence: &[InputField::Version],
            ..SectionNeeds::NOTHING
        },
        render: title::render,
    },
    Section {
        name: "caveats",
        needs: SectionNeeds {
            evidence: &[InputField::Notes],
            ..SectionNeeds::NOTHING
        },
        render: caveats::render,
    },
    Section {
        name: "headline",
        needs: SectionNeeds {
            specs: &[ReportSpec::Widths, ReportSpec::MmLockSeq],
            metrics: &[
                EngineMetric::new(EngineKind::Explore, Metric::MinCycles),
                EngineMetric::new(EngineKind::Analyze, Metric::TimeToFpS),
            ],
            evidence: &[
                InputField::Machine,
                InputField::RateTable,
                InputField::Attacker,
            ],
            text_above: false,
        },
        render: headline::render,
    },
    Section {
        name: "sites",
        needs: SectionNeeds {
            evidence: &[InputField::Sites],
            ..SectionNeeds::NOTHING
        },
        render: sites::render,
    },
    Section {
        name: "recommendation",
        needs: SectionNeeds {
            evidence: &[InputField::Attacker, InputField::Pick],
            ..SectionNeeds::NOTHING
        },
        render: recommendation::render,
    },
    Section {
        name: "rates",
        needs: SectionNeeds {
            evidence: &[InputField::RateTable],
            ..SectionNeeds::NOTHING
        },
        render: rates::render,
    },
    Section {
        name: "observed",
        needs: SectionNeeds {
            evidence: &[
                InputField::Attacker,
                InputField::Observed,
                InputField::ObservedRate,
            ],
            ..SectionNeeds::NOTHING
        },
        render: observed::render,
    },
    Section {
        name: "stall",
        needs: SectionNeeds {
            evidence: &[InputField::Machine],
            ..SectionNeeds::NOTHING
        },
        render: stall::render,
    },
    Section {
        name: "adversary",
        needs: SectionNeeds {
            specs: &[ReportSpec::Widths, ReportSpec::MmLockSeq],
            metrics: &[
                EngineMetric::new(EngineKind::Explore, Metric::MinCycles),
                EngineMetric::new(EngineKind::Analyze, Metric::TimeToFpS),
            ],
            evidence: &[
                InputField::Machine,
                InputField::RateTable,
                InputField::Attacker,
                InputField::ObservedRate,
            ],
            text_above: false,
        },
        render: adversary::render,
    },
    Section {
        name: "accident",
        needs: SectionNeeds {
            specs: &[ReportSpec::Widths, ReportSpec::MmLockSeq],
            metrics: &[
                EngineMetric::new(EngineKind::Explore, Metric::MinCycles),
                EngineMetric::new(EngineKind::Analyze, Metric::PFalsePositive),
            ],
            evidence: &[
                InputField::Attacker,
                InputField::ObservedRate,
                InputField::Trap,
            ],
            text_above: false,
        },
        render: accident::render,
    },
    Section {
        name: "ordering",
        needs: SectionNeeds {
            specs: &[ReportSpec::Fixes],
            metrics: &[
                EngineMetric::new(EngineKind::Explore, Metric::MinCycles),
                EngineMetric::new(EngineKind::Explore, Metric::Verdict),
                EngineMetric::new(EngineKind::Explore, Metric::Trace),
                EngineMetric::new(EngineKind::Explore, Metric::ProtocolCost),
            ],
            evidence: &[],
            text_above: false,
        },
        render: ordering::render,
    },
    Section {
        name: "consequences",
        needs: SectionNeeds::NOTHING,
        render: consequences::render,
    },
    Section {
        name: "precedents",
        needs: SectionNeeds::NOTHING,
        render: precedents::render,
    },
    Section {
        name: "costs",
        needs: SectionNeeds::NOTHING,
        render: costs::render,
    },
    Section {
        name: "engines",
        needs: SectionNeeds {
            specs: &[],
            metrics: &[
                EngineMetric::new(EngineKind::Explore, Metric::MinCycles),
                EngineMetric::new(EngineKind::Analyze, Metric::MinCycles),
                EngineMetric::new(EngineKind::Analyze, Metric::PFalsePositive),
                EngineMetric::new(EngineKind::Sample, Metric::PFalsePositive),
                EngineMetric::new(EngineKind::Stress, Metric::ObservedAtCycles),
                EngineMetric::new(EngineKind::Stress, Metric::NotRun),
            ],
            evidence: &[InputField::AllRows],
            text_above: false,
        },
        render: engines::render,
    },
    Section {
        name: "files",
        needs: SectionNeeds {
            evidence: &[InputField::SpecList, InputField::Plots],
            ..SectionNeeds::NOTHING
        },
        render: files::render,
    },
    Section {
        name: "sources",
        needs: SectionNeeds {
            text_above: true,
            ..SectionNeeds::NOTHING
        },
        render: sources::render,
    },
];

/// Look-ups over all rows.
struct Rows<'a> {
    specs: &'a [SpecRows],
}

fn same_rate(r: &Row, rate: f64) -> bool {
    num(&r.rate).is_some_and(|x| (x - rate).abs() <= 1e-12 * rate.abs())
}

impl<'a> Rows<'a> {
    fn spec(&self, spec: ReportSpec) -> Option<&'a SpecRows> {
        self.specs
            .iter()
            .find(|s| ReportSpec::from_name(&s.name) == Some(spec))
    }

    fn of(&self, spec: ReportSpec) -> &'a [Row] {
        self.spec(spec).map_or(&[], |s| s.rows.as_slice())
    }

    /// The explorer's fewest cycles for the width sweep's protocol at
    /// `bits` (sc).
    fn min_cycles(&self, bits: u32) -> Option<String> {
        self.of(ReportSpec::Widths)
            .iter()
            .chain(self.of(ReportSpec::MmLockSeq))
            .find(|r| {
                r.is(EngineKind::Explore, Metric::MinCycles)
                    && r.bits == bits
                    && (r.memory_model.is_empty() || r.memory_model == "sc")
            })
            .map(|r| r.value.clone())
    }

    /// analyze's time to the first false positive at `bits` and `rate`.
    fn time_to_fp(&self, bits: u32, rate: f64) -> Option<f64> {
        self.of(ReportSpec::Widths)
            .iter()
            .chain(self.of(ReportSpec::MmLockSeq))
            .find(|r| {
                r.is(EngineKind::Analyze, Metric::TimeToFpS) && r.bits == bits && same_rate(r, rate)
            })
            .and_then(|r| num(&r.value))
    }

    /// An analyze metric of the mm_lock_seq spec.
    fn accident(&self, metric: Metric, bits: u32, rate: f64, window: &str) -> Option<&'a Row> {
        self.of(ReportSpec::MmLockSeq).iter().find(|r| {
            r.is(EngineKind::Analyze, metric)
                && r.bits == bits
                && r.window == window
                && same_rate(r, rate)
        })
    }
}

fn width_name(bits: u32) -> String {
    crate::width::Width::new(bits).map_or(bits.to_string(), |w| w.to_string())
}

fn section(title: &str) -> String {
    format!("\n## {title}\n\n")
}

/// A section that is the claims of one [`super::claims::Section`], each a
/// bullet.
fn claims_list(title: &str, sec: super::claims::ClaimSection) -> String {
    let mut s = section(title);
    for c in super::claims::of(sec) {
        s.push_str(&crate::text::table::bullet(&super::claims::text(c)));
    }
    s
}

/// The text of the sections listed before `name`, in order.
fn text_before(name: &str, inp: &Inputs<'_>, rows: &Rows<'_>) -> String {
    SECTIONS
        .iter()
        .take_while(|s| s.name != name)
        .map(|s| (s.render)(inp, rows))
        .collect()
}

/// Check that every section finds the metrics it declares in the specs it
/// declares, for each engine those specs ran (`ran`): an edited spec that
/// no longer yields what a section reads fails here, naming the spec, the
/// section and the metric, instead of rendering with rows silently
/// missing. Sections that read every spec's rows ([`InputField::AllRows`])
/// say in words what they lack, and are not checked.
pub fn check_needs(
    specs: &[SpecRows],
    ran: &dyn Fn(&SpecRows, EngineKind) -> bool,
) -> crate::error::Result<()> {
    for s in SECTIONS {
        for em in s.needs.metrics {
            let candidates: Vec<&SpecRows> = specs
                .iter()
                .filter(|sp| {
                    ReportSpec::from_name(&sp.name).is_some_and(|r| s.needs.specs.contains(&r))
                        && ran(sp, em.engine)
                })
                .collect();
            if candidates.is_empty()
                || candidates
                    .iter()
                    .any(|sp| sp.rows.iter().any(|r| r.is(em.engine, em.metric)))
            {
                continue;
            }
            let files: Vec<String> = candidates
                .iter()
                .map(|sp| format!("analysis/{}.toml", sp.name))
                .collect();
            return Err(crate::error::Error::usage(format!(
                "{}: the summary's {} section reads {}'s {} from it, and its rows have none; \
                 allowed: a spec that runs {} and yields {}",
                files.join(", "),
                s.name,
                em.engine,
                em.metric,
                em.engine,
                em.metric
            )));
        }
    }
    Ok(())
}

/// Render the summary.
pub fn render(inp: &Inputs<'_>) -> String {
    let rows = Rows { specs: inp.specs };
    SECTIONS.iter().map(|s| (s.render)(inp, &rows)).collect()
}

#[cfg(test)]
mod tests;
