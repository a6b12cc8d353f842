//! `seqwrap plot`, `seqwrap pick` and `seqwrap report` from the outside.
//!
//! Plots are checked beyond existence (docs/DESIGN.md, 6.1): the PNG
//! decodes to the figure size, is not blank, and carries the first series'
//! colour; the SVG holds its title. The report runs the shipped specs with
//! the real engines into a temporary directory, and every line of its
//! summary must fit 72 columns.

use std::path::Path;

use crate::helpers::{json, ok, ok_json, read, seqwrap, tempdir};

const HEADER: &str = "point,spec,protocol,params,bits,rate,process,hold,window,engine,metric,value,ci_low,ci_high,seed,seqwrap_version";

/// Rows whose values follow from theory: time to the first false positive
/// of plain W at rate R is 2^(W-1)/R; P(FP) is made up but monotone.
fn theory_csv() -> String {
    let mut rows = vec![HEADER.to_string()];
    let mut i = 0;
    for bits in [8u32, 16, 32, 64] {
        for rate in [1e5f64, 1e7, 1e9] {
            for (w, lp) in [
                ("fixed:1us", -30.0),
                ("fixed:1ms", -10.0),
                ("fixed:1s", -3.0),
            ] {
                let t = 2f64.powi(bits as i32 - 1) / rate;
                let lp = lp * bits as f64 / 8.0;
                rows.push(format!(
                    "{i},t,plain,bits={bits},{bits},{rate:e},poisson,0,{w},analyze,time_to_fp_s,{t:e},,,0,0.1.0"
                ));
                rows.push(format!(
                    "{i},t,plain,bits={bits},{bits},{rate:e},poisson,0,{w},analyze,log10_p_false_positive,{lp:e},,,0,0.1.0"
                ));
                i += 1;
            }
        }
    }
    rows.join("\n") + "\n"
}

fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb, "{}", path.display());
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// Non-white pixels, and pixels of exactly `rgb`.
fn ink(pixels: &[u8], rgb: [u8; 3]) -> (usize, usize) {
    let px = pixels.chunks_exact(3);
    let non_white = px.clone().filter(|p| *p != [255, 255, 255]).count();
    let colour = px.filter(|p| *p == rgb).count();
    (non_white, colour)
}

#[test]
fn plot_draws_real_pngs_and_svgs() {
    let d = tempdir();
    let csv = d.path().join("t.csv");
    std::fs::write(&csv, theory_csv()).unwrap();
    let out = d.path().join("plots");
    let o = seqwrap()
        .arg("plot")
        .arg(&csv)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    ok(&o);
    for fig in ["time_to_fp", "p_window"] {
        let png = out.join(format!("t_{fig}.png"));
        let (w, h, pixels) = decode_png(&png);
        assert_eq!((w, h), (1024, 640));
        let (non_white, blue) = ink(&pixels, [0, 114, 178]);
        // Axes, text and four lines: well over 1% of the figure is ink.
        assert!(
            non_white > 1024 * 640 / 100,
            "{fig}: {non_white} ink pixels"
        );
        // The first series (palette colour 0) is drawn.
        assert!(blue > 200, "{fig}: first series has {blue} pixels");
        let svg = read(out.join(format!("t_{fig}.svg")));
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("</svg>"));
        let title = if fig == "time_to_fp" {
            "Time to the first false positive vs counter width"
        } else {
            "Accident: P(false positive) per speculation vs window"
        };
        assert!(svg.contains(title), "{fig}: title missing from SVG");
    }
    // The time plot carries the marks and a legend per rate.
    let svg = read(out.join("t_time_to_fp.svg"));
    for mark in [
        "1 s",
        "1 hour",
        "1 day",
        "1 year",
        "1000 years",
        "1e9 writer cycles/s",
    ] {
        assert!(svg.contains(mark), "mark {mark} missing");
    }
    // No figure for data the CSV lacks; nothing half-written left behind.
    assert!(!out.join("t_fixes.png").exists());
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

/// `seqwrap pick ARGS --json`: its JSON object.
fn pick_json(args: &[&str]) -> serde_json::Value {
    json(&[&["pick"][..], args].concat())
}

