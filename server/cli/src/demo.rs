//! `mitan serve --demo`: a realistic demo district, so that a newcomer sees real data at once.
//!
//! The hierarchy and the users are written into the store directly, as `mitan admin` would.
//! The volunteers are not: once the server listens, simulated field devices register with
//! one-time codes and sync to the server's own address over HTTP, through
//! [`crate::field`] and the core's `Device`, exactly as phones do. What the demo shows about
//! the change log, the volunteer rows and the reports is therefore what phones would produce.
//!
//! The district is called "Mitan Nagar (demo)" with code [`DEMO_DISTRICT`], so that no one
//! mistakes a screenshot of it for a real district, and so that [`open_demo_db`] can tell a
//! demo database from a real one and refuse to write into the latter.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use mitan_core::demo::Generator;
use mitan_core::device::Moment;
use mitan_core::model::{Decision, Unit, UnitKind, VolunteerId};
use mitan_core::store::VolunteerFilter;
use mitan_server::admin::{CampaignSpec, TargetSpec, check_campaign, set_target};
use mitan_server::auth::{Role, random_bytes};
use mitan_server::consent::{NoticeSpec, publish_notice};
use mitan_server::http::AppState;
use mitan_server::registration::issue_code;
use mitan_server::store::{ServerStore, User};

use crate::error::{Error, Result};
use crate::field;

/// The demo district's code; its presence marks a database as the demo's.
pub const DEMO_DISTRICT: &str = "DEMO";

/// Where `mitan serve --demo` keeps its database unless told otherwise.
pub const DEFAULT_DEMO_DB: &str = "mitan-demo.db";

/// The seed of the demo's names and phone numbers: every demo looks the same.
pub const DEMO_SEED: u64 = 2024;

/// A station of the demo: its circle, its outpost, and three beats of two villages each.
struct StationPlan {
    code: &'static str,
    name: (&'static str, &'static str),
    circle: &'static str,
    outpost: (&'static str, &'static str),
    /// Villages by beat, as (Devanagari, Latin); the third beat sits under the outpost.
    villages: [[(&'static str, &'static str); 2]; 3],
    /// The in-charge and three constables, one per beat, as (badge, name).
    incharge: (&'static str, &'static str),
    constables: [(&'static str, &'static str); 3],
}

const CIRCLES: [(&str, &str, &str); 2] = [
    ("DEMO-C-CITY", "नगर अनुभाग", "City circle"),
    ("DEMO-C-RURAL", "ग्रामीण अनुभाग", "Rural circle"),
];

const STATIONS: [StationPlan; 3] = [
    StationPlan {
        code: "DEMO-PS-KONI",
        name: ("थाना कोनी", "Koni police station"),
        circle: "DEMO-C-CITY",
        outpost: ("सेंदरी चौकी", "Sendri outpost"),
        villages: [
            [("कोनी", "Koni"), ("लोफंदी", "Lofandi")],
            [("बिरकोना", "Birkona"), ("घुटकू", "Ghutku")],
            [("सेंदरी", "Sendri"), ("बेलतरा", "Beltara")],
        ],
        incharge: ("CG-2101", "निरीक्षक सुरेश वर्मा (Suresh Verma)"),
        constables: [
            ("CG-4101", "आरक्षक रमेश साहू (Ramesh Sahu)"),
            ("CG-4102", "आरक्षक सुनीता ध्रुव (Sunita Dhruw)"),
            ("CG-4103", "आरक्षक अनिल यादव (Anil Yadav)"),
        ],
    },
    StationPlan {
        code: "DEMO-PS-SARKANDA",
        name: ("थाना सरकंडा", "Sarkanda police station"),
        circle: "DEMO-C-CITY",
        outpost: ("मोपका चौकी", "Mopka outpost"),
        villages: [
            [("सिरगिट्टी", "Sirgitti"), ("खमतराई", "Khamtarai")],
            [("उसलापुर", "Uslapur"), ("गतौरी", "Gatauri")],
            [("मोपका", "Mopka"), ("लखराम", "Lakhram")],
        ],
        incharge: ("CG-2102", "उप निरीक्षक गीता पटेल (Gita Patel)"),
        constables: [
            ("CG-4201", "आरक्षक मोहन निषाद (Mohan Nishad)"),
            ("CG-4202", "आरक्षक कविता मरकाम (Kavita Markam)"),
            ("CG-4203", "आरक्षक दिनेश कश्यप (Dinesh Kashyap)"),
        ],
    },
    StationPlan {
        code: "DEMO-PS-SIPAT",
        name: ("थाना सीपत", "Sipat police station"),
        circle: "DEMO-C-RURAL",
        outpost: ("मस्तूरी चौकी", "Masturi outpost"),
        villages: [
            [("सीपत", "Seepat"), ("जोंधरा", "Jondhra")],
            [("धूमा", "Dhuma"), ("सकरी", "Sakri")],
            [("मस्तूरी", "Masturi"), ("रतनपुर", "Ratanpur")],
        ],
        incharge: ("CG-2103", "निरीक्षक राजेश सिंह (Rajesh Singh)"),
        constables: [
            ("CG-4301", "आरक्षक संजय कुमार (Sanjay Kumar)"),
            ("CG-4302", "आरक्षक पूजा वर्मा (Pooja Verma)"),
            ("CG-4303", "आरक्षक विकास साहू (Vikas Sahu)"),
        ],
    },
];

