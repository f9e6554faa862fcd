//! The series and fills files of a run directory, written by the engine and `hft backtest` and
//! read back by `hft report`, in one format each:
//!
//! - `series/<A>-<B>.csv`: one row per strategy grid row ([`GridSample`]), header
//!   [`SERIES_HEADER`]. Empty fields are undefined statistics.
//! - `fills.csv`: one row per execution, header [`FILLS_HEADER`]: `t_ns` when the execution was
//!   read (the engine's wall clock; the event time in a backtest) and `signal_t_ns`, the event
//!   time of the tick that triggered the order, which puts a fill on the strategy's clock.
//! - the `series` section of `summary.json` ([`SeriesIndex`]): which file is which pair, rows
//!   kept and dropped, and the z-score bands the strategy trades on.

use crate::record::FillRecord;
use crate::strategy::{FilterLevels, FilterSample, GridSample, ZScoreBands};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Header of `series/<A>-<B>.csv`.
pub const SERIES_HEADER: &str = "t_ns,a_mid,b_mid,hedge_ratio,volatility_ratio,zscore,position_a,\
     position_b,spread,forecast,hurst,vr_stat,reverting_prob,break_t_ns";

/// Header of `fills.csv`.
pub const FILLS_HEADER: &str = "order_id,t_ns,symbol,side,qty,price,commission,pair,signal_t_ns";

/// The `series` section of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesIndex {
    /// Bands of the samples' `zscore` (none for the seed model).
    pub zscore_bands: Option<ZScoreBands>,
    /// Thresholds of the pair filters (none when no filter is on and the model is not `var`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter_levels: Option<FilterLevels>,
    pub pairs: Vec<SeriesEntry>,
}

/// One pair's series file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesEntry {
    pub a: String,
    pub b: String,
    /// Path relative to the run directory.
    pub file: String,
    pub rows: u64,
    /// Grid rows not recorded because the log was full (`engine.series_capacity`).
    pub dropped_rows: u64,
}

/// `series/<A>-<B>.csv`, with characters other than ASCII letters, digits, `.` and `_` in the
/// symbols replaced by `_`.
///
/// # Examples
/// ```
/// assert_eq!(hft::rundir::series_file("SPY", "BRK B"), "series/SPY-BRK_B.csv");
/// ```
pub fn series_file(a: &str, b: &str) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("series/{}-{}.csv", clean(a), clean(b))
}

/// `bootstrap/<A>-<B>.csv`: the grid rows a pair's strategy was warmed with before its live
/// `series/<A>-<B>.csv` (the same format), named as [`series_file`] names the pair's.
///
/// # Examples
/// ```
/// assert_eq!(hft::rundir::bootstrap_file("SPY", "BRK B"), "bootstrap/SPY-BRK_B.csv");
/// ```
pub fn bootstrap_file(a: &str, b: &str) -> String {
    series_file(a, b).replacen("series/", "bootstrap/", 1)
}

/// The CSV text of `rows` (header first). Floats are written shortest-round-trip, so the same
/// samples always give the same bytes.
pub fn series_csv(rows: &[GridSample]) -> Vec<u8> {
    let mut out = String::with_capacity(64 + rows.len() * 72);
    out.push_str(SERIES_HEADER);
    out.push('\n');
    let opt = |out: &mut String, x: Option<f64>| {
        if let Some(x) = x.filter(|x| x.is_finite()) {
            let _ = write!(out, "{x}");
        }
    };
    for r in rows {
        let _ = write!(out, "{},{},{},", r.t_ns, r.a_mid, r.b_mid);
        opt(&mut out, r.hedge_ratio);
        out.push(',');
        opt(&mut out, r.volatility_ratio);
        out.push(',');
        opt(&mut out, r.zscore);
        let _ = write!(out, ",{},{}", r.position_a, r.position_b);
        let f = &r.filters;
        for x in [f.spread, f.forecast, f.hurst, f.vr_stat, f.reverting_prob] {
            out.push(',');
            if let Some(x) = x.filter(|x| x.is_finite()) {
                let _ = write!(out, "{x}");
            }
        }
        out.push(',');
        if let Some(t) = f.break_t_ns {
            let _ = write!(out, "{t}");
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// A malformed row of a run-directory file: 1-based line and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl ParseError {
    /// An error at `line` (1-based).
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line,
            message: message.into(),
        }
    }
}

/// Column positions found in a header line.
struct Columns<'a> {
    names: Vec<&'a str>,
}

impl<'a> Columns<'a> {
    fn new(header: &'a str) -> Self {
        Columns {
            names: header
                .trim_end_matches('\r')
                .split(',')
                .map(str::trim)
                .collect(),
        }
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }

    fn require(&self, name: &str) -> Result<usize, ParseError> {
        self.find(name).ok_or_else(|| {
            ParseError::new(
                1,
                format!(
                    "header has no `{name}` column (header: `{}`)",
                    self.names.join(",")
                ),
            )
        })
    }
}

/// Parsing helpers over the fields of one row.
struct Row<'a> {
    line: usize,
    fields: Vec<&'a str>,
    width: usize,
}

impl<'a> Row<'a> {
    fn new(line: usize, text: &'a str, width: usize) -> Result<Self, ParseError> {
        let fields: Vec<&str> = text.trim_end_matches('\r').split(',').collect();
        if fields.len() != width {
            return Err(ParseError::new(
                line,
                format!("{} fields, the header has {width}", fields.len()),
            ));
        }
        Ok(Row {
            line,
            fields,
            width,
        })
    }

    fn text(&self, i: usize) -> &'a str {
        debug_assert!(i < self.width);
        self.fields[i].trim()
    }

    fn parse<T: std::str::FromStr>(&self, i: usize, name: &str) -> Result<T, ParseError> {
        self.text(i).parse().map_err(|_| {
            ParseError::new(
                self.line,
                format!("`{name}` is not a number: `{}`", self.text(i)),
            )
        })
    }

    fn f64(&self, i: usize, name: &str) -> Result<f64, ParseError> {
        let x: f64 = self.parse(i, name)?;
        if x.is_finite() {
            Ok(x)
        } else {
            Err(ParseError::new(
                self.line,
                format!("`{name}` is not finite: `{}`", self.text(i)),
            ))
        }
    }

    fn opt_f64(&self, i: Option<usize>, name: &str) -> Result<Option<f64>, ParseError> {
        match i {
            Some(i) if !self.text(i).is_empty() => self.f64(i, name).map(Some),
            _ => Ok(None),
        }
    }
}

/// Data lines of `text` with their 1-based line numbers (blank lines skipped), after the header.
fn data_lines(text: &str) -> Result<(&str, impl Iterator<Item = (usize, &str)>), ParseError> {
    let mut lines = text.lines().enumerate();
    let header = match lines.next() {
        Some((_, h)) if !h.trim().is_empty() => h,
        _ => return Err(ParseError::new(1, "empty file (no header)")),
    };
    Ok((
        header,
        lines
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty()),
    ))
}

/// Reads a series file written by [`series_csv`] (columns found by name; `t_ns`, `a_mid` and
/// `b_mid` are required, the others may be absent or empty).
///
/// # Errors
/// The first malformed line: a missing column, a wrong field count, a bad number, time going
/// backwards.
///
/// # Examples
/// ```
/// use hft::rundir::{read_series, series_csv};
/// use hft::strategy::GridSample;
///
/// let row = GridSample { t_ns: 5, a_mid: 1.5, b_mid: 2.0, hedge_ratio: Some(0.75),
///     volatility_ratio: None, zscore: Some(-1.25), position_a: 100, position_b: -75,
///     filters: Default::default() };
/// assert_eq!(read_series(std::str::from_utf8(&series_csv(&[row])).unwrap()).unwrap(), [row]);
/// assert_eq!(read_series("t_ns,a_mid,b_mid\n1,x,2\n").unwrap_err().line, 2);
/// ```
pub fn read_series(text: &str) -> Result<Vec<GridSample>, ParseError> {
    let (header, lines) = data_lines(text)?;
    let cols = Columns::new(header);
    let (t, a, b) = (
        cols.require("t_ns")?,
        cols.require("a_mid")?,
        cols.require("b_mid")?,
    );
    let (beta, vr, z) = (
        cols.find("hedge_ratio"),
        cols.find("volatility_ratio"),
        cols.find("zscore"),
    );
    let (pa, pb) = (cols.find("position_a"), cols.find("position_b"));
    let filter_cols =
        ["spread", "forecast", "hurst", "vr_stat", "reverting_prob"].map(|c| (c, cols.find(c)));
    let break_col = cols.find("break_t_ns");
    let mut out = Vec::new();
    let mut last_t = 0u64;
    for (line, text) in lines {
        let row = Row::new(line, text, cols.names.len())?;
        let t_ns: u64 = row.parse(t, "t_ns")?;
        if t_ns < last_t {
            return Err(ParseError::new(line, "t_ns goes backwards"));
        }
        last_t = t_ns;
        let position = |i: Option<usize>, name: &str| match i {
            Some(i) if !row.text(i).is_empty() => row.parse::<i64>(i, name),
            _ => Ok(0),
        };
        out.push(GridSample {
            t_ns,
            a_mid: row.f64(a, "a_mid")?,
            b_mid: row.f64(b, "b_mid")?,
            hedge_ratio: row.opt_f64(beta, "hedge_ratio")?,
            volatility_ratio: row.opt_f64(vr, "volatility_ratio")?,
            zscore: row.opt_f64(z, "zscore")?,
            position_a: position(pa, "position_a")?,
            position_b: position(pb, "position_b")?,
            filters: {
                let mut v = [None; 5];
                for (slot, (name, i)) in v.iter_mut().zip(filter_cols) {
                    *slot = row.opt_f64(i, name)?.map(|x| x as f32);
                }
                FilterSample {
                    spread: v[0],
                    forecast: v[1],
                    hurst: v[2],
                    vr_stat: v[3],
                    reverting_prob: v[4],
                    break_t_ns: match break_col {
                        Some(i) if !row.text(i).is_empty() => Some(row.parse(i, "break_t_ns")?),
                        _ => None,
                    },
                }
            },
        });
    }
    Ok(out)
}

