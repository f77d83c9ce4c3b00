//! [`HeartbeatDetails`]: the last heartbeat's details SWF keeps for a timed-out activity.

use super::bounds::DetailsType;
use super::error::OutcomeError;

/// The details of a timed-out activity's last heartbeat, as SWF keeps them: what the activity
/// last passed to [`Progress::report`](crate::Progress::report).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeartbeatDetails(Option<String>);

impl HeartbeatDetails {
    pub(super) fn new(raw: Option<String>) -> Self {
        HeartbeatDetails(raw)
    }

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
