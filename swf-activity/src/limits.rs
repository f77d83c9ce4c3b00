//! SWF's size limits on what an activity worker sends, and how the framework keeps within them.
//!
//! The service rejects a request whose fields are over these limits, and the AWS SDK checks none of
//! them before sending. The framework never sends such a request: progress details over the limit
//! are refused when reported, failure reasons and details are cut with [`TRUNCATION_MARKER`], and a
//! result over the limit fails the task with a reason giving its size.

/// Most characters in RecordActivityTaskHeartbeat `details`.
pub const HEARTBEAT_DETAILS_MAX_CHARS: usize = 2048;
/// Most characters in RespondActivityTaskCompleted `result`.
pub const RESULT_MAX_CHARS: usize = 32768;
/// Most characters in RespondActivityTaskFailed `reason`.
pub const FAILURE_REASON_MAX_CHARS: usize = 256;
/// Most characters in RespondActivityTaskFailed `details` and RespondActivityTaskCanceled `details`.
pub const FAILURE_DETAILS_MAX_CHARS: usize = 32768;
/// Most characters in an activity task's `input`.
pub const INPUT_MAX_CHARS: usize = 32768;
/// Most characters in a worker's `identity`.
pub const IDENTITY_MAX_CHARS: usize = 256;
/// Most characters in an activity type's description.
pub const DESCRIPTION_MAX_CHARS: usize = 1024;

/// Appended to text the framework had to cut to fit a limit.
pub const TRUNCATION_MARKER: &str = "…[truncated]";

/// Cuts `text` to at most `max_chars` characters, at a character boundary, ending with
/// [`TRUNCATION_MARKER`] when anything was cut. Text within the limit comes back unchanged.
///
/// ```
/// use swf_activity::limits::{truncate_to_chars, TRUNCATION_MARKER};
///
/// assert_eq!(truncate_to_chars("short", 10), "short");
/// let cut = truncate_to_chars(&"é".repeat(300), 256);
/// assert_eq!(cut.chars().count(), 256);
/// assert!(cut.ends_with(TRUNCATION_MARKER));
/// ```
pub fn truncate_to_chars(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let marker_chars = TRUNCATION_MARKER.chars().count();
    if max_chars <= marker_chars {
        return text.chars().take(max_chars).collect();
    }
    let mut cut: String = text.chars().take(max_chars - marker_chars).collect();
    cut.push_str(TRUNCATION_MARKER);
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_character_boundaries_with_marker() {
        let text = "ab€".repeat(200);
        let cut = truncate_to_chars(&text, FAILURE_REASON_MAX_CHARS);
        assert_eq!(cut.chars().count(), FAILURE_REASON_MAX_CHARS);
        assert!(cut.ends_with(TRUNCATION_MARKER));
        assert!(text.starts_with(cut.trim_end_matches(TRUNCATION_MARKER)));
    }

    #[test]
    fn tiny_limits_still_fit() {
        assert_eq!(truncate_to_chars("abcdef", 3), "abc");
        assert_eq!(truncate_to_chars("", 0), "");
    }
}
