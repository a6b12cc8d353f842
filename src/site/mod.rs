//! Reader sites and hold mechanisms as data (DESIGN §8): where the kernel
//! speculates on a sequence count, and what can keep such a reader inside
//! its window. Both are files, like protocols: `sites/*.toml` and
//! `holds/*.toml`, built into the binary (`build.rs` embeds every file, so
//! adding one touches only that file), and `--site FILE` / `--hold FILE`
//! for a user's own. Every claim in them carries its sources.

pub mod audit;
pub mod file;
pub mod hold;
pub mod machine;

use serde::Serialize;

use crate::error::{Error, Result};
use file::Doc;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// What a reader's window runs under; what a hold must overcome to keep
/// it open.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    /// Task context, preemptible, no RCU section (part of the window may
    /// still run with interrupts off).
    Preemptible,
    /// `rcu_read_lock()`/`guard(rcu)()`: preemptible under
    /// `CONFIG_PREEMPT_RCU`, preemption disabled otherwise.
    Rcu,
    /// `rcu_read_lock_trace()` (RCU Tasks Trace): preemptible, may block.
    RcuTasksTrace,
    /// Preemption disabled explicitly.
    PreemptDisabled,
    /// Interrupts disabled.
    IrqsDisabled,
    /// The sequence is taken under a lock the window then drops.
    UnderLock,
    /// The window may sleep (a lock, a filesystem call).
    MaySleep,
    /// The window contains a user access that can fault, and so sleep.
    UserAccess,
}

/// The spellings `context` accepts, in order.
pub const CONTEXTS: &[(&str, Context)] = &[
    ("preemptible", Context::Preemptible),
    ("rcu", Context::Rcu),
    ("rcu-tasks-trace", Context::RcuTasksTrace),
    ("preempt-disabled", Context::PreemptDisabled),
    ("irqs-disabled", Context::IrqsDisabled),
    ("under-lock", Context::UnderLock),
    ("may-sleep", Context::MaySleep),
    ("user-access", Context::UserAccess),
];

impl Context {
    /// As a site file spells it.
    pub fn name(self) -> &'static str {
        CONTEXTS
            .iter()
            .find(|(_, c)| *c == self)
            .map(|(n, _)| *n)
            .expect("every context is listed")
    }
}

/// What a counter that came back to the recorded value makes the reader
/// do there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WrapGives {
    /// It accepts data that changed: a false positive.
    Accept,
    /// It takes the slow path needlessly (equality means "locked").
    SlowPath,
}

/// What drives a site's writer, and so how its rate is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WriterOp {
    /// An mmap write-lock cycle (`stress --kernel --op`).
    Mmap(crate::stress::KernelOp),
    /// A successful rename(2): one `write_seqlock(&rename_lock)`.
    Rename,
}

impl WriterOp {
    /// As a site file spells it.
    pub fn name(self) -> &'static str {
        match self {
            WriterOp::Mmap(op) => op.name(),
            WriterOp::Rename => "rename",
        }
    }
}