/// One row of `fills.csv`, as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct FillRow {
    /// Time of the fill (Unix ns): the backtest's event time, the engine's wall-clock receipt.
    pub t_ns: u64,
    /// Event time of the triggering tick, when the file has it (the engine's).
    pub signal_t_ns: Option<u64>,
    pub symbol: String,
    /// Signed shares (buy positive).
    pub qty: f64,
    pub price: f64,
    pub commission: f64,
    pub pair: Option<u16>,
}

impl FillRow {
    /// The fill's time on the strategy's clock (the clock of the series files).
    pub fn strategy_t_ns(&self) -> u64 {
        self.signal_t_ns.unwrap_or(self.t_ns)
    }
}

/// Reads `fills.csv` of the engine or the backtest (columns by name: `t_ns`, `symbol`, `side`,
/// `qty`, `price` required; `commission`, `pair`, `signal_t_ns` optional).
///
/// # Errors
/// The first malformed line.
///
/// # Examples
/// ```
/// let text = "order_id,t_ns,symbol,side,qty,price,commission,pair\n1,10,SPY,SELL,100,450.5,1,0\n";
/// let fills = hft::rundir::read_fills(text).unwrap();
/// assert_eq!((fills[0].qty, fills[0].pair), (-100.0, Some(0)));
/// ```
pub fn read_fills(text: &str) -> Result<Vec<FillRow>, ParseError> {
    let (header, lines) = data_lines(text)?;
    let cols = Columns::new(header);
    let (t, sym, side, qty, price) = (
        cols.require("t_ns")?,
        cols.require("symbol")?,
        cols.require("side")?,
        cols.require("qty")?,
        cols.require("price")?,
    );
    let (commission, pair, signal) = (
        cols.find("commission"),
        cols.find("pair"),
        cols.find("signal_t_ns"),
    );
    let mut out = Vec::new();
    for (line, text) in lines {
        let row = Row::new(line, text, cols.names.len())?;
        let sign = match row.text(side) {
            "BUY" | "BOT" => 1.0,
            "SELL" | "SLD" => -1.0,
            other => {
                return Err(ParseError::new(
                    line,
                    format!("`side` is `{other}`, not BUY or SELL"),
                ));
            }
        };
        let opt_int = |i: Option<usize>, name: &str| -> Result<Option<u64>, ParseError> {
            match i {
                Some(i) if !row.text(i).is_empty() => row.parse(i, name).map(Some),
                _ => Ok(None),
            }
        };
        out.push(FillRow {
            t_ns: row.parse(t, "t_ns")?,
            signal_t_ns: opt_int(signal, "signal_t_ns")?.filter(|t| *t > 0),
            symbol: row.text(sym).to_string(),
            qty: sign * row.f64(qty, "qty")?.abs(),
            price: row.f64(price, "price")?,
            commission: row.opt_f64(commission, "commission")?.unwrap_or(0.0),
            pair: opt_int(pair, "pair")?.and_then(|p| u16::try_from(p).ok()),
        });
    }
    Ok(out)
}

