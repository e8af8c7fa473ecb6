//! Writing to standard output for people and pipes. Rust ignores SIGPIPE, so `println!`
//! panics when the reader has gone (`mitan … | head`); here a closed pipe ends the command
//! quietly, as other tools do.

use std::io::Write;

/// Writes one line to standard output; a reader that has gone ends the process with success,
/// any other failure with an error message.
pub fn line(text: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(error) = writeln!(out, "{text}").and_then(|()| out.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: standard output: {error}");
        std::process::exit(1);
    }
}

/// `println!` for the `mitan` command: see [`line`].
macro_rules! say {
    () => {
        $crate::commands::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::commands::output::line(format_args!($($arg)*))
    };
}
pub(crate) use say;
