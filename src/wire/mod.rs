//! The TWS API wire codec, shared by the engine and the paper gateway.
//!
//! - [`frame`]: 4-byte length framing with a fixed-size reader and an appending writer.
//! - [`fields`]: zero-copy NUL-separated fields and allocation-free number parsing.
//! - [`handshake`]: `API\0`, version ranges, and TWS's version negotiation.
//! - [`text`]: server-to-client messages (decoded by the engine, encoded by the gateway).
//! - [`request`]: client-to-server requests (encoded by the engine, decoded by the gateway).
//! - [`OrderTemplate`]: PLACE_ORDER of a plain stock market order with only id, quantity and
//!   orderRef patched in (the engine's hot path).
//! - [`proto`]: protobuf messages for clients that negotiate version 201 and above.
//!
//! Decoders never panic: malformed input is a [`DecodeError`] or a [`FrameError`].

mod account_request;
pub mod fields;
pub mod frame;
pub mod handshake;
pub mod ids;
mod order_extras;
mod order_tail;
mod order_template;
pub mod proto;
mod proto_request;
pub mod request;
pub mod text;
mod ticks_request;

pub use account_request::AccountRequest;
pub use fields::{DecodeError, Fields, parse_f64, parse_i64};
pub use frame::{FrameError, FrameReader, FrameWriter, UNSET_DOUBLE, split_frame};
pub use handshake::{
    ENGINE_VERSIONS, HandshakeError, Negotiated, VersionRange, civil_from_unix,
    decode_server_hello, encode_client_hello, encode_server_hello, format_tws_time, negotiate,
    parse_version_range, unix_from_civil,
};
pub use order_extras::{ComboLeg, MAX_COMBO_LEGS, OrderExtras};
pub use order_template::{OrderTemplate, TemplateError};
pub use proto_request::ProtoRequest;
pub use request::{ContractSpec, ExecutionFilter, HistoricalRequest, OrderRequest, Request};
pub use text::{
    Bar, CommissionReport, ContractDataView, ContractView, EndMarker, ErrorMsg, ExecutionData,
    HistoricalData, ManagedAccts, NextValidId, OpenOrderHead, OpenOrderView, OrderStatus,
    PositionData, ServerMessage, TickByTick, TickByTickData, TickPrice, TickSize,
};
pub use ticks_request::{HistoricalTicksRequest, TickKind};
