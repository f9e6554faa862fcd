//! `hft history --ticks`: historical ticks through the `ibapi` crate's REQ_HISTORICAL_TICKS,
//! written as a quote file the backtest and the replaying gateway read.
//!
//! How a download walks IB's history:
//! - jobs are (symbol, session) pairs, symbol-major, sessions oldest first, from
//!   [`crate::calendar`] (RTH with `--rth`, else 04:00-20:00 New York time); IB answers one
//!   session per request, so each job is paged on its own;
//! - a job is paged backward with end-anchored requests of [`PAGE_TICKS`] ticks, starting at the
//!   session's last second. IB stamps ticks in whole seconds and cuts a full page at the tick
//!   limit, so the oldest second of a full page may be missing ticks: that second is **dropped
//!   and read again whole** as the newest second of the next page, whose end is that second
//!   (ends are inclusive). Pages therefore cover disjoint runs of whole seconds: no tick is lost
//!   or read twice at a boundary. A page with fewer ticks than asked reached the session's open
//!   and is kept whole;
//! - a second with more ticks than a page holds cannot be read whole: its page is kept as IB sent
//!   it, the download goes on from the second before, and the report counts it
//!   (`overfull_seconds`, with a warning), never silently;
//! - the j-th tick of a second is stamped `second x 1e9 + j` ns, so any time sort keeps IB's order;
//! - pacing: [`Pacer`] waits before each request as IB's rules require (BID_ASK counts twice); a
//!   pacing error (162) anyway waits [`PacingRules::retry_after`], doubling, and asks again;
//! - every page is committed to disk before the next request ([`Store`]): an interrupted run
//!   (a lost connection, too many pacing errors, a kill) resumes when re-run with the same
//!   arguments.
//!
//! Mapping to the quote layout (`ts_ns,symbol,bid,bid_size,ask,ask_size`): BID_ASK gives bid and
//! ask with their sizes; MIDPOINT gives bid = ask = the midpoint, sizes 0; TRADES gives bid = ask =
//! the trade price, both sizes the trade size. Ticks with a non-positive or crossed price are not
//! written and are counted (`skipped_ticks`).

mod pacer;
mod store;

pub use pacer::{Pacer, PacingRules};
pub use store::{Fingerprint, Progress, Store, StoreError};

use crate::calendar::{self, Session};
use crate::rundir::write_quote_row;
use crate::wire::TickKind;
use ibapi::client::blocking::Client;
use ibapi::market_data::historical::{TickBidAsk, TickDecoder, TickLast, TickMidpoint};
use ibapi::market_data::{IgnoreSize, TradingHours};
use ibapi::prelude::Contract;
use ibapi::subscriptions::SubscriptionItem;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Ticks asked for per request (IB's maximum).
pub const PAGE_TICKS: usize = 1000;

/// IB's error code for pacing violations and other historical-data service errors.
const PACING_CODE: i32 = 162;

/// A New York calendar day, `YYYY-MM-DD`.
pub type Day = (i64, u32, u32);

/// Parses `YYYY-MM-DD`.
///
/// # Examples
/// ```
/// assert_eq!(hft::history::parse_day("2026-11-02"), Some((2026, 11, 2)));
/// assert_eq!(hft::history::parse_day("2026-13-02"), None);
/// ```
pub fn parse_day(s: &str) -> Option<Day> {
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    let ok = it.next().is_none()
        && (1970..=2100).contains(&y)
        && (1..=12).contains(&m)
        && (1..=31).contains(&d);
    ok.then_some((y, m, d))
}

/// A download's settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// `HOST:PORT` of TWS / IB Gateway (or the paper gateway).
    pub gateway: String,
    pub client_id: i32,
    pub symbols: Vec<String>,
    pub from: Day,
    pub to: Day,
    pub what: TickKind,
    pub rth: bool,
    pub out: PathBuf,
    pub pacing: PacingRules,
    /// A progress bar on stderr (on a terminal).
    pub progress_bar: bool,
}

/// What a download did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Requests answered with ticks, and the ticks they carried (boundary seconds included).
    pub pages: u64,
    pub ticks_received: u64,
    /// Rows in the output file.
    pub rows: u64,
    /// Full pages whose oldest second was dropped and read again with the next page.
    pub boundary_rereads: u64,
    /// Seconds with more ticks than a page holds (kept as IB sent them; see the module docs).
    pub overfull_seconds: u64,
    /// Ticks not written (non-positive or crossed prices).
    pub skipped_ticks: u64,
    /// Times the pacer held a request back, and for how long in all.
    pub pacing_waits: u64,
    pub pacing_wait: Duration,
    /// Pacing errors (162) received and retried.
    pub pacing_errors: u64,
    /// True when the run continued an interrupted one.
    pub resumed: bool,
}

