//! Groups made by rule through the real server: police staff imported with their contact and
//! consent, a district admin defining a station's women's group and a circle officer's group
//! (station staff, CLG, Gram Rakshak, Police Mitra, Suraksha Sakhi and the SP), each member
//! once however many rules select them, the lists exported for WhatsApp in parts, and who may
//! see and define what.

use mitan_core::demo::Generator;
use mitan_core::model::{EnrolmentForm, VolunteerId};
use mitan_e2e::http::{Reply, csv_records};
use mitan_e2e::{DISTRICT, FieldDevice, TestServer, beat, station};
use mitan_server::auth::Role;
use serde_json::json;

/// 2025-11-23, mid-morning in India.
const NOW: i64 = 1_763_870_000_000;
/// The in-charge's number, which one volunteer gave as hers too.
const INCHARGE_PHONE: &str = "9826000100";

fn enrol(
    phone: &mut FieldDevice,
    seed: u64,
    gender: &str,
    age: u32,
    programme: &str,
    mobile: Option<&str>,
) -> VolunteerId {
    let generated = Generator::new(seed).enrolment_form(&station(0), &beat(0, 0), "430001");
    let form = EnrolmentForm {
        gender: gender.into(),
        age_years: Some(age),
        programmes: vec![programme.into()],
        phone: mobile.map_or(generated.phone.clone(), str::to_owned),
        ..generated
    };
    phone.enrol_form(&form, seed, NOW + seed as i64)
}

fn names(reply: &Reply) -> Vec<(String, String)> {
    reply.json()["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|member| {
            (
                member["kind"].as_str().expect("kind").to_owned(),
                member["id"].as_str().expect("id").to_owned(),
            )
        })
        .collect()
}

