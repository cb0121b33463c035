//! The paths and the paging of each dialect's action list:
//!
//! - cxone-v2: `GET {api}/api/v2/data-actions?page=N&pageSize=100` →
//!   `{entities, page, pageSize, total}`;
//! - genesys-cloud: `GET {api}/api/v2/integrations/actions?pageSize=100&pageNumber=N[&name=…]`
//!   (`/drafts` for the drafts) → `ActionEntityListing` (`entities`, `pageCount`, …).
//!
//! Pages are read until one comes back short or empty, or past the count the listing gives
//! (`total` or `pageCount`), and never more than [`MAX_PAGES`].

use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;

use super::{ListQuery, ReadError, RemoteAction, join};
use crate::config::Api;

/// The page size asked for (the platform's maximum).
pub(super) const PAGE_SIZE: usize = 100;
/// The most pages read (1,000,000 actions): a server that never ends its listing does not
/// keep a list going forever.
const MAX_PAGES: u32 = 10_000;

/// A page of either dialect, as far as the list needs it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Page {
    entities: Vec<Entity>,
    total: Option<u64>,
    page_count: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Entity {
    id: Option<Value>,
    name: Option<String>,
    category: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    version: Option<u64>,
    enabled: Option<bool>,
    secure: Option<bool>,
}

/// The pages of one list, one URL at a time.
pub(super) struct Pages {
    api: Api,
    base: Url,
    drafts: bool,
    name: Option<String>,
    /// The next page's number (from 1); `None` once the list is over.
    next: Option<u32>,
    seen: u64,
}

impl Pages {
    pub fn new(api: Api, base: &Url, query: &ListQuery) -> Pages {
        Pages {
            api,
            base: base.clone(),
            drafts: query.drafts,
            name: query.name.clone().filter(|n| !n.is_empty()),
            next: Some(1),
            seen: 0,
        }
    }

    /// The next page's URL, `None` when the list is over.
    pub fn next_url(&self) -> Option<Url> {
        let number = self.next?.to_string();
        let size = PAGE_SIZE.to_string();
        let mut url = match self.api {
            Api::CxoneV2 => join(&self.base, &["api", "v2", "data-actions"]),
            Api::GenesysCloud if self.drafts => join(
                &self.base,
                &["api", "v2", "integrations", "actions", "drafts"],
            ),
            Api::GenesysCloud => join(&self.base, &["api", "v2", "integrations", "actions"]),
        }
        .ok()?;
        {
            let mut pairs = url.query_pairs_mut();
            match self.api {
                Api::CxoneV2 => {
                    pairs.append_pair("page", &number);
                    pairs.append_pair("pageSize", &size);
                }
                Api::GenesysCloud => {
                    pairs.append_pair("pageSize", &size);
                    pairs.append_pair("pageNumber", &number);
                    if let Some(name) = &self.name {
                        pairs.append_pair("name", name);
                    }
                }
            }
        }
        Some(url)
    }

    /// The actions of the page just fetched; decides whether there is another.
    pub fn read(&mut self, body: &[u8]) -> Result<Vec<RemoteAction>, ReadError> {
        let page: Page = serde_json::from_slice(body).map_err(|e| {
            ReadError::Failed(format!("the server's list page is not a listing: {e}"))
        })?;
        let number = self.next.unwrap_or(MAX_PAGES);
        let count = page.entities.len();
        self.seen += count as u64;
        let past_count = match (page.page_count, page.total) {
            (Some(pages), _) => u64::from(number) >= pages,
            (None, Some(total)) => self.seen >= total,
            (None, None) => false,
        };
        self.next = (count >= PAGE_SIZE && !past_count && number < MAX_PAGES).then(|| number + 1);
        Ok(page
            .entities
            .into_iter()
            .map(|e| RemoteAction {
                id: match e.id {
                    Some(Value::String(id)) => id,
                    Some(other) => other.to_string(),
                    None => String::new(),
                },
                name: e.name.unwrap_or_default(),
                category: e.category,
                kind: e.kind,
                version: e.version,
                enabled: e.enabled,
                secure: e.secure,
            })
            .collect())
    }
}

/// The URL of one action in full.
pub(super) fn action_url(api: Api, base: &Url, id: &str) -> Result<Url, ReadError> {
    match api {
        Api::CxoneV2 => join(base, &["api", "v2", "data-actions", id]),
        Api::GenesysCloud => join(base, &["api", "v2", "integrations", "actions", id]).map(whole),
    }
}

/// A genesys-cloud action URL asking for the action whole: its contract and config.
fn whole(mut url: Url) -> Url {
    url.query_pairs_mut()
        .append_pair("expand", "contract")
        .append_pair("includeConfig", "true");
    url
}

/// The draft of the genesys-cloud action `id`, in full (contract and config).
pub(super) fn draft_url(base: &Url, id: &str) -> Result<Url, ReadError> {
    join(base, &["api", "v2", "integrations", "actions", id, "draft"]).map(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:1/").expect("url")
    }

    fn page(count: usize, extra: &str) -> String {
        let entities: Vec<String> = (0..count)
            .map(|i| format!(r#"{{"id":"a{i}","name":"n{i}"}}"#))
            .collect();
        format!(r#"{{"entities":[{}]{extra}}}"#, entities.join(","))
    }

    #[test]
    fn cxone_pages_until_a_short_page() {
        let mut pages = Pages::new(Api::CxoneV2, &base(), &ListQuery::default());
        let first = pages.next_url().expect("a first page");
        assert_eq!(
            first.as_str(),
            "http://127.0.0.1:1/api/v2/data-actions?page=1&pageSize=100"
        );
        assert_eq!(
            pages.read(page(100, "").as_bytes()).expect("page").len(),
            100
        );
        assert!(
            pages
                .next_url()
                .expect("a second")
                .as_str()
                .contains("page=2")
        );
        assert_eq!(pages.read(page(3, "").as_bytes()).expect("page").len(), 3);
        assert_eq!(pages.next_url(), None);
    }

    #[test]
    fn a_full_last_page_ends_the_list_by_its_count() {
        let query = ListQuery {
            name: Some("a b".into()),
            drafts: true,
        };
        let mut pages = Pages::new(Api::GenesysCloud, &base(), &query);
        assert_eq!(
            pages.next_url().expect("a page").as_str(),
            "http://127.0.0.1:1/api/v2/integrations/actions/drafts?pageSize=100&pageNumber=1&name=a+b"
        );
        pages
            .read(page(100, r#","pageCount":1"#).as_bytes())
            .expect("page");
        assert_eq!(pages.next_url(), None);
        let mut pages = Pages::new(Api::CxoneV2, &base(), &ListQuery::default());
        pages
            .read(page(100, r#","total":100"#).as_bytes())
            .expect("page");
        assert_eq!(pages.next_url(), None);
    }

    #[test]
    fn the_genesys_action_url_expands_the_contract() {
        let url = action_url(Api::GenesysCloud, &base(), "x/y").expect("url");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/api/v2/integrations/actions/x%2Fy?expand=contract&includeConfig=true"
        );
    }
}
