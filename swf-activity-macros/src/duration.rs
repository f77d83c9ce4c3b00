//! The duration grammar of the timeout keys: `"30s"`, `"10m"`, `"1h30m"`, `"1.5h"`, `"none"`.
//!
//! A duration is `none` (any case) or one or more parts `<number><unit>`, units `h`, `m`, `s` and
//! `ms` from largest to smallest, each at most once; a number may have a decimal fraction. SWF
//! takes whole seconds written in at most 8 characters, so the total must be a whole number of
//! seconds no larger than [`MAX_SECONDS`].

use std::fmt;

/// The largest number of seconds SWF's 8-character duration field holds.
pub(crate) const MAX_SECONDS: u64 = 99_999_999;

/// The forms every duration error names.
pub(crate) const ACCEPTED_FORMS: &str =
    r#"expected a duration like "30s", "10m", "1h30m" or "none""#;

/// A parsed timeout, mirroring the runtime's `Timeout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timeout {
    /// A limit of this many seconds.
    Seconds(u64),
    /// No limit.
    Unlimited,
}

/// Why a duration was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DurationError {
    /// Not in the grammar; the hint, when there is one, says what to change.
    Syntax { hint: Option<String> },
    /// Parses, but is not a whole number of seconds.
    NotWholeSeconds { millis: u128 },
    /// More seconds than SWF's 8-character field holds (`None`: too large to count).
    TooLong { seconds: Option<u128> },
}

impl DurationError {
    /// The message for the duration `text`.
    pub(crate) fn message(&self, text: &str) -> String {
        match self {
            DurationError::Syntax { hint: None } => {
                format!("invalid duration {text:?}: {ACCEPTED_FORMS}")
            }
            DurationError::Syntax { hint: Some(hint) } => {
                format!("invalid duration {text:?}: {ACCEPTED_FORMS}; {hint}")
            }
            DurationError::NotWholeSeconds { millis } => format!(
                "duration {text:?} is {}.{:03} seconds, but SWF only takes whole seconds; round it to {:?} or {:?}",
                millis / 1000,
                millis % 1000,
                format_seconds(u64::try_from(millis / 1000).unwrap_or(MAX_SECONDS)),
                format_seconds(u64::try_from(millis / 1000 + 1).unwrap_or(MAX_SECONDS)),
            ),
            DurationError::TooLong { seconds } => {
                let amount = match seconds {
                    Some(s) => format!("{s} seconds"),
                    None => "too many seconds to count".to_owned(),
                };
                format!(
                    "duration {text:?} is {amount}, over SWF's limit of {MAX_SECONDS} seconds \
                     (8 digits, about 3 years); use a shorter duration or \"none\" for no limit"
                )
            }
        }
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Timeout::Seconds(s) => f.write_str(&format_seconds(*s)),
            Timeout::Unlimited => f.write_str("none"),
        }
    }
}

/// A unit of the grammar, largest first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Hours,
    Minutes,
    Seconds,
    Millis,
}

impl Unit {
    fn millis(self) -> u128 {
        match self {
            Unit::Hours => 3_600_000,
            Unit::Minutes => 60_000,
            Unit::Seconds => 1_000,
            Unit::Millis => 1,
        }
    }
}