#[test]
fn groups_made_by_rule_hold_volunteers_and_staff_once_each_and_export_in_parts() {
    let server = TestServer::start(2).expect("the server starts");
    let dirs = tempfile::tempdir().expect("temp dir");
    let staff = |badge: &str, role: Role, unit: &str, beats: &[String]| {
        server
            .staff_device(badge, role, unit, beats, dirs.path())
            .expect("registers")
    };
    let mut constable = staff("CG-001", Role::Constable, &station(0), &[beat(0, 0)]);
    let incharge = staff("CG-100", Role::StationIncharge, &station(0), &[]).credential();
    let admin = staff("CG-900", Role::DistrictAdmin, DISTRICT, &[]).credential();

    // The users file again, now with contacts: the circle officer did not consent to be
    // listed, and the other station's constable did.
    let users = format!(
        "badge,name,role,unit,beats,phone,gender,rank,listed\n\
         CG-001,Officer CG-001,constable,{s0},{b00},9826000001,male,constable,yes\n\
         CG-100,Officer CG-100,station_incharge,{s0},,{INCHARGE_PHONE},female,si,yes\n\
         CG-002,Officer CG-002,constable,{s1},{b10},9826000002,male,head_constable,yes\n\
         CG-500,Officer CG-500,circle_officer,BSP-C1,,9826000500,male,dsp,no\n\
         CG-900,Officer CG-900,district_admin,{DISTRICT},,9826000900,female,SP,yes\n",
        s0 = station(0),
        s1 = station(1),
        b00 = beat(0, 0),
        b10 = beat(1, 0),
    );
    let (status, body) = server.post_bytes("/v1/admin/users", &admin, users.as_bytes());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    // A contact that does not read is refused with its line and column, and nothing changes.
    let bad = format!(
        "badge,name,role,unit,beats,phone,rank,listed\n\
         CG-001,Officer CG-001,constable,{},{},12345,captain,yes\n",
        station(0),
        beat(0, 0)
    );
    let (status, body) = server.post_bytes("/v1/admin/users", &admin, bad.as_bytes());
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let refusal = String::from_utf8_lossy(&body);
    assert!(
        refusal.contains("phone") && refusal.contains("rank"),
        "{refusal}"
    );

    let asha = enrol(&mut constable, 1, "female", 25, "gram_rakshak", None);
    let bhola = enrol(&mut constable, 2, "male", 40, "police_mitra", None);
    let champa = enrol(&mut constable, 3, "female", 60, "cyber_mitan", None);
    let dulari = enrol(
        &mut constable,
        4,
        "female",
        33,
        "suraksha_sakhi",
        Some(INCHARGE_PHONE),
    );
    let waiting = enrol(&mut constable, 5, "female", 22, "gram_rakshak", None);
    constable.sync_ok(NOW + 10_000);
    for volunteer in [asha, bhola, champa, dulari] {
        let verified = server.post(
            &format!("/v1/volunteers/{volunteer}/verify"),
            &incharge,
            None,
        );
        assert_eq!(verified.status, 200, "{}", verified.body);
    }

    let define = |unit: &str, code: &str, name_en: &str, rules: &[&str]| {
        server.put(
            "/v1/admin/groups",
            &admin,
            json!({
                "unit": unit,
                "code": code,
                "name_hi": format!("{name_en} (हिंदी)"),
                "name_en": name_en,
                "rules": rules,
            }),
        )
    };
    let women = define(
        &station(0),
        "women",
        "Women's group",
        &[
            "volunteers gender=female",
            "staff gender=female reach=below",
        ],
    );
    assert_eq!(women.status, 200, "{}", women.body);
    // Asha, Champa and Dulari, and the in-charge, whose number Dulari also gave: once.
    let view = women.json();
    assert_eq!(
        (
            &view["members"],
            &view["volunteers"],
            &view["staff"],
            &view["repeated"]
        ),
        (&3.into(), &3.into(), &0.into(), &1.into()),
        "{view}"
    );
    let circle = define(
        "BSP-C1",
        "co-group",
        "Circle officer's group",
        &[
            "staff reach=below",
            "volunteers programmes=clg_member,gram_rakshak,police_mitra,suraksha_sakhi",
            "staff ranks=sp reach=above",
        ],
    );
    assert_eq!(circle.status, 200, "{}", circle.body);
    let young = define(&station(0), "young", "Under 30", &["volunteers age=18-30"]);
    assert_eq!(young.json()["members"], 1, "{}", young.body);

    // A rule that does not read is refused, quoted, and nothing is stored; only the district
    // admin defines groups.
    let refused = define(&station(0), "typo", "Typo", &["volunteers gender=woman"]);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.error_field(), "rules");
    let forbidden = server.put(
        "/v1/admin/groups",
        &incharge,
        json!({"unit": station(0), "code": "mine", "name_hi": "मेरा", "name_en": "Mine",
               "rules": ["volunteers"]}),
    );
    assert_eq!(forbidden.status, 403, "{}", forbidden.body);

    // The in-charge sees their station's groups, not the circle's.
    let listed = server.get("/v1/groups", &incharge);
    assert_eq!(listed.status, 200, "{}", listed.body);
    let codes: Vec<String> = listed.json()["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|group| group["code"].as_str().expect("code").to_owned())
        .collect();
    assert_eq!(codes, ["women", "young"]);

    // The circle's members: station staff of both stations (not the circle officer, who did
    // not consent), Asha, Bhola and Dulari (whose number is the in-charge's: listed once),
    // and the SP above the circle.
    let members = server.get("/v1/groups/members?unit=BSP-C1&code=co-group", &admin);
    assert_eq!(members.status, 200, "{}", members.body);
    let mut got = names(&members);
    got.sort();
    let mut expected = vec![
        ("staff".to_owned(), "CG-001".to_owned()),
        ("staff".to_owned(), "CG-002".to_owned()),
        ("staff".to_owned(), "CG-100".to_owned()),
        ("staff".to_owned(), "CG-900".to_owned()),
        ("volunteer".to_owned(), asha.to_string()),
        ("volunteer".to_owned(), bhola.to_string()),
    ];
    expected.sort();
    assert_eq!(got, expected, "{}", members.body);
    assert!(
        !members.body.contains(&waiting.to_string()),
        "a pending volunteer was listed"
    );
    assert!(!members.body.contains(&champa.to_string()));
    assert_eq!(members.json()["group"]["repeated"], 1);
    let access = server.get("/v1/audit/access-log?kind=group_members", &admin);
    assert_eq!(access.status, 200, "{}", access.body);
    assert!(access.body.contains("BSP-C1/co-group"), "{}", access.body);

    // The in-charge's console shows the station's groups with their counts, and a group's
    // members with their numbers, in both languages.
    let session = server.console_session("CG-100");
    for (lang, heading) in [("en", "Women's group"), ("hi", "Women's group (हिंदी)")] {
        let html = server.console_page(&session, lang, "/groups");
        assert!(html.contains(heading), "{lang}: {html}");
        assert!(html.contains("volunteers gender=female"), "{html}");
        assert!(
            html.contains("group=women&amp;kind=broadcast&amp;format=vcard"),
            "{html}"
        );
        let html = server.console_page(
            &session,
            lang,
            &format!("/groups/members?unit={}&code=women", station(0)),
        );
        assert!(
            html.contains(&asha.to_string()) && html.contains(INCHARGE_PHONE),
            "{html}"
        );
        assert!(
            !html.contains(&bhola.to_string()),
            "a man in the women's group: {html}"
        );
    }

    // Exported for WhatsApp: a group list of every member, in parts when asked.
    let export = server.get("/v1/exports?unit=BSP-C1&group=co-group", &admin);
    assert_eq!(export.status, 200, "{}", export.body);
    let records = csv_records(&export.body);
    assert_eq!(records.len(), 6, "{}", export.body);
    let vcard = server.get(
        "/v1/exports?unit=BSP-C1&group=co-group&format=vcard&part_size=4&part=2",
        &admin,
    );
    assert_eq!(vcard.status, 200, "{}", vcard.body);
    assert_eq!(vcard.parts.as_deref(), Some("2"));
    assert_eq!(vcard.body.matches("BEGIN:VCARD").count(), 2);
    let roster = server.get("/v1/exports?unit=BSP-C1&group=co-group&kind=roster", &admin);
    assert_eq!(roster.status, 400, "{}", roster.body);
    assert_eq!(roster.error_field(), "kind");
    let filtered = server.get(
        "/v1/exports?unit=BSP-C1&group=co-group&programme=gram_rakshak",
        &admin,
    );
    assert_eq!(filtered.status, 400, "{}", filtered.body);
    assert_eq!(filtered.error_field(), "programme");
    let unknown = server.get(
        &format!("/v1/exports?unit={}&group=nobody", station(0)),
        &admin,
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}
