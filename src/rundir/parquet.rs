//! Parquet quote files read as a [`QuoteSource`]: columns `ts_ns` (INT64, Unix nanoseconds),
//! `symbol` (a UTF-8 BYTE_ARRAY, dictionary-encoded as every writer does by default), `bid`,
//! `ask` (DOUBLE or FLOAT, or integer ticks: INT64 / INT32 with a DECIMAL scale) and
//! `bid_size`, `ask_size` (DOUBLE, FLOAT, INT64 or INT32), and optionally the trade printed
//! with the quote, `last` (a price column) and `last_size` (a size column; a null or 0 in both is
//! no trade; one without the other is an error). Other columns are ignored; columns
//! may be required or nullable (a null breaks a rule of [`super::QuoteScanner::check`]: the row
//! is skipped and counted).
//!
//! Why the `parquet` crate without `arrow`: measured on the 2-core CI box, a cold debug build of
//! `parquet` (features `snap`, `zstd`) took 43 s of CPU; with `arrow` (arrow-array, -buffer,
//! -data, -schema, -select, -ipc) 82 s, on every cold CI build, to hand back column arrays that
//! would be copied into [`QuoteRecord`]s anyway. Without it the numeric columns are decoded by
//! the crate's column readers straight into reused vectors, and the symbol column's dictionary
//! indices are decoded here from its pages ([`super::decode_rle_hybrid`]), so a symbol is looked
//! up once per dictionary entry, not once per row: 51-55 M rows per CPU-second into
//! [`QuoteRecord`]s (README, "Quote files").
//!
//! Rows are read `CHUNK_ROWS` at a time from each row group: the decoded columns stay in cache
//! while they are put together.

