//! Many tablets syncing at once. Each simulated device runs a closed loop:
//! record a visit, push it, pull what is new since its cursor, repeat. No
//! pause between rounds, so the figures show what the server sustains, not
//! what a calm day asks of it.

use crate::data::{self, Rng};
use crate::seed::{self, BenchDevice};
use anyhow::Context;
use serde::Serialize;
use serde_json::Value;
use shared::protocol::{
    Mutation, Operation, PullResponse, PushRequest, PushResponse, PROTOCOL_VERSION,
};
use shared::MutationId;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Errors are counted; the first few are printed to show what they were.
static ERRORS_SHOWN: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone, Copy)]
pub enum Target {
    Barnbesok,
    /// CouchDB's replication API as a PouchDB server speaks it.
    Pouch,
}

#[derive(Serialize)]
pub struct LoadReport {
    pub devices: usize,
    pub seconds: f64,
    /// Push and pull requests answered successfully.
    pub requests: usize,
    pub rounds: usize,
    pub errors: usize,
    pub requests_per_s: f64,
    pub rounds_per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Default)]
struct DeviceTally {
    latencies_us: Vec<u32>,
    rounds: usize,
    errors: usize,
}

/// With more than one of `urls` (instances of one server on one database),
/// device `n` syncs with `urls[n % urls.len()]`.
pub async fn run(
    urls: &[String],
    target: Target,
    devices: &[BenchDevice],
    warmup: Duration,
    measure: Duration,
    every: Option<Duration>,
) -> anyhow::Result<LoadReport> {
    anyhow::ensure!(!urls.is_empty(), "no server to load");
    let url_of = |n: usize| urls[n % urls.len()].as_str();
    let count = devices.len() as u32;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(devices.len())
        .timeout(Duration::from_secs(30))
        .build()?;
    if let Target::Pouch = target {
        futures::future::try_join_all(
            (0..devices.len()).map(|n| pouch_prepare(&client, url_of(n), n)),
        )
        .await?;
    }
    let start = Instant::now() + warmup;
    let end = start + measure;
    let tasks: Vec<_> = devices
        .iter()
        .enumerate()
        .map(|(n, device)| {
            let client = client.clone();
            let url = url_owned(url_of(n));
            let device = device.clone();
            tokio::spawn(async move {
                // Paced devices start spread over one period, as tablets do.
                let pace = every.map(|period| (period, period * n as u32 / count.max(1)));
                Device::new(n, device, target)
                    .run(&client, url, start, end, pace)
                    .await
            })
        })
        .collect();
    let mut tallies = Vec::with_capacity(tasks.len());
    for task in tasks {
        tallies.push(task.await.context("a device task panicked")?);
    }
    let mut latencies: Vec<u32> = tallies
        .iter()
        .flat_map(|t| t.latencies_us.iter().copied())
        .collect();
    latencies.sort_unstable();
    let seconds = measure.as_secs_f64();
    let rounds: usize = tallies.iter().map(|t| t.rounds).sum();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |us| f64::from(*us) / 1000.0)
    };
    Ok(LoadReport {
        devices: devices.len(),
        seconds,
        requests: latencies.len(),
        rounds,
        errors: tallies.iter().map(|t| t.errors).sum(),
        requests_per_s: latencies.len() as f64 / seconds,
        rounds_per_s: rounds as f64 / seconds,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        max_ms: latencies.last().map_or(0.0, |us| f64::from(*us) / 1000.0),
    })
}

