//! Errors. `Usage` is bad input: the CLI prints its one line and exits 2.
//! Everything else is a failure of the run itself (I/O, a plot backend).

use std::path::PathBuf;

/// The library's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: one line naming the flag (or file, line and key) and what
    /// is allowed. The CLI exits with code 2 and writes nothing.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
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
            Error::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;
