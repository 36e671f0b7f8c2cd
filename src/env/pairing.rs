//! Pairing the same workload across environments (SEMANTICS.md §E.2), once per run, in time
//! linear in the number of workloads: each stage hashes the still unpaired workloads by one
//! normalized key, and a key shared by two or more environments makes a group.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::summary::WorkloadSummary;
use super::{RECOGNISED, strip_env_affix};

/// The same workload in several environments: indices into the workloads, one per
/// environment, in environment order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub members: Vec<usize>,
    /// Which key paired them, for messages and tests.
    pub by: Stage,
}

/// Workloads that share a key while one environment has several of them: kubelint does not
/// guess which pairs with which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    pub members: Vec<usize>,
    pub by: Stage,
}

/// The pairing keys, in order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// `kubelint.io/logical-name`.
    LogicalName,
    /// The Kustomize origin annotation.
    KustomizeOrigin,
    /// Kind and name without the environment's name prefix/suffix or Helm release prefix.
    BaseName,
    /// The Helm `# Source:` template and `app.kubernetes.io/name` (and component).
    HelmSource,
    /// Kind and name without a `<env>-` / `-<env>` affix.
    EnvAffix,
}

impl Stage {
    pub fn describe(self) -> &'static str {
        match self {
            Stage::LogicalName => "the kubelint.io/logical-name annotation",
            Stage::KustomizeOrigin => "the Kustomize origin annotation",
            Stage::BaseName => "kind and name (without name prefixes, suffixes and Helm release)",
            Stage::HelmSource => "the Helm template and app.kubernetes.io/name",
            Stage::EnvAffix => "kind and name without the environment's name",
        }
    }
}

const STAGES: [Stage; 5] = [
    Stage::LogicalName,
    Stage::KustomizeOrigin,
    Stage::BaseName,
    Stage::HelmSource,
    Stage::EnvAffix,
];

#[derive(Debug, Default)]
pub struct Pairing {
    pub groups: Vec<Group>,
    pub ambiguities: Vec<Ambiguity>,
    /// Every environment that has workloads, in display order.
    pub environments: Vec<Arc<str>>,
}

/// T-shirt sizes used as environments, smallest first.
pub const SIZES: [&str; 8] = ["xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl"];

/// Display order of environments: configured order first, then the usual promotion order
/// (dev … prod), then sizes (xs … xl), then by name.
pub fn environment_rank(name: &str, configured: &[String]) -> (usize, usize, String) {
    if let Some(i) = configured.iter().position(|c| c == name) {
        return (0, i, String::new());
    }
    if let Some(i) = RECOGNISED.iter().position(|r| *r == name) {
        return (1, i, String::new());
    }
    if let Some(i) = SIZES.iter().position(|s| *s == name) {
        return (2, i, String::new());
    }
    (3, 0, name.to_string())
}

/// The longest `-`-ended prefix (or `-`-started suffix) all `names` share, when there are at
/// least two distinct names and it leaves something of each: a Kustomize `namePrefix`
/// (composed ones included) as it shows in rendered output.
fn common_affixes(names: &BTreeSet<&str>) -> (String, String) {
    if names.len() < 2 {
        return (String::new(), String::new());
    }
    // Compared as bytes: a `-` is always a character boundary in UTF-8, so cutting there
    // never splits a character, whatever the names hold.
    let all: Vec<&[u8]> = names.iter().map(|n| n.as_bytes()).collect();
    let shortest = all.iter().map(|n| n.len()).min().unwrap_or(0);
    let first = all[0];
    let common_prefix = (0..shortest)
        .take_while(|&i| all.iter().all(|n| n[i] == first[i]))
        .count();
    // The last `-` of the common prefix that leaves something of every name.
    let prefix_end = (0..common_prefix)
        .rev()
        .find(|&i| first[i] == b'-' && all.iter().all(|n| n.len() > i + 1))
        .map_or(0, |i| i + 1);
    let common_suffix = (0..shortest)
        .take_while(|&back| {
            all.iter()
                .all(|n| n[n.len() - 1 - back] == first[first.len() - 1 - back])
        })
        .count();
    let suffix_len = (0..common_suffix)
        .rev()
        .find(|&back| {
            first[first.len() - 1 - back] == b'-'
                && all.iter().all(|n| n.len() > back + 1 + prefix_end)
        })
        .map_or(0, |back| back + 1);
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (
        text(&first[..prefix_end]),
        text(&first[first.len() - suffix_len..]),
    )
}

