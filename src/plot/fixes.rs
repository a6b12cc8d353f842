//! Figure (c): the fixes compared — the explorer's minimal writer cycles
//! to a false positive for each protocol instance under each memory model
//! (models with the same answer share a bar), coloured by outcome: full
//! period (at least half the period of its bits), short (a wrap of part of
//! the state), broken (an ordering bug: a handful of cycles), none (no
//! false positive at all). The classes are `data::FixOutcome`'s.
//!
//! Only kernel widths (32 bits and up) are drawn: the 8-bit rows of the
//! sweep are there to keep the explorer's traces readable, not to be
//! compared. A protocol with no false positive gets no bar (there is no
//! count to draw), only its marker and words at the axis.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::FixOutcome;
use super::{FONT, Figure, LABEL_PX, TITLE_PX, data, pe};
use crate::results::cost::Cost;
use crate::results::spec::FigureId;
use crate::results::{EngineKind, Metric, Row, select};

/// The x axis ends here (log2 of cycles): past 2^63, room for words.
const X_END: f64 = 66.0;
/// Pixels above the chart for the legend.
const LEGEND_PX: u32 = 60;
/// The outcome classes, as the legend names them.
const LEGEND: [(FixOutcome, &str); 4] = [
    (
        FixOutcome::Full,
        "full: at least half the period of its bits",
    ),
    (FixOutcome::Short, "short: a wrap of part of the state"),
    (
        FixOutcome::Broken,
        "broken: an ordering bug, a handful of cycles",
    ),
    (FixOutcome::Never, "none: no false positive at all"),
];
/// Narrower widths are left out of the figure (toy widths).
const MIN_BITS: u32 = 32;

/// One bar: label, models, the explorer's answer, cost.
struct Bar {
    label: String,
    models: String,
    bar: data::FixBar,
    cost: String,
}

pub(crate) struct Fixes {
    bars: Vec<Bar>,
    models: usize,
}

impl Fixes {
    pub(crate) fn from_rows(rows: &[Row]) -> Option<Fixes> {
        let groups = data::fix_groups(rows);
        let protocols: std::collections::BTreeSet<&str> =
            groups.iter().map(|g| g.1.0.as_str()).collect();
        if protocols.len() < 2 {
            return None;
        }
        let cost = |key: &(String, String)| -> String {
            select(rows, EngineKind::Explore, Metric::ProtocolCost)
                .find(|r| r.protocol == key.0 && r.params == key.1)
                .and_then(|r| Cost::parse(&r.value))
                .map(|c| c.short())
                .unwrap_or_default()
        };
        let mut models = std::collections::BTreeSet::new();
        let mut bars = Vec::new();
        for (label, key, bits, per) in groups {
            if bits < MIN_BITS {
                continue;
            }
            let c = cost(&key);
            for (m, bar) in per {
                models.extend(m.iter().cloned());
                bars.push(Bar {
                    label: label.clone(),
                    models: m.join(" "),
                    bar,
                    cost: c.clone(),
                });
            }
        }
        Some(Fixes {
            bars,
            models: models.len(),
        })
    }
}

/// The colour of an outcome (Okabe-Ito: blue, orange, vermillion, green).
fn colour(o: FixOutcome) -> RGBColor {
    match o {
        FixOutcome::Full => RGBColor(0, 114, 178),
        FixOutcome::Short => RGBColor(230, 159, 0),
        FixOutcome::Broken => RGBColor(213, 94, 0),
        FixOutcome::Never => RGBColor(0, 158, 115),
    }
}

impl Figure for Fixes {
    fn name(&self) -> &'static str {
        FigureId::Fixes.name()
    }

    fn size(&self) -> (u32, u32) {
        (
            super::SIZE.0,
            (24 * self.bars.len() as u32 + 190 + LEGEND_PX).max(super::SIZE.1),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.bars.len();
        let labels: Vec<String> = self
            .bars
            .iter()
            .map(|b| {
                if self.models > 1 {
                    format!("{} [{}]", b.label, b.models)
                } else {
                    b.label.clone()
                }
            })
            .collect();
        let caption = if self.models > 1 {
            "Fixes under each memory model: writer cycles a held reader must sleep through"
        } else {
            "Fixes compared: writer cycles a held reader must sleep through"
        };
        // The legend above the chart, outside the bars' rows.
        let area = root.titled(caption, (FONT, TITLE_PX - 6)).map_err(pe)?;
        let (legend, area) = area.split_vertically(LEGEND_PX);
        for (k, (o, what)) in LEGEND.iter().enumerate() {
            let (x, y) = (350 + (k as i32 % 2) * 330, 10 + (k as i32 / 2) * 24);
            legend
                .draw(&Rectangle::new(
                    [(x, y), (x + 16, y + 12)],
                    colour(*o).mix(0.8).filled(),
                ))
                .map_err(pe)?;
            legend
                .draw(&Text::new(
                    *what,
                    (x + 24, y - 2),
                    (FONT, LABEL_PX - 1).into_font().color(&BLACK),
                ))
                .map_err(pe)?;
        }
        let mut chart = ChartBuilder::on(&area)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(330)
            .build_cartesian_2d(0.0..X_END, -0.5..n as f64 - 0.5)
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
            .x_label_formatter(&|v| if *v <= 64.0 { format!("2^{v:.0}") } else { String::new() })
            .y_label_formatter(&ylab)
            .y_labels(n * 2 + 1)
            .disable_y_mesh()
            .light_line_style(WHITE.mix(0.0))
            .label_style((FONT, LABEL_PX - 2))
            .axis_desc_style((FONT, LABEL_PX + 2))
            .draw()
            .map_err(pe)?;
        for (i, b) in self.bars.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let outcome = b.bar.outcome();
            let c = colour(outcome);
            // No count, no bar: a marker at the axis.
            let x = match b.bar.log2_min {
                Some(x) => {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(0.0, y - 0.38), (x.max(0.6), y + 0.38)],
                            c.mix(0.8).filled(),
                        )))
                        .map_err(pe)?;
                    x
                }
                None => {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(0.0, y - 0.38), (0.6, y + 0.38)],
                            c.filled(),
                        )))
                        .map_err(pe)?;
                    0.0
                }
            };
            let verdict = if outcome == FixOutcome::Never {
                format!("no false positive ({})", b.bar.verdict)
            } else {
                format!("{} ({})", b.bar.min_text, outcome.word())
            };
            let text = if b.cost.is_empty() {
                verdict
            } else {
                format!("{verdict};  {}", b.cost)
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (if x > 40.0 { 0.8 } else { x.max(0.6) + 0.6 }, y + 0.25),
                    (FONT, LABEL_PX - 3).into_font().color(&BLACK),
                )))
                .map_err(pe)?;
        }

        Ok(())
    }
}
