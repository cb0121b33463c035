//! The local test runner: what cxda does to run an action itself, step by step, as the
//! platform does. So far:
//! - [`template`]: the Velocity subset of the action's templates, parsed with positions
//!   and rendered from an input, credentials and a result (docs/templates.md).

pub mod template;
