//! `--shard auto`: the shard a batch system's array task should run.
//!
//! - Slurm job arrays: `SLURM_ARRAY_TASK_ID`, with `SLURM_ARRAY_TASK_MIN`,
//!   `SLURM_ARRAY_TASK_STEP` (1 if unset) and `SLURM_ARRAY_TASK_COUNT`:
//!   K = (ID - MIN) / STEP + 1, N = COUNT. The array must be a range
//!   (`--array=1-8` or `0-7`, any step); a list like `1,3,7` is refused,
//!   since its task numbers do not map onto 1..=N.
//! - Kubernetes indexed Jobs: `JOB_COMPLETION_INDEX` (0-based) gives K - 1.
//!   Kubernetes does not export the Job's `completions` to the pod, so N
//!   comes from `SEQWRAP_SHARD_COUNT`, set in the pod template to the same
//!   number as `completions`.
//!
//! Slurm wins when both are set.

use crate::error::{Error, Result};
use crate::sweep::grid::Shard;

/// The variable Kubernetes users set to the Job's `completions`.
pub const SHARD_COUNT_VAR: &str = "SEQWRAP_SHARD_COUNT";

/// The shard of this array task, from the environment `get` reads.
pub fn shard_from_env(get: impl Fn(&str) -> Option<String>) -> Result<Shard> {
    let num = |var: &str| -> Result<Option<u64>> {
        match get(var) {
            None => Ok(None),
            Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                Error::usage(format!(
                    "--shard auto: {var}='{v}' is not a number; allowed: an integer >= 0"
                ))
            }),
        }
    };
    let need = |var: &str, v: Option<u64>| -> Result<u64> {
        v.ok_or_else(|| Error::usage(format!("--shard auto: {var} is not set")))
    };
    if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
        let min = need("SLURM_ARRAY_TASK_MIN", num("SLURM_ARRAY_TASK_MIN")?)?;
        let count = need("SLURM_ARRAY_TASK_COUNT", num("SLURM_ARRAY_TASK_COUNT")?)?;
        let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let max = num("SLURM_ARRAY_TASK_MAX")?;
        let range = max.is_none_or(|max| max >= min && (max - min) / step + 1 == count);
        if id < min || (id - min) % step != 0 || !range || count == 0 {
            return Err(Error::usage(format!(
                "--shard auto: Slurm task {id} of an array that is not a range \
                 (min {min}, step {step}, count {count}); allowed: --array=A-B[:S]"
            )));
        }
        let k = (id - min) / step + 1;
        return shard(k, count, "SLURM_ARRAY_TASK_COUNT");
    }
    if let Some(index) = num("JOB_COMPLETION_INDEX")? {
        let count = num(SHARD_COUNT_VAR)?.ok_or_else(|| {
            Error::usage(format!(
                "--shard auto: JOB_COMPLETION_INDEX is set but {SHARD_COUNT_VAR} is not; \
                 set it to the Job's completions"
            ))
        })?;
        return shard(index + 1, count, SHARD_COUNT_VAR);
    }
    Err(Error::usage(
        "--shard auto: not in a batch array; allowed: a Slurm array task \
         (SLURM_ARRAY_TASK_ID) or a Kubernetes indexed Job (JOB_COMPLETION_INDEX \
         with SEQWRAP_SHARD_COUNT), or --shard K/N",
    ))
}

fn shard(k: u64, n: u64, count_var: &str) -> Result<Shard> {
    if k == 0 || k > n {
        return Err(Error::usage(format!(
            "--shard auto: task {k} of {n} ({count_var}); allowed: 1 <= K <= N"
        )));
    }
    Ok(Shard {
        k: k as usize,
        n: n as usize,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn slurm_ranges_map_onto_1_to_n() {
        let s = |id: &str, min: &str, step: &str, count: &str, max: &str| {
            shard_from_env(env(&[
                ("SLURM_ARRAY_TASK_ID", id),
                ("SLURM_ARRAY_TASK_MIN", min),
                ("SLURM_ARRAY_TASK_STEP", step),
                ("SLURM_ARRAY_TASK_COUNT", count),
                ("SLURM_ARRAY_TASK_MAX", max),
            ]))
        };
        assert_eq!(s("0", "0", "1", "3", "2").unwrap(), Shard { k: 1, n: 3 });
        assert_eq!(s("3", "1", "1", "3", "3").unwrap(), Shard { k: 3, n: 3 });
        assert_eq!(s("14", "10", "2", "4", "16").unwrap(), Shard { k: 3, n: 4 });
        // A list (1,3,7): count 3 but max 7.
        assert!(s("3", "1", "1", "3", "7").is_err());
        assert!(s("x", "1", "1", "3", "3").is_err());
    }

    #[test]
    fn kubernetes_needs_the_count() {
        let k = shard_from_env(env(&[
            ("JOB_COMPLETION_INDEX", "2"),
            (SHARD_COUNT_VAR, "3"),
        ]));
        assert_eq!(k.unwrap(), Shard { k: 3, n: 3 });
        let e = shard_from_env(env(&[("JOB_COMPLETION_INDEX", "2")])).unwrap_err();
        assert!(e.to_string().contains(SHARD_COUNT_VAR));
        let e = shard_from_env(env(&[
            ("JOB_COMPLETION_INDEX", "3"),
            (SHARD_COUNT_VAR, "3"),
        ]));
        assert!(e.is_err());
        assert!(shard_from_env(env(&[])).is_err());
    }
}
