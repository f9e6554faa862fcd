//! Grid files: the parameter sets of `hft sweep`.
//!
//! A grid file is TOML with exactly one of two shapes. Keys are the params file's dotted keys,
//! quoted (`"strategy.zscore.entry"`) or plain TOML dotted keys (`strategy.zscore.entry`):
//!
//! ```toml
//! [grid]                                  # every combination of the axes
//! "strategy.zscore.entry" = [1.0, 1.5, 2.0]
//! "strategy.zscore.exit" = [0.0, 0.3]
//! ```
//!
//! ```toml
//! [[set]]                                 # the sets as listed
//! "strategy.zscore.entry" = 1.5
//! [[set]]
//! "strategy.kind" = "kalman"
//! ```
//!
//! Rules:
//! - The axes of a `[grid]` are in the order the file writes them. The sets are every
//!   combination in row-major order: the first axis varies slowest, the last fastest (nested
//!   loops in file order, Python's `itertools.product`). Above, set 0 is entry 1.0 / exit 0.0,
//!   set 1 is entry 1.0 / exit 0.3, set 2 is entry 1.5 / exit 0.0.
//! - A grid axis is a non-empty array; a value that is itself an array (`pairs`) is one
//!   element of the axis' array.
//! - A `[[set]]` sets only its own keys; the sets run in file order.
//! - Anything else (another top-level key, both shapes, an empty `[grid]`, a scalar axis) is a
//!   [`ParamsError`] naming the key and the file. Whether a key exists and its value fits is
//!   checked when each set is resolved against the params file ([`super::Setup::resolve`]).

use super::Override;
use crate::config::ParamsError;
use std::collections::HashMap;
use toml::de::{DeTable, DeValue};

/// Most sets a grid may expand to.
pub const MAX_SETS: usize = 1_000_000;

/// One axis of a `[grid]`: a dotted key and its values, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<toml::Value>,
}

/// The parameter sets of a grid file.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSets {
    /// The `[grid]` axes (empty for a `[[set]]` list).
    pub axes: Vec<Axis>,
    /// Each set's overrides, in run order.
    pub sets: Vec<Vec<Override>>,
}

impl ParamSets {
    /// Parses a grid file's `text`; `file` names it in errors.
    ///
    /// # Examples
    /// ```
    /// use hft::sweep::ParamSets;
    /// let text = "[grid]\n\"strategy.zscore.exit\" = [0.0, 0.3]\nstrategy.zscore.entry = [1, 2]\n";
    /// let sets = ParamSets::parse("g.toml", text).unwrap();
    /// let keys: Vec<&str> = sets.axes.iter().map(|a| a.key.as_str()).collect();
    /// assert_eq!(keys, ["strategy.zscore.exit", "strategy.zscore.entry"]); // file order
    /// let entry_of = |i: usize| sets.sets[i][1].1.as_integer().unwrap();
    /// assert_eq!((entry_of(0), entry_of(1), entry_of(2)), (1, 2, 1)); // last axis fastest
    /// let e = ParamSets::parse("g.toml", "[grid]\nstrategy.zscore.entry = 2.0\n").unwrap_err();
    /// assert_eq!((e.file.as_str(), e.key.as_str()), ("g.toml", "strategy.zscore.entry"));
    /// ```
    ///
    /// # Errors
    /// TOML syntax, a shape other than the two above, or more than [`MAX_SETS`] sets.
    pub fn parse(file: &str, text: &str) -> Result<ParamSets, ParamsError> {
        let err = |key: &str, message: &str| ParamsError::new(file, key, message);
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| err("<syntax>", e.message()))?;
        let order = key_positions(text).map_err(|e| err("<syntax>", e.message()))?;
        if let Some(key) = table.keys().find(|k| *k != "grid" && *k != "set") {
            return Err(err(key, "expected only [grid] or [[set]]"));
        }
        match (table.get("grid"), table.get("set")) {
            (Some(_), Some(_)) => Err(err("set", "a file holds [grid] or [[set]], not both")),
            (None, None) => Err(err("grid", "no [grid] and no [[set]]")),
            (Some(grid), None) => {
                let grid = grid
                    .as_table()
                    .ok_or_else(|| err("grid", "expected a table"))?;
                let leaves = sorted_leaves(grid, "grid", &order);
                if leaves.is_empty() {
                    return Err(err("grid", "no axes"));
                }
                let axes = leaves
                    .into_iter()
                    .map(|(key, value)| match value {
                        toml::Value::Array(values) if !values.is_empty() => {
                            Ok(Axis { key, values })
                        }
                        _ => Err(err(&key, "a grid axis is a non-empty array of values")),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let sets = combinations(&axes)
                    .ok_or_else(|| err("grid", &format!("more than {MAX_SETS} combinations")))?;
                Ok(ParamSets { axes, sets })
            }
            (None, Some(list)) => {
                let list = list
                    .as_array()
                    .ok_or_else(|| err("set", "expected [[set]] tables"))?;
                let sets = list
                    .iter()
                    .enumerate()
                    .map(|(i, set)| {
                        let set = set
                            .as_table()
                            .ok_or_else(|| err(&format!("set[{i}]"), "expected a table"))?;
                        Ok(sorted_leaves(set, &format!("set.{i}"), &order))
                    })
                    .collect::<Result<Vec<_>, ParamsError>>()?;
                if sets.len() > MAX_SETS {
                    return Err(err("set", &format!("more than {MAX_SETS} sets")));
                }
                Ok(ParamSets {
                    axes: Vec::new(),
                    sets,
                })
            }
        }
    }

    /// Every key any set sets, in order of first appearance (the columns of `sweep.csv`).
    pub fn keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for (key, _) in self.sets.iter().flatten() {
            if !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
        keys
    }
}

/// Every combination of `axes`, the last axis fastest; `None` past [`MAX_SETS`].
fn combinations(axes: &[Axis]) -> Option<Vec<Vec<Override>>> {
    let count = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .filter(|&n| n <= MAX_SETS)?;
    let sets = (0..count)
        .map(|n| {
            let mut rest = n;
            let mut set: Vec<Override> = axes
                .iter()
                .rev()
                .map(|a| {
                    let value = a.values[rest % a.values.len()].clone();
                    rest /= a.values.len();
                    (a.key.clone(), value)
                })
                .collect();
            set.reverse();
            set
        })
        .collect();
    Some(sets)
}

/// The leaves of `table` as dotted keys, in the order the file writes them (`at` is the
/// table's own path in `order`).
fn sorted_leaves(
    table: &toml::Table,
    at: &str,
    order: &HashMap<String, usize>,
) -> Vec<(String, toml::Value)> {
    let mut leaves = Vec::new();
    flatten(table, "", &mut leaves);
    leaves.sort_by_key(|(key, _)| order.get(&format!("{at}.{key}")).copied());
    leaves
}

fn flatten(table: &toml::Table, prefix: &str, out: &mut Vec<(String, toml::Value)>) {
    for (key, value) in table {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) => flatten(inner, &dotted, out),
            other => out.push((dotted, other.clone())),
        }
    }
}

