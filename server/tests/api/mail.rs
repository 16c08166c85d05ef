//! The SMTP client against a relay on port 0 that speaks STARTTLS, implicit
//! TLS and AUTH with a certificate of its own (docs/deviations.md): the
//! message arrives, the password only ever travels inside TLS, and a relay
//! that drops STARTTLS, refuses the password or shows an untrusted
//! certificate gets nothing.

use base64::Engine;
use server::mail::{MailConfigError, MailError, Message, SmtpConfig, SmtpSecurity};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::task::JoinHandle;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

pub const USER: &str = "barnbesok@kommun.example";
pub const PASSWORD: &str = "rätt-lösenord";
/// Marks where TLS began in a conversation.
pub const TLS_BEGINS: &str = "<tls>";

/// How the relay behaves.
#[derive(Clone, Copy)]
pub struct Relay {
    /// Offers STARTTLS on the plain connection.
    pub starttls: bool,
    /// TLS from the first byte (port 465 style).
    pub implicit_tls: bool,
    /// The AUTH methods offered once TLS is up (none: no AUTH line).
    pub auth: &'static str,
    /// Offers AUTH on the plain connection too, as a downgrade attacker would.
    pub auth_in_clear: bool,
}

impl Default for Relay {
    fn default() -> Self {
        Self {
            starttls: true,
            implicit_tls: false,
            auth: "PLAIN LOGIN",
            auth_in_clear: false,
        }
    }
}

/// A relay listening on port 0 for one connection.
pub struct FakeRelay {
    /// `localhost:port`, the name its certificate carries.
    pub server: String,
    /// Its certificate, as the PEM file a client trusts.
    pub ca_file: PathBuf,
    /// A password file holding [`PASSWORD`].
    pub password_file: PathBuf,
    conversation: JoinHandle<Vec<String>>,
    _dir: tempfile::TempDir,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

impl FakeRelay {
    pub async fn start(relay: Relay) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let generated =
            rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("certificate");
        let ca_file = dir.path().join("relay-ca.pem");
        std::fs::write(&ca_file, generated.cert.pem()).expect("write ca");
        let password_file = dir.path().join("smtp-password");
        std::fs::write(&password_file, format!("{PASSWORD}\n")).expect("write password");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(generated.cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(generated.key_pair.serialize_der().into()),
            )
            .expect("tls config");
        let acceptor = TlsAcceptor::from(Arc::new(tls));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let server = format!("localhost:{}", listener.local_addr().expect("addr").port());
        let conversation = tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.expect("accept");
            let mut seen = Vec::new();
            let stream: Box<dyn Io> = if relay.implicit_tls {
                seen.push(TLS_BEGINS.to_owned());
                match acceptor.accept(tcp).await {
                    Ok(tls) => Box::new(tls),
                    Err(_) => return seen,
                }
            } else {
                Box::new(tcp)
            };
            converse(stream, relay, &acceptor, relay.implicit_tls, seen).await
        });
        Self {
            server,
            ca_file,
            password_file,
            conversation,
            _dir: dir,
        }
    }

    /// A client configuration for this relay.
    pub fn client(&self, security: SmtpSecurity, with_account: bool) -> SmtpConfig {
        SmtpConfig::new(
            self.server.clone(),
            "barnbesok@kommun.example".into(),
            security,
            &self.ca_file,
            with_account.then(|| (USER.to_owned(), self.password_file.as_path())),
        )
        .expect("smtp config")
    }

    /// What the client said, once it has hung up.
    pub async fn conversation(self) -> Vec<String> {
        self.conversation.await.expect("relay")
    }
}

