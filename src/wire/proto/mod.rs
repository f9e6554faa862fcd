//! Protobuf messages of the TWS API (server versions 201 and above), as our own `prost`
//! definitions written from the field tags. Only the fields the paper gateway reads or writes are
//! declared; prost skips unknown tags when decoding, so clients may send more.
//!
//! Every scalar is `optional` (explicit presence), as in IB's schema: clients distinguish an
//! absent field from a zero one, so the gateway sets each field it means.
//!
//! Wire framing: `u32 length | i32 message id + 200 | protobuf body`.
//!
//! The definitions are grouped as the wire carries them: client-to-server requests, server-to-client
//! messages, and the contract and order messages both embed; all are re-exported here.

#![allow(missing_docs)]

mod account;
mod requests;
mod responses;
mod shared;

pub use account::{
    AccountDataEnd, AccountDataRequest, AccountSummary, AccountSummaryRequest, AccountUpdateMulti,
    AccountUpdateTime, AccountUpdatesMultiRequest, AccountValue, MarketDataType, PnL, PnLRequest,
    PnLSingle, PnLSingleRequest, PortfolioValue,
};
pub use requests::{
    AutoOpenOrdersRequest, CancelOrderRequest, ContractDataRequest, Empty, ExecutionFilter,
    ExecutionRequest, HistoricalDataRequest, HistoricalTicksRequest, IdsRequest, MarketDataRequest,
    MarketDataTypeRequest, PlaceOrderRequest, ReqIdOnly, StartApiRequest, TickByTickRequest,
};
pub use responses::{
    CommissionAndFeesReport, CompletedOrder, ContractData, CurrentTime, ErrorMessage, Execution,
    ExecutionDetails, HistoricalData, HistoricalDataBar, HistoricalDataEnd, HistoricalTick,
    HistoricalTickBidAsk, HistoricalTickLast, HistoricalTicks, HistoricalTicksBidAsk,
    HistoricalTicksLast, ManagedAccounts, NextValidId, OpenOrder, OrderStatus, Position, Tick,
    TickAttribBidAsk, TickAttribLast, TickByTickData, TickPrice, TickReqParams, TickSize,
};
pub use shared::{Contract, ContractDetails, Order, OrderState};

use prost::Message;

/// Offset added to a message id to mark a protobuf body.
pub const PROTOBUF_ID_OFFSET: i32 = 200;

/// Appends one protobuf frame: length, `msg_id + 200` as a 4-byte id, then the body.
///
/// # Examples
/// ```
/// use hft::wire::proto::{encode_frame, NextValidId};
/// let mut out = Vec::new();
/// encode_frame(&mut out, 9, &NextValidId { order_id: Some(1) });
/// assert_eq!(out, [0, 0, 0, 6, 0, 0, 0, 209, 8, 1]);
/// ```
pub fn encode_frame<M: Message>(out: &mut Vec<u8>, msg_id: i32, msg: &M) {
    let len = 4 + msg.encoded_len();
    out.reserve(4 + len);
    out.extend_from_slice(&(len as u32).to_be_bytes());
    out.extend_from_slice(&(msg_id + PROTOBUF_ID_OFFSET).to_be_bytes());
    // Encoding into a Vec with reserved room cannot fail.
    let _ = msg.encode(out);
}

/// Decodes a protobuf body, mapping prost's error to the codec's small error.
///
/// # Errors
/// [`super::DecodeError::BadBinary`].
pub fn decode<M: Message + Default>(body: &[u8]) -> Result<M, super::DecodeError> {
    M::decode(body).map_err(|_| super::DecodeError::BadBinary)
}

/// Splits a frame body of version 201+ into its message id and payload.
///
/// # Errors
/// [`super::DecodeError::BadBinary`] when the body is shorter than the 4-byte id.
pub fn split_binary_id(body: &[u8]) -> Result<(i32, &[u8]), super::DecodeError> {
    if body.len() < 4 {
        return Err(super::DecodeError::BadBinary);
    }
    let id = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
    Ok((id, &body[4..]))
}
