//! `hft backtest`: the strategy code of the live engine over a recorded quote file, in-process and
//! deterministic, with the paper gateway's fill model ([`crate::exchange::Book`]) and commissions
//! ([`crate::exchange::Ledger`]).
//!
//! Market orders take the opposite touch and deeper levels; what the book cannot fill stays
//! working and fills on later quotes: the gateway's own loop, [`crate::exchange::Matcher`]. Per-pair PnL is cash-flow
//! accounting marked to mid. Outputs: `orders.csv`, `fills.csv`, `summary.json` and each pair's
//! grid rows in `series/<A>-<B>.csv` (the engine's format, see [`crate::record`]; up to
//! `engine.series_capacity` rows per pair), which `hft report` charts; the same input and
//! parameters give byte-identical files.

mod rows;
mod summary;

use crate::config::EngineParams;
use crate::exchange::{
    Book, BookTop, FillFaults, Ledger, MatchEvent, Matcher, OrderRec, OrderState, Side as SimSide,
    Tif,
};
use crate::record::{self, FixedLog, SeriesEntry, SeriesIndex};
use crate::strategy::{GridSample, PairStrategy, ZScoreBands};
use crate::types::{CloseReason, Direction, IntentKind, OrderIntent, Quote, Side};
use crate::wire::{parse_f64, parse_i64};
use rows::{five_commas, symbol_key};
use std::io::{self, Read, Write};
use summary::{risk_stats, round6};

pub use summary::{
    BacktestOutput, PairSummary, RowCounters, RowError, RowProblem, Summary, write_outputs,
};

/// The first malformed rows are kept with their line numbers; the rest are only counted.
const KEPT_ERRORS: usize = 100;

#[derive(Debug, Clone, Default)]
struct PairBook {
    cash: f64,
    commissions: f64,
    /// Signed shares of A and B.
    position: [f64; 2],
    trades: u64,
    stops: u64,
    timeouts: u64,
    open_since_ns: Option<u64>,
    in_market_ns: u64,
    traded_notional: f64,
}

/// A backtest in progress.
pub struct Backtest {
    strategy_name: String,
    symbols: Vec<String>,
    /// [`symbol_key`] of each symbol: one integer compare per candidate instead of a memcmp.
    symbol_keys: Vec<(usize, u64)>,
    pairs: Vec<PairStrategy>,
    /// Each pair's grid rows, for the charts.
    series: Vec<FixedLog<GridSample>>,
    zscore_bands: Option<ZScoreBands>,
    pair_books: Vec<PairBook>,
    by_instrument: Vec<Vec<u16>>,
    books: Vec<Book>,
    mids: Vec<f64>,
    ledger: Ledger,
    /// The exchange's fill loop, shared with the paper gateway (no faults here).
    matcher: Matcher,
    /// The pair of each order, by ledger index.
    order_pairs: Vec<u16>,
    orders_csv: Vec<u8>,
    fills_csv: Vec<u8>,
    orders: u64,
    fills: u64,
    seq: u64,
    last_ts: i64,
    first_ns: Option<u64>,
    last_ns: u64,
    counters: RowCounters,
    errors: Vec<RowError>,
    sample_every_ns: u64,
    next_sample_ns: u64,
    equity: Vec<f64>,
}

