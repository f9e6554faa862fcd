//! The producer handle and the `hft-journal` writer thread.

use super::format::format_entry;
use super::{FsyncPolicy, HEADER, JournalEntry};
use crossbeam::utils::Backoff;
use rtrb::{Consumer, Producer, PushError, RingBuffer};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle, Thread};
use std::time::Duration;

/// Bytes formatted before the writer writes (and, under [`FsyncPolicy::Batch`], syncs) without
/// waiting for the queue to drain, so sustained load still commits in bounded groups.
const FLUSH_BYTES: usize = 64 * 1024;

/// How long the idle writer parks between looks at the queue: short enough that a record
/// reaches the OS within about a millisecond, long enough that an idle journal costs nothing.
const IDLE_PARK: Duration = Duration::from_micros(500);

/// The hot path's end of the journal: appends entries to the queue the `hft-journal` thread
/// drains. Dropping it tells the thread to write what is left and exit.
///
/// # Examples
/// ```
/// use hft::config::FsyncPolicy;
/// use hft::journal::{self, JournalEntry};
///
/// let dir = std::env::temp_dir().join(format!("hft-journal-doc-tx-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join(journal::FILE);
/// let (mut tx, writer) = journal::spawn(&path, vec!["SPY".into()], FsyncPolicy::Never, 64).unwrap();
/// tx.append(JournalEntry::Cancel { t_ns: 1, order_id: 7 }).unwrap();
/// drop(tx);
/// assert_eq!(writer.join().unwrap().records, 1);
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct JournalTx {
    producer: Producer<JournalEntry>,
    /// The writer thread, woken when the queue is full so it drains without finishing its park.
    writer: Thread,
    /// Set by the writer thread when it stops writing (an I/O error): entries queued after it
    /// would never reach the file.
    writer_failed: Arc<AtomicBool>,
    full_waits: u64,
    lost: u64,
}

/// Why [`JournalTx::append`] did not queue an entry: the writer thread is gone, or it has
/// stopped writing after an I/O error. The entry is handed back.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error("the journal no longer writes")]
pub struct JournalClosed(pub JournalEntry);

impl JournalTx {
    /// Queues `entry` for the journal. Never drops it silently: when the queue is full it
    /// wakes the writer and spins, then yields, until there is room (each such append counts
    /// one [`full_waits`](Self::full_waits)). Never allocates and makes no system call unless
    /// the queue is full.
    ///
    /// # Errors
    /// [`JournalClosed`] (counted in [`lost`](Self::lost)) when the writer thread is gone or has
    /// stopped writing after an I/O error: the entry would never reach the file, and the
    /// caller must not act as if it were journaled (dispatch then does not send the order).
    #[inline]
    pub fn append(&mut self, entry: JournalEntry) -> Result<(), JournalClosed> {
        if !self.is_writing() {
            self.lost += 1;
            return Err(JournalClosed(entry));
        }
        match self.producer.push(entry) {
            Ok(()) => Ok(()),
            Err(PushError::Full(entry)) => self.wait_and_push(entry),
        }
    }

    #[cold]
    #[inline(never)]
    fn wait_and_push(&mut self, mut entry: JournalEntry) -> Result<(), JournalClosed> {
        self.full_waits += 1;
        self.writer.unpark();
        let backoff = Backoff::new();
        loop {
            if !self.is_writing() {
                self.lost += 1;
                return Err(JournalClosed(entry));
            }
            backoff.snooze();
            match self.producer.push(entry) {
                Ok(()) => return Ok(()),
                Err(PushError::Full(back)) => entry = back,
            }
        }
    }

    /// False once the writer thread is gone or has stopped writing: nothing appended from now
    /// on reaches the file. Two atomic loads.
    #[inline]
    pub fn is_writing(&self) -> bool {
        !self.producer.is_abandoned() && !self.writer_failed.load(Ordering::Acquire)
    }

    /// A handle whose writer thread is gone (for tests of what the hot path does then).
    #[cfg(test)]
    pub(crate) fn detached(capacity: usize) -> JournalTx {
        let (producer, consumer) = RingBuffer::new(capacity);
        drop(consumer);
        JournalTx {
            producer,
            writer: thread::current(),
            writer_failed: Arc::new(AtomicBool::new(false)),
            full_waits: 0,
            lost: 0,
        }
    }

    /// Appends that found the queue full and had to wait.
    pub fn full_waits(&self) -> u64 {
        self.full_waits
    }

    /// Entries not queued because the writer thread had exited or stopped writing (0 unless
    /// the disk or the thread failed).
    pub fn lost(&self) -> u64 {
        self.lost
    }
}

