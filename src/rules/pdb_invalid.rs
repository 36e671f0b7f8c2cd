//! `pdb-invalid` (SEMANTICS.md §B.3): a PodDisruptionBudget the API server rejects
//! (pkg/apis/policy/validation `ValidatePodDisruptionBudgetSpec`).

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::intorstr::IntOrPercent;
use crate::k8s::selector::Selector;
use crate::k8s::{Object, Typed};
use crate::yaml::{FieldPath, Segment, Target};

pub const ID: &str = "pdb-invalid";

pub struct PdbInvalid;

impl Rule for PdbInvalid {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/pdb-invalid.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Typed::PodDisruptionBudget(pdb) = &object.typed else {
            return;
        };
        let Some(spec) = &pdb.spec else {
            return;
        };
        let display = object.display_name();
        let mut report = |path: FieldPath, target: Target, message: String, label: &str| {
            cx.report(
                object
                    .finding(ID, Severity::Error, &path, target, format!("{display}: {message}"))
                    .with_label(label.to_string())
                    .with_help(
                        "the API server rejects the whole object, so `kubectl apply` fails; fix the field as the \
                         message says.",
                    ),
            );
        };
        if spec.min_available.is_some() && spec.max_unavailable.is_some() {
            report(
                FieldPath::keys(&["spec", "maxUnavailable"]),
                Target::Key,
                "minAvailable and maxUnavailable are mutually exclusive; the API server rejects a budget with both \
                 (\"minAvailable and maxUnavailable cannot be both set\"). Keep one: maxUnavailable: 1 allows one \
                 eviction at a time at any scale."
                    .to_string(),
                "set together with minAvailable",
            );
        }
        for (name, value) in [
            ("minAvailable", &spec.min_available),
            ("maxUnavailable", &spec.max_unavailable),
        ] {
            // Strings that are no valid percentage are intorstr-invalid's.
            let Some(Ok(parsed)) = value.as_ref().map(IntOrPercent::parse) else {
                continue;
            };
            let path = FieldPath::keys(&["spec"]).key(name);
            match parsed {
                IntOrPercent::Int(n) if n < 0 => report(
                    path,
                    Target::Value,
                    format!(
                        "{name}: {n} is negative; the API server rejects it (\"must be greater than or equal to 0\")."
                    ),
                    "negative",
                ),
                IntOrPercent::Percent(p) if p > 100 => report(
                    path,
                    Target::Value,
                    format!(
                        "{name}: {p}% is more than 100%; the API server rejects it (\"must not be greater than 100%\")."
                    ),
                    "more than 100%",
                ),
                _ => {}
            }
        }
        if let Err(invalid) = Selector::parse(spec.selector.as_ref()) {
            let mut path = FieldPath::keys(&["spec", "selector"]);
            for segment in invalid.path.segments() {
                path = match segment {
                    Segment::Key(key) => path.key(key.clone()),
                    Segment::Index(i) => path.index(*i),
                };
            }
            report(
                path,
                Target::Key,
                format!(
                    "the selector is rejected by the API server: {}.",
                    invalid.message
                ),
                "invalid selector requirement",
            );
        }
        if let Some(policy) = &spec.unhealthy_pod_eviction_policy
            && policy != "IfHealthyBudget"
            && policy != "AlwaysAllow"
        {
            report(
                FieldPath::keys(&["spec", "unhealthyPodEvictionPolicy"]),
                Target::Value,
                format!(
                    "unhealthyPodEvictionPolicy `{policy}` is not one of IfHealthyBudget, AlwaysAllow; the API server \
                     rejects it (\"Unsupported value\")."
                ),
                "unsupported value",
            );
        }
    }
}
