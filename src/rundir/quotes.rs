//! Quote files, `ts_ns,symbol,bid,bid_size,ask,ask_size` (Unix nanoseconds, non-decreasing),
//! optionally with the last trade of the event, `...,last,last_size` ([`QUOTE_HEADER_TRADES`]):
//! the one parser, used by `hft backtest` and by the paper gateway's replay, so both read every
//! row the same way.
//!
//! Rules, in the order they are checked:
//! - six comma-separated fields, or eight with the trade columns (a trailing `\r` is ignored),
//!   else [`RowProblem::FieldCount`];
//! - `ts_ns` a non-negative integer, else [`RowProblem::BadTimestamp`];
//! - prices positive and finite, sizes non-negative, else [`RowProblem::BadNumber`];
//! - `ts_ns` not below the previous accepted row's, else [`RowProblem::TimeBackwards`];
//! - `bid <= ask` (a locked quote is kept), else [`RowProblem::CrossedQuote`];
//! - the trade columns both empty (no trade with this quote), or a positive finite `last` and
//!   a positive `last_size`, else [`RowProblem::BadNumber`].
//!
//! A rejected row leaves the scanner as it was. Prices become exchange cents by [`cents`].

use crate::exchange::BookTop;
use crate::types::cents;
use crate::wire::{parse_f64, parse_i64};

/// The header every quote file starts with.
pub const QUOTE_HEADER: &str = "ts_ns,symbol,bid,bid_size,ask,ask_size";

/// The header of a quote file whose rows may carry a trade print: the trade that happened with
/// the quote (`last` its price, `last_size` its shares; both empty for a row without one). The
/// exchange applies the trade before the quote (queues at its price move, resting orders fill).
pub const QUOTE_HEADER_TRADES: &str = "ts_ns,symbol,bid,bid_size,ask,ask_size,last,last_size";

/// True for either quote file header ([`QUOTE_HEADER`], [`QUOTE_HEADER_TRADES`]); a trailing
/// `\r` is ignored.
///
/// # Examples
/// ```
/// use hft::rundir::is_quote_header;
/// assert!(is_quote_header(b"ts_ns,symbol,bid,bid_size,ask,ask_size"));
/// assert!(is_quote_header(b"ts_ns,symbol,bid,bid_size,ask,ask_size,last,last_size\r"));
/// assert!(!is_quote_header(b"ts,symbol,bid,ask"));
/// ```
pub fn is_quote_header(line: &[u8]) -> bool {
    let h = line.strip_suffix(b"\r").unwrap_or(line);
    h == QUOTE_HEADER.as_bytes() || h == QUOTE_HEADER_TRADES.as_bytes()
}

/// Appends the trade columns of a [`QUOTE_HEADER_TRADES`] row to a row [`write_quote_row`]
/// wrote (its newline is replaced): `last,last_size`, or two empty fields when `last_size` is
/// 0 (no trade).
///
/// # Examples
/// ```
/// use hft::rundir::{QuoteScanner, write_quote_row, write_trade_columns};
/// let mut out = Vec::new();
/// write_quote_row(&mut out, 7, "SPY", 451.53, 100.0, 451.56, 500.0);
/// write_trade_columns(&mut out, 451.56, 200.0);
/// assert_eq!(out, b"7,SPY,451.53,100,451.56,500,451.56,200\n");
/// let row = QuoteScanner::default().scan(&out[..out.len() - 1]).unwrap();
/// assert_eq!((row.last, row.last_size), (451.56, 200.0));
/// ```
pub fn write_trade_columns(out: &mut Vec<u8>, last: f64, last_size: f64) {
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    out.push(b',');
    if last_size > 0.0 {
        let mut b = ryu::Buffer::new();
        let s = b.format(last);
        out.extend_from_slice(s.strip_suffix(".0").unwrap_or(s).as_bytes());
        out.push(b',');
        let s = b.format(last_size);
        out.extend_from_slice(s.strip_suffix(".0").unwrap_or(s).as_bytes());
    } else {
        out.push(b',');
    }
    out.push(b'\n');
}

