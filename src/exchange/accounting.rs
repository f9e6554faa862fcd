//! Average-cost accounting: the one rule the gateway's ledger, the backtest and the engine's
//! dispatcher use to turn fills into a position, an average cost and realized PnL.
//!
//! Rules:
//! - a fill that adds to a position (or opens one) moves the average cost to the size-weighted
//!   mean of the old cost and the fill price;
//! - a fill against the position realizes `(price - avg_cost) * closed * sign(position)`;
//! - flat means an average cost of 0; a fill that flips the position opens the remainder at the
//!   fill price.

/// A position in one instrument with average-cost accounting.
///
/// `realized` is gross of commissions; `commissions` is kept beside it for callers that book them
/// (the rule itself never touches it).
///
/// # Examples
/// ```
/// use hft::exchange::Position;
/// let mut p = Position::default();
/// assert_eq!(p.apply(100.0, 10.0), None); // opens
/// assert_eq!(p.apply(-150.0, 12.0), Some(200.0)); // closes 100, opens 50 short at 12
/// assert_eq!((p.qty, p.avg_cost, p.realized), (-50.0, 12.0, 200.0));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Position {
    /// Signed shares (positive long).
    pub qty: f64,
    /// Average cost per share of the open quantity (0 when flat).
    pub avg_cost: f64,
    /// Realized PnL so far, gross of commissions.
    pub realized: f64,
    /// Commissions booked against this position so far.
    pub commissions: f64,
}

impl Position {
    /// Applies a signed fill (positive buys) of `signed` shares at `price`.
    ///
    /// Returns the PnL this fill realized, or `None` when it closed nothing (it opened or added
    /// to the position): IB reports those two cases differently.
    pub fn apply(&mut self, signed: f64, price: f64) -> Option<f64> {
        // A fill of no shares changes nothing (on a flat position its average would be 0 / 0).
        if signed == 0.0 {
            return None;
        }
        if self.qty == 0.0 || self.qty.signum() == signed.signum() {
            let new_qty = self.qty + signed;
            self.avg_cost = (self.avg_cost * self.qty.abs() + price * signed.abs()) / new_qty.abs();
            self.qty = new_qty;
            return None;
        }
        let closing = signed.abs().min(self.qty.abs());
        let realized = (price - self.avg_cost) * closing * self.qty.signum();
        self.realized += realized;
        let new_qty = self.qty + signed;
        if new_qty == 0.0 {
            self.avg_cost = 0.0;
        } else if new_qty.signum() != self.qty.signum() {
            self.avg_cost = price;
        }
        self.qty = new_qty;
        Some(realized)
    }
}

#[cfg(test)]
mod tests {
    use super::Position;

    #[test]
    fn adds_closes_flips_and_flattens() {
        let mut p = Position::default();
        assert_eq!(p.apply(100.0, 100.0), None);
        assert_eq!(p.apply(200.0, 101.0), None);
        assert!((p.avg_cost - 100.666_666_6).abs() < 1e-6);
        let r = p.apply(-400.0, 102.0).expect("closes");
        assert!((r - 1.333_333_3 * 300.0).abs() < 1e-4);
        assert_eq!((p.qty, p.avg_cost), (-100.0, 102.0));
        assert_eq!(p.apply(100.0, 101.0), Some(100.0));
        assert_eq!((p.qty, p.avg_cost), (0.0, 0.0));
        assert_eq!(p.commissions, 0.0);
    }

    #[test]
    fn a_fill_of_no_shares_changes_nothing() {
        let mut p = Position::default();
        assert_eq!(p.apply(0.0, 100.0), None);
        assert_eq!(p.apply(-0.0, 100.0), None);
        assert_eq!(p, Position::default());
        p.apply(-50.0, 10.0);
        assert_eq!(p.apply(0.0, 12.0), None);
        assert_eq!((p.qty, p.avg_cost, p.realized), (-50.0, 10.0, 0.0));
    }
}
