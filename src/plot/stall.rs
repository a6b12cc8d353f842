//! Figure (e): how long the counter takes to come back at the write-lock
//! rates measured on this machine, for a 32-bit and a 64-bit counter,
//! against the stalls a reader can suffer (the stall table's figures and
//! this machine's RCU stall timeout). A wrap below a stall mark can happen
//! inside one held reader; above every bounded mark only an unbounded hold
//! (preemption under PREEMPT_RCU, a descheduled vCPU) reaches it.
//!
//! Drawn from the report's measurements, not from a sweep CSV: the input
//! is [`StallPlot`], built by the report from its rate table, the width
//! sweep's explorer counts and `stall::rows()`.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{AXIS_PX, FONT, Figure, LABEL_PX, TITLE_PX, pe, time_tick};
use crate::error::Result;
use crate::timing::YEAR_S;

/// Where a writer's rate comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriterKind {
    /// Measured here (median, with the runs' range).
    Measured,
    /// An estimate from the thread.
    Estimate,
    /// Observed in a workload here.
    Observed,
}

/// One writer of the figure.
#[derive(Clone, Debug, PartialEq)]
pub struct StallWriter {
    /// `munmap-null x2`.
    pub label: String,
    /// Median cycles/s.
    pub rate: f64,
    /// Slowest run.
    pub lo: f64,
    /// Fastest run.
    pub hi: f64,
    /// Where it comes from.
    pub kind: WriterKind,
}

/// What the stall figure draws.
#[derive(Clone, Debug, PartialEq)]
pub struct StallPlot {
    /// The writers, in order.
    pub writers: Vec<StallWriter>,
    /// Cycles for a 32-bit counter to come back (explorer).
    pub cycles_32: f64,
    /// Cycles for a 64-bit counter to come back (explorer).
    pub cycles_64: f64,
    /// Bounded stalls: (seconds, name).
    pub marks: Vec<(f64, String)>,
    /// Unbounded stalls, named (and whether they apply here).
    pub unbounded: Vec<String>,
}

struct StallFigure<'a>(&'a StallPlot);

