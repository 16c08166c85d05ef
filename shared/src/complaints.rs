//! Complaints and children's messages (klagomål och synpunkter, domain rule
//! 12): what a child leaves on "Säg vad du tycker", the receipt code
//! (kvittokod) the child reads the answer with, and the unit's register of
//! complaints as the API speaks it. See docs/complaints.md.

use crate::ids::{ChildId, HomeId, UnitId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// The most characters of a message's text (and of a complaint recorded by
/// staff).
pub const MAX_TEXT_CHARS: usize = 2_000;
/// The most characters of the optional name.
pub const MAX_NAME_CHARS: usize = 120;
/// The most characters of the optional "how to reach me".
pub const MAX_REACH_CHARS: usize = 200;
/// The most characters of an answer.
pub const MAX_ANSWER_CHARS: usize = 4_000;
/// When an answer is due, counted from the day a complaint was received,
/// unless whoever handles it sets another day. The seeds' routine says a
/// complaint is to be handled and answered but names no time; 14 days is
/// ours (docs/complaints.md).
pub const DEFAULT_ANSWER_DAYS: i64 = 14;

/// Crockford's base32 alphabet: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Symbols in a receipt code: 9 × 5 = 45 bits.
pub const CODE_SYMBOLS: usize = 9;
/// Bits of randomness in a receipt code.
pub const CODE_BITS: u32 = 45;

/// A receipt code (kvittokod), as `K7M-4QX-9TP`: nine symbols of Crockford's
/// base32, 45 random bits. Only a hash of it is stored; the child keeps the
/// code.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ReceiptCode([u8; CODE_SYMBOLS]);

/// Why a typed code is not a receipt code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("a receipt code has nine letters and digits")]
    WrongLength,
    #[error("a receipt code has only the letters and digits of Crockford's base32")]
    BadSymbol,
}

impl ReceiptCode {
    /// A code from 45 random bits (the low 45 of `bits`; the caller draws
    /// them from a CSPRNG).
    pub fn from_bits(bits: u64) -> Self {
        let mut symbols = [0u8; CODE_SYMBOLS];
        for (i, symbol) in symbols.iter_mut().enumerate() {
            let shift = 5 * (CODE_SYMBOLS - 1 - i);
            // Masked to five bits: the index is always within the alphabet.
            let index = usize::try_from((bits >> shift) & 0x1f).unwrap_or_default();
            *symbol = ALPHABET[index];
        }
        Self(symbols)
    }

    /// A new code from the operating system's (or the browser's) CSPRNG,
    /// through a version 4 UUID's random bits.
    pub fn new_random() -> Self {
        let bytes = Uuid::new_v4().into_bytes();
        let mut bits = 0u64;
        // Bytes 0..6 of a v4 UUID are wholly random (the version and
        // variant bits are in bytes 6 and 8).
        for b in &bytes[..6] {
            bits = (bits << 8) | u64::from(*b);
        }
        Self::from_bits(bits)
    }

    /// Reads a code as a child may type it: any case, with or without the
    /// dashes, spaces around or between; O read as 0, I and L as 1, as
    /// Crockford allows.
    pub fn parse(typed: &str) -> Result<Self, CodeError> {
        let mut symbols = [0u8; CODE_SYMBOLS];
        let mut n = 0;
        for c in typed.chars() {
            if c == '-' || c == ' ' || c == '\u{a0}' {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(CodeError::BadSymbol);
            }
            if n == CODE_SYMBOLS {
                return Err(CodeError::WrongLength);
            }
            symbols[n] = c as u8;
            n += 1;
        }
        if n == CODE_SYMBOLS {
            Ok(Self(symbols))
        } else {
            Err(CodeError::WrongLength)
        }
    }

    /// The nine symbols without dashes: what is hashed.
    pub fn normalised(&self) -> String {
        self.0.iter().map(|&b| char::from(b)).collect()
    }

    /// The SHA-256 of the nine symbols, in lower-case hex: all that the
    /// tablet's outbox and the server keep of the code.
    pub fn hash(&self) -> String {
        use sha2::Digest;
        sha2::Sha256::digest(self.normalised().as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl fmt::Display for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.normalised();
        write!(f, "{}-{}-{}", &s[0..3], &s[3..6], &s[6..9])
    }
}

/// Never prints the code itself: it opens the child's answer.
impl fmt::Debug for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptCode(…)")
    }
}

