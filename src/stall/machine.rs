//! This machine's preemption and RCU stall model, read at run time.
//!
//! Every field is a [`Sourced`] value: what was found and where, or why it
//! could not be read. Nothing is guessed: a field that could not be read
//! stays `None` and its source says why.
//!
//! Sources, in the order they are trusted for the preemption model in
//! force ([`MachineModel::effective`]):
//!
//! 1. `CONFIG_PREEMPT_RT=y` in `/proc/config.gz`: RT, whatever else.
//! 2. `/sys/kernel/debug/sched/preempt` (PREEMPT_DYNAMIC kernels): the
//!    current mode, in parentheses. debugfs is mounted when absent and this
//!    process is root; kernel lockdown may still refuse the read.
//! 3. The boot log line `Dynamic Preempt: MODE` (`/dev/kmsg`), else a
//!    `preempt=` kernel parameter: the mode chosen at boot.
//! 4. The `CONFIG_PREEMPT_*` choice in the kernel config.
//!
//! The parsing functions are pure and tested on fixed texts. The texts
//! themselves are read by [`Texts::read`] (`host/texts.rs`);
//! [`MachineModel::read`] is that reading, parsed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::host::texts::Texts;

/// A preemption model, as `CONFIG_PREEMPT_*` and `sched/preempt` name them.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum PreemptModel {
    /// `CONFIG_PREEMPT_NONE` / mode `none`: no forced preemption.
    None,
    /// `CONFIG_PREEMPT_VOLUNTARY` / `voluntary`: explicit preemption points.
    Voluntary,
    /// `CONFIG_PREEMPT` / `full`: kernel code preemptible.
    Full,
    /// `CONFIG_PREEMPT_LAZY` / `lazy`: full, but fair tasks wait for the tick.
    Lazy,
    /// `CONFIG_PREEMPT_RT`: full, plus threaded interrupts and sleeping locks.
    Rt,
}

impl PreemptModel {
    /// Every model, in table order.
    pub const ALL: [PreemptModel; 5] = [
        PreemptModel::None,
        PreemptModel::Voluntary,
        PreemptModel::Full,
        PreemptModel::Lazy,
        PreemptModel::Rt,
    ];

    /// The name the kernel uses (`rt` for PREEMPT_RT).
    pub fn name(self) -> &'static str {
        match self {
            PreemptModel::None => "none",
            PreemptModel::Voluntary => "voluntary",
            PreemptModel::Full => "full",
            PreemptModel::Lazy => "lazy",
            PreemptModel::Rt => "rt",
        }
    }

    fn parse(s: &str) -> Option<PreemptModel> {
        PreemptModel::ALL.into_iter().find(|m| m.name() == s)
    }

    /// Does `rcu_read_lock()` leave the reader preemptible?
    /// `kernel/rcu/Kconfig`: `config PREEMPT_RCU ... default y if (PREEMPT
    /// || PREEMPT_RT || PREEMPT_DYNAMIC)`: full and rt, and lazy as
    /// `PREEMPT_DYNAMIC` builds run it (the default on x86 and arm64 since
    /// 7dadeaa6e851, v7.0; a lazy build without `PREEMPT_DYNAMIC` has
    /// `PREEMPT_RCU=n`, docs/research/holds.md). Under none and voluntary
    /// `rcu_read_lock()` disables preemption.
    pub fn preemptible_rcu(self) -> bool {
        matches!(
            self,
            PreemptModel::Full | PreemptModel::Lazy | PreemptModel::Rt
        )
    }
}

impl std::fmt::Display for PreemptModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A value read from this machine and where it came from. `value: None`
/// means it could not be read; `source` then says why.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Sourced<T> {
    /// What was found.
    pub value: Option<T>,
    /// Where (file and key), or why not.
    pub source: String,
}

impl<T> Sourced<T> {
    fn found(value: T, source: impl Into<String>) -> Sourced<T> {
        Sourced {
            value: Some(value),
            source: source.into(),
        }
    }

    fn missing(why: impl Into<String>) -> Sourced<T> {
        Sourced {
            value: None,
            source: why.into(),
        }
    }
}

