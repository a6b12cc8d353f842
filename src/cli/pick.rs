//! `seqwrap pick`: recommend a counter width and protocol for a threat model.

use std::io::Write;

use seqwrap::analyze::Fleet;
use seqwrap::pick::{PickRequest, StallBound, Threat, pick};
use seqwrap::stress::resolve_rate;
use seqwrap::timing::{FlagExt, Window, parse_positive_time, parse_rate};

/// Shown by `seqwrap pick --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap pick --adversarial --rate 1e9
  seqwrap pick --adversarial --rate measured:kernel --stall machine
  seqwrap pick --adversarial --rate 7.4e6 --stall 35s
  seqwrap pick --window fixed:10min --rate 9.7e6
  seqwrap pick --window lognormal:2us,1ms --rate 1e7 --target 1e-9
  seqwrap pick --window exp:1ms --rate 187ns --fleet 1e6,1e3,10 \\
      --target 1e-3 --json
  seqwrap pick --adversarial --rate 1e9 --protocol my-seqcount.toml \\
      --param W=32";

/// Arguments of `seqwrap pick`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("threat").required(true).args(["adversarial", "window"])))]
pub struct PickArgs {
    /// A reader can be held inside its speculation as long as the threat
    /// model allows (--stall, else the machine's uptime): the counter must
    /// not come back within rate x that long.
    #[arg(long)]
    pub adversarial: bool,
    /// Accidental risk with speculation windows from this distribution
    /// (fixed:T, exp:MEAN, lognormal:MEDIAN,P99, pareto:XMIN,ALPHA, hist:FILE).
    /// A fixed window is read with a jittered writer (--jitter).
    #[arg(long, value_name = "D")]
    pub window: Option<String>,
    /// Writer (write-lock) cycles per second, a cycle time (187ns), or
    /// measured:kernel / measured:stress.
    #[arg(long, value_name = "R")]
    pub rate: String,
    /// --adversarial: the longest time a reader can be held inside one
    /// speculation (a time: 35s), or `machine` for this machine's bound
    /// (the RCU stall timeout when it panics on a stall, else none)
    /// [default: unbounded, so the uptime].
    #[arg(long, value_name = "T|machine")]
    pub stall: Option<String>,
    /// --adversarial: the machine's uptime, the horizon when no stall bound
    /// applies [default: the fleet's years with --fleet, else 10y].
    #[arg(long, value_name = "T")]
    pub uptime: Option<String>,
    /// --window with a fixed window: the writer rate's p99 over its median
    /// (a lognormal factor per speculation) [default: 1.5].
    #[arg(long, value_name = "F")]
    pub jitter: Option<String>,
    /// MACHINES,SPECULATIONS_PER_S,YEARS.
    #[arg(long, value_name = "M,S,Y")]
    pub fleet: Option<String>,
    /// Target probability for --window: per speculation, or of at least one
    /// false positive over the fleet's lifetime with --fleet [default: 1e-6].
    #[arg(long, value_name = "P")]
    pub target: Option<String>,
    /// --adversarial for a reader site (a built-in name or a site file):
    /// the horizon is what the holds that apply to it allow (unbounded if
    /// any is), and its protocol is judged beside the recommendation.
    #[arg(long, value_name = "NAME|FILE", conflicts_with_all = ["window", "stall"])]
    pub site: Option<String>,
    /// With --site: the preemption model (none, voluntary, full, lazy, rt)
    /// [default: this machine's].
    #[arg(long, value_name = "MODEL", requires = "site")]
    pub preempt: Option<String>,
    /// With --site: the attacker's privilege (none, user-namespace,
    /// cap-sys-nice, cap-sys-ptrace, root, host) [default: none].
    #[arg(long, value_name = "P", requires = "site", default_value = "none")]
    pub privilege: String,
    /// A protocol to judge against the same threat, beside the
    /// recommendation (a catalog protocol or a protocol file).
    #[command(flatten)]
    pub protocol: super::protocol_flags::ProtocolFlags,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn usage(msg: String) -> seqwrap::Error {
    seqwrap::Error::usage(msg)
}

/// Pick.
pub fn run(args: &PickArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let adversarial = args.window.is_none();
    for (flag, given, applies) in [
        ("--stall", args.stall.is_some(), adversarial),
        ("--uptime", args.uptime.is_some(), adversarial),
        ("--jitter", args.jitter.is_some(), !adversarial),
    ] {
        if given && !applies {
            let with = if adversarial {
                "--window"
            } else {
                "--adversarial"
            };
            return Err(usage(format!("{flag} applies only with {with}")).into());
        }
    }
    let threat = match &args.window {
        Some(w) => Threat::Window(w.clone(), Window::parse(w).flag("--window")?),
        None => Threat::Adversarial,
    };
    let fleet = args
        .fleet
        .as_deref()
        .map(|f| Fleet::parse(f).flag("--fleet"))
        .transpose()?;
    let target = match &args.target {
        None => None,
        Some(t) => Some(
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|p| *p > 0.0 && *p < 1.0)
                .ok_or_else(|| {
                    usage(format!(
                        "--target: '{t}' is not a probability; allowed: a number in (0, 1)"
                    ))
                })?,
        ),
    };
    let uptime_s = args
        .uptime
        .as_deref()
        .map(|u| parse_positive_time(u).flag("--uptime"))
        .transpose()?;
    let jitter_p99 = match &args.jitter {
        None => seqwrap::pick::JITTER_P99,
        Some(j) => j
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 1.0 && *v <= 1e6)
            .ok_or_else(|| {
                usage(format!(
                    "--jitter: '{j}' is not a factor; allowed: a number > 1 (1.5: the rate's p99 \
                     is 1.5 times its median)"
                ))
            })?,
    };
    let mut site_line = None;
    let mut site_protocol = None;
    if let Some(name) = &args.site {
        use seqwrap::site::hold::{PREEMPTS, PRIVILEGES};
        let site = seqwrap::site::site(name)?;
        let holds = seqwrap::site::hold::holds()?;
        let model = match &args.preempt {
            Some(m) => seqwrap::site::file::lookup("--preempt", m, PREEMPTS).map_err(usage)?,
            None => seqwrap::site::machine::Reading::read()
                .preempt
                .ok_or_else(|| {
                    usage(
                        "--site: this machine's preemption model could not be read; give --preempt"
                            .into(),
                    )
                })?,
        };
        let privilege = seqwrap::site::file::lookup("--privilege", &args.privilege, PRIVILEGES)
            .map_err(usage)?;
        if site.wrap_gives == seqwrap::site::WrapGives::SlowPath {
            let line = format!(
                "site {} ({}()): a counter come back gives only a needless slow path \
                 there, never a false positive: no width is needed for safety.",
                site.name, site.function
            );
            if args.json {
                super::print_json(
                    out,
                    "pick",
                    serde_json::json!({"site": line, "verdict": "safe-slow-path"}),
                )?;
            } else {
                write!(out, "{}", seqwrap::text::table::wrap(&line))?;
            }
            return Ok(());
        }
        let apply = seqwrap::site::audit::applicable(&site, model, privilege, &holds);
        let unbounded: Vec<&str> = apply
            .iter()
            .filter(|h| h.bound.is_none())
            .map(|h| h.name.as_str())
            .collect();
        let bounded = apply
            .iter()
            .filter_map(|h| h.bound.as_ref().map(|b| (b.seconds, h.name.as_str())))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let (stall, what) = if !unbounded.is_empty() {
            (
                StallBound::Unbounded,
                format!("unbounded ({})", unbounded.join(", ")),
            )
        } else if let Some((secs, h)) = bounded {
            (
                StallBound::At {
                    seconds: secs,
                    why: format!("{h}, the longest hold of site {}", site.name),
                },
                format!("at most {} ({h})", seqwrap::timing::human_duration(secs)),
            )
        } else {
            return Err(usage(format!(
                "--site {}: no known hold keeps this reader in its window under {} at \
                 privilege {}; there is no adversarial horizon to pick for",
                site.name,
                model.name(),
                privilege.name()
            ))
            .into());
        };
        site_line = Some(format!(
            "site {} ({}()), preemption {}, privilege {}: the hold is {what}",
            site.name,
            site.function,
            model.name(),
            privilege.name()
        ));
        site_protocol = Some((site.protocol()?, stall));
    }
    let stall = match args.stall.as_deref().map(str::trim) {
        _ if site_protocol.is_some() => {
            site_protocol.as_ref().map(|(_, s)| s.clone()).expect("set")
        }
        None => StallBound::Unbounded,
        Some("machine") => StallBound::of_machine(&seqwrap::stall::MachineModel::read()),
        Some(t) => StallBound::At {
            seconds: parse_positive_time(t).flag("--stall")?,
            why: "--stall".into(),
        },
    };
    let sa = &args.protocol;
    let asked = sa.protocol.is_some()
        || !sa.params.is_empty()
        || [
            &sa.bits,
            &sa.hi,
            &sa.lo,
            &sa.read,
            &sa.write_order,
            &sa.epoch_bits,
            &sa.max_window_cycles,
        ]
        .iter()
        .any(|f| f.is_some());
    if asked && site_protocol.is_some() {
        return Err(usage(
            "--site judges the site's own protocol; allowed: --site or --protocol, \
             not both"
                .into(),
        )
        .into());
    }
    let yours = match site_protocol {
        Some((s, _)) => Some(s),
        None => asked.then(|| sa.spec()).transpose()?,
    };
    let (rate, rate_words) = resolve_rate(parse_rate(&args.rate).flag("--rate")?)?;
    let answer = pick(&PickRequest {
        threat,
        rate,
        rate_words,
        fleet,
        target,
        stall,
        uptime_s,
        jitter_p99,
        yours,
    })?;
    if args.json {
        let mut v = json(&answer)?;
        if let Some(l) = &site_line {
            v["site"] = serde_json::Value::from(l.clone());
        }
        super::print_json(out, "pick", v)?;
    } else {
        if let Some(l) = &site_line {
            write!(out, "{}", seqwrap::text::table::wrap(l))?;
        }
        match answer.bits_needed {
            Some(b) => writeln!(out, "pick: {} ({b} bits needed)\n", answer.kernel_type)?,
            None => writeln!(out, "pick: {}\n", answer.kernel_type)?,
        }
        write!(out, "{}", answer.explanation)?;
    }
    Ok(())
}

