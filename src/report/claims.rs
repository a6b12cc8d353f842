//! The summary's claims about the world — the thread, the kernel, the
//! precedents — each with its sources, and the sources themselves.
//!
//! Every sentence of the summary that is not a number this run computed is
//! one [`Claim`]: its text is ours (paraphrase, not quotation), and it
//! carries the ids of the [`Source`]s it rests on, printed as `[id]` after
//! it. The `## Sources` section lists every cited source. A claim that goes
//! beyond its sources says so (`inferred`), and the tests refuse a claim
//! without a source, a source id that does not exist, and a source without
//! a reference.
//!
//! Numbers this run computed cite the artifact they come from (the `run-*`
//! sources: the CSVs and the rate table under `data/`).
//!
//! Each source below was read before it was cited: the mailing-list
//! messages in public archive mirrors (lore.kernel.org resolves each
//! Message-ID), the code in public mirrors of the kernel tree.

use serde::Serialize;

/// What kind of reference a source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A mailing-list message (`<id>`; lore.kernel.org/all/ID resolves it).
    MessageId,
    /// A web page.
    Url,
    /// A commit (hash and subject).
    Commit,
    /// A file of a source tree.
    File,
    /// An artifact this run wrote.
    Run,
}

/// A source.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Source {
    /// Short id, cited as `[id]`.
    pub id: &'static str,
    /// Kind.
    pub kind: SourceKind,
    /// Who and when, or what.
    pub what: &'static str,
    /// The reference: a Message-ID in angle brackets, a URL, a commit hash
    /// and subject, a file path, or the artifact's path.
    pub cite: &'static str,
}

/// A claim with its sources.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Claim {
    /// Short id (for tests and the JSON).
    pub id: &'static str,
    /// The summary section it belongs to.
    pub section: ClaimSection,
    /// The claim, in our words.
    pub text: &'static str,
    /// Ids of the sources it rests on (at least one).
    pub sources: &'static [&'static str],
    /// The claim goes beyond what its sources say: our inference.
    pub inferred: bool,
}

/// Where a claim is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimSection {
    /// The thread's own estimates beside the headline.
    Thread,
    /// The memory-ordering section.
    Ordering,
    /// What a false positive does to the uprobes reader.
    Consequences,
    /// Precedents.
    Precedents,
    /// What a fix costs beyond the model.
    Costs,
}

