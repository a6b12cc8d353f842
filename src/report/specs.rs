//! The shipped questions: read from `analysis/` when present (so an edited
//! spec is what runs), else from the copies built into the binary (so the
//! report runs from any directory).

use std::path::Path;

use crate::error::Result;
use crate::question::Question;

/// The shipped specs, in report order: (file name, built-in text).
pub const SHIPPED: [(&str, &str); 4] = [
    (
        "mm_lock_seq.toml",
        include_str!("../../analysis/mm_lock_seq.toml"),
    ),
    ("fixes.toml", include_str!("../../analysis/fixes.toml")),
    ("widths.toml", include_str!("../../analysis/widths.toml")),
    ("engines.toml", include_str!("../../analysis/engines.toml")),
];

/// Load every shipped spec, from `dir` if the file is there.
pub fn load_shipped(dir: &Path) -> Result<Vec<(String, Question)>> {
    SHIPPED
        .iter()
        .map(|(file, text)| {
            let path = dir.join(file);
            let q = if path.is_file() {
                Question::load(&path)?
            } else {
                Question::parse(&format!("analysis/{file} (built in)"), text)?
            };
            Ok((file.to_string(), q))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_specs_parse() {
        for (file, text) in super::SHIPPED {
            let q = crate::question::Question::parse(file, text).unwrap();
            assert!(q.point_count() > 0, "{file}");
        }
    }
}
