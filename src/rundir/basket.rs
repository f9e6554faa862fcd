//! `series/basket-<b>.csv`: a basket's chart rows, one per fit applied: each name's s-score and
//! the signed shares the strategy then targeted. Columns `t_ns`, `s_<SYMBOL>` per name,
//! `target_<SYMBOL>` per name; an undefined s-score is an empty field.

use crate::strategy::basket::BasketSample;
use anyhow::{Context, bail};
use std::fmt::Write;

/// The series file of basket `b` (in `[[baskets]]` order).
///
/// # Examples
/// ```
/// assert_eq!(hft::rundir::basket_series_file(0), "series/basket-0.csv");
/// ```
pub fn basket_series_file(b: usize) -> String {
    format!("series/basket-{b}.csv")
}

/// The CSV text of a basket's `rows` over `names` (header first).
pub fn basket_series_csv(names: &[String], rows: &[BasketSample]) -> Vec<u8> {
    let mut out = String::from("t_ns");
    for prefix in ["s_", "target_"] {
        for n in names {
            let _ = write!(out, ",{prefix}{n}");
        }
    }
    out.push('\n');
    for r in rows {
        let _ = write!(out, "{}", r.t_ns);
        for s in &r.s_score[..names.len()] {
            out.push(',');
            if s.is_finite() {
                let _ = write!(out, "{s}");
            }
        }
        for q in &r.target[..names.len()] {
            let _ = write!(out, ",{q}");
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// A basket's series as read back: per name its s-scores (`NaN`: undefined) and targets.
#[derive(Debug, Clone, PartialEq)]
pub struct BasketSeries {
    pub names: Vec<String>,
    pub t_ns: Vec<u64>,
    /// `s_score[name][row]`.
    pub s_score: Vec<Vec<f64>>,
    /// `target[name][row]`.
    pub target: Vec<Vec<i64>>,
}

/// Reads a file written by [`basket_series_csv`].
///
/// # Errors
/// A malformed header or row, naming the line.
///
/// # Examples
/// ```
/// use hft::rundir::{basket_series_csv, read_basket_series};
/// use hft::strategy::basket::BasketSample;
/// use hft::types::MAX_BASKET_LEGS;
/// let (s_score, target) = ([f64::NAN; MAX_BASKET_LEGS], [0; MAX_BASKET_LEGS]);
/// let mut row = BasketSample { t_ns: 5, s_score, target };
/// row.s_score[0] = -1.5;
/// row.target[0] = 100;
/// let names = ["AAA".to_string(), "BBB".to_string()];
/// let text = basket_series_csv(&names, &[row]);
/// let s = read_basket_series(std::str::from_utf8(&text).unwrap()).unwrap();
/// assert_eq!((s.names.len(), s.t_ns[0], s.s_score[0][0], s.target[0][0]), (2, 5, -1.5, 100));
/// assert!(s.s_score[1][0].is_nan());
/// ```
pub fn read_basket_series(text: &str) -> anyhow::Result<BasketSeries> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let names: Vec<String> = header
        .iter()
        .filter_map(|c| c.strip_prefix("s_"))
        .map(String::from)
        .collect();
    let n = names.len();
    if header.first() != Some(&"t_ns") || n == 0 || header.len() != 1 + 2 * n {
        bail!("line 1: expected t_ns, s_<name> ... and target_<name> ... columns");
    }
    let mut s = BasketSeries {
        names,
        t_ns: Vec::new(),
        s_score: vec![Vec::new(); n],
        target: vec![Vec::new(); n],
    };
    for (k, line) in lines.enumerate() {
        let at = || format!("line {}", k + 2);
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != 1 + 2 * n {
            bail!("{}: {} fields, expected {}", at(), f.len(), 1 + 2 * n);
        }
        s.t_ns.push(f[0].parse().with_context(at)?);
        for i in 0..n {
            let score = if f[1 + i].is_empty() {
                f64::NAN
            } else {
                f[1 + i].parse().with_context(at)?
            };
            s.s_score[i].push(score);
            s.target[i].push(f[1 + n + i].parse().with_context(at)?);
        }
    }
    Ok(s)
}