/// Appends one row in the layout [`QuoteScanner`] reads (numbers in their shortest exact form,
/// whole sizes without a fraction): the one quote writer.
///
/// # Examples
/// ```
/// use hft::rundir::{QuoteScanner, write_quote_row};
/// let mut out = Vec::new();
/// write_quote_row(&mut out, 1_700_000_000_000_000_007, "SPY", 451.53, 100.0, 451.56, 500.0);
/// assert_eq!(out, b"1700000000000000007,SPY,451.53,100,451.56,500\n");
/// let row = QuoteScanner::default().scan(&out[..out.len() - 1]).unwrap();
/// assert_eq!((row.ts_ns, row.bid, row.ask_size), (1_700_000_000_000_000_007, 451.53, 500.0));
/// ```
pub fn write_quote_row(
    out: &mut Vec<u8>,
    ts_ns: i64,
    symbol: &str,
    bid: f64,
    bid_size: f64,
    ask: f64,
    ask_size: f64,
) {
    let mut int = itoa::Buffer::new();
    out.extend_from_slice(int.format(ts_ns).as_bytes());
    out.push(b',');
    out.extend_from_slice(symbol.as_bytes());
    for x in [bid, bid_size, ask, ask_size] {
        out.push(b',');
        let mut b = ryu::Buffer::new();
        let s = b.format(x);
        out.extend_from_slice(s.strip_suffix(".0").unwrap_or(s).as_bytes());
    }
    out.push(b'\n');
}

/// The header of `md_events.csv` (raw market-data events, `engine.record_events`).
pub const MD_EVENTS_HEADER: &str = "seq,t_recv_ns,t_event_ns,symbol,tick,price,size,ask,ask_size";

/// Appends one raw market-data event as a row of `md_events.csv`: its sequence number, receive
/// time (monotonic ns), event time (Unix ns), symbol, tick kind (`bid`, `ask`, `bid_size`,
/// `ask_size`, `last`, `last_size`, `volume`, `bid_ask`) and numbers (`bid_ask`: bid, bid size,
/// ask, ask size; sizes alone in `size`; unused columns empty). A diagnostics file: what the feed
/// sent, before normalize judged it.
///
/// # Examples
/// ```
/// use hft::rundir::write_md_event_row;
/// use hft::types::{MdEvent, MdTick};
/// let e = MdEvent { seq: 3, t_recv_ns: 10, t_enq_ns: 11, t_event_ns: 20, req_id: 1000,
///     tick: MdTick::Bid { price: 99.5, size: 100.0 } };
/// let mut out = Vec::new();
/// write_md_event_row(&mut out, &e, "SPY");
/// assert_eq!(out, b"3,10,20,SPY,bid,99.5,100,,\n");
/// ```
pub fn write_md_event_row(out: &mut Vec<u8>, e: &crate::types::MdEvent, symbol: &str) {
    use crate::types::MdTick;
    let mut int = itoa::Buffer::new();
    for n in [e.seq, e.t_recv_ns, e.t_event_ns] {
        out.extend_from_slice(int.format(n).as_bytes());
        out.push(b',');
    }
    out.extend_from_slice(symbol.as_bytes());
    let (kind, numbers): (&str, [Option<f64>; 4]) = match e.tick {
        MdTick::Bid { price, size } => ("bid", [Some(price), Some(size), None, None]),
        MdTick::Ask { price, size } => ("ask", [Some(price), Some(size), None, None]),
        MdTick::BidSize(size) => ("bid_size", [None, Some(size), None, None]),
        MdTick::AskSize(size) => ("ask_size", [None, Some(size), None, None]),
        MdTick::Last { price, size } => ("last", [Some(price), Some(size), None, None]),
        MdTick::LastSize(size) => ("last_size", [None, Some(size), None, None]),
        MdTick::Volume(v) => ("volume", [None, Some(v), None, None]),
        MdTick::BidAsk {
            bid,
            ask,
            bid_size,
            ask_size,
        } => (
            "bid_ask",
            [Some(bid), Some(bid_size), Some(ask), Some(ask_size)],
        ),
    };
    out.push(b',');
    out.extend_from_slice(kind.as_bytes());
    for x in numbers {
        out.push(b',');
        if let Some(x) = x {
            let mut b = ryu::Buffer::new();
            let s = b.format(x);
            out.extend_from_slice(s.strip_suffix(".0").unwrap_or(s).as_bytes());
        }
    }
    out.push(b'\n');
}

/// Why a row was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowProblem {
    FieldCount,
    BadTimestamp,
    BadNumber,
    UnknownSymbol,
    TimeBackwards,
    CrossedQuote,
}

impl RowProblem {
    /// What is wrong, in words.
    pub fn reason(self) -> &'static str {
        match self {
            RowProblem::FieldCount => "expected 6 comma-separated fields (8 with last,last_size)",
            RowProblem::BadTimestamp => "ts_ns is not a non-negative integer",
            RowProblem::BadNumber => "a price is not positive or a size is negative",
            RowProblem::UnknownSymbol => "unknown symbol",
            RowProblem::TimeBackwards => "time goes backwards",
            RowProblem::CrossedQuote => "bid above ask",
        }
    }
}

