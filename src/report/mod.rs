//! `seqwrap report`: the main job. Measures this machine, runs the shipped
//! questions, writes their CSVs, the plots and `summary.md` — an answer to
//! the seed's question a maintainer can paste into a reply (every line at
//! most 72 columns, every claim with its source).
//!
//! Order:
//! 1. read this machine's preemption and stall model ([`evidence::machine`]);
//! 2. measure the kernel's write-lock rate table, every default operation
//!    on 1..N threads, tracepoint-checked, and append it to the user's rate
//!    cache ([`evidence::measure_rates`]);
//! 3. observe a real workload (an offline `cargo build` the report starts)
//!    through the same tracepoint ([`evidence::observe_workload`]);
//! 4. load each shipped spec; a `measured:kernel` rate becomes the
//!    attacker's rate of step 2 (the fastest verified cell) and the
//!    observed rate of step 3 joins it; engines this build lacks and
//!    measured rates that could not be taken are dropped (both said in the
//!    summary, never replaced by made-up numbers);
//! 5. sweep each spec into `DATA/NAME.csv`;
//! 6. `pick --adversarial` at the attacker's rate;
//! 7. plot each CSV into `OUT/`, plus the stall figure;
//! 8. write what was measured into `DATA/measured_rates.csv` and
//!    `DATA/observed_rates.csv`, and `OUT/summary.md` from all of it.

pub mod claims;
pub mod evidence;
pub mod mail;
pub mod patches;
pub mod sites;
pub mod specs;
pub mod summary;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::Result;
use crate::pick::{PickAnswer, PickRequest, Threat, pick};
use crate::question::{Question, Spelled};
use crate::results::EngineKind;
use crate::results::{Metric, MetricValue, ReportSpec};
use crate::stress::Measurement;
use crate::stress::RateKind;

use crate::sweep::{Engines, Point, SweepOptions, run_sweep};
use crate::timing::RateSpec;
use evidence::{Attacker, MeasureOptions};

/// Where the report reads and writes, and what it measures.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Plots and summary.md.
    pub out: PathBuf,
    /// Sweep CSVs and the measurement artifacts.
    pub data: PathBuf,
    /// Spec directory; the shipped copies built into the binary are used
    /// for any spec not found there.
    pub analysis: PathBuf,
    /// Progress bars on stderr.
    pub progress: bool,
    /// The measurement and the observation.
    pub measure: MeasureOptions,
}

/// What the report did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ReportOutcome {
    /// The summary's text (also written to `OUT/summary.md`).
    pub summary: String,
    /// Every file written.
    pub files: Vec<PathBuf>,
    /// Things the reader must know: missing engines, skipped measurements.
    pub notes: Vec<String>,
    /// The attacker's rate the report used.
    pub attacker: Option<Attacker>,
    /// The observed rate the report used.
    pub observed_rate: Option<f64>,
    /// Wall time.
    pub elapsed_s: f64,
}

/// Engines with `measured:*` rates taken once and shared by every sweep of
/// the report, so all its CSVs agree on the rate.
struct SharedEngines<'a> {
    inner: &'a dyn Engines,
    cache: Mutex<BTreeMap<&'static str, Measurement>>,
}

impl Engines for SharedEngines<'_> {
    fn available(&self, kind: EngineKind) -> std::result::Result<(), String> {
        self.inner.available(kind)
    }

    fn measure(&self, kind: RateKind) -> Result<Measurement> {
        let key = kind.name();
        if let Some(m) = self.cache.lock().ok().and_then(|c| c.get(key).cloned()) {
            return Ok(m);
        }
        let m = self.inner.measure(kind)?;
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, m.clone());
        }
        Ok(m)
    }

    fn run(&self, q: &Question, p: &Point, rate: Option<f64>) -> Result<Vec<MetricValue>> {
        self.inner.run(q, p, rate)
    }
}

/// A spec's rates with `measured:kernel` read as this run's measurement:
/// the attacker's rate, and the observed rate beside it. Without a
/// measurement the kernel rates are dropped (`None` when nothing is left).
fn resolve_rates(
    q: &mut Question,
    attacker: Option<&Attacker>,
    observed: Option<f64>,
) -> Option<()> {
    let asks = q
        .rates
        .iter()
        .any(|r| matches!(r.value, RateSpec::Measured(RateKind::Kernel { .. })));
    if !asks {
        return Some(());
    }
    let mut rates: Vec<Spelled<RateSpec>> = q
        .rates
        .iter()
        .filter(|r| !matches!(r.value, RateSpec::Measured(RateKind::Kernel { .. })))
        .cloned()
        .collect();
    if let Some(a) = attacker {
        rates.push(Spelled {
            text: format!("measured:kernel:{}:{}", a.op, a.threads),
            value: RateSpec::PerSecond(a.rate),
        });
        if let Some(o) = observed {
            rates.push(Spelled {
                text: "observed".into(),
                value: RateSpec::PerSecond(o),
            });
        }
    }
    q.rates = rates;
    Some(())
}

