//! SWF's rules for names: domains, task lists, activity type names and versions.

/// Why a name breaks SWF's rules, or `None` when it is fine.
///
/// Names must be 1 to `max_chars` characters, must not contain `:`, `/`, `|` or control
/// characters, must not be the literal string `arn`, and must not start or end with whitespace.
pub(crate) fn name_problem(value: &str, max_chars: usize) -> Option<String> {
    let chars = value.chars().count();
    if chars == 0 {
        return Some("it is empty".to_owned());
    }
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
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Some("it starts or ends with whitespace".to_owned());
    }
    None
}

fn is_forbidden_control(c: char) -> bool {
    matches!(c, '\u{0000}'..='\u{001f}' | '\u{007f}'..='\u{009f}')
}

/// Most characters in a domain, task list or activity type name.
pub(crate) const NAME_MAX_CHARS: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names_and_rejects_swf_forbidden_ones() {
        assert_eq!(name_problem("images-eu", NAME_MAX_CHARS), None);
        assert!(name_problem("", NAME_MAX_CHARS).is_some());
        assert!(name_problem("a:b", NAME_MAX_CHARS).is_some());
        assert!(name_problem("a\u{7}b", NAME_MAX_CHARS).is_some());
        assert!(name_problem("arn", NAME_MAX_CHARS).is_some());
        assert_eq!(name_problem("learn", NAME_MAX_CHARS), None);
        assert!(name_problem(" lead", NAME_MAX_CHARS).is_some());
        assert!(name_problem(&"x".repeat(257), NAME_MAX_CHARS).is_some());
    }
}