impl Figure for StallFigure<'_> {
    fn name(&self) -> &'static str {
        "stalls"
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let p = self.0;
        let n = p.writers.len();
        // The 32-bit counter only: a 64-bit one takes thousands of years
        // at every rate, and drawing it would squeeze minutes against tens
        // of seconds into a few pixels (the caption gives its shortest).
        let times = p
            .writers
            .iter()
            .flat_map(|w| [p.cycles_32 / w.hi, p.cycles_32 / w.lo]);
        let (_, hi) = times.fold((f64::MAX, f64::MIN), |(a, b), t| (a.min(t), b.max(t)));
        // From 1 s to a day (or the slowest writer, within a year): minutes
        // and tens of seconds a decade apart. Shorter holds are named in
        // the legend; a slower writer sits on the top edge with its value.
        let (y0, y1) = (1.0, (hi * 3.0).clamp(86_400.0, YEAR_S));
        let mut keys = vec![1.0, 10.0, 60.0, 600.0, 3600.0, 86_400.0];
        let mut y = YEAR_S;
        while y < y1 {
            keys.push(y);
            y *= 100.0;
        }
        keys.retain(|k| *k >= y0 && *k <= y1);
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Time for a 32-bit mm_lock_seq to come back vs how long a reader can be held",
                (FONT, TITLE_PX - 6),
            )
            .margin(16)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(
                -0.5..n as f64 - 0.5,
                (y0..y1).log_scale().with_key_points(keys),
            )
            .map_err(pe)?;
        let labels: Vec<String> = p.writers.iter().map(|w| w.label.clone()).collect();
        let xl = |v: &f64| {
            let i = v.round();
            if (v - i).abs() < 0.01 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_desc(
                "writer (measured here: median and the runs' range; thread's estimate; observed)",
            )
            .y_desc("time to 2^31 cycles (a 32-bit counter)")
            .x_label_formatter(&xl)
            .x_labels(n * 2 + 1)
            .y_label_formatter(&|v| time_tick(*v))
            .disable_x_mesh()
            .label_style((FONT, LABEL_PX - 2))
            .axis_desc_style((FONT, AXIS_PX - 2))
            .draw()
            .map_err(pe)?;
        let grey = RGBColor(120, 120, 120);
        let top_mark = p.marks.iter().map(|m| m.0).fold(0.0, f64::max);
        if top_mark > 0.0 {
            // Above every bounded hold: only an unbounded one gets there.
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(-0.5, top_mark), (n as f64 - 0.5, y1)],
                    RGBColor(240, 240, 240).filled(),
                )))
                .map_err(pe)?;
            if !p.unbounded.is_empty() {
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                    .map_err(pe)?
                    .label("grey: above every bounded hold; only an unbounded one reaches it")
                    .legend(|(x, y)| {
                        Rectangle::new(
                            [(x, y - 6), (x + 16, y + 6)],
                            RGBColor(225, 225, 225).filled(),
                        )
                    });
                // A few names a line, so the legend stays narrow.
                for names in p.unbounded.chunks(3) {
                    chart
                        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                        .map_err(pe)?
                        .label(format!("unbounded: {}", names.join(", ")))
                        .legend(|(x, y)| Circle::new((x + 8, y), 0, WHITE.filled()));
                }
            }
        }
        // Marks within a factor 3 of each other share one label.
        let below: Vec<String> = p
            .marks
            .iter()
            .filter(|m| m.0 < y0)
            .map(|(t, n)| format!("{n} {}", time_tick(*t)))
            .collect();
        if !below.is_empty() {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(pe)?
                .label(format!("holds below 1 s: {}", below.join(", ")))
                .legend(|(x, y)| Circle::new((x + 8, y), 0, WHITE.filled()));
        }
        let mut sorted: Vec<(f64, String)> =
            p.marks.iter().filter(|m| m.0 >= y0).cloned().collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut clusters: Vec<Vec<(f64, String)>> = Vec::new();
        for m in sorted {
            match clusters.last_mut() {
                Some(c) if c.last().is_some_and(|l| m.0 < l.0 * 3.0) => c.push(m),
                _ => clusters.push(vec![m]),
            }
        }
        for c in &clusters {
            for (t, _) in c {
                chart
                    .draw_series(DashedLineSeries::new(
                        [(-0.5, *t), (n as f64 - 0.5, *t)],
                        6,
                        4,
                        grey.stroke_width(1),
                    ))
                    .map_err(pe)?;
            }
            let label: Vec<String> = c
                .iter()
                .map(|(t, name)| format!("{name} {}", time_tick(*t)))
                .collect();
            // Hung from just under the lowest line of the cluster: a gap
            // of about 4 px on this log axis, so the line does not strike
            // through the text.
            let below = c.first().map_or(1.0, |m| m.0) / 1.12;
            chart
                .draw_series(std::iter::once(Text::new(
                    label.join(", "),
                    (n as f64 - 0.5, below),
                    (FONT, LABEL_PX - 3)
                        .into_font()
                        .color(&grey)
                        .pos(Pos::new(HPos::Right, VPos::Top)),
                )))
                .map_err(pe)?;
        }
        let c32 = RGBColor(213, 94, 0);
        let fastest = p.writers.iter().map(|w| w.hi).fold(0.0, f64::max);
        for (i, w) in p.writers.iter().enumerate() {
            let x = i as f64;
            let (t, tlo, thi) = (p.cycles_32 / w.rate, p.cycles_32 / w.hi, p.cycles_32 / w.lo);
            if t > y1 {
                // Off the top: on the edge, with its value.
                chart
                    .draw_series(std::iter::once(TriangleMarker::new(
                        (x, y1 / 1.4),
                        8,
                        c32.filled(),
                    )))
                    .map_err(pe)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{} (off scale)", time_tick(t)),
                        (x + 0.1, y1 / 1.4),
                        (FONT, LABEL_PX - 3).into_font().color(&BLACK),
                    )))
                    .map_err(pe)?;
                continue;
            }
            let style = if w.kind == WriterKind::Measured {
                c32.filled()
            } else {
                c32.stroke_width(2)
            };
            // The runs' range: a whisker with caps, drawn beside the
            // marker so a narrow range is not hidden under it.
            for seg in [
                [(x + 0.12, tlo), (x + 0.12, thi)],
                [(x + 0.07, tlo), (x + 0.17, tlo)],
                [(x + 0.07, thi), (x + 0.17, thi)],
            ] {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        seg,
                        BLACK.stroke_width(2),
                    )))
                    .map_err(pe)?;
            }
            chart
                .draw_series(std::iter::once(Circle::new((x, t), 6, style)))
                .map_err(pe)?;
        }
        for (filled, what) in [
            (true, "measured here (median; whisker: the runs' range)"),
            (false, "the thread's estimate, or observed in a workload"),
        ] {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(pe)?
                .label(what)
                .legend(move |(x, y)| {
                    if filled {
                        Circle::new((x + 8, y), 6, c32.filled())
                    } else {
                        Circle::new((x + 8, y), 6, c32.stroke_width(2))
                    }
                });
        }
        if fastest > 0.0 {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(pe)?
                .label(format!(
                    "a 64-bit counter (2^63 cycles): {} at the fastest rate, off this scale",
                    time_tick(p.cycles_64 / fastest)
                ))
                .legend(move |(x, y)| Circle::new((x + 8, y), 0, WHITE.filled()));
        }
        super::draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    }
}

/// Draw `OUT/stalls.png` and `.svg`.
pub fn plot_stalls(p: &StallPlot, dir: &Path) -> Result<Vec<PathBuf>> {
    super::render(&StallFigure(p), dir, "")
}
