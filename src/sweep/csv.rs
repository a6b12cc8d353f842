//! The tidy CSV: one row per point and metric. Its header is the contract
//! between `data/` and everything that reads it (plots, report, merge); it
//! is documented in data/README.md and changes only with a new column at
//! the end.

use std::path::Path;

use crate::error::{Error, Result};
use crate::results::Row;

/// The header, in order. Columns 17..=20 (`log10_value` and the shard
/// columns) and 21 (`memory_model`) were appended after the first
/// release; files with only the first 16 ([`HEADER_V1`]) or any longer
/// prefix stay readable.
pub const HEADER: [&str; 21] = [
    "point",
    "spec",
    "protocol",
    "params",
    "bits",
    "rate",
    "process",
    "hold",
    "window",
    "engine",
    "metric",
    "value",
    "ci_low",
    "ci_high",
    "seed",
    "seqwrap_version",
    "log10_value",
    "spec_fingerprint",
    "grid_points",
    "shard",
    "memory_model",
];

/// The header before `log10_value` and the shard columns were appended.
pub const HEADER_V1: usize = 16;

/// The `log10_value` text of a value: shortest round-trip decimal of its
/// log10 if it is a positive number, else empty.
pub fn log10_text(value: &str) -> String {
    crate::text::exact::Exact::parse(value)
        .and_then(|e| e.log10_positive())
        .map(|l| format!("{l}"))
        .unwrap_or_default()
}

/// The `spec_fingerprint` text of a fingerprint.
pub fn fingerprint_text(fingerprint: u64) -> String {
    format!("{fingerprint:016x}")
}

/// Serialize rows (with the header) into CSV bytes. Pure: same rows, same
/// bytes.
pub fn to_bytes(rows: &[Row]) -> Result<Vec<u8>> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let run = |e: csv::Error| Error::Run(format!("csv: {e}"));
    w.write_record(HEADER).map_err(run)?;
    for r in rows {
        w.serialize(r).map_err(run)?;
    }
    w.into_inner().map_err(|e| Error::Run(format!("csv: {e}")))
}

/// Read a sweep CSV, checking the header and every field's type. Errors
/// name the file, the line and the column.
pub fn read(path: &Path) -> Result<Vec<Row>> {
    let bytes = crate::files::read_input(path)?;
    from_bytes(&path.display().to_string(), &bytes)
}

/// Parse CSV bytes; `file` names them in messages.
pub fn from_bytes(file: &str, bytes: &[u8]) -> Result<Vec<Row>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(bytes);
    let header = r
        .headers()
        .map_err(|e| Error::usage(format!("{file}:1: key 'header': not CSV: {e}")))?
        .clone();
    let got: Vec<&str> = header.iter().collect();
    // Readable: the 16 columns of the first release, or a prefix of the
    // current header at least that long, or the current header followed by
    // columns a newer seqwrap appended (ignored).
    let known = got.len().min(HEADER.len());
    if known < HEADER_V1 || got[..known] != HEADER[..known] {
        let first_bad = HEADER
            .iter()
            .zip(got.iter().chain(std::iter::repeat(&"")))
            .find(|(want, have)| want != have)
            .map_or("header".to_string(), |(want, _)| (*want).to_string());
        return Err(Error::usage(format!(
            "{file}:1: key '{first_bad}': wrong CSV header; expected: {}",
            HEADER.join(",")
        )));
    }
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::usage(format!("{file}:{line}: key 'row': {e}"))
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let row: Row = rec.deserialize(Some(&header)).map_err(|e| {
            let key = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .and_then(|i| HEADER.get(i as usize))
                    .copied()
                    .unwrap_or("row"),
                _ => "row",
            };
            let why = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.kind().to_string(),
                _ => e.to_string(),
            };
            Error::usage(format!("{file}:{line}: key '{key}': {why}"))
        })?;
        rows.push(row);
    }
    Ok(rows)
}

/// Write `bytes` to `path` atomically (see [`crate::files`]).
pub use crate::files::write_atomic;

#[cfg(test)]
mod tests {
    use super::*;

    fn row(point: usize, metric: &str) -> Row {
        Row {
            point,
            spec: "t".into(),
            protocol: "plain".into(),
            params: "W=8".into(),
            memory_model: "sc".into(),
            bits: 8,
            rate: "1e6".into(),
            process: "poisson".into(),
            hold: "0".into(),
            window: "lognormal:2us,1ms".into(),
            engine: "analyze".into(),
            metric: metric.into(),
            value: "1e-300".into(),
            ci_low: String::new(),
            ci_high: String::new(),
            seed: 42,
            seqwrap_version: "0.1.0".into(),
            log10_value: log10_text("1e-300"),
            spec_fingerprint: fingerprint_text(0xabc),
            grid_points: Some(9),
            shard: "1/1".into(),
        }
    }

    #[test]
    fn rows_round_trip() {
        let rows = vec![row(0, "a"), row(1, "b")];
        let bytes = to_bytes(&rows).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("point,spec,protocol,"));
        assert!(text.contains("\"lognormal:2us,1ms\""));
        assert_eq!(from_bytes("x.csv", &bytes).unwrap(), rows);
    }

    #[test]
    fn bad_csv_names_line_and_column() {
        let text = String::from_utf8(to_bytes(&[row(0, "a"), row(1, "b")]).unwrap()).unwrap();
        let e = from_bytes("x.csv", text.replace("point,", "pt,").as_bytes()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x.csv:1: key 'point': wrong CSV header"),
            "{e}"
        );
        let bad = text.replacen(",8,", ",eight,", 2);
        let e = from_bytes("x.csv", bad.as_bytes()).unwrap_err().to_string();
        assert!(e.starts_with("x.csv:2: key 'bits': "), "{e}");
    }

    #[test]
    fn first_release_files_stay_readable() {
        let rows = vec![row(0, "a")];
        let text = String::from_utf8(to_bytes(&rows).unwrap()).unwrap();
        // Cut the appended columns off the header and the row.
        let v1: String = text
            .lines()
            .map(|l| l.rsplitn(6, ',').last().unwrap().to_string() + "\n")
            .collect();
        assert!(
            v1.starts_with("point,") && v1.lines().next().unwrap().ends_with(",seqwrap_version")
        );
        let back = from_bytes("old.csv", v1.as_bytes()).unwrap();
        assert_eq!(back[0].value, "1e-300");
        assert_eq!(back[0].spec_fingerprint, "");
        assert_eq!(back[0].grid_points, None);
        // A newer file with one more column reads too.
        let newer: String = text
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{l},{}\n", if i == 0 { "future" } else { "x" }))
            .collect();
        assert_eq!(from_bytes("new.csv", newer.as_bytes()).unwrap(), rows);
    }

    #[test]
    fn log10_survives_values_below_f64() {
        assert_eq!(log10_text("1e-300"), "-300");
        let l: f64 = log10_text("2.34645e-344").parse().unwrap();
        assert!((l + 343.629_57).abs() < 1e-4, "{l}");
        assert_eq!(log10_text("0"), "");
        assert_eq!(log10_text("false-positive"), "");
        assert_eq!(log10_text("1000"), "3");
    }
}
