//! `summary.md`: the answer, written from CSV rows only.
//!
//! Every line is at most [`MAX_COLS`] columns (tables, code blocks and
//! prose alike) so the whole file can be pasted into a reply on a kernel
//! mailing list. Every number comes from a row (engine and seed in the
//! CSV); when a row is missing, the text says so instead of guessing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::table::{MAX_COLS, Table, bullet, wrap};
use crate::plot::data::{num, scheme_label};
use crate::question::Question;
use crate::sweep::cost::pow2_text;
use crate::sweep::csv::Row;
use crate::sweep::engines::MeasuredRate;
use crate::timing::human_duration;

/// One spec's rows and plots.
#[derive(Clone, Debug)]
pub struct SpecRows {
    /// The question as run (engines this build lacks removed).
    pub question: Question,
    /// Its CSV rows.
    pub rows: Vec<Row>,
    /// Its plots.
    pub plots: Vec<PathBuf>,
}

/// What the summary is written from.
pub struct Inputs<'a> {
    /// The kernel measurement, if taken.
    pub kernel: Option<&'a MeasuredRate>,
    /// Each spec's rows, in report order.
    pub specs: &'a [SpecRows],
    /// Caveats to print first.
    pub notes: &'a [String],
}

/// Look-ups over all rows.
struct Rows<'a> {
    specs: &'a [SpecRows],
}

impl<'a> Rows<'a> {
    fn spec(&self, name: &str) -> Option<&'a SpecRows> {
        self.specs.iter().find(|s| s.question.name == name)
    }

    fn of(&self, spec: &str) -> &'a [Row] {
        self.spec(spec).map_or(&[], |s| s.rows.as_slice())
    }

    /// The first value of `metric` by `engine` for scheme `plain` at `bits`
    /// and `rate` (and `window` if given).
    fn plain(
        &self,
        spec: &str,
        engine: &str,
        metric: &str,
        bits: u32,
        rate: Option<f64>,
        window: Option<&str>,
    ) -> Option<&'a Row> {
        self.of(spec).iter().find(|r| {
            r.scheme == "plain"
                && r.engine == engine
                && r.metric == metric
                && r.bits == bits
                && rate.is_none_or(|x| num(&r.rate) == Some(x))
                && window.is_none_or(|w| r.window == w)
        })
    }
}

