//! `kubelint init`: a commented starter `.kubelint.yaml` with every option set to the value
//! kubelint uses when the option is absent, so that the file changes nothing until it is
//! edited. Rule levels are listed commented out: setting a rule's level pins it, and some
//! rules choose the severity of each finding (rollout-surge-scarce-resource raises it when the
//! capacity is known). The rule list comes from the registry, so a new rule appears by itself.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::config::{CONFIG_FILE_NAME, SCHEMA_URL};
use crate::rules::registry;

/// The starter file's text.
pub fn starter() -> String {
    let mut text = format!(
        "\
# yaml-language-server: $schema={SCHEMA_URL}
# kubelint configuration. Every option is shown with the value kubelint uses when it is
# absent, so this file changes nothing until you edit it.
# Reference: https://github.com/kubelint/kubelint#configuration

# Each rule's level: off | info | warning | error. A rule not listed keeps its own severity,
# which some rules choose per finding; uncomment a line to change it. `kubelint explain RULE`
# says what a rule checks.
rules:
"
    );
    let entries = registry().entries();
    let width = entries.iter().map(|e| e.meta.id.len()).max().unwrap_or(0) + 1;
    for entry in entries {
        let meta = &entry.meta;
        let key = format!("{}:", meta.id);
        let _ = writeln!(
            text,
            "  # {key:width$} {:7}  # {}",
            meta.severity.as_str(),
            meta.summary
        );
    }
    text.push_str(
        "
# Files and directories to skip, as globs (like --exclude), e.g. [\"vendor/**\", \"**/*.tmpl.yaml\"].
exclude: []

# What kubelint cannot see in the manifests: the spare capacity of your cluster.
capacity:
  # Spare units of an extended resource kept free for rollouts: freePerNode on the best node,
  # freeTotal in the cluster. null (or no entry) means unknown: a rollout that needs a spare
  # unit is a warning. With numbers, kubelint decides: enough spare units, no finding; too few,
  # an error.
  extendedResources:
    nvidia.com/gpu: {freePerNode: null, freeTotal: null}
  # true: treat unknown spare capacity as none, so those rollouts are errors, not warnings.
  assumeNoSpare: false

# What kubelint assumes where the manifests do not tell.
assumptions:
  # Whether Python containers use numpy/scipy/torch, whose thread pools size themselves to the
  # node: auto (decide from image, command and environment) | always | never.
  numericPython: auto

# The environments to compare (dev, staging, prod; or sizes such as s, m, l), by path or glob.
# Empty: directories named dev/, staging/, prod/ (and the like) name them. For example:
#   - {name: dev, path: overlays/dev}
#   - {name: prod, path: \"rendered/*-prod.yaml\", minRatio: 0.3}
environments: []

# How far below another environment a request or limit may be: a warning below
# envFarBelowRatio, an error below envFarBelowErrorRatio.
thresholds:
  envFarBelowRatio: 0.5
  envFarBelowErrorRatio: 0.25
",
    );
    text
}

/// Writes the starter file at `path` (a file, or a directory to write `.kubelint.yaml` in;
/// default: the working directory). Refuses to replace a file unless `force`.
pub fn write_starter(path: Option<&Path>, force: bool) -> Result<PathBuf, String> {
    let target = match path {
        Some(path) if path.is_dir() => path.join(CONFIG_FILE_NAME),
        Some(path) => path.to_path_buf(),
        None => PathBuf::from(CONFIG_FILE_NAME),
    };
    let name = target.display();
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // Never replace a file someone wrote, even one created since we looked.
        options.create_new(true);
    }
    let mut file = options.open(&target).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            format!("{name} already exists; `kubelint init --force` replaces it")
        }
        _ => format!("{name}: cannot write: {e}"),
    })?;
    file.write_all(starter().as_bytes())
        .map_err(|e| format!("{name}: cannot write: {e}"))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, RuleLevel};

    #[test]
    fn the_starter_loads_and_lists_every_rule_without_pinning_its_level() {
        let text = starter();
        let config = Config::parse(CONFIG_FILE_NAME, &text).expect("the starter loads");
        assert!(config.rules.is_empty());
        for entry in registry().entries() {
            let line = format!("  # {}:", entry.meta.id);
            assert!(text.contains(&line), "{line}");
            // Uncommenting the line gives a file that sets the rule to its default level.
            let uncommented = text.replace(&line, &format!("  {}:", entry.meta.id));
            let config = Config::parse(CONFIG_FILE_NAME, &uncommented).expect("still loads");
            assert_eq!(
                config.level(entry.meta.id),
                Some(RuleLevel::Level(entry.meta.severity))
            );
        }
        assert!(config.exclude.is_empty());
        assert!(!config.capacity.assume_no_spare);
        let gpu = config.capacity.extended_resources["nvidia.com/gpu"];
        assert_eq!((gpu.free_per_node, gpu.free_total), (None, None));
    }
}
