//! `resources-limit-below-request` (SEMANTICS.md §E.6): a request above its limit. The API
//! server rejects the object ("must be less than or equal to <r> limit").

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::Object;
use crate::k8s::quantity::Quantity;
use crate::k8s::written_resources::resource_blocks;
use crate::yaml::Target;

pub const ID: &str = "resources-limit-below-request";

pub struct ResourcesLimitBelowRequest;

impl Rule for ResourcesLimitBelowRequest {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/resources-limit-below-request.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(template) = object.pod_template() else {
            return;
        };
        for block in resource_blocks(&template) {
            let written = block.quantities();
            for request in written.iter().filter(|w| w.side == "requests") {
                let Some(limit) = written
                    .iter()
                    .find(|w| w.side == "limits" && w.resource == request.resource)
                else {
                    continue;
                };
                let (Ok(r), Ok(l)) = (
                    Quantity::parse_manifest_value(request.text),
                    Quantity::parse_manifest_value(limit.text),
                ) else {
                    continue;
                };
                if r <= l {
                    continue;
                }
                let resource = request.resource;
                cx.report(
                    object
                        .finding(
                            ID,
                            Severity::Error,
                            &request.path,
                            Target::Value,
                            format!(
                                "requests.{resource}={} of {} is above limits.{resource}={}: the API server rejects the \
                                 object (\"must be less than or equal to {resource} limit\")",
                                request.text, block.owner, limit.text
                            ),
                        )
                        .with_label(format!("above the limit of {}", limit.text))
                        .with_help(format!(
                            "lower requests.{resource} to at most {} or raise limits.{resource} to at least {}",
                            limit.text, request.text
                        ))
                        .with_related(
                            object.locate(&limit.path, Target::Value),
                            format!("limits.{resource}={}", limit.text),
                        ),
                );
            }
        }
    }
}
