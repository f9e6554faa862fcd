//! Server-to-client messages in the text protocol: typed views borrowed from the frame, decoders
//! for the engine and encoders for the paper gateway.
//!
//! Every decoder takes the [`Fields`] cursor positioned after the message id, so a dispatcher
//! reads the id once and hands the rest over. Field layouts follow server version 178 (the
//! highest text version TWS negotiates) and, where the layout changed, the negotiated version.

use super::fields::{DecodeError, Fields};
use super::frame::FrameWriter;
use super::handshake::ERROR_TIME_VERSION;
use super::ids::incoming as id;

/// First version whose HISTORICAL_DATA omits start/end (sent in HISTORICAL_DATA_END instead).
pub const HISTORICAL_DATA_END_VERSION: i32 = 196;

/// A price tick: bid, ask or last, with its size.
///
/// Raw payload (version 6, request 7, bid 101.25 for 300, no attributes):
/// `1\06\07\01\0101.25\0300\00\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickPrice {
    pub req_id: i32,
    pub tick_type: i32,
    pub price: f64,
    pub size: f64,
    pub attr_mask: i32,
}

impl TickPrice {
    /// Decodes the fields after the message id.
    ///
    /// # Examples
    /// ```
    /// use hft::wire::{Fields, TickPrice};
    /// let mut f = Fields::new(b"1\x006\x007\x001\x00101.25\x00300\x000\x00");
    /// f.skip_fields(1).unwrap(); // message id
    /// let t = TickPrice::decode(&mut f).unwrap();
    /// assert_eq!((t.req_id, t.tick_type, t.price, t.size), (7, 1, 101.25, 300.0));
    /// ```
    #[inline]
    pub fn decode(f: &mut Fields<'_>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?; // version
        Ok(TickPrice {
            req_id: f.i32()?,
            tick_type: f.i32()?,
            price: f.f64()?,
            size: f.f64_or(0.0)?,
            attr_mask: f.i32_or(0)?,
        })
    }

    /// Appends the frame.
    #[inline]
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::TICK_PRICE)
            .i32(6)
            .i32(self.req_id)
            .i32(self.tick_type);
        w.f64(self.price).f64(self.size).i32(self.attr_mask);
        w.finish();
    }
}

/// A size tick (bid size, ask size, last size, volume).
///
/// Raw payload: `2\06\07\00\0400\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickSize {
    pub req_id: i32,
    pub tick_type: i32,
    pub size: f64,
}

impl TickSize {
    /// Decodes the fields after the message id.
    #[inline]
    pub fn decode(f: &mut Fields<'_>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?;
        Ok(TickSize {
            req_id: f.i32()?,
            tick_type: f.i32()?,
            size: f.f64_or(0.0)?,
        })
    }

    /// Appends the frame.
    #[inline]
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::TICK_SIZE)
            .i32(6)
            .i32(self.req_id)
            .i32(self.tick_type)
            .f64(self.size);
        w.finish();
    }
}

/// The payload of a tick-by-tick message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TickByTickData<'a> {
    /// Type 1 (Last) or 2 (AllLast).
    Last {
        all_last: bool,
        price: f64,
        size: f64,
        mask: i32,
        exchange: &'a str,
        special: &'a str,
    },
    /// Type 3.
    BidAsk {
        bid: f64,
        ask: f64,
        bid_size: f64,
        ask_size: f64,
        mask: i32,
    },
    /// Type 4.
    MidPoint { mid: f64 },
}

/// A tick-by-tick event with its exchange time in Unix seconds.
///
/// Raw payload (BidAsk): `99\03\03\01764000000\0101.25\0101.26\0300\0200\00\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TickByTick<'a> {
    pub req_id: i32,
    pub time: i64,
    pub data: TickByTickData<'a>,
}

