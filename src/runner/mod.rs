//! The local test runner: cxda runs an action itself, step by step, as the platform's test
//! does (docs/test-runs.md). Its parts are pure (no I/O); the request is sent by the caller
//! (`engine::target` for `cxda test`, the sandbox for its test endpoints):
//! - [`action`]: the parts of an action a run reads, either dialect;
//! - [`run`]: the steps, from the input check to the output contract;
//! - [`template`]: the Velocity subset of the action's templates, parsed with positions
//!   and rendered from an input, credentials and a result (docs/templates.md);
//! - [`placeholders`]: the cxone-v2 `{{name}}` placeholders;
//! - [`translate`]: the answer's `translationMap` (JSONPath, RFC 9535) and its defaults;
//! - [`contract`]: the input and output contract checks, and the input skeleton;
//! - [`report`]: the steps and result, in the platform's `TestExecutionResult` shape.

pub mod action;
pub mod contract;
pub mod placeholders;
pub mod report;
pub mod run;
pub mod template;
pub mod translate;

pub use action::RunnableAction;
pub use report::{Operation, RunReport, StepError};
pub use run::{Prepared, PreparedHeader, Run, SendFailure, TargetAnswer, check_input};
