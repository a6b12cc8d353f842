//! Plots from sweep CSV: PNG and SVG via plotters, with an embedded font.
//!
//! Output modules only read result rows: [`data`] turns rows into series,
//! each figure file draws one figure from its series. Style lives here.
//!
//! Fonts: plotters is built without its system-font backend; DejaVu Sans
//! (from the `dejavu` crate, Bitstream Vera licence) is registered under
//! the family names the figures use, once, before any drawing. A missing
//! font shows only as an error from a draw call, so every draw `Result`
//! and `present()` is checked and turned into [`Error::Run`].

pub mod data;
mod engines;
mod fixes;
mod p_window;
mod sites;
mod stall;
mod time_to_fp;

pub use sites::{HoldLine, SiteBand, SitesPlot, plot_sites};
pub use stall::{StallPlot, StallWriter, WriterKind, plot_stalls};

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::results::Row;
use crate::sweep::csv::write_atomic;

/// Size of every figure in pixels: wide enough for a legend beside four
/// lines, small enough to attach to a mail.
pub const SIZE: (u32, u32) = (1024, 640);
/// The font family every text uses (registered by [`register_fonts`]).
pub const FONT: &str = "sans-serif";
/// Title, axis description and tick label sizes.
pub const TITLE_PX: u32 = 26;
/// Axis description size.
pub const AXIS_PX: u32 = 20;
/// Tick label and legend size.
pub const LABEL_PX: u32 = 16;

/// Line colours in series order (colour-blind safe, Okabe–Ito).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// Colour of series `i`.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

static FONTS: Once = Once::new();

/// Register DejaVu Sans as every family and style the figures use. Safe to
/// call many times; only the first call registers.
pub fn register_fonts() {
    FONTS.call_once(|| {
        let regular = dejavu::sans::regular();
        let bold = dejavu::sans::bold();
        let mono = dejavu::sans_mono::regular();
        for (family, normal) in [
            ("sans-serif", regular),
            ("serif", regular),
            ("monospace", mono),
        ] {
            // A font that does not parse is a build defect; drawing would
            // report it (FontUnavailable) with the figure's name.
            let _ = plotters::style::register_font(family, FontStyle::Normal, normal);
            let _ = plotters::style::register_font(family, FontStyle::Bold, bold);
            let _ = plotters::style::register_font(family, FontStyle::Italic, normal);
            let _ = plotters::style::register_font(family, FontStyle::Oblique, normal);
        }
    });
}

/// One figure: a title and a drawing on any backend.
pub(crate) trait Figure {
    /// File stem suffix (`time_to_fp`).
    fn name(&self) -> &'static str;
    /// Pixel size; [`SIZE`] unless the figure needs more rows.
    fn size(&self) -> (u32, u32) {
        SIZE
    }
    /// Draw on `root` (already filled white). Errors carry plotters' message.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String>;
}

/// Turn any plotters error into text.
pub(crate) fn pe<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// Draw a chart's legend in the house style (label font, translucent
/// white box, black border) at `position`.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> std::result::Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, LABEL_PX))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(pe)
}

/// Render `fig` as `DIR/STEM_NAME.png` and `.svg`, each written atomically.
pub(crate) fn render<F: Figure>(fig: &F, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    register_fonts();
    let base = if stem.is_empty() {
        fig.name().to_string()
    } else {
        format!("{stem}_{}", fig.name())
    };
    let fail = |e: String| Error::Run(format!("plot {base}: {e}"));
    std::fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;

    let png = dir.join(format!("{base}.png"));
    // Registered, so an error or a signal removes it (crate::files).
    let tmp = crate::files::Temp::new(dir.join(format!(".{base}.tmp.{}.png", std::process::id())))?;
    (|| {
        let root = BitMapBackend::new(tmp.path(), fig.size()).into_drawing_area();
        root.fill(&WHITE).map_err(pe)?;
        fig.draw(&root)?;
        root.present().map_err(pe)
    })()
    .map_err(fail)?;
    tmp.persist(&png).map_err(|source| Error::Io {
        path: png.clone(),
        source,
    })?;

    let svg = dir.join(format!("{base}.svg"));
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, fig.size()).into_drawing_area();
        (|| {
            root.fill(&WHITE).map_err(pe)?;
            fig.draw(&root)?;
            root.present().map_err(pe)
        })()
        .map_err(fail)?;
    }
    write_atomic(&svg, text.as_bytes())?;
    Ok(vec![png, svg])
}

/// Rates a figure draws apart from the fixed ones of a sweep: those
/// measured on this machine and those observed in a real workload, each
/// with its label. Rows at any other rate are drawn as plain reference
/// lines. `seqwrap plot` has none; `seqwrap report` passes its own.
#[derive(Clone, Debug, Default)]
pub struct RateMarks {
    /// (cycles/s, label) of measured rates.
    pub measured: Vec<(f64, String)>,
    /// (cycles/s, label) of observed rates.
    pub observed: Vec<(f64, String)>,
}

/// How a rate is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// A fixed rate of the sweep: a thin reference line.
    Fixed,
    /// Measured on this machine: a thick solid line.
    Measured,
    /// Observed in a workload: a thick dashed line.
    Observed,
}

