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

/// Wrap prose at `MAX_COLS`, keeping words whole.
pub fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > MAX_COLS {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
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

fn wrap_width(text: &str, cols: usize) -> String {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > cols {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out.join("\n")
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
    }
}
