//! Every rule against its fixtures in testdata/<rule-id>/: files named `bad-*` must fire the
//! rule, `good-*` must not; the rendered diagnostic of each is held in an insta snapshot.

mod common;

use common::{lint_paths, relative, render};
use kubelint::rules::{doc_examples, registry};
use kubelint::{Config, LintOptions};

fn options(rule: &str) -> LintOptions {
    LintOptions {
        jobs: Some(1),
        select: vec![rule.to_string()],
        ..LintOptions::default()
    }
}

/// A fixture `x.yaml` is linted with the configuration in `x.kubelint` beside it, if any.
fn check_fixture(rule: &str, path: &std::path::Path) {
    let name = relative(path);
    let config = match std::fs::read_to_string(path.with_extension("kubelint")) {
        Ok(text) => Config::parse(".kubelint.yaml", &text).expect("fixture config"),
        Err(_) => Config::default(),
    };
    let report = lint_paths(&[&name], &config, &options(rule));
    let fired = report.findings.iter().filter(|f| f.rule == rule).count();
    let file_name = path.file_name().unwrap().to_string_lossy();
    if file_name.starts_with("bad-") {
        assert!(
            fired > 0,
            "{name}: expected {rule} to fire\n{}",
            render(&report)
        );
    } else {
        assert_eq!(
            fired,
            0,
            "{name}: expected {rule} to stay silent\n{}",
            render(&report)
        );
    }
    insta::assert_snapshot!("fixture", render(&report));
}

/// Every `testdata/<rule-id>/bad-*.yaml` and `good-*.yaml`, for every rule: adding a fixture
/// (or a rule with its fixture directory) needs no new test function.
#[test]
fn rule_fixtures() {
    insta::glob!("../testdata", "*/{bad,good}-*.yaml", |path| {
        let rule = path
            .parent()
            .and_then(|dir| dir.file_name())
            .map(|dir| dir.to_string_lossy().into_owned())
            .expect("a fixture lies in its rule's directory");
        let entry = registry()
            .get(&rule)
            .unwrap_or_else(|| panic!("testdata/{rule}/ names no rule"));
        check_fixture(entry.meta.id, path);
    });
}

#[test]
fn every_rule_has_failing_and_passing_fixtures() {
    for entry in registry().entries() {
        let id = entry.meta.id;
        let dir = common::repo().join("testdata").join(id);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("testdata/{id}/: {e}"))
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".yaml"))
            .collect();
        for prefix in ["bad-", "good-"] {
            assert!(
                names.iter().any(|name| name.starts_with(prefix)),
                "testdata/{id}/ has no {prefix}*.yaml fixture"
            );
        }
    }
}

#[test]
fn hpa_in_another_file_is_a_related_location() {
    let report = lint_paths(
        &["testdata/rollout-surge-scarce-resource/hpa-in-another-file"],
        &Config::default(),
        &options("rollout-surge-scarce-resource"),
    );
    assert_eq!(report.findings.len(), 1, "{}", render(&report));
    let finding = &report.findings[0];
    assert!(
        finding.message.contains("≤ 3 replicas"),
        "{}",
        finding.message
    );
    let hpa_file = finding
        .related
        .iter()
        .map(|r| report.files[r.location.file].name.as_str())
        .find(|name| name.ends_with("hpa.yaml"));
    assert!(hpa_file.is_some(), "{:?}", finding.related);
    insta::assert_snapshot!(render(&report));
}

fn capacity_config(text: &str) -> Config {
    Config::parse(".kubelint.yaml", text).expect("config")
}

