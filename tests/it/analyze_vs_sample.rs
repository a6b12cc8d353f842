//! Cross-checks of the two timed engines (DESIGN §6).
//!
//! `analyze` integrates the model exactly; `sample` simulates it. For every
//! protocol at W <= 10, both writer processes, with and without a hold, and
//! several window distributions chosen so that false positives are common
//! (the counter's period is 128 cycles and windows hold ~128 cycles), each
//! of the four exact outcome probabilities must lie in sample's interval.
//!
//! Multiple comparisons: there are a few hundred intervals here, so a plain
//! 99% interval would miss by chance in a few of them. We use 99% for the
//! whole family (Bonferroni: each interval at 1 - 0.01/checks), and also
//! require that no more than the expected handful fall outside the plain
//! 99% interval.

use seqwrap::explore::sc_facts;
use std::io::Write;

use seqwrap::analyze::{AnalyzeConfig, analyze, probabilities};
use seqwrap::protocol::{Protocol, ProtocolRef, ProtocolRequest};
use seqwrap::sample::{SampleConfig, Z99, tally, wilson};
use seqwrap::timing::{Process, Window, Writer};

/// A protocol as the old flags name it (`protocol`, `bits`, `hi`, ...).
fn protocol(args: &[(&str, &str)]) -> Protocol {
    let mut r = ProtocolRequest::default();
    for (k, v) in args {
        if *k == "protocol" {
            r.protocol = Some(ProtocolRef::Catalog(v.to_string()));
        } else {
            r.set_legacy(k, v).unwrap();
        }
    }
    r.resolve().unwrap()
}

/// Standard normal quantile by bisection on erfc (statrs), for Bonferroni.
fn z_for(two_sided_alpha: f64) -> f64 {
    let tail = |z: f64| 0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2);
    let (mut lo, mut hi) = (0.0, 40.0);
    for _ in 0..200 {
        let m = 0.5 * (lo + hi);
        if 2.0 * tail(m) > two_sided_alpha {
            lo = m
        } else {
            hi = m
        }
    }
    0.5 * (lo + hi)
}

