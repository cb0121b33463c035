//! The Velocity subset of an action's templates (`requestUrlTemplate`, `headers`,
//! `requestTemplate`, `successTemplate`), as cxda runs it locally: parsed with byte
//! positions ([`parse()`]), listed ([`Template::references`]) and rendered from a
//! [`Context`] ([`render()`]). docs/templates.md describes the subset for the people who
//! write templates.
//!
//! This is not the lint of `payload` (which scans for mistakes and goes on): here a
//! construct outside the subset stops the run with a [`TemplateError`] naming it, because
//! a guessed rendering would be a test result that the platform would not give.
//!
//! Positions are byte offsets in the template string (the decoded JSON string, not the
//! payload text); [`TemplateError::line_col`] turns one into a line and column.

mod error;
mod parse;
mod render;

use std::collections::BTreeMap;
use std::ops::Range;

use serde_json::{Map, Value};

pub use error::{ErrorKind, TemplateError};
pub use parse::{MAX_DEPTH, Macro, Variable};
pub(crate) use render::URI_RESERVED;

use parse::{Arg, Expr, ExprKind, Node};
use render::{Output, Renderer};

/// What a template is rendered from.
#[derive(Clone, Default)]
pub struct Context {
    /// The test's input: `${input.X}`. A string prints as it is, a number or boolean as
    /// its JSON text; null and missing are the same (null to Velocity).
    pub input: Map<String, Value>,
    /// `${credentials.X}` (from `--var`); always secret.
    pub credentials: BTreeMap<String, String>,
    /// `${rawResult}`: the response body, when rendering a success template.
    pub raw_result: Option<String>,
    /// The translation map's results: bare `${name}` in a success template, inserted as
    /// JSON text (a string with its quotes).
    pub translated: Map<String, Value>,
    /// The input values are secret too (a `secure` action's inputs).
    pub secure_input: bool,
}

/// The credentials by name only, and the inputs only when they are not secret.
impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut shown = f.debug_struct("Context");
        shown.field("credentials", &self.credentials.keys().collect::<Vec<_>>());
        if self.secure_input {
            shown.field("input", &self.input.keys().collect::<Vec<_>>());
        } else {
            shown.field("input", &self.input);
        }
        shown.finish_non_exhaustive()
    }
}

/// A rendered template and the byte ranges of it that came from secrets (credentials,
/// and the inputs when [`Context::secure_input`]); an encoded secret's whole encoding is
/// one range. The ranges are ascending and do not touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    pub secrets: Vec<Range<usize>>,
}

impl Rendered {
    /// The text with each secret range replaced by `[redacted]`: what records and logs get.
    pub fn redacted(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut at = 0;
        for range in &self.secrets {
            out.push_str(&self.text[at..range.start]);
            out.push_str("[redacted]");
            at = range.end;
        }
        out.push_str(&self.text[at..]);
        out
    }
}

/// A reference a template makes, for prefilling inputs and for checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The reference as written, `$` to end (`${input.id}`).
    pub span: Range<usize>,
    pub variable: Variable,
    /// `$!…`: prints nothing when null.
    pub quiet: bool,
    /// `${…}` rather than `$…`.
    pub formal: bool,
    /// The macros around it, outermost first (`$esc.url($esc.jsonString($input.q))` gives
    /// `[Url, JsonString]`).
    pub within: Vec<Macro>,
}

/// A parsed template, ready to render any number of times.
#[derive(Debug, Clone)]
pub struct Template<'a> {
    source: &'a str,
    nodes: Vec<Node>,
}

/// Parses a template; the first construct outside the subset is the error.
pub fn parse(template: &str) -> Result<Template<'_>, TemplateError> {
    Ok(Template {
        source: template,
        nodes: parse::parse(template)?,
    })
}

/// Renders a template from a context.
pub fn render(template: &str, ctx: &Context) -> Result<String, TemplateError> {
    Ok(parse(template)?.render(ctx)?.text)
}

/// `value` as each macro of the subset writes it (itself, `$esc.url`, `$esc.uriEncode`,
/// `$esc.jsonString`, `$encoding.base64`), distinct: the forms a secret can take once a
/// template put it somewhere, for redacting text whose templating cxda did not see (the
/// platform's own test results).
pub fn encodings(value: &str) -> Vec<String> {
    let ctx = Context {
        input: Map::from_iter([("v".to_string(), Value::String(value.to_string()))]),
        ..Context::default()
    };
    let mut forms = vec![value.to_string()];
    for template in [
        "$esc.url($input.v)",
        "$esc.uriEncode($input.v)",
        "$esc.jsonString($input.v)",
        "$encoding.base64($input.v)",
    ] {
        if let Ok(form) = render(template, &ctx)
            && !forms.contains(&form)
        {
            forms.push(form);
        }
    }
    forms
}

/// The references a template makes, in order.
pub fn references(template: &str) -> Result<Vec<Reference>, TemplateError> {
    Ok(parse(template)?.references())
}

impl Template<'_> {
    /// Renders with the secret ranges marked (see [`Rendered::redacted`]).
    pub fn render(&self, ctx: &Context) -> Result<Rendered, TemplateError> {
        let mut out = Output::default();
        Renderer {
            src: self.source,
            ctx,
        }
        .nodes(&self.nodes, &mut out)?;
        Ok(Rendered {
            text: out.text,
            secrets: out.secrets,
        })
    }

    /// The references it makes, in order (those inside macros included).
    pub fn references(&self) -> Vec<Reference> {
        let mut found = Vec::new();
        collect(&self.nodes, &mut Vec::new(), &mut found);
        found
    }
}

fn collect(nodes: &[Node], within: &mut Vec<Macro>, found: &mut Vec<Reference>) {
    for node in nodes {
        // An escaped reference (`\${x}`) prints as written: it refers to nothing.
        if let Node::Expr {
            expr,
            escaped: false,
        } = node
        {
            collect_expr(expr, within, found);
        }
    }
}

fn collect_expr(expr: &Expr, within: &mut Vec<Macro>, found: &mut Vec<Reference>) {
    match &expr.kind {
        ExprKind::Var(variable) => found.push(Reference {
            span: expr.span.clone(),
            variable: variable.clone(),
            quiet: expr.quiet,
            formal: expr.formal,
            within: within.clone(),
        }),
        ExprKind::Call { mac, arg } => {
            within.push(*mac);
            match arg.as_ref() {
                Arg::Expr(inner) => collect_expr(inner, within, found),
                Arg::Interpolated(nodes) => collect(nodes, within, found),
                Arg::Literal(_) => {}
            }
            within.pop();
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_refused;
