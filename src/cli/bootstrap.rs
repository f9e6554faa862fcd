//! `hft bootstrap`: pair selection on historical bars fetched through the `ibapi` client, written
//! as a derived parameter file.
//!
//! The universe is `[bootstrap] universe` (or the symbols of `[[pairs]]`); its MIDPOINT bars come
//! from TWS / IB Gateway at `connection.gateway`, or from the paper gateway started in-process when
//! that is empty. [`crate::pairs::select_pairs`] keeps the best `top` pairs discovered at the
//! false-discovery rate `--fdr` (Benjamini-Hochberg across all pairs of the universe). The output
//! is the input file's text, comments included, with its `[[pairs]]` tables replaced by the
//! selected pairs and their initial statistics, so the engine can be started on it directly.

use super::pairs::{SelectionArgs, lags_label};
use super::valuation::ValuationArgs;
use crate::bootstrap::{self, History};
use crate::config::{DEFAULT_PARAMS, EngineParams, PairLeg, PairParams, ParamsError, SimParams};
use crate::pairs::{PairStats, RankOptions, select_pairs};
use crate::sim::{Gateway, GatewayOptions};
use anyhow::Context;
use std::fmt::Write as _;
use std::path::Path;

/// Fetches history for the universe of `params` (the embedded defaults when `None`), selects the
/// best `top` pairs discovered by `selection` (Engle-Granger both ways, MacKinnon p-values,
/// Benjamini-Hochberg at `--fdr`), prints them and writes the derived parameter file `out`.
///
/// # Errors
/// Invalid parameters (a [`ParamsError`], exit status 2), a `level` other than 1, 5 or 10, a
/// universe of fewer than two symbols, bootstrap failures (IB errors name their code, e.g. 162
/// pacing, 200 no security definition, 354 no market-data subscription), no cointegrated pair
/// (nothing is written then), or a failed write.
///
/// With `valuation` (`--fundamentals`), pairs are filtered and optionally ranked by valuation
/// similarity on the values known on the last bar's day (or `--as-of`) before the `top` are kept.
pub fn run(
    params: Option<&Path>,
    out: &Path,
    top: usize,
    selection: &SelectionArgs,
    valuation: &ValuationArgs,
) -> anyhow::Result<()> {
    let options = selection.options()?;
    anyhow::ensure!(top >= 1, "--top must be at least 1");
    let (file, text) = match params {
        Some(path) => {
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| ParamsError::new(&file, "<file>", format!("cannot read: {e}")))?;
            (file, text)
        }
        None => (
            "<embedded params/default.toml>".to_string(),
            DEFAULT_PARAMS.to_string(),
        ),
    };
    let engine = EngineParams::from_toml(&file, &text)?;
    let universe = if engine.bootstrap.universe.is_empty() {
        engine.symbols()
    } else {
        engine.bootstrap.universe.clone()
    };
    anyhow::ensure!(
        universe.len() >= 2,
        "{file}: no universe to select pairs from: set bootstrap.universe or add [[pairs]]"
    );
    let bar_secs = engine.bootstrap.bar_secs;
    let bars = engine.bootstrap.bars();

    let mut in_process = None;
    let address = if engine.connection.gateway.is_empty() {
        // Unpaced: with no market-data line open the feed stands still, so the history ends at the
        // seeded starting state and the selection is the same on every run.
        let opts = GatewayOptions {
            listen: Some("127.0.0.1:0".into()),
            unpaced: true,
            ..Default::default()
        };
        let gw = Gateway::start(SimParams::embedded(), opts)
            .context("cannot start the in-process paper gateway")?;
        let addr = gw.local_addr().to_string();
        println!("paper gateway (in-process) on {addr}");
        in_process = Some(gw);
        addr
    } else {
        engine.connection.gateway.clone()
    };
    println!(
        "bootstrap: {bars} x {bar_secs} s MIDPOINT bars for {} from {address}",
        universe.join(" ")
    );
    let fetched = bootstrap::fetch(
        &address,
        engine.connection.control_client_id,
        &universe,
        bar_secs,
        bars,
    );
    if let Some(gw) = in_process {
        gw.shutdown();
    }
    let history = fetched.context("bootstrap failed")?;
    println!("bootstrap: {} aligned bars per symbol", history.times.len());

    let last_day = history.times.last().map(|t| t.div_euclid(86_400));
    let selected = match valuation.filter(last_day)? {
        Some(f) => f.select(&history.symbols, &history.closes, &options, top),
        None => select_pairs(&history.symbols, &history.closes, &options, top),
    };
    let possible = universe.len() * (universe.len() - 1) / 2;
    print!(
        "{}",
        selection_table(&selected, possible, &options, bar_secs)
    );
    anyhow::ensure!(
        !selected.is_empty(),
        "no pair of {} is discovered at false-discovery rate {}: {} not written",
        universe.join(" "),
        options.fdr,
        out.display()
    );

    let pairs: Vec<PairParams> = selected.iter().map(|p| pair_params(p, bar_secs)).collect();
    let derived = replace_pairs(
        &text,
        &pairs_toml(&selected, &pairs, &history, &options, bar_secs)?,
    );
    // The output must load, and differ from the input in its pairs only.
    let out_name = out.display().to_string();
    let reloaded = EngineParams::from_toml(&out_name, &derived)
        .with_context(|| format!("the derived parameters of {file} do not load"))?;
    let mut expected = engine;
    expected.pairs = pairs;
    anyhow::ensure!(
        reloaded == expected,
        "cannot rewrite the pairs of {file}: give them as [[pairs]] tables, not an inline array"
    );
    std::fs::write(out, derived).with_context(|| format!("cannot write {out_name}"))?;
    println!("wrote {out_name} ({} pairs)", expected.pairs.len());
    Ok(())
}

