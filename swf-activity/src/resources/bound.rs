//! An activity bound to the worker's resources, so that the worker runs it like any other.

use std::sync::Arc;

use super::Resources;
use crate::activity::{Activity, ActivityDefinition, ActivityFuture};
use crate::progress::Progress;

/// Runs `inner` with `resources` each time it is executed.
struct Bound {
    inner: Arc<dyn Activity>,
    resources: Resources,
}

impl Activity for Bound {
    fn definition(&self) -> &ActivityDefinition {
        self.inner.definition()
    }

    fn resources(&self) -> Vec<super::ResourceKey> {
        self.inner.resources()
    }

    fn execute(&self, progress: Progress, input: Option<String>) -> ActivityFuture {
        self.inner.execute_with(progress, input, &self.resources)
    }

    fn execute_with(
        &self,
        progress: Progress,
        input: Option<String>,
        _resources: &Resources,
    ) -> ActivityFuture {
        self.execute(progress, input)
    }
}

/// `activity`, run with `resources` when it takes any; as it is otherwise.
pub(crate) fn bind(activity: Arc<dyn Activity>, resources: &Resources) -> Arc<dyn Activity> {
    if activity.resources().is_empty() {
        return activity;
    }
    Arc::new(Bound {
        inner: activity,
        resources: resources.clone(),
    })
}
