//! Reading what happened to an activity from a workflow's history, typed from its definition.

use aws_sdk_swf::types::{
    ActivityTaskTimeoutType, EventType, HistoryEvent, ScheduleActivityTaskFailedCause,
};

use super::bounds::{DecisionOutput, DetailsType};
use super::error::OutcomeError;
use crate::activity::{ActivityType, TypedActivity};

/// How an activity ended, as its workflow's history records it, with the output decoded.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Outcome<O> {
    /// ActivityTaskCompleted: the activity's output.
    Completed(O),
    /// ActivityTaskFailed: the reason and details the worker sent (for an `#[activity]`, those of
    /// its `ActivityError`).
    Failed {
        /// The failure's reason.
        reason: Option<String>,
        /// The failure's details.
        details: Option<String>,
    },
    /// ActivityTaskCanceled: the details the worker sent (`None` when SWF canceled a task that
    /// had not started).
    Canceled {
        /// The cancellation's details.
        details: Option<String>,
    },
    /// ActivityTaskTimedOut: which timeout fired, and the last heartbeat's details, from which a
    /// rescheduled activity can resume.
    TimedOut {
        /// `HEARTBEAT`, `START_TO_CLOSE`, `SCHEDULE_TO_START` or `SCHEDULE_TO_CLOSE`.
        timeout_type: ActivityTaskTimeoutType,
        /// The last heartbeat's details.
        details: HeartbeatDetails,
    },
    /// ScheduleActivityTaskFailed: SWF refused the decision.
    ScheduleFailed {
        /// Why, e.g. `ActivityTypeDoesNotExist`.
        cause: ScheduleActivityTaskFailedCause,
    },
}

/// The details of a timed-out activity's last heartbeat, as SWF keeps them: what the activity
/// last passed to [`Progress::report`](crate::Progress::report).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeartbeatDetails(Option<String>);

impl HeartbeatDetails {
    /// The details as recorded (`None`: no heartbeat carried details).
    pub fn raw(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The details decoded as `D`, the type the activity reported: JSON, or for a `String` the
    /// plain text a string report sends. `None` when no heartbeat carried details.
    pub fn decode<D: DetailsType>(&self) -> Result<Option<D>, OutcomeError> {
        let Some(raw) = &self.0 else {
            return Ok(None);
        };
        match serde_json::from_str(raw) {
            Ok(value) => Ok(Some(value)),
            Err(source) => serde_json::from_value(serde_json::Value::String(raw.clone()))
                .map(Some)
                .map_err(|_| OutcomeError::Details {
                    type_name: std::any::type_name::<D>(),
                    source,
                }),
        }
    }
}

/// A workflow's history, read for the outcomes of its activities.
///
/// ```
/// use serde::{Deserialize, Serialize};
/// use swf_activity::decider::{ActivityHistory, Outcome};
/// use swf_activity::{activity, ActivityError};
///
/// #[derive(Debug, Serialize, Deserialize)]
/// struct Sum { total: u64 }
///
/// #[activity(version = "1", start_to_close_timeout = "1m")]
/// async fn add(numbers: Vec<u64>) -> Result<Sum, ActivityError> {
///     Ok(Sum { total: numbers.iter().sum() })
/// }
///
/// fn total(events: &[aws_sdk_swf::types::HistoryEvent]) -> Result<Option<u64>, Box<dyn std::error::Error>> {
///     Ok(match ActivityHistory::new(events).outcome(add, "add")? {
///         Some(Outcome::Completed(sum)) => Some(sum.total),
///         Some(other) => return Err(format!("add did not complete: {other:?}").into()),
///         None => None, // not scheduled yet, or still running
///     })
/// }
/// # assert_eq!(total(&[]).unwrap(), None);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct ActivityHistory<'a> {
    events: &'a [HistoryEvent],
}

impl<'a> ActivityHistory<'a> {
    /// The history's events, in the order SWF gives them (oldest first, the default).
    pub fn new(events: &'a [HistoryEvent]) -> Self {
        ActivityHistory { events }
    }

