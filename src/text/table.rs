//! Plain-text tables for a mail: markdown pipe tables, padded so they read
//! aligned in a fixed-width font whether or not the reader renders markdown.

/// The widest line a mailing-list reply keeps without rewrapping.
pub const MAX_COLS: usize = 72;

/// A table: a header and rows of cells; numeric-looking columns align right.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// Column titles.
    pub header: Vec<String>,
    /// Rows; each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    /// Render; every line is `| a | b |` padded to the column widths.
    /// Columns whose cells are all plain numbers align right.
    pub fn render(&self) -> String {
        let n = self.header.len();
        let width = |i: usize| {
            self.rows
                .iter()
                .map(|r| r[i].chars().count())
                .chain([self.header[i].chars().count(), 3])
                .max()
                .unwrap_or(3)
        };
        let widths: Vec<usize> = (0..n).map(width).collect();
        let right: Vec<bool> = (0..n)
            .map(|i| {
                !self.rows.is_empty()
                    && self
                        .rows
                        .iter()
                        .all(|r| r[i].parse::<f64>().is_ok() || r[i] == "-")
            })
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if right[i] {
                        format!("{c:>w$}", w = widths[i])
                    } else {
                        format!("{c:<w$}", w = widths[i])
                    }
                })
                .collect();
            format!("| {} |", parts.join(" | "))
        };
        let mut out = vec![line(&self.header)];
        let rule: Vec<String> = (0..n)
            .map(|i| {
                if right[i] {
                    format!("{}:", "-".repeat(widths[i] + 1))
                } else {
                    "-".repeat(widths[i] + 2)
                }
            })
            .collect();
        out.push(format!("|{}|", rule.join("|")));
        for r in &self.rows {
            out.push(line(r));
        }
        out.join("\n") + "\n"
    }
}

/// Wrap prose at `MAX_COLS`, keeping words whole; a single word longer
/// than a line (a host or kernel name nobody controls) is cut into
/// line-sized pieces, so every line fits whatever the machine is called.
pub fn wrap(text: &str) -> String {
    wrap_width(text, MAX_COLS)
        .lines()
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `text` wrapped to `MAX_COLS`, the first line after `first`, the others
/// indented two spaces more (a field of a listing).
pub fn hang(first: &str, text: &str) -> String {
    let rest = " ".repeat(first.len() + 2);
    wrap_width(text, MAX_COLS - first.len() - 2)
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{}{l}\n", if i == 0 { first } else { &rest }))
        .collect()
}

/// Wrap a bullet: the first line starts with `- `, the rest are indented.
pub fn bullet(text: &str) -> String {
    let body = wrap_width(text, MAX_COLS - 2);
    body.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("- {l}\n")
            } else {
                format!("  {l}\n")
            }
        })
        .collect()
}

/// Words joined into lines of at most `cols` characters; a word longer
/// than that is cut into `cols`-sized pieces.
fn wrap_width(text: &str, cols: usize) -> String {
    let mut out = Vec::new();
    let mut line = String::new();
    let words = text.split_whitespace().flat_map(|w| {
        let chars: Vec<char> = w.chars().collect();
        chars
            .chunks(cols.max(1))
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
    });
    for word in words {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > cols {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out.join("\n")
}

/// A probability string in three significant digits, exponent kept as the
/// engine wrote it: `1.2345e-19` -> `1.23e-19`; `1e-4300000000` stays;
/// past 10^15 the exponent itself is an f64 and the mantissa unknown:
/// `10^(-1.62e20)`.
pub fn short_p(s: &str) -> String {
    let t = s.trim();
    if let Ok(v) = t.parse::<f64>()
        && v.is_finite()
        && ((v == 0.0 && !t.contains(['e', 'E'])) || v.abs() > 1e-300)
    {
        if v == 0.0 {
            return "0".into();
        }
        let r = format!("{v:.2e}");
        let (m, e) = r.split_once('e').unwrap_or((&r, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        return if e == "0" {
            m.to_string()
        } else {
            format!("{m}e{e}")
        };
    }
    if let Some((_, e)) = t.split_once(['e', 'E'])
        && let Ok(x) = e.parse::<f64>()
        && x.abs() >= 1e15
    {
        return format!("10^({x:.2e})");
    }
    match t.split_once(['e', 'E']) {
        Some((m, e)) => {
            let m = match m.parse::<f64>() {
                Ok(v) => {
                    let r = format!("{v:.2}");
                    r.trim_end_matches('0').trim_end_matches('.').to_string()
                }
                Err(_) => m.to_string(),
            };
            format!("{m}e{}", e.trim_start_matches('+'))
        }
        None => t.to_string(),
    }
}

/// A rate in three significant digits: `8.61e6`, `1e9`, `1.48e3`.
pub fn rate_text(r: f64) -> String {
    let s = format!("{r:.2e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let m = m.trim_end_matches('0').trim_end_matches('.');
    format!("{m}e{e}")
}

/// Render `t` if every line fits [`MAX_COLS`], else one bullet a row
/// (`header: cell, header: cell`), so a table with an unexpectedly wide
/// cell never breaks the 72-column promise.
pub fn fit(t: &Table) -> String {
    let r = t.render();
    if r.lines().all(|l| l.chars().count() <= MAX_COLS) {
        return r;
    }
    let mut out = String::new();
    for row in &t.rows {
        let cells: Vec<String> = t
            .header
            .iter()
            .zip(row)
            .map(|(h, c)| format!("{h}: {c}"))
            .collect();
        out.push_str(&bullet(&cells.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_wrap_keeps_72() {
        let mut t = Table::new(&["rate", "i32"]);
        t.row(vec!["1e5".into(), "5.97".into()]);
        t.row(vec!["measured 5.35e6".into(), "401".into()]);
        let s = t.render();
        let lines: Vec<&str> = s.lines().collect();
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() == lines[0].chars().count())
        );
        assert_eq!(lines[1], "|-----------------|-----:|");
        let long = "word ".repeat(60);
        assert!(wrap(&long).lines().all(|l| l.chars().count() <= MAX_COLS));
        assert!(bullet(&long).lines().all(|l| l.chars().count() <= MAX_COLS));
        let mut wide = Table::new(&["a", "b"]);
        wide.row(vec!["wide ".repeat(16), "1".into()]);
        assert!(fit(&wide).lines().all(|l| l.chars().count() <= MAX_COLS));
    }

    #[test]
    fn probabilities_shorten_but_keep_exponents() {
        assert_eq!(short_p("1.23456e-19"), "1.23e-19");
        assert_eq!(short_p("1e-4300000000"), "1e-4300000000");
        assert_eq!(short_p("1e-161637288913984978944"), "10^(-1.62e20)");
        assert_eq!(short_p("0.0078125"), "7.81e-3");
        assert_eq!(short_p("1.5"), "1.5");
        assert_eq!(rate_text(7.4412e6), "7.44e6");
        assert_eq!(rate_text(1e9), "1e9");
    }
}
