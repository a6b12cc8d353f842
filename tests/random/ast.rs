//! The random test's own protocol AST: a seeded generator and the
//! rendering to a protocol file (TOML + kernel C). Nothing here uses
//! seqwrap: the AST is what `reference.rs` interprets, and the TOML text is
//! what seqwrap parses.

use std::fmt::Write as _;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Atomic read-modify-write steps (writer) and atomic reads (reader).
/// Off until the language has them: with it on, the generator also draws
/// `atomic_*()` steps (a third of the writer's stores become one, with
/// `smp_mb__before_atomic()`/`smp_mb__after_atomic()` around some of the
/// non-returning ones) and `atomic_read*()` loads, and the reference treats
/// an RMW as a store of w + C, an atomic read as a load. Turning it on
/// changes every file drawn after the first RMW, so the herd7 expectations
/// must be regenerated (`tests/herd/regen_random.sh`).
pub const WITH_RMW: bool = true;

/// Word names, in declaration order.
pub const WORD_NAMES: [&str; 3] = ["a", "b", "c"];

/// Most loads a reader makes (seqwrap allows 12 locals).
pub const MAX_READER_LOADS: usize = 8;

/// A protocol.
#[derive(Clone, Debug)]
pub struct Desc {
    /// The file's `name`.
    pub name: String,
    /// Bits of each word (1..=3 words of 1..=3 bits).
    pub bits: Vec<u32>,
    /// The writer's critical section, straight-line.
    pub writer: Vec<WStep>,
    /// The reader's speculation, straight-line; it ends in
    /// `return ACCEPT;` after the last step.
    pub reader: Vec<RStep>,
}

/// The value a store writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Val {
    /// `w + c` (the word's own latest value plus c).
    Add(u64),
    /// `c`.
    Set(u64),
}

/// A writer fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WFence {
    Wmb,
    Mb,
    Barrier,
}

/// Atomic read-modify-write operations (behind [`WITH_RMW`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RmwOp {
    /// `atomic_inc(&w)`: non-returning, unordered.
    Inc,
    /// `atomic_add(C, &w)`: non-returning, unordered.
    Add,
    /// `atomic_inc_return(&w)`: fully ordered.
    IncReturn,
    /// `atomic_add_return(C, &w)`: fully ordered.
    AddReturn,
    /// `atomic_fetch_add(C, &w)`: fully ordered.
    FetchAdd,
    /// `atomic_inc_return_relaxed(&w)`: unordered.
    IncReturnRelaxed,
    /// `atomic_inc_return_release(&w)`: a release store.
    IncReturnRelease,
    /// `atomic_inc_return_acquire(&w)`: orders nothing a store-only writer
    /// can observe.
    IncReturnAcquire,
}

impl RmwOp {
    const ALL: [RmwOp; 8] = [
        RmwOp::Inc,
        RmwOp::Add,
        RmwOp::IncReturn,
        RmwOp::AddReturn,
        RmwOp::FetchAdd,
        RmwOp::IncReturnRelaxed,
        RmwOp::IncReturnRelease,
        RmwOp::IncReturnAcquire,
    ];

    /// Takes a constant (`_add`), else adds 1.
    fn takes_constant(self) -> bool {
        matches!(self, RmwOp::Add | RmwOp::AddReturn | RmwOp::FetchAdd)
    }

    /// Non-returning: may carry `smp_mb__before_atomic()` /
    /// `smp_mb__after_atomic()`.
    pub fn non_returning(self) -> bool {
        matches!(self, RmwOp::Inc | RmwOp::Add)
    }

    fn macro_name(self) -> &'static str {
        match self {
            RmwOp::Inc => "atomic_inc",
            RmwOp::Add => "atomic_add",
            RmwOp::IncReturn => "atomic_inc_return",
            RmwOp::AddReturn => "atomic_add_return",
            RmwOp::FetchAdd => "atomic_fetch_add",
            RmwOp::IncReturnRelaxed => "atomic_inc_return_relaxed",
            RmwOp::IncReturnRelease => "atomic_inc_return_release",
            RmwOp::IncReturnAcquire => "atomic_inc_return_acquire",
        }
    }
}

/// One writer statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WStep {
    /// `WRITE_ONCE(w, v)` or `smp_store_release(&w, v)`.
    Store {
        word: usize,
        val: Val,
        release: bool,
    },
    /// A fence.
    Fence(WFence),
    /// `modify()`.
    Modify,
    /// An atomic RMW adding `c` (1 for the `_inc` forms) to `word`;
    /// `before`/`after`: `smp_mb__before_atomic()` immediately before,
    /// `smp_mb__after_atomic()` immediately after (non-returning only).
    Rmw {
        word: usize,
        op: RmwOp,
        c: u64,
        before: bool,
        after: bool,
    },
}