impl<'a> TickByTick<'a> {
    /// Decodes the fields after the message id.
    #[inline]
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let req_id = f.i32()?;
        let kind_index = f.index();
        let kind = f.i32()?;
        let time = f.i64()?;
        let data = match kind {
            1 | 2 => TickByTickData::Last {
                all_last: kind == 2,
                price: f.f64()?,
                size: f.f64_or(0.0)?,
                mask: f.i32_or(0)?,
                exchange: f.str()?,
                special: f.str()?,
            },
            3 => TickByTickData::BidAsk {
                bid: f.f64()?,
                ask: f.f64()?,
                bid_size: f.f64_or(0.0)?,
                ask_size: f.f64_or(0.0)?,
                mask: f.i32_or(0)?,
            },
            4 => TickByTickData::MidPoint { mid: f.f64()? },
            _ => return Err(DecodeError::BadValue { index: kind_index }),
        };
        Ok(TickByTick { req_id, time, data })
    }

    /// Appends the frame.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::TICK_BY_TICK).i32(self.req_id);
        match self.data {
            TickByTickData::Last {
                all_last,
                price,
                size,
                mask,
                exchange,
                special,
            } => {
                w.i32(if all_last { 2 } else { 1 }).i64(self.time);
                w.f64(price).f64(size).i32(mask).str(exchange).str(special);
            }
            TickByTickData::BidAsk {
                bid,
                ask,
                bid_size,
                ask_size,
                mask,
            } => {
                w.i32(3)
                    .i64(self.time)
                    .f64(bid)
                    .f64(ask)
                    .f64(bid_size)
                    .f64(ask_size)
                    .i32(mask);
            }
            TickByTickData::MidPoint { mid } => {
                w.i32(4).i64(self.time).f64(mid);
            }
        }
        w.finish();
    }
}

/// Order status update.
///
/// Raw payload: `3\01001\0Filled\0100\00\0101.26\0555\00\0101.26\01\0\00\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OrderStatus<'a> {
    pub order_id: i32,
    pub status: &'a str,
    pub filled: f64,
    pub remaining: f64,
    pub avg_fill_price: f64,
    pub perm_id: i64,
    pub parent_id: i32,
    pub last_fill_price: f64,
    pub client_id: i32,
    pub why_held: &'a str,
    pub mkt_cap_price: f64,
}

impl<'a> OrderStatus<'a> {
    /// Decodes the fields after the message id.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        Ok(OrderStatus {
            order_id: f.i32()?,
            status: f.str()?,
            filled: f.f64_or(0.0)?,
            remaining: f.f64_or(0.0)?,
            avg_fill_price: f.f64_or(0.0)?,
            perm_id: f.i64_or(0)?,
            parent_id: f.i32_or(0)?,
            last_fill_price: f.f64_or(0.0)?,
            client_id: f.i32_or(0)?,
            why_held: f.str()?,
            mkt_cap_price: f.f64_or(0.0)?,
        })
    }

    /// Appends the frame.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::ORDER_STATUS).i32(self.order_id).str(self.status);
        w.f64(self.filled)
            .f64(self.remaining)
            .f64(self.avg_fill_price);
        w.i64(self.perm_id)
            .i32(self.parent_id)
            .f64(self.last_fill_price)
            .i32(self.client_id);
        w.str(self.why_held).f64(self.mkt_cap_price);
        w.finish();
    }
}

/// An error or notice. `id` is the request or order id, -1 for connection-wide notices.
///
/// Raw payload (version 178): `4\02\0-1\02104\0Market data farm connection is OK:usfarm\0\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorMsg<'a> {
    pub id: i32,
    pub code: i32,
    pub message: &'a str,
    pub advanced_json: &'a str,
    pub time_ms: i64,
}

impl<'a> ErrorMsg<'a> {
    /// Decodes the fields after the message id; the layout depends on `version`.
    pub fn decode(f: &mut Fields<'a>, version: i32) -> Result<Self, DecodeError> {
        if version < ERROR_TIME_VERSION {
            f.skip_fields(1)?;
        }
        let id = f.i32()?;
        let code = f.i32()?;
        let message = f.str()?;
        let advanced_json = if f.is_empty() { "" } else { f.str()? };
        let time_ms = if version >= ERROR_TIME_VERSION && !f.is_empty() {
            f.i64_or(0)?
        } else {
            0
        };
        Ok(ErrorMsg {
            id,
            code,
            message,
            advanced_json,
            time_ms,
        })
    }

