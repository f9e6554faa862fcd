//! Parquet written: quote files (the columns [`super::parquet`] reads) and the CSV tables of a run
//! directory (`orders.csv`, `fills.csv`, `series/<A>-<B>.csv`) as typed columns, so pandas and
//! polars read a run directory directly.

use super::records::{QuoteRecord, SymbolTable};
use parquet::basic::{Compression, Encoding};
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;
use std::io::Write;
use std::sync::Arc;

/// Rows per row group of a quote file.
pub const QUOTE_ROW_GROUP: usize = 1 << 20;

/// How quote files are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParquetOptions {
    /// `none`, `snappy` or `zstd`.
    pub compression: ParquetCompression,
    /// Prices as INT64 ticks with this many decimals (a DECIMAL(18, d) column) instead of
    /// DOUBLE; a price that is not a whole number of ticks is an error.
    pub price_decimals: Option<u8>,
}

impl Default for ParquetOptions {
    fn default() -> Self {
        ParquetOptions {
            compression: ParquetCompression::Snappy,
            price_decimals: None,
        }
    }
}

/// The codecs built in (the crate's `snap` and `zstd` features).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ParquetCompression {
    None,
    Snappy,
    Zstd,
}

impl ParquetCompression {
    fn codec(self) -> Compression {
        match self {
            ParquetCompression::None => Compression::UNCOMPRESSED,
            ParquetCompression::Snappy => Compression::SNAPPY,
            ParquetCompression::Zstd => Compression::ZSTD(Default::default()),
        }
    }
}

fn err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

/// A quote file being written, one row group per [`QUOTE_ROW_GROUP`] rows.
pub struct ParquetQuoteWriter<W: Write + Send> {
    writer: SerializedFileWriter<W>,
    options: ParquetOptions,
    ts: Vec<i64>,
    symbol: Vec<ByteArray>,
    /// bid, ask, last (0: no trade).
    prices: [Vec<f64>; 3],
    /// bid size, ask size, last size (0: no trade).
    sizes: [Vec<f64>; 3],
    /// Each symbol id's bytes, made once.
    names: Vec<ByteArray>,
}

