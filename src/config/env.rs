//! The process environment as configuration sees it: variables and the platform's per-user
//! directories. Everything in `config` reads the environment through [`Env`] so tests can
//! hand in a fixed one (edition 2024 makes `std::env::set_var` unsafe, and tests must not
//! depend on the real HOME).

use std::collections::HashMap;
use std::path::PathBuf;

/// Where cxda keeps its files when no flag or variable says otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPaths {
    /// `~/.config/cxda` on Linux.
    pub config_dir: PathBuf,
    /// `~/.local/share/cxda` on Linux.
    pub data_dir: PathBuf,
}

impl ProjectPaths {
    /// The platform's directories for cxda (`directories` crate); `None` without a home.
    pub fn platform() -> Option<ProjectPaths> {
        let dirs = directories::ProjectDirs::from("", "", "cxda")?;
        Some(ProjectPaths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }
}

pub trait Env {
    /// The variable's value; `None` when unset or not valid UTF-8.
    fn var(&self, name: &str) -> Option<String>;
    /// The per-user directories; `None` when there is no home directory.
    fn project_paths(&self) -> Option<ProjectPaths>;
}

/// A variable that is set to the empty string counts as unset: `CXDA_PROFILE= cxda …` is the
/// usual shell idiom for "not this time".
pub(crate) fn non_empty(env: &dyn Env, name: &str) -> Option<String> {
    env.var(name).filter(|v| !v.is_empty())
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn project_paths(&self) -> Option<ProjectPaths> {
        ProjectPaths::platform()
    }
}

/// A fixed environment for tests (here and in other modules): only the variables given, and
/// project paths only when given.
#[derive(Debug, Clone, Default)]
pub struct StaticEnv {
    vars: HashMap<String, String>,
    paths: Option<ProjectPaths>,
}

impl StaticEnv {
    pub fn new() -> StaticEnv {
        StaticEnv::default()
    }

    pub fn with_var(mut self, name: impl Into<String>, value: impl Into<String>) -> StaticEnv {
        self.vars.insert(name.into(), value.into());
        self
    }

    pub fn with_paths(
        mut self,
        config_dir: impl Into<PathBuf>,
        data_dir: impl Into<PathBuf>,
    ) -> StaticEnv {
        self.paths = Some(ProjectPaths {
            config_dir: config_dir.into(),
            data_dir: data_dir.into(),
        });
        self
    }
}

impl Env for StaticEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    fn project_paths(&self) -> Option<ProjectPaths> {
        self.paths.clone()
    }
}