/// The officers above the stations, as (badge, name, role, unit).
const OFFICERS: [(&str, &str, Role, &str); 7] = [
    (
        "CG-1101",
        "उप पुलिस अधीक्षक अंजलि सिंह (Anjali Singh)",
        Role::CircleOfficer,
        "DEMO-C-CITY",
    ),
    (
        "CG-1102",
        "उप पुलिस अधीक्षक मनोज पटेल (Manoj Patel)",
        Role::CircleOfficer,
        "DEMO-C-RURAL",
    ),
    (
        "CG-0001",
        "पुलिस अधीक्षक लक्ष्मी कश्यप (Lakshmi Kashyap)",
        Role::DistrictAdmin,
        DEMO_DISTRICT,
    ),
    (
        "CG-9001",
        "लेखा परीक्षक राकेश यादव (Rakesh Yadav)",
        Role::Auditor,
        DEMO_DISTRICT,
    ),
    (
        "CG-0101",
        "पुलिस महानिरीक्षक संजय शर्मा (Sanjay Sharma)",
        Role::RangeIg,
        "CG-BSP",
    ),
    (
        "CG-0010",
        "पुलिस मुख्यालय निगरानी प्रकोष्ठ (PHQ monitoring cell)",
        Role::StateMonitor,
        "CG",
    ),
    (
        "CG-0011",
        "अपर पुलिस महानिदेशक रेखा नायक (Rekha Nayak)",
        Role::StateAdmin,
        "CG",
    ),
];

/// The female officers of the demo, by badge: their contacts say so, for the women's group.
const FEMALE_OFFICERS: [&str; 7] = [
    "CG-4102", "CG-4202", "CG-4302", "CG-2102", "CG-1101", "CG-0001", "CG-0011",
];

/// A demo officer's contact for group lists: a made-up mobile number from their badge, their
/// rank from their role (an in-charge's from their title), and their consent to be listed;
/// the auditor keeps out of group lists.
fn demo_contact(user: &User) -> Option<mitan_server::groups::StaffContact> {
    use mitan_server::groups::Rank;
    let rank = match user.role {
        Role::Constable => Rank::Constable,
        Role::StationIncharge if user.name.starts_with("उप") => Rank::Si,
        Role::StationIncharge => Rank::Inspector,
        Role::CircleOfficer => Rank::Dsp,
        Role::DistrictAdmin => Rank::Sp,
        Role::RangeIg => Rank::Ig,
        Role::StateAdmin => Rank::Adg,
        // A cell, not a person: it keeps out of group lists, as the auditor does.
        Role::Auditor | Role::StateMonitor => return None,
    };
    let digits: String = user
        .badge
        .as_str()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let female = FEMALE_OFFICERS.contains(&user.badge.as_str());
    Some(mitan_server::groups::StaffContact {
        phone: Some(code(&format!("+91942520{digits}"))),
        gender: Some(if female {
            mitan_core::model::Gender::Female
        } else {
            mitan_core::model::Gender::Male
        }),
        rank,
        listed: true,
    })
}