async fn converse(
    stream: Box<dyn Io>,
    relay: Relay,
    acceptor: &TlsAcceptor,
    mut tls: bool,
    mut seen: Vec<String>,
) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut stream = BufReader::new(stream);
    if stream.write_all(b"220 relay.test ESMTP\r\n").await.is_err() {
        return seen;
    }
    let mut in_data = false;
    let mut login: Option<Vec<String>> = None;
    loop {
        let mut line = String::new();
        match stream.read_line(&mut line).await {
            Ok(0) | Err(_) => return seen,
            Ok(_) => {}
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        seen.push(line.clone());
        let reply: String = if in_data {
            if line != "." {
                continue;
            }
            in_data = false;
            "250 queued".into()
        } else if let Some(parts) = login.as_mut() {
            parts
                .push(String::from_utf8(b64.decode(&line).unwrap_or_default()).unwrap_or_default());
            if parts.len() == 1 {
                "334 UGFzc3dvcmQ6".into()
            } else {
                let ok = parts[0] == USER && parts[1] == PASSWORD;
                login = None;
                if ok { "235 ok" } else { "535 wrong" }.into()
            }
        } else if line.starts_with("EHLO") {
            let mut lines = vec!["250-relay.test".to_owned()];
            if relay.starttls && !tls {
                lines.push("250-STARTTLS".into());
            }
            if !relay.auth.is_empty() && (tls || relay.auth_in_clear) {
                lines.push(format!("250-AUTH {}", relay.auth));
            }
            lines.push("250 8BITMIME".into());
            lines.join("\r\n")
        } else if line == "STARTTLS" && relay.starttls && !tls {
            if stream.write_all(b"220 go ahead\r\n").await.is_err() {
                return seen;
            }
            let Ok(upgraded) = acceptor.accept(stream.into_inner()).await else {
                return seen;
            };
            seen.push(TLS_BEGINS.to_owned());
            tls = true;
            stream = BufReader::new(Box::new(upgraded));
            continue;
        } else if let Some(token) = line.strip_prefix("AUTH PLAIN ") {
            let decoded = b64.decode(token).unwrap_or_default();
            let expected = format!("\0{USER}\0{PASSWORD}");
            if decoded == expected.as_bytes() {
                "235 ok"
            } else {
                "535 wrong"
            }
            .into()
        } else if line == "AUTH LOGIN" {
            login = Some(Vec::new());
            "334 VXNlcm5hbWU6".into()
        } else if line.starts_with("MAIL FROM:") || line.starts_with("RCPT TO:") {
            "250 ok".into()
        } else if line == "DATA" {
            in_data = true;
            "354 go ahead".into()
        } else if line == "QUIT" {
            stream.write_all(b"221 bye\r\n").await.ok();
            return seen;
        } else {
            "500 what".into()
        };
        if stream
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_err()
        {
            return seen;
        }
        stream.flush().await.ok();
    }
}

/// The body of the message the relay received, decoded.
pub fn body_of(conversation: &[String]) -> String {
    let start = conversation.iter().position(|l| l == "DATA").expect("DATA");
    let body: String = conversation[start..]
        .iter()
        .skip_while(|l| !l.is_empty())
        .skip(1)
        .take_while(|l| l.as_str() != ".")
        .map(String::as_str)
        .collect();
    String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64"),
    )
    .expect("utf-8")
}

fn message() -> Message<'static> {
    Message {
        to: "familjen.berg@example.org",
        subject: "Återkoppling",
        body: "Vi har ändrat hur vi kallar till möten.",
        id: uuid::Uuid::new_v4(),
    }
}

fn index_of(conversation: &[String], prefix: &str) -> usize {
    conversation
        .iter()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {conversation:?}"))
}

#[tokio::test]
async fn starttls_then_auth_plain_then_the_message() {
    let relay = FakeRelay::start(Relay::default()).await;
    let smtp = relay.client(SmtpSecurity::Starttls, true);
    server::mail::send(&smtp, &message()).await.expect("sent");
    let seen = relay.conversation().await;
    let tls = index_of(&seen, TLS_BEGINS);
    assert!(index_of(&seen, "STARTTLS") < tls);
    assert!(
        index_of(&seen, "AUTH PLAIN") > tls,
        "the password only inside TLS"
    );
    assert!(
        index_of(&seen, "EHLO") < tls && seen[tls + 1].starts_with("EHLO"),
        "EHLO again after TLS"
    );
    assert!(index_of(&seen, "MAIL FROM:<barnbesok@kommun.example>") > tls);
    assert_eq!(body_of(&seen), "Vi har ändrat hur vi kallar till möten.");
    assert_eq!(seen.last().map(String::as_str), Some("QUIT"));
}

#[tokio::test]
async fn auth_login_when_the_relay_offers_only_that() {
    let relay = FakeRelay::start(Relay {
        auth: "LOGIN",
        ..Relay::default()
    })
    .await;
    let smtp = relay.client(SmtpSecurity::Starttls, true);
    server::mail::send(&smtp, &message()).await.expect("sent");
    let seen = relay.conversation().await;
    assert!(index_of(&seen, "AUTH LOGIN") > index_of(&seen, TLS_BEGINS));
    assert!(seen
        .iter()
        .any(|l| l.starts_with("RCPT TO:<familjen.berg@example.org>")));
}