/// What the writer thread did, returned when it exits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalStats {
    /// Records written to the file.
    pub records: u64,
    /// Bytes written to the file (header included).
    pub bytes: u64,
    /// `fdatasync` calls made.
    pub fsyncs: u64,
    /// Records drained from the queue but not written because of an earlier I/O error.
    pub dropped: u64,
    /// Bytes of an incomplete last line (a crash mid-write) cut off the file when it was opened.
    pub cut_bytes: u64,
    /// The first I/O error; after it the thread stops writing (the file stays a clean prefix)
    /// but keeps draining the queue, so the hot path never blocks on a dead disk.
    pub error: Option<String>,
}

/// Opens (creating if needed) the journal at `path` for appending and starts the `hft-journal`
/// thread, which drains a queue of `capacity` entries into it.
///
/// A new or empty file gets [`HEADER`](super::HEADER) first. An existing file ending in an
/// incomplete line (a crash mid-write) is cut back to its last complete line first, so the
/// records appended next are not glued to the fragment. Instruments are written as
/// `symbols[instrument]`, `?` when out of range.
///
/// The thread exits once the returned [`JournalTx`] is dropped and the queue drained, after a
/// final write and, unless the policy is [`FsyncPolicy::Never`], a sync. Join it for the
/// [`JournalStats`]. It never panics: I/O errors go to [`JournalStats::error`] and the log.
///
/// # Errors
/// `InvalidInput` when `capacity` is 0 or a symbol is empty, `?`, starts with `#` or contains
/// `,`, `\r` or `\n` (it could not be read back); otherwise the error from opening, repairing
/// or writing the header of the file, or from spawning the thread.
///
/// # Examples
/// ```
/// use hft::config::FsyncPolicy;
/// use hft::journal::{self, JournalEntry};
/// use hft::types::ExecId;
///
/// let dir = std::env::temp_dir().join(format!("hft-journal-doc-spawn-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join(journal::FILE);
/// let symbols = vec!["SPY".to_string(), "QQQ".to_string()];
///
/// let (mut tx, writer) = journal::spawn(&path, symbols.clone(), FsyncPolicy::Batch, 1024).unwrap();
/// tx.append(JournalEntry::Execution {
///     t_ns: 1_718_000_000_000_000_000,
///     order_id: 101,
///     exec_id: ExecId::from("0000e0d5.6567cd7a.01.01").unwrap(),
///     instrument: 1,
///     pair: 0,
///     qty: -100.0,
///     price: 441.25,
/// })
/// .unwrap();
/// drop(tx); // the writer drains the queue, syncs and exits
/// let stats = writer.join().unwrap();
/// assert_eq!((stats.records, stats.error), (1, None));
///
/// let recovered = journal::load(&path, &symbols).unwrap();
/// assert_eq!(recovered.positions(2), vec![0.0, -100.0]);
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn spawn(
    path: &Path,
    symbols: Vec<String>,
    policy: FsyncPolicy,
    capacity: usize,
) -> io::Result<(JournalTx, JoinHandle<JournalStats>)> {
    if capacity == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "journal queue capacity must be at least 1",
        ));
    }
    if let Some(bad) = symbols.iter().find(|s| !is_writable_symbol(s)) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("symbol {bad:?} cannot be written to the journal"),
        ));
    }
    let opened = open(path, policy)?;
    let (mut producer, mut consumer) = RingBuffer::new(capacity);
    // Dispatch appends on its hot path: the queue's pages are mapped now.
    let filler = JournalEntry::Done {
        t_ns: 0,
        order_id: 0,
        filled: 0.0,
    };
    crate::runtime::prefault_queue(&mut producer, &mut consumer, filler);
    let writer_failed = Arc::new(AtomicBool::new(false));
    let writer = Writer {
        failed_flag: writer_failed.clone(),
        path: path.to_path_buf(),
        file: opened.file,
        buf: Vec::with_capacity(FLUSH_BYTES + 1024),
        symbols,
        policy,
        pending: 0,
        unsynced: false,
        failed: false,
        stats: JournalStats {
            bytes: opened.header_bytes,
            fsyncs: opened.fsyncs,
            cut_bytes: opened.cut_bytes,
            ..JournalStats::default()
        },
    };
    let handle = thread::Builder::new()
        .name("hft-journal".into())
        .spawn(move || writer.run(consumer))?;
    let tx = JournalTx {
        producer,
        writer: handle.thread().clone(),
        writer_failed,
        full_waits: 0,
        lost: 0,
    };
    Ok((tx, handle))
}

/// True for a symbol that survives the trip through a journal line.
fn is_writable_symbol(s: &str) -> bool {
    !s.is_empty() && s != "?" && !s.starts_with('#') && !s.contains([',', '\r', '\n'])
}

/// The journal file, ready to append to.
struct Opened {
    file: File,
    header_bytes: u64,
    cut_bytes: u64,
    fsyncs: u64,
}

