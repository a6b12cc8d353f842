//! This machine's identity: CPU model, host name, core count and kernel
//! release, what every measurement records as where it was taken. Kept
//! here, below the measurements that carry it, so that the rate cache, the
//! probe's table, the observation report and the mail all read one
//! description of the machine.

use serde::{Deserialize, Serialize};

use super::sys;

/// The machine a measurement was taken on. Measurements keyed on it (the
/// rate cache) compare the CPU model, core count and kernel; the host
/// name is kept for the reader, not compared: identical VMs share it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    /// CPU model name.
    pub cpu_model: String,
    /// Host name.
    pub hostname: String,
    /// Available cores.
    pub cores: usize,
    /// Kernel release.
    pub kernel: String,
}

impl Host {
    /// This machine.
    pub fn current() -> Host {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("model name"))
                    .and_then(|l| l.split_once(':'))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Host {
            cpu_model,
            hostname,
            cores,
            kernel: sys::kernel_release(),
        }
    }
}
