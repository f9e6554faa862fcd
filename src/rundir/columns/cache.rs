//! A binary column file of a CSV quote file (`FILE.csv.cols`, written next to it): the
//! [`QuoteColumns`] of the CSV as little-endian arrays, so a later backtest or sweep of the same
//! file reads its columns with one read and no parse.
//!
//! Layout (all integers and floats little-endian):
//!
//! ```text
//!  "HFTCOLS1"                                   magic and version
//!  key: source size u64, mtime s i64, mtime ns u32, hash of the first 64 KiB u64
//!  accepted u64 | skipped u64 | symbols u64 | has trades u8
//!  symbols:  len u32, UTF-8 bytes                    (each)
//!  skipped:  at u64, row u64, problem u8              (each)
//!  columns:  ts_ns i64 | symbol u32 | bid | bid_size | ask | ask_size (f64) | row u64
//!            [| trade price f64, size f64]            (each column `accepted` long)
//!  checksum u64 of every byte before it
//! ```
//!
//! Rules: a cache is used only when its key equals the source file's now (size, modification
//! time and the hash of its first 64 KiB), so an edited CSV is parsed again. A cache that is
//! short, long, of another version or whose checksum does not match is an error naming the
//! problem (the caller parses the CSV again); reading never panics on any bytes.

use super::{QuoteColumns, SkippedRow};
use crate::rundir::RowProblem;
use std::io;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"HFTCOLS1";
/// Bytes of the source hashed into the key.
const HASHED_PREFIX: usize = 1 << 16;

/// What identifies the CSV file a cache was written from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheKey {
    pub size: u64,
    pub mtime_secs: i64,
    pub mtime_nanos: u32,
    /// FNV-1a of the first 64 KiB of the file (its header and first rows).
    pub prefix_hash: u64,
}

impl CacheKey {
    /// The key of the file at `path` as it is now.
    ///
    /// # Errors
    /// The file cannot be opened, read or its metadata read.
    pub fn of_file(path: &Path) -> io::Result<CacheKey> {
        use std::io::Read;
        let f = std::fs::File::open(path)?;
        let meta = f.metadata()?;
        let (mtime_secs, mtime_nanos) = match meta.modified()?.duration_since(std::time::UNIX_EPOCH)
        {
            Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
            Err(e) => (
                -(e.duration().as_secs() as i64),
                e.duration().subsec_nanos(),
            ),
        };
        let mut prefix = Vec::with_capacity(HASHED_PREFIX);
        f.take(HASHED_PREFIX as u64).read_to_end(&mut prefix)?;
        Ok(CacheKey {
            size: meta.len(),
            mtime_secs,
            mtime_nanos,
            prefix_hash: fnv1a(&prefix),
        })
    }
}

/// The cache file of the CSV at `csv`: the same name with `.cols` appended.
pub fn cache_path(csv: &Path) -> PathBuf {
    let mut name = csv.as_os_str().to_owned();
    name.push(".cols");
    PathBuf::from(name)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A checksum of `bytes` eight at a time (a multiply-rotate mix per word; the tail padded with
/// zeros): cheap enough for hundreds of megabytes, and any flipped or moved bit changes it.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = bytes.len() as u64 ^ K;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut x = [0u8; 8];
        x.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(x)).wrapping_mul(K).rotate_left(29);
    }
    let mut x = [0u8; 8];
    x[..words.remainder().len()].copy_from_slice(words.remainder());
    h = (h ^ u64::from_le_bytes(x)).wrapping_mul(K).rotate_left(29);
    h ^ (h >> 31)
}

fn problem_code(p: RowProblem) -> u8 {
    match p {
        RowProblem::FieldCount => 0,
        RowProblem::BadTimestamp => 1,
        RowProblem::BadNumber => 2,
        RowProblem::UnknownSymbol => 3,
        RowProblem::TimeBackwards => 4,
        RowProblem::CrossedQuote => 5,
    }
}

