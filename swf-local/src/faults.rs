//! Deterministic fault injection: throttling, 500/503 answers, latency, dropped connections.
//!
//! Each operation draws from its own random sequence seeded from the configured seed and the
//! operation name, so the n-th call of an operation meets the same fault on every run,
//! whatever the interleaving with other operations.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::error::LocalError;
use crate::service::OPERATIONS;

/// The faults injected into one operation. Rates are probabilities in `0.0..=1.0`, drawn
/// once per request in this order: throttle, 500, 503, dropped connection, lost response.
///
/// ```
/// use std::time::Duration;
/// let rule = swf_local::FaultRule::default()
///     .throttle(0.1)
///     .internal_errors(0.01)
///     .latency(Duration::from_millis(5));
/// assert_eq!(rule.throttle_rate, 0.1);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultRule {
    /// Rate of `ThrottlingException` (HTTP 400) answers; the request is not applied.
    pub throttle_rate: f64,
    /// Rate of HTTP 500 `InternalFailure` answers; the request is not applied.
    pub internal_error_rate: f64,
    /// Rate of HTTP 503 `ServiceUnavailableException` answers; the request is not applied.
    pub unavailable_rate: f64,
    /// Rate of connections closed without an answer; the request is not applied.
    pub drop_rate: f64,
    /// Rate of connections closed without an answer after the request was applied.
    pub lost_response_rate: f64,
    /// Latency added before every request is handled.
    pub latency: Duration,
    /// Extra random latency, uniform in `0..=latency_jitter`.
    pub latency_jitter: Duration,
}

impl FaultRule {
    /// Sets the throttling rate.
    #[must_use]
    pub fn throttle(mut self, rate: f64) -> Self {
        self.throttle_rate = rate;
        self
    }
    /// Sets the HTTP 500 rate.
    #[must_use]
    pub fn internal_errors(mut self, rate: f64) -> Self {
        self.internal_error_rate = rate;
        self
    }
    /// Sets the HTTP 503 rate.
    #[must_use]
    pub fn unavailable(mut self, rate: f64) -> Self {
        self.unavailable_rate = rate;
        self
    }
    /// Sets the rate of connections dropped before the request is applied.
    #[must_use]
    pub fn drop_connections(mut self, rate: f64) -> Self {
        self.drop_rate = rate;
        self
    }
    /// Sets the rate of answers lost after the request was applied.
    #[must_use]
    pub fn lose_responses(mut self, rate: f64) -> Self {
        self.lost_response_rate = rate;
        self
    }
    /// Sets the added latency.
    #[must_use]
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
    /// Sets the random extra latency.
    #[must_use]
    pub fn latency_jitter(mut self, jitter: Duration) -> Self {
        self.latency_jitter = jitter;
        self
    }
}

/// Fault injection for the whole endpoint: a seed, a rule for every operation and rules
/// replacing it for named operations.
///
/// An operation with a rule of its own takes its faults from that rule alone: it inherits no
/// rate or latency from [`FaultConfig::all`]. How a configuration is put together, and in
/// which order, never changes that.
///
/// ```
/// let faults = swf_local::FaultConfig::new(7)
///     .operation("RecordActivityTaskHeartbeat", swf_local::FaultRule::default().throttle(0.5));
/// let parsed = swf_local::FaultConfig::new(7).with_spec("RecordActivityTaskHeartbeat:throttle=0.5")?;
/// assert_eq!(faults, parsed);
/// # Ok::<(), swf_local::LocalError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultConfig {
    /// The seed of every random draw.
    pub seed: u64,
    /// The rule of operations without their own.
    pub all: FaultRule,
    /// Rules by operation name (e.g. `PollForActivityTask`).
    pub operations: HashMap<String, FaultRule>,
}

