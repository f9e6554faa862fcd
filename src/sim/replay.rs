//! Quote files: `ts_ns,symbol,bid,bid_size,ask,ask_size` (Unix nanoseconds, non-decreasing).
//! Read for replay by the gateway, written by `hft sim --write-ticks`.

use super::universe::Universe;
use crate::exchange::BookTop;
use std::io::{BufRead, Write};

/// One recorded quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuoteRow {
    pub ts_ns: i64,
    pub symbol: usize,
    pub top: BookTop,
}

/// A malformed line of a quote file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct QuoteFileError {
    pub line: usize,
    pub reason: String,
}

/// The header every quote file starts with.
pub const QUOTE_HEADER: &str = "ts_ns,symbol,bid,bid_size,ask,ask_size";

fn cents(s: &str) -> Option<i64> {
    let v = crate::wire::parse_f64(s.trim().as_bytes())?;
    (v.is_finite() && v > 0.0).then(|| (v * 100.0).round() as i64)
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
    let mut last_ts = i64::MIN;
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        let n = i + 1;
        if n == 1 {
            if line.trim() != QUOTE_HEADER {
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
        let mut bad = |reason: &str| {
            errors.push(QuoteFileError {
                line: n,
                reason: reason.to_string(),
            })
        };
        let parts: Vec<&str> = line.split(',').collect();
        if parts.len() != 6 {
            bad("expected 6 comma-separated fields");
            continue;
        }
        let Some(ts_ns) = crate::wire::parse_i64(parts[0].trim().as_bytes()) else {
            bad("ts_ns is not an integer");
            continue;
        };
        if ts_ns < last_ts {
            bad("time goes backwards");
            continue;
        }
        let sym = parts[1].trim();
        if sym.is_empty() {
            bad("empty symbol");
            continue;
        }
        let (Some(bid), Some(ask)) = (cents(parts[2]), cents(parts[4])) else {
            bad("bid or ask is not a positive number");
            continue;
        };
        let (Some(bid_size), Some(ask_size)) = (
            crate::wire::parse_f64(parts[3].trim().as_bytes()),
            crate::wire::parse_f64(parts[5].trim().as_bytes()),
        ) else {
            bad("bid_size or ask_size is not a number");
            continue;
        };
        if bid > ask {
            bad("bid above ask");
            continue;
        }
        let symbol = match symbols.iter().position(|s| s == sym) {
            Some(i) => i,
            None => {
                symbols.push(sym.to_string());
                symbols.len() - 1
            }
        };
        last_ts = ts_ns;
        let top = BookTop {
            bid,
            ask,
            bid_size: bid_size.max(0.0) as u32,
            ask_size: ask_size.max(0.0) as u32,
        };
        rows.push(QuoteRow { ts_ns, symbol, top });
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
    writeln!(out, "{QUOTE_HEADER}")?;
    let base = start_unix as i128 * 1_000_000_000;
    for _ in 0..n {
        let e = universe.next_event();
        let ts = base + e.t_ns as i128;
        let name = &universe.names()[e.symbol];
        let t = e.top;
        writeln!(
            out,
            "{ts},{name},{}.{:02},{},{}.{:02},{}",
            t.bid / 100,
            t.bid % 100,
            t.bid_size,
            t.ask / 100,
            t.ask % 100,
            t.ask_size
        )?;
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
    }
}