fn problem_of(code: u8) -> Option<RowProblem> {
    Some(match code {
        0 => RowProblem::FieldCount,
        1 => RowProblem::BadTimestamp,
        2 => RowProblem::BadNumber,
        3 => RowProblem::UnknownSymbol,
        4 => RowProblem::TimeBackwards,
        5 => RowProblem::CrossedQuote,
        _ => return None,
    })
}

impl QuoteColumns {
    /// The cache file's bytes for these columns, parsed from a file of `key`.
    ///
    /// # Examples
    /// ```
    /// use hft::rundir::{CacheKey, QuoteColumns};
    /// let text = b"ts_ns,symbol,bid,bid_size,ask,ask_size\n1,AAA,10,1,10.01,1\nbad\n";
    /// let q = QuoteColumns::from_csv_bytes(text).unwrap();
    /// let key = CacheKey { size: 1, mtime_secs: 2, mtime_nanos: 3, prefix_hash: 4 };
    /// let bytes = q.cache_bytes(&key);
    /// let back = QuoteColumns::from_cache_bytes(&bytes, &key).unwrap();
    /// assert_eq!((back.ts_ns(), back.skipped()), (q.ts_ns(), q.skipped()));
    /// // Another key (the CSV changed), or a cut file: an error, never a panic.
    /// assert!(QuoteColumns::from_cache_bytes(&bytes, &CacheKey { size: 9, ..key }).is_err());
    /// assert!(QuoteColumns::from_cache_bytes(&bytes[..bytes.len() - 1], &key).is_err());
    /// ```
    pub fn cache_bytes(&self, key: &CacheKey) -> Vec<u8> {
        let n = self.accepted();
        let names: usize = self.symbols.iter().map(|s| 4 + s.len()).sum();
        let per_row = 8 + 4 + 4 * 8 + 8 + if self.trade.is_some() { 16 } else { 0 };
        let mut out = Vec::with_capacity(80 + names + 17 * self.skipped.len() + per_row * n);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&key.size.to_le_bytes());
        out.extend_from_slice(&key.mtime_secs.to_le_bytes());
        out.extend_from_slice(&key.mtime_nanos.to_le_bytes());
        out.extend_from_slice(&key.prefix_hash.to_le_bytes());
        out.extend_from_slice(&(n as u64).to_le_bytes());
        out.extend_from_slice(&(self.skipped.len() as u64).to_le_bytes());
        out.extend_from_slice(&(self.symbols.len() as u64).to_le_bytes());
        out.push(u8::from(self.trade.is_some()));
        for s in &self.symbols {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        }
        for s in &self.skipped {
            out.extend_from_slice(&(s.at as u64).to_le_bytes());
            out.extend_from_slice(&s.row.to_le_bytes());
            out.push(problem_code(s.problem));
        }
        self.ts_ns
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        self.symbol
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        for col in [&self.bid, &self.bid_size, &self.ask, &self.ask_size] {
            col.iter()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        self.row
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        if let Some(t) = &self.trade {
            t.iter()
                .flatten()
                .for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
        let sum = checksum(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        out
    }

    /// The columns of a cache file's `bytes`, when they were written for a file of `key`.
    ///
    /// # Errors
    /// In words: another key (the CSV changed since), another format version, a short or long
    /// file, a checksum that does not match, a symbol that is not UTF-8, an unknown row problem
    /// or a skipped row out of place.
    pub fn from_cache_bytes(bytes: &[u8], key: &CacheKey) -> Result<QuoteColumns, String> {
        if bytes.len() < 8 + 8 || &bytes[..8] != MAGIC {
            return Err("not a column cache of this version (magic HFTCOLS1)".into());
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        if u64::from_le_bytes(sum.try_into().map_err(|_| "short")?) != checksum(body) {
            return Err("checksum does not match (a cut or damaged file)".into());
        }
        let mut r = Reader { bytes: body, at: 8 };
        let found = CacheKey {
            size: r.u64()?,
            mtime_secs: r.u64()? as i64,
            mtime_nanos: r.u32()?,
            prefix_hash: r.u64()?,
        };
        if found != *key {
            return Err(
                "written for another version of the CSV (size, time or first bytes differ)".into(),
            );
        }
        let n = r.count()?;
        let skipped = r.count()?;
        let symbols = r.count()?;
        let has_trades = r.take(1)?[0] != 0;
        let mut q = QuoteColumns::default();
        for _ in 0..symbols {
            let len = r.u32()? as usize;
            let name = std::str::from_utf8(r.take(len)?).map_err(|_| "a symbol is not UTF-8")?;
            q.symbols.push(name.to_string());
        }
        for _ in 0..skipped {
            let at = r.count()?;
            let row = r.u64()?;
            let problem = problem_of(r.take(1)?[0]).ok_or("an unknown row problem")?;
            if at > n || q.skipped.last().is_some_and(|s: &SkippedRow| s.at > at) {
                return Err("a skipped row out of place".into());
            }
            q.skipped.push(SkippedRow { at, row, problem });
        }
        q.ts_ns = r.column(n, i64::from_le_bytes)?;
        q.symbol = r.column(n, u32::from_le_bytes)?;
        q.bid = r.column(n, f64::from_le_bytes)?;
        q.bid_size = r.column(n, f64::from_le_bytes)?;
        q.ask = r.column(n, f64::from_le_bytes)?;
        q.ask_size = r.column(n, f64::from_le_bytes)?;
        q.row = r.column(n, u64::from_le_bytes)?;
        if has_trades {
            let flat: Vec<f64> = r.column(2 * n, f64::from_le_bytes)?;
            q.trade = Some(flat.chunks_exact(2).map(|t| [t[0], t[1]]).collect());
        }
        if r.at != body.len() {
            return Err(format!("{} bytes after the last column", body.len() - r.at));
        }
        Ok(q)
    }
}

/// Reads little-endian values from the front of a byte slice, every read checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(len).filter(|&e| e <= self.bytes.len());
        let end =
            end.ok_or_else(|| format!("short file: {len} bytes wanted at byte {}", self.at))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A count, which must fit what is left of the file (so a damaged count never reserves a
    /// huge column).
    fn count(&mut self) -> Result<usize, String> {
        let c = self.u64()?;
        usize::try_from(c)
            .ok()
            .filter(|&c| c <= self.bytes.len())
            .ok_or_else(|| format!("a count of {c} larger than the file"))
    }

    fn column<T, const N: usize>(
        &mut self,
        n: usize,
        of: fn([u8; N]) -> T,
    ) -> Result<Vec<T>, String> {
        let bytes = self.take(n.checked_mul(N).ok_or("a column too long")?)?;
        Ok(bytes
            .chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                of(a)
            })
            .collect())
    }
}

/// Where [`load_csv_columns`] got its columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheUse {
    /// Read from the cache file, no parse.
    Read(PathBuf),
    /// Parsed from the CSV, the cache file written.
    Written(PathBuf),
    /// Parsed from the CSV; the cache could not be used or written (why, in words).
    Parsed(String),
}

