//! [`Resource`]: an activity's handle to a value the worker shares.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A shared value an activity takes as a parameter: `storage: Resource<Storage>`.
///
/// The worker holds one value per type (given with
/// [`WorkerBuilder::resource`](crate::worker::WorkerBuilder::resource)); each task gets a handle
/// to it. A handle dereferences to the value and clones cheaply (one reference count), so it can
/// be passed to spawned tasks. See the [module documentation](crate::resources) for an example.
pub struct Resource<T: ?Sized>(Arc<T>);

impl<T: ?Sized> Resource<T> {
    /// A handle to `value`, for calling an activity's `run` function directly.
    pub fn from_arc(value: Arc<T>) -> Self {
        Resource(value)
    }

    /// The shared value's `Arc`.
    pub fn as_arc(&self) -> &Arc<T> {
        &self.0
    }

    /// The shared value's `Arc`, for code that keeps it beyond the task.
    pub fn into_arc(self) -> Arc<T> {
        self.0
    }
}

impl<T> Resource<T> {
    /// A handle to a new value, for calling an activity's `run` function directly.
    pub fn new(value: T) -> Self {
        Resource(Arc::new(value))
    }
}

impl<T: ?Sized> Clone for Resource<T> {
    fn clone(&self) -> Self {
        Resource(Arc::clone(&self.0))
    }
}

impl<T: ?Sized> Deref for Resource<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized> AsRef<T> for Resource<T> {
    fn as_ref(&self) -> &T {
        &self.0
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Resource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Resource").field(&&*self.0).finish()
    }
}