impl RateMarks {
    /// What `rate` is, and its label when it is marked.
    pub fn kind(&self, rate: f64) -> (LineKind, Option<&str>) {
        let near = |r: &f64| (r - rate).abs() <= 1e-9 * rate.abs();
        if let Some((_, l)) = self.measured.iter().find(|(r, _)| near(r)) {
            return (LineKind::Measured, Some(l));
        }
        if let Some((_, l)) = self.observed.iter().find(|(r, _)| near(r)) {
            return (LineKind::Observed, Some(l));
        }
        (LineKind::Fixed, None)
    }

    /// The marked rates, measured first.
    pub fn rates(&self) -> Vec<f64> {
        self.measured
            .iter()
            .chain(&self.observed)
            .map(|(r, _)| *r)
            .collect()
    }
}

/// Dash a polyline in data coordinates (plotters' dashed series draws in
/// pixels only on straight segments): every other piece of `pieces`
/// equal parts of each segment, on log axes as given.
pub(crate) fn dashed(points: &[(f64, f64)], pieces: usize) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    for w in points.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        for k in (0..pieces).step_by(2) {
            let a = k as f64 / pieces as f64;
            let b = (k + 1) as f64 / pieces as f64;
            let lerp = |t: f64| {
                // Interpolate in log x when x is positive (log axes).
                let x = if x0 > 0.0 && x1 > 0.0 {
                    (x0.ln() + t * (x1.ln() - x0.ln())).exp()
                } else {
                    x0 + t * (x1 - x0)
                };
                (x, y0 + t * (y1 - y0))
            };
            out.push(vec![lerp(a), lerp(b)]);
        }
    }
    out
}

/// What `plot` drew and what it skipped (and why).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct PlotOutcome {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Figures not drawn because the CSV lacks their data.
    pub skipped: Vec<String>,
}

/// The figures drawn from sweep CSVs: time to first false positive vs
/// width, P(false positive) vs window, fixes compared, engines agreeing
/// ([`FigureId`]). The report adds `stalls` ([`plot_stalls`]) and `sites`
/// ([`plot_sites`]) from its measurements.
pub use crate::results::spec::FigureId;

/// Draw the figures the rows have data for into `dir` as
/// `STEM_FIGURE.png` and `.svg` (`FIGURE.png` when `stem` is empty).
/// `only` restricts the figures drawn ([`FigureId`]).
pub fn plot_rows(
    rows: &[Row],
    dir: &Path,
    stem: &str,
    only: Option<&[FigureId]>,
) -> Result<PlotOutcome> {
    plot_rows_marked(rows, dir, stem, only, &RateMarks::default())
}

/// [`plot_rows`] with measured and observed rates drawn apart and
/// labelled ([`RateMarks`]); the window figure draws exactly those rates
/// when there are any.
pub fn plot_rows_marked(
    rows: &[Row],
    dir: &Path,
    stem: &str,
    only: Option<&[FigureId]>,
    marks: &RateMarks,
) -> Result<PlotOutcome> {
    let mut out = PlotOutcome::default();
    let wanted = |f: FigureId| only.is_none_or(|o| o.contains(&f));
    let mut add = |r: Option<Result<Vec<PathBuf>>>, f: FigureId, needs: &str| -> Result<()> {
        if !wanted(f) {
            return Ok(());
        }
        match r {
            Some(files) => out.files.extend(files?),
            None => out.skipped.push(format!("{f}: {needs}")),
        }
        Ok(())
    };
    add(
        time_to_fp::TimeToFp::from_rows(rows, marks)
            .filter(|_| wanted(FigureId::TimeToFp))
            .map(|f| render(&f, dir, stem)),
        FigureId::TimeToFp,
        "needs analyze time_to_fp_s rows",
    )?;
    add(
        p_window::PWindow::from_rows(rows, marks)
            .filter(|_| wanted(FigureId::PWindow))
            .map(|f| render(&f, dir, stem)),
        FigureId::PWindow,
        "needs analyze log10_p_false_positive rows with fixed (or jittered fixed) windows",
    )?;
    add(
        fixes::Fixes::from_rows(rows)
            .filter(|_| wanted(FigureId::Fixes))
            .map(|f| render(&f, dir, stem)),
        FigureId::Fixes,
        "needs explore rows of at least two protocols",
    )?;
    add(
        engines::EnginesAgree::from_rows(rows)
            .filter(|_| wanted(FigureId::Engines))
            .map(|f| render(&f, dir, stem)),
        FigureId::Engines,
        "needs the same quantity from two engines",
    )?;
    Ok(out)
}

/// Read a sweep CSV and draw its figures into `dir`. The CSV is checked
/// (header, types) before anything is drawn.
pub fn plot_csv(csv: &Path, dir: &Path) -> Result<PlotOutcome> {
    let rows = crate::sweep::csv::read(csv)?;
    let stem = csv
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plot".into());
    plot_rows(&rows, dir, &stem, None)
}

/// A tick label for a time in seconds on a log axis: `1 us`, `1 s`,
/// `1 h`, `1e6 y`.
pub fn time_tick(s: f64) -> String {
    let t = crate::timing::human_duration(s);
    // "1.00e3 y" -> "1e3 y"
    t.replace(".00e", "e")
}

/// A tick label for a power of ten: `1e-12`, `0.01`, `1`.
pub fn pow10_tick(v: f64) -> String {
    if v <= 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let l = v.log10();
    let k = l.round();
    if (l - k).abs() > 1e-6 {
        return format!("{v:.1e}");
    }
    if (-3.0..=3.0).contains(&k) {
        format!("{}", 10f64.powi(k as i32))
    } else {
        format!("1e{k:.0}")
    }
}
