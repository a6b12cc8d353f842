//! A protocol's costs as the CSV's `protocol_cost` states them
//! (`protocol::cost::Costs::summary`, then `; also: NOTE`), parsed back
//! into fields. The report's and the fixes figure's short form is built
//! from the fields: a change to the long form fails to parse (and says
//! so) instead of silently shortening into something else.

/// What a rarer writer path adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RareWhat {
    /// `+K store(s)`.
    Stores(u32),
    /// `K grace period(s)`.
    GracePeriods(u32),
}

/// A rarer writer path: what it adds, once per 2^`every_log2` cycles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rare {
    /// What it adds.
    pub what: RareWhat,
    /// How often, as a power of two of cycles.
    pub every_log2: u32,
}

/// A protocol's costs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cost {
    /// Loads on the reader's path to ACCEPT.
    pub reader_loads: u32,
    /// Fences and acquire loads on that path.
    pub reader_fences: u32,
    /// Stores on the writer's common path.
    pub writer_stores: u32,
    /// Fences and release stores on that path.
    pub writer_fences: u32,
    /// Of those stores, read-modify-writes.
    pub writer_rmws: u32,
    /// Rarer writer paths.
    pub rare: Vec<Rare>,
    /// The protocol's note: prose.
    pub note: Option<String>,
}

fn count(text: &str, unit: &str) -> Option<u32> {
    text.strip_suffix(unit)?.trim().parse().ok()
}

impl Cost {
    /// Parse `2 loads, 2 fences; writer 2 stores, 2 fences[ (N of them
    /// RMW[s])][; +K store[s] per 2^E cycles][; K grace period[s] per 2^E
    /// cycles][; also: NOTE]`. `None` for anything else.
    pub fn parse(text: &str) -> Option<Cost> {
        let (main, note) = match text.split_once("; also: ") {
            Some((m, n)) => (m, Some(n.to_string())),
            None => (text, None),
        };
        let mut parts = main.split("; ");
        let (rl, rf) = parts.next()?.split_once(", ")?;
        let w = parts.next()?.strip_prefix("writer ")?;
        let (ws, wf) = w.split_once(", ")?;
        let (wf, rmws) = match wf.split_once(" (") {
            Some((f, r)) => {
                let r = r.strip_suffix(')')?;
                let r = r
                    .strip_suffix(" of them RMWs")
                    .or_else(|| r.strip_suffix(" of them RMW"))?;
                (f, r.parse().ok()?)
            }
            None => (wf, 0),
        };
        let mut rare = Vec::new();
        for p in parts {
            let (what, every) = p.split_once(" per 2^")?;
            let every_log2 = every.strip_suffix(" cycles")?.parse().ok()?;
            let what = if let Some(k) = what.strip_prefix('+') {
                RareWhat::Stores(count(k, " stores").or_else(|| count(k, " store"))?)
            } else {
                RareWhat::GracePeriods(
                    count(what, " grace periods").or_else(|| count(what, " grace period"))?,
                )
            };
            rare.push(Rare { what, every_log2 });
        }
        Some(Cost {
            reader_loads: count(rl, " loads")?,
            reader_fences: count(rf, " fences")?,
            writer_stores: count(ws, " stores")?,
            writer_fences: count(wf, " fences")?,
            writer_rmws: rmws,
            rare,
            note,
        })
    }

    /// The short form for a 72-column table: `2ld 2f; 2st 2f; +1st/2^31`
    /// (the note is prose, not a column).
    pub fn short(&self) -> String {
        let mut s = format!(
            "{}ld {}f; {}st {}f",
            self.reader_loads, self.reader_fences, self.writer_stores, self.writer_fences
        );
        if self.writer_rmws > 0 {
            s += &format!(
                " ({} of them RMW{})",
                self.writer_rmws,
                if self.writer_rmws == 1 { "" } else { "s" }
            );
        }
        for r in &self.rare {
            s += "; ";
            s += &match r.what {
                RareWhat::Stores(k) => format!("+{k}st"),
                RareWhat::GracePeriods(k) => format!("{k}GP"),
            };
            s += &format!("/2^{}", r.every_log2);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortening the report used before the costs were parsed: string
    /// replacement on the long form. The parsed short form must agree with
    /// it on every cost the catalog states.
    fn by_replacing(c: &str) -> String {
        let c = c.split("; also: ").next().unwrap_or(c);
        c.replace(" loads, ", "ld ")
            .replace(" load, ", "ld ")
            .replace(" fences", "f")
            .replace(" fence", "f")
            .replace("writer ", "")
            .replace(" stores, ", "st ")
            .replace(" store, ", "st ")
            .replace(" stores per ", "st/")
            .replace(" store per ", "st/")
            .replace(" grace periods per ", "GP/")
            .replace(" grace period per ", "GP/")
            .replace(" cycles", "")
    }

    #[test]
    fn every_catalog_cost_parses_and_shortens_as_before() {
        let mut n = 0;
        for name in crate::protocol::catalog::names() {
            for params in [&[][..], &[("W", "8")][..], &[("W", "64")][..]] {
                let Ok(s) = crate::protocol::catalog::protocol(name, params) else {
                    continue;
                };
                let long = crate::sweep::cost::summary(&s);
                let c = Cost::parse(&long).unwrap_or_else(|| panic!("{name}: {long}"));
                assert_eq!(c.short(), by_replacing(&long), "{name}: {long}");
                n += 1;
            }
        }
        assert!(n >= 10, "{n} catalog costs checked");
    }

    #[test]
    fn rare_paths_and_rmws() {
        let t = "6 loads, 2 fences; writer 2 stores, 2 fences (2 of them RMWs); \
                 +1 store per 2^31 cycles; 2 grace periods per 2^7 cycles; also: x; y";
        let c = Cost::parse(t).unwrap();
        assert_eq!(c.writer_rmws, 2);
        assert_eq!(c.note.as_deref(), Some("x; y"));
        assert_eq!(c.short(), by_replacing(t));
        let long = "6 loads, 4 fences; writer 3 stores, 2 fences; +1 store per 2^31 cycles";
        assert_eq!(
            Cost::parse(long).unwrap().short(),
            "6ld 4f; 3st 2f; +1st/2^31"
        );
        assert_eq!(Cost::parse("2 loads"), None);
        assert_eq!(
            Cost::parse("2 loads, 2 fences; reader 2 stores, 2 fences"),
            None
        );
    }
}
