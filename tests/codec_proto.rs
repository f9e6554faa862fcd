//! Protobuf frames (server version 201 and above) against the bytes ibapi sends and expects.

use hft::config::DEFAULT_MAX_FRAME;
use hft::wire::ids::{incoming, outgoing};
use hft::wire::proto::{self, PlaceOrderRequest};
use hft::wire::{DecodeError, split_frame};

#[test]
fn protobuf_frames_match_the_bytes_ibapi_expects() {
    let mut next_valid_id = Vec::new();
    proto::encode_frame(
        &mut next_valid_id,
        incoming::NEXT_VALID_ID,
        &proto::NextValidId { order_id: Some(1) },
    );
    assert_eq!(
        next_valid_id,
        [0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0xD1, 0x08, 0x01]
    );

    let mut accounts = Vec::new();
    proto::encode_frame(
        &mut accounts,
        incoming::MANAGED_ACCTS,
        &proto::ManagedAccounts {
            accounts_list: Some("DU123456".into()),
        },
    );
    let mut expected = vec![0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00, 0xD7, 0x0A, 0x08];
    expected.extend(b"DU123456");
    assert_eq!(accounts, expected);

    let mut error = Vec::new();
    proto::encode_frame(
        &mut error,
        incoming::ERR_MSG,
        &proto::ErrorMessage {
            id: Some(-1),
            error_code: Some(2104),
            error_msg: Some("OK".into()),
            ..Default::default()
        },
    );
    let mut expected = vec![0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0xCC];
    expected.extend([
        0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01,
    ]);
    expected.extend([0x18, 0xB8, 0x10, 0x22, 0x02, b'O', b'K']);
    assert_eq!(error, expected);

    let mut position_end = Vec::new();
    proto::encode_frame(&mut position_end, incoming::POSITION_END, &proto::Empty {});
    assert_eq!(
        position_end,
        [0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x06]
    );

    let mut start_api = Vec::new();
    proto::encode_frame(
        &mut start_api,
        outgoing::START_API,
        &proto::StartApiRequest {
            client_id: Some(100),
            optional_capabilities: None,
        },
    );
    assert_eq!(
        start_api,
        [0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x01, 0x0F, 0x08, 0x64]
    );
}

