//! The district's certificate authority and the server certificates it issues, as PEM files.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How long a district CA lasts: long, since every phone pins it.
const CA_YEARS: i64 = 10;
/// How long a server certificate lasts; renewed with `make-cert` under the same CA, which
/// phones need not notice.
const SERVER_YEARS: i64 = 2;

/// A certificate and its private key, as PEM.
#[derive(Clone)]
pub struct IssuedCertificate {
    /// The certificate (for a server: its chain, the leaf then the CA).
    pub certificate_pem: String,
    /// The private key; written readable by its owner alone.
    pub key_pem: String,
    /// The fingerprint of the CA at the chain's end, which phones pin.
    pub ca_fingerprint: Fingerprint,
}

impl fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCertificate")
            .field("ca_fingerprint", &self.ca_fingerprint)
            .finish_non_exhaustive()
    }
}

/// The SHA-256 of a certificate's DER bytes: what a phone pins.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of `der`.
    pub fn of(der: &[u8]) -> Self {
        Fingerprint(Sha256::digest(der).into())
    }

    /// Reads a fingerprint as printed (`sha256:` and 64 hex digits, colons or spaces between
    /// them allowed, either case).
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text
            .trim()
            .trim_start_matches("sha256:")
            .chars()
            .filter(|c| !matches!(c, ':' | ' ' | '-'))
            .collect();
        let bytes = hex::decode(digits).ok()?;
        Some(Fingerprint(bytes.try_into().ok()?))
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn tls_error(what: &str, error: impl fmt::Display) -> Error {
    Error::Tls(format!("{what}: {error}"))
}

/// A new certificate authority for `district` (its name goes into the certificate).
pub fn make_ca(district: &str) -> Result<IssuedCertificate> {
    let key = KeyPair::generate().map_err(|error| tls_error("CA key", error))?;
    let mut params = CertificateParams::default();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, format!("Mitan {district} CA"));
    params
        .distinguished_name
        .push(DnType::OrganizationName, "Mitan");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365 * CA_YEARS);
    let certificate = params
        .self_signed(&key)
        .map_err(|error| tls_error("CA certificate", error))?;
    Ok(IssuedCertificate {
        ca_fingerprint: Fingerprint::of(certificate.der()),
        certificate_pem: certificate.pem(),
        key_pem: key.serialize_pem(),
    })
}

/// A server certificate for `hosts` (names or IP addresses), issued by the CA given as PEM;
/// its certificate is the chain a server presents, the leaf then the CA.
pub fn make_server_certificate(
    ca_certificate_pem: &str,
    ca_key_pem: &str,
    hosts: &[String],
) -> Result<IssuedCertificate> {
    let ca_key = KeyPair::from_pem(ca_key_pem).map_err(|error| tls_error("CA key", error))?;
    let issuer = Issuer::from_ca_cert_pem(ca_certificate_pem, &ca_key)
        .map_err(|error| tls_error("CA certificate", error))?;
    let ca_der = CertificateDer::from_pem_slice(ca_certificate_pem.as_bytes())
        .map_err(|error| tls_error("CA certificate", error))?;
    let key = KeyPair::generate().map_err(|error| tls_error("server key", error))?;
    let mut params =
        CertificateParams::new(hosts.to_vec()).map_err(|error| tls_error("host", error))?;
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(
        DnType::CommonName,
        hosts.first().cloned().unwrap_or_default(),
    );
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365 * SERVER_YEARS);
    let certificate = params
        .signed_by(&key, &issuer)
        .map_err(|error| tls_error("server certificate", error))?;
    Ok(IssuedCertificate {
        certificate_pem: format!("{}{}", certificate.pem(), ca_certificate_pem),
        key_pem: key.serialize_pem(),
        ca_fingerprint: Fingerprint::of(&ca_der),
    })
}

/// The fingerprint of the last certificate of the chain in `chain_pem`: the CA phones pin.
pub fn chain_ca_fingerprint(chain_pem: &str) -> Result<Fingerprint> {
    let chain = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|error| tls_error("certificate chain", error))?;
    chain
        .last()
        .map(|ca| Fingerprint::of(ca))
        .ok_or_else(|| Error::Tls("certificate chain: no certificate in it".into()))
}

/// The server's TLS configuration from its chain and key, as PEM files.
pub fn load_server_config(chain: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|error| tls_error(&path.display().to_string(), error))
    };
    let chain_pem = read(chain)?;
    let certificates = CertificateDer::pem_slice_iter(&chain_pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|error| tls_error(&chain.display().to_string(), error))?;
    if certificates.is_empty() {
        return Err(Error::Tls(format!(
            "{}: no certificate in it",
            chain.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|error| tls_error(&key.display().to_string(), error))?;
    let mut config = rustls::ServerConfig::builder_with_provider(super::provider())
        .with_safe_default_protocol_versions()
        .map_err(|error| tls_error("TLS versions", error))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|error| tls_error("certificate and key", error))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_certificate_chains_to_the_ca_whose_fingerprint_is_printed() {
        let ca = make_ca("BSP").expect("a CA");
        let server = make_server_certificate(
            &ca.certificate_pem,
            &ca.key_pem,
            &["localhost".into(), "127.0.0.1".into()],
        )
        .expect("a server certificate");
        assert_eq!(server.ca_fingerprint, ca.ca_fingerprint);
        assert_eq!(
            chain_ca_fingerprint(&server.certificate_pem).expect("a chain"),
            ca.ca_fingerprint
        );
        let printed = ca.ca_fingerprint.to_string();
        assert!(
            printed.starts_with("sha256:") && printed.len() == 71,
            "{printed}"
        );
        assert_eq!(Fingerprint::parse(&printed), Some(ca.ca_fingerprint));
        assert_eq!(
            Fingerprint::parse(&printed.to_uppercase().replace("SHA256:", "")),
            Some(ca.ca_fingerprint)
        );
        assert_eq!(Fingerprint::parse("sha256:12"), None);
    }
}
