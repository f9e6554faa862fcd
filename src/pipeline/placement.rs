//! Which core each stage runs on and how it waits, and the named, pinned stage threads.

use crate::config::EngineParams;
use crate::runtime::WaitStrategy;
use anyhow::Context;

/// Which core each stage runs on, and how it waits.
#[derive(Debug, Clone)]
pub struct Placement {
    pub cores: [Option<usize>; 4],
    pub wait: WaitStrategy,
    pub note: String,
}

/// Chooses cores and the wait strategy: spinning needs a free core per stage; with fewer cores
/// a `spin` request becomes `block` (the consumer parks, its producer wakes it) and the note says
/// why. Other strategies are kept as asked.
pub fn place(params: &EngineParams) -> Placement {
    let available: Vec<usize> = core_affinity::get_core_ids()
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    let wanted = params.engine.wait;
    if !params.engine.cores.is_empty() {
        let missing: Vec<usize> = params
            .engine
            .cores
            .iter()
            .copied()
            .filter(|c| !available.contains(c))
            .collect();
        if missing.is_empty() {
            let mut cores = [None; 4];
            for (slot, c) in cores.iter_mut().zip(&params.engine.cores) {
                *slot = Some(*c);
            }
            let distinct = {
                let mut v = params.engine.cores.clone();
                v.sort_unstable();
                v.dedup();
                v.len()
            };
            if wanted.spins() && distinct < 4 {
                return Placement {
                    cores,
                    wait: without_spare_cores(wanted),
                    note: "spin needs 4 distinct cores in engine.cores; blocking instead".into(),
                };
            }
            return Placement {
                cores,
                wait: wanted,
                note: format!("pinned to cores {:?}", params.engine.cores),
            };
        }
        return Placement {
            cores: [None; 4],
            wait: without_spare_cores(wanted),
            note: format!(
                "cores {missing:?} are not available to this process; not pinning{}",
                if wanted.spins() {
                    ", blocking instead of spinning"
                } else {
                    ""
                }
            ),
        };
    }
    if available.len() >= 5 {
        // Leave the first core to the OS and the main thread.
        let cores = [
            Some(available[1]),
            Some(available[2]),
            Some(available[3]),
            Some(available[4]),
        ];
        Placement {
            cores,
            wait: wanted,
            note: format!("pinned to cores {:?}", &available[1..5]),
        }
    } else if available.len() >= 4 {
        let cores = [
            Some(available[0]),
            Some(available[1]),
            Some(available[2]),
            Some(available[3]),
        ];
        Placement {
            cores,
            wait: wanted,
            note: format!("pinned to cores {:?}", &available[..4]),
        }
    } else {
        let note = if wanted.spins() {
            format!(
                "{} cores for 4 stages: spinning needs a core per stage, blocking instead; not pinning",
                available.len()
            )
        } else {
            format!("{} cores for 4 stages: not pinning", available.len())
        };
        Placement {
            cores: [None; 4],
            wait: without_spare_cores(wanted),
            note,
        }
    }
}

/// The strategy to run when there is no free core per stage: a spinner would starve the stage
/// it shares a core with, so it blocks; the others keep what was asked.
///
/// # Examples
/// ```
/// use hft::pipeline::without_spare_cores;
/// use hft::runtime::WaitStrategy;
/// assert_eq!(without_spare_cores(WaitStrategy::Spin), WaitStrategy::Block);
/// assert_eq!(without_spare_cores(WaitStrategy::Backoff), WaitStrategy::Backoff);
/// ```
pub fn without_spare_cores(wanted: WaitStrategy) -> WaitStrategy {
    if wanted.spins() {
        WaitStrategy::Block
    } else {
        wanted
    }
}

pub(super) fn spawn<T: Send + 'static>(
    name: &str,
    core: Option<usize>,
    f: impl FnOnce() -> T + Send + 'static,
) -> anyhow::Result<std::thread::JoinHandle<T>> {
    std::thread::Builder::new()
        .name(name.to_string())
        .spawn(move || {
            if let Some(id) = core
                && !core_affinity::set_for_current(core_affinity::CoreId { id })
            {
                tracing::warn!(core = id, "could not pin thread");
            }
            f()
        })
        .with_context(|| format!("cannot spawn {name}"))
}
