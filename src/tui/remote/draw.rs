//! Drawing the Remote view: pure, from the view's state, only the rows on screen. Every
//! piece of server text is escaped here (`crate::text::escape_controls`); ids too long for
//! a narrow terminal lose their middle to `…`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use super::{Listing, RemoteView};
use crate::config::Api;
use crate::engine::remote::RemoteAction;
use crate::text::escape_controls;
use crate::tui::widgets::ListWindow;

const DIM: Style = Style::new().fg(Color::DarkGray);
/// The longest id shown whole: a UUID.
const ID_MAX: usize = 36;
/// What the name column keeps before the id is shortened.
const NAME_MIN: usize = 24;
/// The id's width when even the shortest name squeezes it: enough to tell ids apart.
const ID_MIN: usize = 9;
const KIND_WIDTH: u16 = 16;
const VERSION_WIDTH: u16 = 7;
const FLAG_WIDTH: u16 = 7;

/// Draws the Remote view in `area`.
pub fn draw_remote(frame: &mut Frame, area: Rect, view: &RemoteView) {
    let block = Block::bordered().title(title(view));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [table_area, status_area, keys_area] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);

    // The header takes one row.
    let rows_fit = usize::from(table_area.height.saturating_sub(1)).max(1);
    view.viewport.set(rows_fit);
    let window = ListWindow::new(view.visible.len(), view.selected, view.top, rows_fit);
    let on_screen: Vec<&RemoteAction> = view.visible[window.top..window.end]
        .iter()
        .filter_map(|&i| view.actions.get(i))
        .collect();
    let id_width = id_width(usize::from(table_area.width), &on_screen);
    let rows = on_screen.iter().map(|action| {
        let (kind, flag) = match view.api {
            Api::CxoneV2 => (&action.kind, action.enabled),
            Api::GenesysCloud => (&action.category, action.secure),
        };
        Row::new(vec![
            Cell::from(escape_controls(&action.name).into_owned()),
            Cell::from(shorten(&escape_controls(&action.id), id_width)),
            Cell::from(escape_controls(kind.as_deref().unwrap_or("—")).into_owned()),
            Cell::from(action.version.map_or("—".to_string(), |v| v.to_string())),
            Cell::from(match flag {
                Some(true) => "yes",
                Some(false) => "no",
                None => "—",
            }),
        ])
    });
    let (kind_title, flag_title) = match view.api {
        Api::CxoneV2 => ("Type", "Enabled"),
        Api::GenesysCloud => ("Category", "Secure"),
    };
    let header = Row::new(vec!["Name", "Id", kind_title, "Version", flag_title])
        .style(DIM.add_modifier(Modifier::BOLD));
    let table = Table::new(
        rows,
        [
            Constraint::Fill(1),
            Constraint::Length(u16::try_from(id_width).unwrap_or(u16::MAX)),
            Constraint::Length(KIND_WIDTH),
            Constraint::Length(VERSION_WIDTH),
            Constraint::Length(FLAG_WIDTH),
        ],
    )
    .header(header);
    window.render(frame, table, table_area, area);

    frame.render_widget(Paragraph::new(status_line(view)), status_area);
    let keys = if view.typing {
        "type to filter (name, id, category, type) · Enter keep · Esc clear"
    } else {
        "↑↓ move · Enter open in the editor · / filter · r reload · d delete · Esc"
    };
    frame.render_widget(Paragraph::new(Span::styled(keys, DIM)), keys_area);
}

/// ` Remote · /lookup ` — the filter rides in the title.
fn title(view: &RemoteView) -> Line<'static> {
    let mut spans = vec![Span::styled(
        " Remote ",
        Style::new().add_modifier(Modifier::BOLD),
    )];
    spans.push(Span::raw("· the server's actions "));
    if view.typing || !view.text.is_empty() {
        let cursor = if view.typing { "▏" } else { "" };
        spans.push(Span::styled(
            format!("· /{}{cursor} ", escape_controls(&view.text)),
            Style::new().fg(Color::Cyan),
        ));
    }
    Line::from(spans)
}

/// The id column's width in a table `width` cells wide: whole ids when the name keeps
/// [`NAME_MIN`] cells, else what is left, never under [`ID_MIN`].
fn id_width(width: usize, rows: &[&RemoteAction]) -> usize {
    let longest = rows
        .iter()
        .map(|a| escape_controls(&a.id).chars().count())
        .max()
        .unwrap_or(2)
        .clamp(2, ID_MAX);
    // The highlight symbol, four column gaps and the fixed columns.
    let fixed = 2 + 4 + usize::from(KIND_WIDTH + VERSION_WIDTH + FLAG_WIDTH);
    let room = width.saturating_sub(fixed + NAME_MIN);
    longest.min(room.max(ID_MIN))
}

/// `text` cut to `width` characters by replacing its middle with `…`: ids that share a
/// prefix (or a suffix) stay apart.
fn shorten(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    let keep = width.saturating_sub(1);
    let head = keep / 2;
    let tail = keep - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    out
}

/// The count, the listing's state, an open in flight and any notice.
fn status_line(view: &RemoteView) -> Line<'static> {
    let mut spans = Vec::new();
    let mut push = |text: String, style: Style| {
        if !spans.is_empty() {
            spans.push(Span::styled(" · ", DIM));
        }
        spans.push(Span::styled(text, style));
    };
    let counted = !view.actions.is_empty() || view.listing == Listing::Loaded;
    if counted {
        let count = if view.text.is_empty() {
            match view.actions.len() {
                1 => "1 action".to_string(),
                n => format!("{} actions", crate::text::thousands(n)),
            }
        } else {
            format!(
                "{} of {} actions match",
                crate::text::thousands(view.visible.len()),
                crate::text::thousands(view.actions.len())
            )
        };
        push(count, Style::new());
    }
    match &view.listing {
        Listing::NotStarted | Listing::Loaded => {}
        Listing::WaitingForEngine(_) => push(
            "waiting for the engine to start…".into(),
            Style::new().fg(Color::Cyan),
        ),
        Listing::Loading(_) => push(
            "loading… (every page, then the count; Esc cancels)".into(),
            Style::new().fg(Color::Cyan),
        ),
        Listing::Cancelled => push(
            "list cancelled (r reloads)".into(),
            Style::new().fg(Color::Yellow),
        ),
        Listing::Failed(message) => push(
            format!("cannot list: {message} (r retries)"),
            Style::new().fg(Color::Red),
        ),
    }
    if let Some(opening) = &view.opening {
        push(
            format!("opening {}… (Esc cancels)", escape_controls(&opening.name)),
            Style::new().fg(Color::Cyan),
        );
    }
    if let Some(notice) = &view.notice {
        push(notice.clone(), Style::new().fg(Color::Yellow));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_shorten_with_an_ellipsis_only_when_too_long() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcdef", 4), "a…ef");
        assert_eq!(shorten("abcdefgh", 5), "ab…gh");
    }

    #[test]
    fn the_id_column_gives_way_to_the_name_on_a_narrow_screen() {
        let uuid = RemoteAction {
            id: "5a7c2e10-0000-4000-8000-00000000a11c".into(),
            ..RemoteAction::default()
        };
        assert_eq!(id_width(160, &[&uuid]), 36);
        assert_eq!(id_width(78, &[&uuid]), 18);
        assert_eq!(id_width(40, &[&uuid]), ID_MIN);
        assert_eq!(id_width(160, &[]), 2);
    }
}
