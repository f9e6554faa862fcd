//! `hft pairs`: rank every pair of a closes file by return correlation and Engle-Granger
//! cointegration (see [`crate::pairs`]); the selection options it shares with `hft bootstrap`.

use super::valuation::ValuationArgs;
use crate::pairs::valuation::ValuedPair;
use crate::pairs::{AdfLags, RankOptions, Significance, rank_universe, read_closes_csv};
use anyhow::Context;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::time::Instant;

/// The pair-selection options of `hft pairs` and `hft bootstrap`.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectionArgs {
    /// Significance level of each pair's test (`passes`), in percent: 1, 5 or 10.
    #[arg(long, default_value_t = 5)]
    pub level: u8,
    /// False-discovery rate of the Benjamini-Hochberg selection across all pairs, in (0, 1].
    #[arg(long, default_value_t = 0.05, value_parser = parse_fdr)]
    pub fdr: f64,
    /// Dickey-Fuller lags: `aic` (statsmodels autolag="AIC", Schwert's maximum) or a number.
    #[arg(long, default_value = "aic", value_parser = parse_lags)]
    pub lags: AdfLags,
    /// Threads scoring pairs (default: one per core; the result does not depend on it).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

impl SelectionArgs {
    /// The ranking options.
    ///
    /// # Errors
    /// A `level` other than 1, 5 or 10.
    pub fn options(&self) -> anyhow::Result<RankOptions> {
        let level = Significance::from_percent(self.level)
            .with_context(|| format!("--level must be 1, 5 or 10, not {}", self.level))?;
        let mut options = RankOptions {
            level,
            lags: self.lags,
            fdr: self.fdr,
            ..RankOptions::default()
        };
        if let Some(threads) = self.threads {
            options.threads = usize::from(threads);
        }
        Ok(options)
    }
}

fn parse_fdr(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(q) if q > 0.0 && q <= 1.0 => Ok(q),
        _ => Err(format!(
            "the false-discovery rate must be in (0, 1], not `{text}`"
        )),
    }
}

fn parse_lags(text: &str) -> Result<AdfLags, String> {
    if text.eq_ignore_ascii_case("aic") {
        return Ok(AdfLags::Aic);
    }
    text.parse::<usize>()
        .map(AdfLags::Fixed)
        .map_err(|_| format!("--lags takes `aic` or a number of lags, not `{text}`"))
}

/// The lag rule in words, for the tables' headers.
pub(crate) fn lags_label(lags: AdfLags) -> String {
    match lags {
        AdfLags::Aic => "lags by AIC".to_string(),
        AdfLags::Fixed(k) => format!("{k} lags"),
    }
}

/// Reads `closes` (a CSV: `Date`, then one column of closes per symbol), ranks every pair with
/// `selection` and prints the first `top` rows of the ranking (all when `None`): a table, or with
/// `json` a JSON array of [`PairStats`] objects (keys in the README's "Pair selection"). The
/// summary line on stderr gives the pairs tested, discovered and the time taken.
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
    selection: &SelectionArgs,
    json: bool,
    valuation: &ValuationArgs,
) -> anyhow::Result<()> {
    let options = selection.options()?;
    let filter = valuation.filter(None)?;
    let file = File::open(closes).with_context(|| format!("cannot open {}", closes.display()))?;
    let (names, columns) = read_closes_csv(BufReader::new(file))
        .with_context(|| format!("malformed closes file {}", closes.display()))?;
    let rows = columns.first().map_or(0, Vec::len);
    let started = Instant::now();
    let ranking = rank_universe(&names, &columns, &options);
    let elapsed = started.elapsed().as_secs_f64();
    eprintln!(
        "ranked {} pairs of {} symbols x {} rows in {elapsed:.2} s on {} threads: {} discovered \
         at FDR {}",
        ranking.tested,
        names.len(),
        rows,
        options.threads,
        ranking.discovered,
        options.fdr
    );
    let ranked: Vec<ValuedPair> = match &filter {
        Some(f) => f.apply(&names, ranking.pairs),
        None => ranking
            .pairs
            .into_iter()
            .map(|stats| ValuedPair {
                stats,
                value_distance: None,
            })
            .collect(),
    };
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
        let summary = Summary {
            symbols: names.len(),
            rows,
            possible: ranking.tested,
            analyzed: ranked.len(),
            passing: ranked.iter().filter(|p| p.stats.passes).count(),
            discovered: ranking.discovered,
            options,
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
    discovered: usize,
    options: RankOptions,
}

fn write_table(
    out: &mut impl Write,
    s: &Summary,
    pairs: &[ValuedPair],
    valued: bool,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{} symbols, {} rows: {} of {} pairs analyzed (Engle-Granger both ways, ADF without \
         constant, {}, MacKinnon p-values; a pair's p is the larger of its two): {} pass at {} %, \
         {} discovered at FDR {} (Benjamini-Hochberg)",
        s.symbols,
        s.rows,
        s.analyzed,
        s.possible,
        lags_label(s.options.lags),
        s.passing,
        s.options.level.percent(),
        s.discovered,
        s.options.fdr,
    )?;
    let width = pairs
        .iter()
        .map(|p| p.stats.a.len().max(p.stats.b.len()))
        .max()
        .unwrap_or(0)
        .max(4);
    writeln!(
        out,
        "{:>5}  {:<width$}  {:<width$}  {:>7}  {:>10}  {:>11}  {:>8}  {:>4}  {:>8}  {:>8}  {:>9}  \
         {:>9}  {:>9}  {:>10}  {:>7}  pass  disc{}",
        "rank",
        "a",
        "b",
        "corr",
        "hedge",
        "intercept",
        "adf",
        "lags",
        "adf_rev",
        "p",
        "p_rev",
        "q",
        "spread_sd",
        "half_life",
        "a_share",
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
        let opt = |v: Option<f64>, f: fn(f64) -> String| v.map_or_else(|| "-".to_string(), f);
        writeln!(
            out,
            "{:>5}  {:<width$}  {:<width$}  {:>7.4}  {:>10.4}  {:>11.4}  {:>8.3}  {:>4}  {:>8}  \
             {:>8.2e}  {:>9}  {:>9}  {:>9.4}  {:>10}  {:>7}  {:>4}  {}{}",
            i + 1,
            p.a,
            p.b,
            p.correlation,
            p.hedge_ratio,
            p.intercept,
            p.adf_stat,
            p.adf_lags,
            opt(p.reverse_adf_stat, |v| format!("{v:.3}")),
            p.p_value,
            opt(p.reverse_p_value, |v| format!("{v:.2e}")),
            opt(p.q_value, |v| format!("{v:.2e}")),
            p.spread_std,
            half_life,
            opt(
                p.error_correction.and_then(|ec| ec.share_a(p.hedge_ratio)),
                |v| format!("{v:.3}")
            ),
            if p.passes { "yes" } else { "no" },
            if p.discovered { "yes" } else { "no" },
            distance,
        )?;
    }
    Ok(())
}
