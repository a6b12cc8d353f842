//! The `rename_lock` writer's rate, by exact count: threads rename their
//! own files back and forth on tmpfs and count the renames that succeed.
//!
//! No tracepoint counts `write_seqlock(&rename_lock)`. The count is exact
//! by the code instead: `vfs_rename()` calls `d_move()` (or `d_exchange()`)
//! exactly once after a successful `->rename()` unless the filesystem sets
//! `FS_RENAME_DOES_D_MOVE`, and each takes `write_seqlock(&rename_lock)`
//! once, +2 to its sequence: one writer cycle per successful rename (read
//! in fs/namei.c and fs/dcache.c; docs/research/sites.md, "rename_lock and
//! mount_lock, re-checked"). tmpfs is a plain dcache filesystem, so the
//! measurement runs only there; on another filesystem (an overlay adds
//! its own d_move) it says why and measures nothing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};

/// What was measured.
#[derive(Clone, Debug, Serialize)]
pub struct RenameRate {
    /// Threads, each on its own pair of names.
    pub threads: usize,
    /// Successful renames per second: rename_lock write cycles per second.
    pub cycles_per_s: f64,
    /// Renames counted.
    pub renames: u64,
    /// The tmpfs directory used.
    pub dir: String,
}

/// A tmpfs mount point to rename in, from `/proc/mounts`.
fn tmpfs_dir() -> std::result::Result<PathBuf, String> {
    let mounts = std::fs::read_to_string("/proc/mounts")
        .map_err(|e| format!("cannot read /proc/mounts: {e}"))?;
    let tmpfs: Vec<&str> = mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, point, fstype) = (f.next()?, f.next()?, f.next()?);
            (fstype == "tmpfs").then_some(point)
        })
        .collect();
    for want in ["/dev/shm", "/tmp", "/run"] {
        if tmpfs.contains(&want) && Path::new(want).is_dir() {
            return Ok(PathBuf::from(want));
        }
    }
    Err("no tmpfs mounted at /dev/shm, /tmp or /run: the count is exact only on tmpfs".into())
}

/// Measure for `run` with `threads` renaming threads; `Ok(Err(why))` when
/// it cannot be measured exactly here.
pub fn rename_rate(
    threads: usize,
    run: Duration,
) -> Result<std::result::Result<RenameRate, String>> {
    if threads == 0 {
        return Err(Error::usage("rename rate: at least one thread"));
    }
    let base = match tmpfs_dir() {
        Ok(d) => d,
        Err(why) => return Ok(Err(why)),
    };
    let dir = base.join(format!("seqwrap-rename-{}", std::process::id()));
    let io = |what: &str, e: std::io::Error| Error::Run(format!("rename rate: {what}: {e}"));
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir.display().to_string(), e))?;
    let result = (|| {
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicU64::new(0));
        let gate = Arc::new(Barrier::new(threads + 1));
        let mut handles = Vec::new();
        for i in 0..threads {
            let (a, b) = (dir.join(format!("a{i}")), dir.join(format!("b{i}")));
            std::fs::write(&a, b"").map_err(|e| io("create", e))?;
            let (stop, count, gate) = (stop.clone(), count.clone(), gate.clone());
            handles.push(std::thread::spawn(move || {
                gate.wait();
                let mut n = 0u64;
                let (mut from, mut to) = (a, b);
                while !stop.load(Ordering::Relaxed) {
                    if std::fs::rename(&from, &to).is_ok() {
                        n += 1;
                        std::mem::swap(&mut from, &mut to);
                    }
                }
                count.fetch_add(n, Ordering::Relaxed);
            }));
        }
        gate.wait();
        let t0 = Instant::now();
        std::thread::sleep(run);
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            h.join()
                .map_err(|_| Error::Run("rename rate: a thread panicked".into()))?;
        }
        let secs = t0.elapsed().as_secs_f64();
        let renames = count.load(Ordering::Relaxed);
        Ok(RenameRate {
            threads,
            cycles_per_s: renames as f64 / secs,
            renames,
            dir: base.display().to_string(),
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result.map(Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where tmpfs is mounted the renames are counted and the directory is
    /// removed afterwards; where it is not, the reason names tmpfs.
    #[test]
    fn renames_are_counted_on_tmpfs_and_cleaned_up() {
        match rename_rate(2, Duration::from_millis(100)).unwrap() {
            Ok(r) => {
                assert!(r.renames > 0, "{r:?}");
                assert!(r.cycles_per_s > 0.0);
                let left = Path::new(&r.dir).join(format!("seqwrap-rename-{}", std::process::id()));
                assert!(!left.exists(), "{} left behind", left.display());
            }
            Err(why) => assert!(why.contains("tmpfs"), "{why}"),
        }
        assert!(rename_rate(0, Duration::from_millis(1)).is_err());
    }
}
