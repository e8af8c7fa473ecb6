//! The run's output: a Markdown table per size with ratios to the floors, and an SVG plot of
//! ingest rate and bytes per enrolment against district size for each system.

use std::fmt::Write as _;
use std::time::Duration;

use crate::run::Figures;
use crate::workload::Size;

fn seconds(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64())
}

fn median_and_max(times: &[Duration]) -> Option<(Duration, Duration)> {
    let mut sorted = times.to_vec();
    sorted.sort();
    Some((*sorted.get(sorted.len() / 2)?, *sorted.last()?))
}

/// The Markdown table of one size's runs, ratios taken against the `floor` row.
pub fn table(size: Size, runs: &[Figures]) -> String {
    let floor = runs.iter().find(|figures| figures.system == "floor");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n### {}: {} stations, {} phones, {} enrolments\n",
        size.name,
        size.stations,
        size.phones(),
        size.enrolments()
    );
    let _ = writeln!(
        out,
        "| system | stored | bytes up / enrolment | ÷ zstd JSON | bytes down / enrolment | round trips / sync | ingest (enrolments/s) | ÷ SQLite | server CPU / enrolment | server peak RSS | last evening, all phones | 2G last sync, median / max | review bytes / decision |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for figures in runs {
        let up_ratio = floor.map_or(f64::NAN, |floor| {
            figures.up_per_enrolment() / floor.up_per_enrolment()
        });
        let rate_ratio = floor.map_or(f64::NAN, |floor| {
            figures.ingest_rate() / floor.ingest_rate()
        });
        let round_trips = figures
            .round_trips_per_sync()
            .map_or("–".into(), |value| format!("{value:.1}"));
        let cpu = figures
            .cpu_per_enrolment()
            .map_or("–".into(), |cpu| format!("{} µs", cpu.as_micros()));
        let rss = figures.usage.map_or("–".into(), |usage| {
            format!("{:.0} MiB", usage.peak_rss_kib as f64 / 1024.0)
        });
        let two_g = median_and_max(&figures.two_g_times).map_or("–".into(), |(median, max)| {
            format!("{} / {} s", seconds(median), seconds(max))
        });
        let decisions = size.enrolments() as f64;
        let review_bytes = if figures.reviews.connections > 0 {
            format!(
                "{:.0}",
                (figures.reviews.up + figures.reviews.down) as f64 / decisions
            )
        } else {
            "–".into()
        };
        let down = if figures.phones.connections > 0 {
            format!("{:.0}", figures.down_per_enrolment())
        } else {
            "–".into()
        };
        let _ = writeln!(
            out,
            "| {} | {} / {} | {:.0} | {:.2} | {} | {} | {:.0} | {:.3} | {} | {} | {} s | {} | {} |",
            figures.system,
            figures.stored,
            figures.enrolments,
            figures.up_per_enrolment(),
            up_ratio,
            down,
            round_trips,
            figures.ingest_rate(),
            rate_ratio,
            cpu,
            rss,
            seconds(figures.district_final_sync(size.phones())),
            two_g,
            review_bytes,
        );
    }
    out
}

/// The colour each system is drawn in.
fn colour(system: &str) -> &'static str {
    match system {
        "mitan" => "#d95f02",
        "odk" => "#1b9e77",
        "samod" => "#7570b3",
        _ => "#666666",
    }
}

