//! `mitan audit`: the merge history replayed, as an auditor or the district admin, on the
//! district database (`--db FILE --as BADGE`) or a running server (`--server URL
//! --credential TOKEN`), through the operations `GET /v1/audit/…` serves; and the signed
//! export of every change, with its offline check.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use mitan_server::audit::{self, DiffQuery, HistoryQuery, StateQuery};
use mitan_server::http::system_clock;
use mitan_server::reports::past::{self, PastProgressReport, PastReportQuery};
use mitan_server::reports::progress_diff::{self, ReportDiff, ReportDiffQuery};
use mitan_server::{private_files, provenance};

use super::operations::Target;
use super::output::say;
use super::{as_json, bar_style, progress_bar, spinner};
use crate::error::{Error, Result};

/// `mitan audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Where to read: the database as an auditor or district admin (an answer showing
    /// personal fields is logged in the access log in their name, as requested via `cli`), or
    /// a server. `verify` needs neither.
    #[command(flatten)]
    pub target: Target,
    /// What to read.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// The audit commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Every change of a roster, of the rosters under a unit, or of one volunteer, in order.
    History {
        /// Whose history, and which of it.
        #[command(flatten)]
        query: HistoryQuery,
        /// Print the JSON that `GET /v1/audit/history` answers instead of text.
        #[arg(long)]
        json: bool,
    },
    /// A roster as it stood at a past time or just after a change, as JSON.
    State(StateQuery),
    /// What changed in a roster between two moments, as JSON.
    Diff(DiffQuery),
    /// The progress report (every unit and employee against its target) as it stood at a
    /// past moment, each beat replayed from its change log.
    Report {
        /// The moment, and what to count.
        #[command(flatten)]
        query: PastReportQuery,
        /// Print the JSON that `GET /v1/audit/report` answers instead of text.
        #[arg(long)]
        json: bool,
    },
    /// What moved in the progress report between two moments: each unit and employee whose
    /// enrolled or verified count changed, with both counts.
    ReportDiff {
        /// From when, to when (the second moment defaults to now, on the server clock only).
        #[command(flatten)]
        query: ReportDiffQuery,
        /// Print the JSON that `GET /v1/audit/report/diff` answers instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write every change of the district (or of the beats under --unit) with its signature,
    /// the devices' public keys and the server's receipt times, signed by the server, into
    /// one file that `mitan audit verify` checks offline. Reads the database (`--db`).
    Export {
        /// Only the beats under this unit.
        #[arg(long)]
        unit: Option<String>,
        /// The file to write.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Check an export with nothing else: every change's hash, dependencies and signature.
    /// Prints each change tampered with, missing or unsigned; exits non-zero if any.
    Verify {
        /// The export file.
        file: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `mitan audit`.
pub(super) fn run(args: AuditArgs) -> Result<()> {
    let target = args.target;
    let text = match args.command {
        AuditCommand::Verify { file, json } => return verify(&file, json),
        AuditCommand::History { query, json } => {
            let bar = spinner("replaying the history");
            let page = target.replay(query, &mut |done, total| {
                // One roster stays a spinner; a unit's beats become a bar.
                if total > 1 && bar.length() != Some(total) {
                    bar.set_style(bar_style());
                    bar.set_message("replaying beats");
                    bar.set_length(total);
                }
                bar.set_position(done);
            })?;
            bar.finish_and_clear();
            if json {
                as_json("history", &page)?
            } else {
                history_text(&page)
            }
        }
        AuditCommand::State(query) => {
            let bar = spinner("replaying the roster");
            let state = target.replay(query, &mut |_, _| {})?;
            bar.finish_and_clear();
            as_json("state", &state)?
        }
        AuditCommand::Diff(query) => as_json("diff", &target.replay(query, &mut |_, _| {})?)?,
        AuditCommand::Report { query, json } => {
            let report = with_beats_bar(|progress| target.replay(query, progress))?;
            if json {
                as_json("report", &report)?
            } else {
                past_report_text(&report)
            }
        }
        AuditCommand::ReportDiff { query, json } => {
            let diff = with_beats_bar(|progress| target.replay(query, progress))?;
            if json {
                as_json("report diff", &diff)?
            } else {
                report_diff_text(&diff)
            }
        }
        AuditCommand::Export { unit, output } => export(&target, unit, &output)?,
    };
    say!("{text}");
    Ok(())
}

/// Runs `replay` with a bar of the beats replayed, cleared when it ends.
fn with_beats_bar<T>(replay: impl FnOnce(&mut dyn FnMut(u64, u64)) -> Result<T>) -> Result<T> {
    let bar = progress_bar(0, "replaying beats");
    let answer = replay(&mut |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    answer
}

/// Writes the signed export of the rosters in reach to `output`, and says what it holds.
fn export(target: &Target, unit: Option<String>, output: &Path) -> Result<String> {
    let (store, caller) = target.database_reader("the signed export")?;
    let bar = progress_bar(0, "exporting rosters");
    let done = provenance::export(
        &store,
        &caller.user,
        &provenance::ExportQuery { unit },
        system_clock()(),
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )?;
    bar.finish_and_clear();
    private_files::write(output, &done.file)?;
    Ok(format!(
        "{} change(s) of {} roster(s) written to {} ({} bytes){}",
        done.changes,
        done.rosters,
        output.display(),
        done.file.len(),
        if done.unsigned > 0 {
            format!("; {} logged before signatures, unsigned", done.unsigned)
        } else {
            String::new()
        }
    ))
}

/// Checks an export offline.
fn verify(file: &Path, json: bool) -> Result<()> {
    let bytes = std::fs::read(file)?;
    let bar = progress_bar(0, "verifying");
    let report =
        mitan_core::provenance::verify_export_with_progress(&bytes, &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })?;
    bar.finish_and_clear();
    if json {
        say!("{}", as_json("verification", &report)?);
    } else {
        for finding in &report.findings {
            say!("{finding}");
        }
        say!(
            "{} change(s) in {} roster(s) from {} device(s), {} signature(s) valid; exported by \
             {} for {} on {}; server key {}",
            report.changes,
            report.rosters,
            report.devices,
            report.signed,
            report.exported_by,
            report.scope,
            mitan_server::ist::date_time(report.created_at_ms),
            report.server_key
        );
    }
    if report.passed() {
        Ok(())
    } else {
        Err(Error::VerificationFailed {
            findings: report.findings.len() as u64,
        })
    }
}

/// The moment replayed, then the report as `mitan report progress` prints a live one.
fn past_report_text(past: &PastProgressReport) -> String {
    use super::show::Show;
    let moment = &past.moment;
    let mut lines = vec![format!(
        "as of {} ({} clock{}): {} roster(s) replayed, {} change(s){}",
        mitan_server::ist::date_time(moment.at_ms),
        past.clock,
        moment
            .change
            .as_deref()
            .map_or_else(String::new, |change| format!(
                ", when change {change} arrived"
            )),
        moment.rosters,
        moment.changes,
        if moment.unreadable > 0 {
            format!(", {} unreadable entr(ies) not counted", moment.unreadable)
        } else {
            String::new()
        }
    )];
    lines.extend(past.report.lines());
    lines.join("\n")
}

/// A heading, then one line per unit and per employee that moved: each count then and now.
fn report_diff_text(diff: &ReportDiff) -> String {
    let end = |end: &past::PastMoment| {
        format!(
            "{}{}",
            mitan_server::ist::date_time(end.at_ms),
            end.change
                .as_deref()
                .map_or_else(String::new, |change| format!(" (change {change})"))
        )
    };
    let counts = |movement: &progress_diff::Movement| {
        format!("{} -> {} ({:+})", movement.from, movement.to, movement.by)
    };
    let mut lines = vec![format!(
        "from {} to {} ({} clock): {} -> {} change(s); {} unit(s) and {} employee(s) moved, {} and {} did not",
        end(&diff.from),
        end(&diff.to),
        diff.clock,
        diff.from.changes,
        diff.to.changes,
        diff.units.len(),
        diff.employees.len(),
        diff.units_unchanged,
        diff.employees_unchanged,
    )];
    lines.push("unit\tkind\tenrolled\tverified\ttarget\tsame phone".into());
    for unit in &diff.units {
        lines.push(format!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            unit.code,
            unit.kind,
            counts(&unit.enrolled),
            counts(&unit.verified),
            unit.target,
            counts(&unit.duplicates)
        ));
    }
    lines.push("employee\trole\tstation\tenrolled\tverified\ttarget\tsame phone".into());
    for employee in &diff.employees {
        lines.push(format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            employee.badge,
            employee.role,
            employee.station,
            counts(&employee.enrolled),
            counts(&employee.verified),
            employee.target,
            counts(&employee.duplicates)
        ));
    }
    lines.join("\n")
}

/// One line per change: receipt time, device clock, roster, author, device, action, entry,
/// then each field written.
fn history_text(page: &audit::HistoryPage) -> String {
    use mitan_core::history::Shown;
    let mut lines = Vec::with_capacity(page.entries.len() + 1);
    for entry in &page.entries {
        let change = &entry.change;
        let fields: Vec<String> = change
            .fields
            .iter()
            .map(|field| {
                let shown = match &field.shown {
                    // Quoted as typed: Debug would escape Devanagari (`र\u{947}`).
                    Shown::Value(text) | Shown::Opened(text) => format!("\"{text}\""),
                    Shown::Sealed => "(sealed)".into(),
                    Shown::Erased => "(erased)".into(),
                    Shown::Unopenable => "(does not open)".into(),
                    Shown::Created => "(created)".into(),
                    Shown::Removed => "(removed)".into(),
                };
                format!("{}={shown}", field.field)
            })
            .collect();
        lines.push(format!(
            "{}\t{}\t{}\t{}#{}\t{} ({})\t{}\t{}\t{}\t{}",
            change
                .received_at_ms
                .map_or_else(|| "-".to_owned(), mitan_server::ist::date_time),
            mitan_server::ist::date_time(change.device_clock_ms),
            // Whole, so that it can be handed back to `state --change` or `report --change`.
            mitan_core::history::encode_hash(&change.hash),
            entry.roster,
            change.seq,
            change.badge.as_deref().unwrap_or("-"),
            change.role.as_deref().unwrap_or("-"),
            change.device.as_deref().unwrap_or("-"),
            change
                .action
                .and_then(|action| serde_json::to_value(action).ok())
                .and_then(|value| value.as_str().map(str::to_owned))
                .map(|action| match &change.carried_from {
                    Some(original) => format!("{action} (carried from {original})"),
                    None => action,
                })
                .unwrap_or_else(|| "-".into()),
            change.entry.as_deref().unwrap_or("-"),
            fields.join(" "),
        ));
    }
    lines.push(format!(
        "{} of {} change(s){}",
        page.entries.len(),
        page.total,
        page.next_offset
            .map(|offset| format!("; next page: --offset {offset}"))
            .unwrap_or_default()
    ));
    lines.join("\n")
}
