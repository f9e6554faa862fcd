//! Round trips by property: every server message and every request our encoder writes decodes
//! to the same value.

#[path = "common/codec.rs"]
mod codec;

use codec::{expect_variant, split_all};
use hft::wire::text::{AccountMessage, ServerMessage};
use hft::wire::{
    AccountRequest, Bar, CommissionReport, ContractSpec, ContractView, ErrorMsg, ExecutionData,
    ExecutionFilter, HistoricalData, HistoricalRequest, HistoricalTicksRequest, OrderRequest,
    OrderStatus, PositionData, Request, TickByTick, TickByTickData, TickPrice, TickSize,
};
use proptest::prelude::*;

/// ASCII text without NUL.
fn text() -> impl Strategy<Value = String> {
    "[\\x01-\\x7f]{0,16}"
}

/// Any finite `f64`, and often a price in cents.
fn finite() -> impl Strategy<Value = f64> {
    use prop::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    prop_oneof![
        (-10_000_000i64..10_000_000).prop_map(|cents| cents as f64 / 100.0),
        POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO,
    ]
}

/// A finite `f64` or IB's "unset" (`f64::MAX`).
fn finite_or_unset() -> impl Strategy<Value = f64> {
    prop_oneof![Just(f64::MAX), finite()]
}

fn encode_with(encode: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out);
    out
}

/// Decodes the only frame in `bytes`.
fn decode_one(bytes: &[u8], version: i32) -> ServerMessage<'_> {
    let bodies = split_all(bytes);
    assert_eq!(bodies.len(), 1, "one frame");
    ServerMessage::decode(bodies[0], version).expect("our own frame decodes")
}

fn view<'a>(w: &'a [String], con_id: i64) -> ContractView<'a> {
    ContractView {
        con_id,
        symbol: &w[0],
        sec_type: &w[1],
        exchange: &w[2],
        primary_exchange: "",
        currency: &w[3],
        local_symbol: &w[4],
        trading_class: &w[5],
    }
}

