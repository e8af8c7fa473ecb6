//! `mitan admin` as an operator runs it, the real binary on a SQLite file: CSV imports that
//! store all or nothing, campaigns and targets set and read back, and exports written to
//! files and logged as taken through the command line.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{NOW, enrol_people, register_phone, sync_phone};
use mitan_core::demo::Generator;
use mitan_core::store::StoreKey;
use mitan_server::district::{District, DistrictConfig};
use mitan_server::ops::administration::CampaignList;
use mitan_server::store::ServerStore;

const MITAN: &str = env!("CARGO_BIN_EXE_mitan");
const STATION: &str = "BSP-PS-KONI";
const BEAT: &str = "BSP-PS-KONI-B01";

const HIERARCHY: &str = "kind,code,parent,name_hi,name_en,lgd_code,households
state,CG,,छत्तीसगढ़,Chhattisgarh,,
range,CG-BSP,CG,बिलासपुर रेंज,Bilaspur Range,,
district,BSP,CG-BSP,बिलासपुर,Bilaspur,,
circle,BSP-C1,BSP,सर्कल 1,Circle 1,,
station,BSP-PS-KONI,BSP-C1,कोनी,Koni,,
beat,BSP-PS-KONI-B01,BSP-PS-KONI,बीट 1,Beat 1,,
beat,BSP-PS-KONI-B02,BSP-PS-KONI,बीट 2,Beat 2,,
village,BSP-V-KONI,BSP-PS-KONI-B01,कोनी,Koni,434521,812
station,BSP-PS-SIPAT,BSP-C1,सीपत,Sipat,,
beat,BSP-PS-SIPAT-B01,BSP-PS-SIPAT,बीट 1,Beat 1,,
";

const USERS: &str = "badge,name,role,unit,beats
CG-500,Anita Dubey,district_admin,BSP,
CG-100,Vikas Patel,station_incharge,BSP-PS-KONI,
CG-200,Meena Sahu,station_incharge,BSP-PS-SIPAT,
CG-001,Ramesh Sahu,constable,BSP-PS-KONI,BSP-PS-KONI-B01
";

/// A district database in a temp dir, administered through the binary.
struct Fixture {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("district.db");
        Fixture { dir, db }
    }

    /// Writes `text` to a file in the temp dir and returns its path.
    fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("file written");
        path.to_str().expect("utf-8 path").to_owned()
    }

    fn admin(&self, args: &[&str]) -> Output {
        Command::new(MITAN)
            .arg("admin")
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env("MITAN_LOG", "warn")
            // A backtrace would bury the one line an operator needs to read.
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .output()
            .expect("the binary runs")
    }

    /// Runs an admin command that must succeed; returns its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.admin(args);
        assert!(
            output.status.success(),
            "mitan admin {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("utf-8 output")
    }

    /// Runs an admin command that must fail; returns its standard error.
    fn refused(&self, args: &[&str]) -> String {
        let output = self.admin(args);
        assert!(
            !output.status.success(),
            "mitan admin {args:?} should have failed, printed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        String::from_utf8(output.stderr).expect("utf-8 output")
    }

    fn import_district(&self) {
        let hierarchy = self.file("hierarchy.csv", HIERARCHY);
        let users = self.file("users.csv", USERS);
        self.ok(&["import-hierarchy", "--file", &hierarchy]);
        self.ok(&["import-users", "--file", &users]);
    }

    fn count(&self, table: &str) -> i64 {
        let connection = rusqlite::Connection::open(&self.db).expect("database opens");
        connection
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
                row.get(0)
            })
            .expect("count")
    }

    /// Counts of every table an import writes.
    fn directory_counts(&self) -> [i64; 4] {
        ["unit", "village_households", "user", "user_beat"].map(|table| self.count(table))
    }
}

