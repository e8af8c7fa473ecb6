//! The harness: plays the drive through one system and measures it.
//!
//! Each day the phones enrol offline (not timed: that is the phone's work, not the server's),
//! then every phone syncs through a counting proxy, a few at a time as phones reach their
//! stations, then each station's in-charge reviews the day's entries. On the last evening a
//! sample of phones syncs through a 2G-shaped proxy instead, each on a link of its own.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::child::Usage;
use crate::link::{Link, Shape, Traffic};
use crate::parallel;
use crate::system::System;
use crate::workload::Workload;

/// How a run is played.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Phones syncing at the same moment (a district's stations are busy at once; four
    /// keeps the two-core machine's server, not its phones, the bottleneck).
    pub clients: usize,
    /// Phones whose last sync goes through the 2G link.
    pub two_g_sample: usize,
    /// The 2G link: its rate, round trip, packet loss and the seed of its loss draws.
    pub two_g: Shape,
    /// Giving up on a system after this long.
    pub deadline: Duration,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            clients: 4,
            two_g_sample: 8,
            two_g: Shape::RURAL_2G,
            deadline: Duration::from_secs(30 * 60),
        }
    }
}

/// What one system did with one workload.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// The system.
    pub system: &'static str,
    /// The workload's size name.
    pub size: &'static str,
    /// Enrolments in the drive.
    pub enrolments: u64,
    /// Enrolments the system stored.
    pub stored: u64,
    /// Bytes the phones' syncs sent and received, at the socket, over the drive.
    pub phones: Traffic,
    /// Bytes the in-charges' reviews sent and received.
    pub reviews: Traffic,
    /// Bytes the system counted itself (the bytes floor).
    pub own_bytes_up: Option<u64>,
    /// Bytes up of the whole drive at the sealed floor (`system::floor::sealed_floor`): a
    /// figure of the workload, the same beside every system, set by [`compare`].
    pub sealed_floor_up: Option<u64>,
    /// Syncs the phones made.
    pub syncs: u64,
    /// Wall time of every evening's loopback syncs, and the enrolments they carried.
    pub sync_time: Duration,
    /// Enrolments carried by the loopback syncs.
    pub synced_enrolments: u64,
    /// Wall time of the last evening's loopback syncs, and how many phones took part.
    pub final_sync_time: Duration,
    /// Phones in the last evening's loopback syncs.
    pub final_sync_phones: usize,
    /// Each sampled phone's last sync over 2G.
    pub two_g_times: Vec<Duration>,
    /// The 2G link's packet loss in this run, as a fraction (0.0 on a clean link).
    pub two_g_loss: f64,
    /// Server CPU during the phones' syncs only.
    pub sync_cpu: Duration,
    /// The server's whole usage, setup and reviews included.
    pub usage: Option<Usage>,
    /// Wall time of the in-charges' reviews.
    pub review_time: Duration,
}

impl Figures {
    /// Enrolments per second over the loopback syncs.
    pub fn ingest_rate(&self) -> f64 {
        self.synced_enrolments as f64 / self.sync_time.as_secs_f64().max(1e-9)
    }

    /// Bytes up per enrolment: at the socket, or as the system counted them.
    pub fn up_per_enrolment(&self) -> f64 {
        self.own_bytes_up.unwrap_or(self.phones.up) as f64 / self.enrolments.max(1) as f64
    }

    /// Bytes up per enrolment at the sealed floor, when the comparison computed it.
    pub fn sealed_floor_per_enrolment(&self) -> Option<f64> {
        self.sealed_floor_up
            .map(|bytes| bytes as f64 / self.enrolments.max(1) as f64)
    }

    /// Bytes down per enrolment, at the socket.
    pub fn down_per_enrolment(&self) -> f64 {
        self.phones.down as f64 / self.enrolments.max(1) as f64
    }

    /// Round trips per daily sync of a phone, at the socket; `None` without a socket.
    pub fn round_trips_per_sync(&self) -> Option<f64> {
        (self.phones.connections > 0)
            .then(|| self.phones.round_trips as f64 / self.syncs.max(1) as f64)
    }

