//! `hft sweep --params P --grid G.toml --ticks FILE... [--symbols A,B] [--threads N] [--out DIR]`: one backtest per
//! parameter set of a grid file ([`crate::sweep::ParamSets`]) over the quote file scanned once;
//! a summary table on stdout, and with `--out` the files `sweep.csv`, `sweep.json` and
//! `heatmap.png` (net PnL over the first two grid axes).
//!
//! `--shard K/N` runs only shard K's sets ([`crate::sweep::Shard`]) and also writes
//! `shard.json`; `hft sweep merge DIR... --out DIR` combines the N shards' files into the
//! outputs a single machine writes ([`crate::sweep::merge`]).

use crate::charts::{Heatmap, draw_heatmap};
use crate::config::{DEFAULT_PARAMS, ParamsError};
use crate::sweep::{
    METRICS, ParamSets, SHARD_FILE, Setup, Shard, ShardFile, ShardRow, SweepRow, run_all,
};
use anyhow::Context;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Sets printed in the summary table; the files hold them all.
const TABLE_ROWS: usize = 40;

/// The arguments of `hft sweep`.
pub struct SweepArgs {
    pub params: Option<PathBuf>,
    pub grid: PathBuf,
    /// Quote files of any format, merged by time.
    pub ticks: Vec<PathBuf>,
    /// Only these symbols' rows.
    pub symbols: Option<Vec<String>>,
    /// `None`: one thread per core.
    pub threads: Option<usize>,
    pub out: Option<PathBuf>,
    /// Only this shard's sets (`K/N`); the outputs then hold them and `shard.json`.
    pub shard: Option<Shard>,
    /// Read (or write) the quote file's column cache (`FILE.cols`).
    pub columns_cache: bool,
}

/// Rows of a sweep with their set indexes (all sets, or one shard's), in set order.
type Indexed = [(usize, SweepRow)];

