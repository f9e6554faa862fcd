//! What the charts read from a run directory: the `series` index and strategy of
//! `summary.json`, each pair's grid rows and fills.

use crate::rundir::BasketSeries;
use crate::rundir::{FillRow, ParseError, SeriesEntry, SeriesIndex};
use crate::strategy::GridSample;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// The `series` index and the strategy name from `summary.json`, when present.
pub(super) fn read_summary(run_dir: &Path) -> anyhow::Result<(Option<SeriesIndex>, String)> {
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

/// Every `series/basket-<b>.csv` of the run, in basket order, with its chart's stem.
pub(super) fn read_baskets(run_dir: &Path) -> anyhow::Result<Vec<(String, BasketSeries)>> {
    let mut out = Vec::new();
    for b in 0.. {
        let file = crate::rundir::basket_series_file(b);
        let path = run_dir.join(&file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            break;
        };
        let series = crate::rundir::read_basket_series(&text)
            .with_context(|| format!("{}", path.display()))?;
        out.push((format!("basket-{b}"), series));
    }
    Ok(out)
}

/// One pair's data.
pub(super) struct PairData {
    pub(super) a: String,
    pub(super) b: String,
    pub(super) rows: Vec<GridSample>,
    /// The rows the strategy was warmed with before `rows` (`bootstrap/<A>-<B>.csv`; empty
    /// without a bootstrap).
    pub(super) history: Vec<GridSample>,
    /// This pair's fills, by time on the strategy clock.
    pub(super) fills: Vec<FillRow>,
    pub(super) dropped_rows: u64,
}

/// Reads `path` and parses it, naming the file in errors.
fn parse_file<T>(path: &Path, parse: impl Fn(&str) -> Result<T, ParseError>) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

pub(super) fn read_pairs(
    run_dir: &Path,
    index: Option<&SeriesIndex>,
) -> anyhow::Result<Vec<PairData>> {
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
                    // A basket's series is charted by `basket.rs`.
                    if stem.starts_with("basket-") {
                        return None;
                    }
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
        parse_file(&fills_path, crate::rundir::read_fills)?
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
        let rows = parse_file(&path, crate::rundir::read_series)?;
        if rows.is_empty() {
            tracing::info!(file = %path.display(), "no grid rows: pair skipped");
            continue;
        }
        let boot = run_dir.join(crate::rundir::bootstrap_file(&e.a, &e.b));
        let history = if boot.is_file() {
            parse_file(&boot, crate::rundir::read_series)?
        } else {
            Vec::new()
        };
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
            history,
            fills: pair_fills,
            dropped_rows: e.dropped_rows,
        });
    }
    Ok(out)
}