fn url_owned(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

fn pouch_db(url: &str, n: usize) -> String {
    format!("{}/db/bench_device_{n:03}", url.trim_end_matches('/'))
}

/// A database per device (CouchDB's database-per-user pattern) holding the
/// same caseload the device has on our server.
async fn pouch_prepare(client: &reqwest::Client, url: &str, n: usize) -> anyhow::Result<()> {
    let db = pouch_db(url, n);
    let created = client.put(&db).send().await?;
    anyhow::ensure!(
        created.status().is_success() || created.status() == 412,
        "creating {db}: {}",
        created.status()
    );
    let docs: Vec<Value> = seed::device_sets(n)
        .iter()
        .flat_map(data::ChildSet::records)
        .map(|r| pouch_doc(&r))
        .collect::<anyhow::Result<_>>()?;
    let response = client
        .post(format!("{db}/_bulk_docs"))
        .json(&serde_json::json!({ "docs": docs }))
        .send()
        .await?;
    anyhow::ensure!(
        response.status().is_success(),
        "loading {db}: {}",
        response.status()
    );
    Ok(())
}

pub fn pouch_doc(record: &shared::protocol::Record) -> anyhow::Result<Value> {
    let mut doc = serde_json::to_value(record)?;
    let id = format!(
        "{}:{}",
        doc["kind"].as_str().unwrap_or_default(),
        doc["data"]["id"].as_str().unwrap_or_default()
    );
    doc["_id"] = Value::String(id);
    Ok(doc)
}

struct Device {
    n: usize,
    device: BenchDevice,
    target: Target,
    rng: Rng,
    /// Ours: the pull cursor. Pouch: `last_seq` as the server wrote it.
    cursor: Value,
    tally: DeviceTally,
}

impl Device {
    fn new(n: usize, device: BenchDevice, target: Target) -> Self {
        Self {
            n,
            device,
            target,
            rng: Rng::new(0x10ad + n as u64),
            cursor: Value::from(0),
            tally: DeviceTally::default(),
        }
    }

    async fn run(
        &mut self,
        client: &reqwest::Client,
        url: String,
        start: Instant,
        end: Instant,
        pace: Option<(Duration, Duration)>,
    ) -> DeviceTally {
        // The device's first sync: its caseload, before anything is measured.
        if let Err(e) = self.pull(client, &url).await {
            if ERRORS_SHOWN.fetch_add(1, Ordering::Relaxed) < 5 {
                eprintln!("device {}: first pull failed: {e:#}", self.n);
            }
            self.tally.errors += 1;
        }
        let mut next_round = Instant::now() + pace.map_or(Duration::ZERO, |(_, offset)| offset);
        while Instant::now() < end {
            if let Some((period, _)) = pace {
                tokio::time::sleep_until(next_round.into()).await;
                next_round += period;
                if Instant::now() >= end {
                    break;
                }
            }
            let measuring = Instant::now() >= start;
            let mut ok = true;
            for step in [Step::Push, Step::Pull] {
                let began = Instant::now();
                let result = match step {
                    Step::Push => self.push(client, &url).await,
                    Step::Pull => self.pull(client, &url).await,
                };
                let took = began.elapsed();
                if !measuring || Instant::now() > end {
                    continue;
                }
                match result {
                    Ok(()) => self
                        .tally
                        .latencies_us
                        .push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX)),
                    Err(e) => {
                        if ERRORS_SHOWN.fetch_add(1, Ordering::Relaxed) < 5 {
                            eprintln!("device {}: {e:#}", self.n);
                        }
                        self.tally.errors += 1;
                        ok = false;
                    }
                }
            }
            if measuring && ok && Instant::now() <= end {
                self.tally.rounds += 1;
            }
        }
        std::mem::take(&mut self.tally)
    }

    fn new_visit(&mut self) -> shared::Visit {
        let pick = self.rng.below(self.device.children.len() as u64) as usize;
        let (child, _, start) = self.device.children[pick];
        let k = self.rng.below(40);
        let visit = data::visit(&mut self.rng, child, start, k, Some(self.device.user_id));
        // A new visit every run, so a second run against the same database
        // measures the same work, not id conflicts.
        shared::Visit {
            id: shared::VisitId::new_random(),
            ..visit
        }
    }

    async fn push(&mut self, client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
        let visit = self.new_visit();
        match self.target {
            Target::Barnbesok => {
                let request = PushRequest {
                    protocol: PROTOCOL_VERSION,
                    device_id: self.device.device_id,
                    mutations: vec![Mutation {
                        id: MutationId::new_random(),
                        operation: Operation::CreateVisit(visit),
                    }],
                    reads: Vec::new(),
                };
                let response = client
                    .post(format!("{url}/api/v1/sync/push"))
                    .bearer_auth(&self.device.access_token)
                    .json(&request)
                    .send()
                    .await?;
                let status = response.status();
                anyhow::ensure!(status.is_success(), "push: HTTP {status}");
                let body: PushResponse = response.json().await.context("push response")?;
                anyhow::ensure!(
                    body.results.iter().all(|r| r.status.is_settled_on_server()),
                    "push refused: {:?}",
                    body.results
                );
            }
            Target::Pouch => {
                let doc = pouch_doc(&shared::protocol::Record::Visit(visit))?;
                let response = client
                    .post(format!("{}/_bulk_docs", pouch_db(url, self.n)))
                    .json(&serde_json::json!({ "docs": [doc] }))
                    .send()
                    .await?;
                let status = response.status();
                anyhow::ensure!(status.is_success(), "_bulk_docs: HTTP {status}");
                let body: Vec<Value> = response.json().await.context("_bulk_docs response")?;
                anyhow::ensure!(
                    body.iter().all(|r| r.get("ok") == Some(&Value::Bool(true))),
                    "_bulk_docs refused: {body:?}"
                );
            }
        }
        Ok(())
    }

    async fn pull(&mut self, client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
        match self.target {
            Target::Barnbesok => {
                let response = client
                    .get(format!(
                        "{url}/api/v1/sync/pull?protocol={PROTOCOL_VERSION}&since={}&limit=500",
                        self.cursor
                    ))
                    .bearer_auth(&self.device.access_token)
                    .send()
                    .await?;
                let status = response.status();
                anyhow::ensure!(status.is_success(), "pull: HTTP {status}");
                let body: PullResponse = response.json().await.context("pull response")?;
                self.cursor = Value::from(body.cursor);
            }
            Target::Pouch => {
                let since = match &self.cursor {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let response = client
                    .get(format!("{}/_changes", pouch_db(url, self.n)))
                    .query(&[
                        ("since", since.as_str()),
                        ("include_docs", "true"),
                        ("limit", "500"),
                    ])
                    .send()
                    .await?;
                let status = response.status();
                anyhow::ensure!(status.is_success(), "_changes: HTTP {status}");
                let body: Value = response.json().await.context("_changes response")?;
                self.cursor = body
                    .get("last_seq")
                    .cloned()
                    .context("_changes without last_seq")?;
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Step {
    Push,
    Pull,
}
