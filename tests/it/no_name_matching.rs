//! No engine knows a protocol by its name (DESIGN §1): adding a protocol touches
//! only its protocol file.
//!
//! **The rule.** Outside `src/protocol/catalog.rs` (the one place that maps
//! `--protocol NAME` and the old flags onto files and parameters), no
//! non-test source file under `src/` may *decide* anything by comparing a
//! string with a catalog protocol's name. A string literal counts as a
//! protocol's name when its text, up to the first space, is the `name` of a
//! file in `protocols/` (read from the files, so a new protocol is covered
//! without editing this test): `"split"`, but also a label such as
//! `"split hi-lo-hi"` or `"plain 64"`. Such a literal is a violation when
//! it stands
//!
//! 1. in a pattern: a `match` arm before its `=>` (also inside `Some(..)`,
//!    tuples and `|` alternatives), `matches!(x, PAT)`, `if let PAT =` /
//!    `while let PAT =` / `let PAT =`;
//! 2. next to `==` or `!=` (either side, also as `Some("split")`);
//! 3. as the argument of a string comparison method: `.starts_with`,
//!    `.ends_with`, `.contains`, `.eq`, `.ne`, `.eq_ignore_ascii_case`,
//!    `.strip_prefix`, `.strip_suffix`, `.find`;
//! 4. in an array literal that is then searched (`["plain", "guard"]
//!    .contains(&name)`, `[...].iter()`).
//!
//! Allowed: naming a protocol to *build* it (`catalog::protocol("plain", ..)`,
//! `catalog::find("guard")`, `catalog::text("split")`), a name as a value
//! or in a message, comments and doc comments (stripped before the scan),
//! and `#[cfg(test)]` items (skipped: tests pick protocols by name on
//! purpose).
//!
//! A line that compares with a name for a reason the lead accepts (say, a
//! report picking the seed's reference rows) can be listed in [`ALLOWED`]
//! with its file and exact trimmed text.

use std::path::{Path, PathBuf};

use crate::helpers::{read, root};

/// `(path under the crate root, exact trimmed line)` pairs exempt from the
/// rule. Each entry needs a reason in a comment beside it.
const ALLOWED: &[(&str, &str)] = &[
    // The kernel's `guard(rcu)()` (include/linux/cleanup.h,
    // DEFINE_LOCK_GUARD_0(rcu, ...) in include/linux/rcupdate.h): a macro
    // of the protocol language, not the `guard` protocol.
    ("src/protocol/parse/builtin.rs", "\"guard\" => {"),
];

/// The one file allowed to know protocols by name.
const CATALOG: &str = "src/protocol/catalog.rs";

/// Methods whose first argument is compared with the receiver.
const COMPARE_METHODS: &[&str] = &[
    "starts_with",
    "ends_with",
    "contains",
    "eq",
    "ne",
    "eq_ignore_ascii_case",
    "strip_prefix",
    "strip_suffix",
    "find",
];

/// The `name = "..."` of every file under `protocols/`.
fn catalog_names() -> Vec<String> {
    toml_names("protocols")
}

