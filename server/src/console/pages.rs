//! The console's HTML, rendered on the server with maud, which escapes every value it
//! interpolates: a household or unit name holding `<script>` is shown as text. Pages work
//! without JavaScript; forms post back and are answered with a redirect.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use mitan_core::model::Programme;

use super::text::{Key, Lang, kind_name, role_name};
use crate::ops::{Permission, Policy};
use mitan_core::history::{HistoryEntry, Shown};

use crate::access::AccessLog;
use crate::admin::{CampaignView, ImportSummary};
use crate::audit::HistoryPage;
use crate::audit::VolunteerRecord;
use crate::consent::ConsentTermsView;
use crate::error::RowProblem;
use crate::exports::ExportLog;
use crate::groups::GroupList;
use crate::ist;
use crate::ops::devices::CodeIssued;
use crate::ops::directory::{UnitEntry, UserEntry};
use crate::ops::groups::MemberList;
use crate::reports::cameras::CameraReport;
use crate::reports::past::PastProgressReport;
use crate::reports::progress_diff::ReportDiff;
use crate::reports::trainers::TrainerReport;
use crate::reports::{
    CoverageReport, DailyReport, DuplicateGroup, DuplicateReport, ListedVolunteer, ProgrammeReport,
    ProgressReport, ReportQuery, ReviewQueue, SearchResults, UnitProgress,
};
use crate::store::DeviceListing;
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
    /// The path of this page with its query, for the language switch to come back to.
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
                        // Only the pages the officer's role can use: a read-only role is not
                        // offered exports or administration it would be refused.
                        @let may = |permission| Policy::role_may(user.role, permission);
                        nav aria-label=(lang.t(Key::Console)) {
                            a href="/progress" { (lang.t(Key::Progress)) }
                            " "
                            a href="/review" { (lang.t(Key::Review)) }
                            " "
                            a href="/duplicates" { (lang.t(Key::Duplicates)) }
                            " "
                            a href="/coverage" { (lang.t(Key::Coverage)) }
                            " "
                            a href="/programmes" { (lang.t(Key::ByProgramme)) }
                            " "
                            a href="/trainers" { (lang.t(Key::Trainers)) }
                            " "
                            a href="/cameras" { (lang.t(Key::Cameras)) }
                            " "
                            a href="/groups" { (lang.t(Key::Groups)) }
                            @if may(Permission::ListDevices) {
                                " "
                                a href="/devices" { (lang.t(Key::Devices)) }
                            }
                            @if may(Permission::Export) {
                                " "
                                a href="/exports" { (lang.t(Key::Exports)) }
                            }
                            @if may(Permission::Audit) {
                                " "
                                a href="/audit" { (lang.t(Key::Audit)) }
                            }
                            @if may(Permission::Administer) {
                                " "
                                a href="/admin" { (lang.t(Key::Administration)) }
                            }
                        }
                        form.inline.search method="get" action="/search" role="search" {
                            label.visually-hidden for="q" { (lang.t(Key::Search)) }
                            input id="q" name="q" type="search" placeholder=(lang.t(Key::SearchHelp)) maxlength="80";
                            button type="submit" { (lang.t(Key::Search)) }
                        }
                        span.who { (lang.t(Key::Signed)) " " (user.name) " (" (user.badge) ", " (role_name(lang, user.role)) ", " (user.unit) ")" }
                        @if let Some(csrf) = frame.csrf {
                            form.inline method="post" action="/sign-out" {
                                input type="hidden" name="csrf" value=(csrf);
                                button type="submit" { (lang.t(Key::SignOut)) }
                            }
                        }
                    }
                    // The way back is encoded whole, so a page opened at a unit (`?unit=…&down_to=…`)
                    // comes back as it was.
                    a.lang href={ "/language?set=" (lang.other().code()) "&back=" (form_urlencoded::byte_serialize(frame.here.as_bytes()).collect::<String>()) }
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

/// The kinds of unit a report can go down to, from the top.
const LEVELS: [&str; 7] = [
    "zone", "range", "district", "circle", "station", "outpost", "beat",
];

/// The campaign and programme pickers, as a form that reloads the page, with the unit the
/// report opens at and how far down it goes.
fn pickers(lang: Lang, action: &str, campaigns: &[CampaignView], query: &ReportQuery) -> Markup {
    let chosen_campaign = query.campaign.as_deref().unwrap_or("");
    let chosen_programme = query.programme.as_deref().unwrap_or("");
    let chosen_level = query.down_to.as_deref().unwrap_or("");
    html! {
        form.pickers method="get" action=(action) {
            label for="unit" { (lang.t(Key::UnitCode)) }
            input id="unit" name="unit" maxlength="48" value=(query.unit.as_deref().unwrap_or(""))
                placeholder=(lang.t(Key::WholeReach));
            label for="down_to" { (lang.t(Key::DownTo)) }
            select id="down_to" name="down_to" {
                option value="" selected[chosen_level.is_empty()] { "–" }
                @for level in LEVELS {
                    option value=(level) selected[chosen_level == level] { (kind_name(lang, level)) }
                }
            }
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
    daily: &DailyReport,
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
    let opened = report.units.first();
    html! {
        (pickers(lang, "/progress", campaigns, query))
        @if let (Some(_), Some(top)) = (&query.unit, opened) {
            @if let Some(parent) = &top.parent {
                p { a href={ "/progress?" (drill_query(query, parent)) } { (lang.t(Key::UpOneLevel)) ": " (parent) } }
            }
        }
        @if let (Some(starts), Some(ends)) = (&report.counted.starts_on, &report.counted.ends_on) {
            p { (lang.t(Key::Counted)) ": " (starts) " – " (ends) }
        }
        (daily_chart(lang, daily))
        h2 { (lang.t(Key::Lagging)) " (" (ist::count(behind.len() as u64)) ")" }
        p { (lang.t(Key::LaggingFirst)) }
        (unit_table(lang, query, &behind, |_| 0))
        h2 { (lang.t(Key::Unit)) }
        (unit_table(lang, query, &report.units.iter().collect::<Vec<_>>(), depth))
        (once_per_unit(lang, report.units.iter().any(|unit| unit.duplicates > 0)))
        h2 { (lang.t(Key::Employees)) }
        @if report.employees.is_empty() && report.units.iter().all(|unit| !matches!(unit.kind.as_str(), "station" | "outpost" | "beat")) {
            p { (lang.t(Key::EmployeesBelowStations)) }
        }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Badge)) }
                th scope="col" { (lang.t(Key::Name)) }
                th scope="col" { (lang.t(Key::Station)) }
                th scope="col" class="number" { (lang.t(Key::Enrolled)) }
                th scope="col" class="number" { (lang.t(Key::Verified)) }
                th scope="col" class="number" { (lang.t(Key::SameMobileLeftOut)) }
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
                        (duplicates_cell(employee.duplicates))
                        td.number { (ist::count(employee.target)) }
                        td.number { (percent(employee.percent)) }
                    }
                }
            }
        }
    }
}

/// How progress counts a mobile number entered twice, under the units' table, with the way
/// to the duplicates page when some unit has any.
fn once_per_unit(lang: Lang, any_duplicates: bool) -> Markup {
    html! {
        p {
            (lang.t(Key::OncePerUnit))
            @if any_duplicates {
                " " a href="/duplicates" { (lang.t(Key::ResolveDuplicates)) }
            }
        }
    }
}

/// Entries left out of a count as the same mobile number, flagged when there are any.
fn duplicates_cell(duplicates: u64) -> Markup {
    html! {
        td.number {
            @if duplicates > 0 {
                strong.flag { (ist::count(duplicates)) }
            } @else {
                (ist::count(duplicates))
            }
        }
    }
}

