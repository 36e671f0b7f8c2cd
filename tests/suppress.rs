//! Suppressions as a user writes them, through the binary: the `kubelint.io/ignore`
//! annotation, `# kubelint: ignore` comments (in plain files and in `helm template` output),
//! the summary count and `--show-suppressed` in human and JSON output.

use std::path::Path;
use std::process::{Command, Output};

fn kubelint(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubelint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "200")
        .output()
        .expect("run kubelint")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

/// A GPU Deployment with one replica and no strategy: `rollout-surge-scarce-resource` fires at
/// `spec` (the strategy is absent). `metadata_extra` goes under `metadata:`, `template_extra`
/// under the pod template's `metadata:`, both indented by the caller.
fn gpu_deployment(name: &str, metadata_extra: &str, template_extra: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: ml
{metadata_extra}spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
{template_extra}    spec:
      containers:
        - name: {name}
          image: example/{name}:1
          resources:
            requests: {{cpu: 500m, memory: 1Gi}}
            limits: {{memory: 1Gi, nvidia.com/gpu: 1}}
"
    )
}

const RULE: &str = "rollout-surge-scarce-resource";

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

#[test]
fn the_unsuppressed_manifest_fires() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &gpu_deployment("a", "", ""));
    let output = kubelint(&["check", "a.yaml", "--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["findings"][0]["rule"], RULE);
    assert_eq!(report["findings"][0]["line"], 6, "at `spec`");
}

#[test]
fn the_annotation_on_the_object_or_its_pod_template_suppresses_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let on_object = gpu_deployment(
        "a",
        &format!(
            "  annotations:\n    kubelint.io/ignore: \"{RULE}\"\n    kubelint.io/ignore-reason: \"one spare GPU node is kept for rollouts\"\n"
        ),
        "",
    );
    let on_template = gpu_deployment(
        "b",
        "",
        &format!("      annotations:\n        kubelint.io/ignore: \"invalid-object, {RULE}\"\n"),
    );
    write(dir.path(), "a.yaml", &on_object);
    write(dir.path(), "b.yaml", &on_template);

    let output = kubelint(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(
        stdout(&output),
        "kubelint: no problems in 2 files (2 suppressed)\n"
    );

    let shown = kubelint(&["check", ".", "--show-suppressed"], dir.path());
    assert_eq!(
        shown.status.code(),
        Some(0),
        "suppressed findings never fail"
    );
    let text = stdout(&shown);
    assert!(
        text.contains("suppressed by the kubelint.io/ignore annotation at line 7: one spare GPU node is kept for rollouts"),
        "{text}"
    );
    assert!(text.contains("Deployment ml/b"), "{text}");
    assert!(text.contains("☞"), "shown as advice: {text}");

    let report = json(&kubelint(
        &["check", ".", "--format", "json", "--show-suppressed"],
        dir.path(),
    ));
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["summary"]["suppressed"], 2);
    let suppressed = report["suppressed"].as_array().expect("suppressed array");
    assert_eq!(suppressed.len(), 2);
    assert_eq!(suppressed[0]["file"], "a.yaml");
    assert_eq!(
        suppressed[0]["suppression"],
        serde_json::json!({"kind": "annotation", "reason": "one spare GPU node is kept for rollouts", "line": 7})
    );
    assert_eq!(
        suppressed[1]["suppression"]["reason"],
        serde_json::Value::Null
    );

    // Without --show-suppressed the JSON shape is the contract's, with only the count.
    let plain = json(&kubelint(&["check", ".", "--format", "json"], dir.path()));
    assert!(plain.get("suppressed").is_none());
    assert_eq!(plain["summary"]["suppressed"], 2);
}

#[test]
fn an_annotation_for_another_rule_or_object_suppresses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let other_rule = gpu_deployment(
        "a",
        "  annotations:\n    kubelint.io/ignore: \"invalid-object\"\n",
        "",
    );
    // Two objects in one file: the annotation of the first does not cover the second.
    let text = format!(
        "{}---\n{}",
        gpu_deployment(
            "b",
            &format!("  annotations:\n    kubelint.io/ignore: {RULE}\n"),
            ""
        ),
        gpu_deployment("c", "", "")
    );
    write(dir.path(), "a.yaml", &other_rule);
    write(dir.path(), "bc.yaml", &text);
    let report = json(&kubelint(&["check", ".", "--format", "json"], dir.path()));
    let names: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "c"]);
    assert_eq!(report["summary"]["suppressed"], 1);
}

