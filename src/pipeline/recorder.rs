//! The quote recorder: a cold thread that drains the normalize stage's [`QuoteTap`] queue into
//! `quotes.csv` of the run directory, through the one quote writer
//! ([`crate::rundir::write_quote_row`]), so `hft backtest --ticks RUN/quotes.csv` and
//! `hft sim --replay RUN/quotes.csv` replay the run.
//!
//! What is written: every top of book the normalizer evaluated (an event that changed an
//! instrument's book), before its bad-tick filter, stamped with the event time (`ts_ns`), in the
//! order normalize saw them. The backtest runs each row through the same filter, so it accepts
//! and rejects the same quotes. Tops a quote file cannot hold (a side not yet known, a crossed
//! book) are written too; the quote reader skips them with a line number, as the live filter
//! dropped them.
//!
//! The thread never allocates once started (a fixed buffer written out before it would grow, a
//! timed park when the queue is empty), so the no-allocation test holds with recording on. It
//! ends when normalize has dropped its end of the queue and the queue is empty.
//!
//! With `engine.record_events` a second recorder of the same loop writes `md_events.csv`: every
//! raw market-data event normalize receives (a diagnostics file of what the feed sent).

use crate::instruments::instrument_of_req;
use crate::record::{EventTap, QuoteTap, RecordTap};
use crate::rundir::{MD_EVENTS_HEADER, QUOTE_HEADER, write_md_event_row, write_quote_row};
use crate::types::{MdEvent, Quote};
use anyhow::Context;
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

/// The recording's file name in the run directory.
pub const QUOTES_FILE: &str = "quotes.csv";

/// The raw-event recording's file name (`engine.record_events`).
pub const MD_EVENTS_FILE: &str = "md_events.csv";

/// Bytes buffered before a write; rows are under 128 bytes.
const FLUSH_BYTES: usize = 256 * 1024;
const ROW_ROOM: usize = 256;

/// How long the thread parks when the queue is empty (it is off the hot path: the producer
/// never wakes it). 10 ms holds well under the default queue of 65,536 rows even at 100,000
/// quotes a second, and keeps the recorder's wake-ups (100 a second) off the stages' cores.
const IDLE_PARK: Duration = Duration::from_millis(10);

/// What the recorder did.
#[derive(Debug, Clone, Default)]
pub struct RecorderReport {
    /// Rows written to `quotes.csv`.
    pub rows: u64,
    /// The first write error (the recorder then only drains its queue).
    pub error: Option<String>,
}

/// The recorder threads that run (`engine.record_quotes`, `engine.record_events`).
#[derive(Default)]
pub(super) struct Recorders {
    pub(super) quotes: Option<std::thread::JoinHandle<RecorderReport>>,
    pub(super) events: Option<std::thread::JoinHandle<RecorderReport>>,
}

/// The recorders `params` ask for, started on their files in the run directory.
pub(super) fn spawn_recorders(
    params: &crate::config::EngineParams,
    opts: &super::RunOptions,
    symbols: &[String],
) -> anyhow::Result<(Option<QuoteTap>, Option<EventTap>, Recorders)> {
    let cap = params.engine.record_queue_capacity;
    let (mut quote_tap, mut event_tap, mut threads) = (None, None, Recorders::default());
    if params.engine.record_quotes {
        let path = opts.run_dir.join(QUOTES_FILE);
        let (tap, h) = spawn(&path, symbols.to_vec(), cap)
            .with_context(|| format!("cannot start the quote recorder on {}", path.display()))?;
        (quote_tap, threads.quotes) = (Some(tap), Some(h));
    }
    if params.engine.record_events {
        let path = opts.run_dir.join(MD_EVENTS_FILE);
        let (tap, h) = spawn_events(&path, symbols.to_vec(), cap)
            .with_context(|| format!("cannot start the event recorder on {}", path.display()))?;
        (event_tap, threads.events) = (Some(tap), Some(h));
    }
    Ok((quote_tap, event_tap, threads))
}

/// Creates `path` with the quote header and starts the quote recorder on a queue of
/// `capacity`.
///
/// # Errors
/// The file cannot be created, or the thread cannot be spawned.
pub fn spawn(
    path: &Path,
    symbols: Vec<String>,
    capacity: usize,
) -> io::Result<(QuoteTap, JoinHandle<RecorderReport>)> {
    spawn_writer(
        path,
        QUOTE_HEADER,
        capacity,
        "hft-recorder",
        Quote::default(),
        move |q: &Quote, out| {
            let symbol = symbols
                .get(usize::from(q.instrument))
                .map_or("?", String::as_str);
            write_quote_row(
                out,
                q.t_ns as i64,
                symbol,
                q.bid,
                q.bid_size,
                q.ask,
                q.ask_size,
            );
        },
    )
}

