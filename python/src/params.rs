//! Engine parameters from Python: a TOML text (or the embedded defaults) with dotted-key
//! overrides (`{"strategy.zscore.entry": 2.5}`) set into its table before the crate's own parser
//! and checks run, so an override is validated exactly as the same key in a file.

use hft::config::{DEFAULT_PARAMS, EngineParams, ParamsError};
use hft::rundir::HgrmPoint;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::path::Path;

/// Everything one backtest needs besides its quotes.
pub struct Setup {
    pub params: EngineParams,
    /// `backtest.order_latency_hgrm`, read.
    pub latency_profile: Option<Vec<HgrmPoint>>,
}

/// Parses `text` (the contents of `file`; `None`: the embedded defaults), sets `overrides`
/// (dotted key -> TOML value) and validates the result.
///
/// # Errors
/// A [`ParamsError`] naming the key: TOML syntax, an override below a key that is not a table,
/// an unknown key, a wrong type, a value out of range, an unreadable latency profile.
pub fn resolve(
    text: Option<&str>,
    file: &str,
    overrides: &[(String, toml::Value)],
) -> Result<Setup, ParamsError> {
    let text = text.unwrap_or(DEFAULT_PARAMS);
    let params = if overrides.is_empty() {
        EngineParams::from_toml(file, text)?
    } else {
        let mut table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ParamsError::new(file, "<syntax>", e.message()))?;
        for (key, value) in overrides {
            set(&mut table, key, value.clone()).map_err(|m| ParamsError::new(file, key, m))?;
        }
        let edited = toml::to_string(&table)
            .map_err(|e| ParamsError::new(file, "<overrides>", e.to_string()))?;
        EngineParams::from_toml(file, &edited)?
    };
    // A latency profile is an input file like the quotes: unreadable, it is a params error.
    let latency_profile = match params.backtest.order_latency_hgrm.as_str() {
        "" => None,
        path => Some(hft::rundir::read_hgrm(Path::new(path)).map_err(|e| {
            ParamsError::new(file, "backtest.order_latency_hgrm", format!("{e:#}"))
        })?),
    };
    Ok(Setup {
        params,
        latency_profile,
    })
}

/// Sets `value` at the dotted `key` of `table`, creating missing tables on the way.
fn set(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let mut parts: Vec<&str> = key.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    if last.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err("an empty part in the dotted key".into());
    }
    let mut at = table;
    for (depth, part) in parts.iter().enumerate() {
        let entry = at
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        at = entry
            .as_table_mut()
            .ok_or_else(|| format!("`{}` is not a table", parts[..=depth].join(".")))?;
    }
    at.insert(last.to_string(), value);
    Ok(())
}

/// A Python value as TOML: bool, int, float, str, list or tuple, dict (keys as strings).
///
/// # Errors
/// Any other type (a `TypeError` naming `key`).
pub fn to_toml(key: &str, v: &Bound<'_, PyAny>) -> PyResult<toml::Value> {
    if v.is_instance_of::<PyBool>() {
        return Ok(toml::Value::Boolean(v.extract()?));
    }
    if v.is_instance_of::<PyInt>() {
        return Ok(toml::Value::Integer(v.extract()?));
    }
    if v.is_instance_of::<PyFloat>() {
        return Ok(toml::Value::Float(v.extract()?));
    }
    if v.is_instance_of::<PyString>() {
        return Ok(toml::Value::String(v.extract()?));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items = v
            .try_iter()?
            .map(|item| to_toml(key, &item?))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(toml::Value::Array(items));
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut t = toml::Table::new();
        for (k, item) in d.iter() {
            let k: String = k.str()?.extract()?;
            let value = to_toml(key, &item)?;
            t.insert(k, value);
        }
        return Ok(toml::Value::Table(t));
    }
    Err(pyo3::exceptions::PyTypeError::new_err(format!(
        "override `{key}`: cannot be a {} (bool, int, float, str, list or dict)",
        v.get_type().name()?
    )))
}

/// Dotted key -> value pairs of a Python dict, in its order.
///
/// # Errors
/// A key that is not a string, or a value [`to_toml`] refuses.
pub fn overrides(d: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, toml::Value)>> {
    let Some(d) = d else {
        return Ok(Vec::new());
    };
    d.iter()
        .map(|(k, v)| {
            let key: String = k.extract()?;
            let value = to_toml(&key, &v)?;
            Ok((key, value))
        })
        .collect()
}

/// A [`ParamsError`] as the Python package's `hft.ParamsError` (a `ValueError` with `key`,
/// `file` and `reason` attributes).
pub fn to_py(py: Python<'_>, e: ParamsError) -> PyErr {
    let raised = py
        .import("hft._errors")
        .and_then(|m| m.getattr("ParamsError"))
        .and_then(|cls| {
            cls.call1((
                e.to_string(),
                e.key.clone(),
                e.file.clone(),
                e.message.clone(),
            ))
        });
    match raised {
        Ok(exception) => PyErr::from_value(exception),
        Err(_) => pyo3::exceptions::PyValueError::new_err(e.to_string()),
    }
}
