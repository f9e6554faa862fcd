//! Valuation alphas from a point-in-time fundamentals file: IB removed fundamentals from the API
//! (PROTOCOL.md), so they are read from a CSV the user supplies.
//!
//! # The file
//!
//! ```text
//! date,symbol,pe,pb,dividend_yield
//! 2015-01-30,SPY,18.2,2.8,1.9
//! 2015-01-30,DIA,16.9,3.1,
//! 2015-04-30,SPY,18.9,2.9,1.8
//! ```
//!
//! `date` (`YYYY-MM-DD`, the day the value became known) and `symbol` come first, then any
//! numeric columns (`pe` and `pb` are the ones the scores use); an empty cell is a missing value.
//! **Point in time**: a value dated `D` is used on `D` and after, never before; on a date, each
//! column takes the latest value dated on or before it ([`Fundamentals::value_at`]).
//!
//! # Scores
//!
//! Cheapness is measured by yields, defined for losses too: earnings yield `1 / pe` and book
//! yield `1 / pb`. On a date, each yield is standardised across the names given (`(x - mean) /
//! sd`, population sd; a name without the value is left out of that column), and
//! - [`value_scores`]: a name's value score is the mean of its standardised yields (higher =
//!   cheaper). For a basket's value tilt: long the high scores, short the low ones within the
//!   factor-neutral residual.
//! - [`ValuationFilter`]: a pair's valuation distance is the root mean square difference of its
//!   legs' standardised yields; pairs further apart than `max_distance` are dropped, and with
//!   `rank` the passing pairs are ranked by distance (closest first) instead of by statistic.

use super::PairStats;
use crate::config::{EngineParams, ParamsError};
use crate::strategy::basket_value::ValueTilt;
use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

/// The columns the scores use.
pub const SCORE_COLUMNS: [&str; 2] = ["pe", "pb"];

