//! A `Result` whose error type is the user's own, converted into `ActivityError`.

use std::fmt;

use swf_activity::activity::Activity;
use swf_activity::{activity, ActivityError, Progress};

#[derive(Debug)]
enum ResizeError {
    TooLarge(u32),
}

impl fmt::Display for ResizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResizeError::TooLarge(w) => write!(f, "image is {w} pixels wide, over the limit"),
        }
    }
}

impl std::error::Error for ResizeError {}

/// An error that is not a `std::error::Error` but converts by hand.
struct Refused;

impl From<Refused> for ActivityError {
    fn from(_: Refused) -> Self {
        ActivityError::canceled().with_details("refused")
    }
}

#[activity(version = "1")]
async fn check_width(width: u32) -> Result<u32, ResizeError> {
    if width > 1000 { Err(ResizeError::TooLarge(width)) } else { Ok(width) }
}

#[activity(version = "1")]
async fn refuse() -> Result<(), Refused> {
    Err(Refused)
}

/// A one-parameter `Result` alias works too, as long as it is named `Result`.
mod resize {
    pub type Result<T> = std::result::Result<T, super::ResizeError>;
}

#[activity(version = "1")]
async fn aliased(width: u32) -> resize::Result<u32> {
    Ok(width)
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let p = Progress::detached;
        assert_eq!(check_width.execute(p(), Some("10".into())).await, Ok(Some("10".into())));
        let err = check_width.execute(p(), Some("2000".into())).await.unwrap_err();
        assert_eq!(err.reason(), Some("image is 2000 pixels wide, over the limit"));
        let err = refuse.execute(p(), None).await.unwrap_err();
        assert!(err.is_canceled());
        assert_eq!(aliased.execute(p(), Some("3".into())).await, Ok(Some("3".into())));
    });
}
