//! What the `mitan` command prints for people: each answer as tab-separated lines with a
//! header, times in India Standard Time, counts grouped the Indian way, names as written
//! (never Debug-escaped). `--json` prints the answer the HTTP API gives instead.

use mitan_server::groups::GroupList;
use mitan_server::ist;
use mitan_server::ops::directory::{DeviceList, UnitList, UserList};
use mitan_server::ops::groups::MemberList;
use mitan_server::reports::cameras::CameraReport;
use mitan_server::reports::trainers::TrainerReport;
use mitan_server::reports::{
    Counted, CoverageReport, DuplicateGroup, DuplicateReport, ListedVolunteer, ProgrammeReport,
    ProgressReport, ReviewQueue,
};
use mitan_server::supervisor::ActionDone;

/// An answer as lines of text.
pub(super) trait Show {
    /// The lines.
    fn lines(&self) -> Vec<String>;
}

fn or_dash(text: Option<&str>) -> &str {
    text.filter(|text| !text.is_empty()).unwrap_or("-")
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |value| format!("{value:.1}%"))
}

fn counted(counted: &Counted) -> String {
    let mut parts = Vec::new();
    if let Some(campaign) = &counted.campaign {
        parts.push(format!("campaign {campaign}"));
    }
    parts.push(match &counted.programme {
        Some(programme) => format!("programme {programme}"),
        None => "every programme".to_owned(),
    });
    match (&counted.starts_on, &counted.ends_on) {
        (Some(from), Some(to)) => parts.push(format!("enrolled {from} to {to}")),
        (Some(from), None) => parts.push(format!("enrolled from {from}")),
        (None, Some(to)) => parts.push(format!("enrolled until {to}")),
        (None, None) => {}
    }
    format!("counted: {}", parts.join(", "))
}

impl Show for ActionDone {
    fn lines(&self) -> Vec<String> {
        vec![format!(
            "{}\t{}\t{}",
            self.volunteer_id, self.status, self.roster
        )]
    }
}

fn volunteer_line(volunteer: &ListedVolunteer) -> String {
    format!(
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
        volunteer.id,
        volunteer.status,
        volunteer.beat,
        volunteer.village,
        or_dash(volunteer.name_devanagari.as_deref()),
        or_dash(volunteer.name_latin.as_deref()),
        or_dash(volunteer.phone.as_deref()),
        or_dash(volunteer.household.as_deref()),
        format_args!(
            "{} {}",
            volunteer.enrolled_by,
            ist::date_time(volunteer.enrolled_at_ms)
        ),
    )
}

const VOLUNTEER_HEADER: &str =
    "id\tstatus\tbeat\tvillage\tname\tname (Latin)\tphone\thousehold\tenrolled by, on";

impl Show for ReviewQueue {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} waiting for review; {} on this page, oldest first",
            ist::count(self.total),
            ist::count(self.volunteers.len() as u64)
        )];
        if !self.volunteers.is_empty() {
            lines.push(VOLUNTEER_HEADER.to_owned());
            lines.extend(self.volunteers.iter().map(volunteer_line));
        }
        lines
    }
}

impl Show for mitan_server::reports::SearchResults {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} found by {}",
            ist::count(self.volunteers.len() as u64),
            self.by
        )];
        if !self.volunteers.is_empty() {
            lines.push(VOLUNTEER_HEADER.to_owned());
            lines.extend(self.volunteers.iter().map(volunteer_line));
        }
        lines
    }
}

fn groups(kind: &str, groups: &[DuplicateGroup], lines: &mut Vec<String>) {
    for (index, group) in groups.iter().enumerate() {
        lines.push(format!("{kind} #{}: {}", index + 1, group.key));
        lines.extend(group.volunteers.iter().map(volunteer_line));
    }
}

impl Show for DuplicateReport {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} group(s) sharing a phone, {} of sound-alike names in one village",
            ist::count(self.total_groups.same_phone),
            ist::count(self.total_groups.similar_name)
        )];
        if !self.same_phone.is_empty() || !self.similar_name.is_empty() {
            lines.push(VOLUNTEER_HEADER.to_owned());
        }
        groups("same phone", &self.same_phone, &mut lines);
        groups("similar name", &self.similar_name, &mut lines);
        lines
    }
}