/// Enrolments and verifications day by day, as an SVG bar chart drawn here: a pair of bars a
/// day, the tallest day's count on the axis, the first and last days under it; the same
/// figures as a table for screen readers and for copying.
pub fn daily_chart(lang: Lang, report: &DailyReport) -> Markup {
    const BAR: f64 = 6.0;
    const HEIGHT: f64 = 120.0;
    let days = &report.days;
    let tallest = days
        .iter()
        .map(|day| day.enrolled.max(day.verified))
        .max()
        .unwrap_or(0)
        .max(1);
    let width = (days.len() as f64) * BAR * 2.5 + 40.0;
    let height_of = |count: u64| (count as f64 / tallest as f64 * HEIGHT).round();
    html! {
        h2 { (lang.t(Key::DayByDay)) }
        @if days.is_empty() {
            p { (lang.t(Key::NoWorkYet)) }
        } @else {
            figure {
                svg.daily width=(width) height=(HEIGHT + 30.0) viewBox={ "0 0 " (width) " " (HEIGHT + 30.0) }
                    role="img" aria-labelledby="daily-title" {
                    title id="daily-title" { (lang.t(Key::DayByDay)) }
                    text x="0" y="10" class="axis" { (ist::count(tallest)) }
                    @for (index, day) in days.iter().enumerate() {
                        @let x = 40.0 + index as f64 * BAR * 2.5;
                        rect x=(x) y=(HEIGHT - height_of(day.enrolled) + 10.0) width=(BAR) height=(height_of(day.enrolled)) class="enrolled" {
                            title { (day.day) ": " (lang.t(Key::Enrolled)) " " (day.enrolled) }
                        }
                        rect x=(x + BAR) y=(HEIGHT - height_of(day.verified) + 10.0) width=(BAR) height=(height_of(day.verified)) class="verified" {
                            title { (day.day) ": " (lang.t(Key::Verified)) " " (day.verified) }
                        }
                    }
                    text x="40" y=(HEIGHT + 25.0) class="axis" { (days[0].day) }
                    text x=(width) y=(HEIGHT + 25.0) class="axis" text-anchor="end" { (days[days.len() - 1].day) }
                }
                figcaption {
                    span.key.enrolled { "■" } " " (lang.t(Key::Enrolled)) "  "
                    span.key.verified { "■" } " " (lang.t(Key::Verified))
                }
            }
            details {
                summary { (lang.t(Key::DayByDay)) }
                table {
                    thead { tr {
                        th scope="col" { (lang.t(Key::Date)) }
                        th scope="col" class="number" { (lang.t(Key::Enrolled)) }
                        th scope="col" class="number" { (lang.t(Key::Verified)) }
                    } }
                    tbody {
                        @for day in days.iter().filter(|day| day.enrolled + day.verified > 0) {
                            tr { td { (day.day) } td.number { (ist::count(day.enrolled)) } td.number { (ist::count(day.verified)) } }
                        }
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

/// The query of a report page opened at `unit`, keeping the campaign and programme asked; the
/// depth is left to the report's default for that unit.
fn drill_query(query: &ReportQuery, unit: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.append_pair("unit", unit);
    for (name, value) in [
        ("campaign", &query.campaign),
        ("programme", &query.programme),
    ] {
        if let Some(value) = value {
            out.append_pair(name, value);
        }
    }
    out.finish()
}

fn unit_table(
    lang: Lang,
    query: &ReportQuery,
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
                th scope="col" class="number" { (lang.t(Key::SameMobileLeftOut)) }
                th scope="col" class="number" { (lang.t(Key::Target)) }
                th scope="col" class="number" { (lang.t(Key::OfTarget)) }
                th scope="col" { span.visually-hidden { (lang.t(Key::Progress)) } }
            } }
            tbody {
                @for unit in units {
                    tr.lagging[lagging(unit.enrolled, unit.target)] {
                        th scope="row" style={ "padding-left:" (0.3 + depth(unit) as f64) "em" } {
                            @if unit.kind == "beat" {
                                (unit_name(lang, unit))
                            } @else {
                                a href={ "/progress?" (drill_query(query, &unit.code)) } title=(lang.t(Key::OpenUnit)) { (unit_name(lang, unit)) }
                            }
                            " " small { (unit.code) }
                            @if unit.no_constable { " " strong.flag { (lang.t(Key::NoConstable)) } }
                        }
                        td { (kind_name(lang, &unit.kind)) }
                        td.number { (ist::count(unit.enrolled)) }
                        td.number { (ist::count(unit.verified)) }
                        (duplicates_cell(unit.duplicates))
                        td.number { (ist::count(unit.target)) }
                        td.number { (percent(unit.percent)) }
                        td { (bar(unit.enrolled, unit.verified, unit.target)) }
                    }
                }
            }
        }
    }
}

/// The filters a review page was asked with, carried into its paging links.
#[derive(Debug, Clone, Default)]
pub struct QueueFilters {
    /// Beat.
    pub beat: Option<String>,
    /// Village (LGD code).
    pub village: Option<String>,
    /// Enrolling constable's badge.
    pub constable: Option<String>,
    /// Programme.
    pub programme: Option<String>,
    /// Status, when not `pending`.
    pub status: Option<String>,
}

impl QueueFilters {
    fn query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("beat", &self.beat),
            ("village", &self.village),
            ("constable", &self.constable),
            ("programme", &self.programme),
            ("status", &self.status),
        ] {
            if let Some(value) = value {
                out.append_pair(name, value);
            }
        }
        out.finish()
    }
}

/// What the review page's filters offer.
pub struct ReviewChoices<'a> {
    /// The units in the officer's reach (beats and villages are offered).
    pub units: &'a [UnitEntry],
    /// The staff of the officer's units (constables are offered).
    pub users: &'a [UserEntry],
    /// The filters asked.
    pub filters: &'a QueueFilters,
}

fn unit_label(lang: Lang, unit: &UnitEntry) -> String {
    format!(
        "{} – {}",
        unit.code,
        lang.pick(&unit.name_hi, &unit.name_en)
    )
}

