//! The recommendation: what `seqwrap pick --adversarial` answers at this
//! machine's attacker rate, and its explanation.

use super::{Inputs, Rows, section};
use crate::text::table::{rate_text, wrap};

pub(super) fn render(inp: &Inputs<'_>, _rows: &Rows<'_>) -> String {
    let mut s = section("Recommendation");
    match (inp.pick, inp.attacker) {
        (Some(p), Some(a)) => {
            s.push_str(&wrap(&format!(
                "`seqwrap pick --adversarial --rate {}` (this machine's \
                 attacker rate, {}): use {}.",
                rate_text(a.rate),
                a.label(),
                p.bits
                    .map_or_else(|| p.kernel_type.clone(), crate::pick::kernel_type_words)
            )));
            s.push('\n');
            s.push_str(&p.explanation);
        }
        _ => s.push_str(&wrap(
            "No measured rate, so no recommendation at this machine's rate; \
             run `seqwrap pick --adversarial --rate R` with your own.",
        )),
    }
    s
}