fn words(n: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), n)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tick_price_round_trips(
        req_id in any::<i32>(), tick_type in any::<i32>(), price in finite(), size in finite(),
        attr_mask in any::<i32>(),
    ) {
        let tick = TickPrice { req_id, tick_type, price, size, attr_mask };
        let bytes = encode_with(|out| tick.encode(out));
        prop_assert_eq!(expect_variant!(decode_one(&bytes, 178), TickPrice), tick);
    }

    #[test]
    fn tick_size_round_trips(req_id in any::<i32>(), tick_type in any::<i32>(), size in finite()) {
        let tick = TickSize { req_id, tick_type, size };
        let bytes = encode_with(|out| tick.encode(out));
        prop_assert_eq!(expect_variant!(decode_one(&bytes, 178), TickSize), tick);
    }

    #[test]
    fn tick_by_tick_round_trips(
        kind in 1..=4, req_id in any::<i32>(), time in any::<i64>(),
        prices in prop::array::uniform4(finite()), mask in any::<i32>(), w in words(2),
    ) {
        let data = match kind {
            1 | 2 => TickByTickData::Last {
                all_last: kind == 2,
                price: prices[0],
                size: prices[1],
                mask,
                exchange: &w[0],
                special: &w[1],
            },
            3 => TickByTickData::BidAsk {
                bid: prices[0],
                ask: prices[1],
                bid_size: prices[2],
                ask_size: prices[3],
                mask,
            },
            _ => TickByTickData::MidPoint { mid: prices[0] },
        };
        let tick = TickByTick { req_id, time, data };
        let bytes = encode_with(|out| tick.encode(out));
        prop_assert_eq!(expect_variant!(decode_one(&bytes, 178), TickByTick), tick);
    }

    #[test]
    fn order_status_round_trips(
        order_id in any::<i32>(), perm_id in any::<i64>(), ints in any::<[i32; 2]>(),
        nums in prop::array::uniform5(finite()), w in words(2),
    ) {
        let status = OrderStatus {
            order_id,
            status: &w[0],
            filled: nums[0],
            remaining: nums[1],
            avg_fill_price: nums[2],
            perm_id,
            parent_id: ints[0],
            last_fill_price: nums[3],
            client_id: ints[1],
            why_held: &w[1],
            mkt_cap_price: nums[4],
        };
        let bytes = encode_with(|out| status.encode(out));
        prop_assert_eq!(expect_variant!(decode_one(&bytes, 178), OrderStatus), status);
    }

    #[test]
    fn error_round_trips_in_both_layouts(
        version in prop_oneof![100..194, 194..=226],
        id in any::<i32>(), code in any::<i32>(), time_ms in any::<i64>(), w in words(2),
    ) {
        let error = ErrorMsg { id, code, message: &w[0], advanced_json: &w[1], time_ms };
        let bytes = encode_with(|out| error.encode(out, version));
        // Below 194 the layout has no error time.
        let expected = if version < 194 { ErrorMsg { time_ms: 0, ..error } } else { error };
        prop_assert_eq!(expect_variant!(decode_one(&bytes, version), Error), expected);
    }

    #[test]
    fn execution_round_trips(
        ints in any::<[i32; 4]>(), longs in any::<[i64; 2]>(), nums in prop::array::uniform4(finite()),
        side in prop::sample::select(vec!["BOT", "SLD"]), w in words(11),
    ) {
        let execution = ExecutionData {
            req_id: ints[0],
            order_id: ints[1],
            contract: view(&w, longs[0]),
            exec_id: &w[6],
            time: &w[7],
            account: &w[8],
            exchange: &w[9],
            side,
            shares: nums[0],
            price: nums[1],
            perm_id: longs[1],
            client_id: ints[2],
            cum_qty: nums[2],
            avg_price: nums[3],
            order_ref: &w[10],
            last_liquidity: ints[3],
        };
        let bytes = encode_with(|out| execution.encode(out));
        prop_assert_eq!(expect_variant!(decode_one(&bytes, 178), Execution), execution);
    }

    #[test]
    fn position_round_trips(
        con_id in any::<i64>(), position in finite(), avg_cost in finite(), w in words(7),
    ) {
        let data = PositionData { account: &w[6], contract: view(&w, con_id), position, avg_cost };
        let bytes = encode_with(|out| data.encode(out));
        prop_assert_eq!(expect_variant!(decode_one(&bytes, 178), Position), data);
    }

    #[test]
    fn commission_round_trips(commission in finite(), realized_pnl in finite_or_unset(), w in words(2)) {
        let report = CommissionReport { exec_id: &w[0], commission, currency: &w[1], realized_pnl };
        let bytes = encode_with(|out| report.encode(out));
        prop_assert_eq!(expect_variant!(decode_one(&bytes, 178), Commission), report);
    }

    #[test]
    fn historical_data_round_trips_in_both_layouts(
        version in prop_oneof![Just(178), Just(196)], req_id in any::<i32>(),
        bars in prop::collection::vec((text(), prop::array::uniform6(finite()), any::<i32>()), 0..4),
        w in words(2),
    ) {
        let bars: Vec<Bar<'_>> = bars
            .iter()
            .map(|(date, n, count)| Bar {
                date: date.as_str(),
                open: n[0],
                high: n[1],
                low: n[2],
                close: n[3],
                volume: n[4],
                wap: n[5],
                count: *count,
            })
            .collect();
        let bytes = encode_with(|out| HistoricalData::encode(out, version, req_id, &w[0], &w[1], &bars));
        let bodies = split_all(&bytes);
        let mut h = expect_variant!(ServerMessage::decode(bodies[0], version).unwrap(), HistoricalData);
        if version < 196 {
            prop_assert_eq!(bodies.len(), 1);
            prop_assert_eq!((h.start, h.end), (w[0].as_str(), w[1].as_str()));
        } else {
            prop_assert_eq!(bodies.len(), 2);
            let end = ServerMessage::decode(bodies[1], version).unwrap();
            let end_req_id = match end {
                ServerMessage::HistoricalDataEnd { req_id } => req_id,
                other => panic!("expected HISTORICAL_DATA_END, decoded {other:?}"),
            };
            prop_assert_eq!(end_req_id, req_id);
        }
        prop_assert_eq!((h.req_id, h.count), (req_id, bars.len() as i32));
        let mut decoded = Vec::new();
        while let Some(bar) = h.next_bar().unwrap() {
            decoded.push(bar);
        }
        prop_assert_eq!(decoded, bars);
    }
}

/// The raw material of one arbitrary request.
#[derive(Debug, Clone)]
struct RequestSeed {
    variant: usize,
    ints: [i32; 4],
    con_id: i64,
    nums: [f64; 2],
    prices: [f64; 2],
    flags: [bool; 3],
    action: &'static str,
    words: Vec<String>,
}

/// How many `Request` variants there are; [`variant_of`] fails to compile when one is added.
const REQUEST_VARIANTS: usize = 34;