/// The review queue: filters, then a page of entries, each with a box for bulk verification
/// and a reject form of its own when the officer may review (`may_review`); a role that only
/// reads sees the entries alone.
pub fn review(
    lang: Lang,
    queue: &ReviewQueue,
    choices: &ReviewChoices<'_>,
    offset: u32,
    limit: u32,
    may_review: bool,
    csrf: &str,
) -> Markup {
    let shown = queue.volunteers.len() as u64;
    let filters = choices.filters;
    let carried = filters.query();
    let is = |value: &Option<String>, candidate: &str| value.as_deref() == Some(candidate);
    html! {
        form.pickers method="get" action="/review" {
            label for="f-beat" { (lang.t(Key::Beat)) }
            select id="f-beat" name="beat" {
                option value="" { (lang.t(Key::All)) }
                @for unit in choices.units.iter().filter(|unit| unit.kind == "beat") {
                    option value=(unit.code) selected[is(&filters.beat, &unit.code)] { (unit_label(lang, unit)) }
                }
            }
            label for="f-village" { (lang.t(Key::Village)) }
            select id="f-village" name="village" {
                option value="" { (lang.t(Key::All)) }
                @for unit in choices.units.iter().filter(|unit| unit.kind == "village") {
                    @if let Some(lgd) = &unit.lgd_code {
                        option value=(lgd) selected[is(&filters.village, lgd)] { (unit_label(lang, unit)) }
                    }
                }
            }
            label for="f-constable" { (lang.t(Key::EnrolledBy)) }
            select id="f-constable" name="constable" {
                option value="" { (lang.t(Key::All)) }
                @for user in choices.users.iter().filter(|user| user.role == "constable") {
                    option value=(user.badge) selected[is(&filters.constable, user.badge.as_str())] { (user.badge) " – " (user.name) }
                }
            }
            label for="f-programme" { (lang.t(Key::Programme)) }
            select id="f-programme" name="programme" {
                option value="" { (lang.t(Key::All)) }
                @for code in Programme::BUILT_IN {
                    option value=(code) selected[is(&filters.programme, code)] { (code) }
                }
            }
            label for="f-status" { (lang.t(Key::Status)) }
            select id="f-status" name="status" {
                @for status in ["pending", "verified", "rejected", "duplicate", "withdrawn", "moved"] {
                    option value=(status) selected[is(&filters.status, status) || (status == "pending" && filters.status.is_none())] { (status) }
                }
            }
            button type="submit" { (lang.t(Key::Show)) }
        }
        p { (lang.t(Key::Waiting)) ": " strong.total { (ist::count(queue.total)) } }
        @if queue.volunteers.is_empty() {
            p { (lang.t(Key::NothingWaiting)) }
        } @else {
            @if may_review {
                form id="bulk" method="post" action="/review/verify" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="offset" value=(offset);
                    button type="submit" { (lang.t(Key::VerifySelected)) }
                }
            }
            table {
                thead { tr {
                    @if may_review { th scope="col" { (lang.t(Key::Select)) } }
                    th scope="col" { (lang.t(Key::NameDeva)) }
                    th scope="col" { (lang.t(Key::NameLatin)) }
                    th scope="col" { (lang.t(Key::Phone)) }
                    th scope="col" { (lang.t(Key::Household)) }
                    th scope="col" { (lang.t(Key::Village)) }
                    th scope="col" { (lang.t(Key::Beat)) }
                    th scope="col" { (lang.t(Key::EnrolledBy)) }
                    th scope="col" { (lang.t(Key::EnrolledOn)) }
                    @if may_review { th scope="col" { (lang.t(Key::Reject)) } }
                } }
                tbody {
                    @for volunteer in &queue.volunteers {
                        (review_row(lang, volunteer, offset, may_review.then_some(csrf)))
                    }
                }
            }
            nav.pages aria-label=(lang.t(Key::Review)) {
                @if offset > 0 {
                    a href={ "/review?offset=" (offset.saturating_sub(limit)) "&" (carried) } { (lang.t(Key::Previous)) }
                }
                " " (ist::count(u64::from(offset) + 1)) "–" (ist::count(u64::from(offset) + shown))
                " " (lang.t(Key::Of)) " " (ist::count(queue.total)) " "
                @if u64::from(offset) + shown < queue.total {
                    a href={ "/review?offset=" (offset + limit) "&" (carried) } { (lang.t(Key::Next)) }
                }
            }
        }
    }
}

/// One entry of the review queue; its box and reject form only with the session's token
/// (`csrf`), which is given when the officer may review.
fn review_row(lang: Lang, volunteer: &ListedVolunteer, offset: u32, csrf: Option<&str>) -> Markup {
    let id = &volunteer.id;
    let dash = || "–".to_owned();
    html! {
        tr {
            @if csrf.is_some() {
                td {
                    input type="checkbox" form="bulk" name="volunteer" value=(id) id={ "pick-" (id) }
                        aria-label={ (lang.t(Key::Select)) " " (volunteer.name_latin.clone().unwrap_or_else(dash)) };
                }
            }
            td lang="hi" { a href={ "/volunteers/" (id) } { (volunteer.name_devanagari.clone().unwrap_or_else(dash)) } }
            td { (volunteer.name_latin.clone().unwrap_or_else(dash)) }
            td { (volunteer.phone.clone().unwrap_or_else(dash)) }
            td { (volunteer.household.clone().unwrap_or_else(dash)) }
            td {
                (volunteer.village)
                @if volunteer.village_outside_beat { " " strong.flag { (lang.t(Key::VillageOutsideBeat)) } }
            }
            td { (volunteer.beat) }
            td { (volunteer.enrolled_by) }
            td { (ist::date_time(volunteer.enrolled_at_ms)) }
            @if let Some(csrf) = csrf { td {
                form.inline method="post" action="/review/reject" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="offset" value=(offset);
                    input type="hidden" name="volunteer" value=(id);
                    label.visually-hidden for={ "reason-" (id) } { (lang.t(Key::Reason)) }
                    input id={ "reason-" (id) } name="reason" required maxlength="280"
                        placeholder=(lang.t(Key::Reason)) title=(lang.t(Key::RejectReasonHelp));
                    button type="submit" { (lang.t(Key::Reject)) }
                }
            } }
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
                            option value=(beat.code) { (unit_label(lang, beat)) }
                        }
                    }
                    label for="village" { (lang.t(Key::NewVillage)) }
                    input id="village" name="village" inputmode="numeric" maxlength="6" pattern="[0-9]{6}";
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

/// Whether a device has been silent for more than two days at `now_ms`: its last sync, or
/// its registration when it never synced, lies further back.
pub fn silent(device: &DeviceListing, now_ms: i64) -> bool {
    const TWO_DAYS_MS: i64 = 2 * 24 * 60 * 60 * 1000;
    device.revoked_at_ms.is_none()
        && now_ms - device.last_sync_at_ms.unwrap_or(device.registered_at_ms) > TWO_DAYS_MS
}

