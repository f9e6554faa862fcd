//! Latency by percentile, on the axis of HdrHistogram's plotter: x is `1/(1-p)` on a log scale,
//! labelled 0 %, 90 %, 99 %, 99.9 % ..., so each decade is one more nine.

use super::{GREY, PALETTE, chart_error};
use crate::rundir::LatencyFile;
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Highest decade of the percentile axis drawn (99.99999 %).
const MAX_NINES: u32 = 7;

/// One histogram on the percentile axis.
pub(super) struct Curve {
    pub(super) name: String,
    /// (decades of 1/(1-p), microseconds).
    points: Vec<(f64, f64)>,
    count: u64,
}

/// Pipeline order for the legend: io, normalize, signal, dispatch, then the cross-stage spans.
fn stage_rank(name: &str) -> usize {
    [
        "io.",
        "normalize.",
        "signal.",
        "dispatch.",
        "tick_to_decision",
        "read_to_signal",
        "end_to_end",
        "resend_to_wire",
    ]
    .iter()
    .position(|p| name.starts_with(p))
    .unwrap_or(8)
}

/// The curves of the histograms with samples, in pipeline order.
pub(super) fn curves(files: Vec<LatencyFile>) -> Vec<Curve> {
    let mut curves = Vec::new();
    for LatencyFile { name, points } in files {
        let count = points.last().map_or(0, |p| p.total_count);
        if count == 0 {
            tracing::info!(histogram = %name, "no samples: not plotted");
            continue;
        }
        let points = points
            .iter()
            .filter(|p| p.percentile < 1.0)
            .map(|p| (-(1.0 - p.percentile).log10(), p.value))
            .filter(|(x, _)| *x <= MAX_NINES as f64)
            .collect();
        curves.push(Curve {
            name,
            points,
            count,
        });
    }
    curves.sort_by(|a, b| {
        stage_rank(&a.name)
            .cmp(&stage_rank(&b.name))
            .then_with(|| a.name.cmp(&b.name))
    });
    curves
}

/// `90%`, `99%`, `99.9%` ... for `nines` decades of 1/(1-p).
fn percentile_label(nines: f64) -> String {
    if (nines - nines.round()).abs() > 1e-9 || nines < 0.0 {
        return String::new();
    }
    let k = nines.round() as i32;
    let p = 100.0 * (1.0 - 10f64.powi(-k));
    format!("{p:.*}%", (k - 2).max(0) as usize)
}

/// Draws `curves` on `root`, on a logarithmic latency axis when `log_y`.
pub(super) fn draw_latency<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    curves: &[&Curve],
    log_y: bool,
) -> anyhow::Result<()> {
    let x_max = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .fold(0.0f64, f64::max)
        .ceil()
        .clamp(2.0, MAX_NINES as f64);
    let values = || curves.iter().flat_map(|c| c.points.iter().map(|p| p.1));
    let y_max = values().fold(0.0f64, f64::max).max(1e-3);
    if log_y {
        let y_min = values().filter(|v| *v > 0.0).fold(y_max, f64::min);
        let y: LogCoord<f64> = ((y_min * 0.8)..(y_max * 1.25)).log_scale().into();
        latency_chart(root, title, curves, x_max, y, "latency (us, log scale)")
    } else {
        let y: RangedCoordf64 = (0.0..y_max * 1.08).into();
        latency_chart(root, title, curves, x_max, y, "latency (us)")
    }
}

/// The percentile chart on a linear or logarithmic latency axis `y`.
fn latency_chart<DB: DrawingBackend, Y: Ranged<ValueType = f64> + ValueFormatter<f64>>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    curves: &[&Curve],
    x_max: f64,
    y: Y,
    y_desc: &str,
) -> anyhow::Result<()> {
    let y_range = y.range();
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 22).into_font().style(FontStyle::Bold))
        .margin(16)
        .margin_right(44)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..x_max, y)
        .map_err(chart_error)?;
    chart
        .configure_mesh()
        .x_labels(x_max as usize + 1)
        .x_label_formatter(&|x| percentile_label(*x))
        .y_label_formatter(&|y| format_us(*y))
        .x_desc("percentile (axis: 1/(1-p), log scale)")
        .y_desc(y_desc)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(chart_error)?;
    for (i, c) in curves.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(
                // A zero has no place on the log axis.
                c.points.iter().copied().filter(|p| y_range.contains(&p.1)),
                color.stroke_width(2),
            ))
            .map_err(chart_error)?
            .label(format!("{} (n = {})", c.name, c.count))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 13))
        .background_style(WHITE.mix(0.75))
        .border_style(GREY)
        .draw()
        .map_err(chart_error)?;
    Ok(())
}

/// Microseconds with as many decimals as small values need.
fn format_us(us: f64) -> String {
    if us == 0.0 {
        "0".into()
    } else if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 1.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_labels_count_nines() {
        let labels: Vec<String> = (0..6).map(|k| percentile_label(k as f64)).collect();
        assert_eq!(labels, ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
        assert_eq!(percentile_label(2.5), "");
    }
}
