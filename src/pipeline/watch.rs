//! What operators watch while the engine runs: the Prometheus endpoint (`engine.metrics_listen`)
//! and the status line on stderr (`engine.status_secs`), both cold: they read the cells the
//! stages publish ([`crate::metrics`]), never a stage itself.

use crate::config::EngineParams;
use crate::metrics::EngineMetrics;
use crate::metrics::server::MetricsServer;
use crate::metrics::status::StatusLine;
use anyhow::Context;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The endpoint and the status line of one run.
pub(super) struct Watch {
    metrics: Arc<EngineMetrics>,
    server: Option<MetricsServer>,
    status: Option<Status>,
}

struct Status {
    line: StatusLine,
    every: Duration,
    next: Instant,
}

impl Watch {
    /// Starts the endpoint when `engine.metrics_listen` is set.
    ///
    /// # Errors
    /// The endpoint's address cannot be bound.
    pub(super) fn start(
        params: &EngineParams,
        metrics: Arc<EngineMetrics>,
    ) -> anyhow::Result<Watch> {
        let e = &params.engine;
        let server = if e.metrics_listen.is_empty() {
            None
        } else {
            let s =
                MetricsServer::start(&e.metrics_listen, metrics.clone()).with_context(|| {
                    format!(
                        "cannot serve metrics on {} (engine.metrics_listen)",
                        e.metrics_listen
                    )
                })?;
            tracing::info!(url = %format!("http://{}/metrics", s.local_addr()), "metrics endpoint");
            Some(s)
        };
        let status = (e.status_secs > 0.0).then(|| {
            let every = Duration::from_secs_f64(e.status_secs);
            Status {
                line: StatusLine::default(),
                every,
                next: Instant::now() + every,
            }
        });
        Ok(Watch {
            metrics,
            server,
            status,
        })
    }

    /// Called by the supervisor between its checks: logs the status line when it is due.
    pub(super) fn tick(&mut self) {
        let Some(s) = &mut self.status else {
            return;
        };
        let now = Instant::now();
        if now < s.next {
            return;
        }
        s.next = now + s.every;
        tracing::info!(target: "hft::status", "{}", s.line.next(&self.metrics));
    }

    /// Stops the endpoint (after the run's shutdown, so the last numbers stay visible until
    /// then).
    pub(super) fn stop(self) {
        if let Some(s) = self.server {
            s.stop();
        }
    }
}
