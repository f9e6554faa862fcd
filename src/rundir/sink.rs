//! Files written under a temporary name and renamed when complete ([`AtomicFile`]), and quote
//! files written in any format ([`QuoteOutput`], the format from the file's name).

use super::QUOTE_HEADER_TRADES;
use super::dbn::write_dbn;
use super::parquet_write::{ParquetOptions, ParquetQuoteWriter};
use super::records::{QuoteFormat, QuoteRecord, SymbolTable};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file written as `NAME.tmp-PID` beside its destination and renamed onto it by
/// [`AtomicFile::commit`]; dropped before that (an error, a panic), the temporary file is
/// removed, so nothing half-written is left under the final name.
pub struct AtomicFile {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Creates the temporary file for `dest`.
    ///
    /// # Errors
    /// It cannot be created.
    pub fn create(dest: &Path) -> io::Result<Self> {
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
        let mut tmp_name = name.to_os_string();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = dest.with_file_name(tmp_name);
        let file = File::create(&tmp)?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
            file: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// The temporary file's writer.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.file.as_mut().expect("present until commit")
    }

    /// Takes the writer (for a writer that owns its sink); give it back with
    /// [`AtomicFile::commit_with`].
    pub fn take(&mut self) -> BufWriter<File> {
        self.file.take().expect("present until commit")
    }

    /// Flushes and renames onto the destination.
    ///
    /// # Errors
    /// Flush or rename.
    pub fn commit(mut self) -> io::Result<()> {
        let w = self.take();
        self.commit_with(w)
    }

    /// Flushes `w` (the writer [`AtomicFile::take`] gave) and renames onto the destination.
    ///
    /// # Errors
    /// Flush or rename.
    pub fn commit_with(mut self, w: BufWriter<File>) -> io::Result<()> {
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&self.tmp, &self.dest)?;
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            self.file = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `data` to `dest` through an [`AtomicFile`].
///
/// # Errors
/// I/O.
pub fn write_atomic(dest: &Path, data: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.writer().write_all(data)?;
    f.commit()
}

/// Writes a Parquet copy of each of a run directory's tables that exists (`orders.csv`,
/// `fills.csv`, `series/*.csv`) beside it ([`super::csv_table_to_parquet`], typed columns), each
/// under a temporary name renamed when complete; returns the files written.
///
/// # Errors
/// I/O, or a table whose rows do not match its header.
pub fn write_parquet_tables(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut tables = vec![dir.join("orders.csv"), dir.join("fills.csv")];
    if let Ok(series) = std::fs::read_dir(dir.join("series")) {
        let mut files: Vec<PathBuf> = series
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        tables.extend(files);
    }
    let mut written = Vec::new();
    for csv in tables.into_iter().filter(|p| p.exists()) {
        let text = std::fs::read(&csv)?;
        let parquet = super::csv_table_to_parquet(&text, Vec::new())
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", csv.display())))?;
        let dest = csv.with_extension("parquet");
        write_atomic(&dest, &parquet)?;
        written.push(dest);
    }
    Ok(written)
}

enum Sink {
    Csv(BufWriter<File>),
    Parquet(Box<ParquetQuoteWriter<BufWriter<File>>>),
    /// DBN's metadata (symbols, start and end) comes first: rows are kept until the end.
    Dbn {
        zstd: bool,
        rows: Vec<QuoteRecord>,
        file: BufWriter<File>,
    },
}

/// A quote file being written in the format of its name ([`QuoteFormat::of_name`]); accepted
/// rows only. Complete only after [`QuoteOutput::finish`].
pub struct QuoteOutput {
    file: AtomicFile,
    sink: Sink,
    rows: u64,
}

impl QuoteOutput {
    /// Starts writing `dest`.
    ///
    /// # Errors
    /// The file cannot be created.
    pub fn create(dest: &Path, parquet: ParquetOptions) -> io::Result<Self> {
        let mut file = AtomicFile::create(dest)?;
        let sink = match QuoteFormat::of_name(dest) {
            QuoteFormat::Csv => {
                let mut w = file.take();
                writeln!(w, "{QUOTE_HEADER_TRADES}")?;
                Sink::Csv(w)
            }
            QuoteFormat::Parquet => {
                Sink::Parquet(Box::new(ParquetQuoteWriter::new(file.take(), parquet)?))
            }
            QuoteFormat::Dbn { zstd } => Sink::Dbn {
                zstd,
                rows: Vec::new(),
                file: file.take(),
            },
        };
        Ok(QuoteOutput {
            file,
            sink,
            rows: 0,
        })
    }

    /// Appends the accepted rows of `rows`.
    ///
    /// # Errors
    /// I/O, or a value the format cannot hold.
    pub fn write(&mut self, rows: &[QuoteRecord], symbols: &SymbolTable) -> io::Result<()> {
        self.rows += rows.iter().filter(|r| r.problem.is_none()).count() as u64;
        match &mut self.sink {
            Sink::Csv(w) => {
                let mut line = Vec::with_capacity(64);
                for r in rows.iter().filter(|r| r.problem.is_none()) {
                    line.clear();
                    line.extend_from_slice(itoa::Buffer::new().format(r.ts_ns).as_bytes());
                    line.push(b',');
                    line.extend_from_slice(symbols.name(r.symbol).as_bytes());
                    for v in [r.bid, r.bid_size, r.ask, r.ask_size] {
                        line.push(b',');
                        push_number(&mut line, v);
                    }
                    // The trade columns: empty when the row has no trade.
                    line.push(b',');
                    if r.last_size > 0.0 {
                        push_number(&mut line, r.last);
                        line.push(b',');
                        push_number(&mut line, r.last_size);
                    } else {
                        line.push(b',');
                    }
                    line.push(b'\n');
                    w.write_all(&line)?;
                }
                Ok(())
            }
            Sink::Parquet(p) => p.write(rows, symbols),
            Sink::Dbn { rows: kept, .. } => {
                kept.extend(rows.iter().filter(|r| r.problem.is_none()));
                Ok(())
            }
        }
    }

    /// Finishes the file and renames it onto its name; returns the rows written.
    ///
    /// # Errors
    /// I/O, or a value the format cannot hold.
    pub fn finish(self, symbols: &SymbolTable) -> io::Result<u64> {
        let QuoteOutput { file, sink, rows } = self;
        let w = match sink {
            Sink::Csv(w) => w,
            Sink::Parquet(p) => p.finish()?,
            Sink::Dbn {
                zstd,
                rows,
                mut file,
            } => {
                write_dbn(&rows, symbols, zstd, &mut file)?;
                file
            }
        };
        file.commit_with(w)?;
        Ok(rows)
    }
}

/// A number as the shortest text that reads back as the same `f64` (whole numbers without a
/// fraction).
fn push_number(out: &mut Vec<u8>, v: f64) {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        out.extend_from_slice(ryu::Buffer::new().format(v).as_bytes());
    }
}