/// Everything the report's text is written from: what was measured, the
/// sweeps' rows, the pick, the per-site evidence. The renderers
/// ([`render`]) are pure functions of it, so a saved copy
/// (`DATA/report_evidence.json`) renders the same summary and mail byte
/// for byte without measuring anything.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// seqwrap's version, as the summary names it.
    pub version: String,
    /// This machine's CPU model, as `/proc/cpuinfo` names it.
    pub cpu: String,
    /// Online CPUs.
    pub cpus: usize,
    /// The running kernel's release.
    pub kernel: String,
    /// Whether this machine is a virtual machine, when known.
    pub virtualised: Option<bool>,
    /// The preemption model read here, when known.
    pub preempt: Option<crate::site::hold::PreemptModel>,
    /// This machine's preemption and stall model.
    pub machine: crate::stall::MachineModel,
    /// The kernel's write-lock rate table.
    pub rates: evidence::RateTable,
    /// The observed workload.
    pub observed: evidence::Observed,
    /// `pick --adversarial` at the attacker's rate.
    pub pick: Option<PickAnswer>,
    /// Each spec's rows and plots, in report order.
    pub specs: Vec<summary::SpecRows>,
    /// Extra figures (the stall plot).
    pub plots: Vec<PathBuf>,
    /// Caveats to print first.
    pub notes: Vec<String>,
    /// Per reader site: the audit, the hold, the trap, the ordering.
    pub sites: sites::SiteEvidence,
    /// The committed herd7 cases the explorer is checked against.
    pub herd_cases: usize,
}

/// The report's text.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// `summary.md`.
    pub summary: String,
    /// `mail.txt` and its figures.
    pub mail: mail::Mail,
}

/// The evidence's file name in the data directory.
pub const EVIDENCE_FILE: &str = "report_evidence.json";

impl Evidence {
    /// The evidence as the report saves it: pretty JSON, the spec rows
    /// left to their CSVs.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self)
            .map(|j| j + "\n")
            .map_err(|e| crate::error::Error::Run(format!("report evidence: {e}")))
    }

    /// Read a saved evidence file and its specs' rows from the CSVs beside
    /// it. A missing or malformed file is bad input (exit 2), named.
    pub fn load(path: &std::path::Path) -> Result<Evidence> {
        let bytes = crate::files::read_input(path)?;
        let mut e: Evidence = serde_json::from_slice(&bytes).map_err(|err| {
            crate::error::Error::usage(format!(
                "{}: not a report evidence file: {err}",
                path.display()
            ))
        })?;
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        for s in &mut e.specs {
            s.rows = crate::sweep::csv::read(&dir.join(&s.csv))?;
        }
        summary::check_needs(&e.specs, &|sp, engine| {
            sp.rows.iter().any(|r| r.is_engine(engine))
        })?;
        Ok(e)
    }

    /// The preemption model the per-site answers assume: the one read
    /// here, else `full` (the widest windows).
    pub fn model(&self) -> crate::site::hold::PreemptModel {
        self.preempt
            .unwrap_or(crate::site::hold::PreemptModel::Full)
    }
}

/// Render the summary and the mail from the evidence; measures nothing.
pub fn render(e: &Evidence) -> Rendered {
    let attacker = e.rates.attacker();
    let observed_rate = e.observed.rate();
    let sites_text = sites::summary_section(&e.sites, e.model());
    let (rate_one, rate_all) = match &e.sites.rates {
        Some(r) => (Some(r.at(Some(1))), Some(r.all_cpus())),
        None => (None, None),
    };
    let mail = mail::render(&mail::MailInputs {
        version: &e.version,
        cpu: &e.cpu,
        cpus: e.cpus,
        kernel: &e.kernel,
        virtualised: e.virtualised,
        preempt: e.preempt,
        mitigations: &e.sites.mitigations,
        rate_one,
        rate_all,
        sites: &e.sites.sites,
        answers: &e.sites.answers,
        hold: &e.sites.hold,
        trap: &e.sites.trap,
        ordering: &e.sites.ordering,
        herd_cases: e.herd_cases,
        patches: &e.sites.patches,
    });
    let summary = summary::render(&summary::Inputs {
        version: &e.version,
        machine: &e.machine,
        rates: &e.rates,
        attacker: attacker.as_ref(),
        observed: &e.observed,
        observed_rate: observed_rate.as_ref(),
        pick: e.pick.as_ref(),
        specs: &e.specs,
        plots: &e.plots,
        notes: &e.notes,
        sites: Some(&sites_text),
        trap: match &e.sites.trap {
            crate::stress::uprobe::TrapOutcome::Measured(t) => Some(t),
            crate::stress::uprobe::TrapOutcome::Skipped { .. } => None,
        },
    });
    Rendered { summary, mail }
}

