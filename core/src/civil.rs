//! Calendar dates of Unix time, UTC, for the wire formats that spell them out (SigV4's `X-Amz-Date`, the SRP
//! password claim's timestamp). No time zone but UTC, no clock: the caller passes the seconds.

/// A UTC date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// The year.
    pub year: u64,
    /// 1 (January) to 12.
    pub month: u64,
    /// 1 to 31.
    pub day: u64,
    /// 0 (Thursday, 1970-01-01's weekday) to 6: index into [`WEEKDAYS_FROM_THURSDAY`].
    pub weekday: u64,
    /// Hours, minutes and seconds of the day.
    pub hms: (u64, u64, u64),
}

/// English weekday abbreviations, starting on Thursday (day 0 of Unix time).
pub const WEEKDAYS_FROM_THURSDAY: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
/// English month abbreviations, January first.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl Civil {
    /// The UTC date and time of `unix` seconds since 1970-01-01 (H. Hinnant's `civil_from_days`).
    pub fn from_unix(unix: u64) -> Civil {
        let days = unix / 86_400;
        let secs = unix % 86_400;
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z % 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        Civil {
            year: yoe + era * 400 + u64::from(month <= 2),
            month,
            day,
            weekday: days % 7,
            hms: (secs / 3600, secs % 3600 / 60, secs % 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_unix_time() {
        let epoch = Civil::from_unix(0);
        assert_eq!(
            (epoch.year, epoch.month, epoch.day, epoch.hms),
            (1970, 1, 1, (0, 0, 0))
        );
        assert_eq!(WEEKDAYS_FROM_THURSDAY[epoch.weekday as usize], "Thu");
        // 2000-02-29 (a leap day of a century divisible by 400), 2026-11-08 09:05:03 (a Sunday).
        let leap = Civil::from_unix(951_782_400);
        assert_eq!((leap.year, leap.month, leap.day), (2000, 2, 29));
        let sunday = Civil::from_unix(1_794_128_703);
        assert_eq!(
            (sunday.year, sunday.month, sunday.day, sunday.hms),
            (2026, 11, 8, (9, 5, 3))
        );
        assert_eq!(WEEKDAYS_FROM_THURSDAY[sunday.weekday as usize], "Sun");
        assert_eq!(MONTHS[(sunday.month - 1) as usize], "Nov");
    }
}