/// One accepted row, borrowing its symbol from the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuoteFields<'a> {
    pub ts_ns: i64,
    pub symbol: &'a [u8],
    pub bid: f64,
    pub bid_size: f64,
    pub ask: f64,
    pub ask_size: f64,
    /// The trade printed with this quote (cents-exact price), 0 when none.
    pub last: f64,
    /// Its shares, 0 when the row has no trade.
    pub last_size: f64,
}

impl QuoteFields<'_> {
    /// The row as the exchange's book sees it: prices in cents, whole-share sizes.
    #[inline]
    pub fn book_top(&self) -> BookTop {
        BookTop {
            bid: cents(self.bid),
            ask: cents(self.ask),
            bid_size: self.bid_size as u32,
            ask_size: self.ask_size as u32,
        }
    }
}

/// Reads rows in file order, keeping the time of the last accepted one.
///
/// # Examples
/// ```
/// use hft::rundir::{QuoteScanner, RowProblem};
/// let mut s = QuoteScanner::default();
/// let row = s.scan(b"1700000000000000000,SPY,451.53,100,451.56,500").unwrap();
/// assert_eq!((row.symbol, row.bid, row.ask_size), (&b"SPY"[..], 451.53, 500.0));
/// assert_eq!(s.scan(b"1,SPY,1,1,1,1"), Err(RowProblem::TimeBackwards));
/// assert_eq!(s.scan(b"1700000000000000000,SPY,2,1,1,1"), Err(RowProblem::CrossedQuote));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct QuoteScanner {
    last_ts: i64,
}

impl Default for QuoteScanner {
    fn default() -> Self {
        QuoteScanner { last_ts: i64::MIN }
    }
}

impl QuoteScanner {
    /// Parses one data row (not the header).
    ///
    /// # Errors
    /// The first rule of the module documentation the row breaks.
    #[inline(always)]
    pub fn scan<'a>(&mut self, line: &'a [u8]) -> Result<QuoteFields<'a>, RowProblem> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let (line, trade) = match five_commas(line) {
            Some(_) => (line, None),
            None => split_trade(line)
                .map(|(quote, trade)| (quote, Some(trade)))
                .ok_or(RowProblem::FieldCount)?,
        };
        let c = five_commas(line).ok_or(RowProblem::FieldCount)?;
        let fields: [&[u8]; 6] = [
            &line[..c[0]],
            &line[c[0] + 1..c[1]],
            &line[c[1] + 1..c[2]],
            &line[c[2] + 1..c[3]],
            &line[c[3] + 1..c[4]],
            &line[c[4] + 1..],
        ];
        // Spaces around a field are rare (hand-edited files): only looked for when a number
        // does not parse as it is.
        #[inline(always)]
        fn int(f: &[u8]) -> Option<i64> {
            match parse_i64(f) {
                Some(v) => Some(v),
                None => parse_i64(f.trim_ascii()),
            }
        }
        #[inline(always)]
        fn num(f: &[u8]) -> Option<f64> {
            match parse_f64(f) {
                Some(v) => Some(v),
                None => parse_f64(f.trim_ascii()),
            }
        }
        let ts_ns = int(fields[0]).unwrap_or(-1);
        let (Some(bid), Some(bid_size), Some(ask), Some(ask_size)) = (
            num(fields[2]),
            num(fields[3]),
            num(fields[4]),
            num(fields[5]),
        ) else {
            // The timestamp rule comes first, as in `check`.
            return Err(if ts_ns < 0 {
                RowProblem::BadTimestamp
            } else {
                RowProblem::BadNumber
            });
        };
        let (last, last_size) = match trade {
            None => (0.0, 0.0),
            Some((p, q)) if p.is_empty() && q.is_empty() => (0.0, 0.0),
            Some((p, q)) => match (num(p), num(q)) {
                (Some(p), Some(q)) => (p, q),
                _ if ts_ns < 0 => return Err(RowProblem::BadTimestamp),
                _ => return Err(RowProblem::BadNumber),
            },
        };
        check_trade(last, last_size).map_err(|p| {
            if ts_ns < 0 {
                RowProblem::BadTimestamp
            } else {
                p
            }
        })?;
        self.check(ts_ns, bid, bid_size, ask, ask_size)?;
        Ok(QuoteFields {
            ts_ns,
            symbol: trim(fields[1]),
            bid,
            bid_size,
            ask,
            ask_size,
            last,
            last_size,
        })
    }
}

