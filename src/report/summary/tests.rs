//! The sections' declarations held to their code: each section is
//! rendered from a saved run's evidence (`tests/fixtures/report`), then
//! again with one field, one spec or one metric changed or taken away.
//! What a section does not declare must leave its text as it was; what it
//! declares must change it (each field alone; its specs together, and its
//! metrics together, since a section may fall back from one spec or
//! metric to another). Without its specs a section still renders, and
//! says the data is missing where it has words for that.

use super::*;
use crate::report::Evidence;
use crate::results::ReportSpec;
use crate::stress::uprobe::{TrapOutcome, TrapReport};
use crate::text::number::pow2_text;

#[test]
fn costs_shorten() {
    assert_eq!(pow2_text("2147483648"), "2^31");
    assert_eq!(headline::ratio_words(2.0), "2 times as long");
}

/// `SECTIONS` is the one ordered list; the module doc states the same
/// order for a reader, and this holds the two together (so a new section
/// is named in `mod.rs` only, the list and the doc).
#[test]
fn sections_are_unique_and_in_the_documented_order() {
    let names: Vec<&str> = SECTIONS.iter().map(|s| s.name).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        unique.len(),
        names.len(),
        "a section is listed twice: {names:?}"
    );
    let doc = include_str!("mod.rs").replace("\n//!", "");
    assert!(
        doc.contains(&format!("The order: {}.", names.join(", "))),
        "the module doc lists the order of SECTIONS: {}",
        names.join(", ")
    );
}

#[test]
fn declared_specs_are_shipped_specs() {
    let shipped: Vec<String> = crate::report::specs::SHIPPED
        .iter()
        .map(|(file, text)| crate::question::Question::parse(file, text).unwrap().name)
        .collect();
    for s in SECTIONS {
        for spec in s.needs.specs {
            assert!(
                shipped.iter().any(|x| x == spec.name()),
                "{}: {spec}",
                s.name
            );
        }
    }
}

/// Everything [`Inputs`] borrows, owned, so one part can be changed.
#[derive(Clone)]
struct World {
    version: String,
    machine: MachineModel,
    rates: RateTable,
    attacker: Option<Attacker>,
    observed: Observed,
    observed_rate: Option<(f64, String)>,
    pick: Option<PickAnswer>,
    specs: Vec<SpecRows>,
    plots: Vec<PathBuf>,
    notes: Vec<String>,
    sites: Option<String>,
    trap: Option<TrapReport>,
}

impl World {
    /// The saved run of `tests/fixtures/report`, as `report::render`
    /// reads it, loaded once for all the tests.
    fn fixture() -> World {
        static FIXTURE: std::sync::LazyLock<World> = std::sync::LazyLock::new(World::load);
        FIXTURE.clone()
    }

    fn load() -> World {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/report")
            .join(crate::report::EVIDENCE_FILE);
        let e = Evidence::load(&path).expect("the fixture loads");
        World {
            attacker: e.rates.attacker(),
            observed_rate: e.observed.rate(),
            sites: Some(crate::report::sites::summary_section(&e.sites, e.model())),
            trap: match &e.sites.trap {
                TrapOutcome::Measured(t) => Some(t.clone()),
                TrapOutcome::Skipped { .. } => None,
            },
            version: e.version,
            machine: e.machine,
            rates: e.rates,
            observed: e.observed,
            pick: e.pick,
            specs: e.specs,
            plots: e.plots,
            notes: e.notes,
        }
    }

