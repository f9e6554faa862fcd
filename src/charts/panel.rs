//! One panel of a pair figure: lines in segments, dashed reference levels, a legend, and a note
//! in place of missing data.

use super::pair::TimeAxis;
use super::{GREY, chart_error};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

/// Lines with more points than this are drawn one pixel wide.
const DENSE_POINTS: usize = 300;

/// A line of a panel, drawn in segments (a gap where a statistic is undefined).
pub(super) struct Line {
    pub(super) label: String,
    pub(super) color: RGBColor,
    pub(super) segments: Vec<Vec<(f64, f64)>>,
}

/// A dashed horizontal reference line.
pub(super) struct Level {
    pub(super) label: Option<String>,
    pub(super) y: f64,
    pub(super) color: RGBColor,
    /// The panel's range is stretched to show it; otherwise it is drawn only when the data's
    /// range reaches it (a far stop level would flatten the z-score).
    pub(super) fit: bool,
}

/// One panel of a pair figure; `note` is written in an empty panel.
#[allow(clippy::too_many_arguments)]
pub(super) fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    y_desc: &str,
    axis: &TimeAxis,
    x_desc: bool,
    lines: &[Line],
    levels: &[Level],
    note: &str,
) -> anyhow::Result<()> {
    let ys = lines
        .iter()
        .flat_map(|l| l.segments.iter().flatten().map(|p| p.1))
        .chain(levels.iter().filter(|l| l.fit).map(|l| l.y));
    let has_data = lines
        .iter()
        .any(|l| l.segments.iter().any(|s| !s.is_empty()));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    let y_range: Range<f64> = if !has_data || !lo.is_finite() {
        -1.0..1.0
    } else {
        let pad = ((hi - lo) * 0.06)
            .max(hi.abs().max(lo.abs()) * 1e-6)
            .max(1e-9);
        (lo - pad)..(hi + pad)
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 17))
        .margin(6)
        .margin_right(24)
        .x_label_area_size(if x_desc { 44 } else { 24 })
        .y_label_area_size(90)
        .build_cartesian_2d(axis.range.clone(), y_range.clone())
        .map_err(chart_error)?;
    let mut mesh = chart.configure_mesh();
    mesh.y_desc(y_desc)
        .x_labels(12)
        .y_labels(6)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .light_line_style(RGBColor(235, 235, 235));
    if x_desc {
        mesh.x_desc(axis.desc.as_str());
    }
    mesh.draw().map_err(chart_error)?;
    if !has_data {
        let (w, h) = area.dim_in_pixel();
        area.draw_text(
            note,
            &("sans-serif", 16).into_font().color(&GREY),
            (w as i32 / 2 - 150, h as i32 / 2),
        )
        .map_err(chart_error)?;
    }
    let (x0, x1) = (axis.range.start, axis.range.end);
    if let Some(past) = &axis.bootstrap {
        let corners = [(past.start, y_range.start), (past.end, y_range.end)];
        chart
            .draw_series(std::iter::once(Rectangle::new(
                corners,
                RGBColor(238, 238, 238).filled(),
            )))
            .map_err(chart_error)?;
    }
    let mut labelled = 0;
    for level in levels.iter().filter(|l| l.fit || y_range.contains(&l.y)) {
        let style = ShapeStyle::from(&level.color).stroke_width(1);
        let series = chart
            .draw_series(DashedLineSeries::new(
                [(x0, level.y), (x1, level.y)],
                6,
                4,
                style,
            ))
            .map_err(chart_error)?;
        if let Some(label) = &level.label {
            labelled += 1;
            let color = level.color;
            series
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color));
        }
    }
    for line in lines {
        let color = line.color;
        for (k, segment) in line.segments.iter().enumerate() {
            // Thick polylines get miter spikes at the sharp turns of dense data: thin lines there.
            let width = if segment.len() > DENSE_POINTS { 1 } else { 2 };
            let series = chart
                .draw_series(LineSeries::new(
                    segment.iter().copied(),
                    ShapeStyle::from(&color).stroke_width(width),
                ))
                .map_err(chart_error)?;
            if k == 0 {
                series.label(line.label.as_str()).legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
            }
        }
    }
    let drawn = lines
        .iter()
        .filter(|l| l.segments.iter().any(|s| !s.is_empty()))
        .count();
    if has_data && drawn + labelled > 1 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.75))
            .border_style(GREY)
            .draw()
            .map_err(chart_error)?;
    }
    Ok(())
}
