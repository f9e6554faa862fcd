//! Quote files: `ts_ns,symbol,bid,bid_size,ask,ask_size` (Unix nanoseconds, non-decreasing),
//! optionally with `last,last_size`, the trade printed with the quote (the replay hands it to
//! the matcher before the quote, as the synthetic market's trades). Read for replay by the
//! gateway, written by `hft sim --write-ticks` (with the market's trades).

use super::universe::{Trade, Universe};
use crate::exchange::BookTop;
use crate::rundir::{
    QUOTE_HEADER, QUOTE_HEADER_TRADES, QuoteInputError, QuoteInputs, QuoteScanner,
};
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// One recorded quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteRow {
    pub ts_ns: i64,
    pub symbol: usize,
    pub top: BookTop,
    /// The trade printed with the quote (a file with `last,last_size` columns).
    pub trade: Option<Trade>,
}

/// A row's trade columns as the market's trade print (none when the size is 0).
fn trade_of(last: f64, last_size: f64) -> Option<Trade> {
    (last_size > 0.0).then(|| Trade {
        price: crate::types::cents(last),
        size: last_size as u32,
    })
}

/// A malformed line of a quote file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct QuoteFileError {
    pub line: usize,
    pub reason: String,
}

/// Reads a quote file. Symbols are indexed in order of first appearance (`symbols` is extended).
/// Malformed rows (bad numbers, time going backwards, bid above ask) are skipped and returned as
/// errors with their line numbers, so a file with a few bad rows still replays.
///
/// # Errors
/// An I/O error, or a missing/wrong header (as a [`QuoteFileError`] on line 1).
pub fn read_quotes<R: BufRead>(
    input: R,
    symbols: &mut Vec<String>,
) -> std::io::Result<(Vec<QuoteRow>, Vec<QuoteFileError>)> {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut scanner = QuoteScanner::default();
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        let n = i + 1;
        if n == 1 {
            if !crate::rundir::is_quote_header(line.trim().as_bytes()) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    QuoteFileError {
                        line: 1,
                        reason: format!("expected header `{QUOTE_HEADER}`"),
                    },
                ));
            }
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        let row = match scanner.scan(line.as_bytes()) {
            Ok(row) => row,
            Err(problem) => {
                errors.push(QuoteFileError {
                    line: n,
                    reason: problem.reason().to_string(),
                });
                continue;
            }
        };
        let Ok(sym) = std::str::from_utf8(row.symbol) else {
            errors.push(QuoteFileError {
                line: n,
                reason: "symbol is not UTF-8".to_string(),
            });
            continue;
        };
        if sym.is_empty() {
            errors.push(QuoteFileError {
                line: n,
                reason: "empty symbol".to_string(),
            });
            continue;
        }
        let symbol = match symbols.iter().position(|s| s == sym) {
            Some(i) => i,
            None => {
                symbols.push(sym.to_string());
                symbols.len() - 1
            }
        };
        let (ts_ns, top) = (row.ts_ns, row.book_top());
        let trade = trade_of(row.last, row.last_size);
        rows.push(QuoteRow {
            ts_ns,
            symbol,
            top,
            trade,
        });
    }
    Ok((rows, errors))
}

/// Reads quote files of any format (CSV, Parquet, DBN), merged by time, keeping only `filter`'s
/// symbols when given. Symbols are indexed in order of first appearance (`symbols` is
/// extended); rows that break a rule are skipped and returned as errors with their line or row
/// (and their file when there are several).
///
/// # Errors
/// A file that cannot be read (missing, corrupt, truncated, a wrong column type), naming it.
pub fn read_quote_files(
    paths: &[PathBuf],
    filter: Option<&[String]>,
    symbols: &mut Vec<String>,
) -> Result<(Vec<QuoteRow>, Vec<QuoteFileError>), QuoteInputError> {
    let mut inputs = QuoteInputs::open(paths, filter)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut index: Vec<Option<usize>> = Vec::new();
    let mut batch = Vec::new();
    while inputs.next_batch(&mut batch)? {
        let table = inputs.symbols();
        for r in &batch {
            if let Some(problem) = r.problem {
                let reason = if paths.len() > 1 {
                    format!(
                        "{}: {}",
                        paths[usize::from(r.file)].display(),
                        problem.reason()
                    )
                } else {
                    problem.reason().to_string()
                };
                errors.push(QuoteFileError {
                    line: r.row as usize,
                    reason,
                });
                continue;
            }
            let id = r.symbol as usize;
            if index.len() <= id {
                index.resize(id + 1, None);
            }
            let symbol = *index[id].get_or_insert_with(|| {
                let name = table.name(r.symbol);
                symbols.iter().position(|s| s == name).unwrap_or_else(|| {
                    symbols.push(name.to_string());
                    symbols.len() - 1
                })
            });
            let top = crate::rundir::QuoteFields {
                ts_ns: r.ts_ns,
                symbol: b"",
                bid: r.bid,
                bid_size: r.bid_size,
                ask: r.ask,
                ask_size: r.ask_size,
                last: r.last,
                last_size: r.last_size,
            }
            .book_top();
            rows.push(QuoteRow {
                ts_ns: r.ts_ns,
                symbol,
                top,
                trade: trade_of(r.last, r.last_size),
            });
        }
    }
    Ok((rows, errors))
}

/// Writes `n` quote events of the synthetic universe, starting at `start_unix`.
///
/// # Errors
/// The writer's I/O error.
pub fn write_synthetic<W: Write>(
    universe: &mut Universe,
    n: u64,
    start_unix: i64,
    out: &mut W,
) -> std::io::Result<()> {
    writeln!(out, "{QUOTE_HEADER_TRADES}")?;
    let base = start_unix as i128 * 1_000_000_000;
    for _ in 0..n {
        let e = universe.next_event();
        let ts = base + e.t_ns as i128;
        let name = &universe.names()[e.symbol];
        let t = e.top;
        write!(
            out,
            "{ts},{name},{}.{:02},{},{}.{:02},{},",
            t.bid / 100,
            t.bid % 100,
            t.bid_size,
            t.ask / 100,
            t.ask % 100,
            t.ask_size
        )?;
        match e.trade {
            Some(tr) => writeln!(out, "{}.{:02},{}", tr.price / 100, tr.price % 100, tr.size)?,
            None => writeln!(out, ",")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimParams;

    #[test]
    fn round_trip_and_bad_rows() {
        let p = SimParams::embedded();
        let mut u = Universe::new(&p.market);
        let mut buf = Vec::new();
        write_synthetic(&mut u, 500, 1_700_000_000, &mut buf).unwrap();
        let mut text = String::from_utf8(buf).unwrap();
        text.push_str("1700000000000000000,SPY,1,100,2,100\n"); // time backwards
        text.push_str("1800000000000000000,SPY,x,100,2,100\n");
        text.push_str("1800000000000000001,SPY,3,100,2,100\n");
        let mut symbols = Vec::new();
        let (rows, errors) = read_quotes(text.as_bytes(), &mut symbols).unwrap();
        assert_eq!(rows.len(), 500);
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            vec![502, 503, 504]
        );
        assert_eq!(symbols.len(), 6);
        assert!(rows.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
        // The market's trades come back with their quotes.
        let mut again = Universe::new(&p.market);
        let trades: Vec<_> = (0..500).map(|_| again.next_event().trade).collect();
        assert!(trades.iter().filter(|t| t.is_some()).count() > 50);
        assert_eq!(rows.iter().map(|r| r.trade).collect::<Vec<_>>(), trades);
    }
}
