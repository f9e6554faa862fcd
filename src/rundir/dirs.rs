//! Run directories: where each run writes, named by its start time.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A fresh run directory under `base`: `run-YYYYMMDD-HHMMSS[-n]`.
///
/// # Errors
/// I/O errors creating it.
pub fn new_run_dir(base: &Path) -> std::io::Result<PathBuf> {
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (y, m, d, hh, mm, ss) = crate::wire::civil_from_unix(t);
    let stem = format!("run-{y:04}{m:02}{d:02}-{hh:02}{mm:02}{ss:02}");
    std::fs::create_dir_all(base)?;
    for n in 0..1000 {
        let dir = if n == 0 {
            base.join(&stem)
        } else {
            base.join(format!("{stem}-{n}"))
        };
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(
        "too many run directories with the same timestamp",
    ))
}
