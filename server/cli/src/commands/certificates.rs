//! `mitan admin make-ca` and `make-cert`: the district's CA and the server's certificate, as
//! PEM files, keys readable by their owner alone and never written over.

use std::path::Path;

use mitan_server::private_files;
use mitan_server::tls::{make_ca as new_ca, make_server_certificate};

use super::output::say;
use crate::error::{Error, Result};

/// Writes `text` to `dir/name`, which must not exist yet.
fn write_new(dir: &Path, name: &str, text: &str) -> Result<()> {
    let path = dir.join(name);
    if path.exists() {
        return Err(Error::Invalid {
            field: "out-dir",
            reason: format!(
                "{} exists; certificates and keys are never replaced",
                path.display()
            ),
        });
    }
    private_files::write(&path, text.as_bytes())?;
    Ok(())
}

/// Makes the district's CA in `out_dir`.
pub(super) fn make_ca(district: &str, out_dir: &Path) -> Result<()> {
    private_files::create_dir(out_dir)?;
    let ca = new_ca(district)?;
    write_new(out_dir, "ca-key.pem", &ca.key_pem)?;
    write_new(out_dir, "ca.pem", &ca.certificate_pem)?;
    say!(
        "CA written to {}: ca.pem and ca-key.pem\nCA: {}\nprint this fingerprint with every \
         registration code (`mitan admin issue-code --ca {}`); phones pin it",
        out_dir.display(),
        ca.ca_fingerprint,
        out_dir.join("ca.pem").display()
    );
    Ok(())
}

/// Makes the server's certificate for `hosts` under the CA in `ca_dir`, into `out_dir`.
pub(super) fn make_cert(ca_dir: &Path, hosts: &[String], out_dir: &Path) -> Result<()> {
    let ca_pem = std::fs::read_to_string(ca_dir.join("ca.pem"))?;
    let ca_key = std::fs::read_to_string(ca_dir.join("ca-key.pem"))?;
    let issued = make_server_certificate(&ca_pem, &ca_key, hosts)?;
    private_files::create_dir(out_dir)?;
    write_new(out_dir, "server-key.pem", &issued.key_pem)?;
    write_new(out_dir, "server.pem", &issued.certificate_pem)?;
    say!(
        "certificate for {} written to {}: serve with --tls-cert {} --tls-key {}\nCA: {}",
        hosts.join(", "),
        out_dir.display(),
        out_dir.join("server.pem").display(),
        out_dir.join("server-key.pem").display(),
        issued.ca_fingerprint
    );
    Ok(())
}
