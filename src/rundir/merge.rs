//! Several quote files read as one: rows merged by time, stable for equal times (the earlier
//! file on the command line first, then each file's own row order), with one symbol table and
//! an optional symbol filter.

use super::records::{QuoteInputError, QuoteRecord, QuoteSource, SymbolTable, open_source};
use std::path::{Path, PathBuf};

/// Rows handed out per batch when several files are merged.
const MERGED_BATCH: usize = 1 << 14;

/// One input's rows read and not yet merged: `rows[next..]`.
struct Pending {
    source: Box<dyn QuoteSource>,
    rows: Vec<QuoteRecord>,
    next: usize,
    done: bool,
}

/// The quote files of one command, read as one time-ordered stream of [`QuoteRecord`]s.
///
/// # Examples
/// ```
/// use hft::rundir::QuoteInputs;
/// let dir = std::env::temp_dir().join(format!("hft-doc-merge-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
/// let header = "ts_ns,symbol,bid,bid_size,ask,ask_size\n";
/// std::fs::write(&a, format!("{header}1,AAA,1,1,2,1\n3,AAA,1,1,2,1\n")).unwrap();
/// std::fs::write(&b, format!("{header}1,BBB,1,1,2,1\n2,CCC,1,1,2,1\n")).unwrap();
/// let mut inputs = QuoteInputs::open(&[a, b], Some(&["AAA".into(), "BBB".into()])).unwrap();
/// let rows = inputs.read_all().unwrap();
/// let order: Vec<(i64, &str)> =
///     rows.iter().map(|r| (r.ts_ns, inputs.symbols().name(r.symbol))).collect();
/// assert_eq!(order, [(1, "AAA"), (1, "BBB"), (3, "AAA")]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct QuoteInputs {
    inputs: Vec<Pending>,
    paths: Vec<PathBuf>,
    symbols: SymbolTable,
}

impl QuoteInputs {
    /// Opens every file (each in its own format) with an optional symbol filter.
    ///
    /// # Errors
    /// No file, more than 65,535, or one that cannot be opened (naming it).
    pub fn open(paths: &[PathBuf], filter: Option<&[String]>) -> Result<Self, QuoteInputError> {
        if paths.is_empty() {
            return Err(QuoteInputError::new(
                Path::new("--ticks"),
                "no quote file given",
            ));
        }
        if paths.len() > usize::from(u16::MAX) {
            return Err(QuoteInputError::new(
                &paths[0],
                "more than 65,535 quote files",
            ));
        }
        let inputs = paths
            .iter()
            .enumerate()
            .map(|(k, p)| {
                Ok(Pending {
                    source: open_source(p, k as u16)?,
                    rows: Vec::new(),
                    next: 0,
                    done: false,
                })
            })
            .collect::<Result<Vec<_>, QuoteInputError>>()?;
        Ok(QuoteInputs {
            inputs,
            paths: paths.to_vec(),
            symbols: SymbolTable::with_filter(filter),
        })
    }

    /// The symbols seen so far, by id.
    pub fn symbols(&self) -> &SymbolTable {
        &self.symbols
    }

    /// The input files, by [`QuoteRecord::file`].
    pub fn paths(&self) -> &[PathBuf] {
        &self.paths
    }

    /// Replaces `out` with the next rows in time order; `Ok(false)` (and `out` empty) at the end.
    ///
    /// # Errors
    /// A file that cannot be read on, naming it and the place.
    pub fn next_batch(&mut self, out: &mut Vec<QuoteRecord>) -> Result<bool, QuoteInputError> {
        out.clear();
        if let [only] = self.inputs.as_mut_slice() {
            // One file: its batches as they come.
            while !only.done && out.is_empty() {
                only.done = !only.source.next_batch(&mut self.symbols, out)?;
            }
            return Ok(!out.is_empty());
        }
        while out.len() < MERGED_BATCH {
            // Every input with rows left has one buffered, so the earliest is known.
            for p in &mut self.inputs {
                while p.next == p.rows.len() && !p.done {
                    p.rows.clear();
                    p.next = 0;
                    p.done = !p.source.next_batch(&mut self.symbols, &mut p.rows)?;
                }
            }
            let mut best: Option<(usize, i64)> = None;
            for (k, p) in self.inputs.iter().enumerate() {
                if let Some(r) = p.rows.get(p.next)
                    && best.is_none_or(|(_, t)| r.ts_ns < t)
                {
                    best = Some((k, r.ts_ns));
                }
            }
            let Some((k, t)) = best else {
                break;
            };
            // Take this input's rows up to the next input's time (ties stay with the earlier
            // file), so a long run of one file moves in one slice.
            let limit = self
                .inputs
                .iter()
                .enumerate()
                .filter(|(j, p)| *j != k && p.next < p.rows.len())
                .map(|(j, p)| (p.rows[p.next].ts_ns, j))
                .min();
            let p = &mut self.inputs[k];
            let start = p.next;
            let mut end = start + 1;
            while end < p.rows.len()
                && end - start < MERGED_BATCH
                && limit.is_none_or(|(lt, j)| {
                    let ts = p.rows[end].ts_ns;
                    ts < lt || (ts == lt && k < j)
                })
            {
                end += 1;
            }
            debug_assert!(p.rows[start].ts_ns == t);
            out.extend_from_slice(&p.rows[start..end]);
            p.next = end;
        }
        Ok(!out.is_empty())
    }

    /// Every row, in time order (for inputs that fit in memory: convert, replay).
    ///
    /// # Errors
    /// As [`QuoteInputs::next_batch`].
    pub fn read_all(&mut self) -> Result<Vec<QuoteRecord>, QuoteInputError> {
        let mut all = Vec::new();
        let mut batch = Vec::new();
        while self.next_batch(&mut batch)? {
            all.extend_from_slice(&batch);
        }
        Ok(all)
    }
}