/// The demo's groups made by rule, as (unit, code, Hindi name, English name, rules): Koni
/// station's women's group, and the city circle officer's group of station staff, CLG, Gram
/// Rakshak, Police Mitra and Suraksha Sakhi volunteers, and the SP.
const DEMO_GROUPS: [(&str, &str, &str, &str, &[&str]); 2] = [
    (
        "DEMO-PS-KONI",
        "women",
        "कोनी थाना महिला समूह",
        "Koni station women's group",
        &[
            "volunteers gender=female",
            "staff gender=female reach=below",
        ],
    ),
    (
        "DEMO-C-CITY",
        "circle-officer",
        "नगर अनुभाग अधिकारी समूह",
        "City circle officer's group",
        &[
            "staff reach=below",
            "volunteers programmes=clg_member,gram_rakshak,police_mitra,suraksha_sakhi",
            "staff ranks=sp reach=above",
        ],
    ),
];

/// A constable of the demo and the beat they enrol in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoConstable {
    /// Badge.
    pub badge: String,
    /// Station.
    pub station: String,
    /// Their one beat.
    pub beat: String,
    /// The LGD codes of the beat's villages.
    pub villages: Vec<String>,
}

/// The demo district: every unit and user, and which constable works where.
#[derive(Debug, Clone)]
pub struct DemoDistrict {
    /// Units from the state down to the villages, parents first.
    pub units: Vec<Unit>,
    /// Every user.
    pub users: Vec<User>,
    /// The constables, whose simulated phones enrol the volunteers.
    pub constables: Vec<DemoConstable>,
    /// The station in-charges, whose simulated phones verify some of them.
    pub incharges: Vec<String>,
    /// The district admin (SP), whose device credential the guide prints for the reports.
    pub admin: String,
}

fn code<T: std::str::FromStr>(text: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    text.parse()
        .expect("the demo's codes and badges are written to be valid")
}

fn unit(
    kind: UnitKind,
    unit_code: &str,
    name: (&str, &str),
    parent: Option<&str>,
    lgd: Option<&str>,
) -> Unit {
    Unit {
        kind,
        code: code(unit_code),
        name_hi: name.0.to_owned(),
        name_en: name.1.to_owned(),
        parent: parent.map(code),
        lgd_code: lgd.map(code),
    }
}

/// The demo district, the same on every call.
pub fn district() -> DemoDistrict {
    let mut units = vec![
        unit(
            UnitKind::State,
            "CG",
            ("छत्तीसगढ़", "Chhattisgarh"),
            None,
            None,
        ),
        unit(
            UnitKind::Range,
            "CG-BSP",
            ("बिलासपुर रेंज", "Bilaspur range"),
            Some("CG"),
            None,
        ),
        unit(
            UnitKind::District,
            DEMO_DISTRICT,
            ("मितान नगर (डेमो)", "Mitan Nagar (demo)"),
            Some("CG-BSP"),
            None,
        ),
    ];
    for (circle, name_hi, name_en) in CIRCLES {
        units.push(unit(
            UnitKind::Circle,
            circle,
            (name_hi, name_en),
            Some(DEMO_DISTRICT),
            None,
        ));
    }
    let mut users = Vec::new();
    let mut constables = Vec::new();
    let mut incharges = Vec::new();
    let mut beat_index = 0;
    for station in &STATIONS {
        units.push(unit(
            UnitKind::Station,
            station.code,
            station.name,
            Some(station.circle),
            None,
        ));
        let outpost = format!("{}-OP1", station.code);
        units.push(unit(
            UnitKind::Outpost,
            &outpost,
            station.outpost,
            Some(station.code),
            None,
        ));
        for (index, villages) in station.villages.iter().enumerate() {
            let beat = format!("{}-B{:02}", station.code, index + 1);
            // Two beats hang off the station, the third off its outpost: both shapes occur.
            let parent = if index == 2 { &outpost } else { station.code };
            let (first_hi, first_en) = villages[0];
            units.push(unit(
                UnitKind::Beat,
                &beat,
                (&format!("{first_hi} बीट"), &format!("{first_en} beat")),
                Some(parent),
                None,
            ));
            let mut lgd_codes = Vec::new();
            for (village_index, name) in villages.iter().enumerate() {
                let lgd = Generator::village_lgd(beat_index, village_index);
                units.push(unit(
                    UnitKind::Village,
                    &format!("{beat}-V{}", village_index + 1),
                    *name,
                    Some(&beat),
                    Some(&lgd),
                ));
                lgd_codes.push(lgd);
            }
            let (badge, name) = station.constables[index];
            users.push(User {
                badge: code(badge),
                name: name.to_owned(),
                role: Role::Constable,
                unit: code(station.code),
                beats: vec![code(&beat)],
            });
            constables.push(DemoConstable {
                badge: badge.to_owned(),
                station: station.code.to_owned(),
                beat,
                villages: lgd_codes,
            });
            beat_index += 1;
        }
        let (badge, name) = station.incharge;
        users.push(User {
            badge: code(badge),
            name: name.to_owned(),
            role: Role::StationIncharge,
            unit: code(station.code),
            beats: Vec::new(),
        });
        incharges.push(badge.to_owned());
    }
    for (badge, name, role, unit_code) in OFFICERS {
        users.push(User {
            badge: code(badge),
            name: name.to_owned(),
            role,
            unit: code(unit_code),
            beats: Vec::new(),
        });
    }
    DemoDistrict {
        units,
        users,
        constables,
        incharges,
        admin: OFFICERS[2].0.to_owned(),
    }
}