/// The parameters of a selected pair: its legs in the regression's order, the half-life
/// converted from bars to seconds, and its leader: the leg with the smaller share of the spread's
/// error correction over the bars ([`hft::pairs::ErrorCorrection`]).
fn pair_params(p: &PairStats, bar_secs: f64) -> PairParams {
    let leader = p.error_correction.map(|ec| {
        if ec.a_leads(p.hedge_ratio) {
            PairLeg::A
        } else {
            PairLeg::B
        }
    });
    PairParams {
        a: p.a.clone(),
        b: p.b.clone(),
        hedge_ratio: Some(p.hedge_ratio),
        intercept: Some(p.intercept),
        spread_mean: Some(p.spread_mean),
        spread_std: Some(p.spread_std),
        half_life_secs: p.half_life.map(|bars| bars * bar_secs),
        execution: None,
        leader,
    }
}

/// `[[pairs]]` tables for the selected pairs, each under a comment with its test statistics.
fn pairs_toml(
    selected: &[PairStats],
    pairs: &[PairParams],
    history: &History,
    options: &RankOptions,
    bar_secs: f64,
) -> anyhow::Result<String> {
    #[derive(serde::Serialize)]
    struct Tables<'a> {
        pairs: &'a [PairParams],
    }
    let mut text = String::new();
    let _ = writeln!(
        text,
        "# Selected by `hft bootstrap` from {} ({} bars of {bar_secs} s): Engle-Granger both \
         ways ({}), MacKinnon p-values, Benjamini-Hochberg at false-discovery rate {}.",
        history.symbols.join(" "),
        history.times.len(),
        lags_label(options.lags),
        options.fdr
    );
    for (i, (stats, pair)) in selected.iter().zip(pairs).enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let _ = writeln!(
            text,
            "# {}/{}: ADF {:.3} ({} lags, p {:.3e}), reverse ADF {}, pair p {:.3e}, q {}, \
             return correlation {:.4}, {}'s share of the spread's error correction {}",
            stats.a,
            stats.b,
            stats.adf_stat,
            stats.adf_lags,
            stats.p_value,
            stats
                .reverse_adf_stat
                .map_or_else(|| "-".to_string(), |v| format!("{v:.3}")),
            stats.pair_p_value,
            stats
                .q_value
                .map_or_else(|| "-".to_string(), |v| format!("{v:.3e}")),
            stats.correlation,
            stats.a,
            stats
                .error_correction
                .and_then(|ec| ec.share_a(stats.hedge_ratio))
                .map_or_else(|| "-".to_string(), |v| format!("{v:.3}"))
        );
        text.push_str(
            &toml::to_string(&Tables {
                pairs: std::slice::from_ref(pair),
            })
            .context("cannot serialize the selected pairs")?,
        );
    }
    Ok(text)
}