/// The columns of the CSV quote file `csv`, from its cache file ([`cache_path`]) when that was
/// written for the file as it is now; else parsed from the CSV and the cache written (a cache
/// that cannot be read or written is only reported: the CSV is the source of truth).
///
/// # Errors
/// The CSV cannot be read, is empty or has a wrong header (as [`QuoteColumns::from_csv_reader`]).
pub fn load_csv_columns(csv: &Path) -> io::Result<(QuoteColumns, CacheUse)> {
    let cache = cache_path(csv);
    let key = CacheKey::of_file(csv)?;
    let mut why = String::new();
    match std::fs::read(&cache) {
        Ok(bytes) => match QuoteColumns::from_cache_bytes(&bytes, &key) {
            Ok(q) => return Ok((q, CacheUse::Read(cache))),
            Err(e) => why = format!("{}: {e}", cache.display()),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => why = format!("{}: {e}", cache.display()),
    }
    let f = std::fs::File::open(csv)?;
    let q = QuoteColumns::from_csv_reader(f, key.size)?;
    let used = match crate::rundir::write_atomic(&cache, &q.cache_bytes(&key)) {
        Ok(()) if why.is_empty() => CacheUse::Written(cache),
        Ok(()) => CacheUse::Parsed(format!("{why} (written again)")),
        Err(e) => CacheUse::Parsed(format!("{}: cannot write: {e}", cache.display())),
    };
    Ok((q, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> QuoteColumns {
        let text = b"ts_ns,symbol,bid,bid_size,ask,ask_size,last,last_size\n\
            1,AAA,10,1,10.01,1,,\n\
            bad row\n\
            2,BBB,5,1,5.01,2,5.005,100\n\
            1,AAA,10,1,10.01,1,,\n\
            3,,5,1,5.01,2,,\n";
        QuoteColumns::from_csv_bytes(text).unwrap()
    }

    const KEY: CacheKey = CacheKey {
        size: 10,
        mtime_secs: 20,
        mtime_nanos: 30,
        prefix_hash: 40,
    };

    #[test]
    fn a_cache_reads_back_every_column_bit_for_bit() {
        let q = sample();
        assert!(q.trades().is_some() && !q.skipped().is_empty());
        let back = QuoteColumns::from_cache_bytes(&q.cache_bytes(&KEY), &KEY).unwrap();
        assert_eq!(back.symbols(), q.symbols());
        assert_eq!(back.skipped(), q.skipped());
        assert_eq!(back.ts_ns(), q.ts_ns());
        assert_eq!(back.symbol_ids(), q.symbol_ids());
        assert_eq!(back.rows(), q.rows());
        let bits = |c: &[f64]| c.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        for (a, b) in [
            (back.bid(), q.bid()),
            (back.bid_size(), q.bid_size()),
            (back.ask(), q.ask()),
            (back.ask_size(), q.ask_size()),
        ] {
            assert_eq!(bits(a), bits(b));
        }
        assert_eq!(back.trades(), q.trades());
    }

    #[test]
    fn every_cut_and_every_flipped_byte_is_an_error_not_a_panic() {
        let bytes = sample().cache_bytes(&KEY);
        for len in 0..bytes.len() {
            assert!(
                QuoteColumns::from_cache_bytes(&bytes[..len], &KEY).is_err(),
                "cut at {len}"
            );
        }
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(
                QuoteColumns::from_cache_bytes(&bad, &KEY).is_err(),
                "byte {i}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(QuoteColumns::from_cache_bytes(&long, &KEY).is_err());
    }

    #[test]
    fn the_cache_is_written_then_read_and_a_changed_csv_is_parsed_again() {
        let dir = std::env::temp_dir().join(format!("hft-cols-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("q.csv");
        std::fs::write(
            &csv,
            "ts_ns,symbol,bid,bid_size,ask,ask_size\n1,AAA,10,1,10.01,1\n",
        )
        .unwrap();
        let (q, used) = load_csv_columns(&csv).unwrap();
        assert_eq!(used, CacheUse::Written(cache_path(&csv)));
        let (again, used) = load_csv_columns(&csv).unwrap();
        assert_eq!(used, CacheUse::Read(cache_path(&csv)));
        assert_eq!(again.ts_ns(), q.ts_ns());
        // A longer file: another key, parsed again and the cache rewritten.
        std::fs::write(
            &csv,
            "ts_ns,symbol,bid,bid_size,ask,ask_size\n1,AAA,10,1,10.01,1\n2,AAA,10,1,10.01,1\n",
        )
        .unwrap();
        let (q, used) = load_csv_columns(&csv).unwrap();
        assert_eq!(q.ts_ns(), [1, 2]);
        assert!(
            matches!(used, CacheUse::Parsed(ref why) if why.contains("another version")),
            "{used:?}"
        );
        // A damaged cache: reported, parsed again.
        std::fs::write(cache_path(&csv), b"HFTCOLS1 not a cache").unwrap();
        let (q, used) = load_csv_columns(&csv).unwrap();
        assert_eq!(q.ts_ns(), [1, 2]);
        assert!(
            matches!(used, CacheUse::Parsed(ref why) if why.contains("q.csv.cols")),
            "{used:?}"
        );
        assert_eq!(
            load_csv_columns(&csv).unwrap().1,
            CacheUse::Read(cache_path(&csv))
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
