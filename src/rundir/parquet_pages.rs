//! The symbol column of a Parquet quote file decoded from its pages: the dictionary page's
//! strings interned once, each data page's RLE / bit-packed indices (or PLAIN strings) mapped to
//! symbol ids, with the definition levels of a nullable column (data pages v1 and v2).

use super::records::{NO_SYMBOL, SymbolTable};
use super::rle::decode_rle_hybrid;
use parquet::basic::Encoding;
use parquet::column::page::{Page, PageReader};

/// The symbol column of one row group, decoded from its pages: the dictionary page's strings
/// interned once, then each data page's indices (or plain strings) mapped to symbol ids.
pub(super) struct SymbolPages {
    pub(super) pages: Box<dyn PageReader>,
    pub(super) nullable: bool,
    /// Symbol id of each dictionary entry.
    pub(super) dict: Vec<u32>,
    /// Ids decoded and not yet taken: `queue[head..]`.
    pub(super) queue: Vec<u32>,
    pub(super) head: usize,
    pub(super) scratch: Vec<u32>,
    pub(super) defs: Vec<u32>,
}

impl SymbolPages {
    /// The symbol ids of the next `n` rows.
    pub(super) fn take(&mut self, n: usize, symbols: &mut SymbolTable) -> Result<&[u32], String> {
        if self.head > 0 {
            self.queue.drain(..self.head);
            self.head = 0;
        }
        while self.queue.len() < n {
            let page = self
                .pages
                .get_next_page()
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("ends {} rows early", n - self.queue.len()))?;
            self.page(page, symbols)?;
        }
        self.head = n;
        Ok(&self.queue[..n])
    }

    fn page(&mut self, page: Page, symbols: &mut SymbolTable) -> Result<(), String> {
        let (buf, rows, encoding, defs_len) = match page {
            Page::DictionaryPage {
                buf,
                num_values,
                encoding,
                ..
            } => {
                if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                    return Err(format!("dictionary page encoding {encoding} not supported"));
                }
                self.dict.clear();
                let mut data = &buf[..];
                for _ in 0..num_values {
                    let (s, rest) = plain_string(data)?;
                    self.dict.push(symbols.intern(s));
                    data = rest;
                }
                return Ok(());
            }
            Page::DataPage {
                buf,
                num_values,
                encoding,
                def_level_encoding,
                ..
            } => {
                if self.nullable && def_level_encoding != Encoding::RLE {
                    return Err(format!(
                        "definition levels encoded {def_level_encoding} not supported"
                    ));
                }
                // v1: the levels carry their own 4-byte length.
                let defs_len = if self.nullable {
                    let len: [u8; 4] = buf
                        .get(..4)
                        .and_then(|b| b.try_into().ok())
                        .ok_or("page cut off in its levels")?;
                    Some((4, u32::from_le_bytes(len) as usize))
                } else {
                    None
                };
                (buf, num_values as usize, encoding, defs_len)
            }
            Page::DataPageV2 {
                buf,
                num_values,
                encoding,
                def_levels_byte_len,
                rep_levels_byte_len,
                ..
            } => {
                let start = rep_levels_byte_len as usize;
                let defs = self
                    .nullable
                    .then_some((start, def_levels_byte_len as usize));
                (buf, num_values as usize, encoding, defs)
            }
        };
        let mut values = &buf[..];
        self.defs.clear();
        let mut present = rows;
        if let Some((start, len)) = defs_len {
            let levels = buf
                .get(start..start + len)
                .ok_or("page cut off in its levels")?;
            decode_rle_hybrid(levels, 1, rows, &mut self.defs)?;
            present = self.defs.iter().filter(|&&d| d > 0).count();
            values = &buf[start + len..];
        }
        self.scratch.clear();
        match encoding {
            Encoding::RLE_DICTIONARY | Encoding::PLAIN_DICTIONARY => {
                let (&width, packed) = values.split_first().ok_or("empty data page")?;
                decode_rle_hybrid(packed, u32::from(width), present, &mut self.scratch)?;
                let dict = &self.dict;
                let mut bad = None;
                for id in &mut self.scratch {
                    match dict.get(*id as usize) {
                        Some(&s) => *id = s,
                        None => {
                            bad = Some(*id);
                            *id = NO_SYMBOL;
                        }
                    }
                }
                if let Some(i) = bad {
                    return Err(format!(
                        "dictionary index {i} beyond the dictionary's {} entries",
                        dict.len()
                    ));
                }
            }
            Encoding::PLAIN => {
                for _ in 0..present {
                    let (s, rest) = plain_string(values)?;
                    self.scratch.push(symbols.intern(s));
                    values = rest;
                }
            }
            other => return Err(format!("encoding {other} not supported")),
        }
        if defs_len.is_some() {
            let mut next = self.scratch.iter();
            for &d in &self.defs {
                self.queue.push(if d > 0 {
                    *next.next().unwrap_or(&NO_SYMBOL)
                } else {
                    NO_SYMBOL
                });
            }
        } else {
            self.queue.extend_from_slice(&self.scratch);
        }
        Ok(())
    }
}

/// One PLAIN byte array (a 4-byte little-endian length, then the bytes) and the rest.
fn plain_string(data: &[u8]) -> Result<(&[u8], &[u8]), String> {
    let len: [u8; 4] = data
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or("a string is cut off")?;
    let len = u32::from_le_bytes(len) as usize;
    let s = data.get(4..4 + len).ok_or("a string is cut off")?;
    Ok((s, &data[4 + len..]))
}
