//! `resources-quantity-invalid` (SEMANTICS.md §E.6, §0.5): a request or limit that is not a
//! Kubernetes quantity (`1K`, `1.5Gb`, `500 m`): the API server rejects the object.

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::Object;
use crate::k8s::quantity::Quantity;
use crate::k8s::written_resources::resource_blocks;
use crate::yaml::Target;

pub const ID: &str = "resources-quantity-invalid";

pub struct ResourcesQuantityInvalid;

/// What the writer most likely meant, for the usual mistakes.
fn suggestion(text: &str) -> Option<String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, suffix) = t.split_at(split);
    let fixed = match suffix.trim() {
        "K" | "KB" | "kB" | "Kb" | "kb" => "k",
        "Ki" | "KiB" | "kiB" | "ki" => "Ki",
        "MB" | "Mb" | "mb" => "M",
        "MiB" | "mi" | "mib" => "Mi",
        "GB" | "Gb" | "gb" | "g" => "G",
        "GiB" | "gi" | "gib" => "Gi",
        "TB" | "Tb" => "T",
        "TiB" => "Ti",
        _ => return None,
    };
    Some(format!("{number}{fixed}"))
}

impl Rule for ResourcesQuantityInvalid {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/resources-quantity-invalid.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(template) = object.pod_template() else {
            return;
        };
        for block in resource_blocks(&template) {
            for written in block.quantities() {
                // `${VAR}` and `{{ .Values.x }}` are placeholders of a template that is
                // substituted before it is applied (envsubst, Helm): not a value yet.
                if written.text.contains("${") || written.text.contains("{{") {
                    continue;
                }
                let Err(error) = Quantity::parse_manifest_value(written.text) else {
                    continue;
                };
                let help = match suggestion(written.text) {
                    Some(fixed) => format!(
                        "write `{}: {fixed}`; suffixes are case-sensitive: k M G T P E (powers of 1000), Ki Mi Gi Ti Pi Ei \
                         (powers of 1024), m (thousandths)",
                        written.resource
                    ),
                    None => "a quantity is a number with an optional suffix: k M G T P E (powers of 1000), Ki Mi Gi Ti \
                             Pi Ei (powers of 1024), m (thousandths), or an exponent such as 1e9"
                        .to_string(),
                };
                cx.report(
                    object
                        .finding(
                            ID,
                            Severity::Error,
                            &written.path,
                            Target::Value,
                            format!(
                                "{} of {}: `{}` is not a Kubernetes quantity ({error}); the API server rejects the object",
                                format_args!("{}.{}", written.side, written.resource),
                                block.owner,
                                written.text
                            ),
                        )
                        .with_label("not a quantity")
                        .with_help(help),
                );
            }
        }
    }
}
