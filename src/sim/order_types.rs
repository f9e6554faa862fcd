//! The gateway's simple forms of IB's passive order types. Each is a limit order in the shared
//! matcher (so it queues like one) whose price the gateway sets from the quote and re-sets when
//! the quote moves; a re-set is a price modification, so it loses the queue position. Prices are
//! rounded to the cent away from the other side (down for a buy, up for a sell).
//!
//! - **MIDPRICE** (`lmtPrice` an optional cap): when the spread is at least two cents and the
//!   midpoint is within the cap, it fills at once at the midpoint (up to the size displayed on
//!   the other side: a midpoint match against hidden liquidity); otherwise it rests at the near
//!   touch (the bid for a buy), or at its cap when that is further away, until a later quote
//!   allows a midpoint match or the queue fills it.
//! - **PEG MID** (`auxPrice` the offset, `lmtPrice` an optional cap): pegged to the midpoint less
//!   the offset for a buy (plus for a sell), capped, re-pegged on every quote.
//! - **Adaptive** (`algoStrategy` Adaptive on LMT or MKT, `adaptivePriority`): Urgent is
//!   marketable at once (the far touch, capped by the limit); Normal works at the midpoint and
//!   crosses to the far touch after [`NORMAL_CROSS_SECS`]; Patient joins the near touch and
//!   crosses after [`PATIENT_CROSS_SECS`] (feed time, so a replay is deterministic).
//!
//! OPEN_ORDER reports these orders as LMT at their current working price.

use crate::exchange::{BookTop, Side};
use crate::wire::{OrderExtras, OrderRequest};

/// Feed seconds an Adaptive Normal order works before it crosses the spread.
pub const NORMAL_CROSS_SECS: i64 = 5;
/// Feed seconds an Adaptive Patient order works before it crosses the spread.
pub const PATIENT_CROSS_SECS: i64 = 30;

/// How a pegged order prices itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Peg {
    MidPrice {
        cap: Option<i64>,
    },
    Mid {
        offset: i64,
        cap: Option<i64>,
    },
    Adaptive {
        urgency: Urgency,
        cap: Option<i64>,
        since: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Urgency {
    Urgent,
    Normal,
    Patient,
}

/// Cents of a client's price (`None` for IB's unset value).
pub(super) fn cents(p: f64) -> Option<i64> {
    (p.is_finite() && p > 0.0 && p != f64::MAX).then(|| crate::types::cents(p))
}

impl Peg {
    /// The peg of order `o` placed at feed time `now`: `Ok(None)` for plain MKT and LMT, the
    /// reason IB would reject it otherwise.
    pub(super) fn of(
        o: &OrderRequest,
        x: &OrderExtras,
        now: i64,
    ) -> Result<Option<Peg>, &'static str> {
        let cap = cents(o.lmt_price);
        let peg = match (o.order_type, x.algo_strategy) {
            ("MKT" | "LMT", "") => return Ok(None),
            ("MIDPRICE", "") => Peg::MidPrice { cap },
            ("PEG MID", "") => {
                let offset = if o.aux_price == f64::MAX || !o.aux_price.is_finite() {
                    0
                } else {
                    (o.aux_price * 100.0).round() as i64
                };
                if offset < 0 {
                    return Err("the PEG MID offset must not be negative");
                }
                Peg::Mid { offset, cap }
            }
            ("MKT" | "LMT", "Adaptive") => {
                let urgency = match x.adaptive_priority {
                    "Urgent" => Urgency::Urgent,
                    "Normal" | "" => Urgency::Normal,
                    "Patient" => Urgency::Patient,
                    _ => return Err("adaptivePriority must be Urgent, Normal or Patient"),
                };
                let cap = if o.order_type == "LMT" { cap } else { None };
                Peg::Adaptive {
                    urgency,
                    cap,
                    since: now,
                }
            }
            (_, "") => return Err("order type not supported by the paper gateway"),
            _ => return Err("only the Adaptive algo is supported by the paper gateway"),
        };
        Ok(Some(peg))
    }

    /// The working limit price for an order on `side` against `top` at feed time `now` (None
    /// while there is no two-sided quote).
    pub(super) fn price(&self, side: Side, top: BookTop, now: i64) -> Option<i64> {
        if top.bid <= 0 || top.ask <= top.bid {
            return None;
        }
        let (near, far) = match side {
            Side::Buy => (top.bid, top.ask),
            Side::Sell => (top.ask, top.bid),
        };
        let (raw, cap) = match *self {
            Peg::MidPrice { cap } => (near, cap),
            Peg::Mid { offset, cap } => {
                let sign = if side == Side::Buy { -1 } else { 1 };
                (passive_mid(side, top) + sign * offset, cap)
            }
            Peg::Adaptive {
                urgency,
                cap,
                since,
            } => {
                let waited = now - since;
                let price = match urgency {
                    Urgency::Urgent => far,
                    Urgency::Normal if waited >= NORMAL_CROSS_SECS => far,
                    Urgency::Normal => passive_mid(side, top),
                    Urgency::Patient if waited >= PATIENT_CROSS_SECS => far,
                    Urgency::Patient => near,
                };
                (price, cap)
            }
        };
        Some(capped(side, raw, cap).max(1))
    }

    /// A MIDPRICE order's midpoint match against `top`: the price, when the spread allows one
    /// (two cents or more) within the cap.
    pub(super) fn mid_match(&self, side: Side, top: BookTop) -> Option<i64> {
        let Peg::MidPrice { cap } = *self else {
            return None;
        };
        if top.bid <= 0 || top.ask - top.bid < 2 {
            return None;
        }
        let mid = passive_mid(side, top);
        (capped(side, mid, cap) == mid).then_some(mid)
    }
}

