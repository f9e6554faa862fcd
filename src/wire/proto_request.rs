//! Client-to-server requests in protobuf (server versions 201 and above), decoded into the same
//! [`Request`] the text path produces, so the gateway serves both encodings through one handler.
//!
//! A prost message owns its strings while a [`Request`] borrows them, so decoding yields a
//! [`ProtoRequest`] that holds the decoded message, and [`ProtoRequest::request`] views it.
//! Absent fields take the values TWS assumes (an order's time in force `DAY`, `transmit` true, an
//! unset limit `f64::MAX`, historical `whatToShow` `TRADES`).

use super::ids::outgoing as id;
use super::proto::{self as pb, decode};
use super::{
    AccountRequest, ContractSpec, DecodeError, ExecutionFilter, HistoricalRequest,
    HistoricalTicksRequest, OrderRequest, Request, parse_f64,
};

/// A decoded protobuf request; [`ProtoRequest::request`] borrows it as a [`Request`].
///
/// # Examples
/// ```
/// use hft::wire::proto::{CancelOrderRequest, encode_frame};
/// use hft::wire::{ProtoRequest, Request};
/// let mut frame = Vec::new();
/// encode_frame(&mut frame, 4, &CancelOrderRequest { order_id: Some(12) });
/// // Past the length prefix and the id (4 + 200): the protobuf payload.
/// let req = ProtoRequest::decode(4, &frame[8..]).unwrap();
/// assert_eq!(req.request(), Request::CancelOrder { order_id: 12 });
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProtoRequest(Decoded);

/// The messages that carry strings are kept whole; the others are already a [`Request`].
#[derive(Debug, Clone, PartialEq)]
enum Decoded {
    StartApi(pb::StartApiRequest),
    MarketData(pb::MarketDataRequest),
    PlaceOrder(pb::PlaceOrderRequest),
    Executions(pb::ExecutionRequest),
    ContractData(pb::ContractDataRequest),
    HistoricalData(pb::HistoricalDataRequest),
    HistoricalTicks(pb::HistoricalTicksRequest),
    TickByTick(pb::TickByTickRequest),
    AccountData(pb::AccountDataRequest),
    AccountUpdatesMulti(pb::AccountUpdatesMultiRequest),
    AccountSummary(pb::AccountSummaryRequest),
    Pnl(pb::PnLRequest),
    PnlSingle(pb::PnLSingleRequest),
    Plain(Request<'static>),
}

impl ProtoRequest {
    /// Decodes the protobuf `payload` of request `msg_id` (the id without the 200 offset).
    ///
    /// # Errors
    /// [`DecodeError::BadBinary`] for a payload that is not valid protobuf,
    /// [`DecodeError::UnknownMessage`] for ids the gateway does not serve.
    pub fn decode(msg_id: i32, payload: &[u8]) -> Result<Self, DecodeError> {
        let decoded = match msg_id {
            id::START_API => Decoded::StartApi(decode(payload)?),
            id::REQ_MKT_DATA => Decoded::MarketData(decode(payload)?),
            id::PLACE_ORDER => Decoded::PlaceOrder(decode(payload)?),
            id::REQ_EXECUTIONS => Decoded::Executions(decode(payload)?),
            id::REQ_CONTRACT_DATA => Decoded::ContractData(decode(payload)?),
            id::REQ_HISTORICAL_DATA => Decoded::HistoricalData(decode(payload)?),
            id::REQ_HISTORICAL_TICKS => Decoded::HistoricalTicks(decode(payload)?),
            id::REQ_TICK_BY_TICK_DATA => Decoded::TickByTick(decode(payload)?),
            id::REQ_ACCOUNT_DATA => Decoded::AccountData(decode(payload)?),
            id::REQ_ACCOUNT_UPDATES_MULTI => Decoded::AccountUpdatesMulti(decode(payload)?),
            id::REQ_ACCOUNT_SUMMARY => Decoded::AccountSummary(decode(payload)?),
            id::REQ_PNL => Decoded::Pnl(decode(payload)?),
            id::REQ_PNL_SINGLE => Decoded::PnlSingle(decode(payload)?),
            _ => Decoded::Plain(decode_plain(msg_id, payload)?),
        };
        Ok(ProtoRequest(decoded))
    }

