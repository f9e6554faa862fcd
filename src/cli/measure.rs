//! `hft measure-stream`: gateway streaming throughput to one client that only reads.

use crate::io::TwsConnection;
use crate::params::SimParams;
use crate::sim::{Gateway, GatewayOptions};
use crate::wire::{ContractSpec, Request};
use std::time::{Duration, Instant};

/// Starts an unpaced gateway, subscribes to every symbol and counts tick frames until `ticks`.
///
/// # Errors
/// Connection failures.
pub fn stream(ticks: u64) -> anyhow::Result<()> {
    let params = SimParams::embedded();
    let symbols: Vec<String> = params
        .market
        .symbols
        .iter()
        .map(|s| s.name.clone())
        .collect();
    let opts = GatewayOptions {
        listen: Some("127.0.0.1:0".into()),
        unpaced: true,
        ..Default::default()
    };
    let gw = Gateway::start(params, opts)?;
    let mut conn =
        TwsConnection::connect(&gw.local_addr().to_string(), 1, Duration::from_secs(10))?;
    for (i, s) in symbols.iter().enumerate() {
        conn.send(&Request::MarketData {
            req_id: i as i32 + 1,
            contract: ContractSpec::stock(s),
            generic_ticks: "",
            snapshot: false,
        })?;
    }
    let (mut count, mut bytes) = (0u64, 0u64);
    let mut started = None;
    while count < ticks {
        let body = conn.next_frame(Duration::from_secs(10))?;
        // A reader that only reads: look at the message id, count, move on.
        if matches!(body.first(), Some(b'1' | b'2')) && body.get(1) == Some(&0) {
            count += 1;
            started.get_or_insert_with(Instant::now);
        }
        bytes += body.len() as u64 + 4;
    }
    let secs = started.map_or(0.0, |s| s.elapsed().as_secs_f64());
    println!(
        "received {count} tick messages ({:.1} MB) in {secs:.3} s: {:.0} ticks/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        count as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    drop(conn);
    gw.shutdown();
    Ok(())
}
