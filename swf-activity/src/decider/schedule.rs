//! [`ScheduleActivity`]: a typed ScheduleActivityTask decision, and [`request_cancel`].

#[cfg(feature = "aws-sdk")]
use aws_sdk_swf::types::{
    ActivityType as SdkActivityType, Decision, DecisionType,
    RequestCancelActivityTaskDecisionAttributes, ScheduleActivityTaskDecisionAttributes, TaskList,
};

use super::bounds::DecisionInput;
#[cfg(feature = "aws-sdk")]
use super::error::DecisionError;
use crate::activity::{ActivityType, DefaultTaskList, RegistrationDefaults, TypedActivity};
#[cfg(feature = "aws-sdk")]
use crate::codec::PayloadCodec;
#[cfg(feature = "aws-sdk")]
use crate::limits::INPUT_MAX_CHARS;
#[cfg(feature = "aws-sdk")]
use crate::names::{NameField, name_problem};
use crate::timeout::Timeout;

/// A ScheduleActivityTask decision for one activity, typed from its `#[activity]` function:
/// the type and version come from its definition and the input is its input type, encoded as
/// JSON.
///
/// Everything not set here is left to the activity's registered defaults; the activity id
/// defaults to the activity's name (set your own when a workflow runs the activity more than
/// once). [`decision`](Self::decision) checks what SWF would refuse.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use swf_activity::decider::ScheduleActivity;
/// use swf_activity::{activity, ActivityError, Timeout};
///
/// #[derive(Serialize, Deserialize)]
/// struct Resize { url: String, widths: Vec<u32> }
///
/// #[activity(version = "1", heartbeat_timeout = "30s", start_to_close_timeout = "10m",
///            schedule_to_start_timeout = "1h", schedule_to_close_timeout = "2h")]
/// async fn resize(input: Resize) -> Result<Vec<String>, ActivityError> {
///     Ok(input.widths.iter().map(|w| format!("{}?w={w}", input.url)).collect())
/// }
///
/// # fn main() -> Result<(), swf_activity::decider::DecisionError> {
/// let input = Resize { url: "https://example.com/a.png".into(), widths: vec![64, 128] };
/// let decision = ScheduleActivity::new(resize, &input)
///     .activity_id("resize-a")
///     .task_list("images")
///     .heartbeat_timeout(Timeout::Seconds(60))
///     .decision()?; // an aws_sdk_swf::types::Decision for RespondDecisionTaskCompleted
/// let attributes = decision.schedule_activity_task_decision_attributes().unwrap();
/// assert_eq!(attributes.activity_type().unwrap().name(), "resize");
/// assert_eq!(attributes.input(), Some(r#"{"url":"https://example.com/a.png","widths":[64,128]}"#));
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a ScheduleActivity does nothing until decision() is called and the decision sent"]
pub struct ScheduleActivity {
    activity_type: ActivityType,
    defaults: RegistrationDefaults,
    input: Result<Option<String>, serde_json::Error>,
    activity_id: Option<String>,
    task_list: Option<String>,
    task_priority: Option<i32>,
    heartbeat_timeout: Option<Timeout>,
    start_to_close_timeout: Option<Timeout>,
    schedule_to_start_timeout: Option<Timeout>,
    schedule_to_close_timeout: Option<Timeout>,
    control: Option<String>,
}

impl ScheduleActivity {
    /// Schedules `activity` (the `#[activity]` function's name) with `input`, its input type.
    /// An input that encodes as JSON `null` (`()`, `None`) is sent as no input.
    pub fn new<A>(activity: A, input: &A::Input) -> Self
    where
        A: TypedActivity,
        A::Input: DecisionInput<A>,
    {
        let definition = activity.definition();
        let input = serde_json::to_string(input).map(|json| (json != "null").then_some(json));
        ScheduleActivity {
            activity_type: definition.activity_type.clone(),
            defaults: definition.defaults.clone(),
            input,
            activity_id: None,
            task_list: None,
            task_priority: None,
            heartbeat_timeout: None,
            start_to_close_timeout: None,
            schedule_to_start_timeout: None,
            schedule_to_close_timeout: None,
            control: None,
        }
    }

    /// The activity id, unique among the workflow's open activities (default: the activity's
    /// name). Outcomes and cancellation requests name the activity by it.
    pub fn activity_id(mut self, id: impl Into<String>) -> Self {
        self.activity_id = Some(id.into());
        self
    }

