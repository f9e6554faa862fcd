//! A heatmap of one number over two parameter axes (`hft sweep`'s `heatmap.png`): one cell per
//! pair of axis values, red for the lowest value and green for the highest, the value written in
//! the cell.

use super::{DARK, chart_error, fonts};
use anyhow::Context;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Cells are labelled with their value up to this many per axis.
const LABELLED_CELLS: usize = 24;

/// What a heatmap shows: `cells[y * x_labels.len() + x]`, `None` for a cell with no value.
pub struct Heatmap<'a> {
    pub title: &'a str,
    pub x_key: &'a str,
    pub x_labels: &'a [String],
    pub y_key: &'a str,
    pub y_labels: &'a [String],
    pub cells: &'a [Option<f64>],
}

/// Draws `map` as the PNG `path`.
///
/// # Errors
/// `cells` does not match the axes; drawing or I/O failures.
pub fn draw_heatmap(path: &Path, map: &Heatmap) -> anyhow::Result<()> {
    let (nx, ny) = (map.x_labels.len(), map.y_labels.len());
    anyhow::ensure!(
        nx > 0 && ny > 0 && map.cells.len() == nx * ny,
        "a heatmap needs {nx} x {ny} cells, not {}",
        map.cells.len()
    );
    fonts::register_fonts()?;
    let size = (
        (200 + 90 * nx as u32).clamp(640, 1600),
        (160 + 50 * ny as u32).clamp(480, 1200),
    );
    let root = BitMapBackend::new(path, size).into_drawing_area();
    draw(&root, map).with_context(|| format!("drawing {}", path.display()))?;
    root.present()
        .map_err(chart_error)
        .with_context(|| format!("cannot write {}", path.display()))
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, map: &Heatmap) -> anyhow::Result<()> {
    root.fill(&WHITE).map_err(chart_error)?;
    let (nx, ny) = (map.x_labels.len(), map.y_labels.len());
    let mut chart = ChartBuilder::on(root)
        .caption(map.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(110)
        // A discrete range includes its end: `0..nx - 1` has `nx` segments.
        .build_cartesian_2d((0..nx - 1).into_segmented(), (0..ny - 1).into_segmented())
        .map_err(chart_error)?;
    let label = |labels: &[String], v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nx + 1)
        .y_labels(ny + 1)
        .x_label_formatter(&|v| label(map.x_labels, v))
        .y_label_formatter(&|v| label(map.y_labels, v))
        .x_desc(map.x_key)
        .y_desc(map.y_key)
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .draw()
        .map_err(chart_error)?;
    let (lo, hi) = map
        .cells
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    let span = (hi - lo).max(f64::MIN_POSITIVE);
    let cell = |x: usize, y: usize| {
        [
            (SegmentValue::Exact(x), SegmentValue::Exact(y)),
            (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
        ]
    };
    let cells = (0..ny).flat_map(|y| (0..nx).map(move |x| (x, y)));
    chart
        .draw_series(cells.clone().map(|(x, y)| {
            let color =
                map.cells[y * nx + x].map_or(RGBColor(220, 220, 220), |v| shade((v - lo) / span));
            Rectangle::new(cell(x, y), color.filled())
        }))
        .map_err(chart_error)?;
    if nx <= LABELLED_CELLS && ny <= LABELLED_CELLS {
        let font = ("sans-serif", 13)
            .into_font()
            .color(&DARK)
            .pos(Pos::new(HPos::Center, VPos::Center));
        chart
            .draw_series(cells.map(|(x, y)| {
                let text = map.cells[y * nx + x].map_or("n/a".into(), |v| format!("{v:.2}"));
                Text::new(
                    text,
                    (SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)),
                    font.clone(),
                )
            }))
            .map_err(chart_error)?;
    }
    Ok(())
}

/// Red at 0 (the lowest value), pale yellow at 0.5, green at 1 (the highest).
fn shade(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let (from, to, k) = if t < 0.5 {
        ((214.0, 39.0, 40.0), (255.0, 245.0, 200.0), t * 2.0)
    } else {
        ((255.0, 245.0, 200.0), (44.0, 160.0, 44.0), t * 2.0 - 1.0)
    };
    let mix = |a: f64, b: f64| (a + (b - a) * k).round() as u8;
    RGBColor(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}
