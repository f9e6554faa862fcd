//! PLACE_ORDER with combo legs (a BAG of two stocks, NonGuaranteed) and with the Adaptive algo,
//! byte for byte as the official client (`ibapi-stable` 10.50.2 via
//! `scripts/golden_place_order.py`) writes them at v178: our encoder writes the same frames and
//! the gateway's decoder reads the legs, the routing flag and the algo back. Malformed combo
//! tails are decode errors, never panics.

#[path = "common/codec.rs"]
mod codec;

use codec::{assert_same_frames, framed, join_fields};
use hft::wire::{ComboLeg, ContractSpec, DecodeError, OrderExtras, OrderRequest, Request};

/// `BUY 10 BAG(+756700 -756717) LMT 1.25 DAY`, order 10, smartComboRoutingParams
/// NonGuaranteed=1: the legs follow `hidden` (index 34).
#[rustfmt::skip]
const COMBO_ORDER_178: &[&str] = &[
    "3", "10", "0", "SPY,QQQ", "BAG", "", "", "", "", "SMART", "", "USD", "", "", "", "",
    "BUY", "10", "LMT", "1.25", "", "DAY", "", "DU1234567", "", "0", "", "1", "0",
    "0", "0", "0", "0", "0", "0",
    // leg count, two legs of eight fields, orderComboLegs count, smartComboRoutingParams
    "2", "756700", "1", "BUY", "SMART", "0", "0", "", "-1",
    "756717", "1", "SELL", "SMART", "0", "0", "", "-1",
    "0", "1", "NonGuaranteed", "1",
    "", "0", "", "", "", "", "", "",
    "0", "", "-1", "0", "", "", "0", "", "", "0", "0", "", "0",
    "", "", "", "", "", "0", "", "", "", "", "0", "", "", "",
    "", "", "", "", "", "", "", "0", "", "", "0", "0", "", "",
    "0", "", "0", "0", "0", "0", "",
    "1.7976931348623157e+308", "1.7976931348623157e+308", "1.7976931348623157e+308",
    "1.7976931348623157e+308", "1.7976931348623157e+308", "0",
    "", "", "", "1.7976931348623157e+308", "", "", "", "",
    "0", "0", "0", "", "2147483647", "2147483647", "0", "", "",
];

/// `BUY 100 SPY LMT 400.5 DAY`, order 11, algoStrategy Adaptive, adaptivePriority Patient.
#[rustfmt::skip]
const ADAPTIVE_ORDER_178: &[&str] = &[
    "3", "11", "0", "SPY", "STK", "", "", "", "", "SMART", "", "USD", "", "", "", "",
    "BUY", "100", "LMT", "400.5", "", "DAY", "", "DU1234567", "", "0", "", "1", "0",
    "0", "0", "0", "0", "0", "0", "", "0", "", "", "", "", "", "",
    "0", "", "-1", "0", "", "", "0", "", "", "0", "0", "", "0",
    "", "", "", "", "", "0", "", "", "", "", "0", "", "", "",
    "", "", "", "", "", "", "", "0", "", "", "0", "0",
    "Adaptive", "1", "adaptivePriority", "Patient", "",
    "0", "", "0", "0", "0", "0", "",
    "1.7976931348623157e+308", "1.7976931348623157e+308", "1.7976931348623157e+308",
    "1.7976931348623157e+308", "1.7976931348623157e+308", "0",
    "", "", "", "1.7976931348623157e+308", "", "", "", "",
    "0", "0", "0", "", "2147483647", "2147483647", "0", "", "",
];

const LEGS: [ComboLeg<'static>; 2] = [
    ComboLeg {
        con_id: 756_700,
        ratio: 1,
        action: "BUY",
        exchange: "SMART",
    },
    ComboLeg {
        con_id: 756_717,
        ratio: 1,
        action: "SELL",
        exchange: "SMART",
    },
];

fn order(
    order_id: i32,
    contract: ContractSpec<'static>,
    qty: f64,
    lmt: f64,
) -> OrderRequest<'static> {
    OrderRequest {
        order_id,
        contract,
        action: "BUY",
        total_quantity: qty,
        order_type: "LMT",
        lmt_price: lmt,
        aux_price: f64::MAX,
        tif: "DAY",
        account: "DU1234567",
        order_ref: "",
        transmit: true,
        parent_id: 0,
    }
}

fn combo_request() -> Request<'static> {
    let contract = ContractSpec {
        symbol: "SPY,QQQ",
        sec_type: "BAG",
        ..ContractSpec::stock("")
    };
    let extras = OrderExtras {
        non_guaranteed: true,
        ..OrderExtras::with_legs(&LEGS)
    };
    Request::PlaceOrderExt(order(10, contract, 10.0, 1.25), extras)
}

fn adaptive_request() -> Request<'static> {
    let extras = OrderExtras {
        algo_strategy: "Adaptive",
        adaptive_priority: "Patient",
        ..OrderExtras::default()
    };
    Request::PlaceOrderExt(order(11, ContractSpec::stock("SPY"), 100.0, 400.5), extras)
}

fn frame_of(fields: &[&str]) -> Vec<u8> {
    let fields: Vec<&[u8]> = fields.iter().map(|f| f.as_bytes()).collect();
    framed(&join_fields(&fields))
}

#[test]
fn combo_order_encodes_and_decodes_as_the_official_client_at_178() {
    assert_eq!(COMBO_ORDER_178.len(), 135);
    let golden = frame_of(COMBO_ORDER_178);
    let mut ours = Vec::new();
    combo_request().encode_text(&mut ours);
    assert_same_frames("combo", &ours, &golden);
    let decoded = Request::decode_text(&golden[4..]).expect("decodes");
    assert_eq!(decoded, combo_request());
    let Request::PlaceOrderExt(_, x) = decoded else {
        panic!("a combo carries extras")
    };
    assert_eq!(x.legs(), LEGS);
    assert!(x.non_guaranteed);
}

#[test]
fn adaptive_order_encodes_and_decodes_as_the_official_client_at_178() {
    assert_eq!(ADAPTIVE_ORDER_178.len(), 117);
    let golden = frame_of(ADAPTIVE_ORDER_178);
    let mut ours = Vec::new();
    adaptive_request().encode_text(&mut ours);
    assert_same_frames("adaptive", &ours, &golden);
    assert_eq!(Request::decode_text(&golden[4..]), Ok(adaptive_request()));
}

#[test]
fn malformed_combo_tails_are_decode_errors() {
    // Truncated anywhere inside the legs or routing params.
    for cut in 36..60 {
        let frame = frame_of(&COMBO_ORDER_178[..cut]);
        assert!(
            Request::decode_text(&frame[4..]).is_err(),
            "cut at {cut} must not decode"
        );
    }
    let mut too_many = COMBO_ORDER_178.to_vec();
    too_many[35] = "9";
    let frame = frame_of(&too_many);
    assert!(matches!(
        Request::decode_text(&frame[4..]),
        Err(DecodeError::BadValue { .. })
    ));
    let mut negative = COMBO_ORDER_178.to_vec();
    negative[35] = "-2";
    let frame = frame_of(&negative);
    assert!(Request::decode_text(&frame[4..]).is_err());
}

#[test]
fn plain_order_with_a_short_tail_still_decodes() {
    // Clients that send only the prefix (the gateway read no more before combos).
    let frame = frame_of(&ADAPTIVE_ORDER_178[..29]);
    assert!(matches!(
        Request::decode_text(&frame[4..]),
        Ok(Request::PlaceOrder(_))
    ));
}