impl FaultConfig {
    /// No faults, with `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            ..Self::default()
        }
    }

    /// Sets the rule of every operation without its own.
    #[must_use]
    pub fn all(mut self, rule: FaultRule) -> Self {
        self.all = rule;
        self
    }

    /// Sets the rule of one operation.
    #[must_use]
    pub fn operation(mut self, operation: impl Into<String>, rule: FaultRule) -> Self {
        self.operations.insert(operation.into(), rule);
        self
    }

    /// Whether any fault is configured.
    pub fn is_active(&self) -> bool {
        self.operations
            .values()
            .chain([&self.all])
            .any(|r| *r != FaultRule::default())
    }

    /// Builds a configuration from textual specifications, as the binary's repeated `--fault`
    /// flag takes them (see [`FaultConfig::with_spec`]). Their order does not matter: an
    /// operation named in any specification takes its faults only from the specifications
    /// naming it, and the others make the rule of every other operation. A kind given twice
    /// for the same operation (or twice for all operations) is refused.
    ///
    /// ```
    /// use swf_local::FaultConfig;
    /// let a = FaultConfig::from_specs(7, ["throttle=0.1", "PollForActivityTask:latency-ms=20"])?;
    /// let b = FaultConfig::from_specs(7, ["PollForActivityTask:latency-ms=20", "throttle=0.1"])?;
    /// assert_eq!(a, b);
    /// assert_eq!(a.operations["PollForActivityTask"].throttle_rate, 0.0);
    /// assert!(FaultConfig::from_specs(7, ["503=0.1", "503=0.2"]).is_err());
    /// # Ok::<(), swf_local::LocalError>(())
    /// ```
    ///
    /// # Errors
    /// [`LocalError::BadFault`] naming the specification and what is wrong.
    pub fn from_specs<S: AsRef<str>>(
        seed: u64,
        specs: impl IntoIterator<Item = S>,
    ) -> Result<Self, LocalError> {
        let mut seen = std::collections::HashSet::new();
        specs.into_iter().try_fold(Self::new(seed), |config, spec| {
            let spec = spec.as_ref();
            let (scope, kind) = parse_scope_and_kind(spec);
            if !seen.insert((scope.map(str::to_owned), kind.map(str::to_owned))) {
                return Err(LocalError::BadFault {
                    spec: spec.to_owned(),
                    reason: format!(
                        "{} is given twice for {}; give each kind once",
                        kind.unwrap_or(spec),
                        scope.unwrap_or("all operations")
                    ),
                });
            }
            config.with_spec(spec)
        })
    }

    /// Adds one textual specification `[Operation:]kind=value`, as the binary's `--fault`
    /// flag takes. Kinds: `throttle`, `500`, `503`, `drop`, `lost-response` (rates 0..1),
    /// `latency-ms`, `jitter-ms` (milliseconds). A specification naming an operation sets
    /// that operation's own rule, which starts empty: it inherits nothing from the
    /// all-operations rule, whether that was set before or after.
    ///
    /// # Errors
    /// [`LocalError::BadFault`] naming what is wrong.
    pub fn with_spec(mut self, spec: &str) -> Result<Self, LocalError> {
        let bad = |reason: &str| LocalError::BadFault {
            spec: spec.to_owned(),
            reason: reason.to_owned(),
        };
        let (operation, setting) = match spec.split_once(':') {
            Some((op, rest)) => (Some(op), rest),
            None => (None, spec),
        };
        let (kind, value) = setting.split_once('=').ok_or_else(|| {
            bad("expected [Operation:]kind=value, e.g. PollForActivityTask:throttle=0.1")
        })?;
        if let Some(op) = operation
            && !OPERATIONS.contains(&op)
        {
            return Err(bad(&format!(
                "unknown operation {op}; known: {}",
                OPERATIONS.join(", ")
            )));
        }
        let rule = match operation {
            Some(op) => self.operations.entry(op.to_owned()).or_default(),
            None => &mut self.all,
        };
        let rate = || -> Result<f64, LocalError> {
            value
                .parse::<f64>()
                .ok()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| bad("a rate must be a number from 0 to 1"))
        };
        let millis = || -> Result<Duration, LocalError> {
            value
                .parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| bad("a latency must be whole milliseconds"))
        };
        match kind {
            "throttle" => rule.throttle_rate = rate()?,
            "500" => rule.internal_error_rate = rate()?,
            "503" => rule.unavailable_rate = rate()?,
            "drop" => rule.drop_rate = rate()?,
            "lost-response" => rule.lost_response_rate = rate()?,
            "latency-ms" => rule.latency = millis()?,
            "jitter-ms" => rule.latency_jitter = millis()?,
            _ => {
                return Err(bad(
                    "kind must be throttle, 500, 503, drop, lost-response, latency-ms or jitter-ms",
                ));
            }
        }
        Ok(self)
    }
}

