//! `latency/<name>.hgrm`: one histogram's percentile distribution as HdrHistogram writes it
//! (Java's `outputPercentileDistribution`, values in microseconds), which HdrHistogram's plotters
//! and `hft report` read. The writer and the parser live here together, so the two cannot drift.

use crate::latency::{Named, SIGNIFICANT_DIGITS};
use crate::rundir::ParseError;
use anyhow::Context;
use hdrhistogram::Histogram;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Writes every histogram as `run_dir/latency/<name>.hgrm`, creating `latency/`.
///
/// # Errors
/// The directory cannot be created or a file cannot be written.
pub fn write_latency(run_dir: &Path, histograms: &[Named]) -> anyhow::Result<()> {
    let latency_dir = run_dir.join("latency");
    std::fs::create_dir_all(&latency_dir)
        .with_context(|| format!("cannot create {}", latency_dir.display()))?;
    for h in histograms {
        std::fs::write(
            latency_dir.join(format!("{}.hgrm", h.name)),
            percentile_distribution(&h.histogram),
        )?;
    }
    Ok(())
}

/// One `.hgrm` file of a run directory.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyFile {
    /// The histogram's name: the file name without `.hgrm`, e.g. `normalize.service`.
    pub name: String,
    /// Its percentile distribution.
    pub points: Vec<HgrmPoint>,
}

/// Reads every `run_dir/latency/*.hgrm`, in file-name order; `None` when there is no `latency/`.
///
/// # Errors
/// A file that cannot be read, or a malformed one (named, with the line).
pub fn read_latency(run_dir: &Path) -> anyhow::Result<Option<Vec<LatencyFile>>> {
    let Ok(list) = std::fs::read_dir(run_dir.join("latency")) else {
        return Ok(None);
    };
    let mut files: Vec<PathBuf> = list
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "hgrm"))
        .collect();
    files.sort();
    let mut out = Vec::with_capacity(files.len());
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_string();
        let points = read_hgrm(&path)?;
        out.push(LatencyFile { name, points });
    }
    Ok(Some(out))
}

/// Reads and parses one `.hgrm` file.
///
/// # Errors
/// `cannot read PATH`, or `PATH: line N: ...` for a malformed line.
pub fn read_hgrm(path: &Path) -> anyhow::Result<Vec<HgrmPoint>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_hgrm(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// HdrHistogram's percentile-distribution text, values in microseconds (as
/// `outputPercentileDistribution(out, 1000.0)` writes it), 5 ticks per half distance.
///
/// # Examples
/// ```
/// let mut h = hft::latency::histogram();
/// hft::latency::record(&mut h, 2_000);
/// let text = hft::rundir::percentile_distribution(&h);
/// assert!(text.starts_with("       Value     Percentile"));
/// assert!(text.contains("#[Max     =        2.000, Total count    =            1]"));
/// ```
pub fn percentile_distribution(h: &Histogram<u64>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>12} {:>14} {:>10} {:>14}\n",
        "Value", "Percentile", "TotalCount", "1/(1-Percentile)"
    );
    let scale = 1000.0;
    if !h.is_empty() {
        let mut total = 0u64;
        for v in h.iter_quantiles(5) {
            total += v.count_since_last_iteration();
            let q = v.quantile_iterated_to();
            let value = h.highest_equivalent(v.value_iterated_to()) as f64 / scale;
            if q < 1.0 {
                let _ = writeln!(
                    out,
                    "{value:>12.3} {q:>2.12} {total:>10} {:>14.2}",
                    1.0 / (1.0 - q)
                );
            } else {
                let _ = writeln!(out, "{value:>12.3} {q:>2.12} {total:>10}");
            }
        }
    }
    let _ = writeln!(
        out,
        "#[Mean    = {:>12.3}, StdDeviation   = {:>12.3}]",
        h.mean() / scale,
        h.stdev() / scale
    );
    let _ = writeln!(
        out,
        "#[Max     = {:>12.3}, Total count    = {:>12}]",
        h.max() as f64 / scale,
        h.len()
    );
    // Sub-buckets per bucket: the power of two covering 2 x 10^digits (2048 for 3 digits).
    let sub_buckets = (2 * 10u64.pow(SIGNIFICANT_DIGITS as u32)).next_power_of_two();
    let _ = writeln!(
        out,
        "#[Buckets = {:>12}, SubBuckets     = {:>12}]",
        h.buckets(),
        sub_buckets
    );
    out
}

/// One line of a `.hgrm` percentile distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HgrmPoint {
    /// Value at the percentile, in the file's unit (microseconds for the engine's files).
    pub value: f64,
    /// Percentile as a fraction in [0, 1].
    pub percentile: f64,
    /// Samples at or below `value`.
    pub total_count: u64,
}