/// Runs the sweep, prints the table and writes the outputs.
///
/// # Errors
/// A [`ParamsError`] for an invalid params or grid file or a set that does not resolve (naming
/// the key and the file); an unreadable or header-less quote file; output I/O.
pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    let (params_text, params_file) = match &args.params {
        Some(p) => (read_params(p)?, p.display().to_string()),
        None => (
            DEFAULT_PARAMS.to_string(),
            "<embedded params/default.toml>".to_string(),
        ),
    };
    let grid_file = args.grid.display().to_string();
    let sets = ParamSets::parse(&grid_file, &read_params(&args.grid)?)?;
    let setups = sets
        .sets
        .iter()
        .enumerate()
        .map(|(i, set)| {
            let label = format!("{grid_file} (set {i}, over {params_file})");
            Setup::resolve(Some(&params_text), &label, set)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let picked: Vec<usize> = (0..setups.len())
        .filter(|&i| args.shard.is_none_or(|s| s.has(i)))
        .collect();
    let setups: Vec<Setup> = setups
        .into_iter()
        .enumerate()
        .filter(|(i, _)| args.shard.is_none_or(|s| s.has(*i)))
        .map(|(_, s)| s)
        .collect();
    let started = Instant::now();
    let quotes =
        super::backtest::read_columns(&args.ticks, args.symbols.as_deref(), args.columns_cache)?;
    let scan_secs = started.elapsed().as_secs_f64();
    let threads = args
        .threads
        .filter(|&t| t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let started = Instant::now();
    let rows = run_all(&setups, &quotes, threads);
    let secs = started.elapsed().as_secs_f64();
    let rows: Vec<(usize, SweepRow)> = picked.into_iter().zip(rows).collect();

    print!("{}", table(&sets, &rows));
    let config_rows = rows.len() as f64 * quotes.len() as f64;
    println!(
        "{} sets x {} rows = {:.0} config-rows in {secs:.3} s (threads: {}): {:.2} M config-rows/s; the quote file parsed once in {scan_secs:.3} s",
        rows.len(),
        quotes.len(),
        config_rows,
        threads.min(rows.len().max(1)),
        config_rows / secs.max(1e-9) / 1e6
    );
    if let Some(dir) = &args.out {
        write_outputs(dir, &sets, &rows, args.shard.is_none())?;
        if let Some(shard) = args.shard {
            let file = ShardFile {
                shard: shard.index,
                of: shard.count,
                sets: sets.sets.len(),
                grid_file,
                grid: read_params(&args.grid)?,
                params_file,
                params: params_text,
                ticks: args.ticks.iter().map(|t| t.display().to_string()).collect(),
                rows: rows
                    .iter()
                    .map(|(set, row)| ShardRow {
                        set: *set,
                        metrics: row.cells().to_vec(),
                    })
                    .collect(),
            };
            let mut bytes = serde_json::to_vec_pretty(&file)?;
            bytes.push(b'\n');
            let path = dir.join(SHARD_FILE);
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        println!("outputs: {}", dir.display());
    }
    Ok(())
}

/// `hft sweep merge DIR... --out OUT`: the shards' files combined into the single-machine
/// outputs (`sweep.csv`, `sweep.json`, `heatmap.png`) in `out`, and the table printed.
///
/// # Errors
/// A [`ParamsError`] naming the shard file for shards that do not make one sweep; output I/O.
pub fn merge(dirs: &[PathBuf], out: &Path) -> anyhow::Result<()> {
    let merged = crate::sweep::merge(dirs)?;
    let rows: Vec<(usize, SweepRow)> = merged.rows.into_iter().enumerate().collect();
    print!("{}", table(&merged.sets, &rows));
    println!(
        "{} shards of {} sets merged (grid {}, params {})",
        merged.first.of,
        rows.len(),
        merged.first.grid_file,
        merged.first.params_file
    );
    write_outputs(out, &merged.sets, &rows, true)?;
    println!("outputs: {}", out.display());
    Ok(())
}

/// A params or grid file's text.
fn read_params(path: &Path) -> Result<String, ParamsError> {
    std::fs::read_to_string(path).map_err(|e| {
        ParamsError::new(
            &path.display().to_string(),
            "<file>",
            format!("cannot read: {e}"),
        )
    })
}

/// A parameter value as a cell: strings bare, the rest as TOML writes them.
fn cell(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `set`'s value of each of `keys` (empty where it sets none).
fn values_of(set: &[(String, toml::Value)], keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            set.iter()
                .find(|(key, _)| key == k)
                .map_or(String::new(), |(_, v)| cell(v))
        })
        .collect()
}

/// A CSV field, quoted when it must be.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `sweep.csv`: `set`, the sets' keys, then [`METRICS`]; one line per set in run order.
fn csv(sets: &ParamSets, rows: &Indexed) -> String {
    let keys = sets.keys();
    let header: Vec<&str> = ["set"]
        .into_iter()
        .chain(keys.iter().copied())
        .chain(METRICS)
        .collect();
    let mut out = header
        .iter()
        .map(|h| csv_field(h))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for (i, row) in rows {
        let fields: Vec<String> = std::iter::once(i.to_string())
            .chain(values_of(&sets.sets[*i], &keys))
            .chain(row.cells())
            .map(|f| csv_field(&f))
            .collect();
        let _ = writeln!(out, "{}", fields.join(","));
    }
    out
}

/// One set of `sweep.json`.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    set: usize,
    params: serde_json::Map<String, serde_json::Value>,
    #[serde(flatten)]
    metrics: &'a SweepRow,
}

/// `sweep.json`: an array of `{set, params: {key: value}, trades, net_pnl, ...}`.
fn json(sets: &ParamSets, rows: &Indexed) -> anyhow::Result<Vec<u8>> {
    let rows = rows
        .iter()
        .map(|&(i, ref metrics)| {
            let params = sets.sets[i]
                .iter()
                .map(|(k, v)| Ok((k.clone(), serde_json::to_value(v)?)))
                .collect::<Result<_, serde_json::Error>>()?;
            Ok(JsonRow {
                set: i,
                params,
                metrics,
            })
        })
        .collect::<Result<Vec<_>, serde_json::Error>>()?;
    let mut bytes = serde_json::to_vec_pretty(&rows)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The net PnL over the first two axes (rows: the first axis, columns: the second), the best
/// over the other axes; `None` for a list or a one-axis grid.
fn pnl_map(sets: &ParamSets, rows: &Indexed) -> Option<(Vec<Option<f64>>, usize, usize)> {
    let [first, second, ..] = sets.axes.as_slice() else {
        return None;
    };
    let (ny, nx) = (first.values.len(), second.values.len());
    let rest = rows.len() / (nx * ny).max(1);
    let mut cells: Vec<Option<f64>> = vec![None; nx * ny];
    for &(n, ref row) in rows {
        let (y, x) = (n / (nx * rest), (n / rest) % nx);
        let c = &mut cells[y * nx + x];
        *c = Some(c.map_or(row.net_pnl, |best| best.max(row.net_pnl)));
    }
    Some((cells, nx, ny))
}

/// `sweep.csv`, `sweep.json` and, for all sets (`heatmap`), `heatmap.png`.
fn write_outputs(
    dir: &Path,
    sets: &ParamSets,
    rows: &Indexed,
    heatmap: bool,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    };
    write("sweep.csv", csv(sets, rows).as_bytes())?;
    write("sweep.json", &json(sets, rows)?)?;
    if !heatmap {
        return Ok(());
    }
    let Some((cells, _, _)) = pnl_map(sets, rows) else {
        println!("no heatmap: it needs a [grid] of at least two axes");
        return Ok(());
    };
    let labels = |i: usize| sets.axes[i].values.iter().map(cell).collect::<Vec<_>>();
    let (y_labels, x_labels) = (labels(0), labels(1));
    let title = if sets.axes.len() > 2 {
        "Net PnL (USD), the best over the other axes"
    } else {
        "Net PnL (USD)"
    };
    draw_heatmap(
        &dir.join("heatmap.png"),
        &Heatmap {
            title,
            x_key: &sets.axes[1].key,
            x_labels: &x_labels,
            y_key: &sets.axes[0].key,
            y_labels: &y_labels,
            cells: &cells,
        },
    )
}

/// The summary table: each set's keys and its main metrics, aligned.
fn table(sets: &ParamSets, rows: &Indexed) -> String {
    let keys = sets.keys();
    let header: Vec<String> = ["set"]
        .into_iter()
        .chain(keys.iter().copied())
        .chain([
            "trades",
            "net_pnl",
            "sharpe",
            "max_dd",
            "turnover",
            "commissions",
            "shortfall",
        ])
        .map(String::from)
        .collect();
    let mut lines = vec![header];
    for (i, r) in rows.iter().take(TABLE_ROWS) {
        let mut line = vec![i.to_string()];
        line.extend(values_of(&sets.sets[*i], &keys));
        line.extend([
            r.trades.to_string(),
            format!("{:.2}", r.net_pnl),
            r.sharpe.map_or("n/a".into(), |s| format!("{s:.2}")),
            format!("{:.2}", r.max_drawdown),
            format!("{:.0}", r.turnover),
            format!("{:.2}", r.commissions),
            format!("{:.2}", r.shortfall),
        ]);
        lines.push(line);
    }
    let widths: Vec<usize> = (0..lines[0].len())
        .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(s, w)| format!("{s:>w$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  "));
    }
    if rows.len() > TABLE_ROWS {
        let _ = writeln!(
            out,
            "... {} more sets (all in sweep.csv)",
            rows.len() - TABLE_ROWS
        );
    }
    if let Some((i, best)) = rows
        .iter()
        .max_by(|a, b| a.1.net_pnl.total_cmp(&b.1.net_pnl).then(b.0.cmp(&a.0)))
    {
        let _ = writeln!(out, "best net PnL: set {i}, {:.2} USD", best.net_pnl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(net_pnl: f64) -> SweepRow {
        SweepRow {
            trades: 1,
            net_pnl,
            gross_pnl: net_pnl,
            commissions: 0.0,
            sharpe: None,
            max_drawdown: 0.0,
            turnover: 0.0,
            shortfall: 0.0,
            time_in_market: 0.0,
            orders: 2,
            fills: 2,
        }
    }

    #[test]
    fn the_heatmap_is_the_best_over_the_other_axes() {
        let text = "[grid]\ny = [1, 2]\nx = [1, 2, 3]\nrest = [1, 2]\n";
        let sets = ParamSets::parse("g.toml", text).unwrap();
        let rows: Vec<SweepRow> = (0..12)
            .map(|n| row(if n == 4 { 99.0 } else { n as f64 }))
            .collect();
        let rows: Vec<(usize, SweepRow)> = rows.into_iter().enumerate().collect();
        let (cells, nx, ny) = pnl_map(&sets, &rows).unwrap();
        assert_eq!((nx, ny), (3, 2));
        // Set n is (y, x, rest) = (n / 6, n / 2 % 3, n % 2); each cell the larger of its pair.
        let want = [1.0, 3.0, 99.0, 7.0, 9.0, 11.0].map(Some);
        assert_eq!(cells, want);
        let list = ParamSets::parse("l.toml", "[[set]]\nx = 1\n").unwrap();
        assert!(pnl_map(&list, &[(0, row(1.0))]).is_none());
    }

    #[test]
    fn csv_quotes_what_must_be_quoted_and_leaves_an_undefined_sharpe_empty() {
        let sets = ParamSets::parse("l.toml", "[[set]]\nname = \"a,\\\"b\"\n").unwrap();
        let text = csv(&sets, &[(0, row(-1.5))]);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap().split(',').take(3).collect::<Vec<_>>(),
            ["set", "name", "trades"]
        );
        assert_eq!(
            lines.next().unwrap(),
            "0,\"a,\"\"b\",1,-1.5,-1.5,0,,0,0,0,0,2,2"
        );
    }
}