/// Whether a line opens a table (`[x]`) or an array of tables (`[[x]]`).
fn is_header(line: &str) -> bool {
    line.trim_start().starts_with('[')
}

/// Whether a line is the header `[[pairs]]` (spaces and quoted keys allowed, comment after it).
fn is_pairs_header(line: &str) -> bool {
    line.trim_start()
        .strip_prefix("[[")
        .and_then(|rest| rest.split_once("]]"))
        .is_some_and(|(key, after)| {
            let after = after.trim();
            matches!(key.trim(), "pairs" | "\"pairs\"" | "'pairs'")
                && (after.is_empty() || after.starts_with('#'))
        })
}

/// `text` with every `[[pairs]]` table removed and `pairs` put where the first one was (at the end
/// when there was none). Everything else, comments included, is kept; comment and blank lines at
/// the end of a removed table are kept too, as they usually introduce the next table.
fn replace_pairs(text: &str, pairs: &str) -> String {
    let mut out = String::with_capacity(text.len() + pairs.len());
    let mut insert_at = None;
    let mut in_pairs = false;
    // Comment and blank lines seen since the last key of the current pairs table.
    let mut trailing = String::new();
    for line in text.split_inclusive('\n') {
        if is_header(line) {
            let pairs_header = is_pairs_header(line);
            if in_pairs && !(pairs_header && trailing.trim().is_empty()) {
                out.push_str(&trailing);
            }
            trailing.clear();
            in_pairs = pairs_header;
            if pairs_header {
                insert_at.get_or_insert(out.len());
            } else {
                out.push_str(line);
            }
        } else if in_pairs {
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') {
                trailing.push_str(line);
            } else {
                trailing.clear();
            }
        } else {
            out.push_str(line);
        }
    }
    out.push_str(&trailing);
    match insert_at {
        Some(at) => out.insert_str(at, pairs),
        None => {
            if !out.is_empty() && !out.ends_with('\n') {
                out.push('\n');
            }
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            out.push_str(pairs);
        }
    }
    out
}

