//! The texts this machine's kernel gives about itself, read at run time:
//! the kernel config (`/proc/config.gz`), the dynamic preemption mode
//! (debugfs), the boot log (`/dev/kmsg`), the command line, `uname`, the
//! RCU stall sysctls and module parameters, `/proc/cpuinfo` and the
//! hypervisor's traces in sysfs. Reading only, no interpretation: the
//! stall model (`stall/machine.rs`) and the audit's reading of this machine
//! (`site/machine.rs`: sysctls, device modes) are built from these texts
//! and readers and are pure, so their tests feed fixed texts.

use std::io::Read;
use std::path::Path;

use super::sys;

/// What this machine's kernel says about its preemption and RCU stall
/// settings, and the CPU it runs on: each source's text, or why it could
/// not be read. Raw text: the stall model parses it
/// (`stall::MachineModel::from_texts`), and tests feed fixed texts.
#[derive(Clone, Debug, Default)]
pub struct Texts {
    /// `/proc/config.gz`, decompressed.
    pub config: Option<Result<String, String>>,
    /// `/sys/kernel/debug/sched/preempt`.
    pub sched_preempt: Option<Result<String, String>>,
    /// The kernel log (`/dev/kmsg`).
    pub kmsg: Option<Result<String, String>>,
    /// `/proc/cmdline`.
    pub cmdline: Option<Result<String, String>>,
    /// `/proc/sys/kernel/version` (`uname -v`).
    pub version: Option<Result<String, String>>,
    /// `/proc/sys/kernel/osrelease` (`uname -r`).
    pub release: Option<Result<String, String>>,
    /// `/proc/sys/kernel/panic_on_rcu_stall`.
    pub panic_on_rcu_stall: Option<Result<String, String>>,
    /// `/proc/sys/kernel/max_rcu_stall_to_panic`.
    pub max_rcu_stall_to_panic: Option<Result<String, String>>,
    /// `/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout`.
    pub stall_timeout_now: Option<Result<String, String>>,
    /// `/sys/module/rcupdate/parameters/rcu_cpu_stall_suppress`.
    pub stall_suppress: Option<Result<String, String>>,
    /// `/proc/cpuinfo`.
    pub cpuinfo: Option<Result<String, String>>,
    /// `/sys/hypervisor/type`.
    pub hypervisor_type: Option<Result<String, String>>,
    /// `/sys/class/dmi/id/sys_vendor`.
    pub dmi_vendor: Option<Result<String, String>>,
}

impl Texts {
    /// Read every source on this machine (Linux; elsewhere each says why
    /// not). Mounts debugfs at /sys/kernel/debug when it is absent and this
    /// process is root, to read the dynamic preemption mode.
    pub fn read() -> Texts {
        Texts {
            config: Some(read_config_gz()),
            sched_preempt: Some(read_sched_preempt()),
            kmsg: Some(read_kmsg()),
            cmdline: read_text("/proc/cmdline"),
            version: read_text("/proc/sys/kernel/version"),
            release: read_text("/proc/sys/kernel/osrelease"),
            panic_on_rcu_stall: read_text("/proc/sys/kernel/panic_on_rcu_stall"),
            max_rcu_stall_to_panic: read_text("/proc/sys/kernel/max_rcu_stall_to_panic"),
            stall_timeout_now: read_text("/sys/module/rcupdate/parameters/rcu_cpu_stall_timeout"),
            stall_suppress: read_text("/sys/module/rcupdate/parameters/rcu_cpu_stall_suppress"),
            cpuinfo: read_text("/proc/cpuinfo"),
            hypervisor_type: read_text("/sys/hypervisor/type"),
            dmi_vendor: read_text("/sys/class/dmi/id/sys_vendor"),
        }
    }
}

/// Read a small text file, or why not.
pub fn read_text(path: &str) -> Option<Result<String, String>> {
    Some(std::fs::read_to_string(path).map_err(|e| e.to_string()))
}

/// A file's permission bits (`st_mode`), or why not (absent, no access).
pub fn read_mode(path: &str) -> Option<Result<u32, String>> {
    use std::os::unix::fs::PermissionsExt as _;
    Some(
        std::fs::metadata(path)
            .map(|m| m.permissions().mode())
            .map_err(|e| e.to_string()),
    )
}

/// The running kernel's config, `/proc/config.gz` decompressed, or why not.
pub fn read_config_gz() -> Result<String, String> {
    let f = std::fs::File::open("/proc/config.gz")
        .map_err(|e| format!("{e} (kernel without CONFIG_IKCONFIG_PROC?)"))?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut s)
        .map_err(|e| format!("cannot decompress: {e}"))?;
    Ok(s)
}

/// The kernel log through `/dev/kmsg`, non-blocking: each read returns one
/// record (`prio,seq,ts,flags;message`) until the log is drained (EAGAIN).
fn read_kmsg() -> Result<String, String> {
    use std::os::unix::fs::OpenOptionsExt;
    #[cfg(target_os = "linux")]
    let flags = libc::O_NONBLOCK;
    #[cfg(not(target_os = "linux"))]
    let flags = 0;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open("/dev/kmsg")
        .map_err(|e| e.to_string())?;
    let mut out = String::new();
    let mut buf = vec![0u8; 8192];
    for _ in 0..200_000 {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let rec = String::from_utf8_lossy(&buf[..n]);
                let msg = rec.split_once(';').map_or(rec.as_ref(), |(_, m)| m);
                out.push_str(msg.trim_end());
                out.push('\n');
            }
            // EPIPE: a record was overwritten while reading; go on.
            Err(e) if e.raw_os_error() == Some(32) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(out)
}

fn read_sched_preempt() -> Result<String, String> {
    let path = Path::new("/sys/kernel/debug/sched/preempt");
    let debug = Path::new("/sys/kernel/debug");
    if !path.exists() && debug.is_dir() && !debug.join("sched").exists() {
        if sys::is_root() {
            sys::mount_pseudo_fs("debugfs", debug)
                .map_err(|e| format!("debugfs not mounted; mounting it failed: {e}"))?;
        } else {
            return Err("debugfs not mounted and mounting it needs root".into());
        }
    }
    std::fs::read_to_string(path).map_err(|e| match e.raw_os_error() {
        Some(1) => format!("{e} (kernel lockdown restricts debugfs)"),
        Some(2) => format!("{e} (kernel without PREEMPT_DYNAMIC or debugfs)"),
        _ => e.to_string(),
    })
}
