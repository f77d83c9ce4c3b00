//! Registering domains and activity types, and checking registered defaults against the code.
//!
//! A [`Worker`](crate::worker::Worker) registers its activity types when it starts (turn that off
//! with [`WorkerBuilder::register_activity_types`](crate::worker::WorkerBuilder::register_activity_types)).
//! SWF types are immutable: when a type already exists with other defaults than the code declares,
//! SWF keeps the registered ones, the worker times its tasks by them and warns with the
//! differences; bump the version to change them.

use std::time::Duration;

use aws_sdk_swf::Client;
use aws_sdk_swf::types::{ActivityTypeConfiguration, TaskList};

use crate::activity::{ActivityDefinition, ActivityType};
use crate::sdk_errors::describe;
use crate::timeout::Timeout;

/// The timeouts SWF holds as an activity type's registered defaults: what a task of that type
/// gets when its decider gives none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegisteredTimeouts {
    /// The default heartbeat timeout; `None` when none is registered.
    pub heartbeat: Option<Timeout>,
    /// The default start-to-close timeout; `None` when none is registered.
    pub start_to_close: Option<Timeout>,
}

impl RegisteredTimeouts {
    /// The defaults the code declares for the type.
    pub fn declared(definition: &ActivityDefinition) -> Self {
        RegisteredTimeouts {
            heartbeat: definition.defaults.heartbeat_timeout,
            start_to_close: definition.defaults.start_to_close_timeout,
        }
    }

    fn from_configuration(configuration: &ActivityTypeConfiguration) -> Self {
        RegisteredTimeouts {
            heartbeat: configuration
                .default_task_heartbeat_timeout()
                .and_then(Timeout::parse_swf),
            start_to_close: configuration
                .default_task_start_to_close_timeout()
                .and_then(Timeout::parse_swf),
        }
    }
}

/// What a registration call found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Registration {
    /// It was registered now.
    Registered,
    /// It existed already.
    AlreadyExisted,
}

/// Why a registration failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The domain does not exist.
    #[error("domain {domain:?} does not exist: register it first with register_domain")]
    UnknownDomain {
        /// The domain.
        domain: String,
    },
    /// The caller lacks the permission.
    #[error(
        "not permitted to call {operation} ({message}): grant swf:{operation} to these credentials"
    )]
    NotPermitted {
        /// The operation refused.
        operation: &'static str,
        /// The service's message.
        message: String,
    },
    /// Any other failure.
    #[error("{operation} failed: {message}")]
    Failed {
        /// The operation that failed.
        operation: &'static str,
        /// The error with its causes.
        message: String,
    },
}

/// Registers `domain` with a workflow execution history retention of `retention_days` days
/// (0 to 90), or finds it already there.
///
/// ```no_run
/// # async fn example(client: aws_sdk_swf::Client) -> Result<(), swf_activity::registration::RegistrationError> {
/// use swf_activity::registration::{register_domain, Registration};
///
/// match register_domain(&client, "media", 7).await? {
///     Registration::Registered => println!("domain registered"),
///     Registration::AlreadyExisted => println!("domain was there already"),
/// }
/// # Ok(()) }
/// ```
pub async fn register_domain(
    client: &Client,
    domain: &str,
    retention_days: u32,
) -> Result<Registration, RegistrationError> {
    let result = client
        .register_domain()
        .name(domain)
        .workflow_execution_retention_period_in_days(retention_days.to_string())
        .send()
        .await;
    match result {
        Ok(_) => Ok(Registration::Registered),
        Err(err) => {
            let message = describe(&err);
            let service = err.into_service_error();
            if service.is_domain_already_exists_fault() {
                Ok(Registration::AlreadyExisted)
            } else if service.is_operation_not_permitted_fault() {
                Err(RegistrationError::NotPermitted {
                    operation: "RegisterDomain",
                    message,
                })
            } else {
                Err(RegistrationError::Failed {
                    operation: "RegisterDomain",
                    message,
                })
            }
        }
    }
}

/// RegisterActivityType refills at 60 per second after a burst of 200: stay well inside it.
const REGISTER_BURST: usize = 100;
const REGISTER_SPACING: Duration = Duration::from_millis(25);

