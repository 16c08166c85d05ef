//! The children's corner ("För barn och unga"): what a placed child can read
//! alone, without an account and offline. The words are content
//! (`content/<language>/children/<age>/<topic>.md`); this module says which
//! pages there are, for which age, and finds each in the reader's language,
//! falling back to Swedish where a language lacks one.

use crate::content::{self, TranslationStatus};
use crate::markdown::{self, Block};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The two age versions of every text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AgeGroup {
    /// About 7–12 years.
    Younger,
    /// About 13–18 years.
    Older,
}

impl AgeGroup {
    pub const ALL: [Self; 2] = [Self::Younger, Self::Older];

    /// The folder and the path segment: `7-12`, `13-18`.
    pub fn slug(self) -> &'static str {
        match self {
            Self::Younger => "7-12",
            Self::Older => "13-18",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.slug() == slug)
    }
}

/// A page of the corner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    FosterHome,
    EmergencyHome,
    ResidentialCare,
    /// Stödboende is for young people of 16–20: only in the older version.
    SupportedHousing,
    SocialWorker,
    Visits,
    WhatYouTell,
    WhyPlaced,
    Complain,
}

impl Topic {
    /// In the order a child meets them: where you live, then the rest.
    pub const ALL: [Self; 9] = [
        Self::FosterHome,
        Self::EmergencyHome,
        Self::ResidentialCare,
        Self::SupportedHousing,
        Self::SocialWorker,
        Self::Visits,
        Self::WhatYouTell,
        Self::WhyPlaced,
        Self::Complain,
    ];

    /// The file name without `.md`, and the path segment.
    pub fn slug(self) -> &'static str {
        match self {
            Self::FosterHome => "bo-i-familjehem",
            Self::EmergencyHome => "bo-i-jourhem",
            Self::ResidentialCare => "bo-pa-hvb",
            Self::SupportedHousing => "bo-i-stodboende",
            Self::SocialWorker => "socialsekreterare",
            Self::Visits => "besok",
            Self::WhatYouTell => "det-du-berattar",
            Self::WhyPlaced => "varfor-placerad",
            Self::Complain => "klaga",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.slug() == slug)
    }

    /// Whether the topic is about a place a child may live.
    pub fn is_place(self) -> bool {
        matches!(
            self,
            Self::FosterHome | Self::EmergencyHome | Self::ResidentialCare | Self::SupportedHousing
        )
    }

    pub fn for_age(self, age: AgeGroup) -> bool {
        self != Self::SupportedHousing || age == AgeGroup::Older
    }

    /// The topics of one age version, in order.
    pub fn of_age(age: AgeGroup) -> impl Iterator<Item = Self> {
        Self::ALL.into_iter().filter(move |t| t.for_age(age))
    }

    fn path(self, age: AgeGroup) -> String {
        format!("children/{}/{}.md", age.slug(), self.slug())
    }
}

/// One page as a reader gets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub title: String,
    pub blocks: Vec<Block>,
    /// The language the page is in: the reader's, or Swedish when their
    /// language has no such page yet.
    pub language: &'static str,
    /// For a translation: draft, reviewed or outdated; `None` in Swedish.
    pub status: Option<TranslationStatus>,
}

impl Page {
    /// The page as one text for reading aloud: the title, then each block.
    pub fn spoken_text(&self) -> String {
        let body = markdown::to_plain_text(&self.blocks);
        format!("{}.\n\n{body}", self.title)
    }
}

/// `topic` for `age` in `language`, else in Swedish.
pub fn page(language: &str, age: AgeGroup, topic: Topic) -> Option<Page> {
    if !topic.for_age(age) {
        return None;
    }
    let path = topic.path(age);
    let (text, language, status) = match content::CORNER.translated(language, &path) {
        Some(translated) if translated.status != TranslationStatus::Outdated => {
            let tag = content::CORNER.language(language)?;
            (translated.text, tag, Some(translated.status))
        }
        _ => (
            content::CORNER.file(content::SOURCE, &path)?,
            content::SOURCE,
            None,
        ),
    };
    let parsed = content::front_matter(text).ok()?;
    Some(Page {
        title: parsed.get("title")?.to_owned(),
        blocks: markdown::parse(parsed.body),
        language,
        status,
    })
}

/// The file the municipality keeps its contact details in, for every
/// language (docs/languages.md).
const CONTACTS: &str = include_str!("../content/contacts.json");

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
struct ContactsFile {
    reviewed_by: Option<String>,
    reviewed_on: Option<String>,
    contacts: Vec<ContactDetails>,
}

/// A place a child can turn to: the social services, IVO, BRIS, 112.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct ContactDetails {
    pub id: String,
    pub name: String,
    pub phone: Option<String>,
    pub web: Option<String>,
    pub hours: Option<String>,
    /// Must be checked by the municipality before children read it.
    pub verify_locally: bool,
    /// What to check, for the municipality (Swedish).
    pub note: Option<String>,
}

