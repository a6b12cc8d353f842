//! Joining shards: `seqwrap merge SHARD.csv... --out FILE`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::results::Row;
use crate::sweep::csv::{read, to_bytes, write_atomic};
use crate::sweep::grid::Shard;

/// One shard file as merge read it.
#[derive(Clone, Debug, Serialize)]
pub struct ShardFile {
    /// The file.
    pub file: PathBuf,
    /// Its shard, `K/N` (empty for a file without rows).
    pub shard: String,
    /// Points it holds.
    pub points: usize,
    /// Rows it holds.
    pub rows: usize,
}

/// What merge did.
#[derive(Clone, Debug, Serialize)]
pub struct MergeOutcome {
    /// The spec's name.
    pub spec: String,
    /// The spec's fingerprint (the `spec_fingerprint` column).
    pub spec_fingerprint: String,
    /// Points in the whole grid (all present in the output).
    pub grid_points: usize,
    /// The inputs.
    pub shards: Vec<ShardFile>,
    /// Rows written.
    pub rows: usize,
    /// The merged CSV.
    pub out: PathBuf,
}

/// What every row of one sweep shares; shards of one grid agree on all
/// of it but the shard.
#[derive(Clone, Debug, PartialEq)]
struct Identity {
    spec: String,
    fingerprint: String,
    version: String,
    grid_points: Option<usize>,
    shard: String,
}

impl Identity {
    fn of(r: &Row) -> Identity {
        Identity {
            spec: r.spec.clone(),
            fingerprint: r.spec_fingerprint.clone(),
            version: r.seqwrap_version.clone(),
            grid_points: r.grid_points,
            shard: r.shard.clone(),
        }
    }
}

/// The first key in which two identities differ, with both values.
fn clash(a: &Identity, b: &Identity, with_shard: bool) -> Option<(&'static str, String, String)> {
    let gp = |g: Option<usize>| g.map_or(String::new(), |g| g.to_string());
    [
        ("spec", a.spec.clone(), b.spec.clone()),
        (
            "spec_fingerprint",
            a.fingerprint.clone(),
            b.fingerprint.clone(),
        ),
        ("seqwrap_version", a.version.clone(), b.version.clone()),
        ("grid_points", gp(a.grid_points), gp(b.grid_points)),
        (
            "shard",
            if with_shard {
                a.shard.clone()
            } else {
                String::new()
            },
            if with_shard {
                b.shard.clone()
            } else {
                String::new()
            },
        ),
    ]
    .into_iter()
    .find(|(_, x, y)| x != y)
}

