//! Reading a journal back after a crash.

use super::{ComboLeg, ExecId};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;

/// Why a journal could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// A complete line that is not a valid record; `line` is 1-based.
    #[error("{path}:{line}: {msg}")]
    Malformed {
        path: String,
        line: usize,
        msg: String,
    },
}

/// The state a journal describes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recovered {
    /// Every order (`O` line) with a known symbol, in file order, with what the `D` and `X`
    /// lines after it say.
    pub orders: Vec<RecoveredOrder>,
    /// Every execution (`E` line) with a known symbol, first occurrence of each `exec_id` only,
    /// in file order, with its commissions (`C` lines) summed.
    pub executions: Vec<RecoveredExecution>,
    /// `E` lines repeating an `exec_id` already seen (skipped).
    pub duplicate_executions: u64,
    /// Largest order id on any record, 0 if none (the next session must start above it).
    pub max_order_id: i32,
    /// `O` and `E` lines naming a symbol not in the symbol list (skipped).
    pub unknown_symbols: u64,
    /// `D` and `X` lines naming an order with no (kept) `O` line before them (skipped).
    pub unmatched_updates: u64,
    /// The file ended in a line without `\n` (a crash mid-write), which was ignored.
    pub truncated_tail: bool,
    /// Internal crosses between baskets (`N` lines) with a known symbol, in file order.
    pub crosses: Vec<RecoveredCross>,
    /// Parts of executions that went to a basket other than the order's (`A` lines naming a
    /// kept execution), in file order.
    pub allocations: Vec<RecoveredAllocation>,
    /// The owners of shared ticket legs (`S` lines), in file order.
    pub shares: Vec<RecoveredShare>,
}

/// An internal cross: basket `pair`'s book took `qty` signed shares at `price`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecoveredCross {
    pub t_ns: u64,
    pub instrument: u16,
    pub pair: u16,
    pub qty: f64,
    pub price: f64,
    /// How many of [`Recovered::executions`] came before it in the file (books are rebuilt
    /// in file order: average cost depends on it).
    pub after_executions: usize,
}

/// `qty` signed shares of execution `execution` (an index into [`Recovered::executions`])
/// went to basket `pair`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecoveredAllocation {
    pub execution: usize,
    pub pair: u16,
    pub qty: f64,
}

/// An order the engine sent.
/// An `S` line: basket `pair` owns `residual` shares of ticket `ticket`'s leg `leg`, an order
/// of `instrument` shared by several baskets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecoveredShare {
    /// The ticket (as its orders' `O` lines give it).
    pub ticket: u32,
    /// The ticket's leg.
    pub leg: u8,
    /// The instrument the leg trades.
    pub instrument: u16,
    /// The owning basket's slot.
    pub pair: u16,
    /// The shares it wants from the market.
    pub residual: u32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecoveredOrder {
    pub order_id: i32,
    pub instrument: u16,
    /// Pair index, `u16::MAX` for none.
    pub pair: u16,
    pub buy: bool,
    pub qty: u32,
    pub ticket: u32,
    pub leg: u8,
    pub seq: u64,
    /// A combo leg: its BAG and ratio (`None`: a plain order).
    pub combo: Option<ComboLeg>,
    /// When it was sent (Unix epoch ns).
    pub t_ns: u64,
    /// It reached a terminal state (`D` line).
    pub done: bool,
    /// A cancel was sent for it (`X` line); whether it took effect is `done` and `filled`.
    pub cancelled: bool,
    /// Shares filled: from its `D` line once done; while not done, the shares of the
    /// executions journaled for it (a working order may have filled in part before the crash).
    pub filled: f64,
}

/// An execution the engine received.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecoveredExecution {
    pub t_ns: u64,
    pub order_id: i32,
    pub exec_id: ExecId,
    pub instrument: u16,
    /// Pair index, `u16::MAX` for none.
    pub pair: u16,
    /// Signed shares: positive bought, negative sold.
    pub qty: f64,
    pub price: f64,
    /// Sum of the commissions reported for this execution anywhere in the file.
    pub commission: f64,
}

