//! Figure (b): probability of a false positive per speculation vs window
//! length, one line per counter width, at one writer rate.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{AXIS_PX, FONT, Figure, LABEL_PX, TITLE_PX, colour, data, pe, time_tick};
use crate::sweep::csv::Row;

/// Probabilities below 10^FLOOR are not drawn (the CSV keeps them exactly,
/// down to 1e-(10^19)); a line that leaves the plot goes below the floor.
pub const FLOOR: f64 = -40.0;

pub(crate) struct PWindow {
    rate: f64,
    process: String,
    by_bits: BTreeMap<u32, Vec<(f64, f64)>>,
}

impl PWindow {
    pub(crate) fn from_rows(rows: &[Row]) -> Option<PWindow> {
        let (rate, process, _hold, by_bits) = data::p_window(rows)?;
        (!by_bits.is_empty()).then_some(PWindow {
            rate,
            process,
            by_bits,
        })
    }
}

impl Figure for PWindow {
    fn name(&self) -> &'static str {
        "p_window"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let ws = self.by_bits.values().flatten().map(|p| p.0);
        let (w0, w1) = ws.fold((f64::MAX, f64::MIN), |(a, b), w| (a.min(w), b.max(w)));
        let title = format!(
            "Accident: P(false positive) per speculation vs window ({} writer, {}/s)",
            self.process,
            crate::report::summary::rate_text(self.rate)
        );
        let mut keys: Vec<f64> = self.by_bits.values().flatten().map(|p| p.0).collect();
        keys.sort_by(f64::total_cmp);
        keys.dedup();
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, TITLE_PX - 4))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(
                (w0 / 2.0..w1 * 2.0).log_scale().with_key_points(keys),
                FLOOR..1.0,
            )
            .map_err(pe)?;
        chart
            .configure_mesh()
            .x_desc("speculation window length (fixed)")
            .y_desc("P(false positive), log10 (below 1e-40 not drawn)")
            .x_label_formatter(&|v| time_tick(*v))
            .y_label_formatter(&|v| super::pow10_tick(10f64.powf(v.round())))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, AXIS_PX))
            .draw()
            .map_err(pe)?;
        for (i, (bits, pts)) in self.by_bits.iter().enumerate() {
            let c = colour(i);
            // Split the line where it leaves the plot so nothing is drawn
            // at a made-up value.
            let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for p in pts {
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
                let s = chart
                    .draw_series(LineSeries::new(run.iter().copied(), c.stroke_width(2)))
                    .map_err(pe)?;
                if !labelled {
                    s.label(format!("{bits}-bit counter"))
                        .legend(move |(x, y)| {
                            PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2))
                        });
                    labelled = true;
                }
                chart
                    .draw_series(run.iter().map(|p| Circle::new(*p, 4, c.filled())))
                    .map_err(pe)?;
            }
            if !labelled {
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                    .map_err(pe)?
                    .label(format!("{bits}-bit counter: below 1e-40 everywhere"))
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 20, y)], c.stroke_width(2))
                    });
            }
        }
        super::draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    }
}