#[test]
fn csv_imports_store_every_row_and_a_bad_file_is_refused_naming_line_and_field() {
    let fixture = Fixture::new();
    let hierarchy = fixture.file("hierarchy.csv", HIERARCHY);
    let users = fixture.file("users.csv", USERS);
    let imported = fixture.ok(&["import-hierarchy", "--file", &hierarchy]);
    assert!(
        imported.contains("10 unit(s) added or replaced, of which 1 village(s)"),
        "{imported}"
    );
    let imported = fixture.ok(&["import-users", "--file", &users]);
    assert!(
        imported.contains("4 user(s) added or replaced"),
        "{imported}"
    );
    let before = fixture.directory_counts();
    assert_eq!(before, [10, 1, 4, 1]);

    // Line 2 is good on its own; line 3's LGD code is not, so neither is stored.
    let bad_lgd = fixture.file(
        "bad-lgd.csv",
        "kind,code,parent,name_hi,name_en,lgd_code\n\
         station,BSP-PS-MASTURI,BSP-C1,मस्तूरी,Masturi,\n\
         village,BSP-V-X,BSP-PS-MASTURI,गाँव,Village,12AB56\n",
    );
    let error = fixture.refused(&["import-hierarchy", "--file", &bad_lgd]);
    assert!(error.contains("line 3: lgd_code: bad_lgd_code"), "{error}");
    assert!(error.contains("nothing of the file was stored"), "{error}");

    // A parent neither in the database nor above in the file is caught too.
    let unknown_parent = fixture.file(
        "unknown-parent.csv",
        "kind,code,parent,name_hi,name_en\n\
         station,BSP-PS-MASTURI,BSP-C1,मस्तूरी,Masturi\n\
         beat,BSP-PS-MASTURI-B01,BSP-PS-NOWHERE,बीट 1,Beat 1\n",
    );
    let error = fixture.refused(&["import-hierarchy", "--file", &unknown_parent]);
    assert!(error.contains("line 3: parent: unknown_parent"), "{error}");

    let bad_users = fixture.file(
        "bad-users.csv",
        "badge,name,role,unit,beats\n\
         CG-002,Suresh Yadav,constable,BSP-PS-KONI,BSP-PS-KONI-B02\n\
         CG-003,Kavita Nag,inspector,BSP-PS-KONI,\n",
    );
    let error = fixture.refused(&["import-users", "--file", &bad_users]);
    assert!(error.contains("line 3: role: unknown_role"), "{error}");

    // Every bad row of a file is printed, one per line, whether it is wrong on its own (a
    // role) or against the database (a unit, a beat of another station); good rows around
    // them are not kept.
    let many_bad = fixture.file(
        "many-bad-users.csv",
        "badge,name,role,unit,beats\n\
         CG-002,Suresh Yadav,constable,BSP-PS-KONI,BSP-PS-KONI-B02\n\
         CG-003,Kavita Nag,inspector,BSP-PS-KONI,\n\
         CG-004,Dinesh Sahu,constable,BSP-PS-MASTURI,\n\
         CG-005,Rekha Dhruw,station_incharge,BSP-PS-SIPAT,\n\
         CG-006,Lalit Kurre,constable,BSP-PS-KONI,BSP-PS-SIPAT-B01\n",
    );
    let error = fixture.refused(&["import-users", "--file", &many_bad]);
    let lines: Vec<&str> = error.lines().collect();
    let problems: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| line.starts_with("line "))
        .collect();
    assert_eq!(problems.len(), 3, "{error}");
    assert!(
        problems[0].starts_with("line 3: role: unknown_role: "),
        "{error}"
    );
    assert!(
        problems[1].starts_with("line 4: unit: unknown_unit: ")
            && problems[1].contains("BSP-PS-MASTURI"),
        "{error}"
    );
    assert!(
        problems[2].starts_with("line 6: beats: not_a_beat_of_unit: ")
            && problems[2].contains("BSP-PS-SIPAT-B01"),
        "{error}"
    );
    let refusal = lines
        .iter()
        .position(|line| line.ends_with("refused, nothing of the file was stored"))
        .unwrap_or_else(|| panic!("the refusal is said: {error}"));
    let last_problem = lines
        .iter()
        .rposition(|line| line.starts_with("line "))
        .expect("problems printed");
    assert!(last_problem < refusal, "problems come first: {error}");

    assert_eq!(fixture.directory_counts(), before);

    let missing = fixture.dir.path().join("missing.csv");
    let error = fixture.refused(&[
        "import-users",
        "--file",
        missing.to_str().expect("utf-8 path"),
    ]);
    assert!(error.contains("file: "), "{error}");
    assert!(error.contains("missing.csv"), "{error}");
}

