//! A TCP proxy on 127.0.0.1 that sits between the phones and a server: it counts the bytes
//! each way and the round trips (turns from sending to receiving) of every connection, and
//! can shape each connection like a 2G link (bandwidth each way and latency).
//!
//! Counting here, at the socket, measures every system the same way, headers and framing
//! included, whatever its client library reports about itself.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a link is shaped; every connection gets a link of its own, as every phone has its own
/// radio.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Bits per second in each direction.
    pub bits_per_second: u64,
    /// Round-trip time added to the loopback's own (split evenly between the directions).
    pub round_trip: Duration,
}

impl Shape {
    /// A slow 2G/EDGE link as at a rural station: 50 kbit/s each way and 300 ms round trip.
    /// GPRS gives 20–40 kbit/s and EDGE up to about 200 kbit/s in theory; what reaches a
    /// phone on a loaded rural cell is in between, with round trips of 300 ms and more.
    pub const RURAL_2G: Shape = Shape {
        bits_per_second: 50_000,
        round_trip: Duration::from_millis(300),
    };

    fn one_way(&self) -> Duration {
        self.round_trip / 2
    }

    fn serialisation(&self, bytes: usize) -> Duration {
        Duration::from_secs_f64(bytes as f64 * 8.0 / self.bits_per_second as f64)
    }
}

/// What crossed the proxy so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Bytes from the phones to the server.
    pub up: u64,
    /// Bytes from the server to the phones.
    pub down: u64,
    /// Times a connection turned from sending to receiving: the round trips.
    pub round_trips: u64,
    /// Connections opened.
    pub connections: u64,
}

impl std::ops::Sub for Traffic {
    type Output = Traffic;
    fn sub(self, earlier: Traffic) -> Traffic {
        Traffic {
            up: self.up - earlier.up,
            down: self.down - earlier.down,
            round_trips: self.round_trips - earlier.round_trips,
            connections: self.connections - earlier.connections,
        }
    }
}

#[derive(Debug, Default)]
struct Counters {
    up: AtomicU64,
    down: AtomicU64,
    round_trips: AtomicU64,
    connections: AtomicU64,
}

/// A running proxy; stops accepting when dropped (open connections end with their peers).
#[derive(Debug)]
pub struct Link {
    /// The address phones connect to.
    pub address: SocketAddr,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

/// Which way bytes last went on a connection, to count turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    None,
    Up,
    Down,
}

