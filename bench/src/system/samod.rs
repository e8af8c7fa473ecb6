//! samod, the Rust automerge-repo, as a district would use it off the shelf: one Automerge
//! document per beat, like Mitan's rosters, synced through samod's own protocol (length-
//! delimited frames over TCP) to a samod peer on loopback that keeps every document on disk
//! (`TokioFilesystemStorage`).
//!
//! Each phone is a samod `Repo` of its own with its beat's document fetched before the drive;
//! it enrols offline (no connection open), and each evening dials the server, waits until the
//! server has its changes and it has the server's, and hangs up. Each in-charge's `Repo`
//! holds the station's beats and writes the review decisions into them the same way.
//! Personal fields are written in the clear: samod has no per-person sealing.
//! A samod server acknowledges a change once it is in memory with its write issued, and
//! does not fsync; Mitan and the ODK receiver answer only after a durable commit.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, Automerge, ObjType, ROOT, ReadDoc};
use futures::future::BoxFuture;
use samod::storage::TokioFilesystemStorage;
use samod::{
    BackoffConfig, DialError, Dialer, DocHandle, PeerId, Repo, ShareConfig, Transport, Url,
};

use super::{Finished, System};
use crate::child::{ServerChild, Usage, listen, runtime};
use crate::workload::{Enrolment, Review, Workload};

/// How long one sync may take before it counts as failed; the 2G link is slow, but not this
/// slow.
const SYNC_TIMEOUT: Duration = Duration::from_secs(120);

/// A dialer that connects straight to an address with Nagle's algorithm off, as samod's own
/// TCP dialer does not, so small sync frames are not held back on loopback.
struct Tcp(SocketAddr);

impl Dialer for Tcp {
    type Error = Infallible;

    fn url(&self) -> Url {
        Url::parse(&format!("tcp://{}", self.0)).expect("an address makes a URL")
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Infallible>>> {
        let address = self.0;
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect(address)
                .await
                .map_err(DialError::transient)?;
            stream.set_nodelay(true).map_err(DialError::transient)?;
            Ok(Transport::from_tokio_io(stream))
        })
    }
}

/// One device: its repo and the documents it works on.
struct Device {
    repo: Repo,
    documents: Vec<DocHandle>,
}

/// The samod server and the phones' repos.
#[derive(Default)]
pub struct Samod {
    runtime: Option<tokio::runtime::Runtime>,
    server: Option<ServerChild>,
    storage: PathBuf,
    phones: Vec<Device>,
    incharges: Vec<Device>,
    badges: Vec<String>,
}

/// Dials `address`, runs `work` with the connection, and hangs up, within [`SYNC_TIMEOUT`].
async fn connected<F, Fut>(repo: &Repo, address: SocketAddr, work: F) -> anyhow::Result<()>
where
    F: FnOnce(samod::ConnectionId) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let dialer = repo
        .dial(
            BackoffConfig {
                max_retries: Some(3),
                ..BackoffConfig::default()
            },
            Arc::new(Tcp(address)),
        )
        .map_err(|_| anyhow::anyhow!("samod: the repo has stopped"))?;
    let outcome = tokio::time::timeout(SYNC_TIMEOUT, async {
        dialer
            .established()
            .await
            .map_err(|error| anyhow::anyhow!("samod: dialing failed: {error:?}"))?;
        let connection = dialer
            .connection_id()
            .context("samod: connected without a connection id")?;
        work(connection).await
    })
    .await;
    dialer.close();
    outcome.context("samod: the sync did not finish in time")?
}

/// Waits until the server holds all of `documents`' changes and the device all of the
/// server's.
async fn settle(documents: &[DocHandle], connection: samod::ConnectionId) {
    for document in documents {
        document.they_have_our_changes(connection).await;
        document.we_have_their_changes(connection).await;
    }
}

impl Samod {
    fn runtime(&self) -> anyhow::Result<&tokio::runtime::Runtime> {
        self.runtime.as_ref().context("samod: not started")
    }
}

async fn repo(name: &str) -> Repo {
    Repo::build_tokio()
        .with_peer_id(PeerId::from(name))
        .load()
        .await
}

