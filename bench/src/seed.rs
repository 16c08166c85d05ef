//! Writes the benchmark's data straight into a server database, through the
//! server's own storage layer (so every record is in the change feed exactly
//! as a pushed one would be).

use crate::data::{self, ChildSet};
use anyhow::Context;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use server::auth::{hash_password, Sessions};
use server::db::accounts::UserRow;
use server::db::Database;
use shared::auth::Role;
use shared::protocol::Record;
use shared::{
    AmendmentId, AmendmentText, ChildId, DeviceId, PlacementId, UnitId, UserId, VisitAmendment,
    VisitorName,
};
use std::path::Path;
use uuid::Uuid;

/// The browser benchmark's user (a socialsekreterare).
pub const WORKER: &str = "bench.worker";
const SEED: u64 = 20_261_124;
const UNIT: UnitId = UnitId::from_uuid(Uuid::from_u128(0xbe_0001));
const WORKER_ID: UserId = UserId::from_uuid(Uuid::from_u128(0xbe_0002));

#[derive(Serialize)]
pub struct SeedSummary {
    pub username: &'static str,
    pub children: usize,
    pub records: usize,
    pub json_bytes: usize,
}

fn sets(records: usize, children: usize) -> Vec<ChildSet> {
    data::caseload(SEED, children, records, Some(WORKER_ID))
}

/// Inserts in transactions of this many records: one transaction of 50,000
/// would hold the SQLite write lock for the whole seed.
const CHUNK: usize = 5_000;

pub async fn caseload(
    db: &Database,
    records: usize,
    children: usize,
    password: &str,
) -> anyhow::Result<SeedSummary> {
    anyhow::ensure!(
        db.count_children().await? == 0,
        "the database already holds children"
    );
    db.insert_unit(UNIT, "Bänkenheten").await?;
    let hash = hash_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    db.insert_user(&UserRow {
        id: WORKER_ID,
        username: WORKER.to_owned(),
        display_name: "Anna Lind".to_owned(),
        role: Role::SocialWorker,
        password_hash: Some(hash),
        active: true,
    })
    .await?;
    db.add_user_unit(WORKER_ID, UNIT).await?;
    let sets = sets(records, children);
    let all: Vec<Record> = sets.iter().flat_map(ChildSet::records).collect();
    let json_bytes = all
        .iter()
        .map(|r| serde_json::to_vec(r).map(|v| v.len()))
        .sum::<Result<usize, _>>()?;
    for chunk in all.chunks(CHUNK) {
        db.insert_records(chunk).await?;
    }
    for set in &sets {
        db.set_child_unit(set.child.id, UNIT).await?;
        db.assign_child(
            set.child.id,
            WORKER_ID,
            &server::db::audit::Who::command_line(),
        )
        .await?;
    }
    Ok(SeedSummary {
        username: WORKER,
        children,
        records: all.len(),
        json_bytes,
    })
}

/// The same records as PouchDB documents: the record's own JSON with `_id`.
pub fn write_documents(path: &Path, records: usize, children: usize) -> anyhow::Result<()> {
    let docs: Vec<serde_json::Value> = sets(records, children)
        .iter()
        .flat_map(ChildSet::records)
        .map(|record| crate::load::pouch_doc(&record))
        .collect::<anyhow::Result<_>>()?;
    std::fs::write(path, serde_json::to_vec(&docs)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// `count` amendments, to visits spread evenly across the caseload.
pub async fn changes(
    db: &Database,
    records: usize,
    children: usize,
    count: usize,
) -> anyhow::Result<usize> {
    let sets = sets(records, children);
    let visits: Vec<_> = sets.iter().flat_map(|s| &s.visits).collect();
    anyhow::ensure!(!visits.is_empty(), "no visits to amend");
    let author = VisitorName::parse("Anna Lind")?;
    let amendments: Vec<Record> = (0..count)
        .map(|i| {
            let visit = visits[i * visits.len() / count.max(1)];
            Ok(Record::VisitAmendment(VisitAmendment {
                id: AmendmentId::new_random(),
                visit_id: visit.id,
                child_id: visit.child_id,
                author: author.clone(),
                author_id: None,
                text: AmendmentText::parse(
                    "Tillägg: barnet ringde efter besöket och ville lägga till att \
                     hon vill börja på simskolan i vår.",
                )?,
                recorded_at: Utc::now(),
            }))
        })
        .collect::<anyhow::Result<_>>()?;
    db.insert_records(&amendments).await?;
    Ok(amendments.len())
}

/// One simulated tablet: its session and its caseload.
#[derive(Clone, Serialize, Deserialize)]
pub struct BenchDevice {
    pub access_token: String,
    pub device_id: DeviceId,
    pub user_id: UserId,
    pub children: Vec<(ChildId, PlacementId, chrono::NaiveDate)>,
}

/// Children per simulated social worker, and visits each already has.
const DEVICE_CHILDREN: usize = 5;
const DEVICE_RECORDS: usize = DEVICE_CHILDREN * 6;

/// Device `n`'s caseload, the same for our server and the PouchDB server.
pub fn device_sets(n: usize) -> Vec<ChildSet> {
    data::caseload(
        SEED + 1 + n as u64,
        DEVICE_CHILDREN,
        DEVICE_RECORDS,
        Some(device_user(n)),
    )
}

fn device_user(n: usize) -> UserId {
    UserId::from_uuid(Uuid::from_u128(0xbe_1000_0000 + n as u128))
}

pub async fn devices(db: &Database, count: usize) -> anyhow::Result<Vec<BenchDevice>> {
    db.insert_unit(UNIT, "Bänkenheten").await?;
    let mut list = Vec::with_capacity(count);
    for n in 0..count {
        let user = UserRow {
            id: device_user(n),
            username: format!("bench.device.{n:03}"),
            display_name: format!("Handläggare {n:03}"),
            role: Role::SocialWorker,
            password_hash: None,
            active: true,
        };
        db.insert_user(&user).await?;
        db.add_user_unit(user.id, UNIT).await?;
        let sets = device_sets(n);
        let records: Vec<Record> = sets.iter().flat_map(ChildSet::records).collect();
        db.insert_records(&records).await?;
        for set in &sets {
            db.set_child_unit(set.child.id, UNIT).await?;
            db.assign_child(
                set.child.id,
                user.id,
                &server::db::audit::Who::command_line(),
            )
            .await?;
        }
        let tokens = Sessions::open(
            db,
            &user,
            "bänktest",
            server::config::Config::with_data_dir(".").device_policy(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("opening a session: {e:?}"))?;
        list.push(BenchDevice {
            access_token: tokens.access_token,
            device_id: DeviceId::new_random(),
            user_id: user.id,
            children: sets
                .iter()
                .map(|s| (s.child.id, s.placement.id, s.placement.start_date))
                .collect(),
        });
    }
    Ok(list)
}
