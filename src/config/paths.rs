//! Where the config file and the data directory are (docs/configuration.md): a flag beats
//! a variable beats the platform's per-user directory. Also creates the data directory,
//! private to the user, because it will hold the audit history.

use std::path::{Path, PathBuf};

use super::env::{Env, non_empty};
use super::{ConfigError, GlobalOptions};

pub const CONFIG_VAR: &str = "CXDA_CONFIG";
pub const DATA_DIR_VAR: &str = "CXDA_DATA_DIR";

/// Who named a path. A file the user named must exist; the default one may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathOrigin {
    Flag,
    EnvVar,
    Default,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigLocation {
    pub path: PathBuf,
    pub origin: PathOrigin,
}

impl ConfigLocation {
    /// How the path was named, for error messages.
    pub fn named_by(&self) -> &'static str {
        match self.origin {
            PathOrigin::Flag => "--config",
            PathOrigin::EnvVar => "$CXDA_CONFIG",
            PathOrigin::Default => "the default location",
        }
    }
}

/// `--config FILE`, else `$CXDA_CONFIG`, else `config.toml` in the project config dir.
pub fn config_location(
    options: &GlobalOptions,
    env: &dyn Env,
) -> Result<ConfigLocation, ConfigError> {
    if let Some(path) = &options.config {
        return Ok(ConfigLocation {
            path: path.clone(),
            origin: PathOrigin::Flag,
        });
    }
    if let Some(path) = non_empty(env, CONFIG_VAR) {
        return Ok(ConfigLocation {
            path: PathBuf::from(path),
            origin: PathOrigin::EnvVar,
        });
    }
    let paths = env.project_paths().ok_or(ConfigError::NoProjectDir {
        what: "config",
        flag: "--config FILE",
        var: CONFIG_VAR,
    })?;
    Ok(ConfigLocation {
        path: paths.config_dir.join("config.toml"),
        origin: PathOrigin::Default,
    })
}

/// `--data-dir DIR`, else `$CXDA_DATA_DIR`, else the project data dir. Not created here:
/// see [`create_data_dir`].
pub fn data_dir(options: &GlobalOptions, env: &dyn Env) -> Result<PathBuf, ConfigError> {
    if let Some(dir) = &options.data_dir {
        return Ok(dir.clone());
    }
    if let Some(dir) = non_empty(env, DATA_DIR_VAR) {
        return Ok(PathBuf::from(dir));
    }
    env.project_paths()
        .map(|p| p.data_dir)
        .ok_or(ConfigError::NoProjectDir {
            what: "data",
            flag: "--data-dir DIR",
            var: DATA_DIR_VAR,
        })
}

/// Creates the data directory (and missing parents) if it does not exist yet. The directory
/// itself gets mode 0700 whatever the umask, since the audit history in it records what was
/// sent where. An existing directory is left as the user set it up.
pub fn create_data_dir(dir: &Path) -> Result<(), ConfigError> {
    let fail = |source| ConfigError::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        builder.mode(0o700);
        match builder.create(dir) {
            Ok(()) => {}
            // Another process created it between the check and here: theirs stands.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {
                return Ok(());
            }
            Err(e) => return Err(fail(e)),
        }
        // The umask can only remove bits, but an unusual one could leave the owner without
        // access; set the mode outright.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(fail)?;
    }
    #[cfg(not(unix))]
    match builder.create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
        Err(e) => return Err(fail(e)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StaticEnv;

    fn env_with_paths() -> StaticEnv {
        StaticEnv::new().with_paths("/home/u/.config/cxda", "/home/u/.local/share/cxda")
    }

    fn opts(config: Option<&str>, data_dir: Option<&str>) -> GlobalOptions {
        GlobalOptions {
            config: config.map(PathBuf::from),
            data_dir: data_dir.map(PathBuf::from),
            profile: None,
        }
    }

    #[test]
    fn config_flag_beats_variable() {
        let env = env_with_paths().with_var(CONFIG_VAR, "/from/var.toml");
        let loc = config_location(&opts(Some("/from/flag.toml"), None), &env).expect("location");
        assert_eq!(loc.path, PathBuf::from("/from/flag.toml"));
        assert_eq!(loc.origin, PathOrigin::Flag);
    }

    #[test]
    fn config_variable_beats_default() {
        let env = env_with_paths().with_var(CONFIG_VAR, "/from/var.toml");
        let loc = config_location(&opts(None, None), &env).expect("location");
        assert_eq!(loc.path, PathBuf::from("/from/var.toml"));
        assert_eq!(loc.origin, PathOrigin::EnvVar);
    }

    #[test]
    fn config_default_is_config_toml_in_project_config_dir() {
        let env = env_with_paths().with_var(CONFIG_VAR, "");
        let loc = config_location(&opts(None, None), &env).expect("location");
        assert_eq!(loc.path, PathBuf::from("/home/u/.config/cxda/config.toml"));
        assert_eq!(loc.origin, PathOrigin::Default);
    }

    #[test]
    fn config_without_home_names_the_flag_and_variable() {
        let err = config_location(&opts(None, None), &StaticEnv::new()).expect_err("no home");
        let text = err.to_string();
        assert!(
            text.contains("--config") && text.contains("CXDA_CONFIG"),
            "{text}"
        );
    }

    #[test]
    fn data_dir_flag_beats_variable() {
        let env = env_with_paths().with_var(DATA_DIR_VAR, "/var/data");
        let dir = data_dir(&opts(None, Some("/flag/data")), &env).expect("dir");
        assert_eq!(dir, PathBuf::from("/flag/data"));
    }

    #[test]
    fn data_dir_variable_beats_default() {
        let env = env_with_paths().with_var(DATA_DIR_VAR, "/var/data");
        assert_eq!(
            data_dir(&opts(None, None), &env).expect("dir"),
            PathBuf::from("/var/data")
        );
    }

    #[test]
    fn data_dir_default_is_project_data_dir() {
        let dir = data_dir(&opts(None, None), &env_with_paths()).expect("dir");
        assert_eq!(dir, PathBuf::from("/home/u/.local/share/cxda"));
    }

    #[cfg(unix)]
    #[test]
    fn create_data_dir_makes_a_private_directory_with_parents() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b/cxda");
        create_data_dir(&dir).expect("created");
        let mode = std::fs::metadata(&dir).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        // A second call on the existing directory is fine.
        create_data_dir(&dir).expect("exists");
    }

    #[test]
    fn create_data_dir_over_a_file_names_the_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("taken");
        std::fs::write(&file, "x").expect("write");
        let err = create_data_dir(&file).expect_err("a file is in the way");
        assert!(err.to_string().contains("taken"), "{err}");
    }
}