/// One reader site.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Site {
    /// Short name (`uprobes`).
    pub name: String,
    /// One line.
    pub title: String,
    /// The kernel function that speculates.
    pub function: String,
    /// Its file in the kernel tree.
    pub file: String,
    /// Who calls it, on the paths that matter.
    pub callers: Vec<String>,
    /// The counter it checks (`mm->mm_lock_seq`).
    pub counter: String,
    /// The commit that added the speculation here (12 hex digits or more).
    pub commit: String,
    /// Its title.
    pub commit_title: String,
    /// The first release that has it (`v6.14`).
    pub release: String,
    /// How the release was established, where not read from a tag.
    pub release_note: String,
    /// The catalog protocol that models the site's reader and writer.
    pub protocol: String,
    /// Its parameters (`W = "32"`).
    pub params: Vec<(String, String)>,
    /// What runs the writer (`every mmap_write_lock() of the mm`).
    pub writer: String,
    /// What measures this writer's rate: a `stress --kernel --op`
    /// (`munmap-null` for every mmap_lock writer) or `rename` (rename(2)
    /// on tmpfs, an exact count); `None`: the writer's rate is not
    /// measured, and the audit says so instead of borrowing another
    /// counter's rate.
    pub writer_op: Option<WriterOp>,
    /// What the reader's window runs under.
    pub context: Vec<Context>,
    /// What the window contains.
    pub window: String,
    /// What a counter come back does there.
    pub wrap_gives: WrapGives,
    /// What a false positive does, with the code path.
    pub false_positive: String,
    /// What happens when the speculation fails.
    pub fallback: String,
    /// What a kernel needs for the site to exist: `CONFIG_*` options set
    /// to y, `cpu:FLAG` CPU flags.
    pub requires: Vec<String>,
    /// Where each claim comes from.
    pub sources: Vec<String>,
    /// The file it was read from (for messages).
    #[serde(skip)]
    pub path: String,
}

const SITE_KEYS: &[&str] = &[
    "name",
    "title",
    "function",
    "file",
    "callers",
    "counter",
    "commit",
    "commit_title",
    "release",
    "release_note",
    "protocol",
    "params",
    "writer",
    "writer_op",
    "context",
    "window",
    "wrap_gives",
    "false_positive",
    "fallback",
    "requires",
    "sources",
];

