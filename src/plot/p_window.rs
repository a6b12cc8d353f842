//! Figure (b): probability of a false positive per speculation vs window
//! length, one colour per counter width and one line style per writer
//! rate: the rates measured on this machine (solid) and observed in a
//! workload (dashed) when the report marks them, else the sweep's highest.
//!
//! Windows are of a fixed length read with a jittered writer (see
//! `pick::JITTER_P99`); exactly fixed windows are drawn only when a CSV has
//! nothing else, and the title then says so (their values are a lattice
//! artifact). The x range spans from the shortest window to the longest,
//! so each width's step from nothing to 2^-(W-1) shows where it happens:
//! at the window that holds its period.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    AXIS_PX, FONT, Figure, LABEL_PX, LineKind, RateMarks, TITLE_PX, colour, data, pe, time_tick,
};
use crate::results::Row;

/// Windows longer than this are not drawn: a year already holds every
/// kernel width's step at the measured rates but 64 bits', whose step lies
/// tens of thousands of years out (the CSV keeps them all).
pub const MAX_WINDOW_S: f64 = crate::timing::YEAR_S;

/// Probabilities below 10^FLOOR are not drawn (the CSV keeps them exactly,
/// down to 1e-(10^19)); a line that leaves the plot goes below the floor.
pub const FLOOR: f64 = -40.0;

pub(crate) struct PWindow {
    data: data::PWindowData,
    /// Per series: kind and label of its rate.
    kinds: Vec<(LineKind, String)>,
}

impl PWindow {
    pub(crate) fn from_rows(rows: &[Row], marks: &RateMarks) -> Option<PWindow> {
        let data = data::p_window(rows, &marks.rates())?;
        let kinds = data
            .series
            .iter()
            .map(|s| {
                let (k, l) = marks.kind(s.rate);
                let rate = crate::text::table::rate_text(s.rate);
                let what = match l {
                    Some(l) => format!("{l}, {rate}/s"),
                    None => format!("{rate}/s"),
                };
                (k, what)
            })
            .collect();
        Some(PWindow { data, kinds })
    }
}

impl Figure for PWindow {
    fn name(&self) -> &'static str {
        crate::results::spec::FigureId::PWindow.name()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let ws = self
            .data
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .filter(|w| *w <= MAX_WINDOW_S);
        let (w0, w1) = ws.fold((f64::MAX, f64::MIN), |(a, b), w| (a.min(w), b.max(w)));
        let title = if self.data.jittered {
            "Accident: P(false positive) per speculation vs window (jittered writer)".to_string()
        } else {
            format!(
                "Accident: P(false positive) per speculation vs window ({} writer, exact: lattice)",
                self.data.process
            )
        };
        let mut keys: Vec<f64> = self
            .data
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .filter(|w| *w <= MAX_WINDOW_S)
            .collect();
        keys.sort_by(f64::total_cmp);
        keys.dedup();
        // At most a dozen labelled ticks.
        let step = keys.len().div_ceil(12).max(1);
        let keys: Vec<f64> = keys.into_iter().step_by(step).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, TITLE_PX - 6))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(
                (w0 / 2.0..w1 * 2.0).log_scale().with_key_points(keys),
                FLOOR..1.0,
            )
            .map_err(pe)?;
        let x_desc = if self.data.jittered {
            "window length T, up to a year (writer rate x lognormal factor, median 1, p99 1.5)"
        } else {
            "speculation window length, up to a year (exactly fixed)"
        };
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("P(false positive), log10 (below 1e-40 not drawn)")
            .x_label_formatter(&|v| time_tick(*v))
            .y_label_formatter(&|v| super::pow10_tick(10f64.powf(v.round())))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, AXIS_PX))
            .draw()
            .map_err(pe)?;
        let mut bits: Vec<u32> = self.data.series.iter().map(|s| s.bits).collect();
        bits.sort_unstable();
        bits.dedup();
        let mut order: Vec<usize> = (0..self.kinds.len()).collect();
        order.sort_by_key(|&i| self.kinds[i].0 == LineKind::Observed);
        for (s, (kind, what)) in order
            .iter()
            .map(|&i| (&self.data.series[i], &self.kinds[i]))
        {
            let ci = bits.iter().position(|b| *b == s.bits).unwrap_or(0);
            let dashed = *kind == LineKind::Observed;
            // The observed rate's line lies on the measured one's plateau
            // (2^-(W-1) whatever the rate): drawn lighter, on top, so its
            // dashes show.
            let c = if dashed {
                let k = colour(ci);
                RGBColor(
                    ((k.0 as u16 + 2 * 255) / 3) as u8,
                    ((k.1 as u16 + 2 * 255) / 3) as u8,
                    ((k.2 as u16 + 2 * 255) / 3) as u8,
                )
            } else {
                colour(ci)
            };
            let label = format!("{}-bit counter, {what}", s.bits);
            // Split the line where it leaves the plot so nothing is drawn
            // at a made-up value.
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for p in s.points.iter().filter(|p| p.0 <= MAX_WINDOW_S) {
                if p.1 >= FLOOR {
                    if let Some(r) = runs.last_mut() {
                        r.push(*p);
                    }
                } else if !runs.last().is_some_and(Vec::is_empty) {
                    runs.push(Vec::new());
                }
            }
            let mut labelled = false;
            for run in runs.into_iter().filter(|r| !r.is_empty()) {
                let pieces = if dashed {
                    super::dashed(&run, 4)
                } else {
                    vec![run.clone()]
                };
                for (k, piece) in pieces.into_iter().enumerate() {
                    let series = chart
                        .draw_series(LineSeries::new(piece, c.stroke_width(3)))
                        .map_err(pe)?;
                    if !labelled && k == 0 {
                        series.label(label.clone()).legend(move |(x, y)| {
                            if dashed {
                                PathElement::new([(x, y), (x + 8, y)], c.stroke_width(3))
                            } else {
                                PathElement::new([(x, y), (x + 20, y)], c.stroke_width(3))
                            }
                        });
                        labelled = true;
                    }
                }
                if dashed {
                    chart
                        .draw_series(run.iter().map(|p| Cross::new(*p, 6, c.stroke_width(2))))
                        .map_err(pe)?;
                } else {
                    chart
                        .draw_series(run.iter().map(|p| Circle::new(*p, 4, c.filled())))
                        .map_err(pe)?;
                }
            }
            if !labelled {
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                    .map_err(pe)?
                    .label(format!("{label}: below 1e-40 everywhere"))
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2))
                    });
            }
        }
        super::draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    }
}