/// Parses a duration of the grammar described in the module's documentation.
pub(crate) fn parse_duration(text: &str) -> Result<Timeout, DurationError> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(Timeout::Unlimited);
    }
    let syntax = |hint: Option<String>| DurationError::Syntax { hint };
    if text.is_empty() {
        return Err(syntax(None));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax(Some(format!("add a unit, e.g. \"{text}s\""))));
    }
    if text.chars().any(char::is_whitespace) {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        return Err(match parse_duration(&compact) {
            // The compact form's own hint (e.g. an unknown unit) says more than the spaces do.
            Err(DurationError::Syntax { hint: Some(hint) }) => syntax(Some(hint)),
            _ => syntax(Some(format!("write it without spaces: {compact:?}"))),
        });
    }

    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut total_millis: Option<u128> = Some(0);
    let mut previous: Option<Unit> = None;
    while pos < bytes.len() {
        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_digits = &text[int_start..pos];
        let mut frac_digits = "";
        if pos < bytes.len() && bytes[pos] == b'.' {
            pos += 1;
            let frac_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            frac_digits = &text[frac_start..pos];
            if frac_digits.is_empty() {
                return Err(syntax(None));
            }
        }
        if int_digits.is_empty() {
            return Err(syntax(None));
        }
        let unit_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_alphabetic() {
            pos += 1;
        }
        let unit = match &text[unit_start..pos] {
            "h" => Unit::Hours,
            "m" => Unit::Minutes,
            "s" => Unit::Seconds,
            "ms" => Unit::Millis,
            "" => {
                return Err(syntax(Some(
                    "every number needs a unit: h, m, s or ms".to_owned(),
                )));
            }
            other => {
                return Err(syntax(Some(format!(
                    "{other:?} is not a unit: use h, m, s or ms"
                ))));
            }
        };
        if previous.is_some_and(|p| p >= unit) {
            return Err(syntax(Some(
                "write the units from largest to smallest, each once (h, m, s, ms)".to_owned(),
            )));
        }
        previous = Some(unit);
        let part = part_millis(int_digits, frac_digits, unit)?;
        total_millis = match (total_millis, part) {
            (Some(total), Some(part)) => total.checked_add(part),
            _ => None,
        };
    }

    let Some(millis) = total_millis else {
        return Err(DurationError::TooLong { seconds: None });
    };
    if !millis.is_multiple_of(1000) {
        return Err(DurationError::NotWholeSeconds { millis });
    }
    let seconds = millis / 1000;
    match u64::try_from(seconds) {
        Ok(s) if s <= MAX_SECONDS => Ok(Timeout::Seconds(s)),
        _ => Err(DurationError::TooLong {
            seconds: Some(seconds),
        }),
    }
}

/// One part's milliseconds; `Ok(None)` when it is too large to count.
fn part_millis(
    int_digits: &str,
    frac_digits: &str,
    unit: Unit,
) -> Result<Option<u128>, DurationError> {
    let Some(int_millis) = int_digits
        .parse::<u128>()
        .ok()
        .and_then(|n| n.checked_mul(unit.millis()))
    else {
        return Ok(None);
    };
    let frac_digits = frac_digits.trim_end_matches('0');
    if frac_digits.is_empty() {
        return Ok(Some(int_millis));
    }
    // Any unit is at most 3,600,000 ms, so a fraction with more digits than this is never a whole
    // number of milliseconds.
    if frac_digits.len() > 12 {
        return Err(DurationError::NotWholeSeconds {
            millis: int_millis.saturating_add(1),
        });
    }
    let scale = 10u128.pow(frac_digits.len() as u32);
    let frac: u128 = frac_digits.parse().unwrap_or(0);
    let frac_scaled = frac * unit.millis();
    if !frac_scaled.is_multiple_of(scale) {
        // Below a millisecond: report the part rounded down, it is not whole seconds anyway.
        return Err(DurationError::NotWholeSeconds {
            millis: int_millis.saturating_add(frac_scaled / scale),
        });
    }
    Ok(int_millis.checked_add(frac_scaled / scale))
}

