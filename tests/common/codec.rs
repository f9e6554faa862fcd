//! Shared helpers for the codec tests (`tests/codec_*.rs`): the golden frames of
//! `tests/data/golden_frames.txt`, the values behind them, and field-level helpers.
//!
//! The golden bodies were written by hand from the field layouts of the official IB Python client
//! and ib-async at server version 178 (not produced by our encoder). Each golden is checked both
//! ways: our encoder must write it (except for the differences listed in [`DEVIATIONS`]) and our
//! decoder must read the expected values from it.
//!
//! Included with `#[path = "common/codec.rs"] mod codec;` by the codec tests only, so the other
//! test binaries do not compile it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hft::config::DEFAULT_MAX_FRAME;
use hft::wire::ids::incoming;
use hft::wire::text::ServerMessage;
use hft::wire::{
    Bar, CommissionReport, ContractDataView, ContractSpec, ContractView, EndMarker, ErrorMsg,
    ExecutionData, ExecutionFilter, HistoricalData, HistoricalRequest, ManagedAccts, NextValidId,
    OpenOrderHead, OpenOrderView, OrderRequest, OrderStatus, PositionData, Request, TickByTick,
    TickByTickData, TickPrice, TickSize, split_frame,
};

// ------------------------------------------------------------------------------------------------
// Golden file

const GOLDEN_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/golden_frames.txt");

/// Parses the golden file format documented at its top.
fn parse_goldens(text: &str) -> BTreeMap<String, Vec<u8>> {
    let mut records: Vec<(String, String)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(more) = line.strip_prefix('+') {
            let (_, body) = records
                .last_mut()
                .unwrap_or_else(|| panic!("line {}: continuation before any record", n + 1));
            body.push_str(more);
        } else {
            let (name, body) = line
                .split_once('|')
                .unwrap_or_else(|| panic!("line {}: expected NAME|body", n + 1));
            records.push((name.to_string(), body.to_string()));
        }
    }
    let mut goldens = BTreeMap::new();
    for (name, escaped) in records {
        let body = unescape(&escaped).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            body.last(),
            Some(&0),
            "{name}: the last field must end with \\0"
        );
        assert!(goldens.insert(name.clone(), body).is_none(), "{name} twice");
    }
    goldens
}

fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'0') => out.push(0),
            Some(b'\\') => out.push(b'\\'),
            other => return Err(format!("bad escape \\{:?}", other.map(char::from))),
        }
    }
    Ok(out)
}

pub fn goldens() -> &'static BTreeMap<String, Vec<u8>> {
    static GOLDENS: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    GOLDENS.get_or_init(|| {
        let text = std::fs::read_to_string(GOLDEN_PATH).expect("golden file is readable");
        parse_goldens(&text)
    })
}

pub fn golden(name: &str) -> &'static [u8] {
    goldens()
        .get(name)
        .unwrap_or_else(|| panic!("no golden named {name}"))
}

/// The fields of a NUL-terminated body (the terminator of the last field included).
pub fn fields_of(body: &[u8]) -> Vec<&[u8]> {
    assert_eq!(body.last(), Some(&0), "body is not NUL-terminated");
    body[..body.len() - 1].split(|&b| b == 0).collect()
}

pub fn join_fields(fields: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for f in fields {
        body.extend_from_slice(f);
        body.push(0);
    }
    body
}

/// `body` behind its 4-byte big-endian length.
pub fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// The bodies of the frames in `bytes`, which must hold whole frames only.
pub fn split_all(mut bytes: &[u8]) -> Vec<&[u8]> {
    let mut bodies = Vec::new();
    while !bytes.is_empty() {
        let (body, used) = split_frame(bytes, DEFAULT_MAX_FRAME)
            .expect("frame within the limit")
            .expect("whole frame");
        bodies.push(body);
        bytes = &bytes[used..];
    }
    bodies
}

/// A golden with field `index` replaced by `value`.
pub fn with_field(name: &str, index: usize, value: &str) -> Vec<u8> {
    with_raw_field(name, index, value.as_bytes())
}

