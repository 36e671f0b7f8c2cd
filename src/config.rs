//! `.kubelint.yaml`: found upward from the working directory or given with `--config`, read
//! with the same span-preserving loader as manifests so that errors point at their line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde::Deserialize;

use crate::env::{EnvironmentSpec, Environments, Ratio};
use crate::finding::Severity;
use crate::process::NumericPython;
use crate::yaml::{Document, Loaded, Loader, NodeId, from_node};

pub const CONFIG_FILE_NAME: &str = ".kubelint.yaml";

/// Where the JSON schema of this file (schema/kubelint.schema.json) is published; editors with
/// the YAML language server read it from a `# yaml-language-server: $schema=` line.
pub const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/kubelint/kubelint/main/schema/kubelint.schema.json";

/// A rule's level in the config: `off` or a severity that replaces the rule's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleLevel {
    Off,
    Level(Severity),
}

impl<'de> Deserialize<'de> for RuleLevel {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LevelVisitor;
        impl serde::de::Visitor<'_> for LevelVisitor {
            type Value = RuleLevel;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("one of `off`, `info`, `warning`, `error`")
            }

            // An unquoted `off` is the boolean false in YAML 1.1, which this file is read as.
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<RuleLevel, E> {
                if value {
                    Err(E::custom(
                        "`true` is not a level; use `off`, `info`, `warning` or `error`",
                    ))
                } else {
                    Ok(RuleLevel::Off)
                }
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<RuleLevel, E> {
                match text {
                    "off" => Ok(RuleLevel::Off),
                    other => Severity::parse(other).map(RuleLevel::Level).ok_or_else(|| {
                        E::custom(format!(
                            "unknown level `{other}`, expected one of `off`, `info`, `warning`, `error`"
                        ))
                    }),
                }
            }
        }
        deserializer.deserialize_any(LevelVisitor)
    }
}

/// Spare units of an extended resource that the cluster keeps for surges (SEMANTICS.md §0.11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceCapacity {
    pub free_per_node: Option<u32>,
    pub free_total: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Capacity {
    #[serde(default)]
    pub extended_resources: BTreeMap<String, ResourceCapacity>,
    /// Treat unknown spare capacity as none: rollout findings become errors.
    #[serde(default)]
    pub assume_no_spare: bool,
}

/// What kubelint assumes where the manifests cannot tell (SEMANTICS.md §0.11).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Assumptions {
    /// Whether Python containers use numeric libraries (SEMANTICS.md §C.3).
    #[serde(default)]
    pub numeric_python: NumericPython,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub capacity: Capacity,
    /// Environments by path (SEMANTICS.md §E.1); `--env` adds to them.
    #[serde(default)]
    pub environments: Vec<EnvironmentSpec>,
    #[serde(default)]
    pub thresholds: Thresholds,
    #[serde(default)]
    pub assumptions: Assumptions,
}

/// Ratios of the cross-environment rules (SEMANTICS.md §0.11, §E.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Thresholds {
    /// Warn when a value is below this ratio of the largest other environment's.
    #[serde(default = "Thresholds::default_far_below")]
    pub env_far_below_ratio: Ratio,
    /// An error below this ratio.
    #[serde(default = "Thresholds::default_far_below_error")]
    pub env_far_below_error_ratio: Ratio,
}

impl Thresholds {
    fn default_far_below() -> Ratio {
        Ratio(0.5)
    }

    fn default_far_below_error() -> Ratio {
        Ratio(0.25)
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            env_far_below_ratio: Thresholds::default_far_below(),
            env_far_below_error_ratio: Thresholds::default_far_below_error(),
        }
    }
}

/// A configuration file kubelint cannot use, with the place that says why.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{message}")]
#[diagnostic(code(kubelint::config))]
pub struct ConfigError {
    pub message: String,
    #[source_code]
    pub code: Option<NamedSource<String>>,
    #[label("here")]
    pub span: Option<SourceSpan>,
    /// `file:line:col` of the problem, for the one-line form of the error.
    pub position: String,
}

