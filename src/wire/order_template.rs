//! PLACE_ORDER from a template: the frame of a plain stock order (one instrument, one side, market,
//! DAY) encoded once at start-up by [`Request::encode_text`], with only the three fields an order
//! changes patched in per order: `orderId`, `totalQuantity` and `orderRef`.
//!
//! The template is cut at those fields' byte positions, which are found by decoding the reference
//! frame with the ordinary decoder (one definition of the layout: the encoder writes it, the
//! decoder reads it, the template only copies between them). A template write is three integer
//! formats and four copies, with no float formatting and no field-by-field encoding; the golden
//! test below checks its bytes against the ordinary encoder for many ids, quantities and refs.
//! Combo (BAG) and limit orders are not templated: they go through the ordinary encoder.

use super::request::{ContractSpec, OrderRequest, Request};

/// The frame of one instrument's market DAY order on one side, cut around the fields patched
/// per order.
///
/// # Examples
/// ```
/// use hft::wire::{ContractSpec, OrderRequest, OrderTemplate, Request};
/// let t = OrderTemplate::market_day("SPY", "BUY", "DU123").unwrap();
/// let mut fast = Vec::new();
/// t.write(42, 100, 7_001, &mut fast);
/// let mut slow = Vec::new();
/// Request::PlaceOrder(OrderRequest {
///     order_id: 42,
///     contract: ContractSpec::stock("SPY"),
///     action: "BUY",
///     total_quantity: 100.0,
///     order_type: "MKT",
///     lmt_price: f64::MAX,
///     aux_price: f64::MAX,
///     tif: "DAY",
///     account: "DU123",
///     order_ref: "7001",
///     transmit: true,
///     parent_id: 0,
/// })
/// .encode_text(&mut slow);
/// assert_eq!(fast, slow);
/// ```
#[derive(Debug, Clone)]
pub struct OrderTemplate {
    /// The reference frame's body without the three patched fields.
    body: Vec<u8>,
    /// Where, in `body`, the order id, the quantity and the orderRef are inserted.
    cuts: [usize; 3],
}

/// Why a template could not be built (the ordinary encoder wrote a frame the decoder does not
/// read as a PLACE_ORDER: a codec defect, reported at start-up rather than on an order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the reference PLACE_ORDER frame does not decode as one")]
    Undecodable,
}

impl OrderTemplate {
    /// The template of a market DAY order for stock `symbol`, `action` `BUY` or `SELL`, on
    /// `account`, transmitted, without a parent: what the engine's dispatch sends for a market
    /// order.
    ///
    /// # Errors
    /// [`TemplateError::Undecodable`] if the encoder's frame cannot be cut (a codec defect).
    pub fn market_day(symbol: &str, action: &str, account: &str) -> Result<Self, TemplateError> {
        Self::of(&OrderRequest {
            order_id: 0,
            contract: ContractSpec::stock(symbol),
            action,
            total_quantity: 0.0,
            order_type: "MKT",
            lmt_price: f64::MAX,
            aux_price: f64::MAX,
            tif: "DAY",
            account,
            order_ref: "0",
            transmit: true,
            parent_id: 0,
        })
    }

    /// The template of `order` (its order id, quantity and orderRef are placeholders).
    ///
    /// # Errors
    /// [`TemplateError::Undecodable`] if the encoder's frame cannot be cut.
    pub fn of(order: &OrderRequest<'_>) -> Result<Self, TemplateError> {
        let mut frame = Vec::with_capacity(512);
        Request::PlaceOrder(*order).encode_text(&mut frame);
        let body = frame.get(4..).ok_or(TemplateError::Undecodable)?;
        let Ok(Request::PlaceOrder(decoded)) = Request::decode_text(body) else {
            return Err(TemplateError::Undecodable);
        };
        let offset = |s: &str| (s.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
        let field_end = |from: usize| {
            body.get(from..)
                .and_then(|rest| memchr::memchr(0, rest))
                .map(|n| from + n)
                .ok_or(TemplateError::Undecodable)
        };
        // Field 0 is the message id; field 1 the order id.
        let id_start = field_end(0)? + 1;
        let id_end = field_end(id_start)?;
        // The quantity is the field after the action.
        let qty_start = offset(decoded.action) + decoded.action.len() + 1;
        let qty_end = field_end(qty_start)?;
        let ref_start = offset(decoded.order_ref);
        let ref_end = ref_start + decoded.order_ref.len();
        if !(id_end < qty_start && qty_end < ref_start && ref_end <= body.len()) {
            return Err(TemplateError::Undecodable);
        }
        let mut cut = Vec::with_capacity(body.len());
        cut.extend_from_slice(&body[..id_start]);
        let id_cut = cut.len();
        cut.extend_from_slice(&body[id_end..qty_start]);
        let qty_cut = cut.len();
        cut.extend_from_slice(&body[qty_end..ref_start]);
        let ref_cut = cut.len();
        cut.extend_from_slice(&body[ref_end..]);
        Ok(OrderTemplate {
            body: cut,
            cuts: [id_cut, qty_cut, ref_cut],
        })
    }

    /// Appends the frame (length prefix included) of this order with `order_id`, `qty` shares
    /// and orderRef `order_ref` to `out`. Allocates only if `out` lacks the room (the engine
    /// reserves it at start-up).
    #[inline]
    pub fn write(&self, order_id: i32, qty: u32, order_ref: u64, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&[0; 4]);
        let [a, b, c] = self.cuts;
        let body = &self.body;
        out.extend_from_slice(&body[..a]);
        out.extend_from_slice(itoa::Buffer::new().format(order_id).as_bytes());
        out.extend_from_slice(&body[a..b]);
        out.extend_from_slice(itoa::Buffer::new().format(qty).as_bytes());
        out.extend_from_slice(&body[b..c]);
        out.extend_from_slice(itoa::Buffer::new().format(order_ref).as_bytes());
        out.extend_from_slice(&body[c..]);
        let len = (out.len() - start - 4) as u32;
        out[start..start + 4].copy_from_slice(&len.to_be_bytes());
    }

