//! `${ENV_VAR}` references in profile values. A reference may stand alone
//! (`client_secret = "${CXONE_SECRET}"`) or inside text
//! (`token_url = "https://${TENANT}.example.com/oauth/token"`). A `$` not followed by `{` is
//! literal text; no escape for `${` is needed by any key that allows references.

use super::ConfigError;
use super::env::{Env, non_empty};

/// One piece of a value: literal text or a variable reference.
enum Part<'a> {
    Text(&'a str),
    Var(&'a str),
}

fn parts(value: &str) -> Result<Vec<Part<'_>>, &'static str> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            out.push(Part::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or("`${` without a closing `}`")?;
        let name = &after[..end];
        if !is_var_name(name) {
            return Err("a variable name is letters, digits and `_`, not starting with a digit");
        }
        out.push(Part::Var(name));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest));
    }
    Ok(out)
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Replaces every `${VAR}` with its value; an unset (or empty) variable is an error naming
/// the profile, the key and the variable.
pub(crate) fn expand(
    value: &str,
    profile: &str,
    key: &str,
    env: &dyn Env,
) -> Result<String, ConfigError> {
    let parts = parts(value).map_err(|reason| ConfigError::BadReference {
        profile: profile.to_string(),
        key: key.to_string(),
        reason,
    })?;
    let mut out = String::with_capacity(value.len());
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Var(name) => {
                let v = non_empty(env, name).ok_or_else(|| ConfigError::UnsetVariable {
                    profile: profile.to_string(),
                    key: key.to_string(),
                    var: name.to_string(),
                })?;
                out.push_str(&v);
            }
        }
    }
    Ok(out)
}

/// True when the value holds any text of its own besides `${VAR}` references: that text is
/// sitting in the config file, which matters for secrets. A malformed reference counts as
/// literal (expansion will reject it anyway).
pub(crate) fn has_literal_text(value: &str) -> bool {
    match parts(value) {
        Ok(parts) => parts.iter().any(|p| matches!(p, Part::Text(_))),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StaticEnv;

    fn env() -> StaticEnv {
        StaticEnv::new()
            .with_var("TENANT", "acme")
            .with_var("SECRET", "s3cr3t")
            .with_var("EMPTY", "")
    }

    #[test]
    fn expands_a_whole_value_reference() {
        assert_eq!(
            expand("${SECRET}", "p", "client_secret", &env()).expect("set"),
            "s3cr3t"
        );
    }

    #[test]
    fn expands_references_inside_text() {
        let v = expand(
            "https://${TENANT}.example.com/$x/${SECRET}",
            "p",
            "token_url",
            &env(),
        );
        assert_eq!(v.expect("set"), "https://acme.example.com/$x/s3cr3t");
    }

    #[test]
    fn unset_variable_names_profile_key_and_variable() {
        let err = expand("${NOPE}", "prod", "client_secret", &env()).expect_err("unset");
        let text = err.to_string();
        assert!(
            text.contains("`prod`") && text.contains("`client_secret`") && text.contains("${NOPE}"),
            "{text}"
        );
    }

    #[test]
    fn empty_variable_counts_as_unset() {
        let err = expand("${EMPTY}", "prod", "client_id", &env()).expect_err("empty");
        assert!(matches!(err, ConfigError::UnsetVariable { var, .. } if var == "EMPTY"));
    }

    #[test]
    fn unterminated_reference_is_an_error() {
        let err = expand("https://${TENANT/x", "prod", "token_url", &env()).expect_err("open");
        assert!(matches!(err, ConfigError::BadReference { .. }), "{err}");
    }

    #[test]
    fn invalid_variable_name_is_an_error() {
        assert!(expand("${1X}", "p", "k", &env()).is_err());
        assert!(expand("${}", "p", "k", &env()).is_err());
    }

    #[test]
    fn literal_text_detection() {
        assert!(!has_literal_text("${SECRET}"));
        assert!(!has_literal_text("${A}${B}"));
        assert!(has_literal_text("hunter2"));
        assert!(has_literal_text("pre-${SECRET}"));
        assert!(has_literal_text("${OPEN"));
    }
}
