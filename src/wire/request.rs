//! Client-to-server requests in the text protocol: borrowed views, decoders for the paper
//! gateway and encoders for the engine's own connection.
//!
//! Layouts follow what the official client sends at server version 178 (no version field where
//! TWS dropped it). The gateway reads the prefix of long messages it needs (PLACE_ORDER has over a
//! hundred fields; frames are length-delimited, so the tail can be ignored safely).

use super::account_request::AccountRequest;
use super::fields::{DecodeError, Fields};
use super::frame::FrameWriter;
use super::ids::outgoing as id;
use super::order_extras::OrderExtras;
use super::ticks_request::HistoricalTicksRequest;

/// The twelve contract fields most requests carry, in wire order.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ContractSpec<'a> {
    pub con_id: i64,
    pub symbol: &'a str,
    pub sec_type: &'a str,
    pub last_trade_date: &'a str,
    pub strike: f64,
    pub right: &'a str,
    pub multiplier: &'a str,
    pub exchange: &'a str,
    pub primary_exchange: &'a str,
    pub currency: &'a str,
    pub local_symbol: &'a str,
    pub trading_class: &'a str,
}

impl<'a> ContractSpec<'a> {
    /// A US stock routed through SMART.
    ///
    /// # Examples
    /// ```
    /// let c = hft::wire::ContractSpec::stock("SPY");
    /// assert_eq!((c.sec_type, c.exchange, c.currency), ("STK", "SMART", "USD"));
    /// ```
    pub fn stock(symbol: &'a str) -> Self {
        ContractSpec {
            symbol,
            sec_type: "STK",
            exchange: "SMART",
            currency: "USD",
            ..Default::default()
        }
    }

    /// Reads the twelve fields.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        Ok(ContractSpec {
            con_id: f.i64_or(0)?,
            symbol: f.str()?,
            sec_type: f.str()?,
            last_trade_date: f.str()?,
            strike: f.f64_or(0.0)?,
            right: f.str()?,
            multiplier: f.str()?,
            exchange: f.str()?,
            primary_exchange: f.str()?,
            currency: f.str()?,
            local_symbol: f.str()?,
            trading_class: f.str()?,
        })
    }

    /// Writes the twelve fields. No strike (`0.0`, or IB's unset `f64::MAX`) is the empty field,
    /// as the official client writes its unset default; [`ContractSpec::decode`] reads it back
    /// as `0.0`.
    pub fn encode(&self, w: &mut FrameWriter<'_>) {
        w.i64(self.con_id)
            .str(self.symbol)
            .str(self.sec_type)
            .str(self.last_trade_date);
        let strike = if self.strike == 0.0 {
            f64::MAX
        } else {
            self.strike
        };
        opt_price(w, strike);
        w.str(self.right).str(self.multiplier).str(self.exchange);
        w.str(self.primary_exchange)
            .str(self.currency)
            .str(self.local_symbol);
        w.str(self.trading_class);
    }
}

/// The order fields the gateway acts on (and the engine sends).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderRequest<'a> {
    pub order_id: i32,
    pub contract: ContractSpec<'a>,
    /// `BUY` or `SELL`.
    pub action: &'a str,
    pub total_quantity: f64,
    /// `MKT` or `LMT`.
    pub order_type: &'a str,
    /// `f64::MAX` when unset.
    pub lmt_price: f64,
    pub aux_price: f64,
    pub tif: &'a str,
    pub account: &'a str,
    pub order_ref: &'a str,
    pub transmit: bool,
    pub parent_id: i32,
}

/// Filter of REQ_EXECUTIONS.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExecutionFilter<'a> {
    pub client_id: i32,
    pub account: &'a str,
    pub time: &'a str,
    pub symbol: &'a str,
    pub sec_type: &'a str,
    pub exchange: &'a str,
    pub side: &'a str,
}

/// REQ_HISTORICAL_DATA.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoricalRequest<'a> {
    pub req_id: i32,
    pub contract: ContractSpec<'a>,
    pub end_date_time: &'a str,
    pub bar_size: &'a str,
    pub duration: &'a str,
    pub use_rth: bool,
    pub what_to_show: &'a str,
    pub format_date: i32,
    pub keep_up_to_date: bool,
}