pub fn with_raw_field(name: &str, index: usize, value: &[u8]) -> Vec<u8> {
    let mut fields = fields_of(golden(name));
    fields[index] = value;
    join_fields(&fields)
}

pub fn show(field: Option<&[u8]>) -> String {
    field.map_or("<absent>".into(), |f| {
        format!("{:?}", String::from_utf8_lossy(f))
    })
}

/// Compares two frame streams field by field, naming the first difference.
pub fn assert_same_frames(what: &str, ours: &[u8], expected: &[u8]) {
    if ours == expected {
        return;
    }
    let (ours, expected) = (split_all(ours), split_all(expected));
    assert_eq!(ours.len(), expected.len(), "{what}: frame count");
    for (n, (a, b)) in ours.iter().zip(&expected).enumerate() {
        let (fa, fb) = (fields_of(a), fields_of(b));
        for i in 0..fa.len().max(fb.len()) {
            let (x, y) = (fa.get(i).copied(), fb.get(i).copied());
            assert!(
                x == y,
                "{what}: frame {n} field {i}: ours {}, golden {} ({} vs {} fields)",
                show(x),
                show(y),
                fa.len(),
                fb.len()
            );
        }
    }
    unreachable!("{what}: frames differ but no field does");
}

// ------------------------------------------------------------------------------------------------
// Where our encoder deliberately writes something else than the golden

/// A field our encoder writes differently from the reference clients, on purpose.
pub struct Deviation {
    pub golden: &'static str,
    pub index: usize,
    /// What the golden (the reference client, or TWS) has.
    pub reference: &'static str,
    /// What our encoder writes.
    pub ours: &'static str,
}

/// Every byte-level difference between our encoder and the goldens. None changes a value a
/// decoder reads: a Decimal is the same number either way.
///
/// - Decimal sizes and quantities in server messages: our `FrameWriter::f64` writes the shortest
///   round-trip form of an `f64`, which keeps a `.0` on integral values (`300.0`); TWS writes a
///   Decimal (`300`). (The engine's PLACE_ORDER quantity is written as a Decimal, `100`, as the
///   official client sends it; ib-async itself sends `100.0` for a float quantity.)
pub const DEVIATIONS: &[Deviation] = &[
    dev("TICK_PRICE", 5, "300", "300.0"),
    dev("TICK_SIZE", 4, "400", "400.0"),
    dev("TICK_BY_TICK_LAST", 5, "100", "100.0"),
    dev("TICK_BY_TICK_ALL_LAST", 5, "50", "50.0"),
    dev("TICK_BY_TICK_BID_ASK", 6, "300", "300.0"),
    dev("TICK_BY_TICK_BID_ASK", 7, "200", "200.0"),
    dev("ORDER_STATUS", 3, "100", "100.0"),
    dev("ORDER_STATUS", 4, "0", "0.0"),
    dev("HISTORICAL_DATA_178", 10, "1200", "1200.0"),
    dev("HISTORICAL_DATA_178", 18, "900", "900.0"),
    dev("HISTORICAL_DATA_196", 8, "1200", "1200.0"),
    dev("EXECUTION_DATA", 19, "100", "100.0"),
    dev("EXECUTION_DATA", 24, "100", "100.0"),
    dev("OPEN_ORDER", 14, "100", "100.0"),
    dev("POSITION_DATA", 14, "100", "100.0"),
];

const fn dev(
    golden: &'static str,
    index: usize,
    reference: &'static str,
    ours: &'static str,
) -> Deviation {
    Deviation {
        golden,
        index,
        reference,
        ours,
    }
}

/// The golden frame with our deliberate deviations applied (each checked against the golden).
pub fn expected_frame(name: &str) -> Vec<u8> {
    let mut fields = fields_of(golden(name));
    for d in DEVIATIONS.iter().filter(|d| d.golden == name) {
        assert_eq!(
            show(fields.get(d.index).copied()),
            show(Some(d.reference.as_bytes())),
            "{name}: deviation table is stale at field {}",
            d.index
        );
        fields[d.index] = d.ours.as_bytes();
    }
    framed(&join_fields(&fields))
}

