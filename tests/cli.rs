//! The binary as users run it: exit codes, the JSON contract, determinism, and input that
//! must not crash, hang or hide other files' findings.

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

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn bundled_example_fails_and_its_recreate_twin_passes() {
    let bad = kubelint(&["check", "testdata/example"], repo());
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    let text = stdout(&bad);
    assert!(text.contains("rollout-surge-scarce-resource"), "{text}");
    assert!(
        text.contains("testdata/example/embedder.yaml:8:1"),
        "{text}"
    );
    let good = kubelint(&["check", "testdata/example-fixed"], repo());
    assert_eq!(good.status.code(), Some(0), "{}", stdout(&good));
}

#[test]
fn json_report_follows_the_contract() {
    let output = kubelint(&["check", "testdata/example", "--format", "json"], repo());
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(report["version"], 1);
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f["rule"], "rollout-surge-scarce-resource");
    assert_eq!(f["severity"], "warning");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .starts_with("Deployment ml/embedder: rolling update")
    );
    assert!(f["help"].as_str().unwrap().contains("type: Recreate"));
    assert_eq!(f["file"], "testdata/example/embedder.yaml");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(8), Some(1))
    );
    assert_eq!(
        (f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(8), Some(5))
    );
    assert_eq!(f["path"], "spec.strategy.rollingUpdate.maxUnavailable");
    assert_eq!(
        f["object"],
        serde_json::json!({"api_version": "apps/v1", "kind": "Deployment", "namespace": "ml", "name": "embedder", "document": 1})
    );
    assert!(f["environment"].is_null());
    assert!(f["origin"].is_null());
    let related = f["related"].as_array().expect("related");
    assert_eq!(related.len(), 2);
    let gpu = related
        .iter()
        .find(|r| r["line"] == 27)
        .expect("GPU request");
    assert_eq!(gpu["file"], "testdata/example/embedder.yaml");
    assert_eq!(gpu["column"], 31);
    assert!(gpu["message"].as_str().unwrap().contains("nvidia.com/gpu"));
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 1, "documents": 2, "objects": 2, "errors": 0, "warnings": 1, "infos": 0, "suppressed": 0})
    );
}

#[test]
fn fail_on_select_and_ignore() {
    let never = kubelint(&["check", "testdata/example", "--fail-on", "never"], repo());
    assert_eq!(never.status.code(), Some(0));
    let error_only = kubelint(&["check", "testdata/example", "--fail-on", "error"], repo());
    assert_eq!(error_only.status.code(), Some(0));
    let ignored = kubelint(
        &[
            "check",
            "testdata/example",
            "--ignore",
            "rollout-surge-scarce-resource",
        ],
        repo(),
    );
    assert_eq!(ignored.status.code(), Some(0));
    let selected = kubelint(
        &[
            "check",
            "testdata/example",
            "--select",
            "yaml-syntax,invalid-object",
        ],
        repo(),
    );
    assert_eq!(selected.status.code(), Some(0));
    let unknown = kubelint(
        &["check", "testdata/example", "--select", "no-such-rule"],
        repo(),
    );
    assert_eq!(unknown.status.code(), Some(2));
    let missing = kubelint(&["check", "testdata/no-such-dir"], repo());
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("testdata/no-such-dir"));
}

#[test]
fn config_errors_exit_2_at_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".kubelint.yaml"),
        "rules:\n  rollout-surge-scarce-resource: loud\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    let output = kubelint(&["check", "."], dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(".kubelint.yaml:2:34"), "{stderr}");
    // Discovered upward from a subdirectory, and turning the rule off works.
    std::fs::write(
        dir.path().join(".kubelint.yaml"),
        "rules:\n  rollout-surge-scarce-resource: off\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::copy(
        repo().join("testdata/example/embedder.yaml"),
        dir.path().join("sub/gpu.yaml"),
    )
    .unwrap();
    let output = kubelint(&["check", "."], &dir.path().join("sub"));
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn stdin_is_read_with_dash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubelint"))
        .args(["check", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let text = std::fs::read(repo().join("testdata/example/embedder.yaml")).unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &text).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["findings"][0]["file"], "-");
}

#[test]
fn report_is_identical_for_any_number_of_jobs() {
    let args = |jobs: &'static str| ["check", "testdata", "--format", "json", "--jobs", jobs];
    let one = kubelint(&args("1"), repo());
    let two = kubelint(&args("2"), repo());
    assert_eq!(one.status.code(), two.status.code());
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, two.stdout);
    let human_one = kubelint(&["check", "testdata", "--jobs", "1"], repo());
    let human_two = kubelint(&["check", "testdata", "--jobs", "2"], repo());
    assert_eq!(human_one.stdout, human_two.stdout);
}

