//! Complaints over HTTP: the child's public endpoints (no session) and the
//! register of complaints (online only, like the register of homes).

use super::{decode_api, encode_api, send_api, HttpTransport};
use crate::register::ApiFailure;
use shared::complaints::{
    ChildMessage, Complaint, ComplaintCounts, ComplaintList, ComplaintUpdate, MessageReceipt,
    MessageStatus, NewComplaint,
};
use shared::HomeId;
use uuid::Uuid;

/// Leaves a child's message from a device nobody is signed in on: the
/// server draws the code.
pub async fn leave_public_message(message: &ChildMessage) -> Result<MessageReceipt, ApiFailure> {
    let body = encode_api(message)?;
    decode_api(send_api("POST", "/api/v1/public/messages", Some(body), None, false).await?)
}

/// The status and answer for a typed code (sent as typed; the server reads
/// it as Crockford allows).
pub async fn read_answer(code: &str) -> Result<MessageStatus, ApiFailure> {
    let path = format!(
        "/api/v1/public/messages/{}",
        js_sys::encode_uri_component(code.trim())
    );
    decode_api(send_api("GET", &path, None, None, false).await?)
}

impl HttpTransport {
    /// `show` is `new`, `overdue` or `all`.
    pub async fn complaints(&self, show: &str) -> Result<ComplaintList, ApiFailure> {
        self.api_json("GET", &format!("/api/v1/complaints?show={show}"), None)
            .await
    }

    /// Every complaint linked to `home` that the user may see.
    pub async fn complaints_of_home(&self, home: HomeId) -> Result<ComplaintList, ApiFailure> {
        self.api_json("GET", &format!("/api/v1/complaints?home={home}"), None)
            .await
    }

    pub async fn complaint_counts(&self) -> Result<ComplaintCounts, ApiFailure> {
        self.api_json("GET", "/api/v1/complaints/summary", None)
            .await
    }

    pub async fn complaint(&self, id: Uuid) -> Result<Complaint, ApiFailure> {
        self.api_json("GET", &format!("/api/v1/complaints/{id}"), None)
            .await
    }

    pub async fn record_complaint(&self, new: &NewComplaint) -> Result<Complaint, ApiFailure> {
        self.api_json("POST", "/api/v1/complaints", Some(encode_api(new)?))
            .await
    }

    pub async fn update_complaint(
        &self,
        id: Uuid,
        update: &ComplaintUpdate,
    ) -> Result<Complaint, ApiFailure> {
        self.api_json(
            "PUT",
            &format!("/api/v1/complaints/{id}"),
            Some(encode_api(update)?),
        )
        .await
    }
}