impl<W: Write + Send> ParquetQuoteWriter<W> {
    /// Starts a quote file on `out`.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn new(out: W, options: ParquetOptions) -> std::io::Result<Self> {
        let price = |name: &str| match options.price_decimals {
            None => format!("required double {name};"),
            Some(d) => format!("required int64 {name} (DECIMAL(18, {d}));"),
        };
        let schema = format!(
            "message quotes {{
                required int64 ts_ns;
                required binary symbol (STRING);
                {}
                required double bid_size;
                {}
                required double ask_size;
                {}
                required double last_size;
            }}",
            price("bid"),
            price("ask"),
            price("last")
        );
        let schema = Arc::new(parse_message_type(&schema).map_err(err)?);
        // Encodings that make the file small without a codec, so reading is decoding rather
        // than decompressing: times as deltas (DELTA_BINARY_PACKED: a few bits a row), symbols,
        // prices and sizes dictionary-encoded (a row group has few distinct values of each;
        // the writer falls back to PLAIN when a dictionary passes 1 MiB).
        let props = WriterProperties::builder()
            .set_compression(options.compression.codec())
            .set_dictionary_enabled(true)
            .set_column_dictionary_enabled(ColumnPath::from("ts_ns"), false)
            .set_column_encoding(ColumnPath::from("ts_ns"), Encoding::DELTA_BINARY_PACKED)
            .set_max_row_group_row_count(Some(QUOTE_ROW_GROUP))
            .set_created_by(format!("hft {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(vec![KeyValue::new(
                "hft.quotes".to_string(),
                "ts_ns,symbol,bid,bid_size,ask,ask_size,last,last_size".to_string(),
            )]))
            .build();
        Ok(ParquetQuoteWriter {
            writer: SerializedFileWriter::new(out, schema, Arc::new(props)).map_err(err)?,
            options,
            ts: Vec::new(),
            symbol: Vec::new(),
            prices: Default::default(),
            sizes: Default::default(),
            names: Vec::new(),
        })
    }

    /// Appends the accepted rows of `rows` (rows with a problem are left out).
    ///
    /// # Errors
    /// I/O, or a price that is not a whole number of ticks.
    pub fn write(&mut self, rows: &[QuoteRecord], symbols: &SymbolTable) -> std::io::Result<()> {
        while self.names.len() < symbols.names().len() {
            let name = &symbols.names()[self.names.len()];
            self.names.push(ByteArray::from(name.as_bytes().to_vec()));
        }
        for r in rows.iter().filter(|r| r.problem.is_none()) {
            self.ts.push(r.ts_ns);
            self.symbol.push(self.names[r.symbol as usize].clone());
            self.prices[0].push(r.bid);
            self.sizes[0].push(r.bid_size);
            self.prices[1].push(r.ask);
            self.sizes[1].push(r.ask_size);
            self.prices[2].push(r.last);
            self.sizes[2].push(r.last_size);
            if self.ts.len() == QUOTE_ROW_GROUP {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.ts.is_empty() {
            return Ok(());
        }
        let ticks = |p: &[f64], d: u8| -> std::io::Result<Vec<i64>> {
            let scale = 10f64.powi(i32::from(d));
            p.iter()
                .map(|&x| {
                    let t = (x * scale).round();
                    if (t / scale - x).abs() > 1e-9 * x.abs().max(1.0) || t.abs() > 9e17 {
                        Err(err(format!(
                            "price {x} is not a whole number of 1e-{d} ticks"
                        )))
                    } else {
                        Ok(t as i64)
                    }
                })
                .collect()
        };
        let mut rg = self.writer.next_row_group().map_err(err)?;
        let mut k = 0;
        while let Some(mut col) = rg.next_column().map_err(err)? {
            match k {
                0 => col
                    .typed::<Int64Type>()
                    .write_batch(&self.ts, None, None)
                    .map(drop),
                1 => col
                    .typed::<ByteArrayType>()
                    .write_batch(&self.symbol, None, None)
                    .map(drop),
                2 | 4 | 6 => {
                    let p = &self.prices[(k - 2) / 2];
                    match self.options.price_decimals {
                        None => col
                            .typed::<DoubleType>()
                            .write_batch(p, None, None)
                            .map(drop),
                        Some(d) => col
                            .typed::<Int64Type>()
                            .write_batch(&ticks(p, d)?, None, None)
                            .map(drop),
                    }
                }
                _ => col
                    .typed::<DoubleType>()
                    .write_batch(&self.sizes[(k - 3) / 2], None, None)
                    .map(drop),
            }
            .map_err(err)?;
            col.close().map_err(err)?;
            k += 1;
        }
        rg.close().map_err(err)?;
        self.ts.clear();
        self.symbol.clear();
        self.prices.iter_mut().for_each(Vec::clear);
        self.sizes.iter_mut().for_each(Vec::clear);
        Ok(())
    }

    /// Writes the last row group and the footer; returns the sink.
    ///
    /// # Errors
    /// The writer's I/O error.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.flush()?;
        self.writer.into_inner().map_err(err)
    }
}

/// A column of a run directory's CSV table, typed as the Python package types it: integers
/// (ids and nanosecond times), text (symbol, side, intent) and numbers (everything else); an
/// empty field is a null. A column whose values do not fit its type is written as text.
enum Column {
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Text(Vec<ByteArray>),
}

/// Columns of integers in `orders.csv`, `fills.csv` and `series/*.csv`.
const INTEGER_COLUMNS: [&str; 5] = ["order_id", "t_ns", "seq", "pair", "signal_t_ns"];
/// Columns of text.
const TEXT_COLUMNS: [&str; 3] = ["symbol", "side", "intent"];