impl Site {
    /// Parse a site file. Every error is one line `FILE:LINE:COL: what is
    /// wrong; what is allowed`.
    pub fn parse(path: &str, text: &str) -> Result<Site> {
        let doc = Doc::parse(path, text)?;
        let r = doc.reader();
        r.only_keys(SITE_KEYS)?;
        let name = r.name("name")?;
        let commit = r.string("commit")?;
        let hex = commit.text.len() >= 12
            && commit.text.len() <= 40
            && commit.text.chars().all(|c| c.is_ascii_hexdigit());
        if !hex {
            return Err(r.err_at(
                commit.at,
                format!(
                    "commit '{}': allowed: 12 to 40 hex digits of a kernel commit",
                    commit.text
                ),
            ));
        }
        let release = r.string("release")?;
        if !is_release(&release.text) {
            return Err(r.err_at(
                release.at,
                format!(
                    "release '{}': allowed: a kernel release tag such as v6.14",
                    release.text
                ),
            ));
        }
        let protocol = r.string("protocol")?;
        if crate::protocol::catalog::find(&protocol.text).is_err() {
            return Err(r.err_at(
                protocol.at,
                format!(
                    "protocol '{}' is not in the catalog; allowed: {}",
                    protocol.text,
                    crate::protocol::catalog::names().join(", ")
                ),
            ));
        }
        let params = r.string_table_opt("params")?;
        let context = r.enum_array("context", CONTEXTS)?;
        if context.is_empty() {
            return Err(r.err_key(
                "context",
                format!(
                    "context is empty; allowed: one or more of {}",
                    names(CONTEXTS)
                ),
            ));
        }
        let wrap_gives = match r.string_opt("wrap_gives")? {
            None => WrapGives::Accept,
            Some(s) => match s.text.as_str() {
                "accept" => WrapGives::Accept,
                "slow-path" => WrapGives::SlowPath,
                other => {
                    return Err(r.err_at(
                        s.at,
                        format!("wrap_gives '{other}': allowed: accept, slow-path"),
                    ));
                }
            },
        };
        let sources = r.string_array("sources")?;
        if sources.is_empty() {
            return Err(r.err_key("sources", "sources is empty; every claim needs one"));
        }
        let requires = r.string_array_opt("requires")?;
        let upper = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        };
        let lower = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if let Some(bad) = requires.iter().find(|q| {
            !(q.strip_prefix("CONFIG_").is_some_and(upper)
                || q.strip_prefix("cpu:").is_some_and(lower))
        }) {
            return Err(r.err_key(
                "requires",
                format!("requires '{bad}': allowed: CONFIG_NAME or cpu:flag"),
            ));
        }
        let writer_op = match r.string_opt("writer_op")? {
            None => None,
            Some(w) if w.text == "rename" => Some(WriterOp::Rename),
            Some(w) => Some(WriterOp::Mmap(
                w.text.parse::<crate::stress::KernelOp>().map_err(|_| {
                    r.err_at(
                        w.at,
                        format!(
                            "writer_op '{}': allowed: {}, rename",
                            w.text,
                            crate::stress::KernelOp::ALL
                                .iter()
                                .map(|o| o.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?,
            )),
        };
        let site = Site {
            name,
            writer_op,
            title: r.string("title")?.text,
            function: r.string("function")?.text,
            file: r.string("file")?.text,
            callers: r.string_array_opt("callers")?,
            counter: r.string("counter")?.text,
            commit: commit.text,
            commit_title: r
                .string_opt("commit_title")?
                .map(|s| s.text)
                .unwrap_or_default(),
            release: release.text,
            release_note: r
                .string_opt("release_note")?
                .map(|s| s.text)
                .unwrap_or_default(),
            protocol: protocol.text.clone(),
            params: params
                .iter()
                .map(|(k, v)| (k.clone(), v.text.clone()))
                .collect(),
            writer: r.string("writer")?.text,
            context,
            window: r.string("window")?.text,
            wrap_gives,
            false_positive: r.string("false_positive")?.text,
            fallback: r.string("fallback")?.text,
            requires,
            sources,
            path: path.to_string(),
        };
        // The protocol must take the parameters as given.
        if let Err(e) = site.protocol() {
            let at = params.values().next().map_or(protocol.at, |v| v.at);
            return Err(r.err_at(at, format!("protocol '{}': {e}", site.protocol)));
        }
        Ok(site)
    }

    /// The site's protocol, instantiated.
    pub fn protocol(&self) -> Result<crate::protocol::Protocol> {
        let p: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        crate::protocol::catalog::protocol(&self.protocol, &p)
    }
}

/// `v6.14`, `v7.1`, `v2.6.39`.
fn is_release(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

fn names<T>(table: &[(&str, T)]) -> String {
    table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// Every built-in site, in file order.
pub fn sites() -> Result<Vec<Site>> {
    embedded::SITES
        .iter()
        .map(|(f, text)| Site::parse(&format!("sites/{f}"), text))
        .collect()
}

/// A built-in site by name, or a site file.
pub fn site(name_or_file: &str) -> Result<Site> {
    let all = sites()?;
    if let Some(s) = all.iter().find(|s| s.name == name_or_file) {
        return Ok(s.clone());
    }
    let path = std::path::Path::new(name_or_file);
    if name_or_file.ends_with(".toml") || path.exists() {
        let text = std::fs::read_to_string(path).map_err(|error| Error::Input {
            path: path.to_path_buf(),
            error,
        })?;
        return Site::parse(name_or_file, &text);
    }
    Err(Error::usage(format!(
        "--site {name_or_file}: not a built-in site or a file; allowed: {} or a FILE.toml",
        all.iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// A built-in site file's text, by file name (`uprobes.toml`).
pub fn site_text(file: &str) -> Option<&'static str> {
    embedded::SITES
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, t)| *t)
}

/// The file names under `sites/` built in (for the guard that every file
/// there is).
pub fn site_files() -> Vec<&'static str> {
    embedded::SITES.iter().map(|(f, _)| *f).collect()
}

/// The file names under `holds/` built in.
pub fn hold_files() -> Vec<&'static str> {
    embedded::HOLDS.iter().map(|(f, _)| *f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_parse() {
        for ok in ["v6.14", "v7.1", "v2.6.39"] {
            assert!(is_release(ok), "{ok}");
        }
        for bad in ["6.14", "v6", "v6.14-rc1", "v6..1", "vx.y"] {
            assert!(!is_release(bad), "{bad}");
        }
    }
}