/// Why a download stopped.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error(
        "{symbol}: IB error {code}: {message} ({rows} rows saved; re-run the same command to resume)"
    )]
    Ib {
        symbol: String,
        code: i32,
        message: String,
        rows: u64,
    },
    #[error("{symbol}: {reason} ({rows} rows saved; re-run the same command to resume)")]
    Interrupted {
        symbol: String,
        reason: String,
        rows: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl HistoryError {
    /// True for bad input (exit status 2): a state file for other arguments, a corrupt one.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, HistoryError::Store(e) if e.is_bad_input())
    }
}

/// One tick already mapped to the quote layout.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageTick {
    pub time: i64,
    pub bid: f64,
    pub bid_size: f64,
    pub ask: f64,
    pub ask_size: f64,
}

/// How a page continues the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Fewer ticks than asked: the session's open was reached; keep them all, the job is done.
    Complete,
    /// A full page: keep the ticks after its oldest second (`keep_from` is their index), ask next
    /// for the page ending at that second.
    Reread { keep_from: usize, next_end: i64 },
    /// A full page within one second: keep it, go on before that second.
    Overfull { next_end: i64 },
}

/// Decides what of a page (oldest first) is kept and where the next page ends.
///
/// # Examples
/// ```
/// use hft::history::{Cut, cut_page};
/// // A full page of 4 whose oldest second (10) may be cut: drop it, end the next page at 10.
/// assert_eq!(cut_page(&[10, 10, 11, 12], 4), Cut::Reread { keep_from: 2, next_end: 10 });
/// assert_eq!(cut_page(&[10, 11, 12], 4), Cut::Complete);
/// assert_eq!(cut_page(&[12, 12, 12, 12], 4), Cut::Overfull { next_end: 11 });
/// ```
pub fn cut_page(times: &[i64], asked: usize) -> Cut {
    if times.len() < asked || times.is_empty() {
        return Cut::Complete;
    }
    let oldest = times[0];
    match times.iter().position(|&t| t != oldest) {
        Some(keep_from) => Cut::Reread {
            keep_from,
            next_end: oldest,
        },
        None => Cut::Overfull {
            next_end: oldest - 1,
        },
    }
}

/// The jobs of a download: every (symbol, session), symbol-major, sessions oldest first.
pub fn jobs(symbols: &[String], from: Day, to: Day, rth: bool) -> Vec<(usize, Session)> {
    let sessions = calendar::sessions_between(from, to, rth);
    (0..symbols.len())
        .flat_map(|i| sessions.iter().map(move |s| (i, *s)))
        .collect()
}

/// One page, or why there is none.
enum Fetched {
    Page(Vec<PageTick>),
    Refused { code: i32, message: String },
}

/// Asks for up to [`PAGE_TICKS`] ticks ending at `end` (inclusive).
fn fetch(
    client: &Client,
    contract: &Contract,
    end: i64,
    what: TickKind,
    rth: bool,
) -> Result<Fetched, String> {
    let end = time::OffsetDateTime::from_unix_timestamp(end).map_err(|e| e.to_string())?;
    let hours = if rth {
        TradingHours::Regular
    } else {
        TradingHours::Extended
    };
    let builder = client
        .historical_ticks(contract, PAGE_TICKS as i32)
        .ending(end)
        .trading_hours(hours);
    let size = |s: Option<f64>| s.unwrap_or(0.0);
    match what {
        TickKind::BidAsk => collect(builder.bid_ask(IgnoreSize::No), |t: TickBidAsk| PageTick {
            time: t.timestamp.unix_timestamp(),
            bid: t.price_bid,
            bid_size: size(t.size_bid),
            ask: t.price_ask,
            ask_size: size(t.size_ask),
        }),
        TickKind::Midpoint => collect(builder.mid_point(), |t: TickMidpoint| PageTick {
            time: t.timestamp.unix_timestamp(),
            bid: t.price,
            bid_size: 0.0,
            ask: t.price,
            ask_size: 0.0,
        }),
        TickKind::Trades => collect(builder.trade(), |t: TickLast| PageTick {
            time: t.timestamp.unix_timestamp(),
            bid: t.price,
            bid_size: size(t.size),
            ask: t.price,
            ask_size: size(t.size),
        }),
    }
}

