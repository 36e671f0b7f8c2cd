//! `intorstr-invalid` (SEMANTICS.md §0.4): an IntOrString field written as a string that is no
//! valid percentage (`"1"`, `"12.5%"`, `"-1%"`): the API server rejects it ("a valid percent
//! string must be a numeric string followed by an ending '%'").

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::intorstr::IntOrPercent;
use crate::k8s::{Object, Typed};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "intorstr-invalid";

pub struct IntorstrInvalid;

impl Rule for IntorstrInvalid {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/intorstr-invalid.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let fields: Vec<(&'static [&'static str], Option<&IntOrString>)> = match &object.typed {
            Typed::Deployment(d) => {
                let rolling = d
                    .spec
                    .strategy
                    .as_ref()
                    .and_then(|s| s.rolling_update.as_ref());
                vec![
                    (
                        &["spec", "strategy", "rollingUpdate", "maxSurge"],
                        rolling.and_then(|r| r.max_surge.as_ref()),
                    ),
                    (
                        &["spec", "strategy", "rollingUpdate", "maxUnavailable"],
                        rolling.and_then(|r| r.max_unavailable.as_ref()),
                    ),
                ]
            }
            Typed::DaemonSet(d) => {
                let rolling = d
                    .spec
                    .update_strategy
                    .as_ref()
                    .and_then(|s| s.rolling_update.as_ref());
                vec![
                    (
                        &["spec", "updateStrategy", "rollingUpdate", "maxSurge"],
                        rolling.and_then(|r| r.max_surge.as_ref()),
                    ),
                    (
                        &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"],
                        rolling.and_then(|r| r.max_unavailable.as_ref()),
                    ),
                ]
            }
            Typed::StatefulSet(s) => vec![(
                &["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"],
                s.spec
                    .update_strategy
                    .as_ref()
                    .and_then(|u| u.rolling_update.as_ref())
                    .and_then(|r| r.max_unavailable.as_ref()),
            )],
            Typed::PodDisruptionBudget(p) => {
                let spec = p.spec.as_ref();
                vec![
                    (
                        &["spec", "minAvailable"],
                        spec.and_then(|s| s.min_available.as_ref()),
                    ),
                    (
                        &["spec", "maxUnavailable"],
                        spec.and_then(|s| s.max_unavailable.as_ref()),
                    ),
                ]
            }
            _ => return,
        };
        let display = object.display_name();
        for (keys, value) in fields {
            let Some(value) = value else { continue };
            let Err(invalid) = IntOrPercent::parse(value) else {
                continue;
            };
            let path = FieldPath::keys(keys);
            let field = keys.last().copied().unwrap_or_default();
            let text = &invalid.text;
            let suggestion = match text.parse::<i64>() {
                Ok(n) => format!(
                    "write the number unquoted (`{field}: {n}`) or as a percentage (`{field}: \"{n}%\"`)"
                ),
                Err(_) => format!(
                    "write a whole number (`{field}: 1`) or a whole percentage (`{field}: \"25%\"`)"
                ),
            };
            cx.report(
                object
                    .finding(
                        ID,
                        Severity::Error,
                        &path,
                        Target::Value,
                        format!(
                            "{display}: {field} is the string \"{text}\", which is neither an integer nor a percentage; \
                             the API server rejects it (\"a valid percent string must be a numeric string followed \
                             by an ending '%'\"), so kubectl apply fails."
                        ),
                    )
                    .with_label("a string that is no percentage")
                    .with_help(suggestion),
            );
        }
    }
}