#[test]
fn a_campaign_and_its_targets_set_from_the_command_line_read_back() {
    let fixture = Fixture::new();
    fixture.import_district();
    let saved = fixture.ok(&[
        "set-campaign",
        "--code",
        "cm-2025",
        "--name",
        "Cyber Mitan 2025",
        "--programme",
        "cyber_mitan",
        "--starts-on",
        "2025-11-24",
        "--ends-on",
        "2025-12-31",
    ]);
    assert!(saved.contains("campaign cm-2025 saved"), "{saved}");
    fixture.ok(&[
        "set-target",
        "--campaign",
        "cm-2025",
        "--unit",
        STATION,
        "--volunteers",
        "40",
    ]);
    fixture.ok(&[
        "set-target",
        "--campaign",
        "cm-2025",
        "--badge",
        "CG-001",
        "--volunteers",
        "25",
    ]);
    // Setting a target again replaces it.
    fixture.ok(&[
        "set-target",
        "--campaign",
        "cm-2025",
        "--unit",
        STATION,
        "--volunteers",
        "45",
    ]);

    let error = fixture.refused(&[
        "set-campaign",
        "--code",
        "cm-2026",
        "--name",
        "Backwards",
        "--starts-on",
        "2026-02-01",
        "--ends-on",
        "2026-01-01",
    ]);
    assert!(
        error.contains("ends_on: the end, 2026-01-01, is before the start, 2026-02-01"),
        "{error}"
    );
    let error = fixture.refused(&[
        "set-campaign",
        "--code",
        "cm-2026",
        "--name",
        "Bad day",
        "--starts-on",
        "2026-02-30",
        "--ends-on",
        "2026-03-01",
    ]);
    assert!(error.contains("starts_on: "), "{error}");
    let error = fixture.refused(&[
        "set-target",
        "--campaign",
        "cm-2099",
        "--unit",
        STATION,
        "--volunteers",
        "10",
    ]);
    assert!(error.contains("campaign cm-2099: not found"), "{error}");
    let error = fixture.refused(&[
        "set-target",
        "--campaign",
        "cm-2025",
        "--badge",
        "CG-999",
        "--volunteers",
        "10",
    ]);
    assert!(error.contains("user CG-999: not found"), "{error}");
    // A village's target would never be reported against.
    let error = fixture.refused(&[
        "set-target",
        "--campaign",
        "cm-2025",
        "--unit",
        "BSP-V-KONI",
        "--volunteers",
        "10",
    ]);
    assert!(error.contains("no report shows"), "{error}");

    let listed: CampaignList = serde_json::from_str(&fixture.ok(&["list-targets", "--json"]))
        .expect("list-targets --json prints the API's campaigns body");
    assert_eq!(
        listed.campaigns.len(),
        1,
        "the refused campaigns are absent"
    );
    let view = &listed.campaigns[0];
    assert_eq!(
        (
            view.campaign.code.as_str(),
            view.campaign.name.as_str(),
            view.campaign.programme.as_deref(),
            view.campaign.starts_on.as_str(),
            view.campaign.ends_on.as_str(),
        ),
        (
            "cm-2025",
            "Cyber Mitan 2025",
            Some("cyber_mitan"),
            "2025-11-24",
            "2025-12-31"
        )
    );
    let targets: Vec<(Option<&str>, Option<&str>, u32)> = view
        .targets
        .iter()
        .map(|target| {
            (
                target.unit.as_deref(),
                target.badge.as_deref(),
                target.volunteers,
            )
        })
        .collect();
    assert_eq!(
        targets,
        vec![(None, Some("CG-001"), 25), (Some(STATION), None, 45)]
    );

    let text = fixture.ok(&["list-targets", "--campaign", "cm-2025"]);
    assert!(text.contains("unit BSP-PS-KONI\t45 volunteer(s)"), "{text}");
    assert!(text.contains("badge CG-001\t25 volunteer(s)"), "{text}");
    let error = fixture.refused(&["list-targets", "--campaign", "cm-2099"]);
    assert!(error.contains("campaign cm-2099: not found"), "{error}");
}

/// Enrols `count` volunteers on a constable's phone and syncs them into the district, the
/// path the server tests take without HTTP (`server/tests/district.rs`).
fn enrol_through_sync(db: &Path, phone_dir: &Path, count: usize) {
    let mut district = District::new(
        ServerStore::open(db).expect("store opens"),
        DistrictConfig::default(),
    );
    let (mut device, caller) = register_phone(
        &mut district,
        &phone_dir.join("phone.db"),
        &StoreKey::from_bytes([7; 32]),
        "CG-001",
        [7; 16],
        STATION,
    );
    // Koni, the one village the hierarchy lists under the beat: the server refuses any other.
    enrol_people(&mut device, &mut Generator::new(11), count, |_| {
        "434521".to_owned()
    });
    let report = sync_phone(&mut device, &mut district, &caller, NOW);
    assert_eq!(report.acknowledged, count as u64);
}

/// The data rows of a CSV file (the header left out).
fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .expect("the file reads")
        .records()
        .map(|record| record.expect("a CSV record"))
        .collect()
}

