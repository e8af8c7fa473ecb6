//! The `mitan` command: `serve`, `admin …` for the district's hierarchy, users and codes, and
//! `field …`, a field client on the same device code as the phones.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use mitan_core::device::Moment;
use mitan_core::model::{EnrolmentForm, Unit, UnitCode, UnitKind};
use mitan_core::store::VolunteerFilter;

use crate::auth::{Role, parse_badge, random_bytes};
use crate::demo;
use crate::district::{District, DistrictConfig};
use crate::error::{Error, Result};
use crate::field;
use crate::http::{AppState, DEFAULT_BODY_LIMIT, run, system_clock};
use crate::rate_limit::SyncRate;
use crate::registration::{self, DEFAULT_CODE_TTL_MS};
use crate::store::{ServerStore, User};

/// Mitan: rosters of community-policing volunteers.
#[derive(Debug, Parser)]
#[command(name = "mitan", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
}

/// `mitan admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The database file; created and migrated if missing.
    #[arg(long, env = "MITAN_DB")]
    pub db: PathBuf,
    /// What to do.
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// The administration commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Add or replace a unit of the hierarchy.
    AddUnit {
        /// state, range, district, circle, station, outpost, beat or village.
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
        /// constable, station_incharge, circle_officer, district_admin or auditor.
        #[arg(long)]
        role: String,
        /// Station (constable, in-charge), circle (circle officer) or district (admin,
        /// auditor).
        #[arg(long)]
        unit: String,
        /// A beat the constable works; repeat for several.
        #[arg(long = "beat")]
        beats: Vec<String>,
    },
    /// Issue a one-time registration code for a user's next device.
    IssueCode {
        /// The user's badge.
        #[arg(long)]
        badge: String,
        /// How long the code works, in hours.
        #[arg(long, default_value_t = 24)]
        ttl_hours: u32,
        /// Who issues it, for the record.
        #[arg(long, default_value = "admin-cli")]
        issued_by: String,
    },
    /// Revoke a device: its credential stops working.
    RevokeDevice {
        /// The device id.
        #[arg(long)]
        device: String,
    },
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
        /// The server's base URL, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        server: String,
        /// The one-time code from the station in-charge.
        #[arg(long)]
        code: String,
    },
    /// Enrol a volunteer (offline; sync later).
    Enrol(EnrolArgs),
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
    /// female, male or other.
    #[arg(long)]
    pub gender: String,
    /// Age in years.
    #[arg(long)]
    pub age: u32,
    /// The village's LGD code.
    #[arg(long)]
    pub village: String,
    /// The household (house number and family).
    #[arg(long)]
    pub household: String,
    /// The beat (defaults to the device's only beat).
    #[arg(long)]
    pub beat: Option<String>,
    /// A programme; repeat for several.
    #[arg(long = "programme", default_values_t = vec!["cyber_mitan".to_owned()])]
    pub programmes: Vec<String>,
    /// The language the consent notice was given in.
    #[arg(long, default_value = "hi")]
    pub consent_language: String,
}

/// Runs a parsed command. `serve` blocks until Ctrl-C or SIGTERM.
pub fn execute(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Admin(args) => admin(args),
        Command::Field(args) => field_command(args),
    }
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
    let (store, demo_db) = if args.demo {
        let (store, found) = demo::open_demo_db(&db, system_clock()())?;
        (store, Some(found))
    } else {
        (ServerStore::open(&db)?, None)
    };
    let config = DistrictConfig {
        cached_rosters: args.cached_rosters,
        ..DistrictConfig::default()
    };
    let state = AppState::new(District::new(store, config))
        .with_body_limit(args.body_limit)
        .with_sync_rate(SyncRate::new(args.sync_per_minute, args.sync_burst));
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
        run(listener, state, shutdown_signal()).await
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
    println!("{}", demo::guide(url, db, fill.as_ref(), (&badge, &code)));
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

