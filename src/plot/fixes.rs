//! Figure (c): the fixes compared — the explorer's minimal writer cycles
//! to a false positive for each scheme instance, with its cost.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{AXIS_PX, FONT, Figure, LABEL_PX, TITLE_PX, colour, data, pe};
use crate::sweep::csv::Row;

/// Bars reach this log2 when the explorer finds no false positive at all.
const NEVER: f64 = 70.0;

pub(crate) struct Fixes {
    bars: Vec<(data::FixBar, String)>,
}

impl Fixes {
    pub(crate) fn from_rows(rows: &[Row]) -> Option<Fixes> {
        let bars = data::fixes(rows);
        let schemes: std::collections::BTreeSet<&str> = bars
            .iter()
            .map(|b| b.label.split(' ').next().unwrap_or(""))
            .collect();
        if schemes.len() < 2 {
            return None;
        }
        let cost = |label: &str| -> String {
            rows.iter()
                .filter(|r| r.engine == "explore" && r.metric == "scheme_cost")
                .find(|r| data::scheme_label(&r.scheme, &r.params) == label)
                .map(|r| r.value.clone())
                .unwrap_or_default()
        };
        let bars = bars.into_iter().map(|b| {
            let c = cost(&b.label);
            (b, c)
        });
        Some(Fixes {
            bars: bars.collect(),
        })
    }
}

impl Figure for Fixes {
    fn name(&self) -> &'static str {
        "fixes"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.bars.len();
        let labels: Vec<String> = self.bars.iter().map(|b| b.0.label.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Fixes compared: writer cycles a reader must sleep through",
                (FONT, TITLE_PX),
            )
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..NEVER + 2.0, -0.5..n as f64 - 0.5)
            .map_err(pe)?;
        let ylab = |v: &f64| -> String {
            let i = v.round();
            if (v - i).abs() < 0.01 && i >= 0.0 && (i as usize) < n {
                labels[n - 1 - i as usize].clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc("minimal writer cycles to a false positive (explorer), log2")
            .x_label_formatter(&|v| format!("2^{v:.0}"))
            .y_label_formatter(&ylab)
            .y_labels(n * 2 + 1)
            .disable_y_mesh()
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, AXIS_PX))
            .draw()
            .map_err(pe)?;
        for (i, (bar, cost)) in self.bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let safe = bar.log2_min.is_none();
            let x = bar.log2_min.unwrap_or(NEVER);
            let c = if safe {
                colour(2)
            } else if x < 31.5 {
                colour(1)
            } else {
                colour(0)
            };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.35), (x, y + 0.35)],
                    c.mix(if safe { 0.35 } else { 0.8 }).filled(),
                )))
                .map_err(pe)?;
            let verdict = if safe {
                format!("no false positive ({})", bar.verdict)
            } else {
                let s = format!("{x:.2}");
                format!("2^{}", s.trim_end_matches('0').trim_end_matches('.'))
            };
            let text = if cost.is_empty() {
                verdict
            } else {
                format!("{verdict}; {cost}")
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (0.8, y - 0.12),
                    (FONT, LABEL_PX - 2).into_font().color(&BLACK),
                )))
                .map_err(pe)?;
        }
        Ok(())
    }
}