/// Run the report.
pub fn run_report(opts: &ReportOptions, engines: &dyn Engines) -> Result<ReportOutcome> {
    let start = Instant::now();
    let shared = SharedEngines {
        inner: engines,
        cache: Mutex::new(BTreeMap::new()),
    };
    let mut notes = Vec::new();
    let mut files = Vec::new();

    let machine = evidence::machine();
    let rates = evidence::measure_rates(&opts.measure);
    if let Some(why) = &rates.why_not {
        notes.push(format!(
            "The kernel write-lock rates were not measured ({why}); the \
             tables use the fixed rates only."
        ));
    }
    let observed = evidence::observe_workload(&opts.measure);
    if let Some(why) = &observed.why_not {
        notes.push(format!("The workload was not observed in full: {why}."));
    }
    let attacker = rates.attacker();
    if let Some(a) = &attacker
        && a.verified != "verified"
    {
        notes.push(format!(
            "The attacker's rate ({}) is not tracepoint-verified here ({}).",
            a.label(),
            a.verified
        ));
    }
    let observed_rate = observed.rate();

    let mut missing = Vec::new();
    for e in EngineKind::ALL {
        if let Err(why) = shared.available(e) {
            notes.push(format!(
                "Engine {e} is missing from this build ({why}); its rows are absent."
            ));
            missing.push(e);
        }
    }

    let mut csvs = Vec::new();
    for (name, q) in specs::load_shipped(&opts.analysis)? {
        let mut q = q;
        q.engines.retain(|e| !missing.contains(e));
        resolve_rates(
            &mut q,
            attacker.as_ref(),
            observed_rate.as_ref().map(|o| o.0),
        );
        if q.engines.is_empty() || q.point_count() == 0 {
            notes.push(format!(
                "Spec {name} has nothing to run with the engines and rates of this run."
            ));
            continue;
        }
        let out = opts.data.join(format!("{}.csv", q.name));
        let mut so = SweepOptions::new(out.clone());
        so.progress = opts.progress;
        run_sweep(&q, &so, &shared)?;
        files.push(out.clone());
        csvs.push((q, out));
    }

    let pick_answer: Option<PickAnswer> = match &attacker {
        Some(a) => {
            // At the rate as the summary prints it in the command, so
            // running that command prints the same numbers.
            let printed: f64 = crate::text::table::rate_text(a.rate)
                .parse()
                .unwrap_or(a.rate);
            let mut req = PickRequest::new(
                Threat::Adversarial,
                printed,
                format!("measured here: {}", a.label()),
            );
            req.stall = crate::pick::StallBound::of_machine(&machine);
            match pick(&req) {
                Ok(p) => Some(p),
                Err(e) => {
                    notes.push(format!("pick did not answer: {e}"));
                    None
                }
            }
        }
        None => None,
    };

    let marks = crate::plot::RateMarks {
        measured: attacker
            .iter()
            .map(|a| (a.rate, format!("measured here: {}", a.label())))
            .collect(),
        observed: observed_rate
            .iter()
            .map(|(r, _)| (*r, "observed: busiest mm of the workload".to_string()))
            .collect(),
    };
    let mut tables = Vec::new();
    for (q, csv) in &csvs {
        let rows = crate::sweep::csv::read(csv)?;
        let figures = ReportSpec::from_name(&q.name).map_or(&[][..], |s| s.figures());
        let plotted = crate::plot::plot_rows_marked(&rows, &opts.out, "", Some(figures), &marks)?;
        files.extend(plotted.files.iter().cloned());
        tables.push(summary::SpecRows {
            name: q.name.clone(),
            title: q.title.clone(),
            file: q.file.clone(),
            csv: format!("{}.csv", q.name),
            rows,
            plots: plotted.files,
        });
    }
    summary::check_needs(&tables, &|sp, e| {
        csvs.iter()
            .any(|(q, _)| q.name == sp.name && q.engines.contains(&e))
    })?;
    let stall_input = stall_figure_input(&rates, &machine, &tables, observed_rate.as_ref());
    let mut extra_plots = Vec::new();
    if let Some(input) = &stall_input {
        let f = crate::plot::plot_stalls(input, &opts.out)?;
        files.extend(f.iter().cloned());
        extra_plots.extend(f);
    }
    files.extend(evidence::write_artifacts(&opts.data, &rates, &observed)?);

    let ev = sites::gather(&rates, opts.measure.hold)?;
    let reading = crate::site::machine::Reading::read();
    let mach = crate::host::Host::current();
    let evidence = Evidence {
        version: env!("CARGO_PKG_VERSION").to_string(),
        cpu: mach.cpu_model.clone(),
        cpus: mach.cores,
        kernel: mach.kernel.clone(),
        virtualised: reading.virtualised,
        preempt: reading.preempt,
        machine,
        rates,
        observed,
        pick: pick_answer,
        specs: tables,
        plots: extra_plots,
        notes,
        sites: ev,
        herd_cases: sites::herd_cases(),
    };
    let rendered = render(&evidence);
    let ev = &evidence.sites;
    let rate_all = ev.rates.as_ref().map(|r| r.all_cpus());
    files.extend(sites::write(
        &opts.data,
        ev,
        &rendered.mail.figures,
        rate_all,
    )?);
    let fig_model = evidence.model();
    let note = format!(
        "preemption {}; wrap at the writer's rate measured here with the CPUs the hold leaves",
        fig_model.name()
    );
    files.extend(crate::plot::plot_sites(
        &sites::sites_plot(ev, fig_model, note)?,
        &opts.out,
    )?);
    let mail_path = opts.out.join("mail.txt");
    crate::sweep::csv::write_atomic(&mail_path, rendered.mail.text.as_bytes())?;
    files.push(mail_path);

    let path = opts.out.join("summary.md");
    crate::sweep::csv::write_atomic(&path, rendered.summary.as_bytes())?;
    files.push(path);
    let ev_path = opts.data.join(EVIDENCE_FILE);
    crate::sweep::csv::write_atomic(&ev_path, evidence.to_json()?.as_bytes())?;
    files.push(ev_path);
    Ok(ReportOutcome {
        summary: rendered.summary,
        files,
        notes: evidence.notes,
        attacker,
        observed_rate: observed_rate.map(|o| o.0),
        elapsed_s: start.elapsed().as_secs_f64(),
    })
}

