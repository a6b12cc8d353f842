//! The stall table: what can hold a reader inside `rcu_read_lock()`, for
//! how long, under which preemption model, and on what authority.
//!
//! Pure data. Every row carries at least one [`Citation`] (a URL, a commit,
//! a Message-ID or a file at a commit) with what that source says; where a
//! row goes beyond its sources the extra claim is in `inferred`, marked as
//! ours. `seconds` is a representative figure for plots (the length of one
//! hold), `None` where the source gives none; `unbounded` says that nothing
//! cited bounds the hold.
//!
//! [`applies`] evaluates a row against a [`MachineModel`]; [`render`]
//! prints the table, and with a machine which rows apply, in at most 72
//! columns.

use serde::Serialize;

use super::machine::{MachineModel, PreemptModel};
use crate::text::table::{MAX_COLS, Table, bullet, wrap};

/// What kind of reference a citation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CiteKind {
    /// A web page or paper.
    Url,
    /// A commit in a public repository.
    Commit,
    /// A mailing-list message (lore.kernel.org resolves it).
    MessageId,
    /// A file at a given commit.
    Source,
}

/// A source for a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Citation {
    /// Kind.
    pub kind: CiteKind,
    /// Short form for plain text (at most 68 characters).
    pub short: &'static str,
    /// Full link: a URL, or for a Message-ID the `<id>` itself.
    pub link: &'static str,
    /// What the source says that the row relies on (paraphrased).
    pub says: &'static str,
}

/// When a row applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    /// Under any kernel.
    Always,
    /// Under these preemption models.
    Models(&'static [PreemptModel]),
    /// When the reader can be preempted: full, lazy or RT with
    /// `CONFIG_PREEMPT_RCU`.
    PreemptibleReader,
    /// With `CONFIG_RCU_BOOST` and a preemptible reader.
    RcuBoost,
    /// Under a hypervisor.
    Hypervisor,
    /// With `kernel.panic_on_rcu_stall` = 1.
    PanicOnStall,
}

/// One thing that can hold a reader, or bound the hold.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct StallRow {
    /// Short key (`irq`, `softirq`, ...).
    pub key: &'static str,
    /// What holds the reader (or what bounds the hold).
    pub holder: &'static str,
    /// For how long, per the sources.
    pub how_long: &'static str,
    /// One hold's length in seconds, for plots; `None` when no figure.
    pub seconds: Option<f64>,
    /// Nothing cited bounds it.
    pub unbounded: bool,
    /// When the row applies.
    pub when: Condition,
    /// The sources (at least one).
    pub sources: &'static [Citation],
    /// What the row says beyond its sources: our inference.
    pub inferred: Option<&'static str>,
}

const GHOSTRACE_MAIL: Citation = Citation {
    kind: CiteKind::MessageId,
    short: "<CAG48ez1_xx=oVB=4Q3Ywf7UPyO3aWR+N=HwGE5SEuO9+Fgiw_g@mail.gmail.com>",
    link: "<CAG48ez1_xx=oVB=4Q3Ywf7UPyO3aWR+N=HwGE5SEuO9+Fgiw_g@mail.gmail.com>",
    says: "Jann Horn, 2024-08-09: GhostRace turned an 8-instruction race window into one \
           stretched to about 35 s with IPIs, without rescheduling; Linux fixed that trick, \
           which still shows the principle",
};

const GHOSTRACE_PAPER: Citation = Citation {
    kind: CiteKind::Url,
    short: "https://download.vusec.net/papers/ghostrace_sec24.pdf",
    link: "https://download.vusec.net/papers/ghostrace_sec24.pdf",
    says: "GhostRace (USENIX Security 2024), Fig. 4: the stretched race window",
};

const RACING_CLOCK: Citation = Citation {
    kind: CiteKind::Url,
    short: "Jann Horn, Racing against the clock (Project Zero, 2022-03-24)",
    link: "https://securityfeed.link/2022/Mar/24/2022-03-24-racing-against-the-clock-hitting-a-tiny-kernel-race-window/",
    says: "without CONFIG_PREEMPT a tiny kernel race window is widened by a timerfd \
           expiring in it (hardirq context) whose wakeup walks 50000 epoll wait-queue items",
};

