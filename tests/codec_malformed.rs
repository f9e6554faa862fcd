//! The wire codec under hostile input: truncated, malformed and mutated frames give typed errors
//! and never a panic.

#[path = "common/codec.rs"]
mod codec;

use std::collections::BTreeSet;

use codec::{
    all_golden_bodies, fields_of, golden, goldens, join_fields, server_goldens, with_field,
    with_raw_field,
};
use hft::config::DEFAULT_MAX_FRAME;
use hft::wire::proto::{self, PlaceOrderRequest};
use hft::wire::text::ServerMessage;
use hft::wire::{
    DecodeError, FrameReader, Request, decode_server_hello, parse_version_range, split_frame,
};
use proptest::prelude::*;

/// How much of a golden each decoder reads: fields `0..reads` must be present, except that the
/// fields from `optional_from` on may be missing altogether.
const READS: &[(&str, usize, Option<usize>)] = &[
    ("TICK_PRICE", 7, None),
    ("TICK_SIZE", 5, None),
    ("TICK_BY_TICK_LAST", 9, None),
    ("TICK_BY_TICK_ALL_LAST", 9, None),
    ("TICK_BY_TICK_BID_ASK", 9, None),
    ("TICK_BY_TICK_MIDPOINT", 5, None),
    ("TICK_SNAPSHOT_END", 3, None),
    ("ORDER_STATUS", 12, None),
    ("ERR_MSG_178", 6, Some(5)),
    ("ERR_MSG_194", 6, Some(4)),
    ("NEXT_VALID_ID", 3, None),
    ("MANAGED_ACCTS", 3, None),
    ("HISTORICAL_DATA_178", 21, None),
    ("HISTORICAL_DATA_196", 11, None),
    ("HISTORICAL_DATA_END", 2, None),
    ("CONTRACT_DATA", 21, None),
    ("CONTRACT_DATA_END", 3, None),
    ("EXECUTION_DATA", 31, None),
    ("EXECUTION_DATA_END", 3, None),
    ("COMMISSION_REPORT", 6, None),
    ("OPEN_ORDER", 26, None),
    ("OPEN_ORDER_END", 2, None),
    ("POSITION_DATA", 16, None),
    ("POSITION_END", 2, None),
    ("MARKET_DATA_TYPE", 4, None),
    ("CURRENT_TIME", 3, None),
    ("TICK_REQ_PARAMS", 3, None),
    ("START_API", 4, Some(3)),
    ("REQ_MKT_DATA", 18, None),
    ("CANCEL_MKT_DATA", 3, None),
    ("PLACE_ORDER", 29, None),
    ("CANCEL_ORDER", 3, None),
    ("REQ_OPEN_ORDERS", 1, None),
    ("REQ_ALL_OPEN_ORDERS", 1, None),
    ("REQ_AUTO_OPEN_ORDERS", 3, None),
    ("REQ_EXECUTIONS", 10, None),
    ("REQ_IDS", 3, None),
    ("REQ_CONTRACT_DATA", 15, None),
    ("REQ_HISTORICAL_DATA", 22, Some(21)),
    ("CANCEL_HISTORICAL_DATA", 3, None),
    ("REQ_POSITIONS", 1, None),
    ("CANCEL_POSITIONS", 1, None),
    ("REQ_TICK_BY_TICK_DATA", 17, None),
    ("CANCEL_TICK_BY_TICK_DATA", 2, None),
    ("REQ_MARKET_DATA_TYPE", 3, None),
    ("REQ_CURRENT_TIME", 1, None),
    ("REQ_MANAGED_ACCTS", 1, None),
];

/// Decodes a body the way the engine or the gateway would, bars included.
fn decode_as(name: &str, body: &[u8]) -> Result<(), DecodeError> {
    if let Some(case) = server_goldens().into_iter().find(|c| c.name == name) {
        if let ServerMessage::HistoricalData(mut h) = ServerMessage::decode(body, case.version)? {
            while h.next_bar()?.is_some() {}
        }
        Ok(())
    } else {
        Request::decode_text(body).map(drop)
    }
}

