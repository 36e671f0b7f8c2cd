//! Environments (SEMANTICS.md §E.1): which environment (dev, staging, prod, or a size such as
//! xs … xl when the configuration names it) each file and object belongs to, and the pairing
//! of the same workload across environments (§E.2).

pub mod compare;
pub mod pairing;
pub mod summary;

use std::path::{Component, Path};
use std::sync::Arc;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

/// Directory (and namespace affix) names recognised as environments without configuration.
pub const RECOGNISED: [&str; 12] = [
    "dev",
    "develop",
    "development",
    "test",
    "qa",
    "stage",
    "staging",
    "preprod",
    "uat",
    "prod",
    "production",
    "live",
];

/// Other spellings of an environment's name, used to strip `<env>-` / `-<env>` affixes.
pub fn aliases(name: &str) -> &'static [&'static str] {
    match name {
        "dev" | "develop" | "development" => &["dev", "develop", "development"],
        "stage" | "staging" => &["stage", "staging", "stg"],
        "prod" | "production" => &["prod", "production", "prd"],
        "test" => &["test"],
        "qa" => &["qa"],
        "preprod" => &["preprod", "pre-prod"],
        "uat" => &["uat"],
        "live" => &["live"],
        _ => &[],
    }
}

/// A ratio from the configuration (0.5 = one half), above 0 and at most 1; compared by its
/// bits so the configuration stays `Eq`.
#[derive(Debug, Clone, Copy)]
pub struct Ratio(pub f64);

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(deserializer)?;
        if value > 0.0 && value <= 1.0 {
            Ok(Ratio(value))
        } else {
            Err(serde::de::Error::custom(format!(
                "a ratio must be above 0 and at most 1 (0.5 = one half), not {value}"
            )))
        }
    }
}

impl PartialEq for Ratio {
    fn eq(&self, other: &Self) -> bool {
        self.0.to_bits() == other.0.to_bits()
    }
}

impl Eq for Ratio {}

/// One `environments:` entry of `.kubelint.yaml`, or one `--env NAME=PATH_OR_GLOB`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvironmentSpec {
    pub name: String,
    /// A path prefix (`overlays/dev`, `rendered/dev.yaml`) or a glob (`rendered/*-dev.yaml`).
    pub path: String,
    /// This environment's own `envFarBelowRatio` (SEMANTICS.md §E.3).
    #[serde(default)]
    pub min_ratio: Option<Ratio>,
}

