//! `mitan-fieldday`: plays a district's two-day drive through Mitan, the ODK-style baseline
//! and the floors, prints the tables and writes the plot. Also, as `serve-child SYSTEM PATH`,
//! runs one system's server for the harness (see `child`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use mitan_fieldday::link::Shape;
use mitan_fieldday::report;
use mitan_fieldday::run::{Plan, compare};
use mitan_fieldday::system::{SYSTEMS, serve_child};
use mitan_fieldday::workload::{Mix, Size, Workload};

/// The field-day benchmark (issue 8).
#[derive(Debug, Parser)]
#[command(name = "mitan-fieldday")]
struct Cli {
    /// Sizes to run, comma-separated: station, circle, district, lakh2 (2 lakh enrolments:
    /// hours, run it only on purpose).
    #[arg(long, default_value = "station,circle,district", value_delimiter = ',')]
    sizes: Vec<String>,
    /// The workload's seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Systems to compare, comma-separated: mitan, samod (with `--features samod`), odk,
    /// floor; every one built in when left out.
    #[arg(long, value_delimiter = ',')]
    systems: Vec<String>,
    /// Phones syncing at once on loopback.
    #[arg(long, default_value_t = 4)]
    clients: usize,
    /// Phones whose last sync goes over the shaped 2G link.
    #[arg(long, default_value_t = 8)]
    two_g_sample: usize,
    /// Packet loss on the 2G link, as a fraction (0.02 for 2 %): every TCP segment, SYN and
    /// SYN-ACK is lost with this chance, drawn from the seed, and waits for TCP's resend
    /// (the `link` module says how). The tables and the points file give each run's loss.
    #[arg(long, default_value_t = 0.0)]
    loss: f64,
    /// Giving up on a system after this many minutes of one size (the 2-lakh drive needs
    /// more than the default).
    #[arg(long, default_value_t = 30)]
    deadline_minutes: u64,
    /// A points file (tab-separated, one system and size a line) that the plot merges this
    /// run into: points already there are kept unless this run measured the same system at
    /// the same size, and the file is written back. Lets runs made apart share one plot.
    #[arg(long)]
    points: Option<PathBuf>,
    /// Where the SVG plot goes.
    #[arg(long, default_value = "docs/fieldday.svg")]
    svg: PathBuf,
    /// Where the servers' databases go (a fresh temporary directory when left out).
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cores} cores, load average {}", load.join(" "))
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve-child") {
        let system = args.get(2).context("serve-child: expected a system")?;
        let path = args.get(3).context("serve-child: expected a path")?;
        return serve_child(system, path.as_ref());
    }
    let cli = Cli::parse();
    let sizes: Vec<Size> = cli
        .sizes
        .iter()
        .map(|name| Size::named(name).with_context(|| format!("sizes: no size {name:?}")))
        .collect::<anyhow::Result<_>>()?;
    let systems: Vec<&str> = if cli.systems.is_empty() {
        SYSTEMS.to_vec()
    } else {
        cli.systems.iter().map(String::as_str).collect()
    };
    for system in &systems {
        anyhow::ensure!(
            SYSTEMS.contains(system),
            "systems: no system {system:?} in this build (built in: {}; samod needs \
             `--features samod`)",
            SYSTEMS.join(", ")
        );
    }
    anyhow::ensure!(
        (0.0..1.0).contains(&cli.loss),
        "loss: {}: expected a fraction at least 0 and below 1 (0.02 for 2 %)",
        cli.loss
    );
    let plan = Plan {
        clients: cli.clients,
        two_g_sample: cli.two_g_sample,
        two_g: Shape {
            loss: cli.loss,
            seed: cli.seed,
            ..Shape::RURAL_2G
        },
        deadline: std::time::Duration::from_secs(cli.deadline_minutes.saturating_mul(60)),
    };
    let temporary = tempfile::tempdir()?;
    let dir = cli
        .dir
        .clone()
        .unwrap_or_else(|| temporary.path().to_owned());
    let exe = std::env::current_exe()?;
    println!("# Field day: seed {}, {}", cli.seed, machine());
    println!(
        "2G link: {} kbit/s each way, {} ms round trip, {} % packet loss, {} phones sampled; {} phones sync at once on loopback",
        plan.two_g.bits_per_second / 1000,
        plan.two_g.round_trip.as_millis(),
        report::percent(plan.two_g.loss),
        plan.two_g_sample,
        plan.clients
    );
    let earlier = match &cli.points {
        Some(path) if path.exists() => {
            let text = std::fs::read_to_string(path)?;
            report::Point::parse_all(&text)
                .map_err(|reason| anyhow::anyhow!("points: {}: {reason}", path.display()))?
        }
        _ => Vec::new(),
    };
    let mut all = Vec::new();
    let mut unfinished = Vec::new();
    for size in sizes {
        let workload = Workload::generate(size, cli.seed, Mix::default());
        eprintln!(
            "{}: {} enrolments by {} phones at {} stations ({} duplicates, {} misspelt, {} first attempts refused by validation)",
            size.name,
            workload.enrolments.len(),
            workload.phones.len(),
            workload.stations.len(),
            workload.count(|kind| matches!(kind, mitan_fieldday::workload::Kind::Duplicate { .. })),
            workload.count(|kind| *kind == mitan_fieldday::workload::Kind::Typo),
            workload.refused_first_attempts,
        );
        let comparison = compare(&workload, &systems, &plan, &exe, &dir)?;
        print!("{}", report::table(size, &comparison));
        unfinished.extend(
            comparison
                .unfinished
                .into_iter()
                .map(|unfinished| format!("{} at {}", unfinished.system, size.name)),
        );
        all.extend(comparison.finished);
        // Written after every size, so a long run stopped early still leaves its plot.
        let mut caption = format!("seed {}, {}", cli.seed, machine());
        if !earlier.is_empty() {
            caption.push_str("; with points of earlier runs, same seed");
        }
        if let Some(parent) = cli
            .svg
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent)?;
        }
        let measured: Vec<report::Point> = all.iter().map(report::Point::of).collect();
        let points = report::Point::merge(earlier.clone(), &measured);
        if let Some(path) = &cli.points {
            let lines: Vec<String> = points.iter().map(report::Point::line).collect();
            std::fs::write(
                path,
                format!(
                    "# system\tsize\tenrolments\tingest per s\tbytes up per enrolment\t2G loss\tsealed floor bytes up per enrolment\n{}\n",
                    lines.join("\n")
                ),
            )?;
        }
        std::fs::write(&cli.svg, report::svg(&points, &caption))
            .with_context(|| format!("writing {}", cli.svg.display()))?;
    }
    println!("\nplot written to {}", cli.svg.display());
    // The tables and plot are kept, but a run with a system missing is not a clean run.
    anyhow::ensure!(
        unfinished.is_empty(),
        "did not finish: {} (the reasons are in the tables)",
        unfinished.join(", ")
    );
    Ok(())
}
