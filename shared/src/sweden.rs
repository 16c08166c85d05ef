//! Swedish time (Europe/Stockholm): CET, and CEST from the last Sunday of
//! March to the last Sunday of October, switching at 01:00 UTC (the EU
//! rule). Days that people name ("cover until Friday") begin at midnight
//! here, not in UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let last = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    }
    .pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    last.checked_sub_signed(Duration::days(i64::from(back)))
}

/// When summer time begins and ends in `year`, in UTC.
fn summer_time(year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let one = NaiveTime::from_hms_opt(1, 0, 0)?;
    Some((
        last_sunday(year, 3)?.and_time(one).and_utc(),
        last_sunday(year, 10)?.and_time(one).and_utc(),
    ))
}

/// Sweden's offset from UTC at `instant`.
pub fn offset_at(instant: DateTime<Utc>) -> Duration {
    let summer = summer_time(instant.year())
        .is_some_and(|(begins, ends)| begins <= instant && instant < ends);
    Duration::hours(if summer { 2 } else { 1 })
}

/// The date in Sweden at `instant`.
pub fn date_at(instant: DateTime<Utc>) -> NaiveDate {
    (instant.naive_utc() + offset_at(instant)).date()
}

/// The instant `date` begins in Sweden (its midnight), or `None` at the
/// ends of the calendar. No switch happens at midnight, so the offset is the
/// one in force two hours before the UTC midnight of that date.
pub fn start_of(date: NaiveDate) -> Option<DateTime<Utc>> {
    let utc_midnight = date.and_time(NaiveTime::MIN).and_utc();
    let probe = utc_midnight.checked_sub_signed(Duration::hours(2))?;
    utc_midnight.checked_sub_signed(offset_at(probe))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Weekday};

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("time")
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn summer_time_runs_from_the_last_sunday_of_march_to_that_of_october() {
        assert_eq!(last_sunday(2026, 3), Some(day(2026, 3, 29)));
        assert_eq!(last_sunday(2026, 10), Some(day(2026, 10, 25)));
        assert_eq!(
            last_sunday(2027, 3).map(|d| d.weekday()),
            Some(Weekday::Sun)
        );
        assert_eq!(offset_at(utc(2026, 3, 29, 0, 59)), Duration::hours(1));
        assert_eq!(offset_at(utc(2026, 3, 29, 1, 0)), Duration::hours(2));
        assert_eq!(offset_at(utc(2026, 10, 25, 0, 59)), Duration::hours(2));
        assert_eq!(offset_at(utc(2026, 10, 25, 1, 0)), Duration::hours(1));
        assert_eq!(offset_at(utc(2026, 12, 4, 12, 0)), Duration::hours(1));
    }

    #[test]
    fn a_day_begins_at_midnight_in_sweden() {
        // Winter: 23:00 UTC the evening before; summer: 22:00.
        assert_eq!(start_of(day(2026, 12, 5)), Some(utc(2026, 12, 4, 23, 0)));
        assert_eq!(start_of(day(2026, 7, 1)), Some(utc(2026, 6, 30, 22, 0)));
        // The switch days themselves begin before the switch.
        assert_eq!(start_of(day(2026, 3, 29)), Some(utc(2026, 3, 28, 23, 0)));
        assert_eq!(start_of(day(2026, 3, 30)), Some(utc(2026, 3, 29, 22, 0)));
        assert_eq!(start_of(day(2026, 10, 25)), Some(utc(2026, 10, 24, 22, 0)));
        assert_eq!(start_of(day(2026, 10, 26)), Some(utc(2026, 10, 25, 23, 0)));
    }

    #[test]
    fn the_swedish_date_turns_at_swedish_midnight() {
        assert_eq!(date_at(utc(2026, 12, 4, 22, 59)), day(2026, 12, 4));
        assert_eq!(date_at(utc(2026, 12, 4, 23, 0)), day(2026, 12, 5));
        assert_eq!(date_at(utc(2026, 6, 30, 22, 0)), day(2026, 7, 1));
        for d in 1..=365 {
            let date = day(2026, 1, 1) + Duration::days(d);
            let start = start_of(date).expect("start");
            assert_eq!(date_at(start), date, "{date}");
            assert_eq!(
                date_at(start - Duration::seconds(1)),
                date.pred_opt().expect("day")
            );
        }
    }
}
