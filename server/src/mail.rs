//! E-mail to external reporters (docs/deviations.md): queued in the
//! database's `mail_outbox` in the transaction that gives the feedback, and
//! sent from there by a small SMTP client when an SMTP server is configured
//! (`--smtp-server`). Without one a message stays queued and the deviation
//! shows it as queued.
//!
//! The client speaks SMTP (RFC 5321) with STARTTLS (RFC 3207) or implicit
//! TLS, and signs in with AUTH PLAIN or LOGIN when given an account: EHLO,
//! STARTTLS, EHLO, AUTH, MAIL, RCPT, DATA, QUIT. It never falls back to
//! plain text when TLS was asked for, and never sends a password without
//! TLS. The body goes base64-encoded, so it needs no 8BITMIME.

use crate::db::Database;
use base64::Engine;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// How long one reply may take.
const REPLY_TIMEOUT: Duration = Duration::from_secs(15);
/// How often the queue is tried when an SMTP server is configured.
pub const RETRY_EVERY: Duration = Duration::from_secs(60);
/// Messages tried per round.
const BATCH: u32 = 50;
/// Debian's and Ubuntu's bundle of the public certificate authorities.
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which the relay must offer.
    Starttls,
    /// TLS from the first byte.
    Tls,
    /// No TLS: only for a relay on the municipality's own network.
    None,
}

/// Where, how and as whom to send.
#[derive(Clone)]
pub struct SmtpConfig {
    /// `host:port` of the relay; the host is checked against its certificate.
    pub server: String,
    /// The sender's address.
    pub from: String,
    pub security: SmtpSecurity,
    /// The certificates the relay's must chain to (unused without TLS).
    pub tls: Arc<ClientConfig>,
    pub account: Option<Account>,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("server", &self.server)
            .field("from", &self.from)
            .field("security", &self.security)
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// The relay account.
#[derive(Clone)]
pub struct Account {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The mail settings cannot be used; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("cannot read the SMTP certificate authorities {path}: {reason}")]
    Certificates { path: PathBuf, reason: String },
    #[error("cannot read the SMTP password file {path}: {source}")]
    Password {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("an SMTP password is never sent without TLS: use --smtp-security starttls or tls")]
    PasswordWithoutTls,
    #[error("the SMTP server {0:?} is not host:port")]
    Server(String),
}

