//! Market data: price and size ticks, tick-by-tick events.

use crate::wire::fields::{DecodeError, Fields};
use crate::wire::frame::FrameWriter;
use crate::wire::ids::incoming as id;

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
