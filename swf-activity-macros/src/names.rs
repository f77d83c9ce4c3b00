//! SWF's rules for activity type names, versions, task list names and descriptions.

/// Most characters in an activity type name or a task list name.
pub(crate) const NAME_MAX_CHARS: usize = 256;
/// Most characters in an activity type version.
pub(crate) const VERSION_MAX_CHARS: usize = 64;
/// Most characters in an activity type description.
pub(crate) const DESCRIPTION_MAX_CHARS: usize = 1024;

/// Which SWF field a string is for: each has its own length limit and wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// An activity type name.
    Name,
    /// An activity type version.
    Version,
    /// A task list name (also must not start or end with whitespace).
    TaskList,
}

impl NameKind {
    fn what(self) -> &'static str {
        match self {
            NameKind::Name => "activity name",
            NameKind::Version => "activity version",
            NameKind::TaskList => "task list name",
        }
    }

    fn max_chars(self) -> usize {
        match self {
            NameKind::Name | NameKind::TaskList => NAME_MAX_CHARS,
            NameKind::Version => VERSION_MAX_CHARS,
        }
    }
}

/// Whether SWF forbids this character in names: `:`, `/`, `|` and control characters
/// (`\u{0}`-`\u{1f}`, `\u{7f}`-`\u{9f}`).
fn is_forbidden(c: char) -> bool {
    matches!(c, ':' | '/' | '|' | '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// Checks `value` against SWF's rules for `kind`; the error is a complete sentence.
pub(crate) fn validate_name(kind: NameKind, value: &str) -> Result<(), String> {
    let what = kind.what();
    let chars = value.chars().count();
    if chars == 0 {
        return Err(format!("the {what} must not be empty"));
    }
    if chars > kind.max_chars() {
        return Err(format!(
            "the {what} is {chars} characters long; SWF allows at most {}",
            kind.max_chars()
        ));
    }
    if let Some(c) = value.chars().find(|&c| is_forbidden(c)) {
        let shown = if c.is_control() {
            format!("the control character {}", c.escape_unicode())
        } else {
            format!("`{c}`")
        };
        return Err(format!(
            "the {what} contains {shown}; SWF forbids `:`, `/`, `|` and control characters in it"
        ));
    }
    if value == "arn" {
        return Err(format!(
            "the {what} must not be the literal string `arn` (SWF reserves it)"
        ));
    }
    if kind == NameKind::TaskList && value.trim() != value {
        return Err(format!("the {what} must not start or end with whitespace"));
    }
    Ok(())
}

/// Checks a description's length.
pub(crate) fn validate_description(value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    if chars > DESCRIPTION_MAX_CHARS {
        return Err(format!(
            "the description is {chars} characters long; SWF allows at most {DESCRIPTION_MAX_CHARS}"
        ));
    }
    Ok(())
}

/// The description a doc comment gives: its lines (one leading space removed from each, as
/// rustdoc does), joined with newlines and trimmed; `None` when that leaves nothing.
pub(crate) fn description_from_doc_lines<'a>(
    lines: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let joined = lines
        .into_iter()
        .map(|line| line.strip_prefix(' ').unwrap_or(line).trim_end())
        .collect::<Vec<_>>()
        .join("\n");
    let trimmed = joined.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in ["resize_image", "Resize image", "v1.2-beta", "learn", "a"] {
            assert_eq!(validate_name(NameKind::Name, name), Ok(()), "{name}");
        }
        assert_eq!(validate_name(NameKind::Name, &"x".repeat(256)), Ok(()));
        assert_eq!(validate_name(NameKind::Version, &"é".repeat(64)), Ok(()));
    }

    #[test]
    fn rejects_what_swf_rejects() {
        let err = |kind, value: &str| validate_name(kind, value).unwrap_err();
        assert!(err(NameKind::Name, "").contains("must not be empty"));
        assert!(err(NameKind::Name, &"x".repeat(257)).contains("257 characters"));
        assert!(err(NameKind::Version, &"1".repeat(65)).contains("at most 64"));
        assert!(err(NameKind::Name, "a:b").contains("`:`"));
        assert!(err(NameKind::Name, "a/b").contains("`/`"));
        assert!(err(NameKind::Version, "1|2").contains("`|`"));
        assert!(err(NameKind::Name, "a\tb").contains("\\u{9}"));
        assert!(err(NameKind::Name, "a\u{85}b").contains("\\u{85}"));
        assert!(err(NameKind::Name, "arn").contains("`arn`"));
        assert!(err(NameKind::TaskList, " images").contains("whitespace"));
        assert_eq!(validate_name(NameKind::Name, " spaced "), Ok(()));
    }

    /// The workspace's table of SWF naming rules, shared with the worker's and swf-local's tests.
    mod table {
        include!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/name_rules/table.rs"
        ));
    }

    #[test]
    fn follows_the_shared_name_table() {
        use table::NameField;
        for case in table::name_rules() {
            let kind = match case.field {
                // `#[activity]` names no domain.
                NameField::Domain => continue,
                NameField::TaskList => NameKind::TaskList,
                NameField::ActivityName => NameKind::Name,
                NameField::ActivityVersion => NameKind::Version,
            };
            assert_eq!(
                validate_name(kind, &case.value).is_ok(),
                case.valid,
                "{case:?}"
            );
        }
    }

    #[test]
    fn descriptions() {
        assert_eq!(validate_description(&"d".repeat(1024)), Ok(()));
        assert!(
            validate_description(&"d".repeat(1025))
                .unwrap_err()
                .contains("1025")
        );
        assert_eq!(
            description_from_doc_lines([" Resizes one image.", "", " Keeps  the ratio. "]),
            Some("Resizes one image.\n\nKeeps  the ratio.".to_owned())
        );
        assert_eq!(description_from_doc_lines(["", "  "]), None);
    }

    proptest! {
        #[test]
        fn valid_iff_no_rule_is_broken(value in "\\PC{0,70}|[a-z:/| \\t\\x7f\\u{85}]{0,8}") {
            let chars = value.chars().count();
            let broken = chars == 0
                || chars > VERSION_MAX_CHARS
                || value.chars().any(is_forbidden)
                || value == "arn";
            prop_assert_eq!(validate_name(NameKind::Version, &value).is_ok(), !broken);
        }
    }
}
