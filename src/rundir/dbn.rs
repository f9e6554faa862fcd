//! Databento DBN quote files (plain or zstd-compressed, by their first bytes) as a
//! [`QuoteSource`], and written by [`write_dbn`].
//!
//! Schemas read as quotes: MBP-1 and TBBO (`Mbp1Msg`: the top level's `bid_px`, `ask_px`,
//! `bid_sz`, `ask_sz`; a record whose `action` is `T` is also a trade print of `size` at `price`,
//! the row's `last,last_size`), BBO-1s and BBO-1m (`BboMsg`, the same level). Time is `ts_recv`, the
//! index time the files are sorted by. Prices are DBN's fixed point (1e-9 units); an undefined
//! price (`UNDEF_PRICE`, an empty side) is a NaN, which the rules reject as a bad number.
//! Symbols come from the file's metadata (its mappings of raw symbols to instrument ids) and
//! from symbol-mapping records in the stream; a record of an unmapped instrument is an
//! unknown symbol. Any other schema, or a record of another type in a file of a quote schema,
//! is an error naming the file and the record.
//!
//! The `dbn` decoder ends quietly at a partial record, so bytes are counted on the way in: a
//! file that ends inside a record is reported as truncated.

use super::records::{NO_SYMBOL, QuoteInputError, QuoteRecord, QuoteSource, SymbolTable};
use super::{QuoteScanner, RowProblem, check_trade};
use dbn::decode::dbn::Decoder;
use dbn::decode::{DbnMetadata, DecodeRecordRef};
use dbn::{
    BboMsg, BidAskPair, MappingInterval, Mbp1Msg, RecordHeader, SType, Schema, SymbolMapping,
    SymbolMappingMsg, VersionUpgradePolicy, rtype,
};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Records per batch.
const BATCH_RECORDS: usize = 1 << 14;

/// Counts the bytes the decoder takes and keeps the first read error.
struct Counting {
    inner: Box<dyn Read>,
    bytes: u64,
    error: Option<String>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(n) => {
                self.bytes += n as u64;
                Ok(n)
            }
            Err(e) => {
                self.error.get_or_insert_with(|| e.to_string());
                Err(e)
            }
        }
    }
}

/// A DBN quote file being read.
pub struct DbnSource {
    path: PathBuf,
    file: u16,
    decoder: Decoder<Counting>,
    /// Bytes of the (decompressed) stream the metadata and the records decoded so far take.
    consumed: u64,
    /// Raw symbols by instrument id, from the metadata, interned on the first batch.
    pending: Vec<(u32, String)>,
    instruments: HashMap<u32, u32>,
    record: u64,
    version: u8,
    scanner: QuoteScanner,
}

fn quote_schema(schema: Schema) -> bool {
    matches!(
        schema,
        Schema::Mbp1 | Schema::Tbbo | Schema::Bbo1S | Schema::Bbo1M
    )
}

impl DbnSource {
    /// Opens `path` (DBN, or zstd-compressed DBN) and reads its metadata.
    ///
    /// # Errors
    /// Not DBN, corrupt metadata, a schema that is not a quote schema.
    pub fn open(path: &Path, file: u16) -> Result<Self, QuoteInputError> {
        let err = |d: String| QuoteInputError::new(path, d);
        let f = std::fs::File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
        let mut buffered = io::BufReader::with_capacity(1 << 20, f);
        let first =
            io::BufRead::fill_buf(&mut buffered).map_err(|e| err(format!("cannot read: {e}")))?;
        let inner: Box<dyn Read> = if first.starts_with(super::records::ZSTD_MAGIC) {
            Box::new(
                zstd::stream::read::Decoder::with_buffer(buffered)
                    .map_err(|e| err(format!("zstd: {e}")))?,
            )
        } else {
            Box::new(buffered)
        };
        let mut counting = Counting {
            inner,
            bytes: 0,
            error: None,
        };
        // The 8-byte prefix ("DBN", the version, the metadata's length) is read here, so the
        // metadata's size is known for the byte count; the decoder gets the stream back whole.
        let mut prefix = [0u8; 8];
        counting
            .read_exact(&mut prefix)
            .map_err(|e| err(format!("not a DBN file (no metadata prefix): {e}")))?;
        if &prefix[..3] != super::records::DBN_MAGIC {
            return Err(err("not a DBN file (no `DBN` prefix)".into()));
        }
        let meta_len = u32::from_le_bytes(prefix[4..8].try_into().expect("4 bytes"));
        let chained = Counting {
            inner: Box::new(io::Cursor::new(prefix).chain(counting)),
            bytes: 0,
            error: None,
        };
        let decoder = Decoder::with_upgrade_policy(chained, VersionUpgradePolicy::AsIs)
            .map_err(|e| err(format!("metadata: {e}")))?;
        let meta = decoder.metadata();
        match meta.schema {
            Some(s) if !quote_schema(s) => {
                return Err(err(format!(
                    "DBN schema `{s}` is not a quote schema (mbp-1, tbbo, bbo-1s, bbo-1m are)"
                )));
            }
            _ => {}
        }
        let mut pending = Vec::new();
        for m in &meta.mappings {
            for i in &m.intervals {
                if let Ok(id) = i.symbol.parse::<u32>() {
                    pending.push((id, m.raw_symbol.clone()));
                }
            }
        }
        Ok(DbnSource {
            path: path.to_path_buf(),
            file,
            version: meta.version,
            decoder,
            consumed: 8 + u64::from(meta_len),
            pending,
            instruments: HashMap::new(),
            record: 0,
            scanner: QuoteScanner::default(),
        })
    }
}