/// The `name = "..."` of every TOML file in `dir` (under the crate root).
fn toml_names(dir: &str) -> Vec<String> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(root().join(dir)).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let v: toml::Value = toml::from_str(&read(&p)).unwrap();
            names.push(v["name"].as_str().unwrap().to_string());
        }
    }
    names.sort();
    names
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Punct(&'static str),
    /// Numbers, char literals, lifetimes: nothing the rule looks at.
    Other,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

const PUNCT: &[&str] = &[
    "==", "!=", "=>", "::", "->", "&&", "||", "<=", ">=", "..", "(", ")", "[", "]", "{", "}", ",",
    ";", ".", "=", "|", "!", "&", "#", "?", "<", ">", ":", "+", "-", "*", "/", "%", "^", "@", "$",
    "~",
];

/// A small Rust tokenizer: comments (line, block, nested, doc) dropped,
/// string literals (plain, byte, raw) kept with their value.
fn tokenize(text: &str) -> Vec<Token> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        if ch.is_whitespace() {
            i += 1;
            continue;
        }
        if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            continue;
        }
        // Raw strings: r"..", r#".."#, br#".."#.
        let raw_start = if ch == 'r' {
            Some(i + 1)
        } else if ch == 'b' && at(i + 1) == 'r' {
            Some(i + 2)
        } else {
            None
        };
        if let Some(mut j) = raw_start {
            let mut hashes = 0;
            while at(j) == '#' {
                hashes += 1;
                j += 1;
            }
            if at(j) == '"' {
                let start_line = line;
                j += 1;
                let mut s = String::new();
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|k| at(j + 1 + k) == '#') {
                        j += 1 + hashes;
                        break;
                    }
                    if c[j] == '\n' {
                        line += 1;
                    }
                    s.push(c[j]);
                    j += 1;
                }
                out.push(Token {
                    tok: Tok::Str(s),
                    line: start_line,
                });
                i = j;
                continue;
            }
        }
        if ch == '"' || (ch == 'b' && at(i + 1) == '"') {
            let start_line = line;
            let mut j = if ch == 'b' { i + 2 } else { i + 1 };
            let mut s = String::new();
            while j < c.len() && c[j] != '"' {
                if c[j] == '\\' {
                    s.push(c[j]);
                    j += 1;
                }
                if j < c.len() {
                    if c[j] == '\n' {
                        line += 1;
                    }
                    s.push(c[j]);
                    j += 1;
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
            });
            i = j + 1;
            continue;
        }
        if ch == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                let mut j = i + 2;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
            out.push(Token {
                tok: Tok::Other,
                line,
            });
            continue;
        }
        if ch.is_alphabetic() || ch == '_' {
            let mut s = String::new();
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                s.push(c[i]);
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(s),
                line,
            });
            continue;
        }
        if ch.is_ascii_digit() {
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Other,
                line,
            });
            continue;
        }
        let rest: String = c[i..(i + 2).min(c.len())].iter().collect();
        match PUNCT.iter().find(|p| rest.starts_with(**p)) {
            Some(p) => {
                out.push(Token {
                    tok: Tok::Punct(p),
                    line,
                });
                i += p.len();
            }
            None => {
                out.push(Token {
                    tok: Tok::Other,
                    line,
                });
                i += 1;
            }
        }
    }
    out
}

fn is_p(t: Option<&Token>, p: &str) -> bool {
    matches!(t, Some(Token { tok: Tok::Punct(q), .. }) if *q == p)
}

fn is_ident(t: Option<&Token>, s: &str) -> bool {
    matches!(t, Some(Token { tok: Tok::Ident(q), .. }) if q == s)
}

/// Index of the token closing the bracket opened at `open`.
fn closing(toks: &[Token], open: usize) -> usize {
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if let Tok::Punct(p) = t.tok {
            match p {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth -= 1;
                    if depth == 0 {
                        return k;
                    }
                }
                _ => {}
            }
        }
    }
    toks.len()
}

/// Remove every item marked `#[cfg(test)]` (with the attributes after it).
fn drop_test_items(toks: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let cfg_test = is_p(toks.get(i), "#")
            && is_p(toks.get(i + 1), "[")
            && is_ident(toks.get(i + 2), "cfg")
            && is_p(toks.get(i + 3), "(")
            && is_ident(toks.get(i + 4), "test")
            && is_p(toks.get(i + 5), ")")
            && is_p(toks.get(i + 6), "]");
        if !cfg_test {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        let mut j = i + 7;
        // Further attributes.
        while is_p(toks.get(j), "#") && is_p(toks.get(j + 1), "[") {
            j = closing(&toks, j + 1) + 1;
        }
        // The item: up to its `;` or its outermost `{ }`.
        while j < toks.len() {
            if is_p(toks.get(j), ";") {
                j += 1;
                break;
            }
            if is_p(toks.get(j), "{") {
                j = closing(&toks, j) + 1;
                break;
            }
            j += 1;
        }
        i = j;
    }
    out
}

/// Token ranges that are patterns: match arms before `=>`, `matches!`'s
/// second argument, and `let PAT =`.
fn pattern_spans(toks: &[Token]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for i in 0..toks.len() {
        if is_ident(toks.get(i), "match") {
            // The arms' block: the first `{` at bracket depth 0.
            let mut j = i + 1;
            let mut depth = 0;
            while j < toks.len() {
                match toks[j].tok {
                    Tok::Punct("(" | "[") => depth += 1,
                    Tok::Punct(")" | "]") => depth -= 1,
                    Tok::Punct("{") if depth == 0 => break,
                    Tok::Punct(";") if depth == 0 => break,
                    _ => {}
                }
                j += 1;
            }
            if !is_p(toks.get(j), "{") {
                continue;
            }
            let end = closing(toks, j);
            let mut k = j + 1;
            while k < end {
                // Pattern: up to `=>` at depth 0.
                let start = k;
                k = to_depth0(toks, k, end, &["=>"]);
                spans.push((start, k));
                k += 1;
                // Body: a block (then an optional `,`) or an expression up
                // to `,` at depth 0.
                if is_p(toks.get(k), "{") {
                    k = closing(toks, k) + 1;
                    if is_p(toks.get(k), ",") {
                        k += 1;
                    }
                } else {
                    k = to_depth0(toks, k, end, &[","]) + 1;
                }
            }
        }
        if is_ident(toks.get(i), "matches") && is_p(toks.get(i + 1), "!") {
            let open = i + 2;
            let close = closing(toks, open);
            let k = to_depth0(toks, open + 1, close, &[","]);
            spans.push((k, close));
        }
        if is_ident(toks.get(i), "let") {
            let k = to_depth0(toks, i + 1, toks.len(), &["=", ";"]);
            spans.push((i + 1, k));
        }
    }
    spans
}