    /// The request, borrowing the decoded message's strings.
    pub fn request(&self) -> Request<'_> {
        match &self.0 {
            Decoded::StartApi(m) => Request::StartApi {
                client_id: m.client_id.unwrap_or(0),
                optional_capabilities: m.optional_capabilities.as_deref().unwrap_or(""),
            },
            Decoded::MarketData(m) => Request::MarketData {
                req_id: m.req_id.unwrap_or(0),
                contract: spec(m.contract.as_ref()),
                generic_ticks: m.generic_tick_list.as_deref().unwrap_or(""),
                snapshot: m.snapshot.unwrap_or(false),
            },
            Decoded::PlaceOrder(m) => Request::PlaceOrder(order(m)),
            Decoded::Executions(m) => Request::Executions {
                req_id: m.req_id.unwrap_or(0),
                filter: filter(m.execution_filter.as_ref()),
            },
            Decoded::ContractData(m) => Request::ContractData {
                req_id: m.req_id.unwrap_or(0),
                contract: spec(m.contract.as_ref()),
            },
            Decoded::HistoricalData(m) => Request::HistoricalData(HistoricalRequest {
                req_id: m.req_id.unwrap_or(0),
                contract: spec(m.contract.as_ref()),
                end_date_time: m.end_date_time.as_deref().unwrap_or(""),
                bar_size: m.bar_size_setting.as_deref().unwrap_or(""),
                duration: m.duration.as_deref().unwrap_or(""),
                use_rth: m.use_rth.unwrap_or(false),
                what_to_show: m.what_to_show.as_deref().unwrap_or("TRADES"),
                format_date: m.format_date.unwrap_or(1),
                keep_up_to_date: m.keep_up_to_date.unwrap_or(false),
            }),
            Decoded::HistoricalTicks(m) => Request::HistoricalTicks(
                HistoricalTicksRequest::from_proto(m, spec(m.contract.as_ref())),
            ),
            Decoded::TickByTick(m) => Request::TickByTick {
                req_id: m.req_id.unwrap_or(0),
                contract: spec(m.contract.as_ref()),
                tick_type: m.tick_type.as_deref().unwrap_or(""),
                number_of_ticks: m.number_of_ticks.unwrap_or(0),
                ignore_size: m.ignore_size.unwrap_or(false),
            },
            Decoded::AccountData(m) => Request::Account(AccountRequest::Updates {
                subscribe: m.subscribe.unwrap_or(false),
                account: str_or(&m.acct_code, ""),
            }),
            Decoded::AccountUpdatesMulti(m) => Request::Account(AccountRequest::UpdatesMulti {
                req_id: m.req_id.unwrap_or(0),
                account: str_or(&m.account, ""),
                model_code: str_or(&m.model_code, ""),
                ledger_and_nlv: m.ledger_and_nlv.unwrap_or(false),
            }),
            Decoded::AccountSummary(m) => Request::Account(AccountRequest::Summary {
                req_id: m.req_id.unwrap_or(0),
                group: str_or(&m.group, ""),
                tags: str_or(&m.tags, ""),
            }),
            Decoded::Pnl(m) => Request::Account(AccountRequest::Pnl {
                req_id: m.req_id.unwrap_or(0),
                account: str_or(&m.account, ""),
                model_code: str_or(&m.model_code, ""),
            }),
            Decoded::PnlSingle(m) => Request::Account(AccountRequest::PnlSingle {
                req_id: m.req_id.unwrap_or(0),
                account: str_or(&m.account, ""),
                model_code: str_or(&m.model_code, ""),
                con_id: m.con_id.unwrap_or(0),
            }),
            Decoded::Plain(r) => *r,
        }
    }
}