#[test]
fn an_export_writes_each_list_part_to_its_own_file_and_is_logged_as_taken_through_the_cli() {
    let fixture = Fixture::new();
    fixture.import_district();
    enrol_through_sync(&fixture.db, fixture.dir.path(), 5);
    let out = fixture.dir.path().join("lists");
    let out_arg = out.to_str().expect("utf-8 path");

    let printed = fixture.ok(&[
        "export",
        "--as",
        "CG-100",
        "--unit",
        STATION,
        "--kind",
        "group",
        "--include-unverified",
        "--part-size",
        "2",
        "--out",
        out_arg,
    ]);
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .expect("the directory was created")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .into_string()
                .expect("utf-8 name")
        })
        .collect();
    written.sort();
    assert_eq!(
        written,
        [
            "BSP-PS-KONI-group-part1.csv",
            "BSP-PS-KONI-group-part2.csv",
            "BSP-PS-KONI-group-part3.csv"
        ],
        "{printed}"
    );
    let mut phones = std::collections::HashSet::new();
    let mut sizes = Vec::new();
    for (number, name) in (1..).zip(&written) {
        let rows = csv_rows(&out.join(name));
        sizes.push(rows.len());
        for row in &rows {
            assert_eq!(&row[0], number.to_string(), "{name}: the part column");
            assert!(row[2].starts_with("'+91"), "{name}: a phone number");
            phones.insert(row[2].to_owned());
        }
    }
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(phones.len(), 5, "every volunteer once, across the parts");
    owner_only(&out, &written, &fixture.db);

    // Nobody is verified yet, so without --include-unverified the roster is empty.
    let roster = fixture.dir.path().join("koni.csv");
    let roster_arg = roster.to_str().expect("utf-8 path");
    fixture.ok(&[
        "export", "--as", "CG-500", "--unit", STATION, "--out", roster_arg,
    ]);
    assert!(csv_rows(&roster).is_empty());
    fixture.ok(&[
        "export",
        "--as",
        "CG-500",
        "--unit",
        BEAT,
        "--programme",
        "cyber_mitan",
        "--include-unverified",
        "--out",
        roster_arg,
    ]);
    let rows = csv_rows(&roster);
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter()
            .all(|row| &row[7] == BEAT && &row[9] == "pending")
    );

    let cards = fixture.dir.path().join("cards");
    fixture.ok(&[
        "export",
        "--as",
        "CG-100",
        "--unit",
        STATION,
        "--kind",
        "broadcast",
        "--format",
        "vcard",
        "--include-unverified",
        "--out",
        cards.to_str().expect("utf-8 path"),
    ]);
    let vcf = std::fs::read_to_string(cards.join("BSP-PS-KONI-broadcast-part1.vcf"))
        .expect("one broadcast list");
    assert_eq!(vcf.matches("BEGIN:VCARD").count(), 5);

    // The same list again in one part: the two old parts stay, and are pointed out.
    let output = fixture.admin(&[
        "export",
        "--as",
        "CG-100",
        "--unit",
        STATION,
        "--kind",
        "group",
        "--include-unverified",
        "--part-size",
        "5",
        "--out",
        out_arg,
    ]);
    assert!(output.status.success());
    assert_eq!(csv_rows(&out.join("BSP-PS-KONI-group-part1.csv")).len(), 5);
    let notes = String::from_utf8(output.stderr).expect("utf-8 output");
    assert!(
        notes.contains("BSP-PS-KONI-group-part2.csv is left from an earlier"),
        "{notes}"
    );
    assert!(
        notes.contains("BSP-PS-KONI-group-part3.csv is left from an earlier"),
        "{notes}"
    );

    let logged = fixture.count("export_log");
    assert_eq!(logged, 5, "one log line per export, not per file");
    // The in-charge of another station has no right to Koni's volunteers.
    let refused_out = fixture.dir.path().join("refused");
    let error = fixture.refused(&[
        "export",
        "--as",
        "CG-200",
        "--unit",
        STATION,
        "--kind",
        "group",
        "--include-unverified",
        "--out",
        refused_out.to_str().expect("utf-8 path"),
    ]);
    assert!(
        error.contains("forbidden: BSP-PS-KONI is outside BSP-PS-SIPAT"),
        "{error}"
    );
    // A constable takes no exports at all.
    let error = fixture.refused(&["export", "--as", "CG-001", "--unit", BEAT, "--out", out_arg]);
    assert!(
        error.contains("a constable does not take exports"),
        "{error}"
    );
    let error = fixture.refused(&[
        "export",
        "--as",
        "CG-100",
        "--unit",
        STATION,
        "--kind",
        "group",
        "--part-size",
        "2000",
        "--out",
        refused_out.to_str().expect("utf-8 path"),
    ]);
    assert!(error.contains("part_size: "), "{error}");
    let error = fixture.refused(&[
        "export",
        "--as",
        "CG-100",
        "--unit",
        STATION,
        "--out",
        "/nonexistent/dir/koni.csv",
    ]);
    assert!(
        error.contains("out: /nonexistent/dir does not exist"),
        "{error}"
    );
    assert_eq!(
        fixture.count("export_log"),
        logged,
        "a refusal logs nothing"
    );
    assert!(!refused_out.exists(), "a refusal writes nothing");

    let store = ServerStore::open(&fixture.db).expect("store opens");
    let log = store.load_export_log(10, None).expect("the export log");
    let lists = log
        .iter()
        .find(|entry| entry.taken.kind == "group")
        .expect("the group export was logged");
    assert_eq!(lists.taken.requested_via, "cli");
    assert_eq!(lists.taken.badge, "CG-100");
    assert_eq!(lists.taken.role, "station_incharge");
    assert_eq!(lists.taken.unit, STATION);
    assert_eq!(lists.taken.format, "csv");
    assert!(lists.taken.include_unverified);
    assert!(!lists.taken.include_withdrawn);
    assert_eq!(lists.taken.part, None);
    assert_eq!(lists.taken.rows, 5);
    assert!(log.iter().all(|entry| entry.taken.requested_via == "cli"));
}

