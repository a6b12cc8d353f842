//! Figure (c): the fixes compared — the explorer's minimal writer cycles
//! to a false positive for each scheme instance, with its cost.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, Figure, LABEL_PX, TITLE_PX, colour, data, pe};
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

/// Colours: exactly the full period 2^(W-1) of the width (as good as one
/// atomic word), fewer (an interleaving the explorer found), none at all.
const FULL: usize = 0;
const BELOW: usize = 1;
const SAFE: usize = 2;

impl Figure for Fixes {
    fn name(&self) -> &'static str {
        "fixes"
    }

    fn size(&self) -> (u32, u32) {
        (
            super::SIZE.0,
            (28 * self.bars.len() as u32 + 170).max(super::SIZE.1),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.bars.len();
        let labels: Vec<String> = self.bars.iter().map(|b| b.0.label.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Fixes compared: writer cycles a stalled reader must sleep through",
                (FONT, TITLE_PX - 2),
            )
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(250)
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
            .x_desc("fewest writer cycles inside one reader window that give a false positive (explorer)")
            .x_label_formatter(&|v| format!("2^{v:.0}"))
            .y_label_formatter(&ylab)
            .y_labels(n * 2 + 1)
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX + 2))
            .draw()
            .map_err(pe)?;
        for (i, (bar, cost)) in self.bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let x = bar.log2_min.unwrap_or(NEVER);
            let full = format!("2^{}", bar.bits - 1);
            let kind = match bar.log2_min {
                None => SAFE,
                Some(_) if bar.min_text == full => FULL,
                Some(_) => BELOW,
            };
            let c = colour(kind);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.0, y - 0.38), (x, y + 0.38)],
                    c.mix(if kind == SAFE { 0.35 } else { 0.75 }).filled(),
                )))
                .map_err(pe)?;
            let verdict = if kind == SAFE {
                format!("no false positive ({})", bar.verdict)
            } else {
                bar.min_text.clone()
            };
            let text = if cost.is_empty() {
                verdict
            } else {
                format!("{verdict};  {cost}")
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (0.8, y + 0.25),
                    (FONT, LABEL_PX - 2).into_font().color(&BLACK),
                )))
                .map_err(pe)?;
        }
        for (kind, what) in [
            (FULL, "exactly 2^(W-1): the full period of its W bits"),
            (BELOW, "fewer: an interleaving of loads and stores"),
            (SAFE, "no false positive at all"),
        ] {
            let c = colour(kind);
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
                .map_err(pe)?
                .label(what)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 16, y + 6)], c.mix(0.75).filled())
                });
        }
        super::draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    }
}