/// IB's own schema for the messages of a PLACE_ORDER request, with the field tags of the TWS API
/// protobuf definitions (more fields than our definitions declare), so the test does not share a
/// schema with the code under test.
mod ib_schema {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Contract {
        #[prost(int32, optional, tag = "1")]
        pub con_id: Option<i32>,
        #[prost(string, optional, tag = "2")]
        pub symbol: Option<String>,
        #[prost(string, optional, tag = "3")]
        pub sec_type: Option<String>,
        #[prost(double, optional, tag = "5")]
        pub strike: Option<f64>,
        #[prost(string, optional, tag = "8")]
        pub exchange: Option<String>,
        #[prost(string, optional, tag = "9")]
        pub primary_exch: Option<String>,
        #[prost(string, optional, tag = "10")]
        pub currency: Option<String>,
        #[prost(string, optional, tag = "13")]
        pub sec_id_type: Option<String>,
        #[prost(bool, optional, tag = "18")]
        pub include_expired: Option<bool>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Order {
        #[prost(int32, optional, tag = "1")]
        pub client_id: Option<i32>,
        #[prost(int32, optional, tag = "4")]
        pub parent_id: Option<i32>,
        #[prost(string, optional, tag = "5")]
        pub action: Option<String>,
        #[prost(string, optional, tag = "6")]
        pub total_quantity: Option<String>,
        #[prost(int32, optional, tag = "7")]
        pub display_size: Option<i32>,
        #[prost(string, optional, tag = "8")]
        pub order_type: Option<String>,
        #[prost(double, optional, tag = "9")]
        pub lmt_price: Option<f64>,
        #[prost(string, optional, tag = "11")]
        pub tif: Option<String>,
        #[prost(string, optional, tag = "12")]
        pub account: Option<String>,
        #[prost(string, optional, tag = "28")]
        pub order_ref: Option<String>,
        #[prost(bool, optional, tag = "66")]
        pub transmit: Option<bool>,
        #[prost(int32, optional, tag = "72")]
        pub exempt_code: Option<i32>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub struct PlaceOrderRequest {
        #[prost(int32, optional, tag = "1")]
        pub order_id: Option<i32>,
        #[prost(message, optional, tag = "2")]
        pub contract: Option<Contract>,
        #[prost(message, optional, tag = "3")]
        pub order: Option<Order>,
    }
}

#[test]
fn place_order_request_from_ibapi_decodes() {
    use prost::Message;
    // What ibapi sends for `limit_order(Buy, 100, 185.5)` with an account and an order ref.
    let sent = ib_schema::PlaceOrderRequest {
        order_id: Some(42),
        contract: Some(ib_schema::Contract {
            con_id: Some(265598),
            symbol: Some("AAPL".into()),
            sec_type: Some("STK".into()),
            strike: Some(0.0),
            exchange: Some("SMART".into()),
            primary_exch: Some("NASDAQ".into()),
            currency: Some("USD".into()),
            sec_id_type: Some(String::new()),
            include_expired: Some(false),
        }),
        order: Some(ib_schema::Order {
            client_id: None,
            parent_id: None,
            action: Some("BUY".into()),
            total_quantity: Some("100".into()),
            display_size: Some(0),
            order_type: Some("LMT".into()),
            lmt_price: Some(185.5),
            tif: Some("DAY".into()),
            account: Some("DU123456".into()),
            order_ref: Some("pair-7".into()),
            transmit: Some(true),
            exempt_code: Some(-1),
        }),
    };
    let mut frame = Vec::new();
    proto::encode_frame(&mut frame, outgoing::PLACE_ORDER, &sent);
    assert_eq!(&frame[4..8], &[0, 0, 0, 203], "wire id 203");

    let (body, _) = split_frame(&frame, DEFAULT_MAX_FRAME).unwrap().unwrap();
    let (msg_id, payload) = proto::split_binary_id(body).unwrap();
    assert_eq!(msg_id, outgoing::PLACE_ORDER + proto::PROTOBUF_ID_OFFSET);
    assert_eq!(payload, sent.encode_to_vec());

    let got: PlaceOrderRequest = proto::decode(payload).expect("decodes");
    assert_eq!(got.order_id, Some(42));
    let contract = got.contract.expect("contract");
    assert_eq!(contract.con_id, Some(265598));
    assert_eq!(contract.symbol.as_deref(), Some("AAPL"));
    assert_eq!(contract.sec_type.as_deref(), Some("STK"));
    assert_eq!(contract.exchange.as_deref(), Some("SMART"));
    assert_eq!(contract.primary_exch.as_deref(), Some("NASDAQ"));
    assert_eq!(contract.currency.as_deref(), Some("USD"));
    assert_eq!(contract.strike, Some(0.0));
    let order = got.order.expect("order");
    assert_eq!(order.action.as_deref(), Some("BUY"));
    assert_eq!(order.total_quantity.as_deref(), Some("100"));
    assert_eq!(order.order_type.as_deref(), Some("LMT"));
    assert_eq!(order.lmt_price, Some(185.5));
    assert_eq!(order.aux_price, None);
    assert_eq!(order.tif.as_deref(), Some("DAY"));
    assert_eq!(order.account.as_deref(), Some("DU123456"));
    assert_eq!(order.order_ref.as_deref(), Some("pair-7"));
    assert_eq!(order.transmit, Some(true));
    assert_eq!((order.client_id, order.order_id), (None, None));
}

#[test]
fn malformed_protobuf_gives_bad_binary() {
    let cases: &[(&str, &[u8])] = &[
        ("length past the end", &[0x12, 0x05, b'A']),
        ("truncated varint", &[0x08, 0xFF]),
        ("symbol sent as a varint", &[0x12, 0x02, 0x10, 0x01]),
        ("symbol not UTF-8", &[0x12, 0x03, 0x12, 0x01, 0xC3]),
        ("tag 0", &[0x00, 0x01]),
        ("end group without start", &[0x0C]),
    ];
    for &(what, body) in cases {
        assert_eq!(
            proto::decode::<PlaceOrderRequest>(body),
            Err(DecodeError::BadBinary),
            "{what}"
        );
    }
    for short in [&[][..], &[0], &[0, 0, 0]] {
        assert_eq!(proto::split_binary_id(short), Err(DecodeError::BadBinary));
    }
}
