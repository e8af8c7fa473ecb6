//! What the `mitan` command's integration tests share: the server's test harness
//! (`server/tests/common`, one copy for both crates' tests) and the `mitan` binary built with
//! these tests. A test file takes it with `mod common;`.

// Each test file compiles its own copy of this module and uses only part of it.
#![allow(dead_code)]

#[path = "../../../tests/common/mod.rs"]
mod server;

// A test file that runs only the binary uses nothing of the server's harness.
#[allow(unused_imports)]
pub(crate) use server::*;

/// The `mitan` binary built with these tests.
pub(crate) const MITAN: &str = env!("CARGO_BIN_EXE_mitan");

/// A `mitan` process the test started; killed when the test ends, passed or failed, unless
/// it has already exited.
pub(crate) struct Process(pub(crate) std::process::Child);

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs `mitan` with `args` to the end. A refusal must read as one line even where
/// backtraces are asked for, so they are.
pub(crate) fn mitan_run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(MITAN)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .env("MITAN_LOG", "warn")
        .output()
        .expect("the binary runs")
}

/// Runs `mitan` with `args`, which must succeed, and returns what it printed.
pub(crate) fn mitan(args: &[&str]) -> String {
    let output = mitan_run(args);
    assert!(
        output.status.success(),
        "mitan {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}