/// What [`open_demo_db`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoDb {
    /// A new database: the hierarchy is written, the volunteers are yet to be enrolled.
    Fresh,
    /// The demo's hierarchy is there but no volunteer yet (an earlier fill was interrupted).
    Unfilled,
    /// A demo database already filled: it is served as it is.
    Filled,
}

/// Opens the demo database at `path`, creating it with the demo hierarchy if it is missing or
/// empty. A database holding anything but the demo district is refused untouched beyond
/// SQLite's own opening, so a mistyped path never mixes demo people into a real district.
pub fn open_demo_db(path: &Path, now_ms: i64) -> Result<(ServerStore, DemoDb)> {
    let fresh = std::fs::metadata(path).map_or(true, |meta| meta.len() == 0);
    if fresh {
        let mut store = ServerStore::open(path)?;
        save_hierarchy(&mut store, &district(), now_ms)?;
        return Ok((store, DemoDb::Fresh));
    }
    // Looked at read-only first: opening a real district's database for writing would
    // migrate it to this build's schema before the demo could refuse it.
    if !holds_demo_district(path) {
        return Err(Error::Invalid {
            field: "db",
            reason: format!(
                "{} is not a demo database; the demo refuses to write into it (give another \
                 path, or serve it without --demo)",
                path.display()
            ),
        });
    }
    let mut store = ServerStore::open(path)?;
    if store.volunteer_count()? == 0 {
        // A demo database left unfilled by an older build may lack the notices.
        save_notices(&mut store, now_ms)?;
        Ok((store, DemoDb::Unfilled))
    } else {
        Ok((store, DemoDb::Filled))
    }
}

/// Whether the database at `path` holds the demo district, read without writing anything.
fn holds_demo_district(path: &Path) -> bool {
    let Ok(connection) =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return false;
    };
    connection
        .query_row(
            "SELECT kind FROM unit WHERE code = ?1",
            [DEMO_DISTRICT],
            |row| row.get::<_, String>(0),
        )
        .is_ok_and(|kind| kind == "district")
}

/// The demo's consent notices, version 1 in Hindi and English. A real district writes its
/// own and publishes them with `mitan admin publish-notice`.
const DEMO_NOTICES: [(&str, &str); 2] = [
    (
        "hi",
        "(डेमो सूचना) ज़िला पुलिस आपका नाम, फ़ोन नंबर, गाँव और परिवार का विवरण साइबर मितान \
         स्वयंसेवकों की सूची में रखेगी, केवल जागरूकता संदेश भेजने और स्वयंसेवकों से संपर्क के \
         लिए। आप कभी भी थाने में या हेल्पलाइन पर सहमति वापस ले सकते हैं; तब आपका विवरण मिटा \
         दिया जाएगा। 18 वर्ष से कम आयु के व्यक्ति के लिए माता-पिता या अभिभावक की सहमति आवश्यक है।",
    ),
    (
        "en",
        "(Demo notice) The district police will keep your name, phone number, village and \
         household in the roster of Cyber Mitan volunteers, only to send awareness messages and \
         to reach volunteers. You may withdraw consent at any time at the station or on the \
         helpline; your details are then erased. A person under 18 needs a parent's or \
         guardian's consent.",
    ),
];

