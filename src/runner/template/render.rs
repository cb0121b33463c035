//! Rendering a parsed template: values looked up in the [`Context`], null handled as
//! Velocity does (`${x}` prints its own text, `$!{x}` nothing), the macros' encodings, and
//! the byte ranges of the output that came from secrets.
//!
//! The encodings are the platform's (Java's): `$esc.url` / `urlFormEncode` are
//! `URLEncoder.encode(s, "UTF-8")`, which is exactly the form-urlencoded byte serializer
//! of `form_urlencoded` (`A-Za-z0-9 . - * _` kept, space → `+`, the rest `%XX` upper
//! case); `$esc.uriEncode` keeps RFC 3986's unreserved set, through `percent-encoding`.

use std::ops::Range;

use base64::Engine as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

use super::Context;
use super::error::{ErrorKind, TemplateError};
use super::parse::{Arg, Expr, ExprKind, Macro, Node, Variable};

/// Everything but RFC 3986's unreserved characters (`A-Za-z0-9 - _ . ~`): what
/// `$esc.uriEncode` encodes, and what a cxone-v2 placeholder's value in a URL is encoded by.
pub(crate) const URI_RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The longest a rendered template may grow: four copies of the largest answer read. A
/// success template that repeats `${rawResult}` could otherwise take any memory.
pub const MAX_RENDERED_BYTES: usize = 4 * crate::engine::MAX_RESPONSE_BYTES;

/// Rendered text and the ranges of it that came from secrets.
#[derive(Debug, Default)]
pub(super) struct Output {
    pub text: String,
    pub secrets: Vec<Range<usize>>,
}

impl Output {
    fn push(&mut self, text: &str, secret: bool) {
        let start = self.text.len();
        self.text.push_str(text);
        if !secret || text.is_empty() {
            return;
        }
        match self.secrets.last_mut() {
            Some(last) if last.end == start => last.end = self.text.len(),
            _ => self.secrets.push(start..self.text.len()),
        }
    }
}

/// A value on its way into the output.
struct Piece {
    text: String,
    secret: bool,
}

pub(super) struct Renderer<'a> {
    pub src: &'a str,
    pub ctx: &'a Context,
}

impl Renderer<'_> {
    pub fn nodes(&self, nodes: &[Node], out: &mut Output) -> Result<(), TemplateError> {
        for node in nodes {
            match node {
                Node::Text(span) => out.push(&self.src[span.clone()], false),
                Node::Expr { expr, escaped } => {
                    let written = &self.src[expr.span.clone()];
                    match (self.value(expr)?, escaped) {
                        // Velocity's escape: a defined reference prints as written, an
                        // undefined one keeps its backslash too.
                        (Some(_), true) => out.push(written, false),
                        (None, true) => {
                            out.push("\\", false);
                            out.push(written, false);
                        }
                        (Some(piece), false) => out.push(&piece.text, piece.secret),
                        (None, false) if expr.quiet => {}
                        (None, false) => out.push(written, false),
                    }
                    if out.text.len() > MAX_RENDERED_BYTES {
                        return Err(TemplateError::new(
                            self.src,
                            expr.span.clone(),
                            ErrorKind::TooLarge(MAX_RENDERED_BYTES / (1024 * 1024)),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The value of a reference or call; `None` when null (or undefined, the same to
    /// Velocity).
    fn value(&self, expr: &Expr) -> Result<Option<Piece>, TemplateError> {
        match &expr.kind {
            ExprKind::Var(var) => self.variable(expr, var),
            ExprKind::Call { mac, arg } => {
                let Some(piece) = self.argument(arg)? else {
                    return Ok(None);
                };
                Ok(Some(Piece {
                    text: encode(*mac, &piece.text),
                    secret: piece.secret,
                }))
            }
        }
    }

    fn variable(&self, expr: &Expr, var: &Variable) -> Result<Option<Piece>, TemplateError> {
        let ctx = self.ctx;
        let piece = |text: String, secret: bool| Some(Piece { text, secret });
        Ok(match var {
            Variable::Input(name) => match ctx.input.get(name) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => piece(s.clone(), ctx.secure_input),
                Some(Value::Array(_) | Value::Object(_)) => {
                    return Err(TemplateError::new(
                        self.src,
                        expr.span.clone(),
                        ErrorKind::NotFlatInput,
                    ));
                }
                Some(scalar) => piece(scalar.to_string(), ctx.secure_input),
            },
            Variable::RawRequest => piece(
                Value::Object(ctx.input.clone()).to_string(),
                ctx.secure_input,
            ),
            Variable::Credential(name) => ctx
                .credentials
                .get(name)
                .and_then(|s| piece(s.clone(), true)),
            Variable::RawResult => ctx.raw_result.clone().and_then(|s| piece(s, false)),
            // Translation-map values go in as JSON: a string keeps its quotes.
            Variable::Bare(name) => ctx
                .translated
                .get(name)
                .and_then(|v| piece(v.to_string(), false)),
        })
    }

    fn argument(&self, arg: &Arg) -> Result<Option<Piece>, TemplateError> {
        match arg {
            Arg::Expr(expr) => self.value(expr),
            Arg::Literal(span) => Ok(Some(Piece {
                text: self.src[span.clone()].to_owned(),
                secret: false,
            })),
            Arg::Interpolated(nodes) => {
                let mut inner = Output::default();
                self.nodes(nodes, &mut inner)?;
                Ok(Some(Piece {
                    secret: !inner.secrets.is_empty(),
                    text: inner.text,
                }))
            }
        }
    }
}

/// A macro's encoding of a text.
pub(super) fn encode(mac: Macro, text: &str) -> String {
    match mac {
        Macro::Url | Macro::UrlFormEncode => {
            form_urlencoded::byte_serialize(text.as_bytes()).collect()
        }
        Macro::UriEncode => utf8_percent_encode(text, URI_RESERVED).to_string(),
        Macro::JsonString | Macro::JsonEncode => {
            let quoted = Value::String(text.to_owned()).to_string();
            quoted[1..quoted.len() - 1].to_owned()
        }
        Macro::Base64 => base64::engine::general_purpose::STANDARD.encode(text),
    }
}
