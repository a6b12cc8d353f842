# Convenience only: every recipe is a plain cargo command (see README.md).

# The main job: shipped specs -> data/*.csv, reports/*.png|svg, reports/summary.md
report:
    cargo run --release -- report

# Run one question spec into data/NAME.csv
sweep SPEC:
    cargo run --release -- sweep {{SPEC}}

# Draw the figures of a sweep CSV into reports/
plot CSV:
    cargo run --release -- plot {{CSV}} --out reports

test:
    cargo test --release

bench:
    cargo bench

# What CI checks
check:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings
    cargo test --release
