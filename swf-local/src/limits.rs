//! The documented field constraints of SWF, checked on every request (`ValidationException`).

use std::time::Duration;

use crate::error::SwfError;

/// RecordActivityTaskHeartbeat `details`.
pub const HEARTBEAT_DETAILS_MAX: usize = 2048;
/// Results, details and inputs.
pub const DATA_MAX: usize = 32768;
/// Failure reasons.
pub const REASON_MAX: usize = 256;
/// Task tokens.
pub const TASK_TOKEN_MAX: usize = 1024;
/// Poller identities.
pub const IDENTITY_MAX: usize = 256;
/// Names: domains, ids, task lists, type names.
pub const NAME_MAX: usize = 256;
/// Type versions.
pub const VERSION_MAX: usize = 64;
/// Descriptions.
pub const DESCRIPTION_MAX: usize = 1024;
/// Duration strings.
pub const DURATION_MAX: usize = 8;

fn constraint(field: &str, value: &str, what: &str) -> SwfError {
    let shown: String = value.chars().take(64).collect();
    SwfError::validation(format!(
        "1 validation error detected: Value '{shown}' at '{field}' failed to satisfy constraint: {what}"
    ))
}

/// Checks `min..=max` characters.
pub fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), SwfError> {
    let n = value.chars().count();
    if n < min {
        return Err(constraint(
            field,
            value,
            &format!("Member must have length greater than or equal to {min}"),
        ));
    }
    if n > max {
        return Err(constraint(
            field,
            value,
            &format!("Member must have length less than or equal to {max}"),
        ));
    }
    Ok(())
}

/// Checks an optional field's maximum length.
pub fn opt_length(field: &str, value: Option<&str>, max: usize) -> Result<(), SwfError> {
    value.map_or(Ok(()), |v| length(field, v, 0, max))
}

/// Checks a name (type name, activity id, task list, domain): length and forbidden characters.
pub fn name(field: &str, value: &str, max: usize) -> Result<(), SwfError> {
    length(field, value, 1, max)?;
    let bad_char = value.chars().find(|c| {
        matches!(c, ':' | '/' | '|')
            || ('\u{0}'..='\u{1f}').contains(c)
            || ('\u{7f}'..='\u{9f}').contains(c)
    });
    if let Some(c) = bad_char {
        return Err(SwfError::validation(format!(
            "{field} must not contain ':', '/', '|' or control characters (found {c:?})"
        )));
    }
    // SWF refuses the literal string only: `learn` or `arn-1` are valid names.
    if value == "arn" {
        return Err(SwfError::validation(format!(
            "{field} must not be the literal string \"arn\""
        )));
    }
    Ok(())
}

/// Checks a domain or task list name, which also must not start or end with whitespace.
pub fn trimmed_name(field: &str, value: &str) -> Result<(), SwfError> {
    name(field, value, NAME_MAX)?;
    if value.trim() != value {
        return Err(SwfError::validation(format!(
            "{field} must not start or end with whitespace"
        )));
    }
    Ok(())
}

/// Parses a duration string: `NONE` (no timeout) or whole seconds, at most 8 characters.
pub fn duration(field: &str, value: &str) -> Result<Option<Duration>, SwfError> {
    length(field, value, 1, DURATION_MAX)?;
    if value == "NONE" {
        return Ok(None);
    }
    value
        .parse::<u64>()
        .map(|s| Some(Duration::from_secs(s)))
        .map_err(|_| {
            SwfError::validation(format!(
                "{field} must be \"NONE\" or a whole number of seconds, got {value:?}"
            ))
        })
}

/// Checks an optional duration string.
pub fn opt_duration(field: &str, value: Option<&str>) -> Result<(), SwfError> {
    value.map_or(Ok(()), |v| duration(field, v).map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_reject_separators_and_arn() {
        assert!(name("n", "ok-name_1.0", NAME_MAX).is_ok());
        assert!(name("n", "a:b", NAME_MAX).is_err());
        assert!(name("n", "a/b", NAME_MAX).is_err());
        assert!(name("n", "arn", NAME_MAX).is_err());
        assert!(name("n", "darn", NAME_MAX).is_ok());
        assert!(name("n", "", NAME_MAX).is_err());
        assert!(trimmed_name("n", " x").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(duration("d", "NONE").ok(), Some(None));
        assert_eq!(
            duration("d", "30").ok(),
            Some(Some(Duration::from_secs(30)))
        );
        assert!(duration("d", "123456789").is_err());
        assert!(duration("d", "1.5").is_err());
    }

    #[test]
    fn lengths_count_characters() {
        assert!(length("details", &"é".repeat(2048), 0, HEARTBEAT_DETAILS_MAX).is_ok());
        assert!(length("details", &"x".repeat(2049), 0, HEARTBEAT_DETAILS_MAX).is_err());
    }
}
