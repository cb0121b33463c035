//! The `genesys-cloud` dialect of the sandbox (docs/sandbox.md, Genesys Cloud): the
//! platform's Data Actions endpoints under `/api/v2/integrations`, served by the same server
//! as the cxone-v2 API, with the same token endpoint, faults and rate-limit window.
//!
//! What each file owns: `error.rs` the `ErrorBody` every error has; `headers.rs` the
//! `inin-ratelimit-*` and correlation headers; `model.rs` the bodies read and written;
//! `store.rs` the bounded action store; `validation.rs` draft validation; `actions.rs` the
//! create and the published actions; `drafts.rs` drafts, validation and publish;
//! `listing.rs` the paged lists, categories and the preset integration; `test_run.rs` the
//! test runs of an action or its draft.

mod actions;
mod drafts;
mod error;
pub(crate) mod headers;
mod listing;
pub(crate) mod model;
pub(crate) mod store;
mod test_run;
mod validation;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};

use super::state::{State, TokenRejection};
pub(crate) use error::ApiError;

/// Where this dialect lives, below `/api/v2`.
const PREFIX: &str = "/integrations";

/// The name of the sandbox's one integration (`custom-rest-actions`).
pub const SANDBOX_INTEGRATION_NAME: &str = "cxda sandbox web services";

/// True when a path (below `/api/v2`, or whole) belongs to this dialect.
pub(crate) fn owns(path: &str) -> bool {
    let below = path.strip_prefix("/api/v2").unwrap_or(path);
    below == PREFIX || below.starts_with("/integrations/")
}

/// The routes, below `/api/v2`. Each answers a method it does not serve with a 405
/// `ErrorBody` rather than an empty body.
pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/integrations", guarded(get(listing::integrations)))
        .route(
            "/integrations/actions",
            guarded(get(listing::actions).post(actions::create_published)),
        )
        .route(
            "/integrations/actions/drafts",
            guarded(get(listing::drafts).post(drafts::create)),
        )
        .route(
            "/integrations/actions/categories",
            guarded(get(listing::categories)),
        )
        .route(
            "/integrations/actions/{id}",
            guarded(
                get(actions::get)
                    .patch(actions::update)
                    .delete(actions::delete),
            ),
        )
        .route(
            "/integrations/actions/{id}/draft",
            guarded(
                post(drafts::from_published)
                    .get(drafts::get)
                    .patch(drafts::update)
                    .delete(drafts::delete),
            ),
        )
        .route(
            "/integrations/actions/{id}/draft/validation",
            guarded(get(drafts::validation)),
        )
        .route(
            "/integrations/actions/{id}/draft/publish",
            guarded(post(drafts::publish)),
        )
        .route(
            "/integrations/actions/{id}/test",
            guarded(post(test_run::published)),
        )
        .route(
            "/integrations/actions/{id}/draft/test",
            guarded(post(test_run::draft)),
        )
}

fn guarded(route: MethodRouter<Arc<State>>) -> MethodRouter<Arc<State>> {
    route.fallback(method_not_allowed)
}

async fn method_not_allowed() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method.not.allowed",
        "This method is not supported on this resource",
    )
    .response()
}

/// The 404 for a path under `/api/v2/integrations` that no route serves.
pub(crate) fn no_such_endpoint() -> Response {
    ApiError::not_found("The requested resource was not found.").response()
}

/// The bearer check: 401 `authentication.required` without a bearer token,
/// `bad.credentials` with one the sandbox did not issue or that expired. Scopes are not
/// looked at: on this platform an OAuth client's roles decide, and the sandbox's one client
/// has them all.
fn authenticate(state: &State, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = crate::sandbox::oauth::bearer_token(headers);
    let Some(token) = token else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication.required",
            "No authentication bearer token specified in authorization header.",
        ));
    };
    state.check_token(token).map(|_| ()).map_err(|why| {
        let message = match why {
            TokenRejection::Unknown => "Invalid login credentials: the access token is not known.",
            TokenRejection::Expired => "Invalid login credentials: the access token expired.",
        };
        ApiError::new(StatusCode::UNAUTHORIZED, "bad.credentials", message)
    })
}

/// A new action id: a random UUID, as the platform's.
fn new_id() -> String {
    crate::engine::new_correlation_id()
}

/// The query string's pairs, decoded.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<&str>) -> Query {
        Query(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A `true`/`false` parameter (absent: false).
    fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(ApiError::invalid_value(
                name,
                format!(
                    "Value [{v}] is not valid for field type [boolean]. Allowable values are: true, false"
                ),
            )),
        }
    }

    /// What `expand=contract` and `includeConfig=true` ask an answer to carry.
    fn view(&self) -> Result<model::View, ApiError> {
        let contract = match self.get("expand") {
            None => false,
            Some(v) if v.split(',').all(|part| part.trim() == "contract") => true,
            Some(v) => {
                return Err(ApiError::invalid_value(
                    "expand",
                    format!(
                        "Value [{v}] is not valid for field type [expand]. Allowable values are: contract"
                    ),
                ));
            }
        };
        Ok(model::View {
            config: self.flag("includeConfig")?,
            contract,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owns_the_integrations_paths_below_or_with_api_v2() {
        assert!(owns("/integrations"));
        assert!(owns("/integrations/actions/x"));
        assert!(owns("/api/v2/integrations/actions"));
        assert!(!owns("/integrationsx"));
        assert!(!owns("/data-actions"));
    }

    #[test]
    fn query_flags_and_views() {
        let q = Query::parse(Some("expand=contract&includeConfig=TRUE&name=a%20b"));
        assert_eq!(q.get("name"), Some("a b"));
        assert_eq!(
            q.view().expect("view"),
            model::View {
                config: true,
                contract: true
            }
        );
        let bad = Query::parse(Some("includeConfig=yes"));
        assert_eq!(
            bad.flag("includeConfig").expect_err("bad").code,
            "invalid.value"
        );
    }
}