/// Parses HdrHistogram's percentile-distribution text ([`percentile_distribution`], Java's
/// `outputPercentileDistribution`): the `Value Percentile TotalCount 1/(1-Percentile)`
/// header, data lines of three or four numbers (the last line has no `1/(1-p)`), and `#[...]`
/// trailer lines.
///
/// # Errors
/// The first line that is none of these, or a percentile or count that goes backwards.
///
/// # Examples
/// ```
/// let mut h = hft::latency::histogram();
/// for ns in [1_000, 2_000, 3_000, 40_000] {
///     hft::latency::record(&mut h, ns);
/// }
/// let text = hft::rundir::percentile_distribution(&h);
/// let points = hft::rundir::parse_hgrm(&text).unwrap();
/// let last = points.last().unwrap();
/// assert_eq!((last.percentile, last.total_count), (1.0, 4));
/// assert!((last.value - 40.0).abs() < 0.05); // microseconds
/// ```
pub fn parse_hgrm(text: &str) -> Result<Vec<HgrmPoint>, ParseError> {
    let mut out: Vec<HgrmPoint> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("Value") {
            continue;
        }
        let fields: Vec<&str> = t.split_whitespace().collect();
        if !(3..=4).contains(&fields.len()) {
            return Err(ParseError::new(
                line,
                format!(
                    "expected `value percentile total_count [1/(1-percentile)]`, found {} fields",
                    fields.len()
                ),
            ));
        }
        let number = |k: usize, what: &str| -> Result<f64, ParseError> {
            fields[k]
                .parse::<f64>()
                .ok()
                .filter(|x| x.is_finite() && *x >= 0.0)
                .ok_or_else(|| {
                    ParseError::new(line, format!("{what} is not a number: `{}`", fields[k]))
                })
        };
        let value = number(0, "value")?;
        let percentile = number(1, "percentile")?;
        if percentile > 1.0 {
            return Err(ParseError::new(
                line,
                format!("percentile {percentile} is above 1"),
            ));
        }
        let total_count: u64 = fields[2].parse().map_err(|_| {
            ParseError::new(
                line,
                format!("total count is not an integer: `{}`", fields[2]),
            )
        })?;
        if let Some(prev) = out.last()
            && (percentile < prev.percentile || total_count < prev.total_count)
        {
            return Err(ParseError::new(
                line,
                "percentile or total count goes backwards",
            ));
        }
        out.push(HgrmPoint {
            value,
            percentile,
            total_count,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hgrm_parser_reads_what_latency_writes() {
        let mut h = crate::latency::histogram();
        for k in 1..=10_000u64 {
            crate::latency::record(&mut h, 500 + (k * 7919) % 100_000);
        }
        let text = percentile_distribution(&h);
        let points = parse_hgrm(&text).unwrap();
        let data_lines = text
            .lines()
            .filter(|l| l.trim().starts_with(|c: char| c.is_ascii_digit()))
            .count();
        assert_eq!(points.len(), data_lines);
        assert!(points.len() > 20);
        let last = points.last().unwrap();
        assert_eq!(last.percentile, 1.0);
        assert_eq!(last.total_count, 10_000);
        assert!((last.value - h.max() as f64 / 1000.0).abs() < 0.01);
        // Each point agrees with the histogram at its percentile (values in microseconds).
        for p in &points {
            let expected = h.highest_equivalent(h.value_at_quantile(p.percentile)) as f64 / 1000.0;
            assert!(
                (p.value - expected).abs() <= expected * 0.002 + 0.001,
                "{p:?} against {expected}"
            );
        }
        // An empty histogram: header and trailer only.
        let empty = percentile_distribution(&crate::latency::histogram());
        assert!(parse_hgrm(&empty).unwrap().is_empty());
    }

    #[test]
    fn hgrm_parser_reads_java_output_and_names_bad_lines() {
        let java = "       Value     Percentile TotalCount 1/(1-Percentile)\n\n\
                    \x20     0.100 0.000000000000          1           1.00\n\
                    \x20     2.500 0.900000000000          9          10.00\n\
                    \x20     9.000 1.000000000000         10\n\
                    #[Mean    =        1.000, StdDeviation   =        2.000]\n";
        let points = parse_hgrm(java).unwrap();
        assert_eq!(points.len(), 3);
        assert_eq!(points[1].value, 2.5);
        for (bad, line) in [
            (java.replace("2.500", "2.5x0"), 4),
            (java.replace(" 9 ", " 0 "), 4),
            (java.replace("0.900000000000", "1.9"), 4),
            (format!("{java}garbage\n"), 7),
        ] {
            assert_eq!(parse_hgrm(&bad).unwrap_err().line, line, "{bad}");
        }
    }
}