impl System for Samod {
    fn name(&self) -> &'static str {
        "samod"
    }

    fn start(
        &mut self,
        workload: &Workload,
        exe: &Path,
        dir: &Path,
    ) -> anyhow::Result<Option<SocketAddr>> {
        self.storage = dir.join("samod-storage");
        let server = ServerChild::spawn(exe, "samod", &self.storage)?;
        let address = server.address;
        self.server = Some(server);
        let runtime = runtime()?;
        self.badges = workload.phones.iter().map(|p| p.badge.clone()).collect();
        let (phones, incharges) = runtime.block_on(async {
            // The district office creates each beat's document, as Mitan's genesis does,
            // and every device fetches its beats' documents before the drive.
            let office = repo("district-office").await;
            let mut beats: HashMap<String, samod::DocumentId> = HashMap::new();
            let mut created = Vec::new();
            for station in &workload.stations {
                for beat in &station.beats {
                    let mut genesis = AutoCommit::new();
                    genesis.put(ROOT, "beat", beat.as_str())?;
                    genesis.put_object(ROOT, "volunteers", ObjType::Map)?;
                    let handle = office
                        .create(genesis.document().clone())
                        .await
                        .map_err(|_| anyhow::anyhow!("samod: the office repo stopped"))?;
                    beats.insert(beat.clone(), handle.document_id().clone());
                    created.push(handle);
                }
            }
            connected(&office, address, |connection| async move {
                settle(&created, connection).await;
                Ok(())
            })
            .await?;
            tokio::time::timeout(Duration::from_secs(10), office.stop())
                .await
                .context("samod: the office repo did not stop")?;
            let fetch = |name: String, wanted: Vec<samod::DocumentId>| async move {
                let device = repo(&name).await;
                let mut documents = Vec::new();
                connected(&device, address, |_| {
                    let device = device.clone();
                    let documents = &mut documents;
                    async move {
                        for id in wanted {
                            let handle = device
                                .find(id.clone())
                                .await
                                .map_err(|_| anyhow::anyhow!("samod: the repo stopped"))?
                                .with_context(|| format!("samod: the server lacks {id}"))?;
                            documents.push(handle);
                        }
                        Ok(())
                    }
                })
                .await?;
                anyhow::Ok(Device {
                    repo: device,
                    documents,
                })
            };
            let mut phones = Vec::new();
            for phone in &workload.phones {
                phones.push(fetch(phone.badge.clone(), vec![beats[&phone.beat].clone()]).await?);
            }
            let mut incharges = Vec::new();
            for station in &workload.stations {
                let wanted = station
                    .beats
                    .iter()
                    .map(|beat| beats[beat].clone())
                    .collect();
                incharges.push(fetch(station.incharge.clone(), wanted).await?);
            }
            anyhow::Ok((phones, incharges))
        })?;
        self.phones = phones;
        self.incharges = incharges;
        self.runtime = Some(runtime);
        Ok(Some(address))
    }

    fn enrol(&self, enrolment: &Enrolment) -> anyhow::Result<()> {
        let form = &enrolment.form;
        let badge = &self.badges[enrolment.phone];
        self.phones[enrolment.phone].documents[0].with_document(|document| {
            let volunteers = match document.get(ROOT, "volunteers")? {
                Some((_, id)) => id,
                None => bail!("samod: the beat document has no volunteers map"),
            };
            let mut transaction = document.transaction();
            let entry =
                transaction.put_object(&volunteers, enrolment.id.to_string(), ObjType::Map)?;
            for (field, value) in [
                ("name_deva", form.name_devanagari.as_str()),
                ("name_latin", form.name_latin.as_str()),
                ("phone", form.phone.as_str()),
                ("gender", form.gender.as_str()),
                ("village", form.village_lgd.as_str()),
                ("household", form.household.as_str()),
                ("consent_language", form.consent_language.as_str()),
                ("enrolled_by", badge.as_str()),
            ] {
                transaction.put(&entry, field, value)?;
            }
            transaction.put(&entry, "age", i64::from(form.age_years.unwrap_or(0)))?;
            transaction.put(&entry, "programmes", form.programmes.join(","))?;
            transaction.put(
                &entry,
                "consent_notice_version",
                i64::from(form.consent_notice_version),
            )?;
            transaction.put(&entry, "device_clock_ms", enrolment.clock_ms)?;
            transaction.commit();
            Ok(())
        })
    }

    fn sync(&self, phone: usize, _day: usize, link: Option<SocketAddr>) -> anyhow::Result<()> {
        let link = link.context("samod syncs through a link")?;
        let device = &self.phones[phone];
        self.runtime()?
            .block_on(connected(&device.repo, link, |connection| async move {
                settle(&device.documents, connection).await;
                Ok(())
            }))
    }

    fn review(
        &self,
        station: usize,
        reviews: &[Review],
        link: Option<SocketAddr>,
    ) -> anyhow::Result<()> {
        let link = link.context("samod reviews through a link")?;
        let device = &self.incharges[station];
        self.runtime()?
            .block_on(connected(&device.repo, link, |connection| async move {
                // Bring the evening's entries in, decide, and send the decisions back.
                for document in &device.documents {
                    document.we_have_their_changes(connection).await;
                }
                for review in reviews {
                    let id = review.id().to_string();
                    let written = device.documents.iter().find_map(|document| {
                        document.with_document(|document: &mut Automerge| {
                            let (_, volunteers) = document.get(ROOT, "volunteers").ok()??;
                            let (_, entry) = document.get(&volunteers, id.as_str()).ok()??;
                            let mut transaction = document.transaction();
                            let outcome = match review {
                                Review::Verify(_) => transaction.put(&entry, "review", "verified"),
                                Review::Duplicate(_, kept) => transaction
                                    .put(&entry, "review", "duplicate")
                                    .and_then(|()| {
                                        transaction.put(&entry, "duplicate_of", kept.to_string())
                                    }),
                            };
                            transaction.commit();
                            Some(outcome)
                        })
                    });
                    match written {
                        Some(Ok(())) => {}
                        Some(Err(error)) => bail!("samod: review of {id}: {error}"),
                        None => bail!("samod: review of {id}: not in the station's documents"),
                    }
                }
                for document in &device.documents {
                    document.they_have_our_changes(connection).await;
                }
                Ok(())
            }))
    }

    fn usage(&self) -> Option<Usage> {
        self.server.as_ref().and_then(|server| server.usage().ok())
    }

    fn finish(&mut self) -> anyhow::Result<Finished> {
        if let Some(runtime) = self.runtime.take() {
            let devices: Vec<Repo> = self
                .phones
                .drain(..)
                .chain(self.incharges.drain(..))
                .map(|device| device.repo)
                .collect();
            runtime.block_on(async {
                for repo in devices {
                    let _ = tokio::time::timeout(Duration::from_secs(5), repo.stop()).await;
                }
            });
        }
        let usage = self.server.take().map(ServerChild::stop).transpose()?;
        Ok(Finished {
            stored: stored_volunteers(&self.storage)?,
            usage,
        })
    }
}

