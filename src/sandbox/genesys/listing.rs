//! The paged lists: `GET …/actions` (published) and `GET …/actions/drafts` as
//! `ActionEntityListing`, `GET …/actions/categories` as `CategoryEntityListing`, and
//! `GET /api/v2/integrations` with the sandbox's one preset integration.
//!
//! Paging as the platform's: `pageSize` 1 to 100 (default 25), `pageNumber` from 1 (default
//! 1), a page past the last is empty; the listing says `total` and `pageCount` and links
//! the pages (`firstUri`, `lastUri`, `selfUri`, and `nextUri` / `previousUri` when there is
//! such a page) as paths with the query that selects them. Filters: `name` (partial,
//! case-insensitive), `category` (whole, case-insensitive), `secure` (`true`/`false`);
//! `includeConfig=true` adds each action's config. Oldest first.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{RawQuery, State as AxumState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::model::{Definition, Side, View};
use super::{Query, SANDBOX_INTEGRATION_NAME, authenticate};
use crate::config::SANDBOX_INTEGRATION_ID;
use crate::sandbox::respond;
use crate::sandbox::state::State;

const MAX_PAGE_SIZE: u64 = 100;
const DEFAULT_PAGE_SIZE: u64 = 25;
/// The preset integration's type: Web Services Data Actions.
pub(crate) const INTEGRATION_TYPE: &str = "custom-rest-actions";

/// The page a list request asks for, and the filters that stay in its links.
struct Paging {
    size: u64,
    number: u64,
    /// `(name, value)` of the filters given, in the order the links carry them.
    kept: Vec<(&'static str, String)>,
}

impl Paging {
    fn read(query: &Query, filters: &[&'static str]) -> Result<Paging, ApiError> {
        let size = whole(query, "pageSize", DEFAULT_PAGE_SIZE)?;
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            return Err(ApiError::invalid_value(
                "pageSize",
                format!("pageSize must be from 1 to {MAX_PAGE_SIZE}; it is {size}"),
            ));
        }
        let number = whole(query, "pageNumber", 1)?;
        if number < 1 {
            return Err(ApiError::invalid_value(
                "pageNumber",
                "pageNumber starts at 1",
            ));
        }
        let kept = filters
            .iter()
            .filter_map(|&name| query.get(name).map(|v| (name, v.to_string())))
            .collect();
        Ok(Paging { size, number, kept })
    }

    fn uri(&self, path: &str, number: u64) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("pageSize", &self.size.to_string());
        query.append_pair("pageNumber", &number.to_string());
        for (name, value) in &self.kept {
            query.append_pair(name, value);
        }
        format!("{path}?{}", query.finish())
    }

    /// The listing of `total` items whose page is `entities`.
    fn listing(&self, path: &str, total: usize, entities: Vec<Value>, links: bool) -> Value {
        let total = total as u64;
        let page_count = total.div_ceil(self.size);
        let mut listing = Map::new();
        listing.insert("entities".into(), Value::Array(entities));
        listing.insert("pageSize".into(), json!(self.size));
        listing.insert("pageNumber".into(), json!(self.number));
        listing.insert("total".into(), json!(total));
        if links {
            listing.insert("firstUri".into(), json!(self.uri(path, 1)));
            listing.insert("selfUri".into(), json!(self.uri(path, self.number)));
            listing.insert("lastUri".into(), json!(self.uri(path, page_count.max(1))));
            if self.number < page_count {
                listing.insert("nextUri".into(), json!(self.uri(path, self.number + 1)));
            }
            if self.number > 1 {
                let previous = (self.number - 1).min(page_count.max(1));
                listing.insert("previousUri".into(), json!(self.uri(path, previous)));
            }
        }
        listing.insert("pageCount".into(), json!(page_count));
        Value::Object(listing)
    }

    fn page<T>(&self, items: impl Iterator<Item = T>) -> impl Iterator<Item = T> {
        let skip = (self.number - 1).saturating_mul(self.size);
        items
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(self.size).unwrap_or(usize::MAX))
    }
}

fn whole(query: &Query, name: &str, default: u64) -> Result<u64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            ApiError::invalid_value(
                name,
                format!("Value [{v}] is not valid for field type [integer]"),
            )
        }),
    }
}

/// The filters of the action lists.
struct Filter {
    name: Option<String>,
    category: Option<String>,
    secure: Option<bool>,
}

impl Filter {
    fn read(query: &Query) -> Result<Filter, ApiError> {
        let secure = match query.get("secure") {
            None => None,
            Some(_) => Some(query.flag("secure")?),
        };
        Ok(Filter {
            name: query.get("name").map(str::to_lowercase),
            category: query.get("category").map(str::to_lowercase),
            secure,
        })
    }

    /// Run on every stored action under the store's lock, so an ASCII name (the usual
    /// one) is compared without allocating.
    fn admits(&self, d: &Definition) -> bool {
        self.name
            .as_deref()
            .is_none_or(|n| contains_ignoring_case(&d.name, n))
            && self
                .category
                .as_deref()
                .is_none_or(|c| equal_ignoring_case(&d.category, c))
            && self.secure.is_none_or(|s| d.secure == s)
    }
}

/// Whether `text` holds `lower` (already lowercase), ignoring case.
fn contains_ignoring_case(text: &str, lower: &str) -> bool {
    if lower.is_empty() {
        return true;
    }
    if text.is_ascii() && lower.is_ascii() {
        let lower = lower.as_bytes();
        return text
            .as_bytes()
            .windows(lower.len())
            .any(|w| w.eq_ignore_ascii_case(lower));
    }
    text.to_lowercase().contains(lower)
}

