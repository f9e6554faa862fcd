//! One backtest's configuration: a params text with dotted-key overrides
//! (`strategy.zscore.entry = 2.5`) set into its table before the crate's own parser and checks
//! run, so an override is validated exactly as the same key in a file.

use super::ScannedQuotes;
use crate::backtest::{Backtest, BacktestOutput};
use crate::config::{DEFAULT_PARAMS, EngineParams, ParamsError};
use crate::pairs::valuation::basket_value_tilts;
use crate::rundir::HgrmPoint;
use crate::strategy::basket_value::ValueTilt;
use std::path::Path;

/// A dotted key (`strategy.zscore.entry`) and the TOML value set there.
pub type Override = (String, toml::Value);

/// Everything one backtest needs besides its quotes.
pub struct Setup {
    pub params: EngineParams,
    /// `backtest.order_latency_hgrm`, read.
    pub latency_profile: Option<Vec<HgrmPoint>>,
    /// Each basket's value tilt (`strategy.basket.fundamentals`, read).
    pub value_tilts: Vec<Option<ValueTilt>>,
}

impl Setup {
    /// Parses `text` (the contents of `file`; `None`: the embedded defaults), sets `overrides`
    /// in order and validates the result.
    ///
    /// # Examples
    /// ```
    /// use hft::sweep::Setup;
    /// let entry = ("strategy.zscore.entry".to_string(), toml::Value::Float(2.5));
    /// let setup = Setup::resolve(None, "<embedded>", &[entry]).unwrap();
    /// assert_eq!(setup.params.strategy.zscore.entry, 2.5);
    /// let typo = ("strategy.zscore.entyr".to_string(), toml::Value::Float(2.5));
    /// let e = Setup::resolve(None, "<embedded>", &[typo]).err().unwrap();
    /// assert!(e.key.contains("entyr"));
    /// ```
    ///
    /// # Errors
    /// A [`ParamsError`] naming the key: TOML syntax, an override below a key that is not a
    /// table, an unknown key, a wrong type, a value out of range, an unreadable latency profile.
    pub fn resolve(
        text: Option<&str>,
        file: &str,
        overrides: &[Override],
    ) -> Result<Setup, ParamsError> {
        let text = text.unwrap_or(DEFAULT_PARAMS);
        let params = if overrides.is_empty() {
            EngineParams::from_toml(file, text)?
        } else {
            let mut table: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| ParamsError::new(file, "<syntax>", e.message()))?;
            for (key, value) in overrides {
                set_dotted(&mut table, key, value.clone())
                    .map_err(|m| ParamsError::new(file, key, m))?;
            }
            let edited = toml::to_string(&table)
                .map_err(|e| ParamsError::new(file, "<overrides>", e.to_string()))?;
            EngineParams::from_toml(file, &edited)?
        };
        Setup::of(params, file)
    }

    /// `params` with its latency profile read.
    ///
    /// # Errors
    /// An unreadable `backtest.order_latency_hgrm` or `strategy.basket.fundamentals` (input
    /// files like the quotes, so a params error naming `file`).
    pub fn of(params: EngineParams, file: &str) -> Result<Setup, ParamsError> {
        let latency_profile = match params.backtest.order_latency_hgrm.as_str() {
            "" => None,
            path => Some(crate::rundir::read_hgrm(Path::new(path)).map_err(|e| {
                ParamsError::new(file, "backtest.order_latency_hgrm", format!("{e:#}"))
            })?),
        };
        let value_tilts = basket_value_tilts(&params, file)?;
        Ok(Setup {
            params,
            latency_profile,
            value_tilts,
        })
    }

    /// A backtest of these parameters, ready for rows.
    pub fn backtest(&self) -> Backtest {
        let mut bt = Backtest::new(&self.params);
        if let Some(points) = &self.latency_profile {
            bt.use_latency_profile(&self.params.backtest, points);
        }
        if self.value_tilts.iter().any(Option::is_some) {
            bt.use_value_tilts(self.value_tilts.clone());
        }
        bt
    }

    /// One backtest of `quotes`.
    pub fn run(&self, quotes: &ScannedQuotes) -> BacktestOutput {
        let mut bt = self.backtest();
        quotes.feed(&mut bt);
        bt.finish()
    }
}

/// Sets `value` at the dotted `key` of `table`, creating missing tables on the way.
///
/// # Errors
/// An empty part in the key, or a part above the last that holds a value, not a table.
pub fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
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