// ------------------------------------------------------------------------------------------------
// The values behind the goldens

pub const ORDER_TYPES: &str =
    "ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,DAY,GTC,LMT,MKT,STP,STPLMT,TRAIL";
pub const VALID_EXCHANGES: &str = "SMART,AMEX,NYSE,CBOE,ISE,NASDAQ,ARCA,BATS,IEX";
pub const TRADING_HOURS: &str = "20240102:0400-20240102:2000;20240103:0400-20240103:2000";
pub const LIQUID_HOURS: &str = "20240102:0930-20240102:1600;20240103:0930-20240103:1600";
pub const EXEC_ID: &str = "0000e0d5.65a8b1c2.01.01";
pub const FARM_OK: &str = "Market data farm connection is OK:usfarm";
pub const HIST_START: &str = "20240102 09:30:00";
pub const HIST_END: &str = "20240102 16:00:00";

/// AAPL as executions, positions and open orders carry it (no primary exchange on the wire).
pub const AAPL_VIEW: ContractView<'static> = ContractView {
    con_id: 265598,
    symbol: "AAPL",
    sec_type: "STK",
    exchange: "SMART",
    primary_exchange: "",
    currency: "USD",
    local_symbol: "AAPL",
    trading_class: "NMS",
};

/// AAPL as a client request names it.
pub const AAPL_SPEC: ContractSpec<'static> = ContractSpec {
    con_id: 265598,
    symbol: "AAPL",
    sec_type: "STK",
    last_trade_date: "",
    strike: 0.0,
    right: "",
    multiplier: "",
    exchange: "SMART",
    primary_exchange: "NASDAQ",
    currency: "USD",
    local_symbol: "",
    trading_class: "",
};

pub const TICK_PRICE: TickPrice = TickPrice {
    req_id: 7,
    tick_type: 1,
    price: 101.25,
    size: 300.0,
    attr_mask: 2,
};

pub const TICK_SIZE: TickSize = TickSize {
    req_id: 7,
    tick_type: 0,
    size: 400.0,
};

pub const TBT_LAST: TickByTick<'static> = TickByTick {
    req_id: 9,
    time: 1_764_000_000,
    data: TickByTickData::Last {
        all_last: false,
        price: 101.27,
        size: 100.0,
        mask: 2,
        exchange: "NASDAQ",
        special: "I",
    },
};

pub const TBT_ALL_LAST: TickByTick<'static> = TickByTick {
    req_id: 9,
    time: 1_764_000_003,
    data: TickByTickData::Last {
        all_last: true,
        price: 101.28,
        size: 50.0,
        mask: 0,
        exchange: "ARCA",
        special: "",
    },
};

pub const TBT_BID_ASK: TickByTick<'static> = TickByTick {
    req_id: 9,
    time: 1_764_000_001,
    data: TickByTickData::BidAsk {
        bid: 101.25,
        ask: 101.26,
        bid_size: 300.0,
        ask_size: 200.0,
        mask: 1,
    },
};

pub const TBT_MIDPOINT: TickByTick<'static> = TickByTick {
    req_id: 9,
    time: 1_764_000_002,
    data: TickByTickData::MidPoint { mid: 101.255 },
};

pub const ORDER_STATUS: OrderStatus<'static> = OrderStatus {
    order_id: 1001,
    status: "Filled",
    filled: 100.0,
    remaining: 0.0,
    avg_fill_price: 101.26,
    perm_id: 555,
    parent_id: 0,
    last_fill_price: 101.26,
    client_id: 1,
    why_held: "",
    mkt_cap_price: 0.0,
};

pub const ERR_178: ErrorMsg<'static> = ErrorMsg {
    id: -1,
    code: 2104,
    message: FARM_OK,
    advanced_json: "",
    time_ms: 0,
};

