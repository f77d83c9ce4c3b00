//! [`Resources`]: the values a worker shares with its activities, one per type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::Resource;

/// The type of a resource an activity takes: what [`Activity::resources`] lists and what
/// [`BuildError::MissingResource`] names.
///
/// [`Activity::resources`]: crate::activity::Activity::resources
/// [`BuildError::MissingResource`]: crate::worker::BuildError::MissingResource
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ResourceKey {
    type_id: TypeId,
    type_name: &'static str,
}

impl ResourceKey {
    /// The key of `Resource<T>`.
    pub fn of<T: ?Sized + 'static>() -> Self {
        ResourceKey {
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
        }
    }

    /// The type's name as Rust writes it (`my_crate::Storage`).
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

impl fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.type_name)
    }
}

/// Values shared with activities, at most one per type. Cloning shares the values.
///
/// A worker fills one through [`WorkerBuilder::resource`](crate::worker::WorkerBuilder::resource),
/// a test through [`ActivityEnvironment::resource`](crate::testing::ActivityEnvironment::resource);
/// a hand-written [`Activity`](crate::activity::Activity) reads them in
/// [`execute_with`](crate::activity::Activity::execute_with).
#[derive(Clone, Default)]
pub struct Resources {
    values: HashMap<TypeId, (&'static str, Arc<dyn Any + Send + Sync>)>,
}

impl Resources {
    /// No resources.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`, replacing an earlier value of the same type.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.insert_arc(Arc::new(value));
    }

    /// Adds a value already in an `Arc` (shared with code outside the worker), replacing an
    /// earlier value of the same type. Activities take it as `Resource<T>`.
    pub fn insert_arc<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        self.values.insert(
            TypeId::of::<T>(),
            (
                std::any::type_name::<T>(),
                value as Arc<dyn Any + Send + Sync>,
            ),
        );
    }

    /// A handle to the value of type `T`, if there is one.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Resource<T>> {
        let (_, value) = self.values.get(&TypeId::of::<T>())?;
        Arc::clone(value)
            .downcast::<T>()
            .ok()
            .map(Resource::from_arc)
    }

    /// Whether a value of this type is present.
    pub fn contains(&self, key: ResourceKey) -> bool {
        self.values.contains_key(&key.type_id)
    }

    /// How many values there are.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl fmt::Debug for Resources {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.values.values().map(|(name, _)| *name).collect();
        names.sort_unstable();
        f.debug_set().entries(names).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Storage(&'static str);

    #[test]
    fn a_value_is_found_by_its_type_and_shared() {
        let mut resources = Resources::new();
        assert!(resources.get::<Storage>().is_none());
        resources.insert(Storage("media"));
        resources.insert(7u32);
        let a = resources.get::<Storage>().unwrap();
        let b = resources.clone().get::<Storage>().unwrap();
        assert!(Arc::ptr_eq(a.as_arc(), b.as_arc()));
        assert_eq!(a.0, "media");
        assert!(resources.contains(ResourceKey::of::<u32>()));
        assert!(!resources.contains(ResourceKey::of::<u64>()));
        resources.insert(Storage("other"));
        assert_eq!(resources.get::<Storage>().unwrap().0, "other");
        assert_eq!(resources.len(), 2);
        assert!(format!("{resources:?}").contains("Storage"));
    }
}
