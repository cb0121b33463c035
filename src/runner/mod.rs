//! The local runner: runs an action once, step by step, the way the platform does.
//! Pure parts only (no I/O): the translation of an answer and the contract checks.

pub mod contract;
pub mod translate;
