//! Counting mmap write-lock acquisitions with the kernel's own tracepoint,
//! `mmap_lock/mmap_lock_acquire_returned` (fields `mm`, `memcg_id`,
//! `write`, `success`), through tracefs.
//!
//! Every session gets its own tracefs *instance* (`instances/seqwrap-PID-N`)
//! with its own ring buffer, event switch and filter, so it neither sees
//! nor disturbs anyone else's tracing; dropping the session disables the
//! event and removes the instance. The kernel filters on `write==1`; the
//! text lines of `trace` / `trace_pipe` are parsed here (the binary ring
//! buffer format is kernel-internal; the text format with `record-tgid` is
//! the documented interface).
//!
//! When tracefs is absent it is mounted at `/sys/kernel/tracing` if this
//! process is root; otherwise [`Tracer::open`] returns [`Unavailable`] with
//! the reason, and callers say "not verified" / "not available".

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::sys;

/// Where tracefs may be, in order of preference.
const MOUNTS: &[&str] = &["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
/// The event, relative to an instance's `events/`.
const EVENT: &str = "mmap_lock/mmap_lock_acquire_returned";

/// Why tracing cannot be used here (one line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One `mmap_lock_acquire_returned` line with `write=true`.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    /// The task's command name as the trace recorded it (`<...>` when the
    /// kernel no longer knew it).
    pub comm: String,
    /// The task (thread) id.
    pub tid: u32,
    /// Its thread-group (process) id, when recorded.
    pub tgid: Option<u32>,
    /// Seconds, trace clock.
    pub ts: f64,
    /// The mm, as printed (`%p`: hashed unless the `hash-ptr` option is
    /// off, but stable within a boot, so it identifies the mm).
    pub mm: String,
    /// Whether the acquisition succeeded (killable and trylock variants
    /// can fail).
    pub success: bool,
}

/// Parse one text line of the trace, or `None` for headers, other events,
/// read acquisitions and lost-event notes.
///
/// Line shape, with `record-tgid`:
/// `  comm-TID  (  TGID) [CPU] flags  TS: mmap_lock_acquire_returned: mm=... memcg_id=N write=true success=true`.
/// The comm may contain spaces, dashes and parentheses, so the line is
/// taken apart from the CPU field outwards.
pub fn parse_line(line: &str) -> Option<TraceEvent> {
    let (head, fields) = line.split_once(": mmap_lock_acquire_returned: ")?;
    let mut mm = None;
    let mut write = None;
    let mut success = None;
    for kv in fields.split_whitespace() {
        match kv.split_once('=') {
            Some(("mm", v)) => mm = Some(v.to_string()),
            Some(("write", v)) => write = Some(v == "true"),
            Some(("success", v)) => success = Some(v == "true"),
            _ => {}
        }
    }
    if write != Some(true) {
        return None;
    }
    // head: "<comm>-<tid> [(<tgid>)] [<cpu>] <flags> <ts>"
    let ts: f64 = head.rsplit_whitespace_first()?.parse().ok()?;
    let cpu_open = head
        .rfind("] ")
        .and_then(|close| head[..close].rfind('['))?;
    let left = head[..cpu_open].trim_end();
    let (task, tgid) = match left.strip_suffix(')') {
        Some(l) => {
            let open = l.rfind('(')?;
            let tgid = l[open + 1..].trim().parse::<u32>().ok();
            (l[..open].trim_end(), tgid)
        }
        None => (left, None),
    };
    let task = task.trim_start();
    let (comm, tid) = task.rsplit_once('-')?;
    Some(TraceEvent {
        comm: comm.to_string(),
        tid: tid.parse().ok()?,
        tgid,
        ts,
        mm: mm?,
        success: success.unwrap_or(true),
    })
}

/// `CPU:N [LOST K EVENTS]` lines in trace_pipe output: K, else `None`.
pub fn parse_lost(line: &str) -> Option<u64> {
    let rest = line.split_once("[LOST ")?.1;
    rest.split_whitespace().next()?.parse().ok()
}

trait LastToken {
    fn rsplit_whitespace_first(&self) -> Option<&str>;
}

impl LastToken for str {
    /// The last whitespace-separated token, without a trailing ':'.
    fn rsplit_whitespace_first(&self) -> Option<&str> {
        self.split_whitespace()
            .next_back()
            .map(|t| t.trim_end_matches(':'))
    }
}

/// A tracefs instance with the write-acquisition event set up (disabled
/// until [`Tracer::start`]). Removed on drop.
#[derive(Debug)]
pub struct Tracer {
    dir: PathBuf,
}

static INSTANCE: AtomicU32 = AtomicU32::new(0);

fn write_file(path: &Path, text: &str) -> io::Result<()> {
    fs::write(path, text)
}

