//! Bad description files (DESIGN §1.6): every kind gets exit code 2, nothing on
//! stdout, no panic, and exactly one line on stderr,
//! `error: FILE:LINE:COL: what is wrong; what is allowed`, pointing at the
//! offending character of the file the user edits (through TOML's string
//! delimiters and escapes, tabs and non-ASCII characters counted as one
//! column each, CRLF line ends).
//!
//! Each case is [`BASE`], a description that explores fine, with one edit;
//! the files are written to a temporary directory (never into the
//! checkout) and run through `seqwrap explore --protocol FILE`. Every case
//! is checked before the test fails, so one run lists every kind that
//! misbehaves, with its input and output.

use std::process::Output;

use crate::helpers::{seqwrap_in, tempdir};

/// A good description. Line numbers matter: the cases name them.
///
/// ```text
///  1 name = "base"           10 writer = """          19 s = READ_ONCE(seq);
///  2 about = "..."           11 WRITE_ONCE(seq, ...   20 if (s & 1)
///  3                         12 smp_wmb();            21 <tab>return ABORT;
///  4 [params]                13 modify();             22 smp_rmb();
///  5 W = { default = 8, ...  14 smp_wmb();            23 read();
///  6                         15 WRITE_ONCE(seq, ...   24 smp_rmb();
///  7 [words]                 16 """                   25 e = READ_ONCE(seq);
///  8 seq = "W"               17                       26 if (e == s)
///  9                         18 reader = """          27 <tab>return ACCEPT;
///                                                     28 return RETRY;
///                                                     29 """
/// ```
const BASE: &str = r#"name = "base"
about = "a good description to break"

[params]
W = { default = 8, min = 2, max = 64 }

[words]
seq = "W"

writer = """
WRITE_ONCE(seq, seq + 1);
smp_wmb();
modify();
smp_wmb();
WRITE_ONCE(seq, seq + 1);
"""

reader = """
s = READ_ONCE(seq);
if (s & 1)
	return ABORT;
smp_rmb();
read();
smp_rmb();
e = READ_ONCE(seq);
if (e == s)
	return ACCEPT;
return RETRY;
"""
"#;

/// One kind of bad file.
struct Case {
    /// What is wrong (also the file's name).
    kind: &'static str,
    /// The file's text.
    text: String,
    /// Where the error must point: 1-based line and column.
    at: (usize, usize),
    /// Substrings the message must contain: what is wrong and what is
    /// allowed.
    says: &'static [&'static str],
}

/// `BASE` with `old` (which must occur) replaced once by `new`.
fn edit(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "BASE has no {old:?}");
    BASE.replacen(old, new, 1)
}

fn case(
    kind: &'static str,
    text: String,
    at: (usize, usize),
    says: &'static [&'static str],
) -> Case {
    Case {
        kind,
        text,
        at,
        says,
    }
}

