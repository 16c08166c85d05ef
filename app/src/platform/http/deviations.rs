//! Deviations over HTTP (docs/deviations.md): the to-do list, the
//! investigation and its steps, the aggregates, "my tablet is lost". Online
//! only; a report made on the tablet goes through sync.

use super::{encode_api, HttpTransport};
use crate::register::ApiFailure;
use shared::deviations::{
    ActionDone, Aggregates, Deviation, DeviationList, DeviationReport, InvestigationUpdate,
    LostDevice, LostDeviceOpened, NewAction, TextStep, Todo, UnitManager,
};
use shared::HomeId;
use uuid::Uuid;

impl HttpTransport {
    /// `show` is `mine`, `investigate` or `all`.
    pub async fn deviations(&self, show: &str) -> Result<DeviationList, ApiFailure> {
        self.api_json("GET", &format!("/api/v1/deviations?show={show}"), None)
            .await
    }

    /// Every deviation linked to `home` that the user may see.
    pub async fn deviations_of_home(&self, home: HomeId) -> Result<DeviationList, ApiFailure> {
        self.api_json("GET", &format!("/api/v1/deviations?home={home}"), None)
            .await
    }

    pub async fn deviation(&self, id: Uuid) -> Result<Deviation, ApiFailure> {
        self.api_json("GET", &format!("/api/v1/deviations/{id}"), None)
            .await
    }

    pub async fn report_deviation_online(
        &self,
        report: &DeviationReport,
    ) -> Result<Deviation, ApiFailure> {
        self.api_json("POST", "/api/v1/deviations", Some(encode_api(report)?))
            .await
    }

    pub async fn deviation_todo(&self) -> Result<Todo, ApiFailure> {
        self.api_json("GET", "/api/v1/deviations/todo", None).await
    }

    pub async fn deviation_managers(&self) -> Result<Vec<UnitManager>, ApiFailure> {
        self.api_json("GET", "/api/v1/deviations/managers", None)
            .await
    }

    pub async fn deviation_aggregates(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Aggregates, ApiFailure> {
        self.api_json(
            "GET",
            &format!("/api/v1/deviations/aggregates?from={from}&to={to}"),
            None,
        )
        .await
    }

    pub async fn save_investigation(
        &self,
        id: Uuid,
        update: &InvestigationUpdate,
    ) -> Result<Deviation, ApiFailure> {
        self.api_json(
            "PUT",
            &format!("/api/v1/deviations/{id}/investigation"),
            Some(encode_api(update)?),
        )
        .await
    }

    /// `step` is `corrections`, `feedback` or `escalation`.
    pub async fn deviation_text_step(
        &self,
        id: Uuid,
        step: &str,
        body: &TextStep,
    ) -> Result<Deviation, ApiFailure> {
        self.api_json(
            "POST",
            &format!("/api/v1/deviations/{id}/{step}"),
            Some(encode_api(body)?),
        )
        .await
    }

    pub async fn add_deviation_action(
        &self,
        id: Uuid,
        action: &NewAction,
    ) -> Result<Deviation, ApiFailure> {
        self.api_json(
            "POST",
            &format!("/api/v1/deviations/{id}/actions"),
            Some(encode_api(action)?),
        )
        .await
    }

    pub async fn complete_deviation_action(
        &self,
        id: Uuid,
        action: Uuid,
        done: &ActionDone,
    ) -> Result<Deviation, ApiFailure> {
        self.api_json(
            "PUT",
            &format!("/api/v1/deviations/{id}/actions/{action}"),
            Some(encode_api(done)?),
        )
        .await
    }

    /// Records that IMY was told, now.
    pub async fn deviation_text_step_imy(
        &self,
        id: Uuid,
        revision: i64,
    ) -> Result<Deviation, ApiFailure> {
        self.api_json(
            "POST",
            &format!("/api/v1/deviations/{id}/imy-report"),
            Some(encode_api(&serde_json::json!({ "revision": revision }))?),
        )
        .await
    }

    pub async fn lost_device(&self, lost: &LostDevice) -> Result<LostDeviceOpened, ApiFailure> {
        self.api_json("POST", "/api/v1/devices/lost", Some(encode_api(lost)?))
            .await
    }
}
