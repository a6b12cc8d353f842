//! The kernel changes the mail chooses among (`patches.toml`, data), each
//! judged per reader site: what its catalog protocol allows at its width
//! (the explorer's count, resolved by the caller) and whether the site's
//! reader meets its precondition.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::site::{Context, Site};

/// A precondition a change places on every reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Needs {
    /// The whole window is one RCU read-side section and never sleeps: a
    /// grace period then separates any reader from a wrap (the guard).
    RcuWindow,
}

/// One change, as the data file has it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// Short name.
    pub name: String,
    /// The change in one sentence.
    pub change: String,
    /// The C type of the counter after it.
    pub kernel_type: String,
    /// The catalog protocol that models it.
    pub protocol: String,
    /// The width it gives on a 64-bit kernel.
    pub bits: u32,
    /// The counter it changes (`any`: every seqcount).
    pub counter: String,
    /// A precondition on each reader, if any.
    #[serde(default)]
    pub needs: Option<Needs>,
    /// Cost on a 64-bit kernel.
    pub lp64: String,
    /// Cost on 32-bit x86.
    pub x86_32: String,
    /// Cost on a 32-bit architecture without 64-bit atomics.
    pub no_atomic64: String,
    /// Source ids (`report::claims::SOURCES`).
    pub sources: Vec<String>,
    /// One more thing a maintainer should know.
    pub note: String,
}

#[derive(Deserialize)]
struct File {
    patch: Vec<Patch>,
}

/// The changes, in the order the mail states them.
pub fn patches() -> Result<Vec<Patch>> {
    let f: File = toml::from_str(include_str!("patches.toml"))
        .map_err(|e| Error::Run(format!("src/report/patches.toml: {e}")))?;
    for p in &f.patch {
        if let Some(s) = p
            .sources
            .iter()
            .find(|s| super::claims::source(s).is_none())
        {
            return Err(Error::Run(format!(
                "src/report/patches.toml: {}: unknown source '{s}'",
                p.name
            )));
        }
    }
    Ok(f.patch)
}

/// Whether a site's reader meets a precondition, and why not.
pub fn meets(site: &Site, needs: Needs) -> std::result::Result<(), String> {
    match needs {
        Needs::RcuWindow => {
            let rcu = site.context.contains(&Context::Rcu);
            let sleeps = site.context.contains(&Context::MaySleep)
                || site.context.contains(&Context::UserAccess);
            if rcu && !sleeps && !site.context.contains(&Context::UnderLock) {
                Ok(())
            } else {
                Err("its window is not one RCU section".into())
            }
        }
    }
}

/// One change judged against the sites.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Judged {
    /// The change.
    pub patch: Patch,
    /// The fewest writer cycles to a false positive under any memory
    /// model at its width (`None`: none at all), exact.
    pub min_cycles: Option<String>,
    /// Sites whose counter it changes and whose reader meets its
    /// precondition.
    pub fixes: Vec<String>,
    /// Sites whose counter it changes but whose reader does not meet its
    /// precondition, with why.
    pub fails: Vec<(String, String)>,
}

/// Judge `patch` against `sites`, given its explored count.
pub fn judge(patch: &Patch, min_cycles: Option<String>, sites: &[Site]) -> Judged {
    let mut fixes = Vec::new();
    let mut fails = Vec::new();
    for s in sites {
        if patch.counter != "any" && patch.counter != s.counter {
            continue;
        }
        match patch.needs.map(|n| meets(s, n)) {
            Some(Err(why)) => fails.push((s.name.clone(), why)),
            _ => fixes.push(s.name.clone()),
        }
    }
    Judged {
        patch: patch.clone(),
        min_cycles,
        fixes,
        fails,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_parses_and_cites_known_sources() {
        let p = patches().unwrap();
        assert!(p.len() >= 5);
        for x in &p {
            crate::protocol::catalog::find(&x.protocol).unwrap();
        }
    }

    /// The guard's precondition holds for RCU readers and fails for the
    /// shstk reader, whose window sleeps outside RCU.
    #[test]
    fn the_guard_fails_where_a_window_leaves_rcu() {
        let sites = crate::site::sites().unwrap();
        let guard = patches()
            .unwrap()
            .into_iter()
            .find(|p| p.needs == Some(Needs::RcuWindow))
            .unwrap();
        let j = judge(&guard, None, &sites);
        assert!(j.fails.iter().any(|(s, _)| s == "shstk-sigreturn"));
        assert!(j.fixes.iter().any(|s| s == "uprobes"));
        assert!(!j.fixes.iter().any(|s| s == "rename-lock"));
    }
}
