//! Command-line and environment configuration.

use clap::{Parser, ValueEnum};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use crate::db::DatabaseTarget;

/// How the server is configured. Every option can also come from the
/// environment, which is how containers and systemd units set it.
#[derive(Clone, Debug, Parser)]
#[command(name = "barnbesok-server", version, about)]
pub struct Config {
    /// Address and port to listen on (port 0 picks a free port).
    #[arg(long, env = "BARNBESOK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory for the SQLite database and other local data; created if missing.
    #[arg(long, env = "BARNBESOK_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// `sqlite://…` or `postgres://…`. Defaults to `sqlite://<data-dir>/barnbesok.db`.
    #[arg(long, env = "BARNBESOK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory with the built app (Trunk's `dist`).
    #[arg(long, env = "BARNBESOK_STATIC_DIR", default_value = "dist")]
    pub static_dir: PathBuf,

    /// Seed fictional demo data when the database holds no children.
    #[arg(long, env = "BARNBESOK_DEMO_DATA")]
    pub demo_data: bool,

    /// Browsers reach this server over HTTPS (a TLS proxy in front, see
    /// docs/security.md): send Strict-Transport-Security. Implied by
    /// `--tls-cert`.
    #[arg(long, env = "BARNBESOK_HTTPS")]
    pub https: bool,

    /// Serve HTTPS with this PEM certificate chain (leaf first) instead of
    /// plain HTTP. Needs `--tls-key`.
    #[arg(long, env = "BARNBESOK_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of `--tls-cert`.
    #[arg(long, env = "BARNBESOK_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Addresses of the reverse proxies in front of the server, comma
    /// separated. Only for connections from these is `X-Forwarded-For`
    /// believed (sign-in limits count per client address).
    #[arg(long, env = "BARNBESOK_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxy: Vec<std::net::IpAddr>,

    /// Seconds without use before the app on a tablet locks and asks for
    /// the PIN (default 5 minutes).
    #[arg(long, env = "BARNBESOK_LOCK_AFTER_SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u32).range(10..=3600))]
    pub lock_after_seconds: u32,

    /// How long a tablet may go without reaching the server and still unlock,
    /// in days (default 14). Past it, it unlocks only once it has checked its
    /// session with the server.
    #[arg(long, env = "BARNBESOK_MAX_OFFLINE_DAYS", default_value_t = 14,
          value_parser = clap::value_parser!(u32).range(1..=90))]
    pub max_offline_days: u32,

    /// Tablets must unlock with their platform authenticator (WebAuthn PRF:
    /// fingerprint, face or the device's own PIN backed by its secure
    /// hardware); no PIN-only unlocking is set up.
    #[arg(long, env = "BARNBESOK_REQUIRE_AUTHENTICATOR")]
    pub require_authenticator: bool,

    /// How many sign-in password checks run at once (Argon2id, 19 MiB
    /// each); more wait up to 3 s, then are answered 503 with `Retry-After`.
    #[arg(long, env = "BARNBESOK_MAX_PASSWORD_CHECKS", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_password_checks: u16,

    /// How long a sign-in waits for a password check's turn, in ms.
    #[arg(skip = 3000u64)]
    pub password_check_wait_ms: u64,

    /// How long audit log entries are kept, in days (default 5 years; at
    /// least 365). Counted from when the server received an entry.
    #[arg(long, env = "BARNBESOK_AUDIT_RETENTION_DAYS", default_value_t = 1826,
          value_parser = clap::value_parser!(u32).range(i64::from(MIN_AUDIT_RETENTION_DAYS)..))]
    pub audit_retention_days: u32,

    /// Children's messages from the public page not yet taken up beyond
    /// which new ones are refused (`503 server_busy`; docs/complaints.md).
    #[arg(long, env = "BARNBESOK_MAX_UNHANDLED_PUBLIC_MESSAGES",
          default_value_t = crate::complaints::DEFAULT_MAX_UNHANDLED,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_unhandled_public_messages: u32,

    /// Children's messages from the public page per day beyond which new
    /// ones are refused (`503 server_busy`).
    #[arg(long, env = "BARNBESOK_PUBLIC_MESSAGES_PER_DAY",
          default_value_t = crate::complaints::DEFAULT_MAX_PER_DAY,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub public_messages_per_day: u32,

    /// The SMTP relay (`host:port`) that sends feedback on deviations to
    /// external reporters. Unset: the e-mail stays queued in the database
    /// and the deviation shows it as queued.
    #[arg(long, env = "BARNBESOK_SMTP_SERVER")]
    pub smtp_server: Option<String>,

    /// How the connection to the relay is protected: `starttls` (port 587,
    /// the default; a relay that does not offer it gets nothing), `tls`
    /// (port 465) or `none` (a relay on the municipality's own network,
    /// never with a password).
    #[arg(long, env = "BARNBESOK_SMTP_SECURITY", value_enum, default_value_t = crate::mail::SmtpSecurity::Starttls)]
    pub smtp_security: crate::mail::SmtpSecurity,

    /// The PEM certificates the relay's certificate must chain to. The
    /// system's bundle unless given.
    #[arg(long, env = "BARNBESOK_SMTP_CA", default_value = crate::mail::SYSTEM_CA_BUNDLE)]
    pub smtp_ca: PathBuf,

    /// The account to sign in to the relay with (AUTH PLAIN or LOGIN, only
    /// over TLS). Needs `--smtp-password-file`.
    #[arg(long, env = "BARNBESOK_SMTP_USER", requires = "smtp_password_file")]
    pub smtp_user: Option<String>,

    /// A file holding that account's password (not on the command line,
    /// where every process could read it).
    #[arg(long, env = "BARNBESOK_SMTP_PASSWORD_FILE", requires = "smtp_user")]
    pub smtp_password_file: Option<PathBuf>,

    /// The sender address of that e-mail.
    #[arg(
        long,
        env = "BARNBESOK_MAIL_FROM",
        default_value = "barnbesok@localhost"
    )]
    pub mail_from: String,

    /// Log line format.
    #[arg(long, env = "BARNBESOK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Without a command the server runs.
    #[command(subcommand)]
    pub command: Option<crate::admin::Command>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// The shortest audit retention the server accepts: a year of reads must
