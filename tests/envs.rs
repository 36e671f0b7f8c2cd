//! Environments end to end: a dev/staging/prod tree rendered with Kustomize-style name
//! prefixes and namespaces that differ, Helm renders told apart by release name, HPAs scoped
//! to their environment, and the `kubelint envs` table in its three formats.

mod common;

use common::repo;
use kubelint::engine::lint_with_index;
use kubelint::env::pairing::Stage;
use kubelint::report::envs_table::{self, Marking, TABLE_RULES};
use kubelint::walk::{WalkOptions, discover};
use kubelint::{Config, LintOptions, Report};

fn lint_tree(path: &str, rules: &[&str]) -> (Report, kubelint::k8s::ObjectIndex) {
    let discovered = discover(&[repo().join(path)], &WalkOptions::default());
    assert!(discovered.errors.is_empty(), "{:?}", discovered.errors);
    let options = LintOptions {
        jobs: Some(1),
        select: rules.iter().map(|r| r.to_string()).collect(),
        ..LintOptions::default()
    };
    let (mut report, index) =
        lint_with_index(&discovered.inputs, None, &Config::default(), &options);
    let root = format!("{}/", repo().display());
    for file in &mut report.files {
        file.name = file.name.replace(&root, "");
    }
    (report, index)
}

fn file_of(report: &Report, id: usize) -> &str {
    &report.files[id].name
}

#[test]
fn dev_left_behind_fires_at_its_value_with_prod_as_related() {
    let (report, _) = lint_tree("testdata/envs/shop", &["env-resources-far-below"]);
    let memory_limit = report
        .findings
        .iter()
        .find(|f| {
            f.path.as_deref() == Some("spec.template.spec.containers[0].resources.limits.memory")
        })
        .expect("dev's memory limit is far below prod's");
    assert_eq!(memory_limit.environment.as_deref(), Some("dev"));
    assert_eq!(
        file_of(&report, memory_limit.location.file),
        "testdata/envs/shop/dev/rendered.yaml"
    );
    assert_eq!(
        (memory_limit.location.line, memory_limit.location.column),
        (40, 21)
    );
    let related = &memory_limit.related[0];
    assert_eq!(
        file_of(&report, related.location.file),
        "testdata/envs/shop/prod/rendered.yaml"
    );
    assert_eq!(related.location.line, 40);
    assert_eq!(related.message, "prod: limits.memory=2Gi");
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.environment.as_deref() == Some("dev")),
        "staging at 67% of prod stays silent, and so does the worker sized alike everywhere"
    );
    insta::assert_snapshot!(common::render(&report));
}