/// The selected pairs as a table.
fn selection_table(
    selected: &[PairStats],
    possible: usize,
    options: &RankOptions,
    bar_secs: f64,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} of {possible} pairs selected (Engle-Granger both ways, {}, MacKinnon p-values, \
         Benjamini-Hochberg at false-discovery rate {})",
        selected.len(),
        lags_label(options.lags),
        options.fdr
    );
    if selected.is_empty() {
        return s;
    }
    let width = selected
        .iter()
        .map(|p| p.a.len().max(p.b.len()))
        .max()
        .unwrap_or(0)
        .max(4);
    let _ = writeln!(
        s,
        "{:>4}  {:<width$}  {:<width$}  {:>7}  {:>10}  {:>11}  {:>8}  {:>9}  {:>9}  {:>9}  {:>11}",
        "rank",
        "a",
        "b",
        "corr",
        "hedge",
        "intercept",
        "adf",
        "pair_p",
        "q",
        "spread_sd",
        "half_life_s"
    );
    for (i, p) in selected.iter().enumerate() {
        let half_life = p
            .half_life
            .map_or_else(|| "-".to_string(), |h| format!("{:.0}", h * bar_secs));
        let _ = writeln!(
            s,
            "{:>4}  {:<width$}  {:<width$}  {:>7.4}  {:>10.4}  {:>11.4}  {:>8.3}  {:>9.2e}  {:>9.2e}  \
             {:>9.4}  {:>11}",
            i + 1,
            p.a,
            p.b,
            p.correlation,
            p.hedge_ratio,
            p.intercept,
            p.adf_stat,
            p.pair_p_value,
            p.q_value.unwrap_or(p.pair_p_value),
            p.spread_std,
            half_life,
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairs::ErrorCorrection;

    const NEW: &str = "[[pairs]]\na = \"X\"\nb = \"Y\"\n";

    #[test]
    fn pairs_headers_are_recognized() {
        for yes in [
            "[[pairs]]\n",
            "  [[ pairs ]]  # note\n",
            "[[\"pairs\"]]",
            "[['pairs']]\r\n",
        ] {
            assert!(is_pairs_header(yes), "{yes:?}");
        }
        for no in [
            "[pairs]\n",
            "[[pairsx]]\n",
            "[engine]\n",
            "[[pairs]] x\n",
            "a = 1\n",
        ] {
            assert!(!is_pairs_header(no), "{no:?}");
        }
    }

    #[test]
    fn the_embedded_defaults_keep_everything_but_their_pairs() {
        let out = replace_pairs(DEFAULT_PARAMS, NEW);
        assert!(!out.contains("\"SPY\"") && !out.contains("\"PEP\""));
        assert_eq!(out.lines().filter(|l| *l == "[[pairs]]").count(), 1);
        // Every comment and every other line survives.
        for line in DEFAULT_PARAMS.lines() {
            let t = line.trim();
            if !(t == "[[pairs]]" || t.starts_with("a = ") || t.starts_with("b = ")) {
                assert!(out.contains(line), "lost {line:?}");
            }
        }
        let p = EngineParams::from_toml("out.toml", &out).unwrap();
        let mut expected = EngineParams::embedded();
        expected.pairs = vec![PairParams {
            a: "X".into(),
            b: "Y".into(),
            hedge_ratio: None,
            intercept: None,
            spread_mean: None,
            spread_std: None,
            half_life_secs: None,
            execution: None,
            leader: None,
        }];
        assert_eq!(p, expected);
        // The new pairs sit where the old ones were, before [engine].
        let (pairs, engine) = (out.find("\n[[pairs]]\n"), out.find("\n[engine]\n"));
        assert!(pairs.unwrap() < engine.unwrap());
    }

    #[test]
    fn comments_before_the_next_table_are_kept_and_pairs_go_at_the_end_when_absent() {
        let text = "[strategy]\nkind = \"zscore\"\n\n[[pairs]] # old\na = \"A\"\n# inside\nb = \"B\"\n\n\
                    # about risk\n[risk]\nmax_orders = 10\n[[pairs]]\na = \"C\"\nb = \"D\"\n";
        let out = replace_pairs(text, NEW);
        assert_eq!(
            out,
            "[strategy]\nkind = \"zscore\"\n\n[[pairs]]\na = \"X\"\nb = \"Y\"\n\n\
             # about risk\n[risk]\nmax_orders = 10\n"
        );
        let none = replace_pairs("[strategy]\nkind = \"seed\"", NEW);
        assert_eq!(none, format!("[strategy]\nkind = \"seed\"\n\n{NEW}"));
    }

    #[test]
    fn selected_pairs_serialize_with_their_statistics() {
        // IVV (leg A) closes each gap to SPY within a bar; SPY wanders on its own (draws from
        // a 64-bit LCG).
        let mut x = 3u64;
        let mut noise = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let spy: Vec<f64> = (0..300)
            .scan(450.0, |p, _| {
                *p += 0.1 * noise();
                Some(*p)
            })
            .collect();
        let ivv: Vec<f64> = spy
            .iter()
            .map(|s| 0.25 + 1.0033 * s + 0.3 * noise())
            .collect();
        let stats = PairStats {
            a: "IVV".into(),
            b: "SPY".into(),
            correlation: 0.9,
            hedge_ratio: 1.0033,
            intercept: 0.25,
            adf_stat: -20.0,
            adf_lags: 1,
            p_value: 0.0,
            reverse_adf_stat: Some(-19.0),
            reverse_adf_lags: Some(0),
            reverse_p_value: Some(1e-30),
            pair_p_value: 1e-30,
            q_value: Some(1e-29),
            spread_mean: 0.25,
            spread_std: 0.04,
            half_life: Some(2.5),
            error_correction: ErrorCorrection::of(&ivv, &spy, 1.0033, 0.25),
            passes: true,
            discovered: true,
        };
        let history = History {
            symbols: vec!["SPY".into(), "IVV".into()],
            times: (0..300).map(|k| 60 * k).collect(),
            closes: vec![spy, ivv],
        };
        let pair = pair_params(&stats, 60.0);
        assert_eq!(pair.half_life_secs, Some(150.0));
        assert_eq!(pair.leader, Some(PairLeg::B), "SPY leads");
        let text = pairs_toml(
            &[stats],
            std::slice::from_ref(&pair),
            &history,
            &RankOptions::default(),
            60.0,
        )
        .unwrap();
        let p =
            EngineParams::from_toml("t.toml", &format!("[strategy]\nkind = \"zscore\"\n{text}"))
                .unwrap();
        assert_eq!(p.pairs, [pair]);
    }
}
