//! The console's HTML, rendered on the server with maud, which escapes every value it
//! interpolates: a household or unit name holding `<script>` is shown as text. Pages work
//! without JavaScript; forms post back and are answered with a redirect.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use mitan_core::model::Programme;

use super::text::{Key, Lang};
use mitan_core::history::{HistoryEntry, Shown};

use crate::admin::CampaignView;
use crate::audit::VolunteerRecord;
use crate::ist;
use crate::ops::directory::UnitEntry;
use crate::reports::{ListedVolunteer, ProgressReport, ReportQuery, ReviewQueue, UnitProgress};
use crate::store::User;

/// The stylesheet, embedded in the binary: nothing is fetched from elsewhere.
pub const STYLESHEET: &str = include_str!("console.css");

/// What every page of a signed-in officer shows around its body.
pub struct Frame<'a> {
    /// The language.
    pub lang: Lang,
    /// The officer, when signed in.
    pub user: Option<&'a User>,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: Option<&'a str>,
    /// The path of this page, for the language switch to come back to.
    pub here: &'a str,
}

/// A whole page: `title`, the navigation, a notice if any, and `body`.
pub fn page(frame: &Frame<'_>, title: Key, notice: Option<&str>, body: Markup) -> Markup {
    let lang = frame.lang;
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (lang.t(title)) " · " (lang.t(Key::Console)) }
                link rel="stylesheet" href="/console.css";
            }
            body {
                a.skip href="#main" { (lang.t(Key::Skip)) }
                header {
                    strong { (lang.t(Key::Console)) }
                    @if let Some(user) = frame.user {
                        nav aria-label=(lang.t(Key::Console)) {
                            a href="/progress" { (lang.t(Key::Progress)) }
                            " "
                            a href="/review" { (lang.t(Key::Review)) }
                        }
                        span.who { (lang.t(Key::Signed)) " " (user.name) " (" (user.badge) ", " (user.role) ")" }
                        @if let Some(csrf) = frame.csrf {
                            form.inline method="post" action="/sign-out" {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { (lang.t(Key::SignOut)) }
                            }
                        }
                    }
                    a.lang href={ "/language?set=" (lang.other().code()) "&back=" (frame.here) }
                        lang=(lang.other().code()) { (lang.other().own_name()) }
                }
                main id="main" {
                    h1 { (lang.t(title)) }
                    @if let Some(notice) = notice {
                        p.notice role="status" { (notice) }
                    }
                    (body)
                }
            }
        }
    }
}

/// The sign-in form, with `error` above it when the last attempt failed.
pub fn sign_in(lang: Lang, error: Option<Key>, notice: Option<Key>) -> Markup {
    html! {
        @if let Some(error) = error {
            p.error role="alert" { (lang.t(error)) }
        }
        @if let Some(notice) = notice {
            p.notice role="status" { (lang.t(notice)) }
        }
        form method="post" action="/sign-in" {
            label for="badge" { (lang.t(Key::Badge)) }
            input id="badge" name="badge" autocomplete="username" required;
            label for="password" { (lang.t(Key::Password)) }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            button type="submit" { (lang.t(Key::SignIn)) }
        }
        p { a href="/first-password" { (lang.t(Key::FirstPassword)) } }
    }
}

/// The form that sets a first password with a one-time code.
pub fn first_password(lang: Lang, error: Option<Key>) -> Markup {
    html! {
        p { (lang.t(Key::FirstPasswordHelp)) }
        @if let Some(error) = error {
            p.error role="alert" { (lang.t(error)) }
        }
        form method="post" action="/first-password" {
            label for="badge" { (lang.t(Key::Badge)) }
            input id="badge" name="badge" autocomplete="username" required;
            label for="code" { (lang.t(Key::OneTimeCode)) }
            input id="code" name="code" autocomplete="one-time-code" required;
            label for="password" { (lang.t(Key::Password)) }
            input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required;
            label for="again" { (lang.t(Key::PasswordAgain)) }
            input id="again" name="again" type="password" autocomplete="new-password" minlength="10" required;
            button type="submit" { (lang.t(Key::SetPassword)) }
        }
    }
}