/// What the message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// Something the child wants to say (synpunkt).
    Message,
    /// Something the child wishes for (önskemål).
    Wish,
    /// A complaint (klagomål).
    Complaint,
}

impl MessageKind {
    pub const ALL: [Self; 3] = [Self::Message, Self::Wish, Self::Complaint];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Wish => "wish",
            Self::Complaint => "complaint",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Who the complaint came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintSource {
    Child,
    Relative,
    OtherPerson,
    /// Inspektionen för vård och omsorg.
    Ivo,
    Staff,
}

impl ComplaintSource {
    pub const ALL: [Self; 5] = [
        Self::Child,
        Self::Relative,
        Self::OtherPerson,
        Self::Ivo,
        Self::Staff,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Child => "child",
            Self::Relative => "relative",
            Self::OtherPerson => "other_person",
            Self::Ivo => "ivo",
            Self::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Where a complaint is in its handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    New,
    Investigating,
    Answered,
    Closed,
}

impl ComplaintStatus {
    pub const ALL: [Self; 4] = [Self::New, Self::Investigating, Self::Answered, Self::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Investigating => "investigating",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Still waiting for an answer.
    pub fn is_open(self) -> bool {
        matches!(self, Self::New | Self::Investigating)
    }
}

/// How a complaint reached the register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The public page, from a phone or computer, without an account.
    Public,
    /// A social worker's tablet, handed to the child.
    Tablet,
    /// Recorded by staff in the register.
    Staff,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Tablet => "tablet",
            Self::Staff => "staff",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Public, Self::Tablet, Self::Staff]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Why a text was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintError {
    #[error("`{field}` must not be empty")]
    Empty { field: &'static str },
    #[error("`{field}` has at most {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("`{field}` has a control character")]
    ControlCharacter { field: &'static str },
}

/// A required text: trimmed, not empty, at most `max` characters, newlines
/// and tabs only where `multiline`.
pub fn check_text(
    field: &'static str,
    text: &str,
    max: usize,
    multiline: bool,
) -> Result<String, ComplaintError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ComplaintError::Empty { field });
    }
    if text.chars().count() > max {
        return Err(ComplaintError::TooLong { field, max });
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t' || c == '\r');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(ComplaintError::ControlCharacter { field });
    }
    Ok(text.to_owned())
}

/// An optional one-line text: blank is none.
pub fn check_optional(
    field: &'static str,
    text: Option<&str>,
    max: usize,
) -> Result<Option<String>, ComplaintError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => check_text(field, text, max, false).map(Some),
    }
}

/// What a child leaves: `POST /api/v1/public/messages`, and on a tablet the
/// record of a `leave_message` mutation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildMessage {
    pub kind: MessageKind,
    pub text: String,
    /// The child's name, if they want to give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How to reach them, if they want an answer other than through the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<String>,
}

impl ChildMessage {
    /// The message as stored: texts trimmed, blank optional ones none.
    pub fn checked(&self) -> Result<Self, ComplaintError> {
        Ok(Self {
            kind: self.kind,
            text: check_text("text", &self.text, MAX_TEXT_CHARS, true)?,
            name: check_optional("name", self.name.as_deref(), MAX_NAME_CHARS)?,
            reach: check_optional("reach", self.reach.as_deref(), MAX_REACH_CHARS)?,
        })
    }
}

/// A child's message left on a social worker's tablet: the record of a
/// `leave_message` mutation. The code was drawn on the tablet and shown to
/// the child; only its hash travels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TabletMessage {
    pub id: Uuid,
    pub kind: MessageKind,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<String>,
    /// [`ReceiptCode::hash`] of the child's code.
    pub code_hash: String,
    /// The tablet's clock: for people, not for ordering.
    pub recorded_at: DateTime<Utc>,
}

impl TabletMessage {
    /// The message it carries, checked as the public page's is.
    pub fn message(&self) -> Result<ChildMessage, ComplaintError> {
        ChildMessage {
            kind: self.kind,
            text: self.text.clone(),
            name: self.name.clone(),
            reach: self.reach.clone(),
        }
        .checked()
    }

