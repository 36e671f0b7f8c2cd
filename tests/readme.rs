//! The README's snippets, run as a user would paste them: fenced blocks tagged after their
//! language (```` ```yaml config````, ```` ```yaml suppressed````, ```` ```sh baseline````,
//! ```` ```sh init````) are extracted and exercised here, so the README cannot drift from
//! what kubelint does.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use kubelint::config::Config;
use kubelint::{LintOptions, Severity};

/// Every block of the README whose info string is `lang tag`, in order.
fn blocks(lang: &str, tag: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).expect("README.md");
    let info = format!("```{lang} {tag}");
    let mut found = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim() == info {
            let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            found.push(body.join("\n") + "\n");
        }
    }
    assert!(!found.is_empty(), "README.md has no {info} block");
    found
}

/// Runs one README command line (`kubelint …`, with an optional trailing `# comment`).
fn run(line: &str, dir: &Path) -> Output {
    let command = line.split(" #").next().unwrap_or(line);
    let mut words = command.split_whitespace();
    assert_eq!(words.next(), Some("kubelint"), "a kubelint command: {line}");
    Command::new(env!("CARGO_BIN_EXE_kubelint"))
        .args(words)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubelint")
}

fn commands(block: &str) -> Vec<&str> {
    block
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// A manifest with one finding (a single-replica GPU Deployment).
fn bad_manifest(name: &str) -> String {
    std::fs::read_to_string(common::repo().join("testdata/example/embedder.yaml"))
        .expect("the bundled example")
        .replace("name: embedder", &format!("name: {name}"))
}

#[test]
fn config_snippets_load_and_validate_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("schema/kubelint.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    for block in blocks("yaml", "config") {
        let config = Config::parse(".kubelint.yaml", &block)
            .unwrap_or_else(|e| panic!("{}: {}\n{block}", e.position, e.message));
        assert_ne!(
            config,
            Config::default(),
            "the snippet configures something"
        );
        let doc = match kubelint::yaml::Loader::new(&block).next() {
            Some(kubelint::yaml::Loaded::Document(doc)) => doc,
            _ => panic!("not YAML: {block}"),
        };
        let value: serde_json::Value =
            kubelint::yaml::from_node(&doc, doc.root.expect("a mapping")).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{block}");
    }
}

/// The block with every suppression taken out: ignore annotations and `# kubelint:` comments.
fn without_suppressions(block: &str) -> String {
    block
        .lines()
        .filter(|line| !line.contains("kubelint.io/ignore"))
        .filter_map(|line| match line.find("# kubelint:") {
            Some(at) if line[..at].trim().is_empty() => None,
            Some(at) => Some(line[..at].trim_end()),
            None => Some(line),
        })
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn suppression_snippets_suppress_what_fires_without_them() {
    let options = LintOptions {
        jobs: Some(1),
        ..LintOptions::default()
    };
    for block in blocks("yaml", "suppressed") {
        let bare = common::lint_text(&without_suppressions(&block), &Config::default(), &options);
        assert!(
            bare.findings
                .iter()
                .any(|f| f.severity >= Severity::Warning),
            "without its suppression the snippet must fire:\n{block}"
        );
        let report = common::lint_text(&block, &Config::default(), &options);
        assert!(
            report.findings.is_empty(),
            "{}\n{block}",
            common::render(&report)
        );
        assert_eq!(report.summary.suppressed, bare.findings.len(), "{block}");
        assert!(
            report.suppressed.iter().all(|s| s.by.reason().is_some()),
            "the README's snippets show a reason"
        );
    }
}

#[test]
fn the_schema_line_the_readme_shows_is_the_one_init_writes() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let line = format!(
        "# yaml-language-server: $schema={}",
        kubelint::config::SCHEMA_URL
    );
    assert!(readme.contains(&line), "README.md shows {line}");
    assert!(kubelint::init::starter().starts_with(&line));
}

#[test]
fn init_snippet_writes_a_config() {
    let dir = tempfile::tempdir().unwrap();
    for line in commands(&blocks("sh", "init")[0]) {
        let output = run(line, dir.path());
        assert_eq!(output.status.code(), Some(0), "{line}");
    }
    Config::load(&dir.path().join(".kubelint.yaml")).expect("a config that loads");
}

#[test]
fn baseline_snippet_adopts_then_fails_only_on_new_findings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("deploy")).unwrap();
    for i in 0..3 {
        std::fs::write(
            root.join(format!("deploy/old-{i}.yaml")),
            bad_manifest(&format!("old-{i}")),
        )
        .unwrap();
    }
    let block = &blocks("sh", "baseline")[0];
    let lines = commands(block);
    assert!(lines.len() >= 2, "{block}");
    for line in &lines {
        let output = run(line, root);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{line}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    std::fs::write(root.join("deploy/new.yaml"), bad_manifest("new")).unwrap();
    let after = run(lines[1], root);
    assert_eq!(
        after.status.code(),
        Some(1),
        "a new finding fails: {}",
        lines[1]
    );
    let text = String::from_utf8_lossy(&after.stdout);
    assert!(text.contains("deploy/new.yaml"), "{text}");
    assert!(!text.contains("deploy/old-0.yaml"), "{text}");
    assert!(text.ends_with("(3 suppressed)\n"), "{text}");
}
