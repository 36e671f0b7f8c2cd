//! What the cross-environment rules compare: for each paired workload, each container and
//! each resource, the effective request and limit in every environment after the API
//! server's defaulting (SEMANTICS.md §0.3: a missing request takes the limit; LimitRange
//! defaults fill what is still missing).

use std::collections::BTreeSet;
use std::fmt;

use super::pairing::SIZES;
use super::summary::{ContainerSummary, Value, WorkloadSummary};
use crate::config::Config;
use crate::finding::{Finding, Location, Severity};
use crate::k8s::ObjectIndex;
use crate::k8s::quantity::Quantity;

/// `requests` or `limits`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Requests,
    Limits,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Requests, Side::Limits];

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Requests => "requests",
            Side::Limits => "limits",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an effective value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Written,
    /// A request defaulted from the container's limit.
    FromLimit,
    /// Defaulted by the named LimitRange.
    LimitRange(String),
}

/// A request or limit as the pod will have it.
#[derive(Debug, Clone)]
pub struct Effective<'a> {
    pub value: &'a Value,
    pub source: Source,
}

impl Effective<'_> {
    pub fn quantity(&self) -> &Quantity {
        &self.value.quantity
    }

    pub fn location(&self) -> &Location {
        &self.value.location
    }

    /// ` (defaulted from the limit)` and the like, for messages.
    pub fn note(&self) -> String {
        match &self.source {
            Source::Written => String::new(),
            Source::FromLimit => " (the request defaults to the limit)".to_string(),
            Source::LimitRange(name) => format!(" (defaulted by LimitRange {name})"),
        }
    }
}

/// The effective `side[resource]` of a container of workload `w`.
pub fn effective<'a>(
    index: &'a ObjectIndex,
    w: &'a WorkloadSummary,
    c: &'a ContainerSummary,
    side: Side,
    resource: &str,
) -> Option<Effective<'a>> {
    let written = |v: &'a Value, source| Effective { value: v, source };
    let ranges = index.env_limit_ranges(w.object.namespace.as_deref(), Some(&w.environment));
    let from_range =
        |pick: fn(&'a super::summary::LimitRangeSummary, &str) -> Option<&'a Value>| {
            ranges.iter().find_map(|r| {
                pick(r, resource).map(|v| Effective {
                    value: v,
                    source: Source::LimitRange(r.name.clone()),
                })
            })
        };
    match side {
        Side::Requests => c
            .requests
            .get(resource)
            .map(|v| written(v, Source::Written))
            .or_else(|| {
                c.limits
                    .get(resource)
                    .map(|v| written(v, Source::FromLimit))
            })
            .or_else(|| from_range(|r, res| r.default_requests.get(res))),
        Side::Limits => c
            .limits
            .get(resource)
            .map(|v| written(v, Source::Written))
            .or_else(|| from_range(|r, res| r.default_limits.get(res))),
    }
}

/// One container of a paired workload, in every environment that has it.
pub struct PairedContainer<'a> {
    pub name: &'a str,
    pub init: bool,
    /// (workload, container) per environment, in environment order.
    pub members: Vec<(&'a WorkloadSummary, &'a ContainerSummary)>,
    /// Every resource any of them requests or limits.
    pub resources: BTreeSet<&'a str>,
}

/// The containers of a group of paired workloads, paired by name (containers and init
/// containers separately), each present in at least two environments.
pub fn paired_containers<'a>(workloads: &[&'a WorkloadSummary]) -> Vec<PairedContainer<'a>> {
    let mut names: Vec<(bool, &str)> = Vec::new();
    for w in workloads {
        for c in &w.containers {
            if !names.contains(&(c.init, c.name.as_str())) {
                names.push((c.init, c.name.as_str()));
            }
        }
    }
    names
        .into_iter()
        .filter_map(|(init, name)| {
            let members: Vec<_> = workloads
                .iter()
                .filter_map(|w| w.container(name, init).map(|c| (*w, c)))
                .collect();
            let resources = members
                .iter()
                .flat_map(|(_, c)| c.requests.keys().chain(c.limits.keys()))
                .map(String::as_str)
                .collect();
            (members.len() >= 2).then_some(PairedContainer {
                name,
                init,
                members,
                resources,
            })
        })
        .collect()
}