/// The explanation keeps to the tool's promises: 72 columns, no line
/// repeated, three significant digits (no float printed with four or
/// more), no "a int".
fn check_text(text: &str) {
    assert!(text.lines().all(|l| l.chars().count() <= 72), "{text}");
    let mut seen = std::collections::BTreeSet::new();
    for l in text.lines().filter(|l| !l.trim().is_empty()) {
        assert!(seen.insert(l), "repeated line: {l}");
    }
    let bytes = text.as_bytes();
    for (i, w) in bytes.windows(5).enumerate() {
        let digits = |s: &[u8]| s.iter().all(|c| c.is_ascii_digit());
        // d.ddd: four significant digits, unless part of a word or count.
        let before = if i > 0 { bytes[i - 1] } else { b' ' };
        if w[0].is_ascii_digit()
            && w[1] == b'.'
            && digits(&w[2..5])
            && !before.is_ascii_digit()
            && before != b'.'
        {
            panic!(
                "more than 3 significant digits near: {}",
                &text[i.saturating_sub(20)..(i + 20).min(text.len())]
            );
        }
    }
    assert!(!text.contains("a int"), "{text}");
}

#[test]
fn pick_adversarial_horizon_is_the_longest_stall_not_a_wrap_time() {
    // Nothing bounds the stall: the horizon is the uptime, 10 years by
    // default, 3.156e8 s. At 1e6/s, 2^(W-1) >= 3.156e14 needs W-1 >= 48.2.
    let v = pick_json(&["--adversarial", "--rate", "1e6"]);
    assert_eq!(v["bits_needed"], 50);
    assert_eq!(v["bits"], 64, "the width to use");
    assert_eq!(v["kernel_type"], "u64");
    assert!((v["horizon_s"].as_f64().unwrap() - 10.0 * 31_557_600.0).abs() < 1.0);
    check_text(v["explanation"].as_str().unwrap());

    // At 1e9/s: 2^(W-1) >= 3.156e17, W = 60: a 64-bit counter, and the
    // other options that meet the target under all three models.
    let v = pick_json(&["--adversarial", "--rate", "1e9"]);
    assert_eq!(v["bits_needed"], 60);
    assert_eq!(v["bits"], 64);
    assert_eq!(v["protocol"], "plain");
    assert_eq!(v["params"]["W"], "64");
    assert_eq!(v["kernel_type"], "u64");
    let text = v["explanation"].as_str().unwrap();
    check_text(text);
    assert!(text.contains("Use a 64-bit counter (u64)."), "{text}");
    let opts = v["options"].as_array().unwrap();
    let labels: Vec<&str> = opts.iter().map(|o| o["label"].as_str().unwrap()).collect();
    // The recommendation itself, two-word orders with their barriers, and
    // the 32-bit protocols with no false positive at all, each once.
    assert_eq!(labels.first(), Some(&"plain 64"), "{labels:?}");
    for want in [
        "split 32+32 lo-hi-lo hi-first",
        "epoch 32+32 epoch-first",
        "atomic64 64",
        "guard 32",
        "saturate 32",
        "bounded 32",
    ] {
        assert!(labels.contains(&want), "{want} missing: {labels:?}");
    }
    let mut dedup = labels.clone();
    dedup.sort_unstable();
    dedup.dedup();
    assert_eq!(dedup.len(), labels.len(), "{labels:?}");
    // The same order at the same cost with a smaller margin is beaten by
    // lo-hi-lo; without a barrier, or broken under lkmm: not an option.
    assert!(!labels.contains(&"split 32+32 hi-lo-hi hi-first"));
    assert!(
        !labels
            .iter()
            .any(|l| l.contains("WMB=0") || l.contains("RMB=0"))
    );
    assert!(!labels.iter().any(|l| l.starts_with("rfc-v1")));
    // Every option survives the needed count under every model.
    let needed = v["needed_cycles"].as_f64().unwrap();
    for o in opts {
        assert_eq!(o["per_model"].as_array().unwrap().len(), 3);
        if let Some(m) = o["min_cycles_exact"].as_str() {
            assert!(m.parse::<f64>().unwrap() >= needed, "{o}");
            assert_eq!(o["min_cycles"].as_f64(), m.parse::<f64>().ok(), "{o}");
        }
        for m in o["per_model"].as_array().unwrap() {
            assert!(m.get("min_cycles_exact").is_some(), "{m}");
        }
    }
    // Ordered by cost: the reader's work never decreases down the list.
    let reader: Vec<u64> = opts
        .iter()
        .map(|o| o["reader_ops"].as_u64().unwrap())
        .collect();
    assert!(reader.windows(2).all(|w| w[0] <= w[1]), "{reader:?}");

    // A stall bound is the horizon: 35 s at 7.4e6/s is 2.59e8 cycles,
    // W - 1 >= 27.95: a 32-bit counter.
    let v = pick_json(&["--adversarial", "--rate", "7.4e6", "--stall", "35s"]);
    assert_eq!(v["bits_needed"], 29);
    assert_eq!(v["bits"], 32);
    assert_eq!(v["kernel_type"], "u32");
    check_text(v["explanation"].as_str().unwrap());

    // An uptime no 64-bit counter survives at 1e9/s: only the options
    // with no false positive at all remain, and one is recommended.
    let v = pick_json(&["--adversarial", "--rate", "1e9", "--uptime", "1000y"]);
    assert!(v["bits"].is_null());
    let opts = v["options"].as_array().unwrap();
    assert!(!opts.is_empty());
    assert!(
        opts.iter()
            .all(|o| o["min_cycles"].is_null() && o["min_cycles_exact"].is_null()),
        "{opts:?}"
    );
    let widest = opts[0]["widest_word"].as_u64().unwrap();
    assert_eq!(v["kernel_type"], if widest <= 32 { "u32" } else { "u64" });

    // A fleet's lifetime bounds the uptime: 10 years at 1e6/s.
    let v = pick_json(&["--adversarial", "--rate", "1e6", "--fleet", "1e6,100,10"]);
    assert_eq!(v["bits_needed"], 50);
}