/// The campaign and programme pickers, as a form that reloads the page.
fn pickers(lang: Lang, action: &str, campaigns: &[CampaignView], query: &ReportQuery) -> Markup {
    let chosen_campaign = query.campaign.as_deref().unwrap_or("");
    let chosen_programme = query.programme.as_deref().unwrap_or("");
    html! {
        form.pickers method="get" action=(action) {
            label for="campaign" { (lang.t(Key::Campaign)) }
            select id="campaign" name="campaign" {
                option value="" selected[chosen_campaign.is_empty()] { (lang.t(Key::All)) }
                @for view in campaigns {
                    option value=(view.campaign.code) selected[chosen_campaign == view.campaign.code] {
                        (view.campaign.name) " (" (view.campaign.starts_on) " – " (view.campaign.ends_on) ")"
                    }
                }
            }
            label for="programme" { (lang.t(Key::Programme)) }
            select id="programme" name="programme" {
                option value="" selected[chosen_programme.is_empty()] { (lang.t(Key::All)) }
                @for code in Programme::BUILT_IN {
                    option value=(code) selected[chosen_programme == code] { (code) }
                }
            }
            button type="submit" { (lang.t(Key::Show)) }
        }
    }
}

fn unit_name(lang: Lang, unit: &UnitProgress) -> &str {
    match lang {
        Lang::Hi if !unit.name_hi.is_empty() => &unit.name_hi,
        _ => &unit.name_en,
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |percent| format!("{percent:.0}%"))
}

/// A bar of enrolled and verified against the target, as inline SVG: the chart is drawn on
/// the server, so it needs no script and weighs a few hundred bytes.
fn bar(enrolled: u64, verified: u64, target: u64) -> Markup {
    let scale = enrolled.max(target).max(1) as f64;
    let width = |count: u64| (count as f64 / scale * 120.0).round();
    let target_x = width(target);
    html! {
        svg.bar width="124" height="14" viewBox="0 0 124 14" role="img"
            aria-label={ (enrolled) " / " (target) } {
            rect x="0" y="2" width=(width(enrolled)) height="10" class="enrolled" {}
            rect x="0" y="2" width=(width(verified)) height="10" class="verified" {}
            line x1=(target_x) x2=(target_x) y1="0" y2="14" class="target" {}
        }
    }
}

/// Whether a unit is behind its target.
fn lagging(enrolled: u64, target: u64) -> bool {
    target > 0 && enrolled < target
}

/// The progress page: lagging units first, then the whole tree, then the employees.
pub fn progress(
    lang: Lang,
    report: &ProgressReport,
    campaigns: &[CampaignView],
    query: &ReportQuery,
) -> Markup {
    let mut behind: Vec<&UnitProgress> = report
        .units
        .iter()
        .filter(|unit| lagging(unit.enrolled, unit.target))
        .collect();
    behind.sort_by(|a, b| {
        a.percent
            .unwrap_or(0.0)
            .total_cmp(&b.percent.unwrap_or(0.0))
            .then_with(|| a.code.cmp(&b.code))
    });
    let mut employees: Vec<_> = report.employees.iter().collect();
    employees.sort_by(|a, b| {
        a.percent
            .unwrap_or(0.0)
            .total_cmp(&b.percent.unwrap_or(0.0))
            .then_with(|| a.badge.cmp(&b.badge))
    });
    let depth = |unit: &UnitProgress| depth_of(report, unit);
    html! {
        (pickers(lang, "/progress", campaigns, query))
        @if let (Some(starts), Some(ends)) = (&report.counted.starts_on, &report.counted.ends_on) {
            p { (lang.t(Key::Counted)) ": " (starts) " – " (ends) }
        }
        h2 { (lang.t(Key::Lagging)) " (" (ist::count(behind.len() as u64)) ")" }
        p { (lang.t(Key::LaggingFirst)) }
        (unit_table(lang, &behind, |_| 0))
        h2 { (lang.t(Key::Unit)) }
        (unit_table(lang, &report.units.iter().collect::<Vec<_>>(), depth))
        h2 { (lang.t(Key::Employees)) }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Badge)) }
                th scope="col" { (lang.t(Key::Name)) }
                th scope="col" { (lang.t(Key::Station)) }
                th scope="col" class="number" { (lang.t(Key::Enrolled)) }
                th scope="col" class="number" { (lang.t(Key::Verified)) }
                th scope="col" class="number" { (lang.t(Key::Target)) }
                th scope="col" class="number" { (lang.t(Key::OfTarget)) }
            } }
            tbody {
                @for employee in employees {
                    tr.lagging[lagging(employee.enrolled, employee.target)] {
                        td { (employee.badge) }
                        td { (employee.name) }
                        td { (employee.station) }
                        td.number { (ist::count(employee.enrolled)) }
                        td.number { (ist::count(employee.verified)) }
                        td.number { (ist::count(employee.target)) }
                        td.number { (percent(employee.percent)) }
                    }
                }
            }
        }
    }
}

