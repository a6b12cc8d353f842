//! Where things are in a protocol file: byte offsets, lines and columns,
//! and the one error format every protocol error uses,
//! `FILE:LINE:COL: what is wrong; allowed: ...`.
//!
//! A writer or reader body is a TOML string; its text is not the file's
//! text (the delimiters, and escapes in `"""` strings). [`BodyMap`] maps an
//! offset in the body back to the file, so an error in the C points at the
//! character in the file the user edits.

use crate::error::Error;

/// A TOML value with its byte span in the file: what every file reader
/// here (protocols, sites, holds) walks, so an error can name its position.
pub type TomlValue<'i> = toml::Spanned<toml::de::DeValue<'i>>;

/// A protocol file: its name as the user gave it (or `catalog:NAME` for
/// a built-in one) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// File name for messages.
    pub name: String,
    /// The whole text.
    pub text: String,
}

impl SourceFile {
    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let end = floor_char(&self.text, offset.min(self.text.len()));
        let before = &self.text[..end];
        let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..end].chars().count() + 1;
        (line, col)
    }

    /// A usage error at byte `offset`: `FILE:LINE:COL: msg`, one line.
    pub fn error(&self, offset: usize, msg: impl std::fmt::Display) -> Error {
        let (line, col) = self.line_col(offset);
        let msg = msg.to_string().replace('\n', " ");
        Error::usage(format!("{}:{line}:{col}: {msg}", self.name))
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Maps byte offsets of a TOML string's value back to byte offsets of the
/// file it was written in.
#[derive(Clone, Debug, Default)]
pub struct BodyMap {
    /// `file_offset[i]` is the file offset of body byte `i`; one extra entry
    /// for the end of the body.
    file_offset: Vec<usize>,
}

impl BodyMap {
    /// The map for a string value whose raw TOML text (with its quotes)
    /// starts at file offset `start` and reads `raw`, and whose parsed value
    /// is `value`. Handles basic and literal strings, one-line and
    /// multi-line, with the escapes of TOML 1.0. If the raw text cannot be
    /// matched to the value (it always can for valid TOML), every offset
    /// maps to the start of the string: errors still name the right line.
    pub fn new(start: usize, raw: &str, value: &str) -> BodyMap {
        match map_string(raw, value) {
            Some(v) => BodyMap {
                file_offset: v.into_iter().map(|o| o + start).collect(),
            },
            None => BodyMap {
                file_offset: vec![start; value.len() + 1],
            },
        }
    }

    /// The file offset of body offset `i`.
    pub fn file(&self, i: usize) -> usize {
        if self.file_offset.is_empty() {
            return 0;
        }
        self.file_offset[i.min(self.file_offset.len() - 1)]
    }
}

/// Offsets in `raw` (the TOML string with its delimiters) of each byte of
/// `value`, plus the end.
fn map_string(raw: &str, value: &str) -> Option<Vec<usize>> {
    let (delim, literal) = if raw.starts_with("\"\"\"") {
        ("\"\"\"", false)
    } else if raw.starts_with("'''") {
        ("'''", true)
    } else if raw.starts_with('"') {
        ("\"", false)
    } else if raw.starts_with('\'') {
        ("'", true)
    } else {
        return None;
    };
    let mut i = delim.len();
    let bytes = raw.as_bytes();
    if delim.len() == 3 {
        // A newline right after the opening delimiter is trimmed.
        if raw[i..].starts_with("\r\n") {
            i += 2;
        } else if raw[i..].starts_with('\n') {
            i += 1;
        }
    }
    let mut out = Vec::with_capacity(value.len() + 1);
    let vb = value.as_bytes();
    let mut j = 0;
    while j < vb.len() {
        if i >= bytes.len() {
            return None;
        }
        if !literal && bytes[i] == b'\\' {
            let next = *bytes.get(i + 1)?;
            let (emitted, used): (Vec<u8>, usize) = match next {
                b'b' => (vec![8], 2),
                b't' => (vec![b'\t'], 2),
                b'n' => (vec![b'\n'], 2),
                b'f' => (vec![12], 2),
                b'r' => (vec![b'\r'], 2),
                b'e' => (vec![27], 2),
                b'"' => (vec![b'"'], 2),
                b'\\' => (vec![b'\\'], 2),
                b'u' | b'U' | b'x' => {
                    let n = match next {
                        b'u' => 4,
                        b'U' => 8,
                        _ => 2,
                    };
                    let hex = raw.get(i + 2..i + 2 + n)?;
                    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                    let mut buf = [0u8; 4];
                    (c.encode_utf8(&mut buf).as_bytes().to_vec(), 2 + n)
                }
                b' ' | b'\t' | b'\r' | b'\n' => {
                    // Line-ending backslash: skip whitespace and newlines.
                    let mut k = i + 1;
                    while k < bytes.len() && matches!(bytes[k], b' ' | b'\t' | b'\r' | b'\n') {
                        k += 1;
                    }
                    i = k;
                    continue;
                }
                _ => return None,
            };
            for b in emitted {
                if vb.get(j) != Some(&b) {
                    return None;
                }
                out.push(i);
                j += 1;
            }
            i += used;
            continue;
        }
        if bytes[i] != vb[j] {
            // CRLF in the file may be LF in the value.
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') && vb[j] == b'\n' {
                i += 1;
                continue;
            }
            return None;
        }
        out.push(i);
        i += 1;
        j += 1;
    }
    out.push(i);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let f = SourceFile {
            name: "x.toml".into(),
            text: "ab\ncµd\n".into(),
        };
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(6), (2, 3), "µ is one column");
        let e = f.error(4, "bad\nthing").to_string();
        assert_eq!(e, "x.toml:2:2: bad thing");
    }

    #[test]
    fn bodies_map_back_through_delimiters_and_escapes() {
        let raw = "\"\"\"\nx = 1;\\n\ty\"\"\"";
        let value = "x = 1;\n\ty";
        let m = BodyMap::new(100, raw, value);
        assert_eq!(m.file(0), 104, "after the trimmed newline");
        assert_eq!(m.file(6), 110, "the escape's backslash");
        assert_eq!(m.file(7), 112, "the tab after it");
        let lit = BodyMap::new(0, "'''\nab'''", "ab");
        assert_eq!(lit.file(1), 5);
    }
}
