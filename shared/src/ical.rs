//! iCalendar export of upcoming visits: placeholder, being written.
