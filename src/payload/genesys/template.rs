//! A small positional scanner for the Velocity the platform's templates use: it finds the
//! references (`${a.b}`, `$!{a.b}`, `$a.b`), the macro calls (`$esc.url(` …) and directive
//! parentheses (`#if(` …), and what is left open. It does not evaluate anything; the lint
//! (`lint`) judges what it finds. One pass, no backtracking: a megabyte of template costs
//! one walk.

/// A variable reference in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reference<'a> {
    /// Byte offset of its `$`.
    pub start: usize,
    /// The reference as written (`${input.id}`, `$input.id`).
    pub written: &'a str,
    /// The dotted name, without `$`, `!` or braces (`input.id`, `name.trim()`).
    pub path: &'a str,
    /// `${…}` or `$!{…}` (the formal notation) rather than `$name`.
    pub formal: bool,
    /// Inside the parentheses of an escaping macro (`$esc.url(` …).
    pub escaped: bool,
}

impl<'a> Reference<'a> {
    /// The first name of the path (`input` in `input.id`, `name` in `name.trim()`).
    pub fn root(&self) -> &'a str {
        let end = self
            .path
            .find(|c: char| !is_name_char(c))
            .unwrap_or(self.path.len());
        &self.path[..end]
    }

    /// The name after `root.` (`id` in `input.id.trim()`), if the path goes on that way.
    pub fn member(&self) -> Option<&'a str> {
        let rest = self.path[self.root().len()..].strip_prefix('.')?;
        let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        Some(&rest[..end]).filter(|m| !m.is_empty())
    }
}

/// Something opened and never closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unclosed<'a> {
    /// Byte offset of its `$`, `#` or `(`.
    pub start: usize,
    /// What was opened, as written up to its bracket (`${`, `$esc.url(`, `#if(`, `(`).
    pub opened: &'a str,
    /// The bracket that would close it.
    pub closer: char,
}

/// What a template holds.
#[derive(Debug, Default)]
pub(super) struct Scan<'a> {
    pub references: Vec<Reference<'a>>,
    pub unclosed: Vec<Unclosed<'a>>,
    /// Names given values by `#set($x = …)` or `#foreach($x in …)`.
    pub locals: Vec<&'a str>,
}

/// The macros whose output is safe inside a URL.
const ESCAPING: [&str; 3] = ["esc.url", "esc.uriEncode", "esc.urlFormEncode"];

/// Directives that take parentheses; `#set` and `#foreach` also name a variable.
const DIRECTIVES: [&str; 4] = ["set", "if", "elseif", "foreach"];

/// An open parenthesis of a call, a directive or plain grouping inside one.
struct Open<'a> {
    start: usize,
    opened: &'a str,
    escaping: bool,
    /// The quote character of a string argument being read, if any.
    quote: Option<u8>,
}

