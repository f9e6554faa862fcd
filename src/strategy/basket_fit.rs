//! The basket's cold fit: the factor model ([`FactorModel`], `stats/factor`) on a snapshot of
//! the basket's returns window, reduced to what the signal stage trades on ([`BasketFit`]: small
//! enough to copy, fixed size, `Copy`). It runs on the cold model thread in the engine and inline
//! in a backtest (the signal stage's side is `basket.rs`; the hand-over is `signal::model`).

use crate::config::BasketStrategyParams;
use crate::stats::{FactorConfig, FactorCount, FactorModel};
use crate::types::MAX_BASKET_LEGS;

/// What the signal stage copies for a fit: the returns window, oldest row first, row-major
/// (`factor_window` rows x `n` names), allocated once at start-up and refilled in place.
#[derive(Debug, Clone)]
pub struct BasketSnapshot {
    pub returns: Vec<f64>,
    /// The mids of the window's last grid row, one per name: the prices the fit's decisions are
    /// sized at, so a decision does not depend on when the fit is applied.
    pub mids: [f64; MAX_BASKET_LEGS],
}

/// What a fit publishes, per name (the first `n` entries of each array are valid).
///
/// `hedge[i][l]` is the dollars held in name `l` per dollar long in name `i` once it is hedged
/// with its factor loadings: `δ_il - Σ_j β_ij Q_lj`, with `β_ij` name `i`'s residual-regression
/// betas and `Q_lj` the eigenportfolio weights (Avellaneda and Lee 2010, section 2: a long
/// position in a stock is hedged by shorting `β_ij` dollars of each eigenportfolio `j`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BasketFit {
    pub n: usize,
    /// Factors kept.
    pub k: usize,
    /// The s-score (`NaN` where the name does not mean-revert).
    pub s_score: [f64; MAX_BASKET_LEGS],
    /// The name mean-reverts fast enough to trade: `b` in (0, 1) and 1/kappa below the bound.
    pub tradeable: [bool; MAX_BASKET_LEGS],
    /// Mean-reversion time 1/kappa in rows (`NaN` where undefined).
    pub reversion_rows: [f64; MAX_BASKET_LEGS],
    pub hedge: [[f64; MAX_BASKET_LEGS]; MAX_BASKET_LEGS],
    /// The mids of the row the fit was made at ([`BasketSnapshot::mids`]): positions are sized
    /// at these prices.
    pub mids: [f64; MAX_BASKET_LEGS],
}

/// The factor model of one basket, run on snapshots (allocation-free after [`new`](Self::new)).
pub struct BasketRefit {
    model: FactorModel,
    bound_rows: f64,
}

impl BasketRefit {
    /// The fit of `n` names under `params`, with its snapshot buffer.
    pub fn new(n: usize, params: &BasketStrategyParams) -> (Self, BasketSnapshot) {
        let cfg = FactorConfig {
            factor_window: params.factor_window,
            residual_window: params.residual_window,
            k: if params.factors > 0 {
                FactorCount::Fixed(params.factors.min(n))
            } else {
                FactorCount::Explained(params.variance_explained)
            },
            // kappa per row: 1/kappa is the mean-reversion time in rows.
            dt: 1.0,
        };
        let refit = BasketRefit {
            model: FactorModel::new(n, &cfg),
            bound_rows: params.reversion_bound_rows(),
        };
        let snapshot = BasketSnapshot {
            returns: vec![0.0; params.factor_window * n],
            mids: [0.0; MAX_BASKET_LEGS],
        };
        (refit, snapshot)
    }

    /// Fits the window; `None` when the model has no answer (constant prices, a degenerate
    /// residual): the previous parameters stay.
    pub fn fit(&mut self, snapshot: &BasketSnapshot) -> Option<BasketFit> {
        let fit = self.model.fit(&snapshot.returns).ok()?;
        let (n, k) = (fit.n(), fit.k());
        let mut out = BasketFit {
            n,
            k,
            s_score: [f64::NAN; MAX_BASKET_LEGS],
            tradeable: [false; MAX_BASKET_LEGS],
            reversion_rows: [f64::NAN; MAX_BASKET_LEGS],
            hedge: [[0.0; MAX_BASKET_LEGS]; MAX_BASKET_LEGS],
            mids: snapshot.mids,
        };
        for (i, name) in fit.names().iter().enumerate().take(MAX_BASKET_LEGS) {
            let rows = name.kappa.map_or(f64::NAN, |kappa| 1.0 / kappa);
            out.reversion_rows[i] = rows;
            out.s_score[i] = name.s_score.unwrap_or(f64::NAN);
            out.tradeable[i] = name.tradeable() && rows < self.bound_rows;
            let betas = fit.betas(i);
            for l in 0..n.min(MAX_BASKET_LEGS) {
                let factor_dollars: f64 = (0..k).map(|j| betas[j] * fit.eigenportfolio(j)[l]).sum();
                out.hedge[i][l] = f64::from(u8::from(i == l)) - factor_dollars;
            }
        }
        Some(out)
    }
}
