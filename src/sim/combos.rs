//! BAG (combo) orders at the gateway: what IB checks before it works one. Legs name stock
//! contracts by conId (the gateway's conIds are stable: `756700 + 17 * index` in the universe's
//! symbol order, as contract details serve them); a stock/stock combo is not guaranteed by IB, so
//! it must carry `NonGuaranteed=1` in smartComboRoutingParams (error 10043 otherwise).
//!
//! Working and filling combos (the net-price check and per-leg executions) is not implemented
//! yet: a combo that passes these checks is rejected with 201 saying so.

use super::encode::ContractInfo;
use crate::wire::ids::codes;
use crate::wire::{OrderExtras, OrderRequest};

/// IB's error for a combo that needs the NonGuaranteed routing flag.
pub(super) const NON_GUARANTEED_REQUIRED: i32 = 10043;

/// Checks combo `o` with legs `x`: `Err((code, message))` as IB would answer it.
pub(super) fn check(
    contracts: &[ContractInfo],
    o: &OrderRequest<'_>,
    x: &OrderExtras<'_>,
) -> Result<(), (i32, &'static str)> {
    let rejected = codes::ORDER_REJECTED;
    if x.legs().is_empty() {
        return Err((rejected, "Order rejected - reason:a combo needs legs"));
    }
    for leg in x.legs() {
        if !contracts.iter().any(|c| i64::from(c.con_id) == leg.con_id) {
            let msg = "No security definition has been found for the request (combo leg conId)";
            return Err((codes::NO_SECURITY_DEFINITION, msg));
        }
        if leg.ratio <= 0 {
            return Err((
                rejected,
                "Order rejected - reason:combo leg ratio must be positive",
            ));
        }
        if leg.action != "BUY" && leg.action != "SELL" {
            return Err((
                rejected,
                "Order rejected - reason:combo leg action must be BUY or SELL",
            ));
        }
    }
    if o.order_type != "MKT" && o.order_type != "LMT" {
        return Err((
            rejected,
            "Order rejected - reason:combos are MKT or LMT at a net price",
        ));
    }
    if !x.non_guaranteed {
        let msg = "Order rejected - reason:stock combo orders must be non-guaranteed \
                   (smartComboRoutingParams NonGuaranteed=1)";
        return Err((NON_GUARANTEED_REQUIRED, msg));
    }
    Err((
        rejected,
        "Order rejected - reason:combo execution is not implemented by the paper gateway",
    ))
}