impl SmtpConfig {
    /// The settings, checked and read: the certificate file, the password
    /// file and the host name.
    pub fn new(
        server: String,
        from: String,
        security: SmtpSecurity,
        ca_file: &Path,
        account: Option<(String, &Path)>,
    ) -> Result<Self, MailConfigError> {
        server_name(&server).ok_or_else(|| MailConfigError::Server(server.clone()))?;
        let account = match account {
            None => None,
            Some(_) if security == SmtpSecurity::None => {
                return Err(MailConfigError::PasswordWithoutTls)
            }
            Some((user, path)) => {
                let password =
                    std::fs::read_to_string(path).map_err(|source| MailConfigError::Password {
                        path: path.to_owned(),
                        source,
                    })?;
                Some(Account {
                    user,
                    password: password.trim_end_matches(['\r', '\n']).to_owned(),
                })
            }
        };
        let mut roots = RootCertStore::empty();
        if security != SmtpSecurity::None {
            let fail = |reason: String| MailConfigError::Certificates {
                path: ca_file.to_owned(),
                reason,
            };
            for cert in CertificateDer::pem_file_iter(ca_file).map_err(|e| fail(e.to_string()))? {
                roots
                    .add(cert.map_err(|e| fail(e.to_string()))?)
                    .map_err(|e| fail(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(fail("no CERTIFICATE block in the file".into()));
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| MailConfigError::Certificates {
                path: ca_file.to_owned(),
                reason: e.to_string(),
            })?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            server,
            from,
            security,
            tls: Arc::new(tls),
            account,
        })
    }
}

/// The host of `host:port` (`[v6]:port` too), as TLS checks it.
fn server_name(server: &str) -> Option<ServerName<'static>> {
    let (host, port) = server.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(host.to_owned()).ok()
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("smtp connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("smtp server did not answer in time")]
    Timeout,
    #[error("smtp server answered {code} to {step}")]
    Refused { step: &'static str, code: u16 },
    #[error("smtp server sent a reply that is not smtp")]
    Garbled,
    #[error("an address has characters smtp cannot carry")]
    BadAddress,
    #[error("smtp server does not offer STARTTLS; nothing was sent")]
    NoStartTls,
    #[error("smtp server offers neither AUTH PLAIN nor AUTH LOGIN")]
    NoAuthMethod,
    #[error("smtp server sent more after its STARTTLS answer (an injection attempt)")]
    Injected,
    #[error("smtp tls handshake failed: {0}")]
    Tls(std::io::Error),
}

/// One message to send.
#[derive(Clone, Debug)]
pub struct Message<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    /// For the `Message-ID` header.
    pub id: uuid::Uuid,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

struct Conversation {
    /// Writes pass through the reader's buffer untouched.
    stream: BufReader<Box<dyn Io>>,
}

/// A reply: its code and the text of each line.
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Conversation {
    fn new(stream: Box<dyn Io>) -> Self {
        Self {
            stream: BufReader::new(stream),
        }
    }

    /// Reads one (possibly multi-line) reply.
    async fn reply(&mut self) -> Result<Reply, MailError> {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(REPLY_TIMEOUT, self.stream.read_line(&mut line))
                .await
                .map_err(|_| MailError::Timeout)??;
            if n == 0 || line.len() < 4 || lines.len() > 100 {
                return Err(MailError::Garbled);
            }
            let code: u16 = line[..3].parse().map_err(|_| MailError::Garbled)?;
            let more = match line.as_bytes()[3] {
                b'-' => true,
                b' ' | b'\r' | b'\n' => false,
                _ => return Err(MailError::Garbled),
            };
            lines.push(line[4..].trim_end().to_owned());
            if !more {
                return Ok(Reply { code, lines });
            }
        }
    }

    async fn send_line(&mut self, line: &str) -> Result<(), MailError> {
        self.stream.write_all(line.as_bytes()).await?;
        self.stream.write_all(b"\r\n").await?;
        self.stream.flush().await?;
        Ok(())
    }

    async fn command(
        &mut self,
        step: &'static str,
        line: &str,
        expect: &[u16],
    ) -> Result<Reply, MailError> {
        self.send_line(line).await?;
        self.expect(step, expect).await
    }

    async fn expect(&mut self, step: &'static str, expect: &[u16]) -> Result<Reply, MailError> {
        let reply = self.reply().await?;
        if expect.contains(&reply.code) {
            Ok(reply)
        } else {
            Err(MailError::Refused {
                step,
                code: reply.code,
            })
        }
    }

    /// EHLO; the extensions the server offers, upper-cased.
    async fn hello(&mut self, name: &str) -> Result<Vec<String>, MailError> {
        let reply = self
            .command("EHLO", &format!("EHLO {name}"), &[250])
            .await?;
        Ok(reply
            .lines
            .iter()
            .skip(1)
            .map(|l| l.to_ascii_uppercase())
            .collect())
    }

    /// Wraps the connection in TLS, checking the relay's certificate.
    async fn start_tls(self, smtp: &SmtpConfig) -> Result<Self, MailError> {
        // Anything already buffered came before the handshake and could be
        // an attacker's injected replies (CVE-2011-0411): refuse.
        if !self.stream.buffer().is_empty() {
            return Err(MailError::Injected);
        }
        let name = server_name(&smtp.server).ok_or(MailError::BadAddress)?;
        let tls = tokio::time::timeout(
            REPLY_TIMEOUT,
            TlsConnector::from(smtp.tls.clone()).connect(name, self.stream.into_inner()),
        )
        .await
        .map_err(|_| MailError::Timeout)?
        .map_err(MailError::Tls)?;
        Ok(Self::new(Box::new(tls)))
    }

    async fn sign_in(&mut self, account: &Account, extensions: &[String]) -> Result<(), MailError> {
        let methods: Vec<&str> = extensions
            .iter()
            .filter_map(|e| e.strip_prefix("AUTH").filter(|m| m.starts_with([' ', '='])))
            .flat_map(|m| m[1..].split_whitespace())
            .collect();
        let b64 = base64::engine::general_purpose::STANDARD;
        if methods.contains(&"PLAIN") {
            let token = b64.encode(format!("\0{}\0{}", account.user, account.password));
            self.command("AUTH", &format!("AUTH PLAIN {token}"), &[235])
                .await?;
        } else if methods.contains(&"LOGIN") {
            self.command("AUTH", "AUTH LOGIN", &[334]).await?;
            self.command("AUTH", &b64.encode(&account.user), &[334])
                .await?;
            self.command("AUTH", &b64.encode(&account.password), &[235])
                .await?;
        } else {
            return Err(MailError::NoAuthMethod);
        }
        Ok(())
    }
}

fn plain_address(address: &str) -> Result<&str, MailError> {
    if address.is_empty()
        || address
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || matches!(c, '<' | '>'))
    {
        Err(MailError::BadAddress)
    } else {
        Ok(address)
    }
}

/// The message as it goes after DATA: headers, a blank line, the body in
/// base64 lines of 76, CRLF throughout (no line starts with a dot).
pub fn render(from: &str, message: &Message<'_>, date: chrono::DateTime<chrono::Utc>) -> String {
    let b64 = base64::engine::general_purpose::STANDARD;
    let subject = format!("=?UTF-8?B?{}?=", b64.encode(message.subject));
    let domain = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let body = b64.encode(message.body.replace("\r\n", "\n").replace('\n', "\r\n"));
    let mut out = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n\
         Message-ID: <{id}@{domain}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        to = message.to,
        date = date.to_rfc2822(),
        id = message.id,
    );
    for chunk in body.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

