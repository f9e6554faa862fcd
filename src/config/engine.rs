//! `[engine]` (threads, queues, the run, the journal) and `[normalize]` (the bad-tick filter).

use super::{ParamsError, check};
use serde::Deserialize;

/// Wait strategy of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitStrategy {
    /// Busy-poll: lowest latency, burns its core (needs an isolated core per spinning stage).
    Spin,
    /// Spin briefly, then yield, then park for short intervals (50 us): no wake-up by the
    /// producer, so an idle stage answers within a park.
    Backoff,
    /// Park until a producer pushes: the consumer announces sleep, re-checks its queue and parks;
    /// the producer unparks it only when it announced sleep (`runtime::Doorbell`). No core burnt,
    /// no timed sleep between a push and its pop; a wake-up costs a syscall.
    Block,
    /// Spin `engine.spin_before_block` idle rounds, then block.
    #[serde(rename = "spin_then_block")]
    SpinThenBlock,
}

impl WaitStrategy {
    /// The name in parameter files and run summaries (`spin_then_block`).
    ///
    /// # Examples
    /// ```
    /// assert_eq!(hft::config::WaitStrategy::SpinThenBlock.name(), "spin_then_block");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            WaitStrategy::Spin => "spin",
            WaitStrategy::Backoff => "backoff",
            WaitStrategy::Block => "block",
            WaitStrategy::SpinThenBlock => "spin_then_block",
        }
    }

    /// Whether the strategy keeps its core busy while idle (needs a core of its own).
    pub fn spins(self) -> bool {
        self == WaitStrategy::Spin
    }
}

/// What the io stage does when the market-data queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueuePolicy {
    /// Drop the event and count it (the feed stays current; a tick is lost).
    Drop,
    /// Wait for room (nothing is lost; the socket backs up to the gateway).
    Backpressure,
}

/// When the journal thread asks the OS to put written records on disk (`fdatasync`).
///
/// Whatever the policy, a record the thread has written survives a crash of the process; the
/// policy decides what survives a crash of the machine.
///
/// # Examples
/// ```
/// use hft::config::FsyncPolicy;
///
/// #[derive(serde::Deserialize)]
/// struct Section {
///     fsync: FsyncPolicy,
/// }
/// let s: Section = toml::from_str(r#"fsync = "every""#).unwrap();
/// assert_eq!(s.fsync, FsyncPolicy::Every);
/// assert_eq!(FsyncPolicy::default(), FsyncPolicy::Batch);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FsyncPolicy {
    /// Never sync: the OS writes back in its own time (survives a process crash, not a power
    /// loss).
    Never,
    /// Sync each time the queue is drained, or every 64 KiB under sustained load (group commit).
    #[default]
    Batch,
    /// Sync after every record (slowest; bounds the loss on power failure to one record).
    Every,
}

/// Threads, queues and the run.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSection {
    /// `block` (default), `spin_then_block`, `spin` or `backoff` for every stage; `spin` falls
    /// back to `block` without a free core per stage.
    pub wait: WaitStrategy,
    /// Idle rounds (one `spin_loop` hint each) a `spin_then_block` stage spins before it blocks.
    pub spin_before_block: u32,
    /// Core ids for io, normalize, signal, dispatch; empty picks distinct free cores.
    pub cores: Vec<usize>,
    /// Capacity of each SPSC queue (rounded to what the queue allocates).
    pub queue_capacity: usize,
    /// What the io stage does when the market-data queue is full.
    pub md_queue_policy: QueuePolicy,
    /// Quotes pass from normalize to signal through one conflating slot per instrument (the
    /// latest quote wins; replaced quotes are counted as `quotes_conflated`) instead of the
    /// `queue_capacity`-deep FIFO that waits when full. Off by default: the strategy then sees
    /// every quote, as the backtest does.
    pub md_conflate: bool,
    /// Subscribe tick-by-tick BidAsk (one event per book change, with exchange time) instead of
    /// REQ_MKT_DATA.
    pub tick_by_tick: bool,
    /// Default run length for `hft run` (seconds).
    pub duration_secs: f64,
    /// Where run directories are created.
    pub runs_dir: String,
    /// Grid rows recorded per pair for the charts (`series/<A>-<B>.csv`), allocated at start-up;
    /// rows past it are counted, not recorded. 144 bytes a row.
    pub series_capacity: usize,
    /// Executions recorded for `fills.csv`, allocated at start-up; later ones are counted.
    pub fills_capacity: usize,
    /// When the journal (`journal.csv`) is forced to disk.
    pub journal_fsync: FsyncPolicy,
    /// `IP:PORT` of the Prometheus endpoint (`GET /metrics`); empty: off. Loopback only unless
    /// `metrics_allow_remote`.
    pub metrics_listen: String,
    /// Allow a non-loopback `metrics_listen` (the endpoint has no authentication).
    pub metrics_allow_remote: bool,
    /// How often each stage publishes its counters and latency percentiles (milliseconds).
    pub metrics_publish_ms: u64,
    /// Seconds between status lines on stderr (0: none).
    pub status_secs: f64,
    /// Record every top of book normalize evaluates into `quotes.csv` of the run directory (a
    /// quote file `hft backtest` and `hft sim --replay` read), through a cold writer thread.
    pub record_quotes: bool,
    /// Capacity of the recorder's queue; a full queue drops the quote (counted, never waits).
    pub record_queue_capacity: usize,
    /// Also record every raw market-data event normalize receives into `md_events.csv` (a
    /// diagnostics file; its own queue of `record_queue_capacity`).
    pub record_events: bool,
    /// Lock every page of the process in RAM at start-up (`mlockall(MCL_CURRENT | MCL_FUTURE)`),
    /// after the queues and buffers were pre-faulted. A refusal (e.g. `RLIMIT_MEMLOCK` too low)
    /// stops the start with an error naming the limit.
    pub lock_memory: bool,
}

