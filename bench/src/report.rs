//! The run's output: a Markdown table per size with ratios to the floors, and an SVG plot of
//! ingest rate and bytes per enrolment against district size for each system.

use std::fmt::Write as _;
use std::time::Duration;

use crate::run::{Comparison, Figures};
use crate::workload::Size;

fn seconds(duration: Duration) -> String {
    format!("{:.2}", duration.as_secs_f64())
}

/// A loss fraction as a percentage, without trailing zeros: 0.02 is "2", 0.005 is "0.5".
pub fn percent(loss: f64) -> String {
    let text = format!("{:.2}", loss * 100.0);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn median_and_max(times: &[Duration]) -> Option<(Duration, Duration)> {
    let mut sorted = times.to_vec();
    sorted.sort();
    Some((*sorted.get(sorted.len() / 2)?, *sorted.last()?))
}

/// What the plot draws of one system at one size. Points are kept in a plain tab-separated
/// file (`--points`), so that runs made apart (the 2-lakh drive takes a quarter of an hour
/// per system) still draw one plot. The sixth column, the run's 2G loss, came later: a line
/// of five columns is a run on a clean link. The seventh, the size's sealed floor in bytes up
/// per enrolment, came later still: a line of five or six columns has none.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The system.
    pub system: String,
    /// The size's name.
    pub size: String,
    /// Enrolments in the drive.
    pub enrolments: u64,
    /// Enrolments per second over the loopback syncs.
    pub ingest_rate: f64,
    /// Bytes up per enrolment.
    pub up_per_enrolment: f64,
    /// The packet loss on the run's 2G link, as a fraction. Ingest and bytes are measured on
    /// loopback, so loss does not change them, but a lossy run's point is kept apart from a
    /// clean run's all the same, so the file says which run each figure came from.
    pub loss: f64,
    /// The sealed floor's bytes up per enrolment at this size, when the run computed it:
    /// the same for every system of a run, drawn as a line of its own.
    pub sealed_floor: Option<f64>,
}

impl Point {
    /// The point of one run.
    pub fn of(figures: &Figures) -> Point {
        Point {
            system: figures.system.to_owned(),
            size: figures.size.to_owned(),
            enrolments: figures.enrolments,
            ingest_rate: figures.ingest_rate(),
            up_per_enrolment: figures.up_per_enrolment(),
            loss: figures.two_g_loss,
            sealed_floor: figures.sealed_floor_per_enrolment(),
        }
    }

    /// The file's line for this point: six columns, or seven with a sealed floor.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{}\t{}\t{}\t{:.1}\t{:.1}\t{}",
            self.system,
            self.size,
            self.enrolments,
            self.ingest_rate,
            self.up_per_enrolment,
            self.loss
        );
        if let Some(sealed_floor) = self.sealed_floor {
            let _ = write!(line, "\t{sealed_floor:.1}");
        }
        line
    }

    /// Reads the points of a file written by [`Point::line`]; `#` lines are comments.
    pub fn parse_all(text: &str) -> Result<Vec<Point>, String> {
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
            .map(|(index, line)| {
                let fields: Vec<&str> = line.split('\t').collect();
                let number = |at: usize| -> Result<f64, String> {
                    fields
                        .get(at)
                        .and_then(|field| field.parse::<f64>().ok())
                        .filter(|value| value.is_finite())
                        .ok_or_else(|| {
                            format!("line {}: field {}: not a number", index + 1, at + 1)
                        })
                };
                if !(5..=7).contains(&fields.len()) {
                    return Err(format!(
                        "line {}: expected 5 to 7 tab-separated fields, found {}",
                        index + 1,
                        fields.len()
                    ));
                }
                Ok(Point {
                    system: fields[0].to_owned(),
                    size: fields[1].to_owned(),
                    enrolments: number(2)? as u64,
                    ingest_rate: number(3)?,
                    up_per_enrolment: number(4)?,
                    loss: if fields.len() >= 6 { number(5)? } else { 0.0 },
                    sealed_floor: if fields.len() == 7 {
                        Some(number(6)?)
                    } else {
                        None
                    },
                })
            })
            .collect()
    }

    /// `earlier` with `newer` added, a newer point replacing an earlier one of the same
    /// system, size and loss; ordered by system, then size, then loss.
    pub fn merge(earlier: Vec<Point>, newer: &[Point]) -> Vec<Point> {
        let mut all: Vec<Point> = earlier
            .into_iter()
            .filter(|old| {
                !newer.iter().any(|new| {
                    new.system == old.system && new.size == old.size && new.loss == old.loss
                })
            })
            .chain(newer.iter().cloned())
            .collect();
        all.sort_by(|a, b| {
            (&a.system, a.enrolments)
                .cmp(&(&b.system, b.enrolments))
                .then(a.loss.total_cmp(&b.loss))
        });
        all
    }
}