/// Registers every activity type, `default_task_list` standing in for types that declare none
/// (and no default task list for types declaring [`NoDefault`](crate::activity::DefaultTaskList::NoDefault)),
/// and returns the timeouts SWF holds for each. Types that exist already are described and
/// compared; differences are logged at warn.
pub(crate) async fn register_activity_types(
    client: &Client,
    domain: &str,
    default_task_list: &str,
    definitions: &[&ActivityDefinition],
) -> Result<Vec<(ActivityType, RegisteredTimeouts)>, (ActivityType, RegistrationError)> {
    let mut registered = Vec::with_capacity(definitions.len());
    for (index, definition) in definitions.iter().enumerate() {
        if index >= REGISTER_BURST {
            tokio::time::sleep(REGISTER_SPACING).await;
        }
        let outcome = register_activity_type(client, domain, default_task_list, definition)
            .await
            .map_err(|e| (definition.activity_type.clone(), e))?;
        let timeouts = match outcome {
            Registration::Registered => RegisteredTimeouts::declared(definition),
            Registration::AlreadyExisted => {
                compare_registered(client, domain, default_task_list, definition).await
            }
        };
        registered.push((definition.activity_type.clone(), timeouts));
    }
    Ok(registered)
}

/// Describes every activity type (for a worker that does not register them) and returns the
/// timeouts SWF holds for each; differences from the code are logged at warn.
pub(crate) async fn describe_activity_types(
    client: &Client,
    domain: &str,
    default_task_list: &str,
    definitions: &[&ActivityDefinition],
) -> Vec<(ActivityType, RegisteredTimeouts)> {
    let mut registered = Vec::with_capacity(definitions.len());
    for definition in definitions {
        let timeouts = compare_registered(client, domain, default_task_list, definition).await;
        registered.push((definition.activity_type.clone(), timeouts));
    }
    registered
}

async fn register_activity_type(
    client: &Client,
    domain: &str,
    default_task_list: &str,
    definition: &ActivityDefinition,
) -> Result<Registration, RegistrationError> {
    let declared = declared_configuration(definition, default_task_list);
    let defaults = &definition.defaults;
    let result = client
        .register_activity_type()
        .domain(domain)
        .name(definition.activity_type.name.as_ref())
        .version(definition.activity_type.version.as_ref())
        .set_description(defaults.description.as_deref().map(str::to_owned))
        .set_default_task_list(declared.default_task_list)
        .set_default_task_priority(declared.default_task_priority)
        .set_default_task_heartbeat_timeout(declared.default_task_heartbeat_timeout)
        .set_default_task_start_to_close_timeout(declared.default_task_start_to_close_timeout)
        .set_default_task_schedule_to_start_timeout(declared.default_task_schedule_to_start_timeout)
        .set_default_task_schedule_to_close_timeout(declared.default_task_schedule_to_close_timeout)
        .send()
        .await;
    match result {
        Ok(_) => {
            tracing::info!(activity_type = %definition.activity_type, "registered activity type");
            Ok(Registration::Registered)
        }
        Err(err) => {
            let message = describe(&err);
            let service = err.into_service_error();
            if service.is_type_already_exists_fault() {
                Ok(Registration::AlreadyExisted)
            } else if service.is_unknown_resource_fault() {
                Err(RegistrationError::UnknownDomain {
                    domain: domain.to_owned(),
                })
            } else if service.is_operation_not_permitted_fault() {
                Err(RegistrationError::NotPermitted {
                    operation: "RegisterActivityType",
                    message,
                })
            } else {
                Err(RegistrationError::Failed {
                    operation: "RegisterActivityType",
                    message,
                })
            }
        }
    }
}

fn declared_configuration(
    definition: &ActivityDefinition,
    default_task_list: &str,
) -> ActivityTypeConfiguration {
    let defaults = &definition.defaults;
    let task_list = defaults.task_list.registered(default_task_list);
    ActivityTypeConfiguration::builder()
        .set_default_task_list(
            task_list.and_then(|name| TaskList::builder().name(name).build().ok()),
        )
        .set_default_task_priority(defaults.task_priority.map(|p| p.to_string()))
        .set_default_task_heartbeat_timeout(defaults.heartbeat_timeout.map(|t| t.to_swf_string()))
        .set_default_task_start_to_close_timeout(
            defaults.start_to_close_timeout.map(|t| t.to_swf_string()),
        )
        .set_default_task_schedule_to_start_timeout(
            defaults
                .schedule_to_start_timeout
                .map(|t| t.to_swf_string()),
        )
        .set_default_task_schedule_to_close_timeout(
            defaults
                .schedule_to_close_timeout
                .map(|t| t.to_swf_string()),
        )
        .build()
}