/// `/proc/config.gz`, decompressed: `CONFIG_X=v` lines, and `# CONFIG_X is
/// not set` as `n`.
pub fn parse_config(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("# ")
            && let Some(name) = rest.strip_suffix(" is not set")
        {
            out.insert(name.to_string(), "n".to_string());
        } else if let Some((k, v)) = line.split_once('=')
            && k.starts_with("CONFIG_")
        {
            out.insert(k.to_string(), v.trim_matches('"').to_string());
        }
    }
    out
}

/// The `CONFIG_PREEMPT_*` model chosen in a config (RT wins: since 6.12 it
/// sits outside the choice and combines with one of the others).
pub fn config_model(cfg: &BTreeMap<String, String>) -> Option<PreemptModel> {
    let y = |k: &str| cfg.get(k).is_some_and(|v| v == "y");
    if y("CONFIG_PREEMPT_RT") {
        Some(PreemptModel::Rt)
    } else if y("CONFIG_PREEMPT_LAZY") {
        Some(PreemptModel::Lazy)
    } else if y("CONFIG_PREEMPT") {
        Some(PreemptModel::Full)
    } else if y("CONFIG_PREEMPT_VOLUNTARY") {
        Some(PreemptModel::Voluntary)
    } else if y("CONFIG_PREEMPT_NONE") {
        Some(PreemptModel::None)
    } else {
        None
    }
}

/// `/sys/kernel/debug/sched/preempt`: `none (voluntary) full lazy` -> the
/// model in parentheses.
pub fn parse_sched_preempt(text: &str) -> Option<PreemptModel> {
    text.split_whitespace()
        .find_map(|w| w.strip_prefix('(')?.strip_suffix(')'))
        .and_then(PreemptModel::parse)
}

/// The boot log's `Dynamic Preempt: MODE` line.
pub fn parse_boot_preempt(log: &str) -> Option<PreemptModel> {
    log.lines()
        .filter_map(|l| l.split_once("Dynamic Preempt: ").map(|(_, m)| m))
        .next_back()
        .and_then(|m| PreemptModel::parse(m.split_whitespace().next()?))
}

/// A `preempt=MODE` kernel parameter.
pub fn parse_cmdline_preempt(cmdline: &str) -> Option<PreemptModel> {
    cmdline
        .split_whitespace()
        .take_while(|w| *w != "--")
        .find_map(|w| w.strip_prefix("preempt="))
        .and_then(PreemptModel::parse)
}

/// Which hypervisor the boot log names (`Hypervisor detected: KVM`).
pub fn parse_boot_hypervisor(log: &str) -> Option<String> {
    log.lines()
        .find_map(|l| l.split_once("Hypervisor detected: ").map(|(_, h)| h))
        .map(|h| h.trim().to_string())
}

/// Whether `/proc/cpuinfo` carries the `hypervisor` CPU flag (set by the
/// CPUID bit hypervisors expose to guests).
pub fn cpuinfo_has_hypervisor_flag(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .any(|l| l.starts_with("flags") && l.split_whitespace().any(|f| f == "hypervisor"))
}

/// This machine's model. The JSON of `stress --kernel --machine`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct MachineModel {
    /// `uname -r`.
    pub release: Sourced<String>,
    /// `uname -v` (names `PREEMPT_DYNAMIC`, `PREEMPT_RT` builds).
    pub uname_v: Sourced<String>,
    /// The `CONFIG_PREEMPT_*` choice.
    pub config_model: Sourced<PreemptModel>,
    /// `CONFIG_PREEMPT_DYNAMIC`: the model can be chosen at boot (and by
    /// root at run time through debugfs).
    pub preempt_dynamic: Sourced<bool>,
    /// `CONFIG_PREEMPT_RCU`: `rcu_read_lock()` does not disable preemption.
    pub preempt_rcu: Sourced<bool>,
    /// `CONFIG_RCU_BOOST`.
    pub rcu_boost: Sourced<bool>,
    /// `CONFIG_RCU_BOOST_DELAY`, ms (only with RCU_BOOST).
    pub rcu_boost_delay_ms: Sourced<u64>,
    /// `CONFIG_RCU_CPU_STALL_TIMEOUT`, seconds.
    pub rcu_stall_timeout_config_s: Sourced<u64>,
    /// The stall timeout in force now (the rcupdate module parameter).
    pub rcu_stall_timeout_now_s: Sourced<u64>,
    /// Stall warnings suppressed (`rcu_cpu_stall_suppress` non-zero).
    pub rcu_stall_suppressed: Sourced<bool>,
    /// `CONFIG_HZ` (lazy preemption waits for the next tick).
    pub hz: Sourced<u64>,
    /// The current dynamic mode (debugfs).
    pub dynamic_mode: Sourced<PreemptModel>,
    /// The mode chosen at boot (boot log, else `preempt=`).
    pub boot_mode: Sourced<PreemptModel>,
    /// `kernel.panic_on_rcu_stall`.
    pub panic_on_rcu_stall: Sourced<u32>,
    /// `kernel.max_rcu_stall_to_panic` (stall warnings before the panic).
    pub max_rcu_stall_to_panic: Sourced<u32>,
    /// Running under a hypervisor, and which when known (`none` when the
    /// CPU flag is absent).
    pub hypervisor: Sourced<String>,
    /// The preemption model in force, by the order in the module doc.
    pub effective: Sourced<PreemptModel>,
}