    /// Appends the frame for `version`.
    pub fn encode(&self, out: &mut Vec<u8>, version: i32) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::ERR_MSG);
        if version < ERROR_TIME_VERSION {
            w.i32(2);
        }
        w.i32(self.id)
            .i32(self.code)
            .str(self.message)
            .str(self.advanced_json);
        if version >= ERROR_TIME_VERSION {
            w.i64(self.time_ms);
        }
        w.finish();
    }
}

/// The next order id the client may use. Raw payload: `9\01\01000\0`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextValidId {
    pub order_id: i32,
}

impl NextValidId {
    /// Decodes the fields after the message id.
    pub fn decode(f: &mut Fields<'_>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?;
        Ok(NextValidId { order_id: f.i32()? })
    }

    /// Appends the frame.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::NEXT_VALID_ID).i32(1).i32(self.order_id);
        w.finish();
    }
}

/// The accounts of the session, comma-separated. Raw payload: `15\01\0DU1234567\0`
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedAccts<'a> {
    pub accounts: &'a str,
}

impl<'a> ManagedAccts<'a> {
    /// Decodes the fields after the message id.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?;
        Ok(ManagedAccts { accounts: f.str()? })
    }

    /// Appends the frame.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::MANAGED_ACCTS).i32(1).str(self.accounts);
        w.finish();
    }
}

/// A message that carries only a request id after a version field: CONTRACT_DATA_END,
/// EXECUTION_DATA_END, TICK_SNAPSHOT_END; or nothing at all: OPEN_ORDER_END, POSITION_END.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndMarker {
    pub msg_id: i32,
    pub req_id: i32,
}

impl EndMarker {
    fn has_req_id(msg_id: i32) -> bool {
        matches!(
            msg_id,
            id::CONTRACT_DATA_END | id::EXECUTION_DATA_END | id::TICK_SNAPSHOT_END
        )
    }

    /// Decodes the fields after the message id.
    pub fn decode(msg_id: i32, f: &mut Fields<'_>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?;
        let req_id = if Self::has_req_id(msg_id) {
            f.i32()?
        } else {
            -1
        };
        Ok(EndMarker { msg_id, req_id })
    }

    /// Appends the frame.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(self.msg_id).i32(1);
        if Self::has_req_id(self.msg_id) {
            w.i32(self.req_id);
        }
        w.finish();
    }
}

/// One historical bar. `date` is Unix seconds for intraday bars (formatDate 2) or `YYYYMMDD`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar<'a> {
    pub date: &'a str,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    pub wap: f64,
    pub count: i32,
}

/// Header of HISTORICAL_DATA; the bars follow and are read with [`HistoricalData::next_bar`].
#[derive(Debug, Clone)]
pub struct HistoricalData<'a> {
    pub req_id: i32,
    /// Empty from version 196 on (HISTORICAL_DATA_END carries them).
    pub start: &'a str,
    pub end: &'a str,
    pub count: i32,
    rest: Fields<'a>,
    read: i32,
}

impl<'a> HistoricalData<'a> {
    /// Decodes the header; bars are decoded lazily.
    pub fn decode(f: &mut Fields<'a>, version: i32) -> Result<Self, DecodeError> {
        let req_id = f.i32()?;
        let (start, end) = if version < HISTORICAL_DATA_END_VERSION {
            (f.str()?, f.str()?)
        } else {
            ("", "")
        };
        let count_index = f.index();
        let count = f.i32()?;
        if count < 0 {
            return Err(DecodeError::BadValue { index: count_index });
        }
        Ok(HistoricalData {
            req_id,
            start,
            end,
            count,
            rest: f.clone(),
            read: 0,
        })
    }

