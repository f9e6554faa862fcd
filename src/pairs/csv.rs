//! Reading a closes table: a CSV with a `Date` column, then one column of closes per symbol.

use std::io::BufRead;

/// Why a closes file could not be read. Every variant names the 1-based line it refers to
/// ([`CsvError::line`]).
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    /// Reading failed (or the line is not UTF-8).
    #[error("line {line}: {source}")]
    Io {
        line: usize,
        #[source]
        source: std::io::Error,
    },
    /// The input is empty: no header.
    #[error("line 1: empty file, expected a header `Date,SYMBOL,...`")]
    Empty,
    /// The header is not `Date` followed by at least one non-empty symbol name.
    #[error("line 1: bad header: {reason}")]
    Header { reason: &'static str },
    /// A symbol appears twice in the header.
    #[error("line 1: symbol `{symbol}` appears twice")]
    DuplicateSymbol { symbol: String },
    /// A row has the wrong number of fields.
    #[error("line {line}: expected {expected} comma-separated fields, found {found}")]
    FieldCount {
        line: usize,
        expected: usize,
        found: usize,
    },
    /// A row's `Date` field is empty.
    #[error("line {line}: empty date")]
    MissingDate { line: usize },
    /// A close is missing, not a number, or not finite.
    #[error("line {line}, column `{column}`: `{value}` is not a finite number")]
    Number {
        line: usize,
        column: String,
        value: String,
    },
}

impl CsvError {
    /// The 1-based line the error refers to.
    ///
    /// # Examples
    /// ```
    /// use hft::pairs::read_closes_csv;
    /// let err = read_closes_csv("Date,A\n2020-01-02,1.0\n2020-01-03,x\n".as_bytes()).unwrap_err();
    /// assert_eq!(err.line(), 3);
    /// ```
    pub fn line(&self) -> usize {
        match self {
            CsvError::Io { line, .. }
            | CsvError::FieldCount { line, .. }
            | CsvError::MissingDate { line }
            | CsvError::Number { line, .. } => *line,
            CsvError::Empty | CsvError::Header { .. } | CsvError::DuplicateSymbol { .. } => 1,
        }
    }
}

/// Reads a closes table: a header `Date,SYM1,SYM2,...`, then one row per date with a close for
/// every symbol. Returns the symbol names and one column of closes per symbol, in header order.
///
/// Fields are trimmed, a UTF-8 byte-order mark and `\r\n` line ends are accepted, and blank lines
/// are skipped. Dates are not parsed (any non-empty text): rows are taken to be aligned and in
/// time order, as the statistics downstream assume.
///
/// # Errors
/// A [`CsvError`] naming the line: an empty input, a header that does not start with `Date` or
/// names no symbol (or one twice), a row with the wrong number of fields, an empty date, or a
/// close that is not a finite number (including an empty field).
///
/// # Examples
/// ```
/// use hft::pairs::read_closes_csv;
/// let csv = "Date,SPY,DIA\n2016-06-30,209.48,178.08\n2016-07-01,209.92,178.48\n";
/// let (names, columns) = read_closes_csv(csv.as_bytes()).unwrap();
/// assert_eq!(names, ["SPY", "DIA"]);
/// assert_eq!(columns[1], [178.08, 178.48]);
///
/// let err = read_closes_csv("Date,SPY\n2016-06-30,209.48,1\n".as_bytes()).unwrap_err();
/// assert_eq!(err.to_string(), "line 2: expected 2 comma-separated fields, found 3");
/// ```
pub fn read_closes_csv<R: BufRead>(reader: R) -> Result<(Vec<String>, Vec<Vec<f64>>), CsvError> {
    let mut lines = reader.lines();
    let header = match lines.next() {
        None => return Err(CsvError::Empty),
        Some(Err(source)) => return Err(CsvError::Io { line: 1, source }),
        Some(Ok(h)) => h,
    };
    let header = header.strip_prefix('\u{feff}').unwrap_or(&header);
    if header.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let mut fields = header.split(',').map(str::trim);
    if fields.next() != Some("Date") {
        return Err(CsvError::Header {
            reason: "the first column must be `Date`",
        });
    }
    let names: Vec<String> = fields.map(str::to_string).collect();
    if names.is_empty() {
        return Err(CsvError::Header {
            reason: "no symbol columns after `Date`",
        });
    }
    if names.iter().any(String::is_empty) {
        return Err(CsvError::Header {
            reason: "empty symbol name",
        });
    }
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(CsvError::DuplicateSymbol {
                symbol: name.clone(),
            });
        }
    }

    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    for (index, line) in lines.enumerate() {
        let line_number = index + 2;
        let line = line.map_err(|source| CsvError::Io {
            line: line_number,
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let found = line.split(',').count();
        if found != names.len() + 1 {
            return Err(CsvError::FieldCount {
                line: line_number,
                expected: names.len() + 1,
                found,
            });
        }
        let mut fields = line.split(',').map(str::trim);
        if fields.next().is_none_or(str::is_empty) {
            return Err(CsvError::MissingDate { line: line_number });
        }
        for ((field, column), name) in fields.zip(&mut columns).zip(&names) {
            match field.parse::<f64>() {
                Ok(close) if close.is_finite() => column.push(close),
                _ => {
                    return Err(CsvError::Number {
                        line: line_number,
                        column: name.clone(),
                        value: field.to_string(),
                    });
                }
            }
        }
    }
    Ok((names, columns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(Vec<String>, Vec<Vec<f64>>), CsvError> {
        read_closes_csv(text.as_bytes())
    }

    #[test]
    fn reads_columns_in_header_order() {
        let (names, columns) =
            read("\u{feff}Date, A ,B\r\n2020-01-01,1,2\r\n\r\n2020-01-02, 3 ,4.5\r\n").unwrap();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(columns, [vec![1.0, 3.0], vec![2.0, 4.5]]);
        let (names, columns) = read("Date,A\n").unwrap();
        assert_eq!((names.len(), columns[0].len()), (1, 0));
    }

    #[test]
    fn every_malformed_input_names_its_line() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 1, "line 1: empty file"),
            ("\n", 1, "line 1: empty file"),
            (
                "Day,A\n",
                1,
                "line 1: bad header: the first column must be `Date`",
            ),
            ("Date\n", 1, "line 1: bad header: no symbol columns"),
            ("Date,A,,B\n", 1, "line 1: bad header: empty symbol name"),
            ("Date,A,B,A\n", 1, "line 1: symbol `A` appears twice"),
            (
                "Date,A\n1,2\n3\n",
                3,
                "line 3: expected 2 comma-separated fields, found 1",
            ),
            ("Date,A\n1,2\n\n ,3\n", 4, "line 4: empty date"),
            (
                "Date,A,B\nd,1,\n",
                2,
                "line 2, column `B`: `` is not a finite number",
            ),
            (
                "Date,A,B\nd,1,2\nd,NaN,2\n",
                3,
                "line 3, column `A`: `NaN` is not",
            ),
            ("Date,A\nd,inf\n", 2, "line 2, column `A`: `inf` is not"),
        ];
        for (text, line, message) in cases {
            let err = read(text).unwrap_err();
            assert_eq!(err.line(), *line, "{text:?}");
            assert!(err.to_string().starts_with(message), "{text:?}: {err}");
        }
    }

    #[test]
    fn invalid_utf8_is_an_error_with_its_line() {
        let bytes = b"Date,A\nd,1\nd,\xff\n";
        let err = read_closes_csv(&bytes[..]).unwrap_err();
        assert!(matches!(err, CsvError::Io { line: 3, .. }), "{err}");
    }
}
