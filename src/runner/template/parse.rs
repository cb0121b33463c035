//! The parser of the template subset: text, references (`${input.X}`, `$!{…}`,
//! `$input.X`), the encoding macros, Velocity comments and unparsed blocks, and one
//! backslash as Velocity's escape. Anything else that Velocity would read as code is an
//! error at its position. One pass over the text; recursion only into a macro's argument,
//! capped at [`MAX_DEPTH`].

use std::ops::Range;

use super::error::{ErrorKind, TemplateError};

/// How deep macros may nest (`$esc.url($esc.jsonString(…))` is two).
pub const MAX_DEPTH: usize = 8;

/// What a reference names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variable {
    /// `${input.NAME}`.
    Input(String),
    /// `${input.rawRequest}`: the whole input as JSON.
    RawRequest,
    /// `${credentials.NAME}`.
    Credential(String),
    /// `${rawResult}`: the response body, in a success template.
    RawResult,
    /// A bare `${NAME}`: a translation-map key in a success template, undefined elsewhere.
    Bare(String),
}

/// The encoding macros cxda runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Macro {
    /// `$esc.url`: Java's `URLEncoder` (space → `+`).
    Url,
    /// `$esc.urlFormEncode`: the same as `$esc.url`.
    UrlFormEncode,
    /// `$esc.uriEncode`: RFC 3986 percent-encoding (space → `%20`).
    UriEncode,
    /// `$esc.jsonString`: JSON string escaping, without the quotes.
    JsonString,
    /// `$esc.jsonEncode`: the newer name of `$esc.jsonString`.
    JsonEncode,
    /// `$encoding.base64`: standard base64 of the UTF-8 bytes, padded.
    Base64,
}

impl Macro {
    /// The macro as written, without its argument (`$esc.url`).
    pub fn name(self) -> &'static str {
        match self {
            Macro::Url => "$esc.url",
            Macro::UrlFormEncode => "$esc.urlFormEncode",
            Macro::UriEncode => "$esc.uriEncode",
            Macro::JsonString => "$esc.jsonString",
            Macro::JsonEncode => "$esc.jsonEncode",
            Macro::Base64 => "$encoding.base64",
        }
    }

    fn from_path(tool: &str, method: &str) -> Option<Macro> {
        Some(match (tool, method) {
            ("esc", "url") => Macro::Url,
            ("esc", "urlFormEncode") => Macro::UrlFormEncode,
            ("esc", "uriEncode") => Macro::UriEncode,
            ("esc", "jsonString") => Macro::JsonString,
            ("esc", "jsonEncode") => Macro::JsonEncode,
            ("encoding", "base64") => Macro::Base64,
            _ => return None,
        })
    }
}

/// A piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Node {
    /// Text printed as it is written.
    Text(Range<usize>),
    /// A reference or a macro call; `escaped` when one backslash stands before its `$`.
    Expr { expr: Expr, escaped: bool },
}

/// A reference or macro call, as written from its `$` to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Expr {
    pub span: Range<usize>,
    /// `$!…`: prints nothing when null.
    pub quiet: bool,
    /// `${…}` rather than `$…`.
    pub formal: bool,
    pub kind: ExprKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ExprKind {
    Var(Variable),
    Call { mac: Macro, arg: Box<Arg> },
}

/// The one argument of a macro.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Arg {
    Expr(Expr),
    /// `"…"`: rendered as a template of its own (Velocity interpolates double quotes).
    Interpolated(Vec<Node>),
    /// `'…'`: the text between the quotes as it is.
    Literal(Range<usize>),
}

/// Directive names Velocity reads after `#`.
const DIRECTIVES: [&str; 13] = [
    "if", "elseif", "else", "end", "set", "foreach", "macro", "include", "parse", "stop", "break",
    "evaluate", "define",
];

/// Directives without parentheses, which Velocity may read at the start of a longer word.
const BARE_DIRECTIVES: [&str; 4] = ["end", "else", "stop", "break"];

/// Platform tools outside the subset.
const TOOLS: [&str; 4] = ["math", "successTemplateUtils", "urlTool", "date"];

pub(super) fn parse(template: &str) -> Result<Vec<Node>, TemplateError> {
    Parser { src: template }.nodes(0, template.len(), 0)
}

