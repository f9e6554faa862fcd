//! Which leg of a cointegrated pair leads: the error-correction loadings of its legs.
//!
//! With the spread `s = a - β b - α`, each leg's change is regressed on the lagged spread:
//! `a[t] - a[t-1] = c_a + γ_a s[t-1] + e` and `b[t] - b[t-1] = c_b + γ_b s[t-1] + e` (OLS with a
//! constant; the two equations of a VECM of rank one without lagged differences). The spread's
//! own reversion is `γ_a - β γ_b`; leg A's share of it is `γ_a / (γ_a - β γ_b)`. The leg with the
//! smaller share is the *leader*: its price does not answer the spread, the other leg's does.
//! An execution that rests one leg and hedges the other at market (`passive_leg = "leader"`)
//! rests the leader: the adjusting leg is expected to move against an order resting in it
//! right after an entry (the spread is dislocated, and it is that leg that closes it).

use super::stats::ols;

/// The error-correction loadings of a pair's two legs (price units per unit of spread per row).
///
/// # Examples
/// ```
/// use hft::pairs::ErrorCorrection;
/// // Uniform draws in [-0.5, 0.5) from a 64-bit LCG.
/// let mut x = 7u64;
/// let mut noise = move || {
///     x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
///     (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
/// };
/// // b wanders; a = b + a spread that closes within a row: a adjusts, b leads.
/// let b: Vec<f64> = (0..1000).scan(100.0, |p, _| { *p += noise(); Some(*p) }).collect();
/// let a: Vec<f64> = b.iter().map(|x| 2.0 + x + noise()).collect();
/// let ec = ErrorCorrection::of(&a, &b, 1.0, 2.0).unwrap();
/// assert!(ec.a < -0.5 && ec.b.abs() < 0.2);
/// assert!(!ec.a_leads(1.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ErrorCorrection {
    /// `γ_a`: the slope of leg A's change on the lagged spread.
    pub a: f64,
    /// `γ_b`: the slope of leg B's change on the lagged spread.
    pub b: f64,
}

impl ErrorCorrection {
    /// The loadings over aligned price series `a` and `b` with the spread `a - hedge_ratio b -
    /// intercept`; `None` when a regression is undefined (fewer than three rows, a constant
    /// spread, a value that is not finite, or series of different lengths).
    pub fn of(a: &[f64], b: &[f64], hedge_ratio: f64, intercept: f64) -> Option<Self> {
        if a.len() != b.len() || a.len() < 3 || !hedge_ratio.is_finite() {
            return None;
        }
        let n = a.len();
        let lagged: Vec<f64> = (0..n - 1)
            .map(|t| a[t] - hedge_ratio * b[t] - intercept)
            .collect();
        let change = |x: &[f64]| -> Vec<f64> { x.windows(2).map(|w| w[1] - w[0]).collect() };
        let (ga, _) = ols(&lagged, &change(a))?;
        let (gb, _) = ols(&lagged, &change(b))?;
        Some(ErrorCorrection { a: ga, b: gb })
    }

    /// Leg A's share of the spread's reversion, `γ_a / (γ_a - β γ_b)` (`None` when the spread
    /// does not move with its lag at all).
    pub fn share_a(&self, hedge_ratio: f64) -> Option<f64> {
        let total = self.a - hedge_ratio * self.b;
        let share = self.a / total;
        share.is_finite().then_some(share)
    }

    /// Whether leg A leads: it answers the spread less than leg B does, `|γ_a| <= |β γ_b|`
    /// (on a tie, A: the regression's dependent leg is listed first).
    pub fn a_leads(&self, hedge_ratio: f64) -> bool {
        self.a.abs() <= (hedge_ratio * self.b).abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // scripts/ref_error_correction.py (statsmodels 0.15.0, numpy 2.4.6).
    const B: [f64; 16] = [
        100.0, 100.4, 99.9, 100.7, 101.2, 100.8, 101.5, 102.1, 101.6, 101.9, 102.6, 102.2, 102.9,
        103.5, 103.1, 103.8,
    ];
    const A: [f64; 16] = [
        50.3, 50.1, 50.2, 50.2, 50.8, 50.3, 50.9, 51.0, 50.9, 50.8, 51.4, 51.2, 51.3, 51.9, 51.6,
        51.8,
    ];

    #[test]
    fn loadings_match_statsmodels() {
        let (beta, alpha) = ols(&B, &A).unwrap();
        assert!((beta - 0.46719648292187843).abs() < 1e-12);
        assert!((alpha - 3.3756679066624997).abs() < 1e-10);
        let ec = ErrorCorrection::of(&A, &B, beta, alpha).unwrap();
        assert!((ec.a - -1.9181863493681).abs() < 1e-10, "{}", ec.a);
        assert!((ec.b - -0.38324310925904054).abs() < 1e-10, "{}", ec.b);
        let share = ec.share_a(beta).unwrap();
        assert!((share - 1.102953293797794).abs() < 1e-10, "{share}");
        assert!(!ec.a_leads(beta), "A does all the adjusting here: B leads");
    }

    /// Uniform draws in [-0.5, 0.5) from a 64-bit LCG seeded with `seed`.
    pub(crate) fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut x = seed;
        move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        }
    }

    #[test]
    fn the_follower_is_the_leg_that_adjusts_whichever_is_listed_first() {
        let mut noise = lcg(11);
        let lead: Vec<f64> = (0..2000)
            .scan(50.0, |p, _| {
                *p += noise();
                Some(*p)
            })
            .collect();
        // The follower tracks twice the leader through an AR(1) spread of coefficient 0.3.
        let mut s = 0.0;
        let follow: Vec<f64> = lead
            .iter()
            .map(|x| {
                s = 0.3 * s + noise();
                1.0 + 2.0 * x + s
            })
            .collect();
        // Follower listed first (A = follower on B = leader).
        let ec = ErrorCorrection::of(&follow, &lead, 2.0, 1.0).unwrap();
        assert!(!ec.a_leads(2.0) && ec.share_a(2.0).unwrap() > 0.8, "{ec:?}");
        // Leader listed first: A = leader on B = follower, hedge ratio 0.5.
        let ec = ErrorCorrection::of(&lead, &follow, 0.5, -0.5).unwrap();
        assert!(ec.a_leads(0.5) && ec.share_a(0.5).unwrap() < 0.2, "{ec:?}");
    }

    #[test]
    fn undefined_inputs_give_none() {
        assert_eq!(ErrorCorrection::of(&A[..2], &B[..2], 1.0, 0.0), None);
        assert_eq!(ErrorCorrection::of(&A, &B[..15], 1.0, 0.0), None);
        assert_eq!(ErrorCorrection::of(&A, &B, f64::NAN, 0.0), None);
        // A spread that never moves: no regression.
        let b = [1.0, 2.0, 3.0, 4.0];
        let a = [3.0, 5.0, 7.0, 9.0];
        assert_eq!(ErrorCorrection::of(&a, &b, 2.0, 1.0), None);
    }
}
