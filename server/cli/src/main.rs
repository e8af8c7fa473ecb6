//! The `mitan` binary: parses the command line, sets up logging, and hands over to the
//! library.

use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() {
    let cli = mitan_cli::Cli::parse();
    // MITAN_LOG takes the usual tracing filter syntax, e.g. `info` or `mitan_server=debug`;
    // RUST_LOG is honoured when it is absent, as operators of Rust services expect.
    let filter = EnvFilter::try_from_env("MITAN_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new(cli.default_log_level()));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes would garble log files and journald.
        .with_ansi(std::io::stderr().is_terminal());
    // MITAN_LOG_FORMAT=json gives one JSON object per line, for log collectors.
    if std::env::var("MITAN_LOG_FORMAT").is_ok_and(|format| format == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    // The error chain on one line, never a backtrace: a refusal is an answer for a person
    // (RUST_BACKTRACE=1 would make anyhow print one under every refusal).
    if let Err(error) = mitan_cli::execute(cli) {
        eprintln!("error: {:#}", anyhow::Error::new(error));
        std::process::exit(1);
    }
}
