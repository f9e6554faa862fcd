//! The pair figure: one time axis, seven panels (both prices, the hedge ratio, the volatility
//! ratio, the z-score with its bands, both legs' positions, cumulative PnL), and after the
//! z-score one panel per active filter (`filters.rs`).

use super::data::PairData;
use super::decimate::decimate;
use super::filters::{FilterPanel, draw_filter_panel};
use super::panel::{Level, Line, panel};
use super::{BLUE_, DARK, GREEN_, GREY, ORANGE, PURPLE, RED_, chart_error};
use crate::strategy::{FilterLevels, GridSample, ZScoreBands};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

/// The time axis: seconds, minutes or hours from the first row (of the bootstrap history when
/// there is one).
pub(super) struct TimeAxis {
    t0_ns: u64,
    unit_secs: f64,
    pub(super) desc: String,
    pub(super) range: Range<f64>,
    /// Where the bootstrap history lies on the axis (shaded in every panel).
    pub(super) bootstrap: Option<Range<f64>>,
}

impl TimeAxis {
    fn new(history: &[GridSample], rows: &[GridSample]) -> Self {
        let first = history.first().or(rows.first());
        let t0_ns = first.map_or(0, |r| r.t_ns);
        let last_ns = rows.last().map_or(t0_ns, |r| r.t_ns);
        Self::spanning(t0_ns, last_ns).with_bootstrap(history, rows)
    }

    /// An axis from `t0_ns` to `last_ns`, in hours, minutes or seconds by the span.
    pub(super) fn spanning(t0_ns: u64, last_ns: u64) -> Self {
        let span = last_ns.saturating_sub(t0_ns) as f64 / 1e9;
        let (unit_secs, unit) = if span > 3.0 * 3600.0 {
            (3600.0, "hours")
        } else if span > 300.0 {
            (60.0, "minutes")
        } else {
            (1.0, "seconds")
        };
        let start = (t0_ns / 1_000_000_000) as i64;
        let (y, mo, d, h, mi, s) = crate::wire::civil_from_unix(start);
        TimeAxis {
            t0_ns,
            unit_secs,
            desc: format!("{unit} from {y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} UTC"),
            // At least one second, so a single row still has an axis.
            range: 0.0..(span / unit_secs).max(1.0),
            bootstrap: None,
        }
    }

    fn with_bootstrap(mut self, history: &[GridSample], rows: &[GridSample]) -> Self {
        if let (Some(h), Some(live)) = (history.first(), rows.first()) {
            self.bootstrap = Some(self.x(h.t_ns)..self.x(live.t_ns));
        }
        self
    }

    pub(super) fn x(&self, t_ns: u64) -> f64 {
        t_ns.saturating_sub(self.t0_ns) as f64 / 1e9 / self.unit_secs
    }
}

/// Points of `value` over the rows, split where it is undefined.
pub(super) fn segments(
    rows: &[GridSample],
    axis: &TimeAxis,
    value: impl Fn(&GridSample) -> Option<f64>,
) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current = Vec::new();
    for r in rows {
        match value(r).filter(|v| v.is_finite()) {
            Some(v) => current.push((axis.x(r.t_ns), v)),
            None if !current.is_empty() => out.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out.into_iter().map(decimate).collect()
}

/// A step line of `value` (positions change at a row and hold until the next change).
fn steps(
    rows: &[GridSample],
    axis: &TimeAxis,
    value: impl Fn(&GridSample) -> f64,
) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut last: Option<f64> = None;
    for r in rows {
        let (x, v) = (axis.x(r.t_ns), value(r));
        match last {
            Some(prev) if prev != v => {
                out.push((x, prev));
                out.push((x, v));
            }
            None => out.push((x, v)),
            _ => {}
        }
        last = Some(v);
    }
    if let (Some(r), Some(v)) = (rows.last(), last) {
        out.push((axis.x(r.t_ns), v));
    }
    decimate(out)
}

