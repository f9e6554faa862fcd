//! The basket strategy's value tilt (issue 15, "valuation alphas"): cheap names long, rich names
//! short within the factor-neutral residual.
//!
//! Rules:
//! - The tilt holds, per day on which the fundamentals file has a row for one of the basket's
//!   names, each name's value score of that day (`pairs::valuation::value_scores`: the mean of
//!   its standardised earnings and book yields, higher = cheaper) standardised once more across
//!   the names that have one (`(v - mean) / sd`, population sd), so `z` is in cross-sectional
//!   standard deviations; a name without a score, or a day with fewer than two scored names or
//!   no spread between them, has `z = 0`.
//! - **Point in time**: a decision at event time `t` uses the row of the latest day on or before
//!   `t`'s UTC calendar day (`t_ns / 86 400 s`), never a later one; before the first day every
//!   `z` is 0 (no tilt).
//! - The rules compare `s - w z` with their thresholds (`w` = `strategy.basket.value_tilt`): a
//!   cheap name (`z > 0`) opens long at a higher s-score and short at a higher one, a rich name
//!   the reverse; the hedge of each position is unchanged (the tilt moves *when* a name's
//!   residual is traded, not the factor neutrality of the position).
//!
//! The table is built at start-up (every day's row computed then); on the hot path the lookup
//! is a binary search over the days, with no allocation.

/// Nanoseconds in a UTC day.
const DAY_NS: u64 = 86_400_000_000_000;

/// One basket's value tilt: the weight and, per day, each name's standardised value score.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueTilt {
    weight: f64,
    n: usize,
    /// Days since 1970-01-01, ascending, distinct.
    days: Vec<i64>,
    /// `days.len()` rows of `n` standardised scores.
    z: Vec<f64>,
    zeros: Vec<f64>,
}

impl ValueTilt {
    /// A tilt of weight `weight` over `n` names from `(day, value score per name)` rows (any
    /// order; of two rows of one day the later wins). Scores are standardised here.
    ///
    /// # Examples
    /// ```
    /// use hft::strategy::basket_value::ValueTilt;
    /// // Day 19_675 (2023-11-14): A cheap, C rich; from day 19_676 the reverse.
    /// let tilt = ValueTilt::new(
    ///     0.5,
    ///     3,
    ///     vec![
    ///         (19_675, vec![Some(1.0), Some(0.0), Some(-1.0)]),
    ///         (19_676, vec![Some(-1.0), None, Some(1.0)]),
    ///     ],
    /// );
    /// let day = 86_400_000_000_000u64;
    /// assert_eq!(tilt.scores_at(19_674 * day), &[0.0, 0.0, 0.0]); // not known yet
    /// let z = tilt.scores_at(19_675 * day + 1);
    /// assert!(z[0] > 1.2 && z[1] == 0.0 && z[2] < -1.2);
    /// assert_eq!(tilt.scores_at(19_676 * day), &[-1.0, 0.0, 1.0]);
    /// ```
    pub fn new(weight: f64, n: usize, mut rows: Vec<(i64, Vec<Option<f64>>)>) -> Self {
        rows.sort_by_key(|(day, _)| *day);
        let mut days: Vec<i64> = Vec::with_capacity(rows.len());
        let mut z: Vec<f64> = Vec::with_capacity(rows.len() * n);
        for (day, scores) in rows {
            if days.last() == Some(&day) {
                days.pop();
                z.truncate(z.len() - n);
            }
            days.push(day);
            z.extend(standardise(&scores, n));
        }
        ValueTilt {
            weight,
            n,
            days,
            z,
            zeros: vec![0.0; n],
        }
    }

    /// The weight `w`.
    pub fn weight(&self) -> f64 {
        self.weight
    }

    /// The standardised value scores known at event time `t_ns` (see the module docs).
    #[inline]
    pub fn scores_at(&self, t_ns: u64) -> &[f64] {
        let day = (t_ns / DAY_NS) as i64;
        let known = self.days.partition_point(|d| *d <= day);
        match known.checked_sub(1) {
            Some(row) => &self.z[row * self.n..(row + 1) * self.n],
            None => &self.zeros,
        }
    }
}

/// `(v - mean) / sd` over the names with a score (population sd); 0 elsewhere, and everywhere
/// when fewer than two names have one or they do not differ.
fn standardise(scores: &[Option<f64>], n: usize) -> Vec<f64> {
    let known: Vec<f64> = scores.iter().take(n).flatten().copied().collect();
    let mut out = vec![0.0; n];
    if known.len() < 2 {
        return out;
    }
    let mean = known.iter().sum::<f64>() / known.len() as f64;
    let sd = (known.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / known.len() as f64).sqrt();
    if sd.is_nan() || sd <= 1e-12 {
        return out;
    }
    for (o, s) in out.iter_mut().zip(scores) {
        if let Some(v) = s {
            *o = (v - mean) / sd;
        }
    }
    out
}
