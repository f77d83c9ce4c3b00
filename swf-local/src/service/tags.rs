//! Resource tags of domains: TagResource, UntagResource, ListTagsForResource and `tags` on
//! RegisterDomain. Domains are the only SWF resources with an ARN.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::state::State;
use crate::error::{ErrorKind, SwfError};
use crate::limits;

/// The most tags a resource carries (SWF's quota).
const TAGS_MAX: usize = 50;
const TAG_KEY_MAX: usize = 128;
const TAG_VALUE_MAX: usize = 256;

/// The ARN prefix of every domain this endpoint answers (one fixed account and region).
const DOMAIN_ARN_PREFIX: &str = "arn:aws:swf:us-east-1:000000000000:/domain/";

/// One tag, `{"key": ..., "value": ...}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct ResourceTag {
    pub key: String,
    #[serde(default)]
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TagRequest {
    pub resource_arn: String,
    #[serde(default)]
    pub tags: Vec<ResourceTag>,
    #[serde(default)]
    pub tag_keys: Vec<String>,
}

/// The ARN of a domain.
pub(crate) fn domain_arn(name: &str) -> String {
    format!("{DOMAIN_ARN_PREFIX}{name}")
}

/// `current` with `added` set over it (a key set again takes the new value), checked.
pub(crate) fn merged(
    mut current: Vec<(String, String)>,
    added: Vec<ResourceTag>,
) -> Result<Vec<(String, String)>, SwfError> {
    for tag in added {
        limits::length("tags.key", &tag.key, 1, TAG_KEY_MAX)?;
        limits::length("tags.value", &tag.value, 0, TAG_VALUE_MAX)?;
        if tag.key.starts_with("aws:") {
            return Err(SwfError::validation(
                "tag keys starting with \"aws:\" are reserved for AWS",
            ));
        }
        match current.iter_mut().find(|(k, _)| *k == tag.key) {
            Some(slot) => slot.1 = tag.value,
            None => current.push((tag.key, tag.value)),
        }
    }
    if current.len() > TAGS_MAX {
        return Err(SwfError::new(
            ErrorKind::TooManyTags,
            format!("a resource carries at most {TAGS_MAX} tags"),
        ));
    }
    Ok(current)
}

impl State {
    fn tagged_domain(&mut self, arn: &str) -> Result<&mut Vec<(String, String)>, SwfError> {
        let name = arn
            .split_once(":/domain/")
            .filter(|(head, _)| head.starts_with("arn:"))
            .map(|(_, name)| name)
            .ok_or_else(|| {
                SwfError::unknown(format!(
                    "Unknown resource {arn}: only domains carry tags (arn:aws:swf:REGION:ACCOUNT:/domain/NAME)"
                ))
            })?;
        self.domains
            .get_mut(name)
            .map(|d| &mut d.tags)
            .ok_or_else(|| SwfError::unknown(format!("Unknown domain: {name}")))
    }

    pub(crate) fn tag_resource(&mut self, req: TagRequest) -> Result<Value, SwfError> {
        let tags = self.tagged_domain(&req.resource_arn)?;
        *tags = merged(tags.clone(), req.tags)?;
        Ok(json!({}))
    }

    pub(crate) fn untag_resource(&mut self, req: &TagRequest) -> Result<Value, SwfError> {
        let tags = self.tagged_domain(&req.resource_arn)?;
        tags.retain(|(k, _)| !req.tag_keys.contains(k));
        Ok(json!({}))
    }

    pub(crate) fn list_tags(&mut self, req: &TagRequest) -> Result<Value, SwfError> {
        let tags: Vec<ResourceTag> = self
            .tagged_domain(&req.resource_arn)?
            .iter()
            .map(|(key, value)| ResourceTag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect();
        Ok(json!({ "tags": tags }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> ResourceTag {
        ResourceTag {
            key: key.to_owned(),
            value: value.to_owned(),
        }
    }

    #[test]
    fn a_key_set_again_takes_the_new_value_and_fifty_tags_is_the_most() {
        let tags = merged(
            Vec::new(),
            vec![tag("a", "1"), tag("b", "2"), tag("a", "3")],
        )
        .unwrap_or_default();
        assert_eq!(
            tags,
            [
                ("a".to_owned(), "3".to_owned()),
                ("b".to_owned(), "2".to_owned())
            ]
        );
        let fifty: Vec<ResourceTag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
        let full = merged(Vec::new(), fifty).unwrap_or_default();
        assert_eq!(full.len(), 50);
        let refused = merged(full, vec![tag("one-more", "v")]).map(|t| t.len());
        assert_eq!(refused.map_err(|e| e.kind), Err(ErrorKind::TooManyTags));
        let reserved = merged(Vec::new(), vec![tag("aws:owner", "me")]).map(|t| t.len());
        assert_eq!(reserved.map_err(|e| e.kind), Err(ErrorKind::Validation));
    }
}
