//! The metrics endpoint: a cold thread serving `GET /metrics` (anything else: 404) over plain
//! HTTP/1.1 from [`EngineMetrics`], one connection at a time, each closed after its answer.
//!
//! It never touches a stage: it reads the cells the stages publish. A slow or silent client is
//! bounded by read and write timeouts, and the listener is polled (non-blocking accept, a short
//! sleep) so the thread stops promptly when asked.

use super::EngineMetrics;
use super::expose::{CONTENT_TYPE, render};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest a client may take to send its request, or to take the answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(2);
/// Largest request head read (request line and headers).
const MAX_REQUEST: usize = 8192;
/// How often the listener is polled while no client connects.
const ACCEPT_POLL: Duration = Duration::from_millis(25);

/// The running endpoint; dropping it stops the thread (as [`MetricsServer::stop`] does).
pub struct MetricsServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Binds `listen` and serves `metrics` on a thread named `hft-metrics`; records the bound
    /// address in `metrics` (useful with port 0).
    ///
    /// # Errors
    /// The address cannot be bound, or the thread cannot be spawned.
    pub fn start(listen: &str, metrics: Arc<EngineMetrics>) -> io::Result<MetricsServer> {
        let listener = TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        metrics.set_listening(addr);
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("hft-metrics".into())
            .spawn(move || serve(&listener, &metrics, &flag))?;
        Ok(MetricsServer {
            addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops the thread and joins it (after the answer in progress, if any).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(listener: &TcpListener, metrics: &EngineMetrics, stop: &AtomicBool) {
    while !stop.load(Ordering::Acquire) {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(e) = answer(stream, metrics) {
                    tracing::debug!(error = %e, "metrics client");
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::sleep(ACCEPT_POLL),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                tracing::warn!(error = %e, "metrics endpoint: accept failed");
                std::thread::sleep(ACCEPT_POLL);
            }
        }
    }
}

/// Reads one request head and answers it.
fn answer(mut stream: TcpStream, metrics: &EngineMetrics) -> io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    stream.set_write_timeout(Some(CLIENT_TIMEOUT))?;
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_REQUEST {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next(), parts.next());
    let path = target.map(|t| t.split('?').next().unwrap_or(t));
    let (status, body) = match (method, path) {
        (Some("GET"), Some("/metrics")) => ("200 OK", render(metrics)),
        _ => ("404 Not Found", "not found: try GET /metrics\n".to_string()),
    };
    let content_type = if status.starts_with("200") {
        CONTENT_TYPE
    } else {
        "text/plain; charset=utf-8"
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(addr: SocketAddr, request: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut text = String::new();
        s.read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn serves_metrics_and_404_otherwise() {
        let m = Arc::new(EngineMetrics::new(&["SPY".into()]));
        m.io.ticks.set(42);
        let server = MetricsServer::start("127.0.0.1:0", m.clone()).unwrap();
        assert_eq!(m.listening(), Some(server.local_addr()));
        let ok = get(
            server.local_addr(),
            "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.contains("Content-Type: text/plain; version=0.0.4"));
        assert!(ok.contains("\r\n\r\n# HELP hft_up "));
        assert!(ok.contains("hft_ticks_total 42\n"));
        for other in [
            "GET / HTTP/1.1\r\n\r\n",
            "POST /metrics HTTP/1.1\r\n\r\n",
            "garbage\r\n\r\n",
        ] {
            let no = get(server.local_addr(), other);
            assert!(
                no.starts_with("HTTP/1.1 404 Not Found\r\n"),
                "{other}: {no}"
            );
        }
        server.stop();
    }
}
