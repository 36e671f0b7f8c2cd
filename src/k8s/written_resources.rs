//! Every resource quantity written in a pod template, with its path: what the single-
//! environment resource rules (SEMANTICS.md §E.6) read.

use k8s_openapi::api::core::v1::{Container, ResourceRequirements};

use super::PodTemplateView;
use crate::yaml::FieldPath;

/// One container's (or the pod's own) `resources`.
pub struct ResourceBlock<'o> {
    /// `container c`, `init container c`, or `the pod`.
    pub owner: String,
    /// The container's name, when it is one.
    pub container: Option<&'o Container>,
    /// An init container that is not a sidecar (it does not run beside the app).
    pub plain_init: bool,
    pub resources: Option<&'o ResourceRequirements>,
    /// The path of `resources`.
    pub path: FieldPath,
}

/// One written quantity.
pub struct Written<'o> {
    pub side: &'static str,
    pub resource: &'o str,
    pub text: &'o str,
    pub path: FieldPath,
}

impl<'o> ResourceBlock<'o> {
    /// Every quantity of `requests` then `limits`.
    pub fn quantities(&self) -> Vec<Written<'o>> {
        let Some(resources) = self.resources else {
            return Vec::new();
        };
        [
            ("requests", &resources.requests),
            ("limits", &resources.limits),
        ]
        .into_iter()
        .flat_map(|(side, map)| {
            map.iter().flatten().map(move |(resource, value)| Written {
                side,
                resource,
                text: &value.0,
                path: self.path.clone().key(side).key(resource.clone()),
            })
        })
        .collect()
    }
}

/// The `resources` of every container, init container and of the pod itself.
pub fn resource_blocks<'o>(template: &PodTemplateView<'o>) -> Vec<ResourceBlock<'o>> {
    let spec = template.spec;
    let mut blocks: Vec<ResourceBlock<'o>> = spec
        .containers
        .iter()
        .enumerate()
        .map(|(i, c)| ResourceBlock {
            owner: format!("container {}", c.name),
            container: Some(c),
            plain_init: false,
            resources: c.resources.as_ref(),
            path: template
                .spec_path
                .clone()
                .key("containers")
                .index(i)
                .key("resources"),
        })
        .collect();
    blocks.extend(
        spec.init_containers
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, c)| ResourceBlock {
                owner: format!("init container {}", c.name),
                container: Some(c),
                plain_init: c.restart_policy.as_deref() != Some("Always"),
                resources: c.resources.as_ref(),
                path: template
                    .spec_path
                    .clone()
                    .key("initContainers")
                    .index(i)
                    .key("resources"),
            }),
    );
    if let Some(resources) = &spec.resources {
        blocks.push(ResourceBlock {
            owner: "the pod".to_string(),
            container: None,
            plain_init: false,
            resources: Some(resources),
            path: template.spec_path.clone().key("resources"),
        });
    }
    blocks
}
