//! `rollout-surge-scarce-resource` (SEMANTICS.md §A.3): a Deployment whose rolling update must
//! start a new pod before it deletes an old one, while every pod holds a GPU or another
//! extended resource, waits forever unless that much is free on some node.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::config::{Capacity, ResourceCapacity};
use crate::finding::{Finding, Location, Severity};
use crate::k8s::quantity::Quantity;
use crate::k8s::resources::{is_scarce, pod_request, requested_resources};
use crate::k8s::rollout::ResolvedRollout;
use crate::k8s::surge::{DeploymentRollout, max_unavailable_path, recreate_or_one_by_one};
use crate::k8s::{Object, ObjectIndex};
use crate::yaml::Target;

pub const ID: &str = "rollout-surge-scarce-resource";

pub struct RolloutSurgeScarceResource;

/// One scarce resource every pod of the Deployment needs.
struct Need {
    resource: String,
    amount: Quantity,
    request: Location,
}

/// What the set pass needs to finish the check once HPAs are known.
struct Candidate {
    rollout: DeploymentRollout,
    needs: Vec<Need>,
    /// Dynamic Resource Allocation: a fresh claim per pod from each of these templates, with
    /// a device count kubelint cannot see (SEMANTICS.md §0.7), so these findings are `info`.
    claim_templates: Vec<(String, Location)>,
}

impl Rule for RolloutSurgeScarceResource {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/rollout-surge-scarce-resource.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Some(rollout) = DeploymentRollout::of(object) else {
            return;
        };
        let Some(template) = object.pod_template() else {
            return;
        };
        let needs: Vec<Need> = requested_resources(template.spec)
            .into_iter()
            .filter(|name| is_scarce(name))
            .filter_map(|resource| {
                let request = pod_request(template.spec, &resource, &template.spec_path)?;
                let first = request.sources.first()?;
                Some(Need {
                    request: object.locate(&first.path, Target::Value),
                    amount: request.total,
                    resource,
                })
            })
            .collect();
        let claim_templates: Vec<(String, Location)> = template
            .spec
            .resource_claims
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, claim)| {
                let name = claim.resource_claim_template_name.clone()?;
                let path = template
                    .spec_path
                    .clone()
                    .key("resourceClaims")
                    .index(i)
                    .key("resourceClaimTemplateName");
                Some((name, object.locate(&path, Target::Value)))
            })
            .collect();
        if needs.is_empty() && claim_templates.is_empty() {
            return;
        }
        cx.defer(Candidate {
            rollout,
            needs,
            claim_templates,
        });
    }

    fn check_deferred(
        &self,
        deferred: Box<dyn Any + Send>,
        index: &ObjectIndex,
        cx: &mut SetContext<'_>,
    ) {
        let Ok(candidate) = deferred.downcast::<Candidate>() else {
            return;
        };
        let rollout = &candidate.rollout;
        // Unlike the other surge rules, a Kustomize patch or KEDA does not silence this one.
        let Some(waiting) = DeploymentRollout::waiting_in(&rollout.rolling, rollout.range(index))
        else {
            return;
        };
        let first = &waiting.first;
        // (severity, what each pod holds, help, where it is requested) per scarce resource.
        let mut holds: Vec<(Severity, String, String, Location, String)> = Vec::new();
        for (claim_template, claim_location) in &candidate.claim_templates {
            holds.push((
                Severity::Info,
                format!(
                    "each pod allocates its own devices through ResourceClaimTemplate {claim_template}. The new \
                     pod needs those devices free; kubelint cannot see how many the claim asks for. If none are \
                     free the rollout never finishes."
                ),
                recreate_or_one_by_one("device"),
                claim_location.clone(),
                "each pod gets a new claim from this template".to_string(),
            ));
        }
        for need in &candidate.needs {
            let Some((severity, capacity_note)) = severity(&cx.config.capacity, need, first.surge)
            else {
                continue;
            };
            let mut text = needs_text(need, first);
            if let Some(note) = capacity_note {
                text.push(' ');
                text.push_str(&note);
            }
            holds.push((
                severity,
                text,
                help(need, first),
                need.request.clone(),
                format!(
                    "each pod needs {} {} (requested here)",
                    need.amount, need.resource
                ),
            ));
        }
        for (severity, holds_text, help, request, request_label) in holds {
            let message = format!(
                "{}: {}, and {holds_text}{}",
                rollout.display,
                DeploymentRollout::old_pods_kept(first),
                rollout.defaults_note(first)
            );
            let mut finding = Finding::new(
                ID,
                severity,
                rollout.max_unavailable_location.clone(),
                message,
            )
            .with_label(rollout.strategy_label(first))
            .with_help(help)
            .with_related(request, request_label);
            finding.path = Some(max_unavailable_path().to_string());
            finding.object = Some(rollout.object.clone());
            let finding = rollout.explain_replicas(finding, &waiting);
            cx.report(finding);
        }
    }
}

