//! SWF's rules for names: domains, task lists, activity type names and versions.
//!
//! | rule | applies to |
//! |---|---|
//! | 1 to 256 characters (versions 1 to 64) | every name |
//! | no `:`, `/`, `\|` or control characters (`\u{0}`-`\u{1f}`, `\u{7f}`-`\u{9f}`) | every name |
//! | not the literal string `arn` (names that merely contain it, such as `learn`, are fine) | every name |
//! | no leading or trailing whitespace | domains and task lists |
//!
//! `#[activity]` checks the same rules at compile time and swf-local answers ValidationException
//! for the same names; the repository's `tests/name_rules.rs` holds all three to one table.

/// Which SWF field a name is for: each has its own length limit, and only domains and task lists
/// must not start or end with whitespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameField {
    Domain,
    TaskList,
    ActivityName,
    ActivityVersion,
    ActivityId,
}

impl NameField {
    /// How the field is called in messages.
    pub(crate) fn what(self) -> &'static str {
        match self {
            NameField::Domain => "domain",
            NameField::TaskList => "task list",
            NameField::ActivityName => "activity name",
            NameField::ActivityVersion => "activity version",
            NameField::ActivityId => "activity id",
        }
    }

    fn max_chars(self) -> usize {
        match self {
            NameField::Domain
            | NameField::TaskList
            | NameField::ActivityName
            | NameField::ActivityId => NAME_MAX_CHARS,
            NameField::ActivityVersion => VERSION_MAX_CHARS,
        }
    }

    fn must_be_trimmed(self) -> bool {
        match self {
            NameField::Domain | NameField::TaskList => true,
            NameField::ActivityName | NameField::ActivityVersion | NameField::ActivityId => false,
        }
    }
}

/// Why a name breaks SWF's rules for `field`, or `None` when it is fine.
pub(crate) fn name_problem(field: NameField, value: &str) -> Option<String> {
    let chars = value.chars().count();
    if chars == 0 {
        return Some("it is empty".to_owned());
    }
    let max_chars = field.max_chars();
    if chars > max_chars {
        return Some(format!(
            "it is {chars} characters, over the limit of {max_chars}"
        ));
    }
    if let Some(c) = value
        .chars()
        .find(|c| matches!(c, ':' | '/' | '|') || is_forbidden_control(*c))
    {
        return Some(format!(
            "it contains {c:?}, which SWF does not allow in names"
        ));
    }
    if value == "arn" {
        return Some(
            "it is the literal string \"arn\", which SWF does not allow as a name".to_owned(),
        );
    }
    if field.must_be_trimmed()
        && (value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace))
    {
        return Some(format!(
            "it starts or ends with whitespace, which SWF does not allow in a {}",
            field.what()
        ));
    }
    None
}

fn is_forbidden_control(c: char) -> bool {
    matches!(c, '\u{0000}'..='\u{001f}' | '\u{007f}'..='\u{009f}')
}

/// Most characters in a domain, task list or activity type name.
const NAME_MAX_CHARS: usize = 256;
/// Most characters in an activity type version.
const VERSION_MAX_CHARS: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names_and_rejects_swf_forbidden_ones() {
        use NameField::*;
        assert_eq!(name_problem(TaskList, "images-eu"), None);
        assert!(name_problem(TaskList, "").is_some());
        assert!(name_problem(ActivityName, "a:b").is_some());
        assert!(name_problem(ActivityName, "a\u{7}b").is_some());
        assert!(name_problem(ActivityName, "arn").is_some());
        assert_eq!(name_problem(ActivityName, "learn"), None);
        assert!(name_problem(Domain, " lead").is_some());
        assert_eq!(name_problem(ActivityName, " lead"), None);
        assert!(name_problem(ActivityName, &"x".repeat(257)).is_some());
        assert!(name_problem(ActivityVersion, &"x".repeat(65)).is_some());
    }
}