const SOFTIRQ: Citation = Citation {
    kind: CiteKind::Commit,
    short: "linux commit c10d73671ad3 (softirq: reduce latencies)",
    link: "https://github.com/torvalds/linux/commit/c10d73671ad30f54692f7f69f0e09e75d3a8926a",
    says: "softirq processing at interrupt exit restarts at most MAX_SOFTIRQ_RESTART (10) \
           times and stops after MAX_SOFTIRQ_TIME (2 ms), leaving the rest to ksoftirqd",
};

const DYNAMIC: Citation = Citation {
    kind: CiteKind::MessageId,
    short: "<20210118141223.123667-9-frederic@kernel.org>",
    link: "<20210118141223.123667-9-frederic@kernel.org>",
    says: "PREEMPT_DYNAMIC (preempt= boot option): under none and voluntary, \
           preempt_schedule() and irqentry_exit_cond_resched() are NOPs, so kernel code \
           is never preempted involuntarily; full enables both",
};

const KCONFIG_PREEMPT: Citation = Citation {
    kind: CiteKind::Source,
    short: "linux 0008bf54408d kernel/Kconfig.preempt",
    link: "https://github.com/torvalds/linux/blob/0008bf54408d4c0637c24d34642f1038c299be95/kernel/Kconfig.preempt",
    says: "PREEMPT_NONE is 'No Forced Preemption'; PREEMPT_VOLUNTARY adds explicit \
           preemption points; PREEMPT makes all kernel code not in a critical section \
           preemptible",
};

const RCU_KCONFIG: Citation = Citation {
    kind: CiteKind::Source,
    short: "linux 03ab8e6297ac kernel/rcu/Kconfig",
    link: "https://github.com/torvalds/linux/blob/03ab8e6297acd1bc0eedaa050e2a1635c576fd11/kernel/rcu/Kconfig",
    says: "PREEMPT_RCU defaults to y with PREEMPTION; RCU_BOOST (default y only with \
           PREEMPT_RT) boosts preempted readers that block a grace period too long, after \
           RCU_BOOST_DELAY, default 500 ms",
};

const STALLWARN: Citation = Citation {
    kind: CiteKind::Source,
    short: "linux 0604aa87b098 Documentation/RCU/stallwarn.rst",
    link: "https://github.com/torvalds/linux/blob/0604aa87b098740f2e517a584552591cbf2209d7/Documentation/RCU/stallwarn.rst",
    says: "a CPU-bound real-time task can preempt a low-priority task inside an RCU \
           read-side critical section so that the grace period never completes; \
           PREEMPT_RCU stalls name tasks; the warning comes after CONFIG_RCU_CPU_STALL_TIMEOUT, \
           normally 21 s, and repeats",
};

const STALL_KCONFIG: Citation = Citation {
    kind: CiteKind::Source,
    short: "linux 1045a06724f3 kernel/rcu/Kconfig.debug",
    link: "https://github.com/torvalds/linux/blob/1045a06724f322ed61f1ffb994427c7bdbe64647/kernel/rcu/Kconfig.debug",
    says: "RCU_CPU_STALL_TIMEOUT: range 3..300, default 21 seconds; a warning is printed, \
           then more at wider intervals",
};

const PANIC: Citation = Citation {
    kind: CiteKind::Commit,
    short: "linux commit 088e9d253d3a (rcu: sysctl: Panic on RCU Stall)",
    link: "https://git.zx2c4.com/linux-dev/commit/?id=088e9d253d3a4ab7e058dd84bb532c32dadf1882",
    says: "kernel.panic_on_rcu_stall=1 panics when an RCU stall is reported; disabled by \
           default",
};

const LAZY: Citation = Citation {
    kind: CiteKind::Commit,
    short: "linux commit 7c70cb94d29c (sched: Add Lazy preemption model)",
    link: "https://github.com/torvalds/linux/commit/7c70cb94d29cd325fabe4a818c18613e3b9919a1",
    says: "fair-class wakeups set TIF_NEED_RESCHED_LAZY, promoted to a full reschedule at \
           the tick: on average TICK_NSEC/2 later",
};

