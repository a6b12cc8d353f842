//! Figure (a): time to the first false positive vs counter width, one line
//! per writer rate, with marks at 1 s, 1 h, 1 day, 1 year, 1000 years.
//! Rates measured on this machine and observed in a workload are drawn
//! apart (thick, solid and dashed) and labelled as such; the sweep's fixed
//! rates are thin grey references.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    AXIS_PX, FONT, Figure, LABEL_PX, LineKind, RateMarks, TITLE_PX, colour, data, pe, time_tick,
};
use crate::results::Row;
use crate::timing::YEAR_S;

/// The marks a maintainer reads the plot against.
pub const MARKS: [(f64, &str); 5] = [
    (1.0, "1 s"),
    (3600.0, "1 hour"),
    (86_400.0, "1 day"),
    (YEAR_S, "1 year"),
    (1000.0 * YEAR_S, "1000 years"),
];

/// One line: rate, how it is drawn, its label, (bits, seconds) points.
type Series = (f64, LineKind, String, Vec<(u32, f64)>);

pub(crate) struct TimeToFp {
    series: Vec<Series>,
}

impl TimeToFp {
    pub(crate) fn from_rows(rows: &[Row], marks: &RateMarks) -> Option<TimeToFp> {
        let mut series: Vec<Series> = data::time_to_fp(rows)
            .into_values()
            .map(|(rate, pts)| {
                let (kind, label) = marks.kind(rate);
                let label = match label {
                    Some(l) => format!("{l}, {}/s", crate::text::table::rate_text(rate)),
                    None => rate_label(rate),
                };
                (rate, kind, label, pts)
            })
            .collect();
        // A reference rate within a factor 2 of a measured or observed one
        // would be drawn under it, invisible: it is left out, and the
        // marked line's label says which it stands for.
        let marked: Vec<f64> = series
            .iter()
            .filter(|s| s.1 != LineKind::Fixed)
            .map(|s| s.0)
            .collect();
        let hidden = |r: f64| {
            marked
                .iter()
                .find(|m| r / **m < 2.0 && *m / r < 2.0)
                .copied()
        };
        let mut covered: Vec<(f64, f64)> = Vec::new();
        series.retain(|s| match (s.1, hidden(s.0)) {
            (LineKind::Fixed, Some(m)) => {
                covered.push((m, s.0));
                false
            }
            _ => true,
        });
        for s in series.iter_mut() {
            let under: Vec<String> = covered
                .iter()
                .filter(|(m, _)| *m == s.0)
                .map(|(_, r)| crate::text::table::rate_text(*r))
                .collect();
            if !under.is_empty() {
                s.2 = format!("{} (covers the {} reference)", s.2, under.join(", "));
            }
        }
        series
            .iter()
            .any(|s| !s.3.is_empty())
            .then_some(TimeToFp { series })
    }
}

/// Ticks a reader knows: 1 ns, 1 us, 1 ms, 1 s, 1 min, 1 h, 1 d, 1 y and
/// every factor 1000 of years.
fn key_points(lo: f64, hi: f64) -> Vec<f64> {
    let mut k = vec![1e-9, 1e-6, 1e-3, 1.0, 60.0, 3600.0, 86_400.0];
    let mut y = YEAR_S;
    while y < 1e30 {
        k.push(y);
        y *= 1000.0;
    }
    k.into_iter().filter(|v| *v >= lo && *v <= hi).collect()
}

fn rate_label(r: f64) -> String {
    format!("{} writer cycles/s", crate::text::table::rate_text(r))
}

impl Figure for TimeToFp {
    fn name(&self) -> &'static str {
        crate::results::spec::FigureId::TimeToFp.name()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let all = self.series.iter().flat_map(|s| s.3.iter());
        let (mut lo, mut hi) = (f64::MAX, f64::MIN);
        let (mut wlo, mut whi) = (u32::MAX, 0);
        for (b, t) in all {
            lo = lo.min(*t);
            hi = hi.max(*t);
            wlo = wlo.min(*b);
            whi = whi.max(*b);
        }
        let y0 = (lo / 10.0).min(0.1);
        let y1 = (hi * 10.0).max(10_000.0 * YEAR_S);
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Time to the first false positive vs counter width",
                (FONT, TITLE_PX),
            )
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(
                wlo.saturating_sub(2)..whi + 2,
                (y0..y1).log_scale().with_key_points(key_points(y0, y1)),
            )
            .map_err(pe)?;
        chart
            .configure_mesh()
            .x_desc("counter width W (bits); a false positive needs 2^(W-1) write-lock cycles")
            .y_desc("time at the writer rate")
            .y_label_formatter(&|v| time_tick(*v))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, AXIS_PX))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(pe)?;
        let x_end = whi + 2;
        for (t, label) in MARKS {
            if t < y0 || t > y1 {
                continue;
            }
            let grey = RGBColor(140, 140, 140);
            chart
                .draw_series(DashedLineSeries::new(
                    [(wlo.saturating_sub(2), t), (x_end, t)],
                    6,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(pe)?;
            // At the left edge, before the first width: no line runs there.
            chart
                .draw_series(std::iter::once(Text::new(
                    label.to_string(),
                    (wlo.saturating_sub(2), t),
                    (FONT, LABEL_PX - 2)
                        .into_font()
                        .color(&grey)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )))
                .map_err(pe)?;
        }
        // Reference lines first, so the measured and observed ones are on
        // top of any fixed rate they lie close to.
        let mut order: Vec<usize> = (0..self.series.len()).collect();
        order.sort_by_key(|&i| self.series[i].1 != LineKind::Fixed);
        let mut fixed_i = 0;
        let any_marked = self.series.iter().any(|s| s.1 != LineKind::Fixed);
        for i in order {
            let (_, kind, label, pts) = &self.series[i];
            let (c, width) = match kind {
                // Without measured or observed rates every line is a rate
                // of the sweep: the palette tells them apart.
                LineKind::Fixed if !any_marked => (colour(i), 2),
                LineKind::Fixed => {
                    fixed_i += 1;
                    let g = 200 - (fixed_i * 25).min(120) as u8;
                    (RGBColor(g, g, g), 1)
                }
                LineKind::Measured => (colour(1), 4),
                LineKind::Observed => (colour(0), 4),
            };
            let line: Vec<(u32, f64)> = pts.clone();
            if *kind == LineKind::Observed {
                for (j, w) in line.windows(2).enumerate() {
                    if j % 2 == 0 {
                        chart
                            .draw_series(LineSeries::new(w.iter().copied(), c.stroke_width(width)))
                            .map_err(pe)?;
                    }
                }
                chart
                    .draw_series(std::iter::empty::<Circle<(u32, f64), i32>>())
                    .map_err(pe)?
                    .label(label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 8, y)], c.stroke_width(width))
                    });
            } else {
                chart
                    .draw_series(LineSeries::new(line.iter().copied(), c.stroke_width(width)))
                    .map_err(pe)?
                    .label(label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new([(x, y), (x + 20, y)], c.stroke_width(width))
                    });
            }
            let r = if *kind == LineKind::Fixed { 2 } else { 4 };
            chart
                .draw_series(line.iter().map(|p| Circle::new(*p, r, c.filled())))
                .map_err(pe)?;
        }
        super::draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    }
}