pub const ERR_194: ErrorMsg<'static> = ErrorMsg {
    id: 1001,
    code: 201,
    message: "Order rejected - reason:",
    advanced_json: "{\"rejectCode\":1}",
    time_ms: 1_764_000_000_123,
};

pub const BARS: [Bar<'static>; 2] = [
    Bar {
        date: "1704205800",
        open: 185.5,
        high: 186.0,
        low: 185.25,
        close: 185.75,
        volume: 1200.0,
        wap: 185.6,
        count: 12,
    },
    Bar {
        date: "1704206100",
        open: 185.75,
        high: 186.25,
        low: 185.5,
        close: 186.0,
        volume: 900.0,
        wap: 185.9,
        count: 8,
    },
];

pub const CONTRACT_DATA: ContractDataView<'static> = ContractDataView {
    req_id: 4,
    contract: ContractView {
        primary_exchange: "NASDAQ",
        ..AAPL_VIEW
    },
    market_name: "NMS",
    min_tick: 0.01,
    order_types: ORDER_TYPES,
    valid_exchanges: VALID_EXCHANGES,
    long_name: "APPLE INC",
    industry: "Technology",
    time_zone_id: "US/Eastern",
    trading_hours: TRADING_HOURS,
    liquid_hours: LIQUID_HOURS,
    market_rule_ids: "26,26,26,26,26,26,26,26,26",
    stock_type: "COMMON",
};

pub const EXECUTION: ExecutionData<'static> = ExecutionData {
    req_id: 5,
    order_id: 1001,
    contract: AAPL_VIEW,
    exec_id: EXEC_ID,
    time: "20240102 10:30:00 US/Eastern",
    account: "DU123456",
    exchange: "ISLAND",
    side: "BOT",
    shares: 100.0,
    price: 185.5,
    perm_id: 555,
    client_id: 1,
    cum_qty: 100.0,
    avg_price: 185.5,
    order_ref: "pair-7",
    last_liquidity: 2,
};

pub const COMMISSION: CommissionReport<'static> = CommissionReport {
    exec_id: EXEC_ID,
    commission: 1.0,
    currency: "USD",
    realized_pnl: f64::MAX,
};

pub const OPEN_ORDER: OpenOrderView<'static> = OpenOrderView {
    order_id: 1001,
    contract: AAPL_VIEW,
    action: "BUY",
    total_quantity: 100.0,
    order_type: "LMT",
    lmt_price: 185.5,
    tif: "DAY",
    account: "DU123456",
    order_ref: "pair-7",
    client_id: 1,
    perm_id: 555,
    status: "Submitted",
};

pub const POSITION: PositionData<'static> = PositionData {
    account: "DU123456",
    contract: ContractView {
        exchange: "NASDAQ",
        ..AAPL_VIEW
    },
    position: 100.0,
    avg_cost: 185.5,
};

pub const PLACE_ORDER: OrderRequest<'static> = OrderRequest {
    order_id: 42,
    contract: AAPL_SPEC,
    action: "BUY",
    total_quantity: 100.0,
    order_type: "LMT",
    lmt_price: 185.5,
    aux_price: f64::MAX,
    tif: "DAY",
    account: "DU123456",
    order_ref: "pair-7",
    transmit: true,
    parent_id: 0,
};

/// Takes the payload of one `ServerMessage` variant, or fails naming what came instead.
macro_rules! expect_variant {
    ($msg:expr, $variant:ident) => {
        match $msg {
            ServerMessage::$variant(inner) => inner,
            other => panic!("expected {}, decoded {other:?}", stringify!($variant)),
        }
    };
}

// Not every codec test takes variants apart.
#[allow(unused_imports)]
pub(crate) use expect_variant;

/// A server-to-client golden: how our encoder writes its value and what our decoder reads.
pub struct ServerGolden {
    pub name: &'static str,
    pub version: i32,
    /// Our encoding of the value; `None` for messages only the engine's decoder handles.
    pub encode: Option<fn(&mut Vec<u8>)>,
    /// Goldens our encoder writes right after this one (HISTORICAL_DATA_END from version 196).
    pub then: &'static [&'static str],
    /// Asserts the decoded message carries the golden's values.
    pub check: fn(ServerMessage<'_>),
}