const LAZY_MAIL: Citation = Citation {
    kind: CiteKind::MessageId,
    short: "<20241007075055.331243614@infradead.org>",
    link: "<20241007075055.331243614@infradead.org>",
    says: "the posting of the lazy model (same text)",
};

const XEN: Citation = Citation {
    kind: CiteKind::Source,
    short: "xen 0e60f1d9d197 xen/common/sched/credit.c",
    link: "https://github.com/xen-project/xen/blob/0e60f1d9d1970cae49ee9d03f5759f44afc1fdee/xen/common/sched/credit.c",
    says: "credit scheduler: CSCHED_DEFAULT_TSLICE_MS 30 ('Default timeslice: 30ms')",
};

const LHP: Citation = Citation {
    kind: CiteKind::Url,
    short: "https://lkml.iu.edu/hypermail/linux/kernel/1101.0/00942.html",
    link: "https://lkml.iu.edu/hypermail/linux/kernel/1101.0/00942.html",
    says: "Rik van Riel, 2011: a guest vCPU that holds a spinlock can be not running \
           because the host scheduler preempted it to run something else",
};

const NONE_VOL: &[PreemptModel] = &[PreemptModel::None, PreemptModel::Voluntary];
const NOT_RT: &[PreemptModel] = &[
    PreemptModel::None,
    PreemptModel::Voluntary,
    PreemptModel::Full,
    PreemptModel::Lazy,
];
const LAZY_ONLY: &[PreemptModel] = &[PreemptModel::Lazy];

const ROWS: &[StallRow] = &[
    StallRow {
        key: "irq",
        holder: "hard interrupts and NMIs on the reader's CPU",
        how_long: "usually microseconds each; an attacker can lengthen one handler \
                   (a timerfd wakeup walking 50000 epoll wait-queue items)",
        seconds: None,
        // Nothing bounds a storm: the figure beside it is the longest
        // shown (holds/*.toml says the same), never a bound.
        unbounded: true,
        when: Condition::Always,
        sources: &[RACING_CLOCK],
        inferred: None,
    },
    StallRow {
        key: "softirq",
        holder: "softirqs run at interrupt exit (threads on RT: see preempt)",
        how_long: "at most about 2 ms or 10 rounds per interrupt exit, then \
                   ksoftirqd (a task) takes the rest",
        seconds: Some(0.002),
        // Nothing bounds a storm: the figure beside it is the longest
        // shown (holds/*.toml says the same), never a bound.
        unbounded: true,
        when: Condition::Models(NOT_RT),
        sources: &[SOFTIRQ],
        inferred: Some("back-to-back interrupts repeat the hold"),
    },
    StallRow {
        key: "ipi-storm",
        holder: "an IPI storm at the reader's CPU (GhostRace)",
        how_long: "about 35 s shown on an 8-instruction window; that trick is \
                   fixed, the principle stands",
        seconds: Some(35.0),
        // Nothing bounds a storm: the figure beside it is the longest
        // shown (holds/*.toml says the same), never a bound.
        unbounded: true,
        when: Condition::Always,
        sources: &[GHOSTRACE_MAIL, GHOSTRACE_PAPER],
        inferred: None,
    },
    StallRow {
        key: "no-preempt",
        holder: "no task: none and voluntary never preempt kernel code \
                 involuntarily",
        how_long: "the reader runs to rcu_read_unlock(), held only by the rows \
                   irq, softirq, ipi-storm (and vcpu in a guest)",
        seconds: None,
        unbounded: false,
        when: Condition::Models(NONE_VOL),
        sources: &[DYNAMIC, KCONFIG_PREEMPT],
        inferred: Some(
            "voluntary's explicit preemption points (cond_resched) are not on the \
             reader's lookup path",
        ),
    },
    StallRow {
        key: "preempt",
        holder: "preemption inside rcu_read_lock() (PREEMPT_RCU: full, lazy, RT; \
                 on RT also by threaded interrupts and softirqs)",
        how_long: "unbounded: a CPU-bound real-time task can keep a preempted \
                   reader off its CPU so that the grace period never ends",
        seconds: None,
        unbounded: true,
        when: Condition::PreemptibleReader,
        sources: &[RCU_KCONFIG, STALLWARN],
        inferred: None,
    },
    StallRow {
        key: "lazy-tick",
        holder: "lazy: a fair (SCHED_NORMAL) task waits for the next tick to \
                 preempt the reader; real-time tasks do not wait",
        how_long: "half a tick on average before the switch (2 ms at HZ=250), \
                   then as preempt",
        seconds: None,
        unbounded: true,
        when: Condition::Models(LAZY_ONLY),
        sources: &[LAZY, LAZY_MAIL],
        inferred: None,
    },
    StallRow {
        key: "rcu-boost",
        holder: "RCU priority boosting (CONFIG_RCU_BOOST; default y only on RT)",
        how_long: "a preempted reader blocking a grace period is boosted after \
                   RCU_BOOST_DELAY, 500 ms by default",
        seconds: Some(0.5),
        unbounded: false,
        when: Condition::RcuBoost,
        sources: &[RCU_KCONFIG],
        inferred: Some(
            "boosting ends preemption by lower-priority tasks only; a higher-priority \
             task still holds the reader",
        ),
    },
    StallRow {
        key: "stall-warn",
        holder: "the RCU CPU stall warning",
        how_long: "after CONFIG_RCU_CPU_STALL_TIMEOUT (21 s by default, 3..300), \
                   repeated; a warning only, the reader is not stopped",
        seconds: Some(21.0),
        unbounded: false,
        when: Condition::Always,
        sources: &[STALL_KCONFIG, STALLWARN],
        inferred: None,
    },
    StallRow {
        key: "panic",
        holder: "kernel.panic_on_rcu_stall=1 (off by default)",
        how_long: "the machine panics at the stall warning: no stall outlasts \
                   the timeout (times max_rcu_stall_to_panic)",
        seconds: None,
        unbounded: false,
        when: Condition::PanicOnStall,
        sources: &[PANIC],
        inferred: None,
    },
    StallRow {
        key: "vcpu",
        holder: "the hypervisor descheduling the reader's vCPU",
        how_long: "a Xen credit timeslice is 30 ms by default; a busy host takes \
                   several",
        seconds: Some(0.03),
        unbounded: true,
        when: Condition::Hypervisor,
        sources: &[XEN, LHP],
        inferred: Some("nothing inside the guest bounds how long the host keeps it off"),
    },
];