/// The answer in the shared JSON style: the protocol as `protocol` (name) and
/// `params` like every other command (from the answer's typed
/// `protocol_name` and `protocol_params`; its one-string `protocol`, `plain
/// W=64`, is for reading), the compared values as numbers with `*_exact`
/// strings.
fn json(a: &seqwrap::pick::PickAnswer) -> anyhow::Result<serde_json::Value> {
    let mut v = seqwrap::text::json::value(a)?;
    let params: serde_json::Map<String, serde_json::Value> = a
        .protocol_params
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        .collect();
    v["protocol"] = serde_json::Value::from(a.protocol_name.as_str());
    v["params"] = serde_json::Value::Object(params);
    seqwrap::text::json::promote_exact(
        &mut v,
        &["value_at_bits", "value_at_bits_minus_1", "p_32", "p_64"],
    );
    if let Some(opts) = v.get_mut("options").and_then(|o| o.as_array_mut()) {
        opts.iter_mut().for_each(promote_option);
    }
    if let Some(y) = v.get_mut("yours").filter(|y| y.is_object()) {
        seqwrap::text::json::promote_exact(y, &["p"]);
        if let Some(o) = y.get_mut("option") {
            promote_option(o);
        }
    }
    Ok(v)
}

/// An option's cycle counts (decimal strings, 2^63 among them) as numbers
/// with `*_exact` beside them, overall and per model.
fn promote_option(o: &mut serde_json::Value) {
    seqwrap::text::json::promote_exact(o, &["min_cycles"]);
    if let Some(per) = o.get_mut("per_model").and_then(|p| p.as_array_mut()) {
        for m in per {
            seqwrap::text::json::promote_exact(m, &["min_cycles"]);
        }
    }
}