/// Every source the summary may cite.
pub const SOURCES: &[Source] = &[
    Source {
        id: "rfc",
        kind: SourceKind::MessageId,
        what: "Suren Baghdasaryan, [RFC 1/1] mm: introduce \
               mmap_lock_speculation_{start|end}, 7 Aug 2024",
        cite: "<20240807182325.2585582-1-surenb@google.com>",
    },
    Source {
        id: "suren-rfc",
        kind: SourceKind::MessageId,
        what: "Suren Baghdasaryan, reply to the RFC, 8 Aug 2024",
        cite: "<CAJuCfpHsvhjYxj=aovZjTd2qUvJWHpcnEn1kYfd0m23HVrPwDg@mail.gmail.com>",
    },
    Source {
        id: "jann-64",
        kind: SourceKind::MessageId,
        what: "Jann Horn, reply to the RFC, 8 Aug 2024",
        cite: "<CAG48ez08f0GNfkqtKa3EV6-miRs3AbXej9WdVh4TvB8ErA6S3w@mail.gmail.com>",
    },
    Source {
        id: "jann-order",
        kind: SourceKind::MessageId,
        what: "Jann Horn, review of [PATCH 1/2] (the RFC's barriers), 9 Sep 2024",
        cite: "<CAG48ez2hAQBj-VnimJBd3M-ioANVTk+ZQXYWD+j9G+ip2K_nfw@mail.gmail.com>",
    },
    Source {
        id: "v2",
        kind: SourceKind::MessageId,
        what: "Suren Baghdasaryan, [PATCH v2 1/1], stricter barriers, 12 Sep 2024",
        cite: "<20240912210222.186542-1-surenb@google.com>",
    },
    Source {
        id: "willy",
        kind: SourceKind::MessageId,
        what: "Matthew Wilcox, munmap(1, 0) and 217 ns a syscall, 24 Sep 2024",
        cite: "<ZvLzueEY9Sbyz1H4@casper.infradead.org>",
    },
    Source {
        id: "jann-uring",
        kind: SourceKind::MessageId,
        what: "Jann Horn, reply to Matthew Wilcox, 24 Sep 2024",
        cite: "<CAG48ez0c=ExHdoxQWqDN9hFAhwUKab8vgk-nJ-JGqTUm4xVUsw@mail.gmail.com>",
    },
    Source {
        id: "andrii-long",
        kind: SourceKind::MessageId,
        what: "Andrii Nakryiko, [PATCH v3 2/4] mm: switch to 64-bit \
               mm_lock_seq/vm_lock_seq on 64-bit architectures, 10 Oct 2024",
        cite: "<20241010205644.3831427-3-andrii@kernel.org>",
    },
    Source {
        id: "peterz-vmseq",
        kind: SourceKind::MessageId,
        what: "Peter Zijlstra, reply quoting Suren on vm_lock_seq, 23 Oct 2024",
        cite: "<20241023190240.GA11151@noisy.programming.kicks-ass.net>",
    },
    Source {
        id: "peterz-u64",
        kind: SourceKind::MessageId,
        what: "Peter Zijlstra, on the 64-bit patch, 23 Oct 2024",
        cite: "<20241023193111.GC11151@noisy.programming.kicks-ass.net>",
    },
    Source {
        id: "peterz-generic",
        kind: SourceKind::MessageId,
        what: "Peter Zijlstra, \"not specific to this case\", 24 Oct 2024",
        cite: "<20241024095659.GD9767@noisy.programming.kicks-ass.net>",
    },
    Source {
        id: "uprobes",
        kind: SourceKind::Commit,
        what: "Andrii Nakryiko, uprobes: add speculative lockless \
               VMA-to-inode-to-uprobe resolution (tip perf/core, Dec 2024)",
        cite: "e0925f2dc4de2d8ba987392d3239e8edf88f8b96",
    },
    Source {
        id: "mm-types",
        kind: SourceKind::File,
        what: "the vm_lock_seq comment in struct vm_area_struct",
        cite: "include/linux/mm_types.h",
    },
    Source {
        id: "seqlock-types",
        kind: SourceKind::File,
        what: "typedef struct seqcount { unsigned sequence; } seqcount_t",
        cite: "include/linux/seqlock_types.h",
    },
    Source {
        id: "merged",
        kind: SourceKind::Commit,
        what: "mm: convert mm_lock_seq to a proper seqcount (tip perf/core, Dec 2024)",
        cite: "eb449bd96954",
    },
    Source {
        id: "vma-typesafe",
        kind: SourceKind::Url,
        what: "Suren Baghdasaryan, Re: [PATCH v5 4/6] mm: make vma cache \
               SLAB_TYPESAFE_BY_RCU, 9 Dec 2024",
        cite: "https://lkml.iu.edu/hypermail/linux/kernel/2412.1/02207.html",
    },
    Source {
        id: "cve-mail",
        kind: SourceKind::MessageId,
        what: "Davidlohr Bueso, oss-security: potential local privilege \
               escalation in the vmacache code, 18 Sep 2018",
        cite: "<20180918145457.GM3902@linux-r8p5>",
    },
    Source {
        id: "freebsd-review",
        kind: SourceKind::Url,
        what: "FreeBSD review D21089, Handle refcount(9) wraparound, 2019",
        cite: "https://reviews.freebsd.org/D21089",
    },
    Source {
        id: "freebsd-commit",
        kind: SourceKind::Url,
        what: "FreeBSD commit 0b21d894, Handle refcount(9) wraparound",
        cite: "https://reviews.freebsd.org/rG0b21d89499340b2e2b13c1dddc1d7977b396fcfe",
    },
    Source {
        id: "atomic64-cx8",
        kind: SourceKind::File,
        what: "x86-32 atomic64_t: read64 is a LOCK cmpxchg8b",
        cite: "arch/x86/lib/atomic64_cx8_32.S",
    },
    Source {
        id: "atomic64-generic",
        kind: SourceKind::File,
        what: "generic atomic64_t: a hashed array of 16 spinlocks",
        cite: "lib/atomic64.c",
    },
    Source {
        id: "suren-minuscule",
        kind: SourceKind::MessageId,
        what: "Suren Baghdasaryan, the probability is minuscule, 9 Aug 2024",
        cite: "<CAJuCfpHquwbc2768MjOp8vUT7fSaV=xd+pBn4fPOUHBHJdNxnA@mail.gmail.com>",
    },
    Source {
        id: "andrii-stalls",
        kind: SourceKind::MessageId,
        what: "Andrii Nakryiko, RCU stalls would come first, 9 Aug 2024",
        cite: "<CAEf4BzarYwnt-MT+1icXeTVdk0gLUmXuJtV_5dA9=a8CWE3=Tg@mail.gmail.com>",
    },
    Source {
        id: "munmap-einval",
        kind: SourceKind::File,
        what: "do_vmi_munmap(): an unaligned start is -EINVAL before any VMA \
               is looked at (read at 8e1817b6ba97)",
        cite: "mm/vma.c",
    },
    Source {
        id: "syscall-latency",
        kind: SourceKind::Url,
        what: "Ankur Arora, getpid() 217 ns on Skylake-X with 37 audit rules, \
               12 Sep 2023",
        cite: "https://blogs.oracle.com/linux/post/syscall-latency",
    },
    Source {
        id: "polled-rcu",
        kind: SourceKind::File,
        what: "get_state_synchronize_rcu(), cond_synchronize_rcu() (read at \
               7051309819b2)",
        cite: "kernel/rcu/tree.c",
    },
    Source {
        id: "p0-vmacache",
        kind: SourceKind::Url,
        what: "Jann Horn, CVE-2018-17182: a vmacache seqnum wrap, about an hour, \
               Sep 2018",
        cite: "https://googleprojectzero.blogspot.com/2018/09/a-cache-invalidation-bug-in-linux.html",
    },
    Source {
        id: "uprobes-spec",
        kind: SourceKind::Commit,
        what: "uprobes: add speculative lockless VMA-to-inode-to-uprobe \
               resolution (uprobe-nop: 142.037 M/s on 80 CPUs)",
        cite: "e0925f2dc4de",
    },
    Source {
        id: "run-trap",
        kind: SourceKind::Run,
        what: "this run's uprobe trap round trip (stress --kernel --uprobe-trap)",
        cite: "data/uprobe_trap.csv",
    },
    Source {
        id: "run-rates",
        kind: SourceKind::Run,
        what: "this run's write-lock rate table (stress --kernel)",
        cite: "data/measured_rates.csv",
    },
    Source {
        id: "run-observed",
        kind: SourceKind::Run,
        what: "this run's observed workload (stress --kernel --observe)",
        cite: "data/observed_rates.csv",
    },
    Source {
        id: "run-fixes",
        kind: SourceKind::Run,
        what: "the explorer's verdicts under sc, tso and lkmm",
        cite: "data/fixes.csv",
    },
    Source {
        id: "run-accident",
        kind: SourceKind::Run,
        what: "analyze's probabilities at the observed and attacker rates",
        cite: "data/mm_lock_seq.csv",
    },
    Source {
        id: "run-widths",
        kind: SourceKind::Run,
        what: "analyze's times to a false positive by width",
        cite: "data/widths.csv",
    },
];