    /// The next bar, `None` after `count` bars.
    pub fn next_bar(&mut self) -> Result<Option<Bar<'a>>, DecodeError> {
        if self.read >= self.count {
            return Ok(None);
        }
        self.read += 1;
        let f = &mut self.rest;
        Ok(Some(Bar {
            date: f.str()?,
            open: f.f64()?,
            high: f.f64()?,
            low: f.f64()?,
            close: f.f64()?,
            volume: f.f64_or(0.0)?,
            wap: f.f64_or(0.0)?,
            count: f.i32_or(0)?,
        }))
    }

    /// Appends a HISTORICAL_DATA frame (and, from version 196, HISTORICAL_DATA_END).
    pub fn encode(
        out: &mut Vec<u8>,
        version: i32,
        req_id: i32,
        start: &str,
        end: &str,
        bars: &[Bar<'_>],
    ) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::HISTORICAL_DATA).i32(req_id);
        if version < HISTORICAL_DATA_END_VERSION {
            w.str(start).str(end);
        }
        w.i32(bars.len() as i32);
        for b in bars {
            w.str(b.date)
                .f64(b.open)
                .f64(b.high)
                .f64(b.low)
                .f64(b.close);
            w.f64(b.volume).f64(b.wap).i32(b.count);
        }
        w.finish();
        if version >= HISTORICAL_DATA_END_VERSION {
            let mut w = FrameWriter::begin(out);
            w.i32(id::HISTORICAL_DATA_END)
                .i32(req_id)
                .str(start)
                .str(end);
            w.finish();
        }
    }
}

/// Commission for one execution. Raw payload: `59\01\00000e1a7.6a2b.01.01\01.0\0USD\0\0\0\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommissionReport<'a> {
    pub exec_id: &'a str,
    pub commission: f64,
    pub currency: &'a str,
    /// IB's unset value (`f64::MAX`) when not known.
    pub realized_pnl: f64,
}

impl<'a> CommissionReport<'a> {
    /// Decodes the fields after the message id.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?;
        let exec_id = f.str()?;
        let commission = f.f64()?;
        let currency = f.str()?;
        let realized_pnl = f.f64_or(f64::MAX)?;
        Ok(CommissionReport {
            exec_id,
            commission,
            currency,
            realized_pnl,
        })
    }

    /// Appends the frame (yield and redemption date unset).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::COMMISSION_REPORT)
            .i32(1)
            .str(self.exec_id)
            .f64(self.commission);
        w.str(self.currency)
            .f64_unset(self.realized_pnl)
            .f64_unset(f64::MAX)
            .str("");
        w.finish();
    }
}

/// The contract fields that server messages carry (no primary exchange in executions and
/// positions; `trading_class` last).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ContractView<'a> {
    pub con_id: i64,
    pub symbol: &'a str,
    pub sec_type: &'a str,
    pub exchange: &'a str,
    pub primary_exchange: &'a str,
    pub currency: &'a str,
    pub local_symbol: &'a str,
    pub trading_class: &'a str,
}

impl<'a> ContractView<'a> {
    /// conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, currency,
    /// localSymbol, tradingClass (executions, positions).
    fn decode_short(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let con_id = f.i64_or(0)?;
        let symbol = f.str()?;
        let sec_type = f.str()?;
        f.skip_fields(4)?; // lastTradeDate, strike, right, multiplier
        Ok(ContractView {
            con_id,
            symbol,
            sec_type,
            exchange: f.str()?,
            primary_exchange: "",
            currency: f.str()?,
            local_symbol: f.str()?,
            trading_class: f.str()?,
        })
    }

    fn encode_short(&self, w: &mut FrameWriter<'_>) {
        w.i64(self.con_id)
            .str(self.symbol)
            .str(self.sec_type)
            .str("")
            .i32(0)
            .str("")
            .str("");
        w.str(self.exchange)
            .str(self.currency)
            .str(self.local_symbol)
            .str(self.trading_class);
    }
}