/// The groups of paired workloads, each as its members.
pub fn groups<'a>(index: &'a ObjectIndex, config: &Config) -> Vec<Vec<&'a WorkloadSummary>> {
    let configured: Vec<String> = config.environments.iter().map(|e| e.name.clone()).collect();
    let workloads = index.workloads();
    index
        .pairing(&configured)
        .groups
        .iter()
        .map(|g| g.members.iter().map(|&i| &workloads[i]).collect())
        .collect()
}

/// The path of `side[resource]` in a container, whether it is written there or defaulted:
/// the field a finding is about (fingerprints and the environment table key on it).
pub fn field_path(c: &ContainerSummary, side: Side, resource: &str) -> String {
    format!("{}.resources.{side}.{resource}", c.path)
}

/// Whether environment `own` is compared with peer environment `peer`. Sizes (xs … xl) are
/// smaller than larger sizes by design: a size is compared only with smaller sizes, so what is
/// reported is a larger size below a smaller one. Any other pair of environments is compared.
pub fn compared_with(own: &str, peer: &str) -> bool {
    if own == peer {
        return false;
    }
    let size = |name: &str| SIZES.iter().position(|s| *s == name);
    match (size(own), size(peer)) {
        (Some(own), Some(peer)) => peer < own,
        _ => true,
    }
}

/// `container c` or `init container c`, for messages.
pub fn container_label(name: &str, init: bool) -> String {
    if init {
        format!("init container {name}")
    } else {
        format!("container {name}")
    }
}

/// A ratio as a percentage with at most one decimal (`25%`, `12.5%`), never rounded up to
/// a threshold it is below.
pub fn percent(ratio: f64) -> String {
    let tenths = (ratio * 1000.0).floor() / 10.0;
    let text = format!("{tenths:.1}");
    format!("{}%", text.strip_suffix(".0").unwrap_or(&text))
}

/// `fraction × q`, rounded up to a value people write: millicores for cpu, Mi for byte
/// quantities, whole units otherwise.
pub fn scaled(resource: &str, q: &Quantity, fraction: f64) -> String {
    let value = q.as_f64() * fraction;
    if resource == "cpu" {
        format!("{}m", (value * 1000.0).ceil() as i128)
    } else if is_bytes(resource) {
        format!("{}Mi", (value / 1_048_576.0).ceil() as i128)
    } else {
        format!("{}", value.ceil() as i128)
    }
}

/// Resources measured in bytes.
pub fn is_bytes(resource: &str) -> bool {
    resource == "memory" || resource == "ephemeral-storage" || resource.starts_with("hugepages-")
}

/// A finding about workload `w` at `location`, with its object and path filled in.
pub fn finding(
    rule: &'static str,
    severity: Severity,
    w: &WorkloadSummary,
    location: &Location,
    path: Option<&str>,
    message: String,
) -> Finding {
    let mut finding = Finding::new(rule, severity, location.clone(), message);
    finding.object = Some(w.object.clone());
    finding.path = path.map(str::to_string);
    finding.environment = Some(w.environment.to_string());
    finding
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_compare_only_with_smaller_sizes() {
        assert!(compared_with("xl", "s"));
        assert!(!compared_with("s", "xl"));
        assert!(!compared_with("m", "m"));
        assert!(compared_with("dev", "prod"));
        assert!(compared_with("prod", "dev"));
        assert!(compared_with("s", "prod"));
    }

    #[test]
    fn percentages_never_round_up_to_a_threshold() {
        assert_eq!(percent(0.25), "25%");
        assert_eq!(percent(0.2499), "24.9%");
        assert_eq!(percent(0.125), "12.5%");
        assert_eq!(percent(0.0625), "6.2%");
    }
}
