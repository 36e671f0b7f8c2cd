//! `extended-resource-invalid` (SEMANTICS.md §A.8, §0.7): what `ValidateResourceRequirements`
//! rejects for resources that cannot be overcommitted (extended resources such as GPUs, and
//! huge pages): a request without a limit, a request different from the limit, and a
//! fractional extended resource.

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::quantity::Quantity;
use crate::k8s::resources::is_extended_resource;
use crate::k8s::{Object, Typed};
use crate::yaml::Target;

pub const ID: &str = "extended-resource-invalid";

pub struct ExtendedResourceInvalid;

const HELP: &str = "set only the limit, a whole number; the API server copies it to the request:\n\
\x20 resources:\n\
\x20   limits:\n\
\x20     nvidia.com/gpu: 1";

impl Rule for ExtendedResourceInvalid {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/extended-resource-invalid.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        // A bare Pod is checked too; its template is the Pod itself.
        if matches!(object.typed, Typed::Other) {
            return;
        }
        let Some(template) = object.pod_template() else {
            return;
        };
        let display = object.display_name();
        let groups = [
            ("containers", template.spec.containers.as_slice()),
            (
                "initContainers",
                template.spec.init_containers.as_deref().unwrap_or_default(),
            ),
        ];
        for (field, containers) in groups {
            for (i, container) in containers.iter().enumerate() {
                let Some(resources) = &container.resources else {
                    continue;
                };
                let at = template
                    .spec_path
                    .clone()
                    .key(field)
                    .index(i)
                    .key("resources");
                let requests = resources.requests.as_ref();
                let limits = resources.limits.as_ref();
                let names = requests
                    .into_iter()
                    .chain(limits)
                    .flat_map(|m| m.keys())
                    .filter(|n| is_extended_resource(n) || n.starts_with("hugepages-"));
                let mut seen: Vec<&String> = Vec::new();
                for name in names {
                    if seen.contains(&name) {
                        continue;
                    }
                    seen.push(name);
                    let parse = |map: Option<&std::collections::BTreeMap<String, _>>| {
                        map.and_then(|m| m.get(name)).and_then(
                            |q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity| {
                                Quantity::parse_manifest_value(&q.0).ok()
                            },
                        )
                    };
                    let request = parse(requests);
                    let limit = parse(limits);
                    let container_name = &container.name;
                    let request_path = at.clone().key("requests").key(name.clone());
                    let limit_path = at.clone().key("limits").key(name.clone());
                    let mut report =
                        |path: &crate::yaml::FieldPath, message: String, label: String| {
                            cx.report(
                                object
                                    .finding(
                                        ID,
                                        Severity::Error,
                                        path,
                                        Target::Value,
                                        format!("{display}: {message}"),
                                    )
                                    .with_label(label)
                                    .with_help(HELP),
                            );
                        };
                    if is_extended_resource(name) {
                        for (quantity, path, side) in [
                            (&request, &request_path, "requests"),
                            (&limit, &limit_path, "limits"),
                        ] {
                            if let Some(q) = quantity
                                && !q.is_integer()
                            {
                                report(
                                    path,
                                    format!(
                                        "container {container_name}: {side}.{name} is {}; the API server rejects \
                                         extended resources that are not whole numbers (\"must be an integer\").",
                                        q.text()
                                    ),
                                    "not a whole number".to_string(),
                                );
                            }
                        }
                    }
                    match (&request, &limit) {
                        (Some(_), None) => report(
                            &request_path,
                            format!(
                                "container {container_name}: requests.{name} is set without limits.{name}; the API \
                                 server rejects it (\"Limit must be set for non overcommitable resources\")."
                            ),
                            "a request without a limit".to_string(),
                        ),
                        (Some(request), Some(limit)) if request != limit => report(
                            &request_path,
                            format!(
                                "container {container_name}: requests.{name} ({}) differs from limits.{name} ({}); the \
                                 API server rejects it (\"must be equal to {name} limit\").",
                                request.text(),
                                limit.text()
                            ),
                            format!("must equal the limit, {}", limit.text()),
                        ),
                        _ => {}
                    }
                }
            }
        }
    }
}
