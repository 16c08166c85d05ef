//! Group commit for the sync path: the pushes and read logs of concurrent
//! requests share one write transaction.
//!
//! Every write takes the database's writer in turn (SQLite's one writer
//! connection, PostgreSQL's change counter and audit head rows), so a
//! transaction per mutation made each one pay a begin, a commit, the
//! counters' reads and write-backs, and the wait for the writer. One task
//! per instance takes the jobs waiting in its queue, runs them in one
//! transaction, each mutation behind a savepoint, commits once and only
//! then answers every job. A failed commit answers them all with the error:
//! nothing of theirs was written, so the devices' retries stay exactly once.

use super::apply;
use super::audit::{self, NewAuditEntry, Who};
use super::statement::{Pool, Tx};
use super::{timed, DbError, TRANSACTION_TIMEOUT};
use shared::protocol::{Mutation, MutationOutcome, MutationStatus};
use shared::DeviceId;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Jobs waiting for the writer before a sender waits too.
const QUEUE: usize = 1024;

/// A batch stops taking jobs at this many mutations and reads (one job
/// always goes in, whatever its size), so that it answers its first job
/// soon, and stays within PostgreSQL's cache of 64 subtransactions per
/// transaction (one per savepoint that writes; beyond it every session's
/// visibility checks slow down while the transaction runs).
const BATCH_WORK: usize = 64;

/// How often a batch is run again after PostgreSQL chose it to break a
/// deadlock or a serialization conflict (another instance's batch, or
/// another kind of write, locked rows in another order).
const CONFLICT_RETRIES: usize = 2;

/// What one request asks the writer for.
pub(crate) struct Job {
    who: Option<Who>,
    /// Reads to log before the mutations are applied.
    reads: Vec<NewAuditEntry>,
    /// A device's mutations.
    push: Option<(DeviceId, Vec<Mutation>)>,
}

impl Job {
    pub(crate) fn log_reads(reads: Vec<NewAuditEntry>) -> Self {
        Self {
            who: None,
            reads,
            push: None,
        }
    }

    pub(crate) fn push(
        device_id: DeviceId,
        who: Option<Who>,
        reads: Vec<NewAuditEntry>,
        mutations: Vec<Mutation>,
    ) -> Self {
        Self {
            who,
            reads,
            push: Some((device_id, mutations)),
        }
    }

    fn work(&self) -> usize {
        self.reads.len() + self.push.as_ref().map_or(0, |(_, m)| m.len())
    }
}

/// What the writer did for a job.
#[derive(Debug, Default)]
pub(crate) struct Done {
    pub(crate) reads_logged: usize,
    /// One per mutation, in order.
    pub(crate) outcomes: Vec<MutationOutcome>,
}

struct Queued {
    job: Job,
    reply: oneshot::Sender<Result<Done, DbError>>,
}

/// The instance's writer: a queue and the task that empties it, started at
/// first use (inside the runtime that serves requests).
#[derive(Clone, Debug)]
pub(crate) struct Writer {
    pool: Pool,
    queue: Arc<Mutex<Option<mpsc::Sender<Queued>>>>,
    counts: Arc<Counts>,
}

/// How the writer has batched so far (see [`WriterCounts`]).
#[derive(Debug, Default)]
struct Counts {
    submitted: AtomicU64,
    batches: AtomicU64,
    jobs: AtomicU64,
}

/// How many jobs the writer was given, and how many batches and jobs in
/// them it committed: jobs per batch is how much group commit saves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterCounts {
    pub submitted: u64,
    pub batches: u64,
    pub jobs: u64,
}

impl Writer {
    pub(crate) fn new(pool: Pool) -> Self {
        Self {
            pool,
            queue: Arc::new(Mutex::new(None)),
            counts: Arc::default(),
        }
    }

    pub(crate) fn counts(&self) -> WriterCounts {
        WriterCounts {
            submitted: self.counts.submitted.load(Ordering::Relaxed),
            batches: self.counts.batches.load(Ordering::Relaxed),
            jobs: self.counts.jobs.load(Ordering::Relaxed),
        }
    }

    /// Runs `job` in the next batch and returns once that batch has
    /// committed (or failed).
    pub(crate) async fn run(&self, job: Job) -> Result<Done, DbError> {
        let (reply, answer) = oneshot::channel();
        let mut queued = Queued { job, reply };
        self.counts.submitted.fetch_add(1, Ordering::Relaxed);
        // A writer task ends with the runtime that started it (a test's);
        // the next use starts another.
        for _ in 0..2 {
            match self.sender().send(queued).await {
                Ok(()) => break,
                Err(mpsc::error::SendError(back)) => {
                    self.queue.lock().unwrap_or_else(|e| e.into_inner()).take();
                    queued = back;
                }
            }
        }
        // The batch ahead and this job's own each end within the limit.
        match tokio::time::timeout(2 * TRANSACTION_TIMEOUT, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(DbError::WriterStopped),
            Err(_) => Err(DbError::TimedOut),
        }
    }

