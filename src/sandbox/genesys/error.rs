//! The platform's `ErrorBody`: every error the genesys-cloud emulation answers has this shape
//! (`message`, `code`, `status`, `contextId`, `details`, `errors`), a fresh `contextId` each,
//! with the codes the platform's API description lists for these endpoints.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use crate::sandbox::respond;

/// The store file could not be read or written: a 500, nothing changed.
impl From<crate::sandbox::persist::StoreFileError> for ApiError {
    fn from(error: crate::sandbox::persist::StoreFileError) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal.server.error",
            error.to_string(),
        )
    }
}

/// One `Detail` of an `ErrorBody`: the field it is about.
pub(crate) fn detail(error_code: &str, field_name: &str) -> Value {
    json!({ "errorCode": error_code, "fieldName": field_name })
}

/// An error about to be answered: status, code, message, and optional details and nested
/// errors (the validation errors of a refused publish, say).
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub details: Vec<Value>,
    pub errors: Vec<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// 400 `bad.request`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad.request", message)
    }

    /// 400 `invalid.value`, about one field.
    pub fn invalid_value(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid.value", message)
            .with_detail(detail("invalid.value", field))
    }

    /// 404 `not.found`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not.found", message)
    }

    pub fn with_detail(mut self, detail: Value) -> ApiError {
        self.details.push(detail);
        self
    }

    pub fn with_errors(mut self, errors: Vec<Value>) -> ApiError {
        self.errors = errors;
        self
    }

    /// The `ErrorBody` as JSON, with a fresh `contextId`.
    pub fn body(&self) -> Value {
        json!({
            "message": self.message,
            "code": self.code,
            "status": self.status.as_u16(),
            "contextId": crate::engine::new_correlation_id(),
            "details": self.details,
            "errors": self.errors,
        })
    }

    pub fn response(&self) -> Response {
        respond::json(self.status, &self.body())
    }
}

impl From<ApiError> for Response {
    fn from(error: ApiError) -> Response {
        error.response()
    }
}

impl axum::response::IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.response()
    }
}
