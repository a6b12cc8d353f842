//! Tokens of the kernel-C subset a protocol's bodies are written in.
//!
//! Hand-written: the subset is a few dozen tokens, and every error must
//! carry the exact offset and say what is allowed, which a general C lexer
//! would not give us without a preprocessor we do not want.

/// One token and where it starts (byte offset in the body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: Tok,
    /// Byte offset in the body text.
    pub at: usize,
}

/// Token kinds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// An identifier or keyword.
    Ident(String),
    /// An integer literal (decimal or hex; `u`/`l` suffixes dropped).
    Int(u128),
    /// Punctuation and operators, as written (`(`, `<<=`, `&&`, ...).
    Punct(&'static str),
    /// End of input.
    Eof,
}

impl std::fmt::Display for Tok {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tok::Ident(s) => write!(f, "'{s}'"),
            Tok::Int(v) => write!(f, "'{v}'"),
            Tok::Punct(p) => write!(f, "'{p}'"),
            Tok::Eof => write!(f, "the end of the body"),
        }
    }
}

/// Longest first, so `<<` is not read as `<` `<`.
const PUNCT: &[&str] = &[
    "<<=", ">>=", "&&", "||", "==", "!=", "<=", ">=", "<<", ">>", "->", "++", "--", "+=", "-=",
    "*=", "/=", "&=", "|=", "^=", "(", ")", "{", "}", ";", ",", "&", "*", "+", "-", "~", "!", "/",
    "%", "<", ">", "^", "|", "?", ":", "=", "[", "]", ".", "#",
];

/// A lexing error: offset and message.
pub type LexError = (usize, String);

/// Split `text` into tokens (comments and whitespace dropped), ending with
/// [`Tok::Eof`].
pub fn lex(text: &str) -> Result<Vec<Token>, LexError> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if text[i..].starts_with("//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if text[i..].starts_with("/*") {
            match text[i + 2..].find("*/") {
                Some(end) => i += 2 + end + 2,
                None => return Err((i, "a '/*' comment is never closed".into())),
            }
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Token {
                kind: Tok::Ident(text[start..i].to_string()),
                at: start,
            });
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            let (radix, digits_from) = if text[i..].starts_with("0x") || text[i..].starts_with("0X")
            {
                (16, i + 2)
            } else {
                (10, i)
            };
            i = digits_from;
            while i < b.len() && (b[i].is_ascii_hexdigit() || b[i] == b'_') {
                if radix == 10 && !b[i].is_ascii_digit() {
                    break;
                }
                i += 1;
            }
            let digits: String = text[digits_from..i].chars().filter(|c| *c != '_').collect();
            // C integer suffixes carry no meaning here: arithmetic is exact.
            while i < b.len() && matches!(b[i], b'u' | b'U' | b'l' | b'L') {
                i += 1;
            }
            if i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                return Err((
                    start,
                    format!(
                        "'{}' is not an integer; allowed: decimal or 0x hex, \
                         optionally with u/l suffixes",
                        &text[start..=i]
                    ),
                ));
            }
            let v = u128::from_str_radix(&digits, radix).map_err(|_| {
                (
                    start,
                    format!("'{}' is not an integer below 2^128", &text[start..i]),
                )
            })?;
            out.push(Token {
                kind: Tok::Int(v),
                at: start,
            });
            continue;
        }
        match PUNCT.iter().find(|p| text[i..].starts_with(**p)) {
            Some(p) => {
                out.push(Token {
                    kind: Tok::Punct(p),
                    at: i,
                });
                i += p.len();
            }
            None => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err((
                    i,
                    format!(
                        "unexpected character '{ch}'; allowed: identifiers, integers, \
                         C operators and ( ) {{ }} ; ,"
                    ),
                ));
            }
        }
    }
    out.push(Token {
        kind: Tok::Eof,
        at: b.len(),
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn tokens_comments_and_suffixes() {
        assert_eq!(
            kinds("s = READ_ONCE(seq); // x\n/* y */ 0x10u<<1"),
            vec![
                Tok::Ident("s".into()),
                Tok::Punct("="),
                Tok::Ident("READ_ONCE".into()),
                Tok::Punct("("),
                Tok::Ident("seq".into()),
                Tok::Punct(")"),
                Tok::Punct(";"),
                Tok::Int(16),
                Tok::Punct("<<"),
                Tok::Int(1),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn bad_characters_and_numbers_are_located() {
        assert_eq!(lex("a @ b").unwrap_err().0, 2);
        assert_eq!(lex("x = 12ab;").unwrap_err().0, 4);
        assert!(lex("/* open").unwrap_err().1.contains("never closed"));
    }
}