#[test]
fn exact_probabilities_lie_in_sample_intervals() {
    const RATE: f64 = 1e6; // 1 cycle = 1 us, so windows below are in cycles
    const SAMPLES: u64 = 150_000;
    let mut hist = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        hist,
        "length,weight\n40us,1\n127.5us,2\n256.3us,1\n390us,0.5"
    )
    .unwrap();
    let hist_w = Window::parse(&format!("hist:{}", hist.path().display())).unwrap();
    let windows_all = vec![
        Window::parse("fixed:127.6us").unwrap(),
        Window::parse("exp:128us").unwrap(),
        Window::parse("lognormal:100us,400us").unwrap(),
        Window::parse("pareto:60us,1.5").unwrap(),
        hist_w,
    ];
    let windows_few = vec![windows_all[1].clone(), windows_all[2].clone()];
    let plain = protocol(&[("protocol", "plain"), ("bits", "8")]);
    let others = [
        protocol(&[
            ("protocol", "split"),
            ("hi", "4"),
            ("lo", "4"),
            ("read", "naive"),
        ]),
        protocol(&[
            ("protocol", "split"),
            ("hi", "3"),
            ("lo", "5"),
            ("read", "hi-lo-hi"),
        ]),
        protocol(&[("protocol", "epoch"), ("bits", "6"), ("epoch-bits", "2")]),
        protocol(&[("protocol", "guard"), ("bits", "8")]),
        protocol(&[
            ("protocol", "bounded"),
            ("bits", "8"),
            ("max-window-cycles", "200"),
        ]),
        protocol(&[
            ("protocol", "bounded"),
            ("bits", "8"),
            ("max-window-cycles", "100"),
        ]),
        protocol(&[("protocol", "plain"), ("bits", "10")]),
        // T cuts through the bulk of the counts (period 8, ~128 cycles)
        protocol(&[
            ("protocol", "bounded"),
            ("bits", "4"),
            ("max-window-cycles", "100"),
        ]),
    ];
    let mut cases = Vec::new();
    for (s, ws) in
        std::iter::once((&plain, &windows_all)).chain(others.iter().map(|s| (s, &windows_few)))
    {
        for process in [Process::Fixed, Process::Poisson] {
            for hold in [0.0, 0.2e-6] {
                for w in ws.iter() {
                    cases.push((
                        s.clone(),
                        Writer::new(RATE, process, hold).unwrap(),
                        w.clone(),
                    ));
                }
            }
        }
    }
    let checks = cases.len() * 4;
    let z_family = z_for(0.01 / checks as f64);
    let mut outside_99 = 0;
    for (i, (s, writer, w)) in cases.iter().enumerate() {
        let sc = sc_facts(s).unwrap();
        let exact = probabilities(s, &sc, writer, w).unwrap();
        let sum: f64 = [exact.false_positive, exact.retry, exact.abort, exact.accept]
            .iter()
            .map(|p| p.to_f64())
            .sum();
        assert!(
            (sum - 1.0).abs() < 1e-6,
            "{s} {writer} {w}: probabilities sum to {sum}"
        );
        let cfg = SampleConfig {
            protocol: s.clone(),
            writer: *writer,
            window: w.clone(),
            samples: SAMPLES,
            seed: 1000 + i as u64,
            sc,
        };
        let t = tally(&cfg, &|_| {}).unwrap();
        for (name, p, events) in [
            ("false positive", exact.false_positive, t.false_positive),
            ("retry", exact.retry, t.retry),
            ("abort", exact.abort, t.abort),
            ("accept", exact.accept, t.accept),
        ] {
            let p = p.to_f64();
            // 1e-9: quadrature error, far below the intervals' widths.
            let (lo, hi) = wilson(events, SAMPLES, z_family);
            assert!(
                lo - 1e-9 <= p && p <= hi + 1e-9,
                "{s} | {writer} | {w}: {name} exact {p:.6e} outside [{lo:.6e}, {hi:.6e}] ({events}/{SAMPLES})"
            );
            let (lo99, hi99) = wilson(events, SAMPLES, Z99);
            if !(lo99 - 1e-9 <= p && p <= hi99 + 1e-9) {
                outside_99 += 1;
            }
        }
        if exact.false_positive_zero_reason.is_some() {
            assert_eq!(t.false_positive, 0, "{s}: impossible, yet sampled");
        }
    }
    // Expected outside the plain 99% interval: 1% of checks (some exact
    // probabilities are 0 and can never be outside). Allow 3x + 3.
    assert!(
        outside_99 <= checks * 3 / 100 + 3,
        "{outside_99} of {checks} outside 99%"
    );
}

