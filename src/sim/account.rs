//! The paper account's values, computed from the gateway's ledger and its current marks: what
//! ACCT_VALUE, PORTFOLIO_VALUE, ACCOUNT_SUMMARY, ACCOUNT_UPDATE_MULTI, PNL and PNL_SINGLE report.
//!
//! Rules (a stock-only Reg T margin account in USD):
//! - cash = [`STARTING_CASH`] - sum over the account's executions of (signed shares x price) -
//!   commissions;
//! - a position's mark is its book's midpoint (its average cost while the book has no two-sided
//!   quote); market value = shares x mark; unrealized = (mark - average cost) x shares;
//! - realized PnL = the average-cost rule's realized PnL minus every commission charged (the
//!   ledger keeps average costs commission-free, as POSITION reports them), so that
//!   NetLiquidation = cash + sum of market values = [`STARTING_CASH`] + realized + unrealized;
//! - the gateway's life is one trading day: daily PnL = realized + unrealized;
//! - GrossPositionValue = sum of |market value|; EquityWithLoanValue = NetLiquidation;
//!   InitMarginReq = 50 % and MaintMarginReq = 25 % of GrossPositionValue (Reg T);
//!   AvailableFunds = EquityWithLoanValue - InitMarginReq; ExcessLiquidity = EquityWithLoanValue -
//!   MaintMarginReq; BuyingPower = 4 x AvailableFunds (IB's rule for a margin account);
//!   Cushion = ExcessLiquidity / NetLiquidation.

use crate::exchange::{BookTop, Ledger};

/// Cash of a fresh paper account, USD (IB's default for paper accounts).
pub(super) const STARTING_CASH: f64 = 1_000_000.0;
/// Reg T initial margin on long and short stock.
const INITIAL_MARGIN: f64 = 0.50;
/// Reg T maintenance margin on stock.
const MAINTENANCE_MARGIN: f64 = 0.25;

/// One position, valued.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PositionValue {
    pub(super) symbol: usize,
    pub(super) qty: f64,
    pub(super) avg_cost: f64,
    pub(super) mark: f64,
    pub(super) market_value: f64,
    pub(super) unrealized: f64,
    /// Net of the commissions charged on this position.
    pub(super) realized: f64,
}

/// The account's values at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Valuation {
    pub(super) cash: f64,
    pub(super) positions: Vec<PositionValue>,
    pub(super) gross_position_value: f64,
    pub(super) stock_market_value: f64,
    pub(super) net_liquidation: f64,
    pub(super) unrealized: f64,
    pub(super) realized: f64,
    pub(super) init_margin: f64,
    pub(super) maint_margin: f64,
}

/// A book's mark: its midpoint, or `None` without a two-sided quote.
pub(super) fn mid_mark(top: BookTop) -> Option<f64> {
    (top.bid > 0 && top.ask > 0).then(|| (top.bid + top.ask) as f64 / 200.0)
}

impl Valuation {
    /// Values `account` in `ledger` at the marks `mark(symbol)`.
    pub(super) fn compute(
        ledger: &Ledger,
        account: &str,
        mark: impl Fn(usize) -> Option<f64>,
    ) -> Self {
        let mut v = Valuation {
            cash: STARTING_CASH,
            ..Valuation::default()
        };
        for e in ledger.executions.iter().filter(|e| e.account == account) {
            v.cash -= e.side.sign() * f64::from(e.qty) * e.price + e.commission;
        }
        for ((acct, sym), p) in &ledger.positions {
            if acct != account {
                continue;
            }
            let mark = mark(*sym).unwrap_or(p.avg_cost);
            let pv = PositionValue {
                symbol: *sym,
                qty: p.qty,
                avg_cost: p.avg_cost,
                mark,
                market_value: p.qty * mark,
                unrealized: (mark - p.avg_cost) * p.qty,
                realized: p.realized - p.commissions,
            };
            v.stock_market_value += pv.market_value;
            v.gross_position_value += pv.market_value.abs();
            v.unrealized += pv.unrealized;
            v.realized += pv.realized;
            v.positions.push(pv);
        }
        v.net_liquidation = v.cash + v.stock_market_value;
        v.init_margin = INITIAL_MARGIN * v.gross_position_value;
        v.maint_margin = MAINTENANCE_MARGIN * v.gross_position_value;
        v
    }

    /// Today's PnL (the gateway's life is one day).
    pub(super) fn daily(&self) -> f64 {
        self.realized + self.unrealized
    }

    pub(super) fn available_funds(&self) -> f64 {
        self.net_liquidation - self.init_margin
    }

    pub(super) fn excess_liquidity(&self) -> f64 {
        self.net_liquidation - self.maint_margin
    }

    pub(super) fn cushion(&self) -> f64 {
        if self.net_liquidation == 0.0 {
            0.0
        } else {
            self.excess_liquidity() / self.net_liquidation
        }
    }

    /// The position in `symbol`, if the account ever held it.
    pub(super) fn position(&self, symbol: usize) -> Option<&PositionValue> {
        self.positions.iter().find(|p| p.symbol == symbol)
    }