use super::parquet_pages::SymbolPages;
use super::records::{NO_SYMBOL, QuoteInputError, QuoteRecord, QuoteSource, SymbolTable};
use super::{QuoteScanner, RowProblem, check_trade};
use parquet::basic::{ConvertedType, LogicalType, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::schema::types::ColumnDescPtr;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Rows decoded per column before they are put together.
const CHUNK_ROWS: usize = 1 << 15;

/// The quote columns, in the order of [`QuoteRecord`]'s numbers.
pub const QUOTE_COLUMNS: [&str; 6] = ["ts_ns", "symbol", "bid", "bid_size", "ask", "ask_size"];

/// The optional trade columns (DOUBLE, FLOAT or integer like the quote's; a null or a 0 is no
/// trade): the trade printed with the row's quote.
pub const TRADE_COLUMNS: [&str; 2] = ["last", "last_size"];

/// How a numeric column becomes `f64`: its value divided by `divisor` (10^scale of a DECIMAL,
/// exact for every price with at most that many decimals).
#[derive(Debug, Clone, Copy)]
struct Numeric {
    divisor: f64,
    nullable: bool,
}

/// A Parquet quote file being read.
pub struct ParquetSource {
    path: PathBuf,
    file: u16,
    reader: SerializedFileReader<File>,
    /// Leaf column index of each of [`QUOTE_COLUMNS`].
    columns: [usize; 6],
    /// `bid`, `bid_size`, `ask`, `ask_size`, then `last`, `last_size` when the file has them.
    numeric: [Numeric; 6],
    /// Leaf column indices of [`TRADE_COLUMNS`], when the file has both.
    trade_columns: Option<[usize; 2]>,
    ts_nullable: bool,
    symbol_nullable: bool,
    next_group: usize,
    group: Option<GroupReader>,
    row: u64,
    scanner: QuoteScanner,
    scratch: Scratch,
}

/// The open column readers of one row group.
struct GroupReader {
    index: usize,
    rows_left: usize,
    ts: ColumnReader,
    numbers: [ColumnReader; 4],
    trades: Option<[ColumnReader; 2]>,
    symbols: SymbolPages,
}

/// Decoded columns of one chunk, reused.
#[derive(Default)]
struct Scratch {
    ts: Vec<i64>,
    numbers: [Vec<f64>; 6],
    f64s: Vec<f64>,
    i64s: Vec<i64>,
    i32s: Vec<i32>,
    f32s: Vec<f32>,
    defs: Vec<i16>,
}

impl ParquetSource {
    /// Opens `path` and checks its schema.
    ///
    /// # Errors
    /// Not a Parquet file, a truncated footer, a missing quote column, a column of a wrong type.
    pub fn open(path: &Path, file: u16) -> Result<Self, QuoteInputError> {
        let err = |d: String| QuoteInputError::new(path, d);
        let f = File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
        let reader = SerializedFileReader::new(f).map_err(|e| {
            err(format!(
                "not a readable Parquet file (corrupt or truncated): {e}"
            ))
        })?;
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let mut columns = [0usize; 6];
        let mut descrs: Vec<ColumnDescPtr> = Vec::with_capacity(6);
        for (k, name) in QUOTE_COLUMNS.iter().enumerate() {
            let Some(i) =
                (0..schema.num_columns()).find(|&i| schema.column(i).path().string() == *name)
            else {
                let have: Vec<String> = (0..schema.num_columns())
                    .map(|i| schema.column(i).path().string())
                    .collect();
                return Err(err(format!(
                    "missing column `{name}` (the file has: {})",
                    have.join(", ")
                )));
            };
            let d = schema.column(i);
            if d.max_rep_level() > 0 {
                return Err(err(format!("column `{name}` is repeated (a list)")));
            }
            columns[k] = i;
            descrs.push(d);
        }
        let wrong = |d: &ColumnDescPtr, want: &str| {
            err(format!(
                "column `{}` has type {}, expected {want}",
                d.name(),
                d.physical_type()
            ))
        };
        if descrs[0].physical_type() != PhysicalType::INT64 {
            return Err(wrong(&descrs[0], "INT64 (Unix nanoseconds)"));
        }
        if descrs[1].physical_type() != PhysicalType::BYTE_ARRAY {
            return Err(wrong(&descrs[1], "BYTE_ARRAY (a UTF-8 string)"));
        }
        let find = |name: &str| {
            (0..schema.num_columns()).find(|&i| schema.column(i).path().string() == name)
        };
        let trade_columns = match (find(TRADE_COLUMNS[0]), find(TRADE_COLUMNS[1])) {
            (Some(p), Some(q)) => {
                descrs.push(schema.column(p));
                descrs.push(schema.column(q));
                Some([p, q])
            }
            (None, None) => None,
            (have, _) => {
                let (found, missing) = if have.is_some() {
                    (TRADE_COLUMNS[0], TRADE_COLUMNS[1])
                } else {
                    (TRADE_COLUMNS[1], TRADE_COLUMNS[0])
                };
                return Err(err(format!(
                    "column `{found}` without `{missing}` (the trade columns go together)"
                )));
            }
        };
        let mut numeric = [Numeric {
            divisor: 1.0,
            nullable: false,
        }; 6];
        for (k, d) in descrs[2..].iter().enumerate() {
            if d.max_rep_level() > 0 {
                return Err(err(format!("column `{}` is repeated (a list)", d.name())));
            }
            let price = k % 2 == 0;
            let decimal = (matches!(d.logical_type_ref(), Some(LogicalType::Decimal(..)))
                || d.converted_type() == ConvertedType::DECIMAL)
                .then(|| d.type_scale());
            let divisor = match (d.physical_type(), decimal) {
                (PhysicalType::DOUBLE | PhysicalType::FLOAT, _) => 1.0,
                (PhysicalType::INT64 | PhysicalType::INT32, Some(s)) => 10f64.powi(s),
                (PhysicalType::INT64 | PhysicalType::INT32, None) if !price => 1.0,
                _ if price => {
                    return Err(wrong(
                        d,
                        "DOUBLE, FLOAT, or INT64/INT32 with a DECIMAL scale",
                    ));
                }
                _ => return Err(wrong(d, "DOUBLE, FLOAT, INT64 or INT32")),
            };
            numeric[k] = Numeric {
                divisor,
                nullable: d.max_def_level() > 0,
            };
        }
        Ok(ParquetSource {
            path: path.to_path_buf(),
            file,
            ts_nullable: descrs[0].max_def_level() > 0,
            symbol_nullable: descrs[1].max_def_level() > 0,
            reader,
            columns,
            numeric,
            trade_columns,
            next_group: 0,
            group: None,
            row: 0,
            scanner: QuoteScanner::default(),
            scratch: Scratch::default(),
        })
    }

    /// Rows in the file, from its footer.
    pub fn num_rows(&self) -> u64 {
        self.reader.metadata().file_metadata().num_rows().max(0) as u64
    }

    fn open_group(&mut self, index: usize) -> Result<GroupReader, String> {
        let rg = self
            .reader
            .get_row_group(index)
            .map_err(|e| e.to_string())?;
        let rows = rg.metadata().num_rows().max(0) as usize;
        let col = |k: usize| {
            rg.get_column_reader(self.columns[k])
                .map_err(|e| format!("column `{}`: {e}", QUOTE_COLUMNS[k]))
        };
        let numbers = [col(2)?, col(3)?, col(4)?, col(5)?];
        let trades = match self.trade_columns {
            Some([p, q]) => {
                let c = |i: usize, k: usize| {
                    rg.get_column_reader(i)
                        .map_err(|e| format!("column `{}`: {e}", TRADE_COLUMNS[k]))
                };
                Some([c(p, 0)?, c(q, 1)?])
            }
            None => None,
        };
        let pages = rg
            .get_column_page_reader(self.columns[1])
            .map_err(|e| format!("column `symbol`: {e}"))?;
        Ok(GroupReader {
            index,
            rows_left: rows,
            ts: col(0)?,
            numbers,
            trades,
            symbols: SymbolPages {
                pages,
                nullable: self.symbol_nullable,
                dict: Vec::new(),
                queue: Vec::new(),
                head: 0,
                scratch: Vec::new(),
                defs: Vec::new(),
            },
        })
    }
}

impl QuoteSource for ParquetSource {
    fn next_batch(
        &mut self,
        symbols: &mut SymbolTable,
        out: &mut Vec<QuoteRecord>,
    ) -> Result<bool, QuoteInputError> {
        loop {
            if self.group.as_ref().is_none_or(|g| g.rows_left == 0) {
                if self.next_group >= self.reader.num_row_groups() {
                    return Ok(false);
                }
                let index = self.next_group;
                self.next_group += 1;
                let g = self.open_group(index).map_err(|e| {
                    QuoteInputError::new(&self.path, format!("row group {index}: {e}"))
                })?;
                self.group = Some(g);
                continue;
            }
            let group = self.group.as_mut().expect("opened above");
            let n = group.rows_left.min(CHUNK_ROWS);
            let index = group.index;
            let s = &mut self.scratch;
            let at =
                |e: String| QuoteInputError::new(&self.path, format!("row group {index}: {e}"));
            read_i64(&mut group.ts, n, self.ts_nullable, s)
                .map_err(|e| at(format!("column `ts_ns`: {e}")))?;
            for k in 0..4 {
                read_f64(&mut group.numbers[k], n, self.numeric[k], k, s)
                    .map_err(|e| at(format!("column `{}`: {e}", QUOTE_COLUMNS[k + 2])))?;
            }
            if let Some(trades) = group.trades.as_mut() {
                for (k, col) in trades.iter_mut().enumerate() {
                    read_f64(col, n, self.numeric[k + 4], k + 4, s)
                        .map_err(|e| at(format!("column `{}`: {e}", TRADE_COLUMNS[k])))?;
                }
            }
            let has_trades = group.trades.is_some();
            let ids = group
                .symbols
                .take(n, symbols)
                .map_err(|e| at(format!("column `symbol`: {e}")))?;
            group.rows_left -= n;
            // Every column sliced to `n` rows: the loop below indexes without bounds checks,
            // and an exact-size `extend` writes the rows without a capacity check each.
            let [bid, bid_size, ask, ask_size, last, last_size] = &s.numbers;
            let trades = has_trades.then(|| (&last[..n], &last_size[..n]));
            let (ts, ids) = (&s.ts[..n], &ids[..n]);
            let (bid, bid_size, ask, ask_size) =
                (&bid[..n], &bid_size[..n], &ask[..n], &ask_size[..n]);
            let (first_row, file, scanner) = (self.row + 2, self.file, &mut self.scanner);
            self.row += n as u64;
            let cols = Columns {
                ts,
                ids,
                bid,
                bid_size,
                ask,
                ask_size,
                trades,
                first_row,
                file,
            };
            if symbols.keeps_all() {
                out.extend((0..n).map(|i| cols.record(i, scanner)));
            } else {
                for i in 0..n {
                    let r = cols.record(i, scanner);
                    if symbols.kept(r.symbol) {
                        out.push(r);
                    }
                }
            }
            return Ok(true);
        }
    }
}

/// One chunk's decoded columns, each exactly the chunk's length.
struct Columns<'a> {
    ts: &'a [i64],
    ids: &'a [u32],
    bid: &'a [f64],
    bid_size: &'a [f64],
    ask: &'a [f64],
    ask_size: &'a [f64],
    /// `last` and `last_size`, when the file has them.
    trades: Option<(&'a [f64], &'a [f64])>,
    first_row: u64,
    file: u16,
}