    /// The time for every phone of the district to sync on the last evening at this
    /// ingest rate: the measured loopback time scaled from the phones that took part to all.
    pub fn district_final_sync(&self, phones: usize) -> Duration {
        self.final_sync_time
            .mul_f64(phones as f64 / self.final_sync_phones.max(1) as f64)
    }

    /// Server CPU per enrolment during the syncs.
    pub fn cpu_per_enrolment(&self) -> Option<Duration> {
        self.usage
            .map(|_| self.sync_cpu / self.synced_enrolments.max(1) as u32)
    }
}

fn cpu(system: &dyn System) -> Duration {
    system.usage().map_or(Duration::ZERO, |usage| usage.cpu)
}

/// Plays `workload` through `system` under `dir`, with servers started from `exe`.
pub fn run(
    system: &mut dyn System,
    workload: &Workload,
    plan: &Plan,
    exe: &Path,
    dir: &Path,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let server = system.start(workload, exe, dir)?;
    let link = server.map(|server| Link::start(server, None)).transpose()?;
    let two_g = server
        .map(|server| Link::start(server, Some(plan.two_g)))
        .transpose()?;
    let address = |link: &Option<Link>| link.as_ref().map(|link| link.address);
    let traffic = |link: &Option<Link>| link.as_ref().map(Link::traffic).unwrap_or_default();
    let mut figures = Figures {
        system: system.name(),
        size: workload.size.name,
        enrolments: workload.enrolments.len() as u64,
        two_g_loss: plan.two_g.loss,
        ..Figures::default()
    };
    let system: &dyn System = system;
    let last_day = workload.days.len() - 1;
    for (day_index, day) in workload.days.iter().enumerate() {
        if started.elapsed() > plan.deadline {
            bail!(
                "{}: over the deadline of {:?}",
                figures.system,
                plan.deadline
            );
        }
        parallel::map(&day.by_phone, 2, |_, indices| {
            for &index in indices {
                system.enrol(&workload.enrolments[index])?;
            }
            Ok(())
        })?;
        let phones: Vec<usize> = (0..workload.phones.len()).collect();
        // The 2G sample: the first phones of the district, each on its own shaped link, all
        // at once, before the rest of the evening's syncs.
        let (sampled, rest): (Vec<usize>, Vec<usize>) = if day_index == last_day && two_g.is_some()
        {
            let sample = plan.two_g_sample.min(phones.len() / 2);
            (phones[..sample].to_vec(), phones[sample..].to_vec())
        } else {
            (Vec::new(), phones)
        };
        if !sampled.is_empty() {
            let before = traffic(&two_g);
            figures.two_g_times = parallel::map(&sampled, sampled.len(), |_, &phone| {
                let began = Instant::now();
                system
                    .sync(phone, day_index, address(&two_g))
                    .with_context(|| format!("phone {phone} over 2G"))?;
                Ok(began.elapsed())
            })?;
            let used = traffic(&two_g) - before;
            figures.phones = add(figures.phones, used);
            figures.syncs += sampled.len() as u64;
        }
        let before = traffic(&link);
        let cpu_before = cpu(system);
        let began = Instant::now();
        parallel::map(&rest, plan.clients, |_, &phone| {
            system
                .sync(phone, day_index, address(&link))
                .with_context(|| format!("phone {phone}, evening {}", day_index + 1))
        })?;
        let took = began.elapsed();
        figures.sync_cpu += cpu(system).saturating_sub(cpu_before);
        figures.phones = add(figures.phones, traffic(&link) - before);
        figures.syncs += rest.len() as u64;
        figures.sync_time += took;
        figures.synced_enrolments += rest
            .iter()
            .map(|&phone| day.by_phone[phone].len() as u64)
            .sum::<u64>();
        if day_index == last_day {
            figures.final_sync_time = took;
            figures.final_sync_phones = rest.len();
        }
        let before = traffic(&link);
        let began = Instant::now();
        parallel::map(&day.reviews, plan.clients, |station, reviews| {
            system
                .review(station, reviews, address(&link))
                .with_context(|| format!("station {station}'s reviews, evening {}", day_index + 1))
        })?;
        figures.review_time += began.elapsed();
        figures.reviews = add(figures.reviews, traffic(&link) - before);
    }
    figures.own_bytes_up = system.own_bytes().map(|bytes| bytes.up);
    drop(link);
    drop(two_g);
    Ok(figures)
}