struct Parser<'a> {
    src: &'a str,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl<'a> Parser<'a> {
    fn byte(&self, i: usize, end: usize) -> Option<u8> {
        (i < end).then(|| self.src.as_bytes()[i])
    }

    fn error(&self, span: Range<usize>, kind: ErrorKind) -> TemplateError {
        TemplateError::new(self.src, span, kind)
    }

    /// The nodes of `start..end`.
    fn nodes(&self, start: usize, end: usize, depth: usize) -> Result<Vec<Node>, TemplateError> {
        let bytes = self.src.as_bytes();
        let mut nodes = Vec::new();
        let mut i = start;
        while i < end {
            let Some(found) = memchr::memchr3(b'$', b'#', b'\\', &bytes[i..end]).map(|n| i + n)
            else {
                push_text(&mut nodes, i..end);
                break;
            };
            push_text(&mut nodes, i..found);
            i = match bytes[found] {
                b'$' if self.starts_reference(found, end) => {
                    let (expr, next) = self.expr(found, end, depth)?;
                    nodes.push(Node::Expr {
                        expr,
                        escaped: false,
                    });
                    next
                }
                b'#' => self.hash(found, end, &mut nodes)?,
                b'\\' => self.backslashes(found, end, depth, &mut nodes)?,
                _ => {
                    push_text(&mut nodes, found..found + 1);
                    found + 1
                }
            };
        }
        Ok(nodes)
    }

    /// Whether a reference starts at the `$` at `at`: `$`, then `!` and `{` if any, then a
    /// name. Otherwise the `$` is text, as in Velocity (`$5`, `${ }`).
    fn starts_reference(&self, at: usize, end: usize) -> bool {
        let mut i = at + 1;
        if self.byte(i, end) == Some(b'!') {
            i += 1;
        }
        if self.byte(i, end) == Some(b'{') {
            i += 1;
        }
        self.byte(i, end).is_some_and(is_ident_start)
    }

    /// A run of backslashes at `at`: one before a reference or directive escapes it; more
    /// are refused; before anything else they are text.
    fn backslashes(
        &self,
        at: usize,
        end: usize,
        depth: usize,
        nodes: &mut Vec<Node>,
    ) -> Result<usize, TemplateError> {
        let bytes = self.src.as_bytes();
        let run = bytes[at..end].iter().take_while(|&&b| b == b'\\').count();
        let next = at + run;
        let reference = self.byte(next, end) == Some(b'$') && self.starts_reference(next, end);
        let directive = match self.byte(next, end) {
            Some(b'#') => self.directive(next, end),
            _ => None,
        };
        if !reference && directive.is_none() {
            push_text(nodes, at..next);
            return Ok(next);
        }
        if run > 1 {
            return Err(self.error(at..next + 1, ErrorKind::Backslashes));
        }
        if reference {
            let (expr, after) = self.expr(next, end, depth)?;
            nodes.push(Node::Expr {
                expr,
                escaped: true,
            });
            return Ok(after);
        }
        // `\#if` prints `#if`: the directive's word is text, what follows is read as usual.
        let word = directive.map_or(next + 1, |(word, _)| word.end);
        push_text(nodes, next..word);
        Ok(word)
    }

    /// A `#` at `at`: a comment, an unparsed block, a directive (refused) or text.
    fn hash(&self, at: usize, end: usize, nodes: &mut Vec<Node>) -> Result<usize, TemplateError> {
        let rest = &self.src[at..end];
        if rest.starts_with("##") {
            // A line comment ends after its line break, which it takes with it.
            let tail = &rest.as_bytes()[2..];
            return Ok(match memchr::memchr2(b'\n', b'\r', tail) {
                Some(n) if tail[n] == b'\r' && tail.get(n + 1) == Some(&b'\n') => at + 2 + n + 2,
                Some(n) => at + 2 + n + 1,
                None => end,
            });
        }
        if let Some(body) = rest.strip_prefix("#*") {
            return match body.find("*#") {
                Some(n) => Ok(at + 2 + n + 2),
                None => Err(self.error(
                    at..at + 2,
                    ErrorKind::Unterminated("this comment is never closed: end it with `*#`"),
                )),
            };
        }
        if let Some(body) = rest.strip_prefix("#[[") {
            return match body.find("]]#") {
                Some(n) => {
                    push_text(nodes, at + 3..at + 3 + n);
                    Ok(at + 3 + n + 3)
                }
                None => Err(self.error(
                    at..at + 3,
                    ErrorKind::Unterminated(
                        "this unparsed block is never closed: end it with `]]#`",
                    ),
                )),
            };
        }
        match self.directive(at, end) {
            Some((word, exact)) => Err(self.error(
                word,
                if exact {
                    ErrorKind::Directive
                } else {
                    ErrorKind::DirectivePrefix
                },
            )),
            None => {
                push_text(nodes, at..at + 1);
                Ok(at + 1)
            }
        }
    }

    /// The directive at the `#` at `at`, if one starts there: its word (`#if`, `#{end}`,
    /// `#endpoint`) and whether the word is exactly a directive's name.
    fn directive(&self, at: usize, end: usize) -> Option<(Range<usize>, bool)> {
        let bytes = self.src.as_bytes();
        let braced = self.byte(at + 1, end) == Some(b'{');
        let name_start = at + 1 + usize::from(braced);
        let name_len = bytes[name_start.min(end)..end]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        let name = &self.src[name_start.min(end)..name_start.min(end) + name_len];
        if braced {
            let close = name_start + name_len;
            return (DIRECTIVES.contains(&name) && self.byte(close, end) == Some(b'}'))
                .then_some((at..close + 1, true));
        }
        let word = at..name_start + name_len;
        if DIRECTIVES.contains(&name) {
            Some((word, true))
        } else if BARE_DIRECTIVES.iter().any(|d| name.starts_with(d)) {
            Some((word, false))
        } else {
            None
        }
    }

    /// The reference or macro call at `at` (where [`Self::starts_reference`] holds) and
    /// the offset after it.
    fn expr(&self, at: usize, end: usize, depth: usize) -> Result<(Expr, usize), TemplateError> {
        let bytes = self.src.as_bytes();
        let mut i = at + 1;
        let quiet = self.byte(i, end) == Some(b'!');
        i += usize::from(quiet);
        let formal = self.byte(i, end) == Some(b'{');
        i += usize::from(formal);
        let mut path: Vec<Range<usize>> = Vec::new();
        loop {
            let len = bytes[i..end].iter().take_while(|&&b| is_ident(b)).count();
            path.push(i..i + len);
            i += len;
            if self.byte(i, end) == Some(b'.') && self.byte(i + 1, end).is_some_and(is_ident_start)
            {
                i += 1;
            } else {
                break;
            }
        }
        let names: Vec<&str> = path.iter().map(|r| &self.src[r.clone()]).collect();
        let next = self.byte(i, end);
        let root = names[0];
        if TOOLS.contains(&root) {
            let stop = if next == Some(b'(') { i + 1 } else { i };
            return Err(self.error(at..stop, ErrorKind::Tool));
        }
        let (kind, after) = if next == Some(b'(') && names.len() > 1 {
            let mac = match names.as_slice() {
                [tool @ ("esc" | "encoding"), method] => Macro::from_path(tool, method)
                    .ok_or_else(|| self.error(at..i + 1, ErrorKind::UnknownMacro))?,
                ["esc" | "encoding", ..] => {
                    return Err(self.error(at..i + 1, ErrorKind::UnknownMacro));
                }
                _ => return Err(self.error(at..i + 1, ErrorKind::MethodCall)),
            };
            if depth >= MAX_DEPTH {
                return Err(self.error(at..i + 1, ErrorKind::TooDeep(MAX_DEPTH)));
            }
            let (arg, after) = self.argument(at, i + 1, end, depth + 1)?;
            let arg = Box::new(arg);
            (ExprKind::Call { mac, arg }, after)
        } else {
            if next == Some(b'[') {
                return Err(self.error(at..i + 1, ErrorKind::Index));
            }
            (ExprKind::Var(self.variable(at, i, &names)?), i)
        };
        let after = if formal {
            if self.byte(after, end) != Some(b'}') {
                return Err(self.error(
                    at..after,
                    ErrorKind::Unterminated(
                        "this `${` is never closed: end the reference with `}` right after \
                         its name or macro",
                    ),
                ));
            }
            after + 1
        } else {
            after
        };
        Ok((
            Expr {
                span: at..after,
                quiet,
                formal,
                kind,
            },
            after,
        ))
    }

    /// What the dotted name `names` (ending at `stop`) of the reference at `at` refers to.
    fn variable(&self, at: usize, stop: usize, names: &[&str]) -> Result<Variable, TemplateError> {
        let refuse = |kind| Err(self.error(at..stop, kind));
        match names {
            ["esc" | "encoding", _, ..] => refuse(ErrorKind::MacroArgument(
                "write the macro with its argument, `$esc.url(${input.NAME})`",
            )),
            ["input" | "credentials" | "esc" | "encoding"] => refuse(ErrorKind::WholeObject),
            ["input", "rawRequest"] => Ok(Variable::RawRequest),
            ["input", name] => Ok(Variable::Input((*name).to_owned())),
            ["credentials", name] => Ok(Variable::Credential((*name).to_owned())),
            ["rawResult"] => Ok(Variable::RawResult),
            [name] => Ok(Variable::Bare((*name).to_owned())),
            _ => refuse(ErrorKind::NestedProperty),
        }
    }

    /// The one argument of the macro whose `$` is at `at`, from just after its `(`, and the
    /// offset after its `)`.
    fn argument(
        &self,
        at: usize,
        open: usize,
        end: usize,
        depth: usize,
    ) -> Result<(Arg, usize), TemplateError> {
        const FORMS: &str = "a reference (`${input.NAME}`, `$input.NAME`), another macro, or \
                             a quoted string (`\"${input.NAME}\"`)";
        let unclosed = || {
            self.error(
                at..open,
                ErrorKind::Unterminated("this macro's `(` is never closed: end it with `)`"),
            )
        };
        let i = self.skip_space(open, end);
        let (arg, after) = match self.byte(i, end) {
            None => return Err(unclosed()),
            Some(b'$') if self.starts_reference(i, end) => {
                let (expr, after) = self.expr(i, end, depth)?;
                (Arg::Expr(expr), after)
            }
            Some(quote @ (b'"' | b'\'')) => {
                let Some(close) =
                    memchr::memchr(quote, &self.src.as_bytes()[i + 1..end]).map(|n| i + 1 + n)
                else {
                    return Err(self.error(
                        i..i + 1,
                        ErrorKind::Unterminated(
                            "this string is never closed: end it with its quote",
                        ),
                    ));
                };
                let arg = if quote == b'"' {
                    Arg::Interpolated(self.nodes(i + 1, close, depth)?)
                } else {
                    Arg::Literal(i + 1..close)
                };
                (arg, close + 1)
            }
            Some(b')') => return Err(self.error(at..i + 1, ErrorKind::MacroArgument(FORMS))),
            Some(_) => {
                let stop = self.src[i..end]
                    .find(|c: char| c == ')' || c == ',' || c.is_whitespace())
                    .map_or(end, |n| i + n);
                return Err(self.error(i..stop.max(i + 1), ErrorKind::MacroArgument(FORMS)));
            }
        };
        let i = self.skip_space(after, end);
        match self.byte(i, end) {
            Some(b')') => Ok((arg, i + 1)),
            None => Err(unclosed()),
            Some(b',') => Err(self.error(
                i..i + 1,
                ErrorKind::MacroArgument("cxda's macros take exactly one argument"),
            )),
            Some(_) => Err(self.error(i..i + 1, ErrorKind::MacroArgument(FORMS))),
        }
    }

    fn skip_space(&self, from: usize, end: usize) -> usize {
        from + self.src.as_bytes()[from.min(end)..end]
            .iter()
            .take_while(|&&b| is_space(b))
            .count()
    }
}

/// Adds text, joined to the text before it when they touch.
fn push_text(nodes: &mut Vec<Node>, span: Range<usize>) {
    if span.is_empty() {
        return;
    }
    if let Some(Node::Text(last)) = nodes.last_mut()
        && last.end == span.start
    {
        last.end = span.end;
        return;
    }
    nodes.push(Node::Text(span));
}