impl Recovered {
    /// Net signed position per instrument (`n` of them) from the executions; executions of
    /// instruments `>= n` are left out.
    ///
    /// # Examples
    /// ```
    /// use hft::journal::{Recovered, RecoveredExecution};
    /// use hft::types::ExecId;
    ///
    /// let fill = |instrument, qty| RecoveredExecution {
    ///     t_ns: 0,
    ///     order_id: 1,
    ///     exec_id: ExecId::new(),
    ///     instrument,
    ///     pair: 0,
    ///     qty,
    ///     price: 10.0,
    ///     commission: 0.0,
    /// };
    /// let recovered = Recovered {
    ///     executions: vec![fill(0, 100.0), fill(1, -50.0), fill(0, -30.0)],
    ///     ..Recovered::default()
    /// };
    /// assert_eq!(recovered.positions(2), vec![70.0, -50.0]);
    /// ```
    pub fn positions(&self, n: usize) -> Vec<f64> {
        let mut positions = vec![0.0; n];
        for e in &self.executions {
            if let Some(p) = positions.get_mut(usize::from(e.instrument)) {
                *p += e.qty;
            }
        }
        positions
    }

    /// Orders not known to be done: still working at the broker, or whose end the crash hid.
    pub fn open_orders(&self) -> impl Iterator<Item = &RecoveredOrder> {
        self.orders.iter().filter(|o| !o.done)
    }
}

/// Reads the journal at `path`, mapping symbol names to their index in `symbols`.
///
/// Lines starting with `#` and empty lines are skipped. A last line without `\n` is what a crash
/// mid-write leaves: it is ignored and [`Recovered::truncated_tail`] set. Records naming a symbol
/// not in `symbols` are skipped and counted.
///
/// # Errors
/// [`JournalError::Io`] when the file cannot be read; [`JournalError::Malformed`], naming the
/// file and 1-based line, for any other line that is not a valid record (or a version line
/// other than `# hft journal v1`).
///
/// # Examples
/// ```
/// use hft::journal;
///
/// let dir = std::env::temp_dir().join(format!("hft-journal-doc-load-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join(journal::FILE);
/// std::fs::write(
///     &path,
///     "# hft journal v1\n\
///      O,1000,101,SPY,0,BUY,100,7,0,42\n\
///      E,2000,101,0000e0d5.6567cd7a.01.01,SPY,0,100,532.17\n\
///      C,0000e0d5.6567cd7a.01.01,1\n\
///      D,2000,101,100\n\
///      E,3000,102,0000e0d5.6567cd7b.01.01,SPY,0,-5", // cut off by a crash
/// )
/// .unwrap();
///
/// let recovered = journal::load(&path, &["SPY".to_string()]).unwrap();
/// assert!(recovered.orders[0].done && recovered.truncated_tail);
/// assert_eq!(recovered.executions[0].commission, 1.0);
/// assert_eq!((recovered.max_order_id, recovered.positions(1)), (101, vec![100.0]));
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn load(path: &Path, symbols: &[String]) -> Result<Recovered, JournalError> {
    let bytes = std::fs::read(path).map_err(|source| JournalError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&bytes, symbols).map_err(|(line, msg)| JournalError::Malformed {
        path: path.display().to_string(),
        line,
        msg,
    })
}

/// Parses a journal's bytes; on error, the 1-based line and what is wrong.
fn parse(bytes: &[u8], symbols: &[String]) -> Result<Recovered, (usize, String)> {
    let (complete, tail) = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(i) => bytes.split_at(i + 1),
        None => (&[][..], bytes),
    };
    let mut loader = Loader {
        index: symbols
            .iter()
            .take(usize::from(u16::MAX))
            .enumerate()
            .map(|(i, s)| (s.as_str(), i as u16))
            .collect(),
        order_at: HashMap::new(),
        seen: HashSet::new(),
        commissions: HashMap::new(),
        out: Recovered {
            truncated_tail: !tail.is_empty(),
            ..Recovered::default()
        },
    };
    // `complete` ends in '\n', so its last piece is the empty string after it.
    for (i, raw) in complete.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let text = std::str::from_utf8(raw).map_err(|_| (line, "not UTF-8".to_string()))?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        loader.line(text).map_err(|msg| (line, msg))?;
    }
    Ok(loader.finish())
}

