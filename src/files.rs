//! Files the tool reads and writes on the user's behalf.
//!
//! Rules (README, "Output files"):
//!
//! - An output path is checked before any work starts: a directory, a
//!   device (`/dev/full`, `/dev/null`), a FIFO or a socket, a path in a
//!   missing directory, and one of the command's own inputs are refused as
//!   bad input (exit 2). A symlink is followed: its target is written (the
//!   link stays), a dangling one is refused.
//! - Writes are atomic: a temporary file `.NAME.tmp.PID` in the target's
//!   directory, written, fsynced, renamed over the target, and the
//!   directory fsynced so the rename survives a crash. A write error names
//!   the target path (exit 1).
//! - Temporary files are registered while they exist; [`remove_temps`]
//!   (called on SIGINT/SIGTERM) deletes every one, and an error path or a
//!   dropped [`Temp`] deletes its own. [`remove_orphans`] deletes those a
//!   killed process (kill -9) left behind.

use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result, io_text};

/// Temporary files that exist right now, for [`remove_temps`].
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Set once [`remove_temps`] ran: no new temporary file may appear.
static STOPPING: AtomicBool = AtomicBool::new(false);

fn shown(p: &Path) -> String {
    p.display().to_string()
}

/// What kind of non-regular file `m` is, if it is one the tool must not
/// write over.
fn special_kind(m: &Metadata) -> Option<&'static str> {
    let t = m.file_type();
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
        if t.is_fifo() {
            return Some("a FIFO");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    (!t.is_file()).then_some("not a regular file")
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_a: &Metadata, _b: &Metadata) -> bool {
    false
}

/// Check an output file before any work: returns the path to write (the
/// target of a symlink, else `path`). `flag` names it in messages
/// (`--out`); `inputs` are the command's input files; `make_parent` allows
/// a missing parent directory (created at write time; used for default
/// outputs such as `data/NAME.csv`).
pub fn check_output(
    flag: &str,
    path: &Path,
    inputs: &[&Path],
    make_parent: bool,
) -> Result<PathBuf> {
    let bad = |why: String| Error::usage(format!("{flag}: '{}' {why}", shown(path)));
    if path.as_os_str().is_empty() || path.file_name().is_none() {
        return Err(bad(
            "is not a file name; allowed: a path to a regular file".into()
        ));
    }
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|_| {
            bad(
                "is a symlink to a missing file; allowed: a regular file or a symlink to one"
                    .into(),
            )
        })?,
        Ok(_) => path.to_path_buf(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            match std::fs::metadata(parent) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(bad(format!(
                        "is in '{}', which is not a directory",
                        shown(parent)
                    )));
                }
                Err(_) if make_parent => {}
                Err(_) => {
                    return Err(bad(format!(
                        "is in a missing directory '{}'; allowed: a path in an existing directory",
                        shown(parent)
                    )));
                }
            }
            return Ok(path.to_path_buf());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            return Err(bad(
                "has a parent that is not a directory; allowed: a path in an existing directory"
                    .into(),
            ));
        }
        Err(e) => return Err(bad(format!("cannot be inspected: {}", io_text(&e)))),
    };
    let m = std::fs::metadata(&target)
        .map_err(|e| bad(format!("cannot be inspected: {}", io_text(&e))))?;
    if let Some(kind) = special_kind(&m) {
        return Err(bad(format!(
            "is {kind}; allowed: a regular file (written whole via a temporary file and a rename)"
        )));
    }
    for input in inputs {
        if let Ok(im) = std::fs::metadata(input)
            && same_file(&m, &im)
        {
            return Err(bad(format!(
                "is also an input ('{}'); allowed: a different file",
                shown(input)
            )));
        }
    }
    Ok(target)
}

/// Check an output directory (plots, reports): refused if it exists and
/// is not a directory; created later if missing.
pub fn check_output_dir(flag: &str, dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::usage(format!(
            "{flag}: '{}' is not a directory; allowed: a directory (created if missing)",
            shown(dir)
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::usage(format!(
            "{flag}: '{}' cannot be inspected: {}",
            shown(dir),
            io_text(&e)
        ))),
    }
}

/// Check an input file before any work: it must exist, be readable and
/// be a regular file (or a FIFO/device the user points at on purpose,
/// which is read like a file). One line, exit 2 otherwise.
pub fn check_input(path: &Path) -> Result<()> {
    match File::open(path).and_then(|f| f.metadata()) {
        Ok(m) if m.is_dir() => Err(Error::usage(format!(
            "{}: is a directory; allowed: a file",
            shown(path)
        ))),
        Ok(_) => Ok(()),
        Err(error) => Err(Error::Input {
            path: path.to_path_buf(),
            error,
        }),
    }
}

/// Read an input file whole; errors are [`Error::Input`] (exit 2).
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    check_input(path)?;
    std::fs::read(path).map_err(|error| Error::Input {
        path: path.to_path_buf(),
        error,
    })
}

/// A registered temporary file: removed when dropped unless
/// [`Temp::persist`] renamed it into place; removed by [`remove_temps`]
/// if a signal arrives first.
#[derive(Debug)]
pub struct Temp {
    path: PathBuf,
    done: bool,
}

impl Temp {
    /// Register `path` as a temporary file about to be created. Fails once
    /// a signal is being handled (the process is about to exit).
    pub fn new(path: PathBuf) -> Result<Temp> {
        let mut t = TEMPS
            .lock()
            .map_err(|_| Error::Run("temporary files: poisoned".into()))?;
        if STOPPING.load(Ordering::SeqCst) {
            return Err(Error::Run("interrupted".into()));
        }
        t.push(path.clone());
        Ok(Temp { path, done: false })
    }