/// The mounted tracefs root with the mmap_lock events, mounting it when
/// absent and root. Error: why not.
pub fn tracefs_root() -> Result<PathBuf, Unavailable> {
    let has_event = |root: &Path| root.join("events").join(EVENT).is_dir();
    for m in MOUNTS {
        let root = Path::new(m);
        match fs::metadata(root.join("events")) {
            Ok(_) if has_event(root) => return Ok(root.to_path_buf()),
            Ok(_) => {
                return Err(Unavailable(format!(
                    "tracefs at {m} has no {EVENT} event (kernel without CONFIG_TRACING or older than 5.10)"
                )));
            }
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                return Err(Unavailable(format!(
                    "tracefs at {m} is not accessible to this user: {e}"
                )));
            }
            Err(_) => {}
        }
    }
    let root = Path::new(MOUNTS[0]);
    if !root.is_dir() {
        return Err(Unavailable(format!(
            "tracefs is not mounted and {} does not exist",
            root.display()
        )));
    }
    if !sys::is_root() {
        return Err(Unavailable(
            "tracefs is not mounted and mounting it needs root".into(),
        ));
    }
    sys::mount_pseudo_fs("tracefs", root)
        .map_err(|e| Unavailable(format!("mount -t tracefs at {}: {e}", root.display())))?;
    if has_event(root) {
        Ok(root.to_path_buf())
    } else {
        Err(Unavailable(format!(
            "tracefs mounted at {} but it has no {EVENT} event",
            root.display()
        )))
    }
}

/// Remove instances left by seqwrap processes that no longer exist (a
/// killed run cannot clean up after itself).
fn sweep_stale(root: &Path) {
    let Ok(dir) = fs::read_dir(root.join("instances")) else {
        return;
    };
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix("seqwrap-") else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = write_file(&e.path().join("events").join(EVENT).join("enable"), "0");
            let _ = fs::remove_dir(e.path());
        }
    }
}

impl Tracer {
    /// A fresh instance with `write==1` acquisitions selected, `record-tgid`
    /// on, the monotonic trace clock and `buffer_kb` per CPU of ring buffer.
    pub fn open(buffer_kb: u32) -> Result<Tracer, Unavailable> {
        let root = tracefs_root()?;
        sweep_stale(&root);
        let name = format!(
            "seqwrap-{}-{}",
            std::process::id(),
            INSTANCE.fetch_add(1, Ordering::Relaxed)
        );
        let dir = root.join("instances").join(name);
        fs::create_dir(&dir).map_err(|e| {
            Unavailable(format!(
                "cannot create a tracefs instance {}: {e}",
                dir.display()
            ))
        })?;
        let t = Tracer { dir };
        let setup = || -> io::Result<()> {
            write_file(&t.event_file("filter"), "write==1")?;
            write_file(&t.dir.join("options").join("record-tgid"), "1")?;
            // mono: timestamps comparable across CPUs. Older kernels lack it;
            // the default clock is then used.
            let _ = write_file(&t.dir.join("trace_clock"), "mono");
            write_file(&t.dir.join("buffer_size_kb"), &buffer_kb.to_string())?;
            Ok(())
        };
        setup().map_err(|e| Unavailable(format!("cannot set up tracefs instance: {e}")))?;
        Ok(t)
    }

    fn event_file(&self, f: &str) -> PathBuf {
        self.dir.join("events").join(EVENT).join(f)
    }

    /// Start recording (clears the buffer first).
    pub fn start(&self) -> io::Result<()> {
        write_file(&self.dir.join("trace"), "")?;
        write_file(&self.event_file("enable"), "1")
    }

    /// Stop recording.
    pub fn stop(&self) -> io::Result<()> {
        write_file(&self.event_file("enable"), "0")
    }

    /// Everything recorded since `start` (read after `stop`): the events
    /// and the events the ring buffer had to drop (overruns).
    pub fn snapshot(&self) -> io::Result<(Vec<TraceEvent>, u64)> {
        let text = fs::read_to_string(self.dir.join("trace"))?;
        Ok((
            text.lines().filter_map(parse_line).collect(),
            self.overruns(),
        ))
    }

    /// Replace the event filter (`write==1` by default), e.g. to count
    /// only some threads' acquisitions.
    pub fn set_filter(&self, filter: &str) -> io::Result<()> {
        write_file(&self.event_file("filter"), filter)
    }

    /// Events written into the ring buffer since `start`, summed over
    /// CPUs: the ring buffer's own counters (`entries` still held plus
    /// `overrun`, the ones overwritten), so the count is exact however
    /// small the buffer and nothing has to be read or parsed. Needs the
    /// buffer in overwrite mode (the default) and nothing consuming it.
    pub fn written(&self) -> io::Result<u64> {
        self.stats_sum(&["entries:", "overrun:"])
    }

    /// The sum over CPUs of the `per_cpu/cpuN/stats` lines starting with
    /// one of `keys`.
    fn stats_sum(&self, keys: &[&str]) -> io::Result<u64> {
        let mut n = 0u64;
        for c in fs::read_dir(self.dir.join("per_cpu"))? {
            let s = fs::read_to_string(c?.path().join("stats"))?;
            for l in s.lines() {
                if let Some(v) = keys.iter().find_map(|k| l.strip_prefix(k)) {
                    n += v.trim().parse::<u64>().map_err(|e| {
                        io::Error::new(io::ErrorKind::InvalidData, format!("stats '{l}': {e}"))
                    })?;
                }
            }
        }
        Ok(n)
    }