/// MBP-1's `action` of a trade.
const TRADE_ACTION: std::ffi::c_char = b'T' as std::ffi::c_char;

/// DBN's fixed-point price as a number; undefined: NaN.
#[inline]
fn price(px: i64) -> f64 {
    if px == dbn::UNDEF_PRICE {
        f64::NAN
    } else {
        px as f64 / dbn::FIXED_PRICE_SCALE as f64
    }
}

impl QuoteSource for DbnSource {
    fn next_batch(
        &mut self,
        symbols: &mut SymbolTable,
        out: &mut Vec<QuoteRecord>,
    ) -> Result<bool, QuoteInputError> {
        for (id, raw) in self.pending.drain(..) {
            let s = symbols.intern(raw.as_bytes());
            self.instruments.entry(id).or_insert(s);
        }
        let before = out.len();
        let mut seen = 0;
        while seen < BATCH_RECORDS {
            let at = self.record + 1;
            let rec = match self.decoder.decode_record_ref() {
                Ok(Some(rec)) => rec,
                Ok(None) => {
                    let c = self.decoder.get_ref();
                    if let Some(e) = &c.error {
                        return Err(QuoteInputError::new(
                            &self.path,
                            format!("record {at}: {e}"),
                        ));
                    }
                    if c.bytes > self.consumed {
                        return Err(QuoteInputError::new(
                            &self.path,
                            format!(
                                "truncated: {} bytes after record {} are not a whole record",
                                c.bytes - self.consumed,
                                self.record
                            ),
                        ));
                    }
                    return Ok(out.len() > before);
                }
                Err(e) => {
                    return Err(QuoteInputError::new(
                        &self.path,
                        format!("record {at}: {e}"),
                    ));
                }
            };
            self.record = at;
            seen += 1;
            let mut mapped = None;
            let header: RecordHeader = *rec.header();
            self.consumed += header.record_size() as u64;
            let mut trade = (0.0, 0.0);
            let (ts_recv, level): (u64, BidAskPair) = match header.rtype {
                rtype::MBP_1 => match rec.get::<Mbp1Msg>() {
                    Some(m) => {
                        if m.action == TRADE_ACTION {
                            trade = (price(m.price), f64::from(m.size));
                        }
                        (m.ts_recv, m.levels[0].clone())
                    }
                    None => return Err(bad_record(&self.path, at, "a short MBP-1 record")),
                },
                rtype::BBO_1S | rtype::BBO_1M => match rec.get::<BboMsg>() {
                    Some(m) => (m.ts_recv, m.levels[0].clone()),
                    None => return Err(bad_record(&self.path, at, "a short BBO record")),
                },
                rtype::SYMBOL_MAPPING if self.version >= 2 => {
                    if let Some(m) = rec.get::<SymbolMappingMsg>()
                        && let Ok(raw) = m.stype_in_symbol()
                    {
                        let s = symbols.intern(raw.as_bytes());
                        mapped = Some((m.hd.instrument_id, s));
                    }
                    if let Some((id, s)) = mapped {
                        self.instruments.insert(id, s);
                    }
                    continue;
                }
                // Heartbeats, gateway notices and errors of a live session carry no quote.
                rtype::SYSTEM | rtype::ERROR | rtype::SYMBOL_MAPPING => continue,
                other => {
                    return Err(bad_record(
                        &self.path,
                        at,
                        &format!("record type 0x{other:02x} is not a quote (MBP-1, TBBO, BBO)"),
                    ));
                }
            };
            let symbol = self
                .instruments
                .get(&header.instrument_id)
                .copied()
                .unwrap_or(NO_SYMBOL);
            let ts_ns = i64::try_from(ts_recv).unwrap_or(-1);
            let (bid, ask) = (price(level.bid_px), price(level.ask_px));
            let (bid_size, ask_size) = (f64::from(level.bid_sz), f64::from(level.ask_sz));
            let last = self.scanner.last_ts().max(0);
            let problem = match check_trade(trade.0, trade.1)
                .and_then(|()| self.scanner.check(ts_ns, bid, bid_size, ask, ask_size))
            {
                Ok(()) => (symbol == NO_SYMBOL).then_some(RowProblem::UnknownSymbol),
                Err(p) => Some(p),
            };
            if !symbols.kept(symbol) {
                continue;
            }
            out.push(QuoteRecord {
                ts_ns: if problem.is_none() { ts_ns } else { last },
                bid,
                bid_size,
                ask,
                ask_size,
                row: at + 1,
                symbol,
                file: self.file,
                last: trade.0,
                last_size: trade.1,
                problem,
            });
        }
        Ok(true)
    }
}

