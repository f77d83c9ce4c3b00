//! Reading what happened to an activity from a workflow's history, typed from its definition.

use aws_sdk_swf::types::{
    ActivityTaskTimeoutType, EventType, HistoryEvent, ScheduleActivityTaskFailedCause,
};

use super::bounds::DecisionOutput;
use super::details::HeartbeatDetails;
use super::error::OutcomeError;
use crate::activity::{ActivityType, TypedActivity};
use crate::codec::PayloadCodec;

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
    ///
    /// The output type must implement `serde::Deserialize`; where it does not, the build says
    /// so, naming the activity ("a decider cannot read what activity `resize` returns"):
    ///
    /// ```compile_fail
    /// use serde::Serialize;
    /// use swf_activity::activity;
    /// use swf_activity::decider::ActivityHistory;
    ///
    /// #[derive(Serialize)]
    /// struct Thumbnails { urls: Vec<String> }
    ///
    /// #[activity(version = "1")]
    /// async fn resize(url: String) -> Thumbnails {
    ///     Thumbnails { urls: vec![url] }
    /// }
    ///
    /// let _ = ActivityHistory::new(&[]).outcome(resize, "resize-1");
    /// ```
    pub fn outcome<A>(
        &self,
        activity: A,
        activity_id: &str,
    ) -> Result<Option<Outcome<A::Output>>, OutcomeError>
    where
        A: TypedActivity,
        A::Output: DecisionOutput<A>,
    {
        match self.closing_event(&activity.definition().activity_type, activity_id)? {
            Some(event) => {
                decode::<A::Output>(event, activity_id, payload(event).map(str::to_owned))
            }
            None => Ok(None),
        }
    }

    /// Like [`outcome`](Self::outcome), with the result, the failure or cancellation details
    /// and the last heartbeat's details decoded by `codec`, the workers'
    /// [payload codec](crate::worker::WorkerBuilder::payload_codec). What the codec cannot
    /// decode (say, sent by a worker without it) is [`OutcomeError::Undecodable`]; `outcome`
    /// still reads it as it is.
    ///
    /// # Cancellation safety
    ///
    /// It only reads (and so should a codec's `decode`): dropping the future changes nothing;
    /// call it again.
    ///
    /// ```
    /// use swf_activity::codec::GzipCodec;
    /// use swf_activity::decider::{ActivityHistory, Outcome};
    /// use swf_activity::{activity, ActivityError};
    ///
    /// #[activity(version = "1", start_to_close_timeout = "1m")]
    /// async fn report(day: String) -> Result<Vec<u64>, ActivityError> {
    ///     Ok(vec![0; 10_000])
    /// }
    ///
    /// async fn rows(events: &[aws_sdk_swf::types::HistoryEvent]) -> Result<Option<usize>, Box<dyn std::error::Error>> {
    ///     Ok(match ActivityHistory::new(events).decoded_outcome(report, "report", &GzipCodec::new()).await? {
    ///         Some(Outcome::Completed(rows)) => Some(rows.len()),
    ///         Some(other) => return Err(format!("report did not complete: {other:?}").into()),
    ///         None => None,
    ///     })
    /// }
    /// # assert_eq!(futures::executor::block_on(rows(&[])).unwrap(), None);
    /// ```
    pub async fn decoded_outcome<A>(
        &self,
        activity: A,
        activity_id: &str,
        codec: &dyn PayloadCodec,
    ) -> Result<Option<Outcome<A::Output>>, OutcomeError>
    where
        A: TypedActivity,
        A::Output: DecisionOutput<A>,
    {
        let Some(event) = self.closing_event(&activity.definition().activity_type, activity_id)?
        else {
            return Ok(None);
        };
        let decoded = match payload(event) {
            Some(raw) => {
                Some(
                    codec
                        .decode(raw)
                        .await
                        .map_err(|source| OutcomeError::Undecodable {
                            activity_id: activity_id.to_owned(),
                            source,
                        })?,
                )
            }
            None => None,
        };
        decode::<A::Output>(event, activity_id, decoded)
    }

    /// The event that closed the activity last scheduled with `activity_id` (or refused its
    /// scheduling), if any.
    fn closing_event(
        &self,
        expected: &ActivityType,
        activity_id: &str,
    ) -> Result<Option<&'a HistoryEvent>, OutcomeError> {
        let mut scheduled: Option<i64> = None;
        let mut outcome: Option<&'a HistoryEvent> = None;
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
        Ok(outcome)
    }
}

/// The result or details a closing event carries, as recorded.
fn payload(event: &HistoryEvent) -> Option<&str> {
    if let Some(a) = event.activity_task_completed_event_attributes() {
        a.result()
    } else if let Some(a) = event.activity_task_failed_event_attributes() {
        a.details()
    } else if let Some(a) = event.activity_task_canceled_event_attributes() {
        a.details()
    } else if let Some(a) = event.activity_task_timed_out_event_attributes() {
        a.details()
    } else {
        None
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

/// The outcome a closing or ScheduleActivityTaskFailed event records, with `payload` (its
/// [`payload`], decoded or not) as its result or details.
fn decode<O: serde::de::DeserializeOwned>(
    event: &HistoryEvent,
    activity_id: &str,
    payload: Option<String>,
) -> Result<Option<Outcome<O>>, OutcomeError> {
    if event.activity_task_completed_event_attributes().is_some() {
        let output =
            serde_json::from_str(payload.as_deref().unwrap_or("null")).map_err(|source| {
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
            details: payload,
        }));
    }
    if event.activity_task_canceled_event_attributes().is_some() {
        return Ok(Some(Outcome::Canceled { details: payload }));
    }
    if let Some(a) = event.activity_task_timed_out_event_attributes() {
        return Ok(Some(Outcome::TimedOut {
            timeout_type: a.timeout_type().clone(),
            details: HeartbeatDetails::from_raw(payload),
        }));
    }
    Ok(event
        .schedule_activity_task_failed_event_attributes()
        .map(|a| Outcome::ScheduleFailed {
            cause: a.cause().clone(),
        }))
}