/// Every request the paper gateway understands.
// `PlaceOrderExt` carries its combo legs inline (a Copy view, no allocation when decoding);
// boxing it would allocate per combo frame.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Request<'a> {
    StartApi {
        client_id: i32,
        optional_capabilities: &'a str,
    },
    MarketData {
        req_id: i32,
        contract: ContractSpec<'a>,
        generic_ticks: &'a str,
        snapshot: bool,
    },
    CancelMarketData {
        req_id: i32,
    },
    PlaceOrder(OrderRequest<'a>),
    /// PLACE_ORDER with combo legs (a BAG contract) or an algo: what [`OrderExtras`] reads past
    /// `parentId`. The decoder returns [`Request::PlaceOrder`] when there are none.
    PlaceOrderExt(OrderRequest<'a>, OrderExtras<'a>),
    CancelOrder {
        order_id: i32,
    },
    OpenOrders,
    AllOpenOrders,
    AutoOpenOrders {
        auto_bind: bool,
    },
    Executions {
        req_id: i32,
        filter: ExecutionFilter<'a>,
    },
    Ids {
        num_ids: i32,
    },
    ContractData {
        req_id: i32,
        contract: ContractSpec<'a>,
    },
    HistoricalData(HistoricalRequest<'a>),
    CancelHistoricalData {
        req_id: i32,
    },
    Positions,
    CancelPositions,
    TickByTick {
        req_id: i32,
        contract: ContractSpec<'a>,
        tick_type: &'a str,
        number_of_ticks: i32,
        ignore_size: bool,
    },
    CancelTickByTick {
        req_id: i32,
    },
    MarketDataType {
        data_type: i32,
    },
    CurrentTime,
    ManagedAccounts,
    GlobalCancel,
    /// REQ_COMPLETED_ORDERS (99).
    CompletedOrders {
        api_only: bool,
    },
    /// CANCEL_CONTRACT_DATA (106): sent by newer clients when a details request is dropped.
    CancelContractData {
        req_id: i32,
    },
    /// The account requests (values, portfolio, summary, PnL) and their cancels.
    Account(AccountRequest<'a>),
    /// REQ_HISTORICAL_TICKS (96).
    HistoricalTicks(HistoricalTicksRequest<'a>),
    /// CANCEL_HISTORICAL_TICKS (107).
    CancelHistoricalTicks {
        req_id: i32,
    },
}

impl<'a> Request<'a> {
    /// Decodes a text request body (message id included as field 0).
    ///
    /// # Errors
    /// [`DecodeError::UnknownMessage`] for ids the gateway does not serve; the other variants for
    /// malformed fields.
    ///
    /// # Examples
    /// ```
    /// use hft::wire::Request;
    /// let r = Request::decode_text(b"2\x002\x007\x00").unwrap();
    /// assert_eq!(r, Request::CancelMarketData { req_id: 7 });
    /// ```
    pub fn decode_text(body: &'a [u8]) -> Result<Self, DecodeError> {
        let mut f = Fields::new(body);
        let msg_id = f.i32()?;
        Self::decode_fields(msg_id, &mut f)
    }

    /// Decodes the fields after the message id `msg_id`.
    pub fn decode_fields(msg_id: i32, f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        Ok(match msg_id {
            id::START_API => {
                f.skip_fields(1)?;
                let client_id = f.i32()?;
                let optional_capabilities = if f.is_empty() { "" } else { f.str()? };
                Request::StartApi {
                    client_id,
                    optional_capabilities,
                }
            }
            id::REQ_MKT_DATA => {
                f.skip_fields(1)?;
                let req_id = f.i32()?;
                let contract = ContractSpec::decode(f)?;
                let delta_neutral = f.bool()?;
                if delta_neutral {
                    f.skip_fields(3)?;
                }
                let generic_ticks = f.str()?;
                let snapshot = f.bool()?;
                Request::MarketData {
                    req_id,
                    contract,
                    generic_ticks,
                    snapshot,
                }
            }
            id::CANCEL_MKT_DATA => {
                f.skip_fields(1)?;
                Request::CancelMarketData { req_id: f.i32()? }
            }
            id::PLACE_ORDER => {
                let o = decode_order(f)?;
                // A plain order's tail is read leniently (the gateway used to read the prefix
                // only); a combo's must be whole.
                let bag = o.contract.sec_type == "BAG";
                match OrderExtras::decode(f, bag) {
                    Ok(x) if !x.is_plain() => Request::PlaceOrderExt(o, x),
                    Err(e) if bag => return Err(e),
                    _ => Request::PlaceOrder(o),
                }
            }
            id::CANCEL_ORDER => {
                // Below 192: version, orderId, manualCancelTime. From 192: orderId,
                // manualCancelTime, ... A leading 1 followed by a number is the old layout (any
                // order id, 0 and negative ones included); followed by text (the cancel time) it
                // is order 1 in the new layout. A missing second field is a truncated frame.
                let first = f.i32()?;
                let rest = f.clone();
                let order_id = match f.i32() {
                    Ok(second) if first == 1 => second,
                    Err(
                        e @ (DecodeError::MissingField { .. } | DecodeError::Unterminated { .. }),
                    ) if first == 1 => {
                        return Err(e);
                    }
                    _ => {
                        *f = rest;
                        first
                    }
                };
                Request::CancelOrder { order_id }
            }
            id::REQ_OPEN_ORDERS => Request::OpenOrders,
            id::REQ_ALL_OPEN_ORDERS => Request::AllOpenOrders,
            id::REQ_AUTO_OPEN_ORDERS => {
                f.skip_fields(1)?;
                Request::AutoOpenOrders {
                    auto_bind: f.bool()?,
                }
            }
            id::REQ_EXECUTIONS => {
                f.skip_fields(1)?;
                let req_id = f.i32()?;
                let filter = ExecutionFilter {
                    client_id: f.i32_or(0)?,
                    account: f.str()?,
                    time: f.str()?,
                    symbol: f.str()?,
                    sec_type: f.str()?,
                    exchange: f.str()?,
                    side: f.str()?,
                };
                Request::Executions { req_id, filter }
            }
            id::REQ_IDS => {
                f.skip_fields(1)?;
                Request::Ids {
                    num_ids: f.i32_or(1)?,
                }
            }
            id::REQ_CONTRACT_DATA => {
                f.skip_fields(1)?;
                let req_id = f.i32()?;
                let contract = ContractSpec::decode(f)?;
                Request::ContractData { req_id, contract }
            }
            id::REQ_HISTORICAL_DATA => {
                let req_id = f.i32()?;
                let contract = ContractSpec::decode(f)?;
                f.skip_fields(1)?; // includeExpired
                Request::HistoricalData(HistoricalRequest {
                    req_id,
                    contract,
                    end_date_time: f.str()?,
                    bar_size: f.str()?,
                    duration: f.str()?,
                    use_rth: f.bool()?,
                    what_to_show: f.str()?,
                    format_date: f.i32_or(1)?,
                    keep_up_to_date: if f.is_empty() { false } else { f.bool()? },
                })
            }
            id::CANCEL_HISTORICAL_DATA => {
                f.skip_fields(1)?;
                Request::CancelHistoricalData { req_id: f.i32()? }
            }
            id::REQ_POSITIONS => Request::Positions,
            id::CANCEL_POSITIONS => Request::CancelPositions,
            id::REQ_TICK_BY_TICK_DATA => {
                let req_id = f.i32()?;
                let contract = ContractSpec::decode(f)?;
                Request::TickByTick {
                    req_id,
                    contract,
                    tick_type: f.str()?,
                    number_of_ticks: f.i32_or(0)?,
                    ignore_size: f.bool()?,
                }
            }
            id::CANCEL_TICK_BY_TICK_DATA => Request::CancelTickByTick { req_id: f.i32()? },
            id::REQ_MARKET_DATA_TYPE => {
                f.skip_fields(1)?;
                Request::MarketDataType {
                    data_type: f.i32()?,
                }
            }
            id::REQ_CURRENT_TIME => Request::CurrentTime,
            id::REQ_MANAGED_ACCTS => Request::ManagedAccounts,
            id::REQ_GLOBAL_CANCEL => Request::GlobalCancel,
            id::REQ_COMPLETED_ORDERS => Request::CompletedOrders {
                api_only: f.bool()?,
            },
            id::CANCEL_CONTRACT_DATA => Request::CancelContractData { req_id: f.i32()? },
            id::REQ_HISTORICAL_TICKS => {
                Request::HistoricalTicks(HistoricalTicksRequest::decode_fields(f)?)
            }
            id::CANCEL_HISTORICAL_TICKS => Request::CancelHistoricalTicks { req_id: f.i32()? },
            other if AccountRequest::handles(other) => {
                Request::Account(AccountRequest::decode_fields(other, f)?)
            }
            other => return Err(DecodeError::UnknownMessage { id: other }),
        })
    }

    /// Appends the text frame of this request.
    pub fn encode_text(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        match *self {
            Request::StartApi {
                client_id,
                optional_capabilities,
            } => {
                w.i32(id::START_API)
                    .i32(2)
                    .i32(client_id)
                    .str(optional_capabilities);
            }
            Request::MarketData {
                req_id,
                contract,
                generic_ticks,
                snapshot,
            } => {
                w.i32(id::REQ_MKT_DATA).i32(11).i32(req_id);
                contract.encode(&mut w);
                w.bool(false)
                    .str(generic_ticks)
                    .bool(snapshot)
                    .bool(false)
                    .str("");
            }
            Request::CancelMarketData { req_id } => {
                w.i32(id::CANCEL_MKT_DATA).i32(2).i32(req_id);
            }
            Request::PlaceOrder(ref o) => encode_order(&mut w, o, &OrderExtras::default()),
            Request::PlaceOrderExt(ref o, ref x) => encode_order(&mut w, o, x),
            Request::CancelOrder { order_id } => {
                w.i32(id::CANCEL_ORDER).i32(1).i32(order_id).str("");
            }
            Request::OpenOrders => {
                w.i32(id::REQ_OPEN_ORDERS).i32(1);
            }
            Request::AllOpenOrders => {
                w.i32(id::REQ_ALL_OPEN_ORDERS).i32(1);
            }
            Request::AutoOpenOrders { auto_bind } => {
                w.i32(id::REQ_AUTO_OPEN_ORDERS).i32(1).bool(auto_bind);
            }
            Request::Executions { req_id, filter } => {
                w.i32(id::REQ_EXECUTIONS)
                    .i32(3)
                    .i32(req_id)
                    .i32(filter.client_id);
                w.str(filter.account).str(filter.time).str(filter.symbol);
                w.str(filter.sec_type).str(filter.exchange).str(filter.side);
            }
            Request::Ids { num_ids } => {
                w.i32(id::REQ_IDS).i32(1).i32(num_ids);
            }
            Request::ContractData { req_id, contract } => {
                w.i32(id::REQ_CONTRACT_DATA).i32(8).i32(req_id);
                contract.encode(&mut w);
                w.bool(false).str("").str("").str("");
            }
            Request::HistoricalData(ref h) => {
                w.i32(id::REQ_HISTORICAL_DATA).i32(h.req_id);
                h.contract.encode(&mut w);
                w.bool(false)
                    .str(h.end_date_time)
                    .str(h.bar_size)
                    .str(h.duration);
                w.bool(h.use_rth).str(h.what_to_show).i32(h.format_date);
                w.bool(h.keep_up_to_date).str("");
            }
            Request::CancelHistoricalData { req_id } => {
                w.i32(id::CANCEL_HISTORICAL_DATA).i32(1).i32(req_id);
            }
            Request::Positions => {
                w.i32(id::REQ_POSITIONS).i32(1);
            }
            Request::CancelPositions => {
                w.i32(id::CANCEL_POSITIONS).i32(1);
            }
            Request::TickByTick {
                req_id,
                contract,
                tick_type,
                number_of_ticks,
                ignore_size,
            } => {
                w.i32(id::REQ_TICK_BY_TICK_DATA).i32(req_id);
                contract.encode(&mut w);
                w.str(tick_type).i32(number_of_ticks).bool(ignore_size);
            }
            Request::CancelTickByTick { req_id } => {
                w.i32(id::CANCEL_TICK_BY_TICK_DATA).i32(req_id);
            }
            Request::MarketDataType { data_type } => {
                w.i32(id::REQ_MARKET_DATA_TYPE).i32(1).i32(data_type);
            }
            Request::CurrentTime => {
                w.i32(id::REQ_CURRENT_TIME).i32(1);
            }
            Request::ManagedAccounts => {
                w.i32(id::REQ_MANAGED_ACCTS).i32(1);
            }
            Request::GlobalCancel => {
                w.i32(id::REQ_GLOBAL_CANCEL).i32(1);
            }
            Request::CompletedOrders { api_only } => {
                w.i32(id::REQ_COMPLETED_ORDERS).bool(api_only);
            }
            Request::CancelContractData { req_id } => {
                w.i32(id::CANCEL_CONTRACT_DATA).i32(req_id);
            }
            Request::Account(ref a) => a.encode(&mut w),
            Request::HistoricalTicks(ref h) => h.encode_fields(&mut w),
            Request::CancelHistoricalTicks { req_id } => {
                w.i32(id::CANCEL_HISTORICAL_TICKS).i32(req_id);
            }
        }
        w.finish();
    }
}

fn decode_order<'a>(f: &mut Fields<'a>) -> Result<OrderRequest<'a>, DecodeError> {
    let order_id = f.i32()?;
    let contract = ContractSpec::decode(f)?;
    f.skip_fields(2)?; // secIdType, secId
    let action_index = f.index();
    let action = f.str()?;
    if action != "BUY" && action != "SELL" && action != "SSHORT" {
        return Err(DecodeError::BadValue {
            index: action_index,
        });
    }
    let total_quantity = f.f64()?;
    let order_type = f.str()?;
    let lmt_price = f.f64_or(f64::MAX)?;
    let aux_price = f.f64_or(f64::MAX)?;
    let tif = f.str()?;
    f.skip_fields(1)?; // ocaGroup
    let account = f.str()?;
    f.skip_fields(2)?; // openClose, origin
    let order_ref = f.str()?;
    let transmit = f.bool()?;
    let parent_id = f.i32_or(0)?;
    Ok(OrderRequest {
        order_id,
        contract,
        action,
        total_quantity,
        order_type,
        lmt_price,
        aux_price,
        tif,
        account,
        order_ref,
        transmit,
        parent_id,
    })
}

fn encode_order(w: &mut FrameWriter<'_>, o: &OrderRequest<'_>, x: &OrderExtras<'_>) {
    w.i32(id::PLACE_ORDER).i32(o.order_id);
    o.contract.encode(w);
    w.str("").str(""); // secIdType, secId
    w.str(o.action).decimal(o.total_quantity).str(o.order_type);
    opt_price(w, o.lmt_price);
    opt_price(w, o.aux_price);
    w.str(o.tif);
    // ocaGroup, account, openClose (empty: it is for institutional accounts, and the official
    // client leaves it so), origin 0 (customer), orderRef, transmit, parentId.
    w.str("")
        .str(o.account)
        .str("")
        .i32(0)
        .str(o.order_ref)
        .bool(o.transmit);
    w.i32(o.parent_id);
    let bag = o.contract.sec_type == "BAG";
    super::order_tail::encode_place_order_tail(w, x, bag);
}

/// A client-side optional price: empty when unset, as the official client sends it.
fn opt_price(w: &mut FrameWriter<'_>, v: f64) {
    if v == f64::MAX || !v.is_finite() {
        w.str("");
    } else {
        w.f64(v);
    }
}
