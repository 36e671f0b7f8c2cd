//! Resource names and the effective pod request (SEMANTICS.md §0.6, §0.7).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodSpec};

use super::quantity::Quantity;
use crate::yaml::FieldPath;

/// `IsExtendedResourceName`: a domain-prefixed name outside `kubernetes.io/`, such as
/// `nvidia.com/gpu`, `amd.com/gpu`, `gpu.intel.com/i915`, `habana.ai/gaudi`.
pub fn is_extended_resource(name: &str) -> bool {
    let Some((prefix, base)) = name.split_once('/') else {
        return false;
    };
    if name.contains("kubernetes.io/") || name.starts_with("requests.") {
        return false;
    }
    is_dns_subdomain(prefix) && is_qualified_name_part(base)
}

/// Resources a rollout must find free on one node and cannot overcommit: extended resources
/// and huge pages.
pub fn is_scarce(name: &str) -> bool {
    is_extended_resource(name) || name.starts_with("hugepages-")
}

fn is_dns_subdomain(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn is_qualified_name_part(text: &str) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Where a container's amount of a resource was written.
#[derive(Debug, Clone)]
pub struct RequestSource {
    /// Path to the `requests[r]` (or, when only a limit is written, `limits[r]`) value.
    pub path: FieldPath,
    pub amount: Quantity,
}

/// A pod's need for one resource, and the containers it comes from.
#[derive(Debug, Clone)]
pub struct PodRequest {
    pub total: Quantity,
    /// The containers that contribute, app containers first.
    pub sources: Vec<RequestSource>,
}

/// `req(c, r)`: the request, else the limit (the API server defaults the request from it).
fn container_request(
    container: &Container,
    resource: &str,
    path: FieldPath,
) -> Option<RequestSource> {
    let resources = container.resources.as_ref()?;
    let (field, value) = resources
        .requests
        .as_ref()
        .and_then(|m| m.get(resource))
        .map(|v| ("requests", v))
        .or_else(|| {
            resources
                .limits
                .as_ref()
                .and_then(|m| m.get(resource))
                .map(|v| ("limits", v))
        })?;
    let amount = Quantity::parse(&value.0).ok()?;
    Some(RequestSource {
        path: path.key("resources").key(field).key(resource.to_string()),
        amount,
    })
}

/// Every resource name any container of the pod asks for.
pub fn requested_resources(spec: &PodSpec) -> Vec<String> {
    let mut names = BTreeMap::new();
    for container in spec
        .containers
        .iter()
        .chain(spec.init_containers.iter().flatten())
    {
        if let Some(resources) = &container.resources {
            for map in [&resources.requests, &resources.limits]
                .into_iter()
                .flatten()
            {
                for name in map.keys() {
                    names.insert(name.clone(), ());
                }
            }
        }
    }
    names.into_keys().collect()
}

/// The pod's effective request of `resource` (component-helpers `PodRequests`): app
/// containers and restartable init containers (sidecars) add up; a plain init container
/// counts only as the maximum it needs, together with the sidecars started before it;
/// `spec.overhead` is added. `spec_path` is the path of `spec` inside the object.
pub fn pod_request(spec: &PodSpec, resource: &str, spec_path: &FieldPath) -> Option<PodRequest> {
    let zero = Quantity::parse("0").ok()?;
    let mut app = zero.clone();
    let mut sidecars = zero.clone();
    let mut init_max = zero.clone();
    let mut sources = Vec::new();
    for (i, container) in spec.containers.iter().enumerate() {
        let path = spec_path.clone().key("containers").index(i);
        if let Some(source) = container_request(container, resource, path) {
            app = app.checked_add(&source.amount)?;
            sources.push(source);
        }
    }
    let mut init_sources = Vec::new();
    for (i, container) in spec.init_containers.iter().flatten().enumerate() {
        let path = spec_path.clone().key("initContainers").index(i);
        let source = container_request(container, resource, path);
        let amount = source
            .as_ref()
            .map_or_else(|| zero.clone(), |s| s.amount.clone());
        if container.restart_policy.as_deref() == Some("Always") {
            app = app.checked_add(&amount)?;
            sidecars = sidecars.checked_add(&amount)?;
            init_max = init_max.max(sidecars.clone());
        } else {
            init_max = init_max.max(amount.checked_add(&sidecars)?);
        }
        init_sources.extend(source);
    }
    sources.extend(init_sources);
    let mut total = app.max(init_max);
    // Pod-level resources (PodLevelResources) replace the sum, for cpu, memory and huge pages.
    let pod_level = resource == "cpu" || resource == "memory" || resource.starts_with("hugepages-");
    if pod_level
        && let Some(value) = spec
            .resources
            .as_ref()
            .and_then(|r| r.requests.as_ref())
            .and_then(|m| m.get(resource))
    {
        total = Quantity::parse(&value.0).ok()?;
    }
    if let Some(overhead) = spec.overhead.as_ref().and_then(|o| o.get(resource)) {
        total = total.checked_add(&Quantity::parse(&overhead.0).ok()?)?;
    }
    (!total.is_zero()).then_some(PodRequest { total, sources })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_resource_names() {
        for name in [
            "nvidia.com/gpu",
            "amd.com/gpu",
            "gpu.intel.com/i915",
            "gpu.intel.com/xe",
            "nvidia.com/mig-1g.5gb",
            "habana.ai/gaudi",
            "aws.amazon.com/neuron",
            "vpc.amazonaws.com/efa",
            "google.com/tpu",
        ] {
            assert!(is_extended_resource(name), "{name}");
            assert!(is_scarce(name), "{name}");
        }
        for name in [
            "cpu",
            "memory",
            "ephemeral-storage",
            "kubernetes.io/x",
            "requests.nvidia.com/gpu",
        ] {
            assert!(!is_extended_resource(name), "{name}");
        }
        assert!(is_scarce("hugepages-2Mi"));
        assert!(!is_scarce("memory"));
    }
}
