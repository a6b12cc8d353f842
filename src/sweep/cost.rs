//! What a protocol costs, as the CSV carries it (metric `protocol_cost`): read
//! off the protocol's program by [`crate::protocol::cost`] — the
//! reader's loads and fences per speculation, the writer's stores and
//! fences per cycle and what its rarer paths add — plus the protocol's
//! own note on what the program cannot show.

use crate::protocol::Protocol;

/// One line: `2 loads, 2 fences; writer 2 stores, 2 fences; ...`.
pub fn summary(s: &Protocol) -> String {
    let c = crate::protocol::cost::costs(s);
    match &c.note {
        Some(n) => format!("{}; also: {n}", c.summary()),
        None => c.summary(),
    }
}