/// The Markdown table of one size's runs, ratios taken against the `floor` row and against
/// the sealed floor, which gets a row of its own after the plain floor's (its bytes up only:
/// it is counted, not played); a system that did not finish gets a row saying why, so the
/// table never drops it in silence. A run on a lossy 2G link says so in the 2G column's
/// header, and each row there gives the packets lost of those sent.
pub fn table(size: Size, comparison: &Comparison) -> String {
    let runs = &comparison.finished;
    let floor = runs.iter().find(|figures| figures.system == "floor");
    let sealed_floor = runs.iter().find_map(Figures::sealed_floor_per_enrolment);
    let ratio =
        |value: f64, to: Option<f64>| to.map_or("–".into(), |to| format!("{:.2}", value / to));
    let loss = runs
        .iter()
        .map(|figures| figures.two_g_loss)
        .fold(0.0, f64::max);
    let two_g_header = if loss > 0.0 {
        format!("2G last sync at {} % loss, median / max", percent(loss))
    } else {
        "2G last sync, median / max".to_owned()
    };
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
        "| system | stored | bytes up / enrolment | ÷ zstd JSON | ÷ sealed floor | bytes down / enrolment | round trips / sync | ingest (enrolments/s) | ÷ SQLite | server CPU / enrolment | server peak RSS | last evening, all phones | {two_g_header} | review bytes / decision |"
    );
    let _ = writeln!(
        out,
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    let sealed_row = |out: &mut String| {
        if let Some(sealed_floor) = sealed_floor {
            let _ = writeln!(
                out,
                "| sealed floor | – | {sealed_floor:.0} | {} | 1.00 |{}",
                ratio(sealed_floor, floor.map(|floor| floor.up_per_enrolment())),
                " – |".repeat(9)
            );
        }
    };
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
        let mut two_g = median_and_max(&figures.two_g_times)
            .map_or("–".into(), |(median, max)| {
                format!("{} / {} s", seconds(median), seconds(max))
            });
        if figures.two_g_loss > 0.0 && !figures.two_g_times.is_empty() {
            let _ = write!(
                two_g,
                ", {} of {} packets lost",
                figures.phones.lost, figures.phones.packets
            );
        }
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
            "| {} | {} / {} | {:.0} | {:.2} | {} | {} | {} | {:.0} | {:.3} | {} | {} | {} s | {} | {} |",
            figures.system,
            figures.stored,
            figures.enrolments,
            figures.up_per_enrolment(),
            up_ratio,
            ratio(figures.up_per_enrolment(), sealed_floor),
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
        if figures.system == "floor" {
            sealed_row(&mut out);
        }
    }
    if floor.is_none() {
        sealed_row(&mut out);
    }
    for unfinished in &comparison.unfinished {
        // A reason may quote a pipe or a newline of a child's stderr; either would break
        // the row.
        let reason = unfinished.reason.replace('|', "\\|").replace('\n', " ");
        let _ = writeln!(
            out,
            "| {} | did not finish: {reason} |{}",
            unfinished.system,
            " |".repeat(12)
        );
    }
    out
}

/// The name the sealed floor's line goes by in the plot.
const SEALED_FLOOR: &str = "sealed floor";

