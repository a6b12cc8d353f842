//! `sample`: Monte Carlo over timed schedules, the check on `analyze`.
//!
//! Each window costs O(1) (module `draw`): draw its length, the writer activity
//! it sees (a Poisson count, or a phase), and classify it with the same
//! rule `analyze` uses ([`crate::timing::TimedProtocol::classify`]).
//!
//! Reproducibility: the samples are cut into chunks of [`CHUNK`] windows;
//! chunk i draws from its own Xoshiro256++ seeded with
//! `mix(seed ^ mix(i))`, `mix` the SplitMix64 finaliser ([`chunk_seed`]),
//! never a shared generator, and the chunk tallies are reduced in chunk order. So a
//! seed gives identical results for any number of threads
//! (`RAYON_NUM_THREADS=1, 2, 8`). Runs in the current rayon pool.

mod ci;
mod draw;
mod poisson;
mod render;

pub use ci::{Z95, Z99, wilson};
pub use render::{to_json, to_text};

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::protocol::Protocol;
use crate::timing::{Outcome, TimedProtocol, Window, Writer};
use draw::Drawer;

/// Windows per seeded chunk. Part of the reproducibility contract: a
/// change alters every result for a given seed.
pub const CHUNK: u64 = 1 << 16;

/// One sampling run.
#[derive(Clone, Debug)]
pub struct SampleConfig {
    /// The protocol.
    pub protocol: Protocol,
    /// The writer.
    pub writer: Writer,
    /// The window distribution.
    pub window: Window,
    /// Number of windows, > 0.
    pub samples: u64,
    /// Base seed.
    pub seed: u64,
    /// What the explorer says of the protocol (SC), resolved by the caller
    /// (`explore::sc_facts`): the sampler never runs the explorer.
    pub sc: crate::explore::ScFacts,
}

/// Raw outcome counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// ACCEPT windows.
    pub accept: u64,
    /// FALSE POSITIVE windows.
    pub false_positive: u64,
    /// RETRY windows.
    pub retry: u64,
    /// ABORT windows.
    pub abort: u64,
}

impl Tally {
    fn add(&mut self, o: Outcome) {
        match o {
            Outcome::Accept => self.accept += 1,
            Outcome::FalsePositive => self.false_positive += 1,
            Outcome::Retry => self.retry += 1,
            Outcome::Abort => self.abort += 1,
        }
    }

    fn merge(self, o: Tally) -> Tally {
        Tally {
            accept: self.accept + o.accept,
            false_positive: self.false_positive + o.false_positive,
            retry: self.retry + o.retry,
            abort: self.abort + o.abort,
        }
    }

    /// Total windows.
    pub fn total(&self) -> u64 {
        self.accept + self.false_positive + self.retry + self.abort
    }
}

/// An estimated rate with its 95% Wilson interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// events / samples.
    pub rate: f64,
    /// Lower end of the 95% interval.
    pub ci_low: f64,
    /// Upper end of the 95% interval.
    pub ci_high: f64,
    /// Number of windows with this outcome.
    pub events: u64,
}

impl Estimate {
    /// Rate and Wilson interval at quantile `z` for `events` of `n`.
    pub fn new(events: u64, n: u64, z: f64) -> Estimate {
        let (ci_low, ci_high) = wilson(events, n, z);
        Estimate {
            rate: events as f64 / n as f64,
            ci_low,
            ci_high,
            events,
        }
    }
}

/// The result of a sampling run.
#[derive(Clone, Debug)]
pub struct SampleReport {
    /// The input.
    pub config: SampleConfig,
    /// Raw counts.
    pub tally: Tally,
    /// FALSE POSITIVE rate (95% Wilson).
    pub false_positive: Estimate,
    /// RETRY rate.
    pub retry: Estimate,
    /// ABORT rate.
    pub abort: Estimate,
    /// ACCEPT rate.
    pub accept: Estimate,
}