    /// The temporary path, for the writer.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// fsync the file, rename it into `target`, then fsync `target`'s
    /// directory so the rename itself is durable.
    pub fn persist(mut self, target: &Path) -> std::io::Result<()> {
        File::open(&self.path)?.sync_all()?;
        std::fs::rename(&self.path, target)?;
        self.done = true;
        sync_dir(target)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
        if let Ok(mut t) = TEMPS.lock()
            && let Some(i) = t.iter().position(|p| *p == self.path)
        {
            t.swap_remove(i);
        }
    }
}

/// fsync the directory holding `path`. File systems that cannot sync a
/// directory (EINVAL) are not an error: there is nothing more to do.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// The temporary name of `path` for this process: `.NAME.tmp.PID`.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.tmp.{}", std::process::id()))
}

/// Write `bytes` to `path` atomically (see the module doc). Creates a
/// missing parent directory (default outputs like `data/`). Errors name
/// `path`; on any error the temporary file is gone.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).map_err(io)?;
    }
    let tmp = Temp::new(temp_path(path))?;
    let mut f = File::create(tmp.path()).map_err(io)?;
    // Sync through the writing descriptor: a write-back error (ENOSPC on
    // delayed allocation, NFS) is reported here, not lost.
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(io)?;
    drop(f);
    tmp.persist(path).map_err(io)
}

/// Remove every registered temporary file and refuse new ones. Called from
/// the signal handler just before the process exits.
pub fn remove_temps() {
    STOPPING.store(true, Ordering::SeqCst);
    // Taking the lock waits for a registration in flight; holding it keeps
    // any other thread from registering until the process exits.
    let guard = TEMPS.lock();
    if let Ok(t) = &guard {
        for p in t.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
    std::mem::forget(guard);
}

/// Whether process `pid` is alive. Where `/proc` is missing the answer is
/// "no" for any other process, so `--resume` there removes every other
/// process's temporary file.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() {
        return false;
    }
    proc_root.join(pid.to_string()).exists()
}

/// Remove temporary files `.NAME.tmp.PID` of `target` (and of any other
/// `names` beside it) whose process is gone. Returns what was removed.
pub fn remove_orphans(target: &Path, names: &[&OsStr]) -> Result<Vec<PathBuf>> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let prefixes: Vec<String> = names
        .iter()
        .map(|n| format!(".{}.tmp.", n.to_string_lossy()))
        .collect();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = prefixes.iter().find_map(|p| name.strip_prefix(p.as_str())) else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        if !alive(pid) {
            let p = entry.path();
            std::fs::remove_file(&p).map_err(|source| Error::Io {
                path: p.clone(),
                source,
            })?;
            removed.push(p);
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn outputs_that_would_destroy_something_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let input = d.path().join("in.toml");
        std::fs::write(&input, "x").unwrap();
        let msg = |p: &Path, inputs: &[&Path]| {
            check_output("--out", p, inputs, false)
                .unwrap_err()
                .to_string()
        };
        assert!(msg(d.path(), &[]).contains("is a directory"));
        assert!(msg(Path::new("/dev/null"), &[]).contains("is a device"));
        assert!(msg(&input, &[&input]).contains("is also an input"));
        assert!(msg(&d.path().join("no/such/x.csv"), &[]).contains("missing directory"));
        let link = d.path().join("link.csv");
        std::os::unix::fs::symlink(&input, &link).unwrap();
        assert!(msg(&link, &[&input]).contains("is also an input"));
        let target = d.path().join("target.csv");
        std::fs::write(&target, "old").unwrap();
        let l2 = d.path().join("l2.csv");
        std::os::unix::fs::symlink(&target, &l2).unwrap();
        let resolved = check_output("--out", &l2, &[&input], false).unwrap();
        assert_eq!(resolved, std::fs::canonicalize(&target).unwrap());
        let dangling = d.path().join("dangling.csv");
        std::os::unix::fs::symlink(d.path().join("gone"), &dangling).unwrap();
        assert!(msg(&dangling, &[]).contains("symlink to a missing file"));
        let fresh = d.path().join("fresh.csv");
        assert_eq!(check_output("--out", &fresh, &[], false).unwrap(), fresh);
        let deep = d.path().join("a/b/c.csv");
        assert_eq!(check_output("--out", &deep, &[], true).unwrap(), deep);
    }

    #[test]
    fn atomic_write_leaves_only_the_target() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("sub/o.csv");
        write_atomic(&out, b"abc").unwrap();
        write_atomic(&out, b"def").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"def");
        let names: Vec<_> = std::fs::read_dir(d.path().join("sub")).unwrap().collect();
        assert_eq!(names.len(), 1);
        // A write that fails (the target is a directory) leaves no temp.
        let dir_target = d.path().join("sub/dir");
        std::fs::create_dir(&dir_target).unwrap();
        assert!(write_atomic(&dir_target, b"x").is_err());
        assert_eq!(std::fs::read_dir(d.path().join("sub")).unwrap().count(), 2);
    }

    #[test]
    fn orphans_of_dead_processes_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("o.csv");
        // PID 0x7fff_fff0 is above any pid_max, so it is never alive.
        let dead = d.path().join(".o.csv.tmp.2147483632");
        let mine = temp_path(&out);
        let other = d.path().join(".x.csv.tmp.2147483632");
        for p in [&dead, &mine, &other] {
            std::fs::write(p, "t").unwrap();
        }
        let removed = remove_orphans(&out, &[OsStr::new("o.csv")]).unwrap();
        assert_eq!(removed, vec![dead.clone()]);
        assert!(!dead.exists() && mine.exists() && other.exists());
    }
}