/// The devices page: every device of the officer's units, silent ones marked and counted, a
/// revoke button each, and the form that issues a one-time code.
pub fn devices(
    lang: Lang,
    devices: &[DeviceListing],
    users: &[UserEntry],
    may_manage: bool,
    csrf: &str,
    now_ms: i64,
) -> Markup {
    let silent_count = devices
        .iter()
        .filter(|device| silent(device, now_ms))
        .count();
    let when = |ms: Option<i64>| ms.map_or_else(|| lang.t(Key::Never).to_owned(), ist::date_time);
    html! {
        @if may_manage {
            h2 { (lang.t(Key::IssueCode)) }
            form method="post" action="/devices/code" {
                input type="hidden" name="csrf" value=(csrf);
                label for="badge" { (lang.t(Key::Person)) }
                select id="badge" name="badge" required {
                    @for user in users {
                        option value=(user.badge) { (user.badge) " – " (user.name) " (" (user.role) ")" }
                    }
                }
                label for="for" { (lang.t(Key::Code)) }
                select id="for" name="for" {
                    option value="phone" { (lang.t(Key::ForPhone)) }
                    option value="console" { (lang.t(Key::ForConsole)) }
                }
                label for="ttl" { (lang.t(Key::ValidHours)) }
                input id="ttl" name="ttl_hours" type="number" min="1" max="72" value="24";
                button type="submit" { (lang.t(Key::Issue)) }
            }
        }
        h2 { (lang.t(Key::Devices)) }
        p { (lang.t(Key::SilentCount)) ": " strong { (ist::count(silent_count as u64)) } }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Device)) }
                th scope="col" { (lang.t(Key::Badge)) }
                th scope="col" { (lang.t(Key::Registered)) }
                th scope="col" { (lang.t(Key::LastSync)) }
                th scope="col" { (lang.t(Key::LastChange)) }
                th scope="col" { (lang.t(Key::Revoked)) }
                @if may_manage { th scope="col" { (lang.t(Key::Revoke)) } }
            } }
            tbody {
                @for device in devices {
                    tr.lagging[silent(device, now_ms)] {
                        td { (device.device) @if silent(device, now_ms) { br; small { (lang.t(Key::Silent)) } } }
                        td { (device.badge) }
                        td { (ist::date_time(device.registered_at_ms)) }
                        td {
                            (when(device.last_sync_at_ms))
                            @if device.revoked_at_ms.is_none() && device.sync_protocol.is_some_and(|protocol| protocol < 5) {
                                br; small { (lang.t(Key::OldApp)) }
                            }
                        }
                        td { (when(device.last_change_at_ms)) }
                        td {
                            @if let Some(at) = device.revoked_at_ms {
                                (ist::date_time(at))
                                @if let Some(by) = &device.revoked_by { " (" (by) ")" }
                            } @else { "–" }
                        }
                        @if may_manage {
                            td {
                                @if device.revoked_at_ms.is_none() {
                                    form.inline method="post" action={ "/devices/" (device.device) "/revoke" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" aria-label={ (lang.t(Key::Revoke)) " " (device.device) } { (lang.t(Key::Revoke)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The slip of a code just issued: the code, for whom and until when, the server and CA a
/// phone registers with, and all of it as a QR code for the phone to scan.
pub fn slip(lang: Lang, issued: &CodeIssued, server: &str, ca: Option<&str>) -> Markup {
    let mut payload = format!("mitan:register?server={server}&code={}", issued.code);
    if let Some(ca) = ca {
        payload.push_str("&ca=");
        payload.push_str(ca);
    }
    let qr = qrcode::QrCode::new(payload.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default();
    html! {
        p { (lang.t(Key::SlipHelp)) }
        table.details { tbody {
            tr { th scope="row" { (lang.t(Key::Person)) } td { (issued.badge) } }
            tr { th scope="row" { (lang.t(Key::Code)) } td { strong.code { (issued.code) } } }
            tr { th scope="row" { (lang.t(Key::Server)) } td { (server) } }
            @if let Some(ca) = ca {
                tr { th scope="row" { (lang.t(Key::CaFingerprint)) } td { code { (ca) } } }
            }
            tr { th scope="row" { (lang.t(Key::ValidUntil)) } td { (ist::date_time(issued.expires_at_ms)) } }
        } }
        // The SVG is qrcode's own output over the text above, which holds no markup.
        div.qr role="img" aria-label=(lang.t(Key::Slip)) { (PreEscaped(qr)) }
        p { a href="/devices" { (lang.t(Key::Devices)) } }
    }
}

/// The duplicate candidates side by side: one column per person of a group, the first
/// enrolled kept by default, each other with a button marking them its duplicate when the
/// officer may review (`may_review`).
pub fn duplicates(lang: Lang, report: &DuplicateReport, may_review: bool, csrf: &str) -> Markup {
    let csrf = may_review.then_some(csrf);
    html! {
        h2 { (lang.t(Key::SamePhone)) " (" (ist::count(report.total_groups.same_phone)) ")" }
        (duplicate_groups(lang, &report.same_phone, csrf))
        h2 { (lang.t(Key::SimilarName)) " (" (ist::count(report.total_groups.similar_name)) ")" }
        (duplicate_groups(lang, &report.similar_name, csrf))
    }
}

/// The groups side by side; the row of buttons only with the session's token (`csrf`).
fn duplicate_groups(lang: Lang, groups: &[DuplicateGroup], csrf: Option<&str>) -> Markup {
    let dash = || "–".to_owned();
    html! {
        @if groups.is_empty() {
            p { (lang.t(Key::NoDuplicates)) }
        }
        @for group in groups.iter().filter(|group| group.volunteers.len() > 1) {
            @let kept = &group.volunteers[0];
            table.pair {
                thead { tr {
                    th scope="col" { span.visually-hidden { (lang.t(Key::Details)) } }
                    @for (index, volunteer) in group.volunteers.iter().enumerate() {
                        th scope="col" {
                            a href={ "/volunteers/" (volunteer.id) } { (volunteer.id) }
                            @if index == 0 { br; small { (lang.t(Key::KeepThis)) } }
                        }
                    }
                } }
                tbody {
                    tr { th scope="row" { (lang.t(Key::NameDeva)) }
                        @for v in &group.volunteers { td lang="hi" { (v.name_devanagari.clone().unwrap_or_else(dash)) } } }
                    tr { th scope="row" { (lang.t(Key::NameLatin)) }
                        @for v in &group.volunteers { td { (v.name_latin.clone().unwrap_or_else(dash)) } } }
                    tr { th scope="row" { (lang.t(Key::Phone)) }
                        @for v in &group.volunteers { td { (v.phone.clone().unwrap_or_else(dash)) } } }
                    tr { th scope="row" { (lang.t(Key::Household)) }
                        @for v in &group.volunteers { td { (v.household.clone().unwrap_or_else(dash)) } } }
                    tr { th scope="row" { (lang.t(Key::Village)) }
                        @for v in &group.volunteers { td { (v.village) } } }
                    tr { th scope="row" { (lang.t(Key::Beat)) }
                        @for v in &group.volunteers { td { (v.beat) } } }
                    tr { th scope="row" { (lang.t(Key::EnrolledBy)) }
                        @for v in &group.volunteers { td { (v.enrolled_by) ", " (ist::date_time(v.enrolled_at_ms)) } } }
                    tr { th scope="row" { (lang.t(Key::Status)) }
                        @for v in &group.volunteers { td { (v.status) } } }
                    @if let Some(csrf) = csrf { tr { th scope="row" { (lang.t(Key::Actions)) }
                        @for (index, v) in group.volunteers.iter().enumerate() {
                            td {
                                @if index > 0 {
                                    form.inline method="post" action={ "/volunteers/" (v.id) "/act" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        input type="hidden" name="action" value="duplicate";
                                        input type="hidden" name="of" value=(kept.id);
                                        input type="hidden" name="back" value="/duplicates";
                                        button type="submit" { (lang.t(Key::DuplicateOfThis)) }
                                    }
                                }
                            }
                        }
                    } }
                }
            }
        }
    }
}

/// Households covered against households, per village.
pub fn coverage(
    lang: Lang,
    report: &CoverageReport,
    campaigns: &[CampaignView],
    query: &ReportQuery,
) -> Markup {
    html! {
        (pickers(lang, "/coverage", campaigns, query))
        @if !report.units.is_empty() {
            table {
                thead { tr {
                    th scope="col" { (lang.t(Key::Unit)) }
                    th scope="col" { (lang.t(Key::Kind)) }
                    th scope="col" class="number" { (lang.t(Key::Villages)) }
                    th scope="col" class="number" { (lang.t(Key::VillagesReached)) }
                    th scope="col" class="number" { (lang.t(Key::Volunteers)) }
                    th scope="col" class="number" { (lang.t(Key::HouseholdsCovered)) }
                    th scope="col" class="number" { (lang.t(Key::Households)) }
                    th scope="col" class="number" { "%" }
                } }
                tbody {
                    @for unit in &report.units {
                        tr {
                            th scope="row" {
                                @if unit.kind == "beat" {
                                    (lang.pick(&unit.name_hi, &unit.name_en))
                                } @else {
                                    a href={ "/coverage?" (drill_query(query, &unit.code)) } { (lang.pick(&unit.name_hi, &unit.name_en)) }
                                }
                                " " small { (unit.code) }
                            }
                            td { (kind_name(lang, &unit.kind)) }
                            td.number { (ist::count(unit.villages)) }
                            td.number { (ist::count(unit.villages_reached)) }
                            td.number { (ist::count(unit.volunteers)) }
                            td.number { (ist::count(unit.households_covered)) }
                            td.number { (ist::count(unit.households)) }
                            td.number { (percent(unit.percent)) }
                        }
                    }
                }
            }
        }
        @if report.villages.is_empty() && !report.units.iter().any(|unit| unit.kind == "beat") {
            p { (lang.t(Key::VillagesBelowBeats)) }
        }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Village)) }
                th scope="col" { (lang.t(Key::Beat)) }
                th scope="col" class="number" { (lang.t(Key::Volunteers)) }
                th scope="col" class="number" { (lang.t(Key::HouseholdsCovered)) }
                th scope="col" class="number" { (lang.t(Key::Households)) }
                th scope="col" class="number" { "%" }
                th scope="col" { span.visually-hidden { (lang.t(Key::Coverage)) } }
            } }
            tbody {
                @for village in &report.villages {
                    tr {
                        th scope="row" {
                            (match lang { Lang::Hi => village.name_hi.clone(), Lang::En => village.name_en.clone() }
                                .unwrap_or_else(|| village.lgd_code.clone()))
                            " " small { (village.lgd_code) }
                        }
                        td { (village.beats.join(", ")) }
                        td.number { (ist::count(village.volunteers)) }
                        td.number { (ist::count(village.households_covered)) }
                        td.number { (village.households.map_or_else(|| "–".to_owned(), ist::count)) }
                        td.number { (percent(village.percent)) }
                        td { (bar(village.households_covered, 0, village.households.unwrap_or(0))) }
                    }
                }
            }
        }
    }
}

/// Volunteers per programme: the totals, then each unit's counts, a column a programme.
pub fn programmes(
    lang: Lang,
    report: &ProgrammeReport,
    campaigns: &[CampaignView],
    query: &ReportQuery,
) -> Markup {
    let columns: Vec<&str> = report
        .programmes
        .iter()
        .map(|count| count.programme.as_str())
        .collect();
    html! {
        (pickers(lang, "/programmes", campaigns, query))
        p { (lang.t(Key::ProgrammesHelp)) }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Programme)) }
                th scope="col" class="number" { (lang.t(Key::Volunteers)) }
                th scope="col" class="number" { (lang.t(Key::Verified)) }
            } }
            tbody {
                @for count in &report.programmes {
                    tr {
                        th scope="row" { (count.programme) }
                        td.number { (ist::count(count.volunteers)) }
                        td.number { (ist::count(count.verified)) }
                    }
                }
            }
        }
        @if !report.units.is_empty() && !columns.is_empty() {
            h2 { (lang.t(Key::Unit)) }
            table {
                thead { tr {
                    th scope="col" { (lang.t(Key::Unit)) }
                    th scope="col" { (lang.t(Key::Kind)) }
                    @for programme in &columns { th scope="col" class="number" { (programme) } }
                } }
                tbody {
                    @for unit in &report.units {
                        tr {
                            th scope="row" {
                                @if unit.kind == "beat" {
                                    (lang.pick(&unit.name_hi, &unit.name_en))
                                } @else {
                                    a href={ "/programmes?" (drill_query(query, &unit.code)) } { (lang.pick(&unit.name_hi, &unit.name_en)) }
                                }
                                " " small { (unit.code) }
                            }
                            td { (kind_name(lang, &unit.kind)) }
                            @for programme in &columns {
                                td.number {
                                    (ist::count(unit.programmes.iter().find(|count| count.programme == *programme).map_or(0, |count| count.volunteers)))
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The training cascade: each trainer indented under whoever trained them, with their
/// trainees by status; a volunteer trainer links to their page.
pub fn trainers(lang: Lang, report: &TrainerReport) -> Markup {
    html! {
        @if report.trainers.is_empty() {
            p { (lang.t(Key::NoTrainers)) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (lang.t(Key::Trainer)) }
                    th scope="col" class="number" { (lang.t(Key::Trainees)) }
                    th scope="col" class="number" { (lang.t(Key::Verified)) }
                    th scope="col" class="number" { (lang.t(Key::Waiting)) }
                    th scope="col" class="number" { (lang.t(Key::OtherStatus)) }
                } }
                tbody {
                    @for entry in &report.trainers {
                        tr {
                            th scope="row" style=(format!("padding-left: {}em", 0.5 + 1.5 * f64::from(entry.depth))) {
                                @if let Some(volunteer) = &entry.volunteer {
                                    (lang.t(Key::VolunteerTrainer)) " "
                                    a href=(format!("/volunteers/{volunteer}")) { (volunteer) }
                                } @else if let Some(badge) = &entry.badge {
                                    (lang.t(Key::StaffTrainer)) " " (badge)
                                }
                                @if entry.in_loop { " " small { (lang.t(Key::TrainerLoop)) } }
                            }
                            td.number { (ist::count(entry.trainees)) }
                            td.number { (ist::count(entry.verified)) }
                            td.number { (ist::count(entry.pending)) }
                            td.number { (ist::count(entry.other)) }
                        }
                    }
                }
            }
        }
    }
}

/// A direction's words.
fn direction_words(lang: Lang, code: &str) -> String {
    let key = match code {
        "n" => Key::DirN,
        "ne" => Key::DirNe,
        "e" => Key::DirE,
        "se" => Key::DirSe,
        "s" => Key::DirS,
        "sw" => Key::DirSw,
        "w" => Key::DirW,
        "nw" => Key::DirNw,
        other => return other.to_owned(),
    };
    lang.t(key).to_owned()
}

/// A camera removal's reason in words.
fn removal_words(lang: Lang, code: &str) -> String {
    let key = match code {
        "owner_asked" => Key::OwnerAsked,
        "dismantled" => Key::Dismantled,
        "entered_in_error" => Key::EnteredInError,
        other => return other.to_owned(),
    };
    lang.t(key).to_owned()
}

/// Private CCTV cameras: per unit, the cameras on the register and the villages they cover;
/// then every camera with where it stands and which way it looks. No owner is shown here.
pub fn cameras(lang: Lang, report: &CameraReport) -> Markup {
    html! {
        form.inline method="get" action="/cameras" {
            label for="unit" { (lang.t(Key::Unit)) }
            select id="unit" name="unit" {
                option value="" { (lang.t(Key::All)) }
                @for unit in &report.units {
                    option value=(unit.code) { (match lang { Lang::Hi => &unit.name_hi, Lang::En => &unit.name_en }) " (" (unit.code) ")" }
                }
            }
            button type="submit" { (lang.t(Key::Show)) }
        }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Unit)) }
                th scope="col" { (lang.t(Key::Kind)) }
                th scope="col" class="number" { (lang.t(Key::OnRegister)) }
                th scope="col" class="number" { (lang.t(Key::RemovedCameras)) }
                th scope="col" class="number" { (lang.t(Key::VillagesCovered)) }
                th scope="col" class="number" { (lang.t(Key::VillagesListed)) }
                th scope="col" class="number" { "%" }
            } }
            tbody {
                @for unit in &report.units {
                    tr {
                        th scope="row" style=(format!("padding-left: {}em", 0.5 + 1.5 * f64::from(unit.depth))) {
                            a href=(format!("/cameras?unit={}", unit.code)) {
                                (match lang { Lang::Hi => &unit.name_hi, Lang::En => &unit.name_en })
                            }
                            " (" (unit.code) ")"
                        }
                        td { (unit.kind) }
                        td.number { (ist::count(unit.cameras)) }
                        td.number { (ist::count(unit.removed)) }
                        td.number { (ist::count(unit.villages_covered)) }
                        td.number { (ist::count(unit.villages)) }
                        td.number { (percent(unit.percent)) }
                    }
                }
            }
        }
        @if report.cameras.is_empty() {
            p { (lang.t(Key::NoCameras)) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (lang.t(Key::Camera)) }
                    th scope="col" { (lang.t(Key::Beat)) }
                    th scope="col" { (lang.t(Key::Village)) }
                    th scope="col" { (lang.t(Key::Place)) }
                    th scope="col" { (lang.t(Key::Direction)) }
                    th scope="col" { (lang.t(Key::Covers)) }
                    th scope="col" class="number" { (lang.t(Key::RecordingDays)) }
                    th scope="col" { (lang.t(Key::RegisteredOn)) }
                    th scope="col" { (lang.t(Key::RemovedOn)) }
                } }
                tbody {
                    @for camera in &report.cameras {
                        tr {
                            th scope="row" { code { (camera.id) } }
                            td { (camera.beat) }
                            td {
                                @match (lang, &camera.village_hi, &camera.village_en) {
                                    (Lang::Hi, Some(name), _) | (Lang::En, _, Some(name)) => { (name) " " }
                                    _ => {}
                                }
                                small { (camera.village_lgd) }
                            }
                            td { (format!("{:.6}, {:.6}", camera.latitude, camera.longitude)) }
                            td { (camera.direction.as_deref().map_or_else(|| "–".to_owned(), |code| direction_words(lang, code))) }
                            td { (camera.coverage) }
                            td.number { (camera.recording_days.map_or_else(|| "–".to_owned(), |days| days.to_string())) }
                            td { (camera.registered_on) }
                            td {
                                @if let Some(reason) = &camera.removed {
                                    (removal_words(lang, reason))
                                    @if let Some(on) = &camera.removed_on { ", " (on) }
                                } @else { "–" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The downloads of one group's list: CSV and vCard, as a group and as a broadcast list.
fn group_downloads(lang: Lang, unit: &str, code: &str) -> Markup {
    let link = |kind: &str, format: &str| {
        format!("/exports/file?unit={unit}&group={code}&kind={kind}&format={format}")
    };
    html! {
        (lang.t(Key::GroupList)) ": "
        a href=(link("group", "csv")) { "CSV" } " · "
        a href=(link("group", "vcard")) { "vCard" }
        br;
        (lang.t(Key::BroadcastList)) ": "
        a href=(link("broadcast", "csv")) { "CSV" } " · "
        a href=(link("broadcast", "vcard")) { "vCard" }
    }
}

/// The groups of the officer's units: each with its rules, how many it holds now, its
/// members' page and its lists for WhatsApp.
pub fn groups(lang: Lang, list: &GroupList) -> Markup {
    html! {
        @if list.groups.is_empty() {
            p { (lang.t(Key::NoGroups)) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (lang.t(Key::Name)) }
                    th scope="col" { (lang.t(Key::Unit)) }
                    th scope="col" class="number" { (lang.t(Key::Members)) }
                    th scope="col" class="number" { (lang.t(Key::Volunteers)) }
                    th scope="col" class="number" { (lang.t(Key::Staff)) }
                    th scope="col" class="number" { (lang.t(Key::Repeated)) }
                    th scope="col" { (lang.t(Key::Rules)) }
                    th scope="col" { (lang.t(Key::Download)) }
                } }
                tbody {
                    @for group in &list.groups {
                        tr {
                            th scope="row" {
                                a href=(format!("/groups/members?unit={}&code={}", group.unit, group.code)) {
                                    (lang.pick(&group.name_hi, &group.name_en))
                                }
                            }
                            td { (group.unit) }
                            td.number { (ist::count(group.members)) }
                            td.number { (ist::count(group.volunteers)) }
                            td.number { (ist::count(group.staff)) }
                            td.number { (ist::count(group.repeated)) }
                            td { @for rule in &group.rules { code { (rule) } br; } }
                            td { (group_downloads(lang, &group.unit, &group.code)) }
                        }
                    }
                }
            }
        }
    }
}

/// One group's members, each mobile once, with where they serve or live.
pub fn group_members(lang: Lang, list: &MemberList) -> Markup {
    let group = &list.group;
    html! {
        h2 { (lang.pick(&group.name_hi, &group.name_en)) " (" (group.unit) ")" }
        p {
            (lang.t(Key::Members)) ": " (ist::count(group.members)) " · "
            (lang.t(Key::Volunteers)) ": " (ist::count(group.volunteers)) " · "
            (lang.t(Key::Staff)) ": " (ist::count(group.staff)) " · "
            (lang.t(Key::Repeated)) ": " (ist::count(group.repeated))
        }
        p { (group_downloads(lang, &group.unit, &group.code)) }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Name)) }
                th scope="col" { (lang.t(Key::MemberKind)) }
                th scope="col" { (lang.t(Key::Phone)) }
                th scope="col" { (lang.t(Key::Unit)) }
                th scope="col" { (lang.t(Key::Village)) }
                th scope="col" { (lang.t(Key::ProgrammesOrRank)) }
            } }
            tbody {
                @for member in &list.members {
                    tr {
                        th scope="row" {
                            @if member.kind == "volunteer" {
                                a href=(format!("/volunteers/{}", member.id)) { (member.name) }
                            } @else {
                                (member.name) " " small { (member.id) }
                            }
                        }
                        td { (lang.t(if member.kind == "volunteer" { Key::Volunteer } else { Key::Staff })) }
                        td { (member.phone) }
                        td { (member.unit) }
                        td { (member.village) }
                        td { (member.detail) }
                    }
                }
            }
        }
    }
}