struct Loader<'a> {
    /// Symbol name -> instrument index.
    index: HashMap<&'a str, u16>,
    /// Order id -> its latest `O` line in `out.orders`.
    order_at: HashMap<i32, usize>,
    /// Execution ids kept.
    seen: HashSet<ExecId>,
    /// Commission per execution id, summed over the file (a `C` line may precede its `E`).
    commissions: HashMap<ExecId, f64>,
    out: Recovered,
}

impl Loader<'_> {
    fn line(&mut self, text: &str) -> Result<(), String> {
        if text.is_empty() {
            return Ok(());
        }
        if let Some(comment) = text.strip_prefix('#') {
            return match comment.trim().strip_prefix("hft journal ") {
                Some("v1") | None => Ok(()),
                Some(version) => Err(format!("unsupported journal version {version:?}")),
            };
        }
        let mut f = Fields(text.split(','));
        match f.next("record kind")? {
            "O" => {
                let t_ns = f.parse("t_ns")?;
                let order_id = f.parse("order_id")?;
                let symbol = f.next("symbol")?;
                let pair = f.parse("pair")?;
                let buy = match f.next("side")? {
                    "BUY" => true,
                    "SELL" => false,
                    other => return Err(format!("bad side {other:?}")),
                };
                let qty = f.parse("qty")?;
                let ticket = f.parse("ticket")?;
                let leg = f.parse("leg")?;
                let seq = f.parse("seq")?;
                // A combo leg's BAG and ratio (absent for a plain order).
                let combo = match f.0.next() {
                    None => None,
                    Some(bag) => Some(ComboLeg {
                        bag_id: bag.parse().map_err(|_| format!("bad bag_id {bag:?}"))?,
                        ratio: f.parse("ratio")?,
                    }),
                };
                f.end()?;
                self.saw_order_id(order_id);
                let Some(instrument) = self.instrument(symbol) else {
                    return Ok(());
                };
                self.order_at.insert(order_id, self.out.orders.len());
                self.out.orders.push(RecoveredOrder {
                    order_id,
                    instrument,
                    pair,
                    buy,
                    qty,
                    ticket,
                    leg,
                    seq,
                    combo,
                    t_ns,
                    done: false,
                    cancelled: false,
                    filled: 0.0,
                });
            }
            "X" => {
                let _t_ns: u64 = f.parse("t_ns")?;
                let order_id = f.parse("order_id")?;
                f.end()?;
                self.saw_order_id(order_id);
                if let Some(order) = self.order_mut(order_id) {
                    order.cancelled = true;
                }
            }
            "D" => {
                let _t_ns: u64 = f.parse("t_ns")?;
                let order_id = f.parse("order_id")?;
                let filled = f.parse("filled")?;
                f.end()?;
                self.saw_order_id(order_id);
                if let Some(order) = self.order_mut(order_id) {
                    order.done = true;
                    order.filled = filled;
                }
            }
            "E" => {
                let t_ns = f.parse("t_ns")?;
                let order_id = f.parse("order_id")?;
                let exec_id = exec_id(f.next("exec_id")?)?;
                let symbol = f.next("symbol")?;
                let pair = f.parse("pair")?;
                let qty: f64 = f.parse("qty")?;
                let price = f.parse("price")?;
                f.end()?;
                self.saw_order_id(order_id);
                let Some(instrument) = self.instrument(symbol) else {
                    return Ok(());
                };
                if !self.seen.insert(exec_id) {
                    self.out.duplicate_executions += 1;
                    return Ok(());
                }
                // What a working order has filled is what its executions add up to.
                if let Some(&i) = self.order_at.get(&order_id) {
                    let o = &mut self.out.orders[i];
                    if !o.done {
                        o.filled += qty.abs();
                    }
                }
                self.out.executions.push(RecoveredExecution {
                    t_ns,
                    order_id,
                    exec_id,
                    instrument,
                    pair,
                    qty,
                    price,
                    commission: 0.0,
                });
            }
            "C" => {
                let exec_id = exec_id(f.next("exec_id")?)?;
                let commission: f64 = f.parse("commission")?;
                f.end()?;
                *self.commissions.entry(exec_id).or_insert(0.0) += commission;
            }
            "N" => {
                let t_ns = f.parse("t_ns")?;
                let symbol = f.next("symbol")?;
                let pair = f.parse("pair")?;
                let qty = f.parse("qty")?;
                let price = f.parse("price")?;
                f.end()?;
                let Some(instrument) = self.instrument(symbol) else {
                    return Ok(());
                };
                self.out.crosses.push(RecoveredCross {
                    t_ns,
                    instrument,
                    pair,
                    qty,
                    price,
                    after_executions: self.out.executions.len(),
                });
            }
            "A" => {
                let exec_id = exec_id(f.next("exec_id")?)?;
                let pair = f.parse("pair")?;
                let qty = f.parse("qty")?;
                f.end()?;
                // Its execution was written just before it.
                if let Some(execution) = self
                    .out
                    .executions
                    .iter()
                    .rposition(|e| e.exec_id == exec_id)
                {
                    self.out.allocations.push(RecoveredAllocation {
                        execution,
                        pair,
                        qty,
                    });
                }
            }
            "S" => {
                let ticket = f.parse("ticket")?;
                let leg = f.parse("leg")?;
                let symbol = f.next("symbol")?;
                let pair = f.parse("pair")?;
                let residual = f.parse("residual")?;
                f.end()?;
                let Some(instrument) = self.instrument(symbol) else {
                    return Ok(());
                };
                self.out.shares.push(RecoveredShare {
                    ticket,
                    leg,
                    instrument,
                    pair,
                    residual,
                });
            }
            other => return Err(format!("unknown record kind {other:?}")),
        }
        Ok(())
    }

    fn saw_order_id(&mut self, order_id: i32) {
        self.out.max_order_id = self.out.max_order_id.max(order_id);
    }

    /// The index of `symbol`, or `None` (counted) when it is not one of ours.
    fn instrument(&mut self, symbol: &str) -> Option<u16> {
        let found = self.index.get(symbol).copied();
        if found.is_none() {
            self.out.unknown_symbols += 1;
        }
        found
    }

    /// The latest order with `order_id`, or `None` (counted) when there is none.
    fn order_mut(&mut self, order_id: i32) -> Option<&mut RecoveredOrder> {
        match self.order_at.get(&order_id) {
            Some(&i) => Some(&mut self.out.orders[i]),
            None => {
                self.out.unmatched_updates += 1;
                None
            }
        }
    }

    fn finish(mut self) -> Recovered {
        for e in &mut self.out.executions {
            e.commission = self.commissions.get(&e.exec_id).copied().unwrap_or(0.0);
        }
        self.out
    }
}

fn exec_id(s: &str) -> Result<ExecId, String> {
    ExecId::from(s).map_err(|_| format!("exec_id longer than {} bytes", ExecId::new().capacity()))
}

/// The comma-separated fields of a line, each taken by name for the error message.
struct Fields<'a>(std::str::Split<'a, char>);

impl<'a> Fields<'a> {
    fn next(&mut self, name: &str) -> Result<&'a str, String> {
        self.0.next().ok_or_else(|| format!("missing field {name}"))
    }

    fn parse<T: FromStr>(&mut self, name: &str) -> Result<T, String> {
        let s = self.next(name)?;
        s.parse().map_err(|_| format!("bad {name} {s:?}"))
    }

    fn end(&mut self) -> Result<(), String> {
        match self.0.next() {
            None => Ok(()),
            Some(extra) => Err(format!("unexpected extra field {extra:?}")),
        }
    }
}