    /// Bytes of the longest frame this template writes (for reserving buffers).
    pub fn max_frame_len(&self) -> usize {
        // i32 (11 digits with sign), u32 (10), u64 (20), and the length prefix.
        4 + self.body.len() + 11 + 10 + 20
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ordinary(symbol: &str, action: &str, account: &str, id: i32, qty: u32, r: u64) -> Vec<u8> {
        let order_ref = r.to_string();
        let mut out = Vec::new();
        Request::PlaceOrder(OrderRequest {
            order_id: id,
            contract: ContractSpec::stock(symbol),
            action,
            total_quantity: f64::from(qty),
            order_type: "MKT",
            lmt_price: f64::MAX,
            aux_price: f64::MAX,
            tif: "DAY",
            account,
            order_ref: &order_ref,
            transmit: true,
            parent_id: 0,
        })
        .encode_text(&mut out);
        out
    }

    /// Golden: the template's bytes equal the ordinary encoder's for ids, quantities and refs
    /// of every length (1 to 10 digits, the extremes), both sides, several symbols and
    /// accounts, appended after earlier frames in the same buffer.
    #[test]
    fn template_frames_equal_the_ordinary_encoder() {
        let ids = [0, 1, 9, 10, 99, 1_000, 123_456, 99_999_999, i32::MAX];
        let qtys = [0u32, 1, 7, 100, 250, 1_000, 65_535, 1_000_000, u32::MAX];
        let refs = [0u64, 1, 42, 7_001, 1_000_000_007, u64::MAX / 3, u64::MAX];
        let mut checked = 0;
        for (symbol, account) in [("SPY", "DU123"), ("BRK B", "DU9999999"), ("A", "")] {
            for action in ["BUY", "SELL"] {
                let t = OrderTemplate::market_day(symbol, action, account).unwrap();
                let mut out = b"earlier".to_vec();
                for &id in &ids {
                    for &qty in &qtys {
                        for &r in &refs {
                            let before = out.len();
                            t.write(id, qty, r, &mut out);
                            let want = ordinary(symbol, action, account, id, qty, r);
                            assert_eq!(
                                &out[before..],
                                &want[..],
                                "{symbol} {action} {id} {qty} {r}"
                            );
                            assert!(want.len() <= t.max_frame_len());
                            checked += 1;
                        }
                    }
                }
                assert!(out.starts_with(b"earlier"));
            }
        }
        assert_eq!(checked, 3 * 2 * ids.len() * qtys.len() * refs.len());
    }

    proptest::proptest! {
        /// Any id, quantity and ref: the same bytes as the ordinary encoder.
        #[test]
        fn any_order_equals_the_ordinary_encoder(
            id in proptest::prelude::any::<i32>(),
            qty in proptest::prelude::any::<u32>(),
            r in proptest::prelude::any::<u64>(),
            buy in proptest::prelude::any::<bool>(),
        ) {
            let action = if buy { "BUY" } else { "SELL" };
            let t = OrderTemplate::market_day("QQQ", action, "DU42").unwrap();
            let mut out = Vec::new();
            t.write(id, qty, r, &mut out);
            proptest::prop_assert_eq!(out, ordinary("QQQ", action, "DU42", id, qty, r));
        }
    }

    /// And the gateway's decoder reads the patched fields back.
    #[test]
    fn patched_fields_decode_back() {
        let t = OrderTemplate::market_day("IVV", "SELL", "DU5").unwrap();
        let mut out = Vec::new();
        t.write(77, 300, 123_456_789, &mut out);
        let Request::PlaceOrder(o) = Request::decode_text(&out[4..]).unwrap() else {
            panic!("not a PLACE_ORDER");
        };
        assert_eq!(
            (o.order_id, o.total_quantity, o.order_ref, o.action),
            (77, 300.0, "123456789", "SELL")
        );
        assert_eq!(
            (o.contract.symbol, o.order_type, o.tif),
            ("IVV", "MKT", "DAY")
        );
    }
}