/// Why a fundamentals file could not be read; every variant names the file and the line.
#[derive(Debug, thiserror::Error)]
pub enum ValuationError {
    /// Reading failed.
    #[error("{file}: line {line}: {source}")]
    Io {
        file: String,
        line: usize,
        #[source]
        source: std::io::Error,
    },
    /// The header is not `date,symbol,` then numeric column names.
    #[error("{file}: line 1: bad header: {reason}")]
    Header { file: String, reason: String },
    /// A row has the wrong number of fields.
    #[error("{file}: line {line}: expected {expected} comma-separated fields, found {found}")]
    FieldCount {
        file: String,
        line: usize,
        expected: usize,
        found: usize,
    },
    /// A date is not `YYYY-MM-DD`.
    #[error("{file}: line {line}: date `{value}` is not YYYY-MM-DD")]
    Date {
        file: String,
        line: usize,
        value: String,
    },
    /// A value is neither empty nor a finite number.
    #[error("{file}: line {line}, column `{column}`: `{value}` is not a finite number")]
    Number {
        file: String,
        line: usize,
        column: String,
        value: String,
    },
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian; Hinnant's
/// `days_from_civil`), or `None` when it is not one.
///
/// # Examples
/// ```
/// use hft::pairs::valuation::day_number;
/// assert_eq!(day_number("1970-01-02"), Some(1));
/// assert_eq!(day_number("2000-03-01"), Some(11_017));
/// assert_eq!(day_number("2015-02-30"), None);
/// assert_eq!(day_number("15-1-1"), None);
/// ```
pub fn day_number(date: &str) -> Option<i64> {
    let b = date.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &str| s.parse::<i64>().ok();
    let (y, m, d) = (num(&date[..4])?, num(&date[5..7])?, num(&date[8..])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month[(m - 1) as usize] {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// One symbol's history of one column: `(day, value)` ascending by day.
type History = Vec<(i64, f64)>;

/// A point-in-time fundamentals table (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Fundamentals {
    columns: Vec<String>,
    /// `(symbol, column index)` -> dated values.
    values: HashMap<(String, usize), History>,
}

impl Fundamentals {
    /// Reads the file at `path`.
    ///
    /// # Errors
    /// A [`ValuationError`] naming the file and line.
    pub fn read(path: &Path) -> Result<Self, ValuationError> {
        let file = path.display().to_string();
        let f = std::fs::File::open(path).map_err(|source| ValuationError::Io {
            file: file.clone(),
            line: 0,
            source,
        })?;
        Self::parse(&file, std::io::BufReader::new(f))
    }

    /// Parses a fundamentals CSV from `reader`; `file` names it in errors.
    ///
    /// # Errors
    /// A [`ValuationError`] naming `file` and the line.
    ///
    /// # Examples
    /// ```
    /// use hft::pairs::valuation::Fundamentals;
    /// let text = "date,symbol,pe,pb\n2015-01-30,SPY,18.0,2.8\n2015-04-30,SPY,20.0,\n";
    /// let f = Fundamentals::parse("f.csv", text.as_bytes()).unwrap();
    /// assert_eq!(f.value_at("SPY", "pe", "2015-01-29"), None); // not known yet
    /// assert_eq!(f.value_at("SPY", "pe", "2015-01-30"), Some(18.0));
    /// assert_eq!(f.value_at("SPY", "pe", "2015-05-01"), Some(20.0));
    /// assert_eq!(f.value_at("SPY", "pb", "2015-05-01"), Some(2.8)); // the latest known
    /// assert!(Fundamentals::parse("f.csv", "symbol,date,pe\n".as_bytes()).is_err());
    /// ```
    pub fn parse(file: &str, reader: impl BufRead) -> Result<Self, ValuationError> {
        let mut lines = reader.lines();
        let header = match lines.next() {
            Some(Ok(h)) => h,
            Some(Err(source)) => {
                return Err(ValuationError::Io {
                    file: file.into(),
                    line: 1,
                    source,
                });
            }
            None => {
                return Err(ValuationError::Header {
                    file: file.into(),
                    reason: "empty file, expected `date,symbol,pe,pb,...`".into(),
                });
            }
        };
        let names: Vec<String> = header
            .trim()
            .split(',')
            .map(|s| s.trim().to_string())
            .collect();
        if names.len() < 3 || names[0] != "date" || names[1] != "symbol" {
            return Err(ValuationError::Header {
                file: file.into(),
                reason: "expected `date,symbol,` then at least one numeric column".into(),
            });
        }
        let columns = names[2..].to_vec();
        if columns.iter().any(String::is_empty) {
            return Err(ValuationError::Header {
                file: file.into(),
                reason: "an empty column name".into(),
            });
        }
        let mut values: HashMap<(String, usize), History> = HashMap::new();
        for (i, line) in lines.enumerate() {
            let n = i + 2;
            let line = line.map_err(|source| ValuationError::Io {
                file: file.into(),
                line: n,
                source,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.trim_end().split(',').map(str::trim).collect();
            if fields.len() != names.len() {
                return Err(ValuationError::FieldCount {
                    file: file.into(),
                    line: n,
                    expected: names.len(),
                    found: fields.len(),
                });
            }
            let day = day_number(fields[0]).ok_or_else(|| ValuationError::Date {
                file: file.into(),
                line: n,
                value: fields[0].into(),
            })?;
            for (c, raw) in fields[2..].iter().enumerate() {
                if raw.is_empty() {
                    continue;
                }
                let v = raw
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| ValuationError::Number {
                        file: file.into(),
                        line: n,
                        column: columns[c].clone(),
                        value: (*raw).into(),
                    })?;
                values
                    .entry((fields[1].to_string(), c))
                    .or_default()
                    .push((day, v));
            }
        }
        for history in values.values_mut() {
            // Stable: of two rows of one day, the later line wins.
            history.sort_by_key(|(day, _)| *day);
        }
        Ok(Fundamentals { columns, values })
    }

    /// The numeric column names, in file order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The latest value of `column` for `symbol` dated on or before `date` (`YYYY-MM-DD`);
    /// `None` when there is none yet, or for an unknown column or a malformed date.
    pub fn value_at(&self, symbol: &str, column: &str, date: &str) -> Option<f64> {
        self.value_on_day(symbol, column, day_number(date)?)
    }

    /// [`value_at`](Self::value_at) for a day number ([`day_number`]).
    pub fn value_on_day(&self, symbol: &str, column: &str, day: i64) -> Option<f64> {
        let c = self.columns.iter().position(|n| n == column)?;
        let history = self.values.get(&(symbol.to_string(), c))?;
        let known = history.partition_point(|(d, _)| *d <= day);
        known.checked_sub(1).map(|i| history[i].1)
    }

    /// The standardised yields (`1 / pe`, `1 / pb`) of `symbols` on `day`: `[symbol][column]`.
    fn standardised_yields(&self, symbols: &[&str], day: i64) -> Vec<[Option<f64>; 2]> {
        let mut out = vec![[None; 2]; symbols.len()];
        for (c, column) in SCORE_COLUMNS.iter().enumerate() {
            let yields: Vec<Option<f64>> = symbols
                .iter()
                .map(|s| {
                    self.value_on_day(s, column, day)
                        .filter(|v| *v != 0.0)
                        .map(|v| 1.0 / v)
                })
                .collect();
            let known: Vec<f64> = yields.iter().flatten().copied().collect();
            if known.len() < 2 {
                continue;
            }
            let mean = known.iter().sum::<f64>() / known.len() as f64;
            let sd =
                (known.iter().map(|y| (y - mean).powi(2)).sum::<f64>() / known.len() as f64).sqrt();
            if sd <= 0.0 {
                continue;
            }
            for (o, y) in out.iter_mut().zip(&yields) {
                o[c] = y.map(|y| (y - mean) / sd);
            }
        }
        out
    }
}

/// Each name's value score on `date` (`YYYY-MM-DD`), in the order of `symbols`: the mean of its
/// standardised earnings and book yields across `symbols` (higher = cheaper); `None` for a name
/// with neither, or for a malformed date. For the basket's value tilt: long the cheap (high
/// scores), short the rich, within the factor-neutral residual.
///
/// # Examples
/// ```
/// use hft::pairs::valuation::{Fundamentals, value_scores};
/// let text = "date,symbol,pe,pb\n2015-01-30,A,10,1\n2015-01-30,B,20,2\n2015-01-30,C,40,4\n";
/// let f = Fundamentals::parse("f.csv", text.as_bytes()).unwrap();
/// let s = value_scores(&f, "2015-02-02", &["A", "B", "C", "D"]);
/// assert!(s[0].unwrap() > s[1].unwrap() && s[1].unwrap() > s[2].unwrap());
/// assert_eq!(s[3], None);
/// assert!(value_scores(&f, "2015-01-29", &["A", "B"]).iter().all(Option::is_none));
/// ```
pub fn value_scores(f: &Fundamentals, date: &str, symbols: &[&str]) -> Vec<Option<f64>> {
    let Some(day) = day_number(date) else {
        return vec![None; symbols.len()];
    };
    f.standardised_yields(symbols, day)
        .iter()
        .map(mean_of_known)
        .collect()
}

/// A basket's value tilt of weight `weight` over `symbols` (in the basket's order): every day on
/// which `f` has a value of a scored column for one of them, with each name's
/// [`value_scores`] of that day (the tilt standardises them across the names and looks them up
/// point in time: [`ValueTilt`]). Between two such days the scores cannot change, so the table
/// answers every day exactly as [`value_scores`] would.
///
/// # Examples
/// ```
/// use hft::pairs::valuation::{Fundamentals, basket_value_tilt};
/// let text = "date,symbol,pe,pb\n1970-01-02,A,10,1\n1970-01-02,B,40,4\n";
/// let f = Fundamentals::parse("f.csv", text.as_bytes()).unwrap();
/// let tilt = basket_value_tilt(&f, &["A", "B"], 0.5);
/// let day = 86_400_000_000_000u64;
/// assert_eq!(tilt.scores_at(0), &[0.0, 0.0]); // day 0: nothing known yet
/// assert_eq!(tilt.scores_at(day), &[1.0, -1.0]); // A cheap, B rich
/// ```
pub fn basket_value_tilt(f: &Fundamentals, symbols: &[&str], weight: f64) -> ValueTilt {
    let scored: Vec<usize> = SCORE_COLUMNS
        .iter()
        .filter_map(|c| f.columns.iter().position(|n| n == c))
        .collect();
    let mut days: Vec<i64> = symbols
        .iter()
        .flat_map(|s| scored.iter().map(move |&c| (s.to_string(), c)))
        .filter_map(|key| f.values.get(&key))
        .flat_map(|history| history.iter().map(|(day, _)| *day))
        .collect();
    days.sort_unstable();
    days.dedup();
    let rows = days
        .into_iter()
        .map(|day| {
            let z = f.standardised_yields(symbols, day);
            (day, z.iter().map(mean_of_known).collect())
        })
        .collect();
    ValueTilt::new(weight, symbols.len(), rows)
}

/// Each basket's value tilt (`None` where `strategy.basket.value_tilt` is 0), the
/// fundamentals file `strategy.basket.fundamentals` read once.
///
/// # Errors
/// An unreadable or malformed fundamentals file: a [`ParamsError`] naming the key
/// `strategy.basket.fundamentals` in `file` (the params file) and the fundamentals file, line
/// and column (an input file like the quotes, so a params error, exit status 2).
pub fn basket_value_tilts(
    params: &EngineParams,
    file: &str,
) -> Result<Vec<Option<ValueTilt>>, ParamsError> {
    let basket = &params.strategy.basket;
    if basket.value_tilt == 0.0 || params.baskets.is_empty() {
        return Ok(vec![None; params.baskets.len()]);
    }
    let f = Fundamentals::read(Path::new(&basket.fundamentals))
        .map_err(|e| ParamsError::new(file, "strategy.basket.fundamentals", e.to_string()))?;
    Ok(params
        .baskets
        .iter()
        .map(|b| {
            let names: Vec<&str> = b.symbols.iter().map(String::as_str).collect();
            Some(basket_value_tilt(&f, &names, basket.value_tilt))
        })
        .collect())
}

/// The mean of a name's known standardised yields (its value score).
fn mean_of_known(z: &[Option<f64>; 2]) -> Option<f64> {
    let known: Vec<f64> = z.iter().flatten().copied().collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

/// The valuation filter and ranking of `hft pairs` / `hft bootstrap` (see the module docs).
#[derive(Debug, Clone)]
pub struct ValuationFilter {
    /// The table.
    pub fundamentals: Fundamentals,
    /// Values known on this day ([`day_number`]) are used.
    pub day: i64,
    /// Pairs further apart are dropped (`None`: none are).
    pub max_distance: Option<f64>,
    /// Rank by distance (closest first) instead of by the cointegration statistic.
    pub rank: bool,
}

/// A pair with its valuation distance.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ValuedPair {
    /// The pair's statistics.
    #[serde(flatten)]
    pub stats: PairStats,
    /// Root mean square difference of the legs' standardised yields (`null` when a leg has no
    /// value on the day).
    pub value_distance: Option<f64>,
}

impl ValuationFilter {
    /// The distance of every pair of `ranked` (over the universe `symbols`), the pairs beyond
    /// `max_distance` (or without a distance, when a maximum is set) dropped, re-ranked by
    /// distance with `rank` (stable: ties keep their order).
    pub fn apply(&self, symbols: &[String], ranked: Vec<PairStats>) -> Vec<ValuedPair> {
        let names: Vec<&str> = symbols.iter().map(String::as_str).collect();
        let z = self.fundamentals.standardised_yields(&names, self.day);
        let of = |s: &str| names.iter().position(|n| *n == s).map(|i| z[i]);
        let mut out: Vec<ValuedPair> = ranked
            .into_iter()
            .map(|stats| {
                let value_distance = match (of(&stats.a), of(&stats.b)) {
                    (Some(za), Some(zb)) => distance(&za, &zb),
                    _ => None,
                };
                ValuedPair {
                    stats,
                    value_distance,
                }
            })
            .filter(|p| {
                self.max_distance
                    .is_none_or(|m| p.value_distance.is_some_and(|d| d <= m))
            })
            .collect();
        if self.rank {
            out.sort_by(|x, y| {
                y.stats.passes.cmp(&x.stats.passes).then(
                    x.value_distance
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&y.value_distance.unwrap_or(f64::INFINITY)),
                )
            });
        }
        out
    }
}

impl ValuationFilter {
    /// [`crate::pairs::select_pairs`] with the filter: every pair ranked, the filter applied,
    /// the pairs discovered at the false-discovery rate kept, at most `top`.
    pub fn select(
        &self,
        names: &[String],
        columns: &[Vec<f64>],
        options: &super::RankOptions,
        top: usize,
    ) -> Vec<PairStats> {
        let ranked = super::rank_universe(names, columns, options).pairs;
        self.apply(names, ranked)
            .into_iter()
            .filter(|p| p.stats.discovered)
            .map(|p| p.stats)
            .take(top)
            .collect()
    }
}

/// Root mean square difference over the columns both legs have.
fn distance(a: &[Option<f64>; 2], b: &[Option<f64>; 2]) -> Option<f64> {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .filter_map(|(x, y)| Some((x.as_ref()? - y.as_ref()?).powi(2)))
        .collect();
    (!d.is_empty()).then(|| (d.iter().sum::<f64>() / d.len() as f64).sqrt())
}
