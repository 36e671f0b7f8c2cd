//! The environment a container's process starts with (SEMANTICS.md §0.10): `envFrom` sources
//! in order, then `env` entries, ConfigMaps resolved from the input, `$(VAR)` references
//! expanded, `resourceFieldRef` kept symbolic; everything kubelint cannot see is unknown,
//! never guessed.

use std::ops::Range;

use crate::finding::Location;
use crate::k8s::ObjectIndex;
use crate::k8s::quantity::Quantity;
use crate::source::FileId;

use super::text::SourceText;

/// `valueFrom.resourceFieldRef`: a value the kubelet computes from the pod's resources.
#[derive(Debug, Clone)]
pub struct ResourceFieldRef {
    /// `limits.cpu`, `requests.cpu`, `limits.memory`, …
    pub resource: String,
    /// The container whose resources are read; `None` is the variable's own container.
    pub container: Option<String>,
    /// The `resource` value.
    pub resource_location: Location,
    /// `None` when not written (the kubelet's default divisor is 1).
    pub divisor: Option<Quantity>,
    /// The `divisor` value, or the `resourceFieldRef` key when there is none.
    pub divisor_location: Location,
}

impl ResourceFieldRef {
    /// Whether the divisor is the default 1 (written or not).
    pub fn divisor_is_one(&self) -> bool {
        self.divisor
            .as_ref()
            .is_none_or(|d| d.milli_value() == 1000)
    }

    /// What the kubelet injects for a resource of `amount`: `ceil(amount / divisor)`, in
    /// milli-units for CPU as `ExtractContainerResourceValue` computes it.
    pub fn value_for(&self, amount: &Quantity) -> Option<i128> {
        let divisor = self.divisor.as_ref().map_or(1000, Quantity::milli_value);
        if divisor <= 0 {
            return None;
        }
        let milli = amount.milli_value();
        Some((milli + divisor - 1).div_euclid(divisor))
    }
}

/// What a variable holds.
#[derive(Debug, Clone)]
pub enum EnvValue {
    /// A value known from the manifests (after `$(VAR)` expansion).
    Literal(String),
    /// Filled in by the kubelet from the pod's resources.
    ResourceField(ResourceFieldRef),
    /// Set, to something kubelint cannot see; the reason, for messages.
    Unknown(String),
}

/// Where a variable was set.
#[derive(Debug, Clone)]
pub enum EnvSource {
    /// `env[index]` of the container.
    Env { index: usize },
    /// A key of the ConfigMap `config_map`, imported by `envFrom[index]`.
    EnvFrom { index: usize, config_map: String },
    /// A key of an object that is not in the input or whose values are hidden (a Secret).
    EnvFromUnknown { index: usize, source: String },
}

/// One variable of the container environment.
#[derive(Debug, Clone)]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    /// The place that sets the variable: the `env` entry's `name`, or the ConfigMap key's
    /// value for `envFrom` (the `envFrom` entry when the ConfigMap is not in the input).
    pub location: Location,
    /// The value's text, when it is written somewhere: the `value` of an `env` entry, the
    /// ConfigMap value of a `configMapKeyRef` or an `envFrom` key.
    pub text: Option<SourceText>,
    pub source: EnvSource,
}

/// What a lookup found.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'e> {
    Set(&'e EnvVar),
    /// Certainly not set.
    Unset,
    /// Perhaps set by an `envFrom` source kubelint cannot read.
    Unknown,
}

/// The container environment, resolved.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// Each name once, its effective value; in the order they were first set.
    vars: Vec<EnvVar>,
    /// `envFrom` sources whose keys are unknown (the ConfigMap or Secret is not in the input),
    /// with the location of the `envFrom` entry.
    pub unknown_sources: Vec<(String, Location)>,
}

impl Environment {
    pub fn lookup(&self, name: &str) -> Lookup<'_> {
        match self.vars.iter().find(|v| v.name == name) {
            Some(var) => Lookup::Set(var),
            None if self.unknown_sources.is_empty() => Lookup::Unset,
            None => Lookup::Unknown,
        }
    }

    /// The variable when it is certainly set.
    pub fn get(&self, name: &str) -> Option<&EnvVar> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// Every variable known to be set.
    pub fn vars(&self) -> &[EnvVar] {
        &self.vars
    }

    fn set(&mut self, var: EnvVar) {
        match self.vars.iter_mut().find(|v| v.name == var.name) {
            Some(existing) => *existing = var,
            None => self.vars.push(var),
        }
    }

    /// Kubernetes' `$(VAR)` expansion (`third_party/forked/golang/expansion`): `$(NAME)` of a
    /// set variable becomes its value, `$$` becomes `$`, anything else stays as written. A
    /// reference to a variable whose value kubelint cannot know stays as written too, and
    /// makes the result incomplete.
    pub fn expand(&self, text: &str) -> Expanded {
        let mut expanded = Expanded {
            text: String::with_capacity(text.len()),
            complete: true,
            replacements: Vec::new(),
        };
        let mut at = 0;
        while let Some(found) = text[at..].find('$') {
            let dollar = at + found;
            expanded.text.push_str(&text[at..dollar]);
            let after = &text[dollar + 1..];
            let replace = |expanded: &mut Expanded, written_end: usize, with: &str| {
                let start = expanded.text.len();
                expanded.text.push_str(with);
                expanded.replacements.push(Replacement {
                    written: dollar..written_end,
                    expanded: start..expanded.text.len(),
                });
            };
            if after.starts_with('$') {
                replace(&mut expanded, dollar + 2, "$");
                at = dollar + 2;
            } else if let Some((name, _)) = after
                .strip_prefix('(')
                .and_then(|inner| inner.split_once(')'))
            {
                let end = dollar + 2 + name.len() + 1;
                match self.lookup(name) {
                    Lookup::Set(EnvVar {
                        value: EnvValue::Literal(value),
                        ..
                    }) => replace(&mut expanded, end, value),
                    Lookup::Set(_) | Lookup::Unknown => {
                        expanded.complete = false;
                        expanded.text.push_str(&text[dollar..end]);
                    }
                    Lookup::Unset => expanded.text.push_str(&text[dollar..end]),
                }
                at = end;
            } else {
                expanded.text.push('$');
                at = dollar + 1;
            }
        }
        expanded.text.push_str(&text[at..]);
        expanded
    }
}