#[test]
fn pick_fixed_window_is_read_with_a_jittered_writer() {
    // fixed:10min at 9.7e6/s: 5.82e9 cycles, 2.71 wraps of 2^31.
    let v = pick_json(&["--window", "fixed:10min", "--rate", "9.7e6"]);
    let text = v["explanation"].as_str().unwrap();
    check_text(text);
    assert!(text.contains("2.71 wraps"), "{text}");
    assert!((v["wraps_32"].as_f64().unwrap() - 2.71).abs() < 0.01);
    assert_eq!(v["kernel_type"], "u32");
    // Once the window spans wraps, P is about one in the period (2^-31 =
    // 4.66e-10), not the lattice's 1e-13966345.
    let p32: f64 = v["p_32_exact"].as_str().unwrap().parse().unwrap();
    assert_eq!(v["p_32"].as_f64(), Some(p32));
    assert!((1e-10..1e-9).contains(&p32), "{p32}");
    // It does not rest on the lattice: a 1% change of rate moves it by
    // less than a factor of two (on the lattice: 36 orders of magnitude).
    let w = pick_json(&["--window", "fixed:10min", "--rate", "9.8e6"]);
    let q32: f64 = w["p_32_exact"].as_str().unwrap().parse().unwrap();
    assert!(q32 / p32 < 2.0 && p32 / q32 < 2.0, "{p32} {q32}");
    // Neighbouring windows give neighbouring answers (on the lattice a
    // 222 s window came out orders of magnitude "safer" than 221 s).
    let l = pick_json(&["--window", "fixed:222s", "--rate", "9.7e6"]);
    let s = pick_json(&["--window", "fixed:221s", "--rate", "9.7e6"]);
    let pl: f64 = l["p_32_exact"].as_str().unwrap().parse().unwrap();
    let ps: f64 = s["p_32_exact"].as_str().unwrap().parse().unwrap();
    assert!(pl / ps < 1.1 && ps / pl < 1.1, "222 s {pl}, 221 s {ps}");
}

