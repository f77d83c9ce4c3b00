//! Domains, activity types and workflow types.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::paging::page;
use super::state::{ActivityTypeInfo, Domain, State, WorkflowTypeInfo};
use crate::error::{ErrorKind, SwfError};
use crate::limits;
use crate::model::{ChildPolicy, TaskList, TypeId};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegisterDomainRequest {
    pub name: String,
    pub description: Option<String>,
    pub workflow_execution_retention_period_in_days: String,
    #[serde(default)]
    pub tags: Vec<super::tags::ResourceTag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NameRequest {
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListDomainsRequest {
    pub registration_status: String,
    pub next_page_token: Option<String>,
    pub maximum_page_size: Option<i64>,
    #[serde(default)]
    pub reverse_order: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegisterActivityTypeRequest {
    pub domain: String,
    pub name: String,
    pub version: String,
    pub description: Option<String>,
    pub default_task_start_to_close_timeout: Option<String>,
    pub default_task_heartbeat_timeout: Option<String>,
    pub default_task_list: Option<TaskList>,
    pub default_task_priority: Option<String>,
    pub default_task_schedule_to_start_timeout: Option<String>,
    pub default_task_schedule_to_close_timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegisterWorkflowTypeRequest {
    pub domain: String,
    pub name: String,
    pub version: String,
    pub description: Option<String>,
    pub default_task_start_to_close_timeout: Option<String>,
    pub default_execution_start_to_close_timeout: Option<String>,
    pub default_task_list: Option<TaskList>,
    pub default_child_policy: Option<String>,
    pub default_task_priority: Option<String>,
    pub default_lambda_role: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeTypeRequest {
    pub domain: String,
    pub activity_type: TypeId,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkflowTypeRequest {
    pub domain: String,
    pub workflow_type: TypeId,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListTypesRequest {
    pub domain: String,
    pub name: Option<String>,
    pub registration_status: String,
    pub next_page_token: Option<String>,
    pub maximum_page_size: Option<i64>,
    #[serde(default)]
    pub reverse_order: bool,
}

fn status(s: &str) -> Result<bool, SwfError> {
    match s {
        "REGISTERED" => Ok(true),
        "DEPRECATED" => Ok(false),
        other => Err(SwfError::validation(format!(
            "registrationStatus must be REGISTERED or DEPRECATED, got {other:?}"
        ))),
    }
}

fn status_name(deprecated: bool) -> &'static str {
    if deprecated {
        "DEPRECATED"
    } else {
        "REGISTERED"
    }
}

/// Checks a child policy: `TERMINATE`, `REQUEST_CANCEL` or `ABANDON`.
pub(crate) fn child_policy(field: &str, value: &str) -> Result<(), SwfError> {
    ChildPolicy::parse(value).map(|_| ()).ok_or_else(|| {
        SwfError::validation(format!(
            "{field} must be TERMINATE, REQUEST_CANCEL or ABANDON, got {value:?}"
        ))
    })
}

fn unknown_type(kind: &str, id: &TypeId) -> SwfError {
    SwfError::unknown(format!(
        "Unknown type: {kind}=[name={}, version={}]",
        id.name, id.version
    ))
}

fn type_name(kind: &str, id: &TypeId) -> Result<(), SwfError> {
    limits::name(&format!("{kind}.name"), &id.name, limits::NAME_MAX)?;
    limits::name(&format!("{kind}.version"), &id.version, limits::VERSION_MAX)
}

impl State {
    pub(crate) fn register_domain(
        &mut self,
        req: RegisterDomainRequest,
    ) -> Result<Value, SwfError> {
        limits::trimmed_name("name", &req.name)?;
        limits::opt_length(
            "description",
            req.description.as_deref(),
            limits::DESCRIPTION_MAX,
        )?;
        let days = req.workflow_execution_retention_period_in_days.as_str();
        limits::length("workflowExecutionRetentionPeriodInDays", days, 1, 8)?;
        if days != "NONE" && days.parse::<u32>().map_or(true, |d| d > 90) {
            return Err(SwfError::validation(
                "workflowExecutionRetentionPeriodInDays must be NONE or a number of days from 0 to 90",
            ));
        }
        if self.domains.contains_key(&req.name) {
            return Err(SwfError::new(ErrorKind::DomainAlreadyExists, req.name));
        }
        let tags = super::tags::merged(Vec::new(), req.tags)?;
        self.domains.insert(
            req.name.clone(),
            Domain {
                name: req.name,
                description: req.description,
                retention_days: req.workflow_execution_retention_period_in_days,
                activity_types: BTreeMap::new(),
                workflow_types: BTreeMap::new(),
                deprecated: false,
                tags,
            },
        );
        Ok(json!({}))
    }

    fn domain_info(d: &Domain) -> Value {
        json!({
            "name": d.name,
            "status": status_name(d.deprecated),
            "description": d.description,
            "arn": super::tags::domain_arn(&d.name),
        })
    }

    pub(crate) fn describe_domain(&self, req: &NameRequest) -> Result<Value, SwfError> {
        let d = self.domain(&req.name)?;
        Ok(json!({
            "domainInfo": Self::domain_info(d),
            "configuration": { "workflowExecutionRetentionPeriodInDays": d.retention_days },
        }))
    }

    pub(crate) fn list_domains(&self, req: &ListDomainsRequest) -> Result<Value, SwfError> {
        let registered = status(&req.registration_status)?;
        let mut names: Vec<&Domain> = self
            .domains
            .values()
            .filter(|d| d.deprecated != registered)
            .collect();
        names.sort_by(|a, b| a.name.cmp(&b.name));
        let items: Vec<Value> = names.into_iter().map(Self::domain_info).collect();
        let (items, next) = page(
            items,
            req.next_page_token.as_deref(),
            req.maximum_page_size,
            req.reverse_order,
        )?;
        Ok(json!({ "domainInfos": items, "nextPageToken": next }))
    }

    pub(crate) fn register_activity_type(
        &mut self,
        req: RegisterActivityTypeRequest,
    ) -> Result<Value, SwfError> {
        let id = TypeId::new(req.name, req.version);
        type_name("activityType", &id)?;
        limits::opt_length(
            "description",
            req.description.as_deref(),
            limits::DESCRIPTION_MAX,
        )?;
        limits::opt_duration(
            "defaultTaskStartToCloseTimeout",
            req.default_task_start_to_close_timeout.as_deref(),
        )?;
        limits::opt_duration(
            "defaultTaskHeartbeatTimeout",
            req.default_task_heartbeat_timeout.as_deref(),
        )?;
        limits::opt_duration(
            "defaultTaskScheduleToStartTimeout",
            req.default_task_schedule_to_start_timeout.as_deref(),
        )?;
        limits::opt_duration(
            "defaultTaskScheduleToCloseTimeout",
            req.default_task_schedule_to_close_timeout.as_deref(),
        )?;
        if let Some(list) = &req.default_task_list {
            limits::trimmed_name("defaultTaskList.name", &list.name)?;
        }
        let created = self.now_epoch();
        let domain = self.registered_domain_mut(&req.domain)?;
        if domain.activity_types.contains_key(&id) {
            return Err(SwfError::new(
                ErrorKind::TypeAlreadyExists,
                format!("ActivityType=[name={}, version={}]", id.name, id.version),
            ));
        }
        domain.activity_types.insert(
            id,
            ActivityTypeInfo {
                description: req.description,
                created,
                default_task_list: req.default_task_list,
                default_start_to_close: req.default_task_start_to_close_timeout,
                default_heartbeat: req.default_task_heartbeat_timeout,
                default_schedule_to_start: req.default_task_schedule_to_start_timeout,
                default_schedule_to_close: req.default_task_schedule_to_close_timeout,
                default_priority: req.default_task_priority,
                deprecated: None,
            },
        );
        Ok(json!({}))
    }

    fn activity_type_info(id: &TypeId, t: &ActivityTypeInfo) -> Value {
        json!({
            "activityType": id,
            "status": status_name(t.deprecated.is_some()),
            "description": t.description,
            "creationDate": t.created,
            "deprecationDate": t.deprecated,
        })
    }

    pub(crate) fn describe_activity_type(
        &self,
        req: &DescribeTypeRequest,
    ) -> Result<Value, SwfError> {
        let t = self
            .domain(&req.domain)?
            .activity_types
            .get(&req.activity_type)
            .ok_or_else(|| {
                SwfError::unknown(format!(
                    "Unknown type: ActivityType=[name={}, version={}]",
                    req.activity_type.name, req.activity_type.version
                ))
            })?;
        Ok(json!({
            "typeInfo": Self::activity_type_info(&req.activity_type, t),
            "configuration": {
                "defaultTaskStartToCloseTimeout": t.default_start_to_close,
                "defaultTaskHeartbeatTimeout": t.default_heartbeat,
                "defaultTaskList": t.default_task_list,
                "defaultTaskPriority": t.default_priority,
                "defaultTaskScheduleToStartTimeout": t.default_schedule_to_start,
                "defaultTaskScheduleToCloseTimeout": t.default_schedule_to_close,
            },
        }))
    }

    pub(crate) fn list_activity_types(&self, req: &ListTypesRequest) -> Result<Value, SwfError> {
        let domain = self.domain(&req.domain)?;
        let registered = status(&req.registration_status)?;
        let items: Vec<Value> = domain
            .activity_types
            .iter()
            .filter(|(id, t)| {
                req.name.as_ref().is_none_or(|n| *n == id.name)
                    && t.deprecated.is_none() == registered
            })
            .map(|(id, t)| Self::activity_type_info(id, t))
            .collect();
        let (items, next) = page(
            items,
            req.next_page_token.as_deref(),
            req.maximum_page_size,
            req.reverse_order,
        )?;
        Ok(json!({ "typeInfos": items, "nextPageToken": next }))
    }

    pub(crate) fn register_workflow_type(
        &mut self,
        req: RegisterWorkflowTypeRequest,
    ) -> Result<Value, SwfError> {
        let id = TypeId::new(req.name, req.version);
        type_name("workflowType", &id)?;
        limits::opt_length(
            "description",
            req.description.as_deref(),
            limits::DESCRIPTION_MAX,
        )?;
        limits::opt_duration(
            "defaultTaskStartToCloseTimeout",
            req.default_task_start_to_close_timeout.as_deref(),
        )?;
        limits::opt_duration(
            "defaultExecutionStartToCloseTimeout",
            req.default_execution_start_to_close_timeout.as_deref(),
        )?;
        if let Some(list) = &req.default_task_list {
            limits::trimmed_name("defaultTaskList.name", &list.name)?;
        }
        if let Some(policy) = &req.default_child_policy {
            child_policy("defaultChildPolicy", policy)?;
        }
        let created = self.now_epoch();
        let domain = self.registered_domain_mut(&req.domain)?;
        if domain.workflow_types.contains_key(&id) {
            return Err(SwfError::new(
                ErrorKind::TypeAlreadyExists,
                format!("WorkflowType=[name={}, version={}]", id.name, id.version),
            ));
        }
        domain.workflow_types.insert(
            id,
            WorkflowTypeInfo {
                description: req.description,
                created,
                deprecated: None,
                default_task_priority: req.default_task_priority,
                default_lambda_role: req.default_lambda_role,
                default_task_list: req.default_task_list,
                default_task_start_to_close: req.default_task_start_to_close_timeout,
                default_execution_start_to_close: req.default_execution_start_to_close_timeout,
                default_child_policy: req.default_child_policy,
            },
        );
        Ok(json!({}))
    }
}

impl State {
    /// A domain that accepts new types and executions (registered, not deprecated).
    pub(crate) fn registered_domain_mut(&mut self, name: &str) -> Result<&mut Domain, SwfError> {
        match self.domains.get_mut(name) {
            Some(d) if d.deprecated => Err(SwfError::unknown(format!(
                "Domain {name} is deprecated: it takes no new types or executions until UndeprecateDomain"
            ))),
            Some(d) => Ok(d),
            None => Err(SwfError::unknown(format!("Unknown domain: {name}"))),
        }
    }

    pub(crate) fn deprecate_domain(
        &mut self,
        req: &NameRequest,
        deprecate: bool,
    ) -> Result<Value, SwfError> {
        let domain = self
            .domains
            .get_mut(&req.name)
            .ok_or_else(|| SwfError::unknown(format!("Unknown domain: {}", req.name)))?;
        match (domain.deprecated, deprecate) {
            (true, true) => Err(SwfError::new(ErrorKind::DomainDeprecated, req.name.clone())),
            (false, false) => Err(SwfError::new(
                ErrorKind::DomainAlreadyExists,
                req.name.clone(),
            )),
            _ => {
                domain.deprecated = deprecate;
                Ok(json!({}))
            }
        }
    }

    pub(crate) fn deprecate_activity_type(
        &mut self,
        req: &DescribeTypeRequest,
        deprecate: bool,
    ) -> Result<Value, SwfError> {
        let now = self.now_epoch();
        let t = self
            .domains
            .get_mut(&req.domain)
            .ok_or_else(|| SwfError::unknown(format!("Unknown domain: {}", req.domain)))?
            .activity_types
            .get_mut(&req.activity_type)
            .ok_or_else(|| unknown_type("ActivityType", &req.activity_type))?;
        set_deprecated(
            &mut t.deprecated,
            deprecate,
            now,
            "ActivityType",
            &req.activity_type,
        )
    }

    pub(crate) fn deprecate_workflow_type(
        &mut self,
        req: &WorkflowTypeRequest,
        deprecate: bool,
    ) -> Result<Value, SwfError> {
        let now = self.now_epoch();
        let t = self
            .domains
            .get_mut(&req.domain)
            .ok_or_else(|| SwfError::unknown(format!("Unknown domain: {}", req.domain)))?
            .workflow_types
            .get_mut(&req.workflow_type)
            .ok_or_else(|| unknown_type("WorkflowType", &req.workflow_type))?;
        set_deprecated(
            &mut t.deprecated,
            deprecate,
            now,
            "WorkflowType",
            &req.workflow_type,
        )
    }

    fn workflow_type_info(id: &TypeId, t: &WorkflowTypeInfo) -> Value {
        json!({
            "workflowType": id,
            "status": status_name(t.deprecated.is_some()),
            "description": t.description,
            "creationDate": t.created,
            "deprecationDate": t.deprecated,
        })
    }

    pub(crate) fn describe_workflow_type(
        &self,
        req: &WorkflowTypeRequest,
    ) -> Result<Value, SwfError> {
        let t = self
            .domain(&req.domain)?
            .workflow_types
            .get(&req.workflow_type)
            .ok_or_else(|| unknown_type("WorkflowType", &req.workflow_type))?;
        Ok(json!({
            "typeInfo": Self::workflow_type_info(&req.workflow_type, t),
            "configuration": {
                "defaultTaskStartToCloseTimeout": t.default_task_start_to_close,
                "defaultExecutionStartToCloseTimeout": t.default_execution_start_to_close,
                "defaultTaskList": t.default_task_list,
                "defaultTaskPriority": t.default_task_priority,
                "defaultChildPolicy": t.default_child_policy,
                "defaultLambdaRole": t.default_lambda_role,
            },
        }))
    }

    pub(crate) fn list_workflow_types(&self, req: &ListTypesRequest) -> Result<Value, SwfError> {
        let domain = self.domain(&req.domain)?;
        let registered = status(&req.registration_status)?;
        let items: Vec<Value> = domain
            .workflow_types
            .iter()
            .filter(|(id, t)| {
                req.name.as_ref().is_none_or(|n| *n == id.name)
                    && t.deprecated.is_none() == registered
            })
            .map(|(id, t)| Self::workflow_type_info(id, t))
            .collect();
        let (items, next) = page(
            items,
            req.next_page_token.as_deref(),
            req.maximum_page_size,
            req.reverse_order,
        )?;
        Ok(json!({ "typeInfos": items, "nextPageToken": next }))
    }
}

fn set_deprecated(
    slot: &mut Option<f64>,
    deprecate: bool,
    now: f64,
    kind: &str,
    id: &TypeId,
) -> Result<Value, SwfError> {
    let named = format!("{kind}=[name={}, version={}]", id.name, id.version);
    match (slot.is_some(), deprecate) {
        (true, true) => Err(SwfError::new(ErrorKind::TypeDeprecated, named)),
        (false, false) => Err(SwfError::new(ErrorKind::TypeAlreadyExists, named)),
        (_, true) => {
            *slot = Some(now);
            Ok(json!({}))
        }
        (_, false) => {
            *slot = None;
            Ok(json!({}))
        }
    }
}
