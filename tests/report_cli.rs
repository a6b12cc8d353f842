//! `seqwrap plot`, `seqwrap pick` and `seqwrap report` from the outside.
//!
//! Plots are checked beyond existence (DEPENDENCIES.md trap 4): the PNG
//! decodes to the figure size, is not blank, and carries the first series'
//! colour; the SVG holds its title. The report runs the shipped specs with
//! the real engines into a temporary directory, and every line of its
//! summary must fit 72 columns.

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;

mod common;

fn seqwrap() -> Command {
    Command::cargo_bin("seqwrap").expect("binary")
}

const HEADER: &str = "point,spec,scheme,params,bits,rate,process,hold,window,engine,metric,value,ci_low,ci_high,seed,seqwrap_version";

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
    let d = tempfile::tempdir().unwrap();
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
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
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
        let svg = std::fs::read_to_string(out.join(format!("t_{fig}.svg"))).unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("</svg>"));
        let title = if fig == "time_to_fp" {
            "Adversary: time to the first false positive vs counter width"
        } else {
            "Accident: P(false positive) per speculation vs window"
        };
        assert!(svg.contains(title), "{fig}: title missing from SVG");
    }
    // The time plot carries the marks and a legend per rate.
    let svg = std::fs::read_to_string(out.join("t_time_to_fp.svg")).unwrap();
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

#[test]
fn pick_adversarial_is_the_theory() {
    // At 1e9 cycles/s a W-bit counter falls after 2^(W-1)/1e9 s. 1000 years
    // is 3.156e10 s, so 2^(W-1) >= 3.156e19 needs W-1 >= 64.8: no width up
    // to 64 holds and the answer is the guard. At 1e6/s: W-1 >= 54.8, W = 56.
    let o = seqwrap()
        .args(["pick", "--adversarial", "--rate", "1e6", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["bits"], 56);
    assert_eq!(v["kernel_type"], "u64 (64 bits)");
    let text = v["explanation"].as_str().unwrap();
    assert!(text.contains("56 bits"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 72));

    let o = seqwrap()
        .args(["pick", "--adversarial", "--rate", "1e9", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["bits"].is_null());
    assert_eq!(v["scheme"], "guard");
    assert_eq!(v["params"]["bits"], "32");

    // A fleet's lifetime is the horizon: 10 years at 1e6/s: W-1 >= 48.2.
    let o = seqwrap()
        .args([
            "pick",
            "--adversarial",
            "--rate",
            "1e6",
            "--fleet",
            "1e6,100,10",
            "--json",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["bits"], 50);
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
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let bits = v["bits"].as_u64().unwrap();
    assert!((33..=64).contains(&bits), "{bits}");
    let at: f64 = v["value_at_bits_exact"].as_str().unwrap().parse().unwrap();
    let below: f64 = v["value_at_bits_minus_1_exact"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(v["value_at_bits"].as_f64(), Some(at));
    assert!(at <= 1e-6 && below > 1e-6, "{at} {below}");
}

#[test]
fn pick_bad_input_is_one_line_exit_2() {
    for args in [
        vec!["pick", "--adversarial", "--rate", "0"],
        vec!["pick", "--adversarial", "--rate", "1e6", "--target", "1e-6"],
        vec!["pick", "--window", "lognormal:1ms,1us", "--rate", "1e6"],
        vec![
            "pick",
            "--window",
            "fixed:1ms",
            "--rate",
            "1e6",
            "--target",
            "2",
        ],
        vec!["pick", "--rate", "1e6"],
    ] {
        let o = seqwrap().args(&args).output().unwrap();
        common::assert_bad_input(&o, &format!("{args:?}"), "error: ");
    }
}

#[test]
fn report_runs_the_shipped_specs_and_fits_72_columns() {
    let d = tempfile::tempdir().unwrap();
    let (out, data) = (d.path().join("reports"), d.path().join("data"));
    let o = seqwrap()
        .arg("report")
        .arg("--out")
        .arg(&out)
        .arg("--data")
        .arg(&data)
        // Built-in specs: the temp dir has no analysis/.
        .arg("--analysis")
        .arg(d.path().join("none"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
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
    for section in [
        "## Answer",
        "## This machine",
        "## Adversary: time to the first false positive",
        "## Accident: P(false positive) per speculation",
        "## The fixes, checked by the explorer",
        "## Cross-checks between engines",
    ] {
        assert!(summary.contains(section), "missing {section}");
    }
    // Theory in the headline table: plain i32 at 1e9 cycles/s is 2^31 ns.
    assert!(summary.contains("| 1e9 "), "{summary}");
    assert!(summary.contains("2.15 s"), "2^31 cycles at 1e9/s is 2.15 s");
    // The explorer's plain 64 answer is in the fixes table.
    assert!(summary.contains("| plain ") && summary.contains("2^63"));
    for f in ["mm_lock_seq", "fixes", "widths", "engines"] {
        let csv = std::fs::read_to_string(data.join(format!("{f}.csv"))).unwrap();
        assert!(csv.starts_with("point,spec,scheme,"), "{f}");
    }
    for fig in ["time_to_fp", "p_window", "fixes", "engines"] {
        let (w, h, px) = decode_png(&out.join(format!("{fig}.png")));
        // fixes grows with its rows; the others are 1024 x 640.
        assert_eq!(w, 1024);
        assert!(h == 640 || (fig == "fixes" && h > 640), "{fig}: {w}x{h}");
        assert!(ink(&px, [0, 0, 0]).0 > 1024 * 640 / 100, "{fig} is blank");
        assert!(out.join(format!("{fig}.svg")).exists());
    }
}