/// Every row, in display order.
pub fn rows() -> &'static [StallRow] {
    ROWS
}

/// Whether a row applies to a machine, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "applies", content = "why", rename_all = "kebab-case")]
pub enum Applies {
    /// It does.
    Yes(String),
    /// It does not.
    No(String),
    /// The machine's model could not be read far enough to say.
    Unknown(String),
}

impl Applies {
    /// `*`, ` ` or `?` for text.
    pub fn mark(&self) -> char {
        match self {
            Applies::Yes(_) => '*',
            Applies::No(_) => ' ',
            Applies::Unknown(_) => '?',
        }
    }

    /// Yes.
    pub fn yes(&self) -> bool {
        matches!(self, Applies::Yes(_))
    }
}

fn preemptible(m: &MachineModel) -> Applies {
    let Some(model) = m.effective.value else {
        return Applies::Unknown("preemption model not readable".into());
    };
    let switchable = if m.preempt_dynamic.value == Some(true) {
        "; PREEMPT_DYNAMIC: root can switch it to full at run time through \
         debugfs where debugfs is not locked down"
    } else {
        ""
    };
    match (model, m.preempt_rcu.value) {
        (PreemptModel::None | PreemptModel::Voluntary, _) => {
            Applies::No(format!("model {model}{switchable}"))
        }
        (_, Some(true)) => Applies::Yes(format!("model {model}, PREEMPT_RCU=y")),
        (_, Some(false)) => Applies::No(format!("model {model} without PREEMPT_RCU")),
        (_, None) => Applies::Unknown(format!("model {model}, PREEMPT_RCU unknown")),
    }
}