/// The requests without strings.
fn decode_plain(msg_id: i32, payload: &[u8]) -> Result<Request<'static>, DecodeError> {
    let req_id = |payload: &[u8]| -> Result<i32, DecodeError> {
        Ok(decode::<pb::ReqIdOnly>(payload)?.req_id.unwrap_or(0))
    };
    let request = match msg_id {
        id::CANCEL_MKT_DATA => Request::CancelMarketData {
            req_id: req_id(payload)?,
        },
        id::CANCEL_ORDER => {
            let m: pb::CancelOrderRequest = decode(payload)?;
            Request::CancelOrder {
                order_id: m.order_id.unwrap_or(0),
            }
        }
        id::REQ_OPEN_ORDERS => Request::OpenOrders,
        id::REQ_ALL_OPEN_ORDERS => Request::AllOpenOrders,
        id::REQ_AUTO_OPEN_ORDERS => {
            let m: pb::AutoOpenOrdersRequest = decode(payload)?;
            Request::AutoOpenOrders {
                auto_bind: m.auto_bind.unwrap_or(false),
            }
        }
        id::REQ_COMPLETED_ORDERS => Request::CompletedOrders { api_only: false },
        id::REQ_IDS => {
            let m: pb::IdsRequest = decode(payload)?;
            Request::Ids {
                num_ids: m.num_ids.unwrap_or(1),
            }
        }
        id::CANCEL_HISTORICAL_TICKS => Request::CancelHistoricalTicks {
            req_id: req_id(payload)?,
        },
        id::CANCEL_CONTRACT_DATA => Request::CancelContractData {
            req_id: req_id(payload)?,
        },
        id::CANCEL_HISTORICAL_DATA => Request::CancelHistoricalData {
            req_id: req_id(payload)?,
        },
        id::REQ_POSITIONS => Request::Positions,
        id::CANCEL_POSITIONS => Request::CancelPositions,
        id::CANCEL_TICK_BY_TICK_DATA => Request::CancelTickByTick {
            req_id: req_id(payload)?,
        },
        id::REQ_MARKET_DATA_TYPE => {
            let m: pb::MarketDataTypeRequest = decode(payload)?;
            Request::MarketDataType {
                data_type: m.market_data_type.unwrap_or(1),
            }
        }
        id::REQ_CURRENT_TIME => Request::CurrentTime,
        id::REQ_MANAGED_ACCTS => Request::ManagedAccounts,
        id::REQ_GLOBAL_CANCEL => Request::GlobalCancel,
        id::CANCEL_ACCOUNT_UPDATES_MULTI => Request::Account(AccountRequest::CancelUpdatesMulti {
            req_id: req_id(payload)?,
        }),
        id::CANCEL_ACCOUNT_SUMMARY => Request::Account(AccountRequest::CancelSummary {
            req_id: req_id(payload)?,
        }),
        id::CANCEL_PNL => Request::Account(AccountRequest::CancelPnl {
            req_id: req_id(payload)?,
        }),
        id::CANCEL_PNL_SINGLE => Request::Account(AccountRequest::CancelPnlSingle {
            req_id: req_id(payload)?,
        }),
        other => return Err(DecodeError::UnknownMessage { id: other }),
    };
    Ok(request)
}

fn str_or<'a>(s: &'a Option<String>, default: &'static str) -> &'a str {
    s.as_deref().unwrap_or(default)
}

fn order(m: &pb::PlaceOrderRequest) -> OrderRequest<'_> {
    // An absent order reads as one with every field absent.
    let o = m.order.as_ref();
    let qty = o
        .and_then(|o| o.total_quantity.as_deref())
        .and_then(|q| parse_f64(q.as_bytes()));
    OrderRequest {
        order_id: m.order_id.unwrap_or(0),
        contract: spec(m.contract.as_ref()),
        action: o.and_then(|o| o.action.as_deref()).unwrap_or(""),
        total_quantity: qty.unwrap_or(0.0),
        order_type: o.and_then(|o| o.order_type.as_deref()).unwrap_or(""),
        lmt_price: o.and_then(|o| o.lmt_price).unwrap_or(f64::MAX),
        aux_price: o.and_then(|o| o.aux_price).unwrap_or(f64::MAX),
        tif: o.and_then(|o| o.tif.as_deref()).unwrap_or("DAY"),
        account: o.and_then(|o| o.account.as_deref()).unwrap_or(""),
        order_ref: o.and_then(|o| o.order_ref.as_deref()).unwrap_or(""),
        transmit: o.and_then(|o| o.transmit).unwrap_or(true),
        parent_id: o.and_then(|o| o.parent_id).unwrap_or(0),
    }
}

fn filter(f: Option<&pb::ExecutionFilter>) -> ExecutionFilter<'_> {
    let Some(f) = f else {
        return ExecutionFilter::default();
    };
    ExecutionFilter {
        client_id: f.client_id.unwrap_or(0),
        account: str_or(&f.acct_code, ""),
        time: str_or(&f.time, ""),
        symbol: str_or(&f.symbol, ""),
        sec_type: str_or(&f.sec_type, ""),
        exchange: str_or(&f.exchange, ""),
        side: str_or(&f.side, ""),
    }
}