/// How progress counts a number entered twice, in English and Hindi, as the console says it.
const ONCE_PER_UNIT: &str = "each mobile number counts once per unit; same phone: entries left \
     out as a number already counted there / हर मोबाइल नंबर हर इकाई में एक बार गिना जाता है; एक ही \
     मोबाइल: उसी नंबर की बाकी प्रविष्टियाँ, दोबारा नहीं गिनीं";

impl Show for ProgressReport {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![counted(&self.counted)];
        lines.push("unit\tkind\tname\tenrolled\ttarget\tverified\tdone\tsame phone".into());
        for unit in &self.units {
            lines.push(format!(
                "{}\t{}\t{} / {}\t{}\t{}\t{}\t{}\t{}{}",
                unit.code,
                unit.kind,
                unit.name_hi,
                unit.name_en,
                ist::count(unit.enrolled),
                ist::count(unit.target),
                ist::count(unit.verified),
                percent(unit.percent),
                ist::count(unit.duplicates),
                if unit.no_constable {
                    "\tno constable works this beat"
                } else {
                    ""
                }
            ));
        }
        lines.push(
            "employee\tname\trole\tstation\tenrolled\ttarget\tverified\tdone\tsame phone".into(),
        );
        for employee in &self.employees {
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                employee.badge,
                employee.name,
                employee.role,
                employee.station,
                ist::count(employee.enrolled),
                ist::count(employee.target),
                ist::count(employee.verified),
                percent(employee.percent),
                ist::count(employee.duplicates)
            ));
        }
        // The units behind their target, furthest behind first: what an officer above the
        // district follows.
        let mut lagging: Vec<_> = self
            .units
            .iter()
            .filter(|unit| unit.target > 0 && unit.enrolled < unit.target)
            .collect();
        lagging.sort_by(|a, b| {
            a.percent
                .unwrap_or(0.0)
                .total_cmp(&b.percent.unwrap_or(0.0))
                .then_with(|| a.code.cmp(&b.code))
        });
        lines.push(format!(
            "lagging ({}), furthest behind first: unit\tkind\tenrolled\ttarget\tdone",
            lagging.len()
        ));
        for unit in lagging {
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}",
                unit.code,
                unit.kind,
                ist::count(unit.enrolled),
                ist::count(unit.target),
                percent(unit.percent)
            ));
        }
        // Last, so that the tables keep the lines scripts know them by.
        lines.push(ONCE_PER_UNIT.to_owned());
        lines
    }
}

impl Show for CoverageReport {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![counted(&self.counted)];
        lines
            .push("village (LGD)\tname\tbeats\tvolunteers\thouseholds covered\tof\tcovered".into());
        for village in &self.villages {
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                village.lgd_code,
                match (&village.name_hi, &village.name_en) {
                    (Some(hi), Some(en)) => format!("{hi} / {en}"),
                    (Some(name), None) | (None, Some(name)) => name.clone(),
                    (None, None) => "-".into(),
                },
                village.beats.join(","),
                ist::count(village.volunteers),
                ist::count(village.households_covered),
                village
                    .households
                    .map_or_else(|| "-".to_owned(), ist::count),
                percent(village.percent)
            ));
        }
        if !self.units.is_empty() {
            lines.push(
                "unit\tkind\tname\tvillages\twith volunteers\tvolunteers\thouseholds covered\tof\tcovered"
                    .into(),
            );
        }
        for unit in &self.units {
            lines.push(format!(
                "{}\t{}\t{} / {}\t{}\t{}\t{}\t{}\t{}\t{}",
                unit.code,
                unit.kind,
                unit.name_hi,
                unit.name_en,
                ist::count(unit.villages),
                ist::count(unit.villages_reached),
                ist::count(unit.volunteers),
                ist::count(unit.households_covered),
                ist::count(unit.households),
                percent(unit.percent)
            ));
        }
        lines
    }
}

impl Show for ProgrammeReport {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![counted(&self.counted)];
        lines.push("programme\tvolunteers\tverified".into());
        for programme in &self.programmes {
            lines.push(format!(
                "{}\t{}\t{}",
                programme.programme,
                ist::count(programme.volunteers),
                ist::count(programme.verified)
            ));
        }
        if !self.units.is_empty() {
            lines.push("unit\tkind\tprogramme\tvolunteers\tverified".into());
        }
        for unit in &self.units {
            for programme in &unit.programmes {
                lines.push(format!(
                    "{}\t{}\t{}\t{}\t{}",
                    unit.code,
                    unit.kind,
                    programme.programme,
                    ist::count(programme.volunteers),
                    ist::count(programme.verified)
                ));
            }
        }
        lines
    }
}

