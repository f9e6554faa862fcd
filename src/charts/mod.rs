//! Charts of a run directory of `hft run` or `hft backtest` (PNG and SVG, drawn by `hft report`):
//!
//! - `charts/pair-<A>-<B>.{png,svg}`, one figure per pair on one time axis: the original model's
//!   four panels (price A, price B, beta, volatility ratio), then the spread z-score with its
//!   entry, exit and stop bands, both legs' positions and cumulative PnL. From
//!   `series/<A>-<B>.csv`, `fills.csv` and the `series` section of `summary.json`
//!   ([`crate::record`]). Drawn by `pair.rs` from panels (`panel.rs`); long lines are
//!   decimated (`decimate.rs`).
//! - `charts/latency.{png,svg}` (every stage, log latency axis) and
//!   `charts/latency-end_to_end.{png,svg}`: latency by percentile from `latency/<name>.hgrm`
//!   ([`crate::rundir::read_latency`]), on the axis of HdrHistogram's plotter: x is `1/(1-p)` on a
//!   log scale, labelled 0 %, 90 %, 99 %, 99.9 % ..., so each decade is one more nine
//!   (`latency.rs`).
//!
//! - `charts/basket-<b>.{png,svg}`, one figure per basket: the s-score of each name at each fit
//!   with the rules' levels, and the shares the basket targeted per name, from
//!   `series/basket-<b>.csv` (`basket.rs`).
//!
//! - `heatmap.png` of `hft sweep` (`heatmap.rs`): net PnL over two grid axes.
//!
//! - `report.html` (`html.rs`): the summary, the latency table and every chart on one
//!   self-contained page.
//!
//! Missing inputs are skipped with a log line; a malformed file is an error naming the file and
//! line. Text is drawn with the embedded DejaVu Sans through `ab_glyph`, so the charts need no
//! system font (no fontconfig; `fonts.rs`).

mod basket;
mod data;
mod decimate;
mod filters;
mod fonts;
mod heatmap;
mod html;
mod latency;
mod pair;
mod panel;

pub use heatmap::{Heatmap, draw_heatmap};
pub use html::{HTML_FILE, write_html};

use crate::strategy::{FilterLevels, ZScoreBands};
use anyhow::{Context, bail};
use data::PairData;
use latency::Curve;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

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
pub fn draw_run(run_dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    anyhow::ensure!(
        run_dir.is_dir(),
        "{} is not a directory (expected a run directory of hft run or hft backtest)",
        run_dir.display()
    );
    let (index, strategy) = data::read_summary(run_dir)?;
    let pairs = data::read_pairs(run_dir, index.as_ref())?;
    let baskets = data::read_baskets(run_dir)?;
    let curves = match crate::rundir::read_latency(run_dir)? {
        Some(files) => latency::curves(files),
        None => {
            tracing::info!("no latency/ in {}: no latency charts", run_dir.display());
            Vec::new()
        }
    };
    if pairs.is_empty() && baskets.is_empty() && curves.is_empty() {
        bail!(
            "nothing to plot in {}: no series/*.csv with grid rows and no latency/*.hgrm with samples",
            run_dir.display()
        );
    }
    fonts::register_fonts()?;
    let charts = run_dir.join("charts");
    std::fs::create_dir_all(&charts)
        .with_context(|| format!("cannot create {}", charts.display()))?;
    let bands = index.as_ref().and_then(|i| i.zscore_bands);
    let levels = index.as_ref().and_then(|i| i.filter_levels);
    let extra = filters::panels(levels);
    // Each filter panel adds the height of a panel.
    let pair_size = (
        PAIR_SIZE.0,
        PAIR_SIZE.1 + PAIR_SIZE.1 / 7 * extra.len() as u32,
    );
    let mut written = Vec::new();
    for pair in &pairs {
        let name = crate::rundir::series_file(&pair.a, &pair.b);
        let stem = name
            .trim_start_matches("series/")
            .trim_end_matches(".csv")
            .to_string();
        let chart = Chart::Pair {
            pair,
            strategy: &strategy,
            bands,
            filters: (levels, &extra),
        };
        written.extend(save(&charts, &format!("pair-{stem}"), pair_size, &chart)?);
    }
    for (stem, series) in &baskets {
        let chart = Chart::Basket { series };
        written.extend(save(&charts, stem, PAIR_SIZE, &chart)?);
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

/// One figure and what it is drawn from.
enum Chart<'a> {
    Pair {
        pair: &'a PairData,
        strategy: &'a str,
        bands: Option<ZScoreBands>,
        filters: (Option<FilterLevels>, &'a [filters::FilterPanel]),
    },
    Latency {
        title: &'a str,
        curves: &'a [&'a Curve],
        log_y: bool,
    },
    Basket {
        series: &'a crate::rundir::BasketSeries,
    },
}

/// A plotters error as an `anyhow` error.
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

/// Draws `chart` on a white `root`.
fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, chart: &Chart) -> anyhow::Result<()> {
    root.fill(&WHITE).map_err(chart_error)?;
    match chart {
        Chart::Pair {
            pair,
            strategy,
            bands,
            filters,
        } => pair::draw_pair(root, pair, strategy, *bands, *filters),
        Chart::Latency {
            title,
            curves,
            log_y,
        } => latency::draw_latency(root, title, curves, *log_y),
        // The rules' levels as params/default.toml sets them (the run's own are not recorded).
        Chart::Basket { series } => basket::draw_basket(
            root,
            series,
            &crate::config::BasketStrategyParams::default(),
        ),
    }
}