fn request_seed() -> impl Strategy<Value = RequestSeed> {
    (
        0..REQUEST_VARIANTS,
        any::<[i32; 4]>(),
        any::<i64>(),
        prop::array::uniform2(finite()),
        prop::array::uniform2(finite_or_unset()),
        any::<[bool; 3]>(),
        prop::sample::select(vec!["BUY", "SELL", "SSHORT"]),
        words(20),
    )
        .prop_map(
            |(variant, ints, con_id, nums, prices, flags, action, words)| RequestSeed {
                variant,
                ints,
                con_id,
                nums,
                prices,
                flags,
                action,
                words,
            },
        )
}

fn spec(s: &RequestSeed) -> ContractSpec<'_> {
    let w = &s.words;
    ContractSpec {
        con_id: s.con_id,
        symbol: &w[0],
        sec_type: &w[1],
        last_trade_date: &w[2],
        strike: s.nums[0],
        right: &w[3],
        multiplier: &w[4],
        exchange: &w[5],
        primary_exchange: &w[6],
        currency: &w[7],
        local_symbol: &w[8],
        trading_class: &w[9],
    }
}

/// Builds the request of variant `s.variant` from the seed.
fn build_request(s: &RequestSeed) -> Request<'_> {
    let [a, b, c, _] = s.ints;
    let w = &s.words;
    match s.variant {
        0 => Request::StartApi {
            client_id: a,
            optional_capabilities: &w[10],
        },
        1 => Request::MarketData {
            req_id: a,
            contract: spec(s),
            generic_ticks: &w[10],
            snapshot: s.flags[0],
        },
        2 => Request::CancelMarketData { req_id: a },
        3 => Request::PlaceOrder(OrderRequest {
            order_id: a,
            contract: spec(s),
            action: s.action,
            total_quantity: s.nums[1],
            order_type: &w[10],
            lmt_price: s.prices[0],
            aux_price: s.prices[1],
            tif: &w[11],
            account: &w[12],
            order_ref: &w[13],
            transmit: s.flags[0],
            parent_id: b,
        }),
        4 => Request::CancelOrder { order_id: a },
        5 => Request::OpenOrders,
        6 => Request::AllOpenOrders,
        7 => Request::AutoOpenOrders {
            auto_bind: s.flags[0],
        },
        8 => Request::Executions {
            req_id: a,
            filter: ExecutionFilter {
                client_id: b,
                account: &w[10],
                time: &w[11],
                symbol: &w[12],
                sec_type: &w[13],
                exchange: &w[14],
                side: &w[15],
            },
        },
        9 => Request::Ids { num_ids: a },
        10 => Request::ContractData {
            req_id: a,
            contract: spec(s),
        },
        11 => Request::HistoricalData(HistoricalRequest {
            req_id: a,
            contract: spec(s),
            end_date_time: &w[10],
            bar_size: &w[11],
            duration: &w[12],
            use_rth: s.flags[0],
            what_to_show: &w[13],
            format_date: b,
            keep_up_to_date: s.flags[1],
        }),
        12 => Request::CancelHistoricalData { req_id: a },
        13 => Request::Positions,
        14 => Request::CancelPositions,
        15 => Request::TickByTick {
            req_id: a,
            contract: spec(s),
            tick_type: &w[10],
            number_of_ticks: c,
            ignore_size: s.flags[2],
        },
        16 => Request::CancelTickByTick { req_id: a },
        17 => Request::MarketDataType { data_type: a },
        18 => Request::CurrentTime,
        19 => Request::ManagedAccounts,
        20 => Request::GlobalCancel,
        21 => Request::CompletedOrders {
            api_only: s.flags[0],
        },
        22 => Request::CancelContractData { req_id: a },
        23 => Request::Account(AccountRequest::Updates {
            subscribe: s.flags[0],
            account: &w[11],
        }),
        24 => Request::Account(AccountRequest::UpdatesMulti {
            req_id: a,
            account: &w[11],
            model_code: &w[12],
            ledger_and_nlv: s.flags[1],
        }),
        25 => Request::Account(AccountRequest::CancelUpdatesMulti { req_id: a }),
        26 => Request::Account(AccountRequest::Summary {
            req_id: a,
            group: &w[11],
            tags: &w[12],
        }),
        27 => Request::Account(AccountRequest::CancelSummary { req_id: a }),
        28 => Request::Account(AccountRequest::Pnl {
            req_id: a,
            account: &w[11],
            model_code: &w[12],
        }),
        29 => Request::Account(AccountRequest::CancelPnl { req_id: a }),
        30 => Request::Account(AccountRequest::PnlSingle {
            req_id: a,
            account: &w[11],
            model_code: &w[12],
            con_id: c,
        }),
        31 => Request::Account(AccountRequest::CancelPnlSingle { req_id: a }),
        32 => Request::HistoricalTicks(HistoricalTicksRequest {
            req_id: a,
            contract: spec(s),
            start_date_time: &w[10],
            end_date_time: &w[11],
            number_of_ticks: c,
            what_to_show: &w[12],
            use_rth: s.flags[0],
            ignore_size: s.flags[1],
        }),
        33 => Request::CancelHistoricalTicks { req_id: a },
        other => unreachable!("variant {other}"),
    }
}

