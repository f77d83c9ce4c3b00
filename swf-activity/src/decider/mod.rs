//! The decider's side of an activity, typed from the same `#[activity]` function: the
//! ScheduleActivityTask and RequestCancelActivityTask decisions, and what the history says
//! happened.
//!
//! SWF runs an activity only when a decider schedules it, in its answer to a decision task
//! (RespondDecisionTaskCompleted). [`ScheduleActivity`] builds that decision from the activity's
//! definition (name, version, registered defaults) and its typed input, checked against SWF's
//! limits before anything is sent. [`ActivityHistory::outcome`] reads the events of a decision
//! task and decodes the result as the activity's output type; a timed-out activity's last
//! heartbeat details decode as the type it reported, so a decider can reschedule it from its
//! last checkpoint.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use aws_sdk_swf::types::{Decision, HistoryEvent};
//! use swf_activity::decider::{request_cancel, ActivityHistory, Outcome, ScheduleActivity};
//! use swf_activity::{activity, ActivityError, Progress};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Resize { url: String, widths: Vec<u32>, skip: usize }
//!
//! #[derive(Debug, Serialize, Deserialize)]
//! struct Thumbnails { urls: Vec<String> }
//!
//! #[activity(version = "1", task_list = "images", heartbeat_timeout = "30s",
//!            start_to_close_timeout = "10m", schedule_to_start_timeout = "1h",
//!            schedule_to_close_timeout = "2h")]
//! async fn resize(progress: Progress, input: Resize) -> Result<Thumbnails, ActivityError> {
//!     for done in input.skip..input.widths.len() {
//!         progress.report(&done)?; // the checkpoint: widths done so far
//!     }
//!     Ok(Thumbnails { urls: vec![] })
//! }
//!
//! /// The decisions for a decision task's events.
//! fn decide(events: &[HistoryEvent], input: Resize) -> Result<Vec<Decision>, Box<dyn std::error::Error>> {
//!     match ActivityHistory::new(events).outcome(resize, "resize")? {
//!         None if events.len() < 3 => Ok(vec![ScheduleActivity::new(resize, &input).decision()?]),
//!         None => Ok(vec![request_cancel("resize")?]), // e.g. on a timer
//!         Some(Outcome::Completed(thumbnails)) => { /* use thumbnails.urls */ Ok(vec![]) }
//!         Some(Outcome::TimedOut { details, .. }) => {
//!             // Resume from the last checkpoint the activity reported.
//!             let skip = details.decode::<usize>()?.unwrap_or(0);
//!             Ok(vec![ScheduleActivity::new(resize, &Resize { skip, ..input }).decision()?])
//!         }
//!         Some(other) => Err(format!("resize ended: {other:?}").into()),
//!     }
//! }
//! # assert_eq!(decide(&[], Resize { url: "u".into(), widths: vec![64], skip: 0 }).unwrap().len(), 1);
//! ```
//!
//! The output and the details must implement `serde::Deserialize` and the input
//! `serde::Serialize`; where one does not, the build says so, naming the activity.
//!
//! Workers with a [payload codec](crate::codec) send encoded results and details and expect
//! encoded inputs: schedule with [`ScheduleActivity::encoded_decision`] and read with
//! [`ActivityHistory::decoded_outcome`], giving them the same codec.

mod bounds;
mod details;
mod error;
#[cfg(feature = "aws-sdk")]
mod outcome;
mod schedule;

pub use bounds::{DecisionInput, DecisionOutput, DetailsType};
pub use details::HeartbeatDetails;
pub use error::{DecisionError, OutcomeError};
#[cfg(feature = "aws-sdk")]
pub use outcome::{ActivityHistory, Outcome};
pub use schedule::ScheduleActivity;
#[cfg(feature = "aws-sdk")]
pub use schedule::request_cancel;