impl Show for mitan_server::ops::administration::ProgrammeList {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec!["code\tname (Hindi)\tname (English)".to_owned()];
        for programme in &self.programmes {
            lines.push(format!(
                "{}\t{}\t{}",
                programme.code, programme.name_hi, programme.name_en
            ));
        }
        lines
    }
}

impl Show for GroupList {
    fn lines(&self) -> Vec<String> {
        if self.groups.is_empty() {
            return vec!["no group is defined in these units".to_owned()];
        }
        let mut lines =
            vec!["unit\tcode\tname\tmembers\tvolunteers\tstaff\trepeated\trules".to_owned()];
        for group in &self.groups {
            lines.push(format!(
                "{}\t{}\t{} / {}\t{}\t{}\t{}\t{}\t{}",
                group.unit,
                group.code,
                group.name_hi,
                group.name_en,
                ist::count(group.members),
                ist::count(group.volunteers),
                ist::count(group.staff),
                ist::count(group.repeated),
                group.rules.join(" + "),
            ));
        }
        lines
    }
}

impl Show for MemberList {
    fn lines(&self) -> Vec<String> {
        let group = &self.group;
        let mut lines = vec![
            format!(
                "{}/{} {} / {}: {} members ({} volunteers, {} staff; {} selected twice, listed once)",
                group.unit,
                group.code,
                group.name_hi,
                group.name_en,
                ist::count(group.members),
                ist::count(group.volunteers),
                ist::count(group.staff),
                ist::count(group.repeated),
            ),
            "kind\tid\tname\tphone\tunit\tvillage\tprogrammes or rank".to_owned(),
        ];
        for member in &self.members {
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                member.kind,
                member.id,
                member.name,
                member.phone,
                member.unit,
                or_dash(Some(member.village.as_str()).filter(|village| !village.is_empty())),
                member.detail,
            ));
        }
        lines
    }
}

impl Show for CameraReport {
    fn lines(&self) -> Vec<String> {
        let mut lines =
            vec!["unit\tkind\tcameras\tremoved\tvillages covered\tvillages\t%".to_owned()];
        for unit in &self.units {
            lines.push(format!(
                "{}{} {}\t{}\t{}\t{}\t{}\t{}\t{}",
                "  ".repeat(unit.depth as usize),
                unit.code,
                unit.name_en,
                unit.kind,
                ist::count(unit.cameras),
                ist::count(unit.removed),
                ist::count(unit.villages_covered),
                ist::count(unit.villages),
                percent(unit.percent),
            ));
        }
        if self.cameras.is_empty() {
            lines.push(String::new());
            lines.push("no camera is registered in these units".to_owned());
            return lines;
        }
        lines.push(String::new());
        lines.push(
            "camera\tbeat\tvillage\tlatitude,longitude\tdirection\tcovers\trecording days\tregistered\tremoved"
                .to_owned(),
        );
        for camera in &self.cameras {
            let removed = match (&camera.removed, &camera.removed_on) {
                (Some(reason), Some(on)) => format!("{reason} on {on}"),
                (Some(reason), None) => reason.clone(),
                (None, _) => "-".to_owned(),
            };
            lines.push(format!(
                "{}\t{}\t{} {}\t{:.6},{:.6}\t{}\t{}\t{}\t{}\t{removed}",
                camera.id,
                camera.beat,
                camera.village_lgd,
                or_dash(camera.village_en.as_deref()),
                camera.latitude,
                camera.longitude,
                or_dash(camera.direction.as_deref()),
                camera.coverage,
                camera
                    .recording_days
                    .map_or("-".to_owned(), |days| days.to_string()),
                camera.registered_on,
            ));
        }
        lines
    }
}

