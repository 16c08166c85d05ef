//! HTTPS served by the server itself, when it is given a certificate
//! (`--tls-cert`, `--tls-key`). Without one it speaks plain HTTP, for a TLS
//! proxy in front (docs/security.md).

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// A client that has not finished its handshake by then is dropped, so a
/// slow or silent client cannot hold a connection slot.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Handshakes in progress at once; further connections wait in the kernel's
/// backlog.
const MAX_HANDSHAKES: usize = 512;

/// The certificate or key cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate chain {path}: {reason}")]
    Certificate { path: PathBuf, reason: String },
    #[error("cannot read the private key {path}: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("the certificate and key do not make a TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// Reads a PEM certificate chain (leaf first) and its PEM private key.
pub fn load_config(cert_path: &Path, key_path: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let cert_error = |reason: String| TlsError::Certificate {
        path: cert_path.to_owned(),
        reason,
    };
    let chain = CertificateDer::pem_file_iter(cert_path)
        .map_err(|err| cert_error(err.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| cert_error(err.to_string()))?;
    if chain.is_empty() {
        return Err(cert_error("no CERTIFICATE block in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|err| TlsError::Key {
        path: key_path.to_owned(),
        reason: err.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts TCP connections and hands on those that completed a TLS
/// handshake. Handshakes run in their own tasks, so one slow client does
/// not hold up the others.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local_addr: SocketAddr,
}

impl TlsListener {
    pub fn new(tcp: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<Self> {
        let local_addr = tcp.local_addr()?;
        let (handshaken, ready) = mpsc::channel(64);
        let acceptor = TlsAcceptor::from(config);
        let slots = Arc::new(Semaphore::new(MAX_HANDSHAKES));
        tokio::spawn(async move {
            loop {
                let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
                    return;
                };
                let accepted = tokio::select! {
                    accepted = tcp.accept() => accepted,
                    () = handshaken.closed() => return,
                };
                let (stream, peer) = match accepted {
                    Ok(connection) => connection,
                    Err(err) => {
                        // Out of file descriptors and the like: back off.
                        tracing::warn!(error = %err, "accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let acceptor = acceptor.clone();
                let handshaken = handshaken.clone();
                tokio::spawn(async move {
                    let _slot = slot;
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => {
                            // The server has stopped when this fails.
                            let _ = handshaken.send((tls, peer)).await;
                        }
                        Ok(Err(err)) => {
                            tracing::debug!(%peer, error = %err, "TLS handshake failed");
                        }
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self { ready, local_addr })
    }
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accepting task only ends once this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}

/// The address a connection came from, over plain HTTP or HTTPS (handlers
/// read it with `ConnectInfo<Peer>`).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TcpListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

impl Connected<IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, TlsListener>) -> Self {
        Self(*stream.remote_addr())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn loads_a_certificate_and_its_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
        let cert_path = write(dir.path(), "cert.pem", &cert.cert.pem());
        let key_path = write(dir.path(), "key.pem", &cert.key_pair.serialize_pem());
        assert!(load_config(&cert_path, &key_path).is_ok());
    }

    #[test]
    fn refuses_a_missing_file_an_empty_chain_and_a_key_of_another_certificate() {
        let dir = tempfile::tempdir().expect("tempdir");
        let one = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
        let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
        let cert_path = write(dir.path(), "cert.pem", &one.cert.pem());
        let key_path = write(dir.path(), "key.pem", &one.key_pair.serialize_pem());
        let other_key = write(dir.path(), "other.pem", &other.key_pair.serialize_pem());
        let empty = write(dir.path(), "empty.pem", "");

        assert!(matches!(
            load_config(&dir.path().join("missing.pem"), &key_path),
            Err(TlsError::Certificate { .. })
        ));
        assert!(matches!(
            load_config(&empty, &key_path),
            Err(TlsError::Certificate { .. })
        ));
        assert!(matches!(
            load_config(&cert_path, &empty),
            Err(TlsError::Key { .. })
        ));
        assert!(matches!(
            load_config(&cert_path, &other_key),
            Err(TlsError::Config(_))
        ));
    }
}
