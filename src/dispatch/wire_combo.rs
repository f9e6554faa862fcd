//! The socket side of a `combo` order: PLACE_ORDER for a BAG of the pair's two legs, encoded
//! in the v178 text layout (the legs after `hidden`, NonGuaranteed=1 in
//! smartComboRoutingParams; PROTOCOL.md "Combo (BAG) orders"). Kept apart from `wire_out.rs`
//! so the plain order's encoding can change without touching it.

use super::wire_out::Wire;
use super::{ComboKind, PlaceOrder};
use crate::wire::{ComboLeg, ContractSpec, OrderExtras, OrderRequest, Request};
use arrayvec::ArrayString;

impl Wire {
    /// Appends combo `p`'s PLACE_ORDER to the staged bytes (leg A is `p`'s instrument and side,
    /// leg B is in `c`; never a template); false when a leg has no contract id (the start-up
    /// check refuses a combo policy without them, so this is a defect, logged).
    pub(super) fn encode_combo(&mut self, p: &PlaceOrder, c: &ComboKind) -> bool {
        let con_id = |i: u16| self.con_ids.get(i as usize).copied().unwrap_or(0);
        let (con_a, con_b) = (con_id(p.instrument), con_id(c.instrument_b));
        if con_a <= 0 || con_b <= 0 {
            tracing::error!(
                order_id = p.order_id,
                "combo leg without a contract id: not sent"
            );
            return false;
        }
        // "A,B" without allocating: symbols are short, a longer pair is cut (IB keys the BAG
        // on the legs' conIds, the symbol is informative).
        let mut symbol = ArrayString::<64>::new();
        for (k, i) in [p.instrument, c.instrument_b].into_iter().enumerate() {
            if k > 0 {
                let _ = symbol.try_push(',');
            }
            let s = self.symbols.get(i as usize).map_or("", String::as_str);
            let _ = symbol.try_push_str(&s[..s.len().min(symbol.remaining_capacity())]);
        }
        let mut order_ref = ArrayString::<24>::new();
        let _ = order_ref.try_push_str(itoa::Buffer::new().format(p.seq));
        let legs = [
            ComboLeg {
                con_id: i64::from(con_a),
                ratio: c.ratio_a as i32,
                action: p.side.as_str(),
                exchange: "SMART",
            },
            ComboLeg {
                con_id: i64::from(con_b),
                ratio: c.ratio_b as i32,
                action: c.side_b.as_str(),
                exchange: "SMART",
            },
        ];
        let extras = OrderExtras {
            non_guaranteed: true,
            ..OrderExtras::with_legs(&legs)
        };
        let account = std::mem::take(&mut self.account);
        let request = Request::PlaceOrderExt(
            OrderRequest {
                order_id: p.order_id,
                contract: ContractSpec {
                    symbol: &symbol,
                    sec_type: "BAG",
                    ..ContractSpec::stock("")
                },
                action: "BUY",
                total_quantity: f64::from(c.units),
                order_type: if c.net.is_some() { "LMT" } else { "MKT" },
                lmt_price: c.net.map_or(f64::MAX, |cents| cents as f64 / 100.0),
                aux_price: f64::MAX,
                tif: "DAY",
                account: &account,
                order_ref: &order_ref,
                transmit: true,
                parent_id: 0,
            },
            extras,
        );
        request.encode_text(&mut self.out);
        self.account = account;
        true
    }
}
