//! The `seqwrap` binary: parse, call the library, print, exit.
//!
//! Exit codes: 0 success, 2 bad input (one line on stderr naming the flag or
//! file and what is allowed; clap's own errors keep their usage line and
//! tips), 1 any other failure (a write that failed, the path named),
//! 128 + N on signal N (SIGINT, SIGTERM) after removing temporary files.
//! A closed pipe on stdout (`seqwrap ... | head`) is success.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    on_signals_remove_temps();
    let parsed = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // Help and version go to stdout (exit 0; a closed pipe is fine),
            // errors to stderr whole: the usage line and clap's tips
            // ("a similar subcommand exists") are what the user needs.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli::run(parsed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => report(&err),
    }
}

/// Print an error as one line and choose the exit code.
fn report(err: &anyhow::Error) -> ExitCode {
    let broken_pipe = err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return ExitCode::SUCCESS;
    }
    let code = err
        .chain()
        .find_map(|c| c.downcast_ref::<seqwrap::Error>())
        .map_or(1, seqwrap::Error::exit_code);
    // The chain's messages, each once: `Error::Io` already quotes its
    // source, which anyhow's `{:#}` would print a second time.
    let mut msg = err.to_string();
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    let msg = msg.replace('\n', " ");
    let _ = writeln!(std::io::stderr(), "error: {msg}");
    ExitCode::from(code as u8)
}

/// On SIGINT or SIGTERM: remove every temporary file in flight, then exit
/// 128 + N. A sweep's progress file is kept, so `--resume` continues it
/// (a batch system's time limit sends SIGTERM: exactly when it is needed).
fn on_signals_remove_temps() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    // Without the handler the default action (exit, temps left) applies.
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            seqwrap::files::remove_temps();
            std::process::exit(128 + sig);
        }
    });
}