/// One panel: `value` of each system against enrolments, both axes logarithmic.
fn panel(
    out: &mut String,
    runs: &[Figures],
    left: f64,
    title: &str,
    value: impl Fn(&Figures) -> f64,
) {
    let (width, height, top) = (380.0, 260.0, 50.0);
    let points: Vec<(f64, f64)> = runs
        .iter()
        .map(|figures| (figures.enrolments as f64, value(figures)))
        .filter(|(x, y)| *x > 0.0 && *y > 0.0 && y.is_finite())
        .collect();
    let bounds = |values: Vec<f64>| {
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(0.0, f64::max);
        (
            10f64.powf(low.log10().floor()),
            10f64.powf(high.log10().ceil().max(low.log10().floor() + 1.0)),
        )
    };
    let (x_low, x_high) = bounds(points.iter().map(|p| p.0).collect());
    let (y_low, y_high) = bounds(points.iter().map(|p| p.1).collect());
    let x_at =
        |x: f64| left + (x.log10() - x_low.log10()) / (x_high.log10() - x_low.log10()) * width;
    let y_at = |y: f64| {
        top + height - (y.log10() - y_low.log10()) / (y_high.log10() - y_low.log10()) * height
    };
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"30\" font-size=\"15\" text-anchor=\"middle\">{title}</text>",
        left + width / 2.0
    );
    let _ = writeln!(
        out,
        "<rect x=\"{left}\" y=\"{top}\" width=\"{width}\" height=\"{height}\" fill=\"none\" stroke=\"#999\"/>"
    );
    let mut tick = x_low;
    while tick <= x_high * 1.001 {
        let x = x_at(tick);
        let _ = writeln!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#eee\"/><text x=\"{x:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{tick}</text>",
            top + height,
            top + height + 15.0
        );
        tick *= 10.0;
    }
    let mut tick = y_low;
    while tick <= y_high * 1.001 {
        let y = y_at(tick);
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#eee\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{tick}</text>",
            left + width,
            left - 4.0,
            y + 4.0
        );
        tick *= 10.0;
    }
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">enrolments in the drive</text>",
        left + width / 2.0,
        top + height + 35.0
    );
    let mut systems: Vec<&str> = runs.iter().map(|figures| figures.system).collect();
    systems.dedup();
    systems.sort();
    systems.dedup();
    for system in systems {
        let line: Vec<String> = runs
            .iter()
            .filter(|figures| figures.system == system)
            .map(|figures| (figures.enrolments as f64, value(figures)))
            .filter(|(x, y)| *x > 0.0 && *y > 0.0 && y.is_finite())
            .map(|(x, y)| format!("{:.1},{:.1}", x_at(x), y_at(y)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
            line.join(" "),
            colour(system)
        );
        for point in &line {
            let (x, y) = point.split_once(',').unwrap_or(("0", "0"));
            let _ = writeln!(
                out,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{}\"/>",
                colour(system)
            );
        }
    }
}

/// The plot: ingest rate (left) and bytes up per enrolment (right) against enrolments in the
/// drive, one line per system, log-log.
pub fn svg(runs: &[Figures], caption: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"920\" height=\"400\" font-family=\"sans-serif\">\n<rect width=\"920\" height=\"400\" fill=\"white\"/>"
    );
    panel(
        &mut out,
        runs,
        70.0,
        "server ingest, enrolments/s",
        Figures::ingest_rate,
    );
    panel(
        &mut out,
        runs,
        520.0,
        "bytes up per enrolment",
        Figures::up_per_enrolment,
    );
    let mut systems: Vec<&str> = runs.iter().map(|figures| figures.system).collect();
    systems.sort();
    systems.dedup();
    for (index, system) in systems.iter().enumerate() {
        let x = 70.0 + index as f64 * 130.0;
        let label = if *system == "floor" {
            "floor (SQLite; zstd JSON)"
        } else {
            system
        };
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"362\" width=\"14\" height=\"4\" fill=\"{}\"/><text x=\"{}\" y=\"368\" font-size=\"12\">{label}</text>",
            colour(system),
            x + 18.0
        );
    }
    let _ = writeln!(
        out,
        "<text x=\"70\" y=\"390\" font-size=\"10\" fill=\"#555\">{}</text>\n</svg>",
        caption.replace('&', "&amp;").replace('<', "&lt;")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::Traffic;

    fn figures(system: &'static str, enrolments: u64, rate: f64, up: u64) -> Figures {
        Figures {
            system,
            size: "station",
            enrolments,
            stored: enrolments,
            phones: Traffic {
                up,
                down: up / 2,
                round_trips: 24,
                connections: 24,
            },
            syncs: 24,
            sync_time: Duration::from_secs_f64(enrolments as f64 / rate),
            synced_enrolments: enrolments,
            final_sync_time: Duration::from_secs(1),
            final_sync_phones: 12,
            ..Figures::default()
        }
    }

    #[test]
    fn the_table_gives_each_system_its_ratio_to_the_floors() {
        let runs = [
            figures("mitan", 300, 500.0, 90_000),
            figures("floor", 300, 2_000.0, 30_000),
        ];
        let table = table(Size::STATION, &runs);
        let mitan = table
            .lines()
            .find(|line| line.starts_with("| mitan"))
            .expect("a row");
        // 300 bytes against 100, and 500/s against 2,000/s.
        assert!(mitan.contains("| 300 | 3.00 |"), "{mitan}");
        assert!(mitan.contains("| 500 | 0.250 |"), "{mitan}");
        assert!(mitan.contains("| 1.0 |"), "one round trip a sync: {mitan}");
    }

    #[test]
    fn the_plot_draws_a_line_per_system() {
        let runs = [
            figures("mitan", 300, 500.0, 90_000),
            figures("mitan", 8_000, 400.0, 2_400_000),
            figures("odk", 300, 300.0, 400_000),
            figures("odk", 8_000, 250.0, 10_000_000),
        ];
        let svg = svg(&runs, "test");
        assert!(svg.starts_with("<svg"));
        assert_eq!(
            svg.matches("<polyline").count(),
            4,
            "two systems in two panels"
        );
        assert!(svg.contains(colour("odk")));
    }
}