/// One `$(VAR)` (or `$$`) that Kubernetes replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// Bytes of the reference in the written text.
    pub written: Range<usize>,
    /// Bytes of its value in the expanded text.
    pub expanded: Range<usize>,
}

/// A text after Kubernetes' `$(VAR)` expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    pub text: String,
    /// Every reference was resolved (or certainly names no variable).
    pub complete: bool,
    pub replacements: Vec<Replacement>,
}

impl Expanded {
    /// The written bytes that produced the expanded bytes `range`: a range that touches a
    /// replaced reference covers the whole reference.
    pub fn written_range(&self, range: Range<usize>) -> Range<usize> {
        let map = |offset: usize, is_end: bool| {
            let mut shift: isize = 0;
            for r in &self.replacements {
                let inside = if is_end {
                    r.expanded.start < offset && offset <= r.expanded.end
                } else {
                    r.expanded.start <= offset && offset < r.expanded.end
                };
                if inside {
                    return if is_end {
                        r.written.end
                    } else {
                        r.written.start
                    };
                }
                if r.expanded.end <= offset {
                    shift = r.written.end as isize - r.expanded.end as isize;
                }
            }
            offset.saturating_add_signed(shift)
        };
        let start = map(range.start, false);
        start..map(range.end, true).max(start)
    }
}

/// An `env` entry's source of value, as written.
#[derive(Debug, Clone)]
pub enum RawValue {
    Value(SourceText),
    ResourceField(ResourceFieldRef),
    ConfigMapKey {
        name: String,
        key: String,
        optional: bool,
    },
    /// `secretKeyRef`, `fieldRef`, `fileKeyRef`: set at run time.
    Other(&'static str),
}

/// An `env` entry of the container as written.
#[derive(Debug, Clone)]
pub struct RawEnvVar {
    pub name: String,
    pub value: RawValue,
    /// The entry's `name` value.
    pub location: Location,
}

/// An `envFrom` source as written.
#[derive(Debug, Clone)]
pub struct RawEnvFrom {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    pub name: String,
    pub prefix: String,
    pub location: Location,
}

/// A container's environment as written, before other objects are known.
#[derive(Debug, Clone, Default)]
pub struct RawEnvironment {
    pub env: Vec<RawEnvVar>,
    pub env_from: Vec<RawEnvFrom>,
}

impl RawEnvironment {
    /// Whether resolving needs other objects (ConfigMaps, Secrets).
    pub fn refers_to_objects(&self) -> bool {
        !self.env_from.is_empty()
            || self
                .env
                .iter()
                .any(|e| matches!(e.value, RawValue::ConfigMapKey { .. }))
    }

