//! `hft report RUN_DIR`: PNG and SVG charts of a run directory of `hft run` or `hft backtest`.
//!
//! - `charts/pair-<A>-<B>.{png,svg}`, one figure per pair on one time axis: the original model's
//!   four panels (price A, price B, beta, volatility ratio), then the spread z-score with its
//!   entry, exit and stop bands, both legs' positions and cumulative PnL. From
//!   `series/<A>-<B>.csv`, `fills.csv` and the `series` section of `summary.json`
//!   ([`crate::record`]).
//! - `charts/latency.{png,svg}` (every stage, log latency axis) and
//!   `charts/latency-end_to_end.{png,svg}`: latency by percentile from `latency/<name>.hgrm`, on
//!   the axis of HdrHistogram's plotter: x is `1/(1-p)` on a log scale, labelled 0 %, 90 %, 99 %,
//!   99.9 % ..., so each decade is one more nine.
//!
//! Missing inputs are skipped with a log line; a malformed file is an error naming the file and
//! line. Text is drawn with the embedded DejaVu Sans through `ab_glyph`, so the charts need no
//! system font (no fontconfig).

use crate::record::{self, FillRow, ParseError, SeriesEntry, SeriesIndex};
use crate::strategy::{GridSample, ZScoreBands};
use anyhow::{Context, bail};
use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Points drawn per line at most: more than a chart's width in pixels, far fewer than a long
/// run's rows (each bucket keeps its minimum and maximum, so spikes survive).
const MAX_POINTS: usize = 2400;
/// Lines with more points than this are drawn one pixel wide.
const DENSE_POINTS: usize = 300;
/// Highest decade of the percentile axis drawn (99.99999 %).
const MAX_NINES: u32 = 7;

const PAIR_SIZE: (u32, u32) = (1400, 1750);
const LATENCY_SIZE: (u32, u32) = (1200, 720);

const BLUE_: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREEN_: RGBColor = RGBColor(44, 160, 44);
const RED_: RGBColor = RGBColor(214, 39, 40);
const PURPLE: RGBColor = RGBColor(148, 103, 189);
const GREY: RGBColor = RGBColor(127, 127, 127);
const DARK: RGBColor = RGBColor(40, 40, 40);
/// Enough distinct colours for the engine's eleven latency histograms.
const PALETTE: [RGBColor; 12] = [
    BLUE_,
    ORANGE,
    GREEN_,
    RED_,
    PURPLE,
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    GREY,
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    DARK,
    RGBColor(174, 199, 232),
];

/// Draws every chart the run directory has data for into `RUN_DIR/charts/` and returns the
/// files written (PNG and SVG of each chart).
///
/// # Errors
/// `run_dir` is not a directory, or has nothing to plot (no `series/*.csv` with rows and no
/// `latency/*.hgrm` with samples); a malformed `summary.json`, series file, `fills.csv` or
/// `.hgrm` (named, with the line); I/O or drawing failures.
pub fn run(run_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    anyhow::ensure!(
        run_dir.is_dir(),
        "{} is not a directory (expected a run directory of hft run or hft backtest)",
        run_dir.display()
    );
    let (index, strategy) = read_summary(run_dir)?;
    let pairs = read_pairs(run_dir, index.as_ref())?;
    let curves = read_latency(run_dir)?;
    if pairs.is_empty() && curves.is_empty() {
        bail!(
            "nothing to plot in {}: no series/*.csv with grid rows and no latency/*.hgrm with samples",
            run_dir.display()
        );
    }
    register_fonts()?;
    let charts = run_dir.join("charts");
    std::fs::create_dir_all(&charts)
        .with_context(|| format!("cannot create {}", charts.display()))?;
    let bands = index.as_ref().and_then(|i| i.zscore_bands);
    let mut written = Vec::new();
    for pair in &pairs {
        let name = record::series_file(&pair.a, &pair.b);
        let stem = name
            .trim_start_matches("series/")
            .trim_end_matches(".csv")
            .to_string();
        let chart = Chart::Pair {
            pair,
            strategy: &strategy,
            bands,
        };
        written.extend(save(&charts, &format!("pair-{stem}"), PAIR_SIZE, &chart)?);
    }
    if !curves.is_empty() {
        let all: Vec<&Curve> = curves.iter().collect();
        let chart = Chart::Latency {
            title: "Latency by percentile, every stage",
            curves: &all,
            log_y: true,
        };
        written.extend(save(&charts, "latency", LATENCY_SIZE, &chart)?);
        match curves.iter().find(|c| c.name == "end_to_end") {
            Some(e2e) => {
                let chart = Chart::Latency {
                    title: "End to end (socket read of the tick to order written)",
                    curves: &[e2e],
                    log_y: false,
                };
                written.extend(save(&charts, "latency-end_to_end", LATENCY_SIZE, &chart)?);
            }
            None => tracing::info!("no end_to_end samples: no end_to_end chart"),
        }
    }
    Ok(written)
}

