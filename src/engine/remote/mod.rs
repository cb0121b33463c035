//! Reading the server's actions, on both dialects: the whole list, paged to the end
//! ([`Engine::list_actions`]), one action in full ([`Engine::read_action`]), and an action
//! found by id or exact name ([`Engine::find_action`]). Every request is a read of the
//! executor (`executor::read`): the engine's client, token, pacer, retries and redirects. The paths and the
//! paging of each dialect live in `listing`; the editable payload a pull writes in
//! `editable`. Reads change nothing, so they write no audit record.

mod diff;
mod editable;
mod listing;
mod push;
mod shown;

use reqwest::Url;
use serde::Serialize;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::Engine;
use crate::config::Api;

pub use diff::{Difference, differences};
pub use editable::{editable_payload, safe_file_stem};
pub use push::{Comparison, PushError, PushOptions, PushOutcome};
pub use shown::{MAX_VALUE_CHARS, difference_lines, redacted_differences, summary};

/// Why a read has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The server answered 4xx; `reason` in its error shape, escaped.
    #[error("the server refused ({status}): {reason}")]
    Refused { status: u16, reason: String },
    /// Network, TLS, retries exhausted, a 5xx, an answer that is not what the API says.
    #[error("{0}")]
    Failed(String),
    #[error("cancelled")]
    Cancelled,
    /// No action has that id or that exact name.
    #[error("no action has the id or the name {0:?}")]
    NotFound(String),
    /// More than one action has that exact name.
    #[error("{count} actions are named {name:?}: {}; pull one by its id", ids.join(", "))]
    Ambiguous {
        name: String,
        count: usize,
        ids: Vec<String>,
    },
}

/// What `cxda list` shows of one action. Server text, not escaped here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RemoteAction {
    pub id: String,
    pub name: String,
    /// genesys-cloud: the action's category.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// cxone-v2: the action's type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub version: Option<u64>,
    /// cxone-v2: whether the action is enabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// genesys-cloud: whether the action is secure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure: Option<bool>,
}

/// Which actions to list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Only actions whose name contains this (case-insensitive): genesys-cloud passes it to
    /// the server as `name`; cxone-v2, whose list has no filter, filters here.
    pub name: Option<String>,
    /// genesys-cloud: the drafts instead of the published actions.
    pub drafts: bool,
}

impl Engine {
    /// Every action on the server, in the server's order, paged to the end. `drafts` on a
    /// dialect without drafts is refused before anything is sent.
    pub async fn list_actions(
        &self,
        query: &ListQuery,
        cancel: &CancellationToken,
    ) -> Result<Vec<RemoteAction>, ReadError> {
        let api = self.inner.profile.api;
        if query.drafts && api == Api::CxoneV2 {
            return Err(ReadError::Failed(
                "the cxone-v2 dialect has no drafts".to_string(),
            ));
        }
        let correlation_id = super::new_correlation_id();
        let mut pages = listing::Pages::new(api, &self.inner.api_base_url, query);
        let mut actions = Vec::new();
        while let Some(url) = pages.next_url() {
            let answer = super::executor::read(&self.inner, &url, &correlation_id, cancel).await?;
            let page = pages.read(&answer.body)?;
            actions.extend(page);
        }
        if let (Api::CxoneV2, Some(name)) = (api, &query.name) {
            let needle = name.to_lowercase();
            actions.retain(|a| a.name.to_lowercase().contains(&needle));
        }
        Ok(actions)
    }

    /// The action `id` in full, as the server answers it (genesys-cloud: with its contract
    /// and config).
    pub async fn read_action(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Value, ReadError> {
        let url = listing::action_url(self.inner.profile.api, &self.inner.api_base_url, id)?;
        let answer =
            super::executor::read(&self.inner, &url, &super::new_correlation_id(), cancel).await?;
        serde_json::from_slice(&answer.body).map_err(|e| {
            ReadError::Failed(format!("the server's answer for {url} is not JSON: {e}"))
        })
    }

    /// The draft of the genesys-cloud action `id` in full, as the server answers it.
    pub async fn read_draft(
        &self,
        id: &str,
        cancel: &CancellationToken,
    ) -> Result<Value, ReadError> {
        let url = listing::draft_url(&self.inner.api_base_url, id)?;
        let answer =
            super::executor::read(&self.inner, &url, &super::new_correlation_id(), cancel).await?;
        serde_json::from_slice(&answer.body).map_err(|e| {
            ReadError::Failed(format!("the server's answer for {url} is not JSON: {e}"))
        })
    }

    /// The action whose id is `key`, else the one action named exactly `key`.
    pub async fn find_action(
        &self,
        key: &str,
        cancel: &CancellationToken,
    ) -> Result<Value, ReadError> {
        match self.locate_by(Some(key), Some(key), cancel).await? {
            Some((action, _)) => Ok(action),
            None => Err(ReadError::NotFound(key.to_string())),
        }
    }

    /// The action whose id is `id`, else the one action named exactly `name` (several of
    /// that name: ambiguous); `None` when there is none. The flag says it was found by id.
    async fn locate_by(
        &self,
        id: Option<&str>,
        name: Option<&str>,
        cancel: &CancellationToken,
    ) -> Result<Option<(Value, bool)>, ReadError> {
        if let Some(id) = id {
            match self.read_action(id, cancel).await {
                Err(ReadError::Refused {
                    status: 400 | 404, ..
                }) => {}
                other => return other.map(|action| Some((action, true))),
            }
        }
        let Some(name) = name else {
            return Ok(None);
        };
        let query = ListQuery {
            name: Some(name.to_string()),
            drafts: false,
        };
        let mut named = self.list_actions(&query, cancel).await?;
        named.retain(|a| a.name == name);
        match named.as_slice() {
            [] => Ok(None),
            [one] => self
                .read_action(&one.id, cancel)
                .await
                .map(|action| Some((action, false))),
            several => Err(ReadError::Ambiguous {
                name: name.to_string(),
                count: several.len(),
                ids: several.iter().map(|a| a.id.clone()).collect(),
            }),
        }
    }
}

/// `base` with `segments` appended to its path.
fn join(base: &Url, segments: &[&str]) -> Result<Url, ReadError> {
    let mut url = base.clone();
    url.path_segments_mut()
        .map_err(|()| ReadError::Failed(format!("{base} cannot be a base URL")))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}