/// An execution (fill). Raw payload (31 fields after the id at version 178):
/// `11\0-1\01001\0756733\0SPY\0STK\0\00\0\0\0SMART\0USD\0SPY\0SPY\00000e1a7.00000001.01.01\0...`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExecutionData<'a> {
    pub req_id: i32,
    pub order_id: i32,
    pub contract: ContractView<'a>,
    pub exec_id: &'a str,
    pub time: &'a str,
    pub account: &'a str,
    pub exchange: &'a str,
    /// `BOT` or `SLD`.
    pub side: &'a str,
    pub shares: f64,
    pub price: f64,
    pub perm_id: i64,
    pub client_id: i32,
    pub cum_qty: f64,
    pub avg_price: f64,
    pub order_ref: &'a str,
    pub last_liquidity: i32,
}

impl<'a> ExecutionData<'a> {
    /// Decodes the fields after the message id (version 178 layout).
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let req_id = f.i32()?;
        let order_id = f.i32()?;
        let contract = ContractView::decode_short(f)?;
        let exec_id = f.str()?;
        let time = f.str()?;
        let account = f.str()?;
        let exchange = f.str()?;
        let side_index = f.index();
        let side = f.str()?;
        if side != "BOT" && side != "SLD" {
            return Err(DecodeError::BadValue { index: side_index });
        }
        let shares = f.f64()?;
        let price = f.f64()?;
        let perm_id = f.i64_or(0)?;
        let client_id = f.i32_or(0)?;
        f.skip_fields(1)?; // liquidation
        let cum_qty = f.f64_or(0.0)?;
        let avg_price = f.f64_or(0.0)?;
        let order_ref = f.str()?;
        f.skip_fields(3)?; // evRule, evMultiplier, modelCode
        let last_liquidity = f.i32_or(0)?;
        Ok(ExecutionData {
            req_id,
            order_id,
            contract,
            exec_id,
            time,
            account,
            exchange,
            side,
            shares,
            price,
            perm_id,
            client_id,
            cum_qty,
            avg_price,
            order_ref,
            last_liquidity,
        })
    }

    /// Appends the frame (version 178 layout: pendingPriceRevision last).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::EXECUTION_DATA)
            .i32(self.req_id)
            .i32(self.order_id);
        self.contract.encode_short(&mut w);
        w.str(self.exec_id)
            .str(self.time)
            .str(self.account)
            .str(self.exchange)
            .str(self.side);
        w.f64(self.shares)
            .f64(self.price)
            .i64(self.perm_id)
            .i32(self.client_id)
            .i32(0);
        w.f64(self.cum_qty).f64(self.avg_price).str(self.order_ref);
        w.str("")
            .str("")
            .str("")
            .i32(self.last_liquidity)
            .bool(false);
        w.finish();
    }
}

/// A position. Raw payload: `61\03\0DU1234567\0756733\0SPY\0STK\0\00\0\0\0ARCA\0USD\0SPY\0SPY\0100\0450.12\0`
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PositionData<'a> {
    pub account: &'a str,
    pub contract: ContractView<'a>,
    pub position: f64,
    pub avg_cost: f64,
}

impl<'a> PositionData<'a> {
    /// Decodes the fields after the message id.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        f.skip_fields(1)?;
        let account = f.str()?;
        let contract = ContractView::decode_short(f)?;
        Ok(PositionData {
            account,
            contract,
            position: f.f64()?,
            avg_cost: f.f64_or(0.0)?,
        })
    }

    /// Appends the frame (version 3, exactly 15 fields after the id).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = FrameWriter::begin(out);
        w.i32(id::POSITION_DATA).i32(3).str(self.account);
        self.contract.encode_short(&mut w);
        w.f64(self.position).f64(self.avg_cost);
        w.finish();
    }
}

/// Contract details of a stock, as the gateway serves them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContractDataView<'a> {
    pub req_id: i32,
    pub contract: ContractView<'a>,
    pub market_name: &'a str,
    pub min_tick: f64,
    pub order_types: &'a str,
    pub valid_exchanges: &'a str,
    pub long_name: &'a str,
    pub industry: &'a str,
    pub time_zone_id: &'a str,
    pub trading_hours: &'a str,
    pub liquid_hours: &'a str,
    pub market_rule_ids: &'a str,
    pub stock_type: &'a str,
}

