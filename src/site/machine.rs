//! This machine's reading for the audit: which sites its kernel has at all
//! (each site's `requires`: `CONFIG_*` options, `cpu:FLAG` CPU flags), and
//! which holds it lets whom use (`vm.unprivileged_userfaultfd`, the
//! `/dev/userfaultfd` and `/dev/fuse` nodes, unprivileged user namespaces,
//! a hypervisor). Read without root where possible; what could not be read
//! is said, never guessed. Pure over [`SiteTexts`], so the tests feed fixed
//! texts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Site;
use crate::host::texts;
use crate::stall::machine::{MachineModel, PreemptModel, parse_config};

/// The texts this reading is built from: each, or why it could not be read.
#[derive(Clone, Debug, Default)]
pub struct SiteTexts {
    /// `/proc/config.gz`, decompressed.
    pub config: Option<Result<String, String>>,
    /// `/proc/cpuinfo`.
    pub cpuinfo: Option<Result<String, String>>,
    /// `/proc/sys/vm/unprivileged_userfaultfd`.
    pub unprivileged_userfaultfd: Option<Result<String, String>>,
    /// `/proc/sys/kernel/unprivileged_userns_clone` (Debian, Ubuntu).
    pub userns_clone: Option<Result<String, String>>,
    /// `/proc/sys/user/max_user_namespaces`.
    pub max_user_namespaces: Option<Result<String, String>>,
    /// Mode of `/dev/userfaultfd` (octal), if it exists.
    pub dev_userfaultfd: Option<Result<u32, String>>,
    /// Mode of `/dev/fuse` (octal), if it exists.
    pub dev_fuse: Option<Result<u32, String>>,
}

/// One fact and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fact {
    /// What.
    pub name: String,
    /// The value read, or `None` when it could not be read.
    pub value: Option<String>,
    /// Where, or why not.
    pub source: String,
}

/// This machine, as the audit reads it.
#[derive(Clone, Debug, Serialize)]
pub struct Reading {
    /// The preemption model in force (the stall model's reading).
    pub preempt: Option<PreemptModel>,
    /// Where it came from.
    pub preempt_source: String,
    /// A hypervisor is present (vCPU descheduling by the host applies).
    pub virtualised: Option<bool>,
    /// The facts read.
    pub facts: Vec<Fact>,
    #[serde(skip)]
    config: Option<BTreeMap<String, String>>,
    #[serde(skip)]
    cpu_flags: Option<Vec<String>>,
}

fn text(t: &Option<Result<String, String>>) -> Result<&str, String> {
    match t {
        Some(Ok(s)) => Ok(s),
        Some(Err(e)) => Err(e.clone()),
        None => Err("not read".into()),
    }
}

impl Reading {
    /// Build the reading (pure).
    pub fn from_texts(t: &SiteTexts, model: &MachineModel) -> Reading {
        let mut facts = Vec::new();
        let mut fact = |name: &str, r: Result<String, String>, src: &str| {
            facts.push(match r {
                Ok(v) => Fact {
                    name: name.into(),
                    value: Some(v),
                    source: src.into(),
                },
                Err(e) => Fact {
                    name: name.into(),
                    value: None,
                    source: format!("{src}: {e}"),
                },
            })
        };
        fact(
            "vm.unprivileged_userfaultfd",
            text(&t.unprivileged_userfaultfd).map(|s| s.trim().to_string()),
            "/proc/sys/vm/unprivileged_userfaultfd",
        );
        let mode = |m: &Option<Result<u32, String>>| match m {
            Some(Ok(m)) => Ok(format!("{:o}", m & 0o777)),
            Some(Err(e)) => Err(e.clone()),
            None => Err("not read".into()),
        };
        fact(
            "/dev/userfaultfd mode",
            mode(&t.dev_userfaultfd),
            "/dev/userfaultfd",
        );
        fact("/dev/fuse mode", mode(&t.dev_fuse), "/dev/fuse");
        fact(
            "kernel.unprivileged_userns_clone",
            text(&t.userns_clone).map(|s| s.trim().to_string()),
            "/proc/sys/kernel/unprivileged_userns_clone",
        );
        fact(
            "user.max_user_namespaces",
            text(&t.max_user_namespaces).map(|s| s.trim().to_string()),
            "/proc/sys/user/max_user_namespaces",
        );
        let config = text(&t.config).ok().map(parse_config);
        let cpu_flags = text(&t.cpuinfo).ok().map(|c| {
            c.lines()
                .find(|l| l.starts_with("flags"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, f)| f.split_whitespace().map(String::from).collect())
                .unwrap_or_default()
        });
        Reading {
            preempt: model.effective.value,
            preempt_source: model.effective.source.clone(),
            virtualised: model.virtualised(),
            facts,
            config,
            cpu_flags,
        }
    }