/// Writes seconds in the grammar's shortest form: `90` gives `"1m30s"`, `0` gives `"0s"`.
pub(crate) fn format_seconds(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_owned();
    }
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn secs(s: u64) -> Result<Timeout, DurationError> {
        Ok(Timeout::Seconds(s))
    }

    #[test]
    fn accepts_the_documented_forms() {
        assert_eq!(parse_duration("30s"), secs(30));
        assert_eq!(parse_duration("10m"), secs(600));
        assert_eq!(parse_duration("1h30m"), secs(5400));
        assert_eq!(parse_duration("1h30m15s"), secs(5415));
        assert_eq!(parse_duration("1.5h"), secs(5400));
        assert_eq!(
            parse_duration("2500ms"),
            Err(DurationError::NotWholeSeconds { millis: 2500 })
        );
        assert_eq!(parse_duration("1s1000ms"), secs(2));
        assert_eq!(parse_duration("0s"), secs(0));
        assert_eq!(parse_duration("none"), Ok(Timeout::Unlimited));
        assert_eq!(parse_duration("NONE"), Ok(Timeout::Unlimited));
    }

    #[test]
    fn rejects_what_swf_cannot_take() {
        for bad in [
            "",
            "30",
            "30 s",
            "30 parsecs",
            "1x",
            "s",
            "1.s",
            ".5s",
            "1m1h",
            "1s1s",
            "-1s",
            "1h-",
        ] {
            assert!(
                matches!(parse_duration(bad), Err(DurationError::Syntax { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_duration("0.5s"),
            Err(DurationError::NotWholeSeconds { millis: 500 })
        );
        assert_eq!(
            parse_duration("100000000s"),
            Err(DurationError::TooLong {
                seconds: Some(100_000_000)
            })
        );
        assert_eq!(
            parse_duration(&format!("{}h", "9".repeat(60))),
            Err(DurationError::TooLong { seconds: None })
        );
        assert_eq!(
            parse_duration(&format!("{MAX_SECONDS}s")),
            secs(MAX_SECONDS)
        );
    }

    #[test]
    fn messages_name_the_accepted_forms() {
        let message = parse_duration("30 parsecs")
            .unwrap_err()
            .message("30 parsecs");
        assert!(message.contains(ACCEPTED_FORMS), "{message}");
        assert!(
            message.ends_with(r#""parsecs" is not a unit: use h, m, s or ms"#),
            "{message}"
        );
        let message = parse_duration("1 h").unwrap_err().message("1 h");
        assert!(
            message.ends_with(r#"write it without spaces: "1h""#),
            "{message}"
        );
        let message = parse_duration("30").unwrap_err().message("30");
        assert!(message.contains("\"30s\""), "{message}");
        let message = parse_duration("1.5s").unwrap_err().message("1.5s");
        assert!(
            message.contains("1.500 seconds") && message.contains("\"1s\" or \"2s\""),
            "{message}"
        );
    }

    #[test]
    fn formats_shortest_form() {
        assert_eq!(format_seconds(0), "0s");
        assert_eq!(format_seconds(90), "1m30s");
        assert_eq!(format_seconds(3600), "1h");
        assert_eq!(format_seconds(3661), "1h1m1s");
    }

    proptest! {
        #[test]
        fn compositions_add_up(
            h in proptest::option::of(0u64..200_000),
            m in proptest::option::of(0u64..100_000),
            s in proptest::option::of(0u64..100_000_000),
        ) {
            prop_assume!(h.is_some() || m.is_some() || s.is_some());
            let text = format!(
                "{}{}{}",
                h.map(|h| format!("{h}h")).unwrap_or_default(),
                m.map(|m| format!("{m}m")).unwrap_or_default(),
                s.map(|s| format!("{s}s")).unwrap_or_default(),
            );
            let expected = h.unwrap_or(0) * 3600 + m.unwrap_or(0) * 60 + s.unwrap_or(0);
            let parsed = parse_duration(&text);
            if expected <= MAX_SECONDS {
                prop_assert_eq!(parsed, secs(expected));
            } else {
                prop_assert_eq!(parsed, Err(DurationError::TooLong { seconds: Some(expected.into()) }));
            }
        }

        #[test]
        fn formatted_seconds_parse_back(s in 0..=MAX_SECONDS) {
            prop_assert_eq!(parse_duration(&format_seconds(s)), secs(s));
        }

        #[test]
        fn milliseconds_are_whole_seconds_only_in_thousands(ms in 0u64..1_000_000_000) {
            let parsed = parse_duration(&format!("{ms}ms"));
            if ms % 1000 == 0 {
                prop_assert_eq!(parsed, secs(ms / 1000));
            } else {
                prop_assert_eq!(parsed, Err(DurationError::NotWholeSeconds { millis: ms.into() }));
            }
        }

        #[test]
        fn garbage_never_panics(text in "\\PC{0,24}") {
            let _ = parse_duration(&text).map_err(|e| e.message(&text));
        }

        #[test]
        fn near_misses_never_panic(text in "[0-9.hms ]{0,16}") {
            let _ = parse_duration(&text).map_err(|e| e.message(&text));
        }
    }
}
