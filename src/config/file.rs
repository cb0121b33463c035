//! The config file: reading it, TOML syntax and type errors with line:col, unknown keys with
//! a did-you-mean hint, the file-permission rule for literal secrets, and looking a profile
//! up by name (file profiles and the built-in `sandbox` and `env`).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use super::ConfigError;
use super::build::{self, CONNECTION_KEYS, PROFILE_KEYS, RawProfile};
use super::env::Env;
use super::expand::has_literal_text;
use super::paths::{ConfigLocation, PathOrigin};
use super::profile::{self, ENV, GENESYS_ENV, Profile, ProfileKind, SANDBOX, SANDBOX_GENESYS};

const TOP_KEYS: &[&str] = &["default_profile", "audit_max_mib", "profiles"];
const DEFAULT_AUDIT_MAX_MIB: u64 = 256;

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    default_profile: Option<String>,
    audit_max_mib: Option<u64>,
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

/// A parsed and checked config file (or the empty one when the default file is absent).
pub struct ConfigFile {
    path: PathBuf,
    exists: bool,
    raw: RawFile,
}

impl fmt::Debug for ConfigFile {
    // Only names: the profiles hold secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigFile")
            .field("path", &self.path)
            .field("exists", &self.exists)
            .field("profiles", &self.raw.profiles.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ConfigFile {
    /// Reads the file at `location`. A missing file is an empty config only at the default
    /// location: a file the user named with `--config` or `$CXDA_CONFIG` must exist.
    pub fn load_location(location: &ConfigLocation) -> Result<ConfigFile, ConfigError> {
        match std::fs::metadata(&location.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match location.origin {
                PathOrigin::Default => Ok(ConfigFile::absent(&location.path)),
                _ => Err(ConfigError::NotFound {
                    path: location.path.clone(),
                    named_by: location.named_by(),
                }),
            },
            _ => ConfigFile::load(&location.path),
        }
    }

    /// Reads, parses and checks the file at `path`, which must exist.
    pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
        let read_err = |source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(read_err)?;
        let file = ConfigFile::parse(&text, path)?;
        file.check_permissions()?;
        Ok(file)
    }

    /// Parses and checks `text` as if read from `path` (no permission check: there is no
    /// file to look at).
    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
        let syntax = |e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().to_string(),
            }
        };
        let doc = DeTable::parse(text).map_err(syntax)?;
        check_keys(doc.get_ref(), text, path)?;
        let raw: RawFile = toml::from_str(text).map_err(syntax)?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            exists: true,
            raw,
        })
    }

    /// The config when there is no file at `path`: every default, built-in profiles only.
    pub fn absent(path: &Path) -> ConfigFile {
        ConfigFile {
            path: path.to_path_buf(),
            exists: false,
            raw: RawFile::default(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// False when this is the empty config of an absent default file.
    pub fn exists(&self) -> bool {
        self.exists
    }

    pub fn default_profile(&self) -> Option<&str> {
        self.raw.default_profile.as_deref()
    }

    /// Where the audit file rotates, in MiB (`audit_max_mib`, default 256).
    pub fn audit_max_mib(&self) -> u64 {
        self.raw.audit_max_mib.unwrap_or(DEFAULT_AUDIT_MAX_MIB)
    }

    /// The names of the `[profiles.NAME]` tables, sorted (built-ins not included unless the
    /// file has a table for them).
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.raw.profiles.keys().map(String::as_str)
    }

    /// Resolves the profile `name`: a built-in (`sandbox`, `env`, with the file's overrides
    /// if it has a table for them) or a `[profiles.NAME]` table.
    pub fn profile(&self, name: &str, env: &dyn Env) -> Result<Profile, ConfigError> {
        self.profile_named_by(name, None, env)
    }

    pub(crate) fn profile_named_by(
        &self,
        name: &str,
        named_by: Option<&str>,
        env: &dyn Env,
    ) -> Result<Profile, ConfigError> {
        let builtin = Profile::builtin(name);
        let kind = builtin.map_or(ProfileKind::File, |(kind, _)| kind);
        let raw = self.raw.profiles.get(name);
        if kind == ProfileKind::File && raw.is_none() {
            let defined: Vec<String> = self.raw.profiles.keys().cloned().collect();
            let candidates = defined.iter().map(String::as_str).chain([
                SANDBOX,
                SANDBOX_GENESYS,
                ENV,
                GENESYS_ENV,
            ]);
            return Err(ConfigError::UnknownProfile {
                name: name.to_string(),
                named_by: named_by.map(str::to_string),
                file: self.exists.then(|| self.path.clone()),
                hint: closest(name, candidates),
                defined,
            });
        }
        let source = build::Source {
            file: self.exists.then_some(self.path.as_path()),
        };
        build::build(name, kind, builtin.map(|(_, api)| api), raw, source, env)
    }

    /// A literal secret in a file that group or others can read is refused (docs/configuration.md).
    fn check_permissions(&self) -> Result<(), ConfigError> {
        let Some((profile, key)) = self.first_literal_secret() else {
            return Ok(());
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&self.path)
                .map_err(|source| ConfigError::Read {
                    path: self.path.clone(),
                    source,
                })?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(ConfigError::InsecurePermissions {
                    path: self.path.clone(),
                    mode: mode & 0o7777,
                    profile,
                    key,
                });
            }
        }
        #[cfg(not(unix))]
        let _ = (profile, key);
        Ok(())
    }

    /// The first secret written out in the file: a `client_secret`, or a secret-looking extra
    /// header's value, with text of its own rather than only `${VAR}` references.
    fn first_literal_secret(&self) -> Option<(String, String)> {
        self.raw.profiles.iter().find_map(|(name, p)| {
            if p.client_secret
                .as_ref()
                .is_some_and(|s| has_literal_text(s.expose()))
            {
                return Some((name.clone(), "client_secret".to_string()));
            }
            p.extra_headers
                .iter()
                .flatten()
                .find_map(|(header, value)| {
                    (profile::looks_secret(header) && has_literal_text(value))
                        .then(|| (name.clone(), format!("extra_headers.{header}")))
                })
        })
    }
}

