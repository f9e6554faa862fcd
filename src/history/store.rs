//! Where a download keeps its progress, so an interrupted run resumes without a gap or a
//! duplicate:
//!
//! - `OUT.partial`: quote rows appended page by page, in download order (each page's rows in
//!   time order; pages of a session newest first);
//! - `OUT.state.json`: the download's arguments, the length of `OUT.partial` that is committed,
//!   and the next page to ask for (job index and end second).
//!
//! A page is committed in two steps: its rows are appended to the partial file and synced, then
//! the state file is replaced (written to a temporary name, synced, renamed). A crash between the
//! two leaves rows past the committed length; a resume truncates them and asks for that page
//! again. At the end the partial rows are put in time order (stable, by `ts_ns` then by the
//! order of `--symbols`) and written as `OUT` through a temporary name and a rename; the partial
//! and state files are then removed.

use crate::rundir::{QUOTE_HEADER, QuoteScanner};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What identifies a download: re-running with the same values resumes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub symbols: Vec<String>,
    pub from: String,
    pub to: String,
    pub what: String,
    pub rth: bool,
}

/// The committed progress of a download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub args: Fingerprint,
    /// Bytes of the partial file that belong to committed pages.
    pub committed_bytes: u64,
    /// Rows and pages committed so far.
    pub rows: u64,
    pub pages: u64,
    /// The job (symbol x session, symbol-major, sessions oldest first) being paged ...
    pub job: usize,
    /// ... and the end second (inclusive) of its next page; `None`: the session's close.
    pub next_end: Option<i64>,
}

/// Why the store cannot go on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "{path}: an interrupted download with other arguments ({found}); re-run with those, or delete {path} and {partial} to start over"
    )]
    OtherArgs {
        path: PathBuf,
        partial: PathBuf,
        found: String,
    },
    #[error("{path}: not a download state file ({reason}); delete it and {partial} to start over")]
    Corrupt {
        path: PathBuf,
        partial: PathBuf,
        reason: String,
    },
    #[error(
        "{path}: shorter ({len} bytes) than its committed {committed} bytes; delete it and {state} to start over"
    )]
    Truncated {
        path: PathBuf,
        state: PathBuf,
        len: u64,
        committed: u64,
    },
    #[error("{path}: line {line}: {reason}")]
    BadRow {
        path: PathBuf,
        line: usize,
        reason: &'static str,
    },
}

impl StoreError {
    /// True for problems with the files the user gave or left (exit status 2), false for I/O.
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, StoreError::Io { .. })
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `OUT` with a suffix appended to its file name.
fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    out.with_file_name(name)
}

/// The partial file, the state file and the final output of one download.
#[derive(Debug)]
pub struct Store {
    out: PathBuf,
    partial_path: PathBuf,
    state_path: PathBuf,
    partial: File,
    progress: Progress,
    resumed: bool,
}