fn cases() -> Vec<Case> {
    let writer_start = BASE.find("writer = \"\"\"").unwrap();
    let reader_start = BASE.find("reader = \"\"\"").unwrap();
    vec![
        // --- the kinds DESIGN §1.4 refuses ---
        case(
            "syntax-missing-paren",
            edit("if (s & 1)", "if (s & 1"),
            // The token found instead: 'return' after the tab.
            (21, 2),
            &["expected ')' to close the 'if' condition", "found 'return'"],
        ),
        case(
            "syntax-missing-semicolon",
            edit("s = READ_ONCE(seq);", "s = READ_ONCE(seq)"),
            // The token found instead of ';': the 'if' on the next line.
            (20, 1),
            &["expected ';'", "found 'if'"],
        ),
        case(
            "unknown-macro",
            edit("smp_rmb();\nread();", "smp_mb__after_spinlock();\nread();"),
            (22, 1),
            &[
                "unknown macro 'smp_mb__after_spinlock'",
                "allowed: x = READ_ONCE(w);",
                "smp_rmb();",
            ],
        ),
        case(
            "undeclared-word",
            edit("e = READ_ONCE(seq);", "e = READ_ONCE(sequence);"),
            (25, 15),
            &["'sequence' is not a declared word", "words: seq"],
        ),
        case(
            "two-read",
            edit("read();\n", "read();\nread();\n"),
            (24, 1),
            &["two read() on one path", "allowed: exactly one data phase"],
        ),
        case(
            "path-without-return",
            edit("return RETRY;\n", ""),
            // The end of the reader's body: after "\treturn ACCEPT;".
            (27, 16),
            &[
                "can reach its end without a return",
                "return ACCEPT, RETRY or ABORT",
            ],
        ),
        case(
            "width-0",
            edit("seq = \"W\"", "seq = 0"),
            (8, 7),
            &["'seq' is 0 bits wide", "allowed: 1..=64"],
        ),
        case(
            "width-over-64",
            edit("seq = \"W\"", "seq = \"W + 57\""),
            (8, 7),
            &["'seq' is 65 bits wide", "allowed: 1..=64"],
        ),
        case(
            "store-to-a-local",
            edit(
                "WRITE_ONCE(seq, seq + 1);\nsmp_wmb();\nmodify();",
                "x = 1;\nWRITE_ONCE(x, seq + 1);\nsmp_wmb();\nmodify();",
            ),
            (12, 12),
            &["'x' is a local", "loads and stores go to words: seq"],
        ),
        case(
            "load-inside-an-expression",
            edit("if (e == s)", "if (READ_ONCE(seq) == s)"),
            (26, 5),
            &["a load inside an expression", "x = READ_ONCE(...);"],
        ),
        // --- the file's keys ---
        case(
            "unknown-toml-key",
            edit("about = ", "abuot = "),
            (2, 1),
            &["unknown key 'abuot'", "allowed: name, about, source"],
        ),
        case(
            "missing-writer",
            format!("{}{}", &BASE[..writer_start], &BASE[reader_start..]),
            (1, 1),
            &["missing key 'writer'"],
        ),
        case(
            "missing-reader",
            BASE[..reader_start].to_string(),
            (1, 1),
            &["missing key 'reader'"],
        ),
        case(
            "missing-name",
            edit("name = \"base\"\n", ""),
            (1, 1),
            &["missing key 'name'"],
        ),
        case(
            "name-with-spaces",
            edit("name = \"base\"", "name = \"my base!\""),
            (1, 8),
            &["name 'my base!'", "allowed: letters, digits, '-', '_'"],
        ),
        case(
            "not-toml",
            edit("name = \"base\"", "name = \"base"),
            (1, 13),
            &["not valid TOML"],
        ),
        case(
            "duplicate-word",
            edit("seq = \"W\"", "seq = \"W\"\nseq = \"W\""),
            (9, 1),
            &["not valid TOML", "duplicate key"],
        ),
        case(
            "empty-words",
            edit("seq = \"W\"", ""),
            (7, 1),
            &["[words] is empty", "declare at least one word"],
        ),
        case(
            "five-words",
            edit("seq = \"W\"", "seq = \"W\"\na = 1\nb = 1\nc = 1\nd = 1"),
            (12, 5),
            &["5 words", "allowed: at most 4"],
        ),
        case(
            "words-over-128-bits",
            edit("seq = \"W\"", "seq = 64\nx1 = 64\nx2 = 8"),
            (8, 7),
            &["136 bits together", "allowed: at most 128"],
        ),
        case(
            "width-not-a-string",
            edit("seq = \"W\"", "seq = true"),
            (8, 7),
            &["'words.seq' must be a string, found boolean"],
        ),
        case(
            "width-unknown-name",
            edit("seq = \"W\"", "seq = \"X\""),
            (8, 8),
            &["unknown name 'X'", "allowed here: W"],
        ),
        case(
            "word-named-like-a-param",
            edit("seq = \"W\"", "W = 8"),
            (8, 5),
            &["word 'W' has the name of a param"],
        ),
        case(
            "param-default-outside-its-min-max",
            edit("default = 8, min = 2", "default = 1, min = 2"),
            (5, 1),
            &["W = 1 is out of range", "allowed: 2..=64"],
        ),
        case(
            "param-unknown-key",
            edit("max = 64 }", "maximum = 64 }"),
            (5, 29),
            &[
                "unknown key 'params.W.maximum'",
                "allowed: default, min, max, choices, presets, about",
            ],
        ),
        case(
            "param-not-an-identifier",
            edit("W = { default", "\"my-W\" = 3\nW = { default"),
            (5, 1),
            &["param 'my-W' must be a C identifier"],
        ),
        case(
            "default-not-a-choice",
            edit(
                "W = { default = 8, min = 2, max = 64 }",
                "W = { default = 8, min = 2, max = 64 }\nREAD = { default = \"lo-hi\", choices = [\"naive\", \"hi-lo-hi\"] }",
            ),
            (6, 20),
            &[
                "default 'lo-hi' is not a choice",
                "allowed: naive, hi-lo-hi",
            ],
        ),
        case(
            "constraint-false-with-defaults",
            edit("[words]", "constraints = [\"W > 8\"]\n\n[words]"),
            (7, 16),
            &["does not satisfy 'W > 8' (W=8)"],
        ),
        case(
            "expect-unknown-model",
            edit("[words]", "[expect]\narm = \"1\"\n\n[words]"),
            (8, 1),
            &["expect.arm", "allowed keys: sc, tso, lkmm"],
        ),
        case(
            "expect-not-an-expression",
            edit("[words]", "[expect]\nsc = \"1 <<\"\n\n[words]"),
            // The end of the expression, where an operand is missing.
            (8, 11),
            &["expected an expression"],
        ),
        case(
            "costs-unknown-key",
            edit("[words]", "[costs]\nprice = \"1\"\n\n[words]"),
            (8, 1),
            &["costs.price", "allowed keys: note"],
        ),
        case(
            "body-not-a-string",
            edit("writer = \"\"\"", "writer = 3\nxwriter = \"\"\""),
            (10, 10),
            &["'writer' must be a string, found integer"],
        ),
        // --- the bodies: what the writer and the reader may do ---
        case(
            "bad-return-value",
            edit("return RETRY;", "return OK;"),
            (28, 8),
            &[
                "'return OK'",
                "allowed: return ACCEPT; return RETRY; return ABORT;",
            ],
        ),
        case(
            "modify-in-the-reader",
            edit("read();", "modify();"),
            (23, 1),
            &["modify() belongs to the writer", "the reader calls read()"],
        ),
        case(
            "read-in-the-writer",
            edit("modify();", "read();"),
            (13, 1),
            &["read() belongs to the reader", "the writer calls modify()"],
        ),
        case(
            "reader-accepts-without-read",
            edit("read();\n", ""),
            // The ACCEPT that no data phase precedes.
            (26, 2),
            &["read()", "ACCEPT"],
        ),
        case(
            "writer-without-modify",
            edit("modify();\n", ""),
            // The end of the writer's body.
            (14, 26),
            &["never calls modify()", "allowed: exactly once per cycle"],
        ),
        case(
            "writer-modifies-twice",
            edit("modify();\n", "modify();\nmodify();\n"),
            (14, 1),
            &["calls modify() twice", "allowed: exactly once per cycle"],
        ),
        case(
            "writer-loads",
            edit("modify();", "x = READ_ONCE(seq);\nmodify();"),
            (13, 1),
            &["the writer does not load", "WRITE_ONCE(seq, seq + 1)"],
        ),
        case(
            "reader-stores",
            edit("read();", "WRITE_ONCE(seq, 1);\nread();"),
            (23, 1),
            &["the reader only loads", "stores belong to the writer"],
        ),
        case(
            "writer-returns",
            edit("modify();", "modify();\nreturn ACCEPT;"),
            (14, 1),
            &["the writer does not return"],
        ),
        case(
            "writer-loops",
            edit("modify();", "while (seq) { modify(); }"),
            (13, 15),
            &["loops are not allowed in the writer"],
        ),
        case(
            "reader-loop-without-load",
            edit(
                "return RETRY;",
                "while (e != s) { smp_rmb(); }\nreturn RETRY;",
            ),
            (28, 18),
            &["a loop of the reader must load on every iteration"],
        ),
        case(
            "read-inside-a-loop",
            edit(
                "return RETRY;",
                "do { read(); x = READ_ONCE(seq); } while (x != s);\nreturn RETRY;",
            ),
            (28, 6),
            &["read() inside a loop", "allowed: once, outside loops"],
        ),
        case(
            "reader-only-spins",
            edit("return RETRY;", "do { x = READ_ONCE(seq); } while (1);"),
            (28, 38),
            &["without a return", "return ACCEPT, RETRY or ABORT"],
        ),
        case(
            "local-used-before-set",
            edit(
                "if (s & 1)\n\treturn ABORT;",
                "if (s & 2)\n\tt = 1;\nif (s & 1)\n\treturn ABORT;",
            )
            .replacen("if (e == s)", "if (e == t)", 1),
            (28, 1),
            &["'t' may be used before it is set"],
        ),
        case(
            "unknown-name",
            edit("if (e == s)", "if (e == t)"),
            (26, 10),
            &["unknown name 't'", "known: seq, W, s, e"],
        ),
        case(
            "word-in-a-reader-expression",
            edit("if (e == s)", "if (seq == s)"),
            (26, 5),
            &["the reader reads a word only with a load statement"],
        ),
        case(
            "synchronize-rcu-in-the-reader",
            edit("read();", "synchronize_rcu();\nread();"),
            (23, 1),
            &["synchronize_rcu() belongs to the writer"],
        ),
        case(
            "window-cycles-in-the-writer",
            edit("modify();", "modify();\nif (window_cycles() > 3) smp_mb();"),
            (14, 5),
            &["window_cycles() only in the reader"],
        ),
        case(
            "macro-outside-the-subset",
            edit(
                "s = READ_ONCE(seq);",
                "read_seqbegin(&seq);\ns = READ_ONCE(seq);",
            ),
            (19, 1),
            &[
                "unknown macro 'read_seqbegin'",
                "seqlock_t readers are read_seqcount_begin() on its seqcount",
            ],
        ),
        case(
            "function-call-not-a-kernel-macro",
            edit("smp_rmb();\nread();", "schedule();\nread();"),
            (22, 1),
            &["unknown macro 'schedule'", "allowed:"],
        ),
        case(
            "function-call-in-an-expression",
            edit("if (e == s)", "if (e == hash(s))"),
            (26, 10),
            &[
                "'hash(...)' in an expression",
                "allowed calls: window_cycles()",
            ],
        ),
        case(
            "fence-with-an-argument",
            edit("smp_rmb();\nread();", "smp_rmb(1);\nread();"),
            (22, 9),
            &["'smp_rmb' takes no arguments", "found '1'"],
        ),
        case(
            "goto",
            edit("return RETRY;", "goto out;"),
            (28, 1),
            &["'goto' is not supported", "allowed control flow: if/else"],
        ),
        case(
            "for-loop",
            edit("return RETRY;", "for (;;) { }"),
            (28, 1),
            &["'for' is not supported", "allowed control flow"],
        ),
        case(
            "else-without-if",
            edit("writer = \"\"\"\n", "writer = \"\"\"\nelse smp_mb();\n"),
            (11, 1),
            &["'else' without an 'if'"],
        ),
        case(
            "pointer-arithmetic",
            edit("e = READ_ONCE(seq);", "e = READ_ONCE(*(&seq + 1));"),
            (25, 15),
            &["READ_ONCE takes the word itself", "x = READ_ONCE(w);"],
        ),
        case(
            "address-of-a-word",
            edit("if (e == s)", "p = &seq;\nif (e == s)"),
            (26, 5),
            &["'&' takes an address only in smp_load_acquire/smp_store_release"],
        ),
        case(
            "store-release-without-pointer",
            edit(
                "WRITE_ONCE(seq, seq + 1);\nsmp_wmb();",
                "smp_store_release(seq, seq + 1);\nsmp_wmb();",
            ),
            (11, 19),
            &[
                "smp_store_release takes a pointer",
                "smp_store_release(&w, e)",
            ],
        ),
        case(
            "load-acquire-without-pointer",
            edit("s = READ_ONCE(seq);", "s = smp_load_acquire(seq);"),
            (19, 22),
            &[
                "smp_load_acquire takes a pointer",
                "x = smp_load_acquire(&w);",
            ],
        ),
        case(
            "member-access",
            edit("e = READ_ONCE(seq);", "e = READ_ONCE(seq);\nf = s[1];"),
            (26, 6),
            &["arrays are not supported", "name each word in [words]"],
        ),
        case(
            "cast",
            edit("if (e == s)", "if ((u32)e == s)"),
            (26, 5),
            &[
                "casts are not supported",
                "a store truncates to the word's width",
            ],
        ),
        case(
            "compound-assignment",
            edit("modify();", "modify();\nseq += 1;"),
            (14, 5),
            &["'seq+=' is not supported", "write 'seq = seq ...;'"],
        ),
        case(
            "comma-declaration",
            edit("s = READ_ONCE(seq);", "int s, e;\ns = READ_ONCE(seq);"),
            (19, 6),
            &["declare one local a statement"],
        ),
        case(
            "preprocessor-line",
            edit("s = READ_ONCE(seq);", "#define X 1\ns = READ_ONCE(seq);"),
            (19, 1),
            &["expected a statement, found '#'", "allowed:"],
        ),
        case(
            "unbalanced-braces",
            edit(
                "if (s & 1)\n\treturn ABORT;",
                "if (s & 1) {\n\treturn ABORT;",
            ),
            (20, 12),
            &["this '{' is never closed"],
        ),
        case(
            "unterminated-comment",
            edit("smp_rmb();\nread();", "smp_rmb(); /* the data\nread();"),
            (22, 12),
            &["a '/*' comment is never closed"],
        ),
        case(
            "non-ascii-garbage",
            edit("e = READ_ONCE(seq);", "e = READ_ONCE(seq); « é »"),
            (25, 21),
            &["unexpected character '«'", "allowed: identifiers, integers"],
        ),
        case(
            "bad-integer-literal",
            edit("s = READ_ONCE(seq);", "s = 0x1g;\ns = READ_ONCE(seq);"),
            (19, 5),
            &["'0x1g' is not an integer", "allowed: decimal or 0x hex"],
        ),
        case(
            "integer-too-large",
            edit(
                "if (s & 1)",
                "if (s & 999999999999999999999999999999999999999999)",
            ),
            (20, 9),
            &["is not an integer below 2^128"],
        ),
        // --- arithmetic ---
        case(
            "division-by-zero-constant",
            edit(
                "WRITE_ONCE(seq, seq + 1);\n\"\"\"",
                "WRITE_ONCE(seq, seq + 1 / 0);\n\"\"\"",
            ),
            (15, 23),
            &["division by zero"],
        ),
        case(
            "shift-too-far",
            edit("if (s & 1)", "if (s & (1 << 200))"),
            (20, 10),
            &["shift by 200", "allowed: 0..=127"],
        ),
        case(
            "overflow-of-128-bits",
            edit(
                "WRITE_ONCE(seq, seq + 1);\n\"\"\"",
                "WRITE_ONCE(seq, seq + (1 << 126) * 4);\n\"\"\"",
            ),
            (15, 24),
            &["arithmetic overflows 128 bits"],
        ),
        case(
            "division-by-zero-at-run-time",
            edit("if (e == s)", "z = 100 / s;\nif (e == s)"),
            (26, 5),
            &["reader: division by zero"],
        ),
        // --- positions through TOML's quoting ---
        case(
            "error-in-a-one-line-escaped-body",
            format!(
                "{}reader = \"s = READ_ONCE(seq);\\nread();\\ngoto x;\"\n",
                &BASE[..reader_start]
            ),
            // `reader = "` is 10 columns; the two `\n` escapes are two each.
            (18, 41),
            &["'goto' is not supported"],
        ),
        case(
            "non-ascii-before-the-error",
            edit("return RETRY;", "/* é */ goto x;"),
            (28, 9),
            &["'goto' is not supported"],
        ),
        case(
            "crlf-line-ends",
            edit("if (s & 1)", "if (s & 1").replace('\n', "\r\n"),
            (21, 2),
            &["expected ')' to close the 'if' condition"],
        ),
        // --- the kernel API (DESIGN §1.7) ---
        case(
            "atomic-barrier-without-its-rmw",
            edit(
                "smp_wmb();\nmodify();",
                "smp_mb__after_atomic();\nmodify();",
            ),
            (12, 1),
            &["smp_mb__after_atomic() must come right after a read-modify-write"],
        ),
        case(
            "rmw-in-the-reader",
            edit("smp_rmb();\nread();", "atomic_inc(&seq);\nread();"),
            (22, 1),
            &["atomic_inc() is a read-modify-write and belongs to the writer"],
        ),
        case(
            "rcu-lock-after-a-load",
            edit("smp_rmb();\nread();", "rcu_read_lock();\nread();"),
            (22, 1),
            &[
                "rcu_read_lock() after the reader's first load",
                "lock before",
            ],
        ),
        case(
            "load-after-rcu-unlock",
            edit(
                "s = READ_ONCE(seq);",
                "rcu_read_lock();\ns = READ_ONCE(seq);\nrcu_read_unlock();",
            ),
            (27, 1),
            &[
                "a load after rcu_read_unlock()",
                "unlock after the last load",
            ],
        ),
        case(
            "grace-period-without-an-rcu-reader",
            edit(
                "smp_wmb();\nWRITE_ONCE(seq, seq + 1);\n\"\"\"",
                "smp_wmb();\nsynchronize_rcu();\nWRITE_ONCE(seq, seq + 1);\n\"\"\"",
            ),
            (15, 1),
            &[
                "synchronize_rcu() waits only for RCU readers",
                "rcu_read_lock() or guard(rcu)()",
            ],
        ),
        case(
            "rcu-in-the-writer",
            edit("modify();", "rcu_read_lock();\nmodify();"),
            (13, 1),
            &["RCU read-side sections belong to the reader"],
        ),
        case(
            "unknown-word-type",
            edit("seq = \"W\"", "seq = { type = \"seqlock_t\" }"),
            (8, 16),
            &[
                "'seqlock_t' is not a word type",
                "allowed: u8",
                "seqcount_t",
            ],
        ),
        case(
            "word-table-without-a-type",
            edit("seq = \"W\"", "seq = { bits = \"W\" }"),
            (8, 7),
            &["a table needs 'type'"],
        ),
        case(
            "api-call-with-too-few-arguments",
            edit("e = READ_ONCE(seq);", "e = read_seqcount_retry(&seq);"),
            (25, 5),
            &["'read_seqcount_retry' takes 2 argument(s) (s, start), given 1"],
        ),
        case(
            "api-load-where-c-may-skip-it",
            edit(
                "if (e == s)",
                "if (e == s && !read_seqcount_retry(&seq, s))",
            ),
            (26, 16),
            &["where C may skip it", "call it in a statement of its own"],
        ),
        case(
            "guard-other-than-rcu",
            edit(
                "s = READ_ONCE(seq);",
                "guard(mutex)();\ns = READ_ONCE(seq);",
            ),
            (19, 7),
            &["guard(mutex) is not supported", "allowed: guard(rcu)()"],
        ),
        case(
            "member-of-an-undeclared-word",
            edit("e = READ_ONCE(seq);", "e = READ_ONCE(mm->seq);"),
            (25, 15),
            &["'mm->seq' is not a declared word", "words: seq"],
        ),
        case(
            "dereference-of-a-local",
            edit("if (e == s)", "if (e == *s)"),
            (26, 10),
            &["pointers are not supported"],
        ),
        case(
            "store-to-a-member",
            edit("e = READ_ONCE(seq);", "e = READ_ONCE(seq);\nmm->seq = e;"),
            (26, 3),
            &["cannot be assigned", "WRITE_ONCE(mm->seq, v)"],
        ),
        case(
            "atomic-read-without-a-pointer",
            edit("e = READ_ONCE(seq);", "e = atomic_read(seq);"),
            (25, 5),
            &["an atomic read takes a pointer", "x = atomic_read(&v);"],
        ),
    ]
}

