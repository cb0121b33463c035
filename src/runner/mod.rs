//! The local test runner: what cxda does to run an action itself, step by step, as the
//! platform does. Its parts are pure (no I/O) so far:
//! - [`template`]: the Velocity subset of the action's templates, parsed with positions
//!   and rendered from an input, credentials and a result (docs/templates.md);
//! - [`translate`]: the answer's `translationMap` (JSONPath, RFC 9535) and its defaults;
//! - [`contract`]: the input and output contract checks, and the input skeleton
//!   (docs/test-runs.md).

pub mod contract;
pub mod template;
pub mod translate;
