//! The field client's TLS: at registration, the server's CA is taken from its handshake only
//! if its fingerprint is the one printed on the registration slip; from then on that CA is the
//! only one the client trusts. A server whose certificate does not chain to it is refused.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mitan_server::tls::{Fingerprint, provider};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, Result};

/// How long the pinning handshake may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// The CA of the server at `url` (an `https://` address), verified against `pin`: the server
/// must present a CA whose fingerprint is `pin` and a certificate for its host under it.
pub fn pinned_ca(url: &str, pin: Fingerprint) -> Result<Vec<u8>> {
    let (host, port) = host_and_port(url)?;
    let captured = Arc::new(Mutex::new(None));
    let verifier = PinnedCa {
        pin,
        captured: captured.clone(),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| Error::Network(format!("TLS: {error}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    let name = ServerName::try_from(host.clone())
        .map_err(|_| Error::Network(format!("{host} is not a host name or address")))?;
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name)
        .map_err(|error| Error::Network(format!("TLS: {error}")))?;
    let mut socket = TcpStream::connect((host.as_str(), port))
        .map_err(|error| Error::Network(format!("{url}: {error}")))?;
    socket.set_read_timeout(Some(HANDSHAKE_TIMEOUT))?;
    socket.set_write_timeout(Some(HANDSHAKE_TIMEOUT))?;
    while connection.is_handshaking() {
        connection.complete_io(&mut socket).map_err(|error| {
            Error::Network(format!(
                "{url}: the server's certificate is not under the CA {pin} ({error})"
            ))
        })?;
    }
    // Closing politely; what the server makes of it does not matter.
    connection.send_close_notify();
    let _ = connection.complete_io(&mut socket);
    let _ = socket.flush();
    let _ = socket.read(&mut [0; 1]);
    let ca = captured
        .lock()
        .map_err(|_| Error::Network("TLS: the verifier panicked".into()))?
        .take();
    ca.ok_or_else(|| Error::Network(format!("{url}: no CA {pin} in the server's chain")))
}

/// The host and port of an `https://` URL.
fn host_and_port(url: &str) -> Result<(String, u16)> {
    let rest = url.strip_prefix("https://").ok_or_else(|| Error::Invalid {
        field: "server",
        reason: format!("{url} is not an https:// address"),
    })?;
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => (
            host,
            port.parse().map_err(|_| Error::Invalid {
                field: "server",
                reason: format!("{port} is not a port"),
            })?,
        ),
        _ => (authority, 443),
    };
    Ok((
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned(),
        port,
    ))
}

/// Accepts a server chain only when it holds the pinned CA and the server's certificate
/// verifies under it, and keeps that CA.
#[derive(Debug)]
struct PinnedCa {
    pin: Fingerprint,
    captured: Arc<Mutex<Option<Vec<u8>>>>,
}

impl ServerCertVerifier for PinnedCa {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let ca = intermediates
            .iter()
            .find(|certificate| Fingerprint::of(certificate) == self.pin)
            .ok_or_else(|| {
                rustls::Error::General(format!("the server's chain holds no CA {}", self.pin))
            })?;
        let mut roots = RootCertStore::empty();
        roots.add(ca.clone().into_owned())?;
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .map_err(|error| rustls::Error::General(error.to_string()))?;
        let verified =
            verifier.verify_server_cert(end_entity, &[], server_name, ocsp_response, now)?;
        if let Ok(mut captured) = self.captured.lock() {
            *captured = Some(ca.to_vec());
        }
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            certificate,
            signature,
            &provider().signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            certificate,
            signature,
            &provider().signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// An HTTP agent that trusts `ca` alone for `https://` (and speaks plain HTTP as asked).
pub fn agent(ca: Option<&[u8]>, timeout: Duration) -> ureq::Agent {
    let mut tls = ureq::tls::TlsConfig::builder().unversioned_rustls_crypto_provider(provider());
    if let Some(ca) = ca {
        tls = tls.root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![
            ureq::tls::Certificate::from_der(ca).to_owned(),
        ])));
    }
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .tls_config(tls.build())
        .build()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_address_gives_its_host_and_port() {
        assert_eq!(
            host_and_port("https://mitan.bsp.example:8443/v1").expect("reads"),
            ("mitan.bsp.example".to_owned(), 8443)
        );
        assert_eq!(
            host_and_port("https://10.0.0.5").expect("reads"),
            ("10.0.0.5".to_owned(), 443)
        );
        assert!(host_and_port("http://10.0.0.5").is_err());
    }
}
