//! What more than one module of the test binary needs, written once: the
//! built `seqwrap` and how a test runs it, the checkout's paths, files in
//! temporary directories, the promise every bad input keeps, and the
//! optional tools a test may have to do without.
//!
//! # Optional tools and `SEQWRAP_REQUIRE`
//!
//! A test that needs something this machine may lack says
//! `skipped: <why>` through [`skip`] and passes without that part; where
//! the comma-separated list in `SEQWRAP_REQUIRE` names the tool (or says
//! `all`), it fails instead, so a machine that must have the tool cannot
//! pass by skipping. The names:
//!
//! - `herd`: herd7 with the Linux-kernel memory model ([`herd_dir`]),
//!   for the live cross-checks in `herd_lkmm` and `random_protocols`.
//! - `tracefs`: tracefs with the mmap-lock tracepoint, mounted or
//!   mountable (root), and uprobe events in it: the tracepoint check of
//!   `stress --kernel`, `--observe`, the uprobe trap, and the count of a
//!   real hold.
//! - `userfaultfd`: a userfaultfd for kernel-mode faults
//!   (`CAP_SYS_PTRACE`, `vm.unprivileged_userfaultfd = 1` or
//!   `/dev/userfaultfd`), for the real hold.
//! - `devfull`: `/dev/full`, for writes to a full stdout.
//! - `parallel`: GNU parallel, for the README's batch recipe (`xargs -P`
//!   runs it either way).
//!
//! No test asks for root itself: root matters here only as what makes
//! tracefs or userfaultfd usable.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The checkout: the tests read its `src/`, `protocols/`, `sites/`,
/// `holds/`, `reports/`, `data/` and `tests/` data directories.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A protocol file of `tests/protocols/` by its name without
/// `.toml`, as the path a user would pass to `--protocol`.
pub fn test_protocol(name: &str) -> String {
    root()
        .join(format!("tests/protocols/{name}.toml"))
        .display()
        .to_string()
}

/// A temporary directory, removed when dropped: tests write nothing into
/// the checkout.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Write `text` to `dir/name`; its path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    p
}

/// The text of a file the test needs; a missing one fails naming it.
pub fn read(path: impl AsRef<Path>) -> String {
    let p = path.as_ref();
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `seqwrap` binary Cargo built for these tests, for a test that
/// runs it through a shell.
pub fn seqwrap_path() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_seqwrap"))
}

/// The `seqwrap` binary, to run.
///
/// Its rate cache (`$XDG_CACHE_HOME/seqwrap`) is a temporary one shared by
/// the tests: no test may read or write the user's measured rates. A test
/// that checks the cache points `SEQWRAP_CACHE_DIR` or `XDG_CACHE_HOME`
/// elsewhere itself.
pub fn seqwrap() -> Command {
    let mut c = Command::new(seqwrap_path());
    c.env(
        "XDG_CACHE_HOME",
        std::env::temp_dir().join("seqwrap-test-cache"),
    );
    c
}

/// [`seqwrap`] run in `dir` as a user whose home and cache are there, and
/// outside any batch array, so that relative paths, the rate cache and
/// `--shard auto` see only what the test put in `dir`.
pub fn seqwrap_in(dir: &Path) -> Command {
    let mut c = seqwrap();
    c.current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("HOME", dir);
    for v in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        c.env_remove(v);
    }
    c
}