impl Link {
    /// A proxy to `server`, shaped by `shape` when given.
    pub fn start(server: SocketAddr, shape: Option<Shape>) -> std::io::Result<Link> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let counters = Arc::new(Counters::default());
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let counters = Arc::clone(&counters);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("link-accept".into())
                .spawn(move || {
                    for phone in listener.incoming() {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let Ok(phone) = phone else { continue };
                        let Ok(upstream) = TcpStream::connect(server) else {
                            continue;
                        };
                        counters.connections.fetch_add(1, Ordering::Relaxed);
                        let _ = phone.set_nodelay(true);
                        let _ = upstream.set_nodelay(true);
                        relay(phone, upstream, shape, Arc::clone(&counters));
                    }
                })?
        };
        Ok(Link {
            address,
            counters,
            stop,
            acceptor: Some(acceptor),
        })
    }

    /// The base URL of an HTTP server behind the link.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// What crossed so far.
    pub fn traffic(&self) -> Traffic {
        Traffic {
            up: self.counters.up.load(Ordering::Relaxed),
            down: self.counters.down.load(Ordering::Relaxed),
            round_trips: self.counters.round_trips.load(Ordering::Relaxed),
            connections: self.counters.connections.load(Ordering::Relaxed),
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the acceptor so it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Pumps both directions of one connection on threads of their own.
fn relay(phone: TcpStream, upstream: TcpStream, shape: Option<Shape>, counters: Arc<Counters>) {
    let last = Arc::new(Mutex::new(Direction::None));
    // The TCP handshake a real phone makes costs a round trip before the first byte leaves.
    let opened = Instant::now() + shape.map_or(Duration::ZERO, |shape| shape.round_trip);
    for (from, to, direction) in [
        (phone.try_clone(), upstream.try_clone(), Direction::Up),
        (upstream.try_clone(), phone.try_clone(), Direction::Down),
    ] {
        let (Ok(from), Ok(to)) = (from, to) else {
            return;
        };
        let counters = Arc::clone(&counters);
        let last = Arc::clone(&last);
        let _ = std::thread::Builder::new()
            .name("link-pump".into())
            .spawn(move || pump(from, to, direction, shape, opened, &counters, &last));
    }
}

fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    direction: Direction,
    shape: Option<Shape>,
    opened: Instant,
    counters: &Counters,
    last: &Mutex<Direction>,
) {
    let count = |bytes: usize| {
        let total = match direction {
            Direction::Up => &counters.up,
            _ => &counters.down,
        };
        total.fetch_add(bytes as u64, Ordering::Relaxed);
        let mut last = last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if direction == Direction::Down && *last == Direction::Up {
            counters.round_trips.fetch_add(1, Ordering::Relaxed);
        }
        *last = direction;
    };
    let mut buffer = vec![0u8; 16 * 1024];
    match shape {
        None => loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => {
                    count(read);
                    if to.write_all(&buffer[..read]).is_err() {
                        break;
                    }
                }
            }
        },
        Some(shape) => {
            // Reads are stamped with when they would arrive at the far end (queued behind
            // what is already on the link, then the flight time); a writer thread delivers
            // each chunk at its time, so a slow link never blocks the reading side.
            let (chunks, arrivals) = mpsc::channel::<(Instant, Vec<u8>)>();
            let writer = {
                let mut to = match to.try_clone() {
                    Ok(to) => to,
                    Err(_) => return,
                };
                std::thread::spawn(move || {
                    for (at, chunk) in arrivals {
                        let now = Instant::now();
                        if at > now {
                            std::thread::sleep(at - now);
                        }
                        if to.write_all(&chunk).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(Shutdown::Write);
                })
            };
            // Chunks at most a few hundred bytes long, so a big reply streams out at the
            // link's rate instead of arriving in one lump.
            let mut link_free = opened;
            loop {
                match from.read(&mut buffer[..1_500]) {
                    Ok(0) | Err(_) => break,
                    Ok(read) => {
                        count(read);
                        let departs = link_free.max(Instant::now()) + shape.serialisation(read);
                        link_free = departs;
                        if chunks
                            .send((departs + shape.one_way(), buffer[..read].to_vec()))
                            .is_err()
                        {
                            break;
                        }
                    }
                }
            }
            drop(chunks);
            let _ = writer.join();
            return;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers each `message`-byte request with as many bytes, once it has all of it, as an
    /// HTTP server answers a request; `None` echoes bytes as they come.
    fn echo_server_of(message: Option<usize>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
        let address = listener.local_addr().expect("address");
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                std::thread::spawn(move || {
                    if let Some(message) = message {
                        let mut request = vec![0u8; message];
                        while stream.read_exact(&mut request).is_ok() {
                            if stream.write_all(&request).is_err() {
                                break;
                            }
                        }
                        return;
                    }
                    let mut buffer = [0u8; 4096];
                    while let Ok(read) = stream.read(&mut buffer) {
                        if read == 0 || stream.write_all(&buffer[..read]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        address
    }

    fn echo_server() -> SocketAddr {
        echo_server_of(None)
    }

    fn exchange(stream: &mut TcpStream, bytes: usize) {
        stream.write_all(&vec![7u8; bytes]).expect("writes");
        let mut back = vec![0u8; bytes];
        stream.read_exact(&mut back).expect("echoed");
    }

    #[test]
    fn counts_bytes_each_way_and_each_turn() {
        let link = Link::start(echo_server(), None).expect("link");
        let mut stream = TcpStream::connect(link.address).expect("connects");
        exchange(&mut stream, 1_000);
        exchange(&mut stream, 500);
        drop(stream);
        let traffic = link.traffic();
        assert_eq!((traffic.up, traffic.down), (1_500, 1_500));
        assert_eq!(traffic.round_trips, 2);
        assert_eq!(traffic.connections, 1);
    }

    #[test]
    fn a_shaped_link_costs_the_handshake_the_flight_and_the_bytes() {
        let shape = Shape {
            bits_per_second: 80_000,
            round_trip: Duration::from_millis(100),
        };
        let link = Link::start(echo_server_of(Some(2_000)), Some(shape)).expect("link");
        let started = Instant::now();
        let mut stream = TcpStream::connect(link.address).expect("connects");
        // 2,000 bytes at 80 kbit/s take 200 ms each way, plus the handshake and one round trip.
        exchange(&mut stream, 2_000);
        let took = started.elapsed();
        // Only the floor is checked: the delays are sleeps, and a loaded machine may add to them.
        assert!(took >= Duration::from_millis(600), "{took:?}");
    }
}
