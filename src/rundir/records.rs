//! Quote files of any format in memory: [`QuoteRecord`] rows with interned symbols
//! ([`SymbolTable`]), read in batches from a [`QuoteSource`] (CSV, Parquet or DBN, chosen by
//! [`QuoteFormat::detect`]), and [`QuoteInputError`], the one error of a file that cannot be read.
//!
//! Every format's rows go through the same rules ([`super::QuoteScanner::check`]): a row that
//! breaks one stays in the batch with its [`RowProblem`], so the backtest counts it as it counts
//! a malformed CSV line. Only a file that cannot be read at all (corrupt, truncated, a missing
//! column, a wrong type, an unknown schema) is an error, and that error names the file and the
//! place (line, row group, record).

use super::RowProblem;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The symbol id of a row whose symbol is unknown or missing (a null, a malformed CSV line).
pub const NO_SYMBOL: u32 = u32::MAX;

/// One row of a quote file, in memory: what every format decodes to and every consumer (the
/// backtest, the sweep, the gateway's replay, `hft convert`) reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuoteRecord {
    /// Unix nanoseconds. For a rejected row: the time of the file's last accepted row (where
    /// a merge of several files puts it).
    pub ts_ns: i64,
    pub bid: f64,
    pub bid_size: f64,
    pub ask: f64,
    pub ask_size: f64,
    /// The trade printed with this quote ([`super::QUOTE_HEADER_TRADES`]), 0 when none (every
    /// row of a file without trade columns).
    pub last: f64,
    /// Its shares, 0 when none.
    pub last_size: f64,
    /// Where the row is in its file, counted as the line it has in the file's CSV form: the
    /// header is line 1, so the first row is 2 in every format (a skipped row is reported at
    /// the same number whichever format the quotes were converted to).
    pub row: u64,
    /// Index into the [`SymbolTable`], or [`NO_SYMBOL`].
    pub symbol: u32,
    /// Which input file (its index on the command line).
    pub file: u16,
    /// Why the row is skipped, if it is.
    pub problem: Option<RowProblem>,
}

/// Symbols interned in order of first appearance, shared by every file of one input, with an
/// optional filter (`--symbols A,B`): a row of a symbol outside it is dropped by its source, not
/// counted.
///
/// # Examples
/// ```
/// use hft::rundir::SymbolTable;
/// let mut t = SymbolTable::with_filter(Some(&["BBB".to_string()]));
/// let a = t.intern(b"AAA");
/// let b = t.intern(b"BBB");
/// assert_eq!((a, b, t.intern(b"AAA")), (0, 1, 0));
/// assert_eq!((t.kept(a), t.kept(b)), (false, true));
/// assert_eq!(t.name(b), "BBB");
/// ```
#[derive(Debug, Clone, Default)]
pub struct SymbolTable {
    names: Vec<String>,
    index: HashMap<Box<[u8]>, u32>,
    kept: Vec<bool>,
    filter: Option<Vec<String>>,
}

impl SymbolTable {
    /// A table that keeps every symbol, or only those of `filter`.
    pub fn with_filter(filter: Option<&[String]>) -> Self {
        SymbolTable {
            filter: filter.map(<[String]>::to_vec),
            ..Self::default()
        }
    }

    /// The id of `symbol`, added if new. Not UTF-8 or empty: [`NO_SYMBOL`].
    pub fn intern(&mut self, symbol: &[u8]) -> u32 {
        if let Some(&id) = self.index.get(symbol) {
            return id;
        }
        let Ok(name) = std::str::from_utf8(symbol) else {
            return NO_SYMBOL;
        };
        if name.is_empty() {
            return NO_SYMBOL;
        }
        let id = self.names.len() as u32;
        self.kept.push(
            self.filter
                .as_ref()
                .is_none_or(|f| f.iter().any(|s| s == name)),
        );
        self.names.push(name.to_string());
        self.index.insert(symbol.into(), id);
        id
    }

    /// Whether rows of `id` pass the filter ([`NO_SYMBOL`] does: such a row is counted).
    #[inline]
    pub fn kept(&self, id: u32) -> bool {
        self.kept.get(id as usize).copied().unwrap_or(true)
    }

    /// Whether there is no filter (every row is kept).
    #[inline]
    pub fn keeps_all(&self) -> bool {
        self.filter.is_none()
    }

    /// The name of `id`.
    ///
    /// # Panics
    /// If `id` was not returned by [`SymbolTable::intern`].
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    /// Every symbol, by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Symbols of the filter that no row had so far.
    pub fn missing_from_filter(&self) -> Vec<String> {
        let Some(filter) = &self.filter else {
            return Vec::new();
        };
        filter
            .iter()
            .filter(|f| !self.names.contains(f))
            .cloned()
            .collect()
    }
}

/// A quote file read in batches, in file order.
pub trait QuoteSource {
    /// Appends the next rows (at least one unless the file is over) to `out`, interning their
    /// symbols in `symbols`; rows whose symbol the filter drops are left out. `Ok(false)` once
    /// the file is over.
    ///
    /// # Errors
    /// The file cannot be read on (corrupt, truncated, a wrong type), naming the place.
    fn next_batch(
        &mut self,
        symbols: &mut SymbolTable,
        out: &mut Vec<QuoteRecord>,
    ) -> Result<bool, QuoteInputError>;
}