impl Default for EngineSection {
    fn default() -> Self {
        EngineSection {
            wait: WaitStrategy::Block,
            spin_before_block: 2_000,
            cores: Vec::new(),
            queue_capacity: 65_536,
            md_queue_policy: QueuePolicy::Backpressure,
            md_conflate: false,
            tick_by_tick: false,
            duration_secs: 25.0,
            runs_dir: "runs".into(),
            series_capacity: 100_000,
            fills_capacity: 65_536,
            journal_fsync: FsyncPolicy::Batch,
            metrics_listen: String::new(),
            metrics_allow_remote: false,
            metrics_publish_ms: 250,
            status_secs: 5.0,
            record_quotes: true,
            record_queue_capacity: 65_536,
            record_events: false,
            lock_memory: false,
        }
    }
}

impl EngineSection {
    /// Range checks; `prefix` is the section's key path (`engine`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.series_capacity <= 10_000_000,
            file,
            &key("series_capacity"),
            "at most 10,000,000 rows per pair",
        )?;
        check(
            self.fills_capacity <= 10_000_000,
            file,
            &key("fills_capacity"),
            "at most 10,000,000 fills",
        )?;
        check(
            (16..=1 << 24).contains(&self.record_queue_capacity),
            file,
            &key("record_queue_capacity"),
            "must be in 16..=16777216",
        )?;
        check(
            self.cores.is_empty() || self.cores.len() == 4,
            file,
            &key("cores"),
            "must list 4 core ids (io, normalize, signal, dispatch) or be empty",
        )?;
        check(
            (16..=1 << 24).contains(&self.queue_capacity),
            file,
            &key("queue_capacity"),
            "must be in 16..=16777216",
        )?;
        check(
            self.duration_secs > 0.0 && self.duration_secs.is_finite(),
            file,
            &key("duration_secs"),
            "must be positive",
        )?;
        check(
            (1..=60_000).contains(&self.metrics_publish_ms),
            file,
            &key("metrics_publish_ms"),
            "must be in 1..=60000",
        )?;
        check(
            self.status_secs >= 0.0 && self.status_secs.is_finite(),
            file,
            &key("status_secs"),
            "must be >= 0 (0: no status line)",
        )?;
        self.validate_metrics_listen(file, &key("metrics_listen"))
    }

    /// `metrics_listen`: empty, or an `IP:PORT` on loopback unless `metrics_allow_remote`.
    fn validate_metrics_listen(&self, file: &str, key: &str) -> Result<(), ParamsError> {
        if self.metrics_listen.is_empty() {
            return Ok(());
        }
        let Ok(addr) = self.metrics_listen.parse::<std::net::SocketAddr>() else {
            return Err(ParamsError::new(
                file,
                key,
                format!(
                    "`{}` is not IP:PORT (e.g. \"127.0.0.1:9184\"; empty = off)",
                    self.metrics_listen
                ),
            ));
        };
        check(
            addr.ip().is_loopback() || self.metrics_allow_remote,
            file,
            key,
            "not a loopback address: the endpoint has no authentication; set \
             engine.metrics_allow_remote = true to serve it beyond this host",
        )
    }
}

/// Parameters of the bad-tick filter.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NormalizeParams {
    /// Largest accepted relative move of the mid between accepted quotes (0.05 = 5 %).
    pub max_jump: f64,
    /// A jump that persists this many consecutive quotes is accepted as a new level.
    pub jump_confirm_ticks: u32,
}

impl Default for NormalizeParams {
    fn default() -> Self {
        NormalizeParams {
            max_jump: 0.05,
            jump_confirm_ticks: 3,
        }
    }
}

impl NormalizeParams {
    /// Range checks; `prefix` is the section's key path (`normalize`).
    ///
    /// # Errors
    /// The first problem found, naming its key.
    pub fn validate(&self, file: &str, prefix: &str) -> Result<(), ParamsError> {
        let key = |k: &str| format!("{prefix}.{k}");
        check(
            self.max_jump > 0.0 && self.max_jump.is_finite(),
            file,
            &key("max_jump"),
            "must be positive",
        )?;
        check(
            self.jump_confirm_ticks >= 1,
            file,
            &key("jump_confirm_ticks"),
            "must be >= 1",
        )
    }
}
