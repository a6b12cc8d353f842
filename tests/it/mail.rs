//! The mail (`reports/mail.txt`): its form — at most 80 lines of at most
//! 72 columns, no Markdown, every `[n]` resolving to a reference and every
//! reference used — and that every number it prints is one of its figures
//! (`data/mail_figures.csv`), rendered from fixed inputs without measuring
//! anything, and checked again on the committed mail and data.

use seqwrap::memory::Model;
use seqwrap::report::mail::{self, MailFigure, MailInputs, Ordering};
use seqwrap::report::patches;
use seqwrap::site::audit::{SiteRates, answer};
use seqwrap::site::hold::{PREEMPTS, PRIVILEGES, PreemptModel, holds};
use seqwrap::stress::hold::{HoldOutcome, HoldReport};
use seqwrap::stress::uprobe::{Times, TrapOutcome, TrapReport};

use crate::helpers::{read, root};

/// Split a mail into its body and its reference list.
fn split(text: &str) -> (&str, &str) {
    let i = text
        .find("Message-IDs resolve at")
        .expect("a reference list");
    (&text[..i], &text[i..])
}

/// The numbers of `body` that are not part of a name or a citation: the
/// numbers a reader would check.
fn numbers(body: &str) -> Vec<String> {
    // Structural spellings that are not measurements.
    let mut b = body.to_string();
    for lit in [
        "2^31",
        "2^63",
        "32-bit",
        "64-bit",
        "x86-32",
        "x86-TSO",
        "munmap(1, 0)",
    ] {
        b = b.replace(lit, " ");
    }
    let mut out = Vec::new();
    let chars: Vec<char> = b.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = if i > 0 { chars[i - 1] } else { ' ' };
        if c.is_ascii_digit() && !(prev.is_alphanumeric() || prev == '_' || prev == '[') {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && i + 1 < chars.len() && chars[i + 1].is_ascii_digit())
                    || (chars[i] == 'e'
                        && i + 1 < chars.len()
                        && (chars[i + 1].is_ascii_digit() || chars[i + 1] == '-')))
            {
                i += 1;
            }
            // A numbered list item ("3. ") is not a figure.
            let line_start =
                b[..b.char_indices().nth(start).map_or(b.len(), |(k, _)| k)].ends_with('\n');
            let item = line_start && chars.get(i) == Some(&'.');
            if !item {
                out.push(chars[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Check a mail's form and that its figures cover its numbers.
fn check(text: &str, figures: &str) {
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() <= mail::MAX_LINES, "{} lines", lines.len());
    for l in &lines {
        assert!(l.chars().count() <= 72, "over 72 columns: {l:?}");
        assert!(!l.starts_with('#'), "a Markdown heading: {l:?}");
        assert!(!l.contains('|'), "a table bar: {l:?}");
        assert!(!l.contains("**") && !l.contains("```"), "Markdown: {l:?}");
    }
    let (body, refs) = split(text);
    let cited = |s: &str| -> Vec<usize> {
        let mut v = Vec::new();
        let mut rest = s;
        while let Some(i) = rest.find('[') {
            rest = &rest[i + 1..];
            if let Some(j) = rest.find(']')
                && let Ok(n) = rest[..j].parse::<usize>()
            {
                v.push(n);
            }
        }
        v
    };
    let used = cited(body);
    let listed: Vec<usize> = refs
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split(']').next()?.parse().ok())
        .collect();
    for n in &used {
        assert!(listed.contains(n), "[{n}] has no reference");
    }
    for n in &listed {
        assert!(used.contains(n), "reference [{n}] is not cited");
    }
    assert_eq!(
        listed,
        (1..=listed.len()).collect::<Vec<_>>(),
        "references numbered in order"
    );
    for n in numbers(body) {
        assert!(
            figures.contains(&n),
            "{n:?} is printed but is no figure in mail_figures.csv"
        );
    }
}

fn fixed_mail() -> mail::Mail {
    let sites = seqwrap::site::sites().unwrap();
    let holds = holds().unwrap();
    let rates = SiteRates::Measured {
        cpus: 2,
        by_threads: vec![(1, 8.8e6), (2, 1.05e7)],
    };
    let models: Vec<_> = PREEMPTS.iter().map(|(_, p)| *p).collect();
    let privs: Vec<_> = PRIVILEGES.iter().map(|(_, p)| *p).collect();
    let answers: Vec<_> = sites
        .iter()
        .map(|s| answer(s, &holds, s.writer_op.and(Some(&rates)), &models, &privs).unwrap())
        .collect();
    let hold = HoldOutcome::Measured(HoldReport {
        mechanism: "userfaultfd".into(),
        uffd_via: "userfaultfd(2)".into(),
        access: "read()".into(),
        blocked_in: Some("handle_userfault".into()),
        state: Some("S".into()),
        writers: 2,
        held_s: 10.05,
        writing_s: 10.0,
        counted: 27_000_002,
        calls: 27_000_000,
        rate: 2.7e6,
        target: None,
        reached: None,
        read_returned: 1,
    });
    let t = |p50: f64| Times {
        calls: 100_000,
        p50_ns: p50,
        p99_ns: p50 * 1.3,
        max_ns: p50 * 12.0,
    };
    let trap = TrapOutcome::Measured(TrapReport {
        probe: "p:x/y /bin/seqwrap:0x10".into(),
        probed: t(20_000.0),
        bare: t(23.0),
        hits: 100_000,
    });
    let mut ordering = Vec::new();
    for (protocol, lkmm) in [
        ("rfc-v1", "1"),
        ("rfc-v2", "2147483648"),
        ("seqcount", "2147483648"),
    ] {
        for m in Model::ALL {
            ordering.push(Ordering {
                protocol: protocol.into(),
                model: m,
                min_cycles: Some(if m == Model::Lkmm { lkmm } else { "2147483648" }.into()),
            });
        }
    }
    let judged: Vec<_> = patches::patches()
        .unwrap()
        .iter()
        .map(|p| {
            let c = (p.bits == 64 && p.protocol != "guard" && p.protocol != "saturate")
                .then(|| (1u128 << 63).to_string());
            patches::judge(p, c, &sites)
        })
        .collect();
    let mitigations = vec![
        ("meltdown".to_string(), "Not affected".to_string()),
        (
            "spectre_v2".to_string(),
            "Mitigation: Enhanced IBRS".to_string(),
        ),
        (
            "mmio_stale_data".to_string(),
            "Vulnerable: Clear CPU buffers attempted".to_string(),
        ),
    ];
    mail::render(&MailInputs {
        version: "0.1.0",
        cpu: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz",
        cpus: 2,
        kernel: "6.18.44-generic",
        virtualised: Some(true),
        preempt: Some(PreemptModel::None),
        mitigations: &mitigations,
        rate_one: Some(8.8e6),
        rate_all: Some(1.05e7),
        sites: &sites,
        answers: &answers,
        hold: &hold,
        trap: &trap,
        ordering: &ordering,
        herd_cases: 82,
        patches: &judged,
    })
}

fn figures_text(f: &[MailFigure]) -> String {
    mail::figures_csv(f)
}

#[test]
fn a_mail_rendered_from_fixed_inputs_has_the_form_and_its_figures() {
    let m = fixed_mail();
    check(&m.text, &figures_text(&m.figures));
    // A pure function: the same inputs give the same bytes.
    assert_eq!(fixed_mail().text, m.text);
    // What a reader must learn from it alone.
    for needle in [
        "shstk-sigreturn",
        "userfaultfd (cap-sys-ptrace)",
        "fuse (user-namespace)",
        "What to patch",
        "unsigned long",
        "atomic64_t",
        "not shstk-sigreturn",
        "27000002",
        "slow path only",
    ] {
        let flat = m.text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(needle), "{needle:?} missing:\n{}", m.text);
    }
    // The wrap on one thread at 8.8e6/s: 2^31 / 8.8e6 s = 4.07 min.
    assert!(m.text.contains("4.07 min"), "{}", m.text);
}

/// The check itself catches what it should: a line too wide, a number
/// that is no figure, a citation without a reference.
#[test]
fn the_mail_check_fails_on_bad_mail() {
    let m = fixed_mail();
    let figs = figures_text(&m.figures);
    for bad in [
        m.text
            .replacen("Subject:", &format!("Subject: {}", "x".repeat(80)), 1),
        m.text.replacen("Ordering:", "Ordering (12345 cases):", 1),
        m.text.replacen("Ordering:", "Ordering [99]:", 1),
        m.text.replacen("Ordering:", "## Ordering:", 1),
    ] {
        let r = std::panic::catch_unwind(|| check(&bad, &figs));
        assert!(r.is_err(), "passed:\n{bad}");
    }
}

/// The committed mail, as `seqwrap report` last wrote it, and the figures
/// it wrote beside it.
#[test]
fn the_committed_mail_has_the_form_and_its_numbers_are_in_data() {
    let text = read(root().join("reports/mail.txt"));
    let figs = read(root().join("data/mail_figures.csv"));
    check(&text, &figs);
}