/// The contract fields a request names (an absent contract names nothing).
fn spec(c: Option<&pb::Contract>) -> ContractSpec<'_> {
    let Some(c) = c else {
        return ContractSpec::default();
    };
    ContractSpec {
        con_id: c.con_id.unwrap_or(0) as i64,
        symbol: str_or(&c.symbol, ""),
        sec_type: str_or(&c.sec_type, ""),
        last_trade_date: str_or(&c.last_trade_date_or_contract_month, ""),
        strike: c.strike.unwrap_or(0.0),
        right: str_or(&c.right, ""),
        multiplier: "",
        exchange: str_or(&c.exchange, ""),
        primary_exchange: str_or(&c.primary_exch, ""),
        currency: str_or(&c.currency, ""),
        local_symbol: str_or(&c.local_symbol, ""),
        trading_class: str_or(&c.trading_class, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn contract() -> pb::Contract {
        pb::Contract {
            con_id: Some(756_700),
            symbol: Some("KO".into()),
            sec_type: Some("STK".into()),
            exchange: Some("SMART".into()),
            primary_exch: Some("NYSE".into()),
            currency: Some("USD".into()),
            ..pb::Contract::default()
        }
    }

    fn round_trip<M: Message>(msg_id: i32, m: &M) -> ProtoRequest {
        let mut frame = Vec::new();
        pb::encode_frame(&mut frame, msg_id, m);
        let (id, payload) = pb::split_binary_id(&frame[4..]).unwrap();
        assert_eq!(id, msg_id + pb::PROTOBUF_ID_OFFSET);
        ProtoRequest::decode(msg_id, payload).unwrap()
    }

    #[test]
    fn place_order_round_trips_with_tws_defaults() {
        let m = pb::PlaceOrderRequest {
            order_id: Some(7),
            contract: Some(contract()),
            order: Some(pb::Order {
                action: Some("BUY".into()),
                total_quantity: Some("100".into()),
                order_type: Some("LMT".into()),
                lmt_price: Some(45.5),
                order_ref: Some("42".into()),
                ..pb::Order::default()
            }),
        };
        let r = round_trip(id::PLACE_ORDER, &m);
        let Request::PlaceOrder(o) = r.request() else {
            panic!("{r:?}");
        };
        assert_eq!((o.order_id, o.action, o.total_quantity), (7, "BUY", 100.0));
        assert_eq!(
            (o.order_type, o.lmt_price, o.aux_price),
            ("LMT", 45.5, f64::MAX)
        );
        assert_eq!((o.tif, o.transmit, o.order_ref), ("DAY", true, "42"));
        assert_eq!((o.contract.con_id, o.contract.symbol), (756_700, "KO"));
        assert_eq!(o.contract.primary_exchange, "NYSE");
        // No order at all: nothing to act on, but still a request.
        let bare = pb::PlaceOrderRequest::default();
        let r = round_trip(id::PLACE_ORDER, &bare);
        let Request::PlaceOrder(o) = r.request() else {
            panic!("{r:?}");
        };
        assert_eq!(
            (o.total_quantity, o.lmt_price, o.tif),
            (0.0, f64::MAX, "DAY")
        );
    }

    #[test]
    fn requests_with_strings_round_trip() {
        let m = pb::MarketDataRequest {
            req_id: Some(3),
            contract: Some(contract()),
            generic_tick_list: Some("233".into()),
            snapshot: Some(true),
            regulatory_snapshot: None,
        };
        let r = round_trip(id::REQ_MKT_DATA, &m);
        assert!(matches!(
            r.request(),
            Request::MarketData { req_id: 3, generic_ticks: "233", snapshot: true, contract }
                if contract.symbol == "KO"
        ));
        let m = pb::HistoricalDataRequest {
            req_id: Some(9),
            contract: Some(contract()),
            duration: Some("1 D".into()),
            bar_size_setting: Some("1 min".into()),
            ..pb::HistoricalDataRequest::default()
        };
        let r = round_trip(id::REQ_HISTORICAL_DATA, &m);
        let Request::HistoricalData(h) = r.request() else {
            panic!("{r:?}");
        };
        assert_eq!((h.req_id, h.duration, h.bar_size), (9, "1 D", "1 min"));
        assert_eq!(
            (h.what_to_show, h.format_date, h.use_rth),
            ("TRADES", 1, false)
        );
        let m = pb::ExecutionRequest {
            req_id: Some(5),
            execution_filter: Some(pb::ExecutionFilter {
                client_id: Some(2),
                symbol: Some("PEP".into()),
                ..pb::ExecutionFilter::default()
            }),
        };
        let r = round_trip(id::REQ_EXECUTIONS, &m);
        let Request::Executions { req_id, filter } = r.request() else {
            panic!("{r:?}");
        };
        assert_eq!(
            (req_id, filter.client_id, filter.symbol, filter.side),
            (5, 2, "PEP", "")
        );
        let m = pb::TickByTickRequest {
            req_id: Some(4),
            contract: Some(contract()),
            tick_type: Some("BidAsk".into()),
            ..pb::TickByTickRequest::default()
        };
        assert!(matches!(
            round_trip(id::REQ_TICK_BY_TICK_DATA, &m).request(),
            Request::TickByTick {
                req_id: 4,
                tick_type: "BidAsk",
                ..
            }
        ));
        let m = pb::StartApiRequest {
            client_id: Some(11),
            optional_capabilities: None,
        };
        assert_eq!(
            round_trip(id::START_API, &m).request(),
            Request::StartApi {
                client_id: 11,
                optional_capabilities: ""
            }
        );
        let m = pb::ContractDataRequest {
            req_id: Some(6),
            contract: None,
        };
        assert_eq!(
            round_trip(id::REQ_CONTRACT_DATA, &m).request(),
            Request::ContractData {
                req_id: 6,
                contract: ContractSpec::default()
            }
        );
    }

    #[test]
    fn plain_requests_round_trip() {
        let cases: [(i32, Vec<u8>, Request<'static>); 8] = [
            (
                id::CANCEL_MKT_DATA,
                pb::ReqIdOnly { req_id: Some(8) }.encode_to_vec(),
                Request::CancelMarketData { req_id: 8 },
            ),
            (
                id::CANCEL_TICK_BY_TICK_DATA,
                pb::ReqIdOnly { req_id: Some(8) }.encode_to_vec(),
                Request::CancelTickByTick { req_id: 8 },
            ),
            (
                id::CANCEL_ORDER,
                pb::CancelOrderRequest { order_id: Some(3) }.encode_to_vec(),
                Request::CancelOrder { order_id: 3 },
            ),
            (
                id::REQ_IDS,
                pb::IdsRequest { num_ids: None }.encode_to_vec(),
                Request::Ids { num_ids: 1 },
            ),
            (
                id::REQ_MARKET_DATA_TYPE,
                pb::MarketDataTypeRequest {
                    market_data_type: Some(3),
                }
                .encode_to_vec(),
                Request::MarketDataType { data_type: 3 },
            ),
            (
                id::REQ_AUTO_OPEN_ORDERS,
                pb::AutoOpenOrdersRequest {
                    auto_bind: Some(true),
                }
                .encode_to_vec(),
                Request::AutoOpenOrders { auto_bind: true },
            ),
            (
                id::REQ_COMPLETED_ORDERS,
                Vec::new(),
                Request::CompletedOrders { api_only: false },
            ),
            (
                id::REQ_GLOBAL_CANCEL,
                pb::Empty {}.encode_to_vec(),
                Request::GlobalCancel,
            ),
        ];
        for (msg_id, payload, want) in cases {
            assert_eq!(
                ProtoRequest::decode(msg_id, &payload).unwrap().request(),
                want
            );
        }
    }

    #[test]
    fn account_requests_round_trip() {
        let m = pb::AccountSummaryRequest {
            req_id: Some(5),
            group: Some("All".into()),
            tags: Some("NetLiquidation,$LEDGER".into()),
        };
        assert_eq!(
            round_trip(id::REQ_ACCOUNT_SUMMARY, &m).request(),
            Request::Account(AccountRequest::Summary {
                req_id: 5,
                group: "All",
                tags: "NetLiquidation,$LEDGER"
            })
        );
        let m = pb::PnLSingleRequest {
            req_id: Some(6),
            account: Some("DU1".into()),
            model_code: None,
            con_id: Some(756_700),
        };
        assert_eq!(
            round_trip(id::REQ_PNL_SINGLE, &m).request(),
            Request::Account(AccountRequest::PnlSingle {
                req_id: 6,
                account: "DU1",
                model_code: "",
                con_id: 756_700
            })
        );
        // The crate's cancel of account updates: subscribe false, no account.
        let m = pb::AccountDataRequest {
            subscribe: Some(false),
            acct_code: None,
        };
        assert_eq!(
            round_trip(id::REQ_ACCOUNT_DATA, &m).request(),
            Request::Account(AccountRequest::Updates {
                subscribe: false,
                account: ""
            })
        );
        let cancel = pb::ReqIdOnly { req_id: Some(9) };
        assert_eq!(
            round_trip(id::CANCEL_PNL, &cancel).request(),
            Request::Account(AccountRequest::CancelPnl { req_id: 9 })
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        // A length-delimited field whose length runs past the end.
        let truncated = [0x12, 0x05, b'K'];
        assert_eq!(
            ProtoRequest::decode(id::PLACE_ORDER, &truncated),
            Err(DecodeError::BadBinary)
        );
        assert_eq!(
            ProtoRequest::decode(id::CANCEL_MKT_DATA, &truncated),
            Err(DecodeError::BadBinary)
        );
        assert_eq!(
            ProtoRequest::decode(9999, &[]),
            Err(DecodeError::UnknownMessage { id: 9999 })
        );
    }
}