/// How deep `unit` sits in the report's tree (the district is 0).
fn depth_of(report: &ProgressReport, unit: &UnitProgress) -> usize {
    let mut depth = 0;
    let mut parent = unit.parent.as_deref();
    while let Some(code) = parent {
        match report.units.iter().find(|candidate| candidate.code == code) {
            Some(found) => {
                depth += 1;
                parent = found.parent.as_deref();
            }
            None => break,
        }
    }
    depth
}

fn unit_table(
    lang: Lang,
    units: &[&UnitProgress],
    depth: impl Fn(&UnitProgress) -> usize,
) -> Markup {
    html! {
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Unit)) }
                th scope="col" { (lang.t(Key::Kind)) }
                th scope="col" class="number" { (lang.t(Key::Enrolled)) }
                th scope="col" class="number" { (lang.t(Key::Verified)) }
                th scope="col" class="number" { (lang.t(Key::Target)) }
                th scope="col" class="number" { (lang.t(Key::OfTarget)) }
                th scope="col" { span.visually-hidden { (lang.t(Key::Progress)) } }
            } }
            tbody {
                @for unit in units {
                    tr.lagging[lagging(unit.enrolled, unit.target)] {
                        th scope="row" style={ "padding-left:" (0.3 + depth(unit) as f64) "em" } {
                            (unit_name(lang, unit)) " " small { (unit.code) }
                        }
                        td { (unit.kind) }
                        td.number { (ist::count(unit.enrolled)) }
                        td.number { (ist::count(unit.verified)) }
                        td.number { (ist::count(unit.target)) }
                        td.number { (percent(unit.percent)) }
                        td { (bar(unit.enrolled, unit.verified, unit.target)) }
                    }
                }
            }
        }
    }
}

/// The review queue: a page of pending entries, each with a box for bulk verification and a
/// reject form of its own.
pub fn review(lang: Lang, queue: &ReviewQueue, offset: u32, limit: u32, csrf: &str) -> Markup {
    let shown = queue.volunteers.len() as u64;
    html! {
        p { (lang.t(Key::Waiting)) ": " strong { (ist::count(queue.total)) } }
        @if queue.volunteers.is_empty() {
            p { (lang.t(Key::NothingWaiting)) }
        } @else {
            form id="bulk" method="post" action="/review/verify" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="offset" value=(offset);
                button type="submit" { (lang.t(Key::VerifySelected)) }
            }
            table {
                thead { tr {
                    th scope="col" { (lang.t(Key::Select)) }
                    th scope="col" { (lang.t(Key::NameDeva)) }
                    th scope="col" { (lang.t(Key::NameLatin)) }
                    th scope="col" { (lang.t(Key::Phone)) }
                    th scope="col" { (lang.t(Key::Household)) }
                    th scope="col" { (lang.t(Key::Village)) }
                    th scope="col" { (lang.t(Key::Beat)) }
                    th scope="col" { (lang.t(Key::EnrolledBy)) }
                    th scope="col" { (lang.t(Key::EnrolledOn)) }
                    th scope="col" { (lang.t(Key::Reject)) }
                } }
                tbody {
                    @for volunteer in &queue.volunteers {
                        (review_row(lang, volunteer, offset, csrf))
                    }
                }
            }
            nav.pages aria-label=(lang.t(Key::Review)) {
                @if offset > 0 {
                    a href={ "/review?offset=" (offset.saturating_sub(limit)) } { (lang.t(Key::Previous)) }
                }
                " " (ist::count(u64::from(offset) + 1)) "–" (ist::count(u64::from(offset) + shown))
                " " (lang.t(Key::Of)) " " (ist::count(queue.total)) " "
                @if u64::from(offset) + shown < queue.total {
                    a href={ "/review?offset=" (offset + limit) } { (lang.t(Key::Next)) }
                }
            }
        }
    }
}