#[test]
fn pick_window_meets_its_target_and_one_bit_less_does_not() {
    let o = seqwrap()
        .args([
            "pick",
            "--window",
            "lognormal:2us,1ms",
            "--rate",
            "1e7",
            "--fleet",
            "1e7,1000,10",
            "--target",
            "1e-6",
            "--json",
        ])
        .output()
        .unwrap();
    let v = ok_json(&o);
    let bits = v["bits_needed"].as_u64().unwrap();
    assert!((33..=64).contains(&bits), "{bits}");
    assert_eq!(v["bits"], 64);
    let at: f64 = v["value_at_bits_exact"].as_str().unwrap().parse().unwrap();
    let below: f64 = v["value_at_bits_minus_1_exact"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(v["value_at_bits"].as_f64(), Some(at));
    assert!(at <= 1e-6 && below > 1e-6, "{at} {below}");
}

/// The sections a summary has, in order.
const SECTIONS: [&str; 15] = [
    "## Headline",
    "## Reader sites",
    "## Recommendation",
    "## Write-lock rates on this machine",
    "## Accidental write rates: a real workload",
    "## How long a reader can be held",
    "## Adversary: wrap time against the stalls",
    "## Accident: no hold",
    "## Memory ordering: the fixes under sc, tso and lkmm",
    "## Consequences of a false positive",
    "## Precedents",
    "## Costs beyond the model",
    "## Cross-checks between engines",
    "## Files",
    "## Sources",
];

/// The text of section `title` (up to the next `## `).
fn section<'a>(summary: &'a str, title: &str) -> &'a str {
    let head = format!("\n{title}");
    let start = summary.find(&head).unwrap_or_else(|| panic!("no {title}"));
    let rest = &summary[start + head.len()..];
    let end = rest.find("\n## ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// The bullets of a text, each with its continuation lines joined.
fn bullets(body: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in body.lines() {
        if let Some(b) = l.strip_prefix("- ") {
            out.push(b.to_string());
        } else if let (Some(last), Some(cont)) = (out.last_mut(), l.strip_prefix("  ")) {
            last.push(' ');
            last.push_str(cont);
        }
    }
    out
}

/// Every claim bullet of the claim sections cites at least one source, and
/// every source it cites is listed under ## Sources with a reference; no
/// `[id]` anywhere names a source that does not exist.
fn check_claims(summary: &str) {
    let sources = bullets(section(summary, "## Sources"));
    let listed: Vec<String> = sources
        .iter()
        .filter_map(|l| l.strip_prefix('['))
        .filter_map(|l| l.split_once(']'))
        .map(|(id, rest)| {
            assert!(rest.contains(':'), "source {id} has no reference: {rest}");
            id.to_string()
        })
        .collect();
    assert!(!listed.is_empty());
    for title in [
        "## Consequences of a false positive",
        "## Precedents",
        "## Costs beyond the model",
    ] {
        let claims = bullets(section(summary, title));
        assert!(!claims.is_empty(), "{title} has no claims");
        for b in claims {
            let cited: Vec<&String> = listed
                .iter()
                .filter(|id| b.contains(&format!("[{id}]")))
                .collect();
            assert!(!cited.is_empty(), "{title}: a claim without a source: {b}");
        }
    }
    let unknown = seqwrap::report::claims::unknown_citations(summary);
    assert!(unknown.is_empty(), "cited but not sources: {unknown:?}");
    for id in seqwrap::report::claims::cited_in(summary) {
        assert!(listed.iter().any(|l| l == id), "[{id}] cited, not listed");
    }
    assert!(!summary.contains("as proposed in the thread"));
}

#[test]
fn report_answers_with_sources_in_72_columns() {
    let d = tempdir();
    let (out, data, cache) = (
        d.path().join("reports"),
        d.path().join("data"),
        d.path().join("cache"),
    );
    let o = seqwrap()
        .arg("report")
        .arg("--out")
        .arg(&out)
        .arg("--data")
        .arg(&data)
        // Built-in specs: the temp dir has no analysis/.
        .arg("--analysis")
        .arg(d.path().join("none"))
        // A short measurement and the quick workload (README, "report").
        .args(["--workload-size", "quick", "--observe-seconds", "20"])
        .args(["--rate-duration", "200ms", "--rate-runs", "2"])
        .env("SEQWRAP_CACHE_DIR", &cache)
        .output()
        .unwrap();
    ok(&o);
    let summary = read(out.join("summary.md"));
    // It prints the summary too.
    assert_eq!(String::from_utf8_lossy(&o.stdout), summary);
    for (i, l) in summary.lines().enumerate() {
        assert!(
            l.chars().count() <= 72,
            "summary.md:{}: {} columns: {l}",
            i + 1,
            l.chars().count()
        );
    }
    let mut at = 0;
    for title in SECTIONS {
        let i = summary[at..]
            .find(&format!("\n{title}\n"))
            .unwrap_or_else(|| panic!("missing or out of order: {title}"));
        at += i;
    }
    check_claims(&summary);
    // The fixes under the three memory models, from the explorer.
    let ordering = section(&summary, "## Memory ordering");
    assert!(ordering.contains("| plain 64 ") && ordering.contains("2^63"));
    assert!(ordering.contains("lkmm") && ordering.contains("broken"));
    // The accident in at most five lines, no probability printed below
    // the floor the model supports, the trap and the speculation rate
    // cited.
    let accident = section(&summary, "## Accident: no hold");
    let body: Vec<&str> = accident.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(body.len() <= 5, "{} lines:\n{accident}", body.len());
    for tok in accident.split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')') {
        if let Some((_, e)) = tok.split_once("e-")
            && let Ok(e) = e.trim_end_matches(['.', ';']).parse::<u32>()
        {
            assert!(e <= 30, "{tok} printed past the floor:\n{accident}");
        }
    }
    assert!(accident.contains("[uprobes-spec]") && accident.contains("[run-accident]"));
    // The mail beside the summary.
    let mail = read(out.join("mail.txt"));
    assert!(mail.lines().count() <= 80, "{mail}");
    for f in ["mm_lock_seq", "fixes", "widths", "engines"] {
        let csv = read(data.join(format!("{f}.csv")));
        assert!(csv.starts_with("point,spec,protocol,"), "{f}");
    }
    let fixes = read(data.join("fixes.csv"));
    assert!(fixes.contains(",lkmm") && fixes.contains(",tso"));
    let mut figures = vec!["time_to_fp", "p_window", "fixes", "engines"];
    if cfg!(target_os = "linux") {
        // The measured rates the report used, beside its CSVs; the cache
        // outside the checkout.
        let rates = read(data.join("measured_rates.csv"));
        assert!(rates.starts_with("op,threads,rate_per_s,"), "{rates}");
        assert!(rates.contains("munmap-null"));
        assert!(cache.join("measured_rates.csv").exists());
        assert!(summary.contains("## Headline") && summary.contains("[run-rates]"));
        figures.push("stalls");
        figures.push("sites");
        for f in [
            "audit",
            "ordering",
            "patches",
            "mail_figures",
            "mitigations",
            "hold",
            "uprobe_trap",
        ] {
            assert!(data.join(format!("{f}.csv")).exists(), "{f}.csv");
        }
    }
    for fig in figures {
        let (w, h, px) = decode_png(&out.join(format!("{fig}.png")));
        // fixes and sites grow with their rows; the others are 1024 x 640.
        assert_eq!(w, 1024);
        assert!(
            h == 640 || (["fixes", "sites"].contains(&fig) && h > 640),
            "{fig}: {w}x{h}"
        );
        assert!(ink(&px, [0, 0, 0]).0 > 1024 * 640 / 100, "{fig} is blank");
        assert!(out.join(format!("{fig}.svg")).exists());
    }
    // The window figure draws the measured rate, labelled as such.
    if cfg!(target_os = "linux") {
        let svg = read(out.join("p_window.svg"));
        assert!(
            svg.contains("measured here"),
            "p_window lacks the measured rate"
        );
        let svg = read(out.join("time_to_fp.svg"));
        assert!(svg.contains("measured here"));
    }
}