/// Draws the charts of `run_dir` and prints their paths; a failure is printed, not returned: the
/// run's own outputs are already written (`hft run` and `hft backtest` end with this).
pub fn print_charts(run_dir: &Path) {
    match run(run_dir) {
        Ok(charts) => {
            println!("charts:");
            for chart in charts {
                println!("  {}", chart.display());
            }
        }
        Err(e) => eprintln!("charts not drawn: {e:#}"),
    }
}

/// The `series` index and the strategy name from `summary.json`, when present.
fn read_summary(run_dir: &Path) -> anyhow::Result<(Option<SeriesIndex>, String)> {
    let path = run_dir.join("summary.json");
    let Ok(bytes) = std::fs::read(&path) else {
        tracing::info!(
            "no summary.json in {}: pair names from file names, no z-score bands",
            run_dir.display()
        );
        return Ok((None, String::new()));
    };
    let summary: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let strategy = summary["strategy"].as_str().unwrap_or("").to_string();
    let index = match summary.get("series") {
        Some(v) => Some(
            serde_json::from_value::<SeriesIndex>(v.clone())
                .with_context(|| format!("{}: malformed `series` section", path.display()))?,
        ),
        None => None,
    };
    Ok((index, strategy))
}

/// One pair's data.
struct PairData {
    a: String,
    b: String,
    rows: Vec<GridSample>,
    /// This pair's fills, by time on the strategy clock.
    fills: Vec<FillRow>,
    dropped_rows: u64,
}

fn parse_file<T>(path: &Path, parse: impl Fn(&str) -> Result<T, ParseError>) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn read_pairs(run_dir: &Path, index: Option<&SeriesIndex>) -> anyhow::Result<Vec<PairData>> {
    // From the summary (pair order = pair ids of the fills' `pair` column), or else every
    // series file, legs taken from the name.
    let (entries, from_index): (Vec<SeriesEntry>, bool) = match index {
        Some(i) => (i.pairs.clone(), true),
        None => {
            let dir = run_dir.join("series");
            let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
                Ok(list) => list
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "csv"))
                    .collect(),
                Err(_) => Vec::new(),
            };
            files.sort();
            let entries = files
                .iter()
                .filter_map(|p| {
                    let stem = p.file_stem()?.to_str()?;
                    let (a, b) = stem.split_once('-').unwrap_or((stem, ""));
                    Some(SeriesEntry {
                        a: a.to_string(),
                        b: b.to_string(),
                        file: format!("series/{}", p.file_name()?.to_str()?),
                        rows: 0,
                        dropped_rows: 0,
                    })
                })
                .collect();
            (entries, false)
        }
    };
    if entries.is_empty() {
        tracing::info!("no series files in {}: no pair charts", run_dir.display());
        return Ok(Vec::new());
    }
    let fills_path = run_dir.join("fills.csv");
    let fills = if fills_path.is_file() {
        parse_file(&fills_path, record::read_fills)?
    } else {
        tracing::info!("no fills.csv: PnL from the strategy's positions only");
        Vec::new()
    };
    let mut out = Vec::new();
    for (id, e) in entries.into_iter().enumerate() {
        let path = run_dir.join(&e.file);
        if !path.is_file() {
            tracing::info!(file = %path.display(), "series file missing: pair skipped");
            continue;
        }
        let rows = parse_file(&path, record::read_series)?;
        if rows.is_empty() {
            tracing::info!(file = %path.display(), "no grid rows: pair skipped");
            continue;
        }
        let mut pair_fills: Vec<FillRow> = fills
            .iter()
            .filter(|f| {
                (f.symbol == e.a || f.symbol == e.b)
                    && (!from_index || f.pair.is_none_or(|p| p as usize == id))
            })
            .cloned()
            .collect();
        pair_fills.sort_by_key(FillRow::strategy_t_ns);
        out.push(PairData {
            a: e.a,
            b: e.b,
            rows,
            fills: pair_fills,
            dropped_rows: e.dropped_rows,
        });
    }
    Ok(out)
}