impl ContactDetails {
    /// `tel:` link for the phone number (digits and a leading `+` only).
    pub fn tel_href(&self) -> Option<String> {
        let phone = self.phone.as_ref()?;
        let digits: String = phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        (!digits.is_empty()).then(|| format!("tel:{digits}"))
    }
}

/// A contact with what it is for, in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub details: ContactDetails,
    pub description: String,
    pub language: &'static str,
}

/// Who reviewed the contact details, and when; `None` until the
/// municipality has.
pub fn contacts_reviewed() -> Option<(String, String)> {
    let file: ContactsFile = serde_json::from_str(CONTACTS).ok()?;
    Some((file.reviewed_by?, file.reviewed_on?))
}

/// The contact details still to be checked locally (for the language check
/// and the staff's languages page).
pub fn contacts_to_verify() -> Vec<ContactDetails> {
    serde_json::from_str::<ContactsFile>(CONTACTS)
        .map(|f| f.contacts)
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.verify_locally)
        .collect()
}

/// Every contact, described in `language` (Swedish where it has no words).
pub fn contacts(language: &str) -> Vec<Contact> {
    let Ok(file) = serde_json::from_str::<ContactsFile>(CONTACTS) else {
        return Vec::new();
    };
    let words = |language: &str| -> Option<BTreeMap<String, String>> {
        let path = "children/contacts.json";
        let text = if language == content::SOURCE {
            content::CORNER.file(content::SOURCE, path)?
        } else {
            let translated = content::CORNER.translated(language, path)?;
            if translated.status == TranslationStatus::Outdated {
                return None;
            }
            translated.text
        };
        serde_json::from_str(text).ok()
    };
    let theirs = words(language).zip(content::CORNER.language(language));
    let swedish = words(content::SOURCE).unwrap_or_default();
    file.contacts
        .into_iter()
        .filter_map(|details| {
            let (description, language) = theirs
                .as_ref()
                .and_then(|(w, tag)| w.get(&details.id).map(|d| (d.clone(), *tag)))
                .or_else(|| {
                    swedish
                        .get(&details.id)
                        .map(|d| (d.clone(), content::SOURCE))
                })?;
            Some(Contact {
                details,
                description,
                language,
            })
        })
        .collect()
}

/// "Min socialsekreterare": how a child reaches their social worker. The
/// worker keeps the phone, e-mail and hours in their profile; the card holds
/// nothing about any child, so it may travel in a link (a QR code).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerCard {
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// When the worker can be reached ("Vardagar 9–11").
    #[serde(default)]
    pub hours: Option<String>,
}

/// What the worker keeps in their profile (`PUT /api/v1/me/card`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardDetails {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub hours: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CardProblem {
    #[error("a phone number is 3–30 characters: digits, spaces, +, - and brackets")]
    Phone,
    #[error("an e-mail address is name@place, at most 120 characters")]
    Email,
    #[error("the hours are at most 120 characters on one line")]
    Hours,
}

impl CardDetails {
    /// Trimmed, with empty fields as none; or what is wrong.
    pub fn checked(self) -> Result<Self, CardProblem> {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let (phone, email, hours) = (clean(self.phone), clean(self.email), clean(self.hours));
        if let Some(phone) = &phone {
            let allowed = phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            if !allowed || digits < 3 || phone.chars().count() > 30 {
                return Err(CardProblem::Phone);
            }
        }
        if let Some(email) = &email {
            let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            });
            if !well_formed
                || email.chars().count() > 120
                || email.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(CardProblem::Email);
            }
        }
        if let Some(hours) = &hours {
            if hours.chars().count() > 120 || hours.chars().any(char::is_control) {
                return Err(CardProblem::Hours);
            }
        }
        Ok(Self {
            phone,
            email,
            hours,
        })
    }
}

/// Where the children's corner shows a card opened from a link.
pub const SHARED_CARD_PATH: &str = "/barn-och-unga/min-socialsekreterare";

impl WorkerCard {
    /// The card as a link on `origin` (`https://barnbesok.example.se`): the
    /// worker's name and contact details, nothing else.
    pub fn link(&self, origin: &str) -> String {
        let mut query = vec![format!("namn={}", percent_encode(&self.name))];
        for (key, value) in [
            ("tel", &self.phone),
            ("epost", &self.email),
            ("tider", &self.hours),
        ] {
            if let Some(value) = value {
                query.push(format!("{key}={}", percent_encode(value)));
            }
        }
        format!(
            "{}{SHARED_CARD_PATH}?{}",
            origin.trim_end_matches('/'),
            query.join("&")
        )
    }

