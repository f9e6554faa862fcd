//! Server-to-client messages in the text protocol: typed views borrowed from the frame, decoders
//! for the engine and encoders for the paper gateway.
//!
//! Every decoder takes the [`Fields`] cursor positioned after the message id, so a dispatcher
//! reads the id once and hands the rest over. Field layouts follow server version 178 (the
//! highest text version TWS negotiates) and, where the layout changed, the negotiated version.
//!
//! The messages are grouped by topic (market data, orders, account, contracts, historical bars,
//! session) and all re-exported here.

mod account;
mod account_values;
mod contract;
mod historical;
mod market_data;
mod orders;
mod session;

pub use account::{CommissionReport, ExecutionData, PositionData};
pub use account_values::{AccountMessage, PortfolioLine};
pub use contract::{ContractDataView, ContractView};
pub use historical::{Bar, HISTORICAL_DATA_END_VERSION, HistoricalData};
pub use market_data::{TickByTick, TickByTickData, TickPrice, TickSize};
pub use orders::{OpenOrderHead, OpenOrderView, OrderStatus};
pub use session::{EndMarker, ErrorMsg, ManagedAccts, NextValidId};

use super::fields::{DecodeError, Fields};
use super::ids::incoming as id;

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
    /// Account values, portfolio, summary, updates by model, PnL.
    Account(AccountMessage<'a>),
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
            other if AccountMessage::handles(other) => {
                ServerMessage::Account(AccountMessage::decode(other, f)?)
            }
            other => return Err(DecodeError::UnknownMessage { id: other }),
        })
    }
}
