//! Embeds every file under `sites/` and `holds/` into the binary, so adding
//! a reader site or a hold mechanism touches only its file (DESIGN §8).
//! Plain `include_str!` lines, generated; no dependency.

use std::fmt::Write as _;
use std::path::Path;

fn embed(dir: &str, out: &mut String, what: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let _ = writeln!(out, "/// The built-in {what}: (file name, text).");
    let _ = writeln!(
        out,
        "pub const {}: &[(&str, &str)] = &[",
        dir.to_uppercase()
    );
    for f in files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            f.display().to_string()
        );
    }
    let _ = writeln!(out, "];");
}

fn main() {
    let mut out = String::new();
    embed("sites", &mut out, "reader sites");
    embed("holds", &mut out, "hold mechanisms");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    std::fs::write(dest, out).expect("write embedded.rs");
}
