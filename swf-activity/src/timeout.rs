//! Activity timeouts in SWF's wire form.

use std::fmt;
use std::time::Duration;

/// An activity timeout as SWF takes it: a whole number of seconds, or no limit at all.
///
/// SWF sends durations as strings of at most 8 characters, so the largest value is
/// [`Timeout::MAX_SECONDS`] (99,999,999 s, a little over three years).
///
/// ```
/// use swf_activity::Timeout;
///
/// assert_eq!(Timeout::Seconds(90).to_swf_string(), "90");
/// assert_eq!(Timeout::Unlimited.to_swf_string(), "NONE");
/// assert_eq!(Timeout::parse_swf("NONE"), Some(Timeout::Unlimited));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timeout {
    /// A limit of this many seconds.
    Seconds(u64),
    /// No limit (`"NONE"` on the wire).
    Unlimited,
}

impl Timeout {
    /// The largest number of seconds that fits SWF's 8-character duration field.
    pub const MAX_SECONDS: u64 = 99_999_999;

    /// The string SWF expects: `"NONE"` or whole seconds.
    pub fn to_swf_string(self) -> String {
        match self {
            Timeout::Seconds(s) => s.to_string(),
            Timeout::Unlimited => "NONE".to_owned(),
        }
    }

    /// Parses SWF's wire form (`"NONE"` or whole seconds); `None` when it is neither.
    pub fn parse_swf(s: &str) -> Option<Timeout> {
        if s.eq_ignore_ascii_case("NONE") {
            return Some(Timeout::Unlimited);
        }
        if s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().map(Timeout::Seconds)
    }

    /// The limit as a [`Duration`], or `None` when unlimited.
    pub fn as_duration(self) -> Option<Duration> {
        match self {
            Timeout::Seconds(s) => Some(Duration::from_secs(s)),
            Timeout::Unlimited => None,
        }
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeout::Seconds(s) => write!(f, "{s}s"),
            Timeout::Unlimited => f.write_str("none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_round_trips() {
        for t in [
            Timeout::Seconds(0),
            Timeout::Seconds(Timeout::MAX_SECONDS),
            Timeout::Unlimited,
        ] {
            assert_eq!(Timeout::parse_swf(&t.to_swf_string()), Some(t));
        }
        assert_eq!(Timeout::parse_swf("100000000"), None);
        assert_eq!(Timeout::parse_swf("-1"), None);
        assert_eq!(Timeout::parse_swf(""), None);
    }
}
