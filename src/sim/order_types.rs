//! The gateway's reading of IB's pegged order types from a PLACE_ORDER: MIDPRICE, PEG MID and
//! the Adaptive algo become a [`crate::exchange::Peg`], whose rules (the one definition the
//! gateway and the backtest share) live in `src/exchange/peg.rs`. OPEN_ORDER reports these
//! orders as LMT at their current working price.

use crate::config::AdaptivePriority;
use crate::exchange::Peg;
use crate::wire::{OrderExtras, OrderRequest};

/// Cents of a client's price (`None` for IB's unset value).
pub(super) fn cents(p: f64) -> Option<i64> {
    (p.is_finite() && p > 0.0 && p != f64::MAX).then(|| crate::types::cents(p))
}

/// The peg of order `o` placed at feed time `now` (Unix seconds): `Ok(None)` for plain MKT and
/// LMT, the reason IB would reject it otherwise.
pub(super) fn peg_of(
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
            let priority = match x.adaptive_priority {
                "" => AdaptivePriority::Normal,
                p => AdaptivePriority::from_ib(p)
                    .ok_or("adaptivePriority must be Urgent, Normal or Patient")?,
            };
            let cap = if o.order_type == "LMT" { cap } else { None };
            Peg::Adaptive {
                priority,
                cap,
                since: now,
            }
        }
        (_, "") => return Err("order type not supported by the paper gateway"),
        _ => return Err("only the Adaptive algo is supported by the paper gateway"),
    };
    Ok(Some(peg))
}