/// Every claim of the summary's prose sections.
pub const CLAIMS: &[Claim] = &[
    Claim {
        id: "willy-estimate",
        section: ClaimSection::Thread,
        text: "In the thread the estimate for an attacker was munmap(1, 0) in a \
               loop: it takes and drops mmap_lock for writing without doing \
               any work, and at 217 ns a syscall 2^31 cycles take 466 s \
               (7 min 46 s).",
        sources: &["willy"],
        inferred: false,
    },
    Claim {
        id: "uring-faster",
        section: ClaimSection::Thread,
        text: "Jann Horn agreed with the estimate and pointed at io_uring \
               IORING_OP_MADVISE as possibly faster, since it saves the \
               syscall entry.",
        sources: &["jann-uring"],
        inferred: false,
    },
    Claim {
        id: "critical",
        section: ClaimSection::Thread,
        text: "The overflow was raised by the patch's author: for vm_lock_seq \
               a wrap only sends a reader to the slow path, for this reader \
               it would be a critical issue.",
        sources: &["suren-rfc", "mm-types"],
        inferred: false,
    },
    Claim {
        id: "jann-64",
        section: ClaimSection::Thread,
        text: "Jann Horn asked for a 64-bit counter: a reader that can be \
               held for minutes between its two reads can see a 32-bit one \
               wrap.",
        sources: &["jann-64"],
        inferred: false,
    },
    Claim {
        id: "merged-32",
        section: ClaimSection::Thread,
        text: "What was merged keeps 32 bits: mm_lock_seq became a \
               seqcount_t, whose sequence is an unsigned int.",
        sources: &["merged", "seqlock-types"],
        inferred: false,
    },
    Claim {
        id: "acquire-one-way",
        section: ClaimSection::Ordering,
        text: "The RFC ended its speculation with a load-acquire and bumped \
               the counter with store-releases; a load-acquire does not keep \
               the earlier data loads before it, nor a store-release at lock \
               time the later data stores after it, so the protected reads \
               can escape the checked window without any wrap.",
        sources: &["rfc", "jann-order"],
        inferred: false,
    },
    Claim {
        id: "v2-barriers",
        section: ClaimSection::Ordering,
        text: "v2 replaced the lock side with WRITE_ONCE plus smp_wmb() and \
               the end of the speculation with smp_rmb() plus READ_ONCE, but \
               still unlocked with smp_store_release(); what was merged \
               (v3) is a seqcount_t driven by the seqcount API \
               (raw_write_seqcount_begin/end).",
        sources: &["v2", "merged"],
        inferred: false,
    },
    Claim {
        id: "reader-trusts",
        section: ClaimSection::Consequences,
        text: "The uprobes fast path looks up the VMA, reads its vm_file and \
               finds the uprobe for that inode and offset under \
               rcu_read_lock() alone, and trusts the result if mm_lock_seq \
               did not change; a false positive makes it trust a lookup done \
               while the mm was being changed.",
        sources: &["uprobes"],
        inferred: false,
    },
    Claim {
        id: "memory-stays",
        section: ClaimSection::Consequences,
        text: "Precondition for that to stay memory-safe: nothing it reads \
               is freed under it. struct file comes from a \
               SLAB_TYPESAFE_BY_RCU cache, so its memory may be reused for \
               another file but not freed; a VMA is kept allocated by RCU, \
               and with the SLAB_TYPESAFE_BY_RCU vma cache it too may be \
               reused, even for another mm.",
        sources: &["uprobes", "mm-types", "vma-typesafe"],
        inferred: false,
    },
    Claim {
        id: "wrong-file",
        section: ClaimSection::Consequences,
        text: "So the likely outcome of a false positive is a uprobe resolved \
               for the wrong file or offset: another probe's handlers run, \
               or a probe is missed. A use-after-free would need an object \
               on this path freed without RCU, which the preconditions \
               above rule out.",
        sources: &["uprobes", "vma-typesafe"],
        inferred: true,
    },
    Claim {
        id: "cve-2018-17182",
        section: ClaimSection::Precedents,
        text: "CVE-2018-17182: the 32-bit vmacache_seqnum could be wrapped \
               from user space; a stale VMA cache entry then gave a \
               use-after-free. It was fixed by 7a9cdebdcc17 (mm: get rid of \
               vmacache_flush_all() entirely), which made the counter 64 \
               bits and stopped handling overflow.",
        sources: &["cve-mail", "p0-vmacache"],
        inferred: false,
    },
    Claim {
        id: "cve-time",
        section: ClaimSection::Precedents,
        text: "Wrapping its sequence number took about an hour where \
               MAP_FIXED was usable (roughly 2^33 increments at two per \
               syscall), by the write-up of the bug's finder.",
        sources: &["p0-vmacache"],
        inferred: false,
    },
    Claim {
        id: "freebsd",
        section: ClaimSection::Precedents,
        text: "FreeBSD accepted the same kind of edge case when refcount(9) \
               learned to saturate: a use-after-free stays possible if the \
               releasing thread is preempted while 2^31 releases happen, \
               judged too small to matter, with the remark that the seqc \
               code already tolerates a similar one.",
        sources: &["freebsd-review", "freebsd-commit"],
        inferred: false,
    },
    Claim {
        id: "peterz-generic",
        section: ClaimSection::Precedents,
        text: "Peter Zijlstra: if the wrap is real it is not specific to \
               mm_lock_seq; every preemptible seqcount shares it, and the \
               place to fix it is the seqcount implementation.",
        sources: &["peterz-generic"],
        inferred: false,
    },
    Claim {
        id: "vm-lock-seq",
        section: ClaimSection::Costs,
        text: "vm_lock_seq is copied from mm_lock_seq and compared with it, \
               so widening mm_lock_seq means widening vm_lock_seq in every \
               VMA too (the 64-bit patch did) or comparing the two on their \
               low 32 bits (Suren: vm_lock_seq need not be long; its wrap \
               only costs a slow path).",
        sources: &["andrii-long", "peterz-vmseq", "mm-types"],
        inferred: false,
    },
    Claim {
        id: "atomic64-cost",
        section: ClaimSection::Costs,
        text: "A 64-bit counter on a 32-bit kernel is not free: an \
               atomic64_t read is a locked cmpxchg8b on x86-32, and where \
               there are no 64-bit atomics it takes one of 16 hashed \
               spinlocks; two plain 32-bit words need the \
               GUP_GET_PXX_LOW_HIGH re-read instead, which Peter Zijlstra \
               called tricky but not impossible.",
        sources: &["atomic64-cx8", "atomic64-generic", "peterz-u64"],
        inferred: false,
    },
    Claim {
        id: "tree-wide",
        section: ClaimSection::Costs,
        text: "mm_lock_seq is a seqcount_t now: widening it means widening \
               seqcount_t (or giving mm its own type again), a change to \
               every seqcount in the tree, which is where Peter Zijlstra \
               placed the fix.",
        sources: &["merged", "seqlock-types", "peterz-generic"],
        inferred: true,
    },
];