impl ContractDataView<'_> {
    /// Appends CONTRACT_DATA in the version 178 layout (no version field, 39 fields after the id
    /// with an empty secId list).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let c = &self.contract;
        let mut w = FrameWriter::begin(out);
        w.i32(id::CONTRACT_DATA)
            .i32(self.req_id)
            .str(c.symbol)
            .str(c.sec_type)
            .str("")
            .i32(0)
            .str("");
        w.str(c.exchange)
            .str(c.currency)
            .str(c.local_symbol)
            .str(self.market_name)
            .str(c.trading_class);
        w.i64(c.con_id)
            .f64(self.min_tick)
            .str("")
            .str(self.order_types)
            .str(self.valid_exchanges);
        w.i32(1)
            .i32(0)
            .str(self.long_name)
            .str(c.primary_exchange)
            .str("");
        w.str(self.industry)
            .str("")
            .str("")
            .str(self.time_zone_id)
            .str(self.trading_hours)
            .str(self.liquid_hours);
        w.str("").str("").i32(0); // evRule, evMultiplier, secIdList count
        w.i32(1)
            .str("")
            .str("")
            .str(self.market_rule_ids)
            .str("")
            .str(self.stock_type);
        w.str("1").str("1").str("100"); // minSize, sizeIncrement, suggestedSizeIncrement
        w.finish();
    }
}

/// An open order as reported to clients (simple stock orders).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenOrderView<'a> {
    pub order_id: i32,
    pub contract: ContractView<'a>,
    pub action: &'a str,
    pub total_quantity: f64,
    pub order_type: &'a str,
    /// `f64::MAX` when unset.
    pub lmt_price: f64,
    pub tif: &'a str,
    pub account: &'a str,
    pub order_ref: &'a str,
    pub client_id: i32,
    pub perm_id: i64,
    pub status: &'a str,
}

impl OpenOrderView<'_> {
    /// Appends OPEN_ORDER in the version 178 layout (no version field, exactly 126 fields after
    /// the id for a plain stock order).
    pub fn encode(&self, out: &mut Vec<u8>) {
        const UNSET: &str = super::frame::UNSET_DOUBLE;
        let c = &self.contract;
        let mut w = FrameWriter::begin(out);
        w.i32(id::OPEN_ORDER).i32(self.order_id);
        w.i64(c.con_id)
            .str(c.symbol)
            .str(c.sec_type)
            .str("")
            .i32(0)
            .str("")
            .str("");
        w.str(c.exchange)
            .str(c.currency)
            .str(c.local_symbol)
            .str(c.trading_class); // 2..=12
        w.str(self.action)
            .f64(self.total_quantity)
            .str(self.order_type); // 13..=15
        if self.lmt_price == f64::MAX {
            w.str("")
        } else {
            w.f64(self.lmt_price)
        }; // 16
        w.str("")
            .str(self.tif)
            .str("")
            .str(self.account)
            .str("")
            .i32(0)
            .str(self.order_ref); // 17..=23
        w.i32(self.client_id)
            .i64(self.perm_id)
            .bool(false)
            .bool(false)
            .i32(0)
            .str(""); // 24..=29
        w.str("").str("").str("").str("").str("").str("").str(""); // 30..=36
        w.str("").str("").i32(0).str("").i32(-1).i32(0); // 37..=42
        w.str("").str("").str("").str("").str("").i32(0); // 43..=48
        w.bool(false)
            .bool(false)
            .bool(false)
            .str("")
            .i32(0)
            .bool(false)
            .bool(false)
            .str(""); // 49..=56
        w.i32(0)
            .i32(0)
            .str("")
            .i32(0)
            .str("")
            .str("")
            .bool(false)
            .i32(0); // 57..=64
        w.str("")
            .str("")
            .str("")
            .str("")
            .str("")
            .i32(0)
            .i32(0)
            .i32(0); // 65..=72
        w.str("")
            .str("")
            .str("")
            .str("")
            .bool(false)
            .str("")
            .str("")
            .bool(false); // 73..=80
        w.bool(false).str("").bool(false).bool(false); // 81..=84
        w.str(self.status); // 85: OrderState
        for _ in 0..9 {
            w.str(""); // 86..=94 margins
        }
        w.str("").str("").str("").str("").str(""); // 95..=99 commissions, currency, warning
        w.bool(false).bool(false).i32(0).str(""); // 100..=103
        for _ in 0..6 {
            w.str(UNSET); // 104..=109
        }
        w.i32(0).str("").str("").str("").str(UNSET); // 110..=114
        w.bool(false).bool(false).bool(false).bool(false); // 115..=118
        w.str("").str("").bool(false); // 119..=121
        w.str("").str("").str("").str("").str(""); // 122..=126
        w.finish();
    }
}

