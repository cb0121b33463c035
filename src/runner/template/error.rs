//! What a template can do wrong: a construct outside the subset cxda runs, or one left
//! open. Every error names the construct as written and where it sits (a byte range of the
//! template), and says what to do about it.

use std::ops::Range;

use thiserror::Error;

use crate::payload::LineIndex;
use crate::text::escape_controls;

/// The macros cxda runs, for messages.
const MACROS: &str = "$esc.url, $esc.urlFormEncode, $esc.uriEncode, $esc.jsonString, \
                      $esc.jsonEncode and $encoding.base64";

/// What to do when the platform alone can run a template.
const ON_THE_PLATFORM: &str = "run this test on the platform instead of locally";

/// A template construct cxda will not run, or one it cannot read. Shown as
/// `construct: message`; the construct has its control characters made visible.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{}`: {kind}", shown(construct))]
pub struct TemplateError {
    /// The construct as written (`#foreach`, `$math.add(`, `${input.id`).
    pub construct: String,
    /// Byte offset of its first character in the template.
    pub offset: usize,
    /// Its length in bytes; `offset + len` is a character boundary within the template.
    pub len: usize,
    pub kind: ErrorKind,
}

/// Why a construct was refused. Each message ends with what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ErrorKind {
    #[error(
        "Velocity directives (#if, #foreach, #set, #macro, …) are outside the template \
         subset cxda runs; {ON_THE_PLATFORM}, or move the logic into the translation map"
    )]
    Directive,
    #[error(
        "Velocity may read the start of this word as a directive (#end, #else, #stop, \
         #break) and cxda cannot tell whether the platform does; reword the text"
    )]
    DirectivePrefix,
    #[error(
        "this platform tool is outside the template subset cxda runs (it runs {MACROS}); \
         {ON_THE_PLATFORM}"
    )]
    Tool,
    #[error("cxda runs {MACROS} only; check the name, or {ON_THE_PLATFORM}")]
    UnknownMacro,
    #[error("a macro takes one argument in parentheses: {0}")]
    MacroArgument(&'static str),
    #[error(
        "method calls on values are outside the template subset cxda runs; do the change \
         in the translation map, or {ON_THE_PLATFORM}"
    )]
    MethodCall,
    #[error("index notation is outside the template subset cxda runs; {ON_THE_PLATFORM}")]
    Index,
    #[error(
        "inputs, credentials, rawResult and translation-map values have no properties \
         here; write one name (`${{input.NAME}}`, `${{credentials.NAME}}`)"
    )]
    NestedProperty,
    #[error(
        "this is a whole map or tool, which Velocity prints as Java would; name one value \
         (`${{input.NAME}}`, `${{credentials.NAME}}`), or use `${{input.rawRequest}}` for the \
         input as JSON"
    )]
    WholeObject,
    #[error("{0}")]
    Unterminated(&'static str),
    #[error(
        "two or more backslashes before a reference or directive print differently across \
         Velocity versions and cxda cannot tell what the platform prints; use one \
         backslash, or put the backslashes apart from the `$`"
    )]
    Backslashes,
    #[error("macros nested deeper than {0} levels; flatten the template")]
    TooDeep(usize),
    #[error(
        "the rendered text grows past {0} MiB here; insert less (each `${{rawResult}}` is the whole answer)"
    )]
    TooLarge(usize),
    #[error(
        "this input is an array or an object: an action's inputs are flat (string, \
         number, integer, boolean or null); fix the input"
    )]
    NotFlatInput,
}

impl TemplateError {
    pub(super) fn new(template: &str, span: Range<usize>, kind: ErrorKind) -> TemplateError {
        let span = boundaries(template, span);
        TemplateError {
            construct: template[span.clone()].to_owned(),
            offset: span.start,
            len: span.len(),
            kind,
        }
    }

    /// The construct's byte range in the template.
    pub fn span(&self) -> Range<usize> {
        self.offset..self.offset + self.len
    }

    /// 1-based line and column (in characters) of the construct in the template text.
    /// The template is the decoded string; a caller that shows a payload file maps the
    /// offset through its own string escapes first.
    pub fn line_col(&self, template: &str) -> (usize, usize) {
        LineIndex::new(template).position(template, self.offset)
    }
}

/// The construct for a terminal: control characters visible, a long one cut short.
fn shown(construct: &str) -> String {
    const MAX_CHARS: usize = 60;
    let escaped = escape_controls(construct);
    match escaped.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &escaped[..cut]),
        None => escaped.into_owned(),
    }
}

/// A span clamped to the text and widened to character boundaries, so an error can never
/// name a place outside the template or cut a character in two.
fn boundaries(template: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(template.len());
    while !template.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, template.len());
    while !template.is_char_boundary(end) {
        end += 1;
    }
    start..end
}