pub(super) fn scan(template: &str) -> Scan<'_> {
    let bytes = template.as_bytes();
    let mut scan = Scan::default();
    let mut open: Vec<Open<'_>> = Vec::new();
    let mut escaping = 0usize;
    // The next `}` and `{` at or after a position, found once and reused while the scan is
    // behind them, so a text of many `${` and few `}` is still one walk.
    let mut next_close = Next::new(b'}');
    let mut next_brace = Next::new(b'{');
    let mut i = 0;
    while i < bytes.len() {
        if open.is_empty() {
            // Outside a call only `$`, `#` and `\` start anything: jump to the next one.
            match memchr::memchr3(b'$', b'#', b'\\', &bytes[i..]) {
                Some(skip) => i += skip,
                None => break,
            }
        }
        match bytes[i] {
            b'\\' if matches!(bytes.get(i + 1), Some(b'$' | b'#')) => i += 2,
            b'$' => {
                let start = i;
                let mut j = i + 1;
                if bytes.get(j) == Some(&b'!') {
                    j += 1;
                }
                if bytes.get(j) == Some(&b'{') {
                    let body = j + 1;
                    let close = next_close.at(bytes, body);
                    let nested = next_brace.at(bytes, body);
                    match close {
                        Some(close)
                            if nested.is_none_or(|n| n > close)
                                && name_like(&template[body..close]) =>
                        {
                            scan.references.push(Reference {
                                start,
                                written: &template[start..=close],
                                path: &template[body..close],
                                formal: true,
                                escaped: escaping > 0,
                            });
                            i = close + 1;
                        }
                        _ => {
                            scan.unclosed.push(Unclosed {
                                start,
                                opened: &template[start..body],
                                closer: '}',
                            });
                            i = body;
                        }
                    }
                    continue;
                }
                let end = name_end(template, j);
                if end == j {
                    i = j;
                    continue;
                }
                if bytes.get(end) == Some(&b'(') {
                    let name = &template[j..end];
                    let is_escaping = ESCAPING.contains(&name);
                    escaping += usize::from(is_escaping);
                    open.push(Open {
                        start,
                        opened: &template[start..=end],
                        escaping: is_escaping,
                        quote: None,
                    });
                    i = end + 1;
                } else {
                    scan.references.push(Reference {
                        start,
                        written: &template[start..end],
                        path: &template[j..end],
                        formal: false,
                        escaped: escaping > 0,
                    });
                    i = end;
                }
            }
            b'#' => {
                let Some((name, paren)) = directive(template, i + 1) else {
                    i += 1;
                    continue;
                };
                if name == "set" || name == "foreach" {
                    scan.locals.extend(local_name(template, paren + 1));
                }
                open.push(Open {
                    start: i,
                    opened: &template[i..=paren],
                    escaping: false,
                    quote: None,
                });
                i = paren + 1;
            }
            quote @ (b'"' | b'\'') => {
                if let Some(top) = open.last_mut() {
                    match top.quote {
                        None => top.quote = Some(quote),
                        Some(q) if q == quote => top.quote = None,
                        Some(_) => {}
                    }
                }
                i += 1;
            }
            b'(' => {
                if open.last().is_some_and(|top| top.quote.is_none()) {
                    open.push(Open {
                        start: i,
                        opened: &template[i..=i],
                        escaping: false,
                        quote: None,
                    });
                }
                i += 1;
            }
            b')' => {
                if open.last().is_some_and(|top| top.quote.is_none())
                    && let Some(closed) = open.pop()
                {
                    escaping -= usize::from(closed.escaping);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    scan.unclosed.extend(open.into_iter().map(|o| Unclosed {
        start: o.start,
        opened: o.opened,
        closer: ')',
    }));
    scan.unclosed.sort_by_key(|u| u.start);
    scan
}

/// The next position of one byte, cached while the scan has not passed it.
struct Next {
    byte: u8,
    /// `Some(found)` when searched from at most the current position; `found` is `None`
    /// when the byte does not occur again.
    cached: Option<Option<usize>>,
}

impl Next {
    fn new(byte: u8) -> Next {
        Next { byte, cached: None }
    }

    fn at(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        match self.cached {
            Some(None) => None,
            Some(Some(found)) if found >= from => Some(found),
            _ => {
                let found = memchr::memchr(self.byte, bytes.get(from..).unwrap_or_default())
                    .map(|n| from + n);
                self.cached = Some(found);
                found
            }
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The end of a dotted name starting at `from` (`esc.url` in `$esc.url(`); `from` itself
/// when no name starts there. A name starts with a letter or `_`; a dot belongs to it only
/// when a name character follows.
fn name_end(template: &str, from: usize) -> usize {
    let bytes = template.as_bytes();
    let starts_name = |b: &u8| b.is_ascii_alphabetic() || *b == b'_';
    if !bytes.get(from).is_some_and(starts_name) {
        return from;
    }
    let mut end = from;
    while let Some(&b) = bytes.get(end) {
        let dot_then_name = b == b'.' && bytes.get(end + 1).is_some_and(starts_name);
        if !is_name_char(char::from(b)) && !dot_then_name {
            break;
        }
        end += 1;
    }
    end
}

/// Whether what sits between `${` and `}` reads as a reference: a dotted name, possibly
/// followed by method calls (`name.trim()`); quotes or spaces before any `(` mean the `}`
/// belongs to something else and the reference was never closed.
fn name_like(body: &str) -> bool {
    let head = body.split('(').next().unwrap_or_default();
    !head.is_empty()
        && name_end(head, 0) == head.len()
        && (head.len() < body.len() || !head.ends_with('.'))
}

/// `#name(` at `from` (just after `#`) for a directive with parentheses: its name and the
/// position of `(`.
fn directive(template: &str, from: usize) -> Option<(&str, usize)> {
    let rest = template.get(from..)?;
    let rest_braced = rest.strip_prefix('{');
    let (name, after) = DIRECTIVES.iter().find_map(|d| {
        let tail = match rest_braced {
            Some(braced) => braced.strip_prefix(d)?.strip_prefix('}')?,
            None => rest.strip_prefix(d)?,
        };
        Some((*d, tail))
    })?;
    let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
    after[spaces..].starts_with('(').then(|| {
        let paren = template.len() - after.len() + spaces;
        (name, paren)
    })
}

/// The variable `#set(` / `#foreach(` names, from just after its `(`.
fn local_name(template: &str, from: usize) -> Option<&str> {
    let rest = template.get(from..)?.trim_start_matches([' ', '\t']);
    let rest = rest.strip_prefix('$')?;
    let rest = rest.strip_prefix('!').unwrap_or(rest);
    let rest = rest.strip_prefix('{').unwrap_or(rest);
    let end = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(template: &str) -> Vec<(usize, &str, bool)> {
        scan(template)
            .references
            .iter()
            .map(|r| (r.start, r.path, r.escaped))
            .collect()
    }

    fn unclosed(template: &str) -> Vec<(usize, &str)> {
        scan(template)
            .unclosed
            .iter()
            .map(|u| (u.start, u.opened))
            .collect()
    }

    #[test]
    fn finds_formal_quiet_and_shorthand_references() {
        assert_eq!(
            paths("a ${input.id} b $!{input.x} c $input.y."),
            vec![
                (2, "input.id", false),
                (16, "input.x", false),
                (30, "input.y", false)
            ]
        );
    }

    #[test]
    fn references_inside_an_escaping_macro_are_escaped() {
        assert_eq!(
            paths("?q=$esc.url(${input.q})&r=${input.r}&s=$math.add($input.s)"),
            vec![
                (12, "input.q", true),
                (26, "input.r", false),
                (49, "input.s", false)
            ]
        );
    }

    #[test]
    fn a_reference_without_its_brace_is_unclosed_at_its_dollar() {
        assert_eq!(unclosed("x ${input.id"), vec![(2, "${")]);
        assert_eq!(unclosed("x $!{input.id"), vec![(2, "$!{")]);
        // The `}` that follows belongs to the JSON around it, after a quote.
        assert_eq!(unclosed(r#"{"id": "${input.id"}"#), vec![(8, "${")]);
        // Another reference starts before the first is closed.
        assert_eq!(unclosed("${a ${b}"), vec![(0, "${")]);
        assert_eq!(paths("${a ${b}"), vec![(4, "b", false)]);
    }

    #[test]
    fn an_unclosed_macro_or_directive_is_reported_at_its_start() {
        assert_eq!(unclosed("?q=$esc.url(${input.q}"), vec![(3, "$esc.url(")]);
        assert_eq!(unclosed("#if ($x == 1"), vec![(0, "#if (")]);
        assert_eq!(unclosed("$math.add((1, 2)"), vec![(0, "$math.add(")]);
    }

    #[test]
    fn parentheses_in_quoted_arguments_and_plain_text_do_not_count() {
        assert!(unclosed(r#"$successTemplateUtils.firstFromArray("${a}", "(")"#).is_empty());
        assert!(unclosed("https://x.example.com/a(b)/c)").is_empty());
        assert!(unclosed("{ \"a\": 1 } }").is_empty());
    }

    #[test]
    fn an_escaped_dollar_is_text() {
        assert!(paths(r"\${input.x} \$y").is_empty());
    }

    #[test]
    fn set_and_foreach_name_locals() {
        let scan = scan("#set($total = 0)#foreach( $item in $list )${item}#end");
        assert_eq!(scan.locals, vec!["total", "item"]);
    }

    #[test]
    fn root_and_member_split_the_path() {
        let scan = scan("${input.id.trim()} ${rawResult}");
        assert_eq!(scan.references[0].root(), "input");
        assert_eq!(scan.references[0].member(), Some("id"));
        assert_eq!(scan.references[1].root(), "rawResult");
        assert_eq!(scan.references[1].member(), None);
    }
}
