//! The terminal studio (PRODUCT §6): one owner of state ([`app::App`]), background tasks
//! that only send [`message::Message`]s, and pure drawing in [`ui`]. Being built (issue 4):
//! `run` is the entry point `cxda [FILE]` calls.

pub mod history;
pub mod sandbox_controls;
pub mod submission;