/// The auditors' page: the forms of every replay, the access log and the export log.
pub fn audit(lang: Lang, access: &AccessLog, exports: &ExportLog) -> Markup {
    html! {
        div.actions {
            form method="get" action="/audit/history" {
                h2 { (lang.t(Key::VolunteerHistory)) }
                label for="volunteer" { (lang.t(Key::VolunteerId)) }
                input id="volunteer" name="volunteer" required maxlength="26";
                button type="submit" { (lang.t(Key::Show)) }
            }
            form method="get" action="/audit/history" {
                h2 { (lang.t(Key::CameraHistory)) }
                label for="camera" { (lang.t(Key::CameraId)) }
                input id="camera" name="camera" required maxlength="26";
                button type="submit" { (lang.t(Key::Show)) }
            }
            form method="get" action="/audit/history" {
                h2 { (lang.t(Key::UnitHistory)) }
                label for="unit" { (lang.t(Key::UnitCode)) }
                input id="unit" name="unit" required maxlength="40";
                button type="submit" { (lang.t(Key::Show)) }
            }
            form method="get" action="/audit/progress" {
                h2 { (lang.t(Key::ProgressAt)) }
                label for="at" { (lang.t(Key::Date)) }
                input id="at" name="at" required maxlength="20";
                button type="submit" { (lang.t(Key::Show)) }
            }
            form method="get" action="/audit/moved" {
                h2 { (lang.t(Key::WhatMoved)) }
                label for="from" { (lang.t(Key::FromDate)) }
                input id="from" name="from" required maxlength="20";
                label for="to-date" { (lang.t(Key::ToDate)) }
                input id="to-date" name="to" maxlength="20";
                button type="submit" { (lang.t(Key::Show)) }
            }
        }
        p { a href="/audit/export" download { (lang.t(Key::AuditExport)) } }
        h2 { (lang.t(Key::AccessLog)) }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::When)) }
                th scope="col" { (lang.t(Key::Who)) }
                th scope="col" { (lang.t(Key::Device)) }
                th scope="col" { (lang.t(Key::What)) }
                th scope="col" { (lang.t(Key::Scope)) }
                th scope="col" class="number" { (lang.t(Key::Volunteers)) }
            } }
            tbody {
                @for line in &access.entries {
                    tr {
                        td { (ist::date_time(line.at_ms)) }
                        td { (line.badge) " (" (line.role) ")" }
                        td { (line.requested_via) }
                        td { (line.kind) @if !line.query.is_empty() { br; small { (line.query) } } }
                        td { (line.scope) }
                        td.number { (ist::count(line.volunteers)) }
                    }
                }
            }
        }
        h2 { (lang.t(Key::ExportLog)) }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::When)) }
                th scope="col" { (lang.t(Key::Who)) }
                th scope="col" { (lang.t(Key::What)) }
                th scope="col" { (lang.t(Key::Unit)) }
                th scope="col" class="number" { (lang.t(Key::Rows)) }
            } }
            tbody {
                @for line in &exports.exports {
                    tr {
                        td { (ist::date_time(line.at_ms)) }
                        td { (line.badge) " (" (line.role) ")" }
                        td { (line.kind) " " (line.format) }
                        td { (line.unit) @if let Some(programme) = &line.programme { " · " (programme) } }
                        td.number { (ist::count(line.rows)) }
                    }
                }
            }
        }
    }
}

