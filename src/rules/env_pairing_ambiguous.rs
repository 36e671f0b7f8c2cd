//! `env-pairing-ambiguous` (SEMANTICS.md §E.2): workloads that look like the same one across
//! environments while one environment has several of them. kubelint reports instead of
//! guessing which pairs with which.

use super::{Rule, SetContext};
use crate::env::compare::finding;
use crate::finding::Severity;
use crate::k8s::ObjectIndex;

pub const ID: &str = "env-pairing-ambiguous";

pub struct EnvPairingAmbiguous;

impl Rule for EnvPairingAmbiguous {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/env-pairing-ambiguous.md")
    }

    fn check_set(&self, index: &ObjectIndex, cx: &mut SetContext<'_>) {
        let configured: Vec<String> = cx
            .config
            .environments
            .iter()
            .map(|e| e.name.clone())
            .collect();
        let workloads = index.workloads();
        let mut found = Vec::new();
        for ambiguity in &index.pairing(&configured).ambiguities {
            let members: Vec<_> = ambiguity.members.iter().map(|&i| &workloads[i]).collect();
            for w in &members {
                let twins: Vec<_> = members
                    .iter()
                    .filter(|o| o.environment == w.environment && !std::ptr::eq(**o, *w))
                    .collect();
                if twins.is_empty() {
                    continue;
                }
                let mut f = finding(
                    ID,
                    Severity::Info,
                    w,
                    &w.name_location,
                    Some("metadata.name"),
                    format!(
                        "{} {}: {} other workload(s) of {} have the same {}, so kubelint cannot tell which \
                         one pairs with the same workload in the other environments; none of them is compared.",
                        w.environment,
                        w.display(),
                        twins.len(),
                        w.environment,
                        ambiguity.by.describe(),
                    ),
                )
                .with_label("matches several workloads of this environment")
                .with_help(
                    "name the logical workload on each, the same value in every environment:\n\
                     \x20 metadata:\n\
                     \x20   annotations:\n\
                     \x20     kubelint.io/logical-name: <name>",
                );
                for twin in twins {
                    f = f.with_related(
                        twin.name_location.clone(),
                        format!("{} {} also matches", twin.environment, twin.display()),
                    );
                }
                found.push(f);
            }
        }
        for finding in found {
            cx.report(finding);
        }
    }
}