    /// Whether `code_hash` has the shape of a hash (64 lower-case hex
    /// digits).
    pub fn has_hash_shape(&self) -> bool {
        self.code_hash.len() == 64
            && self
                .code_hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

/// `201` to a child's message: the code to read the answer with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageReceipt {
    pub code: String,
}

/// `GET /api/v1/public/messages/{code}`: what the child may read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageStatus {
    pub status: ComplaintStatus,
    pub received_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_on: Option<NaiveDate>,
}

/// One entry of the unit's register.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    pub id: Uuid,
    /// Bumped by every change; an update names the revision it was made on.
    pub revision: i64,
    pub received_on: NaiveDate,
    pub source: ComplaintSource,
    pub kind: MessageKind,
    pub channel: Channel,
    pub text: String,
    pub from_name: Option<String>,
    pub reach: Option<String>,
    /// `None` for a child's message no one has taken into a unit yet.
    pub unit_id: Option<UnitId>,
    pub status: ComplaintStatus,
    pub responsible: Option<UserId>,
    pub answer: Option<String>,
    pub answered_on: Option<NaiveDate>,
    pub due_on: NaiveDate,
    pub child_id: Option<ChildId>,
    pub home_id: Option<HomeId>,
    /// Whether a child can read the answer with a receipt code.
    pub has_code: bool,
    pub recorded_by: Option<UserId>,
    pub updated_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl Complaint {
    /// Open and past its day for an answer, on `today` (Swedish time).
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due_on < today
    }
}

/// `POST /api/v1/complaints`: a complaint recorded by staff (from a
/// relative, IVO, another person, staff, or a child who said it aloud).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    pub received_on: NaiveDate,
    pub source: ComplaintSource,
    pub kind: MessageKind,
    pub text: String,
    #[serde(default)]
    pub from_name: Option<String>,
    #[serde(default)]
    pub reach: Option<String>,
    pub unit_id: UnitId,
    /// Default: whoever records it.
    #[serde(default)]
    pub responsible: Option<UserId>,
    /// Default: [`DEFAULT_ANSWER_DAYS`] after `received_on`.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub child_id: Option<ChildId>,
    #[serde(default)]
    pub home_id: Option<HomeId>,
}

/// `PUT /api/v1/complaints/{id}`: the handling fields, all of them, made on
/// `revision`. A stale revision is `409 stale_update`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintUpdate {
    pub revision: i64,
    pub status: ComplaintStatus,
    pub unit_id: Option<UnitId>,
    pub responsible: Option<UserId>,
    pub answer: Option<String>,
    pub due_on: NaiveDate,
    pub child_id: Option<ChildId>,
    pub home_id: Option<HomeId>,
}

/// `GET /api/v1/complaints?show=new|overdue|all`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintList {
    pub complaints: Vec<Complaint>,
    pub counts: ComplaintCounts,
}

/// How many of the caller's complaints are new, and open past their day.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintCounts {
    pub new: u32,
    pub overdue: u32,
}