/// Join shard files into the file one run of the whole grid produces.
///
/// Refused, each as one line naming the files (exit 2): a file of another
/// spec (its fingerprint, the FNV-1a of the spec file, differs: a changed
/// seed, rate, sample count or width list), version or grid; a file given
/// twice, or two files of the same shard; a missing shard; a shard file
/// missing some of its points (a truncated file) or holding another
/// shard's; a file written before the fingerprint column existed. A file
/// with a header and no rows (a shard that owns no point) is accepted and
/// adds nothing. Rows keep their order within a point; the output's
/// `shard` column says `1/1`, as a whole run's does.
pub fn merge(inputs: &[PathBuf], out: &Path) -> Result<MergeOutcome> {
    if inputs.is_empty() {
        return Err(Error::usage("merge: give at least one shard CSV"));
    }
    for (i, a) in inputs.iter().enumerate() {
        for b in &inputs[..i] {
            if same_file(a, b) {
                return Err(Error::usage(format!(
                    "merge: '{}' is given twice (also as '{}')",
                    a.display(),
                    b.display()
                )));
            }
        }
    }
    // (identity, rows) of each file with rows.
    let mut files: Vec<(PathBuf, Identity, Vec<Row>)> = Vec::new();
    let mut summary = Vec::new();
    for path in inputs {
        let rows = read(path)?;
        let file = path.display().to_string();
        let Some(first) = rows.first() else {
            summary.push(ShardFile {
                file: path.clone(),
                shard: String::new(),
                points: 0,
                rows: 0,
            });
            continue;
        };
        if first.spec_fingerprint.is_empty() || first.grid_points.is_none() {
            return Err(Error::usage(format!(
                "{file}:1: key 'spec_fingerprint': missing; the file predates shard \
                 fingerprints, so it cannot be merged safely; run its sweep again"
            )));
        }
        let id = Identity::of(first);
        for (i, r) in rows.iter().enumerate() {
            if let Some((key, want, got)) = clash(&id, &Identity::of(r), true) {
                return Err(Error::usage(format!(
                    "{file}:{}: key '{key}': '{got}' but line 2 has '{want}'; \
                     a file must hold one shard of one sweep",
                    i + 2
                )));
            }
        }
        files.push((path.clone(), id, rows));
    }
    let Some((f0, id0, _)) = files.first().cloned() else {
        return Err(Error::usage(format!(
            "merge: no rows in {}; nothing to merge",
            inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let grid_points = id0.grid_points.unwrap_or(0);
    let mut by_k: BTreeMap<usize, PathBuf> = BTreeMap::new();
    let mut first_split: Option<(PathBuf, Shard)> = None;
    let mut by_point: BTreeMap<usize, Vec<Row>> = BTreeMap::new();
    for (path, id, rows) in files {
        let file = path.display().to_string();
        if let Some((key, want, got)) = clash(&id0, &id, false) {
            let why = match key {
                "spec_fingerprint" => " (the spec file differs: seed, rates, samples, widths...)",
                _ => "",
            };
            return Err(Error::usage(format!(
                "{file}: key '{key}': '{got}' but {} has '{want}'{why}; shards of different sweeps",
                f0.display()
            )));
        }
        let shard = Shard::parse(&id.shard).map_err(|_| {
            Error::usage(format!(
                "{file}:2: key 'shard': '{}' is not a shard; allowed: K/N",
                id.shard
            ))
        })?;
        match &first_split {
            None => first_split = Some((path.clone(), shard)),
            Some((p, s)) if s.n != shard.n => {
                return Err(Error::usage(format!(
                    "{file}: key 'shard': {shard} but {} is shard {s}; shards of different splits",
                    p.display()
                )));
            }
            Some(_) => {}
        }
        if let Some(other) = by_k.get(&shard.k) {
            return Err(Error::usage(format!(
                "merge: '{}' and '{file}' are both shard {shard}",
                other.display()
            )));
        }
        by_k.insert(shard.k, path.clone());
        let mut points: BTreeMap<usize, Vec<Row>> = BTreeMap::new();
        let nrows = rows.len();
        for (i, mut r) in rows.into_iter().enumerate() {
            if !shard.owns(r.point) || r.point >= grid_points {
                return Err(Error::usage(format!(
                    "{file}:{}: key 'point': point {} does not belong to shard {shard} of {grid_points} points",
                    i + 2,
                    r.point
                )));
            }
            r.shard = Shard::ALL.to_string();
            points.entry(r.point).or_default().push(r);
        }
        let owned = (0..grid_points).filter(|&p| shard.owns(p));
        let missing: Vec<usize> = owned.filter(|p| !points.contains_key(p)).collect();
        if !missing.is_empty() {
            return Err(Error::usage(format!(
                "{file}: key 'point': shard {shard} lacks {} of its points ({}); \
                 a truncated or edited file; run the shard again",
                missing.len(),
                preview(&missing)
            )));
        }
        summary.push(ShardFile {
            file: path.clone(),
            shard: shard.to_string(),
            points: points.len(),
            rows: nrows,
        });
        by_point.extend(points);
    }
    let n = first_split.map_or(1, |(_, s)| s.n);
    // Shards that own no point (K > grid size) have no rows to show.
    let absent: Vec<String> = (1..=n.min(grid_points))
        .filter(|k| !by_k.contains_key(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !absent.is_empty() {
        let given: Vec<String> = by_k
            .iter()
            .map(|(k, p)| format!("{} ({k}/{n})", p.display()))
            .collect();
        return Err(Error::usage(format!(
            "merge: shard {} missing; given: {}",
            absent.join(", "),
            given.join(", ")
        )));
    }
    let rows: Vec<Row> = by_point.into_values().flatten().collect();
    write_atomic(out, &to_bytes(&rows)?)?;
    Ok(MergeOutcome {
        spec: id0.spec,
        spec_fingerprint: id0.fingerprint,
        grid_points,
        shards: summary,
        rows: rows.len(),
        out: out.to_path_buf(),
    })
}

/// `3, 6, 9, ...` (at most five numbers).
fn preview(v: &[usize]) -> String {
    let mut s: Vec<String> = v.iter().take(5).map(ToString::to_string).collect();
    if v.len() > 5 {
        s.push("...".into());
    }
    s.join(", ")
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}