pub fn server_goldens() -> Vec<ServerGolden> {
    fn end(msg_id: i32, req_id: i32) -> EndMarker {
        EndMarker { msg_id, req_id }
    }
    fn bars_of(mut h: HistoricalData<'_>) -> Vec<Bar<'_>> {
        let mut bars = Vec::new();
        while let Some(bar) = h.next_bar().expect("bar decodes") {
            bars.push(bar);
        }
        bars
    }
    vec![
        ServerGolden {
            name: "TICK_PRICE",
            version: 178,
            encode: Some(|out| TICK_PRICE.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, TickPrice), TICK_PRICE),
        },
        ServerGolden {
            name: "TICK_SIZE",
            version: 178,
            encode: Some(|out| TICK_SIZE.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, TickSize), TICK_SIZE),
        },
        ServerGolden {
            name: "TICK_BY_TICK_LAST",
            version: 178,
            encode: Some(|out| TBT_LAST.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, TickByTick), TBT_LAST),
        },
        ServerGolden {
            name: "TICK_BY_TICK_ALL_LAST",
            version: 178,
            encode: Some(|out| TBT_ALL_LAST.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, TickByTick), TBT_ALL_LAST),
        },
        ServerGolden {
            name: "TICK_BY_TICK_BID_ASK",
            version: 178,
            encode: Some(|out| TBT_BID_ASK.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, TickByTick), TBT_BID_ASK),
        },
        ServerGolden {
            name: "TICK_BY_TICK_MIDPOINT",
            version: 178,
            encode: Some(|out| TBT_MIDPOINT.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, TickByTick), TBT_MIDPOINT),
        },
        ServerGolden {
            name: "TICK_SNAPSHOT_END",
            version: 178,
            encode: Some(|out| end(incoming::TICK_SNAPSHOT_END, 7).encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, End), end(incoming::TICK_SNAPSHOT_END, 7)),
        },
        ServerGolden {
            name: "ORDER_STATUS",
            version: 178,
            encode: Some(|out| ORDER_STATUS.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, OrderStatus), ORDER_STATUS),
        },
        ServerGolden {
            name: "ERR_MSG_178",
            version: 178,
            encode: Some(|out| ERR_178.encode(out, 178)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, Error), ERR_178),
        },
        ServerGolden {
            name: "ERR_MSG_194",
            version: 194,
            encode: Some(|out| ERR_194.encode(out, 194)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, Error), ERR_194),
        },
        ServerGolden {
            name: "NEXT_VALID_ID",
            version: 178,
            encode: Some(|out| NextValidId { order_id: 1000 }.encode(out)),
            then: &[],
            check: |m| {
                assert_eq!(
                    expect_variant!(m, NextValidId),
                    NextValidId { order_id: 1000 }
                )
            },
        },
        ServerGolden {
            name: "MANAGED_ACCTS",
            version: 178,
            encode: Some(|out| {
                ManagedAccts {
                    accounts: "DU123456",
                }
                .encode(out)
            }),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, ManagedAccts).accounts, "DU123456"),
        },
        ServerGolden {
            name: "HISTORICAL_DATA_178",
            version: 178,
            encode: Some(|out| HistoricalData::encode(out, 178, 3, HIST_START, HIST_END, &BARS)),
            then: &[],
            check: |m| {
                let h = expect_variant!(m, HistoricalData);
                assert_eq!(
                    (h.req_id, h.start, h.end, h.count),
                    (3, HIST_START, HIST_END, 2)
                );
                assert_eq!(bars_of(h), BARS);
            },
        },
        ServerGolden {
            name: "HISTORICAL_DATA_196",
            version: 196,
            encode: Some(|out| {
                HistoricalData::encode(out, 196, 3, HIST_START, HIST_END, &BARS[..1])
            }),
            then: &["HISTORICAL_DATA_END"],
            check: |m| {
                let h = expect_variant!(m, HistoricalData);
                assert_eq!((h.req_id, h.start, h.end, h.count), (3, "", "", 1));
                assert_eq!(bars_of(h), BARS[..1]);
            },
        },
        ServerGolden {
            name: "HISTORICAL_DATA_END",
            version: 196,
            encode: None,
            then: &[],
            check: |m| {
                assert!(
                    matches!(m, ServerMessage::HistoricalDataEnd { req_id: 3 }),
                    "{m:?}"
                )
            },
        },
        ServerGolden {
            name: "CONTRACT_DATA",
            version: 178,
            encode: Some(|out| CONTRACT_DATA.encode(out)),
            then: &[],
            check: |m| {
                // The decoder reads the identifying prefix only (up to the primary exchange).
                let expected = ContractDataView {
                    industry: "",
                    time_zone_id: "",
                    trading_hours: "",
                    liquid_hours: "",
                    market_rule_ids: "",
                    stock_type: "",
                    ..CONTRACT_DATA
                };
                assert_eq!(expect_variant!(m, ContractData), expected);
            },
        },
        ServerGolden {
            name: "CONTRACT_DATA_END",
            version: 178,
            encode: Some(|out| end(incoming::CONTRACT_DATA_END, 4).encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, End), end(incoming::CONTRACT_DATA_END, 4)),
        },
        ServerGolden {
            name: "EXECUTION_DATA",
            version: 178,
            encode: Some(|out| EXECUTION.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, Execution), EXECUTION),
        },
        ServerGolden {
            name: "EXECUTION_DATA_END",
            version: 178,
            encode: Some(|out| end(incoming::EXECUTION_DATA_END, 5).encode(out)),
            then: &[],
            check: |m| {
                assert_eq!(
                    expect_variant!(m, End),
                    end(incoming::EXECUTION_DATA_END, 5)
                )
            },
        },
        ServerGolden {
            name: "COMMISSION_REPORT",
            version: 178,
            encode: Some(|out| COMMISSION.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, Commission), COMMISSION),
        },
        ServerGolden {
            name: "OPEN_ORDER",
            version: 178,
            encode: Some(|out| OPEN_ORDER.encode(out)),
            then: &[],
            check: |m| {
                let o = OPEN_ORDER;
                let expected = OpenOrderHead {
                    order_id: o.order_id,
                    contract: o.contract,
                    action: o.action,
                    total_quantity: o.total_quantity,
                    order_type: o.order_type,
                    lmt_price: o.lmt_price,
                    tif: o.tif,
                    account: o.account,
                    order_ref: o.order_ref,
                    client_id: o.client_id,
                    perm_id: o.perm_id,
                };
                assert_eq!(expect_variant!(m, OpenOrder), expected);
            },
        },
        ServerGolden {
            name: "OPEN_ORDER_END",
            version: 178,
            encode: Some(|out| end(incoming::OPEN_ORDER_END, -1).encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, End), end(incoming::OPEN_ORDER_END, -1)),
        },
        ServerGolden {
            name: "POSITION_DATA",
            version: 178,
            encode: Some(|out| POSITION.encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, Position), POSITION),
        },
        ServerGolden {
            name: "POSITION_END",
            version: 178,
            encode: Some(|out| end(incoming::POSITION_END, -1).encode(out)),
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, End), end(incoming::POSITION_END, -1)),
        },
        ServerGolden {
            name: "MARKET_DATA_TYPE",
            version: 178,
            encode: None,
            then: &[],
            check: |m| {
                assert!(
                    matches!(
                        m,
                        ServerMessage::MarketDataType {
                            req_id: 7,
                            data_type: 3
                        }
                    ),
                    "{m:?}"
                )
            },
        },
        ServerGolden {
            name: "CURRENT_TIME",
            version: 178,
            encode: None,
            then: &[],
            check: |m| assert_eq!(expect_variant!(m, CurrentTime), 1_704_205_800),
        },
        ServerGolden {
            name: "TICK_REQ_PARAMS",
            version: 178,
            encode: None,
            then: &[],
            check: |m| {
                assert!(
                    matches!(
                        m,
                        ServerMessage::TickReqParams {
                            req_id: 7,
                            min_tick: 0.01
                        }
                    ),
                    "{m:?}"
                )
            },
        },
    ]
}