/// A page of replayed history, as a timeline.
pub fn history(lang: Lang, page: &HistoryPage) -> Markup {
    html! {
        p { (page.rosters.join(", ")) ": " (ist::count(page.total)) " " (lang.t(Key::Changes)) }
        ol.timeline {
            @for entry in &page.entries {
                li {
                    small { (entry.roster) } " "
                    @if let Some(volunteer) = &entry.change.entry { a href={ "/audit/history?volunteer=" (volunteer) } { (volunteer) } }
                    (timeline_entry(lang, &entry.change))
                }
            }
        }
    }
}

/// The units' counts at a past moment.
pub fn past_progress(lang: Lang, past: &PastProgressReport) -> Markup {
    let units: Vec<&UnitProgress> = past.report.units.iter().collect();
    html! {
        p { (ist::date_time(past.moment.at_ms)) " · " (ist::count(past.moment.changes)) " " (lang.t(Key::Changes)) }
        (unit_table(lang, &ReportQuery::default(), &units, |unit| depth_of(&past.report, unit)))
        p { (lang.t(Key::OncePerUnit)) }
    }
}

/// What moved between two moments, unit by unit.
pub fn moved(lang: Lang, diff: &ReportDiff) -> Markup {
    html! {
        p { (ist::date_time(diff.from.at_ms)) " → " (ist::date_time(diff.to.at_ms)) }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::Unit)) }
                th scope="col" class="number" { (lang.t(Key::Enrolled)) " · " (lang.t(Key::Before)) }
                th scope="col" class="number" { (lang.t(Key::Enrolled)) " · " (lang.t(Key::After)) }
                th scope="col" class="number" { (lang.t(Key::Verified)) " · " (lang.t(Key::Before)) }
                th scope="col" class="number" { (lang.t(Key::Verified)) " · " (lang.t(Key::After)) }
                th scope="col" class="number" { (lang.t(Key::SameMobileLeftOut)) " · " (lang.t(Key::Before)) }
                th scope="col" class="number" { (lang.t(Key::SameMobileLeftOut)) " · " (lang.t(Key::After)) }
                th scope="col" class="number" { (lang.t(Key::Target)) }
            } }
            tbody {
                @for unit in &diff.units {
                    tr {
                        th scope="row" { (lang.pick(&unit.name_hi, &unit.name_en)) " " small { (unit.code) } }
                        td.number { (ist::count(unit.enrolled.from)) }
                        td.number { (ist::count(unit.enrolled.to)) }
                        td.number { (ist::count(unit.verified.from)) }
                        td.number { (ist::count(unit.verified.to)) }
                        td.number { (ist::count(unit.duplicates.from)) }
                        (duplicates_cell(unit.duplicates.to))
                        td.number { (ist::count(unit.target)) }
                    }
                }
            }
        }
    }
}

