//! The bounds the decider's typed API puts on an activity's types. Each is implemented for every
//! type that meets it; they exist for their compile errors, which name the activity.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// An input type a decider can encode: the activity's input must also be `Serialize`.
#[diagnostic::on_unimplemented(
    message = "activity `{A}` cannot be scheduled with a typed input: its input `{Self}` does not implement `serde::Serialize`",
    label = "the decider encodes the input as JSON, so `{Self}` must implement `serde::Serialize`",
    note = "derive `Serialize` next to `Deserialize` on `{Self}`: the decider encodes what the activity decodes"
)]
pub trait DecisionInput<A>: Serialize {}

impl<A, T: Serialize + ?Sized> DecisionInput<A> for T {}

/// An output type a decider can decode: the activity's output must also be `Deserialize`.
#[diagnostic::on_unimplemented(
    message = "a decider cannot read what activity `{A}` returns: its output `{Self}` does not implement `serde::Deserialize`",
    label = "the decider decodes the activity's JSON result, so `{Self}` must implement `serde::Deserialize`",
    note = "derive `Deserialize` next to `Serialize` on `{Self}` (and use owned types such as `String`)"
)]
pub trait DecisionOutput<A>: DeserializeOwned {}

impl<A, T: DeserializeOwned> DecisionOutput<A> for T {}

/// A type heartbeat details can be decoded into.
#[diagnostic::on_unimplemented(
    message = "heartbeat details cannot be decoded as `{Self}`: it does not implement `serde::Deserialize`",
    label = "the last heartbeat's details are JSON (or a plain string), decoded into `{Self}`",
    note = "derive `Deserialize` on `{Self}`, the type the activity passes to `progress.report`"
)]
pub trait DetailsType: DeserializeOwned {}

impl<T: DeserializeOwned> DetailsType for T {}
