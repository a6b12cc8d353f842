//! `seqwrap audit`: the answer per reader site — for each preemption model
//! and privilege, the holds that keep the reader in its window (bounded or
//! not), the wrap time at the writer's rate, the ordering under sc, tso and
//! lkmm, and the verdict.

use std::io::Write;

use seqwrap::site::audit::{self, SiteAnswer, SiteRates, SiteVerdict};
use seqwrap::site::hold::{self, PREEMPTS, PRIVILEGES, PreemptModel};
use seqwrap::site::machine::Reading;
use seqwrap::site::{self as sites, WriterOp};
use seqwrap::stress::RateKind;
use seqwrap::stress::resolve_rate;
use seqwrap::text::table::hang;
use seqwrap::timing::{FlagExt, RateSpec, human_duration, parse_rate};

/// Shown by `seqwrap audit --help`.
pub const EXAMPLES: &str = "\
Examples:
  seqwrap audit --rate 7e6
  seqwrap audit --site shstk-sigreturn --rate measured:kernel
  seqwrap audit --rate 1e7 --preempt none,full --privilege none
  seqwrap audit --rate 1e7 --json | jq '.sites[].rows[0].verdict'
  seqwrap audit --rate 1e7 --csv data/audit.csv";

/// Arguments of `seqwrap audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Sites to judge: built-in names or site files (default: every
    /// built-in site).
    #[arg(long, value_name = "NAME|FILE")]
    pub site: Vec<String>,
    /// The attacker's write-lock rate: cycles/s or one cycle's time (used
    /// for every hold), or measured:kernel[:OP] (this machine, measured
    /// with every CPU and with one fewer: each hold is judged at the rate
    /// of the CPUs it leaves), or measured:kernel:OP:THREADS.
    #[arg(long, default_value = "measured:kernel")]
    pub rate: String,
    /// Preemption models, comma-separated (none, voluntary, full, lazy, rt).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "none,voluntary,full,lazy,rt"
    )]
    pub preempt: Vec<String>,
    /// Privileges, comma-separated, least first (none, user-namespace,
    /// cap-sys-nice, cap-sys-ptrace, root, host).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "none,user-namespace,cap-sys-nice,cap-sys-ptrace,root,host"
    )]
    pub privilege: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write every row as CSV to this file.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<std::path::PathBuf>,
    /// Leave out this machine's reading (which sites its kernel has, which
    /// holds it allows whom).
    #[arg(long)]
    pub no_machine: bool,
}

fn reading_text(r: &Reading) -> String {
    let mut facts = vec![format!(
        "preemption {} [{}]",
        r.preempt.map_or("unknown", |p| p.name()),
        r.preempt_source
    )];
    facts.push(format!(
        "hypervisor {}",
        match r.virtualised {
            Some(true) => "yes (vcpu-preemption applies)",
            Some(false) => "no",
            None => "unknown",
        }
    ));
    for f in &r.facts {
        facts.push(match &f.value {
            Some(v) => format!("{} = {v}", f.name),
            None => format!("{} unknown ({})", f.name, f.source),
        });
    }
    hang("", &format!("This machine: {}.", facts.join("; ")))
}

fn pick<T: Copy>(flag: &str, given: &[String], table: &[(&str, T)]) -> anyhow::Result<Vec<T>> {
    given
        .iter()
        .map(|g| {
            seqwrap::site::file::lookup(flag, g, table).map_err(|m| seqwrap::Error::usage(m).into())
        })
        .collect()
}

fn verdict_text(row: &audit::AuditRow) -> String {
    let at = match row.writer_threads {
        Some(n) => format!(
            ", wrap {} with {n} writer thread(s)",
            human_duration_opt(row.wrap_s)
        ),
        None => String::new(),
    };
    match &row.verdict {
        SiteVerdict::SafeSlowPath => "safe: a wrap gives only the slow path".into(),
        SiteVerdict::SafeNoHold => "safe: no known hold keeps it open".into(),
        SiteVerdict::Safe { hold_s, hold } => {
            format!(
                "safe: holds end within {} ({hold})",
                human_duration(*hold_s)
            )
        }
        SiteVerdict::RateNotMeasured { hold_s, hold } => format!(
            "not known: holds end within {} ({hold}), the writer's rate is not measured",
            human_duration(*hold_s)
        ),
        SiteVerdict::FallsAfter { wrap_s, hold } => {
            format!("falls after {} ({hold})", human_duration(*wrap_s))
        }
        SiteVerdict::FallsUnbounded { all, .. } => {
            let holds: Vec<String> = all
                .iter()
                .map(|(h, p)| format!("{h} ({})", p.name()))
                .collect();
            format!("falls: unbounded hold: {}{at}", holds.join(", "))
        }
    }
}

fn human_duration_opt(s: Option<f64>) -> String {
    s.map_or_else(|| "never".into(), human_duration)
}

/// The rates line: the wrap at each thread count the holds leave.
fn rates_text(a: &SiteAnswer, rates: Option<&SiteRates>) -> String {
    let Some(c) = a.rows.first().and_then(|r| r.wrap_cycles.clone()) else {
        return "  wrap: never (no false positive under any model)\n".into();
    };
    let Some(rates) = rates else {
        return hang(
            "  ",
            &format!("wrap ({c} cycles): the writer's rate is not measured"),
        );
    };
    let cycles: f64 = c.parse().unwrap_or(f64::NAN);
    let parts: Vec<String> = match rates {
        SiteRates::Given { rate } => vec![format!(
            "{} at {rate:.3e}/s (given)",
            human_duration(cycles / rate)
        )],
        SiteRates::Measured { by_threads, .. } => by_threads
            .iter()
            .map(|(n, r)| {
                format!(
                    "{} with {n} writer thread(s) ({r:.3e}/s)",
                    human_duration(cycles / r)
                )
            })
            .collect(),
    };
    hang("  ", &format!("wrap ({c} cycles): {}", parts.join("; ")))
}

