//! Why a decision could not be built, or an outcome could not be read.

use crate::activity::ActivityType;
use crate::codec::CodecError;

/// Why [`ScheduleActivity::decision`](super::ScheduleActivity::decision) or
/// [`request_cancel`](super::request_cancel) built no decision. Each is a decision SWF would
/// refuse (or fail with ScheduleActivityTaskFailed); caught here, before it is sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DecisionError {
    /// The encoded input is longer than SWF accepts.
    #[error(
        "the input for activity {activity_type} is {chars} characters of JSON, over SWF's limit of {limit}: pass a reference to the data (a key in S3, a row id) instead of the data"
    )]
    InputTooLong {
        /// The activity being scheduled.
        activity_type: ActivityType,
        /// Characters in the encoded input.
        chars: usize,
        /// SWF's limit.
        limit: usize,
    },
    /// The input could not be encoded as JSON.
    #[error("the input for activity {activity_type} could not be encoded as JSON: {source}")]
    InputNotEncodable {
        /// The activity being scheduled.
        activity_type: ActivityType,
        /// serde's error.
        #[source]
        source: serde_json::Error,
    },
    /// The payload codec could not encode the input.
    #[error("the payload codec could not encode the input for activity {activity_type}: {source}")]
    InputNotEncoded {
        /// The activity being scheduled.
        activity_type: ActivityType,
        /// The codec's error.
        #[source]
        source: CodecError,
    },
    /// An activity id or task list breaks SWF's naming rules.
    #[error("{field} {value:?} is not a valid SWF name: {problem}")]
    InvalidName {
        /// Which field.
        field: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Neither the decision nor the activity's registered defaults give a setting SWF needs.
    #[error(
        "activity {activity_type} registers no default {setting}, so SWF would fail the decision: give one with ScheduleActivity::{method}, or add `{setting} = ...` to its #[activity]"
    )]
    MissingDefault {
        /// The activity being scheduled.
        activity_type: ActivityType,
        /// The setting, as `#[activity]` names it.
        setting: &'static str,
        /// The [`ScheduleActivity`](super::ScheduleActivity) method that sets it.
        method: &'static str,
    },
    /// The activity registers no default task list (`task_list = none`) and the decision names
    /// none.
    #[error(
        "activity {activity_type} is registered with no default task list (task_list = none), so SWF would fail the decision: name the list its task goes to with ScheduleActivity::task_list, e.g. the host's list an earlier activity returned"
    )]
    NoDefaultTaskList {
        /// The activity being scheduled.
        activity_type: ActivityType,
    },
    /// The SDK refused to build the decision (a required field was missing).
    #[cfg(feature = "aws-sdk")]
    #[error("the AWS SDK could not build the decision: {0}")]
    Sdk(#[from] aws_smithy_types::error::operation::BuildError),
}

/// Why [`ActivityHistory::outcome`](super::ActivityHistory::outcome) or
/// [`HeartbeatDetails::decode`](super::HeartbeatDetails::decode) could not read what happened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutcomeError {
    /// The activity id belongs to an activity of another type.
    #[error(
        "activity id {activity_id:?} was scheduled as {found}, not {expected}: read it with the activity it was scheduled as"
    )]
    OtherType {
        /// The activity id.
        activity_id: String,
        /// The type asked for.
        expected: ActivityType,
        /// The type in the history.
        found: ActivityType,
    },
    /// The activity completed with a result that is not JSON of its output type.
    #[error(
        "activity {activity_id:?} completed with a result that does not decode as {type_name}: {source}; was it scheduled from another version of the activity?"
    )]
    Output {
        /// The activity id.
        activity_id: String,
        /// The output type.
        type_name: &'static str,
        /// serde's error.
        #[source]
        source: serde_json::Error,
    },
    /// The payload codec could not decode the result or details the activity's task closed
    /// with.
    #[error(
        "the payload codec could not decode what activity {activity_id:?} sent: {source}; ActivityHistory::outcome reads it as it is"
    )]
    Undecodable {
        /// The activity id.
        activity_id: String,
        /// The codec's error.
        #[source]
        source: CodecError,
    },
    /// The last heartbeat's details do not decode as the asked type.
    #[error("the last heartbeat's details do not decode as {type_name}: {source}")]
    Details {
        /// The asked type.
        type_name: &'static str,
        /// serde's error.
        #[source]
        source: serde_json::Error,
    },
}
