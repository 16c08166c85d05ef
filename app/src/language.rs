//! The interface languages and how each writes dates, times and numbers.
//! Plain Rust, so the formats are tested natively; the UI's translated texts
//! come from `locales/` through `leptos_i18n` (see `docs/languages.md`).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Weekday};

/// A language the interface can be shown in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Language {
    /// The source language: every text is written in Swedish first.
    Swedish,
    English,
    /// Right-to-left; so far only the sign-in screen and the child's pages.
    Arabic,
}

thread_local! {
    static CURRENT: std::cell::Cell<Language> = const { std::cell::Cell::new(Language::Swedish) };
}

/// The interface language now, for words made away from any view (a
/// notice, a browser dialog). The UI keeps it up to date.
pub fn current() -> Language {
    CURRENT.with(std::cell::Cell::get)
}

pub fn set_current(language: Language) {
    CURRENT.with(|current| current.set(language));
}

/// Which way text runs, for `<html dir>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    LeftToRight,
    RightToLeft,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LeftToRight => "ltr",
            Self::RightToLeft => "rtl",
        }
    }
}

impl Language {
    pub const ALL: [Self; 3] = [Self::Swedish, Self::English, Self::Arabic];

    /// The BCP 47 tag, as in `<html lang>` and the locale files' folders.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Swedish => "sv",
            Self::English => "en",
            Self::Arabic => "ar",
        }
    }

    /// A tag as a browser or the device's memory gives it (`en-GB`, `sv`);
    /// `None` for a language the app does not have.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.tag() == primary)
    }

    /// The tag a voice for reading aloud is asked for (`sv-SE`).
    pub fn voice_tag(self) -> &'static str {
        match self {
            Self::Swedish => "sv-SE",
            Self::English => "en-GB",
            Self::Arabic => "ar",
        }
    }

    /// The language's own name, as the language picker shows it.
    pub fn own_name(self) -> &'static str {
        match self {
            Self::Swedish => "Svenska",
            Self::English => "English",
            Self::Arabic => "العربية",
        }
    }

    /// The generated texts' locale of this language.
    pub fn locale(self) -> crate::i18n::Locale {
        match self {
            Self::Swedish => crate::i18n::Locale::sv,
            Self::English => crate::i18n::Locale::en,
            Self::Arabic => crate::i18n::Locale::ar,
        }
    }

    pub fn from_locale(locale: crate::i18n::Locale) -> Self {
        match locale {
            crate::i18n::Locale::sv => Self::Swedish,
            crate::i18n::Locale::en => Self::English,
            crate::i18n::Locale::ar => Self::Arabic,
        }
    }

    /// Whether every staff page is translated (Arabic so far covers the
    /// sign-in screen and the child's pages only).
    pub fn covers_staff_pages(self) -> bool {
        !matches!(self, Self::Arabic)
    }

    pub fn direction(self) -> Direction {
        match self {
            Self::Arabic => Direction::RightToLeft,
            Self::Swedish | Self::English => Direction::LeftToRight,
        }
    }

    /// "4 dec. 2026", "4 Dec 2026", "٤ ديسمبر ٢٠٢٦".
    pub fn date(self, date: NaiveDate) -> String {
        let month = date.month0() as usize;
        let text = match self {
            Self::Swedish => format!("{} {} {}", date.day(), MONTHS_SHORT_SV[month], date.year()),
            Self::English => format!("{} {} {}", date.day(), MONTHS_SHORT_EN[month], date.year()),
            Self::Arabic => format!("{} {} {}", date.day(), MONTHS_AR[month], date.year()),
        };
        self.digits(&text)
    }

    /// "14.05" in Swedish (as Språkrådet writes it in running text), "14:05" in English.
    pub fn time(self, at: NaiveDateTime) -> String {
        let separator = match self {
            Self::Swedish => '.',
            Self::English | Self::Arabic => ':',
        };
        self.digits(&format!("{:02}{separator}{:02}", at.hour(), at.minute()))
    }

    /// "4 dec. 2026 kl. 14.05", "4 Dec 2026, 14:05".
    pub fn date_time(self, at: NaiveDateTime) -> String {
        let (date, time) = (self.date(at.date()), self.time(at));
        match self {
            Self::Swedish => format!("{date} kl. {time}"),
            Self::English => format!("{date}, {time}"),
            Self::Arabic => format!("{date}، {time}"),
        }
    }

    /// "december 2026", "December 2026": a month on its own.
    pub fn month_year(self, month: NaiveDate) -> String {
        let name = match self {
            Self::Swedish => MONTHS_LONG_SV[month.month0() as usize],
            Self::English => MONTHS_LONG_EN[month.month0() as usize],
            Self::Arabic => MONTHS_AR[month.month0() as usize],
        };
        self.digits(&format!("{name} {}", month.year()))
    }

    /// "dec", "Dec": under a bar in a chart, where the year is said beside.
    pub fn month_short(self, month: NaiveDate) -> &'static str {
        let i = month.month0() as usize;
        match self {
            Self::Swedish => MONTHS_BAR_SV[i],
            Self::English => MONTHS_SHORT_EN[i],
            Self::Arabic => MONTHS_AR[i],
        }
    }

    /// "mån", "Mon": a calendar's column head.
    pub fn weekday_short(self, day: Weekday) -> &'static str {
        let i = day.num_days_from_monday() as usize;
        match self {
            Self::Swedish => ["mån", "tis", "ons", "tor", "fre", "lör", "sön"][i],
            Self::English => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
            Self::Arabic => [
                "الاثنين",
                "الثلاثاء",
                "الأربعاء",
                "الخميس",
                "الجمعة",
                "السبت",
                "الأحد",
            ][i],
        }
    }

    /// A whole number with the language's grouping: "5 000", "5,000", "٥٬٠٠٠".
    pub fn integer(self, value: i64) -> String {
        let digits = value.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 * 2);
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(self.group_separator());
            }
            grouped.push(digit);
        }
        let sign = if value < 0 { "\u{2212}" } else { "" };
        self.digits(&format!("{sign}{grouped}"))
    }

    /// A number with one decimal where it has one: "1,5", "1.5", "2".
    pub fn decimal(self, value: f64) -> String {
        let rounded = (value * 10.0).round() / 10.0;
        if rounded.fract() == 0.0 {
            // Whole after rounding: exact in an i64 for any count this app shows.
            #[expect(clippy::cast_possible_truncation, reason = "a rounded count")]
            return self.integer(rounded as i64);
        }
        let text = format!("{rounded:.1}");
        let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
        let whole: i64 = whole.parse().unwrap_or(0);
        let sign = if rounded < 0.0 && whole == 0 {
            "\u{2212}"
        } else {
            ""
        };
        format!(
            "{sign}{}{}{}",
            self.integer(whole),
            self.decimal_separator(),
            self.digits(fraction)
        )
    }

    /// A share in whole per cent: "45 %" (with a no-break space), "45%", "٤٥٪".
    pub fn percent(self, share: f64) -> String {
        #[expect(clippy::cast_possible_truncation, reason = "0–100 after rounding")]
        let whole = (share * 100.0).round() as i64;
        match self {
            Self::Swedish => format!("{}\u{a0}%", self.integer(whole)),
            Self::English => format!("{}%", self.integer(whole)),
            Self::Arabic => format!("{}\u{066a}", self.integer(whole)),
        }
    }

    fn group_separator(self) -> char {
        match self {
            Self::Swedish => '\u{a0}',
            Self::English => ',',
            Self::Arabic => '\u{066c}',
        }
    }

    fn decimal_separator(self) -> char {
        match self {
            Self::Swedish => ',',
            Self::English => '.',
            Self::Arabic => '\u{066b}',
        }
    }

    /// Arabic writes Arabic-Indic digits (CLDR's default for `ar`).
    fn digits(self, text: &str) -> String {
        match self {
            Self::Arabic => text
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => char::from_u32(0x0660 + d).unwrap_or(c),
                    None => c,
                })
                .collect(),
            Self::Swedish | Self::English => text.to_owned(),
        }
    }
}

