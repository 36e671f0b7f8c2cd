//! The whole pipeline on arbitrary input: it may report anything, but it never panics, and
//! every location it reports lies inside the text.

mod common;

use kubelint::{Config, LintOptions};
use proptest::prelude::*;

/// Pieces of YAML and Kubernetes manifests, so that generated text reaches deep into the
/// loader, the decoder and the rules instead of failing on the first byte.
fn token() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "apiVersion: apps/v1\n",
        "kind: Deployment\n",
        "kind: List\n",
        "items:\n",
        "metadata:\n",
        "  name: x\n",
        "spec:\n",
        "  replicas: ",
        "  strategy:\n",
        "    rollingUpdate:\n",
        "      maxSurge: ",
        "      maxUnavailable: ",
        "template:\n",
        "containers:\n",
        "- name: c\n",
        "  resources:\n",
        "    limits:\n",
        "      nvidia.com/gpu: ",
        "1",
        "0",
        "25%",
        "\"1\"",
        "yes",
        "0644",
        "1e9",
        "~",
        "&a ",
        "*a",
        "<<: *a\n",
        "{",
        "}",
        "[",
        "]",
        ", ",
        ": ",
        "- ",
        "---\n",
        "...\n",
        "\n",
        "  ",
        "    ",
        "'",
        "\"",
        "|\n",
        ">-\n",
        "#",
        "!!str ",
        "!!int ",
        "é",
        "\t",
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n",
        "scaleTargetRef: {kind: Deployment, name: x}\n",
        "minReplicas: ",
        "maxReplicas: ",
        "initContainers:\n",
        "restartPolicy: Always\n",
        "# kubelint: ignore rollout-surge-scarce-resource",
        " # kubelint: ",
        "ignore ",
        "invalid-object,",
        "no-such-rule",
        "\u{3000}",
        " -- why",
        "annotations:\n",
        "kubelint.io/ignore: ",
        "kubelint.io/ignore-reason: ",
    ])
}

proptest! {
    #[test]
    fn lint_never_panics_and_locations_stay_in_the_text(tokens in prop::collection::vec(token(), 0..80)) {
        let text: String = tokens.concat();
        let report = common::lint_text(&text, &Config::default(), &LintOptions { jobs: Some(1), ..LintOptions::default() });
        let suppressed = report.suppressed.iter().map(|s| &s.finding);
        for finding in report.findings.iter().chain(suppressed) {
            for location in std::iter::once(&finding.location).chain(finding.related.iter().map(|r| &r.location)) {
                prop_assert!(location.start <= location.end);
                prop_assert!(location.end as usize <= text.len());
                prop_assert!(location.line >= 1 && location.column >= 1);
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(text in "\\PC{0,200}") {
        let _ = common::lint_text(&text, &Config::default(), &LintOptions { jobs: Some(1), ..LintOptions::default() });
    }
}

/// Words of server command lines: programs, wrappers, options in every spelling, shell syntax.
fn server_word() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "gunicorn",
            "uvicorn",
            "celery",
            "uwsgi",
            "worker",
            "python",
            "-m",
            "sh",
            "-c",
            "exec",
            "tini",
            "--",
            "&&",
            ";",
            "|",
            "-w",
            "-w4",
            "--workers",
            "--workers=",
            "--max-requests",
            "--max-requests=1200",
            "--max-req",
            "--max-requests-j",
            "--max-requests-jitter",
            "-c",
            "--config",
            "/etc/g.py",
            "-k",
            "--threads",
            "--limit-max-requests",
            "--limit-max-requests-jitter",
            "--reload",
            "-P",
            "prefork",
            "--max-tasks-per-child",
            "--max-memory-per-child",
            "--ini",
            "a.ini",
            "-R",
            "-p",
            "--processes",
            "--max-requests-delta",
            "$X",
            "${X:-3}",
            "$(nproc)",
            "\"",
            "'",
            "1",
            "0",
            "-1",
            "1e3",
            "0x10",
            "app:app",
            "",
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
    ]
}

proptest! {
    /// Arbitrary command lines, option variables and gunicorn.conf.py text through the worker
    /// rules: no panic, and every location inside the text.
    #[test]
    fn worker_rules_never_panic(
        command in prop::collection::vec(server_word(), 0..12),
        script in prop::collection::vec(server_word(), 0..12),
        cmd_args in prop::collection::vec(server_word(), 0..6),
        conf in "(workers|max_requests|max_requests_jitter|timeout|preload_app| |=|-|\\*|//|\\(|\\)|'|\"|int|os\\.environ\\.get|cpu_count\\(\\)|[0-9]{1,20}|\n|if x:\n  |#|\\\\\n|\\PC){0,40}",
    ) {
        let command_json = serde_json::to_string(&command).unwrap();
        let script_json = serde_json::to_string(&script.join(" ")).unwrap();
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w, namespace: ns}}\nspec:\n  template:\n    spec:\n      \
             containers:\n      - name: c\n        image: python:3\n        workingDir: /app\n        command: {command_json}\n        \
             args: [\"-c\", {script_json}]\n        env:\n        - {{name: GUNICORN_CMD_ARGS, value: {}}}\n        \
             - {{name: WEB_CONCURRENCY, value: \"3\"}}\n        resources: {{limits: {{cpu: 500m, memory: 1Gi}}}}\n        \
             volumeMounts: [{{name: v, mountPath: /app}}]\n      volumes: [{{name: v, configMap: {{name: g}}}}]\n---\n\
             apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: g, namespace: ns}}\ndata:\n  gunicorn.conf.py: {}\n  a.ini: {}\n",
            serde_json::to_string(&cmd_args.join(" ")).unwrap(),
            serde_json::to_string(&conf).unwrap(),
            serde_json::to_string(&format!("[uwsgi]\n{conf}")).unwrap(),
        );
        let ids: Vec<String> = kubelint::rules::registry()
            .entries()
            .iter()
            .map(|e| e.meta.id.to_string())
            .filter(|id| ["gunicorn", "uvicorn", "celery", "uwsgi"].iter().any(|p| id.starts_with(p)))
            .collect();
        let options = LintOptions { jobs: Some(1), select: ids, ..LintOptions::default() };
        let report = common::lint_text(&text, &Config::default(), &options);
        for finding in &report.findings {
            for location in std::iter::once(&finding.location).chain(finding.related.iter().map(|r| &r.location)) {
                prop_assert!(location.start <= location.end);
                prop_assert!(location.end as usize <= text.len());
            }
        }
    }
}
