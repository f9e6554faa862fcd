//! The pair figure's panels for the active filters ([`FilterLevels`]), drawn between the
//! z-score and the positions when enabled: the regime statistics (the z-score model's Hurst
//! exponent, the Markov model's probability of the mean-reverting state) with their thresholds,
//! the variance-ratio trend test with its band, and the `var` model's forecast of the spread
//! against the spread. Structural breaks are vertical markers on the forecast panel, or on a
//! hedge-ratio panel of their own for the other models.

use super::data::PairData;
use super::pair::{TimeAxis, segments};
use super::panel::{Level, Line, panel};
use super::{BLUE_, DARK, GREEN_, ORANGE, PURPLE, RED_};
use crate::strategy::{FilterLevels, GridSample};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One of the filter panels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FilterPanel {
    Regime,
    Trend,
    Forecast,
    Breaks,
}

/// The panels `levels` enable, in drawing order.
pub(super) fn panels(levels: Option<FilterLevels>) -> Vec<FilterPanel> {
    let Some(l) = levels else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if l.max_hurst.is_some() || l.markov_min_prob.is_some() {
        out.push(FilterPanel::Regime);
    }
    if l.vr_max_stat.is_some() {
        out.push(FilterPanel::Trend);
    }
    if l.forecast {
        out.push(FilterPanel::Forecast);
    } else if l.breaks {
        out.push(FilterPanel::Breaks);
    }
    out
}

/// Vertical markers at each distinct break time, spanning `lo..hi`.
fn break_markers(rows: &[GridSample], axis: &TimeAxis, lo: f64, hi: f64) -> Line {
    let mut times: Vec<u64> = rows.iter().filter_map(|r| r.filters.break_t_ns).collect();
    times.dedup();
    times.sort_unstable();
    times.dedup();
    Line {
        label: "structural break".into(),
        color: DARK,
        segments: times
            .into_iter()
            .map(|t| vec![(axis.x(t), lo), (axis.x(t), hi)])
            .collect(),
    }
}

/// The y extent of some lines' points.
fn extent(lines: &[Line]) -> Option<(f64, f64)> {
    let ys = lines
        .iter()
        .flat_map(|l| l.segments.iter().flatten().map(|p| p.1));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
        (lo.min(y), hi.max(y))
    });
    lo.is_finite().then_some((lo, hi))
}

/// Draws `which` on `area`.
pub(super) fn draw_filter_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    which: FilterPanel,
    pair: &PairData,
    axis: &TimeAxis,
    levels: FilterLevels,
) -> anyhow::Result<()> {
    let rows = &pair.rows;
    let f32s = |v: Option<f32>| v.map(f64::from);
    let line = |label: &str, color, value: &dyn Fn(&GridSample) -> Option<f64>| Line {
        label: label.into(),
        color,
        segments: segments(rows, axis, value),
    };
    let level = |label: String, y: f64, color| Level {
        label: Some(label),
        y,
        color,
        fit: true,
    };
    match which {
        FilterPanel::Regime => {
            let mut lines = Vec::new();
            let mut marks = Vec::new();
            if let Some(h) = levels.max_hurst {
                lines.push(line("Hurst exponent (DFA)", PURPLE, &|r| {
                    f32s(r.filters.hurst)
                }));
                marks.push(level(format!("max_hurst {h}"), h, PURPLE));
            }
            if let Some(p) = levels.markov_min_prob {
                lines.push(line("P(mean-reverting state)", GREEN_, &|r| {
                    f32s(r.filters.reverting_prob)
                }));
                marks.push(level(format!("markov_min_prob {p}"), p, GREEN_));
            }
            panel(
                area,
                "Regime filter: entries only below max_hurst / above markov_min_prob",
                "H, prob",
                axis,
                false,
                &lines,
                &marks,
                "regime not yet estimated",
            )
        }
        FilterPanel::Trend => {
            let m = levels.vr_max_stat.unwrap_or(0.0);
            panel(
                area,
                "Trend test: variance-ratio z of the spread (trending above the band)",
                "z",
                axis,
                false,
                &[line("variance-ratio z", ORANGE, &|r| {
                    f32s(r.filters.vr_stat)
                })],
                &[
                    level(format!("vr_max_stat {m}"), m, RED_),
                    level(format!("-{m}"), -m, GREEN_),
                ],
                "variance ratio not yet estimated",
            )
        }
        FilterPanel::Forecast => {
            let mut lines = vec![
                line("spread", BLUE_, &|r| f32s(r.filters.spread)),
                line("VAR forecast of the spread", ORANGE, &|r| {
                    f32s(r.filters.forecast)
                }),
            ];
            if levels.breaks
                && let Some((lo, hi)) = extent(&lines)
            {
                lines.push(break_markers(rows, axis, lo, hi));
            }
            panel(
                area,
                "VAR / VECM forecast of the spread vs the spread",
                "spread",
                axis,
                false,
                &lines,
                &[],
                "no VAR fit yet",
            )
        }
        FilterPanel::Breaks => {
            let mut lines = vec![line("hedge ratio", PURPLE, &|r| r.hedge_ratio)];
            if let Some((lo, hi)) = extent(&lines) {
                lines.push(break_markers(rows, axis, lo, hi));
            }
            panel(
                area,
                "Structural breaks (markers) on the hedge ratio",
                "beta",
                axis,
                false,
                &lines,
                &[],
                "hedge ratio not yet defined",
            )
        }
    }
}