impl Backtest {
    /// A backtest of `params`' pairs and strategy.
    pub fn new(params: &EngineParams) -> Self {
        let symbols = params.symbols();
        let index = |s: &str| {
            symbols
                .iter()
                .position(|x| x == s)
                .expect("pair symbols are in the list") as u16
        };
        let mut by_instrument = vec![Vec::new(); symbols.len()];
        let pairs: Vec<PairStrategy> = params
            .pairs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (a, b) = (index(&p.a), index(&p.b));
                by_instrument[a as usize].push(i as u16);
                by_instrument[b as usize].push(i as u16);
                PairStrategy::new(i as u16, a, b, &params.strategy, &params.costs, p)
            })
            .collect();
        let n = symbols.len();
        let mut orders_csv = Vec::with_capacity(1 << 16);
        orders_csv.extend_from_slice(b"order_id,t_ns,seq,pair,symbol,side,qty,intent\n");
        let mut fills_csv = Vec::with_capacity(1 << 16);
        fills_csv.extend_from_slice(record::FILLS_HEADER.as_bytes());
        fills_csv.push(b'\n');
        Backtest {
            strategy_name: format!("{:?}", params.strategy.kind).to_lowercase(),
            pair_books: vec![PairBook::default(); pairs.len()],
            series: (0..pairs.len())
                // Allocated here, touched as rows come: the strategy loop never reallocates.
                .map(|_| FixedLog::preallocated(params.engine.series_capacity))
                .collect(),
            zscore_bands: ZScoreBands::of(&params.strategy),
            pairs,
            by_instrument,
            books: (0..n)
                .map(|_| Book::new(BookTop::default(), params.costs.book_levels))
                .collect(),
            mids: vec![0.0; n],
            ledger: Ledger::new(
                params.costs.commission_per_share,
                params.costs.commission_min,
                0xbac7,
            ),
            matcher: Matcher::new(FillFaults::default()),
            order_pairs: Vec::new(),
            orders_csv,
            fills_csv,
            orders: 0,
            fills: 0,
            seq: 0,
            last_ts: i64::MIN,
            first_ns: None,
            last_ns: 0,
            counters: RowCounters::default(),
            errors: Vec::new(),
            sample_every_ns: (params.strategy.grid_secs * 1e9) as u64,
            symbol_keys: symbols.iter().map(|s| symbol_key(s.as_bytes())).collect(),
            next_sample_ns: 0,
            equity: Vec::new(),
            symbols,
        }
    }

    /// Symbols in instrument-index order.
    pub fn symbols(&self) -> &[String] {
        &self.symbols
    }

    fn reject(&mut self, line: u64, problem: RowProblem) {
        let c = &mut self.counters;
        match problem {
            RowProblem::FieldCount => c.field_count += 1,
            RowProblem::BadTimestamp => c.bad_timestamp += 1,
            RowProblem::BadNumber => c.bad_number += 1,
            RowProblem::UnknownSymbol => c.unknown_symbol += 1,
            RowProblem::TimeBackwards => c.time_backwards += 1,
            RowProblem::CrossedQuote => c.crossed_quote += 1,
        }
        if self.errors.len() < KEPT_ERRORS {
            self.errors.push(RowError { line, problem });
        }
    }

    /// Parses one data row (`ts_ns,symbol,bid,bid_size,ask,ask_size`) and processes it.
    #[inline]
    pub fn feed_line(&mut self, line: &[u8], line_no: u64) {
        self.counters.rows += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(commas) = five_commas(line) else {
            return self.reject(line_no, RowProblem::FieldCount);
        };
        let fields: [&[u8]; 6] = [
            &line[..commas[0]],
            &line[commas[0] + 1..commas[1]],
            &line[commas[1] + 1..commas[2]],
            &line[commas[2] + 1..commas[3]],
            &line[commas[3] + 1..commas[4]],
            &line[commas[4] + 1..],
        ];
        let Some(ts) = parse_i64(fields[0]).filter(|t| *t >= 0) else {
            return self.reject(line_no, RowProblem::BadTimestamp);
        };
        let key = symbol_key(fields[1]);
        let Some(instrument) = self
            .symbol_keys
            .iter()
            .zip(&self.symbols)
            .position(|(k, s)| *k == key && (fields[1].len() <= 8 || s.as_bytes() == fields[1]))
        else {
            return self.reject(line_no, RowProblem::UnknownSymbol);
        };
        let (Some(bid), Some(bid_size), Some(ask), Some(ask_size)) = (
            parse_f64(fields[2]),
            parse_f64(fields[3]),
            parse_f64(fields[4]),
            parse_f64(fields[5]),
        ) else {
            return self.reject(line_no, RowProblem::BadNumber);
        };
        if !(bid > 0.0
            && ask > 0.0
            && bid.is_finite()
            && ask.is_finite()
            && bid_size >= 0.0
            && ask_size >= 0.0)
        {
            return self.reject(line_no, RowProblem::BadNumber);
        }
        if ts < self.last_ts {
            return self.reject(line_no, RowProblem::TimeBackwards);
        }
        if bid > ask {
            return self.reject(line_no, RowProblem::CrossedQuote);
        }
        self.last_ts = ts;
        self.seq += 1;
        let q = Quote {
            seq: self.seq,
            instrument: instrument as u16,
            t_ns: ts as u64,
            bid,
            ask,
            bid_size,
            ask_size,
        };
        self.on_quote(&q);
    }

    /// Processes one quote already in memory: book, strategies, fills. This is the strategy loop
    /// the benchmark measures.
    #[inline]
    pub fn on_quote(&mut self, q: &Quote) {
        self.counters.quotes += 1;
        let i = q.instrument as usize;
        // Prices are positive here (the row check rejects others): add a half and truncate.
        self.books[i].set_top(BookTop {
            bid: (q.bid * 100.0 + 0.5) as i64,
            ask: (q.ask * 100.0 + 0.5) as i64,
            bid_size: q.bid_size as u32,
            ask_size: q.ask_size as u32,
        });
        self.mids[i] = q.mid();
        self.first_ns.get_or_insert(q.t_ns);
        self.last_ns = q.t_ns;
        if !self.matcher.working().is_empty() {
            self.fill_working(q.instrument, q.t_ns);
        }
        for k in 0..self.by_instrument[i].len() {
            let p = self.by_instrument[i][k] as usize;
            let series = &mut self.series[p];
            let decided = self.pairs[p].on_quote_with(q, |row| {
                series.push(row);
            });
            if let Some(intent) = decided {
                self.execute(&intent);
            }
        }
        if q.t_ns >= self.next_sample_ns {
            self.sample_equity();
            self.next_sample_ns =
                q.t_ns - q.t_ns % self.sample_every_ns.max(1) + self.sample_every_ns.max(1);
        }
    }

    fn pair_pnl(&self, p: usize) -> f64 {
        let (a, b) = self.pairs[p].instruments();
        let pb = &self.pair_books[p];
        pb.cash + pb.position[0] * self.mids[a as usize] + pb.position[1] * self.mids[b as usize]
    }

    fn sample_equity(&mut self) {
        let total: f64 = (0..self.pairs.len()).map(|p| self.pair_pnl(p)).sum();
        self.equity.push(total);
    }

    fn execute(&mut self, intent: &OrderIntent) {
        let p = intent.pair as usize;
        let label = match intent.kind {
            IntentKind::Open(Direction::LongSpread) => "open_long_spread",
            IntentKind::Open(Direction::ShortSpread) => "open_short_spread",
            IntentKind::Close(CloseReason::Exit) => "close_exit",
            IntentKind::Close(CloseReason::Stop) => "close_stop",
            IntentKind::Close(CloseReason::Timeout) => "close_timeout",
        };
        let pb = &mut self.pair_books[p];
        match intent.kind {
            IntentKind::Open(_) => pb.open_since_ns = Some(intent.t_ns),
            IntentKind::Close(reason) => {
                if let Some(since) = pb.open_since_ns.take() {
                    pb.in_market_ns += intent.t_ns - since;
                }
                pb.trades += 1;
                match reason {
                    CloseReason::Stop => pb.stops += 1,
                    CloseReason::Timeout => pb.timeouts += 1,
                    CloseReason::Exit => {}
                }
            }
        }
        for leg in intent.legs {
            let order_id = self.orders as i32 + 1;
            self.orders += 1;
            let order = OrderRec {
                client_id: 0,
                order_id,
                perm_id: 0,
                account: String::new(),
                symbol: leg.instrument as usize,
                side: match leg.side {
                    Side::Buy => SimSide::Buy,
                    Side::Sell => SimSide::Sell,
                },
                total: leg.qty,
                filled: 0,
                avg_price: 0.0,
                last_fill_price: 0.0,
                limit: None,
                tif: Tif::Day,
                order_ref: String::new(),
                state: OrderState::Submitted,
                commission_paid: 0.0,
            };
            let _ = writeln!(
                self.orders_csv,
                "{order_id},{},{},{},{},{},{},{label}",
                intent.t_ns,
                intent.seq,
                intent.pair,
                self.symbols[leg.instrument as usize],
                leg.side.as_str(),
                leg.qty
            );
            // Without faults nothing is rejected on arrival.
            let (Ok(index) | Err(index)) = self.matcher.submit(&mut self.ledger, order, 0);
            self.order_pairs.push(intent.pair);
            self.fill(Some(index), leg.instrument, intent.t_ns);
        }
    }

    /// Working orders on `instrument` after its quote changed.
    fn fill_working(&mut self, instrument: u16, t_ns: u64) {
        self.fill(None, instrument, t_ns);
    }

    /// Runs the matcher on order `index` (on arrival) or on every working order of `instrument`
    /// (`None`), booking each execution in its pair and in `fills.csv`.
    fn fill(&mut self, index: Option<usize>, instrument: u16, t_ns: u64) {
        let Backtest {
            matcher,
            ledger,
            books,
            order_pairs,
            pairs,
            pair_books,
            symbols,
            fills_csv,
            fills,
            ..
        } = self;
        let unix_secs = (t_ns / 1_000_000_000) as i64;
        let mut on = |ledger: &Ledger, event: MatchEvent| {
            let MatchEvent::Execution { order, exec } = event else {
                return;
            };
            let exec = &ledger.executions[exec];
            let pair = order_pairs[order];
            let (sym, side) = (exec.symbol, exec.side);
            *fills += 1;
            let (a, _) = pairs[pair as usize].instruments();
            let leg = if sym as u16 == a { 0 } else { 1 };
            let pb = &mut pair_books[pair as usize];
            let signed = side.sign() * exec.qty as f64;
            pb.position[leg] += signed;
            pb.cash -= signed * exec.price + exec.commission;
            pb.commissions += exec.commission;
            pb.traded_notional += exec.qty as f64 * exec.price;
            let _ = writeln!(
                fills_csv,
                "{},{t_ns},{},{},{},{},{},{pair}",
                exec.order_id,
                symbols[sym],
                if side == SimSide::Buy { "BUY" } else { "SELL" },
                exec.qty,
                exec.price,
                exec.commission
            );
        };
        match index {
            Some(index) => matcher.try_fill(ledger, books, index, unix_secs, 0, &mut on),
            None => matcher.on_quote(ledger, books, instrument as usize, unix_secs, 0, &mut on),
        }
    }

    /// Reads a whole quote file (header first) from `input`, in fixed-size chunks.
    ///
    /// # Errors
    /// I/O errors, or a missing header.
    pub fn run_reader<R: Read>(
        &mut self,
        mut input: R,
        mut progress: impl FnMut(u64),
    ) -> io::Result<()> {
        let mut buf = vec![0u8; 1 << 20];
        let (mut filled, mut line_no, mut header_seen, mut consumed_total) =
            (0usize, 0u64, false, 0u64);
        loop {
            let n = input.read(&mut buf[filled..])?;
            let eof = n == 0;
            filled += n;
            let mut start = 0;
            while let Some(nl) = memchr::memchr(b'\n', &buf[start..filled]) {
                let line = &buf[start..start + nl];
                line_no += 1;
                if !header_seen {
                    let h = line.strip_suffix(b"\r").unwrap_or(line);
                    if h != crate::sim::QUOTE_HEADER.as_bytes() {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("line 1: expected header `{}`", crate::sim::QUOTE_HEADER),
                        ));
                    }
                    header_seen = true;
                } else if !line.is_empty() {
                    self.feed_line(line, line_no);
                }
                start += nl + 1;
            }
            consumed_total += start as u64;
            if eof {
                if start < filled {
                    line_no += 1;
                    if header_seen {
                        self.feed_line(&buf[start..filled], line_no);
                    }
                }
                break;
            }
            buf.copy_within(start..filled, 0);
            filled -= start;
            if filled == buf.len() {
                // A single line longer than the buffer: grow once.
                buf.resize(buf.len() * 2, 0);
            }
            progress(consumed_total);
        }
        if !header_seen {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "empty quote file (no header)",
            ));
        }
        Ok(())
    }

    /// Final marks, summary and the CSV buffers.
    pub fn finish(mut self) -> BacktestOutput {
        self.sample_equity();
        let mut pairs = Vec::with_capacity(self.pairs.len());
        let span = self.first_ns.map_or(0, |f| self.last_ns - f).max(1) as f64;
        let (mut gross, mut commissions, mut trades, mut turnover, mut tim) =
            (0.0, 0.0, 0, 0.0, 0.0);
        for p in 0..self.pairs.len() {
            let net = self.pair_pnl(p);
            let pb = &mut self.pair_books[p];
            if let Some(since) = pb.open_since_ns.take() {
                pb.in_market_ns += self.last_ns - since;
            }
            let s = &self.pairs[p];
            let (a, b) = s.instruments();
            let c = s.counters();
            let summary = PairSummary {
                a: self.symbols[a as usize].clone(),
                b: self.symbols[b as usize].clone(),
                trades: pb.trades,
                stops: pb.stops,
                timeouts: pb.timeouts,
                gross_pnl: round6(net + pb.commissions),
                commissions: round6(pb.commissions),
                net_pnl: round6(net),
                time_in_market: round6(pb.in_market_ns as f64 / span),
                turnover: round6(pb.traded_notional),
                final_position_a: pb.position[0],
                final_position_b: pb.position[1],
                hedge_ratio: s.hedge_ratio().map(round6),
                quotes: c.quotes,
                grid_rows: c.grid_rows,
                undefined_statistics: c.undefined,
                edge_too_small: c.edge_too_small,
                intents: c.intents,
            };
            gross += net + pb.commissions;
            commissions += pb.commissions;
            trades += pb.trades;
            turnover += pb.traded_notional;
            tim += summary.time_in_market;
            pairs.push(summary);
        }
        let (sharpe, max_drawdown) = risk_stats(&self.equity, self.sample_every_ns);
        let mut series = SeriesIndex {
            zscore_bands: self.zscore_bands,
            pairs: Vec::with_capacity(self.pairs.len()),
        };
        let mut series_csv = Vec::with_capacity(self.pairs.len());
        for (s, log) in self.pairs.iter().zip(&self.series) {
            let (a, b) = s.instruments();
            let (a, b) = (&self.symbols[a as usize], &self.symbols[b as usize]);
            let file = record::series_file(a, b);
            series_csv.push((file.clone(), record::series_csv(log.as_slice())));
            series.pairs.push(SeriesEntry {
                a: a.clone(),
                b: b.clone(),
                file,
                rows: log.len() as u64,
                dropped_rows: log.dropped(),
            });
        }
        let summary = Summary {
            strategy: self.strategy_name.clone(),
            rows: self.counters,
            first_errors: self.errors.clone(),
            orders: self.orders,
            fills: self.fills,
            trades,
            gross_pnl: round6(gross),
            commissions: round6(commissions),
            net_pnl: round6(gross - commissions),
            sharpe: sharpe.map(round6),
            max_drawdown: round6(max_drawdown),
            turnover: round6(turnover),
            time_in_market: round6(if pairs.is_empty() {
                0.0
            } else {
                tim / pairs.len() as f64
            }),
            pairs,
            series,
        };
        BacktestOutput {
            summary,
            orders_csv: self.orders_csv,
            fills_csv: self.fills_csv,
            series_csv,
        }
    }
}