/// Chunk i's seed: SplitMix64's finaliser (Steele, Lea, Flood, "Fast
/// splittable pseudorandom number generators", OOPSLA 2014) over the base
/// seed and the chunk index, so neighbouring chunks get unrelated streams.
pub fn chunk_seed(seed: u64, chunk: u64) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    mix(seed ^ mix(chunk))
}

/// Count outcomes of `cfg.samples` windows in the current rayon pool;
/// `progress(windows)` is called after each chunk (from any thread).
pub fn tally(cfg: &SampleConfig, progress: &(dyn Fn(u64) + Sync)) -> Result<Tally> {
    if cfg.samples == 0 {
        return Err(Error::usage(
            "--samples: 0 is not allowed; allowed: an integer >= 1",
        ));
    }
    let drawer = Drawer::new(
        TimedProtocol::of(&cfg.protocol, cfg.sc.none_at_all)?,
        cfg.window.sampler()?,
        &cfg.writer,
    );
    let chunks = cfg.samples.div_ceil(CHUNK);
    let tallies: Vec<(Tally, u64)> = (0..chunks)
        .into_par_iter()
        .map(|i| {
            let n = CHUNK.min(cfg.samples - i * CHUNK);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(chunk_seed(cfg.seed, i));
            let mut t = Tally::default();
            let mut beyond = 0u64;
            for _ in 0..n {
                match drawer.draw(&mut rng) {
                    Some(o) => t.add(o),
                    None => beyond += 1,
                }
            }
            progress(n);
            (t, beyond)
        })
        .collect();
    let beyond: u64 = tallies.iter().map(|t| t.1).sum();
    if beyond > 0 {
        return Err(Error::usage(format!(
            "--hold: {beyond} of {} windows hold more than 2^52 lock attempts with the lock held \
             {:.4} of the time, past sample's exact range ((1 - h) sqrt(N) < 2^20); \
             allowed: rate x hold < 0.984 or shorter windows (analyze has no such limit)",
            cfg.samples,
            cfg.writer.held_fraction()
        )));
    }
    Ok(tallies
        .into_iter()
        .map(|t| t.0)
        .fold(Tally::default(), Tally::merge))
}

/// Sample and summarise with 95% Wilson intervals.
pub fn sample(cfg: &SampleConfig, progress: &(dyn Fn(u64) + Sync)) -> Result<SampleReport> {
    let t = tally(cfg, progress)?;
    let n = t.total();
    Ok(SampleReport {
        config: cfg.clone(),
        tally: t,
        false_positive: Estimate::new(t.false_positive, n, Z95),
        retry: Estimate::new(t.retry, n, Z95),
        abort: Estimate::new(t.abort, n, Z95),
        accept: Estimate::new(t.accept, n, Z95),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timing::Process;

    fn cfg(samples: u64, seed: u64) -> SampleConfig {
        let protocol = crate::protocol::catalog::protocol("plain", &[("W", "8")]).unwrap();
        SampleConfig {
            sc: crate::explore::sc_facts(&protocol).unwrap(),
            protocol,
            writer: Writer::new(1e6, Process::Poisson, 0.0).unwrap(),
            window: Window::Fixed { len: 128e-6 },
            samples,
            seed,
        }
    }

    #[test]
    fn zero_samples_is_a_usage_error() {
        let e = tally(&cfg(0, 1), &|_| {}).unwrap_err();
        assert!(matches!(e, Error::Usage(_)));
        assert!(e.to_string().starts_with("--samples"));
    }

    #[test]
    fn same_seed_same_tally_in_any_pool() {
        let c = cfg(3 * CHUNK + 17, 42);
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| tally(&c, &|_| {}).unwrap())
        };
        let one = run(1);
        assert_eq!(one.total(), 3 * CHUNK + 17);
        assert_eq!(one, run(2));
        assert_eq!(one, run(5));
        assert_ne!(one, tally(&cfg(3 * CHUNK + 17, 43), &|_| {}).unwrap());
    }
}