    /// What happened to the activity last scheduled with `activity_id`, its output decoded as
    /// `activity`'s output type. `None` while it is open, or when no such activity was scheduled.
    pub fn outcome<A>(
        &self,
        activity: A,
        activity_id: &str,
    ) -> Result<Option<Outcome<A::Output>>, OutcomeError>
    where
        A: TypedActivity,
        A::Output: DecisionOutput<A>,
    {
        let expected = &activity.definition().activity_type;
        let mut scheduled: Option<i64> = None;
        let mut outcome: Option<&HistoryEvent> = None;
        for event in self.events {
            if let Some(attributes) = event.activity_task_scheduled_event_attributes() {
                if attributes.activity_id() == activity_id {
                    check_type(activity_id, expected, attributes.activity_type())?;
                    scheduled = Some(event.event_id());
                    outcome = None;
                }
            } else if let Some(attributes) = event.schedule_activity_task_failed_event_attributes()
            {
                if attributes.activity_id() == activity_id {
                    check_type(activity_id, expected, attributes.activity_type())?;
                    scheduled = None;
                    outcome = Some(event);
                }
            } else if scheduled.is_some() && scheduled == closes(event) {
                outcome = Some(event);
            }
        }
        match outcome {
            Some(event) => decode::<A::Output>(event, activity_id),
            None => Ok(None),
        }
    }
}

/// The scheduled event id a closing event refers to.
fn closes(event: &HistoryEvent) -> Option<i64> {
    match event.event_type() {
        EventType::ActivityTaskCompleted => event
            .activity_task_completed_event_attributes()
            .map(|a| a.scheduled_event_id()),
        EventType::ActivityTaskFailed => event
            .activity_task_failed_event_attributes()
            .map(|a| a.scheduled_event_id()),
        EventType::ActivityTaskCanceled => event
            .activity_task_canceled_event_attributes()
            .map(|a| a.scheduled_event_id()),
        EventType::ActivityTaskTimedOut => event
            .activity_task_timed_out_event_attributes()
            .map(|a| a.scheduled_event_id()),
        _ => None,
    }
}

fn check_type(
    activity_id: &str,
    expected: &ActivityType,
    found: Option<&aws_sdk_swf::types::ActivityType>,
) -> Result<(), OutcomeError> {
    match found {
        Some(found) if found.name() != expected.name || found.version() != expected.version => {
            Err(OutcomeError::OtherType {
                activity_id: activity_id.to_owned(),
                expected: expected.clone(),
                found: ActivityType::new(found.name().to_owned(), found.version().to_owned()),
            })
        }
        _ => Ok(()),
    }
}

/// The outcome a closing or ScheduleActivityTaskFailed event records.
fn decode<O: serde::de::DeserializeOwned>(
    event: &HistoryEvent,
    activity_id: &str,
) -> Result<Option<Outcome<O>>, OutcomeError> {
    if let Some(a) = event.activity_task_completed_event_attributes() {
        let output = serde_json::from_str(a.result().unwrap_or("null")).map_err(|source| {
            OutcomeError::Output {
                activity_id: activity_id.to_owned(),
                type_name: std::any::type_name::<O>(),
                source,
            }
        })?;
        return Ok(Some(Outcome::Completed(output)));
    }
    if let Some(a) = event.activity_task_failed_event_attributes() {
        return Ok(Some(Outcome::Failed {
            reason: a.reason().map(str::to_owned),
            details: a.details().map(str::to_owned),
        }));
    }
    if let Some(a) = event.activity_task_canceled_event_attributes() {
        return Ok(Some(Outcome::Canceled {
            details: a.details().map(str::to_owned),
        }));
    }
    if let Some(a) = event.activity_task_timed_out_event_attributes() {
        return Ok(Some(Outcome::TimedOut {
            timeout_type: a.timeout_type().clone(),
            details: HeartbeatDetails(a.details().map(str::to_owned)),
        }));
    }
    Ok(event
        .schedule_activity_task_failed_event_attributes()
        .map(|a| Outcome::ScheduleFailed {
            cause: a.cause().clone(),
        }))
}