/// One line of a `.hgrm` percentile distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HgrmPoint {
    /// Value at the percentile, in the file's unit (microseconds for the engine's files).
    pub value: f64,
    /// Percentile as a fraction in [0, 1].
    pub percentile: f64,
    pub total_count: u64,
}

/// Parses HdrHistogram's percentile-distribution text ([`crate::latency::percentile_distribution`],
/// Java's `outputPercentileDistribution`): the `Value Percentile TotalCount 1/(1-Percentile)`
/// header, data lines of three or four numbers (the last line has no `1/(1-p)`), and `#[...]`
/// trailer lines.
///
/// # Errors
/// The first line that is none of these, or a percentile or count that goes backwards.
///
/// # Examples
/// ```
/// let mut h = hft::latency::histogram();
/// for ns in [1_000, 2_000, 3_000, 40_000] {
///     hft::latency::record(&mut h, ns);
/// }
/// let text = hft::latency::percentile_distribution(&h);
/// let points = hft::cli::report::parse_hgrm(&text).unwrap();
/// let last = points.last().unwrap();
/// assert_eq!((last.percentile, last.total_count), (1.0, 4));
/// assert!((last.value - 40.0).abs() < 0.05); // microseconds
/// ```
pub fn parse_hgrm(text: &str) -> Result<Vec<HgrmPoint>, ParseError> {
    let mut out: Vec<HgrmPoint> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("Value") {
            continue;
        }
        let fields: Vec<&str> = t.split_whitespace().collect();
        if !(3..=4).contains(&fields.len()) {
            return Err(ParseError::new(
                line,
                format!(
                    "expected `value percentile total_count [1/(1-percentile)]`, found {} fields",
                    fields.len()
                ),
            ));
        }
        let number = |k: usize, what: &str| -> Result<f64, ParseError> {
            fields[k]
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| {
                    ParseError::new(line, format!("{what} is not a number: `{}`", fields[k]))
                })
        };
        let value = number(0, "value")?;
        let percentile = number(1, "percentile")?;
        if percentile > 1.0 {
            return Err(ParseError::new(
                line,
                format!("percentile {percentile} is above 1"),
            ));
        }
        let total_count: u64 = fields[2].parse().map_err(|_| {
            ParseError::new(
                line,
                format!("total count is not an integer: `{}`", fields[2]),
            )
        })?;
        if let Some(prev) = out.last() {
            if percentile < prev.percentile || total_count < prev.total_count {
                return Err(ParseError::new(
                    line,
                    "percentile or total count goes backwards",
                ));
            }
        }
        out.push(HgrmPoint {
            value,
            percentile,
            total_count,
        });
    }
    Ok(out)
}

/// One histogram on the percentile axis.
struct Curve {
    name: String,
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
        "read_to_signal",
        "end_to_end",
    ]
    .iter()
    .position(|p| name.starts_with(p))
    .unwrap_or(6)
}

fn read_latency(run_dir: &Path) -> anyhow::Result<Vec<Curve>> {
    let dir = run_dir.join("latency");
    let Ok(list) = std::fs::read_dir(&dir) else {
        tracing::info!("no latency/ in {}: no latency charts", run_dir.display());
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = list
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "hgrm"))
        .collect();
    files.sort();
    let mut curves = Vec::new();
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_string();
        let points = parse_file(&path, parse_hgrm)?;
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
    Ok(curves)
}

/// Registers DejaVu Sans as plotters' `sans-serif` (once per process).
fn register_fonts() -> anyhow::Result<()> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            for (style, bytes) in [
                (FontStyle::Normal, dejavu::sans::regular()),
                (FontStyle::Bold, dejavu::sans::bold()),
            ] {
                plotters::style::register_font("sans-serif", style, bytes)
                    .map_err(|_| "the embedded DejaVu Sans font does not load".to_string())?;
            }
            Ok(())
        })
        .clone()
        .map_err(anyhow::Error::msg)
}

enum Chart<'a> {
    Pair {
        pair: &'a PairData,
        strategy: &'a str,
        bands: Option<ZScoreBands>,
    },
    Latency {
        title: &'a str,
        curves: &'a [&'a Curve],
        log_y: bool,
    },
}

fn chart_error(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("drawing failed: {e}")
}