/// A source by id.
pub fn source(id: &str) -> Option<&'static Source> {
    SOURCES.iter().find(|s| s.id == id)
}

/// The claims of a section, in order.
pub fn of(section: ClaimSection) -> impl Iterator<Item = &'static Claim> {
    CLAIMS.iter().filter(move |c| c.section == section)
}

/// A claim as printed: its text, `(our inference)` when it is one, and its
/// sources as `[id]`.
pub fn text(c: &Claim) -> String {
    let ids: Vec<String> = c.sources.iter().map(|s| format!("[{s}]")).collect();
    let inf = if c.inferred { " (our inference)" } else { "" };
    format!("{}{inf} {}", c.text, ids.join(" "))
}

/// Every `[id]` cited in `text` that names a source.
pub fn cited_in(text: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for s in SOURCES {
        if text.contains(&format!("[{}]", s.id)) && !out.contains(&s.id) {
            out.push(s.id);
        }
    }
    out
}

/// The `[token]`s of `text` that look like citations (lower-case words
/// with hyphens and digits) but name no source.
pub fn unknown_citations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('[') {
        // `\[`: an escaped bracket (Markdown), text quoted from a site
        // file such as `futex_queues\[node\]`, never a citation.
        let escaped = rest[..i].ends_with('\\');
        rest = &rest[i + 1..];
        if escaped {
            continue;
        }
        let Some(j) = rest.find(']') else { break };
        let tok = &rest[..j];
        let looks = !tok.is_empty()
            && tok
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && tok.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        if looks && source(tok).is_none() {
            out.push(tok.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule of the summary: no claim without a source, no citation of
    /// a source that does not exist, no source without a reference of its
    /// kind.
    #[test]
    fn every_claim_has_a_source_and_every_source_a_reference() {
        for c in CLAIMS {
            assert!(!c.sources.is_empty(), "claim {} has no source", c.id);
            assert!(!c.text.trim().is_empty(), "claim {} is empty", c.id);
            for id in c.sources {
                assert!(source(id).is_some(), "claim {} cites unknown {id}", c.id);
            }
        }
        let mut ids: Vec<&str> = SOURCES.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate source ids");
        let mut cids: Vec<&str> = CLAIMS.iter().map(|c| c.id).collect();
        cids.sort_unstable();
        let n = cids.len();
        cids.dedup();
        assert_eq!(cids.len(), n, "duplicate claim ids");
        for s in SOURCES {
            assert!(!s.what.is_empty() && !s.cite.is_empty(), "{}", s.id);
            match s.kind {
                SourceKind::MessageId => assert!(
                    s.cite.starts_with('<') && s.cite.ends_with('>') && s.cite.contains('@'),
                    "{}",
                    s.cite
                ),
                SourceKind::Url => assert!(s.cite.starts_with("https://"), "{}", s.cite),
                SourceKind::Commit => assert!(
                    s.cite.len() >= 12 && s.cite.chars().all(|c| c.is_ascii_hexdigit()),
                    "{}",
                    s.cite
                ),
                SourceKind::File => assert!(s.cite.contains('/'), "{}", s.cite),
                SourceKind::Run => assert!(s.cite.starts_with("data/"), "{}", s.cite),
            }
        }
    }

    /// The required claims are in the list, with their sources.
    #[test]
    fn the_required_claims_are_present() {
        let has = |needle: &str, src: &str| {
            CLAIMS
                .iter()
                .any(|c| c.text.contains(needle) && c.sources.contains(&src))
        };
        assert!(has("CVE-2018-17182", "cve-mail"));
        assert!(has("64", "cve-mail"));
        assert!(has("refcount(9)", "freebsd-review"));
        assert!(has("every preemptible seqcount", "peterz-generic"));
        assert!(has("SLAB_TYPESAFE_BY_RCU", "uprobes"));
        assert!(has("wrong file", "uprobes"));
        assert!(has("low 32 bits", "andrii-long"));
        assert!(has("cmpxchg8b", "atomic64-cx8"));
        assert!(has("hashed", "atomic64-generic"));
        assert!(has("every seqcount in the tree", "peterz-generic"));
        assert!(has("217 ns", "willy"));
        // Nobody in the thread proposed a guard; no claim says so.
        assert!(!CLAIMS.iter().any(|c| c.text.contains("guard")));
    }

    #[test]
    fn citations_are_found_and_unknown_ones_reported() {
        let t = text(&CLAIMS[0]);
        assert!(t.ends_with("[willy]"));
        assert_eq!(cited_in(&t), vec!["willy"]);
        assert_eq!(
            unknown_citations("see [nobody] and [willy]"),
            vec!["nobody"]
        );
        assert!(unknown_citations("| a [x] |").contains(&"x".to_string()));
        assert!(unknown_citations("[W] [2^31] [sc tso]").is_empty());
    }
}
