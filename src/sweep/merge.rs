//! Joining shards: `seqwrap merge SHARD.csv... --out FILE`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::sweep::csv::{Row, read, to_bytes, write_atomic};

/// Join shard files into the file one run of the whole grid produces.
///
/// Checks, each a one-line usage error naming file, line and key: every
/// file has the sweep header and well-typed fields; all rows come from the
/// same spec and seqwrap version; no point appears in two files; the points
/// are exactly 0..=max with no gap (a missing shard leaves a gap unless it
/// held only the grid's last points, which a round-robin split of a grid
/// larger than N never does). Rows keep their order within a point.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<usize> {
    if inputs.is_empty() {
        return Err(Error::usage("merge: give at least one shard CSV"));
    }
    let mut by_point: BTreeMap<usize, (usize, Vec<Row>)> = BTreeMap::new();
    let mut first: Option<(String, String, String)> = None;
    for (fi, path) in inputs.iter().enumerate() {
        let file = path.display().to_string();
        for (i, row) in read(path)?.into_iter().enumerate() {
            let line = i + 2;
            let id = (row.spec.clone(), row.seqwrap_version.clone());
            match &first {
                None => first = Some((id.0, id.1, file.clone())),
                Some((spec, ver, f0)) => {
                    if *spec != id.0 {
                        return Err(Error::usage(format!(
                            "{file}:{line}: key 'spec': '{}' but {f0} is '{spec}'",
                            id.0
                        )));
                    }
                    if *ver != id.1 {
                        return Err(Error::usage(format!(
                            "{file}:{line}: key 'seqwrap_version': '{}' but {f0} has '{ver}'",
                            id.1
                        )));
                    }
                }
            }
            let entry = by_point.entry(row.point).or_insert((fi, Vec::new()));
            if entry.0 != fi {
                return Err(Error::usage(format!(
                    "{file}:{line}: key 'point': point {} is also in {}",
                    row.point,
                    inputs[entry.0].display()
                )));
            }
            entry.1.push(row);
        }
    }
    if let Some((gap, _)) = by_point
        .keys()
        .enumerate()
        .find(|(expect, have)| expect != *have)
    {
        return Err(Error::usage(format!(
            "{}:1: key 'point': point {gap} is in no shard; is a shard missing?",
            inputs[0].display()
        )));
    }
    let rows: Vec<Row> = by_point.into_values().flat_map(|(_, r)| r).collect();
    write_atomic(out, &to_bytes(&rows)?)?;
    Ok(rows.len())
}