/// SEMANTICS.md §A.3: known spare capacity decides between certain deadlock (error), a
/// serialized but finishing rollout (info) and no finding; unknown capacity is a warning
/// (an error with `assumeNoSpare`). Without `freePerNode`, no node can have more than
/// `freeTotal`. Returns the severity and, when the config decided it, a sentence saying how.
fn severity(capacity: &Capacity, need: &Need, surge: i64) -> Option<(Severity, Option<String>)> {
    let units = need.amount.value();
    let resource = &need.resource;
    match capacity.extended_resources.get(resource) {
        Some(&ResourceCapacity {
            free_per_node,
            free_total,
        }) if free_per_node.or(free_total).is_some() => {
            let per_node = i128::from(free_per_node.or(free_total).unwrap_or(0));
            let total = free_total.map(i128::from);
            if per_node < units {
                Some((
                    Severity::Error,
                    Some(format!(
                        "The configuration keeps at most {per_node} {resource} free on a node: the rollout can never start its first new pod."
                    )),
                ))
            } else {
                // Enough on one node for a pod, but not for the whole surge: it serializes.
                total
                    .filter(|t| *t < units * i128::from(surge))
                    .map(|total| {
                        (
                            Severity::Info,
                            Some(format!(
                                "The configuration keeps {total} {resource} free in all: the new pods start {} at a time and the rollout finishes, slowly.",
                                (total / units).max(1)
                            )),
                        )
                    })
            }
        }
        _ if capacity.assume_no_spare => Some((
            Severity::Error,
            Some("The configuration assumes no spare capacity (assumeNoSpare).".to_string()),
        )),
        _ => Some((Severity::Warning, None)),
    }
}

fn peak(need: &Need, rollout: &ResolvedRollout) -> String {
    need.amount.checked_mul_int(rollout.surge).map_or_else(
        || format!("{} × {}", rollout.surge, need.amount),
        |q| q.to_string(),
    )
}

/// What each pod holds and what that means for the rollout (SEMANTICS.md §A.3's message).
fn needs_text(need: &Need, rollout: &ResolvedRollout) -> String {
    let (amount, resource) = (&need.amount, &need.resource);
    format!(
        "each pod needs {amount} {resource}. The first new pod needs {amount} free {resource} on one node; at \
         peak the rollout needs {} extra. If the cluster has no spare {resource} the new pod stays Pending forever \
         and the rollout never finishes (only ProgressDeadlineExceeded is reported).",
        peak(need, rollout),
    )
}

fn help(need: &Need, rollout: &ResolvedRollout) -> String {
    let resource = &need.resource;
    // The config counts whole units (bytes for huge pages).
    let units = need.amount.value();
    let peak_units = units.saturating_mul(i128::from(rollout.surge));
    format!(
        "{}\n\
         or, if {peak} spare {resource} is guaranteed for rollouts, record it in .kubelint.yaml:\n\
         \x20 capacity:\n\
         \x20   extendedResources:\n\
         \x20     {resource}: {{freePerNode: {units}, freeTotal: {peak_units}}}",
        recreate_or_one_by_one(resource),
        peak = peak(need, rollout),
    )
}
