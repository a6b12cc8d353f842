//! The layers of docs/DESIGN.md §7, enforced: every `crate::MODULE` a
//! source file under `src/` names (in a `use` or a path; comments, doc
//! comments and `#[cfg(test)] mod tests` skipped: tests may reach anywhere)
//! must be its own module or one on a lower line of the layer list. An
//! edge up or sideways fails, naming the file, the line and both layers.
//! The list is read from DESIGN.md itself, and every top-level module of
//! `src/` must be on it exactly once, so the document cannot fall behind
//! the tree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::helpers::root;

/// The fenced block after the line `Layers, bottom first` in DESIGN §7:
/// one line per layer, modules separated by spaces.
fn layers() -> BTreeMap<String, usize> {
    let design = std::fs::read_to_string(root().join("docs/DESIGN.md")).unwrap();
    let start = design
        .find("Layers, bottom first")
        .expect("docs/DESIGN.md §7 has a 'Layers, bottom first' list");
    let rest = &design[start..];
    let open = rest.find("```").expect("the layer list is a fenced block") + 3;
    let body = &rest[open..];
    let body = &body[body.find('\n').unwrap() + 1..];
    let close = body.find("```").expect("the layer block closes");
    let mut out = BTreeMap::new();
    for (i, line) in body[..close].lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        for m in line.split_whitespace() {
            assert!(
                out.insert(m.to_string(), i).is_none(),
                "DESIGN §7 lists {m} twice"
            );
        }
    }
    out
}

/// Top-level modules of the library: `src/NAME.rs` and `src/NAME/`, but
/// not the binary's (`main.rs`, `cli/`) or the crate root.
fn modules() -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root().join("src")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_string_lossy().to_string();
        if ["lib", "main", "cli"].contains(&name.as_str()) {
            continue;
        }
        if p.is_dir() || p.extension().is_some_and(|x| x == "rs") {
            out.push(name);
        }
    }
    out.sort();
    out
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its unit tests and comments: the lines
/// before `#[cfg(test)]` that opens `mod tests`, comment text cut.
fn code(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        if t == "#[cfg(test)]"
            && lines
                .get(i + 1)
                .is_some_and(|n| n.trim_start().starts_with("mod tests"))
        {
            break;
        }
        let code = match line.find("//") {
            Some(c) => &line[..c],
            None => line,
        };
        out.push((i + 1, code.to_string()));
    }
    out
}

/// `crate::NAME` occurrences in a line, also inside `use crate::{a, b}`.
fn uses(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + 7..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
        rest = after;
    }
    out
}

#[test]
fn design_lists_every_module_once() {
    let layers = layers();
    let mods = modules();
    for m in &mods {
        assert!(
            layers.contains_key(m),
            "src/{m} is not in the layer list of docs/DESIGN.md §7"
        );
    }
    for m in layers.keys() {
        assert!(
            mods.contains(m),
            "docs/DESIGN.md §7 lists {m}, which is not a module of src/"
        );
    }
}

#[test]
fn no_edge_goes_up_or_sideways() {
    let layers = layers();
    let mut bad = Vec::new();
    let mut all = Vec::new();
    files(&root().join("src"), &mut all);
    all.sort();
    for f in all {
        let rel = f.strip_prefix(root().join("src")).unwrap();
        let from = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        let Some(&lf) = layers.get(&from) else {
            continue; // lib.rs, main.rs, cli/: above every layer
        };
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in code(&text) {
            for to in uses(&line) {
                if to == from {
                    continue;
                }
                let Some(&lt) = layers.get(&to) else {
                    continue; // a name inside the module (crate::Result)
                };
                if lt >= lf {
                    bad.push(format!(
                        "src/{}:{n}: {from} (layer {lf}) uses {to} (layer {lt}): {}",
                        rel.display(),
                        if lt == lf { "sideways" } else { "up" }
                    ));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} edges against docs/DESIGN.md §7's layers:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn the_scanner_sees_grouped_and_path_uses() {
    assert_eq!(uses("use crate::{error, text::wrap};"), ["error", "text"]);
    assert_eq!(
        uses("let x = crate::report::sites::gather(crate::stall::rows());"),
        ["report", "stall"]
    );
    assert_eq!(
        code("use a;\n// crate::x\n#[cfg(test)]\nmod tests {\nuse crate::y;\n}")
            .into_iter()
            .filter(|(_, l)| !uses(l).is_empty())
            .count(),
        0
    );
}