fn review_row(lang: Lang, volunteer: &ListedVolunteer, offset: u32, csrf: &str) -> Markup {
    let id = &volunteer.id;
    let dash = || "–".to_owned();
    html! {
        tr {
            td {
                input type="checkbox" form="bulk" name="volunteer" value=(id) id={ "pick-" (id) }
                    aria-label={ (lang.t(Key::Select)) " " (volunteer.name_latin.clone().unwrap_or_else(dash)) };
            }
            td lang="hi" { a href={ "/volunteers/" (id) } { (volunteer.name_devanagari.clone().unwrap_or_else(dash)) } }
            td { (volunteer.name_latin.clone().unwrap_or_else(dash)) }
            td { (volunteer.phone.clone().unwrap_or_else(dash)) }
            td { (volunteer.household.clone().unwrap_or_else(dash)) }
            td { (volunteer.village) }
            td { (volunteer.beat) }
            td { (volunteer.enrolled_by) }
            td { (ist::date_time(volunteer.enrolled_at_ms)) }
            td {
                form.inline method="post" action="/review/reject" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="offset" value=(offset);
                    input type="hidden" name="volunteer" value=(id);
                    label.visually-hidden for={ "reason-" (id) } { (lang.t(Key::Reason)) }
                    input id={ "reason-" (id) } name="reason" required maxlength="280"
                        placeholder=(lang.t(Key::Reason)) title=(lang.t(Key::RejectReasonHelp));
                    button type="submit" { (lang.t(Key::Reject)) }
                }
            }
        }
    }
}