/// Creates `path` (`md_events.csv`) and starts the raw-event recorder (`engine.record_events`):
/// every market-data event normalize receives, as [`write_md_event_row`] writes it.
///
/// # Errors
/// The file cannot be created, or the thread cannot be spawned.
pub fn spawn_events(
    path: &Path,
    symbols: Vec<String>,
    capacity: usize,
) -> io::Result<(EventTap, JoinHandle<RecorderReport>)> {
    spawn_writer(
        path,
        MD_EVENTS_HEADER,
        capacity,
        "hft-recorder-md",
        super::prefault::md_sample(),
        move |e: &MdEvent, out| {
            let symbol = instrument_of_req(e.req_id)
                .and_then(|i| symbols.get(usize::from(i)))
                .map_or("?", String::as_str);
            write_md_event_row(out, e, symbol);
        },
    )
}

/// The one recorder loop, for any row type: `path` gets `header`, then a row per item. The
/// queue is pre-faulted with `sample` (see [`crate::runtime::prefault_queue`]).
fn spawn_writer<T: Copy + Send + 'static>(
    path: &Path,
    header: &str,
    capacity: usize,
    thread: &str,
    sample: T,
    row: impl FnMut(&T, &mut Vec<u8>) + Send + 'static,
) -> io::Result<(RecordTap<T>, JoinHandle<RecorderReport>)> {
    let mut file = File::create(path)?;
    writeln!(file, "{header}")?;
    let (mut producer, mut consumer) = rtrb::RingBuffer::new(capacity);
    crate::runtime::prefault_queue(&mut producer, &mut consumer, sample);
    let path = path.to_path_buf();
    let handle = std::thread::Builder::new()
        .name(thread.into())
        .spawn(move || run(consumer, file, &path, row))?;
    Ok((RecordTap::new(producer), handle))
}

fn run<T>(
    mut rx: rtrb::Consumer<T>,
    mut file: File,
    path: &Path,
    mut row: impl FnMut(&T, &mut Vec<u8>),
) -> RecorderReport {
    let mut report = RecorderReport::default();
    let mut buf = Vec::with_capacity(FLUSH_BYTES + ROW_ROOM);
    let mut write = |buf: &mut Vec<u8>, report: &mut RecorderReport| {
        if report.error.is_none()
            && let Err(e) = file.write_all(buf)
        {
            report.error = Some(format!("{}: {e}", path.display()));
            tracing::error!(error = %e, path = %path.display(), "recording stopped");
        }
        buf.clear();
    };
    loop {
        // Checked before draining: once abandoned, this drain is the last.
        let last = rx.is_abandoned();
        let mut drained = false;
        while let Ok(item) = rx.pop() {
            drained = true;
            row(&item, &mut buf);
            report.rows += 1;
            if buf.len() >= FLUSH_BYTES {
                write(&mut buf, &mut report);
            }
        }
        if last {
            break;
        }
        if !drained {
            // Idle: what is buffered goes to the file, so a crash loses little.
            if !buf.is_empty() {
                write(&mut buf, &mut report);
            }
            std::thread::park_timeout(IDLE_PARK);
        }
    }
    write(&mut buf, &mut report);
    if report.error.is_some() {
        report.rows = 0;
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rundir::QuoteScanner;

    #[test]
    fn writes_every_quote_in_order_then_ends_with_the_producer() {
        let path = std::env::temp_dir().join(format!("hft-recorder-{}.csv", std::process::id()));
        let (mut tap, handle) = spawn(&path, vec!["AAA".into(), "BBB".into()], 16).unwrap();
        let mut pushed = 0;
        for k in 0..10_000u64 {
            let q = Quote {
                seq: k,
                instrument: (k % 2) as u16,
                t_ns: 1_700_000_000_000_000_000 + k,
                bid: 100.0 + (k % 7) as f64 * 0.01,
                ask: 100.5,
                bid_size: 100.0,
                ask_size: 300.0,
            };
            tap.push(q);
            pushed += 1;
            if k % 8 == 0 {
                std::thread::yield_now();
            }
        }
        assert_eq!(tap.sent() + tap.dropped(), pushed);
        let sent = tap.sent();
        drop(tap);
        let report = handle.join().unwrap();
        assert_eq!(report.rows, sent);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(QUOTE_HEADER));
        let mut scanner = QuoteScanner::default();
        let mut n = 0;
        for line in lines {
            let row = scanner
                .scan(line.as_bytes())
                .expect("a quote row, in time order");
            assert!(row.symbol == b"AAA" || row.symbol == b"BBB");
            n += 1;
        }
        assert_eq!(n, sent);
        std::fs::remove_file(&path).unwrap();
    }
}
