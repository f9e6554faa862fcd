//! One journal record as one text line (the file format in the module docs of `journal`).

use super::JournalEntry;
use std::io::Write;

/// Appends `entry` as one line (with its `\n`) to `buf`.
pub(super) fn format_entry(buf: &mut Vec<u8>, symbols: &[String], entry: &JournalEntry) {
    let symbol = |instrument: u16| {
        symbols
            .get(usize::from(instrument))
            .map_or("?", String::as_str)
    };
    // Writing to a Vec cannot fail.
    let _ = match *entry {
        JournalEntry::Order {
            t_ns,
            order_id,
            instrument,
            pair,
            buy,
            qty,
            ticket,
            leg,
            seq,
            combo,
        } => {
            let side = if buy { "BUY" } else { "SELL" };
            let symbol = symbol(instrument);
            let _ = write!(
                buf,
                "O,{t_ns},{order_id},{symbol},{pair},{side},{qty},{ticket},{leg},{seq}"
            );
            match combo {
                Some(c) => writeln!(buf, ",{},{}", c.bag_id, c.ratio),
                None => writeln!(buf),
            }
        }
        JournalEntry::Cancel { t_ns, order_id } => writeln!(buf, "X,{t_ns},{order_id}"),
        JournalEntry::Done {
            t_ns,
            order_id,
            filled,
        } => writeln!(buf, "D,{t_ns},{order_id},{filled}"),
        JournalEntry::Execution {
            t_ns,
            order_id,
            exec_id,
            instrument,
            pair,
            qty,
            price,
        } => {
            let _ = write!(buf, "E,{t_ns},{order_id},");
            push_exec_id(buf, &exec_id);
            writeln!(buf, ",{},{pair},{qty},{price}", symbol(instrument))
        }
        JournalEntry::Commission {
            exec_id,
            commission,
        } => {
            buf.extend_from_slice(b"C,");
            push_exec_id(buf, &exec_id);
            writeln!(buf, ",{commission}")
        }
        JournalEntry::Cross {
            t_ns,
            instrument,
            pair,
            qty,
            price,
        } => writeln!(buf, "N,{t_ns},{},{pair},{qty},{price}", symbol(instrument)),
        JournalEntry::Allocation { exec_id, pair, qty } => {
            buf.extend_from_slice(b"A,");
            push_exec_id(buf, &exec_id);
            writeln!(buf, ",{pair},{qty}")
        }
        JournalEntry::Share {
            ticket,
            leg,
            instrument,
            pair,
            residual,
        } => writeln!(
            buf,
            "S,{ticket},{leg},{},{pair},{residual}",
            symbol(instrument)
        ),
    };
}

/// Writes an execution id with the bytes that would break the line (`,`, `\r`, `\n`) replaced
/// by `_` (IB's ids are dotted hex and never contain them).
fn push_exec_id(buf: &mut Vec<u8>, exec_id: &str) {
    buf.extend(exec_id.bytes().map(|b| match b {
        b',' | b'\r' | b'\n' => b'_',
        b => b,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ExecId;

    fn line(entry: JournalEntry) -> String {
        let mut buf = Vec::new();
        format_entry(&mut buf, &["SPY".into(), "QQQ".into()], &entry);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn formats_each_record_kind() {
        let exec_id = ExecId::from("0001.02,x").unwrap();
        let cases = [
            (
                JournalEntry::Order {
                    t_ns: 5,
                    order_id: 9,
                    instrument: 1,
                    pair: u16::MAX,
                    buy: false,
                    qty: 30,
                    ticket: 4,
                    leg: 1,
                    seq: 77,
                    combo: None,
                },
                "O,5,9,QQQ,65535,SELL,30,4,1,77\n",
            ),
            (
                JournalEntry::Cancel {
                    t_ns: 6,
                    order_id: 9,
                },
                "X,6,9\n",
            ),
            (
                JournalEntry::Done {
                    t_ns: 7,
                    order_id: 9,
                    filled: 12.5,
                },
                "D,7,9,12.5\n",
            ),
            (
                JournalEntry::Execution {
                    t_ns: 8,
                    order_id: 9,
                    exec_id,
                    instrument: 2,
                    pair: 0,
                    qty: -30.0,
                    price: 123.456789,
                },
                "E,8,9,0001.02_x,?,0,-30,123.456789\n",
            ),
            (
                JournalEntry::Commission {
                    exec_id,
                    commission: 0.35,
                },
                "C,0001.02_x,0.35\n",
            ),
            (
                JournalEntry::Share {
                    ticket: 12,
                    leg: 2,
                    instrument: 0,
                    pair: 3,
                    residual: 41,
                },
                "S,12,2,SPY,3,41\n",
            ),
        ];
        for (entry, want) in cases {
            assert_eq!(line(entry), want, "{entry:?}");
        }
    }
}
