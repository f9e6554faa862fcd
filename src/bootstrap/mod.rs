//! The control plane's bootstrap: through the `ibapi` crate (blocking client, its own client id),
//! contract details and historical bars for a universe, with IB's historical pacing respected.
//! The bars warm the strategies' windows (so the engine trades from the first live tick) and feed
//! pair selection (`hft bootstrap`).

use crate::config::bar_size_for;
use ibapi::client::blocking::Client;
use ibapi::market_data::historical::{BarTimestamp, Duration as IbDuration, WhatToShow};
use ibapi::prelude::Contract;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// Why the bootstrap failed. IB error codes are named: 162 (pacing / historical data service),
/// 200 (no security definition), 354 (no market-data subscription), 321 (invalid request).
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("cannot connect the control-plane client to {addr}: {reason}")]
    Connect { addr: String, reason: String },
    #[error("{symbol}: IB error {code}: {message}")]
    Ib {
        symbol: String,
        code: i32,
        message: String,
    },
    #[error("{symbol}: {reason}")]
    Request { symbol: String, reason: String },
    #[error(
        "grid step of {0} s is not an IB bar size (use 1, 5, 10, 15 or 30 s, or 1, 2, 3, 5, 10, 15, 20 or 30 min)"
    )]
    BarSize(f64),
    #[error("no common bar times across {0:?}")]
    NoCommonTimes(Vec<String>),
}

/// Historical closes aligned on common bar times.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub symbols: Vec<String>,
    /// Bar start times, Unix seconds, ascending.
    pub times: Vec<i64>,
    /// `closes[symbol][k]` at `times[k]`.
    pub closes: Vec<Vec<f64>>,
}

impl History {
    /// Warm-up rows (A, B) for each `(a, b)` symbol pair, oldest first.
    pub fn rows(&self, pairs: &[(String, String)]) -> Vec<Vec<(f64, f64)>> {
        let col = |s: &str| self.symbols.iter().position(|x| x == s);
        pairs
            .iter()
            .map(|(a, b)| match (col(a), col(b)) {
                (Some(i), Some(j)) => self.closes[i]
                    .iter()
                    .copied()
                    .zip(self.closes[j].iter().copied())
                    .collect(),
                _ => Vec::new(),
            })
            .collect()
    }
}

/// IB's "60 historical requests per 10 minutes" rule, applied before each request.
struct Pacer {
    sent: VecDeque<Instant>,
}

impl Pacer {
    fn wait_turn(&mut self, mut on_wait: impl FnMut(Duration)) {
        let window = Duration::from_secs(600);
        while self.sent.front().is_some_and(|t| t.elapsed() >= window) {
            self.sent.pop_front();
        }
        if self.sent.len() >= 60 {
            let wait = window.saturating_sub(self.sent[0].elapsed()) + Duration::from_millis(100);
            on_wait(wait);
            std::thread::sleep(wait);
            self.sent.pop_front();
        }
        self.sent.push_back(Instant::now());
    }
}

fn ib_error(symbol: &str, e: ibapi::Error) -> BootstrapError {
    match e {
        ibapi::Error::Notice(n) => BootstrapError::Ib {
            symbol: symbol.to_string(),
            code: n.code,
            message: n.message,
        },
        other => BootstrapError::Request {
            symbol: symbol.to_string(),
            reason: other.to_string(),
        },
    }
}

/// Fetches contract details and `bars` bars of `grid_secs` MIDPOINT history for each symbol.
/// Shows a progress bar on a terminal, log lines otherwise.
///
/// # Errors
/// A [`BootstrapError`] naming the symbol and IB's error code.
pub fn fetch(
    addr: &str,
    client_id: i32,
    symbols: &[String],
    grid_secs: f64,
    bars: usize,
) -> Result<History, BootstrapError> {
    let bar_size = bar_size_for(grid_secs).ok_or(BootstrapError::BarSize(grid_secs))?;
    let client = Client::connect(addr, client_id).map_err(|e| BootstrapError::Connect {
        addr: addr.to_string(),
        reason: e.to_string(),
    })?;
    let span_secs = (bars as f64 * grid_secs).ceil() as i64;
    let duration = if span_secs <= 86_400 {
        IbDuration::seconds(span_secs as i32)
    } else {
        IbDuration::days(((span_secs + 86_399) / 86_400) as i32)
    };
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let bar = terminal.then(|| {
        let pb = indicatif::ProgressBar::new(symbols.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template("bootstrap {bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let mut pacer = Pacer {
        sent: VecDeque::new(),
    };
    let mut series: Vec<BTreeMap<i64, f64>> = Vec::with_capacity(symbols.len());
    for (i, symbol) in symbols.iter().enumerate() {
        let contract = Contract::stock(symbol.as_str()).build();
        let details = client
            .contract_details(&contract)
            .map_err(|e| ib_error(symbol, e))?;
        if details.is_empty() {
            return Err(BootstrapError::Ib {
                symbol: symbol.clone(),
                code: 200,
                message: "no contract details".into(),
            });
        }
        pacer.wait_turn(|w| tracing::info!("historical pacing: waiting {:.0} s", w.as_secs_f64()));
        let data = client
            .historical_data(&contract, bar_size)
            .what_to_show(WhatToShow::MidPoint)
            .duration(duration)
            .fetch()
            .map_err(|e| ib_error(symbol, e))?;
        let mut closes = BTreeMap::new();
        for b in &data.bars {
            let t = match b.date {
                BarTimestamp::DateTime(t) => t.unix_timestamp(),
                BarTimestamp::Date(d) => d.midnight().assume_utc().unix_timestamp(),
            };
            if b.close.is_finite() && b.close > 0.0 {
                closes.insert(t, b.close);
            }
        }
        if closes.is_empty() {
            return Err(BootstrapError::Request {
                symbol: symbol.clone(),
                reason: "no historical bars returned".into(),
            });
        }
        match &bar {
            Some(pb) => {
                pb.set_position(i as u64 + 1);
                pb.set_message(format!("{symbol}: {} bars", closes.len()));
            }
            None => {
                tracing::info!(symbol = %symbol, bars = closes.len(), "bootstrap: history received")
            }
        }
        series.push(closes);
    }
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    let times: Vec<i64> = series
        .first()
        .map(|s| {
            s.keys()
                .copied()
                .filter(|t| series.iter().all(|o| o.contains_key(t)))
                .collect()
        })
        .unwrap_or_default();
    if times.is_empty() {
        return Err(BootstrapError::NoCommonTimes(symbols.to_vec()));
    }
    let closes = series
        .iter()
        .map(|s| times.iter().map(|t| s[t]).collect())
        .collect();
    Ok(History {
        symbols: symbols.to_vec(),
        times,
        closes,
    })
}