/// Publishes the demo's notices in each language that has none yet.
pub fn save_notices(store: &mut ServerStore, now_ms: i64) -> Result<()> {
    for (language, text) in DEMO_NOTICES {
        if store.latest_notice_version(language)?.is_none() {
            let spec = NoticeSpec {
                version: 1,
                language: language.into(),
                text: text.into(),
            };
            publish_notice(store, &spec, "demo", now_ms)?;
        }
    }
    Ok(())
}

/// Writes every unit and user of `district`, as `mitan admin add-unit` and `add-user` do, and
/// the demo's consent notices.
pub fn save_hierarchy(store: &mut ServerStore, district: &DemoDistrict, now_ms: i64) -> Result<()> {
    for unit in &district.units {
        store.save_unit(unit)?;
    }
    save_notices(store, now_ms)?;
    for user in &district.users {
        store.save_user(user, now_ms)?;
        store.save_staff_contact(&user.badge, demo_contact(user).as_ref(), now_ms)?;
    }
    for (unit, group_code, name_hi, name_en, rules) in DEMO_GROUPS {
        store.save_group(
            &mitan_server::store::StoredGroup {
                unit: unit.to_owned(),
                code: group_code.to_owned(),
                name_hi: name_hi.to_owned(),
                name_en: name_en.to_owned(),
                rules: rules
                    .iter()
                    .map(|rule| rule.parse())
                    .collect::<std::result::Result<_, _>>()?,
            },
            "demo",
            now_ms,
        )?;
    }
    // A campaign of about three and a half months starting with the two-day drive, as in
    // Bilaspur, so that the reports count against a window; the units keep their standard
    // targets (25 per employee, 200 per station, 100 per outpost), and two explicit ones show
    // how a district raises them.
    let today = now_ms.div_euclid(86_400_000);
    let campaign = check_campaign(&CampaignSpec {
        code: DEMO_CAMPAIGN.into(),
        name: "साइबर मितान अभियान (डेमो) / Cyber Mitan drive (demo)".into(),
        programme: None,
        starts_on: civil_date(today - 2),
        ends_on: civil_date(today + 103),
        unit: Some(DEMO_DISTRICT.into()),
    })?;
    store.save_campaign(&campaign, "demo", now_ms)?;
    for (unit, badge, volunteers) in [
        (Some(DEMO_DISTRICT), None, 1_000),
        (None, Some(district.constables[0].badge.as_str()), 30),
    ] {
        set_target(
            store,
            &TargetSpec {
                campaign: DEMO_CAMPAIGN.into(),
                unit: unit.map(str::to_owned),
                badge: badge.map(str::to_owned),
                volunteers,
            },
            "demo",
            now_ms,
        )?;
    }
    Ok(())
}

/// The demo campaign's code.
pub const DEMO_CAMPAIGN: &str = "cyber-mitan-demo";

/// `YYYY-MM-DD` of a day counted from 1970-01-01 (the proleptic Gregorian calendar, by
/// Howard Hinnant's `civil_from_days`).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// What the simulated devices did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoFill {
    /// Devices registered over HTTP.
    pub devices: usize,
    /// Volunteers enrolled on the constables' phones.
    pub enrolled: u64,
    /// Volunteers verified on the in-charges' phones.
    pub verified: u64,
    /// Private cameras registered on the constables' phones.
    pub cameras: u64,
    /// Syncs run, and the round trips and bytes they took.
    pub syncs: u32,
    /// Round trips over all syncs.
    pub round_trips: u32,
    /// Bytes sent by the devices.
    pub bytes_up: u64,
    /// Bytes received by the devices.
    pub bytes_down: u64,
    /// The district admin's device credential, for the reports.
    pub admin_credential: String,
}