/// The exports form: a unit of the officer's, the kind of list and its file.
pub fn exports(lang: Lang, units: &[UnitEntry]) -> Markup {
    html! {
        form method="get" action="/exports/file" {
            label for="unit" { (lang.t(Key::Unit)) }
            select id="unit" name="unit" required {
                @for unit in units.iter().filter(|unit| unit.kind != "village") {
                    option value=(unit.code) { (unit_label(lang, unit)) " (" (unit.kind) ")" }
                }
            }
            label for="programme" { (lang.t(Key::Programme)) }
            select id="programme" name="programme" {
                option value="" { (lang.t(Key::All)) }
                @for code in Programme::BUILT_IN { option value=(code) { (code) } }
            }
            label for="kind" { (lang.t(Key::ExportKind)) }
            select id="kind" name="kind" {
                option value="roster" { (lang.t(Key::KindRoster)) }
                option value="group" { (lang.t(Key::KindGroup)) }
                option value="broadcast" { (lang.t(Key::KindBroadcast)) }
                option value="cameras" { (lang.t(Key::KindCameras)) }
            }
            label for="format" { (lang.t(Key::Format)) }
            select id="format" name="format" {
                option value="csv" { "CSV" }
                option value="vcard" { "vCard" }
            }
            label { input type="checkbox" name="include_unverified" value="true"; " " (lang.t(Key::IncludeUnverified)) }
            button type="submit" { (lang.t(Key::Download)) }
        }
    }
}