impl Store {
    /// Opens the download's files: resumes from `OUT.state.json` when it exists for the same
    /// arguments (truncating uncommitted rows), else starts empty.
    ///
    /// # Errors
    /// A state file for other arguments or unreadable as one, a partial file shorter than its
    /// committed length, or an I/O error.
    pub fn open(out: &Path, args: Fingerprint) -> Result<Store, StoreError> {
        let partial_path = sibling(out, ".partial");
        let state_path = sibling(out, ".state.json");
        let existing = match fs::read(&state_path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(&state_path)(e)),
        };
        let (progress, resumed) = match existing {
            Some(bytes) => {
                let p: Progress =
                    serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                        path: state_path.clone(),
                        partial: partial_path.clone(),
                        reason: e.to_string(),
                    })?;
                if p.args != args {
                    return Err(StoreError::OtherArgs {
                        path: state_path,
                        partial: partial_path,
                        found: format!(
                            "--symbols {} --from {} --to {} --what {}{}",
                            p.args.symbols.join(","),
                            p.args.from,
                            p.args.to,
                            p.args.what,
                            if p.args.rth { " --rth" } else { "" }
                        ),
                    });
                }
                (p, true)
            }
            None => (
                Progress {
                    args,
                    committed_bytes: 0,
                    rows: 0,
                    pages: 0,
                    job: 0,
                    next_end: None,
                },
                false,
            ),
        };
        let partial = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .open(&partial_path)
            .map_err(io_err(&partial_path))?;
        let len = partial.metadata().map_err(io_err(&partial_path))?.len();
        if len < progress.committed_bytes {
            return Err(StoreError::Truncated {
                path: partial_path,
                state: state_path,
                len,
                committed: progress.committed_bytes,
            });
        }
        if len > progress.committed_bytes {
            tracing::warn!(
                file = %partial_path.display(),
                dropped_bytes = len - progress.committed_bytes,
                "dropping rows of a page that was not committed; it is asked for again"
            );
        }
        // Rows past the committed length belong to a page that is asked for again.
        partial
            .set_len(progress.committed_bytes)
            .map_err(io_err(&partial_path))?;
        let store = Store {
            out: out.to_path_buf(),
            partial_path,
            state_path,
            partial,
            progress,
            resumed,
        };
        if !resumed {
            store.save()?;
        }
        Ok(store)
    }

    /// True when this run continues an interrupted one.
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// The committed progress.
    pub fn progress(&self) -> &Progress {
        &self.progress
    }

    /// Commits one page: its `rows` (already in the quote layout, `n_rows` of them), then the
    /// cursor of the next page.
    ///
    /// # Errors
    /// An I/O error; the state then still names the previous page, which a resume asks again.
    pub fn commit(
        &mut self,
        rows: &[u8],
        n_rows: u64,
        job: usize,
        next_end: Option<i64>,
    ) -> Result<(), StoreError> {
        use std::io::Seek;
        let path = &self.partial_path;
        self.partial
            .seek(io::SeekFrom::Start(self.progress.committed_bytes))
            .map_err(io_err(path))?;
        self.partial.write_all(rows).map_err(io_err(path))?;
        self.partial.sync_data().map_err(io_err(path))?;
        self.progress.committed_bytes += rows.len() as u64;
        self.progress.rows += n_rows;
        self.progress.pages += 1;
        self.progress.job = job;
        self.progress.next_end = next_end;
        self.save()
    }

    /// Replaces the state file (temporary name, sync, rename).
    fn save(&self) -> Result<(), StoreError> {
        let tmp = sibling(&self.state_path, ".tmp");
        let json = serde_json::to_vec_pretty(&self.progress).expect("progress serializes");
        let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
        f.write_all(&json).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, &self.state_path).map_err(io_err(&self.state_path))
    }

    /// Writes `OUT`: the committed rows in time order (stable: `ts_ns`, then the order of
    /// `symbols`), with the header, through a temporary name; removes the partial and state
    /// files. Returns the number of rows.
    ///
    /// # Errors
    /// An I/O error, or a partial row the quote reader refuses (the file was edited).
    pub fn finish(self) -> Result<u64, StoreError> {
        let path = &self.partial_path;
        let text = fs::read(path).map_err(io_err(path))?;
        let symbols = &self.progress.args.symbols;
        let mut rows: Vec<(i64, usize, &[u8])> = Vec::with_capacity(self.progress.rows as usize);
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let bad = |reason| StoreError::BadRow {
                path: path.clone(),
                line: i + 1,
                reason,
            };
            // Each row alone: the partial file is in download order, not time order.
            let row = QuoteScanner::default()
                .scan(line)
                .map_err(|p| bad(p.reason()))?;
            let sym = symbols
                .iter()
                .position(|s| s.as_bytes() == row.symbol)
                .ok_or_else(|| bad("symbol not in --symbols"))?;
            rows.push((row.ts_ns, sym, line));
        }
        rows.sort_by_key(|r| (r.0, r.1));
        let tmp = sibling(&self.out, ".tmp");
        let mut w = io::BufWriter::new(File::create(&tmp).map_err(io_err(&tmp))?);
        writeln!(w, "{QUOTE_HEADER}").map_err(io_err(&tmp))?;
        for (_, _, line) in &rows {
            w.write_all(line).map_err(io_err(&tmp))?;
            w.write_all(b"\n").map_err(io_err(&tmp))?;
        }
        let f = w.into_inner().map_err(|e| io_err(&tmp)(e.into_error()))?;
        f.sync_all().map_err(io_err(&tmp))?;
        fs::rename(&tmp, &self.out).map_err(io_err(&self.out))?;
        let _ = fs::remove_file(&self.state_path);
        let _ = fs::remove_file(&self.partial_path);
        Ok(rows.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> Fingerprint {
        Fingerprint {
            symbols: vec!["SPY".into(), "IVV".into()],
            from: "2026-11-02".into(),
            to: "2026-11-02".into(),
            what: "BID_ASK".into(),
            rth: true,
        }
    }

    #[test]
    fn resume_drops_uncommitted_rows_and_finish_sorts() {
        let dir = std::env::temp_dir().join(format!("hft-store-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let out = dir.join("q.csv");
        let mut s = Store::open(&out, args()).unwrap();
        assert!(!s.resumed());
        s.commit(
            b"3000000000,SPY,1,1,2,1\n3000000001,SPY,1,1,2,1\n",
            2,
            0,
            Some(2),
        )
        .unwrap();
        s.commit(b"2000000000,IVV,1,1,2,1\n", 1, 1, None).unwrap();
        drop(s);
        // A page written but not committed (a crash before the state was replaced).
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join("q.csv.partial"))
            .unwrap();
        f.write_all(b"1000000000,SPY,1,1,2,1\n").unwrap();
        drop(f);
        // Other arguments: refused, naming the state file.
        let mut other = args();
        other.rth = false;
        let e = Store::open(&out, other).unwrap_err();
        assert!(
            e.is_bad_input() && e.to_string().contains("q.csv.state.json"),
            "{e}"
        );
        let s = Store::open(&out, args()).unwrap();
        assert!(s.resumed());
        assert_eq!((s.progress().job, s.progress().rows), (1, 3));
        assert_eq!(s.finish().unwrap(), 3);
        let text = fs::read_to_string(&out).unwrap();
        assert_eq!(
            text,
            format!(
                "{QUOTE_HEADER}\n2000000000,IVV,1,1,2,1\n3000000000,SPY,1,1,2,1\n3000000001,SPY,1,1,2,1\n"
            )
        );
        assert!(!dir.join("q.csv.partial").exists() && !dir.join("q.csv.state.json").exists());
        // A corrupt state file is named.
        fs::write(dir.join("q.csv.state.json"), b"{").unwrap();
        let e = Store::open(&out, args()).unwrap_err();
        assert!(matches!(e, StoreError::Corrupt { .. }), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