/// The trade columns' rule: no trade (both 0), or a positive finite price and a positive size.
///
/// # Errors
/// [`RowProblem::BadNumber`] otherwise (a NaN, a null, a negative or a lone value).
#[inline]
pub fn check_trade(last: f64, last_size: f64) -> Result<(), RowProblem> {
    let none = last == 0.0 && last_size == 0.0;
    let trade = last > 0.0 && last.is_finite() && last_size > 0.0 && last_size.is_finite();
    if none || trade {
        Ok(())
    } else {
        Err(RowProblem::BadNumber)
    }
}

/// A row's two trade fields: `last`, `last_size`.
type TradeFields<'a> = (&'a [u8], &'a [u8]);

/// An eight-field row split into its six quote fields and its two trade fields (the scanner
/// tries the six-field layout first, so a file without trades never comes here).
fn split_trade(line: &[u8]) -> Option<(&[u8], TradeFields<'_>)> {
    let last_comma = memchr::memrchr(b',', line)?;
    let mid_comma = memchr::memrchr(b',', &line[..last_comma])?;
    let quote = &line[..mid_comma];
    five_commas(quote)?;
    Some((
        quote,
        (&line[mid_comma + 1..last_comma], &line[last_comma + 1..]),
    ))
}

impl QuoteScanner {
    /// The rules of the module documentation after the field count, on values already decoded
    /// (a binary quote file's row, or a CSV row's parsed fields): a negative `ts_ns` is
    /// [`RowProblem::BadTimestamp`], a NaN price or size (a null) is [`RowProblem::BadNumber`].
    /// An accepted row becomes the new time to compare with.
    ///
    /// # Errors
    /// The first rule the row breaks.
    ///
    /// # Examples
    /// ```
    /// use hft::rundir::{QuoteScanner, RowProblem};
    /// let mut s = QuoteScanner::default();
    /// assert_eq!(s.check(5, 10.0, 1.0, 10.01, 1.0), Ok(()));
    /// assert_eq!(s.check(4, 10.0, 1.0, 10.01, 1.0), Err(RowProblem::TimeBackwards));
    /// assert_eq!(s.check(6, f64::NAN, 1.0, 10.01, 1.0), Err(RowProblem::BadNumber));
    /// ```
    #[inline(always)]
    pub fn check(
        &mut self,
        ts_ns: i64,
        bid: f64,
        bid_size: f64,
        ask: f64,
        ask_size: f64,
    ) -> Result<(), RowProblem> {
        if ts_ns < 0 {
            return Err(RowProblem::BadTimestamp);
        }
        if !(bid > 0.0
            && ask > 0.0
            && bid.is_finite()
            && ask.is_finite()
            && bid_size >= 0.0
            && ask_size >= 0.0)
        {
            return Err(RowProblem::BadNumber);
        }
        if ts_ns < self.last_ts {
            return Err(RowProblem::TimeBackwards);
        }
        if bid > ask {
            return Err(RowProblem::CrossedQuote);
        }
        self.last_ts = ts_ns;
        Ok(())
    }

    /// The time of the last accepted row (`i64::MIN` before the first).
    pub fn last_ts(&self) -> i64 {
        self.last_ts
    }
}

/// Spaces around a field are ignored (hand-edited files).
#[inline]
fn trim(f: &[u8]) -> &[u8] {
    if f.first() != Some(&b' ') && f.last() != Some(&b' ') {
        return f;
    }
    f.trim_ascii()
}

/// Symbols looked up by their first eight bytes and length: one integer compare per candidate
/// instead of a string compare.
#[derive(Debug, Clone)]
pub struct SymbolKeys {
    keys: Vec<(usize, u64)>,
    symbols: Vec<String>,
}

impl SymbolKeys {
    /// Keys for `symbols`, in index order.
    pub fn new(symbols: &[String]) -> Self {
        SymbolKeys {
            keys: symbols.iter().map(|s| symbol_key(s.as_bytes())).collect(),
            symbols: symbols.to_vec(),
        }
    }

    /// The index of `symbol`.
    #[inline]
    pub fn find(&self, symbol: &[u8]) -> Option<u16> {
        let key = symbol_key(symbol);
        self.keys
            .iter()
            .zip(&self.symbols)
            .position(|(k, s)| *k == key && (symbol.len() <= 8 || s.as_bytes() == symbol))
            .map(|i| i as u16)
    }
}