fn audit(db: &Path, args: &[&str]) -> Output {
    Command::new(MITAN)
        .arg("audit")
        .arg("--db")
        .arg(db)
        .args(args)
        .env("MITAN_LOG", "warn")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .output()
        .expect("the binary runs")
}

#[test]
fn mitan_audit_report_counts_the_district_as_it_stood_at_a_past_moment() {
    let fixture = Fixture::new();
    fixture.import_district();
    // The sync is received at NOW: just before, the district had no volunteer.
    enrol_through_sync(&fixture.db, fixture.dir.path(), 3);
    let at = |moment: i64| {
        let output = audit(
            &fixture.db,
            &[
                "--as",
                "CG-500",
                "report",
                "--at-ms",
                &moment.to_string(),
                "--json",
            ],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("the report is JSON")
    };
    let before = at(NOW - 1);
    let after = at(NOW);
    let district = |report: &serde_json::Value, field: &str| report["units"][0][field].clone();
    assert_eq!(district(&before, "code"), "BSP");
    assert_eq!(district(&before, "enrolled"), 0);
    assert_eq!(district(&after, "enrolled"), 3);
    let employee = after["employees"]
        .as_array()
        .expect("employees")
        .iter()
        .find(|employee| employee["badge"] == "CG-001")
        .expect("the constable is listed")
        .clone();
    assert_eq!(employee["enrolled"], 3);

    let text = audit(
        &fixture.db,
        &["--as", "CG-500", "report", "--at-ms", &NOW.to_string()],
    );
    let text = String::from_utf8(text.stdout).expect("utf-8 output");
    assert!(
        text.lines()
            .any(|line| line.starts_with("BSP\tdistrict\tबिलासपुर / Bilaspur\t3\t400\t0\t")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("CG-001\tRamesh Sahu\tconstable\t")),
        "{text}"
    );

    // Counts only: nothing personal was shown, so nothing was logged.
    assert_eq!(fixture.count("access_log"), 0);
    let refused = audit(
        &fixture.db,
        &["--as", "CG-001", "report", "--at-ms", &NOW.to_string()],
    );
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(error.contains("does not read the audit history"), "{error}");
}

#[test]
fn mitan_audit_report_diff_shows_what_each_unit_and_employee_gained_between_two_moments() {
    let fixture = Fixture::new();
    fixture.import_district();
    enrol_through_sync(&fixture.db, fixture.dir.path(), 3);
    let before = NOW - 1;
    let json = audit(
        &fixture.db,
        &[
            "--as",
            "CG-500",
            "report-diff",
            "--from-ms",
            &before.to_string(),
            "--json",
        ],
    );
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let diff: serde_json::Value = serde_json::from_slice(&json.stdout).expect("the diff is JSON");
    assert_eq!(diff["from"]["at_ms"], before);
    assert_eq!(diff["from"]["changes"], 0);
    assert!(diff["to"]["changes"].as_u64().unwrap_or(0) > 3, "{diff}");
    let district = &diff["units"][0];
    assert_eq!(district["code"], "BSP");
    assert_eq!(
        district["enrolled"],
        serde_json::json!({ "from": 0, "to": 3, "by": 3 })
    );
    assert_eq!(
        district["verified"],
        serde_json::json!({ "from": 0, "to": 0, "by": 0 })
    );
    let employees = diff["employees"].as_array().expect("employees");
    assert_eq!(employees.len(), 1, "only the constable who enrolled moved");
    assert_eq!(employees[0]["badge"], "CG-001");
    assert_eq!(employees[0]["enrolled"]["by"], 3);
    assert!(
        diff["employees_unchanged"].as_u64().unwrap_or(0) > 0,
        "{diff}"
    );

    let text = audit(
        &fixture.db,
        &[
            "--as",
            "CG-500",
            "report-diff",
            "--from-ms",
            &before.to_string(),
            "--to-ms",
            &NOW.to_string(),
        ],
    );
    let text = String::from_utf8(text.stdout).expect("utf-8 output");
    assert!(
        text.lines()
            .any(|line| line.starts_with("BSP\tdistrict\t0 -> 3 (+3)\t0 -> 0 (+0)\t")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("CG-001\tconstable\t") && line.contains("0 -> 3 (+3)")),
        "{text}"
    );

    // Counts only: nothing logged. The second moment may not come before the first.
    assert_eq!(fixture.count("access_log"), 0);
    let backwards = audit(
        &fixture.db,
        &[
            "--as",
            "CG-500",
            "report-diff",
            "--from-ms",
            &NOW.to_string(),
            "--to-ms",
            &before.to_string(),
        ],
    );
    assert!(!backwards.status.success());
    let error = String::from_utf8_lossy(&backwards.stderr);
    assert!(error.contains("to_ms: the end, "), "{error}");
}

#[test]
fn mitan_audit_lists_the_history_replays_a_past_state_and_logs_the_read() {
    let fixture = Fixture::new();
    fixture.import_district();
    enrol_through_sync(&fixture.db, fixture.dir.path(), 3);

    let listed = audit(
        &fixture.db,
        &["--as", "CG-500", "history", "--roster", BEAT],
    );
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let text = String::from_utf8(listed.stdout).expect("utf-8 output");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "genesis, three enrolments, a total: {text}");
    assert!(lines[1].contains("CG-001 (constable)"), "{text}");
    assert!(lines[1].contains("\tenrol\t"), "{text}");
    assert!(
        lines[1].contains("phone=\"+91"),
        "opened with the district's key: {text}"
    );
    assert_eq!(lines[4], "4 of 4 change(s)");
    assert_eq!(
        fixture.count("access_log"),
        1,
        "the opened fields are logged"
    );

    // The roster just after the first enrolment holds one volunteer.
    let json = audit(
        &fixture.db,
        &["--as", "CG-500", "history", "--roster", BEAT, "--json"],
    );
    let page: serde_json::Value =
        serde_json::from_slice(&json.stdout).expect("the history is JSON");
    let first = page["entries"][1]["hash"]
        .as_str()
        .expect("a hash")
        .to_owned();
    assert_eq!(
        lines[1].split('\t').nth(2),
        Some(first.as_str()),
        "the text names the whole hash, to hand back to --change: {text}"
    );
    // The district's report when that change arrived, which says so: the three enrolments
    // came in one sync, so the server had all three at that moment (the roster's state at
    // the change, below, holds only the first).
    let report = audit(
        &fixture.db,
        &["--as", "CG-500", "report", "--change", &first],
    );
    let report_text = String::from_utf8_lossy(&report.stdout);
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    assert!(
        report_text
            .lines()
            .next()
            .is_some_and(|line| line.contains(&format!("when change {first} arrived"))),
        "{report_text}"
    );
    assert_eq!(
        report_text
            .lines()
            .nth(3)
            .and_then(|district| district.split('\t').nth(3)),
        Some("3"),
        "the district row's enrolled count: {report_text}"
    );
    let state = audit(
        &fixture.db,
        &[
            "--as", "CG-500", "state", "--roster", BEAT, "--change", &first,
        ],
    );
    assert!(
        state.status.success(),
        "{}",
        String::from_utf8_lossy(&state.stderr)
    );
    let state: serde_json::Value =
        serde_json::from_slice(&state.stdout).expect("the state is JSON");
    assert_eq!(state["volunteers"].as_array().map(Vec::len), Some(1));
    assert_eq!(state["changes"], 2);

    // A constable does not replay the district's history, and nothing is logged for it.
    let refused = audit(
        &fixture.db,
        &["--as", "CG-001", "history", "--roster", BEAT],
    );
    assert!(!refused.status.success());
    let error = String::from_utf8_lossy(&refused.stderr);
    assert!(error.contains("does not read the audit history"), "{error}");
    assert_eq!(fixture.count("access_log"), 3);
    let connection = rusqlite::Connection::open(&fixture.db).expect("database opens");
    let kinds: Vec<(String, String)> = connection
        .prepare("SELECT kind, requested_via FROM access_log ORDER BY seq")
        .expect("prepares")
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("queries")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(
        kinds
            .iter()
            .all(|(kind, via)| kind == "history" && via == "cli"),
        "{kinds:?}"
    );
}