/// The first token from `k` (before `end`) that is one of `stops` at
/// bracket depth 0, or `end`.
fn to_depth0(toks: &[Token], mut k: usize, end: usize, stops: &[&str]) -> usize {
    let mut d = 0;
    while k < end {
        match toks[k].tok {
            Tok::Punct("(" | "[" | "{") => d += 1,
            Tok::Punct(")" | "]" | "}") => d -= 1,
            Tok::Punct(p) if d == 0 && stops.contains(&p) => break,
            _ => {}
        }
        k += 1;
    }
    k
}

/// The opener of the innermost bracket around token `i`.
fn enclosing(toks: &[Token], i: usize) -> Option<usize> {
    let mut depth = 0;
    for k in (0..i).rev() {
        match toks[k].tok {
            Tok::Punct(")" | "]" | "}") => depth += 1,
            Tok::Punct("(" | "[" | "{") => {
                if depth == 0 {
                    return Some(k);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// Why the literal at token `i` is a comparison with a name, if it is.
fn violation(toks: &[Token], i: usize, spans: &[(usize, usize)]) -> Option<&'static str> {
    if spans.iter().any(|&(a, b)| a <= i && i < b) {
        return Some("a pattern");
    }
    // `==`/`!=` beside it, looking through `&`, `Some(`, `Ok(`, `)`.
    let mut p = i;
    while p > 0
        && (is_p(toks.get(p - 1), "(")
            || is_p(toks.get(p - 1), "&")
            || is_ident(toks.get(p - 1), "Some")
            || is_ident(toks.get(p - 1), "Ok"))
    {
        p -= 1;
    }
    if p > 0 && (is_p(toks.get(p - 1), "==") || is_p(toks.get(p - 1), "!=")) {
        return Some("an operand of == or !=");
    }
    let mut n = i + 1;
    while is_p(toks.get(n), ")") {
        n += 1;
    }
    if is_p(toks.get(n), "==") || is_p(toks.get(n), "!=") {
        return Some("an operand of == or !=");
    }
    // `.starts_with("split")`, `.contains(&"split")`.
    let mut q = i;
    while q > 0 && is_p(toks.get(q - 1), "&") {
        q -= 1;
    }
    if q >= 3
        && is_p(toks.get(q - 1), "(")
        && is_p(toks.get(q - 3), ".")
        && matches!(&toks[q - 2].tok, Tok::Ident(m) if COMPARE_METHODS.contains(&m.as_str()))
    {
        return Some("the argument of a string comparison");
    }
    // `["plain", "guard"].contains(..)`.
    if let Some(open) = enclosing(toks, i)
        && is_p(toks.get(open), "[")
    {
        let close = closing(toks, open);
        if is_p(toks.get(close + 1), ".")
            && (is_ident(toks.get(close + 2), "contains") || is_ident(toks.get(close + 2), "iter"))
        {
            return Some("an element of an array that is searched");
        }
    }
    None
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every violation in `text` (a file at `rel`): `rel:LINE: why: line`.
fn scan(rel: &str, text: &str, names: &[String]) -> Vec<String> {
    let toks = drop_test_items(tokenize(text));
    let spans = pattern_spans(&toks);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let Tok::Str(s) = &t.tok else { continue };
        let first = s.split(' ').next().unwrap_or("");
        if !names.iter().any(|n| n == first) {
            continue;
        }
        if let Some(why) = violation(&toks, i, &spans) {
            let src = lines.get(t.line - 1).map_or("", |l| l.trim());
            if ALLOWED.iter().any(|(f, l)| *f == rel && *l == src) {
                continue;
            }
            out.push(format!("{rel}:{}: \"{s}\" is {why}: {src}", t.line));
        }
    }
    out
}

/// Every violation in the sources under `src/` (paths relative to the
/// crate root, `/`-separated), skipping the files `skip` names.
fn scan_sources(names: &[String], skip: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if !skip(&rel) {
            found.extend(scan(&rel, &read(f), names));
        }
    }
    found
}

#[test]
fn no_source_outside_the_catalog_matches_on_a_protocol_name() {
    let names = catalog_names();
    assert!(
        names.len() >= 10 && names.iter().any(|n| n == "split"),
        "{names:?}"
    );
    let found = scan_sources(&names, &|rel| rel == CATALOG);
    assert!(
        found.is_empty(),
        "protocol names decide behaviour outside {CATALOG} (DESIGN §1: a new protocol \
         must need only its file); {} place(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The `name` of every shipped spec under `analysis/`.
fn spec_names() -> Vec<String> {
    toml_names("analysis")
}

/// The one module allowed to know metrics and the report's specs by name.
const RESULTS: &str = "src/results/";

/// Lines that name a metric or a spec for another reason, each with why.
const ALLOWED_RESULTS: &[(&str, &str)] = &[
    // A spec file's keys (`engines = [...]`, `widths = [...]`), which
    // share their spelling with two shipped specs.
    ("src/question/mod.rs", "\"engines\","),
    ("src/question/mod.rs", "\"widths\","),
];

/// The same rule for the results contract: outside `src/results/` (and
/// the catalog), no source decides anything by comparing a string with a
/// metric's name (`min_cycles`) or a shipped spec's (`widths`). Readers ask
/// for them by type (`Row::is(EngineKind::Explore, Metric::MinCycles)`,
/// `ReportSpec::Widths`), so a renamed metric or spec fails to compile
/// instead of silently losing rows.
#[test]
fn no_source_outside_results_matches_on_a_metric_or_spec_name() {
    let mut names: Vec<String> = seqwrap::results::Metric::ALL
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    names.extend(spec_names());
    assert!(names.iter().any(|n| n == "min_cycles") && names.iter().any(|n| n == "widths"));
    // A `tests.rs` is a `#[cfg(test)] mod tests;` of its parent: test
    // code, skipped like the inline test modules.
    let found: Vec<String> = scan_sources(&names, &|rel| {
        rel == CATALOG || rel.starts_with(RESULTS) || rel.ends_with("/tests.rs")
    })
    .into_iter()
    .filter(|v| {
        !ALLOWED_RESULTS
            .iter()
            .any(|(f, l)| v.starts_with(f) && v.ends_with(l))
    })
    .collect();
    assert!(
        found.is_empty(),
        "metric or spec names decide behaviour outside {RESULTS}; {} place(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// The scanner itself: each kind of comparison is caught, and the
/// legitimate uses are not.
#[test]
fn the_rule_catches_comparisons_and_spares_construction() {
    let names: Vec<String> = ["plain", "split", "epoch", "guard"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let bad = [
        r#"fn f(n: &str) -> u8 { match n { "split" => 1, _ => 0 } }"#,
        r#"fn f(n: &str) -> u8 { match n { "epoch" | "split" => 1, _ => 0 } }"#,
        r#"fn f(n: Option<&str>) -> u8 { match (n, 1) { (Some("split"), _) => 1, _ => 0 } }"#,
        r#"fn f(n: &str) -> bool { n == "plain" }"#,
        r#"fn f(n: &str) -> bool { "plain" != n }"#,
        r#"fn f(n: Option<&str>) -> bool { n == Some("guard") }"#,
        r#"fn f(n: &str) -> bool { n.starts_with("split hi-lo-hi") }"#,
        r#"fn f(n: &str) -> bool { ["plain", "guard"].contains(&n) }"#,
        r#"fn f(n: &str) -> bool { matches!(n, "plain" | "guard") }"#,
        r#"fn f(n: Option<&str>) { if let Some("split") = n { g() } }"#,
    ];
    for src in bad {
        assert!(!scan("x.rs", src, &names).is_empty(), "not caught: {src}");
    }
    let good = [
        r#"fn f() { let s = catalog::protocol("plain", &[("W", "8")]).unwrap(); }"#,
        r#"fn f(k: u8) -> &'static str { match k { 0 => "plain", _ => "split" } }"#,
        r#"fn f() { let d = catalog::find("guard")?; let t = text("split"); }"#,
        "/// `match name { \"split\" => .. }` in a doc comment\nfn f() {}",
        "// n == \"plain\"\nfn f() {}",
        "fn f() {}\n#[cfg(test)]\nmod tests { fn g(n: &str) -> bool { n == \"plain\" } }",
        r#"fn f(n: &str) -> bool { n == "splitter" || n == "hi-first" }"#,
        r#"fn f() { eprintln!("unknown protocol 'plain'"); }"#,
        r##"fn f() -> &'static str { r#"plain"# }"##,
    ];
    for src in good {
        assert!(
            scan("x.rs", src, &names).is_empty(),
            "flagged: {src}: {:?}",
            scan("x.rs", src, &names)
        );
    }
}
