//! Files that hold personal data or secrets are their owner's alone: the district database
//! (every volunteer, every data key, the server's signing key) with its WAL, and every export
//! an officer takes. They are created `0600` in folders created `0700`, and an export never
//! writes through a symbolic link, which someone with write access to its folder could plant
//! to make an officer overwrite another file or publish the export elsewhere.
//!
//! Elsewhere than Unix the platform's defaults apply.

use std::io::Write;
use std::path::Path;

/// Who may read a private file: its owner.
#[cfg(unix)]
const OWNER_ONLY: u32 = 0o600;
/// Who may enter a private folder: its owner.
#[cfg(unix)]
const OWNER_ONLY_DIR: u32 = 0o700;

/// Makes the database at `path` its owner's alone before SQLite opens it: created empty
/// `0600` if missing (SQLite gives its WAL and shared-memory files the database's mode), and
/// narrowed to `0600`, with its WAL, if it was made wider by an earlier build.
pub fn prepare_database(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(OWNER_ONLY)
            .open(path)
        {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(error),
        }
        for suffix in ["", "-wal", "-shm"] {
            let file = path.with_file_name(format!(
                "{}{suffix}",
                path.file_name().unwrap_or_default().to_string_lossy()
            ));
            match std::fs::metadata(&file) {
                Ok(metadata) if metadata.permissions().mode() & 0o077 != 0 => {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(OWNER_ONLY))?;
                }
                Ok(_) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates `dir` and its missing parents, each new one `0700`.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(OWNER_ONLY_DIR);
    }
    builder.create(dir)
}

/// Writes `bytes` to `path` as a file its owner alone may read, replacing one that is there;
/// refuses (`ELOOP`) when `path` is a symbolic link, whatever it points at.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(OWNER_ONLY).custom_flags(libc::O_NOFOLLOW);
    }
    let mut file = options.open(path).map_err(|error| {
        #[cfg(unix)]
        if error.raw_os_error() == Some(libc::ELOOP) {
            return std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a symbolic link; an export is never written through one",
            );
        }
        error
    })?;
    #[cfg(unix)]
    {
        // A file that was there before keeps its mode through `open`: narrow it.
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(OWNER_ONLY))?;
    }
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_private_file_is_its_owners_alone_and_never_written_through_a_link() {
        let dir = tempfile::tempdir().expect("temp dir");
        let folder = dir.path().join("exports/2026-12");
        create_dir(&folder).expect("created");
        assert_eq!(mode(&folder), 0o700);
        let file = folder.join("roster.csv");
        std::fs::write(&file, "old").expect("an older, wider file");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write(&file, b"new").expect("written");
        assert_eq!(mode(&file), 0o600);
        assert_eq!(std::fs::read(&file).expect("read"), b"new");

        let elsewhere = dir.path().join("elsewhere.txt");
        std::fs::write(&elsewhere, "keep me").expect("written");
        let planted = folder.join("group-part1.csv");
        std::os::unix::fs::symlink(&elsewhere, &planted).expect("link planted");
        let refused = write(&planted, b"the export").expect_err("not through a link");
        assert!(refused.to_string().contains("symbolic link"), "{refused}");
        assert_eq!(
            std::fs::read_to_string(&elsewhere).expect("read"),
            "keep me"
        );
    }

    #[test]
    fn a_database_is_created_and_kept_owner_only_with_its_wal() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("district.db");
        prepare_database(&db).expect("prepared");
        assert_eq!(mode(&db), 0o600);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let wal = dir.path().join("district.db-wal");
        std::fs::write(&wal, "").expect("a WAL");
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        prepare_database(&db).expect("prepared again");
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&wal), 0o600);
    }

    #[test]
    fn the_server_store_and_the_wal_sqlite_makes_for_it_are_owner_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("fresh.db");
        let store = crate::store::ServerStore::open(&db).expect("opens");
        store.ping().expect("answers");
        assert_eq!(mode(&db), 0o600);
        let wal = dir.path().join("fresh.db-wal");
        assert!(
            wal.exists(),
            "WAL mode keeps a WAL beside the open database"
        );
        assert_eq!(mode(&wal), 0o600);
        assert_eq!(mode(&dir.path().join("fresh.db-shm")), 0o600);
    }
}