/// Whether `text` is `lower` (already lowercase), ignoring case.
fn equal_ignoring_case(text: &str, lower: &str) -> bool {
    if text.is_ascii() && lower.is_ascii() {
        return text.eq_ignore_ascii_case(lower);
    }
    text.to_lowercase() == lower
}

const ACTION_FILTERS: [&str; 4] = ["name", "category", "secure", "includeConfig"];

async fn list(
    state: &State,
    headers: &HeaderMap,
    query: Option<&str>,
    side: Side,
) -> Result<Response, ApiError> {
    authenticate(state, headers)?;
    let query = Query::parse(query);
    let paging = Paging::read(&query, &ACTION_FILTERS)?;
    let filter = Filter::read(&query)?;
    let view = View {
        config: query.flag("includeConfig")?,
        contract: false,
    };
    // Under the lock only the filter and copies of the page's definitions (what the view
    // shows of them); their `Action` values are built after.
    let (total, page) = {
        let store = state.genesys.read()?;
        let matching: Vec<(&str, &Definition)> = store
            .iter()
            .filter_map(|action| {
                let definition = match side {
                    Side::Published => action.published.as_ref(),
                    Side::Draft => action.draft.as_ref(),
                }?;
                filter
                    .admits(definition)
                    .then_some((action.id.as_str(), definition))
            })
            .collect();
        let page: Vec<(String, Definition)> = paging
            .page(matching.iter())
            .map(|(id, d)| (id.to_string(), d.shown_in(view)))
            .collect();
        (matching.len(), page)
    };
    let entities = page
        .iter()
        .map(|(id, d)| d.action(id, side, view))
        .collect();
    let path = match side {
        Side::Published => "/api/v2/integrations/actions",
        Side::Draft => "/api/v2/integrations/actions/drafts",
    };
    Ok(respond::json(
        StatusCode::OK,
        &paging.listing(path, total, entities, true),
    ))
}

/// `GET /api/v2/integrations/actions`.
pub(crate) async fn actions(
    AxumState(state): AxumState<Arc<State>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    list(&state, &headers, query.as_deref(), Side::Published).await
}

/// `GET /api/v2/integrations/actions/drafts`.
pub(crate) async fn drafts(
    AxumState(state): AxumState<Arc<State>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    list(&state, &headers, query.as_deref(), Side::Draft).await
}

/// `GET /api/v2/integrations/actions/categories`: the categories of the actions and drafts
/// stored, by name.
pub(crate) async fn categories(
    AxumState(state): AxumState<Arc<State>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers)?;
    let query = Query::parse(query.as_deref());
    let paging = Paging::read(&query, &[])?;
    let names: BTreeSet<String> = state
        .genesys
        .read()?
        .iter()
        .flat_map(|a| a.published.iter().chain(a.draft.iter()))
        .map(|d| d.category.clone())
        .collect();
    let entities = paging
        .page(names.iter())
        .map(|name| json!({ "name": name }))
        .collect();
    Ok(respond::json(
        StatusCode::OK,
        &paging.listing("", names.len(), entities, false),
    ))
}

/// The sandbox's one integration, as the platform's `Integration`.
pub(crate) fn preset_integration() -> Value {
    json!({
        "id": SANDBOX_INTEGRATION_ID,
        "name": SANDBOX_INTEGRATION_NAME,
        "integrationType": {
            "id": INTEGRATION_TYPE,
            "name": "Web Services Data Actions",
            "description": "Custom REST actions that call web services",
            "selfUri": format!("/api/v2/integrations/types/{INTEGRATION_TYPE}"),
        },
        "notes": "The cxda sandbox's preset integration for genesys-cloud data actions",
        "intendedState": "ENABLED",
        "reportedState": { "code": "ACTIVE", "effective": "Active" },
        "attributes": {},
        "selfUri": format!("/api/v2/integrations/{SANDBOX_INTEGRATION_ID}"),
    })
}

/// `GET /api/v2/integrations[?integrationType=…]` → an `IntegrationEntityListing` holding
/// the preset integration, or nothing for another type.
pub(crate) async fn integrations(
    AxumState(state): AxumState<Arc<State>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    authenticate(&state, &headers)?;
    let query = Query::parse(query.as_deref());
    let paging = Paging::read(&query, &["integrationType"])?;
    let all: Vec<Value> = match query.get("integrationType") {
        None | Some(INTEGRATION_TYPE) => vec![preset_integration()],
        Some(_) => Vec::new(),
    };
    let total = all.len();
    let entities = paging.page(all.into_iter()).collect();
    Ok(respond::json(
        StatusCode::OK,
        &paging.listing("/api/v2/integrations", total, entities, true),
    ))
}

#[cfg(test)]
mod tests {
    use super::{contains_ignoring_case, equal_ignoring_case};

    #[test]
    fn names_and_categories_match_ignoring_case_in_ascii_and_beyond() {
        assert!(contains_ignoring_case("LookupContact", "upcon"));
        assert!(contains_ignoring_case("anything", ""));
        assert!(!contains_ignoring_case("Lookup", "lookups"));
        assert!(contains_ignoring_case("ÉTÉ Lookup", "été"));
        assert!(equal_ignoring_case("CRM", "crm"));
        assert!(equal_ignoring_case("Café", "café"));
        assert!(!equal_ignoring_case("CRM", "crm2"));
    }
}
