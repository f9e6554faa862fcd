//! `hft pairs`: rank every pair of a closes file by return correlation and Engle-Granger
//! cointegration (see [`crate::pairs`]).

use super::valuation::ValuationArgs;
use crate::pairs::valuation::ValuedPair;
use crate::pairs::{Significance, rank_pairs, read_closes_csv};
use anyhow::Context;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;

/// Reads `closes` (a CSV: `Date`, then one column of closes per symbol), ranks every pair at the
/// `level` percent significance (1, 5 or 10) and prints the first `top` rows of the ranking (all
/// when `None`): a table, or with `json` a JSON array of [`PairStats`] objects (keys `a`, `b`,
/// `correlation`, `hedge_ratio`, `intercept`, `adf_stat`, `spread_mean`, `spread_std`,
/// `half_life` (null when the spread does not revert), `passes`).
///
/// # Errors
/// A `level` other than 1, 5 or 10; a file that cannot be opened; a malformed file (the message
/// names the line); a failed write to stdout other than a closed pipe.
///
/// With `valuation` (`--fundamentals`), pairs are filtered and optionally ranked by valuation
/// similarity ([`crate::pairs::valuation`]); the JSON objects gain `value_distance` and the table
/// a `value_dist` column.
pub fn run(
    closes: &Path,
    top: Option<usize>,
    level: u8,
    json: bool,
    valuation: &ValuationArgs,
) -> anyhow::Result<()> {
    let filter = valuation.filter(None)?;
    let significance = Significance::from_percent(level)
        .with_context(|| format!("--level must be 1, 5 or 10, not {level}"))?;
    let file = File::open(closes).with_context(|| format!("cannot open {}", closes.display()))?;
    let (names, columns) = read_closes_csv(BufReader::new(file))
        .with_context(|| format!("malformed closes file {}", closes.display()))?;
    let rows = columns.first().map_or(0, Vec::len);
    let all = rank_pairs(&names, &columns, significance, usize::MAX);
    let ranked: Vec<ValuedPair> = match &filter {
        Some(f) => f.apply(&names, all),
        None => all
            .into_iter()
            .map(|stats| ValuedPair {
                stats,
                value_distance: None,
            })
            .collect(),
    };
    tracing::debug!(
        symbols = names.len(),
        rows,
        pairs = ranked.len(),
        "pairs ranked"
    );
    let shown = &ranked[..top.unwrap_or(usize::MAX).min(ranked.len())];

    let mut out = BufWriter::new(std::io::stdout().lock());
    let written = if json && filter.is_some() {
        serde_json::to_writer_pretty(&mut out, shown)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else if json {
        let plain: Vec<_> = shown.iter().map(|p| &p.stats).collect();
        serde_json::to_writer_pretty(&mut out, &plain)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out))
    } else {
        let possible = names.len() * names.len().saturating_sub(1) / 2;
        let summary = Summary {
            symbols: names.len(),
            rows,
            possible,
            analyzed: ranked.len(),
            passing: ranked.iter().filter(|p| p.stats.passes).count(),
            level: significance,
        };
        write_table(&mut out, &summary, shown, filter.is_some())
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing stdout"),
        _ => Ok(()), // a reader that stopped early (`| head`) is not an error
    }
}

struct Summary {
    symbols: usize,
    rows: usize,
    possible: usize,
    analyzed: usize,
    passing: usize,
    level: Significance,
}

fn write_table(
    out: &mut impl Write,
    s: &Summary,
    pairs: &[ValuedPair],
    valued: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} symbols, {} rows: {} of {} pairs analyzed, {} cointegrated at {} % \
         (Engle-Granger, ADF without constant, 0 lags, critical value {})",
        s.symbols,
        s.rows,
        s.analyzed,
        s.possible,
        s.passing,
        s.level.percent(),
        s.level.critical_value(),
    )?;
    let width = pairs
        .iter()
        .map(|p| p.stats.a.len().max(p.stats.b.len()))
        .max()
        .unwrap_or(0)
        .max(4);
    writeln!(
        out,
        "{:>5}  {:<width$}  {:<width$}  {:>7}  {:>10}  {:>11}  {:>8}  {:>9}  {:>10}  pass{}",
        "rank",
        "a",
        "b",
        "corr",
        "hedge",
        "intercept",
        "adf",
        "spread_sd",
        "half_life",
        if valued { "  value_dist" } else { "" }
    )?;
    for (i, valued_pair) in pairs.iter().enumerate() {
        let p = &valued_pair.stats;
        let distance = match (valued, valued_pair.value_distance) {
            (false, _) => String::new(),
            (true, Some(d)) => format!("  {d:>10.4}"),
            (true, None) => format!("  {:>10}", "-"),
        };
        let half_life = p
            .half_life
            .map_or_else(|| "-".to_string(), |h| format!("{h:.1}"));
        writeln!(
            out,
            "{:>5}  {:<width$}  {:<width$}  {:>7.4}  {:>10.4}  {:>11.4}  {:>8.3}  {:>9.4}  {:>10}  {}{}",
            i + 1,
            p.a,
            p.b,
            p.correlation,
            p.hedge_ratio,
            p.intercept,
            p.adf_stat,
            p.spread_std,
            half_life,
            if p.passes { "yes" } else { "no" },
            distance,
        )?;
    }
    Ok(())
}