impl Columns<'_> {
    /// Row `i` under the rules.
    #[inline(always)]
    fn record(&self, i: usize, scanner: &mut QuoteScanner) -> QuoteRecord {
        let (ts_ns, symbol) = (self.ts[i], self.ids[i]);
        let (bid, bid_size, ask, ask_size) =
            (self.bid[i], self.bid_size[i], self.ask[i], self.ask_size[i]);
        let last = scanner.last_ts().max(0);
        // A null trade column (NaN) is no trade.
        let (last_price, last_size) = match self.trades {
            Some((p, q)) if !(p[i].is_nan() && q[i].is_nan()) => (p[i], q[i]),
            _ => (0.0, 0.0),
        };
        let problem = match check_trade(last_price, last_size)
            .and_then(|()| scanner.check(ts_ns, bid, bid_size, ask, ask_size))
        {
            Ok(()) => (symbol == NO_SYMBOL).then_some(RowProblem::UnknownSymbol),
            Err(p) => Some(p),
        };
        QuoteRecord {
            ts_ns: if problem.is_none() { ts_ns } else { last },
            bid,
            bid_size,
            ask,
            ask_size,
            last: last_price,
            last_size,
            row: self.first_row + i as u64,
            symbol,
            file: self.file,
            problem,
        }
    }
}

