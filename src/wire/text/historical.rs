//! Historical bars: HISTORICAL_DATA and, from version 196, HISTORICAL_DATA_END.

use crate::wire::fields::{DecodeError, Fields};
use crate::wire::frame::FrameWriter;
use crate::wire::ids::incoming as id;

/// First version whose HISTORICAL_DATA omits start/end (sent in HISTORICAL_DATA_END instead).
pub const HISTORICAL_DATA_END_VERSION: i32 = 196;

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
