//! `reports/mail.txt`: the answer as a maintainer would post it. Plain
//! text, at most [`MAX_LINES`] lines of at most 72 columns, no Markdown,
//! references as `[n]` at the bottom. A pure function of typed results:
//! nothing here measures or explores.
//!
//! Every number the mail prints is a [`MailFigure`]: rounded once, here, and
//! written beside its exact value and its source to
//! `data/mail_figures.csv`, so each printed number can be found in a data
//! file and checked.

use serde::Serialize;

use super::claims::{self, SourceKind};
use super::patches::Judged;
use crate::memory::Model;
use crate::site::Site;
use crate::site::audit::{SiteAnswer, SiteVerdict};
use crate::site::hold::PreemptModel;
use crate::stress::hold::HoldOutcome;
use crate::stress::uprobe::TrapOutcome;
use crate::text::table::{MAX_COLS, hang, wrap};
use crate::timing::human_duration;

/// The most lines the mail may have.
pub const MAX_LINES: usize = 80;

/// One printed number: as printed, exactly, and where it comes from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MailFigure {
    /// What it is (`rate_one_thread`).
    pub id: String,
    /// As the mail prints it (`7.11e6/s`).
    pub printed: String,
    /// Its exact value (full precision, no unit).
    pub exact: String,
    /// The data file or command it comes from.
    pub source: String,
}

/// The explorer's count for one catalog protocol under one model.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Ordering {
    /// The catalog name (`rfc-v1`).
    pub protocol: String,
    /// The memory model.
    pub model: Model,
    /// `min_cycles` (`None`: no false positive at all).
    pub min_cycles: Option<String>,
}

/// What the mail is written from.
pub struct MailInputs<'a> {
    /// seqwrap's version.
    pub version: &'a str,
    /// The CPU model.
    pub cpu: &'a str,
    /// CPUs.
    pub cpus: usize,
    /// The kernel release.
    pub kernel: &'a str,
    /// Whether a hypervisor is present.
    pub virtualised: Option<bool>,
    /// The preemption model in force.
    pub preempt: Option<PreemptModel>,
    /// `/sys/devices/system/cpu/vulnerabilities/*`: (name, state).
    pub mitigations: &'a [(String, String)],
    /// munmap(1, 0) write-lock cycles/s on one thread and on every CPU.
    pub rate_one: Option<f64>,
    /// See `rate_one`.
    pub rate_all: Option<f64>,
    /// The reader sites and their answers (same order).
    pub sites: &'a [Site],
    /// See `sites`.
    pub answers: &'a [SiteAnswer],
    /// The short real hold.
    pub hold: &'a HoldOutcome,
    /// The uprobe trap round trip.
    pub trap: &'a TrapOutcome,
    /// rfc-v1, v2 and seqcount under each model.
    pub ordering: &'a [Ordering],
    /// Litmus tests herd7 judged (`data/herd7.tsv`).
    pub herd_cases: usize,
    /// The changes, judged, in the stated order.
    pub patches: &'a [Judged],
}

/// The mail and its figures.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The text.
    pub text: String,
    /// Every number it prints.
    pub figures: Vec<MailFigure>,
}

struct Figs(Vec<MailFigure>);

impl Figs {
    /// Record a figure; returns its printed text.
    fn add(&mut self, id: &str, printed: String, exact: String, source: &str) -> String {
        if !self.0.iter().any(|f| f.id == id) {
            self.0.push(MailFigure {
                id: id.into(),
                printed: printed.clone(),
                exact,
                source: source.into(),
            });
        }
        printed
    }

    fn rate(&mut self, id: &str, r: f64, source: &str) -> String {
        let p = format!("{}/s", crate::text::table::rate_text(r));
        self.add(id, p, format!("{r:e}"), source)
    }

    fn time(&mut self, id: &str, s: f64, source: &str) -> String {
        self.add(id, human_duration(s), format!("{s:e}"), source)
    }

    fn count(&mut self, id: &str, n: u64, source: &str) -> String {
        self.add(id, n.to_string(), n.to_string(), source)
    }
}

