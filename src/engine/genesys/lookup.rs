//! The lookup of the genesys-cloud create: after a drafts request whose answer was lost (or
//! unreadable), the drafts named as the payload are listed, and only one equal to what was
//! sent is carried on (docs/engine.md, No duplicate after a lost answer).

use std::time::Duration;

use reqwest::Method;
use serde::Deserialize;
use serde_json::Value;

use super::{ActionAnswer, Create, State, error_body, parse};
use crate::config::Api;
use crate::engine::plan::{End, Next, OnLost, StepRequest, settle};
use crate::engine::response::Answer;
use crate::text::escape_controls;

/// The page size of the lookup (the platform's maximum).
pub(super) const LOOKUP_PAGE_SIZE: u32 = 100;
/// The most pages a lookup reads (100,000 drafts): a server that never ends its listing
/// does not keep a submission going forever.
pub(super) const MAX_LOOKUP_PAGES: u32 = 1_000;
/// The longest wait before a lookup: the server may still be processing the drafts request
/// whose answer was lost, and a lookup sent at once could miss the draft it is making. The
/// wait is also held under the profile's `timeout` and `max_wait`.
pub(super) const LOOKUP_SETTLE: Duration = Duration::from_secs(2);

/// `ActionEntityListing`, as far as the lookup needs it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Listing {
    #[serde(deserialize_with = "error_body::null_as_empty")]
    entities: Vec<ActionAnswer>,
    page_count: Option<u32>,
}

/// A draft named as ours that a lookup found.
#[derive(Debug)]
pub(super) struct Candidate {
    id: String,
    version: Option<u64>,
    /// Its category, `secure`, `config` (and contract, when listed) are what was sent.
    same: bool,
}

impl Create {
    /// A drafts request whose answer was lost (or unreadable): look the draft up.
    pub(super) fn after_lost(&mut self, error: String) -> Result<Next, End> {
        self.lost += 1;
        self.last_lost = error;
        self.candidates.clear();
        self.send_lookup(1)
    }

    /// Keeps the drafts among `entities` named exactly as ours, in our integration when the
    /// listing says which, noting whether each one's content is what was sent.
    fn collect(&mut self, entities: Vec<ActionAnswer>) {
        for entity in entities {
            if entity.name.as_deref() != Some(self.name.as_str()) {
                continue;
            }
            if let (Some(theirs), Some(ours)) = (&entity.integration_id, &self.integration_id)
                && theirs != ours
            {
                continue;
            }
            let same = self.same_content(&entity);
            if let Some(id) = entity.id.filter(|id| !id.is_empty()) {
                self.candidates.push(Candidate {
                    id,
                    version: entity.version,
                    same,
                });
            }
        }
    }

    /// Whether `found` carries what was sent: category, `secure` (absent is false),
    /// `config`, and the contract when the listing gives it.
    fn same_content(&self, found: &ActionAnswer) -> bool {
        let sent = |key: &str| self.sent.get(key).filter(|v| !v.is_null());
        let category = sent("category").and_then(Value::as_str);
        let secure = sent("secure").and_then(Value::as_bool).unwrap_or(false);
        found.category.as_deref() == category
            && found.secure.unwrap_or(false) == secure
            && found.config.is_some()
            && found.config.as_ref() == sent("config")
            && found
                .contract
                .as_ref()
                .is_none_or(|contract| Some(contract) == sent("contract"))
    }

    /// The end of a lookup: continue with the one draft equal to what was sent, send the
    /// draft again when none is named as ours, else stop (never a second draft).
    fn decide(&mut self) -> Result<Next, End> {
        let same: Vec<&Candidate> = self.candidates.iter().filter(|c| c.same).collect();
        if let [one] = same.as_slice() {
            self.draft = Some((one.id.clone(), one.version));
            return self.send_validation();
        }
        if !self.candidates.is_empty() {
            let ids: Vec<String> = self
                .candidates
                .iter()
                .map(|c| escape_controls(&c.id).into_owned())
                .collect();
            return Err(End::Failed(format!(
                "{}; drafts named {:?} exist (ids {}); cannot tell which one this submission made, so none was sent again",
                self.last_lost,
                escape_controls(&self.name),
                ids.join(", ")
            )));
        }
        if self.made {
            return Err(End::Failed(format!(
                "{}; a draft was made but its id is unreadable and no draft named {:?} was found",
                self.last_lost,
                escape_controls(&self.name)
            )));
        }
        if self.lost > self.max_retries {
            return Err(End::Failed(format!(
                "gave up after {} drafts requests without an answer (max_retries = {}): {}; no draft named {:?} was found, so none was sent again",
                self.lost,
                self.max_retries,
                self.last_lost,
                escape_controls(&self.name)
            )));
        }
        self.send_draft()
    }

    /// A page of the lookup: the next page, or the decision once every page is read.
    pub(super) fn looked_up(&mut self, page: u32, answer: &Answer) -> Result<Next, End> {
        // The lookup's own failure is no refusal of the payload: `Failed`.
        if !(200..=299).contains(&answer.status) {
            let reason = match settle(Api::GenesysCloud, answer) {
                Err(End::Rejected(text)) => {
                    format!("the lookup was answered {}: {text}", answer.status)
                }
                Err(End::Failed(text)) => text,
                _ => format!("the lookup was answered {}", answer.status),
            };
            return Err(self.may_exist(End::Failed(reason)));
        }
        let listing = parse::<Listing>(&answer.body, "the drafts listing")
            .map_err(|end| self.may_exist(end))?;
        let full_page = listing.entities.len() >= LOOKUP_PAGE_SIZE as usize;
        self.collect(listing.entities);
        let more = listing.page_count.map_or(full_page, |count| page < count);
        if more {
            if page >= MAX_LOOKUP_PAGES {
                return Err(self.may_exist(End::Failed(format!(
                    "the lookup read {MAX_LOOKUP_PAGES} pages of drafts and more are left"
                ))));
            }
            return self.send_lookup(page + 1);
        }
        self.decide()
    }

    fn send_lookup(&mut self, page: u32) -> Result<Next, End> {
        self.state = State::LookingUp { page };
        let mut url = self.url(&["drafts"])?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("name", &self.name);
            if let Some(category) = self.sent.get("category").and_then(Value::as_str) {
                query.append_pair("category", category);
            }
            query
                .append_pair("includeConfig", "true")
                .append_pair("sortBy", "name")
                .append_pair("sortOrder", "ASC")
                .append_pair("pageSize", &LOOKUP_PAGE_SIZE.to_string())
                .append_pair("pageNumber", &page.to_string());
        }
        Ok(Next::Send(StepRequest {
            name: "lookup",
            method: Method::GET,
            url,
            body: None,
            timeout: None,
            on_lost: OnLost::Executor,
            if_match: None,
            settle: if page == 1 {
                self.settle
            } else {
                Duration::ZERO
            },
        }))
    }

    /// `end` with the note that a draft may exist (a lookup did not finish).
    pub(super) fn may_exist(&self, end: End) -> End {
        self.amend(
            end,
            &format!(
                "; the lookup after a lost answer did not finish, so a draft named {:?} may exist",
                escape_controls(&self.name)
            ),
        )
    }
}
