//! Figure (d): the engines agreeing — each engine's answer against the
//! closed form (analyze), on the diagonal when they agree.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{AXIS_PX, FONT, Figure, LABEL_PX, TITLE_PX, colour, data, pe};
use crate::results::Row;

pub(crate) struct EnginesAgree {
    cycles: Vec<data::Agreement>,
    probs: Vec<data::Agreement>,
}

impl EnginesAgree {
    pub(crate) fn from_rows(rows: &[Row]) -> Option<EnginesAgree> {
        let cycles = data::agree_cycles(rows);
        let probs = data::agree_probability(rows);
        (!cycles.is_empty() || !probs.is_empty()).then_some(EnginesAgree { cycles, probs })
    }
}

fn span(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (a, b) = v.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    if a > b { (0.0, 1.0) } else { (a, b) }
}

impl Figure for EnginesAgree {
    fn name(&self) -> &'static str {
        crate::results::spec::FigureId::Engines.name()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let root = root
            .titled(
                "Engines agreeing: each engine against the closed form",
                (FONT, TITLE_PX),
            )
            .map_err(pe)?;
        let (left, right) = root.split_horizontally(SIZE_HALF);

        // Left: minimal cycles, log2.
        let (a, b) = span(self.cycles.iter().flat_map(|g| [g.reference, g.other]));
        let mut chart = ChartBuilder::on(&left)
            .caption("minimal cycles to a false positive", (FONT, AXIS_PX))
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(a - 1.0..b + 1.0, a - 1.0..b + 1.0)
            .map_err(pe)?;
        chart
            .configure_mesh()
            .x_desc("analyze (closed form), log2 cycles")
            .y_desc("explore / stress, log2 cycles")
            .x_label_formatter(&|v| format!("2^{v:.0}"))
            .y_label_formatter(&|v| format!("2^{v:.0}"))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX + 2))
            .draw()
            .map_err(pe)?;
        chart
            .draw_series(LineSeries::new(
                [(a - 1.0, a - 1.0), (b + 1.0, b + 1.0)],
                BLACK.mix(0.4),
            ))
            .map_err(pe)?;
        let engines = [
            crate::results::EngineKind::Explore,
            crate::results::EngineKind::Stress,
        ];
        for (i, who) in engines.map(|e| e.name()).into_iter().enumerate() {
            let pts: Vec<(f64, f64)> = self
                .cycles
                .iter()
                .filter(|g| g.what == who)
                .map(|g| (g.reference, g.other))
                .collect();
            if pts.is_empty() {
                continue;
            }
            let c = colour(i);
            let size = 7 - 3 * i as i32;
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, size, c.stroke_width(2))))
                .map_err(pe)?
                .label(format!("{who} ({} points)", pts.len()))
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.stroke_width(2)));
        }
        super::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;

        // Right: probabilities on log axes, sample with its 95% interval.
        let (a, b) = span(
            self.probs
                .iter()
                .flat_map(|g| [g.reference, g.other, g.ci.map_or(g.other, |c| c.0)])
                .filter(|v| *v > 0.0)
                .map(f64::log10),
        );
        let (a, b) = (10f64.powf(a.floor()), 10f64.powf(b.ceil() + 0.01));
        let mut chart = ChartBuilder::on(&right)
            .caption("P(false positive) per speculation", (FONT, AXIS_PX))
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d((a..b).log_scale(), (a..b).log_scale())
            .map_err(pe)?;
        chart
            .configure_mesh()
            .x_desc("analyze (exact)")
            .y_desc("sample, with 95% interval")
            .x_label_formatter(&|v| super::pow10_tick(*v))
            .y_label_formatter(&|v| super::pow10_tick(*v))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, LABEL_PX + 2))
            .draw()
            .map_err(pe)?;
        chart
            .draw_series(LineSeries::new([(a, a), (b, b)], BLACK.mix(0.4)))
            .map_err(pe)?;
        let lg = |v: f64| v;
        let c = colour(2);
        chart
            .draw_series(self.probs.iter().filter_map(|g| {
                let (lo, hi) = g.ci?;
                let x = lg(g.reference);
                Some(PathElement::new(
                    [(x, lg(lo)), (x, lg(hi))],
                    c.stroke_width(2),
                ))
            }))
            .map_err(pe)?;
        chart
            .draw_series(
                self.probs
                    .iter()
                    .map(|g| Circle::new((lg(g.reference), lg(g.other)), 4, c.filled())),
            )
            .map_err(pe)?
            .label(format!("sample ({} points)", self.probs.len()))
            .legend(move |(x, y)| Circle::new((x + 10, y), 4, c.filled()));
        super::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    }
}

const SIZE_HALF: u32 = super::SIZE.0 / 2;
