//! The `mitan` command: `serve`, `admin …` for the district's hierarchy, users, codes,
//! campaigns, targets, consent notices and policy, exports and the access log, and `field …`,
//! a field client on the same device code as the phones. The admin commands call the same
//! functions as the HTTP API's handlers; only reading files, writing files and printing are
//! theirs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use mitan_core::device::Moment;
use mitan_core::model::{EnrolmentForm, Unit, UnitCode, UnitKind};
use mitan_core::store::VolunteerFilter;
use mitan_server::access::AccessLogQuery;
use mitan_server::admin::{self, CampaignSpec, TargetSpec};
use mitan_server::auth::{Role, parse_badge, random_bytes};
use mitan_server::consent::{self, NoticeSpec, PolicySpec};
use mitan_server::district::{District, DistrictConfig};
use mitan_server::exports::{self, ExportKind, ExportQuery};
use mitan_server::http::{AppState, DEFAULT_BODY_LIMIT, run, run_tls, system_clock};
use mitan_server::ops::{Caller, ReadOperation};
use mitan_server::private_files;
use mitan_server::rate_limit::{RegistrationRate, SyncRate};
use mitan_server::registration::{self, DEFAULT_CODE_TTL_MS};
use mitan_server::store::{DatabaseKey, ServerStore, User, encrypt_in_place};
use mitan_server::tls::Fingerprint;

pub mod audit;
mod certificates;
pub mod database;
pub mod operations;
pub mod output;
mod show;

use output::say;

use crate::demo;
use crate::error::{Error, Result};
use crate::field;

/// Mitan: rosters of community-policing volunteers.
#[derive(Debug, Parser)]
#[command(name = "mitan", version)]
pub struct Cli {
    /// Log what the command does (INFO) on stderr; one-shot commands log only warnings
    /// otherwise. MITAN_LOG, when set, decides instead.
    #[arg(long, global = true)]
    pub verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The log level when MITAN_LOG does not say: a server logs its work, a one-shot command
    /// keeps stderr for what went wrong.
    pub fn default_log_level(&self) -> &'static str {
        if self.verbose || matches!(self.command, Command::Serve(_)) {
            "info"
        } else {
            "warn"
        }
    }
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the district server.
    Serve(ServeArgs),
    /// Administer the district database.
    Admin(AdminArgs),
    /// Act as a field device against a server.
    Field(FieldArgs),
    /// Replay the merge history of the district database, as an auditor.
    Audit(audit::AuditArgs),
    /// Review volunteers: the queue, verify, reject, mark duplicates, move, record a
    /// withdrawal; each reaches the enrolling constable's phone at its next sync.
    Review(ReviewArgs),
    /// Reports for your units: progress against targets, household coverage, duplicate
    /// candidates, programme counts.
    Report(ReportArgs),
}

/// `mitan review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Where to act.
    #[command(flatten)]
    pub target: operations::Target,
    /// Print the JSON the HTTP API answers instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: ReviewCommand,
}

/// The review commands.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// Entries waiting for review in your units, oldest first, with their personal fields
    /// (logged in the access log).
    Queue(mitan_server::ops::reports::Queue),
    /// Find volunteers in your units by name (either script, sound-alike), mobile number or
    /// village code (logged).
    Search(mitan_server::ops::review::Search),
    /// Verify one or more volunteers.
    Verify {
        /// The volunteers' ids.
        #[arg(required = true)]
        volunteers: Vec<mitan_core::model::VolunteerId>,
    },
    /// Reject an entry, with a reason the constable sees on their phone.
    Reject(mitan_server::ops::review::Reject),
    /// Mark an entry as the same person as another, who is kept.
    Duplicate(mitan_server::ops::review::MarkDuplicate),
    /// Move a volunteer to another beat.
    Move(mitan_server::ops::review::Move),
    /// Record a withdrawal of consent given by telephone: the person is erased.
    Withdraw(mitan_server::ops::review::Withdraw),
}

/// `mitan report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Where to read.
    #[command(flatten)]
    pub target: operations::Target,
    /// Print the JSON the HTTP API answers instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Which report.
    #[command(subcommand)]
    pub command: ReportCommand,
}

/// The reports.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Every unit and employee you reach against its target.
    Progress(mitan_server::ops::reports::Progress),
    /// Households covered against households, per village.
    Coverage(mitan_server::ops::reports::Coverage),
    /// Candidate duplicates: one phone, or sound-alike names in one village (logged).
    Duplicates(mitan_server::ops::reports::Duplicates),
    /// Volunteers per programme.
    Programmes(mitan_server::ops::reports::Programmes),
    /// The training cascade: each trainer with their trainees by status, trainers under
    /// whoever trained them.
    Trainers(mitan_server::ops::reports::Trainers),
    /// Private CCTV cameras per unit, the villages they cover, and each camera's place.
    Cameras(mitan_server::ops::reports::CameraQuery),
}

/// `mitan serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The database file; created and migrated if missing. With `--demo`, defaults to
    /// `./mitan-demo.db`.
    #[arg(long, env = "MITAN_DB", required_unless_present = "demo")]
    pub db: Option<PathBuf>,
    /// Fill a demo district (stations, beats, villages, users, and a few hundred volunteers
    /// enrolled by simulated phones over HTTP) and serve it. Refuses a non-demo database.
    #[arg(long)]
    pub demo: bool,
    /// The address to listen on.
    #[arg(long, env = "MITAN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The largest request body accepted, in bytes.
    #[arg(long, env = "MITAN_BODY_LIMIT", default_value_t = DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
    /// How many rosters stay loaded in memory.
    #[arg(long, env = "MITAN_CACHED_ROSTERS", default_value_t = 256)]
    pub cached_rosters: usize,
    /// Sync requests a device may make per minute, sustained; 0 lifts the limit.
    #[arg(long, env = "MITAN_SYNC_PER_MINUTE", default_value_t = 30)]
    pub sync_per_minute: u32,
    /// Sync requests a device may make back to back; 0 lifts the limit.
    #[arg(long, env = "MITAN_SYNC_BURST", default_value_t = 30)]
    pub sync_burst: u32,
    /// Device registrations taken per minute from one client address (0 lifts the limit,
    /// with the next): a code guesser is slowed to this.
    #[arg(long, env = "MITAN_REGISTRATIONS_PER_ADDRESS", default_value_t = 30)]
    pub registrations_per_address: u32,
    /// Device registrations taken per minute in all.
    #[arg(long, env = "MITAN_REGISTRATIONS_PER_MINUTE", default_value_t = 300)]
    pub registrations_per_minute: u32,
    /// A bearer token `/metrics` asks for (the scraper sends `Authorization: Bearer …`);
    /// without one, `/metrics` is open to whoever reaches the address.
    #[arg(long, env = "MITAN_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// The database's key, if it is encrypted.
    #[command(flatten)]
    pub key: database::KeyFile,
    /// Serve HTTPS with this certificate chain (PEM: the server's certificate, then its CA's),
    /// as `mitan admin make-cert` writes it.
    #[arg(long, env = "MITAN_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM).
    #[arg(long, env = "MITAN_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve plain HTTP on an address other than loopback: only behind a reverse proxy that
    /// terminates TLS on this machine. Without it, such an address needs --tls-cert.
    #[arg(long, conflicts_with = "tls_cert")]
    pub insecure_http: bool,
}