fn text_of(t: &Option<Result<String, String>>) -> Result<&str, String> {
    match t {
        Some(Ok(s)) => Ok(s.as_str()),
        Some(Err(e)) => Err(e.clone()),
        None => Err("not read".into()),
    }
}

fn num<T: std::str::FromStr>(t: &Option<Result<String, String>>, src: &str) -> Sourced<T> {
    match text_of(t) {
        Ok(s) => match s.trim().parse::<T>() {
            Ok(v) => Sourced::found(v, src),
            Err(_) => Sourced::missing(format!("{src}: unparsable '{}'", s.trim())),
        },
        Err(e) => Sourced::missing(format!("{src}: {e}")),
    }
}

impl MachineModel {
    /// Build the model from source texts (pure: tests feed fixed texts).
    pub fn from_texts(t: &Texts) -> MachineModel {
        const CFG: &str = "/proc/config.gz";
        let cfg = text_of(&t.config).map(parse_config);
        let flag = |k: &str| -> Sourced<bool> {
            match &cfg {
                Ok(c) => match c.get(k).map(String::as_str) {
                    Some("y") => Sourced::found(true, format!("{CFG}: {k}=y")),
                    Some(v) => Sourced::found(false, format!("{CFG}: {k}={v}")),
                    None => Sourced::found(false, format!("{CFG}: {k} absent")),
                },
                Err(e) => Sourced::missing(format!("{CFG}: {e}")),
            }
        };
        let int = |k: &str| -> Sourced<u64> {
            match &cfg {
                Ok(c) => match c.get(k).and_then(|v| v.parse().ok()) {
                    Some(v) => Sourced::found(v, format!("{CFG}: {k}={v}")),
                    None => Sourced::missing(format!("{CFG}: {k} not set")),
                },
                Err(e) => Sourced::missing(format!("{CFG}: {e}")),
            }
        };
        let config_model = match &cfg {
            Ok(c) => match config_model(c) {
                Some(m) => Sourced::found(m, format!("{CFG}: CONFIG_PREEMPT_* choice")),
                None => Sourced::missing(format!("{CFG}: no CONFIG_PREEMPT_* choice set")),
            },
            Err(e) => Sourced::missing(format!("{CFG}: {e}")),
        };
        let preempt_dynamic = flag("CONFIG_PREEMPT_DYNAMIC");
        let rcu_boost = flag("CONFIG_RCU_BOOST");
        let rcu_boost_delay_ms = if rcu_boost.value == Some(false) {
            Sourced::missing("CONFIG_RCU_BOOST is off: no boosting")
        } else {
            int("CONFIG_RCU_BOOST_DELAY")
        };
        const DBG: &str = "/sys/kernel/debug/sched/preempt";
        let dynamic_mode = match text_of(&t.sched_preempt) {
            Ok(s) => match parse_sched_preempt(s) {
                Some(m) => Sourced::found(m, format!("{DBG}: '{}'", s.trim())),
                None => Sourced::missing(format!("{DBG}: unparsable '{}'", s.trim())),
            },
            Err(e) => Sourced::missing(format!("{DBG}: {e}")),
        };
        let boot_log = text_of(&t.kmsg).ok().and_then(parse_boot_preempt);
        let boot_arg = text_of(&t.cmdline).ok().and_then(parse_cmdline_preempt);
        let boot_mode = match (boot_log, boot_arg) {
            (Some(m), _) => Sourced::found(
                m,
                format!("kernel log (/dev/kmsg): 'Dynamic Preempt: {}'", m.name()),
            ),
            (None, Some(m)) => Sourced::found(m, format!("/proc/cmdline: preempt={}", m.name())),
            (None, None) => Sourced::missing(match text_of(&t.kmsg) {
                Ok(_) => "no 'Dynamic Preempt:' line in the kernel log, no preempt= parameter"
                    .to_string(),
                Err(e) => format!("kernel log (/dev/kmsg): {e}; no preempt= parameter"),
            }),
        };
        let effective = if config_model.value == Some(PreemptModel::Rt) {
            Sourced::found(PreemptModel::Rt, "CONFIG_PREEMPT_RT=y")
        } else if let Some(m) = dynamic_mode.value {
            Sourced::found(m, format!("current dynamic mode ({DBG})"))
        } else if preempt_dynamic.value == Some(true)
            && let Some(m) = boot_mode.value
        {
            Sourced::found(
                m,
                format!(
                    "mode chosen at boot ({}); the current mode is not readable",
                    boot_mode.source
                ),
            )
        } else if preempt_dynamic.value != Some(true)
            && let Some(m) = config_model.value
        {
            Sourced::found(m, format!("{} (no PREEMPT_DYNAMIC)", config_model.source))
        } else if let Some(m) = config_model.value {
            Sourced::found(
                m,
                format!(
                    "{}: the default at boot; neither the boot mode nor the current \
                     mode could be read, so preempt= or a run-time switch may differ",
                    config_model.source
                ),
            )
        } else {
            Sourced::missing("neither the dynamic mode nor the boot mode could be read")
        };
        let hypervisor = {
            let flag = text_of(&t.cpuinfo).ok().map(cpuinfo_has_hypervisor_flag);
            let named = text_of(&t.kmsg)
                .ok()
                .and_then(parse_boot_hypervisor)
                .map(|h| (h, "kernel log: 'Hypervisor detected:'"))
                .or_else(|| {
                    text_of(&t.hypervisor_type)
                        .ok()
                        .map(|s| (s.trim().to_string(), "/sys/hypervisor/type"))
                })
                .or_else(|| {
                    text_of(&t.dmi_vendor)
                        .ok()
                        .map(|s| (s.trim().to_string(), "/sys/class/dmi/id/sys_vendor"))
                })
                .filter(|(h, _)| !h.is_empty());
            match (flag, named) {
                (Some(true), Some((h, src))) => {
                    Sourced::found(h, format!("/proc/cpuinfo flag 'hypervisor'; name: {src}"))
                }
                (Some(true), None) => Sourced::found(
                    "unknown".to_string(),
                    "/proc/cpuinfo flag 'hypervisor'; no name found",
                ),
                (Some(false), _) => {
                    Sourced::found("none".to_string(), "/proc/cpuinfo: no 'hypervisor' flag")
                }
                (None, _) => Sourced::missing("/proc/cpuinfo not readable"),
            }
        };
        let text = |t: &Option<Result<String, String>>, src: &str| match text_of(t) {
            Ok(s) => Sourced::found(s.trim().to_string(), src),
            Err(e) => Sourced::missing(format!("{src}: {e}")),
        };
        let suppress: Sourced<u32> = num(
            &t.stall_suppress,
            "/sys/module/rcupdate/parameters/rcu_cpu_stall_suppress",
        );
        MachineModel {
            release: text(&t.release, "/proc/sys/kernel/osrelease"),
            uname_v: text(&t.version, "/proc/sys/kernel/version (uname -v)"),
            config_model,
            preempt_dynamic,
            preempt_rcu: flag("CONFIG_PREEMPT_RCU"),
            rcu_boost,
            rcu_boost_delay_ms,
            rcu_stall_timeout_config_s: int("CONFIG_RCU_CPU_STALL_TIMEOUT"),
            rcu_stall_timeout_now_s: num(
                &t.stall_timeout_now,
                "/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout",
            ),
            rcu_stall_suppressed: Sourced {
                value: suppress.value.map(|v| v != 0),
                source: suppress.source,
            },
            hz: int("CONFIG_HZ"),
            dynamic_mode,
            boot_mode,
            panic_on_rcu_stall: num(&t.panic_on_rcu_stall, "/proc/sys/kernel/panic_on_rcu_stall"),
            max_rcu_stall_to_panic: num(
                &t.max_rcu_stall_to_panic,
                "/proc/sys/kernel/max_rcu_stall_to_panic",
            ),
            hypervisor,
            effective,
        }
    }