/// Cumulative PnL from the fills, marked to the rows' mids, after commissions.
fn fills_pnl(pair: &PairData, axis: &TimeAxis) -> Vec<(f64, f64)> {
    let (mut cash, mut pos_a, mut pos_b) = (0.0, 0.0, 0.0);
    let mut next = 0;
    let mut out = Vec::with_capacity(pair.rows.len());
    for r in &pair.rows {
        while let Some(f) = pair.fills.get(next).filter(|f| f.strategy_t_ns() <= r.t_ns) {
            if f.symbol == pair.a {
                pos_a += f.qty;
            } else {
                pos_b += f.qty;
            }
            cash -= f.qty * f.price + f.commission;
            next += 1;
        }
        out.push((axis.x(r.t_ns), cash + pos_a * r.a_mid + pos_b * r.b_mid));
    }
    decimate(out)
}

/// Cumulative PnL of the strategy's own positions at mid, without costs: each row's move times
/// the position held over it.
fn model_pnl(rows: &[GridSample], axis: &TimeAxis) -> Vec<(f64, f64)> {
    let mut pnl = 0.0;
    let mut out = Vec::with_capacity(rows.len());
    for (k, r) in rows.iter().enumerate() {
        if k > 0 {
            let p = &rows[k - 1];
            pnl += p.position_a as f64 * (r.a_mid - p.a_mid)
                + p.position_b as f64 * (r.b_mid - p.b_mid);
        }
        out.push((axis.x(r.t_ns), pnl));
    }
    decimate(out)
}

/// `color` halfway to white: the bootstrap's shade of a live line.
fn lighter(color: RGBColor) -> RGBColor {
    let half = |c: u8| ((c as u16 + 255) / 2) as u8;
    RGBColor(half(color.0), half(color.1), half(color.2))
}

