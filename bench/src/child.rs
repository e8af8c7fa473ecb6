//! Every server runs as a child process of the bench (its own binary, `serve-child`), so
//! its CPU time and peak memory are read cleanly from `/proc/PID/stat` and
//! `/proc/PID/status`, apart from the simulated phones in the parent.
//!
//! The child binds 127.0.0.1 on a port the system picks, prints `listening ADDRESS` on its
//! standard output, and serves until its standard input closes.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// What a server process used.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// User plus system CPU time.
    pub cpu: Duration,
    /// Peak resident set (`VmHWM`), in KiB.
    pub peak_rss_kib: u64,
}

/// A server running as a child process; killed if dropped without [`ServerChild::stop`].
#[derive(Debug)]
pub struct ServerChild {
    child: Child,
    stdin: Option<ChildStdin>,
    /// Where it listens.
    pub address: SocketAddr,
    ticks_per_second: f64,
}

/// The clock ticks `/proc/PID/stat` counts CPU time in (`getconf CLK_TCK`; 100 on every
/// Linux this runs on, which is also the fallback).
fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

impl ServerChild {
    /// Starts `exe serve-child SYSTEM PATH` and waits (at most a minute) for its address.
    pub fn spawn(exe: &Path, system: &str, path: &Path) -> anyhow::Result<ServerChild> {
        let mut child = Command::new(exe)
            .arg("serve-child")
            .arg(system)
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {} serve-child {system}", exe.display()))?;
        let stdout = child.stdout.take().context("child stdout")?;
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout);
            let mut first = String::new();
            let _ = sender.send(lines.read_line(&mut first).map(|_| first));
            // Keep draining so the child never blocks on a full pipe.
            let _ = std::io::copy(&mut lines.into_inner().take(u64::MAX), &mut std::io::sink());
        });
        let line = match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(Ok(line)) => line,
            _ => {
                let _ = child.kill();
                bail!("the {system} server did not say where it listens within a minute");
            }
        };
        let address = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|address| address.parse().ok())
            .with_context(|| format!("the {system} server said {line:?}"))?;
        Ok(ServerChild {
            stdin: child.stdin.take(),
            child,
            address,
            ticks_per_second: ticks_per_second(),
        })
    }

    /// CPU time and peak memory so far.
    pub fn usage(&self) -> anyhow::Result<Usage> {
        let pid = self.child.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // The command name may hold spaces; the fields after its closing parenthesis do not.
        let after_name = stat.rsplit_once(')').context("stat has a name")?.1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        let ticks: f64 = fields
            .get(11..13)
            .context("stat has utime and stime")?
            .iter()
            .map(|field| field.parse::<f64>().unwrap_or(0.0))
            .sum();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let peak_rss_kib = status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.split_whitespace().next())
            .and_then(|value| value.parse().ok())
            .context("status has VmHWM")?;
        Ok(Usage {
            cpu: Duration::from_secs_f64(ticks / self.ticks_per_second),
            peak_rss_kib,
        })
    }

    /// Reads the final usage, closes the child's input and waits (at most a minute) for it to
    /// finish its work in flight and exit.
    pub fn stop(mut self) -> anyhow::Result<Usage> {
        let usage = self.usage()?;
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!("the server exited with {status}");
                }
                return Ok(usage);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                bail!("the server did not stop within a minute of being asked");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// In the child: binds a loopback port, announces it, and returns the listener and a future
/// that completes when the parent closes our standard input.
pub async fn listen() -> anyhow::Result<(
    tokio::net::TcpListener,
    impl Future<Output = ()> + Send + 'static,
)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening {}", listener.local_addr()?);
    let (closed, stdin_closed) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        let _ = closed.send(());
    });
    Ok((listener, async move {
        let _ = stdin_closed.await;
    }))
}

/// The runtime every server child runs on: two workers, as the machine has two cores and the
/// Mitan server's own background runner uses.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