#[test]
fn every_prefix_of_every_golden_gives_the_expected_error() {
    let names: BTreeSet<&str> = READS.iter().map(|r| r.0).collect();
    assert_eq!(
        names,
        goldens().keys().map(String::as_str).collect(),
        "READS covers every golden"
    );
    for &(name, reads, optional_from) in READS {
        let body = golden(name);
        for cut in 0..=body.len() {
            let prefix = &body[..cut];
            let complete = prefix.iter().filter(|&&b| b == 0).count();
            let partial = prefix.last().is_some_and(|&b| b != 0);
            let index = complete as u16;
            let expected = if complete >= reads {
                Ok(())
            } else if partial {
                Err(DecodeError::Unterminated { index })
            } else if optional_from.is_some_and(|from| complete >= from) {
                Ok(())
            } else {
                Err(DecodeError::MissingField { index })
            };
            assert_eq!(
                decode_as(name, prefix),
                expected,
                "{name} cut at byte {cut}: {:?}",
                String::from_utf8_lossy(prefix)
            );
        }
    }
}

#[test]
fn malformed_server_messages_give_typed_errors() {
    use DecodeError::*;
    let tick_price = |i, v| with_field("TICK_PRICE", i, v);
    let cases: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        ("empty body", vec![], MissingField { index: 0 }),
        ("id without NUL", b"1".to_vec(), Unterminated { index: 0 }),
        ("non-numeric id", b"x\0".to_vec(), BadNumber { index: 0 }),
        ("empty id", b"\0".to_vec(), BadNumber { index: 0 }),
        (
            "id overflows i32",
            b"2147483648\0".to_vec(),
            BadNumber { index: 0 },
        ),
        (
            "unknown id",
            b"1000\0".to_vec(),
            UnknownMessage { id: 1000 },
        ),
        ("id 0", b"0\x001\0".to_vec(), UnknownMessage { id: 0 }),
        ("negative id", b"-4\0".to_vec(), UnknownMessage { id: -4 }),
        (
            "request id as float",
            tick_price(2, "7.0"),
            BadNumber { index: 2 },
        ),
        ("price text", tick_price(4, "abc"), BadNumber { index: 4 }),
        ("price NaN", tick_price(4, "nan"), BadNumber { index: 4 }),
        ("price empty", tick_price(4, ""), BadNumber { index: 4 }),
        ("two dots", tick_price(4, "1.2.3"), BadNumber { index: 4 }),
        ("size text", tick_price(5, "lots"), BadNumber { index: 5 }),
        ("mask float", tick_price(6, "0.5"), BadNumber { index: 6 }),
        (
            "tick-by-tick type 0",
            with_field("TICK_BY_TICK_MIDPOINT", 2, "0"),
            BadValue { index: 2 },
        ),
        (
            "tick-by-tick type 5",
            with_field("TICK_BY_TICK_MIDPOINT", 2, "5"),
            BadValue { index: 2 },
        ),
        (
            "execution side BUY",
            with_field("EXECUTION_DATA", 18, "BUY"),
            BadValue { index: 18 },
        ),
        (
            "negative bar count",
            with_field("HISTORICAL_DATA_178", 4, "-1"),
            BadValue { index: 4 },
        ),
        (
            "filled with a comma",
            with_field("ORDER_STATUS", 3, "1,5"),
            BadNumber { index: 3 },
        ),
        (
            "next id in exponent form",
            with_field("NEXT_VALID_ID", 2, "1e3"),
            BadNumber { index: 2 },
        ),
        (
            "time overflows i64",
            with_field("CURRENT_TIME", 2, "99999999999999999999"),
            BadNumber { index: 2 },
        ),
        (
            "account not UTF-8",
            b"15\x001\x00DU\xff\x00".to_vec(),
            BadUtf8 { index: 2 },
        ),
        (
            "last field unterminated",
            b"9\x001\x001000".to_vec(),
            Unterminated { index: 2 },
        ),
    ];
    for (what, body, expected) in cases {
        assert_eq!(
            ServerMessage::decode(&body, 178).map(drop),
            Err(expected),
            "{what}"
        );
    }
}