    /// The task list the task goes to (default: the activity's registered `task_list`). Required
    /// for an activity declared with `task_list = none`, whose tasks go to a list chosen per task,
    /// such as the host list an earlier activity returned.
    pub fn task_list(mut self, task_list: impl Into<String>) -> Self {
        self.task_list = Some(task_list.into());
        self
    }

    /// The task's priority, higher first (default: the registered `task_priority`).
    pub fn task_priority(mut self, priority: i32) -> Self {
        self.task_priority = Some(priority);
        self
    }

    /// How long the task may go without a heartbeat (default: the registered one). The worker
    /// reads it from the scheduled event only with
    /// [`TimeoutSource::ScheduledEvent`](crate::worker::TimeoutSource::ScheduledEvent).
    pub fn heartbeat_timeout(mut self, timeout: Timeout) -> Self {
        self.heartbeat_timeout = Some(timeout);
        self
    }

    /// How long the task may run once a worker has it (default: the registered one).
    pub fn start_to_close_timeout(mut self, timeout: Timeout) -> Self {
        self.start_to_close_timeout = Some(timeout);
        self
    }

    /// How long the task may wait for a worker (default: the registered one).
    pub fn schedule_to_start_timeout(mut self, timeout: Timeout) -> Self {
        self.schedule_to_start_timeout = Some(timeout);
        self
    }

    /// How long the task may take from now to its end (default: the registered one).
    pub fn schedule_to_close_timeout(mut self, timeout: Timeout) -> Self {
        self.schedule_to_close_timeout = Some(timeout);
        self
    }

    /// Data for the decider's own use, recorded in the ActivityTaskScheduled event and not sent
    /// to the activity.
    pub fn control(mut self, control: impl Into<String>) -> Self {
        self.control = Some(control.into());
        self
    }

    /// Like [`decision`](Self::decision), with the input encoded by `codec` (the one the
    /// workers use, see [`WorkerBuilder::payload_codec`](crate::worker::WorkerBuilder::payload_codec)):
    /// SWF's limit on the input applies to the encoded input.
    ///
    /// # Cancellation safety
    ///
    /// Dropping the future builds no decision. A codec that stores payloads (a claim-check) may
    /// already have stored the input: the store's own expiry (an S3 lifecycle rule) should clean
    /// up payloads no history refers to.
    ///
    /// ```
    /// use swf_activity::codec::{GzipCodec, GZIP_MARKER};
    /// use swf_activity::decider::ScheduleActivity;
    /// use swf_activity::{activity, ActivityError};
    ///
    /// #[activity(version = "1", task_list = "text", start_to_close_timeout = "1m",
    ///            heartbeat_timeout = "30s", schedule_to_start_timeout = "1h",
    ///            schedule_to_close_timeout = "2h")]
    /// async fn count_words(text: String) -> Result<usize, ActivityError> {
    ///     Ok(text.split_whitespace().count())
    /// }
    ///
    /// # futures::executor::block_on(async {
    /// let text = "all work and no play ".repeat(5_000); // 105,000 characters
    /// let decision = ScheduleActivity::new(count_words, &text)
    ///     .encoded_decision(&GzipCodec::new())
    ///     .await
    ///     .unwrap();
    /// let input = decision.schedule_activity_task_decision_attributes().unwrap().input().unwrap();
    /// assert!(input.starts_with(GZIP_MARKER) && input.len() < 1_000);
    /// # });
    /// ```
    #[cfg(feature = "aws-sdk")]
    pub async fn encoded_decision(
        mut self,
        codec: &dyn PayloadCodec,
    ) -> Result<Decision, DecisionError> {
        if let Ok(Some(json)) = &self.input {
            let encoded =
                codec
                    .encode(json)
                    .await
                    .map_err(|source| DecisionError::InputNotEncoded {
                        activity_type: self.activity_type.clone(),
                        source,
                    })?;
            self.input = Ok(Some(encoded));
        }
        self.decision()
    }

