//! Reader sites and holds as data (DESIGN §8): every built-in file parses
//! and cites a commit, a release and its sources; every file under
//! `sites/` and `holds/` is built in (adding one touches only its file).
//! Bad site files, which must get one line `FILE:LINE:COL` and exit 2, and
//! bad flags of the hold and the uprobe trap are in the tables of
//! `bad_input`.

use std::process::Output;

use crate::helpers::{self, ok_json, read, root, seqwrap, seqwrap_in, tempdir};

/// The `.toml` files under a directory of the checkout, sorted.
fn toml_files(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".toml"))
        .collect();
    v.sort();
    v
}

fn sorted(v: Vec<&str>) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn every_site_file_is_built_in_and_cites_its_facts() {
    assert_eq!(
        toml_files("sites"),
        sorted(seqwrap::site::site_files()),
        "every file under sites/ is built in"
    );
    let sites = seqwrap::site::sites().unwrap();
    assert!(sites.len() >= 9, "{} sites", sites.len());
    for s in &sites {
        assert!(s.commit.len() >= 12, "{}", s.name);
        assert!(s.release.starts_with('v'), "{}", s.name);
        assert!(!s.sources.is_empty(), "{}", s.name);
        assert_eq!(format!("{}.toml", s.name), {
            let f = s.path.trim_start_matches("sites/");
            f.to_string()
        });
        s.protocol().unwrap();
    }
    // The six speculating mm_lock_seq readers of today's kernel.
    let readers = sites
        .iter()
        .filter(|s| s.counter == "mm->mm_lock_seq")
        .count();
    assert!(readers >= 6, "{readers}");
}

#[test]
fn every_hold_file_is_built_in() {
    assert_eq!(toml_files("holds"), sorted(seqwrap::site::hold_files()));
    seqwrap::site::hold::holds().unwrap();
}

/// The answer per site (the library, a given rate: nothing measured).
/// The shstk reader sleeps in its window: it falls to an unbounded hold at
/// every privilege, and a kernel fault can be held by FUSE from a user
/// namespace and by userfaultfd with CAP_SYS_PTRACE. The per-VMA lock's
/// wrap gives only the slow path. Under preemption model none an RCU
/// reader is not preemptible: what holds it is interrupts, not the
/// attacker's threads.
#[test]
fn the_audit_answers_per_site() {
    use seqwrap::site::audit::{SiteRates, SiteVerdict, answer, applicable};
    use seqwrap::site::hold::{PREEMPTS, PRIVILEGES, PreemptModel, Privilege, holds};
    let holds = holds().unwrap();
    let models: Vec<PreemptModel> = PREEMPTS.iter().map(|(_, p)| *p).collect();
    let privs: Vec<Privilege> = PRIVILEGES.iter().map(|(_, p)| *p).collect();
    let given = SiteRates::Given { rate: 1e7 };
    let shstk = seqwrap::site::site("shstk-sigreturn").unwrap();
    let a = answer(&shstk, &holds, Some(&given), &models, &privs).unwrap();
    assert_eq!(a.rows.len(), models.len() * privs.len());
    for r in &a.rows {
        let SiteVerdict::FallsUnbounded { all, .. } = &r.verdict else {
            panic!("{r:?}")
        };
        let has = |n: &str| all.iter().any(|(h, _)| h == n);
        assert_eq!(
            has("fuse"),
            r.privilege >= Privilege::UserNamespace,
            "{r:?}"
        );
        assert_eq!(
            has("userfaultfd"),
            r.privilege >= Privilege::CapSysPtrace,
            "{r:?}"
        );
        // 2^31 cycles at 1e7/s.
        assert!((r.wrap_s.unwrap() - 2f64.powi(31) / 1e7).abs() < 1e-9);
    }
    let vma = seqwrap::site::site("per-vma-lock").unwrap();
    let a = answer(&vma, &holds, Some(&given), &models, &privs).unwrap();
    assert!(
        a.rows
            .iter()
            .all(|r| r.verdict == SiteVerdict::SafeSlowPath)
    );
    let up = seqwrap::site::site("uprobes").unwrap();
    let none = applicable(&up, PreemptModel::None, Privilege::None, &holds);
    assert!(none.iter().all(|h| h.name != "own-thread-preemption"));
    assert!(none.iter().any(|h| h.name == "irq-storm"));
    let full = applicable(&up, PreemptModel::Full, Privilege::None, &holds);
    assert!(full.iter().any(|h| h.name == "own-thread-preemption"));
    // A sleeping window without a user access is not held by what holds
    // a user-access fault (userfaultfd, FUSE page faults).
    let rename = seqwrap::site::site("rename-lock").unwrap();
    for h in applicable(&rename, PreemptModel::Full, Privilege::Host, &holds) {
        assert!(h.name != "userfaultfd" && h.name != "fuse", "{}", h.name);
    }
    // A bounded hold never stands in for an unbounded one.
    for h in &holds {
        if h.bound.is_none() {
            assert!(!h.longest_shown.contains("bound"), "{}", h.name);
        }
    }
}