/// What is wrong with `out` for a bad file `file` that must be reported at
/// `at` saying `says`; `None` if it is as promised.
fn check(out: &Output, file: &str, at: (usize, usize), says: &[&str]) -> Option<String> {
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
    let lines: Vec<&str> = err.lines().collect();
    if lines.len() != 1 {
        wrong.push(format!("{} lines on stderr, not 1", lines.len()));
    }
    let prefix = format!("error: {file}:{}:{}: ", at.0, at.1);
    if !err.starts_with(&prefix) {
        wrong.push(format!("does not start with {prefix:?}"));
    }
    for s in says {
        if !err.contains(s) {
            wrong.push(format!("does not say {s:?}"));
        }
    }
    (!wrong.is_empty()).then(|| format!("{}\n    stderr: {:?}", wrong.join("; "), err))
}

/// The base file is good, so each case fails by its one edit.
#[test]
fn the_base_description_explores() {
    let dir = tempdir();
    std::fs::write(dir.path().join("base.toml"), BASE).unwrap();
    let out = seqwrap_in(dir.path())
        .args(["explore", "--protocol", "base.toml", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["min_cycles_exact"], "128");
}

/// Every kind: exit 2, one line, FILE:LINE:COL, what is allowed.
#[test]
fn every_bad_description_gets_one_line_with_its_position() {
    let cases = cases();
    assert!(cases.len() >= 20, "{} kinds", cases.len());
    let dir = tempdir();
    let mut failures = Vec::new();
    for c in &cases {
        let file = format!("{}.toml", c.kind);
        std::fs::write(dir.path().join(&file), &c.text).unwrap();
        let out = seqwrap_in(dir.path())
            .args(["explore", "--protocol", &file])
            .output()
            .unwrap();
        if let Some(why) = check(&out, &file, c.at, c.says) {
            failures.push(format!("{}: {why}", c.kind));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} kinds of bad description misbehave:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The same bad file gets the same line from every command that reads a
/// description, and from a question spec that names it.
#[test]
fn every_command_reports_a_bad_description_the_same_way() {
    let dir = tempdir();
    let text = edit("return RETRY;", "goto out;");
    std::fs::write(dir.path().join("bad.toml"), &text).unwrap();
    std::fs::write(
        dir.path().join("spec.toml"),
        r#"name = "badspec"
title = "a question over a bad description"
seed = 1
samples = 1000
engines = ["explore"]
widths = [8]
rates = ["1e6"]
windows = ["fixed:1us"]

[[schemes]]
protocol = "bad.toml"
"#,
    )
    .unwrap();
    let want = "bad.toml:28:1: 'goto' is not supported";
    let runs: [&[&str]; 6] = [
        &[
            "explore",
            "--protocol",
            "bad.toml",
            "--memory-model",
            "lkmm",
        ],
        &["analyze", "--protocol", "bad.toml", "--rate", "1e6"],
        &[
            "sample",
            "--protocol",
            "bad.toml",
            "--rate",
            "1e6",
            "--window",
            "fixed:1ms",
            "--samples",
            "100",
        ],
        &["stress", "--protocol", "bad.toml"],
        &["litmus", "--protocol", "bad.toml"],
        &["sweep", "spec.toml", "--out", "out.csv"],
    ];
    for args in runs {
        let out = seqwrap_in(dir.path()).args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(want),
            "{args:?}: {err}"
        );
    }
    assert!(
        !dir.path().join("out.csv").exists(),
        "a failed sweep writes nothing"
    );
}