    /// A card from a link's fields, when they make one (a name, and details
    /// that pass [`CardDetails::checked`]).
    pub fn from_fields(
        name: Option<String>,
        phone: Option<String>,
        email: Option<String>,
        hours: Option<String>,
    ) -> Option<Self> {
        let name = name?.trim().to_owned();
        if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
            return None;
        }
        let details = CardDetails {
            phone,
            email,
            hours,
        }
        .checked()
        .ok()?;
        Some(Self {
            name,
            phone: details.phone,
            email: details.email,
            hours: details.hours,
        })
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_card_travels_as_a_link_with_the_workers_details_only() {
        let card = WorkerCard {
            name: "Anna Åberg".into(),
            phone: Some("070-123 45 67".into()),
            email: Some("anna.aberg@exempelby.se".into()),
            hours: Some("Vardagar 9–11".into()),
        };
        let link = card.link("https://barnbesok.example.se/");
        assert_eq!(
            link,
            "https://barnbesok.example.se/barn-och-unga/min-socialsekreterare?namn=Anna%20%C3%85berg\
             &tel=070-123%2045%2067&epost=anna.aberg%40exempelby.se&tider=Vardagar%209%E2%80%9311"
        );
        let back = WorkerCard::from_fields(
            Some(card.name.clone()),
            card.phone.clone(),
            card.email.clone(),
            card.hours.clone(),
        );
        assert_eq!(back, Some(card));
        assert_eq!(WorkerCard::from_fields(None, None, None, None), None);
        assert_eq!(
            WorkerCard::from_fields(Some("Anna".into()), Some("ring mig".into()), None, None),
            None,
            "a link with a made-up number shows no card"
        );
    }

    #[test]
    fn card_details_are_trimmed_and_checked() {
        let ok = CardDetails {
            phone: Some(" +46 (0)70-123 45 67 ".into()),
            email: Some("".into()),
            hours: Some("Mån–fre 9–11".into()),
        }
        .checked()
        .expect("valid");
        assert_eq!(ok.phone.as_deref(), Some("+46 (0)70-123 45 67"));
        assert_eq!(ok.email, None);
        for (phone, email, hours, problem) in [
            (Some("12"), None, None, CardProblem::Phone),
            (Some("070 abc"), None, None, CardProblem::Phone),
            (None, Some("anna@"), None, CardProblem::Email),
            (None, Some("anna @x.se"), None, CardProblem::Email),
            (None, Some("anna@x"), None, CardProblem::Email),
            (None, None, Some("rad ett\nrad två"), CardProblem::Hours),
        ] {
            let details = CardDetails {
                phone: phone.map(Into::into),
                email: email.map(Into::into),
                hours: hours.map(Into::into),
            };
            assert_eq!(details.checked(), Err(problem));
        }
    }

    #[test]
    fn every_topic_of_every_age_reads_in_swedish_english_and_arabic() {
        for age in AgeGroup::ALL {
            for topic in Topic::of_age(age) {
                for language in ["sv", "en", "ar"] {
                    let page = page(language, age, topic)
                        .unwrap_or_else(|| panic!("{language} {age:?} {topic:?}"));
                    assert_eq!(page.language, language);
                    assert!(!page.title.is_empty() && !page.blocks.is_empty());
                    assert_eq!(page.status.is_none(), language == "sv");
                }
            }
        }
    }

    #[test]
    fn supported_housing_is_only_for_the_older_and_unknown_languages_get_swedish() {
        assert!(page("sv", AgeGroup::Younger, Topic::SupportedHousing).is_none());
        assert!(page("sv", AgeGroup::Older, Topic::SupportedHousing).is_some());
        let somali = page("so", AgeGroup::Younger, Topic::Complain).expect("Swedish");
        assert_eq!(somali.language, "sv");
        assert_eq!(
            Topic::of_age(AgeGroup::Younger).count() + 1,
            Topic::of_age(AgeGroup::Older).count()
        );
        for topic in Topic::ALL {
            assert_eq!(Topic::from_slug(topic.slug()), Some(topic));
        }
        assert_eq!(AgeGroup::from_slug("13-18"), Some(AgeGroup::Older));
        assert_eq!(AgeGroup::from_slug("0-6"), None);
    }

    #[test]
    fn contacts_have_words_in_every_language_and_dialable_numbers() {
        for language in ["sv", "en", "ar"] {
            let all = contacts(language);
            assert!(all.iter().any(|c| c.details.id == "bris"));
            assert!(all.iter().all(|c| c.language == language), "{language}");
        }
        let bris = contacts("en")
            .into_iter()
            .find(|c| c.details.id == "bris")
            .expect("BRIS");
        assert_eq!(bris.details.tel_href().as_deref(), Some("tel:116111"));
        assert!(bris.description.contains("116 111"));
        let ivo = contacts("sv")
            .into_iter()
            .find(|c| c.details.id == "ivo")
            .expect("IVO");
        assert_eq!(ivo.details.tel_href().as_deref(), Some("tel:0107885000"));
    }

    #[test]
    fn a_page_is_spoken_title_first_without_markdown() {
        let page = page("sv", AgeGroup::Younger, Topic::Complain).expect("page");
        let spoken = page.spoken_text();
        assert!(spoken.starts_with(&page.title));
        assert!(!spoken.contains("##") && !spoken.contains("**"));
        assert!(spoken.contains("116 111"));
    }
}