/// Draws `chart` as `dir/name.png` and `dir/name.svg`.
fn save(dir: &Path, name: &str, size: (u32, u32), chart: &Chart) -> anyhow::Result<[PathBuf; 2]> {
    let png = dir.join(format!("{name}.png"));
    let svg = dir.join(format!("{name}.svg"));
    {
        let root = BitMapBackend::new(&png, size).into_drawing_area();
        draw(&root, chart).with_context(|| format!("drawing {}", png.display()))?;
        root.present()
            .map_err(chart_error)
            .with_context(|| format!("cannot write {}", png.display()))?;
    }
    {
        let root = SVGBackend::new(&svg, size).into_drawing_area();
        draw(&root, chart).with_context(|| format!("drawing {}", svg.display()))?;
        root.present()
            .map_err(chart_error)
            .with_context(|| format!("cannot write {}", svg.display()))?;
    }
    Ok([png, svg])
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> anyhow::Result<()> {
    root.fill(&WHITE).map_err(chart_error)?;
    match chart {
        Chart::Pair {
            pair,
            strategy,
            bands,
        } => draw_pair(root, pair, strategy, *bands),
        Chart::Latency {
            title,
            curves,
            log_y,
        } => draw_latency(root, title, curves, *log_y),
    }
}

/// A line of a panel, drawn in segments (a gap where a statistic is undefined).
struct Line {
    label: String,
    color: RGBColor,
    segments: Vec<Vec<(f64, f64)>>,
}

/// A dashed horizontal reference line.
struct Level {
    label: Option<String>,
    y: f64,
    color: RGBColor,
    /// The panel's range is stretched to show it; otherwise it is drawn only when the data's
    /// range reaches it (a far stop level would flatten the z-score).
    fit: bool,
}

/// The time axis: seconds, minutes or hours from the first row.
struct TimeAxis {
    t0_ns: u64,
    unit_secs: f64,
    desc: String,
    range: Range<f64>,
}

impl TimeAxis {
    fn new(rows: &[GridSample]) -> Self {
        let t0_ns = rows.first().map_or(0, |r| r.t_ns);
        let span = rows.last().map_or(0, |r| r.t_ns - t0_ns) as f64 / 1e9;
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
        }
    }

    fn x(&self, t_ns: u64) -> f64 {
        t_ns.saturating_sub(self.t0_ns) as f64 / 1e9 / self.unit_secs
    }
}

