//! The paper gateway's network side: an acceptor, one reader thread and one writer thread per
//! connection, and the core thread that owns all state (see [`super::core`]).

use super::core::{Cmd, Core};
use super::market::Feed;
use super::replay::read_quote_files;
use super::report::{GatewayStats, LedgerSnapshot};
use super::universe::Universe;
use crate::config::SimParams;
use crate::wire::{self, FrameError, FrameReader, VersionRange};
use crossbeam::channel::{self, Sender};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Chunks queued per connection before the core waits for its writer (backpressure).
const WRITER_QUEUE: usize = 64;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error("refusing to listen on non-loopback address {0} without --allow-remote")]
    NotLoopback(SocketAddr),
    #[error("invalid listen address `{0}`")]
    BadAddress(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("cannot read quote file {path}: {source}")]
    Replay { path: String, source: io::Error },
    #[error("quote file {path} has no valid rows")]
    EmptyReplay { path: String },
    #[error("cannot replay: {0}")]
    Quotes(#[from] crate::rundir::QuoteInputError),
}

/// How the gateway is started.
#[derive(Debug, Clone, Default)]
pub struct GatewayOptions {
    /// Overrides `gateway.listen` (`127.0.0.1:0` picks a free port).
    pub listen: Option<String>,
    /// Allows a non-loopback listen address.
    pub allow_remote: bool,
    /// Synthetic feed as fast as clients read instead of paced to the wall clock.
    pub unpaced: bool,
    /// A replay starts over at its end, its times shifted past the last row's (for soak runs
    /// longer than the file; `hft bench-wire --soak`).
    pub repeat_replay: bool,
}

/// A running paper gateway. Dropping it stops it.
///
/// # Examples
/// ```no_run
/// use hft::config::SimParams;
/// use hft::sim::{Gateway, GatewayOptions};
/// let opts = GatewayOptions { listen: Some("127.0.0.1:0".into()), ..Default::default() };
/// let gw = Gateway::start(SimParams::embedded(), opts).unwrap();
/// println!("paper gateway on {}", gw.local_addr());
/// ```
pub struct Gateway {
    addr: SocketAddr,
    tx: Sender<Cmd>,
    stats: Arc<GatewayStats>,
    stopping: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Gateway {
    /// Binds, builds the market and starts the threads.
    ///
    /// # Errors
    /// A [`GatewayError`] for a refused or busy address or an unreadable quote file.
    pub fn start(params: SimParams, opts: GatewayOptions) -> Result<Gateway, GatewayError> {
        let listen = opts
            .listen
            .clone()
            .unwrap_or_else(|| params.gateway.listen.clone());
        let addr: SocketAddr = listen
            .parse()
            .map_err(|_| GatewayError::BadAddress(listen.clone()))?;
        if !addr.ip().is_loopback() && !opts.allow_remote {
            return Err(GatewayError::NotLoopback(addr));
        }
        let start_unix = if params.market.start_unix > 0 {
            params.market.start_unix
        } else {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        };
        let (universe, feed) = build_feed(&params, opts.unpaced, opts.repeat_replay)?;
        // A replay keeps its recorded clock: tick-by-tick times are the file's times.
        let start_ns = match &feed {
            Feed::Replay { rows, .. } => rows[0].ts_ns,
            Feed::Synthetic { .. } => start_unix * 1_000_000_000,
        };
        let listener =
            TcpListener::bind(addr).map_err(|source| GatewayError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| GatewayError::Bind { addr, source })?;
        let stats = Arc::new(GatewayStats::default());
        let (tx, rx) = channel::unbounded();
        let core = Core::new(&params, universe, feed, start_ns, stats.clone());
        let stopping = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        threads.push(
            std::thread::Builder::new()
                .name("sim-core".into())
                .spawn(move || {
                    // The market clock sleeps until each tick is due: wake it on time.
                    crate::runtime::fine_timer_slack();
                    core.run(rx)
                })
                .expect("spawn sim-core"),
        );
        let limits = Limits {
            max_frame: params.gateway.max_frame_bytes,
            max_rate: params.gateway.max_messages_per_sec,
            disconnect_rate: params.gateway.disconnect_messages_per_sec,
        };
        let (tx2, stop2) = (tx.clone(), stopping.clone());
        threads.push(
            std::thread::Builder::new()
                .name("sim-accept".into())
                .spawn(move || accept_loop(listener, tx2, stop2, limits))
                .expect("spawn sim-accept"),
        );
        tracing::info!(%addr, "paper gateway listening");
        Ok(Gateway {
            addr,
            tx,
            stats,
            stopping,
            threads,
        })
    }

    /// The bound address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Live counters.
    pub fn stats(&self) -> &GatewayStats {
        &self.stats
    }

    /// A copy of positions, executions and orders as the gateway books them.
    pub fn snapshot(&self) -> LedgerSnapshot {
        let (tx, rx) = channel::bounded(1);
        if self.tx.send(Cmd::Snapshot(tx)).is_err() {
            return LedgerSnapshot::default();
        }
        rx.recv_timeout(Duration::from_secs(10)).unwrap_or_default()
    }

    /// The wire-to-wire measurement, when the gateway replays at a fixed rate.
    pub fn wire_report(&self) -> Option<super::report::WireReport> {
        let (tx, rx) = channel::bounded(1);
        self.tx.send(Cmd::WireReport(tx)).ok()?;
        rx.recv_timeout(Duration::from_secs(10)).ok().flatten()
    }

    /// Stops accepting, disconnects every client and joins the threads.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = self.tx.send(Cmd::Stop);
        // Wake the blocking accept.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.stop();
    }
}