/// The export folder, its files and the district database are their owner's alone, and an
/// export refuses to write through a link planted in its folder.
#[cfg(unix)]
fn owner_only(out: &std::path::Path, written: &[String], db: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(out), 0o700);
    for name in written {
        assert_eq!(mode(&out.join(name)), 0o600, "{name}");
    }
    assert_eq!(mode(db), 0o600);

    let planted = out.parent().expect("a parent").join("planted");
    std::fs::create_dir_all(&planted).expect("folder");
    let victim = planted.join("victim.txt");
    std::fs::write(&victim, "keep me").expect("written");
    std::os::unix::fs::symlink(&victim, planted.join("BSP-PS-KONI-group-part1.csv"))
        .expect("link planted");
    let output = std::process::Command::new(MITAN)
        .args([
            "admin",
            "--db",
            db.to_str().expect("utf-8"),
            "export",
            "--as",
            "CG-100",
            "--unit",
            STATION,
            "--kind",
            "group",
            "--include-unverified",
            "--out",
            planted.to_str().expect("utf-8"),
        ])
        .output()
        .expect("mitan runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("symbolic link"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&victim).expect("read"), "keep me");
}

#[cfg(not(unix))]
fn owner_only(_: &std::path::Path, _: &[String], _: &std::path::Path) {}