fn unit_code(field: &'static str, input: &str) -> Result<UnitCode> {
    input.parse().map_err(|_| Error::Invalid {
        field,
        reason: format!("{input:?} is not a unit code"),
    })
}

fn admin(args: AdminArgs) -> Result<()> {
    let mut store = ServerStore::open(&args.db)?;
    let now_ms = system_clock()();
    match args.command {
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
            println!("unit {} ({kind}) saved", unit.code);
        }
        AdminCommand::AddUser {
            badge,
            name,
            role,
            unit,
            beats,
        } => {
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
            println!("user {} ({}) saved", user.badge, user.role);
        }
        AdminCommand::IssueCode {
            badge,
            ttl_hours,
            issued_by,
        } => {
            let ttl_ms = if ttl_hours == 0 {
                DEFAULT_CODE_TTL_MS
            } else {
                i64::from(ttl_hours) * 3_600_000
            };
            let issued = registration::issue_code(
                &mut store,
                &parse_badge(&badge)?,
                &issued_by,
                ttl_ms,
                now_ms,
            )?;
            println!("{}", issued.code);
        }
        AdminCommand::RevokeDevice { device } => {
            let id = device.parse().map_err(|_| Error::NotFound {
                what: "device",
                id: device.clone(),
            })?;
            store.revoke_device(&id, "admin-cli", now_ms)?;
            println!("device {device} revoked");
        }
    }
    Ok(())
}

fn moment() -> Result<Moment> {
    Ok(Moment {
        now_ms: system_clock()(),
        random: u128::from_le_bytes(random_bytes::<16>()?),
    })
}

fn field_command(args: FieldArgs) -> Result<()> {
    match args.command {
        FieldCommand::Register { server, code } => {
            let profile = field::register(&server, &code, &args.dir)?;
            // Opening the store once records the identity, so the device is ready offline.
            field::open_device(&args.dir)?;
            println!(
                "registered {} for {} ({}), beats: {}",
                profile.device.device_id,
                profile.device.badge,
                profile.device.role,
                profile.device.beats.join(", ")
            );
        }
        FieldCommand::Enrol(enrol) => {
            let (mut device, profile) = field::open_device(&args.dir)?;
            let beat = match enrol.beat {
                Some(beat) => beat,
                None => only_beat(&profile.device.beats)?,
            };
            let form = EnrolmentForm {
                name_devanagari: enrol.name_hi,
                name_latin: enrol.name_en,
                phone: enrol.phone,
                gender: enrol.gender,
                age_years: Some(enrol.age),
                village_lgd: enrol.village,
                household: enrol.household,
                beat,
                station: profile.device.unit.clone(),
                programmes: enrol.programmes,
                consent_given: true,
                consent_language: enrol.consent_language,
                consent_notice_version: 1,
                ..EnrolmentForm::default()
            };
            let outcome = device.enrol(&form, moment()?)?;
            println!("enrolled {}", outcome.id);
            for problem in outcome.problems {
                println!("note: {problem:?}");
            }
        }
        FieldCommand::List { beat, status } => {
            let (device, _) = field::open_device(&args.dir)?;
            let rows = device.list(&VolunteerFilter {
                beat,
                status,
                ..VolunteerFilter::default()
            })?;
            for row in rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    row.id,
                    row.status,
                    row.beat,
                    row.name_devanagari
                        .or(row.name_latin)
                        .unwrap_or_else(|| "-".into()),
                    row.phone.unwrap_or_else(|| "-".into()),
                );
            }
        }
        FieldCommand::Sync => sync_device(&args.dir)?,
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

fn sync_device(dir: &Path) -> Result<()> {
    let (mut device, profile) = field::open_device(dir)?;
    let mut transport = profile.transport();
    let report = device.sync(&mut transport, system_clock()())?;
    println!(
        "synced in {} round trip(s): {} acknowledged, {} received, {} refused, {} bytes up, {} bytes down",
        report.round_trips,
        report.acknowledged,
        report.received,
        report.refused,
        report.bytes_up,
        report.bytes_down
    );
    Ok(())
}