fn build_feed(
    params: &SimParams,
    unpaced: bool,
    repeat: bool,
) -> Result<(Universe, Feed), GatewayError> {
    let Some(replay) = &params.replay else {
        return Ok((
            Universe::new(&params.market),
            Feed::Synthetic {
                paced: !unpaced,
                speed: params.market.speed,
            },
        ));
    };
    let path = replay.file.display().to_string();
    let mut names: Vec<String> = params
        .market
        .symbols
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let mut files = vec![replay.file.clone()];
    files.extend(replay.more_files.iter().cloned());
    let filter = (!replay.symbols.is_empty()).then_some(replay.symbols.as_slice());
    let (rows, errors) = read_quote_files(&files, filter, &mut names)?;
    for e in errors.iter().take(20) {
        tracing::warn!(file = %path, "{e}");
    }
    if !errors.is_empty() {
        tracing::warn!(file = %path, skipped = errors.len(), "malformed quote rows skipped");
    }
    if rows.is_empty() {
        return Err(GatewayError::EmptyReplay { path });
    }
    // Symbols only in the file move independently in the backward history.
    let mut market = params.market.clone();
    for name in names.iter().skip(market.symbols.len()) {
        let first = rows
            .iter()
            .find(|r| names[r.symbol] == *name)
            .map(|r| r.top)
            .unwrap_or_default();
        market.symbols.push(crate::config::SymbolParams {
            name: name.clone(),
            price: (first.bid + first.ask) as f64 / 200.0,
            vol_per_day: 0.01,
            beta: 1.0,
            follows: None,
            spread_half_life_secs: 600.0,
            spread_vol_per_day: 0.004,
            residual_half_life_secs: 0.0,
        });
    }
    let mut universe = Universe::new(&market);
    // Each symbol starts from its first recorded quote.
    let mut seen = vec![false; names.len()];
    for r in &rows {
        if !seen[r.symbol] {
            seen[r.symbol] = true;
            universe.set_top(r.symbol, r.top);
        }
    }
    Ok((
        universe,
        Feed::Replay {
            rows,
            next: 0,
            speed: replay.speed,
            rate: replay.rate,
            repeat,
            sent: 0,
            cycle_ns: 0,
            started: None,
            symbols: (0..seen.len()).filter(|&i| seen[i]).collect(),
        },
    ))
}

#[derive(Clone, Copy)]
struct Limits {
    max_frame: usize,
    max_rate: u32,
    disconnect_rate: u32,
}