    fn inputs(&self) -> Inputs<'_> {
        Inputs {
            version: &self.version,
            machine: &self.machine,
            rates: &self.rates,
            attacker: self.attacker.as_ref(),
            observed: &self.observed,
            observed_rate: self.observed_rate.as_ref(),
            pick: self.pick.as_ref(),
            specs: &self.specs,
            plots: &self.plots,
            notes: &self.notes,
            sites: self.sites.as_deref(),
            trap: self.trap.as_ref(),
        }
    }

    /// Each section's text.
    fn texts(&self) -> Vec<String> {
        let inp = self.inputs();
        let rows = Rows { specs: inp.specs };
        SECTIONS.iter().map(|s| (s.render)(&inp, &rows)).collect()
    }

    /// This world with `f` changed (emptied where it can be).
    fn with_changed(&self, f: InputField) -> World {
        let mut w = self.clone();
        match f {
            InputField::Version => w.version = "0.0.0-changed".into(),
            InputField::Machine => {
                w.machine = MachineModel::from_texts(&crate::host::texts::Texts::default());
            }
            InputField::RateTable => {
                w.rates = RateTable {
                    table: None,
                    why_not: Some("changed".into()),
                    cached_in: None,
                };
            }
            InputField::Attacker => w.attacker = None,
            InputField::Observed => {
                w.observed = Observed {
                    report: None,
                    why_not: Some("changed".into()),
                };
            }
            InputField::ObservedRate => w.observed_rate = None,
            InputField::Pick => w.pick = None,
            // Spec by spec and metric by metric: see the tests below.
            InputField::AllRows => {}
            InputField::SpecList => {
                for s in &mut w.specs {
                    s.title = "changed".into();
                    s.file = "changed.toml".into();
                    s.plots.clear();
                }
            }
            InputField::Plots => w.plots.clear(),
            InputField::Notes => w.notes = vec!["changed".into()],
            InputField::Sites => w.sites = None,
            InputField::Trap => w.trap = None,
        }
        w
    }
}

const FIELDS: [InputField; 12] = [
    InputField::Version,
    InputField::Machine,
    InputField::RateTable,
    InputField::Attacker,
    InputField::Observed,
    InputField::ObservedRate,
    InputField::Pick,
    InputField::SpecList,
    InputField::Plots,
    InputField::Notes,
    InputField::Sites,
    InputField::Trap,
];

/// What section `i` reads, with what the sections above it read when
/// it reads their text: (specs, metrics, fields).
fn reads(i: usize) -> (Vec<ReportSpec>, Vec<EngineMetric>, Vec<InputField>) {
    let mut n = (Vec::new(), Vec::new(), Vec::new());
    let from = if SECTIONS[i].needs.text_above { 0 } else { i };
    for s in &SECTIONS[from..=i] {
        n.0.extend(s.needs.specs);
        n.1.extend(s.needs.metrics);
        n.2.extend(s.needs.evidence);
    }
    n
}

/// Changing a field a section does not declare leaves its text as it
/// was; changing one it declares changes it.
#[test]
fn sections_read_the_fields_they_declare_and_no_other() {
    let world = World::fixture();
    let before = world.texts();
    for f in FIELDS {
        let after = world.with_changed(f).texts();
        for (i, s) in SECTIONS.iter().enumerate() {
            let declared = reads(i).2.contains(&f);
            if !declared {
                assert_eq!(
                    before[i], after[i],
                    "section {} reads {f:?} and does not declare it",
                    s.name
                );
            } else if !s.needs.text_above {
                assert_ne!(
                    before[i], after[i],
                    "section {} declares {f:?} and does not read it",
                    s.name
                );
            }
        }
    }
}

/// Whether section `i` may read `spec`'s rows.
fn reads_spec(i: usize, spec: &str) -> bool {
    let (specs, _, fields) = reads(i);
    specs.iter().any(|s| s.name() == spec)
        || fields.contains(&InputField::AllRows)
        || fields.contains(&InputField::SpecList)
}

