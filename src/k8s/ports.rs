//! Host ports a pod binds (SEMANTICS.md §A.4): `hostPort` of every container and init
//! container port, and with `hostNetwork: true` every `containerPort` (the API server defaults
//! `hostPort` to it, `SetDefaults_Pod` → `defaultHostNetworkPorts`).

use super::object::PodTemplateView;
use crate::yaml::FieldPath;

/// One host port binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPort {
    pub port: i32,
    /// `TCP` unless written.
    pub protocol: String,
    /// `0.0.0.0` (every address) unless written.
    pub host_ip: String,
    /// Where it was written: `hostPort`, or `containerPort` under `hostNetwork`.
    pub path: FieldPath,
    /// True when it comes from `hostNetwork: true`, not a `hostPort` field.
    pub from_host_network: bool,
}

impl std::fmt::Display for HostPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.port, self.protocol)
    }
}

/// The distinct host ports of a pod, app containers first.
pub fn host_ports(template: &PodTemplateView<'_>) -> Vec<HostPort> {
    let host_network = template.spec.host_network == Some(true);
    let groups = [
        ("containers", template.spec.containers.as_slice()),
        (
            "initContainers",
            template.spec.init_containers.as_deref().unwrap_or_default(),
        ),
    ];
    let mut ports: Vec<HostPort> = Vec::new();
    for (field, containers) in groups {
        for (c, container) in containers.iter().enumerate() {
            for (p, port) in container.ports.iter().flatten().enumerate() {
                let at = template
                    .spec_path
                    .clone()
                    .key(field)
                    .index(c)
                    .key("ports")
                    .index(p);
                let (number, path, from_host_network) = match port.host_port {
                    Some(host) if host > 0 => (host, at.key("hostPort"), false),
                    _ if host_network && port.container_port > 0 => {
                        (port.container_port, at.key("containerPort"), true)
                    }
                    _ => continue,
                };
                let binding = HostPort {
                    port: number,
                    protocol: port.protocol.clone().unwrap_or_else(|| "TCP".to_string()),
                    host_ip: port
                        .host_ip
                        .clone()
                        .filter(|ip| !ip.is_empty())
                        .unwrap_or_else(|| "0.0.0.0".to_string()),
                    path,
                    from_host_network,
                };
                let seen = ports.iter().any(|p| {
                    (p.port, &p.protocol, &p.host_ip)
                        == (binding.port, &binding.protocol, &binding.host_ip)
                });
                if !seen {
                    ports.push(binding);
                }
            }
        }
    }
    ports
}