impl EnvironmentSpec {
    /// Parses `NAME=PATH_OR_GLOB` from the command line.
    pub fn parse_flag(text: &str) -> Result<EnvironmentSpec, String> {
        let (name, path) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}`: expected NAME=PATH_OR_GLOB"))?;
        if name.is_empty() || path.is_empty() {
            return Err(format!("`{text}`: expected NAME=PATH_OR_GLOB"));
        }
        Ok(EnvironmentSpec {
            name: name.to_string(),
            path: path.to_string(),
            min_ratio: None,
        })
    }
}

/// How file paths map to environments, built once per run from the configuration.
#[derive(Debug, Default)]
pub struct Environments {
    explicit: Vec<(Arc<str>, Matcher)>,
}

#[derive(Debug)]
enum Matcher {
    /// Path components that must appear, in order and adjacent, in the file's path.
    Components(Vec<String>),
    Glob(GlobMatcher),
}

fn normal_components(path: &Path) -> Vec<String> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect()
}

impl Matcher {
    fn new(pattern: &str) -> Result<Matcher, String> {
        if pattern.contains(['*', '?', '[', '{']) {
            let glob = Glob::new(pattern.trim_start_matches("./"))
                .map_err(|e| format!("invalid environment glob `{pattern}`: {e}"))?;
            Ok(Matcher::Glob(glob.compile_matcher()))
        } else {
            Ok(Matcher::Components(normal_components(Path::new(pattern))))
        }
    }

    /// A path prefix matches wherever it starts in the path (so `overlays/dev` matches
    /// `repo/overlays/dev/app.yaml` as well as `overlays/dev/app.yaml`); a glob matches the
    /// whole path or any tail of it that starts at a directory boundary.
    fn matches(&self, components: &[String]) -> bool {
        match self {
            Matcher::Components(wanted) => {
                !wanted.is_empty() && components.windows(wanted.len()).any(|w| w == wanted)
            }
            Matcher::Glob(glob) => (0..components.len()).any(|start| {
                let tail: std::path::PathBuf = components[start..].iter().collect();
                glob.is_match(&tail)
            }),
        }
    }
}

impl Environments {
    pub fn new(specs: &[EnvironmentSpec]) -> Result<Environments, String> {
        let explicit = specs
            .iter()
            .map(|spec| Ok((Arc::from(spec.name.as_str()), Matcher::new(&spec.path)?)))
            .collect::<Result<_, String>>()?;
        Ok(Environments { explicit })
    }

    /// The environment of a file: the first configured entry that matches it; without any
    /// configured entries, the deepest recognised directory name (`overlays/prod/…`,
    /// `deploy/staging/…`), or a recognised file stem (`rendered/prod.yaml`,
    /// `values-prod.yaml`, `values.prod.yaml`).
    pub fn of_file(&self, path: &Path) -> Option<Arc<str>> {
        self.locate_file(path).map(|(name, _)| name)
    }

    /// [`Environments::of_file`] with the file's pairing scope: workloads pair only within
    /// one scope. A discovered environment's scope is the path above its directory
    /// (`k8s/overlays` for `k8s/overlays/dev/app.yaml`), so that a `test/` directory of one
    /// project never pairs with a `prod/` of another in a monorepo; a file stem's is the
    /// file's directory; configured environments share one scope (the user decided).
    pub fn locate_file(&self, path: &Path) -> Option<(Arc<str>, Arc<str>)> {
        let components = normal_components(path);
        if !self.explicit.is_empty() {
            return self
                .explicit
                .iter()
                .find(|(_, matcher)| matcher.matches(&components))
                .map(|(name, _)| (name.clone(), Arc::from("")));
        }
        let (file, dirs) = components.split_last()?;
        let stem = file
            .rsplit_once('.')
            .map_or(file.as_str(), |(stem, _)| stem);
        let stem = stem
            .strip_prefix("values-")
            .or_else(|| stem.strip_prefix("values."))
            .unwrap_or(stem);
        if is_recognised(stem) {
            return Some((
                Arc::from(stem.to_ascii_lowercase().as_str()),
                Arc::from(dirs.join("/").as_str()),
            ));
        }
        // `overlays/prod`, `envs/prod`, `environments/prod`, `clusters/prod` and a plain
        // `deploy/prod` are all found by the directory's own name.
        dirs.iter()
            .enumerate()
            .rev()
            .find(|(_, dir)| is_recognised(dir))
            .map(|(i, dir)| {
                (
                    Arc::from(dir.to_ascii_lowercase().as_str()),
                    Arc::from(dirs[..i].join("/").as_str()),
                )
            })
    }

    /// The pairing scope of an object whose environment its namespace names: its file's
    /// directory.
    pub fn directory_scope(path: &Path) -> Arc<str> {
        let components = normal_components(path);
        let dirs = components.split_last().map_or(&[][..], |(_, dirs)| dirs);
        Arc::from(dirs.join("/").as_str())
    }

    /// The environment a namespace names by a `-<env>` suffix or `<env>-` prefix
    /// (`shop-staging`, `prod-payments`), for objects whose file names none (§E.1 step 4).
    /// Configured environments are authoritative: with them, namespaces name none.
    pub fn of_namespace(&self, namespace: &str) -> Option<Arc<str>> {
        if !self.explicit.is_empty() {
            return None;
        }
        RECOGNISED
            .into_iter()
            .find(|env| {
                namespace
                    .strip_suffix(env)
                    .is_some_and(|rest| rest.ends_with('-'))
                    || namespace
                        .strip_prefix(env)
                        .is_some_and(|rest| rest.starts_with('-'))
                    || namespace == *env
            })
            .map(Arc::from)
    }

    /// The configured `minRatio` of an environment, if any.
    pub fn min_ratio<'s>(specs: &'s [EnvironmentSpec], name: &str) -> Option<f64> {
        specs
            .iter()
            .filter(|s| s.name == name)
            .find_map(|s: &'s EnvironmentSpec| s.min_ratio.map(|r| r.0))
    }
}

fn is_recognised(name: &str) -> bool {
    RECOGNISED.iter().any(|r| r.eq_ignore_ascii_case(name))
}

/// `name` without a leading `<env>-` or trailing `-<env>` for the environment or its
/// aliases (`dev-api` → `api`, `api-production` → `api`).
pub fn strip_env_affix<'n>(name: &'n str, environment: &str) -> &'n str {
    let own = [environment];
    for env in own.iter().chain(aliases(environment)) {
        if let Some(rest) = name.strip_prefix(env).and_then(|r| r.strip_prefix('-'))
            && !rest.is_empty()
        {
            return rest;
        }
        if let Some(rest) = name.strip_suffix(env).and_then(|r| r.strip_suffix('-'))
            && !rest.is_empty()
        {
            return rest;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(specs: &[EnvironmentSpec], path: &str) -> Option<String> {
        Environments::new(specs)
            .unwrap()
            .of_file(Path::new(path))
            .map(|e| e.to_string())
    }

    fn spec(name: &str, path: &str) -> EnvironmentSpec {
        EnvironmentSpec {
            name: name.into(),
            path: path.into(),
            min_ratio: None,
        }
    }

    #[test]
    fn recognised_directories_and_file_stems() {
        assert_eq!(
            env_of(&[], "k8s/overlays/prod/deploy.yaml").as_deref(),
            Some("prod")
        );
        assert_eq!(
            env_of(&[], "deploy/staging/app.yaml").as_deref(),
            Some("staging")
        );
        assert_eq!(
            env_of(&[], "clusters/live/app.yaml").as_deref(),
            Some("live")
        );
        assert_eq!(env_of(&[], "rendered/dev.yaml").as_deref(), Some("dev"));
        assert_eq!(env_of(&[], "chart/values-uat.yaml").as_deref(), Some("uat"));
        assert_eq!(env_of(&[], "chart/values.qa.yaml").as_deref(), Some("qa"));
        // The deepest recognised directory wins.
        assert_eq!(env_of(&[], "dev/repo/prod/a.yaml").as_deref(), Some("prod"));
        assert_eq!(env_of(&[], "overlays/x86/app.yaml"), None);
        assert_eq!(env_of(&[], "app/deployment.yaml"), None);
        assert_eq!(env_of(&[], "rendered/product.yaml"), None);
    }

    #[test]
    fn scopes_keep_projects_apart() {
        let envs = Environments::default();
        let scope = |p: &str| envs.locate_file(Path::new(p)).map(|(_, s)| s.to_string());
        assert_eq!(
            scope("a/k8s/overlays/dev/x.yaml").as_deref(),
            Some("a/k8s/overlays")
        );
        assert_eq!(
            scope("a/k8s/overlays/prod/app/x.yaml").as_deref(),
            Some("a/k8s/overlays")
        );
        assert_eq!(scope("rendered/prod.yaml").as_deref(), Some("rendered"));
        assert_ne!(
            scope("repo-a/rules/x/test/in.yaml"),
            scope("repo-b/examples/prod/in.yaml")
        );
        let configured = Environments::new(&[spec("dev", "a")]).unwrap();
        assert_eq!(
            configured
                .locate_file(Path::new("x/a/y.yaml"))
                .map(|(_, s)| s.to_string())
                .as_deref(),
            Some("")
        );
    }

    #[test]
    fn configured_paths_and_globs_replace_discovery() {
        let specs = [
            spec("xs", "examples/base/xs"),
            spec("xl", "rendered/*__xl.yaml"),
        ];
        assert_eq!(
            env_of(&specs, "examples/base/xs/kustomization.yaml").as_deref(),
            Some("xs")
        );
        assert_eq!(
            env_of(&specs, "repo/examples/base/xs/a.yaml").as_deref(),
            Some("xs")
        );
        assert_eq!(
            env_of(&specs, "./rendered/base__xl.yaml").as_deref(),
            Some("xl")
        );
        assert_eq!(
            env_of(&specs, "x/rendered/base__xl.yaml").as_deref(),
            Some("xl")
        );
        assert_eq!(env_of(&specs, "overlays/prod/a.yaml"), None);
        assert_eq!(env_of(&specs, "examples/base/xsmall/a.yaml"), None);
    }

    #[test]
    fn the_env_flag_is_name_equals_path() {
        assert_eq!(
            EnvironmentSpec::parse_flag("dev=out/dev.yaml").unwrap(),
            spec("dev", "out/dev.yaml")
        );
        assert!(EnvironmentSpec::parse_flag("dev").is_err());
        assert!(EnvironmentSpec::parse_flag("=x").is_err());
    }

    #[test]
    fn namespaces_name_environments_by_affix() {
        let envs = Environments::default();
        assert_eq!(
            envs.of_namespace("bank-of-anthos-staging").as_deref(),
            Some("staging")
        );
        assert_eq!(envs.of_namespace("prod-payments").as_deref(), Some("prod"));
        assert_eq!(envs.of_namespace("product"), None);
        assert_eq!(envs.of_namespace("kube-system"), None);
        let configured = Environments::new(&[spec("dev", "a"), spec("prod", "b")]).unwrap();
        assert_eq!(configured.of_namespace("shop-prod"), None);
    }

    #[test]
    fn env_affixes_strip_with_aliases() {
        assert_eq!(strip_env_affix("dev-api", "dev"), "api");
        assert_eq!(strip_env_affix("api-production", "prod"), "api");
        assert_eq!(strip_env_affix("api-stg", "staging"), "api");
        assert_eq!(strip_env_affix("devices", "dev"), "devices");
        assert_eq!(strip_env_affix("dev", "dev"), "dev");
    }
}