/// A spec a section does not declare can go without changing its
/// text; without the specs it declares, it renders (saying what is
/// missing where it has words for it) and differs.
#[test]
fn sections_read_the_specs_they_declare_and_no_other() {
    let world = World::fixture();
    let before = world.texts();
    let names: Vec<String> = world.specs.iter().map(|s| s.name.clone()).collect();
    for name in &names {
        let mut w = world.clone();
        w.specs.retain(|s| &s.name != name);
        let after = w.texts();
        for (i, s) in SECTIONS.iter().enumerate() {
            if !reads_spec(i, name) {
                assert_eq!(
                    before[i], after[i],
                    "section {} reads spec {name} and does not declare it",
                    s.name
                );
            }
        }
    }
    for (i, s) in SECTIONS.iter().enumerate() {
        if s.needs.specs.is_empty() && !s.needs.evidence.contains(&InputField::AllRows) {
            continue;
        }
        let mut w = world.clone();
        w.specs.retain(|sp| {
            !s.needs.specs.iter().any(|x| x.name() == sp.name)
                && !s.needs.evidence.contains(&InputField::AllRows)
        });
        let after = w.texts();
        assert_ne!(
            before[i], after[i],
            "section {} declares specs {:?} and does not read them",
            s.name, s.needs.specs
        );
        let missing = match s.name {
            "adversary" => Some("(The width sweep did not run: no wrap counts.)"),
            "ordering" => Some("(The fixes spec did not run.)"),
            "engines" => Some("(Only one engine ran; nothing to cross-check.)"),
            _ => None,
        };
        if let Some(m) = missing {
            assert!(
                after[i].replace('\n', " ").contains(m),
                "section {} without its specs:\n{}",
                s.name,
                after[i]
            );
        }
    }
}

/// Rows of a metric a section does not declare can go without changing
/// its text; without the metrics it declares, it differs.
#[test]
fn sections_read_the_metrics_they_declare_and_no_other() {
    let world = World::fixture();
    let before = world.texts();
    let mut metrics: Vec<(String, String)> = world
        .specs
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| (r.engine.clone(), r.metric.clone())))
        .collect();
    metrics.sort();
    metrics.dedup();
    let declares = |i: usize, e: &str, m: &str| {
        let (_, ms, fields) = reads(i);
        // The file list counts every row.
        fields.contains(&InputField::SpecList)
            || ms
                .iter()
                .any(|x| x.engine.name() == e && x.metric.name() == m)
    };
    for (e, m) in &metrics {
        let mut w = world.clone();
        for s in &mut w.specs {
            s.rows.retain(|r| !(&r.engine == e && &r.metric == m));
        }
        let after = w.texts();
        for (i, s) in SECTIONS.iter().enumerate() {
            if !declares(i, e, m) {
                assert_eq!(
                    before[i], after[i],
                    "section {} reads {e} {m} and does not declare it",
                    s.name
                );
            }
        }
    }
    for (i, s) in SECTIONS.iter().enumerate() {
        if s.needs.metrics.is_empty() {
            continue;
        }
        let mut w = world.clone();
        for sp in &mut w.specs {
            sp.rows
                .retain(|r| !s.needs.metrics.iter().any(|x| r.is(x.engine, x.metric)));
        }
        assert_ne!(
            before[i],
            w.texts()[i],
            "section {} declares {:?} and does not read them",
            s.name,
            s.needs.metrics
        );
    }
}

#[test]
fn render_is_the_sections_in_order() {
    let world = World::fixture();
    assert_eq!(render(&world.inputs()), world.texts().concat());
}

/// A spec that ran an engine but no longer yields a metric a section
/// declares fails the check, naming the spec, the section and the metric;
/// the saved run passes it.
#[test]
fn a_spec_without_a_declared_metric_is_named() {
    let world = World::fixture();
    let ran = |sp: &SpecRows, e: EngineKind| sp.rows.iter().any(|r| r.is_engine(e));
    assert!(check_needs(&world.specs, &ran).is_ok());
    let mut specs = world.specs.clone();
    for sp in &mut specs {
        sp.rows
            .retain(|r| !r.is(EngineKind::Analyze, Metric::TimeToFpS));
    }
    let err = check_needs(&specs, &ran).unwrap_err().to_string();
    assert!(
        err.contains("analysis/widths.toml")
            && err.contains("time_to_fp_s")
            && err.contains("headline"),
        "{err}"
    );
}
