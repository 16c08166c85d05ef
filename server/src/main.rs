use anyhow::Context;
use clap::Parser;
use server::config::{Config, LogFormat};
use server::Application;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut config = Config::parse();
    init_tracing(config.log_format);

    if let Some(server::admin::Command::Admin(command)) = config.command.take() {
        std::fs::create_dir_all(&config.data_dir).context("cannot create the data directory")?;
        let target = config.database_target()?;
        if let server::admin::AdminCommand::Restore { from } = &command {
            return server::admin::restore(&target, from).await;
        }
        let db = server::db::Database::connect(&target)
            .await
            .context("cannot open the database")?;
        db.migrate().await.context("database migration failed")?;
        let result = server::admin::run(&db, &target, command).await;
        db.close().await;
        return result;
    }

    let app = Application::build(config)
        .await
        .context("the server could not start")?;
    let scheme = if app.serves_tls() { "https" } else { "http" };
    let line = format!("Barnbesök körs på {scheme}://{}/", app.local_addr());
    tracing::info!("{line}");
    println!("{line}");

    app.run_until_stopped(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    tracing::info!("stopped");
    Ok(())
}

fn init_tracing(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