impl<'a> ContractDataView<'a> {
    /// Decodes the identifying part of CONTRACT_DATA (version 178 layout): request id, contract,
    /// market name, min tick, long name and primary exchange. Later fields are not read.
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let req_id = f.i32()?;
        let symbol = f.str()?;
        let sec_type = f.str()?;
        f.skip_fields(3)?; // lastTradeDate, strike, right
        let exchange = f.str()?;
        let currency = f.str()?;
        let local_symbol = f.str()?;
        let market_name = f.str()?;
        let trading_class = f.str()?;
        let con_id = f.i64()?;
        let min_tick = f.f64()?;
        f.skip_fields(1)?; // multiplier
        let order_types = f.str()?;
        let valid_exchanges = f.str()?;
        f.skip_fields(2)?; // priceMagnifier, underConId
        let long_name = f.str()?;
        let primary_exchange = f.str()?;
        Ok(ContractDataView {
            req_id,
            contract: ContractView {
                con_id,
                symbol,
                sec_type,
                exchange,
                primary_exchange,
                currency,
                local_symbol,
                trading_class,
            },
            market_name,
            min_tick,
            order_types,
            valid_exchanges,
            long_name,
            industry: "",
            time_zone_id: "",
            trading_hours: "",
            liquid_hours: "",
            market_rule_ids: "",
            stock_type: "",
        })
    }
}

/// The leading fields of OPEN_ORDER, which keep their positions whatever the order type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenOrderHead<'a> {
    pub order_id: i32,
    pub contract: ContractView<'a>,
    pub action: &'a str,
    pub total_quantity: f64,
    pub order_type: &'a str,
    pub lmt_price: f64,
    pub tif: &'a str,
    pub account: &'a str,
    pub order_ref: &'a str,
    pub client_id: i32,
    pub perm_id: i64,
}

impl<'a> OpenOrderHead<'a> {
    /// Decodes fields 1..=25 of OPEN_ORDER (version 178 layout).
    pub fn decode(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let order_id = f.i32()?;
        let contract = ContractView::decode_short(f)?;
        let action = f.str()?;
        let total_quantity = f.f64()?;
        let order_type = f.str()?;
        let lmt_price = f.f64_or(f64::MAX)?;
        f.skip_fields(1)?; // auxPrice
        let tif = f.str()?;
        f.skip_fields(1)?; // ocaGroup
        let account = f.str()?;
        f.skip_fields(2)?; // openClose, origin
        let order_ref = f.str()?;
        let client_id = f.i32_or(0)?;
        let perm_id = f.i64_or(0)?;
        Ok(OpenOrderHead {
            order_id,
            contract,
            action,
            total_quantity,
            order_type,
            lmt_price,
            tif,
            account,
            order_ref,
            client_id,
            perm_id,
        })
    }
}