#[test]
fn kustomize_prefixes_and_origins_pair_the_tree() {
    let (_, index) = lint_tree("testdata/envs/shop", &["env-resources-far-below"]);
    let workloads = index.workloads();
    let pairing = index.pairing(&[]);
    let envs: Vec<&str> = pairing.environments.iter().map(|e| e.as_ref()).collect();
    assert_eq!(envs, ["dev", "staging", "prod"]);
    let groups: Vec<(Stage, Vec<String>)> = pairing
        .groups
        .iter()
        .map(|g| {
            (
                g.by,
                g.members
                    .iter()
                    .map(|&i| {
                        let w = &workloads[i];
                        format!(
                            "{}/{}",
                            w.object.namespace.as_deref().unwrap_or(""),
                            w.name()
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (
                Stage::BaseName,
                vec![
                    "shop-dev/dev-shop-api".to_string(),
                    "shop-staging/staging-shop-api".into(),
                    "shop/prod-shop-api".into()
                ]
            ),
            (
                Stage::KustomizeOrigin,
                vec![
                    "shop-dev/dev-shop-worker".to_string(),
                    "shop-staging/staging-shop-worker".into(),
                    "shop/prod-shop-worker".into()
                ]
            ),
        ]
    );
}

#[test]
fn helm_releases_pair_and_findings_carry_their_origin() {
    let (report, index) = lint_tree("testdata/envs/helm", &["env-resources-far-below"]);
    assert_eq!(index.pairing(&[]).groups.len(), 1);
    let finding = report
        .findings
        .first()
        .expect("dev's memory is an eighth of prod's");
    assert_eq!(finding.environment.as_deref(), Some("dev"));
    assert_eq!(
        finding.origin.as_deref(),
        Some("shop/templates/deployment.yaml")
    );
    let mut json = Vec::new();
    kubelint::report::json::write(&report, &mut json).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(json["findings"][0]["environment"], "dev");
    assert_eq!(
        json["findings"][0]["origin"],
        "shop/templates/deployment.yaml"
    );
    let human = common::render(&report);
    assert!(
        human.contains("rendered from shop/templates/deployment.yaml"),
        "{human}"
    );
}

#[test]
fn an_hpa_in_prod_never_scales_devs_deployment() {
    let (report, _) = lint_tree("testdata/envs/hpa", &["rollout-surge-scarce-resource"]);
    let files: Vec<&str> = report
        .findings
        .iter()
        .map(|f| file_of(&report, f.location.file))
        .collect();
    assert_eq!(
        files,
        ["testdata/envs/hpa/prod/deployment.yaml"],
        "{:#?}",
        report.findings
    );
    assert_eq!(report.findings[0].environment.as_deref(), Some("prod"));
}

fn table(path: &str) -> envs_table::EnvTable {
    let (report, index) = lint_tree(path, &TABLE_RULES);
    envs_table::build(&index, &Config::default(), &report.findings)
}

#[test]
fn envs_table_plain() {
    let table = table("testdata/envs/shop");
    let mut out = Vec::new();
    envs_table::write_plain(&table, Marking::Markers, &mut out).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn envs_table_markdown() {
    let table = table("testdata/envs/shop");
    let mut out = Vec::new();
    envs_table::write_markdown(&table, &mut out).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn envs_table_json() {
    let table = table("testdata/envs/shop");
    let mut out = Vec::new();
    envs_table::write_json(&table, &mut out).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn envs_table_colours_on_a_terminal() {
    let table = table("testdata/envs/shop");
    let mut out = Vec::new();
    envs_table::write_plain(&table, Marking::Colour, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("\x1b[1;31m512Mi\x1b[0m"), "{text}");
    assert!(!text.contains(" !!"), "{text}");
}

#[test]
fn real_kustomize_renders_pair_across_namespaces() {
    let (report, index) = lint_tree("testdata/real-renders/bank-of-anthos", &TABLE_RULES);
    let workloads = index.workloads();
    let pairing = index.pairing(&[]);
    let groups: Vec<Vec<String>> = pairing
        .groups
        .iter()
        .map(|g| {
            g.members
                .iter()
                .map(|&i| {
                    let w = &workloads[i];
                    format!(
                        "{} {}/{}",
                        w.environment,
                        w.object.namespace.as_deref().unwrap_or("-"),
                        w.name()
                    )
                })
                .collect()
        })
        .collect();
    assert_eq!(
        groups,
        [[
            "development -/frontend",
            "staging bank-of-anthos-staging/frontend",
            "production bank-of-anthos-production/frontend"
        ]]
    );
    assert!(report.findings.is_empty(), "{}", common::render(&report));
}

#[test]
fn real_renders_find_the_environment_left_behind() {
    let (report, _) = lint_tree(
        "testdata/real-renders/notification-manifests",
        &["env-resources-far-below", "env-limit-below-peer-request"],
    );
    let found: Vec<(&str, &str, &str, &str)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.rule,
                f.environment.as_deref().unwrap_or(""),
                f.object
                    .as_ref()
                    .and_then(|o| o.name.as_deref())
                    .unwrap_or(""),
                f.related[0].message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "env-resources-far-below",
                "dev",
                "cloudwatch-agent",
                "production: limits.memory=1000Mi"
            ),
            (
                "env-resources-far-below",
                "dev",
                "fluent-bit",
                "staging: limits.memory=500Mi"
            ),
            (
                "env-resources-far-below",
                "production",
                "fluent-bit",
                "staging: limits.memory=500Mi"
            ),
        ]
    );
}

/// The same object (kind, namespace, name, document) is in every environment's render: only
/// the environment left behind is marked.
#[test]
fn envs_table_marks_only_the_environment_that_fires() {
    let table = table("testdata/real-renders/notification-manifests");
    assert_eq!(table.environments, ["dev", "staging", "production"]);
    let row = table
        .rows
        .iter()
        .find(|r| r.container == "cloudwatch-agent")
        .expect("cloudwatch-agent is paired");
    let limit = row
        .fields
        .iter()
        .find(|f| f.field == "limits.memory")
        .unwrap();
    let marked: Vec<(&str, bool)> = limit
        .cells
        .iter()
        .map(|c| (c.value.as_str(), c.severity.is_some()))
        .collect();
    assert_eq!(
        marked,
        [("200Mi", true), ("1000Mi", false), ("1000Mi", false)]
    );
    let mut out = Vec::new();
    envs_table::write_plain(&table, Marking::Markers, &mut out).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

/// Sizes named in the configuration: a smaller size below a larger one is by design; a larger
/// size below a smaller one was left behind.
#[test]
fn sizes_report_only_a_larger_size_below_a_smaller_one() {
    let config = Config::parse(
        ".kubelint.yaml",
        "environments:\n  - {name: s, path: testdata/envs/sizes/s.yaml}\n  - {name: xl, path: testdata/envs/sizes/xl.yaml}\n",
    )
    .unwrap();
    let discovered = discover(
        &[repo().join("testdata/envs/sizes")],
        &WalkOptions::default(),
    );
    let options = LintOptions {
        jobs: Some(1),
        select: vec!["env-resources-far-below".into()],
        ..LintOptions::default()
    };
    let (report, _) = lint_with_index(&discovered.inputs, None, &config, &options);
    let found: Vec<(&str, &str, &str)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.environment.as_deref().unwrap_or(""),
                f.object
                    .as_ref()
                    .and_then(|o| o.name.as_deref())
                    .unwrap_or(""),
                f.related[0].message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("xl", "indexer", "s: requests.memory=4Gi"),
            ("xl", "indexer", "s: limits.memory=4Gi"),
        ]
    );
}
