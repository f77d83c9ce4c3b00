//! Domains, activity types and workflow types.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::paging::page;
use super::state::{ActivityTypeInfo, Domain, State, WorkflowTypeInfo};
use crate::error::{ErrorKind, SwfError};
use crate::limits;
use crate::model::{TaskList, TypeId};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RegisterDomainRequest {
    pub name: String,
    pub description: Option<String>,
    pub workflow_execution_retention_period_in_days: String,
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
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeTypeRequest {
    pub domain: String,
    pub activity_type: TypeId,
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
        self.domains.insert(
            req.name.clone(),
            Domain {
                name: req.name,
                description: req.description,
                retention_days: req.workflow_execution_retention_period_in_days,
                activity_types: BTreeMap::new(),
                workflow_types: BTreeMap::new(),
            },
        );
        Ok(json!({}))
    }

    fn domain_info(d: &Domain) -> Value {
        json!({
            "name": d.name,
            "status": "REGISTERED",
            "description": d.description,
            "arn": format!("arn:aws:swf:us-east-1:000000000000:/domain/{}", d.name),
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
        let items: Vec<Value> = if status(&req.registration_status)? {
            let mut names: Vec<&Domain> = self.domains.values().collect();
            names.sort_by(|a, b| a.name.cmp(&b.name));
            names.into_iter().map(Self::domain_info).collect()
        } else {
            Vec::new()
        };
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
        let domain = self
            .domains
            .get_mut(&req.domain)
            .ok_or_else(|| SwfError::unknown(format!("Unknown domain: {}", req.domain)))?;
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
            },
        );
        Ok(json!({}))
    }

    fn activity_type_info(id: &TypeId, t: &ActivityTypeInfo) -> Value {
        json!({
            "activityType": id,
            "status": "REGISTERED",
            "description": t.description,
            "creationDate": t.created,
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
        let items: Vec<Value> = if status(&req.registration_status)? {
            domain
                .activity_types
                .iter()
                .filter(|(id, _)| req.name.as_ref().is_none_or(|n| *n == id.name))
                .map(|(id, t)| Self::activity_type_info(id, t))
                .collect()
        } else {
            Vec::new()
        };
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
        let domain = self
            .domains
            .get_mut(&req.domain)
            .ok_or_else(|| SwfError::unknown(format!("Unknown domain: {}", req.domain)))?;
        if domain.workflow_types.contains_key(&id) {
            return Err(SwfError::new(
                ErrorKind::TypeAlreadyExists,
                format!("WorkflowType=[name={}, version={}]", id.name, id.version),
            ));
        }
        domain.workflow_types.insert(
            id,
            WorkflowTypeInfo {
                default_task_list: req.default_task_list,
                default_task_start_to_close: req.default_task_start_to_close_timeout,
                default_execution_start_to_close: req.default_execution_start_to_close_timeout,
                default_child_policy: req.default_child_policy,
            },
        );
        Ok(json!({}))
    }
}