/// A probability string in three significant digits, exponent kept as the
/// engine wrote it: `1.2345e-19` -> `1.23e-19`; `1e-4300000000` stays.
pub fn short_p(s: &str) -> String {
    let t = s.trim();
    if let Ok(v) = t.parse::<f64>()
        && v.is_finite()
        && ((v == 0.0 && !t.contains(['e', 'E'])) || v.abs() > 1e-300)
    {
        if v == 0.0 {
            return "0".into();
        }
        let r = format!("{v:.2e}");
        let (m, e) = r.split_once('e').unwrap_or((&r, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        return if e == "0" {
            m.to_string()
        } else {
            format!("{m}e{e}")
        };
    }
    // Beyond f64: shorten the mantissa, keep the exponent as written;
    // past 10^15 the exponent itself is an f64 (no digit below its third
    // is meaningful) and the mantissa is unknown: `10^(-1.62e20)`.
    if let Some((_, e)) = t.split_once(['e', 'E'])
        && let Ok(x) = e.parse::<f64>()
        && x.abs() >= 1e15
    {
        return format!("10^({x:.2e})");
    }
    match t.split_once(['e', 'E']) {
        Some((m, e)) => {
            let m = match m.parse::<f64>() {
                Ok(v) => {
                    let r = format!("{v:.2}");
                    r.trim_end_matches('0').trim_end_matches('.').to_string()
                }
                Err(_) => m.to_string(),
            };
            format!("{m}e{}", e.trim_start_matches('+'))
        }
        None => t.to_string(),
    }
}

/// A rate in three significant digits: `8.61e6`, `1e9`.
pub fn rate_text(r: f64) -> String {
    let s = format!("{r:.2e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let m = m.trim_end_matches('0').trim_end_matches('.');
    format!("{m}e{e}")
}

fn width_name(bits: u32) -> String {
    crate::width::Width::new(bits).map_or(bits.to_string(), |w| w.to_string())
}

/// The rate the summary reads its answers at: the measured kernel rate if
/// there is one, else the highest fixed rate of the mm_lock_seq spec.
fn headline_rate(rows: &Rows<'_>, kernel: Option<&MeasuredRate>) -> Option<(f64, String)> {
    if let Some(k) = kernel {
        return Some((
            k.cycles_per_s,
            format!("{} cycles/s measured", rate_text(k.cycles_per_s)),
        ));
    }
    rows.of("mm_lock_seq")
        .iter()
        .filter_map(|r| num(&r.rate))
        .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
        .map(|r| {
            (
                r,
                format!("{} cycles/s (no measurement; highest rate)", rate_text(r)),
            )
        })
}

/// Render the summary.
pub fn render(inp: &Inputs<'_>) -> String {
    let rows = Rows { specs: inp.specs };
    let mut s = String::new();
    s.push_str("# How wide must mm_lock_seq be?\n\n");
    s.push_str(&wrap(&format!(
        "seqwrap {} answers the question of the mmap_lock_speculation RFC \
         thread: how many write-lock cycles until a speculating reader's \
         recorded mm_lock_seq comes back (a false positive), how long that \
         takes, and how likely it is by accident. Every number below is a \
         row of data/*.csv with its engine and seed; `cargo run --release \
         -- report` reproduces them.",
        env!("CARGO_PKG_VERSION")
    )));
    if !inp.notes.is_empty() {
        s.push_str("\n## Caveats\n\n");
        for n in inp.notes {
            s.push_str(&bullet(n));
        }
    }
    let head = headline_rate(&rows, inp.kernel);

    s.push_str("\n## Answer\n\n");
    s.push_str(&answer(&rows, inp.kernel, head.as_ref()));

    s.push_str("\n## This machine\n\n");
    match inp.kernel {
        Some(k) => {
            s.push_str(&bullet(&format!(
                "mmap_lock write-lock cycles: {} per second ({}).",
                rate_text(k.cycles_per_s),
                k.what
            )));
            for bits in [32u32, 64] {
                let t = rows
                    .plain(
                        "mm_lock_seq",
                        "analyze",
                        "time_to_fp_s",
                        bits,
                        Some(k.cycles_per_s),
                        None,
                    )
                    .and_then(|r| num(&r.value));
                let line = match t {
                    Some(t) => format!(
                        "A {bits}-bit mm_lock_seq needs 2^{} cycles to come back: {} at this rate.",
                        bits - 1,
                        human_duration(t)
                    ),
                    None => format!(
                        "A {bits}-bit mm_lock_seq needs 2^{} cycles (no analyze row for the time).",
                        bits - 1
                    ),
                };
                s.push_str(&bullet(&line));
            }
        }
        None => s.push_str(&wrap(
            "The kernel's write-lock rate was not measured here (see Caveats); \
             read the tables at the fixed rates.",
        )),
    }

    s.push_str(&adversary_section(&rows, inp.kernel));
    s.push_str(&accident_section(&rows, head.as_ref()));
    s.push_str(&fixes_section(&rows));
    s.push_str(&engines_section(&rows));

    s.push_str("\n## Files\n\n");
    for sp in inp.specs {
        let plots: Vec<String> = sp
            .plots
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        s.push_str(&bullet(&format!(
            "{} ({}): data/{}.csv, {} rows{}{}",
            spec_path(&sp.question.file),
            sp.question.title,
            sp.question.name,
            sp.rows.len(),
            if plots.is_empty() { "" } else { "; plots " },
            plots.join(", ")
        )));
    }
    s
}

fn answer(rows: &Rows<'_>, kernel: Option<&MeasuredRate>, head: Option<&(f64, String)>) -> String {
    let mut out = String::new();
    let Some((rate, rate_words)) = head else {
        return wrap("No writer rate is available, so no time can be given.");
    };
    let t = |bits| {
        rows.plain(
            "mm_lock_seq",
            "analyze",
            "time_to_fp_s",
            bits,
            Some(*rate),
            None,
        )
        .and_then(|r| num(&r.value))
    };
    let explore_min = |bits| {
        rows.plain("mm_lock_seq", "explore", "min_cycles", bits, None, None)
            .map(|r| pow2_text(&r.value))
    };
    let min32 = explore_min(32).unwrap_or_else(|| "2^31".into());
    let min64 = explore_min(64).unwrap_or_else(|| "2^63".into());
    let mut p = format!(
        "The explorer finds the shortest false positive of the posted scheme \
         (an int bumped at lock and unlock) after {min32} write-lock cycles \
         inside one reader window; a 64-bit counter needs {min64}."
    );
    if let (Some(t32), Some(t64)) = (t(32), t(64)) {
        p.push_str(&format!(
            " At {rate_words}, that is {} for the int and {} for a u64.",
            human_duration(t32),
            human_duration(t64)
        ));
        if kernel.is_some() {
            p.push_str(
                " The rate was driven from user space on this machine, so \
                 with a 32-bit counter the only question left is whether a \
                 reader can be stalled that long inside its window \
                 (preemption, a throttled cgroup, a fault on slow storage); \
                 an unprivileged process supplies the writes.",
            );
        }
    } else {
        p.push_str(" (The analyze engine's times are missing from this run.)");
    }
    out.push_str(&wrap(&p));
    out.push('\n');

    // Accident at a typical window.
    let w = "lognormal:2us,1ms";
    let p32 = rows.plain(
        "mm_lock_seq",
        "analyze",
        "p_false_positive",
        32,
        Some(*rate),
        Some(w),
    );
    let f32 = rows.plain(
        "mm_lock_seq",
        "analyze",
        "fleet_expected",
        32,
        Some(*rate),
        Some(w),
    );
    if let Some(p32) = p32 {
        let mut a = format!(
            "By accident: with windows lognormal (median 2 us, p99 1 ms) \
             and a Poisson writer at that rate, P(false positive) per \
             speculation of the int is {}",
            short_p(&p32.value)
        );
        if let Some(f) = f32 {
            a.push_str(&format!(
                "; a fleet of {} would expect {} in its lifetime",
                fleet_words(rows),
                short_p(&f.value)
            ));
            match num(&f.value) {
                Some(e) if e < 1.0 && e > 0.0 => a.push_str(&format!(
                    ", about a 1 in {:.0} chance that any machine ever sees one. \
                     The stalled or adversarial reader, not the typical one, \
                     is the risk",
                    (1.0 / e).round()
                )),
                Some(e) if e >= 1.0 => {
                    a.push_str(". Accident alone is a reason to widen the counter")
                }
                _ => {}
            }
        }
        a.push('.');
        out.push_str(&wrap(&a));
        out.push('\n');
    }

    out.push_str(&wrap(&recommendation(rows)));
    out
}

/// The recommendation, from the explorer's verdicts on the fixes at 64
/// bits of state: a plain u64 where the machine has 64-bit atomics; on
/// 32-bit kernels the two-word variants that keep (nearly) the full
/// period, and a warning for those that do not.
fn recommendation(rows: &Rows<'_>) -> String {
    let fixes = rows.of("fixes");
    // (label, log2 of min cycles or None for no false positive, text)
    let mut at64: Vec<(String, Option<f64>, String)> = Vec::new();
    for r in fixes
        .iter()
        .filter(|r| r.engine == "explore" && r.metric == "min_cycles" && r.bits == 64)
    {
        let label = scheme_label(&r.scheme, &r.params);
        let l2 = crate::plot::data::log2_dec(&r.value);
        at64.push((label, l2, pow2_text(&r.value)));
    }
    let plain = at64.iter().find(|f| f.0 == "plain 64");
    let mut r = match plain {
        Some((_, Some(_), m)) => format!(
            "Recommendation: make mm_lock_seq 64 bits. As one atomic 64-bit \
             word the explorer needs {m} writer cycles for a false positive."
        ),
        _ => "Recommendation: make mm_lock_seq 64 bits.".to_string(),
    };
    let two_word = |f: &&(String, Option<f64>, String)| {
        f.0.starts_with("split hi-lo-hi") || f.0.starts_with("epoch")
    };
    let good: Vec<String> = at64
        .iter()
        .filter(two_word)
        .filter(|f| f.1.is_none_or(|l| l >= 62.0))
        .map(|f| {
            format!(
                "{} ({})",
                f.0,
                if f.1.is_some() { f.2.as_str() } else { "none" }
            )
        })
        .collect();
    let bad: Vec<String> = at64
        .iter()
        .filter(|f| two_word(f) || f.0.starts_with("split naive"))
        .filter(|f| f.1.is_some_and(|l| l < 62.0))
        .map(|f| format!("{} ({})", f.0, f.2))
        .collect();
    if !good.is_empty() {
        r.push_str(&format!(
            " Where it must be two 32-bit words (32-bit kernels), the store \
             and load orders decide: {} keep nearly the full period.",
            good.join(", ")
        ));
    }
    if !bad.is_empty() {
        r.push_str(&format!(
            " The explorer breaks {} far sooner, no better than the int; \
             see the traces below.",
            bad.join(", ")
        ));
    }
    let guard = fixes.iter().find(|r| {
        r.engine == "explore" && r.metric == "verdict" && r.scheme == "guard" && r.bits == 32
    });
    if let Some(g) = guard {
        let what = if g.value == "none-at-all" {
            "the explorer finds no false positive at all".to_string()
        } else {
            format!("the explorer says {}", g.value)
        };
        r.push_str(&format!(
            " Keeping the int is possible only with a guard (the writer \
             waits for a grace period before the counter wraps): {what}, at \
             the cost of one grace period per 2^31 write-lock cycles."
        ));
    }
    r
}

fn fleet_words(rows: &Rows<'_>) -> String {
    rows.spec("mm_lock_seq")
        .and_then(|s| s.question.fleet)
        .map_or("machines".into(), |f| {
            format!(
                "{} machines x {} speculations/s x {} years",
                rate_text(f.machines),
                rate_text(f.speculations_per_s),
                f.years
            )
        })
}

fn adversary_section(rows: &Rows<'_>, kernel: Option<&MeasuredRate>) -> String {
    let mut s = String::from("\n## Adversary: time to the first false positive\n\n");
    s.push_str(&wrap(
        "A reader stalled inside its window while writers lock and unlock \
         at the given rate: the time until the counter has come back \
         (2^(W-1) cycles, from analyze; the explorer finds the same count).",
    ));
    let data = rows.of("mm_lock_seq");
    let mut by_rate: BTreeMap<u64, (f64, BTreeMap<u32, f64>)> = BTreeMap::new();
    for r in data
        .iter()
        .filter(|r| r.engine == "analyze" && r.metric == "time_to_fp_s")
    {
        if let (Some(rate), Some(t)) = (num(&r.rate), num(&r.value)) {
            by_rate
                .entry(rate.to_bits())
                .or_insert((rate, BTreeMap::new()))
                .1
                .entry(r.bits)
                .or_insert(t);
        }
    }
    if by_rate.is_empty() {
        s.push_str(&wrap("(No analyze rows: the analyze engine did not run.)"));
        return s;
    }
    let widths: Vec<u32> = {
        let mut w: Vec<u32> = by_rate.values().flat_map(|v| v.1.keys().copied()).collect();
        w.sort_unstable();
        w.dedup();
        w
    };
    let mut header = vec!["writer cycles/s".to_string()];
    header.extend(widths.iter().map(|b| width_name(*b)));
    let mut t = Table {
        header,
        rows: Vec::new(),
    };
    let mut entries: Vec<&(f64, BTreeMap<u32, f64>)> = by_rate.values().collect();
    entries.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (rate, m) in entries {
        let measured = kernel.is_some_and(|k| k.cycles_per_s == *rate);
        let mut cells = vec![if measured {
            format!("{} (this box)", rate_text(*rate))
        } else {
            rate_text(*rate)
        }];
        cells.extend(
            widths
                .iter()
                .map(|b| m.get(b).map_or("-".into(), |t| human_duration(*t))),
        );
        t.row(cells);
    }
    s.push('\n');
    s.push_str(&t.render());
    s
}

fn accident_section(rows: &Rows<'_>, head: Option<&(f64, String)>) -> String {
    let mut s = String::from("\n## Accident: P(false positive) per speculation\n\n");
    let Some((rate, words)) = head else {
        return s;
    };
    let data = rows.of("mm_lock_seq");
    let sel: Vec<&Row> = data
        .iter()
        .filter(|r| {
            r.engine == "analyze" && r.metric == "p_false_positive" && num(&r.rate) == Some(*rate)
        })
        .collect();
    if sel.is_empty() {
        s.push_str(&wrap("(No analyze rows at this rate.)"));
        return s;
    }
    let process = sel[0].process.clone();
    let hold = sel[0].hold.clone();
    s.push_str(&wrap(&format!(
        "Assumed: a {process} writer at {words}, lock hold {hold}, and the \
         window distribution in the first column (fixed:T a constant \
         length; lognormal:MEDIAN,P99; pareto:XMIN,ALPHA). Exact values from analyze, \
         exponents kept: a probability is never rounded to 0."
    )));
    let mut windows: Vec<String> = Vec::new();
    for r in &sel {
        if !windows.contains(&r.window) {
            windows.push(r.window.clone());
        }
    }
    let widths = [16u32, 32, 64];
    let mut header = vec!["window".to_string()];
    header.extend(widths.iter().map(|b| width_name(*b)));
    let mut t = Table {
        header,
        rows: Vec::new(),
    };
    for w in &windows {
        let mut cells = vec![w.clone()];
        for b in widths {
            let v = sel
                .iter()
                .find(|r| &r.window == w && r.bits == b && r.process == process && r.hold == hold)
                .map_or("-".into(), |r| short_p(&r.value));
            cells.push(v);
        }
        t.row(cells);
    }
    s.push('\n');
    let rendered = t.render();
    if rendered.lines().all(|l| l.chars().count() <= MAX_COLS) {
        s.push_str(&rendered);
    } else {
        // Exponents beyond ~1e-10^9 can make a cell too wide: one row a line.
        for r in &t.rows {
            s.push_str(&bullet(&format!(
                "{}: i16 {}, i32 {}, u64 {}",
                r[0], r[1], r[2], r[3]
            )));
        }
    }
    let fleet: Vec<(u32, &Row)> = widths
        .iter()
        .filter_map(|b| {
            data.iter()
                .find(|r| {
                    r.engine == "analyze"
                        && r.metric == "fleet_expected"
                        && r.bits == *b
                        && num(&r.rate) == Some(*rate)
                        && r.window == "lognormal:2us,1ms"
                })
                .map(|r| (*b, r))
        })
        .collect();
    if !fleet.is_empty() {
        let list: Vec<String> = fleet
            .iter()
            .map(|(b, r)| format!("{} {}", width_name(*b), short_p(&r.value)))
            .collect();
        s.push('\n');
        s.push_str(&wrap(&format!(
            "Fleet ({}), lognormal windows: expected false positives over its \
             lifetime: {}.",
            fleet_words(rows),
            list.join("; ")
        )));
    }
    s
}

fn fixes_section(rows: &Rows<'_>) -> String {
    let mut s = String::from("\n## The fixes, checked by the explorer\n\n");
    let data = rows.of("fixes");
    if data.is_empty() {
        s.push_str(&wrap("(The fixes spec did not run.)"));
        return s;
    }
    s.push_str(&wrap(
        "Every interleaving of one reader and one writer (auto mode: \
         writer-only stretches jumped exactly, so 64 bits is exhaustive \
         too). \"min cycles\" is the fewest writer cycles inside one reader \
         window that give a false positive. Cost: reader loads per \
         speculation (ld) and the writer's extra work (st = store, GP = \
         grace period) per that many cycles.",
    ));
    let mut order: Vec<(String, String, u32)> = Vec::new();
    let mut t = Table::new(&["scheme", "min cycles"]);
    let mut tc = Table::new(&["scheme", "cost"]);
    for r in data.iter().filter(|r| r.engine == "explore") {
        let key = (r.scheme.clone(), r.params.clone(), r.bits);
        if !order.contains(&key) {
            order.push(key);
        }
    }
    for (scheme, params, bits) in &order {
        if *bits < 32 {
            continue;
        }
        let get = |m: &str| {
            data.iter().find(|r| {
                r.engine == "explore" && &r.scheme == scheme && &r.params == params && r.metric == m
            })
        };
        let min = get("min_cycles")
            .map(|r| r.value.clone())
            .unwrap_or_default();
        let verdict = get("verdict").map(|r| r.value.clone()).unwrap_or_default();
        let min_text = if !min.is_empty() {
            pow2_text(&min)
        } else if verdict == "none-at-all" {
            "none".into()
        } else if verdict.is_empty() {
            "-".into()
        } else {
            verdict.clone()
        };
        let name = scheme_label(scheme, params);
        let cost = get("scheme_cost")
            .map(|r| short_cost(&r.value))
            .unwrap_or_default();
        t.row(vec![name.clone(), min_text]);
        tc.row(vec![name, cost]);
    }
    s.push('\n');
    s.push_str(&t.render());
    s.push('\n');
    s.push_str(&tc.render());
    // Shortest traces at 8 bits for the schemes that fail early.
    for (scheme, params, bits) in &order {
        if *bits != 8 {
            continue;
        }
        let label = scheme_label(scheme, params);
        let min = data
            .iter()
            .find(|r| {
                r.engine == "explore"
                    && &r.scheme == scheme
                    && &r.params == params
                    && r.metric == "min_cycles"
            })
            .and_then(|r| r.value.parse::<u128>().ok());
        let full = 1u128 << (bits - 1);
        // The plain reference, and every scheme that fails before half its
        // width's full period: those are the findings worth a trace.
        if !(scheme == "plain" || min.is_some_and(|m| m < full / 2)) {
            continue;
        }
        let trace = data.iter().find(|r| {
            r.engine == "explore"
                && &r.scheme == scheme
                && &r.params == params
                && r.metric == "trace"
        });
        if let Some(tr) = trace.filter(|t| !t.value.is_empty()) {
            s.push('\n');
            s.push_str(&wrap(&format!(
                "Shortest counterexample, {label} (explorer):"
            )));
            s.push_str("\n```\n");
            for l in tr.value.lines() {
                s.push_str(l);
                s.push('\n');
            }
            s.push_str("```\n");
        }
    }
    s
}

/// `protocol::cost` summaries shortened for a 72-column table:
/// `2 loads, 2 fences; writer 2 stores, 2 fences; +1 store per 2^31
/// cycles` -> `2ld 2f; 2st 2f; +1st/2^31`.
fn short_cost(c: &str) -> String {
    // The description's note ("; also: ...") is prose, not a column.
    let c = c.split("; also: ").next().unwrap_or(c);
    c.replace(" loads, ", "ld ")
        .replace(" load, ", "ld ")
        .replace(" fences", "f")
        .replace(" fence", "f")
        .replace("writer ", "")
        .replace(" stores, ", "st ")
        .replace(" store, ", "st ")
        .replace(" stores per ", "st/")
        .replace(" store per ", "st/")
        .replace(" grace periods per ", "GP/")
        .replace(" grace period per ", "GP/")
        .replace(" cycles", "")
}

fn engines_section(rows: &Rows<'_>) -> String {
    let mut s = String::from("\n## Cross-checks between engines\n\n");
    let all: Vec<&Row> = rows.specs.iter().flat_map(|sp| sp.rows.iter()).collect();
    let key = |r: &Row| (r.spec.clone(), r.scheme.clone(), r.params.clone());
    let analyze_min: BTreeMap<_, &str> = all
        .iter()
        .filter(|r| r.engine == "analyze" && r.metric == "min_cycles")
        .map(|r| (key(r), r.value.as_str()))
        .collect();
    let cycles = |v: &str| {
        if v.is_empty() {
            "none".to_string()
        } else {
            pow2_text(v)
        }
    };
    let mut lines = Vec::new();

    // explore vs analyze on minimal cycles.
    let (mut same, mut n) = (0, 0);
    let mut differ: Vec<String> = Vec::new();
    for r in all
        .iter()
        .filter(|r| r.engine == "explore" && r.metric == "min_cycles")
    {
        let Some(a) = analyze_min.get(&key(r)) else {
            continue;
        };
        n += 1;
        if *a == r.value {
            same += 1;
        } else {
            let d = format!(
                "{} (explore {}, analyze {})",
                scheme_label(&r.scheme, &r.params),
                cycles(&r.value),
                cycles(a)
            );
            if !differ.contains(&d) {
                differ.push(d);
            }
        }
    }
    if n > 0 {
        let mut l = format!(
            "explore and analyze agree on the minimal cycles for {same} of {n} \
             scheme instances."
        );
        if !differ.is_empty() {
            l.push_str(&format!(
                " They differ for {}: analyze's closed form takes a phase's \
                 loads at one instant, the explorer interleaves every load \
                 and store, so its shorter count is a real interleaving \
                 (trace above).",
                differ.join(", ")
            ));
        }
        lines.push(l);
    }

    // sample's interval vs analyze's exact probability.
    let pkey = |r: &Row| {
        (
            r.spec.clone(),
            r.scheme.clone(),
            r.params.clone(),
            r.rate.clone(),
            r.process.clone(),
            r.hold.clone(),
            r.window.clone(),
        )
    };
    let exact: BTreeMap<_, f64> = all
        .iter()
        .filter(|r| r.engine == "analyze" && r.metric == "p_false_positive")
        .map(|r| (pkey(r), num(&r.value).unwrap_or(0.0)))
        .collect();
    let (mut inside, mut m, mut informative) = (0, 0, 0);
    for r in all
        .iter()
        .filter(|r| r.engine == "sample" && r.metric == "p_false_positive")
    {
        let (Some(a), Some(lo), Some(hi)) = (exact.get(&pkey(r)), num(&r.ci_low), num(&r.ci_high))
        else {
            continue;
        };
        m += 1;
        inside += usize::from(lo <= *a && *a <= hi);
        informative += usize::from(*a > 1e-4);
    }
    if m > 0 {
        lines.push(format!(
            "sample's 95% interval contains analyze's exact probability at \
             {inside} of {m} points ({informative} of them with P > 1e-4, \
             where the check has teeth; about 5% may miss by chance)."
        ));
    }

    // stress: observed cycles vs analyze's count.
    let mut matched = Vec::new();
    let mut seen = Vec::new();
    for r in all
        .iter()
        .filter(|r| r.engine == "stress" && r.metric == "observed_at_cycles")
    {
        let label = scheme_label(&r.scheme, &r.params);
        if seen.contains(&label) {
            continue;
        }
        seen.push(label.clone());
        let want = analyze_min.get(&key(r)).copied().unwrap_or("");
        if r.value == want && !want.is_empty() {
            matched.push(label);
        } else {
            lines.push(format!(
                "stress, {label}: real threads saw {} where analyze predicts {}.",
                if r.value.is_empty() {
                    "no false positive".into()
                } else {
                    cycles(&r.value)
                },
                cycles(want)
            ));
        }
    }
    if !matched.is_empty() {
        lines.push(format!(
            "stress (real threads, real atomics) saw the false positive at \
             exactly analyze's count for {}.",
            matched.join(", ")
        ));
    }
    let mut not_run: Vec<String> = Vec::new();
    for r in all
        .iter()
        .filter(|r| r.engine == "stress" && r.metric == "not_run")
    {
        let l = scheme_label(&r.scheme, &r.params);
        let name = l.split(' ').next().unwrap_or("").to_string();
        if !not_run.contains(&name) {
            not_run.push(name);
        }
    }
    if !not_run.is_empty() {
        lines.push(format!(
            "stress does not run {} (the reason is in the CSV rows, metric \
             not_run).",
            not_run.join(", ")
        ));
    }
    if lines.is_empty() {
        s.push_str(&wrap("(Only one engine ran; nothing to cross-check.)"));
    }
    for l in lines {
        s.push_str(&bullet(&l));
    }
    s
}

/// `analysis/NAME.toml` for a spec however it was named on the command line.
fn spec_path(file: &str) -> String {
    let name = file
        .replace(" (built in)", "")
        .rsplit('/')
        .next()
        .unwrap_or(file)
        .to_string();
    format!("analysis/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_shorten_but_keep_exponents() {
        assert_eq!(short_p("1.23456e-19"), "1.23e-19");
        assert_eq!(short_p("1e-4300000000"), "1e-4300000000");
        assert_eq!(short_p("1e-161637288913984978944"), "10^(-1.62e20)");
        assert_eq!(short_p("0.0078125"), "7.81e-3");
        assert_eq!(short_p("1.5"), "1.5");
        assert_eq!(pow2_text("2147483648"), "2^31");
        assert_eq!(
            short_cost("6 loads, 4 fences; writer 3 stores, 2 fences; +1 store per 2^31 cycles"),
            "6ld 4f; 3st 2f; +1st/2^31"
        );
    }
}