/// Where each leaf key starts in `text` (by dotted path; the tables of `[[set]]` as `set.<i>`):
/// `toml::Table` sorts its keys, the spans keep the file's order.
fn key_positions(text: &str) -> Result<HashMap<String, usize>, toml::de::Error> {
    fn walk(table: &DeTable<'_>, prefix: &str, out: &mut HashMap<String, usize>) {
        for (key, value) in table {
            let dotted = if prefix.is_empty() {
                key.get_ref().to_string()
            } else {
                format!("{prefix}.{}", key.get_ref())
            };
            match value.get_ref() {
                DeValue::Table(inner) => walk(inner, &dotted, out),
                DeValue::Array(items) if dotted == "set" => {
                    for (i, item) in items.into_iter().enumerate() {
                        if let DeValue::Table(inner) = item.get_ref() {
                            walk(inner, &format!("set.{i}"), out);
                        }
                    }
                }
                _ => {
                    out.insert(dotted, key.span().start);
                }
            }
        }
    }
    let parsed = DeTable::parse(text)?;
    let mut out = HashMap::new();
    walk(parsed.get_ref(), "", &mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(sets: &ParamSets) -> Vec<Vec<i64>> {
        let ints = |set: &Vec<Override>| set.iter().map(|(_, v)| v.as_integer().unwrap()).collect();
        sets.sets.iter().map(ints).collect()
    }

    #[test]
    fn three_axes_in_file_order_the_last_fastest() {
        let text = "[grid]\nz = [1, 2]\na.b = [3]\nm = [4, 5]\n";
        let sets = ParamSets::parse("g.toml", text).unwrap();
        let keys: Vec<&str> = sets.axes.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["z", "a.b", "m"]);
        let want = [[1, 3, 4], [1, 3, 5], [2, 3, 4], [2, 3, 5]];
        assert_eq!(values(&sets), want);
    }

    #[test]
    fn a_list_keeps_each_sets_keys_in_file_order() {
        let text = "[[set]]\nz = 1\n\"a.b\" = 2\n\n[[set]]\n\n[[set]]\nb = 3\na = 4\n";
        let sets = ParamSets::parse("l.toml", text).unwrap();
        assert_eq!(values(&sets), [vec![1, 2], vec![], vec![3, 4]]);
        assert_eq!(sets.keys(), ["z", "a.b", "b", "a"]);
    }

    #[test]
    fn shapes_other_than_grid_or_sets_name_the_key() {
        for (text, key) in [
            ("[grid]\nx = [1]\n[[set]]\ny = 1\n", "set"),
            ("x = 1\n", "x"),
            ("", "grid"),
            ("grid = 3\n", "grid"),
            ("set = 3\n", "set"),
            ("[grid\n", "<syntax>"),
        ] {
            let e = ParamSets::parse("g.toml", text).unwrap_err();
            assert_eq!((e.file.as_str(), e.key.as_str()), ("g.toml", key), "{text}");
        }
    }

    #[test]
    fn a_grid_past_max_sets_is_refused() {
        let axis = format!("[{}]", vec!["1"; 1001].join(","));
        let text = format!("[grid]\na = {axis}\nb = {axis}\n");
        assert_eq!(ParamSets::parse("g.toml", &text).unwrap_err().key, "grid");
    }
}