    /// The account's values as `(key, value, currency)`, in the order ACCT_VALUE sends them.
    /// `ledger`: also the per-currency ledger rows (`CashBalance`, `TotalCashBalance`, ...) in USD
    /// and BASE.
    pub(super) fn values(&self, account: &str, ledger: bool) -> Vec<(&'static str, String, &str)> {
        let usd = "USD";
        let mut rows = vec![
            ("AccountCode", account.to_string(), ""),
            ("AccountReady", "true".to_string(), ""),
            ("AccountType", "INDIVIDUAL".to_string(), ""),
            ("Currency", usd.to_string(), usd),
        ];
        for (key, amount) in self.summary_amounts() {
            rows.push((key, money(amount), usd));
        }
        rows.push(("Cushion", format!("{:.6}", self.cushion()), ""));
        rows.push(("DayTradesRemaining", "-1".to_string(), ""));
        if ledger {
            for currency in ["USD", "BASE"] {
                for (key, amount) in self.ledger_amounts() {
                    rows.push((key, money(amount), currency));
                }
                rows.push(("ExchangeRate", "1.00".to_string(), currency));
            }
        }
        rows
    }

    /// The summary's money tags and their amounts (USD).
    fn summary_amounts(&self) -> [(&'static str, f64); 15] {
        let nlv = self.net_liquidation;
        [
            ("NetLiquidation", nlv),
            ("TotalCashValue", self.cash),
            ("SettledCash", self.cash),
            ("BuyingPower", 4.0 * self.available_funds()),
            ("EquityWithLoanValue", nlv),
            ("GrossPositionValue", self.gross_position_value),
            ("InitMarginReq", self.init_margin),
            ("MaintMarginReq", self.maint_margin),
            ("FullInitMarginReq", self.init_margin),
            ("FullMaintMarginReq", self.maint_margin),
            ("AvailableFunds", self.available_funds()),
            ("FullAvailableFunds", self.available_funds()),
            ("ExcessLiquidity", self.excess_liquidity()),
            ("FullExcessLiquidity", self.excess_liquidity()),
            ("StockMarketValue", self.stock_market_value),
        ]
    }

    /// The ledger rows of one currency (all USD here).
    fn ledger_amounts(&self) -> [(&'static str, f64); 6] {
        [
            ("CashBalance", self.cash),
            ("TotalCashBalance", self.cash),
            ("NetLiquidationByCurrency", self.net_liquidation),
            ("StockMarketValue", self.stock_market_value),
            ("UnrealizedPnL", self.unrealized),
            ("RealizedPnL", self.realized),
        ]
    }

    /// The ACCOUNT_SUMMARY rows for a request's tag list, as `(tag, value, currency)`: the named
    /// tags in the order asked (unknown tags are skipped, as TWS does), then the ledger rows for
    /// `$LEDGER` / `$LEDGER:USD` (USD) and `$LEDGER:ALL` (USD and BASE).
    pub(super) fn summary(&self, tags: &str) -> Vec<(&'static str, String, &'static str)> {
        let mut rows = Vec::new();
        for tag in tags.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let currencies: &[&'static str] = match tag {
                "$LEDGER" | "$LEDGER:USD" => &["USD"],
                "$LEDGER:ALL" => &["USD", "BASE"],
                _ => {
                    if let Some(row) = self.summary_tag(tag) {
                        rows.push(row);
                    }
                    continue;
                }
            };
            for &currency in currencies {
                for (key, amount) in self.ledger_amounts() {
                    rows.push((key, money(amount), currency));
                }
            }
        }
        rows
    }

    fn summary_tag(&self, tag: &str) -> Option<(&'static str, String, &'static str)> {
        let fixed = match tag {
            "AccountType" => Some(("AccountType", "INDIVIDUAL".to_string(), "")),
            "Cushion" => Some(("Cushion", format!("{:.6}", self.cushion()), "")),
            "DayTradesRemaining" => Some(("DayTradesRemaining", "-1".to_string(), "")),
            "Leverage" => {
                let lev = if self.net_liquidation == 0.0 {
                    0.0
                } else {
                    self.gross_position_value / self.net_liquidation
                };
                Some(("Leverage", format!("{lev:.6}"), ""))
            }
            _ => None,
        };
        fixed.or_else(|| {
            self.summary_amounts()
                .into_iter()
                .find(|(key, _)| *key == tag)
                .map(|(key, amount)| (key, money(amount), "USD"))
        })
    }
}

/// An amount as IB writes it: two decimals.
pub(super) fn money(x: f64) -> String {
    format!("{x:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{Fill, OrderRec, OrderState, Side, Tif};

    fn ledger_with(fills: &[(usize, Side, u32, i64)]) -> Ledger {
        // $0.005 a share, $1 minimum per order.
        let mut l = Ledger::new(0.005, 1.0, 1);
        for &(symbol, side, qty, cents) in fills {
            let perm_id = l.next_perm_id();
            l.orders.push(OrderRec {
                client_id: 1,
                order_id: l.orders.len() as i32 + 1,
                perm_id,
                account: "DU1".into(),
                symbol,
                side,
                total: qty,
                filled: 0,
                avg_price: 0.0,
                last_fill_price: 0.0,
                limit: None,
                tif: Tif::Day,
                order_ref: String::new(),
                state: OrderState::Submitted,
                commission_paid: 0.0,
            });
            let index = l.orders.len() - 1;
            l.apply_fill(index, Fill { price: cents, qty }, 0);
        }
        l
    }

    #[test]
    fn fresh_account_is_all_cash() {
        let v = Valuation::compute(&Ledger::new(0.005, 1.0, 1), "DU1", |_| None);
        assert_eq!(v.net_liquidation, STARTING_CASH);
        assert_eq!(v.available_funds(), STARTING_CASH);
        assert_eq!(v.cushion(), 1.0);
        assert!(v.positions.is_empty());
    }

    #[test]
    fn long_and_short_positions_by_hand() {
        // Buy 100 of symbol 0 at 50.00 (commission 1.00), sell short 200 of symbol 1 at 20.00
        // (commission 1.00). Marks: 51.00 and 19.50.
        let l = ledger_with(&[(0, Side::Buy, 100, 5000), (1, Side::Sell, 200, 2000)]);
        let marks = [51.0, 19.5];
        let v = Valuation::compute(&l, "DU1", |s| Some(marks[s]));
        // Cash: 1,000,000 - 5,000 - 1 + 4,000 - 1 = 998,998.
        assert!((v.cash - 998_998.0).abs() < 1e-9);
        // Market values: 5,100 and -3,900; NLV = 998,998 + 1,200 = 1,000,198.
        assert!((v.stock_market_value - 1_200.0).abs() < 1e-9);
        assert!((v.gross_position_value - 9_000.0).abs() < 1e-9);
        assert!((v.net_liquidation - 1_000_198.0).abs() < 1e-9);
        // Unrealized: 100 x 1.00 + (-200) x (-0.50) = 200; realized: -2 (commissions only).
        assert!((v.unrealized - 200.0).abs() < 1e-9);
        assert!((v.realized + 2.0).abs() < 1e-9);
        assert!((v.net_liquidation - (STARTING_CASH + v.realized + v.unrealized)).abs() < 1e-6);
        // Margin: 50 % / 25 % of 9,000.
        assert!((v.init_margin - 4_500.0).abs() < 1e-9);
        assert!((v.maint_margin - 2_250.0).abs() < 1e-9);
        assert!((v.available_funds() - 995_698.0).abs() < 1e-9);
        assert!((v.excess_liquidity() - 997_948.0).abs() < 1e-9);
        let short = v.position(1).expect("short position");
        assert_eq!((short.qty, short.market_value), (-200.0, -3_900.0));
        assert!((short.unrealized - 100.0).abs() < 1e-9);
    }

    #[test]
    fn closing_trade_realizes_net_of_commissions() {
        // Buy 100 at 10.00, sell 100 at 10.50: gross 50, commissions 2 -> realized 48, flat.
        let l = ledger_with(&[(0, Side::Buy, 100, 1000), (0, Side::Sell, 100, 1050)]);
        let v = Valuation::compute(&l, "DU1", |_| Some(99.0));
        let p = v.position(0).expect("the flat position is still listed");
        assert_eq!((p.qty, p.market_value, p.unrealized), (0.0, 0.0, 0.0));
        assert!((v.realized - 48.0).abs() < 1e-9);
        assert!((v.net_liquidation - 1_000_048.0).abs() < 1e-9);
        assert!((v.daily() - 48.0).abs() < 1e-9);
        // Another account sees none of it.
        let other = Valuation::compute(&l, "DU2", |_| Some(99.0));
        assert_eq!(other.net_liquidation, STARTING_CASH);
    }

    #[test]
    fn summary_tags_and_ledger() {
        let l = ledger_with(&[(0, Side::Buy, 100, 5000)]);
        let v = Valuation::compute(&l, "DU1", |_| Some(50.0));
        let rows = v.summary("NetLiquidation,Bogus,TotalCashValue,$LEDGER:ALL");
        assert_eq!(rows[0], ("NetLiquidation", "999999.00".to_string(), "USD"));
        assert_eq!(rows[1], ("TotalCashValue", "994999.00".to_string(), "USD"));
        assert_eq!(rows.len(), 2 + 2 * 6);
        assert!(rows.contains(&("CashBalance", "994999.00".to_string(), "BASE")));
        let values = v.values("DU1", true);
        assert!(values.contains(&("AccountCode", "DU1".to_string(), "")));
        assert!(values.contains(&("GrossPositionValue", "5000.00".to_string(), "USD")));
        assert_eq!(mid_mark(BookTop::default()), None);
        let top = BookTop {
            bid: 10_000,
            ask: 10_002,
            bid_size: 1,
            ask_size: 1,
        };
        assert_eq!(mid_mark(top), Some(100.01));
    }
}