const MONTHS_SHORT_SV: [&str; 12] = [
    "jan.", "feb.", "mars", "apr.", "maj", "juni", "juli", "aug.", "sep.", "okt.", "nov.", "dec.",
];
const MONTHS_BAR_SV: [&str; 12] = [
    "jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
];
const MONTHS_LONG_SV: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];
const MONTHS_SHORT_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_LONG_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_AR: [&str; 12] = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
];

/// Whether a voice whose tag is `voice` (`sv-SE`, `en_US`) speaks
/// `language` (`sv`, `sv-SE`): the primary languages agree.
pub fn voice_matches(voice: &str, language: &str) -> bool {
    let primary = |tag: &str| {
        tag.trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    !language.trim().is_empty() && primary(voice) == primary(language)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, min, 0).expect("valid time")
    }

    #[test]
    fn a_voice_reads_its_own_language_whatever_the_region() {
        assert!(voice_matches("sv-SE", "sv"));
        assert!(voice_matches("en_US", Language::English.voice_tag()));
        assert!(voice_matches("ar-SA", "ar"));
        assert!(!voice_matches("en-GB", "sv"));
        assert!(!voice_matches("sv-SE", ""));
    }

    #[test]
    fn dates_as_each_language_writes_them() {
        assert_eq!(Language::Swedish.date(d(2026, 12, 4)), "4 dec. 2026");
        assert_eq!(Language::English.date(d(2026, 12, 4)), "4 Dec 2026");
        assert_eq!(Language::Arabic.date(d(2026, 12, 4)), "٤ ديسمبر ٢٠٢٦");
        // Swedish keeps short month names whole where they are short already.
        assert_eq!(Language::Swedish.date(d(2026, 3, 31)), "31 mars 2026");
        assert_eq!(Language::Swedish.date(d(2026, 6, 1)), "1 juni 2026");
        assert_eq!(Language::English.date(d(2026, 9, 30)), "30 Sep 2026");
    }

    #[test]
    fn times_and_date_times() {
        let when = at(2026, 12, 4, 9, 5);
        assert_eq!(Language::Swedish.time(when), "09.05");
        assert_eq!(Language::English.time(when), "09:05");
        assert_eq!(Language::Swedish.date_time(when), "4 dec. 2026 kl. 09.05");
        assert_eq!(Language::English.date_time(when), "4 Dec 2026, 09:05");
        assert_eq!(Language::Arabic.time(when), "٠٩:٠٥");
    }

    #[test]
    fn months_and_weekdays() {
        assert_eq!(Language::Swedish.month_year(d(2026, 1, 15)), "januari 2026");
        assert_eq!(Language::English.month_year(d(2026, 1, 15)), "January 2026");
        assert_eq!(Language::Swedish.month_short(d(2026, 5, 1)), "maj");
        assert_eq!(Language::English.month_short(d(2026, 5, 1)), "May");
        assert_eq!(Language::Swedish.weekday_short(Weekday::Mon), "mån");
        assert_eq!(Language::English.weekday_short(Weekday::Sun), "Sun");
    }

    #[test]
    fn numbers_group_and_separate_decimals_per_language() {
        assert_eq!(Language::Swedish.integer(5000), "5\u{a0}000");
        assert_eq!(Language::English.integer(5000), "5,000");
        assert_eq!(Language::English.integer(100_000), "100,000");
        assert_eq!(Language::English.integer(999), "999");
        assert_eq!(Language::English.integer(-1234), "\u{2212}1,234");
        assert_eq!(Language::Arabic.integer(5000), "٥٬٠٠٠");
        assert_eq!(Language::Swedish.decimal(1.25), "1,3");
        assert_eq!(Language::English.decimal(1.25), "1.3");
        assert_eq!(Language::English.decimal(2.0), "2");
        assert_eq!(Language::English.decimal(1234.5), "1,234.5");
        assert_eq!(Language::Swedish.decimal(-0.5), "\u{2212}0,5");
        assert_eq!(Language::Arabic.decimal(1.5), "١٫٥");
    }

    #[test]
    fn plural_texts_per_language() {
        use crate::i18n::td_string;
        let english = Language::English.locale();
        let swedish = Language::Swedish.locale();
        assert_eq!(
            td_string!(english, sync.changes_waiting, count = 1),
            "1 change waiting"
        );
        assert_eq!(
            td_string!(english, sync.changes_waiting, count = 3),
            "3 changes waiting"
        );
        assert_eq!(
            td_string!(swedish, sync.changes_waiting, count = 3),
            "3 ändringar väntar"
        );
        assert_eq!(
            td_string!(Language::Arabic.locale(), common.language).to_string(),
            "Språk"
        );
    }

    #[test]
    fn percentages() {
        assert_eq!(Language::Swedish.percent(0.454), "45\u{a0}%");
        assert_eq!(Language::English.percent(0.455), "46%");
        assert_eq!(Language::English.percent(1.0), "100%");
        assert_eq!(Language::Arabic.percent(0.25), "٢٥٪");
    }

    #[test]
    fn tags_from_the_browser_or_the_device() {
        assert_eq!(Language::from_tag("en-GB"), Some(Language::English));
        assert_eq!(Language::from_tag("SV_se"), Some(Language::Swedish));
        assert_eq!(Language::from_tag("ar"), Some(Language::Arabic));
        assert_eq!(Language::from_tag("fi"), None);
        assert_eq!(Language::from_tag(""), None);
        for language in Language::ALL {
            assert_eq!(Language::from_tag(language.tag()), Some(language));
        }
        assert_eq!(Language::Arabic.direction().as_str(), "rtl");
        assert_eq!(Language::English.direction().as_str(), "ltr");
    }
}