/// A reader fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RFence {
    Rmb,
    Mb,
}

/// How a reader loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadKind {
    /// `READ_ONCE(w)`.
    Once,
    /// `smp_load_acquire(&w)`.
    Acquire,
    /// `atomic_read(&w)` (= `READ_ONCE`; behind [`WITH_RMW`]).
    AtomicRead,
    /// `atomic_read_acquire(&w)` (= `smp_load_acquire`; behind
    /// [`WITH_RMW`]).
    AtomicReadAcquire,
}

/// One reader statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RStep {
    /// `vN = LOAD(w);` — locals are numbered in load order, each loaded once.
    Load {
        local: usize,
        word: usize,
        kind: LoadKind,
    },
    /// A fence.
    Fence(RFence),
    /// `if (vN & 1) return ABORT;`
    Odd(usize),
    /// `read();`
    Read,
    /// `if (vI != vJ || ...) return RETRY;` (empty: nothing).
    Compare(Vec<(usize, usize)>),
}

impl Desc {
    /// Total bits of all words.
    pub fn total_bits(&self) -> u32 {
        self.bits.iter().sum()
    }

    /// The protocol file.
    pub fn toml(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "name = \"{}\"", self.name);
        let _ = writeln!(
            t,
            "about = \"random-protocol differential test (tests/it/random_protocols.rs)\""
        );
        t.push('\n');
        t.push_str("writer = \"\"\"\n");
        for s in &self.writer {
            render_w(s, &mut t);
        }
        t.push_str("\"\"\"\n\nreader = \"\"\"\n");
        for s in &self.reader {
            render_r(s, &mut t);
        }
        t.push_str("return ACCEPT;\n\"\"\"\n\n[words]\n");
        for (i, b) in self.bits.iter().enumerate() {
            let _ = writeln!(t, "{} = {b}", WORD_NAMES[i]);
        }
        t
    }
}

fn render_w(s: &WStep, t: &mut String) {
    match *s {
        WStep::Store { word, val, release } => {
            let w = WORD_NAMES[word];
            let v = match val {
                Val::Add(c) => format!("{w} + {c}"),
                Val::Set(c) => c.to_string(),
            };
            if release {
                let _ = writeln!(t, "smp_store_release(&{w}, {v});");
            } else {
                let _ = writeln!(t, "WRITE_ONCE({w}, {v});");
            }
        }
        WStep::Fence(f) => t.push_str(match f {
            WFence::Wmb => "smp_wmb();\n",
            WFence::Mb => "smp_mb();\n",
            WFence::Barrier => "barrier();\n",
        }),
        WStep::Modify => t.push_str("modify();\n"),
        WStep::Rmw {
            word,
            op,
            c,
            before,
            after,
        } => {
            let w = WORD_NAMES[word];
            if before {
                t.push_str("smp_mb__before_atomic();\n");
            }
            if op.takes_constant() {
                let _ = writeln!(t, "{}({c}, &{w});", op.macro_name());
            } else {
                let _ = writeln!(t, "{}(&{w});", op.macro_name());
            }
            if after {
                t.push_str("smp_mb__after_atomic();\n");
            }
        }
    }
}

fn render_r(s: &RStep, t: &mut String) {
    match s {
        RStep::Load { local, word, kind } => {
            let w = WORD_NAMES[*word];
            let _ = match kind {
                LoadKind::Once => writeln!(t, "v{local} = READ_ONCE({w});"),
                LoadKind::Acquire => writeln!(t, "v{local} = smp_load_acquire(&{w});"),
                LoadKind::AtomicRead => writeln!(t, "v{local} = atomic_read(&{w});"),
                LoadKind::AtomicReadAcquire => {
                    writeln!(t, "v{local} = atomic_read_acquire(&{w});")
                }
            };
        }
        RStep::Fence(RFence::Rmb) => t.push_str("smp_rmb();\n"),
        RStep::Fence(RFence::Mb) => t.push_str("smp_mb();\n"),
        RStep::Odd(l) => {
            let _ = writeln!(t, "if (v{l} & 1)\n\treturn ABORT;");
        }
        RStep::Read => t.push_str("read();\n"),
        RStep::Compare(pairs) => {
            if pairs.is_empty() {
                return;
            }
            let c: Vec<String> = pairs.iter().map(|(i, j)| format!("v{j} != v{i}")).collect();
            let _ = writeln!(t, "if ({})\n\treturn RETRY;", c.join(" || "));
        }
    }
}