/// Registers a simulated device for `badge`: a one-time code from the store, then
/// `POST /v1/devices/register` to the server at `url`, as a phone does.
fn register(state: &AppState, url: &str, badge: &str, dir: &Path) -> Result<field::FieldProfile> {
    let issued = {
        let now_ms = state.now_ms();
        let mut district = state.lock_district();
        issue_code(
            district.store_mut(),
            &code(badge),
            "demo",
            3_600_000,
            now_ms,
        )?
    };
    field::register(url, &issued.code, None, dir)
}

/// Enrols the demo's volunteers through simulated phones syncing with the server at `url`
/// over HTTP, then has each in-charge verify about half of their station's people. Device
/// stores are kept under `devices_dir`, one folder per device, so they can be looked into.
///
/// The phones' clocks claim the enrolments happened over the last two days, as in a
/// two-day drive; the server records its own receipt time beside each claim.
pub fn fill(url: &str, state: &AppState, devices_dir: &Path, seed: u64) -> Result<DemoFill> {
    let plan = district();
    let mut generator = Generator::new(seed);
    let mut done = DemoFill::default();
    let now_ms = state.now_ms();
    let drive_start_ms = now_ms - 2 * 86_400_000;
    let moment = |generator: &mut Generator, step: i64| Moment {
        now_ms: drive_start_ms + step * 97_000,
        random: generator.next_u128(),
    };
    // Camera owners come from a stream of their own, so that the volunteers stay the same.
    let mut owners = Generator::new(seed ^ 0x00CA_3E4A);
    let mut step = 0;
    for constable in &plan.constables {
        let dir = devices_dir.join(&constable.badge);
        register(state, url, &constable.badge, &dir)?;
        done.devices += 1;
        let (mut device, profile) = field::open_device(&dir)?;
        // Around the quota of 25: some constables fall short, some go beyond.
        let count = 18 + generator.below(23);
        // A training cascade, as Bilaspur's: the constable trains the first volunteer, who
        // trains every third one after; every fifth is trained by the second of those.
        let mut trainers: Vec<VolunteerId> = Vec::new();
        let mut index = 0;
        // Two syncs per phone, as when a constable comes back to the station mid-drive.
        for (second_half, half) in [(false, count / 2), (true, count - count / 2)] {
            for _ in 0..half {
                let village =
                    &constable.villages[generator.below(constable.villages.len() as u64) as usize];
                let mut form =
                    generator.enrolment_form(&constable.station, &constable.beat, village);
                form.trained_by = match (index, trainers.as_slice()) {
                    (0, _) => constable.badge.clone(),
                    (_, [_, second, ..]) if index % 5 == 0 => second.to_string(),
                    (_, [first, ..]) if index % 3 == 0 => first.to_string(),
                    _ => String::new(),
                };
                step += 1;
                let enrolled = device.enrol(&form, moment(&mut generator, step))?;
                if index == 0 || index % 3 == 0 {
                    trainers.push(enrolled.id);
                }
                index += 1;
                done.enrolled += 1;
            }
            if second_half {
                step += 1;
                done.cameras += register_cameras(
                    &mut device,
                    constable,
                    &mut owners,
                    moment(&mut generator, step),
                )?;
            }
            sync(&mut device, &profile, state, &mut done)?;
        }
    }
    for incharge in &plan.incharges {
        let dir = devices_dir.join(incharge);
        register(state, url, incharge, &dir)?;
        done.devices += 1;
        let (mut device, profile) = field::open_device(&dir)?;
        // The first sync pulls the station's rosters; the second carries the verifications.
        sync(&mut device, &profile, state, &mut done)?;
        let pending: Vec<VolunteerId> = device
            .list(&VolunteerFilter {
                status: Some("pending".into()),
                ..VolunteerFilter::default()
            })?
            .into_iter()
            .map(|row| row.id)
            .collect();
        for id in pending.iter().step_by(2) {
            step += 1;
            device.review(id, Decision::Verify, moment(&mut generator, step))?;
            done.verified += 1;
        }
        sync(&mut device, &profile, state, &mut done)?;
    }
    let admin = register(state, url, &plan.admin, &devices_dir.join(&plan.admin))?;
    done.devices += 1;
    done.admin_credential = admin.device.credential;
    Ok(done)
}