    fn sender(&self) -> mpsc::Sender<Queued> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = queue.as_ref().filter(|s| !s.is_closed()) {
            return sender.clone();
        }
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(write_batches(
            self.pool.clone(),
            receiver,
            Arc::clone(&self.counts),
        ));
        queue.insert(sender).clone()
    }
}

async fn write_batches(pool: Pool, mut queue: mpsc::Receiver<Queued>, counts: Arc<Counts>) {
    while let Some(first) = queue.recv().await {
        let mut work = first.job.work();
        let mut batch = vec![first];
        while work < BATCH_WORK {
            let Ok(next) = queue.try_recv() else { break };
            work += next.job.work();
            batch.push(next);
        }
        // A panic fails this batch's jobs (their replies are dropped), not
        // the writer.
        let _ = tokio::spawn(run_batch(pool.clone(), batch, Arc::clone(&counts))).await;
    }
}

#[tracing::instrument(skip_all, fields(jobs = batch.len()))]
async fn run_batch(pool: Pool, batch: Vec<Queued>, counts: Arc<Counts>) {
    let jobs: Vec<&Job> = batch.iter().map(|q| &q.job).collect();
    let mut attempt = 0;
    let result = loop {
        match timed(write(&pool, &jobs)).await {
            Err(err) if err.is_conflict() && attempt < CONFLICT_RETRIES => {
                tracing::info!(attempt, "batch chosen to break a lock conflict; run again");
                attempt += 1;
            }
            result => break result,
        }
    };
    match result {
        Ok(answers) => {
            counts.batches.fetch_add(1, Ordering::Relaxed);
            counts.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
            for (queued, answer) in batch.into_iter().zip(answers) {
                let _ = queued.reply.send(answer);
            }
        }
        Err(err) => {
            tracing::warn!(error = %err, "batch not written");
            let err = Arc::new(err);
            for queued in batch {
                let _ = queued.reply.send(Err(DbError::Batch(Arc::clone(&err))));
            }
        }
    }
}

/// Runs every job in one transaction and commits. The outer error is the
/// transaction's (nothing is written); an inner one is a job's own, whose
/// writes were rolled back while the others' go on.
async fn write(pool: &Pool, jobs: &[&Job]) -> Result<Vec<Result<Done, DbError>>, DbError> {
    let mut tx = pool.begin_write().await?;
    tx.lock_counters().await?;
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        answers.push(match write_job(&mut tx, job).await {
            Ok(done) => Ok(done),
            Err(Failure::Job(err)) => Err(err),
            Err(Failure::Transaction(err)) => return Err(err),
        });
    }
    tx.commit().await?;
    Ok(answers)
}

enum Failure {
    /// The job failed and its step was rolled back.
    Job(DbError),
    /// The transaction cannot go on.
    Transaction(DbError),
}

async fn write_job(tx: &mut Tx, job: &Job) -> Result<Done, Failure> {
    // Reads are never refused: a failure to log them is the database's,
    // and ends the transaction (every job in it is answered with the error).
    let reads_logged = audit::append(tx, &job.reads)
        .await
        .map_err(Failure::Transaction)?;
    let Some((device_id, mutations)) = &job.push else {
        return Ok(Done {
            reads_logged,
            outcomes: Vec::new(),
        });
    };
    let mut done = Done {
        reads_logged,
        outcomes: Vec::with_capacity(mutations.len()),
    };
    for mutation in mutations {
        let mark = tx.savepoint().await.map_err(Failure::Transaction)?;
        let handled = apply::apply_mutation(tx, *device_id, job.who.as_ref(), mutation).await;
        let status = match handled {
            Ok(handled) if handled.keep => handled.status,
            Ok(handled) => {
                tx.rollback_to(mark).await.map_err(Failure::Transaction)?;
                handled.status
            }
            Err(err) => {
                tx.rollback_to(mark).await.map_err(Failure::Transaction)?;
                return Err(Failure::Job(err));
            }
        };
        // The code only: a rejection's message may quote the record.
        let rejected = match &status {
            MutationStatus::Rejected { code, .. } => Some(*code),
            MutationStatus::Applied { .. } => None,
        };
        tracing::debug!(mutation.id = %mutation.id, ?rejected, "mutation handled");
        done.outcomes.push(MutationOutcome {
            id: mutation.id,
            status,
        });
    }
    Ok(done)
}