/// Sends one message through `smtp`.
pub async fn send(smtp: &SmtpConfig, message: &Message<'_>) -> Result<(), MailError> {
    let from = plain_address(&smtp.from)?;
    let to = plain_address(message.to)?;
    let tcp = tokio::time::timeout(REPLY_TIMEOUT, TcpStream::connect(&smtp.server))
        .await
        .map_err(|_| MailError::Timeout)??;
    let mut c = Conversation::new(Box::new(tcp));
    if smtp.security == SmtpSecurity::Tls {
        c = c.start_tls(smtp).await?;
    }
    c.expect("greeting", &[220]).await?;
    let helo = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let mut extensions = c.hello(helo).await?;
    if smtp.security == SmtpSecurity::Starttls {
        if !extensions.iter().any(|e| e == "STARTTLS") {
            c.send_line("QUIT").await.ok();
            return Err(MailError::NoStartTls);
        }
        c.command("STARTTLS", "STARTTLS", &[220]).await?;
        c = c.start_tls(smtp).await?;
        // What the server said before TLS is forgotten (RFC 3207, 4.2).
        extensions = c.hello(helo).await?;
    }
    if let Some(account) = &smtp.account {
        c.sign_in(account, &extensions).await?;
    }
    c.command("MAIL", &format!("MAIL FROM:<{from}>"), &[250])
        .await?;
    c.command("RCPT", &format!("RCPT TO:<{to}>"), &[250, 251])
        .await?;
    c.command("DATA", "DATA", &[354]).await?;
    let data = render(from, message, chrono::Utc::now());
    c.stream.write_all(data.as_bytes()).await?;
    c.command("end of data", ".", &[250]).await?;
    // The message is accepted; a failed goodbye changes nothing.
    c.command("QUIT", "QUIT", &[221]).await.ok();
    Ok(())
}

/// Sends what waits in the outbox; returns how many went. Each failure is
/// recorded on its message and tried again next round.
pub async fn deliver_pending(
    db: &Database,
    smtp: &SmtpConfig,
) -> Result<usize, crate::db::DbError> {
    let mut sent = 0;
    for mail in db.pending_mail(BATCH).await? {
        let message = Message {
            to: &mail.to_address,
            subject: &mail.subject,
            body: &mail.body,
            id: mail.id,
        };
        match send(smtp, &message).await {
            Ok(()) => {
                db.mail_sent(mail.id, chrono::Utc::now()).await?;
                tracing::info!(mail.id = %mail.id, "e-mail sent");
                sent += 1;
            }
            Err(err) => {
                tracing::warn!(mail.id = %mail.id, error = %err, "e-mail not sent");
                db.mail_failed(mail.id, &err.to_string()).await?;
            }
        }
    }
    Ok(sent)
}

/// Wakes the sender: at once after a message is queued, and every
/// [`RETRY_EVERY`].
#[derive(Clone, Debug, Default)]
pub struct Mailer {
    pub smtp: Option<SmtpConfig>,
    wake: std::sync::Arc<tokio::sync::Notify>,
}

impl Mailer {
    pub fn new(smtp: Option<SmtpConfig>) -> Self {
        Self {
            smtp,
            wake: std::sync::Arc::default(),
        }
    }

    /// Something was queued.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs the sender until the process ends (nothing without an SMTP
    /// server: the messages stay queued).
    pub fn spawn(&self, db: Database) {
        let Some(smtp) = self.smtp.clone() else {
            return;
        };
        let wake = self.wake.clone();
        tokio::spawn(async move {
            loop {
                if let Err(err) = deliver_pending(&db, &smtp).await {
                    tracing::warn!(error = %err, "the mail queue could not be read");
                }
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(RETRY_EVERY) => {}
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rendered_message_is_crlf_with_a_base64_body() {
        let message = Message {
            to: "familjehem@example.org",
            subject: "Återkoppling på din avvikelse",
            body: "Hej!\n.\nVi har utrett det.",
            id: uuid::Uuid::nil(),
        };
        let text = render(
            "barnbesok@kommun.se",
            &message,
            chrono::DateTime::UNIX_EPOCH,
        );
        assert!(text.contains("Subject: =?UTF-8?B?"));
        assert!(text.contains("Message-ID: <00000000-0000-0000-0000-000000000000@kommun.se>"));
        assert!(!text.replace("\r\n", "").contains('\n'), "CRLF only");
        assert!(!text.split("\r\n").any(|l| l.starts_with('.')));
        let body: String = text
            .split("\r\n\r\n")
            .nth(1)
            .expect("body")
            .split("\r\n")
            .collect();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64");
        assert_eq!(
            String::from_utf8(decoded).expect("utf-8"),
            "Hej!\r\n.\r\nVi har utrett det."
        );
    }

    #[test]
    fn the_host_of_the_relay_is_what_tls_checks() {
        assert!(server_name("smtp.kommun.se:587").is_some());
        assert!(server_name("[::1]:25").is_some());
        assert!(server_name("10.0.0.5:25").is_some());
        for bad in ["smtp.kommun.se", "smtp.kommun.se:port", ":25"] {
            assert!(server_name(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn addresses_with_angle_brackets_or_spaces_are_refused() {
        assert!(plain_address("a@b.se").is_ok());
        for bad in ["", "a b@c.se", "a@b.se>\r\nRCPT TO:<x@y.se", "<a@b.se>"] {
            assert!(plain_address(bad).is_err(), "{bad}");
        }
    }
}