    /// Resolves the environment against the objects of the run (`None`: none are known, so
    /// every ConfigMap is unknown). `namespace` and `file` place the workload.
    pub fn resolve(
        &self,
        index: Option<&ObjectIndex>,
        namespace: Option<&str>,
        file: FileId,
    ) -> Environment {
        let mut environment = Environment::default();
        for (i, source) in self.env_from.iter().enumerate() {
            let found = index.and_then(|index| match source.kind {
                "ConfigMap" => index.config_map(namespace, &source.name, file).map(|cm| {
                    cm.data
                        .iter()
                        .map(|(k, v)| (k, Some(v)))
                        .collect::<Vec<_>>()
                }),
                _ => index
                    .secret(namespace, &source.name, file)
                    .map(|s| s.keys.iter().map(|k| (k, None)).collect::<Vec<_>>()),
            });
            match found {
                Some(keys) => {
                    for (key, text) in keys {
                        let name = format!("{}{key}", source.prefix);
                        let (value, source_kind) = match text {
                            Some(text) => (
                                EnvValue::Literal(text.value.clone()),
                                EnvSource::EnvFrom {
                                    index: i,
                                    config_map: source.name.clone(),
                                },
                            ),
                            None => (
                                EnvValue::Unknown(format!("from {} {}", source.kind, source.name)),
                                EnvSource::EnvFromUnknown {
                                    index: i,
                                    source: format!("{} {}", source.kind, source.name),
                                },
                            ),
                        };
                        environment.set(EnvVar {
                            name,
                            value,
                            location: text
                                .map_or_else(|| source.location.clone(), |t| t.location.clone()),
                            text: text.cloned(),
                            source: source_kind,
                        });
                    }
                }
                // Not in the input (or hidden): it may set any name.
                None => environment.unknown_sources.push((
                    format!("{} {}", source.kind, source.name),
                    source.location.clone(),
                )),
            }
        }
        for (i, entry) in self.env.iter().enumerate() {
            let (value, text) = match &entry.value {
                RawValue::Value(text) => {
                    let expanded = environment.expand(&text.value);
                    let value = if expanded.complete {
                        EnvValue::Literal(expanded.text)
                    } else {
                        EnvValue::Unknown(format!(
                            "`{}` refers to a variable kubelint cannot resolve",
                            text.value
                        ))
                    };
                    (value, Some(text.clone()))
                }
                RawValue::ResourceField(field) => (EnvValue::ResourceField(field.clone()), None),
                RawValue::ConfigMapKey {
                    name,
                    key,
                    optional,
                } => {
                    let config_map =
                        index.and_then(|index| index.config_map(namespace, name, file));
                    match config_map.map(|cm| cm.data.get(key)) {
                        Some(Some(text)) => {
                            (EnvValue::Literal(text.value.clone()), Some(text.clone()))
                        }
                        // The key is missing: an optional reference leaves the variable unset.
                        Some(None) if *optional => continue,
                        _ => (
                            EnvValue::Unknown(format!("from key {key} of ConfigMap {name}")),
                            None,
                        ),
                    }
                }
                RawValue::Other(what) => (EnvValue::Unknown((*what).to_string()), None),
            };
            environment.set(EnvVar {
                name: entry.name.clone(),
                value,
                location: entry.location.clone(),
                text,
                source: EnvSource::Env { index: i },
            });
        }
        environment
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location() -> Location {
        Location {
            file: 0,
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            start: 0,
            end: 0,
        }
    }

    fn literal(name: &str, value: &str) -> RawEnvVar {
        RawEnvVar {
            name: name.into(),
            value: RawValue::Value(SourceText::at(location(), value.into())),
            location: location(),
        }
    }

    #[test]
    fn later_entries_win_and_references_expand() {
        let raw = RawEnvironment {
            env: vec![
                literal("A", "1"),
                literal("B", "$(A)-$(MISSING)-$$(A)"),
                literal("A", "2"),
            ],
            env_from: Vec::new(),
        };
        let env = raw.resolve(None, None, 0);
        let value = |name: &str| match env.lookup(name) {
            Lookup::Set(EnvVar {
                value: EnvValue::Literal(v),
                ..
            }) => v.clone(),
            other => panic!("{name}: {other:?}"),
        };
        assert_eq!(value("A"), "2");
        assert_eq!(value("B"), "1-$(MISSING)-$(A)");
        assert!(matches!(env.lookup("C"), Lookup::Unset));
        let expanded = env.expand("a $(A) b $(NOPE) c");
        assert_eq!(expanded.text, "a 2 b $(NOPE) c");
        assert!(expanded.complete);
        // `2` came from `$(A)`; `c` is shifted back by the difference.
        assert_eq!(expanded.written_range(2..3), 2..6);
        assert_eq!(expanded.written_range(14..15), 17..18);
    }

    #[test]
    fn an_unknown_source_makes_every_other_name_unknown() {
        let raw = RawEnvironment {
            env: vec![literal("X", "$(FROM_SECRET)")],
            env_from: vec![RawEnvFrom {
                kind: "Secret",
                name: "s".into(),
                prefix: String::new(),
                location: location(),
            }],
        };
        let env = raw.resolve(None, None, 0);
        assert!(matches!(env.lookup("OMP_NUM_THREADS"), Lookup::Unknown));
        assert!(matches!(
            env.lookup("X"),
            Lookup::Set(EnvVar {
                value: EnvValue::Unknown(_),
                ..
            })
        ));
    }

    #[test]
    fn downward_api_rounds_up() {
        let field = |divisor: Option<&str>| ResourceFieldRef {
            resource: "limits.cpu".into(),
            container: None,
            resource_location: location(),
            divisor: divisor.map(|d| Quantity::parse(d).unwrap()),
            divisor_location: location(),
        };
        let q = |t: &str| Quantity::parse(t).unwrap();
        assert_eq!(field(None).value_for(&q("500m")), Some(1));
        assert_eq!(field(Some("1")).value_for(&q("1500m")), Some(2));
        assert_eq!(field(Some("1m")).value_for(&q("4")), Some(4000));
        assert!(field(None).divisor_is_one());
        assert!(!field(Some("1m")).divisor_is_one());
    }
}