/// Two private cameras a beat (Durg's Trinayan register), one in each of the first two
/// villages, each owner's name and number sealed.
fn register_cameras(
    device: &mut mitan_core::device::Device,
    constable: &DemoConstable,
    owners: &mut Generator,
    moment: Moment,
) -> Result<u64> {
    let beat = code(&constable.beat);
    for (index, village) in constable.villages.iter().take(2).enumerate() {
        let form = owners.camera_form(village);
        device.add_camera(
            &beat,
            &form,
            Moment {
                now_ms: moment.now_ms + index as i64,
                random: moment.random ^ index as u128,
            },
        )?;
    }
    Ok(constable.villages.len().min(2) as u64)
}

fn sync(
    device: &mut mitan_core::device::Device,
    profile: &field::FieldProfile,
    state: &AppState,
    done: &mut DemoFill,
) -> Result<()> {
    let mut transport = profile.transport();
    let report = device.sync(&mut transport, state.now_ms())?;
    done.syncs += 1;
    done.round_trips += report.round_trips;
    done.bytes_up += report.bytes_up;
    done.bytes_down += report.bytes_down;
    Ok(())
}

/// The address to reach a server listening on `address` from the same machine.
pub fn local_url(address: SocketAddr) -> String {
    let mut address = address;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{address}")
}

/// The report endpoints the guide points at.
pub const REPORT_PATHS: [&str; 8] = [
    "/v1/reports/progress",
    "/v1/reports/coverage",
    "/v1/reports/review-queue",
    "/v1/reports/duplicates",
    "/v1/reports/programmes",
    "/v1/reports/trainers",
    "/v1/reports/cameras",
    "/v1/groups",
];

/// One officer the demo prints a console sign-in for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSignIn {
    /// The role, as people say it.
    pub role: &'static str,
    /// The badge.
    pub badge: String,
    /// The password, fresh on every start of the demo.
    pub password: String,
}

/// Gives the first officer of each supervising role a fresh console password, so that a
/// newcomer opens the console and signs in as any of them; the passwords change on every
/// start, so one printed in an old terminal stops working.
pub fn console_sign_ins(state: &AppState) -> Result<Vec<ConsoleSignIn>> {
    let plan = district();
    let roles = [
        (Role::StationIncharge, "station in-charge"),
        (Role::CircleOfficer, "circle officer"),
        (Role::DistrictAdmin, "SP (district admin)"),
        (Role::Auditor, "auditor"),
        (Role::RangeIg, "range IG"),
        (Role::StateMonitor, "DGP's monitoring cell"),
        (Role::StateAdmin, "state admin"),
    ];
    let mut sign_ins = Vec::new();
    for (role, name) in roles {
        let Some(user) = plan.users.iter().find(|user| user.role == role) else {
            continue;
        };
        let text = hex::encode(random_bytes::<6>()?);
        let password = format!("{}-{}-{}", &text[..4], &text[4..8], &text[8..]);
        let hash = mitan_server::console::session::hash_password(&password)?;
        let now_ms = state.now_ms();
        state
            .lock_district()
            .store_mut()
            .force_console_password(&user.badge, &hash, now_ms)?;
        sign_ins.push(ConsoleSignIn {
            role: name,
            badge: user.badge.to_string(),
            password,
        });
    }
    Ok(sign_ins)
}

