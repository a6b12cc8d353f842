//! What the probe measures: the operations ([`KernelOp`], what `--op`
//! names), `--op` and `--threads` parsing, [`KernelConfig`] and the bounds
//! a configuration is checked against before anything runs. Kept apart
//! from the loop so that the command line and the rate cache can name an
//! operation without the syscalls behind it.

use std::time::Duration;

use super::linux_only;
use crate::error::{Error, Result};
use crate::timing::measured::OPS_ALLOWED;
pub use crate::timing::measured::{KernelOp, MAX_THREADS};

/// Parse `--op`: one name, a comma list, or `all`.
pub fn parse_ops(s: &str) -> Result<Vec<KernelOp>> {
    if s.trim() == "all" {
        return Ok(KernelOp::ALL.to_vec());
    }
    let mut out: Vec<KernelOp> = Vec::new();
    for part in s.split(',') {
        let op: KernelOp = part.trim().parse()?;
        if !out.contains(&op) {
            out.push(op);
        }
    }
    Ok(out)
}

/// Parse `--threads`: `N` (just N), `A..B` or `A-B` (every count from A to
/// B), or a comma list.
pub fn parse_threads(s: &str) -> Result<Vec<usize>> {
    let bad = || {
        Error::usage(format!(
            "--threads: '{s}' is not a thread count; allowed: N, A..B or a list like 1,2,4 (each 1..={MAX_THREADS})"
        ))
    };
    let num = |t: &str| -> Result<usize> {
        t.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_THREADS).contains(n))
            .ok_or_else(bad)
    };
    let t = s.trim();
    let range = t.split_once("..").or_else(|| t.split_once('-'));
    let mut out = match range {
        Some((a, b)) => {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(bad());
            }
            (a..=b).collect()
        }
        None => t.split(',').map(num).collect::<Result<Vec<_>>>()?,
    };
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The default thread counts: 1, 2, 4, ... up to the core count (at least
/// 1 and 2, so that "do threads add rate?" is always asked), at most 8.
pub fn default_threads() -> Vec<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let top = cores.clamp(2, 8);
    let mut v: Vec<usize> = (0..4).map(|k| 1 << k).filter(|&n| n <= top).collect();
    if !v.contains(&top) {
        v.push(top);
    }
    v
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct KernelConfig {
    /// Operations (rows).
    pub ops: Vec<KernelOp>,
    /// Thread counts (one cell per op and count).
    pub threads: Vec<usize>,
    /// Timed runs per cell; the rate is their median.
    pub runs: usize,
    /// Measuring time per cell, split into `runs` equal runs.
    pub duration: Duration,
    /// io_uring requests per submission.
    pub uring_batch: u32,
    /// Check each operation against the tracepoint (when tracefs can be
    /// used).
    pub verify: bool,
    /// Calls in each verification window.
    pub verify_calls: u64,
}

impl Default for KernelConfig {
    fn default() -> Self {
        KernelConfig {
            ops: KernelOp::DEFAULT.to_vec(),
            threads: default_threads(),
            runs: 7,
            duration: Duration::from_millis(700),
            uring_batch: 32,
            verify: true,
            verify_calls: 2000,
        }
    }
}

pub(super) fn check(cfg: &KernelConfig) -> Result<Duration> {
    linux_only()?;
    if cfg.ops.is_empty() {
        return Err(Error::usage(format!(
            "--op: none given; allowed: {OPS_ALLOWED}"
        )));
    }
    if cfg.threads.is_empty() || cfg.threads.iter().any(|&t| t == 0 || t > MAX_THREADS) {
        return Err(Error::usage(format!(
            "--threads: {:?}; allowed: 1..={MAX_THREADS}",
            cfg.threads
        )));
    }
    if cfg.runs == 0 || cfg.runs > 1000 {
        return Err(Error::usage(format!(
            "--runs: {}; allowed: 1..=1000",
            cfg.runs
        )));
    }
    if !(1..=4096).contains(&cfg.uring_batch) {
        return Err(Error::usage(format!(
            "--batch: {}; allowed: 1..=4096",
            cfg.uring_batch
        )));
    }
    if cfg.verify_calls == 0 || cfg.verify_calls > 1_000_000 {
        return Err(Error::usage(format!(
            "verify calls: {}; allowed: 1..=1000000",
            cfg.verify_calls
        )));
    }
    let run = cfg.duration / cfg.runs as u32;
    if run < Duration::from_millis(1) || cfg.duration > Duration::from_secs(3600) {
        return Err(Error::usage(
            "--duration: allowed: 1 ms per run up to 3600 s in all (e.g. 2s, 500ms)",
        ));
    }
    Ok(run)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn thread_and_op_lists_parse() {
        assert_eq!(parse_threads("3").unwrap(), vec![3]);
        assert_eq!(parse_threads("1..3").unwrap(), vec![1, 2, 3]);
        assert_eq!(parse_threads("2-4").unwrap(), vec![2, 3, 4]);
        assert_eq!(parse_threads("4,1,2,2").unwrap(), vec![1, 2, 4]);
        for bad in ["0", "3..1", "x", "", "1..", "257"] {
            assert!(matches!(parse_threads(bad), Err(Error::Usage(_))), "{bad}");
        }
        assert_eq!(parse_ops("all").unwrap().len(), 6);
        assert_eq!(
            parse_ops("madvise,munmap-null,madvise").unwrap(),
            vec![KernelOp::Madvise, KernelOp::MunmapNull]
        );
        assert!(matches!("munmap".parse::<KernelOp>(), Err(Error::Usage(_))));
        let d = default_threads();
        assert!(d.starts_with(&[1, 2]));
    }
}