/// Describes the type, warns about defaults that differ from the code's, and returns the
/// timeouts SWF holds (the code's when it cannot be described).
async fn compare_registered(
    client: &Client,
    domain: &str,
    default_task_list: &str,
    definition: &ActivityDefinition,
) -> RegisteredTimeouts {
    let declared = RegisteredTimeouts::declared(definition);
    let activity_type = aws_sdk_swf::types::ActivityType::builder()
        .name(definition.activity_type.name.as_ref())
        .version(definition.activity_type.version.as_ref())
        .build();
    let Ok(activity_type) = activity_type else {
        return declared;
    };
    let described = client
        .describe_activity_type()
        .domain(domain)
        .activity_type(activity_type)
        .send()
        .await;
    match described {
        Ok(output) => {
            let registered_description = output
                .type_info()
                .and_then(|info| info.description())
                .map(str::to_owned);
            let differences = differences(
                definition,
                default_task_list,
                output.configuration(),
                registered_description.as_deref(),
            );
            let registered = output
                .configuration()
                .map_or_else(RegisteredTimeouts::default, |configuration| {
                    RegisteredTimeouts::from_configuration(configuration)
                });
            if !differences.is_empty() {
                tracing::warn!(
                    activity_type = %definition.activity_type,
                    differences = %differences.join("; "),
                    heartbeat_timeout = %registered.heartbeat.map_or_else(|| "none".to_owned(), |t| t.to_string()),
                    start_to_close_timeout = %registered.start_to_close.map_or_else(|| "none".to_owned(), |t| t.to_string()),
                    "activity type is registered with other defaults than the code declares; SWF keeps the registered ones and the worker times tasks by them: register a new version to change them"
                );
            }
            registered
        }
        Err(err) => {
            tracing::warn!(
                activity_type = %definition.activity_type,
                error = %describe(&err),
                "could not describe the activity type; timing its tasks by the defaults the code declares"
            );
            declared
        }
    }
}

/// The registered defaults that differ from the declared ones, as `field: registered X, code Y`.
fn differences(
    definition: &ActivityDefinition,
    default_task_list: &str,
    registered: Option<&ActivityTypeConfiguration>,
    registered_description: Option<&str>,
) -> Vec<String> {
    let declared = declared_configuration(definition, default_task_list);
    let empty = ActivityTypeConfiguration::builder().build();
    let registered = registered.unwrap_or(&empty);
    let mut out = Vec::new();
    let mut check = |field: &str, registered: Option<&str>, declared: Option<&str>| {
        if registered != declared {
            out.push(format!(
                "{field}: registered {}, code {}",
                registered.unwrap_or("(none)"),
                declared.unwrap_or("(none)")
            ));
        }
    };
    check(
        "description",
        registered_description,
        definition.defaults.description.as_deref(),
    );
    check(
        "default task list",
        registered.default_task_list().map(|t| t.name()),
        declared.default_task_list().map(|t| t.name()),
    );
    check(
        "default task priority",
        registered.default_task_priority(),
        declared.default_task_priority(),
    );
    check(
        "default heartbeat timeout",
        registered.default_task_heartbeat_timeout(),
        declared.default_task_heartbeat_timeout(),
    );
    check(
        "default start-to-close timeout",
        registered.default_task_start_to_close_timeout(),
        declared.default_task_start_to_close_timeout(),
    );
    check(
        "default schedule-to-start timeout",
        registered.default_task_schedule_to_start_timeout(),
        declared.default_task_schedule_to_start_timeout(),
    );
    check(
        "default schedule-to-close timeout",
        registered.default_task_schedule_to_close_timeout(),
        declared.default_task_schedule_to_close_timeout(),
    );
    out
}
