//! Group commit for the sync path: the pushes and read logs of concurrent
//! requests share one write transaction.
//!
//! Every write takes the database's writer in turn (SQLite's one writer
//! connection, PostgreSQL's change counter and audit head rows), so a
//! transaction per mutation made each one pay a begin, a commit, the
//! counters' reads and write-backs, and the wait for the writer. One task
//! per instance takes the jobs waiting in its queue, runs them in one
//! transaction, each mutation behind a savepoint, commits once and only
//! then answers every job. The audit entries of the whole batch are
//! inserted together at the commit ([`super::statement::Tx::commit`]), so
//! a failure there fails the batch. A failed transaction answers them all
//! with the error; the devices retry, and a mutation that did commit (its commit's
//! answer lost) is answered as the first time, so retries stay exactly once.

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

/// A batch takes jobs up to this many mutations and reads in all (a
/// larger job goes alone), so that it answers its first job soon, and
/// stays within PostgreSQL's cache of 64 subtransactions per transaction
/// (one per savepoint that writes; beyond it every session's visibility
/// checks slow down while the transaction runs). Only a push of more than
/// 64 mutations (the protocol allows 200) goes beyond it.
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
    /// Woken at every change of the counts below.
    changed: tokio::sync::Notify,
    submitted: AtomicU64,
    begun: AtomicU64,
    batches: AtomicU64,
    jobs: AtomicU64,
}

/// How many jobs the writer was given, and how many batches and jobs in
/// them it committed: jobs per batch is how much group commit saves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterCounts {
    pub submitted: u64,
    /// Batches taken from the queue (committed or not).
    pub begun: u64,
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
            begun: self.counts.begun.load(Ordering::Relaxed),
            batches: self.counts.batches.load(Ordering::Relaxed),
            jobs: self.counts.jobs.load(Ordering::Relaxed),
        }
    }

    /// Runs `job` in the next batch and returns once that batch has
    /// committed (or failed). An error means the job's writes may or may
    /// not have been committed (a commit whose answer was lost, or a wait
    /// given up on while the job still ran): a retry is answered as the
    /// first, so a device simply sends again.
    pub(crate) async fn run(&self, job: Job) -> Result<Done, DbError> {
        let (reply, answer) = oneshot::channel();
        self.counts.submitted.fetch_add(1, Ordering::Relaxed);
        self.counts.changed.notify_waiters();
        // Waiting for room in the queue counts as waiting for the writer.
        let wait = async {
            let mut queued = Queued { job, reply };
            // A writer task ends with the runtime that started it (a
            // test's); the next use starts another.
            let mut tries = 0;
            while let Err(mpsc::error::SendError(back)) = self.sender().send(queued).await {
                self.queue.lock().unwrap_or_else(|e| e.into_inner()).take();
                tries += 1;
                if tries == 2 {
                    return Err(DbError::WriterStopped);
                }
                queued = back;
            }
            answer.await.unwrap_or(Err(DbError::WriterStopped))
        };
        // A batch ahead of this job's and its own, each within the limit.
        tokio::time::timeout(2 * TRANSACTION_TIMEOUT, wait)
            .await
            .unwrap_or(Err(DbError::TimedOut))
    }

    /// Returns once `reached` holds for the counts.
    pub(crate) async fn counts_reach(&self, reached: impl Fn(WriterCounts) -> bool) {
        loop {
            let changed = self.counts.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if reached(self.counts()) {
                return;
            }
            changed.await;
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
    let mut held_over: Option<Queued> = None;
    loop {
        let first = match held_over.take() {
            Some(job) => job,
            None => match queue.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut work = first.job.work();
        let mut batch = vec![first];
        while work < BATCH_WORK {
            let Ok(next) = queue.try_recv() else { break };
            if work + next.job.work() > BATCH_WORK {
                held_over = Some(next);
                break;
            }
            work += next.job.work();
            batch.push(next);
        }
        // Nobody waits for these any more (the request timed out or went
        // away); nothing of theirs is written yet, so they are dropped.
        batch.retain(|queued| !queued.reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        counts.begun.fetch_add(1, Ordering::Relaxed);
        counts.changed.notify_waiters();
        // A panic fails this batch's jobs (their replies are dropped), not
        // the writer.
        let _ = tokio::spawn(run_batch(pool.clone(), batch, Arc::clone(&counts))).await;
    }
}

#[tracing::instrument(skip_all, fields(jobs = batch.len()))]
async fn run_batch(pool: Pool, batch: Vec<Queued>, counts: Arc<Counts>) {
    let jobs: Vec<&Job> = batch.iter().map(|q| &q.job).collect();
    // Within one limit, the runs again after a lock conflict included.
    let result = timed(async {
        let mut attempt = 0;
        loop {
            match write(&pool, &jobs).await {
                Err(err) if err.is_conflict() && attempt < CONFLICT_RETRIES => {
                    tracing::info!(attempt, "batch chosen to break a lock conflict; run again");
                    attempt += 1;
                }
                result => break result,
            }
        }
    })
    .await;
    match result {
        Ok(answers) => {
            counts.batches.fetch_add(1, Ordering::Relaxed);
            counts.jobs.fetch_add(batch.len() as u64, Ordering::Relaxed);
            counts.changed.notify_waiters();
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
            // PostgreSQL broke a lock cycle by ending this statement: the
            // whole batch is run again.
            Err(err) if err.is_conflict() => return Err(Failure::Transaction(err)),
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