/// Reads exactly `n` records of `reader` (values of non-null rows into `values`, levels into
/// `defs` when nullable).
fn read_exact<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    n: usize,
    defs: Option<&mut Vec<i16>>,
    values: &mut Vec<T::T>,
) -> Result<(), String> {
    values.clear();
    let mut got = 0;
    match defs {
        Some(defs) => {
            defs.clear();
            while got < n {
                let (records, _, _) = reader
                    .read_records(n - got, Some(defs), None, values)
                    .map_err(|e| e.to_string())?;
                if records == 0 {
                    break;
                }
                got += records;
            }
        }
        None => {
            while got < n {
                let (records, _, _) = reader
                    .read_records(n - got, None, None, values)
                    .map_err(|e| e.to_string())?;
                if records == 0 {
                    break;
                }
                got += records;
            }
        }
    }
    if got < n {
        return Err(format!("ends after {got} of {n} rows"));
    }
    Ok(())
}

/// Spreads the non-null `values` over the rows of `defs` (max level 1), `null` elsewhere.
fn expand<T: Copy, U: Copy>(
    values: &[T],
    defs: &[i16],
    null: U,
    f: impl Fn(T) -> U,
    out: &mut Vec<U>,
) -> Result<(), String> {
    let mut next = values.iter();
    out.clear();
    for &d in defs {
        out.push(if d > 0 {
            f(*next.next().ok_or("fewer values than non-null rows")?)
        } else {
            null
        });
    }
    Ok(())
}

fn read_i64(
    col: &mut ColumnReader,
    n: usize,
    nullable: bool,
    s: &mut Scratch,
) -> Result<(), String> {
    let ColumnReader::Int64ColumnReader(r) = col else {
        return Err("not INT64".into());
    };
    if nullable {
        read_exact(r, n, Some(&mut s.defs), &mut s.i64s)?;
        // A null time breaks the first rule (a negative time).
        expand(&s.i64s, &s.defs, -1, |v| v, &mut s.ts)
    } else {
        read_exact(r, n, None, &mut s.ts)
    }
}

/// Reads `n` rows of a numeric column into `s.numbers[k]` as `f64`; a null is NaN (which the
/// rules reject).
fn read_f64(
    col: &mut ColumnReader,
    n: usize,
    kind: Numeric,
    k: usize,
    s: &mut Scratch,
) -> Result<(), String> {
    let Scratch {
        numbers,
        f64s,
        i64s,
        i32s,
        f32s,
        defs,
        ..
    } = s;
    let out = &mut numbers[k];
    let div = kind.divisor;
    macro_rules! column {
        ($r:expr, $buf:expr, $conv:expr) => {{
            if kind.nullable {
                read_exact($r, n, Some(defs), $buf)?;
                expand($buf, defs, f64::NAN, $conv, out)
            } else {
                read_exact($r, n, None, $buf)?;
                out.clear();
                out.extend($buf.iter().map(|&v| $conv(v)));
                Ok(())
            }
        }};
    }
    match col {
        ColumnReader::DoubleColumnReader(r) if !kind.nullable => read_exact(r, n, None, out),
        ColumnReader::DoubleColumnReader(r) => column!(r, f64s, |v: f64| v),
        ColumnReader::FloatColumnReader(r) => column!(r, f32s, f64::from),
        ColumnReader::Int64ColumnReader(r) => column!(r, i64s, |v: i64| v as f64 / div),
        ColumnReader::Int32ColumnReader(r) => column!(r, i32s, |v: i32| f64::from(v) / div),
        _ => Err("unexpected physical type".into()),
    }
}