#[tokio::test]
async fn implicit_tls_from_the_first_byte() {
    let relay = FakeRelay::start(Relay {
        starttls: false,
        implicit_tls: true,
        ..Relay::default()
    })
    .await;
    let smtp = relay.client(SmtpSecurity::Tls, true);
    server::mail::send(&smtp, &message()).await.expect("sent");
    let seen = relay.conversation().await;
    assert_eq!(seen[0], TLS_BEGINS);
    assert!(!seen.iter().any(|l| l == "STARTTLS"));
    assert_eq!(body_of(&seen), "Vi har ändrat hur vi kallar till möten.");
}

#[tokio::test]
async fn a_relay_without_starttls_gets_neither_the_password_nor_the_message() {
    // A downgrade attacker strips STARTTLS and offers AUTH in the clear.
    let relay = FakeRelay::start(Relay {
        starttls: false,
        auth_in_clear: true,
        ..Relay::default()
    })
    .await;
    let smtp = relay.client(SmtpSecurity::Starttls, true);
    let err = server::mail::send(&smtp, &message())
        .await
        .expect_err("refused");
    assert!(matches!(err, MailError::NoStartTls), "{err}");
    let seen = relay.conversation().await;
    assert!(
        !seen
            .iter()
            .any(|l| l.starts_with("AUTH") || l.starts_with("MAIL")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_sends_nothing() {
    let relay = FakeRelay::start(Relay::default()).await;
    std::fs::write(&relay.password_file, "fel").expect("write");
    let smtp = relay.client(SmtpSecurity::Starttls, true);
    let err = server::mail::send(&smtp, &message())
        .await
        .expect_err("refused");
    assert!(
        matches!(
            err,
            MailError::Refused {
                step: "AUTH",
                code: 535
            }
        ),
        "{err}"
    );
    let seen = relay.conversation().await;
    assert!(!seen.iter().any(|l| l.starts_with("MAIL")), "{seen:?}");
}

#[tokio::test]
async fn a_certificate_the_client_does_not_trust_ends_the_conversation() {
    let relay = FakeRelay::start(Relay::default()).await;
    let other = tempfile::tempdir().expect("tempdir");
    let stranger = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
    let ca = other.path().join("other-ca.pem");
    std::fs::write(&ca, stranger.cert.pem()).expect("write");
    let smtp = SmtpConfig::new(
        relay.server.clone(),
        "barnbesok@kommun.example".into(),
        SmtpSecurity::Starttls,
        &ca,
        Some((USER.to_owned(), relay.password_file.as_path())),
    )
    .expect("config");
    let err = server::mail::send(&smtp, &message())
        .await
        .expect_err("refused");
    assert!(matches!(err, MailError::Tls(_)), "{err}");
    let seen = relay.conversation().await;
    assert!(!seen.iter().any(|l| l.starts_with("AUTH")), "{seen:?}");
}

#[test]
fn settings_that_would_leak_the_password_or_cannot_work_stop_the_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let password_file = dir.path().join("password");
    let password: &Path = &password_file;
    std::fs::write(password, PASSWORD).expect("write");
    let config = |security, ca: &Path, account| {
        SmtpConfig::new(
            "relay.kommun.example:25".into(),
            USER.into(),
            security,
            ca,
            account,
        )
    };
    assert!(matches!(
        config(
            SmtpSecurity::None,
            Path::new("/none"),
            Some((USER.into(), password))
        ),
        Err(MailConfigError::PasswordWithoutTls)
    ));
    assert!(matches!(
        config(SmtpSecurity::Starttls, password, None),
        Err(MailConfigError::Certificates { .. })
    ));
    let missing = dir.path().join("missing");
    assert!(matches!(
        config(
            SmtpSecurity::Starttls,
            Path::new("/none"),
            Some((USER.into(), missing.as_path()))
        ),
        Err(MailConfigError::Password { .. })
    ));
    // A plain relay on the municipality's own network, without an account.
    assert!(config(SmtpSecurity::None, Path::new("/none"), None).is_ok());
}
