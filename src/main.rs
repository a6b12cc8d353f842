//! The `seqwrap` binary: parse, call the library, print, exit.
//!
//! Exit codes: 0 success, 2 bad input (one line on stderr naming the flag or
//! file and what is allowed), 1 any other failure. A closed pipe on stdout
//! (`seqwrap ... | head`) is not an error.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let parsed = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    ExitCode::SUCCESS
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    ExitCode::from(2)
                }
                _ => {
                    // clap renders several lines (tip, usage); the contract is
                    // one line naming the flag and what is allowed.
                    let text = e.render().to_string();
                    let first = text.lines().next().unwrap_or("error: bad arguments");
                    eprintln!("{first}");
                    ExitCode::from(2)
                }
            };
        }
    };
    match cli::run(parsed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            for cause in err.chain() {
                if let Some(io) = cause.downcast_ref::<std::io::Error>()
                    && io.kind() == std::io::ErrorKind::BrokenPipe
                {
                    return ExitCode::SUCCESS;
                }
            }
            let code = err
                .downcast_ref::<seqwrap::Error>()
                .map_or(1, seqwrap::Error::exit_code);
            eprintln!("error: {err:#}");
            ExitCode::from(code as u8)
        }
    }
}
