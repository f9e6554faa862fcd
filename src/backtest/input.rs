//! The quote file into the backtest: rows read in fixed-size chunks, parsed by the one quote
//! scanner ([`crate::rundir::QuoteScanner`]), malformed rows counted (the first kept with their
//! line numbers). Quote files of any format, several merged by time
//! ([`crate::rundir::QuoteInputs`]), come in as [`QuoteRecord`]s ([`Backtest::run_inputs`]).

use super::{Backtest, KEPT_ERRORS};
use crate::rundir::{
    NO_SYMBOL, QUOTE_HEADER, QuoteFields, QuoteInputError, QuoteInputs, QuoteRecord, RowError,
    RowProblem,
};
use crate::types::Quote;
use std::io::{self, Read};

impl Backtest {
    fn reject(&mut self, line: u64, problem: RowProblem) {
        let c = &mut self.counters;
        match problem {
            RowProblem::FieldCount => c.field_count += 1,
            RowProblem::BadTimestamp => c.bad_timestamp += 1,
            RowProblem::BadNumber => c.bad_number += 1,
            RowProblem::UnknownSymbol => c.unknown_symbol += 1,
            RowProblem::TimeBackwards => c.time_backwards += 1,
            RowProblem::CrossedQuote => c.crossed_quote += 1,
        }
        if self.errors.len() < KEPT_ERRORS {
            self.errors.push(RowError { line, problem });
        }
    }

    /// Parses one data row (`ts_ns,symbol,bid,bid_size,ask,ask_size`) and processes it.
    #[inline]
    pub fn feed_line(&mut self, line: &[u8], line_no: u64) {
        let row = self.scanner.scan(line);
        self.feed_row(row, line_no);
    }

    /// Processes one row that a caller's [`crate::rundir::QuoteScanner`] already scanned (rows
    /// scanned once and fed to many backtests, as a parameter sweep does), or counts it as
    /// skipped for the scanner's reason: the same as [`Backtest::feed_line`] on the row's text.
    #[inline]
    pub fn feed_row(&mut self, row: Result<QuoteFields<'_>, RowProblem>, line_no: u64) {
        self.counters.rows += 1;
        let row = match row {
            Ok(row) => row,
            Err(problem) => return self.reject(line_no, problem),
        };
        let Some(instrument) = self.keys.find(row.symbol) else {
            return self.reject(line_no, RowProblem::UnknownSymbol);
        };
        let top = [row.bid, row.bid_size, row.ask, row.ask_size];
        self.accept(instrument, row.ts_ns, top, [row.last, row.last_size]);
    }

    /// A row that passed the rules, as the next quote: `top` is bid, bid size, ask, ask size;
    /// `trade` the trade printed with it (price, size; size 0: none), which the exchange applies
    /// before the quote.
    #[inline]
    fn accept(&mut self, instrument: u16, ts_ns: i64, top: [f64; 4], trade: [f64; 2]) {
        let [bid, bid_size, ask, ask_size] = top;
        self.row_trade = (trade[1] > 0.0).then(|| crate::exchange::Trade {
            price: crate::types::cents(trade[0]),
            size: trade[1] as u32,
        });
        self.seq += 1;
        let q = Quote {
            seq: self.seq,
            instrument,
            t_ns: ts_ns as u64,
            bid,
            ask,
            bid_size,
            ask_size,
        };
        self.on_quote(&q);
    }

    /// Reads a whole quote file (header first) from `input`, in fixed-size chunks.
    ///
    /// # Errors
    /// I/O errors, or a missing header.
    pub fn run_reader<R: Read>(
        &mut self,
        mut input: R,
        mut progress: impl FnMut(u64),
    ) -> io::Result<()> {
        let mut buf = vec![0u8; 1 << 20];
        let (mut filled, mut line_no, mut header_seen, mut consumed_total) =
            (0usize, 0u64, false, 0u64);
        loop {
            let n = input.read(&mut buf[filled..])?;
            let eof = n == 0;
            filled += n;
            let mut start = 0;
            while let Some(nl) = memchr::memchr(b'\n', &buf[start..filled]) {
                let line = &buf[start..start + nl];
                line_no += 1;
                if !header_seen {
                    if !crate::rundir::is_quote_header(line) {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("line 1: expected header `{}`", QUOTE_HEADER),
                        ));
                    }
                    header_seen = true;
                } else if !line.is_empty() {
                    self.feed_line(line, line_no);
                }
                start += nl + 1;
            }
            consumed_total += start as u64;
            if eof {
                if start < filled {
                    line_no += 1;
                    if header_seen {
                        self.feed_line(&buf[start..filled], line_no);
                    }
                }
                break;
            }
            buf.copy_within(start..filled, 0);
            filled -= start;
            if filled == buf.len() {
                // A single line longer than the buffer: grow once.
                buf.resize(buf.len() * 2, 0);
            }
            progress(consumed_total);
        }
        if !header_seen {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "empty quote file (no header)",
            ));
        }
        Ok(())
    }

    /// Processes one row of a quote file of any format, its symbol already looked up
    /// (`instrument`): the same as [`Backtest::feed_row`] on the row's text, with the row
    /// number (line, Parquet or DBN row) kept for a skipped row.
    #[inline]
    pub fn feed_record(&mut self, row: &QuoteRecord, instrument: Option<u16>) {
        self.counters.rows += 1;
        if let Some(problem) = row.problem {
            return self.reject(row.row, problem);
        }
        let Some(instrument) = instrument else {
            return self.reject(row.row, RowProblem::UnknownSymbol);
        };
        let top = [row.bid, row.bid_size, row.ask, row.ask_size];
        self.accept(instrument, row.ts_ns, top, [row.last, row.last_size]);
    }

    /// Reads every row of `inputs` (any formats, merged by time): each symbol is looked up once.
    /// `progress` gets the rows read so far after each batch.
    ///
    /// # Errors
    /// A file that cannot be read on, naming it and the place (row group, record, line).
    pub fn run_inputs(
        &mut self,
        inputs: &mut QuoteInputs,
        mut progress: impl FnMut(u64),
    ) -> Result<(), QuoteInputError> {
        let mut batch = Vec::with_capacity(1 << 14);
        let mut instruments: Vec<Option<u16>> = Vec::new();
        let mut rows = 0u64;
        while inputs.next_batch(&mut batch)? {
            let names = inputs.symbols().names();
            while instruments.len() < names.len() {
                instruments.push(self.keys.find(names[instruments.len()].as_bytes()));
            }
            for r in &batch {
                let instrument = if r.symbol == NO_SYMBOL {
                    None
                } else {
                    instruments[r.symbol as usize]
                };
                self.feed_record(r, instrument);
            }
            rows += batch.len() as u64;
            progress(rows);
        }
        Ok(())
    }
}
