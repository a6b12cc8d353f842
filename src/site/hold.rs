//! Hold mechanisms: what keeps a reader inside its window, whom it can
//! hold, with which privilege, for how long — and whether anything bounds
//! it. A hold nothing bounds is *unbounded*: its longest demonstration is
//! shown beside that word, never in its place.

use serde::Serialize;

use super::file::Doc;
use crate::error::Result;

/// The kind of reader a hold can keep in its window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Holds {
    /// A reader in `rcu_read_lock()` under `CONFIG_PREEMPT_RCU` (preemption
    /// models full, lazy, rt): it can be preempted.
    PreemptibleRcu,
    /// A reader with preemption disabled (`rcu_read_lock()` without
    /// `PREEMPT_RCU`, or explicitly): only interrupts and the host stop it.
    PreemptDisabled,
    /// A reader with interrupts disabled: only NMIs and the host.
    IrqsDisabled,
    /// A reader whose window may sleep (anything that blocks: a lock, a
    /// filesystem's lookup, a fault).
    Sleeping,
    /// A reader asleep in the fault of a user access inside its window
    /// (what userfaultfd and FUSE can hold; a window without a user access
    /// never faults on user memory).
    UserFault,
}

/// The spellings `holds` accepts.
pub const HOLDS: &[(&str, Holds)] = &[
    ("preemptible-rcu", Holds::PreemptibleRcu),
    ("preempt-disabled", Holds::PreemptDisabled),
    ("irqs-disabled", Holds::IrqsDisabled),
    ("sleeping", Holds::Sleeping),
    ("user-fault", Holds::UserFault),
];

pub use crate::stall::machine::PreemptModel;

/// The spellings `models` accepts, in the kernel's order.
pub const PREEMPTS: &[(&str, PreemptModel)] = &[
    ("none", PreemptModel::None),
    ("voluntary", PreemptModel::Voluntary),
    ("full", PreemptModel::Full),
    ("lazy", PreemptModel::Lazy),
    ("rt", PreemptModel::Rt),
];

/// Who can use a hold, least privilege first.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Privilege {
    /// Any unprivileged user.
    None,
    /// An unprivileged user where unprivileged user namespaces are allowed.
    UserNamespace,
    /// `CAP_SYS_NICE` (or an RLIMIT_RTPRIO that allows it).
    CapSysNice,
    /// `CAP_SYS_PTRACE`.
    CapSysPtrace,
    /// root.
    Root,
    /// The hypervisor's host: nothing the guest grants.
    Host,
}

/// The spellings `privilege` accepts, least first.
pub const PRIVILEGES: &[(&str, Privilege)] = &[
    ("none", Privilege::None),
    ("user-namespace", Privilege::UserNamespace),
    ("cap-sys-nice", Privilege::CapSysNice),
    ("cap-sys-ptrace", Privilege::CapSysPtrace),
    ("root", Privilege::Root),
    ("host", Privilege::Host),
];

impl Privilege {
    /// As files and flags spell it.
    pub fn name(self) -> &'static str {
        PRIVILEGES
            .iter()
            .find(|(_, p)| *p == self)
            .map(|(n, _)| *n)
            .expect("listed")
    }
}

/// One hold mechanism.
#[derive(Clone, Debug, Serialize)]
pub struct Hold {
    /// Short name (`userfaultfd`).
    pub name: String,
    /// One line.
    pub title: String,
    /// Which readers it can keep in their window.
    pub holds: Vec<Holds>,
    /// Under which preemption models.
    pub models: Vec<PreemptModel>,
    /// The least privilege that can use it.
    pub privilege: Privilege,
    /// What else it needs (a sysctl, a mount), if anything.
    pub condition: String,
    /// The longest hold shown, as said by its source (`35 s`), if any.
    pub longest_shown: String,
    /// Where that was shown.
    pub longest_source: String,
    /// What bounds it, and the bound in seconds; `None`: nothing does.
    pub bound: Option<Bound>,
    /// Whether it occupies a CPU the attacker's writers could otherwise
    /// use (an interrupt storm on the reader's CPU, a descheduled vCPU),
    /// so the wrap runs on one CPU fewer; a sleeping reader, or a hold
    /// whose occupant can itself be a writer, leaves every CPU.
    pub takes_cpu: bool,
    /// Where each claim comes from.
    pub sources: Vec<String>,
}

/// What bounds a hold.
#[derive(Clone, Debug, Serialize)]
pub struct Bound {
    /// The bound in seconds.
    pub seconds: f64,
    /// What imposes it.
    pub by: String,
}

// `bounded_by` may explain what limits an unbounded hold in part.
const HOLD_KEYS: &[&str] = &[
    "name",
    "title",
    "holds",
    "models",
    "privilege",
    "condition",
    "longest_shown",
    "longest_source",
    "bounded",
    "bound",
    "bounded_by",
    "takes_cpu",
    "sources",
];

impl Hold {
    /// Parse a hold file; errors as for sites.
    pub fn parse(path: &str, text: &str) -> Result<Hold> {
        let doc = Doc::parse(path, text)?;
        let r = doc.reader();
        r.only_keys(HOLD_KEYS)?;
        let bounded = r.bool("bounded")?;
        let bound = if bounded {
            let b = r.string("bound")?;
            let seconds = crate::timing::parse_positive_time(&b.text)
                .map_err(|e| r.err_at(b.at, format!("bound '{}': {e}", b.text)))?;
            Some(Bound {
                seconds,
                by: r.string("bounded_by")?.text,
            })
        } else {
            if let Some(b) = r.string_opt("bound")? {
                return Err(r.err_at(
                    b.at,
                    "a bound on a hold that is not bounded; allowed: bounded = true with a \
                     bound, or no bound (the longest demonstration goes in longest_shown)",
                ));
            }
            None
        };
        let holds = r.enum_array("holds", HOLDS)?;
        if holds.is_empty() {
            return Err(r.err_key(
                "holds",
                "holds is empty; allowed: preemptible-rcu, \
                 preempt-disabled, irqs-disabled, sleeping, user-fault",
            ));
        }
        let models = r.enum_array("models", PREEMPTS)?;
        if models.is_empty() {
            return Err(r.err_key(
                "models",
                "models is empty; allowed: none, voluntary, full, lazy, rt",
            ));
        }
        let sources = r.string_array("sources")?;
        if sources.is_empty() {
            return Err(r.err_key("sources", "sources is empty; every claim needs one"));
        }
        Ok(Hold {
            name: r.name("name")?,
            title: r.string("title")?.text,
            holds,
            models,
            privilege: r.enum_one("privilege", PRIVILEGES)?,
            condition: r
                .string_opt("condition")?
                .map(|s| s.text)
                .unwrap_or_default(),
            longest_shown: r
                .string_opt("longest_shown")?
                .map(|s| s.text)
                .unwrap_or_default(),
            longest_source: r
                .string_opt("longest_source")?
                .map(|s| s.text)
                .unwrap_or_default(),
            bound,
            takes_cpu: r.bool("takes_cpu")?,
            sources,
        })
    }
}

/// Every built-in hold.
pub fn holds() -> Result<Vec<Hold>> {
    super::embedded::HOLDS
        .iter()
        .map(|(f, text)| Hold::parse(&format!("holds/{f}"), text))
        .collect()
}