/// The stdout of a run that must succeed; else fail with its status and
/// stderr.
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "status {:?}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The one JSON object a run that must succeed printed.
pub fn ok_json(o: &Output) -> serde_json::Value {
    let text = ok(o);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// `seqwrap ARGS --json`, which must succeed: its JSON object.
pub fn json(args: &[&str]) -> serde_json::Value {
    let o = seqwrap().args(args).arg("--json").output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// What is wrong with `out` as bad input, as the CLI promises it (empty
/// when nothing is): exit 2, nothing on stdout, no panic, every one of
/// `needles` named on stderr, and stderr's first line its only `error:`
/// line. Stderr is that one line when `one_line`; otherwise it may go on
/// only as clap's own parse errors do (a tip and the usage line).
pub fn bad_input_faults(out: &Output, needles: &[&str], one_line: bool) -> Vec<String> {
    let err = String::from_utf8_lossy(&out.stderr);
    let mut wrong = Vec::new();
    if out.status.code() != Some(2) {
        wrong.push(format!("exit code {:?}, not 2", out.status.code()));
    }
    if !out.stdout.is_empty() {
        wrong.push(format!(
            "stdout not empty: {:?}",
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    if err.contains("panicked") {
        wrong.push("a panic".into());
    }
    for n in needles {
        if !err.contains(n) {
            wrong.push(format!("does not name {n:?}"));
        }
    }
    let lines: Vec<&str> = err.trim_end().lines().collect();
    if !lines.first().is_some_and(|l| l.starts_with("error: ")) {
        wrong.push("the first line is not 'error: ...'".into());
    }
    if lines.iter().filter(|l| l.starts_with("error")).count() != 1 {
        wrong.push("not exactly one error line".into());
    }
    if one_line {
        if err.lines().count() != 1 {
            wrong.push(format!("{} lines on stderr, not 1", err.lines().count()));
        }
    } else if lines.len() > 1
        && !(lines.iter().any(|l| l.starts_with("Usage: seqwrap"))
            || lines.last().is_some_and(|l| l.contains("--help")))
    {
        wrong.push("more than one line and not clap's usage".into());
    }
    wrong
}

/// Bad input as [`bad_input_faults`] has it, naming `needle`; clap's own
/// parse errors keep their usage block. `what` says which run failed.
pub fn assert_bad_input(out: &Output, what: &str, needle: &str) {
    let wrong = bad_input_faults(out, &[needle], false);
    assert!(
        wrong.is_empty(),
        "{what}: {}\nstderr: {}",
        wrong.join("; "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The same, where stderr must be exactly one line.
pub fn assert_bad_input_line(out: &Output, what: &str, needle: &str) {
    let wrong = bad_input_faults(out, &[needle], true);
    assert!(
        wrong.is_empty(),
        "{what}: {}\nstderr: {}",
        wrong.join("; "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test that needs the optional `tool` (one of the names above) and
/// cannot have it here: it says `skipped: <why>` where a reader of `cargo
/// test` sees it — written to stderr itself, past the harness's capture,
/// where an `eprintln!` of a passing test would be shown to no one — and
/// fails instead where `SEQWRAP_REQUIRE` names the tool or says `all`.
pub fn skip(tool: &str, why: &str) {
    use std::io::Write as _;
    let required = std::env::var("SEQWRAP_REQUIRE").unwrap_or_default();
    if required
        .split(',')
        .any(|t| t.trim() == tool || t.trim() == "all")
    {
        panic!("SEQWRAP_REQUIRE={required} requires {tool}, but {why}");
    }
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

/// herd7 with the Linux-kernel memory model, where installed: the
/// directory `SEQWRAP_HERD` names, else `../shared/herd` beside the
/// checkout (holding `herd7`, `libdir/`, `lkmm/`); else why not.
pub fn herd_dir() -> Result<PathBuf, String> {
    let d = std::env::var_os("SEQWRAP_HERD")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/herd"));
    if d.join("herd7").is_file() {
        Ok(d)
    } else {
        Err(format!(
            "no herd7 in {} (set SEQWRAP_HERD to a directory with herd7, libdir/, lkmm/)",
            d.display()
        ))
    }
}

/// herd7's arguments for the LKMM, run from [`herd_dir`].
pub const HERD_ARGS: [&str; 6] = [
    "-I",
    "libdir",
    "-I",
    "lkmm",
    "-conf",
    "lkmm/linux-kernel.cfg",
];