/// The sealed floor's points, one per size, from the points that carry it: a line of the
/// bytes panel beside the systems'. Points of one size from runs made apart carry the same
/// figure when their seed is the same; the last one read wins.
fn sealed_floor_points(runs: &[Point]) -> Vec<Point> {
    let mut sealed: Vec<Point> = Vec::new();
    for point in runs {
        let Some(sealed_floor) = point.sealed_floor else {
            continue;
        };
        sealed.retain(|earlier| earlier.enrolments != point.enrolments);
        sealed.push(Point {
            system: SEALED_FLOOR.to_owned(),
            size: point.size.clone(),
            enrolments: point.enrolments,
            ingest_rate: f64::NAN,
            up_per_enrolment: sealed_floor,
            loss: 0.0,
            sealed_floor: None,
        });
    }
    sealed
}

/// The colour each system is drawn in.
fn colour(system: &str) -> &'static str {
    match system {
        "mitan" => "#d95f02",
        "odk" => "#1b9e77",
        "samod" => "#7570b3",
        SEALED_FLOOR => "#e7298a",
        _ => "#666666",
    }
}

/// The lines of the plot: one per system and 2G loss, clean runs first.
fn series(runs: &[Point]) -> Vec<(&str, f64)> {
    let mut series: Vec<(&str, f64)> = runs
        .iter()
        .map(|point| (point.system.as_str(), point.loss))
        .collect();
    series.sort_by(|a, b| a.0.cmp(b.0).then(a.1.total_cmp(&b.1)));
    series.dedup();
    series
}

/// A lossy run's line is dashed, so it reads apart from the clean run's of the same colour.
fn dashes(loss: f64) -> &'static str {
    if loss > 0.0 {
        " stroke-dasharray=\"6,3\""
    } else {
        ""
    }
}

/// One panel: `value` of each system against enrolments, both axes logarithmic.
fn panel(out: &mut String, runs: &[Point], left: f64, title: &str, value: impl Fn(&Point) -> f64) {
    let (width, height, top) = (380.0, 260.0, 50.0);
    let points: Vec<(f64, f64)> = runs
        .iter()
        .map(|figures| (figures.enrolments as f64, value(figures)))
        .filter(|(x, y)| *x > 0.0 && *y > 0.0 && y.is_finite())
        .collect();
    let bounds = |values: Vec<f64>| {
        // With nothing to draw (every system failed its first size) the axes still need
        // finite ends, or the tick loops below never reach them.
        if values.is_empty() {
            return (1.0, 10.0);
        }
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
    if points.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\">no system finished a size</text>",
            left + width / 2.0,
            top + height / 2.0
        );
    }
    for (system, loss) in series(runs) {
        let mut along: Vec<&Point> = runs
            .iter()
            .filter(|point| point.system == system && point.loss == loss)
            .collect();
        along.sort_by_key(|point| point.enrolments);
        let line: Vec<String> = along
            .into_iter()
            .map(|figures| (figures.enrolments as f64, value(figures)))
            .filter(|(x, y)| *x > 0.0 && *y > 0.0 && y.is_finite())
            .map(|(x, y)| format!("{:.1},{:.1}", x_at(x), y_at(y)))
            .collect();
        let _ = writeln!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>",
            line.join(" "),
            colour(system),
            dashes(loss)
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
/// drive, one line per system, log-log; the bytes panel has the sealed floor's line too.
pub fn svg(runs: &[Point], caption: &str) -> String {
    let with_sealed_floor: Vec<Point> = runs
        .iter()
        .cloned()
        .chain(sealed_floor_points(runs))
        .collect();
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
        |point| point.ingest_rate,
    );
    panel(
        &mut out,
        &with_sealed_floor,
        520.0,
        "bytes up per enrolment",
        |point| point.up_per_enrolment,
    );
    let mut x = 70.0;
    for (system, loss) in series(&with_sealed_floor) {
        let mut label = if system == "floor" {
            "floor (SQLite; zstd JSON)".to_owned()
        } else {
            system.to_owned()
        };
        if loss > 0.0 {
            let _ = write!(label, ", run with {} % loss on 2G", percent(loss));
        }
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"362\" width=\"14\" height=\"4\" fill=\"{}\"/><text x=\"{}\" y=\"368\" font-size=\"12\">{}</text>",
            colour(system),
            x + 18.0,
            escaped(&label)
        );
        // About 7 px a character at 12 px, then a gap, so long labels never overlap.
        x += 18.0 + label.chars().count() as f64 * 7.0 + 28.0;
    }
    let _ = writeln!(
        out,
        "<text x=\"70\" y=\"390\" font-size=\"10\" fill=\"#555\">{}</text>\n</svg>",
        escaped(caption)
    );
    out
}

fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::Traffic;
    use crate::run::Unfinished;

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
                ..Traffic::default()
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
            figures("odk", 300, 300.0, 400_000),
        ]
        .map(|figures| Figures {
            sealed_floor_up: Some(45_000),
            ..figures
        });
        let comparison = Comparison {
            finished: runs.to_vec(),
            unfinished: vec![Unfinished {
                system: "samod".into(),
                reason: "samod: timed out | after 30 min".into(),
            }],
        };
        let table = table(Size::STATION, &comparison);
        let mitan = table
            .lines()
            .find(|line| line.starts_with("| mitan"))
            .expect("a row");
        // 300 bytes against 100 and against the sealed floor's 150, and 500/s against 2,000/s.
        assert!(mitan.contains("| 300 | 3.00 | 2.00 |"), "{mitan}");
        assert!(mitan.contains("| 500 | 0.250 |"), "{mitan}");
        assert!(mitan.contains("| 1.0 |"), "one round trip a sync: {mitan}");
        let samod = table
            .lines()
            .find(|line| line.starts_with("| samod"))
            .expect("a row for the system that did not finish");
        assert_eq!(
            samod,
            "| samod | did not finish: samod: timed out \\| after 30 min | | | | | | | | | | | | |"
        );
        let header = table
            .lines()
            .find(|line| line.starts_with("| system"))
            .expect("a header");
        let cells = |line: &str| line.replace("\\|", "").matches('|').count();
        assert_eq!(cells(samod), cells(header), "as many cells as the header");
        let rows: Vec<&str> = table
            .lines()
            .filter(|line| line.starts_with("| ") && !line.starts_with("| system"))
            .map(|line| line.split(" |").next().unwrap_or_default())
            .collect();
        assert_eq!(
            rows,
            ["| mitan", "| floor", "| sealed floor", "| odk", "| samod"],
            "the sealed floor beside the plain one"
        );
        let sealed = table
            .lines()
            .find(|line| line.starts_with("| sealed floor"))
            .expect("a sealed floor row");
        assert!(
            sealed.starts_with("| sealed floor | – | 150 | 1.50 | 1.00 | – |"),
            "{sealed}"
        );
        assert_eq!(cells(sealed), cells(header), "as many cells as the header");
    }

    #[test]
    fn the_plot_draws_a_line_per_system() {
        let runs = [
            figures("mitan", 300, 500.0, 90_000),
            figures("mitan", 8_000, 400.0, 2_400_000),
            figures("odk", 300, 300.0, 400_000),
            figures("odk", 8_000, 250.0, 10_000_000),
        ];
        let points: Vec<Point> = runs.iter().map(Point::of).collect();
        let svg = svg(&points, "test");
        assert!(svg.starts_with("<svg"));
        assert_eq!(
            svg.matches("<polyline").count(),
            4,
            "two systems in two panels"
        );
        assert!(svg.contains(colour("odk")));
    }

    #[test]
    fn a_plot_with_no_points_is_an_empty_frame_that_says_so() {
        let svg = svg(&[], "test");
        assert!(svg.ends_with("</svg>\n"), "{svg}");
        assert_eq!(svg.matches("<polyline").count(), 0);
        assert_eq!(svg.matches("no system finished a size").count(), 2);
        assert!(!svg.contains("inf") && !svg.contains("NaN"), "{svg}");
    }

    #[test]
    fn points_written_apart_merge_into_one_plot_the_newer_replacing_the_older() {
        let earlier = Point::parse_all(
            "# system\tsize\tenrolments\tingest\tbytes up\n\
             mitan\tstation\t300\t600.0\t430.0\n\
             mitan\tlakh2\t200000\t800.0\t431.0\n",
        )
        .expect("reads");
        assert!(
            earlier.iter().all(|point| point.loss == 0.0),
            "five columns: a clean link"
        );
        let newer = [Point::of(&figures("mitan", 300, 700.0, 129_000))];
        let merged = Point::merge(earlier, &newer);
        assert_eq!(merged.len(), 2);
        assert!(
            (merged[0].ingest_rate - 700.0).abs() < 0.01,
            "the newer station point: {:?}",
            merged[0]
        );
        assert_eq!(merged[1].size, "lakh2");
        let again = Point::parse_all(
            &merged
                .iter()
                .map(Point::line)
                .collect::<Vec<_>>()
                .join("\n"),
        )
        .expect("reads back");
        let lines = |points: &[Point]| points.iter().map(Point::line).collect::<Vec<_>>();
        assert_eq!(lines(&again), lines(&merged), "written as read");
        assert_eq!(
            Point::parse_all("mitan\tstation\t300\tfast\t430").expect_err("refused"),
            "line 1: field 4: not a number"
        );
    }

    #[test]
    fn a_point_carries_its_sizes_sealed_floor_in_a_seventh_column_older_lines_have_none() {
        let mut figures = figures("mitan", 300, 500.0, 90_000);
        figures.sealed_floor_up = Some(70_650);
        let point = Point::of(&figures);
        assert_eq!(point.sealed_floor, Some(235.5));
        assert_eq!(point.line(), "mitan\tstation\t300\t500.0\t300.0\t0\t235.5");
        let read = Point::parse_all(&format!(
            "{}\nodk\tstation\t300\t300.0\t1290.0\t0\nfloor\tstation\t300\t6000.0\t89.0\n",
            point.line()
        ))
        .expect("reads seven, six and five columns");
        assert_eq!(read[0], point);
        assert_eq!(read[1].sealed_floor, None);
        assert_eq!(read[2].sealed_floor, None);
        assert!(
            Point::parse_all("mitan\tstation\t300\t500.0\t300.0\t0\t235.5\t1")
                .expect_err("eight columns")
                .contains("expected 5 to 7")
        );
        let svg = svg(&read, "test");
        assert_eq!(
            svg.matches("<polyline").count(),
            3 + 4,
            "three systems in two panels, and the sealed floor in the bytes panel"
        );
        assert!(svg.contains(colour(SEALED_FLOOR)), "{svg}");
        assert!(svg.contains(">sealed floor</text>"), "{svg}");
    }

    #[test]
    fn a_run_on_a_lossy_link_says_so_in_the_table_and_the_points() {
        let clean = figures("mitan", 300, 500.0, 90_000);
        let mut lossy = figures("mitan", 300, 500.0, 90_000);
        lossy.two_g_loss = 0.02;
        lossy.two_g_times = vec![Duration::from_millis(4_200), Duration::from_millis(5_100)];
        lossy.phones.packets = 140;
        lossy.phones.lost = 3;
        let comparison = Comparison {
            finished: vec![lossy.clone()],
            unfinished: Vec::new(),
        };
        let table = table(Size::STATION, &comparison);
        assert!(
            table.contains("| 2G last sync at 2 % loss, median / max |"),
            "{table}"
        );
        assert!(
            table.contains("| 5.10 / 5.10 s, 3 of 140 packets lost |"),
            "{table}"
        );
        let points = Point::merge(vec![Point::of(&clean)], &[Point::of(&lossy)]);
        assert_eq!(points.len(), 2, "a lossy run does not replace a clean one");
        let lines: Vec<String> = points.iter().map(Point::line).collect();
        assert_eq!(
            lines,
            [
                "mitan\tstation\t300\t500.0\t300.0\t0",
                "mitan\tstation\t300\t500.0\t300.0\t0.02"
            ]
        );
        assert_eq!(Point::parse_all(&lines.join("\n")).expect("reads"), points);
        let svg = svg(&points, "test");
        assert_eq!(svg.matches("stroke-dasharray").count(), 2, "one per panel");
        assert!(svg.contains("mitan, run with 2 % loss on 2G"), "{svg}");
    }

    #[test]
    fn a_loss_reads_as_a_short_percentage() {
        assert_eq!(percent(0.02), "2");
        assert_eq!(percent(0.005), "0.5");
        assert_eq!(percent(0.125), "12.5");
        assert_eq!(percent(0.0), "0");
    }
}