/// Pick from `weights` (index i with weight weights[i]).
fn weighted(rng: &mut Xoshiro256PlusPlus, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut x = rng.random_range(0..total);
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    unreachable!()
}

/// A constant to add: 1..2^bits (0 would be no change).
fn add_const(rng: &mut Xoshiro256PlusPlus, bits: u32) -> u64 {
    rng.random_range(1..(1u64 << bits).max(2))
}

/// The protocol generated from `seed`.
pub fn generate(seed: u64) -> Desc {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let nw = 1 + weighted(&mut rng, &[3, 4, 3]);
    let bits: Vec<u32> = (0..nw).map(|_| rng.random_range(1..=3)).collect();

    // Half the files are seqcount-like: one word (the count) is
    // stored just before and just after modify(), and the reader loads it
    // before and after read(), compares the two and mostly tests the
    // first's low bit. Without this, nearly every file falls after one
    // cycle. Other stores mostly leave the count alone.
    let count = rng.random_bool(0.5).then(|| rng.random_range(0..nw));

    // Writer: stores (and RMWs), then modify() and fences at random places.
    let mut writer = Vec::new();
    let nstores = weighted(&mut rng, &[1, 4, 5, 4, 3, 2]);
    for _ in 0..nstores {
        let mut word = rng.random_range(0..nw);
        if count == Some(word) && nw > 1 && rng.random_bool(0.8) {
            word = (word + 1) % nw;
        }
        if WITH_RMW && rng.random_bool(0.35) {
            let op = RmwOp::ALL[rng.random_range(0..RmwOp::ALL.len())];
            let c = if op.takes_constant() {
                add_const(&mut rng, bits[word])
            } else {
                1
            };
            let nr = op.non_returning();
            writer.push(WStep::Rmw {
                word,
                op,
                c,
                before: nr && rng.random_bool(0.3),
                after: nr && rng.random_bool(0.3),
            });
            continue;
        }
        let val = if rng.random_bool(0.7) {
            Val::Add(add_const(&mut rng, bits[word]))
        } else {
            Val::Set(rng.random_range(0..1u64 << bits[word]))
        };
        writer.push(WStep::Store {
            word,
            val,
            release: rng.random_bool(0.3),
        });
    }
    let at = rng.random_range(0..=writer.len());
    writer.insert(at, WStep::Modify);
    if let Some(w) = count {
        // Mostly odd while locked and even again after the unlock, as a
        // seqcount's count is, and not back where it was after one cycle.
        let c1 = match add_const(&mut rng, bits[w]) {
            c if c % 2 == 0 && rng.random_bool(0.8) => c - 1,
            c => c,
        };
        let mask = (1 << bits[w]) - 1;
        let c2 = match add_const(&mut rng, bits[w]) {
            c if (c + c1) % 2 == 1 && rng.random_bool(0.8) => (c + 1) & mask,
            c => c,
        };
        let c2 = match c2 {
            c if bits[w] > 1 && (c + c1) & mask == 0 && rng.random_bool(0.9) => (c + 2) & mask,
            c => c,
        };
        writer.insert(
            at + 1,
            WStep::Store {
                word: w,
                val: Val::Add(c2),
                release: rng.random_bool(0.3),
            },
        );
        writer.insert(
            at,
            WStep::Store {
                word: w,
                val: Val::Add(c1),
                release: rng.random_bool(0.3),
            },
        );
    }
    for _ in 0..weighted(&mut rng, &[3, 4, 3, 1]) {
        let f = match weighted(&mut rng, &[5, 3, 1]) {
            0 => WFence::Wmb,
            1 => WFence::Mb,
            _ => WFence::Barrier,
        };
        let at = rng.random_range(0..=writer.len());
        writer.insert(at, WStep::Fence(f));
    }

    // Reader: loads before read(), read(), loads after it.
    let n_pre = weighted(&mut rng, &[1, 5, 5, 3, 2]);
    let n_post = weighted(&mut rng, &[1, 5, 5, 3, 2]);
    debug_assert!(n_pre + n_post <= MAX_READER_LOADS);
    let load_kind = |rng: &mut Xoshiro256PlusPlus| {
        let acq = rng.random_bool(0.3);
        match (WITH_RMW && rng.random_bool(0.3), acq) {
            (false, false) => LoadKind::Once,
            (false, true) => LoadKind::Acquire,
            (true, false) => LoadKind::AtomicRead,
            (true, true) => LoadKind::AtomicReadAcquire,
        }
    };
    let mut reader = Vec::new();
    let mut words_of = Vec::new(); // word of each local
    let (n_pre, n_post) = match count {
        Some(_) => (n_pre.max(1), n_post.max(1)),
        None => (n_pre, n_post),
    };
    for i in 0..n_pre {
        let word = match count {
            Some(w) if i == 0 => w,
            _ => rng.random_range(0..nw),
        };
        let kind = load_kind(&mut rng);
        reader.push(RStep::Load {
            local: words_of.len(),
            word,
            kind,
        });
        words_of.push(word);
    }
    reader.push(RStep::Read);
    for i in 0..n_post {
        // Mostly a word loaded before read(), so there is a pair to compare.
        let word = if let (Some(w), 0) = (count, i) {
            w
        } else if n_pre > 0 && rng.random_bool(0.8) {
            words_of[rng.random_range(0..n_pre)]
        } else {
            rng.random_range(0..nw)
        };
        let kind = load_kind(&mut rng);
        reader.push(RStep::Load {
            local: words_of.len(),
            word,
            kind,
        });
        words_of.push(word);
    }
    let pairs: Vec<(usize, usize)> = (0..n_pre)
        .flat_map(|i| (n_pre..words_of.len()).map(move |j| (i, j)))
        .filter(|&(i, j)| words_of[i] == words_of[j])
        .collect();
    let load_pos = |reader: &[RStep], l: usize| {
        reader
            .iter()
            .position(|s| matches!(s, RStep::Load { local, .. } if *local == l))
            .unwrap()
    };
    if count.is_some() && rng.random_bool(0.8) {
        let at = rng.random_range(load_pos(&reader, 0) + 1..=reader.len());
        reader.insert(at, RStep::Odd(0));
    }
    // Odd checks, each after its local's load.
    for _ in 0..weighted(&mut rng, &[4, 4, 2]) {
        if words_of.is_empty() {
            break;
        }
        let l = rng.random_range(0..words_of.len());
        let at = rng.random_range(load_pos(&reader, l) + 1..=reader.len());
        reader.insert(at, RStep::Odd(l));
    }
    // Mid-sequence comparisons, after both loads.
    if !pairs.is_empty() && rng.random_bool(0.25) {
        let n = rng.random_range(1..=2usize.min(pairs.len()));
        let mut chosen = Vec::new();
        for _ in 0..n {
            let p = pairs[rng.random_range(0..pairs.len())];
            if !chosen.contains(&p) {
                chosen.push(p);
            }
        }
        let after = chosen
            .iter()
            .map(|&(i, j)| load_pos(&reader, i).max(load_pos(&reader, j)))
            .max()
            .unwrap();
        let at = rng.random_range(after + 1..=reader.len());
        reader.insert(at, RStep::Compare(chosen));
    }
    // Fences anywhere.
    for _ in 0..weighted(&mut rng, &[3, 4, 3, 1]) {
        let f = if rng.random_bool(0.7) {
            RFence::Rmb
        } else {
            RFence::Mb
        };
        let at = rng.random_range(0..=reader.len());
        reader.insert(at, RStep::Fence(f));
    }
    // A third of the files keep the seqcount discipline around the data:
    // fences right before and after modify() and read() (each usually),
    // so the weak models do not find a false positive in every file.
    if rng.random_bool(0.35) {
        let m = writer.iter().position(|s| *s == WStep::Modify).unwrap();
        if rng.random_bool(0.85) {
            writer.insert(m + 1, WStep::Fence(WFence::Wmb));
        }
        if rng.random_bool(0.85) {
            writer.insert(m, WStep::Fence(WFence::Wmb));
        }
        let r = reader.iter().position(|s| *s == RStep::Read).unwrap();
        if rng.random_bool(0.85) {
            reader.insert(r + 1, RStep::Fence(RFence::Rmb));
        }
        if rng.random_bool(0.85) {
            reader.insert(r, RStep::Fence(RFence::Rmb));
        }
    }
    // The final comparison: a few of the pairs (rarely none).
    let mut fin = Vec::new();
    if !rng.random_bool(0.08) {
        for p in &pairs {
            if rng.random_bool(0.75) {
                fin.push(*p);
            }
        }
        while fin.len() > 4 {
            fin.remove(rng.random_range(0..fin.len()));
        }
    }
    if count.is_some() && !fin.contains(&(0, n_pre)) {
        fin.insert(0, (0, n_pre));
    }
    reader.push(RStep::Compare(fin));
    Desc {
        name: format!("random-{seed:016x}"),
        bits,
        writer,
        reader,
    }
}
