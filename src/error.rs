//! Errors. `Usage` and `Input` are the user's to fix: the CLI prints one
//! line and exits 2. Everything else is a failure of the run itself (a
//! write that failed, a plot backend): exit 1.

use std::path::PathBuf;

/// The library's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: one line naming the flag (or file, line and key) and what
    /// is allowed. The CLI exits with code 2 and writes nothing.
    #[error("{0}")]
    Usage(String),
    /// An input file the user named could not be read (missing, a
    /// directory, no permission): bad input, exit 2.
    #[error("{}: cannot read: {}", path.display(), io_text(error))]
    Input {
        /// The file.
        path: PathBuf,
        /// What the OS said (not a `#[source]`: the message already holds it).
        error: std::io::Error,
    },
    /// A file could not be read or written by the run itself (a full disk,
    /// a failed rename): exit 1, the path named.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Anything else that stopped a run (plot backend, a failed thread).
    #[error("{0}")]
    Run(String),
}

impl Error {
    /// Bad input with a message naming what is wrong and what is allowed.
    pub fn usage(msg: impl Into<String>) -> Error {
        Error::Usage(msg.into())
    }

    /// The process exit code for this error: 2 for bad input, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Input { .. } => 2,
            _ => 1,
        }
    }
}

/// An io::Error's message without the `(os error N)` suffix.
pub fn io_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;