#[test]
fn rules_and_explain() {
    let listing = kubelint(&["rules"], repo());
    assert_eq!(listing.status.code(), Some(0));
    // Columns are padded to the longest id: compare words, not spacing.
    assert!(
        stdout(&listing)
            .lines()
            .any(|line| line.split_whitespace().take(3).eq([
                "rollout-surge-scarce-resource",
                "warning",
                "rollout"
            ]))
    );
    let json = kubelint(&["rules", "--format", "json"], repo());
    let rules: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let registered: Vec<&str> = kubelint::rules::registry()
        .entries()
        .iter()
        .map(|e| e.meta.id)
        .collect();
    assert_eq!(ids, registered);
    assert!(ids.contains(&"rollout-surge-scarce-resource"));
    let explain = kubelint(&["explain", "rollout-surge-scarce-resource"], repo());
    assert_eq!(explain.status.code(), Some(0));
    assert!(stdout(&explain).contains("## Why is this bad?"));
    assert_eq!(
        kubelint(&["explain", "nope"], repo()).status.code(),
        Some(2)
    );
}

/// One hostile input beside a file with a known finding: the run must finish without a
/// panic, say something about the hostile file, and still report the good file's finding.
fn survives(name: &str, contents: &[u8]) -> (Output, serde_json::Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(name), contents).unwrap();
    std::fs::copy(
        repo().join("testdata/example/embedder.yaml"),
        dir.path().join("zz-gpu.yaml"),
    )
    .unwrap();
    let output = kubelint(&["check", ".", "--format", "json"], dir.path());
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "{name}: crashed: {output:?}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&output)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "rollout-surge-scarce-resource" && f["file"] == "zz-gpu.yaml"),
        "{name}: lost the other file's finding"
    );
    (output, report)
}

fn rules_for(report: &serde_json::Value, file: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == file)
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn alias_bomb_is_stopped() {
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for level in 1..10 {
        let previous = (b'a' + level - 1) as char;
        let this = (b'a' + level) as char;
        bomb.push_str(&format!(
            "  {this}: &{this} [{}]\n",
            vec![format!("*{previous}"); 9].join(",")
        ));
    }
    let (_, report) = survives("bomb.yaml", bomb.as_bytes());
    assert_eq!(rules_for(&report, "bomb.yaml"), ["yaml-syntax"]);
}

#[test]
fn deep_flow_nesting_is_a_syntax_error() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let (_, report) = survives("deep.yaml", deep.as_bytes());
    assert_eq!(rules_for(&report, "deep.yaml"), ["yaml-syntax"]);
}

#[test]
fn deep_block_nesting_is_a_syntax_error() {
    let mut deep = String::new();
    for depth in 0..1500 {
        deep.push_str(&" ".repeat(depth));
        deep.push_str("a:\n");
    }
    let (_, report) = survives("block.yaml", deep.as_bytes());
    assert_eq!(rules_for(&report, "block.yaml"), ["yaml-syntax"]);
}

#[test]
fn non_utf8_and_binary_files_are_reported() {
    let (_, report) = survives(
        "latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n",
    );
    assert_eq!(rules_for(&report, "latin1.yaml"), ["yaml-syntax"]);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "latin1.yaml")
        .unwrap();
    assert_eq!(finding["line"], 3);
    let (_, report) = survives(
        "binary.yaml",
        &[0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 0xff, 0xfe, 0],
    );
    assert_eq!(rules_for(&report, "binary.yaml"), ["yaml-syntax"]);
}

#[test]
fn empty_and_separator_only_files_are_fine() {
    let (_, report) = survives("empty.yaml", b"");
    assert!(rules_for(&report, "empty.yaml").is_empty());
    let (_, report) = survives("dashes.yaml", b"---\n---\n");
    assert!(rules_for(&report, "dashes.yaml").is_empty());
}

#[test]
fn bare_scalar_and_list_documents() {
    let (_, report) = survives("scalar.yaml", b"just some text\n");
    assert_eq!(rules_for(&report, "scalar.yaml"), ["invalid-object"]);
    let (_, report) = survives(
        "objects.yaml",
        b"- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n",
    );
    assert_eq!(rules_for(&report, "objects.yaml"), ["invalid-object"]);
    // A JSON patch is a list too, and not a Kubernetes object: no finding.
    let (_, report) = survives(
        "patch.yaml",
        b"- op: replace\n  path: /spec/replicas\n  value: 3\n",
    );
    assert!(rules_for(&report, "patch.yaml").is_empty());
}

#[test]
fn a_broken_document_does_not_hide_the_next_one() {
    let text = std::fs::read_to_string(repo().join("testdata/example/embedder.yaml")).unwrap();
    let stream = format!("apiVersion: v1\nkind: ConfigMap\ndata: [oops\n---\n{text}");
    let (_, report) = survives("stream.yaml", stream.as_bytes());
    assert_eq!(
        rules_for(&report, "stream.yaml"),
        ["yaml-syntax", "rollout-surge-scarce-resource"]
    );
}