/// Unknown keys (with a hint), connection keys in the built-in profiles' tables, and a zero
/// `audit_max_mib`, each positioned in the file. Types are left to serde.
fn check_keys(doc: &DeTable<'_>, text: &str, path: &Path) -> Result<(), ConfigError> {
    let at = |span: Range<usize>| line_col(text, span.start);
    for (key, value) in doc.iter() {
        let k = key.get_ref().as_ref();
        if !TOP_KEYS.contains(&k) {
            let (line, column) = at(key.span());
            return Err(ConfigError::UnknownKey {
                path: path.to_path_buf(),
                line,
                column,
                table: "the top level".to_string(),
                key: k.to_string(),
                hint: closest(k, TOP_KEYS.iter().copied()),
            });
        }
        if k == "audit_max_mib"
            && value
                .get_ref()
                .as_integer()
                .is_some_and(|i| i.as_str() == "0")
        {
            let (line, column) = at(value.span());
            return Err(ConfigError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message: "audit_max_mib must be at least 1".to_string(),
            });
        }
        let Some(profiles) = (k == "profiles")
            .then(|| value.get_ref().as_table())
            .flatten()
        else {
            continue;
        };
        for (name, table) in profiles.iter() {
            let name = name.get_ref().as_ref();
            let DeValue::Table(table) = table.get_ref() else {
                continue;
            };
            for (key, _) in table.iter() {
                let k = key.get_ref().as_ref();
                let (line, column) = at(key.span());
                if !PROFILE_KEYS.contains(&k) {
                    return Err(ConfigError::UnknownKey {
                        path: path.to_path_buf(),
                        line,
                        column,
                        table: format!("[profiles.{name}]"),
                        key: k.to_string(),
                        hint: closest(k, PROFILE_KEYS.iter().copied()),
                    });
                }
                if Profile::builtin(name).is_some() && CONNECTION_KEYS.contains(&k) {
                    return Err(ConfigError::ReservedKey {
                        path: path.to_path_buf(),
                        line,
                        column,
                        profile: name.to_string(),
                        key: k.to_string(),
                        reason: match name {
                            SANDBOX | SANDBOX_GENESYS => {
                                "the built-in sandbox profiles take their URLs and credentials from the embedded sandbox"
                            }
                            GENESYS_ENV => {
                                "the built-in genesys-env profile takes its region and credentials from the GENESYSCLOUD_* variables; \
                                 define a profile of your own to set them here"
                            }
                            _ => {
                                "the built-in env profile takes its URLs and credentials from the CXONE_* variables; \
                                 define a profile of your own to set them here"
                            }
                        },
                    });
                }
            }
        }
    }
    Ok(())
}

/// The closest candidate to a mistyped name: a small edit distance (a swap of two letters
/// counts as one edit), or a name the typo is a
/// prefix of (`timeout` → `timeout_ms`).
pub(crate) fn closest<'a>(typo: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let limit = std::cmp::max(1, typo.chars().count() / 3);
    candidates
        .filter_map(|c| {
            let d = strsim::osa_distance(typo, c);
            let prefix = typo.chars().count() >= 3 && c.starts_with(typo);
            (d <= limit || prefix).then_some((d, c))
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}