/// Does `row` apply to machine `m`?
pub fn applies(row: &StallRow, m: &MachineModel) -> Applies {
    match row.when {
        Condition::Always => Applies::Yes("any kernel".into()),
        Condition::Models(list) => match m.effective.value {
            Some(model) if list.contains(&model) => Applies::Yes(format!("model {model}")),
            Some(model) => Applies::No(format!("model {model}")),
            None => Applies::Unknown("preemption model not readable".into()),
        },
        Condition::PreemptibleReader => preemptible(m),
        Condition::RcuBoost => match (m.rcu_boost.value, preemptible(m)) {
            (Some(true), Applies::Yes(w)) => Applies::Yes(format!("RCU_BOOST=y, {w}")),
            (Some(false), _) => Applies::No("CONFIG_RCU_BOOST off".into()),
            (_, Applies::No(w)) => Applies::No(w),
            _ => Applies::Unknown("RCU_BOOST or the model unknown".into()),
        },
        Condition::Hypervisor => match (m.virtualised(), &m.hypervisor.value) {
            (Some(true), Some(h)) => Applies::Yes(format!("guest of {h}")),
            (Some(false), _) => Applies::No("no hypervisor flag".into()),
            _ => Applies::Unknown("cpuinfo not readable".into()),
        },
        Condition::PanicOnStall => match m.panic_on_rcu_stall.value {
            Some(0) => Applies::No("panic_on_rcu_stall=0".into()),
            Some(v) => Applies::Yes(format!("panic_on_rcu_stall={v}")),
            None => Applies::Unknown("panic_on_rcu_stall not readable".into()),
        },
    }
}

/// Whether `row` applies under `model` on a default kernel (PREEMPT_RCU
/// whenever the model preempts, RCU_BOOST only on RT). Hypervisor and
/// panic rows are not about the model: `None`.
pub fn applies_to_model(row: &StallRow, model: PreemptModel) -> Option<bool> {
    let preempts = !matches!(model, PreemptModel::None | PreemptModel::Voluntary);
    match row.when {
        Condition::Always => Some(true),
        Condition::Models(list) => Some(list.contains(&model)),
        Condition::PreemptibleReader => Some(preempts),
        Condition::RcuBoost => Some(model == PreemptModel::Rt),
        Condition::Hypervisor | Condition::PanicOnStall => None,
    }
}

/// The one-line summary of a model: preemptible inside `rcu_read_lock()`,
/// the rows that can hold a reader, and the longest hold the sources give.
pub fn model_summary(model: PreemptModel) -> (String, Vec<&'static str>, String) {
    // Holders only: the warning, boosting and the lazy tick change how a
    // hold ends or starts, not who holds.
    let held: Vec<&StallRow> = ROWS
        .iter()
        .filter(|r| applies_to_model(r, model) == Some(true))
        .filter(|r| {
            !matches!(
                r.key,
                "stall-warn" | "rcu-boost" | "no-preempt" | "lazy-tick"
            )
        })
        .collect();
    let preempt = if held.iter().any(|r| r.key == "preempt") {
        "yes".to_string()
    } else {
        "no".to_string()
    };
    let longest = if held.iter().any(|r| r.unbounded) {
        // The longest demonstration goes in the note under the table,
        // never in place of the word.
        "unbounded".to_string()
    } else {
        let s = held.iter().filter_map(|r| r.seconds).fold(0.0, f64::max);
        format!("~{s} s shown")
    };
    (preempt, held.iter().map(|r| r.key).collect(), longest)
}

/// What this machine allows, in one paragraph (for reports).
pub fn machine_sentence(m: &MachineModel) -> String {
    let model = m
        .effective
        .value
        .map_or("unknown".to_string(), |v| v.to_string());
    let mut s = format!(
        "This machine runs preemption model {model} ({}). ",
        m.effective.source
    );
    match preemptible(m) {
        Applies::Yes(_) => s.push_str(
            "A reader can be preempted inside rcu_read_lock(): nothing bounds its window",
        ),
        Applies::No(_) => s.push_str(
            "A reader cannot be preempted inside rcu_read_lock(); interrupts, softirqs, \
             NMIs and IPI storms can still hold it, and nothing bounds a storm \
             (about 35 s shown)",
        ),
        Applies::Unknown(w) => s.push_str(&format!(
            "Whether a reader can be preempted is unknown ({w})"
        )),
    }
    if m.preempt_dynamic.value == Some(true)
        && !matches!(
            m.effective.value,
            Some(PreemptModel::Full | PreemptModel::Lazy)
        )
    {
        s.push_str(
            "; PREEMPT_DYNAMIC lets root switch to full at run time (through debugfs, \
             where it is not locked down), which would make it preemptible",
        );
    }
    if m.virtualised() == Some(true) {
        s.push_str("; as a guest its vCPU can be descheduled by the host for an unbounded time");
    }
    if let Some(t) = m.stall_timeout_s() {
        let panic = match m.panic_on_rcu_stall.value {
            Some(0) => "a warning only (panic_on_rcu_stall=0)".to_string(),
            Some(_) => "then the machine panics (panic_on_rcu_stall=1)".to_string(),
            None => "panic_on_rcu_stall unknown".to_string(),
        };
        s.push_str(&format!("; an RCU stall is reported after {t} s, {panic}"));
    }
    s.push('.');
    s
}