    /// The tracefs root this instance lives in (for `uprobe_events`).
    pub fn root(&self) -> &Path {
        self.dir
            .parent()
            .and_then(Path::parent)
            .expect("an instance lives in ROOT/instances/NAME")
    }

    /// Enable or disable another event (`group/name`) in this instance.
    pub fn enable(&self, event: &str, on: bool) -> io::Result<()> {
        write_file(
            &self.dir.join("events").join(event).join("enable"),
            if on { "1" } else { "0" },
        )
    }

    /// Events lost to a full ring buffer, summed over CPUs.
    pub fn overruns(&self) -> u64 {
        self.stats_sum(&["overrun:", "dropped events:"])
            .unwrap_or(0)
    }

    /// Open the consuming reader for streaming (non-blocking reads, so a
    /// reader loop can notice when to stop).
    pub fn pipe(&self) -> io::Result<Pipe> {
        use std::os::unix::fs::OpenOptionsExt;
        let f = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc_nonblock())
            .open(self.dir.join("trace_pipe"))?;
        Ok(Pipe {
            file: f,
            partial: String::new(),
        })
    }
}

#[cfg(target_os = "linux")]
fn libc_nonblock() -> i32 {
    libc::O_NONBLOCK
}

#[cfg(not(target_os = "linux"))]
fn libc_nonblock() -> i32 {
    0
}

impl Drop for Tracer {
    fn drop(&mut self) {
        let _ = self.stop();
        // rmdir fails while a reader still holds trace_pipe open; the
        // caller drops its Pipe first, so one try is enough in practice.
        let _ = fs::remove_dir(&self.dir);
    }
}

/// The consuming, non-blocking reader of an instance's `trace_pipe`.
#[derive(Debug)]
pub struct Pipe {
    file: fs::File,
    partial: String,
}

/// What one [`Pipe::read_some`] returned.
#[derive(Debug, Default)]
pub struct Chunk {
    /// Parsed write-acquisition events.
    pub events: Vec<TraceEvent>,
    /// Events the kernel reported lost.
    pub lost: u64,
    /// Whether the pipe was empty (nothing to read right now).
    pub empty: bool,
}

impl Pipe {
    /// Read what is there now (up to 1 MiB) and parse whole lines.
    pub fn read_some(&mut self) -> io::Result<Chunk> {
        let mut buf = vec![0u8; 1 << 20];
        let n = match self.file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                return Ok(Chunk {
                    empty: true,
                    ..Chunk::default()
                });
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        self.partial.push_str(&String::from_utf8_lossy(&buf[..n]));
        let mut out = Chunk {
            empty: n == 0,
            ..Chunk::default()
        };
        let complete = match self.partial.rfind('\n') {
            Some(i) => i + 1,
            None => return Ok(out),
        };
        let rest = self.partial.split_off(complete);
        for line in self.partial.lines() {
            if let Some(k) = parse_lost(line) {
                out.lost += k;
            } else if let Some(e) = parse_line(line) {
                out.events.push(e);
            }
        }
        self.partial = rest;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_with_and_without_tgid() {
        let l = "            bash-9967    (   9967) [000] .....   944.183486: mmap_lock_acquire_returned: mm=0000000020066e9d memcg_id=3170 write=true success=true";
        let e = parse_line(l).unwrap();
        assert_eq!(e.comm, "bash");
        assert_eq!(e.tid, 9967);
        assert_eq!(e.tgid, Some(9967));
        assert_eq!(e.mm, "0000000020066e9d");
        assert!(e.success);
        assert!((e.ts - 944.183486).abs() < 1e-9);
        // A comm with a dash, spaces and parentheses, no tgid column, a
        // failed acquisition.
        let l = " (sd-pam) x-1-42 [001] d..1.  5.000001: mmap_lock_acquire_returned: mm=ffff8881 memcg_id=0 write=true success=false";
        let e = parse_line(l).unwrap();
        assert_eq!(e.comm, "(sd-pam) x-1");
        assert_eq!(e.tid, 42);
        assert_eq!(e.tgid, None);
        assert!(!e.success);
        // Unknown tgid, read acquisitions, other lines.
        let l = "   <...>-77    (-------) [001] ..... 6.5: mmap_lock_acquire_returned: mm=ab memcg_id=1 write=true success=true";
        assert_eq!(parse_line(l).unwrap().tgid, None);
        assert_eq!(parse_line(l).unwrap().comm, "<...>");
        let r = l.replace("write=true", "write=false");
        assert_eq!(parse_line(&r), None);
        assert_eq!(parse_line("# tracer: nop"), None);
        assert_eq!(parse_lost("CPU:1 [LOST 123 EVENTS]"), Some(123));
        assert_eq!(parse_lost(l), None);
    }
}
