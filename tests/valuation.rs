//! Valuation alphas: the point-in-time fundamentals file never lends a value before its date
//! (look-ahead), the value scores, and the valuation filter of `hft pairs`.

use hft::pairs::valuation::{Fundamentals, ValuationFilter, day_number, value_scores};
use hft::pairs::{Significance, rank_pairs};
use hft::sim::Rng;
use std::process::Command;

const ETF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/etf23_daily.csv");

/// A fundamentals file of quarterly rows for `symbols`, with values that drift, and missing
/// cells now and then.
fn fundamentals_text(symbols: &[&str], seed: u64) -> String {
    let mut rng = Rng::new(seed, 0);
    let mut text = String::from("date,symbol,pe,pb,dividend_yield\n");
    for year in 2008..2016 {
        for month in ["01-31", "04-30", "07-31", "10-31"] {
            for s in symbols {
                let pe = 8.0 + 20.0 * rng.uniform();
                let pb = 0.5 + 4.0 * rng.uniform();
                let pe = if rng.uniform() < 0.1 {
                    String::new()
                } else {
                    format!("{pe:.2}")
                };
                text.push_str(&format!(
                    "{year}-{month},{s},{pe},{pb:.3},{:.2}\n",
                    rng.uniform()
                ));
            }
        }
    }
    text
}

/// The rows dated on or before `date` only.
fn known_on(text: &str, date: &str) -> String {
    let mut lines = text.lines();
    let mut out = format!("{}\n", lines.next().unwrap());
    for l in lines {
        if &l[..10] <= date {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[test]
fn no_value_is_used_before_its_date() {
    let symbols = ["SPY", "DIA", "EWG", "EWQ", "XLB"];
    let text = fundamentals_text(&symbols, 3);
    let full = Fundamentals::parse("full.csv", text.as_bytes()).unwrap();
    // Every day of 2010-2011 (and the days around the rows' dates): the scores from the whole
    // file equal the scores from the rows known on that day.
    for day in day_number("2010-01-01").unwrap()..day_number("2012-01-01").unwrap() {
        let date = date_of(day);
        let past = Fundamentals::parse("past.csv", known_on(&text, &date).as_bytes()).unwrap();
        assert_eq!(
            value_scores(&full, &date, &symbols),
            value_scores(&past, &date, &symbols),
            "{date}"
        );
        for s in symbols {
            for c in ["pe", "pb", "dividend_yield"] {
                assert_eq!(
                    full.value_at(s, c, &date),
                    past.value_at(s, c, &date),
                    "{date} {s} {c}"
                );
            }
        }
    }
    // The day before the first row nothing is known; on its day it is.
    assert!(
        value_scores(&full, "2008-01-30", &symbols)
            .iter()
            .all(Option::is_none)
    );
    assert!(
        value_scores(&full, "2008-01-31", &symbols)
            .iter()
            .any(Option::is_some)
    );
}

/// `YYYY-MM-DD` of a day number (the inverse of `day_number`, by search: test code).
fn date_of(day: i64) -> String {
    for y in 1990..2100 {
        for m in 1..=12 {
            for d in 1..=31 {
                let s = format!("{y:04}-{m:02}-{d:02}");
                if day_number(&s) == Some(day) {
                    return s;
                }
            }
        }
    }
    unreachable!()
}

#[test]
fn the_filter_ranks_by_similarity_and_ignores_future_values() {
    // Today X and Y look alike and Z differs; a row dated tomorrow would make X and Z alike.
    let text = "date,symbol,pe,pb\n\
                2015-01-30,X,10,1.0\n2015-01-30,Y,11,1.1\n2015-01-30,Z,30,4.0\n\
                2015-02-03,Z,10,1.0\n";
    let f = Fundamentals::parse("f.csv", text.as_bytes()).unwrap();
    let names: Vec<String> = ["X", "Y", "Z"].map(String::from).to_vec();
    let mut rng = Rng::new(9, 0);
    let base: Vec<f64> = (0..400)
        .scan(50.0, |p, _| {
            *p += rng.normal();
            Some(*p)
        })
        .collect();
    let columns: Vec<Vec<f64>> = (0..3)
        .map(|_| base.iter().map(|b| b + 0.3 * rng.normal()).collect())
        .collect();
    let ranked = rank_pairs(&names, &columns, Significance::P5, usize::MAX);
    let filter = |date: &str, max: Option<f64>| ValuationFilter {
        fundamentals: f.clone(),
        day: day_number(date).unwrap(),
        max_distance: max,
        rank: true,
    };
    let pair_of = |p: &hft::pairs::valuation::ValuedPair| {
        let mut v = [p.stats.a.clone(), p.stats.b.clone()];
        v.sort();
        v.join("-")
    };
    let today = filter("2015-02-02", None).apply(&names, ranked.clone());
    assert_eq!(pair_of(&today[0]), "X-Y");
    let kept = filter("2015-02-02", Some(0.5)).apply(&names, ranked.clone());
    assert_eq!(kept.iter().map(pair_of).collect::<Vec<_>>(), ["X-Y"]);
    let later = filter("2015-02-03", None).apply(&names, ranked);
    assert_eq!(pair_of(&later[0]), "X-Z");
}

fn hft(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hft"))
        .args(args)
        .output()
        .expect("hft runs")
}

#[test]
fn hft_pairs_filters_by_valuation_and_names_a_bad_file() {
    let dir = std::env::temp_dir().join(format!("hft-valuation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fundamentals.csv");
    let symbols = ["EWG", "EWQ", "EWU", "VGK", "EFA", "SPY", "DIA"];
    std::fs::write(&file, fundamentals_text(&symbols, 5)).unwrap();
    let f = file.to_str().unwrap();
    let out = hft(&[
        "pairs",
        "--closes",
        ETF,
        "--json",
        "--fundamentals",
        f,
        "--as-of",
        "2016-06-30",
        "--max-value-distance",
        "1.0",
        "--rank-by-value",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pairs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pairs = pairs.as_array().unwrap();
    assert!(!pairs.is_empty());
    let mut last = (true, 0.0);
    for p in pairs {
        let d = p["value_distance"]
            .as_f64()
            .expect("a distance for every kept pair");
        assert!(d <= 1.0);
        for leg in ["a", "b"] {
            assert!(symbols.contains(&p[leg].as_str().unwrap()));
        }
        let passes = p["passes"].as_bool().unwrap();
        // Cointegrated pairs first, each group by distance.
        if passes == last.0 {
            assert!(d >= last.1);
        } else {
            assert!(last.0 && !passes);
        }
        last = (passes, d);
    }
    // Without --as-of, and with a malformed file: clear errors.
    let out = hft(&["pairs", "--closes", ETF, "--fundamentals", f]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as-of"));
    std::fs::write(&file, "date,symbol,pe\n2015-01-30,SPY,abc\n").unwrap();
    let out = hft(&[
        "pairs",
        "--closes",
        ETF,
        "--fundamentals",
        f,
        "--as-of",
        "2016-01-01",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("fundamentals.csv") && err.contains("line 2") && err.contains("`pe`"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