impl Config {
    /// `.kubelint.yaml` in `start` or the nearest directory above it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|dir| dir.join(CONFIG_FILE_NAME))
            .find(|candidate| candidate.is_file())
    }

    pub fn load(path: &Path) -> Result<Config, Box<ConfigError>> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Box::new(ConfigError {
                message: format!("cannot read {name}: {e}"),
                code: None,
                span: None,
                position: name.clone(),
            })
        })?;
        Config::parse(&name, &text)
    }

    /// Parses config text; rule ids must be ones the registry knows.
    pub fn parse(name: &str, text: &str) -> Result<Config, Box<ConfigError>> {
        let error_at = |offset: usize, length: usize, message: String| {
            let lines = crate::source::LineIndex::new(text);
            let position = lines.line_col(text, offset);
            Box::new(ConfigError {
                message,
                code: Some(NamedSource::new(name, text.to_string()).with_language("yaml")),
                span: Some(SourceSpan::from((offset, length))),
                position: format!("{name}:{}:{}", position.line, position.column),
            })
        };
        let mut loader = Loader::new(text);
        let document = match loader.next() {
            None => return Ok(Config::default()),
            Some(Loaded::Error(e)) => return Err(error_at(e.offset, 0, e.message)),
            Some(Loaded::Document(document)) => document,
        };
        let Some(root) = document.root else {
            return Ok(Config::default());
        };
        if document.scalar(root).is_some_and(|s| s.is_null()) {
            return Ok(Config::default());
        }
        let span_of = |doc: &Document<'_>, node: NodeId| {
            let span = doc.report_span(root, node);
            (span.start as usize, (span.end - span.start) as usize)
        };
        let config: Config = from_node(&document, root).map_err(|e| {
            let (offset, length) = e.node.map_or((0, 0), |n| span_of(&document, n));
            error_at(
                offset,
                length,
                format!("invalid configuration: {}", e.message),
            )
        })?;
        for (key, _) in document
            .get(root, "rules")
            .map_or_else(Vec::new, |rules| document.map_entries(rules).collect())
        {
            let id = document.text(key).unwrap_or_default();
            if crate::rules::registry().get(id).is_none() {
                let span = document.span(key);
                return Err(error_at(
                    span.start as usize,
                    (span.end - span.start) as usize,
                    format!("unknown rule `{id}` (see `kubelint rules`)"),
                ));
            }
        }
        for pattern in &config.exclude {
            if let Err(e) = globset::Glob::new(pattern) {
                return Err(error_at(
                    0,
                    0,
                    format!("invalid exclude glob `{pattern}`: {e}"),
                ));
            }
        }
        if let Err(message) = Environments::new(&config.environments) {
            return Err(error_at(0, 0, message));
        }
        Ok(config)
    }

    /// The level configured for a rule, if any.
    pub fn level(&self, rule: &str) -> Option<RuleLevel> {
        self.rules.get(rule).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rule_levels_excludes_and_capacity() {
        let config = Config::parse(
            ".kubelint.yaml",
            "rules:\n  rollout-surge-scarce-resource: error\nexclude: [\"vendor/**\"]\ncapacity:\n  extendedResources:\n    nvidia.com/gpu: {freePerNode: 1, freeTotal: 2}\n  assumeNoSpare: true\n",
        )
        .unwrap();
        assert_eq!(
            config.level("rollout-surge-scarce-resource"),
            Some(RuleLevel::Level(Severity::Error))
        );
        assert_eq!(config.exclude, vec!["vendor/**".to_string()]);
        assert_eq!(
            config.capacity.extended_resources["nvidia.com/gpu"],
            ResourceCapacity {
                free_per_node: Some(1),
                free_total: Some(2)
            }
        );
        assert!(config.capacity.assume_no_spare);
    }

    #[test]
    fn reads_the_numeric_python_assumption() {
        let config = Config::parse("c", "assumptions:\n  numericPython: always\n").unwrap();
        assert_eq!(config.assumptions.numeric_python, NumericPython::Always);
        assert_eq!(
            Config::default().assumptions.numeric_python,
            NumericPython::Auto
        );
        let error =
            Config::parse("c.yaml", "assumptions:\n  numericPython: sometimes\n").unwrap_err();
        assert_eq!(error.position, "c.yaml:2:18");
        assert!(
            error.message.contains("unknown variant `sometimes`"),
            "{}",
            error.message
        );
        let error = Config::parse("c.yaml", "assumptions:\n  numericPyton: auto\n").unwrap_err();
        assert_eq!(error.position, "c.yaml:2:3");
    }

    #[test]
    fn unquoted_off_turns_a_rule_off() {
        let config = Config::parse("c", "rules:\n  rollout-surge-scarce-resource: off\n").unwrap();
        assert_eq!(
            config.level("rollout-surge-scarce-resource"),
            Some(RuleLevel::Off)
        );
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(Config::parse("c", "").unwrap(), Config::default());
        assert_eq!(Config::parse("c", "---\n").unwrap(), Config::default());
    }

    #[test]
    fn errors_point_at_their_line() {
        let error =
            Config::parse("c.yaml", "rules:\n  rollout-surge-scarce-resource: loud\n").unwrap_err();
        assert_eq!(error.position, "c.yaml:2:34");
        assert!(
            error.message.contains("unknown level `loud`"),
            "{}",
            error.message
        );

        let error = Config::parse("c.yaml", "exclude: []\nrulez: {}\n").unwrap_err();
        assert_eq!(error.position, "c.yaml:2:1");
        assert!(
            error.message.contains("unknown field `rulez`"),
            "{}",
            error.message
        );

        let error = Config::parse("c.yaml", "rules:\n  no-such-rule: off\n").unwrap_err();
        assert_eq!(error.position, "c.yaml:2:3");
        assert!(
            error.message.contains("unknown rule `no-such-rule`"),
            "{}",
            error.message
        );

        let error = Config::parse("c.yaml", "rules: [\n").unwrap_err();
        assert!(error.position.starts_with("c.yaml:"), "{}", error.position);
    }
}
