//! The figure that carries the answer: per reader site, the holds that
//! keep its window open (bounded ones as bars to their bound, unbounded
//! ones as arrows off the right edge), coloured by the least privilege
//! that can use them, against the time mm_lock_seq (or the site's
//! counter) takes to come back at the attacker's rate with the CPUs the
//! hold leaves. On a log time axis from 100 ms to 10 h, tens of seconds
//! and minutes lie a decade apart.
//!
//! Drawn from the report's audit ([`SitesPlot`]), not from a sweep CSV.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{AXIS_PX, FONT, Figure, LABEL_PX, TITLE_PX, pe, time_tick};
use crate::error::Result;

/// One line of holds in a site's band: holds of one privilege, bounded or
/// not.
#[derive(Clone, Debug, PartialEq)]
pub struct HoldLine {
    /// The holds' names, shortened.
    pub label: String,
    /// Index of the privilege (0: none) for its colour.
    pub privilege: usize,
    /// The privilege's name.
    pub privilege_name: String,
    /// The longest bound, seconds; `None`: unbounded.
    pub bound_s: Option<f64>,
}

/// One site.
#[derive(Clone, Debug, PartialEq)]
pub struct SiteBand {
    /// The site's name.
    pub site: String,
    /// The wrap time at the rate of the CPUs the verdict's hold leaves;
    /// `None`: not measured or no false positive.
    pub wrap_s: Option<f64>,
    /// What to print when there is no wrap time.
    pub no_wrap: String,
    /// Its hold lines, least privilege first.
    pub holds: Vec<HoldLine>,
}

/// What the figure draws.
#[derive(Clone, Debug, PartialEq)]
pub struct SitesPlot {
    /// One band per site, top to bottom.
    pub sites: Vec<SiteBand>,
    /// The preemption model and rate it was judged at (the subtitle).
    pub note: String,
}

const X0: f64 = 0.1;
const X1: f64 = 36_000.0;
/// Vertical room per hold line and per band's gap, in band units.
const LINE: f64 = 1.0;
const GAP: f64 = 1.2;

/// Privilege colours: none, user namespace, CAP_SYS_NICE,
/// CAP_SYS_PTRACE, root, host (Okabe–Ito, darkest for the least).
const PRIV: [RGBColor; 6] = [
    RGBColor(213, 94, 0),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(86, 180, 233),
    RGBColor(150, 150, 150),
];

struct SitesFigure<'a>(&'a SitesPlot);

impl SitesFigure<'_> {
    fn height_units(&self) -> f64 {
        self.0
            .sites
            .iter()
            .map(|s| s.holds.len().max(1) as f64 * LINE + GAP)
            .sum()
    }
}

impl Figure for SitesFigure<'_> {
    fn name(&self) -> &'static str {
        "sites"
    }

    fn size(&self) -> (u32, u32) {
        (1024, (170.0 + 26.0 * self.height_units()).round() as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let p = self.0;
        let h = self.height_units();
        let keys = vec![0.1, 1.0, 10.0, 60.0, 600.0, 3600.0, 36_000.0];
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Reader sites: what holds each window open vs when its counter comes back",
                (FONT, TITLE_PX - 6),
            )
            .margin(16)
            .x_label_area_size(70)
            .y_label_area_size(130)
            .build_cartesian_2d((X0..X1).log_scale().with_key_points(keys), 0.0..h)
            .map_err(pe)?;
        // Band centres for the y labels.
        let mut centres = Vec::new();
        let mut y = h;
        for s in &p.sites {
            let n = s.holds.len().max(1) as f64;
            centres.push((y - GAP / 2.0 - n * LINE / 2.0, s.site.clone()));
            y -= n * LINE + GAP;
        }
        let yl = |v: &f64| {
            centres
                .iter()
                .find(|(c, _)| (c - v).abs() < 0.26)
                .map(|(_, n)| n.clone())
                .unwrap_or_default()
        };
        chart
            .configure_mesh()
            .x_desc(format!("time (log scale); {}", p.note))
            .x_label_formatter(&|v| time_tick(*v))
            .y_label_formatter(&yl)
            .y_labels((h * 4.0) as usize)
            .disable_y_mesh()
            .label_style((FONT, LABEL_PX - 1))
            .axis_desc_style((FONT, AXIS_PX - 4))
            .draw()
            .map_err(pe)?;
        let mut y = h;
        for (k, s) in p.sites.iter().enumerate() {
            let n = s.holds.len().max(1) as f64;
            let top = y - GAP / 2.0;
            let bottom = top - n * LINE;
            if k % 2 == 0 {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(X0, top + GAP / 2.0), (X1, bottom - GAP / 2.0)],
                        RGBColor(246, 246, 246).filled(),
                    )))
                    .map_err(pe)?;
            }
            for (i, l) in s.holds.iter().enumerate() {
                let yy = top - (i as f64 + 0.5) * LINE;
                let c = PRIV[l.privilege.min(PRIV.len() - 1)];
                let end = l.bound_s.unwrap_or(X1 / 1.35);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        [(X0, yy), (end, yy)],
                        c.stroke_width(5),
                    )))
                    .map_err(pe)?;
                match l.bound_s {
                    // Unbounded: an arrow off the right edge.
                    None => chart
                        .draw_series(std::iter::once(Polygon::new(
                            vec![(X1 / 1.35, yy + 0.3), (X1, yy), (X1 / 1.35, yy - 0.3)],
                            c.filled(),
                        )))
                        .map_err(pe)?,
                    // Bounded: a bar ending in a tick at its bound.
                    Some(b) => chart
                        .draw_series(std::iter::once(PathElement::new(
                            [(b, yy + 0.3), (b, yy - 0.3)],
                            c.stroke_width(3),
                        )))
                        .map_err(pe)?,
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!(
                            "{} ({}){}",
                            l.label,
                            l.privilege_name,
                            if l.bound_s.is_none() {
                                ", unbounded"
                            } else {
                                ""
                            }
                        ),
                        (X0 * 1.15, yy + 0.12),
                        (FONT, LABEL_PX - 3)
                            .into_font()
                            .color(&BLACK)
                            .pos(Pos::new(HPos::Left, VPos::Bottom)),
                    )))
                    .map_err(pe)?;
            }
            match s.wrap_s {
                Some(w) => {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            [(w, top + 0.15), (w, bottom - 0.15)],
                            BLACK.stroke_width(3),
                        )))
                        .map_err(pe)?;
                    chart
                        .draw_series(std::iter::once(Text::new(
                            format!("wraps: {}", time_tick(w)),
                            (w * 1.08, top - 0.05),
                            (FONT, LABEL_PX - 2)
                                .into_font()
                                .color(&BLACK)
                                .pos(Pos::new(HPos::Left, VPos::Top)),
                        )))
                        .map_err(pe)?;
                }
                None => {
                    chart
                        .draw_series(std::iter::once(Text::new(
                            s.no_wrap.clone(),
                            (600.0, top - 0.05),
                            (FONT, LABEL_PX - 2)
                                .into_font()
                                .color(&BLACK)
                                .pos(Pos::new(HPos::Left, VPos::Top)),
                        )))
                        .map_err(pe)?;
                }
            }
            y -= n * LINE + GAP;
        }
        Ok(())
    }
}

/// Draw `OUT/sites.png` and `.svg`.
pub fn plot_sites(p: &SitesPlot, dir: &Path) -> Result<Vec<PathBuf>> {
    super::render(&SitesFigure(p), dir, "")
}
