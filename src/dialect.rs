//! The dialects cxda speaks: `cxone-v2` (the contract the product started from, emulated by
//! the sandbox) and `genesys-cloud` (Genesys Cloud Data Actions, docs/genesys-cloud.md).
//!
//! A dialect is a value, not a fork of the code: each room asks it for what differs (the
//! payload checks in `payload`, the request plans and answers in `engine`, the emulation in
//! `sandbox`). This module is the leaf they share: the names and the per-dialect defaults.

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;

use crate::rate::RateSpec;

/// `api`: which dialect the profile speaks (docs/configuration.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Api {
    /// The contract the product started from, emulated by the sandbox.
    #[default]
    #[serde(rename = "cxone-v2")]
    CxoneV2,
    /// Genesys Cloud Data Actions (docs/genesys-cloud.md).
    #[serde(rename = "genesys-cloud")]
    GenesysCloud,
}

impl Api {
    pub const ALL: [Api; 2] = [Api::CxoneV2, Api::GenesysCloud];

    /// The name as written in a config file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Api::CxoneV2 => "cxone-v2",
            Api::GenesysCloud => "genesys-cloud",
        }
    }

    pub fn parse(text: &str) -> Option<Api> {
        Api::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// Where a create starts, below the API base URL: `api/v2/data-actions` for
    /// `cxone-v2`, the drafts endpoint `api/v2/integrations/actions/drafts` for
    /// `genesys-cloud`.
    pub fn create_path(self) -> &'static [&'static str] {
        match self {
            Api::CxoneV2 => &["api", "v2", "data-actions"],
            Api::GenesysCloud => &["api", "v2", "integrations", "actions", "drafts"],
        }
    }

    /// `api_base_url` with [`Api::create_path`] appended, whether or not its path ends in
    /// `/` (`None` for a URL that cannot take a path).
    pub fn create_url(self, api_base_url: &Url) -> Option<Url> {
        let mut url = api_base_url.clone();
        url.path_segments_mut()
            .ok()?
            .pop_if_empty()
            .extend(self.create_path());
        Some(url)
    }

    /// One stored action below the API base URL: `api/v2/data-actions/{id}` for
    /// `cxone-v2`, `api/v2/integrations/actions/{id}` for `genesys-cloud` (the id one path
    /// segment, percent-encoded as needed; `None` for a URL that cannot take a path).
    pub fn action_url(self, api_base_url: &Url, id: &str) -> Option<Url> {
        let collection: &[&str] = match self {
            Api::CxoneV2 => &["api", "v2", "data-actions"],
            Api::GenesysCloud => &["api", "v2", "integrations", "actions"],
        };
        let mut url = api_base_url.clone();
        url.set_query(None);
        url.path_segments_mut()
            .ok()?
            .pop_if_empty()
            .extend(collection)
            .push(id);
        Some(url)
    }

    /// The default `scopes`: the platform's client-credentials grant takes none (the OAuth
    /// client's roles decide), so none is sent.
    pub fn default_scopes(self) -> Vec<String> {
        match self {
            Api::CxoneV2 => vec![
                "data-actions:write".to_string(),
                "data-actions:read".to_string(),
            ],
            Api::GenesysCloud => Vec::new(),
        }
    }

    /// The default `rate_limit`: the platform's documented limit.
    pub fn default_rate_limit(self) -> RateSpec {
        let count = match self {
            Api::CxoneV2 => 100,
            Api::GenesysCloud => 300,
        };
        RateSpec {
            count,
            period: Duration::from_secs(60),
        }
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