    /// The decision, after checking what SWF would refuse: the input's size, the activity id
    /// and task list, and that every setting SWF needs is given here or registered.
    #[cfg(feature = "aws-sdk")]
    pub fn decision(self) -> Result<Decision, DecisionError> {
        let activity_type = self.activity_type;
        let input = self
            .input
            .map_err(|source| DecisionError::InputNotEncodable {
                activity_type: activity_type.clone(),
                source,
            })?;
        if let Some(input) = &input {
            let chars = input.chars().count();
            if chars > INPUT_MAX_CHARS {
                return Err(DecisionError::InputTooLong {
                    activity_type,
                    chars,
                    limit: INPUT_MAX_CHARS,
                });
            }
        }
        let activity_id = self
            .activity_id
            .unwrap_or_else(|| activity_type.name.clone().into_owned());
        check_name(NameField::ActivityId, &activity_id)?;
        if let Some(task_list) = &self.task_list {
            check_name(NameField::TaskList, task_list)?;
        }

        let defaults = &self.defaults;
        let missing = |setting, method| DecisionError::MissingDefault {
            activity_type: activity_type.clone(),
            setting,
            method,
        };
        if self.task_list.is_none() {
            match defaults.task_list {
                DefaultTaskList::Named(_) => {}
                DefaultTaskList::WorkerTaskList => return Err(missing("task_list", "task_list")),
                DefaultTaskList::NoDefault => {
                    return Err(DecisionError::NoDefaultTaskList {
                        activity_type: activity_type.clone(),
                    });
                }
            }
        }
        for (given, registered, setting) in [
            (
                self.heartbeat_timeout,
                defaults.heartbeat_timeout,
                "heartbeat_timeout",
            ),
            (
                self.start_to_close_timeout,
                defaults.start_to_close_timeout,
                "start_to_close_timeout",
            ),
            (
                self.schedule_to_start_timeout,
                defaults.schedule_to_start_timeout,
                "schedule_to_start_timeout",
            ),
            (
                self.schedule_to_close_timeout,
                defaults.schedule_to_close_timeout,
                "schedule_to_close_timeout",
            ),
        ] {
            if given.is_none() && registered.is_none() {
                return Err(missing(setting, setting));
            }
        }

        let task_list = match self.task_list {
            Some(name) => Some(TaskList::builder().name(name).build()?),
            None => None,
        };
        let swf_string = |t: Option<Timeout>| t.map(Timeout::to_swf_string);
        let attributes = ScheduleActivityTaskDecisionAttributes::builder()
            .activity_type(
                SdkActivityType::builder()
                    .name(activity_type.name.as_ref())
                    .version(activity_type.version.as_ref())
                    .build()?,
            )
            .activity_id(activity_id)
            .set_input(input)
            .set_control(self.control)
            .set_task_list(task_list)
            .set_task_priority(self.task_priority.map(|p| p.to_string()))
            .set_heartbeat_timeout(swf_string(self.heartbeat_timeout))
            .set_start_to_close_timeout(swf_string(self.start_to_close_timeout))
            .set_schedule_to_start_timeout(swf_string(self.schedule_to_start_timeout))
            .set_schedule_to_close_timeout(swf_string(self.schedule_to_close_timeout))
            .build()?;
        Ok(Decision::builder()
            .decision_type(DecisionType::ScheduleActivityTask)
            .schedule_activity_task_decision_attributes(attributes)
            .build()?)
    }
}

/// A RequestCancelActivityTask decision for the activity scheduled with `activity_id`.
///
/// A task not yet started is canceled by SWF; a running one learns of the request from its
/// next heartbeat's answer and may answer canceled or finish anyway (see
/// [`CancelReason::Requested`](crate::CancelReason::Requested)).
///
/// ```
/// let decision = swf_activity::decider::request_cancel("resize-a").unwrap();
/// assert_eq!(decision.decision_type().as_str(), "RequestCancelActivityTask");
/// ```
#[cfg(feature = "aws-sdk")]
pub fn request_cancel(activity_id: &str) -> Result<Decision, DecisionError> {
    check_name(NameField::ActivityId, activity_id)?;
    let attributes = RequestCancelActivityTaskDecisionAttributes::builder()
        .activity_id(activity_id)
        .build()?;
    Ok(Decision::builder()
        .decision_type(DecisionType::RequestCancelActivityTask)
        .request_cancel_activity_task_decision_attributes(attributes)
        .build()?)
}

#[cfg(feature = "aws-sdk")]
fn check_name(field: NameField, value: &str) -> Result<(), DecisionError> {
    match name_problem(field, value) {
        Some(problem) => Err(DecisionError::InvalidName {
            field: field.what(),
            value: value.to_owned(),
            problem,
        }),
        None => Ok(()),
    }
}
