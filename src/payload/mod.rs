//! The Data Action payload (api `cxone-v2`): its schema and templates (embedded from
//! `assets/`, so an installed binary needs no assets folder) and the checks that say
//! exactly what is wrong with a payload text, and where.

mod checks;
mod diagnostic;
mod genesys;
mod parse;
mod position;
mod schema;

pub use checks::{
    CheckReport, HeaderBudget, HeaderBudgetError, check_text, check_text_for, has_placeholder,
    header_budget, is_secret_header_name,
};
pub use diagnostic::{Diagnostic, Severity};
pub use position::{LineIndex, pointer_escape};
pub use schema::warm_up as compile_schema;

/// The largest payload the Data Actions API accepts in a create (1 MiB); a larger body is
/// refused with 413. The checks report a payload over it, and the sandbox enforces it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The JSON Schema (2020-12) that the checks, the CLI and the sandbox all use.
pub const SCHEMA_JSON: &str = include_str!("../../assets/schema/data-action.schema.json");

/// Starting payloads: `(name, text)`. The first is the default editor template.
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