/// Length and the first eight bytes of a symbol, packed for a quick compare.
#[inline]
fn symbol_key(s: &[u8]) -> (usize, u64) {
    // Shifted in byte by byte: a variable-length copy into a stack word is a memcpy call whose
    // byte stores the word's load then waits for (no store forwarding).
    let mut word = 0u64;
    for (i, &b) in s.iter().take(8).enumerate() {
        word |= u64::from(b) << (8 * i);
    }
    (s.len(), word)
}

/// Positions of exactly five commas in `line`, eight bytes at a time (SWAR: a byte of
/// `word ^ ",,,,,,,,"` is zero where the row has a comma; the masked-add test below flags exactly
/// those bytes, with no false positives). Rows are about 45 bytes, too short for a SIMD search to
/// pay for its set-up.
#[inline]
fn five_commas(line: &[u8]) -> Option<[usize; 5]> {
    const COMMAS: u64 = 0x2c2c_2c2c_2c2c_2c2c;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut out = [0usize; 5];
    let mut n = 0;
    let mut push = |pos: usize| -> bool {
        if n == 5 {
            return false;
        }
        out[n] = pos;
        n += 1;
        true
    };
    let mut chunks = line.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("chunks_exact yields 8 bytes")) ^ COMMAS;
        let mut zero_bytes = !(((x & LOW7) + LOW7) | x | LOW7);
        while zero_bytes != 0 {
            if !push(base + zero_bytes.trailing_zeros() as usize / 8) {
                return None;
            }
            zero_bytes &= zero_bytes - 1;
        }
        base += 8;
    }
    for (k, &b) in chunks.remainder().iter().enumerate() {
        if b == b',' && !push(base + k) {
            return None;
        }
    }
    (n == 5).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::{QuoteScanner, RowProblem, five_commas};

    #[test]
    fn trade_columns_are_read_and_checked() {
        let mut s = QuoteScanner::default();
        let row = s.scan(b"1,SPY,10,100,10.02,200,10.02,300").unwrap();
        assert_eq!(
            (row.ask_size, row.last, row.last_size),
            (200.0, 10.02, 300.0)
        );
        // Empty trade columns: a quote without a trade.
        let row = s.scan(b"2,SPY,10,100,10.02,200,,\r").unwrap();
        assert_eq!((row.ask, row.last, row.last_size), (10.02, 0.0, 0.0));
        // Six fields still read (an old file).
        assert_eq!(s.scan(b"3,SPY,10,100,10.02,200").unwrap().last_size, 0.0);
        for bad in [
            &b"4,SPY,10,100,10.02,200,10.02,"[..],
            b"4,SPY,10,100,10.02,200,,300",
            b"4,SPY,10,100,10.02,200,-1,300",
            b"4,SPY,10,100,10.02,200,10.02,0",
            b"4,SPY,10,100,10.02,200,x,100",
        ] {
            assert_eq!(s.scan(bad), Err(RowProblem::BadNumber), "{bad:?}");
        }
        for bad in [
            &b"5,SPY,10,100,10.02,200,10.02"[..],
            b"5,SPY,10,100,10.02,200,1,2,3",
        ] {
            assert_eq!(s.scan(bad), Err(RowProblem::FieldCount), "{bad:?}");
        }
        // A rejected row leaves the scanner as it was: time 3 is still the last.
        assert_eq!(s.last_ts(), 3);
    }

    #[test]
    fn commas_found_at_every_position() {
        let naive = |l: &[u8]| {
            let v: Vec<usize> = l
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b',')
                .map(|(i, _)| i)
                .collect();
            (v.len() == 5).then(|| [v[0], v[1], v[2], v[3], v[4]])
        };
        let rows: [&[u8]; 6] = [
            b"1767225600002328368,IVV,451.53,100,451.56,500",
            b"1,a,2,3,4,5",
            b",,,,,",
            b"1,2,3,4,5",
            b"1,2,3,4,5,6,7",
            b"\xff\x2d\x2b,,x,,\xac,,",
        ];
        for r in rows {
            assert_eq!(five_commas(r), naive(r), "{r:?}");
        }
        // Every length and comma position up to 40 bytes.
        for len in 0..40 {
            for start in 0..len {
                let mut row = vec![b'7'; len];
                for k in 0..5 {
                    if start + 3 * k < len {
                        row[start + 3 * k] = b',';
                    }
                }
                assert_eq!(five_commas(&row), naive(&row));
            }
        }
    }
}