#[test]
fn spare_capacity_decides_the_severity() {
    let file = "testdata/rollout-surge-scarce-resource/bad-three-replicas-defaults.yaml";
    let severity = |config: &Config| {
        let report = lint_paths(&[file], config, &options("rollout-surge-scarce-resource"));
        report.findings.first().map(|f| f.severity)
    };
    use kubelint::Severity::*;
    assert_eq!(severity(&Config::default()), Some(Warning));
    assert_eq!(
        severity(&capacity_config("capacity: {assumeNoSpare: true}\n")),
        Some(Error)
    );
    let gpu = |free: &str| {
        capacity_config(&format!(
            "capacity:\n  extendedResources:\n    nvidia.com/gpu: {free}\n"
        ))
    };
    assert_eq!(
        severity(&gpu("{freePerNode: 0, freeTotal: 0}")),
        Some(Error)
    );
    assert_eq!(severity(&gpu("{freeTotal: 0}")), Some(Error));
    // One spare GPU on a node lets the single surge pod start: no finding.
    assert_eq!(severity(&gpu("{freePerNode: 1, freeTotal: 1}")), None);
    // A configured level replaces the rule's own.
    let levelled = capacity_config("rules:\n  rollout-surge-scarce-resource: info\n");
    assert_eq!(severity(&levelled), Some(Info));
    let off = capacity_config("rules:\n  rollout-surge-scarce-resource: off\n");
    assert_eq!(severity(&off), None);
}

#[test]
fn rule_document_examples_behave_as_marked() {
    for entry in registry().entries() {
        let examples = doc_examples(entry.meta.body);
        let id = entry.meta.id;
        for (bad, yaml) in examples {
            let report = common::lint_text(&yaml, &Config::default(), &options(id));
            let fired = report.findings.iter().any(|f| f.rule == id);
            assert_eq!(
                fired,
                bad,
                "rules/{id}.md example marked {}:\n{yaml}\n{}",
                if bad { "bad" } else { "good" },
                render(&report)
            );
        }
    }
}

#[test]
fn every_rule_has_a_document_an_implementation_and_examples() {
    let docs: Vec<String> = std::fs::read_dir(common::repo().join("rules"))
        .expect("rules/")
        .map(|e| {
            e.expect("entry")
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".md")
                .to_string()
        })
        .collect();
    for id in &docs {
        assert!(
            registry().get(id).is_some(),
            "rules/{id}.md is not registered"
        );
        let source = common::repo()
            .join("src/rules")
            .join(format!("{}.rs", id.replace('-', "_")));
        assert!(
            source.is_file(),
            "rules/{id}.md has no {}",
            source.display()
        );
    }
    for entry in registry().entries() {
        assert!(
            docs.iter().any(|d| d == entry.meta.id),
            "{} has no document",
            entry.meta.id
        );
        let examples = doc_examples(entry.meta.body);
        assert!(
            examples.iter().any(|(bad, _)| *bad),
            "{} has no bad example",
            entry.meta.id
        );
        assert!(
            examples.iter().any(|(bad, _)| !*bad),
            "{} has no good example",
            entry.meta.id
        );
    }
}

