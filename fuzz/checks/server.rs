//! What the fuzz targets check of the server's own decoders of untrusted
//! input: query strings, request bodies, path segments and the
//! `Authorization` header. One function per fuzz target, taking the raw input.
//!
//! Compiled into the fuzz targets (`fuzz/src/lib.rs`) and into the server's
//! unit tests (`server/src/fuzz_regressions.rs`), which replay the seed corpus
//! and every input that ever crashed (`fuzz/corpus/`, `fuzz/regressions/`).

#[path = "markdown.rs"]
mod markdown_checks;

use axum::extract::Query;
use axum::http::{HeaderValue, Uri};
use axum::response::IntoResponse;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;
use server::auth::{bearer_token, token_hash, MAX_BEARER_TOKEN_BYTES};
use server::error::ApiError;
use server::routes::audit::{parse_filter, MAX_ENTRIES};
use server::routes::auth::validate;
use server::routes::grants::{self, cover_ends_at};
use server::routes::parse_json;
use server::routes::sync::PullQuery;
use shared::auth::{
    GrantRequest, LoginRequest, RefreshRequest, MAX_DEVICE_LABEL_CHARS, MAX_GRANT_DAYS,
    MAX_PASSWORD_BYTES, MAX_USERNAME_CHARS,
};
use shared::checklist::{item_key_from, ChecklistTemplate, TemplateProblem};
use shared::markdown;
use shared::protocol::{DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT, PROTOCOL_VERSION};
use shared::routines::{
    seed_library, Library, PublishError, RegistrationNumber, RoutineDraft, RoutineId,
    RoutineVersion, VersionError,
};
use shared::{ChildId, SessionId, UserId};
use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::OnceLock;

/// The query parameters as axum's `Query` extractor decodes them from a
/// request to `path` with `query`; `None` where no request could carry it.
fn query_params(path: &str, query: &[u8]) -> Option<HashMap<String, String>> {
    let query = std::str::from_utf8(query).ok()?;
    let uri: Uri = format!("{path}?{query}").parse().ok()?;
    Query::<HashMap<String, String>>::try_from_uri(&uri)
        .ok()
        .map(|Query(params)| params)
}

/// An error the client gets: a 4xx response, built without panicking.
fn assert_client_error(error: ApiError) {
    let status = error.into_response().status();
    assert!(status.is_client_error(), "answered {status}");
}

