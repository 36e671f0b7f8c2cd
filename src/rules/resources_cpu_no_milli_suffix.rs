//! `resources-cpu-no-milli-suffix` (SEMANTICS.md §E.6): `cpu: 500` asks for 500 whole CPUs;
//! the writer almost always meant `500m`. No node has that many, so the pod never schedules.

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::Object;
use crate::k8s::quantity::Quantity;
use crate::k8s::written_resources::resource_blocks;
use crate::yaml::Target;

pub const ID: &str = "resources-cpu-no-milli-suffix";

pub struct ResourcesCpuNoMilliSuffix;

/// The smallest plain CPU count taken for a forgotten `m`.
const LIKELY_MILLICORES: i128 = 100;

impl Rule for ResourcesCpuNoMilliSuffix {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/resources-cpu-no-milli-suffix.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(template) = object.pod_template() else {
            return;
        };
        for block in resource_blocks(&template) {
            for written in block.quantities() {
                let text = written.text.trim();
                let plain =
                    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                if written.resource != "cpu" || !plain {
                    continue;
                }
                let Ok(quantity) = Quantity::parse_manifest_value(text) else {
                    continue;
                };
                if quantity.value() < LIKELY_MILLICORES {
                    continue;
                }
                cx.report(
                    object
                        .finding(
                            ID,
                            Severity::Warning,
                            &written.path,
                            Target::Value,
                            format!(
                                "{}.cpu of {} is `{text}`: {text} whole CPUs, not {text} millicores. Did you mean `{text}m`? \
                                 A pod asking for that many CPUs stays Pending on any ordinary node.",
                                written.side, block.owner
                            ),
                        )
                        .with_label(format!("{text} CPUs"))
                        .with_help(format!("write `cpu: {text}m` for {text} millicores")),
                );
            }
        }
    }
}