/// The midpoint rounded to the cent away from the other side.
fn passive_mid(side: Side, top: BookTop) -> i64 {
    let twice = top.bid + top.ask;
    match side {
        Side::Buy => twice.div_euclid(2),
        Side::Sell => (twice + 1).div_euclid(2),
    }
}

fn capped(side: Side, price: i64, cap: Option<i64>) -> i64 {
    match (side, cap) {
        (Side::Buy, Some(c)) => price.min(c),
        (Side::Sell, Some(c)) => price.max(c),
        (_, None) => price,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOP: BookTop = BookTop {
        bid: 1000,
        ask: 1003,
        bid_size: 100,
        ask_size: 200,
    };

    #[test]
    fn prices_of_each_form() {
        let capped_below_mid = Peg::MidPrice { cap: Some(1000) };
        assert_eq!(capped_below_mid.price(Side::Buy, TOP, 0), Some(1000));
        assert_eq!(capped_below_mid.mid_match(Side::Buy, TOP), None);
        let mid = Peg::MidPrice { cap: None };
        assert_eq!(mid.mid_match(Side::Buy, TOP), Some(1001));
        assert_eq!(mid.mid_match(Side::Sell, TOP), Some(1002));
        let tight = BookTop { ask: 1001, ..TOP };
        assert_eq!(mid.mid_match(Side::Buy, tight), None);
        let peg = Peg::Mid {
            offset: 1,
            cap: Some(1005),
        };
        assert_eq!(peg.price(Side::Buy, TOP, 0), Some(1000));
        // For a sell the cap is a floor: the mid 10.02 plus the offset is below 10.05.
        assert_eq!(peg.price(Side::Sell, TOP, 0), Some(1005));
        let uncapped = Peg::Mid {
            offset: 1,
            cap: None,
        };
        assert_eq!(uncapped.price(Side::Sell, TOP, 0), Some(1003));
        let normal = Peg::Adaptive {
            urgency: Urgency::Normal,
            cap: Some(1002),
            since: 0,
        };
        assert_eq!(normal.price(Side::Buy, TOP, 4), Some(1001));
        assert_eq!(normal.price(Side::Buy, TOP, 5), Some(1002)); // the far touch, capped
        let patient = Peg::Adaptive {
            urgency: Urgency::Patient,
            cap: None,
            since: 0,
        };
        assert_eq!(patient.price(Side::Sell, TOP, 29), Some(1003));
        assert_eq!(patient.price(Side::Sell, TOP, 30), Some(1000));
    }
}