/// What `mitan serve --demo` prints once the demo is ready: where to look, how to sign in to
/// the station console, and a one-time code to register one's own field client.
pub fn guide(
    url: &str,
    db: &Path,
    fill: Option<&DemoFill>,
    code_for: (&str, &str),
    sign_ins: &[ConsoleSignIn],
) -> String {
    let plan = district();
    let count = |kind: UnitKind| plan.units.iter().filter(|unit| unit.kind == kind).count();
    let mut out = String::new();
    let _ = writeln!(out, "Mitan demo: Mitan Nagar (demo) district at {url}");
    let _ = writeln!(out, "  database: {}", db.display());
    let _ = writeln!(
        out,
        "  {} circles, {} stations, {} outposts, {} beats, {} villages, {} users",
        count(UnitKind::Circle),
        count(UnitKind::Station),
        count(UnitKind::Outpost),
        count(UnitKind::Beat),
        count(UnitKind::Village),
        plan.users.len()
    );
    match fill {
        Some(fill) => {
            let _ = writeln!(
                out,
                "  {} volunteers enrolled and {} verified, {} private cameras registered, by {} \
                 simulated phones, in {} syncs over HTTP ({} round trips, {} bytes up, {} bytes \
                 down); {} groups made by rule",
                fill.enrolled,
                fill.verified,
                fill.cameras,
                fill.devices,
                fill.syncs,
                fill.round_trips,
                fill.bytes_up,
                fill.bytes_down,
                DEMO_GROUPS.len()
            );
            console_lines(&mut out, url, sign_ins);
            let _ = writeln!(out, "\nLook:");
            let _ = writeln!(out, "  curl {url}/healthz");
            let _ = writeln!(out, "  curl {url}/metrics");
            for path in REPORT_PATHS {
                let _ = writeln!(
                    out,
                    "  curl -H 'Authorization: Bearer {}' {url}{path}",
                    fill.admin_credential
                );
            }
            let _ = writeln!(
                out,
                "  curl -H 'Authorization: Bearer {}' '{url}/v1/reports/progress?campaign={DEMO_CAMPAIGN}'",
                fill.admin_credential
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  (filled on an earlier run; device credentials are in the phones' folders \
                 beside the database)"
            );
            console_lines(&mut out, url, sign_ins);
            let _ = writeln!(out, "\nLook:\n  curl {url}/healthz\n  curl {url}/metrics");
        }
    }
    let db_text = db.display();
    let incharge = plan.incharges.first().map_or("CG-2101", String::as_str);
    let constable = plan
        .constables
        .first()
        .map_or("CG-4101", |constable| constable.badge.as_str());
    let _ = writeln!(
        out,
        "\nReview and report from the command line, as the station in-charge {incharge}:\n  \
         mitan review --db {db_text} --as {incharge} queue\n  \
         mitan review --db {db_text} --as {incharge} verify <volunteer id>\n  \
         mitan review --db {db_text} --as {incharge} reject <volunteer id> --reason 'फ़ोटो साफ़ नहीं'\n  \
         mitan report --db {db_text} --as {incharge} progress\n  \
         mitan report --db {db_text} --as {incharge} cameras\n  \
         mitan admin --db {db_text} list-groups\n  \
         mitan admin --db {db_text} group-members --unit DEMO-PS-KONI --code women\n  \
         mitan admin --db {db_text} export --as {incharge} --unit DEMO-PS-KONI --group women \
         --format vcard --out lists/\n\
         and see it reach the phone of constable {constable}:\n  \
         mitan field --dir {} sync\n  \
         mitan field --dir {} list",
        devices_dir(db).join(constable).display(),
        devices_dir(db).join(constable).display(),
    );
    let (badge, registration_code) = code_for;
    let _ = writeln!(
        out,
        "\nPlay a phone (constable {badge}; the code works once, for 24 hours):\n  \
         mitan field --dir ./my-phone register --server {url} --code {registration_code}\n  \
         mitan field --dir ./my-phone enrol --name-hi 'रमेश साहू' --phone 9876543210 \
         --gender male --age 34 --village {} --house-number 12 --family-name साहू\n  \
         mitan field --dir ./my-phone sync",
        plan.constables[0].villages[0]
    );
    out
}

/// How to open the station console, and one sign-in per role.
fn console_lines(out: &mut String, url: &str, sign_ins: &[ConsoleSignIn]) {
    let _ = writeln!(out, "\nOpen the station console at {url}/ and sign in as:");
    for sign_in in sign_ins {
        let _ = writeln!(
            out,
            "  {:<20} {}  password: {}",
            sign_in.role, sign_in.badge, sign_in.password
        );
    }
}

/// The folder beside `db` holding the simulated phones' stores.
pub fn devices_dir(db: &Path) -> PathBuf {
    let mut name = db
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_default();
    name.push(".phones");
    db.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::civil_date;

    #[test]
    fn civil_dates_match_the_calendar() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_415), "2025-11-23");
        assert_eq!(civil_date(-1), "1969-12-31");
    }
}