fn typed(name: &str, values: &[&[u8]]) -> Column {
    fn all<T>(values: &[&[u8]], parse: impl Fn(&[u8]) -> Option<T>) -> Option<Vec<Option<T>>> {
        values
            .iter()
            .map(|v| {
                if v.is_empty() {
                    Some(None)
                } else {
                    parse(v).map(Some)
                }
            })
            .collect()
    }
    let text = || Column::Text(values.iter().map(|v| ByteArray::from(v.to_vec())).collect());
    if TEXT_COLUMNS.contains(&name) {
        text()
    } else if INTEGER_COLUMNS.contains(&name) {
        all(values, crate::wire::parse_i64).map_or_else(text, Column::Int)
    } else {
        all(values, crate::wire::parse_f64).map_or_else(text, Column::Float)
    }
}

/// Converts a run directory's CSV table (a header line, then rows of plain comma-separated
/// fields, as `orders.csv`, `fills.csv` and `series/*.csv` are written) into Parquet with typed
/// columns (nullable INT64 for ids and times, DOUBLE for numbers, UTF-8 strings for symbol,
/// side and intent: the dtypes of the Python package), snappy-compressed, written to `out`.
///
/// # Errors
/// A row with a different number of fields than the header, or the writer's I/O error.
///
/// # Examples
/// ```
/// let mut out = Vec::new();
/// hft::rundir::csv_table_to_parquet(b"a,b,c\n1,2.5,x\n2,,y\n", &mut out).unwrap();
/// assert_eq!(&out[..4], b"PAR1");
/// assert!(hft::rundir::csv_table_to_parquet(b"a,b\n1\n", &mut Vec::new()).is_err());
/// ```
pub fn csv_table_to_parquet<W: Write + Send>(csv: &[u8], out: W) -> std::io::Result<W> {
    let mut lines = csv.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    let header = lines.next().unwrap_or_default();
    let names: Vec<&[u8]> = header.split(|&b| b == b',').collect();
    let mut cells: Vec<Vec<&[u8]>> = vec![Vec::new(); names.len()];
    for (k, line) in lines.enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let fields: Vec<&[u8]> = line.split(|&b| b == b',').collect();
        if fields.len() != names.len() {
            return Err(err(format!(
                "line {}: {} fields, the header has {}",
                k + 2,
                fields.len(),
                names.len()
            )));
        }
        for (c, f) in cells.iter_mut().zip(fields) {
            c.push(f);
        }
    }
    let names: Vec<String> = names
        .iter()
        .map(|n| String::from_utf8_lossy(n).trim().to_string())
        .collect();
    let columns: Vec<Column> = names.iter().zip(&cells).map(|(n, c)| typed(n, c)).collect();
    let mut schema = String::from("message table {\n");
    for (name, col) in names.iter().zip(&columns) {
        let ty = match col {
            Column::Int(_) => "optional int64",
            Column::Float(_) => "optional double",
            Column::Text(_) => "required binary",
        };
        let annotation = if matches!(col, Column::Text(_)) {
            " (STRING)"
        } else {
            ""
        };
        schema.push_str(&format!("  {ty} {name}{annotation};\n"));
    }
    schema.push('}');
    let schema = Arc::new(parse_message_type(&schema).map_err(err)?);
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut writer = SerializedFileWriter::new(out, schema, Arc::new(props)).map_err(err)?;
    let mut rg = writer.next_row_group().map_err(err)?;
    let mut k = 0;
    while let Some(mut col) = rg.next_column().map_err(err)? {
        fn levels<T: Copy>(v: &[Option<T>]) -> (Vec<i16>, Vec<T>) {
            let defs = v.iter().map(|x| i16::from(x.is_some())).collect();
            (defs, v.iter().flatten().copied().collect())
        }
        match &columns[k] {
            Column::Text(v) => col.typed::<ByteArrayType>().write_batch(v, None, None),
            Column::Int(v) => {
                let (defs, vals) = levels(v);
                col.typed::<Int64Type>()
                    .write_batch(&vals, Some(&defs), None)
            }
            Column::Float(v) => {
                let (defs, vals) = levels(v);
                col.typed::<DoubleType>()
                    .write_batch(&vals, Some(&defs), None)
            }
        }
        .map_err(err)?;
        col.close().map_err(err)?;
        k += 1;
    }
    rg.close().map_err(err)?;
    writer.into_inner().map_err(err)
}