#[test]
fn wrong_types_are_invalid_objects_at_the_field() {
    let yaml = b"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: \"one\"\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec:\n      containers: {name: c, image: c}\n";
    let (_, report) = survives("typed.yaml", yaml);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "typed.yaml")
        .unwrap();
    assert_eq!(finding["rule"], "invalid-object");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(5), Some(13))
    );
    assert_eq!(finding["path"], "spec.replicas");
    let containers = b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: {name: c, image: c}\n";
    let (_, report) = survives("pod.yaml", containers);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "pod.yaml")
        .unwrap();
    assert_eq!(finding["path"], "spec.containers");
    assert_eq!(finding["line"], 5);
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_unreadable_files_are_errors_not_crashes() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(".", dir.path().join("loop")).unwrap();
    std::fs::copy(
        repo().join("testdata/example/embedder.yaml"),
        dir.path().join("gpu.yaml"),
    )
    .unwrap();
    let output = kubelint(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(report["findings"][0]["file"], "gpu.yaml");
    assert!(String::from_utf8_lossy(&output.stderr).contains("loop"));
}

#[cfg(target_os = "linux")]
#[test]
fn an_unreadable_file_is_an_error_and_the_rest_is_linted() {
    // Reading /proc/self/mem from offset 0 fails with EIO even for root, unlike chmod 000.
    let output = kubelint(
        &[
            "check",
            "/proc/self/mem",
            "testdata/example",
            "--format",
            "json",
        ],
        repo(),
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/proc/self/mem: cannot read"));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        report["findings"][0]["file"],
        "testdata/example/embedder.yaml"
    );
}

#[test]
fn kustomize_patches_are_parsed_but_not_linted_as_objects() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources: [gpu.yaml]\npatches:\n  - path: patch.yaml\npatchesStrategicMerge:\n  - broken.yaml\n",
    )
    .unwrap();
    std::fs::copy(
        repo().join("testdata/example/embedder.yaml"),
        dir.path().join("gpu.yaml"),
    )
    .unwrap();
    // A fragment: no selector, no strategy, a GPU; as a Deployment it would fire.
    std::fs::write(
        dir.path().join("patch.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: embedder}\nspec:\n  template:\n    spec:\n      containers:\n      - name: embedder\n        resources: {limits: {nvidia.com/gpu: 2}}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.yaml"), "spec: [\n").unwrap();
    let output = kubelint(&["check", ".", "--format", "json"], dir.path());
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        rules_for(&report, "gpu.yaml"),
        ["rollout-surge-scarce-resource"]
    );
    assert!(rules_for(&report, "patch.yaml").is_empty());
    assert_eq!(rules_for(&report, "broken.yaml"), ["yaml-syntax"]);
}

#[test]
fn a_file_changed_after_linting_shows_no_snippet_rather_than_a_wrong_one() {
    use kubelint::report::human::{self, HumanOptions};
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("gpu.yaml");
    std::fs::copy(repo().join("testdata/example/embedder.yaml"), &path).unwrap();
    let inputs = [kubelint::walk::Input::File(path.clone())];
    let report = kubelint::lint(
        &inputs,
        None,
        &kubelint::Config::default(),
        &kubelint::LintOptions::default(),
    );
    std::fs::write(&path, "changed\n").unwrap();
    let mut out = Vec::new();
    human::write(
        &report,
        &HumanOptions {
            color: false,
            width: 100,
            links: false,
            show_suppressed: false,
        },
        &mut out,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("gpu.yaml:8:1"), "{text}");
    assert!(!text.contains("replicas: 1"), "{text}");
}

#[test]
fn json_manifests_are_linted_too() {
    let output = kubelint(&["check", "testdata/json", "--format", "json"], repo());
    assert_eq!(output.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "rollout-surge-scarce-resource");
    assert_eq!(finding["file"], "testdata/json/gpu-deployment.json");
    // `"spec"` of the Deployment, since it has no strategy.
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(5), Some(3))
    );
}

#[test]
fn envs_prints_the_table_and_env_flags_name_environments() {
    let table = kubelint(&["envs", "testdata/envs/shop"], repo());
    assert_eq!(table.status.code(), Some(0));
    assert!(
        stdout(&table).contains("limits.memory    512Mi !!"),
        "{}",
        stdout(&table)
    );
    let markdown = kubelint(
        &["envs", "testdata/envs/shop", "--format", "markdown"],
        repo(),
    );
    assert!(
        stdout(&markdown).starts_with("| workload | container | field | dev | staging | prod |")
    );

    // Files whose paths name no environment get one from --env.
    let dir = tempfile::tempdir().unwrap();
    for (env, file) in [("dev", "a.yaml"), ("prod", "b.yaml")] {
        let text =
            std::fs::read_to_string(repo().join(format!("testdata/envs/shop/{env}/rendered.yaml")))
                .unwrap();
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let without = kubelint(&["envs", "."], dir.path());
    assert!(
        stdout(&without).starts_with("kubelint: no workload found in two or more environments"),
        "{}",
        stdout(&without)
    );
    let with = kubelint(
        &[
            "check",
            ".",
            "--env",
            "little=a.yaml",
            "--env",
            "big=*b.yaml",
            "--select",
            "env-resources-far-below",
            "--format",
            "json",
        ],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&with)).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings.iter().all(|f| f["environment"] == "little"),
        "{json}"
    );
    let bad = kubelint(&["check", ".", "--env", "nothing"], dir.path());
    assert_eq!(bad.status.code(), Some(2));
}
