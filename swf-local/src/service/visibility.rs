//! The visibility operations: List/Count Open/Closed WorkflowExecutions with SWF's filters.

use serde::Deserialize;
use serde_json::{Value, json};

use super::executions::execution_info;
use super::paging::page;
use super::state::{Execution, State};
use crate::error::SwfError;
use crate::model::CloseStatus;

/// `{"oldestDate": ..., "latestDate": ...}` in epoch seconds.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TimeFilter {
    pub oldest_date: f64,
    pub latest_date: Option<f64>,
}

impl TimeFilter {
    fn admits(&self, at: f64) -> bool {
        at >= self.oldest_date && self.latest_date.is_none_or(|latest| at <= latest)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TypeFilter {
    pub name: String,
    pub version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TagFilter {
    pub tag: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExecutionFilter {
    pub workflow_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CloseStatusFilter {
    pub status: String,
}

/// The request of all four operations (the open ones take no close filters).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VisibilityRequest {
    pub domain: String,
    pub start_time_filter: Option<TimeFilter>,
    pub close_time_filter: Option<TimeFilter>,
    pub type_filter: Option<TypeFilter>,
    pub tag_filter: Option<TagFilter>,
    pub execution_filter: Option<ExecutionFilter>,
    pub close_status_filter: Option<CloseStatusFilter>,
    pub next_page_token: Option<String>,
    pub maximum_page_size: Option<i64>,
    #[serde(default)]
    pub reverse_order: bool,
}

/// Which executions a visibility request looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Visibility {
    Open,
    Closed,
}

impl VisibilityRequest {
    fn check(&self, which: Visibility) -> Result<(), SwfError> {
        let exclusive = [
            self.type_filter.is_some(),
            self.tag_filter.is_some(),
            self.execution_filter.is_some(),
            self.close_status_filter.is_some(),
        ];
        let names = match which {
            Visibility::Open => "executionFilter, typeFilter and tagFilter",
            Visibility::Closed => "executionFilter, closeStatusFilter, typeFilter and tagFilter",
        };
        if exclusive.iter().filter(|set| **set).count() > 1 {
            return Err(SwfError::validation(format!(
                "{names} are mutually exclusive: give at most one"
            )));
        }
        match which {
            Visibility::Open => {
                if self.start_time_filter.is_none() {
                    return Err(SwfError::validation("startTimeFilter is required"));
                }
                if self.close_time_filter.is_some() || self.close_status_filter.is_some() {
                    return Err(SwfError::validation(
                        "open executions take no closeTimeFilter or closeStatusFilter",
                    ));
                }
            }
            Visibility::Closed => {
                if self.start_time_filter.is_some() == self.close_time_filter.is_some() {
                    return Err(SwfError::validation(
                        "give exactly one of startTimeFilter and closeTimeFilter",
                    ));
                }
            }
        }
        if let Some(f) = &self.close_status_filter
            && CloseStatus::parse(&f.status).is_none()
        {
            return Err(SwfError::validation(format!(
                "closeStatusFilter.status must be COMPLETED, FAILED, CANCELED, TERMINATED, CONTINUED_AS_NEW or TIMED_OUT, got {:?}",
                f.status
            )));
        }
        Ok(())
    }

    fn admits(&self, e: &Execution, which: Visibility) -> bool {
        let status_matches = match (which, e.closed) {
            (Visibility::Open, None) => true,
            (Visibility::Closed, Some((status, at))) => {
                self.close_time_filter.is_none_or(|f| f.admits(at))
                    && self
                        .close_status_filter
                        .as_ref()
                        .is_none_or(|f| f.status == status.as_str())
            }
            _ => false,
        };
        status_matches
            && e.domain == self.domain
            && self
                .start_time_filter
                .is_none_or(|f| f.admits(e.started_at))
            && self.type_filter.as_ref().is_none_or(|f| {
                f.name == e.workflow_type.name
                    && f.version
                        .as_ref()
                        .is_none_or(|v| *v == e.workflow_type.version)
            })
            && self
                .tag_filter
                .as_ref()
                .is_none_or(|f| e.tag_list.contains(&f.tag))
            && self
                .execution_filter
                .as_ref()
                .is_none_or(|f| f.workflow_id == e.workflow_id)
    }
}

impl State {
    /// The executions a request admits, newest first (by start time, or close time when the
    /// request filters on it), as SWF orders them.
    fn visible(
        &self,
        req: &VisibilityRequest,
        which: Visibility,
    ) -> Result<Vec<&Execution>, SwfError> {
        req.check(which)?;
        self.domain(&req.domain)?;
        let by_close = req.close_time_filter.is_some();
        let key = |e: &Execution| {
            if by_close {
                e.closed.map_or(0.0, |(_, at)| at)
            } else {
                e.started_at
            }
        };
        let mut found: Vec<&Execution> = self
            .executions
            .values()
            .filter(|e| req.admits(e, which))
            .collect();
        found.sort_by(|a, b| {
            key(b)
                .total_cmp(&key(a))
                .then_with(|| b.run_id.cmp(&a.run_id))
        });
        Ok(found)
    }

    pub(crate) fn list_executions(
        &self,
        req: &VisibilityRequest,
        which: Visibility,
    ) -> Result<Value, SwfError> {
        let infos: Vec<Value> = self
            .visible(req, which)?
            .into_iter()
            .map(execution_info)
            .collect();
        let (infos, next) = page(
            infos,
            req.next_page_token.as_deref(),
            req.maximum_page_size,
            req.reverse_order,
        )?;
        Ok(json!({ "executionInfos": infos, "nextPageToken": next }))
    }

    pub(crate) fn count_executions(
        &self,
        req: &VisibilityRequest,
        which: Visibility,
    ) -> Result<Value, SwfError> {
        let count = self.visible(req, which)?.len();
        Ok(json!({ "count": count, "truncated": false }))
    }
}
