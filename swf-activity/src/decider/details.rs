//! [`HeartbeatDetails`]: the last heartbeat's details SWF keeps for a timed-out activity.

use super::bounds::DetailsType;
use super::error::OutcomeError;
use crate::codec::{CodecError, PayloadCodec};

/// The details of a timed-out activity's last heartbeat, as SWF keeps them: what the activity
/// last passed to [`Progress::report`](crate::Progress::report).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeartbeatDetails(Option<String>);

impl HeartbeatDetails {
    /// The details as recorded (`None`: no heartbeat carried details).
    pub fn raw(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The details as the activity reported them, decoded by `codec` (the workers'
    /// [payload codec](crate::worker::WorkerBuilder::payload_codec)), ready for
    /// [`decode`](Self::decode). Details read through
    /// [`ActivityHistory::decoded_outcome`](super::ActivityHistory::decoded_outcome) are already
    /// decoded.
    ///
    /// ```
    /// # futures::executor::block_on(async {
    /// use swf_activity::codec::{GzipCodec, PayloadCodec};
    /// use swf_activity::decider::HeartbeatDetails;
    ///
    /// let codec = GzipCodec::new();
    /// let sent = HeartbeatDetails::from_raw(Some(codec.encode("42").await.unwrap()));
    /// let details = sent.decoded(&codec).await.unwrap();
    /// assert_eq!(details.decode::<u32>().unwrap(), Some(42));
    /// # });
    /// ```
    pub async fn decoded(&self, codec: &dyn PayloadCodec) -> Result<HeartbeatDetails, CodecError> {
        match &self.0 {
            Some(raw) => Ok(HeartbeatDetails(Some(codec.decode(raw).await?))),
            None => Ok(HeartbeatDetails(None)),
        }
    }

    /// Details as SWF recorded them, e.g. read from an ActivityTaskTimedOut event by hand.
    pub fn from_raw(raw: Option<String>) -> Self {
        HeartbeatDetails(raw)
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