/// The table as plain text, at most 72 columns: the per-model summary, the
/// rows with their sources, and with a machine which rows apply (`*`) and
/// what it allows.
pub fn render(machine: Option<&MachineModel>) -> String {
    let mut out = String::new();
    out.push_str("What can hold a reader inside rcu_read_lock(), and for how long\n\n");
    let mut t = Table::new(&["model", "preempt?", "held by", "longest"]);
    for model in PreemptModel::ALL {
        let (p, keys, longest) = model_summary(model);
        t.row(vec![model.to_string(), p, keys.join(" "), longest]);
    }
    out.push_str(&t.render());
    out.push('\n');
    out.push_str(&wrap(
        "Unbounded: nothing bounds an interrupt, softirq or IPI storm; the \
         longest shown is about 35 s (ipi-storm), a demonstration, not a \
         bound. Lazy preempts fair tasks at the next tick (lazy-tick); RT \
         boosts a preempted reader after 500 ms by default (rcu-boost). In \
         any model a guest's vCPU can be descheduled by its host (vcpu). The \
         stall warning bounds nothing unless panic_on_rcu_stall is on \
         (panic).",
    ));
    out.push('\n');
    if let Some(m) = machine {
        out.push_str(&wrap(&machine_sentence(m)));
        out.push('\n');
        out.push_str("Rows (* applies here, ? unknown):\n");
    } else {
        out.push_str("Rows:\n");
    }
    for r in ROWS {
        let mark = machine.map(|m| applies(r, m));
        let head = format!("{}: {}: {}", r.key, r.holder, r.how_long);
        let mut body = bullet(&head);
        if let Some(a) = &mark {
            body.replace_range(0..1, &a.mark().to_string());
            let why = match a {
                Applies::Yes(w) | Applies::No(w) | Applies::Unknown(w) => w,
            };
            body.push_str(&indent(&format!("here: {why}")));
        }
        if let Some(inf) = r.inferred {
            body.push_str(&indent(&format!("(our inference) {inf}")));
        }
        for c in r.sources {
            body.push_str(&format!("    {}\n", c.short));
        }
        out.push_str(&body);
    }
    out
}