/// Reads a tick subscription to its end.
fn collect<T: TickDecoder<T>>(
    sub: Result<ibapi::market_data::historical::TickSubscription<T>, ibapi::Error>,
    map: impl Fn(T) -> PageTick,
) -> Result<Fetched, String> {
    let sub = sub.map_err(|e| e.to_string())?;
    let mut ticks = Vec::with_capacity(PAGE_TICKS);
    while let Some(item) = sub.next() {
        match item {
            Ok(SubscriptionItem::Data(t)) => ticks.push(map(t)),
            Ok(SubscriptionItem::Notice(n)) => tracing::debug!(%n, "notice on a ticks request"),
            Err(ibapi::Error::Notice(n)) => {
                return Ok(Fetched::Refused {
                    code: n.code,
                    message: n.message,
                });
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(Fetched::Page(ticks))
}

/// Shows pages, ticks and pacing waits on a terminal; logs otherwise.
struct ProgressView {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressView {
    fn new(enabled: bool, jobs: usize) -> Self {
        let bar = (enabled && std::io::IsTerminal::is_terminal(&std::io::stderr())).then(|| {
            let pb = indicatif::ProgressBar::new(jobs as u64);
            pb.set_style(
                indicatif::ProgressStyle::with_template(
                    "history {bar:24} {pos}/{len} sessions {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb
        });
        ProgressView { bar }
    }

    fn update(&self, job: usize, symbol: &str, r: &Report, waiting: Option<Duration>) {
        if let Some(pb) = &self.bar {
            pb.set_position(job as u64);
            let wait = waiting.map_or(String::new(), |w| {
                format!(", pacing: waiting {:.1} s", w.as_secs_f64())
            });
            pb.set_message(format!(
                "{symbol}: {} pages, {} ticks{wait}",
                r.pages, r.ticks_received
            ));
        } else if let Some(w) = waiting.filter(|w| *w >= Duration::from_secs(1)) {
            tracing::info!(
                wait_s = w.as_secs_f64(),
                "historical pacing holds the next request"
            );
        }
    }

    fn finish(&self) {
        if let Some(pb) = &self.bar {
            pb.finish_and_clear();
        }
    }
}

/// Asks for pages as IB's pacing allows: waits before each request, waits out pacing errors.
struct Pager<'a> {
    client: Client,
    opts: &'a Options,
    pacer: Pacer,
    progress: ProgressView,
    report: Report,
}

impl Pager<'_> {
    /// The page of `symbol` ending at `end`, after whatever wait pacing needs; `saved_rows` is
    /// what an error reports as kept.
    fn page(
        &mut self,
        job: usize,
        symbol: &str,
        end: i64,
        saved_rows: u64,
    ) -> Result<Vec<PageTick>, HistoryError> {
        let contract = Contract::stock(symbol).build();
        let weight = self.opts.what.pacing_weight();
        let mut attempt = 0;
        loop {
            let wait = self.pacer.wait_needed(Instant::now(), weight);
            if !wait.is_zero() {
                self.report.pacing_waits += 1;
                self.wait(job, symbol, wait);
            }
            self.pacer.record(Instant::now(), weight);
            let fetched = fetch(&self.client, &contract, end, self.opts.what, self.opts.rth)
                .map_err(|reason| HistoryError::Interrupted {
                    symbol: symbol.to_string(),
                    reason,
                    rows: saved_rows,
                })?;
            let (code, message) = match fetched {
                Fetched::Page(p) => return Ok(p),
                Fetched::Refused { code, message } => (code, message),
            };
            let pacing = code == PACING_CODE && message.contains("Pacing violation");
            if pacing {
                attempt += 1;
                self.report.pacing_errors += 1;
            }
            if !pacing || attempt > self.opts.pacing.max_retries {
                return Err(HistoryError::Ib {
                    symbol: symbol.to_string(),
                    code,
                    message,
                    rows: saved_rows,
                });
            }
            let wait = self.pacer.backoff(attempt);
            tracing::warn!(%symbol, %message, wait_s = wait.as_secs_f64(), "pacing error: waiting, then asking again");
            self.wait(job, symbol, wait);
        }
    }

    fn wait(&mut self, job: usize, symbol: &str, wait: Duration) {
        self.report.pacing_wait += wait;
        self.progress.update(job, symbol, &self.report, Some(wait));
        std::thread::sleep(wait);
    }
}

/// Appends `ticks` (one page's kept part, oldest first) as quote rows of `symbol`, the j-th tick
/// of a second at `second x 1e9 + j` ns; returns the rows written. Ticks with a non-positive or
/// crossed price are counted in `skipped` instead.
fn page_rows(ticks: &[PageTick], symbol: &str, out: &mut Vec<u8>, skipped: &mut u64) -> u64 {
    let mut written = 0;
    let mut index_in_second = 0i64;
    for (k, t) in ticks.iter().enumerate() {
        index_in_second = if k > 0 && ticks[k - 1].time == t.time {
            index_in_second + 1
        } else {
            0
        };
        if !(t.bid > 0.0 && t.ask >= t.bid && t.ask.is_finite()) {
            *skipped += 1;
            continue;
        }
        let ts_ns = t.time * 1_000_000_000 + index_in_second;
        write_quote_row(out, ts_ns, symbol, t.bid, t.bid_size, t.ask, t.ask_size);
        written += 1;
    }
    written
}

/// Downloads (or resumes) the ticks of `opts` into `opts.out`.
///
/// # Errors
/// A [`HistoryError`]: the state of an interrupted download for other arguments (bad input), a
/// connection that fails or drops, an IB error other than pacing, pacing errors past
/// `max_retries`, or an I/O error. Whatever was committed stays for a resume.
pub fn download(opts: &Options) -> Result<Report, HistoryError> {
    let args = Fingerprint {
        symbols: opts.symbols.clone(),
        from: format!("{:04}-{:02}-{:02}", opts.from.0, opts.from.1, opts.from.2),
        to: format!("{:04}-{:02}-{:02}", opts.to.0, opts.to.1, opts.to.2),
        what: opts.what.as_str().to_string(),
        rth: opts.rth,
    };
    let mut store = Store::open(&opts.out, args)?;
    if store.resumed() {
        let p = store.progress();
        tracing::info!(
            rows = p.rows,
            pages = p.pages,
            "resuming an interrupted download"
        );
    }
    let jobs = jobs(&opts.symbols, opts.from, opts.to, opts.rth);
    let client =
        Client::connect(&opts.gateway, opts.client_id).map_err(|e| HistoryError::Connect {
            addr: opts.gateway.clone(),
            reason: e.to_string(),
        })?;
    let mut pager = Pager {
        client,
        opts,
        pacer: Pacer::new(opts.pacing),
        progress: ProgressView::new(opts.progress_bar, jobs.len()),
        report: Report {
            resumed: store.resumed(),
            ..Report::default()
        },
    };
    let mut rows = Vec::with_capacity(PAGE_TICKS * 48);
    let (mut job, mut next_end) = (store.progress().job, store.progress().next_end);
    while job < jobs.len() {
        let (sym, session) = jobs[job];
        let symbol = opts.symbols[sym].as_str();
        let end = next_end.unwrap_or(session.close - 1);
        if end < session.open {
            (job, next_end) = (job + 1, None);
            continue;
        }
        let page = pager.page(job, symbol, end, store.progress().rows)?;
        let report = &mut pager.report;
        report.pages += 1;
        report.ticks_received += page.len() as u64;
        // IB answers one session; anything outside this job's part of it is not ours.
        let page: Vec<PageTick> = page
            .into_iter()
            .filter(|t| t.time >= session.open && t.time <= end)
            .collect();
        let times: Vec<i64> = page.iter().map(|t| t.time).collect();
        let (keep, after) = match cut_page(&times, PAGE_TICKS) {
            Cut::Complete => (&page[..], (job + 1, None)),
            Cut::Reread {
                keep_from,
                next_end,
            } => {
                report.boundary_rereads += 1;
                (&page[keep_from..], (job, Some(next_end)))
            }
            Cut::Overfull { next_end } => {
                report.overfull_seconds += 1;
                tracing::warn!(%symbol, second = next_end + 1, "more ticks in one second than a page holds: kept as IB sent them");
                (&page[..], (job, Some(next_end)))
            }
        };
        rows.clear();
        let written = page_rows(keep, symbol, &mut rows, &mut report.skipped_ticks);
        store.commit(&rows, written, after.0, after.1)?;
        (job, next_end) = after;
        pager.progress.update(job, symbol, &pager.report, None);
    }
    pager.progress.finish();
    let mut report = pager.report;
    if report.skipped_ticks > 0 {
        tracing::warn!(
            skipped = report.skipped_ticks,
            "ticks with a non-positive or crossed price were not written"
        );
    }
    report.rows = store.finish()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_number_ticks_within_their_second_and_skip_bad_prices() {
        let tick = |time, bid| PageTick {
            time,
            bid,
            bid_size: 100.0,
            ask: 10.01,
            ask_size: 200.0,
        };
        let ticks = [tick(5, 10.0), tick(5, 0.0), tick(5, 10.0), tick(6, 10.0)];
        let (mut out, mut skipped) = (Vec::new(), 0);
        assert_eq!(page_rows(&ticks, "SPY", &mut out, &mut skipped), 3);
        assert_eq!(skipped, 1);
        let text = String::from_utf8(out).unwrap();
        let stamps: Vec<&str> = text.lines().map(|l| &l[..l.find(',').unwrap()]).collect();
        assert_eq!(stamps, ["5000000000", "5000000002", "6000000000"]);
    }

    #[test]
    fn jobs_are_symbol_major_and_oldest_first() {
        let symbols = vec!["SPY".to_string(), "IVV".to_string()];
        let j = jobs(&symbols, (2026, 11, 2), (2026, 11, 8), true);
        assert_eq!(j.len(), 10);
        assert!(j[..5].iter().all(|(s, _)| *s == 0));
        assert!(j[..5].windows(2).all(|w| w[0].1.open < w[1].1.open));
        assert_eq!(j[5].1, j[0].1);
    }
}