#[test]
fn a_group_defined_by_rule_is_listed_and_exported_into_a_folder_of_parts() {
    let fixture = Fixture::new();
    fixture.import_district();
    enrol_through_sync(&fixture.db, fixture.dir.path(), 3);
    let saved = fixture.ok(&[
        "define-group",
        "--unit",
        STATION,
        "--code",
        "everyone",
        "--name-hi",
        "सभी",
        "--name-en",
        "Everyone",
        "--rule",
        "volunteers",
        "--rule",
        "staff reach=above",
    ]);
    // Nobody is verified yet, and no officer gave a contact: a group of none, so far.
    assert!(saved.contains("0 members now"), "{saved}");
    let listed = fixture.ok(&["list-groups", "--unit", STATION]);
    assert!(
        listed.contains("everyone") && listed.contains("volunteers + staff reach=above"),
        "{listed}"
    );
    // A group's list goes into a folder, made for it, one file per part.
    let out = fixture.dir.path().join("group-lists");
    let printed = fixture.ok(&[
        "export",
        "--as",
        "CG-100",
        "--unit",
        STATION,
        "--group",
        "everyone",
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(
        out.join("BSP-PS-KONI-everyone-group-part1.csv").is_file(),
        "{printed}"
    );
}

/// `mitan report` as `badge` on the fixture's database, which must succeed.
fn report_as(db: &Path, badge: &str, args: &[&str]) -> String {
    let output = Command::new(MITAN)
        .arg("report")
        .arg("--db")
        .arg(db)
        .args(["--as", badge])
        .args(args)
        .env("MITAN_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "mitan report {args:?} as {badge} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

#[test]
fn state_and_range_officers_are_added_at_their_level_and_follow_the_state_from_the_command_line() {
    let fixture = Fixture::new();
    fixture.import_district();
    // A zone with Durg's range under it, beside Bilaspur's range.
    let more = fixture.file(
        "more.csv",
        "kind,code,parent,name_hi,name_en\n\
         zone,CG-N,CG,उत्तर ज़ोन,North zone\n\
         range,CG-DRG,CG-N,दुर्ग रेंज,Durg range\n\
         district,DRG,CG-DRG,दुर्ग,Durg\n\
         circle,DRG-C1,DRG,सर्कल 1,Circle 1\n\
         station,DRG-PS-A,DRG-C1,थाना अ,Station A\n",
    );
    fixture.ok(&["import-hierarchy", "--file", &more]);

    // The SP's role still belongs to a district; the new roles to the state and a range.
    let refused = fixture.refused(&[
        "add-user",
        "--badge",
        "CG-0009",
        "--name",
        "Wrong",
        "--role",
        "district_admin",
        "--unit",
        "CG",
    ]);
    assert!(
        refused.contains("belongs to a district, not a state"),
        "{refused}"
    );
    for (badge, role, unit) in [
        ("CG-0010", "state_monitor", "CG"),
        ("CG-0011", "state_admin", "CG"),
        ("CG-0101", "range_ig", "CG-BSP"),
    ] {
        let saved = fixture.ok(&[
            "add-user", "--badge", badge, "--name", "Officer", "--role", role, "--unit", unit,
        ]);
        assert!(
            saved.contains(&format!("user {badge} ({role}) saved")),
            "{saved}"
        );
    }
    let refused = fixture.refused(&[
        "add-user", "--badge", "CG-0102", "--name", "Wrong", "--role", "range_ig", "--unit", "CG",
    ]);
    assert!(
        refused.contains("belongs to a range, not a state"),
        "{refused}"
    );

    // A state campaign with a target for each district.
    fixture.ok(&[
        "set-campaign",
        "--code",
        "cm-state",
        "--name",
        "State drive",
        "--starts-on",
        "2025-11-01",
        "--ends-on",
        "2026-03-31",
        "--unit",
        "CG",
    ]);
    for (unit, volunteers) in [("BSP", "900"), ("DRG", "300")] {
        fixture.ok(&[
            "set-target",
            "--campaign",
            "cm-state",
            "--unit",
            unit,
            "--volunteers",
            volunteers,
        ]);
    }
    // Durg's own campaign carries targets within Durg alone, at the database as in the console:
    // a Bilaspur station, or a Bilaspur officer, is refused and nothing is stored.
    fixture.ok(&[
        "set-campaign",
        "--code",
        "cm-durg",
        "--name",
        "Durg drive",
        "--starts-on",
        "2025-11-01",
        "--ends-on",
        "2026-01-31",
        "--unit",
        "DRG",
    ]);
    for subject in [
        ["--unit", "BSP-PS-KONI"],
        ["--badge", "CG-100"],
        ["--unit", "CG"],
    ] {
        let refused = fixture.refused(&[
            "set-target",
            "--campaign",
            "cm-durg",
            subject[0],
            subject[1],
            "--volunteers",
            "50",
        ]);
        assert!(
            refused.contains("is outside DRG, whose campaign cm-durg is"),
            "{subject:?}: {refused}"
        );
    }
    fixture.ok(&[
        "set-target",
        "--campaign",
        "cm-durg",
        "--unit",
        "DRG-PS-A",
        "--volunteers",
        "50",
    ]);
    let targets = fixture.ok(&["list-targets", "--campaign", "cm-durg"]);
    assert!(targets.contains("DRG-PS-A"), "{targets}");
    assert!(
        !targets.contains("BSP-PS-KONI") && !targets.contains("CG-100"),
        "{targets}"
    );

    let refused = fixture.refused(&[
        "set-campaign",
        "--code",
        "cm-circle",
        "--name",
        "Circle",
        "--starts-on",
        "2025-11-01",
        "--ends-on",
        "2025-11-30",
        "--unit",
        "BSP-C1",
    ]);
    assert!(refused.contains("BSP-C1"), "{refused}");

    let progress = report_as(
        &fixture.db,
        "CG-0010",
        &["progress", "--campaign", "cm-state"],
    );
    for line in [
        "CG\tstate\tछत्तीसगढ़ / Chhattisgarh\t0\t1,200\t",
        "BSP\tdistrict\tबिलासपुर / Bilaspur\t0\t900\t",
        "CG-N\tzone\t",
        "DRG\tdistrict\tदुर्ग / Durg\t0\t300\t",
        "lagging (6), furthest behind first",
    ] {
        assert!(progress.contains(line), "{line:?} in {progress}");
    }
    assert!(
        !progress.contains("BSP-PS-KONI"),
        "down to the districts: {progress}"
    );
    let stations = report_as(
        &fixture.db,
        "CG-0010",
        &["progress", "--unit", "DRG", "--down-to", "station"],
    );
    assert!(stations.contains("DRG-PS-A\tstation"), "{stations}");
    assert!(!stations.contains("BSP\t"), "{stations}");
    let range = report_as(&fixture.db, "CG-0101", &["progress", "--json"]);
    let range: serde_json::Value = serde_json::from_str(&range).expect("JSON");
    let codes: Vec<&str> = range["units"]
        .as_array()
        .expect("units")
        .iter()
        .map(|unit| unit["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, vec!["CG-BSP", "BSP"]);
    let coverage = report_as(&fixture.db, "CG-0010", &["coverage"]);
    assert!(
        coverage.contains("unit\tkind\tname\tvillages\twith volunteers"),
        "{coverage}"
    );
    assert!(
        coverage.contains("BSP\tdistrict\tबिलासपुर / Bilaspur\t1\t0\t0\t0\t812\t0.0%"),
        "{coverage}"
    );
}