/// Every server message the engine decodes, borrowed from the frame.
#[derive(Debug, Clone)]
pub enum ServerMessage<'a> {
    TickPrice(TickPrice),
    TickSize(TickSize),
    TickByTick(TickByTick<'a>),
    OrderStatus(OrderStatus<'a>),
    Error(ErrorMsg<'a>),
    NextValidId(NextValidId),
    ManagedAccts(ManagedAccts<'a>),
    ContractData(ContractDataView<'a>),
    HistoricalData(HistoricalData<'a>),
    Execution(ExecutionData<'a>),
    Commission(CommissionReport<'a>),
    OpenOrder(OpenOrderHead<'a>),
    Position(PositionData<'a>),
    /// CONTRACT_DATA_END, EXECUTION_DATA_END, TICK_SNAPSHOT_END, OPEN_ORDER_END, POSITION_END.
    End(EndMarker),
    /// HISTORICAL_DATA_END (version 196+): request id, start, end.
    HistoricalDataEnd {
        req_id: i32,
    },
    /// TICK_REQ_PARAMS: request id, min tick.
    TickReqParams {
        req_id: i32,
        min_tick: f64,
    },
    /// CURRENT_TIME: Unix seconds.
    CurrentTime(i64),
    /// MARKET_DATA_TYPE: request id, type.
    MarketDataType {
        req_id: i32,
        data_type: i32,
    },
}

impl<'a> ServerMessage<'a> {
    /// Decodes a text frame body (message id in field 0) for a session at `version`.
    ///
    /// # Errors
    /// [`DecodeError::UnknownMessage`] for ids outside this set; others for malformed fields.
    ///
    /// # Examples
    /// ```
    /// use hft::wire::text::ServerMessage;
    /// let m = ServerMessage::decode(b"9\x001\x0042\x00", 178).unwrap();
    /// assert!(matches!(m, ServerMessage::NextValidId(n) if n.order_id == 42));
    /// ```
    pub fn decode(body: &'a [u8], version: i32) -> Result<Self, DecodeError> {
        let mut f = Fields::new(body);
        let msg_id = f.i32()?;
        let f = &mut f;
        Ok(match msg_id {
            id::TICK_PRICE => ServerMessage::TickPrice(TickPrice::decode(f)?),
            id::TICK_SIZE => ServerMessage::TickSize(TickSize::decode(f)?),
            id::TICK_BY_TICK => ServerMessage::TickByTick(TickByTick::decode(f)?),
            id::ORDER_STATUS => ServerMessage::OrderStatus(OrderStatus::decode(f)?),
            id::ERR_MSG => ServerMessage::Error(ErrorMsg::decode(f, version)?),
            id::NEXT_VALID_ID => ServerMessage::NextValidId(NextValidId::decode(f)?),
            id::MANAGED_ACCTS => ServerMessage::ManagedAccts(ManagedAccts::decode(f)?),
            id::CONTRACT_DATA => ServerMessage::ContractData(ContractDataView::decode(f)?),
            id::HISTORICAL_DATA => {
                ServerMessage::HistoricalData(HistoricalData::decode(f, version)?)
            }
            id::EXECUTION_DATA => ServerMessage::Execution(ExecutionData::decode(f)?),
            id::COMMISSION_REPORT => ServerMessage::Commission(CommissionReport::decode(f)?),
            id::OPEN_ORDER => ServerMessage::OpenOrder(OpenOrderHead::decode(f)?),
            id::POSITION_DATA => ServerMessage::Position(PositionData::decode(f)?),
            id::CONTRACT_DATA_END
            | id::EXECUTION_DATA_END
            | id::TICK_SNAPSHOT_END
            | id::OPEN_ORDER_END
            | id::POSITION_END => ServerMessage::End(EndMarker::decode(msg_id, f)?),
            id::HISTORICAL_DATA_END => ServerMessage::HistoricalDataEnd { req_id: f.i32()? },
            id::TICK_REQ_PARAMS => ServerMessage::TickReqParams {
                req_id: f.i32()?,
                min_tick: f.f64_or(0.0)?,
            },
            id::CURRENT_TIME => {
                f.skip_fields(1)?;
                ServerMessage::CurrentTime(f.i64()?)
            }
            id::MARKET_DATA_TYPE => {
                f.skip_fields(1)?;
                ServerMessage::MarketDataType {
                    req_id: f.i32()?,
                    data_type: f.i32()?,
                }
            }
            other => return Err(DecodeError::UnknownMessage { id: other }),
        })
    }
}