fn base_name(workload: &WorkloadSummary, affixes: &(String, String)) -> String {
    let name = workload.name();
    let name = name.strip_prefix(affixes.0.as_str()).unwrap_or(name);
    let name = name.strip_suffix(affixes.1.as_str()).unwrap_or(name);
    match &workload.instance {
        // Helm's fullname: `<release>-<chart>`, or the release itself when it contains the
        // chart name; the chart name (app.kubernetes.io/name) is then the stable part.
        Some(release) if name == release => workload.app_name.clone().unwrap_or_default(),
        Some(release) => name
            .strip_prefix(release.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .unwrap_or(name)
            .to_string(),
        None => name.to_string(),
    }
}

fn key(stage: Stage, w: &WorkloadSummary, affixes: &(String, String)) -> Option<String> {
    let kind = &w.object.kind;
    match stage {
        Stage::LogicalName => w.logical_name.as_ref().map(|l| format!("{kind}\0{l}")),
        Stage::KustomizeOrigin => w.kustomize_origin.as_ref().map(|o| format!("{kind}\0{o}")),
        Stage::BaseName => Some(format!("{kind}\0{}", base_name(w, affixes))),
        Stage::HelmSource => w.helm_source.as_ref().map(|s| {
            format!(
                "{kind}\0{s}\0{}\0{}",
                w.app_name.as_deref().unwrap_or(""),
                w.component.as_deref().unwrap_or("")
            )
        }),
        Stage::EnvAffix => Some(format!(
            "{kind}\0{}",
            strip_env_affix(w.name(), &w.environment)
        )),
    }
}

/// The namespace without the environment's affix, to tell apart two workloads of one
/// environment that share a key.
fn namespace_key(w: &WorkloadSummary) -> String {
    w.object
        .namespace
        .as_deref()
        .map(|ns| strip_env_affix(ns, &w.environment).to_string())
        .unwrap_or_default()
}

fn distinct_environments(members: &[usize], workloads: &[WorkloadSummary]) -> usize {
    members
        .iter()
        .map(|&i| &workloads[i].environment)
        .collect::<BTreeSet<_>>()
        .len()
}

fn one_per_environment(members: &[usize], workloads: &[WorkloadSummary]) -> bool {
    distinct_environments(members, workloads) == members.len()
}

/// Pairs `workloads` (each with its environment); `configured` is the configured order of
/// environment names.
pub fn pair(workloads: &[WorkloadSummary], configured: &[String]) -> Pairing {
    let mut names: HashMap<(&str, &str), BTreeSet<&str>> = HashMap::new();
    for w in workloads {
        names
            .entry((&w.scope, &w.environment))
            .or_default()
            .insert(w.name());
    }
    let affixes: HashMap<(&str, &str), (String, String)> = names
        .iter()
        .map(|(key, names)| (*key, common_affixes(names)))
        .collect();
    let mut environments: Vec<Arc<str>> = workloads
        .iter()
        .map(|w| w.environment.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    environments.sort_by_key(|e| environment_rank(e, configured));
    let rank = |i: &usize| {
        environments
            .iter()
            .position(|e| *e == workloads[*i].environment)
            .unwrap_or(usize::MAX)
    };

    let mut pairing = Pairing::default();
    let mut taken = vec![false; workloads.len()];
    if environments.len() < 2 {
        pairing.environments = environments;
        return pairing;
    }
    for stage in STAGES {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, w) in workloads.iter().enumerate() {
            if taken[i] {
                continue;
            }
            let no_affixes = (String::new(), String::new());
            let env_affixes = affixes
                .get(&(w.scope.as_ref(), w.environment.as_ref()))
                .unwrap_or(&no_affixes);
            if let Some(k) = key(stage, w, env_affixes) {
                by_key
                    .entry(format!("{}\0{k}", w.scope))
                    .or_default()
                    .push(i);
            }
        }
        let mut candidates: Vec<Vec<usize>> = by_key
            .into_values()
            .filter(|members| distinct_environments(members, workloads) >= 2)
            .collect();
        candidates.sort();
        for members in candidates {
            let mut accepted: Vec<Vec<usize>> = Vec::new();
            if one_per_environment(&members, workloads) {
                accepted.push(members.clone());
            } else {
                // Several in one environment: the namespace (without its environment affix)
                // may tell them apart; if it does not, report instead of guessing.
                let mut by_namespace: HashMap<String, Vec<usize>> = HashMap::new();
                for &i in &members {
                    by_namespace
                        .entry(namespace_key(&workloads[i]))
                        .or_default()
                        .push(i);
                }
                let mut subgroups: Vec<Vec<usize>> = by_namespace.into_values().collect();
                subgroups.sort();
                if subgroups.iter().all(|g| one_per_environment(g, workloads)) {
                    accepted.extend(
                        subgroups
                            .into_iter()
                            .filter(|g| distinct_environments(g, workloads) >= 2),
                    );
                }
                if accepted.is_empty() {
                    for &i in &members {
                        taken[i] = true;
                    }
                    pairing.ambiguities.push(Ambiguity { members, by: stage });
                    continue;
                }
            }
            for mut group in accepted {
                for &i in &group {
                    taken[i] = true;
                }
                group.sort_by_key(rank);
                pairing.groups.push(Group {
                    members: group,
                    by: stage,
                });
            }
        }
    }
    pairing.groups.sort_by_key(|g| {
        let first = &workloads[g.members[0]];
        (base_key(first), g.members.clone())
    });
    pairing.environments = environments;
    pairing
}

/// The order of groups in tables: by kind and name without the environment affix.
fn base_key(w: &WorkloadSummary) -> (String, String) {
    (
        w.object.kind.clone(),
        strip_env_affix(w.name(), &w.environment).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, ObjectRef};

    fn nowhere() -> Location {
        Location {
            file: 0,
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            start: 0,
            end: 0,
        }
    }

    fn workload(env: &str, kind: &str, namespace: Option<&str>, name: &str) -> WorkloadSummary {
        WorkloadSummary {
            object: ObjectRef {
                api_version: "apps/v1".into(),
                kind: kind.into(),
                namespace: namespace.map(str::to_string),
                name: Some(name.into()),
                document: 1,
            },
            environment: Arc::from(env),
            scope: Arc::from(""),
            file: 0,
            name_location: nowhere(),
            logical_name: None,
            kustomize_origin: None,
            helm_source: None,
            app_name: None,
            component: None,
            instance: None,
            ratio_ok: Vec::new(),
            replicas: None,
            has_replicas: true,
            replicas_location: nowhere(),
            containers: Vec::new(),
            pod: None,
        }
    }

    fn names(workloads: &[WorkloadSummary], pairing: &Pairing) -> Vec<Vec<String>> {
        pairing
            .groups
            .iter()
            .map(|g| {
                g.members
                    .iter()
                    .map(|&i| format!("{}:{}", workloads[i].environment, workloads[i].name()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn kustomize_prefixes_composed_and_namespaces_differ() {
        let workloads = vec![
            workload("prod", "Deployment", Some("shop-prod"), "prod-shop-api"),
            workload("prod", "Deployment", Some("shop-prod"), "prod-shop-worker"),
            workload("dev", "Deployment", Some("shop-dev"), "dev-shop-api"),
            workload("dev", "Deployment", Some("shop-dev"), "dev-shop-worker"),
            workload("staging", "Deployment", None, "api"),
        ];
        let pairing = pair(&workloads, &[]);
        assert_eq!(
            names(&workloads, &pairing),
            [
                vec!["dev:dev-shop-api", "staging:api", "prod:prod-shop-api"],
                vec!["dev:dev-shop-worker", "prod:prod-shop-worker"],
            ]
        );
        assert_eq!(pairing.environments.len(), 3);
        assert!(pairing.ambiguities.is_empty());
    }

    #[test]
    fn logical_name_and_origin_win_over_names() {
        let mut a = workload("dev", "Deployment", None, "alpha");
        a.logical_name = Some("api".into());
        let mut b = workload("prod", "Deployment", None, "beta");
        b.logical_name = Some("api".into());
        let mut c = workload("dev", "Deployment", None, "gamma");
        c.kustomize_origin = Some("../../base/worker.yaml".into());
        let mut d = workload("prod", "Deployment", None, "delta");
        d.kustomize_origin = Some("../../base/worker.yaml".into());
        let workloads = vec![a, b, c, d];
        let pairing = pair(&workloads, &[]);
        assert_eq!(
            names(&workloads, &pairing),
            [
                vec!["dev:alpha", "prod:beta"],
                vec!["dev:gamma", "prod:delta"]
            ]
        );
        assert_eq!(pairing.groups[0].by, Stage::LogicalName);
        assert_eq!(pairing.groups[1].by, Stage::KustomizeOrigin);
    }

    #[test]
    fn helm_release_prefix_and_fullname() {
        let mut a = workload("dev", "Deployment", None, "shop-dev");
        a.instance = Some("shop-dev".into());
        a.app_name = Some("shop".into());
        let mut b = workload("prod", "Deployment", None, "shop-prod");
        b.instance = Some("shop-prod".into());
        b.app_name = Some("shop".into());
        let mut c = workload("dev", "Deployment", None, "r1-worker");
        c.instance = Some("r1".into());
        let mut d = workload("prod", "Deployment", None, "r2-worker");
        d.instance = Some("r2".into());
        let workloads = vec![a, b, c, d];
        let pairing = pair(&workloads, &[]);
        assert_eq!(
            names(&workloads, &pairing),
            [
                vec!["dev:r1-worker", "prod:r2-worker"],
                vec!["dev:shop-dev", "prod:shop-prod"]
            ]
        );
    }

    #[test]
    fn helm_source_pairs_when_names_differ() {
        let mut a = workload("dev", "Deployment", None, "x");
        a.helm_source = Some("app/templates/deploy.yaml".into());
        a.app_name = Some("app".into());
        let mut b = workload("prod", "Deployment", None, "y");
        b.helm_source = Some("app/templates/deploy.yaml".into());
        b.app_name = Some("app".into());
        let workloads = vec![a, b];
        let pairing = pair(&workloads, &[]);
        assert_eq!(pairing.groups.len(), 1);
        assert_eq!(pairing.groups[0].by, Stage::HelmSource);
    }

    #[test]
    fn env_affix_is_the_last_resort() {
        let workloads = vec![
            workload("dev", "Deployment", None, "api-dev"),
            workload("production", "Deployment", None, "api-prod"),
        ];
        let pairing = pair(&workloads, &[]);
        assert_eq!(
            names(&workloads, &pairing),
            [vec!["dev:api-dev", "production:api-prod"]]
        );
        assert_eq!(pairing.groups[0].by, Stage::EnvAffix);
    }

    #[test]
    fn duplicates_are_told_apart_by_namespace_or_reported() {
        let workloads = vec![
            workload("dev", "Deployment", Some("a-dev"), "api"),
            workload("dev", "Deployment", Some("b-dev"), "api"),
            workload("prod", "Deployment", Some("a-prod"), "api"),
            workload("prod", "Deployment", Some("b-prod"), "api"),
        ];
        let pairing = pair(&workloads, &[]);
        assert_eq!(pairing.groups.len(), 2);
        assert!(pairing.ambiguities.is_empty());

        let workloads = vec![
            workload("dev", "Deployment", Some("x"), "api"),
            workload("dev", "Deployment", Some("y"), "api"),
            workload("prod", "Deployment", Some("z"), "api"),
        ];
        let pairing = pair(&workloads, &[]);
        assert!(pairing.groups.is_empty());
        assert_eq!(pairing.ambiguities.len(), 1);
        assert_eq!(pairing.ambiguities[0].members.len(), 3);
    }

    #[test]
    fn workloads_of_two_scopes_never_pair() {
        let mut a = workload("test", "Deployment", None, "nginx");
        a.scope = Arc::from("repo-a/rules/x");
        let mut b = workload("prod", "Deployment", None, "nginx");
        b.scope = Arc::from("repo-b/examples");
        assert!(pair(&[a, b], &[]).groups.is_empty());
    }

    #[test]
    fn kinds_never_pair_and_one_environment_pairs_nothing() {
        let workloads = vec![
            workload("dev", "Deployment", None, "api"),
            workload("prod", "StatefulSet", None, "api"),
        ];
        assert!(pair(&workloads, &[]).groups.is_empty());
        let workloads = vec![
            workload("dev", "Deployment", None, "api"),
            workload("dev", "Deployment", None, "web"),
        ];
        assert!(pair(&workloads, &[]).groups.is_empty());
    }

    #[test]
    fn common_affixes_need_two_names_and_a_dash() {
        let set = |names: &[&'static str]| names.iter().copied().collect::<BTreeSet<&str>>();
        assert_eq!(
            common_affixes(&set(&["dev-a-api", "dev-a-web"])),
            ("dev-a-".into(), String::new())
        );
        assert_eq!(
            common_affixes(&set(&["api-v2", "web-v2"])),
            (String::new(), "-v2".into())
        );
        assert_eq!(
            common_affixes(&set(&["frontend", "frontend-external"])),
            (String::new(), String::new())
        );
        assert_eq!(
            common_affixes(&set(&["api"])),
            (String::new(), String::new())
        );
    }

    proptest::proptest! {
        /// Any names (Unicode included), any environments: pairing never panics, and every
        /// group has one workload per environment.
        #[test]
        fn pairing_never_panics(
            names in proptest::collection::vec(("\\PC{0,12}", 0_usize..3, proptest::option::of("\\PC{0,8}")), 0..12)
        ) {
            let envs = ["dev", "staging", "prod"];
            let workloads: Vec<WorkloadSummary> = names
                .iter()
                .map(|(name, env, instance)| {
                    let mut w = workload(envs[*env], "Deployment", None, name);
                    w.instance = instance.clone();
                    w
                })
                .collect();
            let pairing = pair(&workloads, &[]);
            for group in &pairing.groups {
                proptest::prop_assert!(one_per_environment(&group.members, &workloads));
            }
        }
    }

    #[test]
    fn environments_in_promotion_order() {
        let workloads = vec![
            workload("prod", "Deployment", None, "api"),
            workload("xl", "Deployment", None, "api"),
            workload("dev", "Deployment", None, "api"),
            workload("staging", "Deployment", None, "api"),
        ];
        let pairing = pair(&workloads, &[]);
        let order: Vec<&str> = pairing.environments.iter().map(|e| e.as_ref()).collect();
        assert_eq!(order, ["dev", "staging", "prod", "xl"]);
    }
}