fn add(total: Traffic, more: Traffic) -> Traffic {
    Traffic {
        up: total.up + more.up,
        down: total.down + more.down,
        round_trips: total.round_trips + more.round_trips,
        connections: total.connections + more.connections,
        packets: total.packets + more.packets,
        lost: total.lost + more.lost,
    }
}

/// Plays the drive and finishes the system, checking it stored every enrolment.
pub fn run_and_finish(
    system: &mut dyn System,
    workload: &Workload,
    plan: &Plan,
    exe: &Path,
    dir: &Path,
) -> anyhow::Result<Figures> {
    let played = run(system, workload, plan, exe, dir);
    // Finish even after a failure, so no server child is left behind.
    let finished = system.finish();
    let mut figures = played?;
    let finished = finished?;
    figures.stored = finished.stored;
    figures.usage = finished.usage;
    Ok(figures)
}

/// A system that did not play a size's drive to the end: it failed, ran out of its
/// deadline, or stored fewer enrolments than the drive made.
#[derive(Debug, Clone, PartialEq)]
pub struct Unfinished {
    /// The system.
    pub system: String,
    /// Why, with the chain of causes, on one line.
    pub reason: String,
}

/// One size's runs: the systems that finished, in the order asked, and those that did not.
/// Each finished system's figures carry the size's sealed floor.
#[derive(Debug, Default)]
pub struct Comparison {
    /// The systems that stored every enrolment.
    pub finished: Vec<Figures>,
    /// The systems that did not.
    pub unfinished: Vec<Unfinished>,
}

/// Plays one workload through every system in `systems`, in turn, each in its own directory
/// under `dir`, and checks that each stored every enrolment. A system that fails is
/// recorded and the rest still run, so one system stuck at 2 lakh does not cost the others'
/// hour of figures; only a name that is no system is an error (or a sealed floor that could
/// not be encoded, which would be a bug of the bench).
pub fn compare(
    workload: &Workload,
    systems: &[&str],
    plan: &Plan,
    exe: &Path,
    dir: &Path,
) -> anyhow::Result<Comparison> {
    // Computed before any system plays, so it costs no system's timed syncs.
    let sealed_floor = crate::system::floor::sealed_floor(workload).context("sealed floor")?;
    let mut comparison = Comparison::default();
    for name in systems {
        let mut system =
            crate::system::named(name).with_context(|| format!("systems: no system {name:?}"))?;
        let system_dir = dir.join(format!("{}-{name}", workload.size.name));
        std::fs::create_dir_all(&system_dir)?;
        let began = Instant::now();
        // The row and the log line already say which system and size; the reason is the
        // error's own chain.
        let played = run_and_finish(system.as_mut(), workload, plan, exe, &system_dir);
        let took = began.elapsed().as_secs_f64();
        let reason = match played {
            Ok(mut figures) if figures.stored == figures.enrolments => {
                eprintln!("{name}: {} drive played in {took:.1} s", workload.size.name);
                figures.sealed_floor_up = Some(sealed_floor);
                comparison.finished.push(figures);
                continue;
            }
            Ok(figures) => format!(
                "stored {} of {} enrolments",
                figures.stored, figures.enrolments
            ),
            Err(error) => format!("{error:#}"),
        };
        eprintln!(
            "{name}: {} drive did not finish after {took:.1} s: {reason}",
            workload.size.name
        );
        comparison.unfinished.push(Unfinished {
            system: (*name).to_owned(),
            reason,
        });
    }
    Ok(comparison)
}