/// Counts the volunteers in every document the server keeps under `storage`, by loading
/// each document's snapshot and incremental files, as samod itself would on restart.
pub fn stored_volunteers(storage: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for prefix in std::fs::read_dir(storage)? {
        for document_dir in std::fs::read_dir(prefix?.path())? {
            let document_dir = document_dir?.path();
            if !document_dir.is_dir() {
                continue;
            }
            let mut document = Automerge::new();
            for kind in ["snapshot", "incremental"] {
                let Ok(files) = std::fs::read_dir(document_dir.join(kind)) else {
                    continue;
                };
                for file in files {
                    let bytes = std::fs::read(file?.path())?;
                    document.load_incremental(&bytes)?;
                }
            }
            if let Some((_, volunteers)) = document.get(ROOT, "volunteers")? {
                total += document.length(&volunteers) as u64;
            }
        }
    }
    Ok(total)
}

/// The samod server: a repo storing to `storage`, accepting connections on loopback until
/// standard input closes, then flushing every document before it exits.
pub fn serve(storage: &Path) -> anyhow::Result<()> {
    let storage = storage.to_owned();
    runtime()?.block_on(async move {
        // A sync server answers for the documents a peer asks about and announces none of
        // its own, as automerge-repo's sync server is set up: otherwise every phone that
        // dials in would be sent every beat of the district.
        let server = Repo::build_tokio()
            .with_peer_id(PeerId::from("district-server"))
            .with_share_policy(ShareConfig::read_write().with_announce(false))
            .with_storage(TokioFilesystemStorage::new(&storage))
            .load()
            .await;
        let (listener, closed) = listen().await?;
        let acceptor = server
            .make_acceptor(Url::parse(&format!("tcp://{}", listener.local_addr()?))?)
            .map_err(|_| anyhow::anyhow!("samod: the server repo stopped"))?;
        let accepting = {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let _ = stream.set_nodelay(true);
                    if acceptor.accept_tokio_io(stream).is_err() {
                        break;
                    }
                }
            })
        };
        closed.await;
        acceptor.close();
        accepting.abort();
        tokio::time::timeout(Duration::from_secs(30), server.stop())
            .await
            .context("samod: the server did not flush within 30 s")?;
        Ok(())
    })
}