fn bad_record(path: &Path, record: u64, what: &str) -> QuoteInputError {
    QuoteInputError::new(path, format!("record {record}: {what}"))
}

/// Writes `rows` (accepted rows only) as a DBN file of schema MBP-1 on `out`, zstd-compressed
/// when `zstd`: instrument id `k + 1` for symbol `k`, the metadata mapping each raw symbol to its
/// id over the dates the rows span. Sizes must be whole numbers that fit DBN's `u32`, prices
/// finite (DBN keeps 9 decimals).
///
/// # Errors
/// A size or price DBN cannot hold, or the writer's I/O error.
pub fn write_dbn<W: Write>(
    rows: &[QuoteRecord],
    symbols: &SymbolTable,
    zstd: bool,
    out: W,
) -> io::Result<()> {
    let ok: Vec<&QuoteRecord> = rows.iter().filter(|r| r.problem.is_none()).collect();
    let first = ok.first().map_or(0, |r| r.ts_ns.max(0) as u64);
    let last = ok.last().map_or(0, |r| r.ts_ns.max(0) as u64);
    let date = |ns: u64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns))
            .map(|t| t.date())
            .map_err(|e| io::Error::other(e.to_string()))
    };
    let (d0, d1) = (date(first)?, date(last)?.next_day().unwrap_or(date(last)?));
    let mappings = symbols
        .names()
        .iter()
        .enumerate()
        .map(|(k, name)| SymbolMapping {
            raw_symbol: name.clone(),
            intervals: vec![MappingInterval {
                start_date: d0,
                end_date: d1,
                symbol: (k + 1).to_string(),
            }],
        })
        .collect();
    let metadata = dbn::MetadataBuilder::new()
        .dataset("HFT.QUOTES")
        .schema(Some(Schema::Mbp1))
        .start(first)
        .end(std::num::NonZeroU64::new(last + 1))
        .stype_in(Some(SType::RawSymbol))
        .stype_out(SType::InstrumentId)
        .symbols(symbols.names().to_vec())
        .mappings(mappings)
        .build();
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let fixed = |p: f64| -> io::Result<i64> {
        let v = (p * dbn::FIXED_PRICE_SCALE as f64).round();
        if v.is_finite() && v.abs() < 9.2e18 {
            Ok(v as i64)
        } else {
            Err(bad(format!("price {p} does not fit DBN's fixed point")))
        }
    };
    let size = |s: f64| -> io::Result<u32> {
        if s.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&s) {
            Ok(s as u32)
        } else {
            Err(bad(format!(
                "size {s} is not a whole number DBN's u32 holds"
            )))
        }
    };
    let mut records = Vec::with_capacity(ok.len());
    for r in ok {
        let ts = r.ts_ns as u64;
        records.push(Mbp1Msg {
            hd: RecordHeader::new::<Mbp1Msg>(rtype::MBP_1, 0, r.symbol + 1, ts),
            ts_recv: ts,
            levels: [BidAskPair {
                bid_px: fixed(r.bid)?,
                ask_px: fixed(r.ask)?,
                bid_sz: size(r.bid_size)?,
                ask_sz: size(r.ask_size)?,
                bid_ct: 0,
                ask_ct: 0,
            }],
            ..Default::default()
        });
        if r.last_size > 0.0 {
            // A row's trade is the record's event: action T, its price and size.
            let m = records.last_mut().expect("pushed above");
            m.price = fixed(r.last)?;
            m.size = size(r.last_size)?;
            m.action = TRADE_ACTION;
        }
    }
    let to_io = |e: dbn::Error| io::Error::other(e.to_string());
    use dbn::encode::EncodeRecord;
    if zstd {
        let mut enc = dbn::encode::dbn::Encoder::with_zstd(out, &metadata).map_err(to_io)?;
        enc.encode_records(&records).map_err(to_io)?;
        enc.flush().map_err(to_io)?;
    } else {
        let mut enc = dbn::encode::dbn::Encoder::new(out, &metadata).map_err(to_io)?;
        enc.encode_records(&records).map_err(to_io)?;
        enc.flush().map_err(to_io)?;
    }
    Ok(())
}