fn answer_text(
    a: &SiteAnswer,
    rates: Option<&SiteRates>,
    models: &[PreemptModel],
    here: Option<(&Reading, &sites::Site)>,
) -> String {
    let mut out = format!("{}: {}()\n", a.site, a.function);
    if let Some((r, site)) = here {
        let (has, why) = r.has_site(site);
        let word = match has {
            Some(true) => "this kernel has it",
            Some(false) => "this kernel does not have it",
            None => "unknown whether this kernel has it",
        };
        out += &hang("  ", &format!("here: {word} ({why})"));
    }
    let ord: Vec<String> = a
        .ordering
        .iter()
        .map(|(m, c)| format!("{m} {}", c.as_deref().unwrap_or("none")))
        .collect();
    out += &hang("  ", &format!("ordering (min cycles): {}", ord.join(", ")));
    out += &rates_text(a, rates);
    for &m in models {
        let rows: Vec<_> = a.rows.iter().filter(|r| r.preempt == m).collect();
        // Privileges with the same verdict, merged: who can do it.
        let mut i = 0;
        while i < rows.len() {
            let mut j = i;
            while j + 1 < rows.len() && rows[j + 1].verdict == rows[i].verdict {
                j += 1;
            }
            let who = if i == j {
                rows[i].privilege.name().to_string()
            } else if j + 1 == rows.len() && i == 0 {
                "any privilege".to_string()
            } else {
                format!("{}..{}", rows[i].privilege.name(), rows[j].privilege.name())
            };
            let mark = match here {
                Some((r, _)) if r.preempt == Some(m) => " (this machine)",
                _ => "",
            };
            out += &hang(
                "  ",
                &format!("{}{mark}, {who}: {}", m.name(), verdict_text(rows[i])),
            );
            i = j + 1;
        }
    }
    out += &hang("  ", &format!("a false positive: {}", a.consequence));
    out
}

/// The rates to judge at: a number is used for every hold; a measured
/// kernel rate without a thread count is measured with every CPU and with
/// one fewer, so each hold is judged at the rate of the CPUs it leaves.
fn resolve_rates(text: &str, spec: RateSpec) -> anyhow::Result<SiteRates> {
    match spec {
        RateSpec::Measured(RateKind::Kernel { op, .. }) if text.trim().matches(':').count() < 3 => {
            let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
            let counts = audit::thread_counts(cpus);
            let mut by_threads = Vec::new();
            for threads in counts {
                let (r, _) = resolve_rate(RateSpec::Measured(RateKind::Kernel { op, threads }))?;
                by_threads.push((threads, r));
            }
            Ok(SiteRates::Measured { cpus, by_threads })
        }
        spec => Ok(SiteRates::Given {
            rate: resolve_rate(spec)?.0,
        }),
    }
}

/// Judge the sites.
pub fn run(args: &AuditArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let models = pick("--preempt", &args.preempt, PREEMPTS)?;
    let privs = pick("--privilege", &args.privilege, PRIVILEGES)?;
    if let Some(p) = &args.csv {
        seqwrap::files::check_output("--csv", p, &[], true)?;
    }
    let spec = parse_rate(&args.rate).flag("--rate")?;
    let list = if args.site.is_empty() {
        sites::sites()?
    } else {
        args.site
            .iter()
            .map(|s| sites::site(s))
            .collect::<seqwrap::error::Result<Vec<_>>>()?
    };
    let holds = hold::holds()?;
    let rates = resolve_rates(&args.rate, spec)?;
    // rename_lock's writer: a given number stands for every writer; else
    // measured here by exact count, only if a listed site needs it.
    let rename_rates = match &rates {
        SiteRates::Given { .. } => Some(rates.clone()),
        SiteRates::Measured { .. }
            if list.iter().any(|s| s.writer_op == Some(WriterOp::Rename)) =>
        {
            seqwrap::report::sites::rename_rates()?
        }
        SiteRates::Measured { .. } => None,
    };
    let rates_of = |s: &sites::Site| match s.writer_op {
        None => None,
        Some(WriterOp::Mmap(_)) => Some(&rates),
        Some(WriterOp::Rename) => rename_rates.as_ref(),
    };
    let answers: Vec<SiteAnswer> = list
        .iter()
        .map(|s| audit::answer(s, &holds, rates_of(s), &models, &privs))
        .collect::<seqwrap::error::Result<_>>()?;
    if let Some(p) = &args.csv {
        let csv = audit::csv(&answers);
        seqwrap::files::write_atomic(p, csv.as_bytes())?;
    }
    let reading = (!args.no_machine).then(Reading::read);
    if args.json {
        let present: Vec<_> = match &reading {
            Some(r) => list
                .iter()
                .map(|s| {
                    let (has, why) = r.has_site(s);
                    serde_json::json!({"site": s.name, "present": has, "why": why})
                })
                .collect(),
            None => Vec::new(),
        };
        super::print_json(
            out,
            "audit",
            serde_json::json!({
                "rates": rates,
                "machine": reading,
                "present": present,
                "sites": answers,
            }),
        )?;
        return Ok(());
    }
    if let Some(r) = &reading {
        out.write_all(reading_text(r).as_bytes())?;
        writeln!(out)?;
    }
    for (i, (a, s)) in answers.iter().zip(&list).enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        let here = reading.as_ref().map(|r| (r, s));
        out.write_all(answer_text(a, rates_of(s), &models, here).as_bytes())?;
    }
    Ok(())
}