/// `sites`, `sites --holds` and `audit` print within 72 columns, and the
/// audit's JSON and CSV carry every row (nothing measured: a given rate).
#[test]
fn listings_fit_72_columns_and_the_audit_writes_its_rows() {
    let d = tempdir();
    for args in [
        &["sites"][..],
        &["sites", "--holds"],
        &["audit", "--rate", "1e7"],
    ] {
        let o = seqwrap_in(d.path()).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(!text.is_empty());
        for l in text.lines() {
            assert!(l.chars().count() <= 72, "{args:?}: {l}");
        }
    }
    let csv = d.path().join("audit.csv");
    let o = seqwrap_in(d.path())
        .args(["audit", "--rate", "1e7", "--json", "--csv"])
        .arg(&csv)
        .output()
        .unwrap();
    let v = ok_json(&o);
    let sites = v["sites"].as_array().unwrap();
    let rows: usize = sites
        .iter()
        .map(|s| s["rows"].as_array().unwrap().len())
        .sum();
    let text = read(&csv);
    assert_eq!(text.lines().count(), 1 + rows);
    assert_eq!(rows, sites.len() * 5 * 6);
    let bad = seqwrap_in(d.path())
        .args(["audit", "--rate", "1e7", "--preempt", "cooperative"])
        .output()
        .unwrap();
    helpers::assert_bad_input(&bad, "bad preemption model", "allowed: none, voluntary");
}

/// `pick --site`: the horizon is what the site's holds allow. The uprobes
/// reader under model none can be held without bound (interrupt storms),
/// so the horizon is the uptime and its 32-bit seqcount_t does not meet
/// it; the per-VMA lock needs no width at all.
#[test]
fn pick_answers_for_a_site() {
    let d = tempdir();
    let o = seqwrap_in(d.path())
        .args([
            "pick",
            "--adversarial",
            "--rate",
            "7e6",
            "--site",
            "uprobes",
        ])
        .args(["--preempt", "none", "--json"])
        .output()
        .unwrap();
    let v = ok_json(&o);
    assert!(v["site"].as_str().unwrap().contains("unbounded"), "{v}");
    // 10 years at 7e6/s: 2^(W-1) >= 2.21e15 needs W = 52.
    assert_eq!(v["bits_needed"], 52);
    assert_eq!(v["yours"]["meets"], false, "{v}");
    let o = seqwrap_in(d.path())
        .args([
            "pick",
            "--adversarial",
            "--rate",
            "7e6",
            "--site",
            "per-vma-lock",
        ])
        .args(["--preempt", "full", "--json"])
        .output()
        .unwrap();
    let v = ok_json(&o);
    assert_eq!(v["verdict"], "safe-slow-path");
    let bad = seqwrap_in(d.path())
        .args([
            "pick",
            "--adversarial",
            "--rate",
            "7e6",
            "--site",
            "uprobes",
        ])
        .args(["--preempt", "cooperative"])
        .output()
        .unwrap();
    helpers::assert_bad_input(&bad, "bad model", "allowed: none, voluntary");
}

