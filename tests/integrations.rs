//! Where people meet kubelint besides the terminal: SARIF for code scanning and annotations
//! from the binary as the GitHub Action runs it, and the README snippets that
//! scripts/test-action.sh and scripts/test-pre-commit.sh prove.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn kubelint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubelint"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubelint")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The official SARIF 2.1.0 schema from testdata/sarif/ (see its README), compiled; the one
/// regex the validator cannot read strictly is escaped as in `src/report/sarif.rs`'s tests.
fn official_schema() -> jsonschema::Validator {
    const LANGUAGE: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    let text = read("testdata/sarif/sarif-2.1.0-rtm.5.json");
    assert_eq!(text.matches(LANGUAGE).count(), 2, "the schema file changed");
    let text = text.replace(LANGUAGE, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#);
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::draft4::new(&schema).expect("the official schema compiles")
}

fn sarif_of(paths: &[&str]) -> Value {
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(paths);
    let output = kubelint(&args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("SARIF is JSON")
}

/// What GitHub code scanning needs beyond the schema ("SARIF support for code scanning"):
/// required properties present and non-empty, descriptions within 1024 characters, a
/// repository-relative URI that names a file, a full region, and fingerprints.
fn assert_meets_github_requirements(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().is_some_and(|s| !s.is_empty()));
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "kubelint");
    let rules = driver["rules"].as_array().expect("rules");
    let text = |value: &Value| value.as_str().map(str::to_owned).unwrap_or_default();
    for rule in rules {
        let id = text(&rule["id"]);
        for key in ["shortDescription", "fullDescription"] {
            let description = text(&rule[key]["text"]);
            assert!(!description.is_empty(), "{id}: {key}");
            assert!(description.chars().count() <= 1024, "{id}: {key}");
        }
        assert!(
            text(&rule["help"]["text"]).contains("## What it does"),
            "{id}"
        );
        assert!(
            text(&rule["helpUri"]).ends_with(&format!("rules/{id}.md")),
            "{id}"
        );
        assert!(repo().join(format!("rules/{id}.md")).is_file(), "{id}");
        let level = text(&rule["defaultConfiguration"]["level"]);
        assert!(
            ["error", "warning", "note"].contains(&level.as_str()),
            "{id}"
        );
    }
    let results = run["results"].as_array().expect("results");
    assert!(!results.is_empty());
    for result in results {
        let rule = text(&result["ruleId"]);
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule.as_str());
        assert!(!text(&result["message"]["text"]).is_empty());
        let fingerprint = text(&result["partialFingerprints"]["kubelint/v1"]);
        assert_eq!(fingerprint.len(), 16, "{rule}");
        let locations = result["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1);
        let related = result["relatedLocations"].as_array().cloned();
        for location in locations.iter().chain(related.iter().flatten()) {
            let physical = &location["physicalLocation"];
            let uri = text(&physical["artifactLocation"]["uri"]);
            assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert!(
                !uri.contains("://") && !uri.starts_with(['/', '.']),
                "{uri}"
            );
            assert!(
                repo().join(&uri).is_file(),
                "{uri} names a file in the repository"
            );
            let region = &physical["region"];
            for key in ["startLine", "startColumn", "endLine", "endColumn"] {
                assert!(region[key].as_u64().is_some_and(|n| n >= 1), "{key}");
            }
        }
    }
}

#[test]
fn sarif_of_real_findings_is_valid_and_fit_for_code_scanning() {
    let log = sarif_of(&["testdata/example", "testdata/rollout-surge-scarce-resource"]);
    let schema = official_schema();
    let errors: Vec<String> = schema
        .iter_errors(&log)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    assert_meets_github_requirements(&log);

    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    let registered: Vec<&str> = kubelint::rules::registry()
        .entries()
        .iter()
        .map(|e| e.meta.id)
        .collect();
    let described: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(described, registered, "one descriptor per rule");
}

#[test]
fn fingerprints_survive_lines_moving() {
    let dir = tempfile::tempdir().expect("tempdir");
    let original = read("testdata/example/embedder.yaml");
    let file = dir.path().join("embedder.yaml");
    let fingerprints = |text: &str| {
        std::fs::write(&file, text).expect("write");
        let output = Command::new(env!("CARGO_BIN_EXE_kubelint"))
            .args(["check", "--format", "sarif", "embedder.yaml"])
            .current_dir(dir.path())
            .output()
            .expect("run kubelint");
        let log: Value = serde_json::from_slice(&output.stdout).expect("SARIF");
        let results = log["runs"][0]["results"].as_array().cloned();
        results
            .into_iter()
            .flatten()
            .map(|r| {
                (
                    r["partialFingerprints"]["kubelint/v1"].clone(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = fingerprints(&original);
    let after = fingerprints(&format!("# a comment\n# and another\n{original}"));
    assert_eq!(before.len(), 1);
    assert_eq!(before[0].0, after[0].0, "same fingerprint");
    assert_eq!(
        after[0].1.as_u64(),
        before[0].1.as_u64().map(|line| line + 2),
        "the line moved"
    );
}

#[test]
fn annotations_name_the_file_and_span() {
    let output = kubelint(&["check", "--format", "github", "testdata/example"]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(
            "::warning file=testdata/example/embedder.yaml,line=8,col=1,endLine=8,endColumn=5,\
             title=rollout-surge-scarce-resource::Deployment ml/embedder: rolling update"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("%0A  related: testdata/example/embedder.yaml:27:31: "),
        "{}",
        lines[0]
    );
    assert!(!lines[0].contains('\n'));
    assert_eq!(lines[1], "kubelint: 0 errors, 1 warning, 0 infos in 1 file");
}

/// The fenced block that follows `marker` in the README.
fn readme_block(marker: &str) -> String {
    let readme = read("README.md");
    let (_, after) = readme
        .split_once(marker)
        .unwrap_or_else(|| panic!("README has no `{marker}`"));
    let (_, block) = after.split_once("```yaml\n").expect("a yaml block follows");
    let (block, _) = block.split_once("```").expect("the block is closed");
    block.to_owned()
}

#[test]
fn the_readme_workflow_is_the_linted_example() {
    assert_eq!(
        readme_block("<!-- docs/examples/kubelint.yml -->"),
        read("docs/examples/kubelint.yml")
    );
}

#[test]
fn the_readme_pre_commit_snippet_uses_the_published_hooks() {
    let snippet = readme_block("<!-- .pre-commit-config.yaml -->");
    let hooks = read(".pre-commit-hooks.yaml");
    let ids: Vec<&str> = hooks
        .lines()
        .filter_map(|line| line.strip_prefix("- id: "))
        .collect();
    assert_eq!(ids, ["kubelint", "kubelint-all"]);
    let used: Vec<&str> = snippet
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- id: "))
        .filter_map(|rest| rest.split_whitespace().next())
        .collect();
    assert!(!used.is_empty(), "{snippet}");
    for id in used {
        assert!(
            ids.contains(&id),
            "`{id}` is not a hook of .pre-commit-hooks.yaml"
        );
    }
    assert!(snippet.contains("repo: https://github.com/kubelint/kubelint"));
}