/// Hold names shortened for a table cell: names that share a `-suffix`
/// are grouped (`ipi-storm`, `irq-storm` -> `ipi/irq storms`).
pub fn short_holds(names: &[&str]) -> String {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for n in names {
        let (head, tail) = match n.rsplit_once('-') {
            Some((h, t)) => (h.to_string(), t.to_string()),
            None => (n.to_string(), String::new()),
        };
        match groups.iter_mut().find(|(t, _)| !t.is_empty() && *t == tail) {
            Some((_, v)) => v.push(head),
            None => groups.push((tail, vec![head])),
        }
    }
    groups
        .iter()
        .map(|(tail, heads)| match (heads.len(), tail.is_empty()) {
            (1, _) | (_, true) if heads.len() == 1 => {
                if tail.is_empty() {
                    heads[0].clone()
                } else {
                    format!("{}-{tail}", heads[0])
                }
            }
            _ => format!("{} {tail}s", heads.join("/")),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One site under one preemption model: (who holds it at the least
/// privilege that makes it fall, the wrap time cell, the verdict word),
/// and the other privileges that add holds.
struct SiteRow {
    held: String,
    privilege: String,
    /// (hold, privilege) of every hold that makes it fall, below the host.
    holds: Vec<(String, crate::site::hold::Privilege)>,
    wrap: String,
    verdict: String,
    more: Vec<String>,
}

fn site_row(f: &mut Figs, site: &Site, a: &SiteAnswer, model: PreemptModel) -> SiteRow {
    let rows: Vec<_> = a.rows.iter().filter(|r| r.preempt == model).collect();
    let falls = |r: &&crate::site::audit::AuditRow| {
        matches!(
            r.verdict,
            SiteVerdict::FallsUnbounded { .. } | SiteVerdict::FallsAfter { .. }
        )
    };
    let Some(r) = rows.iter().find(|r| falls(r)) else {
        let verdict = match rows.first().map(|r| &r.verdict) {
            Some(SiteVerdict::SafeSlowPath) => "slow path only",
            Some(SiteVerdict::RateNotMeasured { .. }) => "not known",
            Some(_) => "safe",
            None => "not judged",
        };
        return SiteRow {
            held: "-".into(),
            privilege: "-".into(),
            holds: Vec::new(),
            wrap: "-".into(),
            verdict: verdict.into(),
            more: Vec::new(),
        };
    };
    let names_at = |p| -> Vec<String> {
        match &r.verdict {
            SiteVerdict::FallsUnbounded { .. } => rows
                .iter()
                .find(|x| x.privilege == p)
                .map(|x| match &x.verdict {
                    SiteVerdict::FallsUnbounded { all, .. } => all
                        .iter()
                        .filter(|(_, q)| *q == p)
                        .map(|(h, _)| h.clone())
                        .collect(),
                    _ => Vec::new(),
                })
                .unwrap_or_default(),
            SiteVerdict::FallsAfter { hold, .. } => vec![hold.clone()],
            _ => Vec::new(),
        }
    };
    let least = names_at(r.privilege);
    let held = format!(
        "{} ({})",
        short_holds(&least.iter().map(String::as_str).collect::<Vec<_>>()),
        r.privilege.name()
    );
    // Holds that more privilege adds, below the host (which can hold
    // anything): who else can do it.
    let mut more = Vec::new();
    let mut holds: Vec<(String, crate::site::hold::Privilege)> =
        least.iter().map(|n| (n.clone(), r.privilege)).collect();
    for x in rows.iter().filter(|x| x.privilege > r.privilege) {
        if x.privilege == crate::site::hold::Privilege::Host {
            continue;
        }
        for n in names_at(x.privilege) {
            more.push(format!("{n} ({})", x.privilege.name()));
            holds.push((n, x.privilege));
        }
    }
    let wrap = match (r.wrap_s, r.writer_threads) {
        (Some(w), _) => f.time(&format!("wrap_{}", site.name), w, "data/audit.csv"),
        _ => "not measured".into(),
    };
    let verdict = match r.verdict {
        SiteVerdict::FallsUnbounded { .. } => "falls",
        _ => "falls after",
    };
    SiteRow {
        held,
        privilege: r.privilege.name().into(),
        holds,
        wrap,
        verdict: verdict.into(),
        more,
    }
}

/// One site's verdict under `model`, in words (for the long form; the
/// mail records its figures itself).
pub fn site_sentence(site: &Site, a: &SiteAnswer, model: PreemptModel) -> String {
    let r = site_row(&mut Figs(Vec::new()), site, a, model);
    let mut s = format!(
        "{} ({}(), {}): {}",
        site.name,
        site.function,
        context_word(site),
        r.verdict
    );
    if r.held != "-" {
        s += &format!("; held by {}; wrap {}", r.held, r.wrap);
    }
    if !r.more.is_empty() {
        s += &format!("; also {}", r.more.join(", "));
    }
    s
}

fn context_word(site: &Site) -> String {
    use crate::site::Context as C;
    let has = |c| site.context.contains(&c);
    if has(C::UserAccess) {
        "user access".into()
    } else if has(C::MaySleep) {
        "RCU, sleeps".into()
    } else if has(C::IrqsDisabled) {
        "irqs off".into()
    } else if has(C::Rcu) {
        "RCU".into()
    } else {
        site.context
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Render the mail. `[id]` citations are numbered in order of first use
/// and listed at the bottom.
pub fn render(inp: &MailInputs<'_>) -> Mail {
    let mut f = Figs(Vec::new());
    let mut t = Blocks(Vec::new());
    let model = inp.preempt.unwrap_or(PreemptModel::Full);
    let model_note = if inp.preempt.is_some() {
        " as here"
    } else {
        " (assumed: unknown here)"
    };
    t.raw("Subject: Re: mm_lock_seq wraps: the answer per reader, measured");
    t.blank();
    let vulnerable = inp
        .mitigations
        .iter()
        .filter(|(_, s)| s.starts_with("Vulnerable"))
        .count();
    t.para(format!(
        "seqwrap {} on {}, {} CPUs{}, Linux {}, preemption {}; {} CPU \
         vulnerabilities listed, {} not mitigated (data/mitigations.csv).",
        f.add(
            "version",
            inp.version.into(),
            inp.version.into(),
            "seqwrap --version"
        ),
        f.add(
            "cpu",
            inp.cpu.into(),
            inp.cpu.into(),
            "data/measured_rates.csv"
        ),
        f.count("cpus", inp.cpus as u64, "data/measured_rates.csv"),
        match inp.virtualised {
            Some(true) => " (a guest)",
            _ => "",
        },
        f.add(
            "kernel",
            inp.kernel.into(),
            inp.kernel.into(),
            "data/measured_rates.csv"
        ),
        inp.preempt.map_or("unknown", |p| p.name()),
        f.count(
            "vulnerabilities_listed",
            inp.mitigations.len() as u64,
            "data/mitigations.csv"
        ),
        f.count(
            "vulnerabilities_open",
            vulnerable as u64,
            "data/mitigations.csv"
        ),
    ));
    t.blank();
    let cycles = (1u64 << 31) as f64;
    match (inp.rate_one, inp.rate_all) {
        (Some(one), Some(all)) => {
            t.para(format!(
                "munmap(1, 0) takes the mmap write lock and fails [munmap-einval]: \
                 {} on one thread, {} on all {} CPUs (tracepoint-checked). \
                 mm_lock_seq comes back after 2^31 cycles: {} on one thread \
                 (a hold that takes a CPU), {} on all (a sleeping reader). \
                 Writers are serialised and step it by exactly 2, so an \
                 attacker lands on the value exactly: no \"minuscule \
                 probability\" [suren-minuscule].",
                f.rate("rate_one_thread", one, "data/measured_rates.csv"),
                f.rate("rate_all_cpus", all, "data/measured_rates.csv"),
                inp.cpus,
                f.time("wrap_one_thread", cycles / one, "data/audit.csv"),
                f.time("wrap_all_cpus", cycles / all, "data/audit.csv"),
            ));
        }
        _ => t.para("The write-lock rate was not measured on this machine."),
    }
    t.blank();
    let mut held = String::new();
    match inp.hold {
        HoldOutcome::Measured(h) => {
            held += &format!(
                "A real hold: a thread asleep in a userfaultfd-held fault \
                 ({}) saw {} write acquisitions by its mm's other threads in \
                 {} (tracepoint, data/hold.csv).",
                h.blocked_in.as_deref().unwrap_or("wchan unknown"),
                f.count("hold_counted", h.counted, "data/hold.csv"),
                f.time("hold_seconds", h.writing_s, "data/hold.csv"),
            );
        }
        HoldOutcome::Skipped { reason } => {
            held += &format!("The real hold was not measured here: {reason}.");
        }
    }
    match inp.trap {
        TrapOutcome::Measured(r) => {
            held += &format!(
                " A uprobe trap takes {} p50, {} p99, {} max over {} calls \
                 (data/uprobe_trap.csv).",
                f.time("trap_p50", r.probed.p50_ns * 1e-9, "data/uprobe_trap.csv"),
                f.time("trap_p99", r.probed.p99_ns * 1e-9, "data/uprobe_trap.csv"),
                f.time("trap_max", r.probed.max_ns * 1e-9, "data/uprobe_trap.csv"),
                f.count("trap_calls", r.probed.calls, "data/uprobe_trap.csv"),
            );
        }
        TrapOutcome::Skipped { reason } => {
            held += &format!(" The uprobe trap was not timed: {reason}.");
        }
    }
    t.para(held);
    t.blank();
    t.para(format!(
        "Per reader, preemption {}{model_note} (data/audit.csv: all models):",
        model.name()
    ));
    let mut table = vec![[
        "reader".to_string(),
        "window".into(),
        "privilege".into(),
        "wrap".into(),
        "verdict".into(),
    ]];
    // Which holds make which readers fall, grouped: one line per hold set.
    let mut by_hold: Vec<((String, crate::site::hold::Privilege), Vec<String>)> = Vec::new();
    let mut falling = Vec::new();
    for (s, a) in inp.sites.iter().zip(inp.answers) {
        let r = site_row(&mut f, s, a, model);
        if !r.holds.is_empty() {
            falling.push(s.name.clone());
        }
        for h in r.holds {
            match by_hold.iter_mut().find(|(k, _)| *k == h) {
                Some((_, v)) => v.push(s.name.clone()),
                None => by_hold.push((h, vec![s.name.clone()])),
            }
        }
        table.push([
            s.name.clone(),
            context_word(s),
            r.privilege,
            r.wrap,
            r.verdict,
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let fits = widths.iter().sum::<usize>() + 2 * 4 <= MAX_COLS;
    for row in &table {
        if fits {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            t.raw(line.join("  ").trim_end());
        } else {
            t.item("", row.join("; "));
        }
    }
    // Holds with the same readers and privilege share a line.
    let mut groups: Vec<(crate::site::hold::Privilege, Vec<String>, Vec<String>)> = Vec::new();
    for ((h, p), readers) in by_hold {
        match groups.iter_mut().find(|(q, r, _)| *q == p && *r == readers) {
            Some((_, _, hs)) => hs.push(h),
            None => groups.push((p, readers, vec![h])),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.len().cmp(&a.1.len())));
    for (p, readers, hs) in groups {
        let who = if readers == falling {
            "every reader that falls".to_string()
        } else {
            readers.join(", ")
        };
        let names: Vec<&str> = hs.iter().map(String::as_str).collect();
        t.item(
            "  ",
            format!("held by {} ({}): {who}", short_holds(&names), p.name()),
        );
    }
    t.blank();
    let count = |protocol: &str, m: Model| {
        inp.ordering
            .iter()
            .find(|o| o.protocol == protocol && o.model == m)
            .and_then(|o| o.min_cycles.clone())
    };
    let rfc_lkmm = count("rfc-v1", Model::Lkmm).unwrap_or_else(|| "none".into());
    t.para(format!(
        "Ordering: the RFC as posted [rfc] fails under the LKMM after {} \
         writer cycle(s), no wrap needed [jann-order]; v2 [v2] and today's \
         seqcount need 2^31 under SC, x86-TSO and the LKMM; herd7 agrees on \
         all {} litmus tests (data/herd7.tsv).",
        f.add(
            "rfc_lkmm_cycles",
            rfc_lkmm.clone(),
            rfc_lkmm,
            "data/ordering.csv"
        ),
        f.count("herd_cases", inp.herd_cases as u64, "data/herd7.tsv"),
    ));
    t.blank();
    t.para(
        "What to patch, cheapest on 64-bit first (cost on 64-bit / x86-32 \
         / 32-bit without 64-bit atomics):",
    );
    for (i, j) in inp.patches.iter().enumerate() {
        let p = &j.patch;
        let key = p.name.replace([' ', '-'], "_");
        let reach = match (&j.min_cycles, inp.rate_all) {
            (None, _) => "never a false positive".to_string(),
            (Some(c), Some(r)) => {
                let c: f64 = c.parse().unwrap_or(f64::NAN);
                format!(
                    "wraps in {}",
                    f.time(&format!("patch_{key}_wrap"), c / r, "data/patches.csv")
                )
            }
            (Some(_), None) => format!("{} bits", p.bits),
        };
        let fails = if j.fails.is_empty() {
            String::new()
        } else {
            format!(
                ", not {}",
                j.fails
                    .iter()
                    .map(|(s, _)| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let cites: String = p.sources.iter().map(|s| format!(" [{s}]")).collect();
        t.item(
            &format!("{}. ", i + 1),
            format!(
                "{} ({}){cites}: {reach}; {} / {} / {}; fixes {} reader(s){fails}.",
                p.name,
                p.kernel_type,
                p.lp64,
                p.x86_32,
                p.no_atomic64,
                f.count(
                    &format!("patch_{key}_fixes"),
                    j.fixes.len() as u64,
                    "data/patches.csv"
                ),
            ),
        );
    }
    t.blank();
    // Quoted from their sources, not measured: figures all the same, so
    // every number printed is listed with where it comes from.
    let ns217 = f.add(
        "thread_syscall_ns",
        "217 ns".into(),
        "2.17e-7".into(),
        "cited: syscall-latency",
    );
    let rules = f.add(
        "audit_rules",
        "37".into(),
        "37".into(),
        "cited: syscall-latency",
    );
    t.para(format!(
        "\"RCU stalls come first\" [andrii-stalls]: munmap(1, 0) fails \
         before it looks at a VMA, so it queues no RCU work, and the shstk \
         reader is not in RCU. The {ns217} [willy] was a getpid() with {rules} \
         audit rules on Skylake-X [syscall-latency], not munmap."
    ));
    t.blank();
    t.para("Reproduce: cargo run --release -- report; see summary.md, sites.png.");
    let (body, refs) = number_citations(&t);
    let mut text = body;
    text += "\n";
    text += &refs;
    Mail { text, figures: f.0 }
}

/// The mail's text before it is wrapped: paragraphs, hanging items and
/// raw lines, so citations are numbered before lines are measured.
struct Blocks(Vec<(Option<String>, String)>);

impl Blocks {
    fn para(&mut self, text: impl Into<String>) {
        self.0.push((Some(String::new()), text.into()));
    }
    fn item(&mut self, first: &str, text: impl Into<String>) {
        self.0.push((Some(first.to_string()), text.into()));
    }
    fn raw(&mut self, line: impl Into<String>) {
        self.0.push((None, line.into()));
    }
    fn blank(&mut self) {
        self.0.push((None, String::new()));
    }
}

/// Replace each `[id]` by `[n]` in order of first use, wrap, and list the
/// references, each within 72 columns (a long link on its own lines).
fn number_citations(b: &Blocks) -> (String, String) {
    let all: String =
        b.0.iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join("\n");
    let mut found: Vec<(usize, &'static str)> = claims::SOURCES
        .iter()
        .filter_map(|s| all.find(&format!("[{}]", s.id)).map(|i| (i, s.id)))
        .collect();
    found.sort();
    let order: Vec<&'static str> = found.iter().map(|(_, id)| *id).collect();
    let mut body = String::new();
    for (first, text) in &b.0 {
        let mut text = text.clone();
        for (n, id) in order.iter().enumerate() {
            text = text.replace(&format!("[{id}]"), &format!("[{}]", n + 1));
        }
        match first {
            None => body += &format!("{text}\n"),
            Some(f) if f.is_empty() => body += &wrap(&text),
            Some(f) => body += &hang(f, &text),
        }
    }
    let mut refs = String::from("Message-IDs resolve at https://lore.kernel.org/r/<id>.\n");
    for (n, id) in order.iter().enumerate() {
        let s = claims::source(id).expect("found above");
        let link = match s.kind {
            SourceKind::Commit => format!("https://git.kernel.org/torvalds/c/{}", s.cite),
            SourceKind::MessageId => s.cite.trim_matches(['<', '>']).to_string(),
            _ => s.cite.to_string(),
        };
        // A link alone when it says what it is (a mail, a page, a
        // commit); a file with what was read in it.
        let line = match s.kind {
            SourceKind::File => format!("{link}: {}", s.what),
            _ => link,
        };
        let first = format!("[{}] ", n + 1);
        if first.len() + line.chars().count() <= MAX_COLS {
            refs += &format!("{first}{line}\n");
        } else {
            refs += &hang(&first, &line);
        }
    }
    (body, refs)
}

/// The figures as CSV (`data/mail_figures.csv`).
pub fn figures_csv(figs: &[MailFigure]) -> String {
    let mut out = String::from("id,printed,exact,source\n");
    for f in figs {
        out += &format!("{},\"{}\",{},{}\n", f.id, f.printed, f.exact, f.source);
    }
    out
}