#[test]
fn malformed_requests_give_typed_errors() {
    use DecodeError::*;
    let cases: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        ("empty body", vec![], MissingField { index: 0 }),
        ("unknown id", b"200\0".to_vec(), UnknownMessage { id: 200 }),
        ("id 0", b"0\0".to_vec(), UnknownMessage { id: 0 }),
        ("id as text", b"PLACE\0".to_vec(), BadNumber { index: 0 }),
        (
            "order action HOLD",
            with_field("PLACE_ORDER", 16, "HOLD"),
            BadValue { index: 16 },
        ),
        (
            "quantity empty",
            with_field("PLACE_ORDER", 17, ""),
            BadNumber { index: 17 },
        ),
        (
            "transmit 2",
            with_field("PLACE_ORDER", 27, "2"),
            BadNumber { index: 27 },
        ),
        (
            "snapshot yes",
            with_field("REQ_MKT_DATA", 17, "yes"),
            BadNumber { index: 17 },
        ),
        (
            "client id empty",
            with_field("START_API", 2, ""),
            BadNumber { index: 2 },
        ),
        (
            "request id text",
            with_field("CANCEL_MKT_DATA", 2, "x"),
            BadNumber { index: 2 },
        ),
        (
            "con id float",
            with_field("REQ_CONTRACT_DATA", 3, "1.5"),
            BadNumber { index: 3 },
        ),
        (
            "symbol not UTF-8",
            with_raw_field("REQ_TICK_BY_TICK_DATA", 3, b"\xc3\x28"),
            BadUtf8 { index: 3 },
        ),
        (
            "last field unterminated",
            b"8\x001\x001".to_vec(),
            Unterminated { index: 2 },
        ),
    ];
    for (what, body, expected) in cases {
        assert_eq!(Request::decode_text(&body), Err(expected), "{what}");
    }
}

/// Field values that sit on the edges of what the decoders parse.
const TRICKY_FIELDS: &[&[u8]] = &[
    b"",
    b"-",
    b"+",
    b".",
    b"-0",
    b"1e308",
    b"1e309",
    b"-1",
    b"2147483648",
    b"-2147483649",
    b"99999999999999999999",
    b"nan",
    b"Infinity",
    b"1.7976931348623157E308",
    b"\xff\xfe",
    b"0",
    b"1",
    b"3",
    b"4",
    b"99",
    b"BOT",
    b"SSHORT",
];

/// Runs every text decoder on `bytes`; returns normally unless one of them panics.
fn decode_everything(bytes: &[u8]) {
    for version in [178, 194, 196] {
        if let Ok(ServerMessage::HistoricalData(mut h)) = ServerMessage::decode(bytes, version) {
            while let Ok(Some(_)) = h.next_bar() {}
        }
    }
    let _ = Request::decode_text(bytes);
    let _ = decode_server_hello(bytes);
    let _ = parse_version_range(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode_everything(&bytes);
        let _ = proto::decode::<PlaceOrderRequest>(&bytes);
        let _ = proto::decode::<proto::OpenOrder>(&bytes);
        let _ = proto::split_binary_id(&bytes);
        for max in [0, 1, 16, DEFAULT_MAX_FRAME] {
            let _ = split_frame(&bytes, max);
        }
        let mut reader = FrameReader::new(64);
        let mut input = bytes.as_slice();
        while reader.fill_from(&mut input).unwrap_or(0) > 0 {
            while let Ok(Some(body)) = reader.next_frame() {
                decode_everything(body);
            }
        }
        let _ = reader.finish();
    }

    #[test]
    fn mutated_goldens_never_panic(
        pick in any::<prop::sample::Index>(),
        field_edits in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(TRICKY_FIELDS)),
            0..4,
        ),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let bodies = all_golden_bodies();
        let mut fields = fields_of(bodies[pick.index(bodies.len())]);
        for (at, value) in field_edits {
            let i = at.index(fields.len());
            fields[i] = value;
        }
        let mut body = join_fields(&fields);
        for (at, byte) in edits {
            let i = at.index(body.len());
            body[i] = byte;
        }
        body.truncate(cut.index(body.len() + 1));
        decode_everything(&body);
    }
}