/// The index of a request's variant; an exhaustive match, so a new variant must be added here.
fn variant_of(r: &Request<'_>) -> usize {
    match r {
        Request::StartApi { .. } => 0,
        Request::MarketData { .. } => 1,
        Request::CancelMarketData { .. } => 2,
        // PLACE_ORDER with combo legs or an algo: the same message (tests/codec_combo.rs).
        Request::PlaceOrder(_) | Request::PlaceOrderExt(..) => 3,
        Request::CancelOrder { .. } => 4,
        Request::OpenOrders => 5,
        Request::AllOpenOrders => 6,
        Request::AutoOpenOrders { .. } => 7,
        Request::Executions { .. } => 8,
        Request::Ids { .. } => 9,
        Request::ContractData { .. } => 10,
        Request::HistoricalData(_) => 11,
        Request::CancelHistoricalData { .. } => 12,
        Request::Positions => 13,
        Request::CancelPositions => 14,
        Request::TickByTick { .. } => 15,
        Request::CancelTickByTick { .. } => 16,
        Request::MarketDataType { .. } => 17,
        Request::CurrentTime => 18,
        Request::ManagedAccounts => 19,
        Request::GlobalCancel => 20,
        Request::CompletedOrders { .. } => 21,
        Request::CancelContractData { .. } => 22,
        Request::Account(a) => match a {
            AccountRequest::Updates { .. } => 23,
            AccountRequest::UpdatesMulti { .. } => 24,
            AccountRequest::CancelUpdatesMulti { .. } => 25,
            AccountRequest::Summary { .. } => 26,
            AccountRequest::CancelSummary { .. } => 27,
            AccountRequest::Pnl { .. } => 28,
            AccountRequest::CancelPnl { .. } => 29,
            AccountRequest::PnlSingle { .. } => 30,
            AccountRequest::CancelPnlSingle { .. } => 31,
        },
        Request::HistoricalTicks(_) => 32,
        Request::CancelHistoricalTicks { .. } => 33,
    }
}

#[test]
fn request_builder_covers_every_variant() {
    let mut seed = RequestSeed {
        variant: 0,
        ints: [1, 2, 3, 4],
        con_id: 5,
        nums: [0.0, 1.0],
        prices: [1.5, f64::MAX],
        flags: [true, false, true],
        action: "BUY",
        words: vec!["w".to_string(); 20],
    };
    for variant in 0..REQUEST_VARIANTS {
        seed.variant = variant;
        let request = build_request(&seed);
        assert_eq!(variant_of(&request), variant);
        let bytes = encode_with(|out| request.encode_text(out));
        let bodies = split_all(&bytes);
        assert_eq!(Request::decode_text(bodies[0]), Ok(request));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn every_request_round_trips(seed in request_seed()) {
        let request = build_request(&seed);
        let bytes = encode_with(|out| request.encode_text(out));
        let bodies = split_all(&bytes);
        prop_assert_eq!(bodies.len(), 1);
        prop_assert_eq!(Request::decode_text(bodies[0]), Ok(request));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn account_messages_round_trip(
        req_id in any::<i32>(), nums in prop::array::uniform4(finite()), w in words(4),
    ) {
        let [a, b, c, d] = nums;
        for m in [
            AccountMessage::Value { key: &w[0], value: &w[1], currency: &w[2], account: &w[3] },
            AccountMessage::Summary {
                req_id, account: &w[0], tag: &w[1], value: &w[2], currency: &w[3],
            },
            AccountMessage::UpdateMulti {
                req_id, account: &w[0], model_code: &w[1], key: &w[2], value: &w[3],
                currency: &w[0],
            },
            AccountMessage::Pnl { req_id, daily: a, unrealized: b, realized: c },
            AccountMessage::PnlSingle {
                req_id, position: d.round(), daily: a, unrealized: b, realized: c, value: d,
            },
            AccountMessage::DownloadEnd { account: &w[0] },
        ] {
            let bytes = encode_with(|out| m.encode(out));
            let bodies = split_all(&bytes);
            prop_assert_eq!(bodies.len(), 1);
            let decoded = ServerMessage::decode(bodies[0], 178);
            prop_assert!(matches!(decoded, Ok(ServerMessage::Account(back)) if back == m), "{:?}", m);
        }
    }
}