/// `fills.csv` of a run: `t_ns` is the receipt time moved by `wall_offset_ns` (the engine's
/// monotonic clock to Unix time; 0 in a backtest, whose clock is already the event time).
pub fn fills_csv(fills: &[FillRecord], symbols: &[String], wall_offset_ns: u64) -> Vec<u8> {
    let mut out = String::with_capacity(64 + fills.len() * 80);
    let _ = writeln!(out, "{FILLS_HEADER}");
    for f in fills {
        let symbol = symbols
            .get(f.instrument as usize)
            .map_or("?", String::as_str);
        let side = if f.qty >= 0.0 { "BUY" } else { "SELL" };
        let _ = write!(
            out,
            "{},{},{symbol},{side},{},{},{},",
            f.order_id,
            f.t_ns + wall_offset_ns,
            f.qty.abs(),
            f.price,
            f.commission
        );
        if f.pair != u16::MAX {
            let _ = write!(out, "{}", f.pair);
        }
        let _ = writeln!(out, ",{}", f.signal_t_ns);
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_ns: u64) -> GridSample {
        GridSample {
            t_ns,
            a_mid: 100.125,
            b_mid: 50.0,
            hedge_ratio: Some(2.0000001),
            volatility_ratio: None,
            zscore: Some(-0.1),
            position_a: -100,
            position_b: 200,
            filters: FilterSample::default(),
        }
    }

    #[test]
    fn a_row_is_144_bytes() {
        // As params/default.toml says for engine.series_capacity.
        assert_eq!(std::mem::size_of::<GridSample>(), 144);
    }

    #[test]
    fn series_round_trips_exactly() {
        let rows: Vec<GridSample> = (0..5)
            .map(|k| {
                let mut s = sample(1_700_000_000_000_000_000 + k);
                s.volatility_ratio = (k % 2 == 0).then_some(0.3 * k as f64);
                s.hedge_ratio = (k > 0).then_some(1.0 / (k as f64 + 3.0));
                s.filters = FilterSample {
                    spread: (k > 1).then_some(0.1 * k as f32),
                    forecast: (k > 1).then_some(-0.3 / k as f32),
                    hurst: (k % 2 == 1).then_some(0.45),
                    vr_stat: Some(-1.5 + k as f32),
                    reverting_prob: (k > 2).then_some(0.9),
                    break_t_ns: (k > 3).then_some(1_700_000_000_000_000_000),
                };
                s
            })
            .collect();
        let csv = series_csv(&rows);
        assert!(csv.starts_with(SERIES_HEADER.as_bytes()));
        assert_eq!(
            read_series(std::str::from_utf8(&csv).unwrap()).unwrap(),
            rows
        );
    }

    #[test]
    fn series_errors_name_the_line() {
        let good = std::str::from_utf8(&series_csv(&[sample(10), sample(20)]))
            .unwrap()
            .to_string();
        // Row 1 (line 2) with one field too many, whatever its last column is.
        let extra_field = {
            let mut lines: Vec<String> = good.lines().map(String::from).collect();
            lines[1].push_str(",9");
            lines.join("\n") + "\n"
        };
        let cases = [
            (good.replace("20,100.125", "20,1o0.125"), 3, "a_mid"),
            (good.replace("20,100.125", "5,100.125"), 3, "backwards"),
            (extra_field, 2, "fields"),
            (good.replacen("a_mid", "a", 1), 1, "a_mid"),
            (String::new(), 1, "empty"),
        ];
        for (text, line, what) in cases {
            let e = read_series(&text).unwrap_err();
            assert_eq!(e.line, line, "{text}");
            assert!(e.to_string().contains(what), "{e}");
        }
    }

    #[test]
    fn engine_fills_read_back() {
        let symbols = vec!["AAA".to_string(), "BBB".to_string()];
        let fills = [
            FillRecord {
                t_ns: 5,
                signal_t_ns: 7,
                order_id: 12,
                instrument: 1,
                pair: 0,
                qty: -300.0,
                price: 50.01,
                commission: 1.5,
            },
            FillRecord {
                t_ns: 6,
                signal_t_ns: 0,
                order_id: 13,
                instrument: 0,
                pair: u16::MAX,
                qty: 100.0,
                price: 99.5,
                commission: 0.0,
            },
        ];
        let text = String::from_utf8(fills_csv(&fills, &symbols, 1000)).unwrap();
        let rows = read_fills(&text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0],
            FillRow {
                t_ns: 1005,
                signal_t_ns: Some(7),
                symbol: "BBB".into(),
                qty: -300.0,
                price: 50.01,
                commission: 1.5,
                pair: Some(0),
            }
        );
        assert_eq!((rows[1].pair, rows[1].signal_t_ns), (None, None));
        assert_eq!(rows[1].strategy_t_ns(), 1006);
        let bad = text.replace("SELL", "SHORT");
        assert_eq!(read_fills(&bad).unwrap_err().line, 2);
    }
}
