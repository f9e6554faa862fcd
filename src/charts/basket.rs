//! `charts/basket-<b>.{png,svg}`: a basket's s-scores with the rules' levels (open at -1.25 and
//! 1.25, close at -0.50 and 0.75 by default) and the shares it targeted per name, on one time
//! axis, from `series/basket-<b>.csv`.

use super::pair::TimeAxis;
use super::panel::{Level, Line, panel};
use super::{GREY, PALETTE, RED_, chart_error};
use crate::config::BasketStrategyParams;
use crate::rundir::BasketSeries;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Draws `series` on `root`: s-scores above, targets below.
pub(super) fn draw_basket<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &BasketSeries,
    rules: &BasketStrategyParams,
) -> anyhow::Result<()> {
    let t0 = series.t_ns.first().copied().unwrap_or(0);
    let axis = TimeAxis::spanning(t0, series.t_ns.last().copied().unwrap_or(t0));
    let color = |i: usize| PALETTE[i % PALETTE.len()];
    let line = |i: usize, value: &dyn Fn(usize) -> f64| {
        // A gap where the value is undefined.
        let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (k, &t) in series.t_ns.iter().enumerate() {
            let y = value(k);
            if y.is_finite() {
                if let Some(s) = segments.last_mut() {
                    s.push((axis.x(t), y));
                }
            } else if segments.last().is_some_and(|s| !s.is_empty()) {
                segments.push(Vec::new());
            }
        }
        Line {
            label: series.names[i].clone(),
            color: color(i),
            segments,
        }
    };
    let scores: Vec<Line> = (0..series.names.len())
        .map(|i| line(i, &|k| series.s_score[i][k]))
        .collect();
    let targets: Vec<Line> = (0..series.names.len())
        .map(|i| line(i, &|k| series.target[i][k] as f64))
        .collect();
    let level = |label: &str, y: f64, color: RGBColor| Level {
        label: Some(format!("{label} {y}")),
        y,
        color,
        fit: true,
    };
    let levels = [
        level("open long", rules.open_long, RED_),
        level("open short", rules.open_short, RED_),
        level("close long", rules.close_long, GREY),
        level("close short", rules.close_short, GREY),
    ];
    let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 / 2);
    panel(
        &top,
        "s-score per name (at each fit)",
        "s",
        &axis,
        false,
        &scores,
        &levels,
        "no fits",
    )?;
    panel(
        &bottom,
        "Basket positions: target shares per name (each position hedged with its loadings, netted)",
        "shares",
        &axis,
        true,
        &targets,
        &[],
        "no positions",
    )?;
    root.present().map_err(chart_error)
}
