//! Error codes shared by server and app: the server sends a code, the app shows
//! the Swedish sentence for it.

use serde::{Deserialize, Serialize};

/// Every failure the API reports. Serialised in snake_case as the `code` field
/// of the error body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    UnsupportedMediaType,
    PayloadTooLarge,
    UnsupportedProtocolVersion,
    TooManyMutations,
    InvalidQuery,
    ValidationFailed,
    UnknownChild,
    /// The record a mutation refers to does not exist (or is not visible).
    UnknownRecord,
    /// The record was deleted; the edit was not applied.
    RecordDeleted,
    /// Two mutations in one push share an id.
    DuplicateMutationId,
    /// The device's pull cursor is ahead of the server (the server's data was
    /// restored from an older backup): the device must pull from the start.
    CursorAhead,
    IdConflict,
    /// No valid access token: sign in (or refresh the session).
    Unauthenticated,
    /// Wrong user name or password (never says which).
    InvalidCredentials,
    /// The session ended by time-out: sign in again; the device keeps its data.
    SessionExpired,
    /// The session was revoked (a lost device, a deactivated user): the
    /// device removes everything it holds.
    SessionRevoked,
    /// Signed in, but not allowed this: a child outside the user's caseload,
    /// or an action the role does not have.
    Forbidden,
    /// Too many failed sign-ins: wait before trying again.
    TooManyAttempts,
    NotFound,
    MethodNotAllowed,
    DatabaseUnavailable,
    /// The placement is closed: its record is signed and no longer edited.
    PlacementClosed,
    /// Too many sign-ins at once: try again after `Retry-After`.
    ServerBusy,
    /// The server runs, but the app's files are not built.
    AppNotBuilt,
    /// An import file was refused as a whole: nothing was written. The
    /// body's `problems` name each line and field.
    ImportRejected,
    /// Too many requests from one address (or for one receipt code) within
    /// the hour: try again after `Retry-After`.
    RateLimited,
    /// The record changed since it was read: read it again, then change it.
    StaleUpdate,
    /// The record is locked (a finished investigation): it is never
    /// changed; a correction is added instead.
    Locked,
    Internal,
}

impl ErrorCode {
    /// The HTTP status the server answers with.
    pub fn http_status(self) -> u16 {
        match self {
            Self::MalformedJson
            | Self::UnsupportedProtocolVersion
            | Self::TooManyMutations
            | Self::InvalidQuery
            | Self::DuplicateMutationId => 400,
            Self::Unauthenticated
            | Self::InvalidCredentials
            | Self::SessionExpired
            | Self::SessionRevoked => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::IdConflict
            | Self::RecordDeleted
            | Self::PlacementClosed
            | Self::CursorAhead
            | Self::StaleUpdate
            | Self::Locked => 409,
            Self::PayloadTooLarge => 413,
            Self::TooManyAttempts | Self::RateLimited => 429,
            Self::UnsupportedMediaType => 415,
            Self::ValidationFailed
            | Self::UnknownChild
            | Self::UnknownRecord
            | Self::ImportRejected => 422,
            Self::Internal => 500,
            Self::DatabaseUnavailable | Self::ServerBusy | Self::AppNotBuilt => 503,
        }
    }

    /// A sentence for a social worker, in Swedish.
    pub fn message_sv(self) -> &'static str {
        match self {
            Self::MalformedJson => "Servern kunde inte läsa det som skickades.",
            Self::UnsupportedMediaType => "Fel format på det som skickades.",
            Self::PayloadTooLarge => "Det som skickades var för stort.",
            Self::UnsupportedProtocolVersion => {
                "Appen är för gammal för servern. Ladda om sidan för att uppdatera."
            }
            Self::TooManyMutations => "För många ändringar på en gång.",
            Self::InvalidQuery => "Felaktig förfrågan.",
            Self::ValidationFailed => "Uppgifterna är inte giltiga.",
            Self::UnknownChild => "Barnet finns inte på servern.",
            Self::UnknownRecord => "Posten finns inte på servern.",
            Self::RecordDeleted => "Posten har tagits bort. Ändringen sparades inte.",
            Self::DuplicateMutationId => "Samma ändring skickades två gånger i samma sändning.",
            Self::CursorAhead => "Servern har äldre data än enheten. Allt hämtas på nytt.",
            Self::IdConflict => "En annan post har redan samma id.",
            Self::Unauthenticated => "Du behöver logga in.",
            Self::InvalidCredentials => "Fel användarnamn eller lösenord.",
            Self::SessionExpired => "Inloggningen har gått ut. Logga in igen.",
            Self::SessionRevoked => {
                "Enheten har spärrats. Alla uppgifter på enheten har tagits bort."
            }
            Self::Forbidden => "Du har inte behörighet till det här.",
            Self::TooManyAttempts => {
                "För många misslyckade inloggningar. Vänta en stund och försök igen."
            }
            Self::NotFound => "Finns inte.",
            Self::MethodNotAllowed => "Åtgärden är inte tillåten här.",
            Self::DatabaseUnavailable => {
                "Servern är tillfälligt otillgänglig. Försöker igen snart."
            }
            Self::PlacementClosed => {
                "Placeringen är avslutad och signerad. Den kan inte ändras eller tas bort."
            }
            Self::ServerBusy => "Många loggar in just nu. Försök igen om en stund.",
            Self::AppNotBuilt => "Appen är inte byggd på servern.",
            Self::ImportRejected => {
                "Filen lästes inte in. Inget sparades; raderna med fel visas nedan."
            }
            Self::RateLimited => "För många försök. Vänta en stund och försök igen.",
            Self::StaleUpdate => {
                "Någon annan har ändrat det här under tiden. Läs in det igen och gör ändringen på nytt."
            }
            Self::Locked => "Det här är låst och ändras inte. Lägg till en rättelse i stället.",
            Self::Internal => "Ett fel uppstod på servern.",
        }
    }
}

/// The JSON body of every error response: `{"code": "...", "message": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// With [`ErrorCode::ImportRejected`]: every line and field refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<crate::import::ImportProblem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_errors_are_4xx_and_server_errors_5xx() {
        for code in [
            ErrorCode::MalformedJson,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedProtocolVersion,
            ErrorCode::ValidationFailed,
            ErrorCode::NotFound,
        ] {
            assert!((400..500).contains(&code.http_status()), "{code:?}");
        }
        assert_eq!(ErrorCode::DatabaseUnavailable.http_status(), 503);
        assert_eq!(ErrorCode::Internal.http_status(), 500);
    }

    #[test]
    fn codes_serialise_in_snake_case() {
        let body = ApiErrorBody {
            code: ErrorCode::UnsupportedProtocolVersion,
            message: "x".into(),
            problems: Vec::new(),
        };
        let json = serde_json::to_value(&body).expect("serialise");
        assert_eq!(json["code"], "unsupported_protocol_version");
    }
}