/// `GET /api/v1/sync/pull?…`: the query string, decoded as axum does, then
/// `PullQuery::parse`.
pub fn pull_query(data: &[u8]) {
    let Some(params) = query_params("/api/v1/sync/pull", data) else {
        return;
    };
    match PullQuery::parse(&params) {
        Ok(query) => {
            let protocol = params.get("protocol").map(|p| p.parse::<u32>());
            assert_eq!(
                protocol,
                Some(Ok(PROTOCOL_VERSION)),
                "wrong protocol accepted"
            );
            assert!(
                (1..=MAX_PULL_LIMIT).contains(&query.limit),
                "limit {} out of range",
                query.limit
            );
            if !params.contains_key("limit") {
                assert_eq!(query.limit, DEFAULT_PULL_LIMIT);
            }
            // `since` goes into SQL as a signed 64-bit integer.
            assert!(
                i64::try_from(query.since).is_ok(),
                "since {} overflows",
                query.since
            );
            if !params.contains_key("since") {
                assert_eq!(query.since, 0);
            }
            assert_eq!(query.child.is_some(), params.contains_key("child"));
            if let Some(child) = query.child {
                assert_eq!(ChildId::parse(&child.to_string()).ok(), Some(child));
            }
        }
        Err(ApiError::UnsupportedProtocolVersion { got }) => {
            // Echoed to the client: bounded.
            assert!(
                got.chars().count() <= 20,
                "echoes {} characters",
                got.chars().count()
            );
            assert_client_error(ApiError::UnsupportedProtocolVersion { got });
        }
        Err(error @ ApiError::InvalidQuery(_)) => assert_client_error(error),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// `GET /api/v1/audit?…`: the unit manager's filter, decoded as axum does,
/// then `parse_filter`.
pub fn audit_query(data: &[u8]) {
    let Some(params) = query_params("/api/v1/audit", data) else {
        return;
    };
    let date = |key: &str| {
        params
            .get(key)
            .and_then(|raw| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
    };
    match parse_filter(&params) {
        Ok((filter, csv)) => {
            assert!(
                filter.children.is_empty(),
                "scope must come from the database"
            );
            assert_eq!(filter.limit, MAX_ENTRIES + 1);
            assert_eq!(csv, params.get("format").map(String::as_str) == Some("csv"));
            if let Some(format) = params.get("format") {
                assert!(
                    format == "json" || format == "csv",
                    "format {format:?} accepted"
                );
            }
            let midnight = NaiveTime::MIN;
            match (filter.from, date("from")) {
                (Some(from), Some(day)) => {
                    assert_eq!(from.date_naive(), day);
                    assert_eq!(from.time(), midnight);
                }
                (None, None) => assert!(!params.contains_key("from")),
                (from, day) => panic!("`from` {from:?} for {day:?}"),
            }
            match (filter.to, date("to")) {
                // Up to and including the day.
                (Some(to), Some(day)) => {
                    assert_eq!(Some(to.date_naive()), day.succ_opt());
                    assert_eq!(to.time(), midnight);
                }
                // No day after the last one: no upper bound is the same.
                (None, Some(day)) => assert_eq!(day, NaiveDate::MAX),
                (None, None) => assert!(!params.contains_key("to")),
                (to, day) => panic!("`to` {to:?} for {day:?}"),
            }
            assert_eq!(filter.user.is_some(), params.contains_key("user"));
            if let Some(user) = filter.user {
                assert_eq!(UserId::parse(&user.to_string()).ok(), Some(user));
            }
            assert_eq!(filter.child.is_some(), params.contains_key("child"));
        }
        Err(error @ ApiError::InvalidQuery(_)) => assert_client_error(error),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// The token `bearer_token` takes from one header value: it is in the value,
/// 1 to 128 bytes with no surrounding white space, and present whenever the
/// value is `Bearer ` and such a token.
fn check_bearer(header: Option<&str>) {
    let token = bearer_token(header);
    let candidate = header
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    match (token, candidate) {
        (Some(token), Some(candidate)) => {
            assert!(!token.is_empty(), "empty token");
            assert!(
                token.len() <= MAX_BEARER_TOKEN_BYTES,
                "{} bytes",
                token.len()
            );
            assert_eq!(token, token.trim(), "token not trimmed");
            assert_eq!(token, candidate);
            let hash = token_hash(token);
            assert_eq!(hash.len(), 64, "hash {hash:?}");
            assert!(
                hash.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "hash {hash:?}"
            );
        }
        (None, Some(candidate)) => assert!(
            candidate.is_empty() || candidate.len() > MAX_BEARER_TOKEN_BYTES,
            "a usable token {candidate:?} refused"
        ),
        (None, None) => {}
        (Some(token), None) => panic!("token {token:?} from a header without `Bearer `"),
    }
}

/// `Authorization: Bearer <token>`: as the extractor reads the header (a
/// valid header value that is visible ASCII), and as any text at all.
pub fn bearer(data: &[u8]) {
    if let Ok(value) = HeaderValue::from_bytes(data) {
        check_bearer(value.to_str().ok());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check_bearer(Some(text));
    }
    check_bearer(None);
}

/// What the server's `read_json_object` lets through to the decoder: a body
/// whose first non-blank byte opens an object.
fn is_json_object(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// A body through the server's `parse_json`: a value that round-trips, or
/// one of the two errors a client may get for its body.
fn decode_body<T: Serialize + DeserializeOwned + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    if !is_json_object(data) {
        return None;
    }
    match parse_json::<T>(data) {
        Ok(value) => {
            let json = match serde_json::to_vec(&value) {
                Ok(json) => json,
                Err(e) => panic!("a decoded body does not encode: {e}"),
            };
            match serde_json::from_slice::<T>(&json) {
                Ok(back) => assert_eq!(back, value, "round trip changed the body"),
                Err(e) => panic!("the encoding of a decoded body does not decode: {e}"),
            }
            Some(value)
        }
        Err(error @ (ApiError::MalformedJson(_) | ApiError::ValidationFailed(_))) => {
            assert_client_error(error);
            None
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// `POST /api/v1/auth/login`: the body, then `validate`, whose limits keep a
/// huge password away from the hasher.
pub fn login_body(data: &[u8]) {
    let Some(login) = decode_body::<LoginRequest>(data) else {
        return;
    };
    let username_ok =
        !login.username.trim().is_empty() && login.username.chars().count() <= MAX_USERNAME_CHARS;
    let password_ok = !login.password.is_empty() && login.password.len() <= MAX_PASSWORD_BYTES;
    let label = login.device_label.trim();
    let label_ok = !label.is_empty()
        && label.chars().count() <= MAX_DEVICE_LABEL_CHARS
        && !label.chars().any(char::is_control);
    match validate(&login) {
        Ok(()) => assert!(username_ok && password_ok && label_ok, "accepted {login:?}"),
        Err(error @ ApiError::ValidationFailed(_)) => {
            assert!(
                !(username_ok && password_ok && label_ok),
                "refused {login:?}"
            );
            assert_client_error(error);
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// `POST /api/v1/auth/refresh`: the body, then the token's length check
/// before it is hashed and looked up.
pub fn refresh_body(data: &[u8]) {
    let Some(refresh) = decode_body::<RefreshRequest>(data) else {
        return;
    };
    let token = refresh.refresh_token.as_str();
    if !token.is_empty() && token.len() <= MAX_BEARER_TOKEN_BYTES {
        assert_eq!(token_hash(token).len(), 64);
    }
}

/// `POST /api/v1/grants`: the body through `parse_json`, then its end date
/// through `grants::validate` and `cover_ends_at` as the handler checks it,
/// with several days as today: two fixed ones and those at the edges of the
/// range allowed for this `until`.
pub fn grant_body(data: &[u8]) {
    let Some(grant) = decode_body::<GrantRequest>(data) else {
        return;
    };
    let until = grant.until;
    let max = Duration::days(MAX_GRANT_DAYS);
    let todays = [
        NaiveDate::from_ymd_opt(2026, 6, 15),
        NaiveDate::from_ymd_opt(2028, 2, 29),
        Some(until),
        until.pred_opt(),
        until.succ_opt(),
        until.checked_sub_signed(max),
        until.checked_sub_signed(max + Duration::days(1)),
    ];
    for today in todays.into_iter().flatten() {
        // The server's clock is never within `MAX_GRANT_DAYS` of the last
        // date chrono knows (there `validate` would overflow).
        if today.checked_add_signed(max).is_some() {
            check_grant_until(&grant, today);
        }
    }
    // Whatever the date, the end is the next midnight in Sweden or a 4xx,
    // never a panic.
    match cover_ends_at(until) {
        Ok(ends_at) => {
            let next = until.succ_opt();
            assert_eq!(Some(shared::sweden::date_at(ends_at)), next);
            assert_ne!(
                Some(shared::sweden::date_at(ends_at - Duration::seconds(1))),
                next,
                "cover until {until} ends at {ends_at}, after midnight"
            );
        }
        Err(error @ ApiError::ValidationFailed(_)) => {
            assert_eq!(until, NaiveDate::MAX, "no end for {until}");
            assert_client_error(error);
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// A grant's `until` on `today`: accepted exactly from today to
/// `MAX_GRANT_DAYS` days ahead, and then ending within that many days and one
/// (or, for the last date chrono knows, refused by `cover_ends_at`).
fn check_grant_until(grant: &GrantRequest, today: NaiveDate) {
    let until = grant.until;
    let days_ahead = (until - today).num_days();
    let in_range = (0..=MAX_GRANT_DAYS).contains(&days_ahead);
    match grants::validate(grant, today) {
        Ok(()) => {
            assert!(in_range, "until {until} accepted on {today}");
            // The handler then answers 400 for the last date chrono knows.
            let Ok(ends_at) = cover_ends_at(until) else {
                assert_eq!(
                    until,
                    NaiveDate::MAX,
                    "until {until} accepted but has no end"
                );
                return;
            };
            let lasts = ends_at - today.and_time(NaiveTime::MIN).and_utc();
            assert!(
                lasts >= Duration::days(1) - Duration::hours(2)
                    && lasts <= Duration::days(MAX_GRANT_DAYS + 1),
                "cover until {until} from {today} ends at {ends_at}"
            );
        }
        Err(error @ ApiError::ValidationFailed(_)) => {
            assert!(!in_range, "until {until} refused on {today}");
            assert_client_error(error);
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// The id in `text` written in one of the forms `uuid` reads: 32 hex
/// digits, or 8-4-4-4-12 hex digits with hyphens, alone, in braces or after
/// `urn:uuid:` (any case). Lowercase with hyphens, as ids are shown.
fn written_uuid(text: &str) -> Option<String> {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let hyphenated = |s: &str| {
        let groups: Vec<&str> = s.split('-').collect();
        (groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]) && groups.iter().all(|g| hex(g)))
            .then(|| s.to_ascii_lowercase())
    };
    if text.len() == 32 && hex(text) {
        let l = text.to_ascii_lowercase();
        return Some(format!(
            "{}-{}-{}-{}-{}",
            &l[..8],
            &l[8..12],
            &l[12..16],
            &l[16..20],
            &l[20..]
        ));
    }
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        return hyphenated(inner);
    }
    if text.len() == 45 && text.as_bytes()[..9].eq_ignore_ascii_case(b"urn:uuid:") {
        return hyphenated(&text[9..]);
    }
    hyphenated(text)
}

/// `DELETE /api/v1/sessions/{id}`: the segment as axum's `Path<String>` hands
/// it over (percent-decoded, so any UTF-8 text), through `SessionId::parse`
/// as `revoke` does; a refused id is a 404. Accepted exactly when the text
/// is an id in a form `uuid` reads; shown and encoded, it reads back the same.
pub fn session_id_path(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let written = written_uuid(text);
    match SessionId::parse(text).map_err(|_| ApiError::NotFound) {
        Ok(id) => {
            let shown = id.to_string();
            assert_eq!(Some(&shown), written.as_ref(), "{text:?} read as {shown}");
            assert_eq!(
                SessionId::parse(&shown).ok(),
                Some(id),
                "{shown} reads back differently"
            );
            let json = match serde_json::to_string(&id) {
                Ok(json) => json,
                Err(e) => panic!("a session id does not encode: {e}"),
            };
            assert_eq!(json, format!("\"{shown}\""));
            match serde_json::from_str::<SessionId>(&json) {
                Ok(back) => assert_eq!(back, id, "{json} decodes differently"),
                Err(e) => panic!("{json} does not decode: {e}"),
            }
        }
        Err(error) => {
            assert_eq!(written, None, "{text:?} refused");
            assert_client_error(error);
        }
    }
}

/// A routine's text field as it decoded: trimmed, within its length, no
/// control characters but line breaks and tabs where it may have several lines.
fn assert_routine_text(name: &str, text: &str, max_chars: usize, multiline: bool) {
    assert_eq!(text, text.trim(), "{name}: not trimmed");
    let chars = text.chars().count();
    assert!(
        (1..=max_chars).contains(&chars),
        "{name}: {chars} characters"
    );
    assert!(
        text.chars()
            .all(|c| !c.is_control() || (multiline && matches!(c, '\n' | '\r' | '\t'))),
        "{name}: a control character in {text:?}"
    );
}

/// The seed library, read once: every input is published into a copy.
fn seeds() -> &'static Library {
    static SEEDS: OnceLock<Library> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let library = seed_library();
        assert!(!library.is_empty(), "the seed routines do not load");
        library
    })
}

/// `POST /api/v1/routines`: the body through `parse_json` into a
/// `RoutineDraft`, stamped with a publishing time as the handler stamps it,
/// then `RoutineVersion::new` and `Library::publish` into the seed library.
/// A version's body renders within the Markdown checks (`markdown.rs`), and
/// it survives the JSON it is stored and sent as.
pub fn routine_body(data: &[u8]) {
    let Some(mut draft) = decode_body::<RoutineDraft>(data) else {
        return;
    };
    let id = draft.routine_id.as_str();
    assert_eq!(RoutineId::parse(id).as_ref(), Ok(&draft.routine_id));
    assert!(
        (3..=RoutineId::MAX_CHARS).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !id.starts_with('-')
            && !id.ends_with('-')
            && !id.contains("--"),
        "routine id {id:?}"
    );
    let number = draft.registration_number.as_str();
    assert_eq!(
        RegistrationNumber::parse(number).as_ref(),
        Ok(&draft.registration_number),
        "registration number {number:?} is not canonical"
    );
    assert_routine_text("title", draft.title.as_str(), 160, false);
    assert_routine_text("owner", draft.owner.as_str(), 120, false);
    assert_routine_text("body", draft.body.as_str(), 100_000, true);

    draft.published_at = DateTime::<Utc>::from_timestamp(1_781_000_000, 123_456_000);
    let version = match RoutineVersion::new(draft.clone()) {
        Ok(version) => {
            assert!(
                draft.version >= 1 && draft.review_date > draft.valid_from,
                "accepted {draft:?}"
            );
            version
        }
        Err(error) => {
            match error {
                VersionError::ZeroVersion => assert_eq!(draft.version, 0),
                VersionError::ReviewNotAfterValidFrom => {
                    assert!(draft.version >= 1 && draft.review_date <= draft.valid_from);
                }
            }
            assert_client_error(ApiError::ValidationFailed(error.to_string()));
            return;
        }
    };
    assert_eq!(version.to_draft(), draft);
    // Stored as its draft's JSON and read back through `RoutineVersion::new`.
    let json = match serde_json::to_vec(&version) {
        Ok(json) => json,
        Err(e) => panic!("a version does not encode: {e}"),
    };
    match serde_json::from_slice::<RoutineVersion>(&json) {
        Ok(back) => assert_eq!(back, version, "the stored version reads back differently"),
        Err(e) => panic!("a stored version does not decode: {e}"),
    }

    let body = version.body();
    let blocks = body.blocks();
    assert_eq!(blocks, markdown::parse(body.as_str()));
    let plain = body.plain_text();
    assert_eq!(plain, markdown::to_plain_text(&blocks));
    markdown_checks::check_rendering(body.as_str(), &blocks, &plain);

    let mut library = seeds().clone();
    let newest = library.newest(version.routine_id()).cloned();
    match (library.publish(version.clone()), newest) {
        (Ok(()), newest) => {
            if let Some(newest) = newest {
                assert!(
                    version.version() > newest.version()
                        && version.valid_from() >= newest.valid_from(),
                    "published over {newest:?}"
                );
            }
            assert_eq!(library.newest(version.routine_id()), Some(&version));
            assert_eq!(
                library.version(version.routine_id(), version.version()),
                Some(&version)
            );
        }
        (Err(error), Some(newest)) => {
            match error {
                PublishError::VersionNotHigher { newest: n, given } => {
                    assert_eq!((n, given), (newest.version(), version.version()));
                    assert!(given <= n);
                }
                PublishError::ValidFromBeforePrevious { previous, given } => {
                    assert!(version.version() > newest.version());
                    assert_eq!(
                        (previous, given),
                        (newest.valid_from(), version.valid_from())
                    );
                    assert!(given < previous);
                }
            }
            assert_eq!(&library, seeds(), "a refused version changed the library");
            assert_client_error(ApiError::ValidationFailed(error.message_sv()));
        }
        (Err(error), None) => panic!("the first version of a routine refused: {error}"),
    }
}

/// The item key rule that `ChecklistTemplate::check` enforces.
fn item_key_ok(key: &str) -> bool {
    (1..=40).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `POST /api/v1/checklist-templates`: the body through `parse_json` into a
/// `ChecklistTemplate`, then `check`, which refuses exactly what its rules,
/// written out here, refuse, and in the order of the items. Keys made by
/// `item_key_from` for the items' texts pass the key rule and are new.
pub fn template_body(data: &[u8]) {
    let Some(template) = decode_body::<ChecklistTemplate>(data) else {
        return;
    };
    let mut seen = HashSet::new();
    let title_chars = template.title.trim().chars().count();
    let title_ok =
        (1..=160).contains(&title_chars) && !template.title.chars().any(char::is_control);
    let expected = if template.items.is_empty() {
        Err(TemplateProblem::Empty)
    } else if !title_ok {
        Err(TemplateProblem::BadTitle)
    } else {
        template
            .items
            .iter()
            .find_map(|item| {
                if !item_key_ok(&item.key) || !seen.insert(item.key.as_str()) {
                    return Some(TemplateProblem::BadKey);
                }
                let chars = item.text.trim().chars().count();
                let text_ok =
                    (1..=300).contains(&chars) && !item.text.chars().any(char::is_control);
                if !text_ok {
                    return Some(TemplateProblem::BadText);
                }
                let routine_ok = item
                    .routine
                    .as_deref()
                    .is_none_or(|r| shared::routines::RoutineId::parse(r).is_ok());
                (!routine_ok).then_some(TemplateProblem::BadRoutine)
            })
            .map_or(Ok(()), Err)
    };
    let checked = template.check();
    assert_eq!(checked, expected, "check() of {template:?}");
    if let Err(problem) = checked {
        assert_client_error(ApiError::ValidationFailed(problem.to_string()));
    }
    let taken: Vec<String> = template.items.iter().map(|i| i.key.clone()).collect();
    // A few items are enough: the work grows with the keys taken.
    for item in template.items.iter().take(64) {
        let key = item_key_from(&item.text, &taken);
        assert!(item_key_ok(&key), "key {key:?} from {:?}", item.text);
        assert!(!taken.contains(&key), "key {key:?} is taken");
    }
    let key = item_key_from(&template.title, &taken);
    assert!(
        item_key_ok(&key) && !taken.contains(&key),
        "key {key:?} from the title"
    );
}
