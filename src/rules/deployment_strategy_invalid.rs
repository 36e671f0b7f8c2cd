//! `deployment-strategy-invalid` (SEMANTICS.md §A.1 "Validation", §A.3 edge cases): a
//! Deployment strategy the API server rejects (`ValidateDeploymentStrategy`,
//! `ValidateRollingUpdateDeployment`).

use super::{ObjectContext, Rule};
use crate::finding::Severity;
use crate::k8s::intorstr::IntOrPercent;
use crate::k8s::{Object, Typed};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "deployment-strategy-invalid";

pub struct DeploymentStrategyInvalid;

impl Rule for DeploymentStrategyInvalid {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/deployment-strategy-invalid.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Typed::Deployment(deployment) = &object.typed else {
            return;
        };
        let Some(strategy) = &deployment.spec.strategy else {
            return;
        };
        let display = object.display_name();
        let rolling = strategy.rolling_update.as_ref();
        let mut report =
            |keys: &[&'static str], target: Target, message: String, label: &str, help: &str| {
                cx.report(
                    object
                        .finding(
                            ID,
                            Severity::Error,
                            &FieldPath::keys(keys),
                            target,
                            format!("{display}: {message}"),
                        )
                        .with_label(label.to_string())
                        .with_help(help.to_string()),
                );
            };
        match strategy.type_.as_deref() {
            Some("Recreate") if rolling.is_some() => {
                report(
                    &["spec", "strategy", "rollingUpdate"],
                    Target::Key,
                    "strategy type Recreate with a rollingUpdate block; the API server rejects it (\"may not be \
                     specified when strategy `type` is 'Recreate'\"), so kubectl apply fails."
                        .to_string(),
                    "not allowed with type: Recreate",
                    "keep one: delete rollingUpdate to let old pods go first, or use type: RollingUpdate.",
                );
                return;
            }
            None | Some("RollingUpdate") | Some("Recreate") => {}
            Some(other) => {
                report(
                    &["spec", "strategy", "type"],
                    Target::Value,
                    format!(
                        "strategy type `{other}` is not one of Recreate, RollingUpdate; the API server rejects it \
                         (\"Unsupported value\")."
                    ),
                    "unsupported strategy type",
                    "use type: RollingUpdate (the default) or type: Recreate.",
                );
                return;
            }
        }
        let parse = |v: Option<&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| {
            v.and_then(|v| IntOrPercent::parse(v).ok())
        };
        let surge = parse(rolling.and_then(|r| r.max_surge.as_ref()));
        let unavailable = parse(rolling.and_then(|r| r.max_unavailable.as_ref()));
        // Literal zeros only: values that merely round to zero are legal (§A.1).
        if surge.is_some_and(IntOrPercent::is_zero)
            && unavailable.is_some_and(IntOrPercent::is_zero)
        {
            report(
                &["spec", "strategy", "rollingUpdate", "maxUnavailable"],
                Target::Value,
                "maxSurge and maxUnavailable are both 0; the API server rejects it (\"may not be 0 when `maxSurge` \
                 is 0\"): the rollout could never replace a pod."
                    .to_string(),
                "0, and maxSurge is 0 too",
                "replace one pod at a time:\n  rollingUpdate:\n    maxSurge: 0\n    maxUnavailable: 1",
            );
        }
        for (field, value) in [("maxSurge", surge), ("maxUnavailable", unavailable)] {
            let message = match value {
                Some(IntOrPercent::Int(n)) if n < 0 => {
                    format!(
                        "{field}: {n} is negative; the API server rejects it (\"must be greater than or equal to 0\")."
                    )
                }
                Some(IntOrPercent::Percent(p)) if field == "maxUnavailable" && p > 100 => {
                    format!(
                        "maxUnavailable: {p}% is more than 100%; the API server rejects it (\"must not be greater than 100%\")."
                    )
                }
                _ => continue,
            };
            let keys: &[&'static str] = if field == "maxSurge" {
                &["spec", "strategy", "rollingUpdate", "maxSurge"]
            } else {
                &["spec", "strategy", "rollingUpdate", "maxUnavailable"]
            };
            report(
                keys,
                Target::Value,
                message,
                "out of range",
                "use a whole number ≥ 0 or a percentage (at most 100% for maxUnavailable).",
            );
        }
    }
}
