//! The integration tests, as one test binary.
//!
//! Each module was once a binary of its own under `tests/`; each such
//! binary linked the whole crate with plotters and io-uring again, so one
//! binary builds and links once. Cargo finds this file as the test target
//! `it` (`tests/*/main.rs`); the data the tests read stay beside it in
//! `tests/protocols/`, `tests/herd/` and `tests/random/`.
//!
//! Run one module or one test by its path:
//! `cargo test --release --test it -- stress_cli::`.

mod helpers;

mod analyze_cli;
mod analyze_vs_sample;
mod bad_input;
mod batch_cli;
mod explore_cli;
mod explore_models;
mod herd_lkmm;
mod io_cli;
mod layers;
mod mail;
mod no_name_matching;
mod random_protocols;
mod report_cli;
mod report_render;
mod sample_cli;
mod sites;
mod stress_cli;
mod sweep_cli;
mod user_protocols;