fn accept_loop(listener: TcpListener, tx: Sender<Cmd>, stopping: Arc<AtomicBool>, limits: Limits) {
    static NEXT_CONN: AtomicU64 = AtomicU64::new(1);
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let conn = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
        let tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("sim-conn-{conn}"))
            .spawn(move || {
                let peer = stream.peer_addr().ok();
                if let Err(e) = serve_connection(conn, stream, &tx, limits) {
                    tracing::info!(conn, ?peer, "connection ended: {e}");
                }
                let _ = tx.send(Cmd::Closed { conn });
            });
        if let Err(e) = spawned {
            tracing::error!("cannot spawn a connection thread: {e}");
        }
    }
}

/// Counts messages in a sliding one-second window.
struct RateCounter {
    times: VecDeque<Instant>,
    over: bool,
}

impl RateCounter {
    fn record(&mut self, now: Instant) -> u32 {
        self.times.push_back(now);
        while self
            .times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.times.pop_front();
        }
        self.times.len() as u32
    }
}

fn read_handshake(stream: &mut TcpStream) -> io::Result<VersionRange> {
    let invalid = |m: &str| io::Error::new(io::ErrorKind::InvalidData, m.to_string());
    let mut prefix = [0u8; 4];
    stream.read_exact(&mut prefix)?;
    if &prefix != wire::handshake::API_PREFIX {
        return Err(invalid("connection did not start with API\\0"));
    }
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 || len > 1024 {
        return Err(invalid("implausible version-range frame length"));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body)?;
    wire::parse_version_range(&body).map_err(|e| invalid(&e.to_string()))
}

fn serve_connection(
    conn: u64,
    mut stream: TcpStream,
    tx: &Sender<Cmd>,
    limits: Limits,
) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let range = read_handshake(&mut stream)?;
    let neg = wire::negotiate(range)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mut hello = Vec::new();
    wire::encode_server_hello(&mut hello, neg.version, &wire::format_tws_time(now));
    stream.write_all(&hello)?;
    stream.set_read_timeout(None)?;

    let (out_tx, out_rx) = channel::bounded::<Vec<u8>>(WRITER_QUEUE);
    let mut writer = stream.try_clone()?;
    std::thread::Builder::new()
        .name(format!("sim-write-{conn}"))
        .spawn(move || {
            for chunk in out_rx {
                if writer.write_all(&chunk).is_err() {
                    break;
                }
            }
            let _ = writer.shutdown(Shutdown::Both);
        })?;
    let control = stream.try_clone()?;
    tx.send(Cmd::Register {
        conn,
        neg,
        tx: out_tx,
        control,
    })
    .map_err(|_| io::ErrorKind::BrokenPipe)?;
    tracing::debug!(
        conn,
        version = neg.version,
        protobuf = neg.protobuf,
        "client connected"
    );

    let mut reader = FrameReader::new(limits.max_frame);
    let mut rate = RateCounter {
        times: VecDeque::new(),
        over: false,
    };
    loop {
        let n = reader.fill_from(&mut stream)?;
        if n == 0 {
            return match reader.finish() {
                Ok(()) => Ok(()),
                Err(e) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, e.to_string())),
            };
        }
        loop {
            let body = match reader.next_frame() {
                Ok(Some(body)) => body.to_vec(),
                Ok(None) => break,
                Err(e @ FrameError::Oversized { .. }) => {
                    tracing::warn!(conn, "protocol error: {e}; disconnecting the client");
                    return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string()));
                }
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            };
            let count = rate.record(Instant::now());
            if count > limits.disconnect_rate {
                let _ = tx.send(Cmd::RateExceeded {
                    conn,
                    rate: count,
                    disconnect: true,
                });
                return Err(io::Error::other("message rate far above the limit"));
            }
            if count > limits.max_rate {
                if !rate.over {
                    rate.over = true;
                    let _ = tx.send(Cmd::RateExceeded {
                        conn,
                        rate: count,
                        disconnect: false,
                    });
                }
            } else {
                rate.over = false;
            }
            let t_ns = crate::latency::now_ns();
            if tx.send(Cmd::Frame { conn, body, t_ns }).is_err() {
                return Ok(());
            }
        }
    }
}
