//! Engine parameters from Python: a TOML text (or the embedded defaults) with dotted-key
//! overrides (`{"strategy.zscore.entry": 2.5}`) set into its table before the crate's own parser
//! and checks run, so an override is validated exactly as the same key in a file. The resolving
//! is the crate's (`hft::sweep::Setup::resolve`, which `hft sweep` runs for each set of a grid
//! file); this module turns Python values into TOML and errors into `hft.ParamsError`.

use hft::config::ParamsError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

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
