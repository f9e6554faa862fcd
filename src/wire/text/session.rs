//! Session messages: errors and notices, the next order id, managed accounts and the end
//! markers that close a list.

use crate::wire::fields::{DecodeError, Fields};
use crate::wire::frame::FrameWriter;
use crate::wire::handshake::ERROR_TIME_VERSION;
use crate::wire::ids::incoming as id;

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