/// Points of `value` over the rows, split where it is undefined.
fn segments(
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

/// At most [`MAX_POINTS`] points: each bucket of consecutive points keeps its lowest and highest
/// (in time order), plus the first and last point of the line.
fn decimate(points: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points;
    }
    let bucket = points.len().div_ceil(MAX_POINTS / 2 - 1);
    let mut out = Vec::with_capacity(MAX_POINTS);
    out.push(points[0]);
    for chunk in points.chunks(bucket) {
        let lo = chunk
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map_or(0, |(i, _)| i);
        let hi = chunk
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .map_or(0, |(i, _)| i);
        let (first, second) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push(chunk[first]);
        if second != first {
            out.push(chunk[second]);
        }
    }
    out.push(points[points.len() - 1]);
    out
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

/// One panel of a pair figure; `note` is written in an empty panel.
#[allow(clippy::too_many_arguments)]
fn panel<DB: DrawingBackend>(
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
    if has_data && lines.len() + labelled > 1 {
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

fn draw_pair<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    pair: &PairData,
    strategy: &str,
    bands: Option<ZScoreBands>,
) -> anyhow::Result<()> {
    let rows = &pair.rows;
    let axis = TimeAxis::new(rows);
    let strategy_label = if strategy.is_empty() { "?" } else { strategy };
    let mut title = format!(
        "{} / {}: {strategy_label} strategy, {} grid rows, {} fills",
        pair.a,
        pair.b,
        rows.len(),
        pair.fills.len()
    );
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
    let areas = root.split_evenly((7, 1));
    let line = |label: &str, color, segments| Line {
        label: label.to_string(),
        color,
        segments,
    };

    panel(
        &areas[0],
        &format!("Price A: {} (mid)", pair.a),
        "USD",
        &axis,
        false,
        &[line(
            &pair.a,
            BLUE_,
            segments(rows, &axis, |r| Some(r.a_mid)),
        )],
        &[],
        "no data",
    )?;
    panel(
        &areas[1],
        &format!("Price B: {} (mid)", pair.b),
        "USD",
        &axis,
        false,
        &[line(
            &pair.b,
            RED_,
            segments(rows, &axis, |r| Some(r.b_mid)),
        )],
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
        &[line(
            "beta",
            PURPLE,
            segments(rows, &axis, |r| r.hedge_ratio),
        )],
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
        &[line("volatility ratio", ORANGE, vr)],
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
    if let Some(stop) = bands.and_then(|b| b.stop) {
        if stop > z_extent.max(bands.map_or(0.0, |b| b.entry)) * 1.06 {
            z_title.push_str(&format!(" (stop ±{stop} is off this scale)"));
        }
    }
    panel(
        &areas[4],
        &z_title,
        z_desc,
        &axis,
        false,
        &[line("z", BLUE_, z)],
        &z_levels,
        "no z-score: the seed model trades any deviation from fair value",
    )?;
    panel(
        &areas[5],
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
        &areas[6],
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

/// `90%`, `99%`, `99.9%` ... for `nines` decades of 1/(1-p).
fn percentile_label(nines: f64) -> String {
    if (nines - nines.round()).abs() > 1e-9 || nines < 0.0 {
        return String::new();
    }
    let k = nines.round() as i32;
    let p = 100.0 * (1.0 - 10f64.powi(-k));
    format!("{p:.*}%", (k - 2).max(0) as usize)
}

fn draw_latency<DB: DrawingBackend>(
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
    fn hgrm_parser_reads_what_latency_writes() {
        let mut h = crate::latency::histogram();
        for k in 1..=10_000u64 {
            crate::latency::record(&mut h, 500 + (k * 7919) % 100_000);
        }
        let text = crate::latency::percentile_distribution(&h);
        let points = parse_hgrm(&text).unwrap();
        let data_lines = text
            .lines()
            .filter(|l| l.trim().starts_with(|c: char| c.is_ascii_digit()))
            .count();
        assert_eq!(points.len(), data_lines);
        assert!(points.len() > 20);
        let last = points.last().unwrap();
        assert_eq!(last.percentile, 1.0);
        assert_eq!(last.total_count, 10_000);
        assert!((last.value - h.max() as f64 / 1000.0).abs() < 0.01);
        // Each point agrees with the histogram at its percentile (values in microseconds).
        for p in &points {
            let expected = h.highest_equivalent(h.value_at_quantile(p.percentile)) as f64 / 1000.0;
            assert!(
                (p.value - expected).abs() <= expected * 0.002 + 0.001,
                "{p:?} against {expected}"
            );
        }
        // An empty histogram: header and trailer only.
        let empty = crate::latency::percentile_distribution(&crate::latency::histogram());
        assert!(parse_hgrm(&empty).unwrap().is_empty());
    }

    #[test]
    fn hgrm_parser_reads_java_output_and_names_bad_lines() {
        let java = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n\
                    \x20     0.100 0.000000000000          1           1.00\n\
                    \x20     2.500 0.900000000000          9          10.00\n\
                    \x20     9.000 1.000000000000         10\n\
                    #[Mean    =        1.000, StdDeviation   =        2.000]\n";
        let points = parse_hgrm(java).unwrap();
        assert_eq!(points.len(), 3);
        assert_eq!(points[1].value, 2.5);
        for (bad, line) in [
            (java.replace("2.500", "2.5x0"), 4),
            (java.replace(" 9 ", " 0 "), 4),
            (java.replace("0.900000000000", "1.9"), 4),
            (format!("{java}garbage\n"), 7),
        ] {
            assert_eq!(parse_hgrm(&bad).unwrap_err().line, line, "{bad}");
        }
    }

    #[test]
    fn percentile_labels_count_nines() {
        let labels: Vec<String> = (0..6).map(|k| percentile_label(k as f64)).collect();
        assert_eq!(labels, ["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"]);
        assert_eq!(percentile_label(2.5), "");
    }

    #[test]
    fn decimation_keeps_extremes_and_ends() {
        let points: Vec<(f64, f64)> = (0..100_000)
            .map(|k| (k as f64, if k == 54_321 { 99.0 } else { (k % 10) as f64 }))
            .collect();
        let d = decimate(points.clone());
        assert!(d.len() <= MAX_POINTS);
        assert_eq!(d.first(), points.first());
        assert_eq!(d.last(), points.last());
        assert!(d.contains(&(54_321.0, 99.0)));
        assert!(d.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