/// Each hold is judged at the rate of the CPUs it leaves: a bounded hold
/// of 1500 s against 2^31 cycles falls when it leaves both CPUs (2e6/s:
/// 1073.7 s) and not when it takes one (1e6/s: 2147.5 s). Arithmetic, not
/// a measurement.
#[test]
fn a_hold_is_judged_at_the_rate_of_the_cpus_it_leaves() {
    use num_bigint::BigUint;
    use seqwrap::site::audit::{SiteRates, SiteVerdict, judge};
    use seqwrap::site::hold::{Hold, PreemptModel, Privilege};
    let text = |takes: bool| {
        format!(
            "name = \"test-hold\"\ntitle = \"t\"\nholds = [\"preemptible-rcu\", \
             \"preempt-disabled\", \"sleeping\"]\nmodels = [\"none\", \"full\"]\n\
             privilege = \"none\"\nbounded = true\nbound = \"1500s\"\n\
             bounded_by = \"a test\"\ntakes_cpu = {takes}\nsources = [\"a test\"]\n"
        )
    };
    let rates = SiteRates::Measured {
        cpus: 2,
        by_threads: vec![(1, 1e6), (2, 2e6)],
    };
    let site = seqwrap::site::site("uprobes").unwrap();
    let cycles = BigUint::from(1u64 << 31);
    for (takes, falls, threads) in [(false, true, 2), (true, false, 1)] {
        let h = Hold::parse("test.toml", &text(takes)).unwrap();
        let row = judge(
            &site,
            PreemptModel::None,
            Privilege::None,
            &[h],
            Some(&cycles),
            Some(&rates),
        );
        assert_eq!(row.writer_threads, Some(threads), "{row:?}");
        let want = 2f64.powi(31) / (threads as f64 * 1e6);
        assert!((row.wrap_s.unwrap() - want).abs() < 1e-6, "{row:?}");
        assert!((row.wrap_s_all_cpus.unwrap() - 2f64.powi(31) / 2e6).abs() < 1e-6);
        assert_eq!(
            matches!(row.verdict, SiteVerdict::FallsAfter { .. }),
            falls,
            "{row:?}"
        );
    }
}

/// `seqwrap stress --kernel ARGS`.
fn stress(args: &[&str]) -> Output {
    seqwrap()
        .arg("stress")
        .arg("--kernel")
        .args(args)
        .output()
        .unwrap()
}

/// A real hold: a thread blocked in a userfaultfd-held kernel fault while
/// two writers run munmap(1, 0); the tracepoint's count of their write
/// acquisitions matches their own count of calls (two independent
/// counts), and the held read() returns only once released.
#[test]
fn a_real_hold_is_counted_by_tracepoint() {
    let out = stress(&[
        "--hold",
        "userfaultfd",
        "--hold-for",
        "1s",
        "--hold-writers",
        "2",
        "--json",
    ]);
    let v = ok_json(&out);
    let b = &v;
    if b["status"] == "skipped" {
        // The hold needs a userfaultfd, and tracefs to count with.
        let reason = b["reason"].as_str().unwrap_or_default();
        let tool = if reason.starts_with("no tracepoint") {
            "tracefs"
        } else {
            "userfaultfd"
        };
        helpers::skip(tool, &format!("the hold: {reason}"));
        return;
    }
    assert_eq!(b["status"], "measured", "{b}");
    let counted = b["counted"].as_u64().unwrap();
    let calls = b["calls"].as_u64().unwrap();
    assert!(counted > 0, "{b}");
    // Each munmap(1, 0) is one write acquisition; the writer threads may
    // add a few of their own (thread exit), never fewer.
    assert!(counted >= calls && counted - calls <= 16, "{b}");
    assert_eq!(b["read_returned"], 1, "{b}");
    assert_eq!(b["writers"], 2, "{b}");
    if let Some(s) = b["state"].as_str() {
        assert_eq!(s, "S", "the held thread sleeps: {b}");
    }
    if let Some(w) = b["blocked_in"].as_str() {
        assert!(w.contains("userfault"), "{b}");
    }
    assert!(b["held_s"].as_f64().unwrap() >= b["writing_s"].as_f64().unwrap());
}

/// The uprobe trap: every call hits the probe (the kernel's own count),
/// and a trapped call takes longer than a plain one.
#[test]
fn the_uprobe_trap_round_trip_is_timed() {
    let out = stress(&["--uprobe-trap", "--calls", "2000", "--json"]);
    let v = ok_json(&out);
    let b = &v;
    if b["status"] == "skipped" {
        helpers::skip("tracefs", &format!("the uprobe trap: {}", b["reason"]));
        return;
    }
    assert!(b["hits"].as_u64().unwrap() >= 2000, "{b}");
    let (p, q) = (&b["probed"], &b["bare"]);
    assert_eq!(p["calls"], 2000);
    let f = |x: &serde_json::Value, k: &str| x[k].as_f64().unwrap();
    assert!(f(p, "p50_ns") <= f(p, "p99_ns") && f(p, "p99_ns") <= f(p, "max_ns"));
    assert!(f(p, "p50_ns") > f(q, "p50_ns"), "{b}");
}