/// A volunteer's page: their record, the actions a supervisor may take, and the history.
pub fn volunteer(
    lang: Lang,
    record: &VolunteerRecord,
    beats: &[UnitEntry],
    may_review: bool,
    csrf: &str,
) -> Markup {
    let dash = || "–".to_owned();
    let row = |key: Key, value: String| {
        html! { tr { th scope="row" { (lang.t(key)) } td { (value) } } }
    };
    let action = format!("/volunteers/{}/act", record.id);
    html! {
        h2 { (lang.t(Key::Details)) }
        table.details {
            tbody {
                (row(Key::Status, record.status.clone()))
                @if let Some(reason) = &record.rejected_because { (row(Key::RejectedBecause, reason.clone())) }
                @if let Some(of) = &record.duplicate_of { (row(Key::DuplicateOfLabel, of.clone())) }
                (row(Key::NameDeva, record.name_devanagari.clone().unwrap_or_else(dash)))
                (row(Key::NameLatin, record.name_latin.clone().unwrap_or_else(dash)))
                (row(Key::Phone, record.phone.clone().unwrap_or_else(dash)))
                (row(Key::Household, record.household.clone().unwrap_or_else(dash)))
                @if let Some(guardian) = &record.guardian { (row(Key::Guardian, guardian.clone())) }
                (row(Key::Gender, record.gender.clone()))
                (row(Key::Age, record.age.clone()))
                (row(Key::Village, record.village.clone()))
                (row(Key::Beat, record.beat.clone()))
                (row(Key::Station, record.station.clone()))
                (row(Key::Programmes, record.programmes.join(", ")))
                (row(Key::EnrolledBy, format!("{} ({})", record.enrolled_by, record.enrolled_on)))
                (row(Key::EnrolledOn, ist::date_time(record.enrolled_at_ms)))
                @if let Some(trainer) = &record.trained_by { (row(Key::TrainedBy, trainer.clone())) }
                (row(Key::Consent, format!(
                    "{}: {} {}, {}",
                    ist::date_time(record.consent_given_at_ms),
                    record.consent_language,
                    lang.t(Key::NoticeVersion),
                    record.consent_notice_version
                )))
                @if let Some(by) = &record.reviewed_by { (row(Key::ReviewedBy, by.clone())) }
                @if !record.conflicts.is_empty() { (row(Key::Conflicts, record.conflicts.join(", "))) }
            }
        }
        @if may_review {
            h2 { (lang.t(Key::Actions)) }
            div.actions {
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="action" value="verify";
                    button type="submit" { (lang.t(Key::Verify)) }
                }
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="action" value="reject";
                    label for="reason" { (lang.t(Key::Reason)) }
                    input id="reason" name="reason" required maxlength="280";
                    button type="submit" { (lang.t(Key::Reject)) }
                }
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="action" value="move";
                    label for="to" { (lang.t(Key::MoveTo)) }
                    select id="to" name="to" required {
                        @for beat in beats.iter().filter(|beat| beat.code != record.beat) {
                            option value=(beat.code) { (beat.code) " – " (match lang { Lang::Hi => &beat.name_hi, Lang::En => &beat.name_en }) }
                        }
                    }
                    button type="submit" { (lang.t(Key::MoveTo)) }
                }
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="action" value="duplicate";
                    label for="of" { (lang.t(Key::KeptVolunteer)) }
                    input id="of" name="of" required maxlength="26";
                    button type="submit" { (lang.t(Key::MarkDuplicate)) }
                }
                form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="action" value="withdraw";
                    label for="note" { (lang.t(Key::WithdrawNote)) }
                    input id="note" name="note" maxlength="280";
                    button type="submit" { (lang.t(Key::Withdraw)) }
                }
            }
        }
        h2 { (lang.t(Key::History)) }
        ol.timeline {
            @for entry in &record.history {
                (timeline_entry(lang, &entry.change))
            }
        }
    }
}

fn timeline_entry(lang: Lang, change: &HistoryEntry) -> Markup {
    let action = change.action.map_or_else(
        || "?".to_owned(),
        |action| format!("{action:?}").to_lowercase(),
    );
    html! {
        li {
            strong { (action) }
            " · " (change.badge.clone().unwrap_or_default())
            @if let Some(role) = &change.role { " (" (role) ")" }
            " · " (lang.t(Key::Device)) ": " (change.device.clone().unwrap_or_default())
            br;
            small {
                @if let Some(received) = change.received_at_ms {
                    (lang.t(Key::Received)) ": " (ist::date_time(received)) "; "
                }
                (lang.t(Key::DeviceClock)) ": " (ist::date_time(change.device_clock_ms))
            }
            @if !change.fields.is_empty() {
                ul {
                    @for field in &change.fields {
                        li { (field.field) ": " (shown(lang, &field.shown)) }
                    }
                }
            }
        }
    }
}

fn shown(lang: Lang, shown: &Shown) -> String {
    match shown {
        Shown::Value(text) | Shown::Opened(text) => text.clone(),
        Shown::Sealed | Shown::Unopenable => lang.t(Key::SealedField).to_owned(),
        Shown::Erased => lang.t(Key::Erased).to_owned(),
        Shown::Created => "+".to_owned(),
        Shown::Removed => "−".to_owned(),
    }
}

/// A refusal or failure, named in the page's language, with what the server said.
pub fn problem(lang: Lang, what: Key, detail: &str) -> Markup {
    html! {
        p.error role="alert" { (lang.t(what)) }
        @if !detail.is_empty() {
            p { small { (detail) } }
        }
        p { a href="/progress" { (lang.t(Key::Progress)) } }
    }
}

/// Nothing: for pages whose whole body is the notice.
pub fn nothing() -> Markup {
    PreEscaped(String::new())
}
