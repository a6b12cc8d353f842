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
mod time_to_fp;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::sweep::csv::{Row, write_atomic};

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
fn render<F: Figure>(fig: &F, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
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
    // Registered, so an error or a signal removes it (export::file).
    let tmp = crate::export::file::Temp::new(
        dir.join(format!(".{base}.tmp.{}.png", std::process::id())),
    )?;
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

/// What `plot` drew and what it skipped (and why).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct PlotOutcome {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// Figures not drawn because the CSV lacks their data.
    pub skipped: Vec<String>,
}

/// The figures, by name: time to first false positive vs width
/// (`time_to_fp`), P(false positive) vs window (`p_window`), fixes
/// compared (`fixes`), engines agreeing (`engines`).
pub const FIGURES: [&str; 4] = ["time_to_fp", "p_window", "fixes", "engines"];

/// Draw the figures the rows have data for into `dir` as
/// `STEM_FIGURE.png` and `.svg` (`FIGURE.png` when `stem` is empty).
/// `only` restricts the figures drawn (by name, see [`FIGURES`]).
pub fn plot_rows(
    rows: &[Row],
    dir: &Path,
    stem: &str,
    only: Option<&[&str]>,
) -> Result<PlotOutcome> {
    let mut out = PlotOutcome::default();
    let wanted = |name: &str| only.is_none_or(|o| o.contains(&name));
    let mut add = |r: Option<Result<Vec<PathBuf>>>, what: &str| -> Result<()> {
        let name = what.split(':').next().unwrap_or("");
        if !wanted(name) {
            return Ok(());
        }
        match r {
            Some(files) => out.files.extend(files?),
            None => out.skipped.push(what.to_string()),
        }
        Ok(())
    };
    add(
        time_to_fp::TimeToFp::from_rows(rows)
            .filter(|_| wanted("time_to_fp"))
            .map(|f| render(&f, dir, stem)),
        "time_to_fp: needs analyze time_to_fp_s rows of scheme plain",
    )?;
    add(
        p_window::PWindow::from_rows(rows)
            .filter(|_| wanted("p_window"))
            .map(|f| render(&f, dir, stem)),
        "p_window: needs analyze log10_p_false_positive rows with fixed windows",
    )?;
    add(
        fixes::Fixes::from_rows(rows)
            .filter(|_| wanted("fixes"))
            .map(|f| render(&f, dir, stem)),
        "fixes: needs explore rows of at least two schemes",
    )?;
    add(
        engines::EnginesAgree::from_rows(rows)
            .filter(|_| wanted("engines"))
            .map(|f| render(&f, dir, stem)),
        "engines: needs the same quantity from two engines",
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
