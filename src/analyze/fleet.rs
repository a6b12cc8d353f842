//! Fleet risk: how many false positives a fleet of machines sees over its
//! lifetime, and the chance of at least one.

use super::logprob::LogProb;
use crate::timing::{Parsed, YEAR_S};

/// What `--fleet` accepts.
pub const FLEET_ALLOWED: &str =
    "MACHINES,SPECULATIONS_PER_S,YEARS, three numbers > 0 (e.g. 1e6,1000,5)";

/// A fleet: machines, speculations per second per machine, years of life.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fleet {
    /// Number of machines.
    pub machines: f64,
    /// Speculations per second on one machine.
    pub speculations_per_s: f64,
    /// Lifetime in Julian years.
    pub years: f64,
}

impl Fleet {
    /// Parse `MACHINES,SPECULATIONS_PER_S,YEARS` (the `--fleet` flag,
    /// a spec's `fleet` key).
    pub fn parse(text: &str) -> Parsed<Fleet> {
        let bad = || format!("'{}' is not a fleet; allowed: {FLEET_ALLOWED}", text.trim());
        let v: Vec<f64> = text
            .split(',')
            .map(|s| s.trim().parse::<f64>().map_err(|_| bad()))
            .collect::<Parsed<_>>()?;
        if v.len() != 3 || v.iter().any(|x| !(x.is_finite() && *x > 0.0)) {
            return Err(bad());
        }
        if !(v[0] * v[1] * v[2] * YEAR_S).is_finite() {
            return Err(bad());
        }
        Ok(Fleet {
            machines: v[0],
            speculations_per_s: v[1],
            years: v[2],
        })
    }

    /// Speculations over the fleet's lifetime.
    pub fn speculations(&self) -> f64 {
        self.machines * self.speculations_per_s * self.years * YEAR_S
    }

    /// Risk at a per-speculation false-positive probability `p`, speculations
    /// independent: expected count `S p` and `P(>= 1) = 1 - (1-p)^S`.
    pub fn risk(&self, p: LogProb) -> FleetRisk {
        let s = self.speculations();
        let expected = LogProb::from_ln(s.ln() + p.ln());
        let p_any = if p.is_zero() {
            LogProb::ZERO
        } else if expected.ln() < -30.0 {
            // 1 - (1-p)^S = S p (1 + O(S p)); S p < 1e-13.
            expected
        } else {
            // p > e^-30 here (S < 1e30), so ln(1-p) is an ordinary f64.
            LogProb::from_ln((-(s * (-p.to_f64()).ln_1p()).exp_m1()).ln())
        };
        FleetRisk {
            fleet: *self,
            speculations: s,
            expected,
            p_any,
        }
    }
}

/// A fleet's lifetime risk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FleetRisk {
    /// The fleet.
    pub fleet: Fleet,
    /// Speculations over its lifetime.
    pub speculations: f64,
    /// Expected false positives over the lifetime (may exceed 1).
    pub expected: LogProb,
    /// Probability of at least one false positive.
    pub p_any: LogProb,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_is_binomial() {
        let f = Fleet::parse("10,100,1").unwrap();
        let s = f.speculations();
        assert_eq!(s, 1000.0 * YEAR_S);
        let p = 1e-9;
        let r = f.risk(LogProb::from_f64(p));
        assert!((r.expected.to_f64() - s * p).abs() < 1e-9 * s * p);
        let want = 1.0 - (1.0 - p).powf(s);
        assert!(
            (r.p_any.to_f64() - want).abs() < 1e-9,
            "{} {want}",
            r.p_any.to_f64()
        );
        let tiny = f.risk(LogProb::from_ln(-1e6));
        assert_eq!(tiny.p_any, tiny.expected);
        assert!(tiny.p_any.ln() < -9e5);
    }

    #[test]
    fn bad_fleets_say_what_is_allowed() {
        for bad in [
            "1,2",
            "1,2,3,4",
            "0,1,1",
            "1,-1,1",
            "a,b,c",
            "1,1,inf",
            "1e300,1e300,1",
        ] {
            let e = Fleet::parse(bad).unwrap_err();
            assert!(e.contains("allowed: MACHINES,"), "{bad}: {e}");
        }
    }
}