/// A quote file that cannot be read: the file and what is wrong, with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", path.display())]
pub struct QuoteInputError {
    pub path: PathBuf,
    pub detail: String,
}

impl QuoteInputError {
    /// An error of `path`.
    pub fn new(path: &Path, detail: impl Into<String>) -> Self {
        QuoteInputError {
            path: path.to_path_buf(),
            detail: detail.into(),
        }
    }
}

/// The formats of quote files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuoteFormat {
    /// `ts_ns,symbol,bid,bid_size,ask,ask_size` text.
    Csv,
    /// Apache Parquet, columns `ts_ns, symbol, bid, bid_size, ask, ask_size`.
    Parquet,
    /// Databento DBN, MBP-1 / TBBO / BBO-1s / BBO-1m; `zstd` for `.dbn.zst`.
    Dbn { zstd: bool },
}

/// The first bytes of a Parquet file (and its last four).
pub const PARQUET_MAGIC: &[u8; 4] = b"PAR1";
/// The first bytes of a DBN file.
pub const DBN_MAGIC: &[u8; 3] = b"DBN";
/// The first bytes of a zstd frame (a `.dbn.zst` file).
pub const ZSTD_MAGIC: &[u8; 4] = &[0x28, 0xb5, 0x2f, 0xfd];

impl QuoteFormat {
    /// The format of an existing file by its first bytes (`PAR1`, `DBN`, a zstd frame),
    /// else CSV.
    ///
    /// # Examples
    /// ```
    /// use hft::rundir::QuoteFormat;
    /// assert_eq!(QuoteFormat::sniff(b"PAR1\x15\x04"), QuoteFormat::Parquet);
    /// assert_eq!(QuoteFormat::sniff(b"DBN\x03"), QuoteFormat::Dbn { zstd: false });
    /// assert_eq!(QuoteFormat::sniff(b"ts_ns,symbol"), QuoteFormat::Csv);
    /// ```
    pub fn sniff(first: &[u8]) -> Self {
        if first.starts_with(PARQUET_MAGIC) {
            QuoteFormat::Parquet
        } else if first.starts_with(DBN_MAGIC) {
            QuoteFormat::Dbn { zstd: false }
        } else if first.starts_with(ZSTD_MAGIC) {
            QuoteFormat::Dbn { zstd: true }
        } else {
            QuoteFormat::Csv
        }
    }

    /// The format an output file gets from its name: `.parquet` / `.pq`, `.dbn`, `.dbn.zst`,
    /// else CSV.
    ///
    /// # Examples
    /// ```
    /// use hft::rundir::QuoteFormat;
    /// use std::path::Path;
    /// assert_eq!(QuoteFormat::of_name(Path::new("q.PARQUET")), QuoteFormat::Parquet);
    /// assert_eq!(QuoteFormat::of_name(Path::new("q.dbn.zst")), QuoteFormat::Dbn { zstd: true });
    /// assert_eq!(QuoteFormat::of_name(Path::new("q.csv")), QuoteFormat::Csv);
    /// ```
    pub fn of_name(path: &Path) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.ends_with(".parquet") || name.ends_with(".pq") {
            QuoteFormat::Parquet
        } else if name.ends_with(".dbn.zst") {
            QuoteFormat::Dbn { zstd: true }
        } else if name.ends_with(".dbn") {
            QuoteFormat::Dbn { zstd: false }
        } else {
            QuoteFormat::Csv
        }
    }

    /// The format of the file at `path`: its magic bytes, or its name when it is too short
    /// to have any.
    ///
    /// # Errors
    /// The file cannot be opened or read.
    pub fn detect(path: &Path) -> Result<Self, QuoteInputError> {
        use std::io::Read;
        let mut first = [0u8; 4];
        let mut file = std::fs::File::open(path)
            .map_err(|e| QuoteInputError::new(path, format!("cannot open: {e}")))?;
        let mut n = 0;
        while n < first.len() {
            match file.read(&mut first[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) => return Err(QuoteInputError::new(path, format!("cannot read: {e}"))),
            }
        }
        let sniffed = Self::sniff(&first[..n]);
        Ok(match (sniffed, Self::of_name(path)) {
            // A file named .parquet or .dbn without the magic is corrupt, not CSV.
            (QuoteFormat::Csv, named @ (QuoteFormat::Parquet | QuoteFormat::Dbn { .. })) => named,
            (sniffed, _) => sniffed,
        })
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            QuoteFormat::Csv => "CSV",
            QuoteFormat::Parquet => "Parquet",
            QuoteFormat::Dbn { zstd: false } => "DBN",
            QuoteFormat::Dbn { zstd: true } => "DBN (zstd)",
        }
    }
}

/// Opens `path` as a quote source of its format; `file` is its index among the inputs.
///
/// # Errors
/// The file cannot be opened, or its header, footer or metadata is wrong.
pub fn open_source(path: &Path, file: u16) -> Result<Box<dyn QuoteSource>, QuoteInputError> {
    Ok(match QuoteFormat::detect(path)? {
        QuoteFormat::Csv => Box::new(super::csv_source::CsvSource::open(path, file)?),
        QuoteFormat::Parquet => Box::new(super::parquet::ParquetSource::open(path, file)?),
        QuoteFormat::Dbn { .. } => Box::new(super::dbn::DbnSource::open(path, file)?),
    })
}