/// The operation (if any) and the kind a specification names, as far as it can be read.
fn parse_scope_and_kind(spec: &str) -> (Option<&str>, Option<&str>) {
    let (scope, setting) = match spec.split_once(':') {
        Some((op, rest)) => (Some(op), rest),
        None => (None, spec),
    };
    (scope, setting.split_once('=').map(|(kind, _)| kind))
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultAction {
    None,
    Throttle,
    InternalError,
    Unavailable,
    Drop,
    LoseResponse,
}

/// Draws faults per request.
#[derive(Debug)]
pub(crate) struct FaultInjector {
    config: FaultConfig,
    active: bool,
    rngs: Mutex<HashMap<String, fastrand::Rng>>,
}

fn op_seed(seed: u64, operation: &str) -> u64 {
    // FNV-1a over the operation name, mixed with the seed.
    operation
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64 ^ seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

impl FaultInjector {
    pub(crate) fn new(config: FaultConfig) -> Self {
        Self {
            active: config.is_active(),
            config,
            rngs: Mutex::new(HashMap::new()),
        }
    }

    /// The latency and action for the next request of `operation`.
    pub(crate) fn decide(&self, operation: &str) -> (Duration, FaultAction) {
        if !self.active {
            return (Duration::ZERO, FaultAction::None);
        }
        let rule = self
            .config
            .operations
            .get(operation)
            .unwrap_or(&self.config.all);
        let mut rngs = self.rngs.lock().unwrap_or_else(|p| p.into_inner());
        let rng = rngs
            .entry(operation.to_owned())
            .or_insert_with(|| fastrand::Rng::with_seed(op_seed(self.config.seed, operation)));
        let draw = rng.f64();
        let jitter = rng.u64(0..=rule.latency_jitter.as_micros().min(u128::from(u64::MAX)) as u64);
        let latency = rule.latency + Duration::from_micros(jitter);
        let mut threshold = 0.0;
        for (rate, action) in [
            (rule.throttle_rate, FaultAction::Throttle),
            (rule.internal_error_rate, FaultAction::InternalError),
            (rule.unavailable_rate, FaultAction::Unavailable),
            (rule.drop_rate, FaultAction::Drop),
            (rule.lost_response_rate, FaultAction::LoseResponse),
        ] {
            threshold += rate;
            if draw < threshold {
                return (latency, action);
            }
        }
        (latency, FaultAction::None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        let config =
            FaultConfig::new(42).all(FaultRule::default().throttle(0.3).internal_errors(0.2));
        let a = FaultInjector::new(config.clone());
        let b = FaultInjector::new(config);
        let seq_a: Vec<_> = (0..200)
            .map(|_| a.decide("PollForActivityTask").1)
            .collect();
        // Interleave another operation on b: per-operation sequences stay the same.
        let seq_b: Vec<_> = (0..200)
            .map(|_| {
                b.decide("RecordActivityTaskHeartbeat");
                b.decide("PollForActivityTask").1
            })
            .collect();
        assert_eq!(seq_a, seq_b);
        let throttled = seq_a
            .iter()
            .filter(|a| **a == FaultAction::Throttle)
            .count();
        assert!(
            (30..=90).contains(&throttled),
            "{throttled} throttles of 200 at rate 0.3"
        );
    }

    #[test]
    fn specs_parse_and_reject_nonsense() {
        let c = FaultConfig::new(1)
            .with_spec("throttle=0.1")
            .and_then(|c| c.with_spec("PollForActivityTask:latency-ms=20"))
            .unwrap_or_default();
        assert_eq!(c.all.throttle_rate, 0.1);
        let poll = c
            .operations
            .get("PollForActivityTask")
            .cloned()
            .unwrap_or_default();
        assert_eq!(poll.latency, Duration::from_millis(20));
        assert_eq!(
            poll.throttle_rate, 0.0,
            "an operation rule inherits nothing"
        );
        assert!(FaultConfig::new(1).with_spec("throttle=2").is_err());
        assert!(FaultConfig::new(1).with_spec("Nope:throttle=0.1").is_err());
        assert!(FaultConfig::new(1).with_spec("explode=1").is_err());
    }
}
