//! Adopting kubelint on a repository that already has findings: one `--write-baseline`, then
//! `--baseline` fails only on new findings, however the lines of the old ones move.

use std::path::Path;
use std::process::{Command, Output};

fn kubelint(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubelint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubelint")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A single-replica GPU Deployment: one `rollout-surge-scarce-resource` finding.
fn gpu(name: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: example/{name}:1
          resources:
            requests:
              cpu: 500m
              memory: 1Gi
            limits:
              memory: 1Gi
              nvidia.com/gpu: 1
"
    )
}

/// A ConfigMap whose data value is a number: one `invalid-object` finding.
fn invalid(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  workers: 4\n")
}

/// A repository with exactly 50 findings: 40 GPU Deployments, 8 invalid ConfigMaps, and one
/// file that holds the same Deployment twice (two findings with one fingerprint).
fn repository(root: &Path) {
    let deploy = root.join("deploy");
    std::fs::create_dir_all(deploy.join("jobs")).unwrap();
    for i in 0..40 {
        std::fs::write(
            deploy.join(format!("gpu-{i:02}.yaml")),
            gpu(&format!("gpu-{i}")),
        )
        .unwrap();
    }
    for i in 0..8 {
        std::fs::write(
            deploy.join("jobs").join(format!("settings-{i}.yaml")),
            invalid(&format!("settings-{i}")),
        )
        .unwrap();
    }
    std::fs::write(
        deploy.join("twice.yaml"),
        format!("{}---\n{}", gpu("twice"), gpu("twice")),
    )
    .unwrap();
}

#[test]
fn a_repository_with_50_findings_adopts_kubelint_in_one_command_then_fails_only_on_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    repository(root);

    let before = json(&kubelint(&["check", ".", "--format", "json"], root));
    assert_eq!(before["findings"].as_array().unwrap().len(), 50);

    // Adoption: one command, exit 0, and the report says the findings are now suppressed.
    let adopt = kubelint(
        &["check", ".", "--write-baseline", ".kubelint-baseline.json"],
        root,
    );
    assert_eq!(adopt.status.code(), Some(0), "{}", stderr(&adopt));
    assert!(
        stderr(&adopt).contains("recorded 50 findings in .kubelint-baseline.json"),
        "{}",
        stderr(&adopt)
    );
    assert!(
        String::from_utf8_lossy(&adopt.stdout)
            .ends_with("no problems in 49 files (50 suppressed)\n")
    );
    let written = std::fs::read_to_string(root.join(".kubelint-baseline.json")).unwrap();
    let baseline: serde_json::Value = serde_json::from_str(&written).unwrap();
    let entries = baseline["findings"].as_array().unwrap();
    assert_eq!(entries.len(), 49, "the duplicate is one entry");
    let twice = entries
        .iter()
        .find(|e| e["file"] == "deploy/twice.yaml")
        .unwrap();
    assert_eq!(twice["count"], 2);
    assert_eq!(twice["object"], "Deployment twice");
    assert_eq!(twice["path"], "spec.strategy.rollingUpdate.maxUnavailable");

    // Writing it again gives the same bytes: the file is deterministic and reviewable.
    kubelint(&["check", ".", "--write-baseline", "again.json"], root);
    assert_eq!(
        std::fs::read_to_string(root.join("again.json")).unwrap(),
        written
    );
    std::fs::remove_file(root.join("again.json")).unwrap();

    // From now on: clean, from the root and from a subdirectory.
    let clean = kubelint(
        &["check", ".", "--baseline", ".kubelint-baseline.json"],
        root,
    );
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    let below = kubelint(
        &["check", ".", "--baseline", "../.kubelint-baseline.json"],
        &root.join("deploy"),
    );
    assert_eq!(below.status.code(), Some(0), "{}", stderr(&below));

    // The old findings move (a comment block on top of every file, a key inserted above the
    // finding) while a new bad manifest and a third copy of the duplicate appear.
    for entry in walk(&root.join("deploy")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let moved = text.replace(
            "spec:\n  replicas",
            "spec:\n  revisionHistoryLimit: 3\n  replicas",
        );
        std::fs::write(
            &entry,
            format!("# Owned by the platform team.\n# Reviewed.\n\n{moved}"),
        )
        .unwrap();
    }
    std::fs::write(root.join("deploy/new.yaml"), gpu("new")).unwrap();
    let twice = std::fs::read_to_string(root.join("deploy/twice.yaml")).unwrap();
    std::fs::write(
        root.join("deploy/twice.yaml"),
        format!("{twice}---\n{}", gpu("twice")),
    )
    .unwrap();

    let output = kubelint(
        &[
            "check",
            ".",
            "--baseline",
            ".kubelint-baseline.json",
            "--format",
            "json",
        ],
        root,
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let new: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap(),
                f["object"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        new,
        [("deploy/new.yaml", "new"), ("deploy/twice.yaml", "twice")],
        "only the new findings"
    );
    assert_eq!(
        report["findings"][1]["object"]["document"], 3,
        "the third copy"
    );
    assert_eq!(report["summary"]["suppressed"], 50);

    // A fixed finding leaves an entry that matches nothing: said on stderr, still exit 0.
    std::fs::remove_file(root.join("deploy/new.yaml")).unwrap();
    std::fs::write(root.join("deploy/twice.yaml"), twice).unwrap();
    std::fs::remove_file(root.join("deploy/gpu-00.yaml")).unwrap();
    let fixed = kubelint(
        &["check", ".", "--baseline", ".kubelint-baseline.json"],
        root,
    );
    assert_eq!(fixed.status.code(), Some(0), "{}", stderr(&fixed));
    assert!(
        stderr(&fixed).contains("1 baseline entry of .kubelint-baseline.json matched nothing"),
        "{}",
        stderr(&fixed)
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_baseline_that_cannot_be_read_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), gpu("a")).unwrap();
    let missing = kubelint(&["check", ".", "--baseline", "nope.json"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("nope.json: cannot read the baseline"),
        "{}",
        stderr(&missing)
    );
    assert!(
        missing.stdout.is_empty(),
        "no report when the baseline is unusable"
    );

    std::fs::write(
        dir.path().join("bad.json"),
        "{\"version\": 1, \"findings\": [{]}",
    )
    .unwrap();
    let garbage = kubelint(&["check", ".", "--baseline", "bad.json"], dir.path());
    assert_eq!(garbage.status.code(), Some(2));
    assert!(
        stderr(&garbage).contains("bad.json: not a kubelint baseline (line 1, column"),
        "{}",
        stderr(&garbage)
    );

    let both = kubelint(
        &[
            "check",
            ".",
            "--baseline",
            "a.json",
            "--write-baseline",
            "b.json",
        ],
        dir.path(),
    );
    assert_eq!(
        both.status.code(),
        Some(2),
        "the two flags exclude each other"
    );
}

#[test]
fn show_suppressed_lists_baselined_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yaml"), gpu("a")).unwrap();
    kubelint(&["check", ".", "--write-baseline", "b.json"], dir.path());
    let report = json(&kubelint(
        &[
            "check",
            ".",
            "--baseline",
            "b.json",
            "--format",
            "json",
            "--show-suppressed",
        ],
        dir.path(),
    ));
    assert_eq!(report["suppressed"][0]["object"]["name"], "a");
    assert_eq!(
        report["suppressed"][0]["suppression"],
        serde_json::json!({"kind": "baseline", "reason": null, "line": null})
    );
}
