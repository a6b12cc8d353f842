//! The kernel API's macros (`read_seqcount_begin()`, `atomic_inc()`, ...,
//! from [`crate::protocol::api`]) expanded in place at the cursor, and the
//! statement expressions (`({ ...; value; })`) they expand to, whose
//! statements are hoisted before the statement that holds them. Separate
//! because it rewrites the token stream rather than reading it.

use super::{Expr, ParseError, Parser, TYPE_WORDS};
use crate::protocol::api;
use crate::protocol::lexer::{Tok, Token};

/// The builtins the prelude's atomics expand to.
const BUILTINS: &[&str] = &["__rmw", "__aread"];

/// Most macro expansions one body may take (a guard against a runaway
/// expansion; the deepest API call takes five).
const MAX_EXPANSIONS: usize = 4096;

impl Parser {
    /// If the cursor stands at a call of an API macro, replace the call by
    /// its expansion: the arguments, each in parentheses, keep their own
    /// positions; every other token takes the call's, so an error inside
    /// the expansion points at the user's line.
    pub(super) fn expand(&mut self) -> Result<bool, ParseError> {
        let Tok::Ident(name) = self.peek().clone() else {
            return Ok(false);
        };
        if !matches!(self.peek_at(1), Tok::Punct("(")) {
            return Ok(false);
        }
        let Some(m) = api::macros().get(&name) else {
            return Ok(false);
        };
        let at = self.at();
        self.expansions += 1;
        if self.expansions > MAX_EXPANSIONS {
            return Err((
                at,
                format!("more than {MAX_EXPANSIONS} API expansions in one body"),
            ));
        }
        let start = self.i;
        let mut j = self.i + 2;
        let mut depth = 0usize;
        let mut args: Vec<Vec<Token>> = vec![Vec::new()];
        loop {
            let t = &self.toks[j];
            match t.kind {
                Tok::Eof => return Err((at, format!("the call of '{name}' is never closed"))),
                Tok::Punct("(" | "{" | "[") => depth += 1,
                Tok::Punct(")" | "}" | "]") if depth == 0 => break,
                Tok::Punct(")" | "}" | "]") => depth -= 1,
                Tok::Punct(",") if depth == 0 => {
                    args.push(Vec::new());
                    j += 1;
                    continue;
                }
                _ => {}
            }
            args.last_mut().expect("one at least").push(t.clone());
            j += 1;
        }
        if args.len() == 1 && args[0].is_empty() {
            args.clear();
        }
        if args.len() != m.params.len() {
            return Err((
                at,
                format!(
                    "'{name}' takes {} argument(s) ({}), given {}",
                    m.params.len(),
                    m.params.join(", "),
                    args.len()
                ),
            ));
        }
        let suffix = self.fresh;
        self.fresh += 1;
        let tok = |kind: Tok| Token { kind, at };
        let mut out = Vec::new();
        for t in &m.body {
            match t {
                Tok::Ident(id) => {
                    if let Some(k) = m.params.iter().position(|p| p == id) {
                        out.push(tok(Tok::Punct("(")));
                        out.extend(args[k].iter().cloned());
                        out.push(tok(Tok::Punct(")")));
                    } else if id.starts_with("__")
                        && !BUILTINS.contains(&id.as_str())
                        && !api::macros().contains_key(id)
                    {
                        out.push(tok(Tok::Ident(format!("{id}_{suffix}"))));
                    } else {
                        out.push(tok(t.clone()));
                    }
                }
                _ => out.push(tok(t.clone())),
            }
        }
        self.toks.splice(start..=j, out);
        Ok(true)
    }

    /// Is the statement at the cursor the last of a statement expression,
    /// its value (`({ ...; value; })`)?
    fn value_next(&self) -> bool {
        if let Tok::Ident(s) = self.peek()
            && (TYPE_WORDS.contains(&s.as_str())
                || ["if", "do", "while", "return", "else"].contains(&s.as_str()))
        {
            return false;
        }
        if self.is_punct("{") || self.is_punct(";") {
            return false;
        }
        let mut depth = 0usize;
        let mut j = self.i;
        loop {
            match self.toks[j].kind {
                Tok::Eof => return false,
                Tok::Punct("(" | "{" | "[") => depth += 1,
                Tok::Punct(")" | "}" | "]") => {
                    if depth == 0 {
                        return false;
                    }
                    depth -= 1;
                }
                Tok::Punct("=") if depth == 0 => return false,
                Tok::Punct(";") if depth == 0 => {
                    return matches!(self.toks.get(j + 1).map(|t| &t.kind), Some(Tok::Punct("}")));
                }
                _ => {}
            }
            j += 1;
        }
    }

    /// `({ stmt; ...; value; })`, the `(` and `{` consumed: the statements
    /// are hoisted before the statement that holds the expression, and
    /// the value stands in its place.
    pub(super) fn stmt_expr(&mut self, at: usize) -> Result<Expr, ParseError> {
        if self.no_hoist > 0 {
            return Err((
                at,
                "a kernel API call that loads or stores stands where C may skip it (right \
                 of && or ||, or in ?:); call it in a statement of its own and test its value"
                    .into(),
            ));
        }
        loop {
            if self.value_next() {
                let e = self.expr()?;
                self.expect(";", "after a statement expression's value")?;
                self.expect("}", "to close a statement expression")?;
                self.expect(")", "to close a statement expression")?;
                return Ok(e);
            }
            if self.peek() == &Tok::Eof || self.is_punct("}") {
                return Err((
                    at,
                    "a statement expression must end with its value: ({ ...; value; })".into(),
                ));
            }
            let s = self.stmt()?;
            self.hoist.push(s);
        }
    }
}
