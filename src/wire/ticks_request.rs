//! REQ_HISTORICAL_TICKS (96) and its cancel, in both encodings.
//!
//! Text layout (no version field), as the official client writes it:
//! `96 | reqId | contract (12 fields) | includeExpired | startDateTime | endDateTime |
//! numberOfTicks | whatToShow | useRth | ignoreSize | miscOptions`. Exactly one of the two dates
//! is set (`YYYYMMDD HH:MM:SS UTC`); the gateway checks that, not the codec.
//!
//! Protobuf (`HistoricalTicksRequest`) carries the same fields by tag; the `ibapi` crate sends it
//! at server version 226.

use super::fields::{DecodeError, Fields};
use super::frame::FrameWriter;
use super::ids::outgoing as id;
use super::proto as pb;
use super::request::ContractSpec;

/// What a historical-ticks request asks for (`whatToShow`); the answer's message follows from it
/// (MIDPOINT: 96, BID_ASK: 97, TRADES: 98).
///
/// # Examples
/// ```
/// use hft::wire::TickKind;
/// assert_eq!(TickKind::parse("BID_ASK"), Some(TickKind::BidAsk));
/// assert_eq!(TickKind::Trades.as_str(), "TRADES");
/// assert_eq!(TickKind::BidAsk.pacing_weight(), 2);
/// assert_eq!(TickKind::parse("BID"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickKind {
    BidAsk,
    Midpoint,
    Trades,
}

impl TickKind {
    /// IB's `whatToShow` name.
    pub fn as_str(self) -> &'static str {
        match self {
            TickKind::BidAsk => "BID_ASK",
            TickKind::Midpoint => "MIDPOINT",
            TickKind::Trades => "TRADES",
        }
    }

    /// Parses IB's name.
    pub fn parse(s: &str) -> Option<Self> {
        [TickKind::BidAsk, TickKind::Midpoint, TickKind::Trades]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The request's weight in IB's historical pacing: a BID_ASK request counts twice.
    pub fn pacing_weight(self) -> u32 {
        if self == TickKind::BidAsk { 2 } else { 1 }
    }
}

/// REQ_HISTORICAL_TICKS: up to `number_of_ticks` ticks before `end_date_time` or after
/// `start_date_time`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoricalTicksRequest<'a> {
    pub req_id: i32,
    pub contract: ContractSpec<'a>,
    pub start_date_time: &'a str,
    pub end_date_time: &'a str,
    pub number_of_ticks: i32,
    /// `BID_ASK`, `MIDPOINT` or `TRADES`.
    pub what_to_show: &'a str,
    pub use_rth: bool,
    pub ignore_size: bool,
}

impl<'a> HistoricalTicksRequest<'a> {
    /// Reads the fields after the message id.
    ///
    /// # Errors
    /// A missing or malformed field.
    pub fn decode_fields(f: &mut Fields<'a>) -> Result<Self, DecodeError> {
        let req_id = f.i32()?;
        let contract = ContractSpec::decode(f)?;
        f.skip_fields(1)?; // includeExpired
        let r = HistoricalTicksRequest {
            req_id,
            contract,
            start_date_time: f.str()?,
            end_date_time: f.str()?,
            number_of_ticks: f.i32()?,
            what_to_show: f.str()?,
            use_rth: f.bool()?,
            ignore_size: f.bool()?,
        };
        // miscOptions: present from the official client, absent from older ones.
        if !f.is_empty() {
            f.skip_fields(1)?;
        }
        Ok(r)
    }

    /// Appends the fields after the message id.
    pub fn encode_fields(&self, w: &mut FrameWriter<'_>) {
        w.i32(id::REQ_HISTORICAL_TICKS).i32(self.req_id);
        self.contract.encode(w);
        w.bool(false)
            .str(self.start_date_time)
            .str(self.end_date_time)
            .i32(self.number_of_ticks)
            .str(self.what_to_show)
            .bool(self.use_rth)
            .bool(self.ignore_size)
            .str("");
    }

    /// The request viewed from its protobuf message (absent strings are empty, `whatToShow`
    /// defaults to `TRADES` as for bars).
    pub fn from_proto(m: &'a pb::HistoricalTicksRequest, contract: ContractSpec<'a>) -> Self {
        HistoricalTicksRequest {
            req_id: m.req_id.unwrap_or(0),
            contract,
            start_date_time: m.start_date_time.as_deref().unwrap_or(""),
            end_date_time: m.end_date_time.as_deref().unwrap_or(""),
            number_of_ticks: m.number_of_ticks.unwrap_or(0),
            what_to_show: m.what_to_show.as_deref().unwrap_or("TRADES"),
            use_rth: m.use_rth.unwrap_or(false),
            ignore_size: m.ignore_size.unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Request, split_frame};

    #[test]
    fn text_round_trip() {
        let r = HistoricalTicksRequest {
            req_id: 7,
            contract: ContractSpec::stock("SPY"),
            start_date_time: "",
            end_date_time: "20261106 21:00:00 UTC",
            number_of_ticks: 1000,
            what_to_show: "BID_ASK",
            use_rth: true,
            ignore_size: false,
        };
        let mut out = Vec::new();
        Request::HistoricalTicks(r).encode_text(&mut out);
        let (body, used) = split_frame(&out, 1 << 20).unwrap().unwrap();
        assert_eq!(used, out.len());
        assert_eq!(
            Request::decode_text(body).unwrap(),
            Request::HistoricalTicks(r)
        );
        // A truncated frame is an error, not a panic.
        let cut = &body[..body.len() - 6];
        assert!(Request::decode_text(cut).is_err());
    }
}
