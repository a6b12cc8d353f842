//! What a scheme costs, as the CSV carries it (metric `scheme_cost`): read
//! off the description's program by [`crate::protocol::cost`] — the
//! reader's loads and fences per speculation, the writer's stores and
//! fences per cycle and what its rarer paths add — plus the description's
//! own note on what the program cannot show.

use crate::protocol::Scheme;

/// One line: `2 loads, 2 fences; writer 2 stores, 2 fences; ...`.
pub fn summary(s: &Scheme) -> String {
    let c = crate::protocol::cost::costs(s);
    match &c.note {
        Some(n) => format!("{}; also: {n}", c.summary()),
        None => c.summary(),
    }
}