/// `mitan admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The database file; created and migrated if missing. Every command but `make-ca` and
    /// `make-cert` needs it.
    #[arg(long, env = "MITAN_DB")]
    pub db: Option<PathBuf>,
    /// The database's key, if it is encrypted.
    #[command(flatten)]
    pub key: database::KeyFile,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// The administration commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Encrypt the database at rest (SQLCipher) under a new key, written to --key-file,
    /// which must not exist yet. Stop the server first; afterwards every command that opens
    /// the database takes --db-key-file.
    Encrypt {
        /// Where to write the new key (created readable by its owner only).
        #[arg(long)]
        key_file: PathBuf,
    },
    /// Add or replace a unit of the hierarchy.
    AddUnit {
        /// state, zone, range, district, circle, station, outpost, beat or village.
        #[arg(long)]
        kind: String,
        /// Its code, e.g. BSP-PS-KONI.
        #[arg(long)]
        code: String,
        /// Its name in Hindi.
        #[arg(long, default_value = "")]
        name_hi: String,
        /// Its name in English.
        #[arg(long, default_value = "")]
        name_en: String,
        /// The unit it sits under (all but a state).
        #[arg(long)]
        parent: Option<String>,
        /// A village's LGD code.
        #[arg(long)]
        lgd: Option<String>,
    },
    /// Add or replace a user.
    AddUser {
        /// Badge number.
        #[arg(long)]
        badge: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// constable, station_incharge, circle_officer, district_admin, auditor, range_ig,
        /// state_monitor (the DGP's monitoring cell, read-only) or state_admin.
        #[arg(long)]
        role: String,
        /// Station (constable, in-charge), circle (circle officer), district (admin,
        /// auditor), range (range IG) or state (monitoring cell, state admin).
        #[arg(long)]
        unit: String,
        /// A beat the constable works; repeat for several.
        #[arg(long = "beat")]
        beats: Vec<String>,
        /// Their mobile number, for group lists (with --rank).
        #[arg(long, default_value = "")]
        phone: String,
        /// Their gender (female, male, transgender), for groups chosen by it.
        #[arg(long, default_value = "")]
        gender: String,
        /// Their rank: constable, head_constable, asi, si, inspector, dsp, asp, addl_sp,
        /// sp, dig, ig, adg or dgp.
        #[arg(long, default_value = "")]
        rank: String,
        /// They consented to be listed in group lists.
        #[arg(long)]
        listed: bool,
    },
    /// Issue a one-time registration code for a user's next device.
    IssueCode {
        /// The user's badge.
        #[arg(long)]
        badge: String,
        /// How long the code works, in hours: 1 to 72.
        #[arg(long, default_value_t = 24)]
        ttl_hours: u32,
        /// What it is for: a phone's registration, or the first password for the station
        /// console (set at the console's /first-password page).
        #[arg(long = "for", value_enum, default_value_t)]
        purpose: registration::CodePurpose,
        /// Who issues it, for the record.
        #[arg(long, default_value = "admin-cli")]
        issued_by: String,
        /// The server's address, printed with the code for the phone to register at.
        #[arg(long, env = "MITAN_SERVER")]
        server: Option<String>,
        /// The district's CA certificate (or the server's chain), whose fingerprint is printed
        /// with the code for the phone to pin.
        #[arg(long, env = "MITAN_CA")]
        ca: Option<PathBuf>,
    },
    /// Make the district's certificate authority: `ca.pem` and `ca-key.pem` (readable by its
    /// owner alone) in --out-dir, and print its fingerprint, which every phone pins. Keep the
    /// key off the server once the server's certificate is made.
    MakeCa {
        /// The district, named in the certificate.
        #[arg(long)]
        district: String,
        /// Where to write the files (created if missing; existing files are never replaced).
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Make the server's certificate under the district's CA, for each --host (a name or an
    /// IP address phones reach it by): `server.pem` (the chain `mitan serve --tls-cert`
    /// takes) and `server-key.pem` (`--tls-key`) in --out-dir.
    MakeCert {
        /// The folder holding `ca.pem` and `ca-key.pem`.
        #[arg(long)]
        ca_dir: PathBuf,
        /// A name or address of the server; give one for each.
        #[arg(long = "host", required = true)]
        hosts: Vec<String>,
        /// Where to write the files (created if missing; existing files are never replaced).
        #[arg(long)]
        out_dir: PathBuf,
    },
    /// Revoke a device: its credential stops working.
    RevokeDevice {
        /// The device id.
        #[arg(long)]
        device: String,
    },
    /// Import units and villages from a CSV file (kind,code,parent,name_hi,name_en, and
    /// optionally lgd_code,households); nothing is stored unless every row is good.
    ImportHierarchy {
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Import users from a CSV file (badge,name,role,unit, and optionally beats separated by
    /// `;`); nothing is stored unless every row is good.
    ImportUsers {
        /// The CSV file.
        #[arg(long)]
        file: PathBuf,
    },
    /// Add or replace a campaign: the window in which volunteers count against targets.
    SetCampaign {
        /// The campaign.
        #[command(flatten)]
        spec: CampaignSpec,
        /// Who sets it, for the record.
        #[arg(long, default_value = "admin-cli")]
        set_by: String,
    },
    /// Set a campaign's target for a unit or for an employee.
    SetTarget {
        /// The target.
        #[command(flatten)]
        spec: TargetSpec,
        /// Who sets it, for the record.
        #[arg(long, default_value = "admin-cli")]
        set_by: String,
    },
    /// Publish the next version of a language's consent notice from a UTF-8 text file.
    PublishNotice {
        /// The version, above every version published in the language.
        #[arg(long)]
        version: u32,
        /// The language code: hi, en, or a 2-3 letter code the district adds (e.g. hne).
        #[arg(long)]
        language: String,
        /// The file holding the notice text.
        #[arg(long)]
        file: PathBuf,
        /// Who publishes it, for the record.
        #[arg(long, default_value = "admin-cli")]
        published_by: String,
    },
    /// Add a programme to the district's list, or rename one: phones refuse any code not on it.
    SetProgramme {
        /// The programme.
        #[command(flatten)]
        spec: mitan_server::programmes::ProgrammeSpec,
        /// Who sets it, for the record.
        #[arg(long, default_value = "admin-cli")]
        set_by: String,
    },
    /// Define a named group of a unit by rules (add or replace): its members are whoever the
    /// rules select when a list is taken, each phone once.
    DefineGroup {
        /// The group.
        #[command(flatten)]
        spec: mitan_server::groups::GroupSpec,
    },
    /// The groups of a unit and the units under it (every group if absent), with how many
    /// volunteers and staff each holds now.
    ListGroups {
        /// The query.
        #[command(flatten)]
        query: mitan_server::groups::GroupQuery,
        /// Print what the API answers, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// One group's members, with names and numbers (logged in the access log).
    GroupMembers {
        /// The group.
        #[command(flatten)]
        query: mitan_server::ops::groups::GroupMembers,
        /// Print what the API answers, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The district's programmes, by code.
    ListProgrammes {
        /// Print what the API answers, as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Set whether the district enrols adults only (otherwise under-18s need a guardian).
    SetPolicy {
        /// The policy.
        #[command(flatten)]
        spec: PolicySpec,
        /// Who sets it, for the record.
        #[arg(long, default_value = "admin-cli")]
        set_by: String,
    },
    /// List the units of the hierarchy, each after its parent.
    ListUnits {
        /// Which units.
        #[command(flatten)]
        request: mitan_server::ops::directory::ListUnits,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List police staff: badge, name, role, unit and beats.
    ListUsers {
        /// Whose.
        #[command(flatten)]
        request: mitan_server::ops::directory::ListUsers,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List registered devices: owner, registration, revocation, last change received.
    ListDevices {
        /// Whose.
        #[command(flatten)]
        request: mitan_server::ops::directory::ListDevices,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// List campaigns and their targets, newest first.
    ListTargets {
        /// Only this campaign.
        #[arg(long)]
        campaign: Option<String>,
        /// Print the JSON that `GET /v1/admin/campaigns` answers instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Export a unit's volunteers to files, logged in the export log as taken through the CLI.
    Export(ExportArgs),
    /// List the access log, newest first: every read of volunteers' personal fields, with
    /// who, through what, for which scope, how many people and when.
    AccessLog {
        /// Which reads.
        #[command(flatten)]
        query: AccessLogQuery,
        /// Print the JSON that `GET /v1/audit/access-log` answers instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `mitan admin export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The badge of the officer taking the export; it must have the right to the unit.
    #[arg(long = "as")]
    pub badge: String,
    /// What to export.
    #[command(flatten)]
    pub query: ExportQuery,
    /// Where to write: a directory, or for a roster a file. Lists are written one file per
    /// part into this directory, which is created if missing.
    #[arg(long)]
    pub out: PathBuf,
}

/// `mitan field`.
#[derive(Debug, Args)]
pub struct FieldArgs {
    /// The directory holding this field device's store and profile.
    #[arg(long, env = "MITAN_FIELD_DIR")]
    pub dir: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: FieldCommand,
}

/// The field client's commands.
#[derive(Debug, Subcommand)]
pub enum FieldCommand {
    /// Register this field device with a one-time code.
    Register {
        /// The server's base URL, e.g. https://mitan.bilaspur.example:8443.
        #[arg(long)]
        server: String,
        /// The one-time code from the station in-charge.
        #[arg(long)]
        code: String,
        /// For an https:// server, its CA's fingerprint as printed with the code
        /// (sha256:…): the only CA this device will then trust.
        #[arg(long, value_parser = fingerprint_arg)]
        ca_fingerprint: Option<Fingerprint>,
    },
    /// Re-register this field device under a new identity: for a store restored from a
    /// backup or copied to another phone (a sync refused with `actor_reused`), or a device
    /// revoked while it held unsynced work. Then syncs: what the server never received is
    /// written again under the new identity, with the same volunteer ids.
    Recover {
        /// A one-time code from the station in-charge. Without one, the device's own
        /// credential asks, and stops working for any other copy of this store.
        #[arg(long)]
        code: Option<String>,
    },
    /// Enrol a volunteer (offline; sync later).
    // Boxed: the form's many fields would otherwise size every other command's variant.
    Enrol(Box<EnrolArgs>),
    /// List the volunteers on this device.
    List {
        /// Only this beat.
        #[arg(long)]
        beat: Option<String>,
        /// Only this status (pending, verified, rejected, duplicate, withdrawn).
        #[arg(long)]
        status: Option<String>,
    },
    /// Sync with the server.
    Sync,
    /// How far this constable is against their quota (`enrolled 18 of 25`).
    Quota,
    /// One volunteer as this device holds them: status (with a rejection's reason), where
    /// they moved, and their fields.
    Show {
        /// The volunteer's id.
        volunteer: mitan_core::model::VolunteerId,
    },
    /// Correct a volunteer's fields (after a rejection, say); offline, sync later.
    Edit(Box<EditArgs>),
    /// Record that a volunteer withdrew their consent: erased here at once, and everywhere
    /// after the next sync.
    Withdraw {
        /// The volunteer's id.
        volunteer: mitan_core::model::VolunteerId,
        /// They withdrew by telephone rather than in person.
        #[arg(long)]
        by_phone: bool,
    },
    /// Register a private CCTV camera (offline; sync later). The owner's name and number are
    /// sealed under a key of the camera's own.
    Camera(Box<CameraArgs>),
    /// List the cameras of a beat on this device, removed ones included.
    Cameras {
        /// The beat (needed when the device works several).
        #[arg(long)]
        beat: Option<String>,
    },
    /// Take a camera off the register: its owner's name and number are erased here at once,
    /// and everywhere after the next sync.
    RemoveCamera {
        /// The camera's id.
        camera: mitan_core::model::CameraId,
        /// owner_asked, dismantled or entered_in_error.
        #[arg(long)]
        reason: mitan_core::model::CameraRemoval,
    },
}

/// The camera form as `mitan field camera` takes it.
#[derive(Debug, Args)]
pub struct CameraArgs {
    /// The beat (needed when the device works several).
    #[arg(long)]
    pub beat: Option<String>,
    /// The owner's name, in any script.
    #[arg(long)]
    pub owner_name: String,
    /// The owner's mobile number.
    #[arg(long)]
    pub owner_phone: String,
    /// Latitude in decimal degrees (e.g. 21.1938).
    #[arg(long, allow_hyphen_values = true)]
    pub lat: f64,
    /// Longitude in decimal degrees (e.g. 81.2849).
    #[arg(long, allow_hyphen_values = true)]
    pub lon: f64,
    /// The village's LGD code.
    #[arg(long)]
    pub village: String,
    /// Which way it looks: n, ne, e, se, s, sw, w or nw.
    #[arg(long)]
    pub direction: String,
    /// What it covers (e.g. "चौक और बस स्टैंड").
    #[arg(long)]
    pub coverage: String,
    /// Days of footage its recorder keeps.
    #[arg(long)]
    pub recording_days: String,
}

/// The fields of an edit; those not given stay as they are.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The volunteer's id.
    pub volunteer: mitan_core::model::VolunteerId,
    /// Name in Devanagari.
    #[arg(long)]
    pub name_hi: Option<String>,
    /// Name in Latin letters.
    #[arg(long)]
    pub name_en: Option<String>,
    /// Mobile number.
    #[arg(long)]
    pub phone: Option<String>,
    /// The household (house number and family).
    #[arg(long)]
    pub household: Option<String>,
    /// female, male or transgender (also f, m, t, or in Hindi).
    #[arg(long)]
    pub gender: Option<String>,
    /// Age in years.
    #[arg(long)]
    pub age: Option<u32>,
    /// The village's LGD code.
    #[arg(long)]
    pub village: Option<String>,
    /// Programmes to join (repeat the option for several).
    #[arg(long = "join")]
    pub join: Vec<String>,
    /// Programmes to leave.
    #[arg(long = "leave")]
    pub leave: Vec<String>,
}

impl EditArgs {
    fn into_edit(self) -> mitan_core::model::VolunteerEdit {
        mitan_core::model::VolunteerEdit {
            name_devanagari: self.name_hi,
            name_latin: self.name_en,
            phone: self.phone,
            household: self.household,
            gender: self.gender,
            age_years: self.age,
            village_lgd: self.village,
            add_programmes: self.join,
            remove_programmes: self.leave,
            ..Default::default()
        }
    }
}

/// One camera as `mitan field cameras` prints it: id, village, place, direction, what it
/// covers, recording days, and its owner or why there is none.
fn camera_line(camera: &mitan_core::model::Camera) -> String {
    let owner = match (&camera.owner, camera.removed) {
        (_, Some(removed)) => format!(
            "removed ({}) on {}",
            removed.reason,
            mitan_server::ist::date(removed.at_ms)
        ),
        (Some(owner), None) => format!("{} {}", owner.name, owner.phone.as_str()),
        (None, None) => "owner sealed (sync to receive the key)".to_owned(),
    };
    format!(
        "{}\t{}\t{:.6},{:.6}\t{}\t{}\t{}\t{owner}",
        camera.id,
        camera.village,
        camera.latitude,
        camera.longitude,
        camera.direction.map_or("-", |direction| direction.as_str()),
        camera.coverage,
        camera
            .recording_days
            .map_or("-".to_owned(), |days| format!("{days} days")),
    )
}

/// A volunteer's status in words: a rejection with its reason, a move with where to.
fn status_words(status: &mitan_core::model::Status) -> String {
    use mitan_core::model::Status;
    match status {
        Status::Rejected { reason } => format!("rejected: {reason}"),
        Status::DuplicateOf(kept) => format!("duplicate of {kept}"),
        Status::Moved { to } => format!("moved to {to}"),
        other => other.as_str().to_owned(),
    }
}

/// A volunteer as `mitan field show` prints them.
fn volunteer_lines(volunteer: &mitan_core::model::Volunteer) -> Vec<String> {
    let mut lines = vec![
        format!("id	{}", volunteer.id),
        format!("status	{}", status_words(&volunteer.status)),
    ];
    if let Some(beat) = &volunteer.moved_to {
        lines.push(format!("moved to	{beat}"));
    }
    match &volunteer.personal {
        Some(personal) => {
            if let Some(name) = &personal.name_devanagari {
                lines.push(format!("name	{name}"));
            }
            if let Some(name) = &personal.name_latin {
                lines.push(format!("name (Latin)	{name}"));
            }
            lines.push(format!("phone	{}", personal.phone));
            lines.push(format!("household	{}", personal.household));
        }
        None if volunteer.sealed => lines.push("personal fields	sealed to this phone".into()),
        None => lines.push("personal fields	erased".into()),
    }
    lines.push(format!("village	{}", volunteer.village));
    lines.push(format!("beat	{} ({})", volunteer.beat, volunteer.station));
    let programmes: Vec<&str> = volunteer.programmes.iter().map(|p| p.as_str()).collect();
    lines.push(format!("programmes	{}", programmes.join(", ")));
    lines.push(format!(
        "enrolled	by {} on {}, {}",
        volunteer.enrolled_by,
        volunteer.enrolled_on,
        mitan_server::ist::date_time(volunteer.enrolled_at_ms)
    ));
    if let Some(by) = &volunteer.reviewed_by {
        lines.push(format!("reviewed by	{by}"));
    }
    for field in &volunteer.conflicts {
        lines.push(format!(
            "to check	{} was changed on two phones at once",
            field.as_str()
        ));
    }
    lines
}

/// The fields of an enrolment.
#[derive(Debug, Args)]
pub struct EnrolArgs {
    /// Name in Devanagari.
    #[arg(long, default_value = "")]
    pub name_hi: String,
    /// Name in Latin letters.
    #[arg(long, default_value = "")]
    pub name_en: String,
    /// Mobile number.
    #[arg(long)]
    pub phone: String,
    /// female, male or transgender (also f, m, t, or in Hindi).
    #[arg(long)]
    pub gender: String,
    /// Age in years.
    #[arg(long)]
    pub age: u32,
    /// The village's LGD code.
    #[arg(long)]
    pub village: String,
    /// The household's house number (e.g. 12 or १२/३).
    #[arg(long, default_value = "")]
    pub house_number: String,
    /// The household's family name, in any script.
    #[arg(long, default_value = "")]
    pub family_name: String,
    /// The household as one description, instead of the two parts above.
    #[arg(long, default_value = "")]
    pub household: String,
    /// The beat (defaults to the device's only beat).
    #[arg(long)]
    pub beat: Option<String>,
    /// A programme; repeat for several.
    #[arg(long = "programme", default_values_t = vec!["cyber_mitan".to_owned()])]
    pub programmes: Vec<String>,
    /// The language the consent notice was given in; the newest notice this device holds in
    /// that language is the one recorded.
    #[arg(long, default_value = "hi")]
    pub consent_language: String,
    /// For someone under 18: the guardian consented.
    #[arg(long)]
    pub guardian_consent: bool,
    /// For someone under 18: the guardian's name.
    #[arg(long, default_value = "")]
    pub guardian_name: String,
    /// For someone under 18: how the guardian is related (mother, father, …).
    #[arg(long, default_value = "")]
    pub guardian_relation: String,
    /// For someone under 18: the guardian's mobile number.
    #[arg(long, default_value = "")]
    pub guardian_phone: String,
    /// Who trained them: a volunteer's id (the training cascade) or a police badge.
    #[arg(long, default_value = "")]
    pub trained_by: String,
}

/// Runs a parsed command. `serve` blocks until Ctrl-C or SIGTERM.
pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Admin(args) => admin(args),
        Command::Field(args) => field_command(args),
        Command::Audit(args) => audit::run(args),
        Command::Review(args) => review_command(args),
        Command::Report(args) => report_command(args),
    }
}

/// Prints an answer as text, or as the HTTP API's JSON.
fn print<T: serde::Serialize + show::Show>(answer: &T, json: bool) -> Result<()> {
    if json {
        say!("{}", as_json("answer", answer)?);
    } else {
        for line in answer.lines() {
            say!("{line}");
        }
    }
    Ok(())
}

fn review_command(args: ReviewArgs) -> Result<()> {
    use mitan_server::ops::review;
    let target = &args.target;
    match args.command {
        ReviewCommand::Queue(request) => print(&target.write(request)?, args.json),
        ReviewCommand::Search(request) => print(&target.write(request)?, args.json),
        ReviewCommand::Verify { volunteers } if volunteers.len() == 1 => {
            let volunteer = volunteers[0];
            print(&target.write(review::Verify { volunteer })?, args.json)
        }
        ReviewCommand::Verify { volunteers } => {
            // Each volunteer is its own action: one refused does not hold up the others,
            // and the command fails at the end if any was refused.
            let mut refused = 0u64;
            let mut done_count = 0u64;
            let mut done = Vec::new();
            for volunteer in volunteers {
                match target.write(review::Verify { volunteer }) {
                    Ok(answer) if args.json => {
                        done_count += 1;
                        done.push(answer);
                    }
                    Ok(answer) => {
                        done_count += 1;
                        print(&answer, false)?;
                    }
                    Err(error) => {
                        refused += 1;
                        eprintln!("{volunteer}: {error}");
                    }
                }
            }
            if args.json {
                say!("{}", as_json("answers", &done)?);
            }
            if refused > 0 {
                return Err(Error::Invalid {
                    field: "volunteers",
                    reason: format!(
                        "{refused} of {} volunteers not verified (each is named above)",
                        refused + done_count
                    ),
                });
            }
            Ok(())
        }
        ReviewCommand::Reject(request) => print(&target.write(request)?, args.json),
        ReviewCommand::Duplicate(request) => print(&target.write(request)?, args.json),
        ReviewCommand::Move(request) => print(&target.write(request)?, args.json),
        ReviewCommand::Withdraw(request) => print(&target.write(request)?, args.json),
    }
}

fn report_command(args: ReportArgs) -> Result<()> {
    let target = &args.target;
    match args.command {
        ReportCommand::Progress(request) => print(&target.read(request)?, args.json),
        ReportCommand::Coverage(request) => print(&target.read(request)?, args.json),
        ReportCommand::Duplicates(request) => print(&target.write(request)?, args.json),
        ReportCommand::Programmes(request) => print(&target.read(request)?, args.json),
        ReportCommand::Trainers(request) => print(&target.read(request)?, args.json),
        ReportCommand::Cameras(request) => print(&target.read(request)?, args.json),
    }
}

fn as_json<T: serde::Serialize>(what: &str, value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map_err(|error| Error::Encode(format!("{what} as JSON: {error}")))
}

/// A progress bar on stderr, drawn only when stderr is a terminal, so that logs and pipes
/// stay clean.
fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(bar_style());
    bar.set_message(what.to_owned());
    bar
}

fn bar_style() -> indicatif::ProgressStyle {
    indicatif::ProgressStyle::with_template(
        "{msg} [{bar:30}] {human_pos}/{human_len} {elapsed} eta {eta}",
    )
    .map_or_else(
        |_| indicatif::ProgressStyle::default_bar(),
        |style| style.progress_chars("=> "),
    )
}

/// A spinner with the time elapsed, for replays whose length is not known in advance.
fn spinner(what: &str) -> indicatif::ProgressBar {
    let bar = progress_bar(0, what);
    if !bar.is_hidden() {
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
    bar
}

fn serve(args: ServeArgs) -> Result<()> {
    let db = match (&args.db, args.demo) {
        (Some(db), _) => db.clone(),
        (None, true) => PathBuf::from(demo::DEFAULT_DEMO_DB),
        (None, false) => {
            return Err(Error::Invalid {
                field: "db",
                reason: "give --db or MITAN_DB".into(),
            });
        }
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(chain), Some(key)) => {
            if args.demo {
                return Err(Error::Invalid {
                    field: "demo",
                    reason: "the demo serves plain HTTP on this machine; leave out --tls-cert"
                        .into(),
                });
            }
            let chain_pem = std::fs::read_to_string(chain)?;
            let ca = mitan_server::tls::chain_ca_fingerprint(&chain_pem)?;
            tracing::info!(%ca, "serving TLS; phones pin this CA");
            Some((mitan_server::tls::load_server_config(chain, key)?, ca))
        }
        _ => None,
    };
    if tls.is_none() && !args.listen.ip().is_loopback() && !args.insecure_http {
        return Err(Error::Invalid {
            field: "listen",
            reason: format!(
                "{} is reachable beyond this machine, and phones would send their credentials \
                 in the clear: serve TLS with --tls-cert and --tls-key, or, behind a proxy that \
                 terminates TLS, say --insecure-http",
                args.listen
            ),
        });
    }
    let (store, demo_db) = if args.demo {
        let (store, found) = demo::open_demo_db(&db, system_clock()())?;
        (store, Some(found))
    } else {
        (args.key.open(&db)?, None)
    };
    let config = DistrictConfig {
        cached_rosters: args.cached_rosters,
        ..DistrictConfig::default()
    };
    let state = AppState::new(District::new(store, config))
        .with_body_limit(args.body_limit)
        .with_sync_rate(SyncRate::new(args.sync_per_minute, args.sync_burst))
        .with_registration_rate(RegistrationRate::new(
            args.registrations_per_address,
            args.registrations_per_minute,
        ))
        .with_metrics_token(args.metrics_token.as_deref())
        .with_ca_fingerprint(tls.as_ref().map(|(_, ca)| ca.to_string()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        if let Some(found) = demo_db {
            // The simulated phones need the server answering, so they start once it is bound;
            // connections wait in the listen backlog until `run` accepts them.
            let url = demo::local_url(listener.local_addr()?);
            let filling = state.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(error) = demo_fill(&url, &filling, &db, found) {
                    tracing::error!(%error, "demo fill failed");
                }
            });
        }
        match tls {
            Some((tls, _)) => run_tls(listener, tls, state, shutdown_signal()).await?,
            None => run(listener, state, shutdown_signal()).await?,
        }
        Ok(())
    })
}

/// Fills the demo database if it needs it, then prints where to look.
fn demo_fill(url: &str, state: &AppState, db: &Path, found: demo::DemoDb) -> Result<()> {
    let fill = match found {
        demo::DemoDb::Filled => None,
        demo::DemoDb::Fresh | demo::DemoDb::Unfilled => {
            tracing::info!("enrolling the demo volunteers through simulated phones");
            Some(demo::fill(
                url,
                state,
                &demo::devices_dir(db),
                demo::DEMO_SEED,
            )?)
        }
    };
    let plan = demo::district();
    let badge = plan.constables[0].badge.clone();
    let code = {
        let now_ms = state.now_ms();
        let mut district = state.lock_district();
        registration::issue_code(
            district.store_mut(),
            &parse_badge(&badge)?,
            "demo",
            DEFAULT_CODE_TTL_MS,
            now_ms,
        )?
        .code
    };
    let sign_ins = demo::console_sign_ins(state)?;
    say!(
        "{}",
        demo::guide(url, db, fill.as_ref(), (&badge, &code), &sign_ins)
    );
    Ok(())
}

/// Completes on Ctrl-C or, on Unix, SIGTERM (what systemd and container runtimes send).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// For clap: a CA fingerprint as printed.
fn fingerprint_arg(text: &str) -> std::result::Result<Fingerprint, String> {
    Fingerprint::parse(text).ok_or_else(|| format!("{text:?} is not sha256: and 64 hex digits"))
}

fn unit_code(field: &'static str, input: &str) -> Result<UnitCode> {
    input.parse().map_err(|_| Error::Invalid {
        field,
        reason: format!("{input:?} is not a unit code"),
    })
}

fn admin(args: AdminArgs) -> Result<()> {
    match &args.command {
        AdminCommand::MakeCa { district, out_dir } => {
            return certificates::make_ca(district, out_dir);
        }
        AdminCommand::MakeCert {
            ca_dir,
            hosts,
            out_dir,
        } => return certificates::make_cert(ca_dir, hosts, out_dir),
        _ => {}
    }
    let db = args.db.as_deref().ok_or_else(|| Error::Invalid {
        field: "db",
        reason: "give --db or MITAN_DB".into(),
    })?;
    if let AdminCommand::Encrypt { key_file } = &args.command {
        let key = DatabaseKey::create_file(key_file)?;
        encrypt_in_place(db, &key)?;
        say!(
            "{} is encrypted under the key in {}: give it to every command as \
             --db-key-file (or MITAN_DB_KEY_FILE), and keep it apart from the database's backups",
            db.display(),
            key_file.display()
        );
        return Ok(());
    }
    let mut store = args.key.open(db)?;
    let now_ms = system_clock()();
    match args.command {
        AdminCommand::Encrypt { .. }
        | AdminCommand::MakeCa { .. }
        | AdminCommand::MakeCert { .. } => {
            unreachable!("done above, before the store opened")
        }
        AdminCommand::AddUnit {
            kind,
            code,
            name_hi,
            name_en,
            parent,
            lgd,
        } => {
            let kind: UnitKind = kind.parse().map_err(|_| Error::Invalid {
                field: "kind",
                reason: format!("unknown unit kind {kind:?}"),
            })?;
            let unit = Unit {
                kind,
                code: unit_code("code", &code)?,
                name_hi,
                name_en,
                parent: parent
                    .as_deref()
                    .map(|parent| unit_code("parent", parent))
                    .transpose()?,
                lgd_code: lgd
                    .as_deref()
                    .map(|lgd| {
                        lgd.parse().map_err(|_| Error::Invalid {
                            field: "lgd",
                            reason: format!("{lgd:?} is not an LGD code"),
                        })
                    })
                    .transpose()?,
            };
            store.save_unit(&unit)?;
            say!("unit {} ({kind}) saved", unit.code);
        }
        AdminCommand::AddUser {
            badge,
            name,
            role,
            unit,
            beats,
            phone,
            gender,
            rank,
            listed,
        } => {
            let contact = mitan_server::groups::StaffContact::parse(
                &phone,
                &gender,
                &rank,
                if listed { "yes" } else { "no" },
            )
            .map_err(|refused| Error::Invalid {
                field: refused.first().map_or("rank", |(column, _)| *column),
                reason: refused
                    .iter()
                    .map(|(column, reason)| format!("{column}: {reason}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            })?;
            let user = User {
                badge: parse_badge(&badge)?,
                name,
                role: role.parse::<Role>()?,
                unit: unit_code("unit", &unit)?,
                beats: beats
                    .iter()
                    .map(|beat| unit_code("beat", beat))
                    .collect::<Result<_>>()?,
            };
            store.save_user(&user, now_ms)?;
            store.save_staff_contact(&user.badge, contact.as_ref(), now_ms)?;
            say!("user {} ({}) saved", user.badge, user.role);
        }
        AdminCommand::IssueCode {
            badge,
            ttl_hours,
            purpose,
            issued_by,
            server,
            ca,
        } => {
            let ttl_ms = i64::from(ttl_hours) * 3_600_000;
            let issued = registration::issue_code_for(
                &mut store,
                purpose,
                &parse_badge(&badge)?,
                &issued_by,
                ttl_ms,
                now_ms,
            )?;
            // The code alone on the first line, for scripts; what the phone needs with it
            // after, as the registration slip reads.
            say!("{}", issued.code);
            let slip = server.is_some() || ca.is_some();
            if let Some(server) = server {
                say!("server: {server}");
            }
            if let Some(ca) = ca {
                let pem = std::fs::read_to_string(&ca)?;
                say!("CA: {}", mitan_server::tls::chain_ca_fingerprint(&pem)?);
            }
            if slip {
                say!(
                    "valid until {}",
                    mitan_server::ist::date_time(issued.expires_at_ms)
                );
            }
        }
        AdminCommand::RevokeDevice { device } => {
            let id = device.parse().map_err(|_| Error::NotFound {
                what: "device",
                id: device.clone(),
            })?;
            store.revoke_device(&id, "admin-cli", now_ms)?;
            say!("device {device} revoked");
        }
        AdminCommand::ImportHierarchy { file } => {
            let text = read_csv(&file)?;
            let summary = refused_if_bad(&file, admin::import_hierarchy(&mut store, &text))?;
            say!(
                "{}: {} unit(s) added or replaced, of which {} village(s)",
                file.display(),
                summary.units,
                summary.villages
            );
        }
        AdminCommand::ImportUsers { file } => {
            let text = read_csv(&file)?;
            let summary = refused_if_bad(&file, admin::import_users(&mut store, &text, now_ms))?;
            say!(
                "{}: {} user(s) added or replaced",
                file.display(),
                summary.users
            );
        }
        AdminCommand::SetCampaign { spec, set_by } => {
            let campaign = admin::set_campaign(&mut store, &spec, &set_by, now_ms)?;
            say!(
                "campaign {} saved: {}, {}, {} to {}",
                campaign.code,
                campaign.name,
                campaign
                    .programme
                    .as_ref()
                    .map_or("every programme", |programme| programme.as_str()),
                campaign.starts_on,
                campaign.ends_on
            );
        }
        AdminCommand::SetTarget { spec, set_by } => {
            admin::set_target(&mut store, &spec, &set_by, now_ms)?;
            say!("target saved: {}", target_line(&spec));
        }
        AdminCommand::PublishNotice {
            version,
            language,
            file,
            published_by,
        } => {
            let text = std::fs::read_to_string(&file).map_err(|error| Error::Invalid {
                field: "file",
                reason: format!("{}: {error}", file.display()),
            })?;
            let spec = NoticeSpec {
                version,
                language,
                text,
            };
            let notice = consent::publish_notice(&mut store, &spec, &published_by, now_ms)?;
            say!(
                "notice {} version {} published ({} characters)",
                notice.language,
                notice.version,
                notice.text.chars().count()
            );
        }
        AdminCommand::SetProgramme { spec, set_by } => {
            let programme =
                mitan_server::programmes::set_programme(&mut store, &spec, &set_by, now_ms)?;
            say!(
                "programme {} saved: {} / {}",
                programme.code,
                programme.name_hi,
                programme.name_en
            );
        }
        AdminCommand::DefineGroup { spec } => {
            let caller = Caller::operator(&store)?;
            let group =
                mitan_server::groups::define_group(&mut store, &caller.user, &spec, now_ms)?;
            say!(
                "group {}/{} saved: {} members now ({} volunteers, {} staff)",
                group.unit,
                group.code,
                group.members,
                group.volunteers,
                group.staff
            );
        }
        AdminCommand::ListGroups { query, json } => {
            let caller = Caller::operator(&store)?;
            print(&query.read(&store, &caller, now_ms)?, json)?;
        }
        AdminCommand::GroupMembers { query, json } => {
            let caller = Caller::operator(&store)?;
            let list =
                mitan_server::access::group_members(&store, caller.reader(), &query, now_ms)?;
            print(&list, json)?;
        }
        AdminCommand::ListProgrammes { json } => {
            let caller = Caller::operator(&store)?;
            print(
                &mitan_server::ops::administration::Programmes {}.read(&store, &caller, now_ms)?,
                json,
            )?;
        }
        AdminCommand::SetPolicy { spec, set_by } => {
            consent::set_policy(&mut store, spec, &set_by, now_ms)?;
            say!(
                "policy saved: {}",
                if spec.adults_only {
                    "adults only, under-18s are refused"
                } else {
                    "under-18s are enrolled with a guardian's consent"
                }
            );
        }
        AdminCommand::ListUnits { request, json } => {
            let caller = Caller::operator(&store)?;
            print(&request.read(&store, &caller, now_ms)?, json)?;
        }
        AdminCommand::ListUsers { request, json } => {
            let caller = Caller::operator(&store)?;
            print(&request.read(&store, &caller, now_ms)?, json)?;
        }
        AdminCommand::ListDevices { request, json } => {
            let caller = Caller::operator(&store)?;
            print(&request.read(&store, &caller, now_ms)?, json)?;
        }
        AdminCommand::ListTargets { campaign, json } => {
            let mut campaigns = admin::load_campaigns(&store)?;
            if let Some(code) = campaign {
                campaigns.retain(|view| view.campaign.code == code);
                if campaigns.is_empty() {
                    return Err(Error::NotFound {
                        what: "campaign",
                        id: code,
                    });
                }
            }
            if json {
                let body = mitan_server::ops::administration::CampaignList { campaigns };
                let text = serde_json::to_string_pretty(&body)
                    .map_err(|error| Error::Encode(format!("campaigns as JSON: {error}")))?;
                say!("{text}");
            } else {
                for view in &campaigns {
                    let spec = &view.campaign;
                    say!(
                        "{}\t{}\t{}\t{} to {}",
                        spec.code,
                        spec.name,
                        spec.programme.as_deref().unwrap_or("every programme"),
                        spec.starts_on,
                        spec.ends_on
                    );
                    for target in &view.targets {
                        say!("  {}", target_line(target));
                    }
                }
            }
        }
        AdminCommand::Export(args) => export(&mut store, &args, now_ms)?,
        AdminCommand::AccessLog { query, json } => {
            let log = query.read(&store, &Caller::operator(&store)?, now_ms)?;
            if json {
                let text = serde_json::to_string_pretty(&log)
                    .map_err(|error| Error::Encode(format!("access log as JSON: {error}")))?;
                say!("{text}");
            } else {
                for entry in &log.entries {
                    say!(
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{} volunteer(s)",
                        entry.seq,
                        mitan_server::ist::date_time(entry.at_ms),
                        entry.badge,
                        entry.role,
                        entry.requested_via,
                        entry.kind,
                        entry.scope,
                        if entry.query.is_empty() {
                            "-"
                        } else {
                            &entry.query
                        },
                        entry.volunteers
                    );
                }
                if let Some(before) = log.next_before {
                    eprintln!("more: --before {before}");
                }
            }
        }
    }
    Ok(())
}

/// Reads an import file, naming the file when it cannot.
fn read_csv(file: &Path) -> Result<String> {
    std::fs::read_to_string(file).map_err(|error| Error::Invalid {
        field: "file",
        reason: format!("{}: {error}", file.display()),
    })
}

/// Prints every problem of a refused import, one per line, and says that the file as a whole
/// was refused: an operator fixing line 40 should know lines 2 to 39 are not in the database
/// either.
fn refused_if_bad<T>(file: &Path, result: mitan_server::Result<T>) -> Result<T> {
    if let Err(mitan_server::Error::BadRows { problems, more }) = &result {
        for problem in problems {
            eprintln!("{problem}");
        }
        if *more > 0 {
            eprintln!("… and {more} more problem(s), not listed");
        }
        eprintln!(
            "{}: refused, nothing of the file was stored",
            file.display()
        );
    }
    Ok(result?)
}

fn target_line(target: &TargetSpec) -> String {
    let subject = match (&target.unit, &target.badge) {
        (Some(unit), _) => format!("unit {unit}"),
        (None, Some(badge)) => format!("badge {badge}"),
        (None, None) => "nobody".to_owned(),
    };
    format!(
        "{}\t{subject}\t{} volunteer(s)",
        target.campaign, target.volunteers
    )
}

/// Where the files of an export go.
enum ExportTarget {
    /// Into this directory, each under its own name.
    Directory(PathBuf),
    /// This one file.
    File(PathBuf),
}

fn export_target(args: &ExportArgs) -> Result<ExportTarget> {
    let out = &args.out;
    let planted = |link: &Path| Error::Invalid {
        field: "out",
        reason: format!(
            "{} is a symbolic link; an export is never written through one",
            link.display()
        ),
    };
    if out.is_symlink() {
        return Err(planted(out));
    }
    if out.is_dir() {
        // Any link in the folder could be one of the files about to be written: the export
        // is refused before it is taken and logged, not half written.
        if let Some(link) = std::fs::read_dir(out)?
            .filter_map(std::result::Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.is_symlink())
        {
            return Err(planted(&link));
        }
        return Ok(ExportTarget::Directory(out.clone()));
    }
    let kind = args.query.kind_taken();
    // A roster or a camera list is one file; a WhatsApp list is a file per part.
    let roster = !kind.is_list();
    if out.exists() && !roster {
        return Err(Error::Invalid {
            field: "out",
            reason: format!(
                "{} is a file; a {} list is written as one file per part into a directory",
                out.display(),
                kind.as_str()
            ),
        });
    }
    let parent = out
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(Error::Invalid {
            field: "out",
            reason: format!("{} does not exist", parent.display()),
        });
    }
    Ok(if roster {
        ExportTarget::File(out.clone())
    } else {
        ExportTarget::Directory(out.clone())
    })
}

fn export(store: &mut ServerStore, args: &ExportArgs, now_ms: i64) -> Result<()> {
    let badge = parse_badge(&args.badge)?;
    let user = store.load_user(&badge)?.ok_or_else(|| Error::NotFound {
        what: "user",
        id: badge.to_string(),
    })?;
    // The output is checked before the export is made and logged, so that a mistyped path
    // does not leave a log line for a file nobody received.
    let target = export_target(args)?;
    let files = exports::export_files(store, &user, "cli", &args.query, now_ms)?;
    let unwritable = |path: &Path, error: std::io::Error| Error::Invalid {
        field: "out",
        reason: format!("{}: {error}", path.display()),
    };
    if let ExportTarget::Directory(dir) = &target {
        private_files::create_dir(dir).map_err(|error| unwritable(dir, error))?;
    }
    for file in &files {
        let path = match &target {
            ExportTarget::Directory(dir) => dir.join(&file.filename),
            ExportTarget::File(path) => path.clone(),
        };
        private_files::write(&path, file.body.as_bytes())
            .map_err(|error| unwritable(&path, error))?;
        let counted = if args.query.kind_taken() == ExportKind::Cameras {
            "cameras"
        } else {
            "people"
        };
        say!("{}\t{} {counted}", path.display(), file.rows);
    }
    if let ExportTarget::Directory(dir) = &target {
        for stale in stale_parts(dir, &files) {
            eprintln!(
                "note: {} is left from an earlier, longer export of this list",
                stale.display()
            );
        }
    }
    Ok(())
}

/// Part files in `dir` of the same list that this export did not write: a list that shrank
/// since the last export leaves its old last parts behind, and whoever builds WhatsApp
/// groups from the directory should not take them for current.
fn stale_parts(dir: &Path, files: &[exports::Export]) -> Vec<PathBuf> {
    let Some((prefix, extension)) = files.first().and_then(|file| {
        let (stem, _) = file.filename.rsplit_once("-part")?;
        let (_, extension) = file.filename.rsplit_once('.')?;
        Some((format!("{stem}-part"), format!(".{extension}")))
    }) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with(&prefix)
                && name.ends_with(&extension)
                && !files.iter().any(|file| file.filename == name)
        })
        .map(|entry| entry.path())
        .collect();
    stale.sort();
    stale
}

fn moment() -> Result<Moment> {
    Ok(Moment {
        now_ms: system_clock()(),
        random: u128::from_le_bytes(random_bytes::<16>()?),
    })
}

fn field_command(args: FieldArgs) -> Result<()> {
    match args.command {
        FieldCommand::Register {
            server,
            code,
            ca_fingerprint,
        } => {
            let profile = field::register(&server, &code, ca_fingerprint, &args.dir)?;
            let (device, _) = field::open_device(&args.dir)?;
            say!(
                "registered {} for {} ({}), beats: {}",
                profile.device.device_id,
                profile.device.badge,
                profile.device.role,
                profile.device.beats.join(", ")
            );
            print_terms(&device)?;
        }
        FieldCommand::Enrol(enrol) => {
            let enrol = *enrol;
            let (mut device, profile) = field::open_device(&args.dir)?;
            let beat = match enrol.beat {
                Some(beat) => beat,
                None => only_beat(&profile.device.beats)?,
            };
            let notice = device
                .notice(&enrol.consent_language)?
                .ok_or_else(|| Error::Invalid {
                    field: "consent_language",
                    reason: format!(
                        "this device holds no consent notice in {:?}; sync to receive the \
                         district's notices",
                        enrol.consent_language
                    ),
                })?;
            let form = EnrolmentForm {
                name_devanagari: enrol.name_hi,
                name_latin: enrol.name_en,
                phone: enrol.phone,
                gender: enrol.gender,
                age_years: Some(enrol.age),
                village_lgd: enrol.village,
                household: enrol.household,
                house_number: enrol.house_number,
                family_name: enrol.family_name,
                beat,
                station: profile.device.unit.clone(),
                programmes: enrol.programmes,
                consent_given: true,
                consent_language: notice.language,
                consent_notice_version: notice.version,
                guardian_name: enrol.guardian_name,
                guardian_relation: enrol.guardian_relation,
                guardian_phone: enrol.guardian_phone,
                guardian_consent_given: enrol.guardian_consent,
                trained_by: enrol.trained_by,
                ..EnrolmentForm::default()
            };
            let outcome = device.enrol(&form, moment()?)?;
            say!("enrolled {}", outcome.id);
            for problem in outcome.problems {
                match problem {
                    mitan_core::device::Problem::SamePhoneAs(other) => say!(
                        "note: volunteer {other} on this phone has the same mobile number; \
                         the in-charge will see both for review"
                    ),
                    mitan_core::device::Problem::SameHouseholdAs(other) => say!(
                        "note: volunteer {other} of this beat lives in the same household \
                         (one volunteer per household); enrolled all the same"
                    ),
                }
            }
        }
        FieldCommand::Quota => {
            let (device, _) = field::open_device(&args.dir)?;
            let quota = device.my_quota()?;
            say!(
                "enrolled {} of {} ({} verified); {} enrolment(s) in all, {} not counted \
                 (rejected, duplicate or withdrawn)",
                quota.counted,
                quota.quota,
                quota.verified,
                quota.enrolled,
                quota.enrolled.saturating_sub(quota.counted)
            );
        }
        FieldCommand::Show { volunteer } => {
            let (mut device, _) = field::open_device(&args.dir)?;
            for line in volunteer_lines(&device.volunteer(&volunteer)?) {
                say!("{line}");
            }
        }
        FieldCommand::Edit(edit) => {
            let (mut device, _) = field::open_device(&args.dir)?;
            let volunteer = edit.volunteer;
            device.edit(&volunteer, &edit.into_edit(), moment()?)?;
            say!("edited {volunteer}; it reaches the station at the next sync");
        }
        FieldCommand::Withdraw {
            volunteer,
            by_phone,
        } => {
            let (mut device, _) = field::open_device(&args.dir)?;
            let via = if by_phone {
                mitan_core::model::WithdrawalChannel::PhoneCall
            } else {
                mitan_core::model::WithdrawalChannel::InPerson
            };
            device.withdraw(&volunteer, via, moment()?)?;
            say!(
                "withdrawn {volunteer}: their name and number are erased from this phone, and \
                 from the district at the next sync"
            );
        }
        FieldCommand::List { beat, status } => {
            let (mut device, _) = field::open_device(&args.dir)?;
            let rows = device.list(&VolunteerFilter {
                beat,
                status,
                ..VolunteerFilter::default()
            })?;
            for row in rows {
                // A row of an entry the person left says where they went; a rejection says why.
                let status = match &row.moved_to {
                    Some(beat) if row.status == "moved" => format!("moved to {beat}"),
                    Some(beat) => format!("{} (moved to {beat})", row.status),
                    None if matches!(row.status.as_str(), "rejected" | "duplicate") => {
                        status_words(&device.volunteer(&row.id)?.status)
                    }
                    None => row.status.clone(),
                };
                say!(
                    "{}\t{}\t{}\t{}\t{}",
                    row.id,
                    status,
                    row.beat,
                    row.name_devanagari
                        .or(row.name_latin)
                        .unwrap_or_else(|| "-".into()),
                    row.phone.unwrap_or_else(|| "-".into()),
                );
            }
        }
        FieldCommand::Camera(camera) => {
            let camera = *camera;
            let (mut device, profile) = field::open_device(&args.dir)?;
            let beat = match camera.beat {
                Some(beat) => beat,
                None => only_beat(&profile.device.beats)?,
            };
            let beat: mitan_core::model::UnitCode =
                beat.parse().map_err(mitan_core::Error::from)?;
            let form = mitan_core::model::CameraForm {
                owner_name: camera.owner_name,
                owner_phone: camera.owner_phone,
                latitude: camera.lat,
                longitude: camera.lon,
                village_lgd: camera.village,
                coverage: camera.coverage,
                direction: camera.direction,
                recording_days: camera.recording_days,
            };
            let id = device.add_camera(&beat, &form, moment()?)?;
            say!("registered camera {id}; it reaches the station at the next sync");
        }
        FieldCommand::Cameras { beat } => {
            let (mut device, profile) = field::open_device(&args.dir)?;
            let beat = match beat {
                Some(beat) => beat,
                None => only_beat(&profile.device.beats)?,
            };
            let beat: mitan_core::model::UnitCode =
                beat.parse().map_err(mitan_core::Error::from)?;
            for camera in device.cameras(&beat)? {
                say!("{}", camera_line(&camera));
            }
        }
        FieldCommand::RemoveCamera { camera, reason } => {
            let (mut device, _) = field::open_device(&args.dir)?;
            device.remove_camera(&camera, reason, moment()?)?;
            say!(
                "removed camera {camera} ({reason}): its owner's name and number are erased \
                 from this phone, and from the district at the next sync"
            );
        }
        FieldCommand::Sync => sync_device(&args.dir)?,
        FieldCommand::Recover { code } => {
            recover_device(&args.dir, code.as_deref())?;
            sync_device(&args.dir)?;
        }
    }
    Ok(())
}

fn only_beat(beats: &[String]) -> Result<String> {
    match beats {
        [beat] => Ok(beat.clone()),
        _ => Err(Error::Invalid {
            field: "beat",
            reason: format!("this device holds {} beats: name one", beats.len()),
        }),
    }
}

/// Prints the consent notices and policy a device holds.
fn print_terms(device: &mitan_core::device::Device) -> Result<()> {
    let notices = device.notices()?;
    if notices.is_empty() {
        say!("consent notices: none yet; enrolment waits until the district publishes one");
    }
    for notice in notices {
        say!(
            "consent notice {} version {}",
            notice.language,
            notice.version
        );
    }
    say!(
        "under-18s: {}",
        if device.rules().adults_only {
            "refused (adults only)"
        } else {
            "with a guardian's consent"
        }
    );
    Ok(())
}

fn recover_device(dir: &Path, code: Option<&str>) -> Result<()> {
    let recovered = field::recover(dir, code)?;
    say!(
        "re-registered as {} for {}; {} change(s) made before wait to be written again",
        recovered.profile.device.device_id,
        recovered.profile.device.badge,
        recovered.set_aside
    );
    Ok(())
}

fn sync_device(dir: &Path) -> Result<()> {
    let (mut device, profile) = field::open_device(dir)?;
    let synced = match field::sync(&mut device, &profile) {
        Err(error) if error.is_actor_reused() => {
            // The store was restored from a backup or copied: its actor can never be merged
            // again. The device's credential re-registers it, once.
            eprintln!(
                "this device's store was restored from a backup or copied to another phone: \
                 re-registering it under a new identity with its credential"
            );
            drop(device);
            match recover_device(dir, None) {
                Ok(()) => {}
                Err(error) if error.is_unauthorized() => {
                    return Err(Error::Invalid {
                        field: "code",
                        reason: "this device's credential was already used to recover another \
                                 copy of it: ask the station in-charge for a registration code \
                                 and run `mitan field recover --code CODE`"
                            .into(),
                    });
                }
                Err(error) => return Err(error),
            }
            return sync_device(dir);
        }
        Err(error) if error.is_unauthorized() => {
            return Err(Error::Invalid {
                field: "code",
                reason: "the server refused this device's credential: it was revoked, or \
                         replaced when another copy of this store recovered. Ask the station \
                         in-charge for a registration code and run `mitan field recover --code \
                         CODE`; nothing on this device is lost"
                    .into(),
            });
        }
        other => other?,
    };
    let report = &synced.report;
    say!(
        "synced in {} round trip(s), {:.1} ms: {} acknowledged, {} received, {} refused, {} bytes up, {} bytes down",
        report.round_trips,
        synced.elapsed.as_secs_f64() * 1000.0,
        report.acknowledged,
        report.received,
        report.refused,
        report.bytes_up,
        report.bytes_down
    );
    if report.reissued > 0 {
        say!(
            "{} change(s) made before the recovery were written again under this device's new identity",
            report.reissued
        );
    }
    if let Some(error) = synced.terms_unfetched {
        eprintln!(
            "warning: the district's notices could not be fetched after the sync, which \
             stands; the phone keeps the notices it had ({error})"
        );
    }
    print_terms(&device)
}
