//! Where the numbers are: each spec's file, CSV, row count and plots, and
//! the rate table's and the stall model's files.

use super::{Inputs, Rows, section};
use crate::text::table::bullet;

pub(super) fn render(inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    let mut s = section("Files");
    for sp in inp.specs {
        let plots: Vec<String> = sp
            .plots
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "png"))
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        s.push_str(&bullet(&format!(
            "{} ({}): data/{}.csv, {} rows{}{}",
            spec_path(&sp.file),
            sp.title,
            sp.name,
            sp.rows.len(),
            if plots.is_empty() { "" } else { "; plots " },
            plots.join(", ")
        )));
    }
    let extra: Vec<String> = inp
        .plots
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    if !extra.is_empty() {
        s.push_str(&bullet(&format!(
            "the rate table and the stall model: data/measured_rates.csv, \
             data/observed_rates.csv; plots {}",
            extra.join(", ")
        )));
    }
    s
}

/// `analysis/NAME.toml` for a spec however it was named on the command line.
fn spec_path(file: &str) -> String {
    let name = file
        .replace(" (built in)", "")
        .rsplit('/')
        .next()
        .unwrap_or(file)
        .to_string();
    format!("analysis/{name}")
}
