//! `resources-memory-milli-suffix` (SEMANTICS.md §E.6): `memory: 400m` is 0.4 bytes, not
//! 400 MiB: `m` means thousandths, and a container cannot start with that little memory.

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::Object;
use crate::k8s::quantity::Quantity;
use crate::k8s::written_resources::resource_blocks;
use crate::yaml::Target;

pub const ID: &str = "resources-memory-milli-suffix";

pub struct ResourcesMemoryMilliSuffix;

fn is_byte_resource(resource: &str) -> bool {
    resource == "memory" || resource == "ephemeral-storage" || resource.starts_with("hugepages-")
}

impl Rule for ResourcesMemoryMilliSuffix {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/resources-memory-milli-suffix.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(template) = object.pod_template() else {
            return;
        };
        for block in resource_blocks(&template) {
            for written in block.quantities() {
                let text = written.text.trim();
                if !is_byte_resource(written.resource) || !text.ends_with('m') {
                    continue;
                }
                let Ok(quantity) = Quantity::parse_manifest_value(text) else {
                    continue;
                };
                let number = text.trim_end_matches('m');
                cx.report(
                    object
                        .finding(
                            ID,
                            Severity::Error,
                            &written.path,
                            Target::Value,
                            format!(
                                "{}.{} of {} is `{text}`: `m` means thousandths, so this is {} bytes, not {number} \
                                 mebibytes. The container cannot start (or is OOM-killed at once).",
                                written.side,
                                written.resource,
                                block.owner,
                                quantity.as_f64()
                            ),
                        )
                        .with_label(format!("{} bytes", quantity.as_f64()))
                        .with_help(format!(
                            "write `{}: {number}Mi` (mebibytes) or `{}: {number}M` (megabytes)",
                            written.resource, written.resource
                        )),
                );
            }
        }
    }
}