impl Show for TrainerReport {
    fn lines(&self) -> Vec<String> {
        if self.trainers.is_empty() {
            return vec!["no trainer is named for a volunteer in your units".to_owned()];
        }
        let mut lines = vec!["trainer	trainees	verified	pending	other	trained by".to_owned()];
        for entry in &self.trainers {
            let who = match (&entry.volunteer, &entry.badge) {
                (Some(volunteer), _) => format!("volunteer {volunteer}"),
                (None, Some(badge)) => format!("staff {badge}"),
                (None, None) => entry.trainer.clone(),
            };
            let looped = if entry.in_loop {
                " (in a loop of trainers)"
            } else {
                ""
            };
            lines.push(format!(
                "{}{who}{looped}\t{}\t{}\t{}\t{}\t{}",
                "  ".repeat(entry.depth as usize),
                ist::count(entry.trainees),
                ist::count(entry.verified),
                ist::count(entry.pending),
                ist::count(entry.other),
                or_dash(entry.trained_by.as_deref()),
            ));
        }
        lines
    }
}

impl Show for UnitList {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec!["code\tkind\tparent\tname (Hindi)\tname (English)\tLGD".to_owned()];
        for unit in &self.units {
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}\t{}",
                unit.code,
                unit.kind,
                or_dash(unit.parent.as_deref()),
                unit.name_hi,
                unit.name_en,
                or_dash(unit.lgd_code.as_deref())
            ));
        }
        lines
    }
}

impl Show for UserList {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec!["badge\tname\trole\tunit\tbeats".to_owned()];
        for user in &self.users {
            let beats: Vec<String> = user.beats.iter().map(ToString::to_string).collect();
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}",
                user.badge,
                user.name,
                user.role,
                user.unit,
                if beats.is_empty() {
                    "-".to_owned()
                } else {
                    beats.join(",")
                }
            ));
        }
        lines
    }
}

impl Show for DeviceList {
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            "device\tbadge\tregistered\trevoked\tsigns changes\tlast change received\tsync protocol"
                .into(),
        ];
        for device in &self.devices {
            lines.push(format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                device.device,
                device.badge,
                ist::date_time(device.registered_at_ms),
                match (device.revoked_at_ms, &device.revoked_by) {
                    (None, _) => "-".to_owned(),
                    (Some(at), None) => ist::date_time(at),
                    (Some(at), Some(by)) => format!("{} ({by})", ist::date_time(at)),
                },
                if device.signs_changes { "yes" } else { "no" },
                device
                    .last_change_at_ms
                    .map_or_else(|| "never".to_owned(), ist::date_time),
                device
                    .sync_protocol
                    .map_or_else(|| "-".to_owned(), |protocol| protocol.to_string())
            ));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use mitan_server::reports::{Counted, EmployeeProgress, UnitProgress};

    use super::*;

    #[test]
    fn progress_prints_the_entries_left_out_as_the_same_phone_beside_each_count() {
        let report = ProgressReport {
            counted: Counted {
                campaign: None,
                programme: None,
                starts_on: None,
                ends_on: None,
            },
            units: vec![UnitProgress {
                code: "BSP-PS-00".into(),
                kind: "station".into(),
                name_hi: "कोनी".into(),
                name_en: "Koni".into(),
                parent: None,
                target: 200,
                target_source: "default".into(),
                enrolled: 2,
                verified: 1,
                duplicates: 1,
                percent: Some(1.0),
                no_constable: false,
            }],
            employees: vec![EmployeeProgress {
                badge: "CG-001".into(),
                name: "Officer".into(),
                role: "constable".into(),
                station: "BSP-PS-00".into(),
                target: 25,
                target_source: "default".into(),
                enrolled: 1,
                verified: 0,
                duplicates: 1,
                percent: Some(4.0),
            }],
        };
        let lines = report.lines();
        assert!(lines[1].ends_with("\tsame phone"), "{lines:?}");
        assert_eq!(
            lines[2],
            "BSP-PS-00\tstation\tकोनी / Koni\t2\t200\t1\t1.0%\t1"
        );
        assert_eq!(
            lines[4],
            "CG-001\tOfficer\tconstable\tBSP-PS-00\t1\t25\t0\t4.0%\t1"
        );
        assert!(
            lines[5].starts_with("lagging (1), furthest behind first"),
            "{lines:?}"
        );
        assert_eq!(lines[6], "BSP-PS-00\tstation\t2\t200\t1.0%");
        let legend = lines.last().expect("a legend");
        assert!(legend.contains("same phone") && legend.contains("एक ही मोबाइल"));
    }
}
