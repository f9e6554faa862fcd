//! Sweeps past one machine: `hft sweep --shard K/N` runs the sets of shard K (the sets whose
//! index is K - 1 modulo N: each shard gets every N-th set, so the cost of neighbouring sets is
//! spread) and writes [`SHARD_FILE`] beside its `sweep.csv`; [`merge`] combines the N shard
//! files into exactly the rows a single machine computes, in set order.
//!
//! A shard file carries what the merge needs to check and rebuild: the grid file's name and
//! text, the params file's label and text, the quote files' names, `K`, `N` and each of its
//! sets' metrics as `sweep.csv` writes them ([`SweepRow::cells`]: shortest round-trip text, so
//! the merge reads back the same bits).

use super::{ParamSets, SweepRow};
use crate::config::ParamsError;
use std::path::Path;

/// The file a shard writes into its output directory.
pub const SHARD_FILE: &str = "shard.json";

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K: which shard, from 1.
    pub index: usize,
    /// N: shards in all.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` (1 <= K <= N).
    ///
    /// # Examples
    /// ```
    /// use hft::sweep::Shard;
    /// let s = Shard::parse("2/3").unwrap();
    /// assert_eq!((s.index, s.count), (2, 3));
    /// assert!(s.has(1) && s.has(4) && !s.has(2)); // sets 1, 4, 7, ...
    /// assert!(Shard::parse("0/3").is_err() && Shard::parse("4/3").is_err());
    /// assert!(Shard::parse("x").is_err());
    /// ```
    ///
    /// # Errors
    /// Not `K/N` with `1 <= K <= N`: a [`ParamsError`] naming `--shard`.
    pub fn parse(text: &str) -> Result<Shard, ParamsError> {
        let err = || {
            ParamsError::new(
                "--shard",
                "shard",
                format!("expected K/N with 1 <= K <= N, got `{text}`"),
            )
        };
        let (k, n) = text.split_once('/').ok_or_else(err)?;
        let (index, count): (usize, usize) = (
            k.trim().parse().map_err(|_| err())?,
            n.trim().parse().map_err(|_| err())?,
        );
        if index == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }

    /// Whether set `set` (0-based) belongs to this shard.
    pub fn has(&self, set: usize) -> bool {
        set % self.count == self.index - 1
    }
}

/// What a shard writes ([`SHARD_FILE`]) and the merge reads.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShardFile {
    /// K (from 1).
    pub shard: usize,
    /// N.
    pub of: usize,
    /// Sets in the whole grid.
    pub sets: usize,
    /// The grid file as named on the command line, and its text.
    pub grid_file: String,
    pub grid: String,
    /// The params file's label (a path, or the embedded defaults), and its text.
    pub params_file: String,
    pub params: String,
    /// The quote files as named on the command line.
    pub ticks: Vec<String>,
    /// This shard's sets: index and [`SweepRow::cells`].
    pub rows: Vec<ShardRow>,
}

/// One set's metrics in a shard file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ShardRow {
    /// The set's index in the whole grid.
    pub set: usize,
    /// Its [`SweepRow::cells`].
    pub metrics: Vec<String>,
}

/// The merged result of shard files: the grid's sets and every set's row, in set order.
pub struct Merged {
    /// The grid's sets.
    pub sets: ParamSets,
    /// Every set's row, in set order.
    pub rows: Vec<SweepRow>,
    /// The first shard's file (the grid and params every shard shares).
    pub first: ShardFile,
}

/// Reads `dir/shard.json` of every directory and combines them: all shards of one sweep (the
/// same grid, params, quote files and N), each shard once, every set exactly once.
///
/// # Errors
/// A [`ParamsError`] naming the shard file and what is wrong: unreadable, malformed, from
/// another sweep, a shard twice or missing, a set twice or missing, a metric that does not
/// read back.
pub fn merge(dirs: &[impl AsRef<Path>]) -> Result<Merged, ParamsError> {
    let mut files = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let path = dir.as_ref().join(SHARD_FILE);
        let label = path.display().to_string();
        let text = std::fs::read(&path)
            .map_err(|e| ParamsError::new(&label, "<file>", format!("cannot read: {e}")))?;
        let file: ShardFile = serde_json::from_slice(&text)
            .map_err(|e| ParamsError::new(&label, "<json>", e.to_string()))?;
        files.push((label, file));
    }
    let Some((first_label, first)) = files.first().cloned() else {
        return Err(ParamsError::new("merge", "DIR", "no shard directories"));
    };
    let mut seen_shards = vec![false; first.of];
    let mut rows: Vec<Option<SweepRow>> = vec![None; first.sets];
    for (label, f) in &files {
        let err = |key: &str, message: String| ParamsError::new(label, key, message);
        let other = |key: &str| {
            err(
                key,
                format!("differs from {first_label}: not a shard of the same sweep"),
            )
        };
        if f.of != first.of {
            return Err(other("of"));
        }
        if f.sets != first.sets || f.grid != first.grid || f.grid_file != first.grid_file {
            return Err(other("grid"));
        }
        if f.params != first.params || f.params_file != first.params_file {
            return Err(other("params"));
        }
        if f.ticks != first.ticks {
            return Err(other("ticks"));
        }
        match seen_shards.get_mut(f.shard.wrapping_sub(1)) {
            Some(seen) if !*seen => *seen = true,
            Some(_) => {
                return Err(err(
                    "shard",
                    format!("shard {}/{} given twice", f.shard, f.of),
                ));
            }
            None => return Err(err("shard", format!("shard {} of {}", f.shard, f.of))),
        }
        let shard = Shard {
            index: f.shard,
            count: f.of,
        };
        for r in &f.rows {
            let key = format!("rows.set {}", r.set);
            if !shard.has(r.set) {
                return Err(err(
                    &key,
                    format!("not a set of shard {}/{}", f.shard, f.of),
                ));
            }
            let row = SweepRow::from_cells(&r.metrics)
                .ok_or_else(|| err(&key, "metrics do not read back".into()))?;
            match rows.get_mut(r.set) {
                Some(slot @ None) => *slot = Some(row),
                Some(Some(_)) => return Err(err(&key, "given twice".into())),
                None => return Err(err(&key, format!("past the {} sets", first.sets))),
            }
        }
    }
    if let Some(missing) = seen_shards.iter().position(|s| !s) {
        return Err(ParamsError::new(
            &first_label,
            "shard",
            format!("shard {}/{} missing", missing + 1, first.of),
        ));
    }
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.ok_or_else(|| ParamsError::new(&first_label, "rows", format!("set {i} missing")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sets = ParamSets::parse(&first.grid_file, &first.grid)?;
    if sets.sets.len() != rows.len() {
        return Err(ParamsError::new(
            &first_label,
            "sets",
            "does not match the grid",
        ));
    }
    Ok(Merged { sets, rows, first })
}