/// stay reviewable whatever is configured.
pub const MIN_AUDIT_RETENTION_DAYS: u32 = 365;

/// The database URL has a scheme this server does not speak.
#[derive(Debug, thiserror::Error)]
#[error("unsupported database URL scheme {scheme:?}: use sqlite://… or postgres://…")]
pub struct UnsupportedDatabaseUrl {
    pub scheme: String,
}

impl Config {
    /// A configuration with the defaults, for tests and embedding.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: data_dir.into(),
            database_url: None,
            static_dir: PathBuf::from("dist"),
            demo_data: false,
            https: false,
            tls_cert: None,
            tls_key: None,
            trusted_proxy: Vec::new(),
            audit_retention_days: 1826,
            lock_after_seconds: 300,
            max_offline_days: 14,
            max_password_checks: 4,
            password_check_wait_ms: 3000,
            require_authenticator: false,
            max_unhandled_public_messages: crate::complaints::DEFAULT_MAX_UNHANDLED,
            public_messages_per_day: crate::complaints::DEFAULT_MAX_PER_DAY,
            smtp_server: None,
            smtp_security: crate::mail::SmtpSecurity::Starttls,
            smtp_ca: PathBuf::from(crate::mail::SYSTEM_CA_BUNDLE),
            smtp_user: None,
            smtp_password_file: None,
            mail_from: "barnbesok@localhost".into(),
            log_format: LogFormat::Text,
            command: None,
        }
    }

    /// What every device is told at sign-in and at each session check.
    pub fn device_policy(&self) -> shared::auth::DevicePolicy {
        shared::auth::DevicePolicy {
            lock_after_secs: self.lock_after_seconds,
            max_offline_secs: u64::from(self.max_offline_days) * 24 * 3600,
            require_authenticator: self.require_authenticator,
        }
    }

    /// Browsers reach the server over HTTPS, served here or by a proxy.
    pub fn serves_https(&self) -> bool {
        self.https || self.tls_cert.is_some()
    }

    pub fn database_target(&self) -> Result<DatabaseTarget, UnsupportedDatabaseUrl> {
        match &self.database_url {
            None => Ok(DatabaseTarget::SqliteFile(default_sqlite_path(
                &self.data_dir,
            ))),
            Some(url) => parse_database_url(url),
        }
    }
}

fn default_sqlite_path(data_dir: &Path) -> PathBuf {
    data_dir.join("barnbesok.db")
}

fn parse_database_url(url: &str) -> Result<DatabaseTarget, UnsupportedDatabaseUrl> {
    let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => Ok(DatabaseTarget::SqliteUrl(url.to_owned())),
        "postgres" | "postgresql" => Ok(DatabaseTarget::Postgres(url.to_owned())),
        _ => Err(UnsupportedDatabaseUrl {
            scheme: scheme.chars().take(20).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let config = Config::with_data_dir("/var/lib/barnbesok");
        assert_eq!(
            config.database_target().ok(),
            Some(DatabaseTarget::SqliteFile(PathBuf::from(
                "/var/lib/barnbesok/barnbesok.db"
            )))
        );
    }

    #[test]
    fn postgres_urls_in_both_spellings_are_accepted() {
        for url in [
            "postgres://app@db/x",
            "postgresql://app@db/x",
            "POSTGRES://a/b",
        ] {
            assert!(
                matches!(parse_database_url(url), Ok(DatabaseTarget::Postgres(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn other_schemes_are_refused() {
        for url in ["mysql://root@db/x", "barnbesok.db", ""] {
            assert!(parse_database_url(url).is_err(), "{url}");
        }
    }

    #[test]
    fn tls_needs_both_certificate_and_key_and_implies_https() {
        assert!(
            Config::try_parse_from(["barnbesok-server", "--tls-cert", "c.pem"]).is_err(),
            "a certificate without its key"
        );
        assert!(Config::try_parse_from(["barnbesok-server", "--tls-key", "k.pem"]).is_err());
        let config = Config::try_parse_from([
            "barnbesok-server",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--trusted-proxy",
            "10.0.0.1,::1",
        ])
        .expect("parse");
        assert!(config.serves_https());
        assert_eq!(config.trusted_proxy.len(), 2);
        assert!(!Config::with_data_dir("d").serves_https());
    }

    #[test]
    fn parses_flags_and_defaults() {
        let config = Config::try_parse_from([
            "barnbesok-server",
            "--listen",
            "0.0.0.0:0",
            "--demo-data",
            "--log-format",
            "json",
        ])
        .expect("parse");
        assert_eq!(config.listen.port(), 0);
        assert!(config.demo_data);
        assert_eq!(config.log_format, LogFormat::Json);
    }
}
