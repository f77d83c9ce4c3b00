//! The futures that resolve when a task is cancelled: [`Cancelled`] (borrowing a
//! [`Progress`](super::Progress)) and [`CancelledOwned`] (owning one).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project::pin_project;
use tokio::sync::futures::{Notified, OwnedNotified};

use super::CancelReason;
use super::state::TaskState;

/// Resolves with the [`CancelReason`] once the task is cancelled. Returned by
/// [`Progress::cancelled`](super::Progress::cancelled).
///
/// # Cancellation safety
///
/// Cancel-safe: dropping it before it resolves loses nothing, and a new one resolves at once if
/// the task was cancelled meanwhile. It is safe in `tokio::select!` loops. It never misses a
/// cancellation that happens between two polls: it registers for the wake-up before it checks.
#[must_use = "futures do nothing unless awaited"]
#[pin_project]
pub struct Cancelled<'a> {
    state: &'a TaskState,
    #[pin]
    notified: Notified<'a>,
}

impl<'a> Cancelled<'a> {
    pub(crate) fn new(state: &'a TaskState) -> Self {
        Cancelled {
            state,
            // Created before the first check: a cancellation after this point wakes it.
            notified: state.cancel_notify.notified(),
        }
    }
}

impl std::fmt::Debug for Cancelled<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cancelled")
            .field("reason", &self.state.reason())
            .finish()
    }
}

impl Future for Cancelled<'_> {
    type Output = CancelReason;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CancelReason> {
        let mut this = self.project();
        loop {
            if let Some(reason) = this.state.reason() {
                return Poll::Ready(reason);
            }
            match this.notified.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                // Woken: re-arm before checking again, so a later wake-up is not lost.
                Poll::Ready(()) => this.notified.set(this.state.cancel_notify.notified()),
            }
        }
    }
}

/// Resolves with the [`CancelReason`] once the task is cancelled, holding its own reference to the
/// task: it is `'static` and can be moved into spawned tasks. Returned by
/// [`Progress::cancelled_owned`](super::Progress::cancelled_owned).
///
/// # Cancellation safety
///
/// Cancel-safe, like [`Cancelled`]: dropping it loses nothing, and it never misses a cancellation
/// that happens between two polls.
#[must_use = "futures do nothing unless awaited"]
#[pin_project]
pub struct CancelledOwned {
    state: Arc<TaskState>,
    #[pin]
    notified: OwnedNotified,
}

impl CancelledOwned {
    pub(crate) fn new(state: Arc<TaskState>) -> Self {
        let notified = Arc::clone(&state.cancel_notify).notified_owned();
        CancelledOwned { state, notified }
    }
}

impl std::fmt::Debug for CancelledOwned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancelledOwned")
            .field("reason", &self.state.reason())
            .finish()
    }
}

impl Future for CancelledOwned {
    type Output = CancelReason;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<CancelReason> {
        let mut this = self.project();
        loop {
            if let Some(reason) = this.state.reason() {
                return Poll::Ready(reason);
            }
            match this.notified.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) => this
                    .notified
                    .set(Arc::clone(&this.state.cancel_notify).notified_owned()),
            }
        }
    }
}
