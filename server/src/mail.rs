//! E-mail to external reporters (docs/deviations.md): queued in the
//! database's `mail_outbox` in the transaction that gives the feedback, and
//! sent from there by a minimal SMTP client when an SMTP server is
//! configured (`--smtp-server`). Without one a message stays queued and the
//! deviation shows it as queued.
//!
//! The client speaks plain SMTP (RFC 5321) to a relay on the municipality's
//! own network, without authentication or TLS: EHLO, MAIL, RCPT, DATA,
//! QUIT. The body goes base64-encoded, so it needs no 8BITMIME.

use crate::db::Database;
use base64::Engine;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long one reply may take.
const REPLY_TIMEOUT: Duration = Duration::from_secs(15);
/// How often the queue is tried when an SMTP server is configured.
pub const RETRY_EVERY: Duration = Duration::from_secs(60);
/// Messages tried per round.
const BATCH: u32 = 50;

/// Where and as whom to send.
#[derive(Clone, Debug)]
pub struct SmtpConfig {
    /// `host:port` of the relay.
    pub server: String,
    /// The sender's address.
    pub from: String,
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

struct Conversation {
    reader: BufReader<tokio::net::tcp::OwnedReadHalf>,
    writer: tokio::net::tcp::OwnedWriteHalf,
}

impl Conversation {
    /// Reads one (possibly multi-line) reply; its code.
    async fn reply(&mut self) -> Result<u16, MailError> {
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(REPLY_TIMEOUT, self.reader.read_line(&mut line))
                .await
                .map_err(|_| MailError::Timeout)??;
            if n == 0 || line.len() < 4 {
                return Err(MailError::Garbled);
            }
            let code: u16 = line[..3].parse().map_err(|_| MailError::Garbled)?;
            match line.as_bytes()[3] {
                b'-' => continue,
                b' ' | b'\r' | b'\n' => return Ok(code),
                _ => return Err(MailError::Garbled),
            }
        }
    }

    async fn command(
        &mut self,
        step: &'static str,
        line: &str,
        expect: &[u16],
    ) -> Result<(), MailError> {
        self.writer.write_all(line.as_bytes()).await?;
        self.writer.write_all(b"\r\n").await?;
        self.expect(step, expect).await
    }

    async fn expect(&mut self, step: &'static str, expect: &[u16]) -> Result<(), MailError> {
        let code = self.reply().await?;
        if expect.contains(&code) {
            Ok(())
        } else {
            Err(MailError::Refused { step, code })
        }
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
    let stream = tokio::time::timeout(REPLY_TIMEOUT, TcpStream::connect(&smtp.server))
        .await
        .map_err(|_| MailError::Timeout)??;
    let (read, writer) = stream.into_split();
    let mut c = Conversation {
        reader: BufReader::new(read),
        writer,
    };
    c.expect("greeting", &[220]).await?;
    let helo = from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    c.command("EHLO", &format!("EHLO {helo}"), &[250]).await?;
    c.command("MAIL", &format!("MAIL FROM:<{from}>"), &[250])
        .await?;
    c.command("RCPT", &format!("RCPT TO:<{to}>"), &[250, 251])
        .await?;
    c.command("DATA", "DATA", &[354]).await?;
    let data = render(from, message, chrono::Utc::now());
    c.writer.write_all(data.as_bytes()).await?;
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
    fn addresses_with_angle_brackets_or_spaces_are_refused() {
        assert!(plain_address("a@b.se").is_ok());
        for bad in ["", "a b@c.se", "a@b.se>\r\nRCPT TO:<x@y.se", "<a@b.se>"] {
            assert!(plain_address(bad).is_err(), "{bad}");
        }
    }
}
