//! Turning details (progress, failure, cancellation) into the text SWF stores.

use serde::Serialize;

/// Renders `details` as SWF text: a string value is sent as it is, any other value as JSON.
///
/// ```
/// use swf_activity::details::render_details;
///
/// assert_eq!(render_details("50%").unwrap(), "50%");
/// assert_eq!(render_details(&serde_json::json!({"done": 5})).unwrap(), r#"{"done":5}"#);
/// ```
pub fn render_details<T: Serialize + ?Sized>(details: &T) -> Result<String, serde_json::Error> {
    match serde_json::to_value(details)? {
        serde_json::Value::String(text) => Ok(text),
        other => serde_json::to_string(&other),
    }
}
