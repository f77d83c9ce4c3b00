// SWF's naming rules as one table of cases (from the SWF API reference; see the README's limits
// table). `tests/name_rules.rs` runs it against the worker's `build()` and swf-local;
// swf-activity-macros runs it against `#[activity]`'s checks. Each must accept exactly the valid
// names.
//
// | rule | applies to |
// |---|---|
// | 1 to 256 characters (versions 1 to 64) | every name |
// | no `:`, `/`, `|` or control characters (`\u{0}`-`\u{1f}`, `\u{7f}`-`\u{9f}`) | every name |
// | not the literal string `arn` (containing it, as `learn` does, is fine) | every name |
// | no leading or trailing whitespace | domains and task lists |

/// Which SWF field a name is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub enum NameField {
    Domain,
    TaskList,
    ActivityName,
    ActivityVersion,
}

/// One case: the field, the name, and whether SWF accepts it.
#[derive(Clone, Debug)]
pub struct NameCase {
    pub field: NameField,
    pub value: String,
    pub valid: bool,
}

/// Every case, each rule on the edge of accepting and refusing.
pub fn name_rules() -> Vec<NameCase> {
    use NameField::*;
    let mut cases = Vec::new();
    let mut case = |field, value: &str, valid| {
        cases.push(NameCase {
            field,
            value: value.to_owned(),
            valid,
        })
    };
    for field in [Domain, TaskList, ActivityName, ActivityVersion] {
        case(field, "images-eu_1.0", true);
        case(field, "", false);
        case(field, "a:b", false);
        case(field, "a/b", false);
        case(field, "a|b", false);
        case(field, "a\u{0}b", false);
        case(field, "a\u{1f}b", false);
        case(field, "a\u{7f}b", false);
        case(field, "a\u{9f}b", false);
        case(field, "a\u{a0}b", true);
        case(field, "arn", false);
        case(field, "learn", true);
        case(field, "arn-1", true);
        case(field, "ARN", true);
        case(field, "two words", true);
    }
    for field in [Domain, TaskList] {
        case(field, " lead", false);
        case(field, "trail ", false);
        case(field, "tab\t", false);
    }
    for field in [ActivityName, ActivityVersion] {
        case(field, " lead", true);
        case(field, "trail ", true);
    }
    for field in [Domain, TaskList, ActivityName] {
        case(field, &"x".repeat(256), true);
        case(field, &"x".repeat(257), false);
        case(field, &"é".repeat(256), true);
    }
    case(ActivityVersion, &"x".repeat(64), true);
    case(ActivityVersion, &"x".repeat(65), false);
    cases
}