    /// Read this machine.
    pub fn read() -> Reading {
        let t = SiteTexts {
            config: Some(texts::read_config_gz()),
            cpuinfo: texts::read_text("/proc/cpuinfo"),
            unprivileged_userfaultfd: texts::read_text("/proc/sys/vm/unprivileged_userfaultfd"),
            userns_clone: texts::read_text("/proc/sys/kernel/unprivileged_userns_clone"),
            max_user_namespaces: texts::read_text("/proc/sys/user/max_user_namespaces"),
            dev_userfaultfd: texts::read_mode("/dev/userfaultfd"),
            dev_fuse: texts::read_mode("/dev/fuse"),
        };
        Reading::from_texts(&t, &MachineModel::read())
    }

    /// Does this machine's kernel have the site? `Some(false)` names the
    /// first requirement it lacks; `None` when the config or the CPU flags
    /// could not be read.
    pub fn has_site(&self, site: &Site) -> (Option<bool>, String) {
        for r in &site.requires {
            if let Some(flag) = r.strip_prefix("cpu:") {
                match &self.cpu_flags {
                    None => return (None, "the CPU flags could not be read".into()),
                    Some(f) if !f.iter().any(|x| x == flag) => {
                        return (Some(false), format!("the CPU lacks {flag}"));
                    }
                    _ => {}
                }
            } else {
                match &self.config {
                    None => return (None, "the kernel config could not be read".into()),
                    Some(c) if c.get(r.as_str()).map(String::as_str) != Some("y") => {
                        return (Some(false), format!("{r} is not set"));
                    }
                    _ => {}
                }
            }
        }
        (Some(true), "every requirement is met".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(config: Option<&str>, flags: Option<&str>) -> Reading {
        let t = SiteTexts {
            config: Some(config.map(String::from).ok_or_else(|| "denied".to_string())),
            cpuinfo: Some(
                flags
                    .map(|f| format!("processor\t: 0\nflags\t\t: {f}\n"))
                    .ok_or_else(|| "denied".to_string()),
            ),
            unprivileged_userfaultfd: Some(Ok("0\n".into())),
            ..SiteTexts::default()
        };
        let model = MachineModel::from_texts(&crate::host::texts::Texts::default());
        Reading::from_texts(&t, &model)
    }

    /// A site exists where every requirement is met, is absent naming the
    /// first one missing, and is unknown when the config or the flags
    /// cannot be read — never guessed.
    #[test]
    fn sites_present_absent_or_unknown() {
        let shstk = crate::site::site("shstk-sigreturn").unwrap();
        let cfg = "CONFIG_PER_VMA_LOCK=y\nCONFIG_X86_USER_SHADOW_STACK=y\n";
        assert_eq!(
            reading(Some(cfg), Some("fpu user_shstk"))
                .has_site(&shstk)
                .0,
            Some(true)
        );
        let (has, why) = reading(Some(cfg), Some("fpu sse")).has_site(&shstk);
        assert_eq!(has, Some(false));
        assert!(why.contains("user_shstk"), "{why}");
        let (has, why) =
            reading(Some("CONFIG_PER_VMA_LOCK=y\n"), Some("user_shstk")).has_site(&shstk);
        assert_eq!(has, Some(false));
        assert!(why.contains("CONFIG_X86_USER_SHADOW_STACK"), "{why}");
        assert_eq!(reading(None, Some("user_shstk")).has_site(&shstk).0, None);
        let r = reading(Some(cfg), None);
        assert!(r.facts.iter().any(|f| f.name == "vm.unprivileged_userfaultfd"
            && f.value.as_deref() == Some("0")));
    }
}