/// Client-to-server goldens and the request each one encodes.
pub fn request_goldens() -> Vec<(&'static str, Request<'static>)> {
    vec![
        (
            "START_API",
            Request::StartApi {
                client_id: 100,
                optional_capabilities: "",
            },
        ),
        (
            "REQ_MKT_DATA",
            Request::MarketData {
                req_id: 7,
                contract: AAPL_SPEC,
                generic_ticks: "233",
                snapshot: false,
            },
        ),
        ("CANCEL_MKT_DATA", Request::CancelMarketData { req_id: 7 }),
        ("PLACE_ORDER", Request::PlaceOrder(PLACE_ORDER)),
        ("CANCEL_ORDER", Request::CancelOrder { order_id: 42 }),
        ("REQ_OPEN_ORDERS", Request::OpenOrders),
        ("REQ_ALL_OPEN_ORDERS", Request::AllOpenOrders),
        (
            "REQ_AUTO_OPEN_ORDERS",
            Request::AutoOpenOrders { auto_bind: true },
        ),
        (
            "REQ_EXECUTIONS",
            Request::Executions {
                req_id: 5,
                filter: ExecutionFilter {
                    client_id: 0,
                    account: "DU123456",
                    time: "",
                    symbol: "AAPL",
                    sec_type: "STK",
                    exchange: "",
                    side: "BUY",
                },
            },
        ),
        ("REQ_IDS", Request::Ids { num_ids: 1 }),
        (
            "REQ_CONTRACT_DATA",
            Request::ContractData {
                req_id: 6,
                contract: ContractSpec {
                    con_id: 0,
                    ..AAPL_SPEC
                },
            },
        ),
        (
            "REQ_HISTORICAL_DATA",
            Request::HistoricalData(HistoricalRequest {
                req_id: 8,
                contract: AAPL_SPEC,
                end_date_time: "",
                bar_size: "5 mins",
                duration: "1 D",
                use_rth: true,
                what_to_show: "TRADES",
                format_date: 2,
                keep_up_to_date: false,
            }),
        ),
        (
            "CANCEL_HISTORICAL_DATA",
            Request::CancelHistoricalData { req_id: 8 },
        ),
        ("REQ_POSITIONS", Request::Positions),
        ("CANCEL_POSITIONS", Request::CancelPositions),
        (
            "REQ_TICK_BY_TICK_DATA",
            Request::TickByTick {
                req_id: 9,
                contract: AAPL_SPEC,
                tick_type: "BidAsk",
                number_of_ticks: 0,
                ignore_size: false,
            },
        ),
        (
            "CANCEL_TICK_BY_TICK_DATA",
            Request::CancelTickByTick { req_id: 9 },
        ),
        (
            "REQ_MARKET_DATA_TYPE",
            Request::MarketDataType { data_type: 3 },
        ),
        ("REQ_CURRENT_TIME", Request::CurrentTime),
        ("REQ_MANAGED_ACCTS", Request::ManagedAccounts),
    ]
}

/// Our encoding of the value behind golden `name` (all frames our encoder writes for it).
pub fn our_encoding(name: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    if let Some(case) = server_goldens().into_iter().find(|c| c.name == name) {
        (case.encode?)(&mut out);
    } else {
        let (_, request) = request_goldens()
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} has no test case"));
        request.encode_text(&mut out);
    }
    Some(out)
}

/// Every golden body, in file-name order.
pub fn all_golden_bodies() -> Vec<&'static [u8]> {
    goldens().values().map(Vec::as_slice).collect()
}