/// analyze's min_cycles is the closed form for every protocol and width,
/// time_to_fp_s is min_cycles / rate, and the four probabilities of a u64
/// or W=2 point still sum to 1 (no under/overflow anywhere).
#[test]
fn min_cycles_and_probabilities_for_every_protocol_and_width() {
    let writer = Writer::new(5.35e6, Process::Poisson, 0.0).unwrap();
    let window = Window::parse("lognormal:2us,1ms").unwrap();
    for w in 2..=64u32 {
        let b = w.to_string();
        let mut specs = vec![
            protocol(&[("protocol", "plain"), ("bits", &b)]),
            protocol(&[("protocol", "guard"), ("bits", &b)]),
            protocol(&[
                ("protocol", "bounded"),
                ("bits", &b),
                ("max-window-cycles", "1000"),
            ]),
        ];
        if w >= 3 {
            let e = (w / 3).to_string();
            let s = (w - w / 3).to_string();
            specs.push(protocol(&[
                ("protocol", "epoch"),
                ("bits", &s),
                ("epoch-bits", &e),
            ]));
            specs.push(protocol(&[
                ("protocol", "split"),
                ("hi", &e),
                ("lo", &s),
                ("read", "naive"),
            ]));
            specs.push(protocol(&[
                ("protocol", "split"),
                ("hi", &e),
                ("lo", &s),
                ("read", "hi-lo-hi"),
            ]));
        }
        for s in specs {
            let r = analyze(&AnalyzeConfig {
                sc: sc_facts(&s).unwrap(),
                protocol: s.clone(),
                writer,
                window: if w % 8 == 0 || w < 5 {
                    Some(window.clone())
                } else {
                    None
                },
                fleet: None,
            })
            .unwrap();
            let closed = s
                .expected_min_cycles("sc")
                .unwrap()
                .expect("catalog entries state sc");
            assert_eq!(r.min_cycles, closed, "{s}");
            match &r.min_cycles {
                Some(m) => {
                    let t = r.time_to_fp_s.unwrap();
                    let want = m.to_string().parse::<f64>().unwrap() / 5.35e6;
                    assert!((t - want).abs() <= 1e-15 * want, "{s}");
                }
                None => assert!(r.time_to_fp_s.is_none()),
            }
            if let Some(p) = &r.probabilities {
                let sum: f64 = [p.false_positive, p.retry, p.abort, p.accept]
                    .iter()
                    .map(|x| x.to_f64())
                    .sum();
                assert!((sum - 1.0).abs() < 1e-6, "{s}: {sum}");
                assert!(!p.false_positive.ln().is_nan(), "{s}");
                if p.false_positive_zero_reason.is_none() {
                    assert!(!p.false_positive.is_zero(), "{s}: 0 without a reason");
                }
            }
        }
    }
}

/// Past 2^53 cycles in one window: at 1e15..1e20 cycles/s a
/// 1 s window holds more cycles than an f64 counts, and the residue modulo
/// the period decides a false positive. sample's counts are exact
/// integers, so analyze's probability must lie in its interval: Poisson
/// and fixed writers, a fixed window (exactly 1/P for Poisson), one with a
/// fraction of a cycle left over (the fixed writer's tent: a Bernoulli of
/// the phase), and exponential windows (1/P by the geometric closed form).
/// Intervals are Wilson at a family-wise 99% (Bonferroni over the checks).
#[test]
fn sample_interval_contains_analyze_past_2_to_the_53_cycles() {
    const SAMPLES: u64 = 200_000;
    let windows = [
        Window::Fixed { len: 1.0 },
        Window::Fixed {
            len: 1.000_000_000_123_4,
        },
        Window::Exp { mean: 1.0 },
    ];
    let mut cases = Vec::new();
    for bits in [2u32, 8] {
        for rate in [1e15, 1e16, 1e17, 1e18, 1e19, 1e20] {
            for process in [Process::Poisson, Process::Fixed] {
                for w in &windows {
                    cases.push((bits, Writer::new(rate, process, 0.0).unwrap(), w.clone()));
                }
            }
        }
    }
    let z = z_for(0.01 / cases.len() as f64);
    let mut nontrivial = 0;
    for (i, (bits, writer, w)) in cases.iter().enumerate() {
        let s = protocol(&[("protocol", "plain"), ("bits", &bits.to_string())]);
        let sc = sc_facts(&s).unwrap();
        let exact = probabilities(&s, &sc, writer, w)
            .unwrap()
            .false_positive
            .to_f64();
        let t = tally(
            &SampleConfig {
                protocol: s,
                writer: *writer,
                window: w.clone(),
                samples: SAMPLES,
                seed: 77 + i as u64,
                sc,
            },
            &|_| {},
        )
        .unwrap();
        let (lo, hi) = wilson(t.false_positive, SAMPLES, z);
        assert!(
            lo - 1e-9 <= exact && exact <= hi + 1e-9,
            "plain {bits} | {writer} | {w}: analyze {exact:.6e} outside sample's \
             [{lo:.6e}, {hi:.6e}] ({} of {SAMPLES})",
            t.false_positive
        );
        if exact > 1e-3 && exact < 0.999 {
            nontrivial += 1;
        }
    }
    // Most cases are neither 0 nor 1, so the intervals are a real test.
    assert!(nontrivial >= cases.len() / 2, "{nontrivial}");
}
