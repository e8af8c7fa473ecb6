//! TLS for the server: the listener that serves HTTPS, and the district's own certificate
//! authority. A district runs its server on its own network, often by an IP address, so no
//! public CA issues its certificate: `mitan admin make-ca` makes a CA, `make-cert` a server
//! certificate under it, and a phone pins the CA's fingerprint when it registers, printed
//! beside the registration code.

mod certificates;
mod listener;

pub use certificates::{
    Fingerprint, IssuedCertificate, chain_ca_fingerprint, load_server_config, make_ca,
    make_server_certificate,
};
pub use listener::TlsListener;
/// The server's TLS configuration, as `load_server_config` makes it.
pub use rustls::ServerConfig as RustlsServerConfig;

/// The crypto every TLS connection of Mitan uses: ring, which builds with a C compiler alone.
/// rustls now prefers aws-lc-rs for its post-quantum key exchange, which needs CMake and NASM
/// on every build machine and the Android toolchain; a district's own CA on its own network
/// does not yet need it.
#[allow(deprecated)]
pub fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
