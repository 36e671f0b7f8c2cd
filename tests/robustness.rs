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