fn indent(text: &str) -> String {
    let mut s = String::new();
    let mut line = String::new();
    for w in text.split_whitespace() {
        if !line.is_empty() && 4 + line.len() + 1 + w.len() > MAX_COLS {
            s.push_str(&format!("    {line}\n"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        s.push_str(&format!("    {line}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::texts::Texts;

    /// Every row has a source, every source a link of its kind and a short
    /// form that fits a 72-column line with its indent.
    #[test]
    fn every_row_has_a_citation() {
        for r in rows() {
            assert!(!r.sources.is_empty(), "{} has no source", r.key);
            for c in r.sources {
                assert!(c.short.chars().count() <= 68, "{}", c.short);
                assert!(!c.says.is_empty());
                match c.kind {
                    CiteKind::MessageId => {
                        assert!(
                            c.link.starts_with('<')
                                && c.link.ends_with('>')
                                && c.link.contains('@')
                        )
                    }
                    CiteKind::Commit | CiteKind::Url | CiteKind::Source => {
                        assert!(c.link.starts_with("https://"), "{}", c.link)
                    }
                }
                if c.kind == CiteKind::Commit || c.kind == CiteKind::Source {
                    // A full 40-hex commit id in the link.
                    assert!(
                        c.link
                            .split(|ch: char| !ch.is_ascii_hexdigit())
                            .any(|p| p.len() == 40),
                        "{}",
                        c.link
                    );
                }
            }
        }
        let keys: Vec<&str> = rows().iter().map(|r| r.key).collect();
        let mut dedup = keys.clone();
        dedup.sort_unstable();
        dedup.dedup();
        assert_eq!(keys.len(), dedup.len());
    }

    /// The figures are in the data: RCU_BOOST's 500 ms, the 21 s
    /// stall warning, Xen's 30 ms, GhostRace's 35 s.
    #[test]
    fn the_cited_figures_are_the_sources_figures() {
        let sec = |k: &str| rows().iter().find(|r| r.key == k).unwrap().seconds;
        assert_eq!(sec("rcu-boost"), Some(0.5));
        assert_eq!(sec("stall-warn"), Some(21.0));
        assert_eq!(sec("vcpu"), Some(0.03));
        assert_eq!(sec("ipi-storm"), Some(35.0));
    }

    #[test]
    fn models_differ_exactly_in_preemption() {
        for m in PreemptModel::ALL {
            let (p, keys, longest) = model_summary(m);
            let preempts = !matches!(m, PreemptModel::None | PreemptModel::Voluntary);
            assert_eq!(p == "yes", preempts, "{m}");
            assert_eq!(keys.contains(&"preempt"), preempts);
            // Interrupt, softirq and IPI storms hold a reader under every
            // model, and nothing bounds them.
            assert!(longest.starts_with("unbounded"), "{m}: {longest}");
            assert_eq!(keys.contains(&"softirq"), m != PreemptModel::Rt);
            let lazy = rows().iter().find(|r| r.key == "lazy-tick").unwrap();
            assert_eq!(applies_to_model(lazy, m), Some(m == PreemptModel::Lazy));
            assert!(keys.contains(&"irq") && keys.contains(&"ipi-storm"));
        }
    }

    fn machine(model: &str, extra: &str) -> MachineModel {
        let cfg = format!(
            "CONFIG_PREEMPT_{model}=y\nCONFIG_PREEMPT_RCU=y\nCONFIG_RCU_CPU_STALL_TIMEOUT=21\n{extra}"
        );
        MachineModel::from_texts(&Texts {
            config: Some(Ok(cfg)),
            cpuinfo: Some(Ok("flags : fpu\n".into())),
            panic_on_rcu_stall: Some(Ok("1".into())),
            ..Texts::default()
        })
    }

    #[test]
    fn rows_apply_by_the_machines_model() {
        let none = machine("NONE", "");
        let get =
            |m: &MachineModel, k: &str| applies(rows().iter().find(|r| r.key == k).unwrap(), m);
        assert!(get(&none, "no-preempt").yes());
        assert!(!get(&none, "preempt").yes());
        assert!(get(&none, "panic").yes());
        assert!(!get(&none, "vcpu").yes());
        let rt = machine("RT", "CONFIG_RCU_BOOST=y\nCONFIG_RCU_BOOST_DELAY=500\n");
        assert!(get(&rt, "preempt").yes());
        assert!(get(&rt, "rcu-boost").yes());
        assert!(!get(&rt, "softirq").yes());
        let unknown = MachineModel::from_texts(&Texts::default());
        assert!(matches!(get(&unknown, "preempt"), Applies::Unknown(_)));
        assert!(machine_sentence(&rt).contains("nothing bounds"));
        assert!(machine_sentence(&none).contains("cannot be preempted"));
    }

    #[test]
    fn the_rendering_fits_72_columns() {
        let m = machine("NONE", "");
        for text in [
            render(None),
            render(Some(&m)),
            render(Some(&MachineModel::read())),
        ] {
            for l in text.lines() {
                assert!(
                    l.chars().count() <= MAX_COLS,
                    "{} cols: {l}",
                    l.chars().count()
                );
            }
            for r in rows() {
                assert!(text.contains(r.key));
            }
        }
        assert!(render(Some(&m)).contains("* panic:"));
    }
}
