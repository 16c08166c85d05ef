//! The server process is killed (SIGKILL) while a large push is in flight,
//! then restarted on the same data. A push commits whole or not at all (in
//! one transaction, shared with concurrent requests': `db/writer.rs`). The
//! device retries the identical push: what committed before the crash is
//! reported already applied, the rest is applied now, and the feed holds
//! every visit exactly once.

use crate::on_both_backends;
use crate::support::{
    assert_contiguous, assert_each_once, push_of_visits, push_until_settled, tally, test_visits,
    visit_ids, wait_for_no_other_sessions, Api, PgDatabase, Rng,
};
use shared::VisitId;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

on_both_backends! {
    killed_mid_push_then_retried: [51];
}

const ROUNDS: usize = 10;
const PUSH_SIZE: usize = 200;

/// The server binary, run as its own process.
struct ServerProcess {
    child: Child,
    base: String,
    log: PathBuf,
}

impl ServerProcess {
    /// Starts the binary and waits for the line with its address.
    async fn start(data_dir: &Path, database_url: Option<&str>, log: PathBuf) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_barnbesok-server"));
        command
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--static-dir")
            .arg(data_dir.join("no-app"))
            .arg("--demo-data")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"));
        for var in [
            "BARNBESOK_LISTEN",
            "BARNBESOK_DATA_DIR",
            "BARNBESOK_DATABASE_URL",
            "BARNBESOK_STATIC_DIR",
            "BARNBESOK_DEMO_DATA",
            "BARNBESOK_LOG_FORMAT",
        ] {
            command.env_remove(var);
        }
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        let mut child = command.spawn().expect("start the server binary");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = tokio::sync::oneshot::channel();
        // Reads to the end, so that the process never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let Some(at) = line.find("http://") else {
                    continue;
                };
                if let Some(tx) = tx.take() {
                    let _ = tx.send(line[at..].trim_end().trim_end_matches('/').to_owned());
                }
            }
        });
        let base = match tokio::time::timeout(Duration::from_secs(20), rx).await {
            Ok(Ok(base)) => base,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start:\n{}", tail(&log));
            }
        };
        Self { child, base, log }
    }

    async fn api(&self) -> Api {
        Api::signed_in(&self.base).await
    }

    /// SIGKILL: no graceful shutdown, no pool close.
    fn kill(&mut self) {
        self.child.kill().expect("kill the server");
        self.child.wait().expect("reap the server");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
            if std::thread::panicking() {
                eprintln!("server log:\n{}", tail(&self.log));
            }
        }
    }
}

/// The last lines of a log, for a failure message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

async fn killed_mid_push_then_retried(seed: u64, pg: Option<&PgDatabase>) {
    let mut rng = Rng::new(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("data");
    let url = pg.map(|db| db.url.as_str());
    let mut admin = match pg {
        Some(db) => Some(db.connect().await),
        None => None,
    };
    let mut starts = 0;
    let mut log = || {
        starts += 1;
        dir.path().join(format!("server-{starts}.log"))
    };
    let mut process = ServerProcess::start(&data_dir, url, log()).await;
    let mut expected: HashSet<VisitId> = HashSet::new();

    // How long an uninterrupted push of this size takes here, to aim the kills.
    let calibration = push_of_visits(&mut rng, PUSH_SIZE);
    let started = Instant::now();
    let (response, _, before) = push_until_settled(&process.api().await, &calibration).await;
    let full = started.elapsed();
    assert_eq!(tally(&response, before), (PUSH_SIZE, 0));
    expected.extend(visit_ids(&calibration));

    let mut unanswered_rounds = 0;
    for round in 0..ROUNDS {
        let request = push_of_visits(&mut rng, PUSH_SIZE);
        let ids = visit_ids(&request);
        // From 0 to 1.3 times the push's duration: before the request
        // arrives, during it, and after its answer.
        let delay = if round == 0 {
            Duration::ZERO
        } else {
            full.mul_f64(rng.between(0, 130) as f64 / 100.0)
        };
        let api = process.api().await;
        let in_flight = {
            let request = request.clone();
            tokio::spawn(async move { api.send_push(&request).await.map(|r| r.status()) })
        };
        // The injected fault: the moment of the kill, varied per round.
        tokio::time::sleep(delay).await;
        process.kill();
        let answered = in_flight.await.expect("push task");

        if let Some(admin) = admin.as_mut() {
            // A dead server's transaction must not commit behind the count.
            wait_for_no_other_sessions(admin).await;
        }
        process = ServerProcess::start(&data_dir, url, log()).await;
        let api = process.api().await;
        let before = test_visits(&api.pull_all().await);
        assert!(before.values().all(|&n| n == 1), "round {round}: doubled");
        let landed = ids.iter().filter(|id| before.contains_key(id)).count();
        if let Ok(status) = answered {
            assert_eq!(status, reqwest::StatusCode::OK, "round {round}");
            assert_eq!(
                landed, PUSH_SIZE,
                "round {round}: answered but not all kept"
            );
        }
        assert!(
            landed == 0 || landed == PUSH_SIZE,
            "round {round}: {landed} of {PUSH_SIZE} kept; a push commits whole"
        );
        if answered.is_err() {
            unanswered_rounds += 1;
        }

        let (response, _, before) = push_until_settled(&api, &request).await;
        assert_eq!(
            tally(&response, before),
            (PUSH_SIZE - landed, landed),
            "round {round}: outcomes must match what the crash left"
        );
        expected.extend(ids);
        let feed = api.pull_all().await;
        assert_contiguous(&feed);
        assert_each_once(&feed, &expected);
    }
    assert!(
        unanswered_rounds > 0,
        "no kill landed before a push was answered (a full push took {full:?})"
    );
    process.kill();
}
