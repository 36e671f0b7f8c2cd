//! `rollout-surge-scarce-resource` (SEMANTICS.md §A.3): a Deployment whose rolling update must
//! start a new pod before it deletes an old one, while every pod holds a GPU or another
//! extended resource, waits forever unless that much is free on some node.

use std::any::Any;

use super::{ObjectContext, Rule, SetContext};
use crate::config::{Capacity, ResourceCapacity};
use crate::finding::{Finding, Location, ObjectRef, Severity};
use crate::k8s::quantity::Quantity;
use crate::k8s::resources::{is_scarce, pod_request, requested_resources};
use crate::k8s::rollout::{DeploymentStrategy, ResolvedRollout, RollingUpdate};
use crate::k8s::{Object, ObjectIndex, ObjectKey, Typed};
use crate::yaml::{FieldPath, Target};

pub const ID: &str = "rollout-surge-scarce-resource";

/// Replica counts evaluated in an HPA range; deadlock-prone counts are small (below 100/p
/// for a `p%` maxUnavailable), so the first thousand settle every case.
const MAX_EVALUATED_REPLICAS: i64 = 1000;

pub struct RolloutSurgeScarceResource;

/// One scarce resource every pod of the Deployment needs.
struct Need {
    resource: String,
    amount: Quantity,
    request: Location,
}

/// What the set pass needs to finish the check once HPAs are known.
struct Candidate {
    object: ObjectRef,
    display: String,
    key: ObjectKey,
    replicas: Option<i32>,
    rolling: RollingUpdate,
    strategy_written: bool,
    location: Location,
    replicas_location: Location,
    needs: Vec<Need>,
    /// Dynamic Resource Allocation: a fresh claim per pod from each of these templates, with
    /// a device count kubelint cannot see (SEMANTICS.md §0.7), so these findings are `info`.
    claim_templates: Vec<(String, Location)>,
}

fn max_unavailable_path() -> FieldPath {
    FieldPath::keys(&["spec", "strategy", "rollingUpdate", "maxUnavailable"])
}

impl Rule for RolloutSurgeScarceResource {
    fn doc(&self) -> &'static str {
        include_str!("../../rules/rollout-surge-scarce-resource.md")
    }

    fn check_object(&self, object: &Object<'_, '_>, cx: &mut ObjectContext<'_>) {
        let Typed::Deployment(deployment) = &object.typed else {
            return;
        };
        let DeploymentStrategy::RollingUpdate(rolling) = DeploymentStrategy::of(deployment) else {
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
        let spec = &deployment.spec;
        cx.defer(Candidate {
            object: object.reference(),
            display: object.display_name(),
            key: ObjectKey {
                namespace: object.namespace().map(str::to_string),
                kind: object.kind.clone(),
                name: object.name().unwrap_or_default().to_string(),
            },
            replicas: spec.replicas,
            rolling,
            strategy_written: spec.strategy.is_some(),
            location: object.locate(&max_unavailable_path(), Target::Value),
            replicas_location: object
                .locate(&FieldPath::keys(&["spec", "replicas"]), Target::Value),
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
        let autoscaling = index.autoscaling(&candidate.key, candidate.location.file);
        let (low, high) = match autoscaling {
            Some(a) => (i64::from(a.min_replicas), i64::from(a.max_replicas)),
            None => {
                let replicas = i64::from(candidate.replicas.unwrap_or(1));
                (replicas, replicas)
            }
        };
        let waiting: Vec<ResolvedRollout> = (low.max(1)
            ..=high.min(low.max(1) + MAX_EVALUATED_REPLICAS))
            .map(|replicas| candidate.rolling.resolve(replicas))
            .filter(ResolvedRollout::waits_for_new_pod)
            .collect();
        let (Some(first), Some(last)) = (waiting.first(), waiting.last()) else {
            return;
        };
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
            let mut message = format!(
                "{}: rolling update keeps all {} old pod(s) until a new pod is Ready (maxUnavailable resolves \
                 to 0, maxSurge to {}), and {holds_text}",
                candidate.display, first.replicas, first.surge
            );
            if !candidate.strategy_written {
                message.push_str(&format!(
                    " (strategy not set: defaults maxSurge=25%, maxUnavailable=25% resolve to {}/{} for {} replica(s))",
                    first.surge, first.unavailable, first.replicas
                ));
            }
            let mut finding = Finding::new(ID, severity, candidate.location.clone(), message)
                .with_label(label(&candidate, first))
                .with_help(help)
                .with_related(request, request_label);
            finding.path = Some(max_unavailable_path().to_string());
            finding.object = Some(candidate.object.clone());
            match autoscaling {
                Some(a) => {
                    finding.message.push_str(&format!(
                        " HorizontalPodAutoscaler {} scales it between {} and {} replicas; the rollout waits for a new pod at {}.",
                        a.hpa_name,
                        a.min_replicas,
                        a.max_replicas,
                        if first.replicas == last.replicas {
                            format!("{} replica(s)", first.replicas)
                        } else {
                            format!("≤ {} replicas", last.replicas)
                        }
                    ));
                    finding = finding.with_related(
                        a.min_location.clone(),
                        format!(
                            "HorizontalPodAutoscaler {} allows {} replica(s)",
                            a.hpa_name, a.min_replicas
                        ),
                    );
                }
                None if candidate.replicas.is_some() => {
                    finding = finding.with_related(
                        candidate.replicas_location.clone(),
                        format!("{} replica(s)", first.replicas),
                    );
                }
                None => {}
            }
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

fn label(candidate: &Candidate, rollout: &ResolvedRollout) -> String {
    let replicas = rollout.replicas;
    if !candidate.strategy_written {
        format!(
            "no strategy: the default 25%/25% resolves to maxSurge {}, maxUnavailable 0 for {replicas} replica(s)",
            rollout.surge
        )
    } else if candidate.rolling.max_unavailable_written {
        format!(
            "maxUnavailable {} resolves to 0 for {replicas} replica(s)",
            candidate.rolling.max_unavailable
        )
    } else {
        format!("maxUnavailable defaults to 25%, which resolves to 0 for {replicas} replica(s)")
    }
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

/// The two strategies that never need a spare `what`, as YAML.
fn recreate_or_one_by_one(what: &str) -> String {
    format!(
        "let old pods go first (brief downtime):\n\
         \x20 spec:\n\
         \x20   strategy:\n\
         \x20     type: Recreate\n\
         or replace one pod at a time, without an extra {what}:\n\
         \x20 spec:\n\
         \x20   strategy:\n\
         \x20     type: RollingUpdate\n\
         \x20     rollingUpdate:\n\
         \x20       maxSurge: 0\n\
         \x20       maxUnavailable: 1"
    )
}