/// Draws the figure of one pair on `root`.
pub(super) fn draw_pair<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pair: &PairData,
    strategy: &str,
    bands: Option<ZScoreBands>,
    filters: (Option<FilterLevels>, &[FilterPanel]),
) -> anyhow::Result<()> {
    let rows = &pair.rows;
    let history = &pair.history;
    let axis = TimeAxis::new(history, rows);
    let strategy_label = if strategy.is_empty() { "?" } else { strategy };
    let mut title = format!(
        "{} / {}: {strategy_label} strategy, {} grid rows, {} fills",
        pair.a,
        pair.b,
        rows.len(),
        pair.fills.len()
    );
    if !history.is_empty() {
        title.push_str(&format!(
            " after {} bootstrap rows (shaded, lighter)",
            history.len()
        ));
    }
    if pair.dropped_rows > 0 {
        title.push_str(&format!(
            " ({} later rows not recorded: engine.series_capacity)",
            pair.dropped_rows
        ));
    }
    let root = root
        .titled(
            &title,
            ("sans-serif", 22).into_font().style(FontStyle::Bold),
        )
        .map_err(chart_error)?;
    let (levels, extra) = filters;
    let areas = root.split_evenly((7 + extra.len(), 1));
    // The filter panels go after the z-score; positions and PnL (with the time axis) last.
    let (positions, pnl_area) = (5 + extra.len(), 6 + extra.len());
    let line = |label: &str, color, segments| Line {
        label: label.to_string(),
        color,
        segments,
    };
    // The bootstrap history of a statistic, in a lighter shade of its live colour.
    let past = |label: &str, color: RGBColor, value: &dyn Fn(&GridSample) -> Option<f64>| Line {
        label: format!("{label} (bootstrap)"),
        color: lighter(color),
        segments: segments(history, &axis, value),
    };

    panel(
        &areas[0],
        &format!("Price A: {} (mid)", pair.a),
        "USD",
        &axis,
        false,
        &[
            line(&pair.a, BLUE_, segments(rows, &axis, |r| Some(r.a_mid))),
            past(&pair.a, BLUE_, &|r| Some(r.a_mid)),
        ],
        &[],
        "no data",
    )?;
    panel(
        &areas[1],
        &format!("Price B: {} (mid)", pair.b),
        "USD",
        &axis,
        false,
        &[
            line(&pair.b, RED_, segments(rows, &axis, |r| Some(r.b_mid))),
            past(&pair.b, RED_, &|r| Some(r.b_mid)),
        ],
        &[],
        "no data",
    )?;
    let beta_title = match strategy {
        "seed" => "Beta = mean(A) / mean(B) over the window",
        "kalman" => "Hedge ratio (Kalman filter)",
        "zscore" => "Hedge ratio (rolling OLS of A on B)",
        _ => "Hedge ratio",
    };
    panel(
        &areas[2],
        beta_title,
        "beta",
        &axis,
        false,
        &[
            line("beta", PURPLE, segments(rows, &axis, |r| r.hedge_ratio)),
            past("beta", PURPLE, &|r| r.hedge_ratio),
        ],
        &[],
        "hedge ratio not yet defined",
    )?;
    let vr = segments(rows, &axis, |r| r.volatility_ratio);
    let vr_levels = if vr.is_empty() {
        Vec::new()
    } else {
        vec![Level {
            label: Some("VR = 1".into()),
            y: 1.0,
            color: GREY,
            fit: true,
        }]
    };
    panel(
        &areas[3],
        "Volatility ratio = std(returns A) / std(returns B)",
        "VR",
        &axis,
        false,
        &[
            line("volatility ratio", ORANGE, vr),
            past("volatility ratio", ORANGE, &|r| r.volatility_ratio),
        ],
        &vr_levels,
        "volatility ratio: the seed model's statistic only",
    )?;
    let z = segments(rows, &axis, |r| r.zscore);
    let mut z_levels = Vec::new();
    if let (Some(b), false) = (bands, z.is_empty()) {
        let mut band = |name: &str, level: f64, color: RGBColor, fit: bool| {
            for (k, y) in [level, -level].into_iter().enumerate() {
                z_levels.push(Level {
                    label: (k == 0).then(|| format!("{name} ±{level}")),
                    y,
                    color,
                    fit,
                });
            }
        };
        band("entry", b.entry, RED_, true);
        band("exit", b.exit, GREEN_, true);
        if let Some(stop) = b.stop {
            band("stop", stop, DARK, false);
        }
    }
    let (mut z_title, z_desc) = match strategy {
        "kalman" => (
            "Forecast error of A / its standard deviation".to_string(),
            "error / sd",
        ),
        _ => ("Spread z-score".to_string(), "z"),
    };
    let z_extent = z.iter().flatten().fold(0.0f64, |m, p| m.max(p.1.abs()));
    if let Some(stop) = bands.and_then(|b| b.stop)
        && stop > z_extent.max(bands.map_or(0.0, |b| b.entry)) * 1.06
    {
        z_title.push_str(&format!(" (stop ±{stop} is off this scale)"));
    }
    panel(
        &areas[4],
        &z_title,
        z_desc,
        &axis,
        false,
        &[line("z", BLUE_, z), past("z", BLUE_, &|r| r.zscore)],
        &z_levels,
        "no z-score: the seed model trades any deviation from fair value",
    )?;
    for (k, which) in extra.iter().enumerate() {
        draw_filter_panel(
            &areas[5 + k],
            *which,
            pair,
            &axis,
            levels.unwrap_or_default(),
        )?;
    }
    panel(
        &areas[positions],
        "Positions (shares, as the strategy holds them)",
        "shares",
        &axis,
        false,
        &[
            line(
                &pair.a,
                BLUE_,
                vec![steps(rows, &axis, |r| r.position_a as f64)],
            ),
            line(
                &pair.b,
                RED_,
                vec![steps(rows, &axis, |r| r.position_b as f64)],
            ),
        ],
        &[],
        "no data",
    )?;
    let mut pnl = vec![line(
        "strategy positions at mid, no costs",
        GREY,
        vec![model_pnl(rows, &axis)],
    )];
    if !pair.fills.is_empty() {
        pnl.push(line(
            "fills marked to mid, after commissions",
            DARK,
            vec![fills_pnl(pair, &axis)],
        ));
    }
    panel(
        &areas[pnl_area],
        "Cumulative PnL",
        "USD",
        &axis,
        true,
        &pnl,
        &[Level {
            label: None,
            y: 0.0,
            color: GREY,
            fit: true,
        }],
        "no data",
    )?;
    Ok(())
}
