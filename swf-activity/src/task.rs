//! What a worker knows about the activity task it is running.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// An activity type's identity in SWF: its name and version.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActivityType {
    /// The type's name (1 to 256 characters).
    pub name: Cow<'static, str>,
    /// The type's version (1 to 64 characters).
    pub version: Cow<'static, str>,
}

impl ActivityType {
    /// A type from owned or borrowed strings.
    pub fn new(name: impl Into<Cow<'static, str>>, version: impl Into<Cow<'static, str>>) -> Self {
        ActivityType {
            name: name.into(),
            version: version.into(),
        }
    }

    /// A type from string literals, usable in `const` and `static` items.
    pub const fn from_static(name: &'static str, version: &'static str) -> Self {
        ActivityType {
            name: Cow::Borrowed(name),
            version: Cow::Borrowed(version),
        }
    }
}

impl fmt::Display for ActivityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (version {})", self.name, self.version)
    }
}

/// One activity task as polled: its identity in the workflow, where it was polled from, and its
/// token (kept private).
///
/// A running activity reads it with [`Progress::task`](crate::Progress::task):
///
/// ```
/// use swf_activity::{ActivityError, Progress};
///
/// async fn process(progress: Progress, file: String) -> Result<String, ActivityError> {
///     let task = progress.task().ok_or_else(|| ActivityError::failed("not run by a worker"))?;
///     // The list this task was polled from: the host's own list, in the file-processing pattern.
///     Ok(format!("{file} processed on {} in {}", task.task_list(), task.domain()))
/// }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ActivityTask {
    task_token: String,
    /// Shared by every task the worker polls from the same domain and list: never copied per task.
    domain: Option<Arc<str>>,
    task_list: Option<Arc<str>>,
    /// The task's activity type.
    pub activity_type: ActivityType,
    /// The activity id the decider chose.
    pub activity_id: String,
    /// The workflow execution's workflow id.
    pub workflow_id: String,
    /// The workflow execution's run id.
    pub run_id: String,
    /// The id of the ActivityTaskStarted event.
    pub started_event_id: i64,
}

impl ActivityTask {
    /// A task with this token and identity.
    pub fn new(
        task_token: impl Into<String>,
        activity_type: ActivityType,
        activity_id: impl Into<String>,
        workflow_id: impl Into<String>,
        run_id: impl Into<String>,
        started_event_id: i64,
    ) -> Self {
        ActivityTask {
            task_token: task_token.into(),
            domain: None,
            task_list: None,
            activity_type,
            activity_id: activity_id.into(),
            workflow_id: workflow_id.into(),
            run_id: run_id.into(),
            started_event_id,
        }
    }

    /// The same task, polled from `task_list` of `domain`. The names are shared, not copied: a
    /// worker passes the same `Arc`s to every task it polls from that list.
    #[must_use]
    pub fn polled_from(mut self, domain: Arc<str>, task_list: Arc<str>) -> Self {
        self.domain = Some(domain);
        self.task_list = Some(task_list);
        self
    }

    /// The domain the task belongs to (empty when not known, as for a task made by hand with
    /// [`new`](Self::new)).
    pub fn domain(&self) -> &str {
        self.domain.as_deref().unwrap_or_default()
    }

    /// The task list the task was polled from (empty when not known). For a worker polling several
    /// lists, this is the one that handed it this task: in the host task list pattern, whether it
    /// is the shared list or the host's own.
    pub fn task_list(&self) -> &str {
        self.task_list.as_deref().unwrap_or_default()
    }

    /// The task token every heartbeat and answer carries. Never log it whole: use
    /// [`token_fingerprint`](Self::token_fingerprint).
    pub fn task_token(&self) -> &str {
        &self.task_token
    }

    /// A short, stable, non-reversible label for the token, safe to log.
    pub fn token_fingerprint(&self) -> String {
        token_fingerprint(&self.task_token)
    }

    /// The task token as a [`TaskToken`], to hand to another system that will answer the task
    /// (see [`TaskToken`]).
    pub fn token(&self) -> TaskToken {
        TaskToken::new(self.task_token.clone())
    }
}

/// A task's token: what another process needs to complete, fail, cancel or heartbeat the task
/// (with a [`CompletionClient`](crate::completion::CompletionClient)).
///
/// Anyone holding it can close the task, so it is never shown whole: [`Debug`](fmt::Debug) and
/// [`Display`](fmt::Display) print only its short fingerprint, safe for logs. Hand it over with
/// [`as_str`](Self::as_str) or [`into_string`](Self::into_string), and rebuild it on the other
/// side with [`TaskToken::new`].
///
/// ```
/// use swf_activity::task::TaskToken;
///
/// let token = TaskToken::new("AAAA-opaque-token-from-swf");
/// assert!(!format!("{token} {token:?}").contains("opaque"));
/// assert_eq!(token.as_str(), "AAAA-opaque-token-from-swf");
/// let handed_over = token.into_string();
/// assert_eq!(TaskToken::new(handed_over).fingerprint(), TaskToken::new("AAAA-opaque-token-from-swf").fingerprint());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TaskToken(String);

impl TaskToken {
    /// A token as SWF issued it (1 to 1024 characters), for example read back from where an
    /// activity handed it over.
    pub fn new(token: impl Into<String>) -> Self {
        TaskToken(token.into())
    }

    /// The whole token, to hand over. Never log it: use [`fingerprint`](Self::fingerprint).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The whole token as an owned string, to hand over.
    pub fn into_string(self) -> String {
        self.0
    }

    /// A short, stable, non-reversible label for the token, safe to log (what `Display` shows).
    pub fn fingerprint(&self) -> String {
        token_fingerprint(&self.0)
    }
}

impl From<String> for TaskToken {
    fn from(token: String) -> Self {
        TaskToken(token)
    }
}

impl From<&str> for TaskToken {
    fn from(token: &str) -> Self {
        TaskToken(token.to_owned())
    }
}

impl fmt::Debug for TaskToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskToken")
            .field(&self.fingerprint())
            .finish()
    }
}

impl fmt::Display for TaskToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fingerprint())
    }
}

/// A short label for a task token that is safe to log: its length and a hash.
pub fn token_fingerprint(token: &str) -> String {
    // FNV-1a: stable across runs and platforms, unlike std's randomly seeded hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in token.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("tok:{:08x}/{}", hash >> 32, token.len())
}

impl fmt::Debug for ActivityTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActivityTask")
            .field("task_token", &self.token_fingerprint())
            .field("domain", &self.domain())
            .field("task_list", &self.task_list())
            .field("activity_type", &self.activity_type)
            .field("activity_id", &self.activity_id)
            .field("workflow_id", &self.workflow_id)
            .field("run_id", &self.run_id)
            .field("started_event_id", &self.started_event_id)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let token = "AAAA-secret-token-BBBB".repeat(10);
        let task = ActivityTask::new(
            &token,
            ActivityType::from_static("A", "1"),
            "a",
            "w",
            "r",
            3,
        );
        let shown = format!("{task:?}");
        assert!(!shown.contains("secret"));
        assert!(shown.contains(&token_fingerprint(&token)));
    }

    #[test]
    fn task_tokens_show_only_their_fingerprint() {
        let token = TaskToken::new("AAAA-secret-token-BBBB".repeat(10));
        for shown in [
            format!("{token}"),
            format!("{token:?}"),
            format!("{token:#?}"),
        ] {
            assert!(!shown.contains("secret"), "{shown}");
            assert!(shown.contains(&token.fingerprint()), "{shown}");
        }
    }
}
