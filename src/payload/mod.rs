//! The Data Action payload of each dialect: its schema and templates (embedded from
//! `assets/`, so an installed binary needs no assets folder) and the checks that say
//! exactly what is wrong with a payload text, and where. What every dialect shares lives
//! here; the `genesys-cloud` platform rules live in `genesys`.

mod checks;
mod diagnostic;
mod genesys;
pub use genesys::string_place;
mod parse;
mod position;
mod schema;
mod writeback;

pub use checks::{
    CheckReport, HeaderBudget, HeaderBudgetError, check_text, check_text_for, has_placeholder,
    header_budget, is_secret_header_name,
};
pub use diagnostic::{Diagnostic, Severity};
pub(crate) use position::pointer_tokens;
pub use position::{LineIndex, pointer_escape};
pub use schema::warm_up as compile_schema;
pub use writeback::{WriteBackError, carries_id_or_version, with_id_and_version};

use crate::dialect::Api;

/// The largest payload the Data Actions API accepts in a create (1 MiB); a larger body is
/// refused with 413. The checks report a payload over it, and the sandbox enforces it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The JSON Schema (2020-12) of a `cxone-v2` payload that the checks, the CLI and the
/// sandbox all use.
pub const SCHEMA_JSON: &str = include_str!("../../assets/schema/data-action.schema.json");

/// The JSON Schema (2020-12) of a `genesys-cloud` payload (the platform's create model).
pub const GENESYS_SCHEMA_JSON: &str =
    include_str!("../../assets/schema/genesys-action.schema.json");

/// Starting `cxone-v2` payloads: `(name, text)`. The first is the default editor template.
pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "inventory-get",
        include_str!("../../assets/templates/inventory-get.json"),
    ),
    (
        "ticket-post",
        include_str!("../../assets/templates/ticket-post.json"),
    ),
];

/// Starting `genesys-cloud` payloads: `(name, text)`. The first is the default editor
/// template; it submits as it is on the `sandbox-genesys` profile.
pub const GENESYS_TEMPLATES: &[(&str, &str)] = &[(
    "genesys-lookup",
    include_str!("../../assets/templates/genesys-lookup.json"),
)];

/// The starting payloads of a dialect: `(name, text)`, the first the default editor
/// template.
pub fn templates_for(api: Api) -> &'static [(&'static str, &'static str)] {
    match api {
        Api::CxoneV2 => TEMPLATES,
        Api::GenesysCloud => GENESYS_TEMPLATES,
    }
}