/// The stall figure's data: each operation's fastest cell (median and the
/// runs' range), the thread's estimate, the observed rate; the explorer's
/// 2^31 and 2^63 from the width sweep; the stall rows with a figure and
/// the unbounded ones. `None` without a rate table or a width sweep.
fn stall_figure_input(
    rates: &evidence::RateTable,
    machine: &crate::stall::MachineModel,
    specs: &[summary::SpecRows],
    observed: Option<&(f64, String)>,
) -> Option<crate::plot::StallPlot> {
    use crate::plot::{StallPlot, StallWriter};
    let widths = specs
        .iter()
        .find(|s| ReportSpec::from_name(&s.name) == Some(ReportSpec::Widths))?;
    let min = |bits: u32| {
        crate::results::select(&widths.rows, EngineKind::Explore, Metric::MinCycles)
            .find(|r| r.bits == bits)
            .and_then(|r| crate::text::number::num(&r.value))
    };
    let (m32, m64) = (min(32)?, min(64)?);
    let mut writers: Vec<StallWriter> = rates
        .fastest_per_op()
        .iter()
        .map(|c| StallWriter {
            label: format!("{} x{}", c.op, c.threads),
            rate: c.spread.median,
            lo: c.spread.min,
            hi: c.spread.max,
            kind: crate::plot::WriterKind::Measured,
        })
        .collect();
    if writers.is_empty() {
        return None;
    }
    let w = 1e9 / summary::WILLY_NS;
    writers.push(StallWriter {
        label: "217 ns (thread)".into(),
        rate: w,
        lo: w,
        hi: w,
        kind: crate::plot::WriterKind::Estimate,
    });
    if let Some((r, _)) = observed {
        writers.push(StallWriter {
            label: "observed mm".into(),
            rate: *r,
            lo: *r,
            hi: *r,
            kind: crate::plot::WriterKind::Observed,
        });
    }
    let mut marks: Vec<(f64, String)> = crate::stall::rows()
        .iter()
        .filter(|r| !r.unbounded)
        .filter_map(|r| r.seconds.map(|s| (s, r.key.to_string())))
        .collect();
    if let Some(t) = machine.stall_timeout_s() {
        marks.push((t as f64, "stall warning here".into()));
    }
    let unbounded = crate::stall::rows()
        .iter()
        .filter(|r| r.unbounded)
        .map(|r| {
            let here = crate::stall::table::applies(r, machine);
            format!("{}{}", r.key, if here.yes() { " (here)" } else { "" })
        })
        .collect();
    Some(StallPlot {
        writers,
        cycles_32: m32,
        cycles_64: m64,
        marks,
        unbounded,
    })
}
