//! The bootstrap warm-up: historical grid rows fed to the strategies before the first live tick,
//! and written as `bootstrap/<A>-<B>.csv` (the series format) so the charts draw the window the
//! strategy started from next to what it did live.

use crate::config::EngineParams;
use crate::strategy::PairStrategy;
use anyhow::Context;
use std::path::Path;

/// One historical grid row of a pair: both mids at grid time `t_ns` (Unix ns, market time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WarmRow {
    pub t_ns: u64,
    pub a_mid: f64,
    pub b_mid: f64,
}

/// Historical grid rows per pair, oldest first, to warm the strategies.
pub type Warmup = Vec<Vec<WarmRow>>;

/// Feeds each pair's rows to its strategy, ends the warm-up, and writes the rows (with the
/// statistics as they stood after each) to `run_dir/bootstrap/<A>-<B>.csv`.
///
/// # Errors
/// The files cannot be written.
pub(super) fn warm(
    pairs: &mut [PairStrategy],
    warmup: &Warmup,
    params: &EngineParams,
    run_dir: &Path,
) -> anyhow::Result<()> {
    for ((strategy, rows), p) in pairs.iter_mut().zip(warmup).zip(&params.pairs) {
        let samples: Vec<_> = rows
            .iter()
            .filter_map(|r| strategy.warm_at(r.t_ns, r.a_mid, r.b_mid))
            .collect();
        strategy.finish_warmup();
        let path = run_dir.join(crate::rundir::bootstrap_file(&p.a, &p.b));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, crate::rundir::series_csv(&samples))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
