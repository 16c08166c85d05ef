//! Building and running the server.

use crate::config::{Config, DatabaseTarget, UnsupportedDatabaseUrl};
use crate::db::{Database, DbError};
use crate::demo;
use crate::routes::{self, App};
use crate::tls::{self, Peer, TlsError, TlsListener};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    DatabaseUrl(#[from] UnsupportedDatabaseUrl),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot connect to the {kind} database: {source}")]
    Connect {
        kind: &'static str,
        source: sqlx::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("seeding demo data failed: {0}")]
    Seed(#[source] DbError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailConfigError),
}

enum Listening {
    Http(TcpListener),
    Https(TlsListener),
}

/// A server bound to its port, with a migrated database, ready to run.
pub struct Application {
    listener: Listening,
    addr: SocketAddr,
    db: Database,
    router: axum::Router,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let target = config.database_target()?;
        // A certificate that cannot be used stops the start before anything else.
        let tls_config = match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => Some(tls::load_config(cert, key)?),
            _ => None,
        };
        std::fs::create_dir_all(&config.data_dir).map_err(|source| StartupError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;

        let db = Database::connect(&target)
            .await
            .map_err(|source| StartupError::Connect {
                kind: match target {
                    DatabaseTarget::Postgres(_) => "postgres",
                    _ => "sqlite",
                },
                source,
            })?;
        db.migrate().await?;
        tracing::info!(database = db.kind(), "database ready");

        if config.demo_data {
            let today = chrono::Local::now().date_naive();
            if demo::seed(&db, today).await.map_err(StartupError::Seed)? {
                tracing::info!("seeded demo data");
            } else {
                tracing::info!("demo data not seeded: the database already holds children");
            }
        }

        // Retention: entries the server received longer ago than the
        // configured period go, now and daily.
        let retention = chrono::Duration::days(i64::from(config.audit_retention_days));
        let purger = db.clone();
        tokio::spawn(async move {
            let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
            loop {
                daily.tick().await;
                match purger.purge_audit(retention).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(entries = n, "audit entries past retention removed"),
                    Err(err) => tracing::warn!(error = %err, "audit retention failed"),
                }
            }
        });

        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.listen,
            source,
        })?;
        if !config.static_dir.join("index.html").is_file() {
            tracing::warn!(
                static_dir = %config.static_dir.display(),
                "index.html not found: the app is not built, only the API is served"
            );
        }

        let listener = match tls_config {
            Some(tls_config) => {
                Listening::Https(TlsListener::new(listener, tls_config).map_err(|source| {
                    StartupError::Bind {
                        addr: config.listen,
                        source,
                    }
                })?)
            }
            None => Listening::Http(listener),
        };
        let https = config.serves_https();
        let device_policy = config.device_policy();
        let smtp = match config.smtp_server.clone() {
            None => None,
            Some(server) => Some(crate::mail::SmtpConfig::new(
                server,
                config.mail_from.clone(),
                config.smtp_security,
                &config.smtp_ca,
                config
                    .smtp_user
                    .clone()
                    .zip(config.smtp_password_file.as_deref()),
            )?),
        };
        let mailer = crate::mail::Mailer::new(smtp);
        mailer.spawn(db.clone());
        let state = Arc::new(App {
            db: db.clone(),
            static_dir: config.static_dir,
            login_limiter: crate::auth::LoginLimiter::default(),
            password_checks: crate::auth::PasswordChecks::new(
                usize::from(config.max_password_checks),
                std::time::Duration::from_millis(config.password_check_wait_ms),
            ),
            https,
            device_policy,
            trusted_proxies: config.trusted_proxy,
            public_limits: crate::complaints::PublicLimits::new(
                config.max_unhandled_public_messages,
                config.public_messages_per_day,
            ),
            mailer,
        });
        Ok(Self {
            listener,
            addr,
            db,
            router: routes::router(state),
        })
    }

    /// Whether this server speaks HTTPS itself.
    pub fn serves_tls(&self) -> bool {
        matches!(self.listener, Listening::Https(_))
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The storage the server uses (a cheap handle to the same pool).
    pub fn database(&self) -> Database {
        self.db.clone()
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish
    /// and closes the database pool.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let service = self.router.into_make_service_with_connect_info::<Peer>();
        let result = match self.listener {
            Listening::Http(listener) => {
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            Listening::Https(listener) => {
                axum::serve(listener, service)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        };
        self.db.close().await;
        result
    }
}