#[test]
fn readme_rule_table_matches_the_rule_documents() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md");
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| [`")).collect();
    assert_eq!(
        rows.len(),
        registry().entries().len(),
        "one README row per rule"
    );
    for entry in registry().entries() {
        let meta = &entry.meta;
        let row = format!(
            "| [`{id}`](rules/{id}.md) | {} | {} |",
            meta.severity,
            meta.summary,
            id = meta.id
        );
        assert!(
            rows.contains(&row.as_str()),
            "README.md needs the row:\n{row}"
        );
    }
}

#[test]
fn an_hpa_far_away_in_another_tree_does_not_scale_the_deployment() {
    // Same namespace, kind and name, but in another repository's tree: unrelated. Without the
    // HPA the Deployment runs 4 replicas, where the default strategy never waits.
    let report = lint_paths(
        &["testdata/rollout-surge-scarce-resource/hpa-far-away"],
        &Config::default(),
        &options("rollout-surge-scarce-resource"),
    );
    assert!(report.findings.is_empty(), "{}", render(&report));
}

#[test]
fn gunicorn_config_in_another_file_is_where_the_finding_points() {
    let report = lint_paths(
        &["testdata/gunicorn-max-requests-missing/configmap-in-another-file"],
        &Config::default(),
        &options("gunicorn-max-requests-missing"),
    );
    assert_eq!(report.findings.len(), 1, "{}", render(&report));
    let finding = &report.findings[0];
    assert_eq!(finding.severity, kubelint::Severity::Warning);
    assert!(
        report.files[finding.location.file]
            .name
            .ends_with("gunicorn-config.yaml")
    );
    // `max_requests = 0` is line 11 of the ConfigMap file.
    assert_eq!((finding.location.line, finding.location.column), (11, 5));
    insta::assert_snapshot!(render(&report));
}

#[test]
fn claim_in_another_file_is_a_related_location() {
    let report = lint_paths(
        &["testdata/rollout-surge-rwop-volume/claim-in-another-file"],
        &Config::default(),
        &options("rollout-surge-rwop-volume"),
    );
    assert_eq!(report.findings.len(), 1, "{}", render(&report));
    let finding = &report.findings[0];
    assert!(
        report.files[finding.location.file]
            .name
            .ends_with("deployment.yaml")
    );
    let claim = finding
        .related
        .iter()
        .find(|r| {
            report.files[r.location.file]
                .name
                .ends_with("storage/pvc.yaml")
        })
        .expect("the claim's accessModes are related");
    assert_eq!(claim.location.line, 7, "{:?}", claim.location);
    insta::assert_snapshot!(render(&report));
}

#[test]
fn a_thread_count_from_a_configmap_in_another_file_points_at_its_line() {
    let report = lint_paths(
        &["testdata/threads-exceed-cpu-limit/configmap-in-another-file"],
        &Config::default(),
        &options("threads-exceed-cpu-limit"),
    );
    assert_eq!(report.findings.len(), 1, "{}", render(&report));
    let finding = &report.findings[0];
    let file = &report.files[finding.location.file].name;
    assert!(file.ends_with("tuning/configmap.yaml"), "{file}");
    assert_eq!(finding.location.line, 8);
    assert!(
        finding.message.contains("× 3 processes = 24"),
        "{}",
        finding.message
    );
    let related_files: Vec<&str> = finding
        .related
        .iter()
        .map(|r| report.files[r.location.file].name.as_str())
        .collect();
    assert!(
        related_files.iter().any(|f| f.ends_with("deployment.yaml")),
        "{related_files:?}"
    );
    insta::assert_snapshot!(render(&report));
}

#[test]
fn pdb_workload_in_another_file_is_a_related_location() {
    let report = lint_paths(
        &["testdata/pdb-blocks-eviction/workload-in-another-file"],
        &Config::default(),
        &options("pdb-blocks-eviction"),
    );
    assert_eq!(report.findings.len(), 1, "{}", render(&report));
    let finding = &report.findings[0];
    assert!(
        report.files[finding.location.file]
            .name
            .ends_with("pdb/pdb.yaml")
    );
    let replicas = finding
        .related
        .iter()
        .find(|r| {
            report.files[r.location.file]
                .name
                .ends_with("deployment.yaml")
        })
        .expect("the Deployment's replicas are related");
    // No replicas field: the default, at the Deployment's `spec`.
    assert!(
        replicas.message.contains("defaults to 1"),
        "{}",
        replicas.message
    );
    insta::assert_snapshot!(render(&report));
}

#[test]
fn a_base_whose_replicas_an_overlay_patches_is_not_judged() {
    let run = |paths: &[&str]| {
        lint_paths(paths, &Config::default(), &options("pdb-blocks-eviction"))
            .findings
            .len()
    };
    // The base alone blocks (1 replica, minAvailable 2); with the overlay that patches its
    // replicas, the base is not what is applied.
    assert_eq!(
        run(&["testdata/pdb-blocks-eviction/patched-by-overlay/base"]),
        1
    );
    assert_eq!(run(&["testdata/pdb-blocks-eviction/patched-by-overlay"]), 0);
}

#[test]
fn a_budget_with_its_workload_in_one_file_ignores_neighbouring_files() {
    let report = lint_paths(
        &["testdata/pdb-blocks-eviction/self-contained-file"],
        &Config::default(),
        &options("pdb-blocks-eviction"),
    );
    // Counting the neighbour's 5 replicas would allow evictions; the budget's own file says 1.
    assert_eq!(report.findings.len(), 1, "{}", render(&report));
    assert!(report.findings[0].message.contains("at 1 replica(s)"));
}