/// The day an answer is due by default.
pub fn default_due(received_on: NaiveDate) -> NaiveDate {
    received_on + chrono::Duration::days(DEFAULT_ANSWER_DAYS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_three_groups_of_three_from_45_bits() {
        let code = ReceiptCode::from_bits(0);
        assert_eq!(code.to_string(), "000-000-000");
        let all = ReceiptCode::from_bits((1 << CODE_BITS) - 1);
        assert_eq!(all.to_string(), "ZZZ-ZZZ-ZZZ");
        // Bits above the 45 are not used.
        assert_eq!(ReceiptCode::from_bits(1 << CODE_BITS), code);
        let some = ReceiptCode::from_bits(0b00001_00010_00011_00100_00101_00110_00111_01000_11111);
        assert_eq!(some.to_string(), "123-456-78Z");
    }

    #[test]
    fn random_codes_differ_and_read_back() {
        let a = ReceiptCode::new_random();
        let b = ReceiptCode::new_random();
        assert_ne!(a, b, "45 random bits twice alike");
        assert_eq!(ReceiptCode::parse(&a.to_string()), Ok(a.clone()));
        assert_eq!(a.to_string().len(), 11);
    }

    #[test]
    fn typed_codes_are_normalised_as_crockford_allows() {
        let code = ReceiptCode::parse("K7M-4QX-9TP").expect("code");
        for typed in [
            "k7m-4qx-9tp",
            "K7M4QX9TP",
            " k7m 4qx 9tp ",
            "K7M-4QX9TP",
            "k7m\u{a0}4qx\u{a0}9tp",
        ] {
            assert_eq!(ReceiptCode::parse(typed), Ok(code.clone()), "{typed}");
        }
        let with_zero_one = ReceiptCode::parse("A01-B01-C01").expect("code");
        for typed in ["AO1-BOI-COL", "ao1-boi-col", "AOI-BOL-C0l"] {
            assert_eq!(
                ReceiptCode::parse(typed),
                Ok(with_zero_one.clone()),
                "{typed}"
            );
        }
        assert_eq!(with_zero_one.normalised(), "A01B01C01");
    }

    #[test]
    fn wrong_codes_are_refused() {
        for (typed, error) in [
            ("", CodeError::WrongLength),
            ("K7M-4QX-9T", CodeError::WrongLength),
            ("K7M-4QX-9TPP", CodeError::WrongLength),
            ("K7M-4QX-9TU", CodeError::BadSymbol),
            ("K7M-4QX-9T!", CodeError::BadSymbol),
            ("K7M-4QX-9TÅ", CodeError::BadSymbol),
            ("K7M_4QX_9TP", CodeError::BadSymbol),
        ] {
            assert_eq!(ReceiptCode::parse(typed), Err(error), "{typed}");
        }
    }

    #[test]
    fn the_hash_is_of_the_normalised_code() {
        let a = ReceiptCode::parse("K7M-4QX-9TP").expect("code");
        let b = ReceiptCode::parse("k7m4qx9tp").expect("code");
        assert_eq!(a.hash(), b.hash());
        // sha256("K7M4QX9TP")
        assert_eq!(a.hash().len(), 64);
        assert_ne!(
            a.hash(),
            ReceiptCode::parse("K7M-4QX-9TQ").expect("code").hash()
        );
        let message = TabletMessage {
            id: Uuid::nil(),
            kind: MessageKind::Message,
            text: "Hej".into(),
            name: None,
            reach: None,
            code_hash: a.hash(),
            recorded_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        assert!(message.has_hash_shape());
        assert!(!TabletMessage {
            code_hash: a.hash().to_uppercase(),
            ..message.clone()
        }
        .has_hash_shape());
        assert!(!TabletMessage {
            code_hash: "K7M-4QX-9TP".into(),
            ..message
        }
        .has_hash_shape());
    }

    #[test]
    fn the_code_is_not_in_debug_output() {
        let code = ReceiptCode::parse("K7M-4QX-9TP").expect("code");
        assert!(!format!("{code:?}").contains("K7M"));
    }

    #[test]
    fn messages_are_trimmed_and_bounded() {
        let message = ChildMessage {
            kind: MessageKind::Wish,
            text: "  Jag vill träffa min bror.\nOftare. ".into(),
            name: Some("   ".into()),
            reach: Some(" 070-123 45 67 ".into()),
        };
        let checked = message.checked().expect("valid");
        assert_eq!(checked.text, "Jag vill träffa min bror.\nOftare.");
        assert_eq!(checked.name, None);
        assert_eq!(checked.reach.as_deref(), Some("070-123 45 67"));

        let long = ChildMessage {
            text: "a".repeat(MAX_TEXT_CHARS + 1),
            ..message.clone()
        };
        assert_eq!(
            long.checked(),
            Err(ComplaintError::TooLong {
                field: "text",
                max: MAX_TEXT_CHARS
            })
        );
        let exactly = ChildMessage {
            text: "å".repeat(MAX_TEXT_CHARS),
            ..message.clone()
        };
        assert!(exactly.checked().is_ok());
        let blank = ChildMessage {
            text: " \n ".into(),
            ..message.clone()
        };
        assert_eq!(
            blank.checked(),
            Err(ComplaintError::Empty { field: "text" })
        );
        let name = ChildMessage {
            name: Some("Ali\nBerg".into()),
            ..message
        };
        assert_eq!(
            name.checked(),
            Err(ComplaintError::ControlCharacter { field: "name" })
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<ChildMessage>(
            r#"{"kind":"wish","text":"hej","where_i_live":"x"}"#
        )
        .is_err());
        assert!(serde_json::from_str::<ChildMessage>(r#"{"kind":"wish","text":"hej"}"#).is_ok());
    }

    #[test]
    fn an_answer_is_due_fourteen_days_after_receipt() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        assert_eq!(
            default_due(day),
            NaiveDate::from_ymd_opt(2026, 12, 15).expect("date")
        );
    }
}
