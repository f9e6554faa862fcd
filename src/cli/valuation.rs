//! The valuation flags of `hft pairs` and `hft bootstrap` (see [`crate::pairs::valuation`]).

use crate::pairs::valuation::{Fundamentals, ValuationFilter, day_number};
use anyhow::Context;
use std::path::PathBuf;

/// `--fundamentals FILE [--as-of DATE] [--max-value-distance X] [--rank-by-value]`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ValuationArgs {
    /// Point-in-time fundamentals CSV (`date,symbol,pe,pb,...`): filter and rank pairs by
    /// valuation similarity, using only values dated on or before --as-of.
    #[arg(long, value_name = "FILE.csv")]
    pub fundamentals: Option<PathBuf>,
    /// The day whose known values are used, YYYY-MM-DD (`hft pairs`: required with
    /// --fundamentals; `hft bootstrap`: default the last bar's day).
    #[arg(long, value_name = "YYYY-MM-DD", requires = "fundamentals")]
    pub as_of: Option<String>,
    /// Drop pairs whose legs' valuations are further apart (root mean square difference of their
    /// standardised earnings and book yields).
    #[arg(long, value_name = "X", requires = "fundamentals")]
    pub max_value_distance: Option<f64>,
    /// Rank cointegrated pairs by valuation distance (closest first) instead of by statistic.
    #[arg(long, requires = "fundamentals")]
    pub rank_by_value: bool,
}

impl ValuationArgs {
    /// The filter the flags ask for (`None` without --fundamentals); `default_day` stands in for
    /// a missing --as-of.
    ///
    /// # Errors
    /// A malformed --as-of or --max-value-distance, a missing --as-of without a default, or a
    /// fundamentals file that cannot be read (the message names the file and line).
    pub fn filter(&self, default_day: Option<i64>) -> anyhow::Result<Option<ValuationFilter>> {
        let Some(path) = &self.fundamentals else {
            return Ok(None);
        };
        let day = match &self.as_of {
            Some(d) => day_number(d).with_context(|| format!("--as-of `{d}` is not YYYY-MM-DD"))?,
            None => default_day.context("--as-of is required with --fundamentals")?,
        };
        if let Some(m) = self.max_value_distance {
            anyhow::ensure!(
                m.is_finite() && m >= 0.0,
                "--max-value-distance must be a finite number >= 0, not {m}"
            );
        }
        let fundamentals = Fundamentals::read(path)?;
        Ok(Some(ValuationFilter {
            fundamentals,
            day,
            max_distance: self.max_value_distance,
            rank: self.rank_by_value,
        }))
    }
}