/// The district administrator's uploads, with what the last one did: saved, or refused with
/// every refused line.
pub fn admin(
    lang: Lang,
    csrf: &str,
    outcome: Option<&ImportOutcome>,
    campaigns: &[CampaignView],
    terms: &ConsentTermsView,
) -> Markup {
    html! {
        @match outcome {
            Some(ImportOutcome::Saved(summary)) => {
                p.notice role="status" {
                    (lang.t(Key::Imported)) ": " (ist::count(summary.units)) " " (lang.t(Key::Unit))
                    ", " (ist::count(summary.villages)) " " (lang.t(Key::Village))
                    ", " (ist::count(summary.users)) " " (lang.t(Key::Employees))
                }
            }
            Some(ImportOutcome::Refused { problems, more }) => {
                p.error role="alert" { (lang.t(Key::ImportRefused)) }
                table {
                    thead { tr {
                        th scope="col" class="number" { (lang.t(Key::Line)) }
                        th scope="col" { (lang.t(Key::Column)) }
                        th scope="col" { (lang.t(Key::Reason)) }
                    } }
                    tbody {
                        @for problem in problems {
                            tr {
                                td.number { (problem.line) }
                                td { (problem.field) }
                                td { (problem.code) ": " (problem.reason) }
                            }
                        }
                    }
                }
                @if *more > 0 { p { "+" (ist::count(*more as u64)) " " (lang.t(Key::More)) } }
            }
            None => {}
        }
        @for (what, title) in [("hierarchy", Key::UploadHierarchy), ("users", Key::UploadUsers)] {
            form method="post" action={ "/admin/" (what) } enctype="multipart/form-data" {
                h2 { (lang.t(title)) }
                input type="hidden" name="csrf" value=(csrf);
                label for={ (what) "-file" } { (lang.t(Key::File)) }
                input id={ (what) "-file" } type="file" name="file" accept=".csv,text/csv" required;
                button type="submit" { (lang.t(Key::Upload)) }
            }
        }
        h2 { (lang.t(Key::Campaigns)) }
        table {
            thead { tr {
                th scope="col" { (lang.t(Key::CampaignCode)) }
                th scope="col" { (lang.t(Key::Name)) }
                th scope="col" { (lang.t(Key::Programme)) }
                th scope="col" { (lang.t(Key::FromDate)) " – " (lang.t(Key::ToDate)) }
                th scope="col" { (lang.t(Key::Unit)) }
                th scope="col" { (lang.t(Key::Target)) }
            } }
            tbody {
                @for view in campaigns {
                    tr {
                        td { (view.campaign.code) }
                        td { (view.campaign.name) }
                        td { (view.campaign.programme.clone().unwrap_or_else(|| lang.t(Key::All).to_owned())) }
                        td { (view.campaign.starts_on) " – " (view.campaign.ends_on) }
                        td { (view.campaign.unit.clone().unwrap_or_else(|| lang.t(Key::All).to_owned())) }
                        td {
                            @for target in &view.targets {
                                (target.unit.clone().or_else(|| target.badge.clone()).unwrap_or_default())
                                ": " (ist::count(u64::from(target.volunteers))) br;
                            }
                        }
                    }
                }
            }
        }
        div.actions {
            form method="post" action="/admin/set/campaign" {
                h3 { (lang.t(Key::SetCampaign)) }
                input type="hidden" name="csrf" value=(csrf);
                label for="c-code" { (lang.t(Key::CampaignCode)) }
                input id="c-code" name="code" required maxlength="48";
                label for="c-name" { (lang.t(Key::Name)) }
                input id="c-name" name="name" required maxlength="120";
                label for="c-programme" { (lang.t(Key::Programme)) }
                select id="c-programme" name="programme" {
                    option value="" { (lang.t(Key::All)) }
                    @for code in Programme::BUILT_IN { option value=(code) { (code) } }
                }
                label for="c-starts" { (lang.t(Key::StartsOn)) }
                input id="c-starts" name="starts_on" required maxlength="10" placeholder="2026-12-01";
                label for="c-ends" { (lang.t(Key::EndsOn)) }
                input id="c-ends" name="ends_on" required maxlength="10" placeholder="2026-12-31";
                label for="c-unit" { (lang.t(Key::CampaignUnit)) }
                input id="c-unit" name="unit" maxlength="48";
                button type="submit" { (lang.t(Key::Save)) }
            }
            form method="post" action="/admin/set/target" {
                h3 { (lang.t(Key::SetTarget)) }
                input type="hidden" name="csrf" value=(csrf);
                label for="t-campaign" { (lang.t(Key::Campaign)) }
                select id="t-campaign" name="campaign" required {
                    @for view in campaigns { option value=(view.campaign.code) { (view.campaign.name) } }
                }
                label for="t-subject" { (lang.t(Key::UnitOrBadge)) }
                input id="t-subject" name="subject" required maxlength="40";
                label for="t-volunteers" { (lang.t(Key::Target)) }
                input id="t-volunteers" name="volunteers" type="number" min="0" required;
                button type="submit" { (lang.t(Key::Save)) }
            }
        }
        h2 { (lang.t(Key::Programmes)) }
        ul {
            @for programme in &terms.programmes {
                li { (lang.pick(&programme.name_hi, &programme.name_en)) " " small { (programme.code) } }
            }
        }
        form method="post" action="/admin/set/group" {
            h3 { (lang.t(Key::DefineGroup)) }
            input type="hidden" name="csrf" value=(csrf);
            label for="g-unit" { (lang.t(Key::UnitCode)) }
            input id="g-unit" name="unit" required maxlength="48";
            label for="g-code" { (lang.t(Key::GroupCode)) }
            input id="g-code" name="code" required maxlength="32" pattern="[a-z][a-z0-9_-]{1,31}";
            label for="g-name-hi" { (lang.t(Key::NameHindi)) }
            input id="g-name-hi" name="name_hi" required maxlength="80";
            label for="g-name-en" { (lang.t(Key::NameEnglish)) }
            input id="g-name-en" name="name_en" required maxlength="80";
            label for="g-rules" { (lang.t(Key::Rules)) }
            textarea id="g-rules" name="rules" required rows="4" cols="60" aria-describedby="g-rules-help" {}
            p id="g-rules-help" { small { (lang.t(Key::RulesHelp)) } }
            button type="submit" { (lang.t(Key::Save)) }
        }
        form method="post" action="/admin/set/programme" {
            h3 { (lang.t(Key::AddProgramme)) }
            input type="hidden" name="csrf" value=(csrf);
            label for="p-code" { (lang.t(Key::ProgrammeCode)) }
            input id="p-code" name="code" required maxlength="32" pattern="[a-z][a-z0-9_]{1,31}";
            label for="p-name-hi" { (lang.t(Key::NameHindi)) }
            input id="p-name-hi" name="name_hi" required maxlength="80";
            label for="p-name-en" { (lang.t(Key::NameEnglish)) }
            input id="p-name-en" name="name_en" required maxlength="80";
            button type="submit" { (lang.t(Key::Save)) }
        }
        h2 { (lang.t(Key::Notices)) }
        ul {
            @for notice in &terms.notices {
                li { (notice.language) " v" (notice.version) ": " (notice.text) }
            }
        }
        div.actions {
            form method="post" action="/admin/set/notice" {
                h3 { (lang.t(Key::PublishNotice)) }
                input type="hidden" name="csrf" value=(csrf);
                label for="n-language" { (lang.t(Key::Language)) }
                select id="n-language" name="language" {
                    option value="hi" { "हिंदी" }
                    option value="en" { "English" }
                }
                label for="n-version" { (lang.t(Key::Version)) }
                input id="n-version" name="version" type="number" min="1" required;
                label for="n-text" { (lang.t(Key::Text)) }
                textarea id="n-text" name="text" required rows="4" cols="60" {}
                button type="submit" { (lang.t(Key::PublishNotice)) }
            }
            form method="post" action="/admin/set/policy" {
                h3 { (lang.t(Key::SetPolicy)) }
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="adults_only" value="false";
                label {
                    input type="checkbox" name="adults_only" value="true" checked[terms.adults_only];
                    " " (lang.t(Key::AdultsOnly))
                }
                button type="submit" { (lang.t(Key::SetPolicy)) }
            }
        }
    }
}

/// What an upload did.
pub enum ImportOutcome {
    /// Stored.
    Saved(ImportSummary),
    /// Refused with these problems (and `more` not listed); nothing stored.
    Refused {
        /// The problems listed.
        problems: Vec<RowProblem>,
        /// How many more there were.
        more: usize,
    },
}

/// What a search found.
pub fn search(lang: Lang, query: &str, found: &SearchResults) -> Markup {
    let by = match found.by.as_str() {
        "phone" => Key::ByPhone,
        "village" => Key::ByVillage,
        _ => Key::ByName,
    };
    let dash = || "–".to_owned();
    html! {
        p { "“" (query) "”: " (ist::count(found.volunteers.len() as u64)) " " (lang.t(Key::Found)) ", " (lang.t(by)) }
        @if !found.volunteers.is_empty() {
            table {
                thead { tr {
                    th scope="col" { (lang.t(Key::NameDeva)) }
                    th scope="col" { (lang.t(Key::NameLatin)) }
                    th scope="col" { (lang.t(Key::Phone)) }
                    th scope="col" { (lang.t(Key::Village)) }
                    th scope="col" { (lang.t(Key::Beat)) }
                    th scope="col" { (lang.t(Key::Status)) }
                } }
                tbody {
                    @for v in &found.volunteers {
                        tr {
                            td lang="hi" { a href={ "/volunteers/" (v.id) } { (v.name_devanagari.clone().unwrap_or_else(dash)) } }
                            td { (v.name_latin.clone().unwrap_or_else(dash)) }
                            td { (v.phone.clone().unwrap_or_else(dash)) }
                            td { (v.village) }
                            td { (v.beat) }
                            td { (v.status) }
                        }
                    }
                }
            }
        }
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