fn open(path: &Path, policy: FsyncPolicy) -> io::Result<Opened> {
    let (mut file, created) = match OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => (file, true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            let file = OpenOptions::new().read(true).write(true).open(path)?;
            (file, false)
        }
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let keep = complete_prefix_len(&mut file, len)?;
    if keep < len {
        tracing::warn!(
            path = %path.display(),
            bytes = len - keep,
            "journal ends in an incomplete line (crash mid-write); cutting it off"
        );
        file.set_len(keep)?;
    }
    file.seek(SeekFrom::Start(keep))?;
    let mut header_bytes = 0;
    if keep == 0 {
        file.write_all(HEADER.as_bytes())?;
        header_bytes = HEADER.len() as u64;
    }
    let mut fsyncs = 0;
    if policy != FsyncPolicy::Never {
        if keep < len || keep == 0 {
            file.sync_data()?;
            fsyncs += 1;
        }
        if created {
            sync_parent_dir(path);
        }
    }
    Ok(Opened {
        file,
        header_bytes,
        cut_bytes: len - keep,
        fsyncs,
    })
}

/// Length of `file` up to and including its last `\n` (0 if it has none).
fn complete_prefix_len(file: &mut File, len: u64) -> io::Result<u64> {
    let mut chunk = [0u8; 4096];
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(chunk.len() as u64);
        let part = &mut chunk[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(part)?;
        if let Some(i) = part.iter().rposition(|&b| b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Makes a new file's directory entry durable (a synced file is no use if its name is lost).
/// Best effort: some file systems refuse to sync a directory.
fn sync_parent_dir(path: &Path) {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot sync the journal's directory");
    }
}

/// The `hft-journal` thread's state.
struct Writer {
    path: PathBuf,
    file: File,
    /// Formatted lines not yet written; reused, never shrunk.
    buf: Vec<u8>,
    symbols: Vec<String>,
    policy: FsyncPolicy,
    /// Records in `buf`.
    pending: u64,
    /// Records written since the last sync.
    unsynced: bool,
    /// An I/O error happened: write nothing more.
    failed: bool,
    /// `failed`, shared with the producer so it stops counting on the journal.
    failed_flag: Arc<AtomicBool>,
    stats: JournalStats,
}

impl Writer {
    fn run(mut self, mut queue: Consumer<JournalEntry>) -> JournalStats {
        let backoff = Backoff::new();
        loop {
            // Read before draining: once abandoned, nothing more can be pushed, so an empty
            // queue after this drain is empty for good.
            let abandoned = queue.is_abandoned();
            let mut drained_any = false;
            while let Ok(entry) = queue.pop() {
                drained_any = true;
                format_entry(&mut self.buf, &self.symbols, &entry);
                self.pending += 1;
                match self.policy {
                    FsyncPolicy::Every => self.commit(true),
                    _ if self.buf.len() >= FLUSH_BYTES => {
                        self.commit(self.policy == FsyncPolicy::Batch)
                    }
                    _ => {}
                }
            }
            if drained_any {
                self.commit(self.policy != FsyncPolicy::Never);
                backoff.reset();
            } else if abandoned {
                break;
            } else if backoff.is_completed() {
                thread::park_timeout(IDLE_PARK);
            } else {
                backoff.snooze();
            }
        }
        if self.policy != FsyncPolicy::Never && self.unsynced {
            self.sync();
        }
        self.stats
    }

    /// Writes the buffered records, then syncs if `sync`.
    fn commit(&mut self, sync: bool) {
        if self.failed {
            self.stats.dropped += self.pending;
        } else if !self.buf.is_empty() {
            match self.file.write_all(&self.buf) {
                Ok(()) => {
                    self.stats.records += self.pending;
                    self.stats.bytes += self.buf.len() as u64;
                    self.unsynced = true;
                }
                Err(e) => {
                    self.stats.dropped += self.pending;
                    self.fail("cannot write", &e);
                }
            }
        }
        self.buf.clear();
        self.pending = 0;
        if sync && self.unsynced {
            self.sync();
        }
    }

    fn sync(&mut self) {
        if self.failed {
            return;
        }
        match self.file.sync_data() {
            Ok(()) => {
                self.stats.fsyncs += 1;
                self.unsynced = false;
            }
            Err(e) => self.fail("cannot sync", &e),
        }
    }

    fn fail(&mut self, what: &str, error: &io::Error) {
        self.failed = true;
        self.failed_flag.store(true, Ordering::Release);
        if self.stats.error.is_none() {
            let message = format!("{what} {}: {error}", self.path.display());
            tracing::error!("journal stops writing: {message}");
            self.stats.error = Some(message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rejects_unwritable_symbols_and_zero_capacity() {
        let path = Path::new("/nonexistent-hft-dir/journal.csv");
        for bad in ["", "?", "A,B", "A\nB", "#A"] {
            let err = spawn(path, vec![bad.into()], FsyncPolicy::Never, 8).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        let err = spawn(path, vec!["SPY".into()], FsyncPolicy::Never, 0).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