#[test]
fn comments_survive_helm_template_and_cover_the_object_or_the_key_below() {
    let dir = tempfile::tempdir().unwrap();
    // What `helm template` prints for three templates that carry a comment: above the object
    // (under helm's `# Source:`), above the `spec:` key, and above `metadata:` (a key that
    // does not hold the finding, so the finding stays).
    let rendered = format!(
        "---\n# Source: llm/templates/embedder.yaml\n# kubelint: ignore {RULE} -- the GPU pool keeps a spare node\n{}---\n# Source: llm/templates/reranker.yaml\n{}---\n# Source: llm/templates/ocr.yaml\n{}",
        gpu_deployment("embedder", "", ""),
        gpu_deployment("reranker", "", "").replace(
            "\nspec:\n",
            &format!("\n# kubelint: ignore {RULE}\nspec:\n")
        ),
        gpu_deployment("ocr", "", "").replace(
            "\nmetadata:\n",
            &format!("\n# kubelint: ignore {RULE}\nmetadata:\n")
        ),
    );
    write(dir.path(), "rendered.yaml", &rendered);
    // Piped in, as `helm template … | kubelint check -` does.
    let output = Command::new(env!("CARGO_BIN_EXE_kubelint"))
        .args(["check", "-", "--format", "json", "--show-suppressed"])
        .current_dir(dir.path())
        .stdin(std::fs::File::open(dir.path().join("rendered.yaml")).unwrap())
        .output()
        .expect("run kubelint");
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["object"]["name"], "ocr");
    let suppressed = report["suppressed"].as_array().unwrap();
    let by: Vec<(&str, &serde_json::Value, &serde_json::Value)> = suppressed
        .iter()
        .map(|s| {
            (
                s["object"]["name"].as_str().unwrap(),
                &s["suppression"]["line"],
                &s["suppression"]["reason"],
            )
        })
        .collect();
    assert_eq!(
        by,
        [
            (
                "embedder",
                &serde_json::json!(3),
                &serde_json::json!("the GPU pool keeps a spare node")
            ),
            ("reranker", &serde_json::json!(30), &serde_json::Value::Null),
        ]
    );
}

#[test]
fn a_trailing_comment_covers_its_line_and_the_block_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    let text = gpu_deployment("a", "", "")
        .replace("\nspec:\n", &format!("\nspec: # kubelint: ignore {RULE}\n"));
    write(dir.path(), "a.yaml", &text);
    let output = kubelint(&["check", "a.yaml"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(stdout(&output).ends_with("(1 suppressed)\n"));
}

#[test]
fn a_typo_in_a_suppression_is_a_finding_at_its_place_and_suppresses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text = gpu_deployment("a", "", "").replace(
        "\nspec:\n",
        "\n# kubelint: ignore rollout-surge-scarce-resources\nspec:\n",
    );
    write(dir.path(), "a.yaml", &text);
    let report = json(&kubelint(
        &["check", "a.yaml", "--format", "json"],
        dir.path(),
    ));
    let found: Vec<(&str, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(found, [("invalid-suppression", 6), (RULE, 7)]);
}

#[test]
fn findings_of_the_set_pass_are_suppressed_too() {
    // The rollout finding for a Deployment whose HPA is in another file is made in the set
    // pass, after every file is read; its object's annotation still suppresses it.
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/rollout-surge-scarce-resource/hpa-in-another-file");
    for name in ["bad-deployment.yaml", "hpa.yaml"] {
        std::fs::copy(fixture.join(name), dir.path().join(name)).unwrap();
    }
    let before = json(&kubelint(
        &["check", ".", "--format", "json", "--select", RULE],
        dir.path(),
    ));
    assert!(
        before["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("HorizontalPodAutoscaler remote"),
        "the finding comes from the set pass: {before:#}"
    );
    let deployment = std::fs::read_to_string(dir.path().join("bad-deployment.yaml")).unwrap();
    write(
        dir.path(),
        "bad-deployment.yaml",
        &deployment.replacen(
            "\nmetadata:\n",
            &format!("\nmetadata:\n  annotations: {{kubelint.io/ignore: {RULE}}}\n"),
            1,
        ),
    );
    let after = kubelint(
        &["check", ".", "--format", "json", "--select", RULE],
        dir.path(),
    );
    assert_eq!(after.status.code(), Some(0));
    assert_eq!(json(&after)["summary"]["suppressed"], 1);
}