    /// Read this machine (Linux; elsewhere every field says why not). Mounts
    /// debugfs at /sys/kernel/debug when it is absent and this process is
    /// root, to read the dynamic preemption mode.
    pub fn read() -> MachineModel {
        MachineModel::from_texts(&Texts::read())
    }

    /// The stall timeout in force: the run-time value, else the config's.
    pub fn stall_timeout_s(&self) -> Option<u64> {
        self.rcu_stall_timeout_now_s
            .value
            .or(self.rcu_stall_timeout_config_s.value)
    }

    /// Running under a hypervisor (`Some(false)`: the CPU flag is absent).
    pub fn virtualised(&self) -> Option<bool> {
        self.hypervisor.value.as_deref().map(|h| h != "none")
    }

    /// Plain text, one field a line with its source (wrapped at 72).
    pub fn render(&self) -> String {
        fn show<T: std::fmt::Display>(s: &Sourced<T>) -> String {
            match &s.value {
                Some(v) => format!("{v}  [{}]", s.source),
                None => format!("unknown  [{}]", s.source),
            }
        }
        let rows: Vec<(&str, String)> = vec![
            ("kernel", show(&self.release)),
            ("uname -v", show(&self.uname_v)),
            ("model in force", show(&self.effective)),
            ("CONFIG_PREEMPT_*", show(&self.config_model)),
            ("PREEMPT_DYNAMIC", show(&self.preempt_dynamic)),
            ("dynamic mode now", show(&self.dynamic_mode)),
            ("mode at boot", show(&self.boot_mode)),
            ("PREEMPT_RCU", show(&self.preempt_rcu)),
            ("RCU_BOOST", show(&self.rcu_boost)),
            ("RCU_BOOST_DELAY ms", show(&self.rcu_boost_delay_ms)),
            (
                "stall timeout (cfg) s",
                show(&self.rcu_stall_timeout_config_s),
            ),
            ("stall timeout (now) s", show(&self.rcu_stall_timeout_now_s)),
            ("stall warnings off", show(&self.rcu_stall_suppressed)),
            ("panic_on_rcu_stall", show(&self.panic_on_rcu_stall)),
            ("max_rcu_stall_to_panic", show(&self.max_rcu_stall_to_panic)),
            ("HZ", show(&self.hz)),
            ("hypervisor", show(&self.hypervisor)),
        ];
        let mut out = String::new();
        for (k, v) in rows {
            let body = crate::text::table::bullet(&format!("{k}: {v}"));
            out.push_str(&body);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# CONFIG_HZ_100 is not set
CONFIG_HZ=250
CONFIG_PREEMPT_NONE=y
# CONFIG_PREEMPT_VOLUNTARY is not set
# CONFIG_PREEMPT is not set
# CONFIG_PREEMPT_LAZY is not set
CONFIG_PREEMPT_DYNAMIC=y
CONFIG_PREEMPT_RCU=y
# CONFIG_RCU_BOOST is not set
CONFIG_RCU_CPU_STALL_TIMEOUT=59
CONFIG_LOCALVERSION=\"-x\"
";

    fn texts() -> Texts {
        Texts {
            config: Some(Ok(CONFIG.into())),
            sched_preempt: Some(Err("Operation not permitted".into())),
            kmsg: Some(Ok(
                "Linux version 6.18\nHypervisor detected: KVM\nDynamic Preempt: none\n".into(),
            )),
            cmdline: Some(Ok("console=ttyS0 quiet -- --init-arg preempt=full".into())),
            version: Some(Ok("#1 SMP PREEMPT_DYNAMIC @0\n".into())),
            release: Some(Ok("6.18.44\n".into())),
            panic_on_rcu_stall: Some(Ok("0\n".into())),
            max_rcu_stall_to_panic: Some(Ok("1\n".into())),
            stall_timeout_now: Some(Ok("59\n".into())),
            stall_suppress: Some(Ok("0\n".into())),
            cpuinfo: Some(Ok("processor : 0\nflags : fpu sse hypervisor lm\n".into())),
            hypervisor_type: Some(Err("No such file".into())),
            dmi_vendor: Some(Err("No such file".into())),
        }
    }

    #[test]
    fn parsers_read_the_kernel_formats() {
        let c = parse_config(CONFIG);
        assert_eq!(c["CONFIG_PREEMPT_NONE"], "y");
        assert_eq!(c["CONFIG_PREEMPT"], "n");
        assert_eq!(c["CONFIG_LOCALVERSION"], "-x");
        assert_eq!(config_model(&c), Some(PreemptModel::None));
        assert_eq!(
            parse_sched_preempt("none (voluntary) full lazy\n"),
            Some(PreemptModel::Voluntary)
        );
        assert_eq!(parse_sched_preempt("none voluntary full"), None);
        assert_eq!(
            parse_boot_preempt("x\nDynamic Preempt: lazy\n"),
            Some(PreemptModel::Lazy)
        );
        // Arguments after "--" go to init, not the kernel.
        assert_eq!(
            parse_cmdline_preempt("a preempt=full -- b"),
            Some(PreemptModel::Full)
        );
        assert_eq!(parse_cmdline_preempt("a -- preempt=full"), None);
        assert!(cpuinfo_has_hypervisor_flag("flags\t: fpu hypervisor\n"));
        assert!(!cpuinfo_has_hypervisor_flag(
            "flags\t: fpu\nhypervisor : x\n"
        ));
        let mut rt = c.clone();
        rt.insert("CONFIG_PREEMPT_RT".into(), "y".into());
        assert_eq!(config_model(&rt), Some(PreemptModel::Rt));
    }

    #[test]
    fn the_model_in_force_follows_the_documented_order() {
        let m = MachineModel::from_texts(&texts());
        // debugfs refused: the boot log decides, not the init argument.
        assert_eq!(m.dynamic_mode.value, None);
        assert!(m.dynamic_mode.source.contains("Operation not permitted"));
        assert_eq!(m.boot_mode.value, Some(PreemptModel::None));
        assert_eq!(m.effective.value, Some(PreemptModel::None));
        assert!(m.effective.source.contains("boot"));
        assert_eq!(m.preempt_rcu.value, Some(true));
        assert_eq!(m.rcu_boost.value, Some(false));
        assert_eq!(m.rcu_boost_delay_ms.value, None);
        assert_eq!(m.rcu_stall_timeout_config_s.value, Some(59));
        assert_eq!(m.stall_timeout_s(), Some(59));
        assert_eq!(m.hz.value, Some(250));
        assert_eq!(m.panic_on_rcu_stall.value, Some(0));
        assert_eq!(m.hypervisor.value.as_deref(), Some("KVM"));
        assert_eq!(m.virtualised(), Some(true));
        assert_eq!(
            m.uname_v.value.as_deref(),
            Some("#1 SMP PREEMPT_DYNAMIC @0")
        );
        // A readable debugfs wins over the boot log.
        let mut t = texts();
        t.sched_preempt = Some(Ok("none voluntary (full) lazy".into()));
        assert_eq!(
            MachineModel::from_texts(&t).effective.value,
            Some(PreemptModel::Full)
        );
        // Nothing readable: unknown, with the reason.
        let m = MachineModel::from_texts(&Texts::default());
        assert_eq!(m.effective.value, None);
        assert_eq!(m.preempt_rcu.value, None);
        assert!(m.preempt_rcu.source.contains("not read"));
        assert!(m.render().lines().all(|l| l.chars().count() <= 72));
    }

    /// The real machine: every field is either read or says why not.
    #[test]
    fn reading_this_machine_gives_a_value_or_a_reason_for_each_field() {
        let m = MachineModel::read();
        let v = serde_json::to_value(&m).unwrap();
        for (k, f) in v.as_object().unwrap() {
            assert!(
                !f["source"].as_str().unwrap().is_empty(),
                "{k} has no source"
            );
        }
        assert!(m.render().lines().all(|l| l.chars().count() <= 72));
    }
}
