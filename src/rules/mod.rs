//! The rule framework: the [`Rule`] trait, the registry, and rule metadata read from
//! `rules/<rule-id>.md`, the single source of each rule's documentation.

pub mod celery_child_recycling_missing;
pub mod celery_concurrency_host_cpus;
pub mod celery_max_memory_per_child_ineffective;
pub mod cpu_count_from_host;
pub mod daemonset_surge_conflict;
pub mod daemonset_surge_invalid;
pub mod deployment_strategy_invalid;
pub mod downward_api_cpu_divisor;
pub mod downward_api_cpu_without_limit;
pub mod env_limit_below_peer_request;
pub mod env_memory_per_worker_far_below;
pub mod env_pairing_ambiguous;
pub mod env_replicas_far_below;
pub mod env_resources_far_below;
pub mod env_resources_missing;
pub mod extended_resource_invalid;
pub mod gunicorn_boot_timeout_risk;
pub mod gunicorn_jitter_without_max_requests;
pub mod gunicorn_max_requests_jitter_small;
pub mod gunicorn_max_requests_missing;
pub mod gunicorn_max_requests_without_jitter;
pub mod gunicorn_workers_exceed_cpu_limit;
pub mod intorstr_invalid;
pub mod invalid_object;
pub mod invalid_suppression;
pub mod pdb_blocks_eviction;
pub mod pdb_invalid;
pub mod pdb_overlap;
pub mod pdb_selects_nothing;
pub mod pdb_unhealthy_eviction_policy;
pub mod pdb_unscalable_target;
pub mod resources_cpu_no_milli_suffix;
pub mod resources_limit_below_request;
pub mod resources_memory_limit_missing;
pub mod resources_memory_milli_suffix;
pub mod resources_quantity_invalid;
pub mod resources_requests_missing;
pub mod rollout_surge_hostport;
pub mod rollout_surge_rwo_volume;
pub mod rollout_surge_rwop_volume;
pub mod rollout_surge_scarce_resource;
pub mod rollout_surge_self_anti_affinity;
pub mod threads_exceed_cpu_limit;
pub mod threads_node_sized_without_cpu_limit;
pub mod threads_times_processes_exceed_cpu_limit;
pub mod threads_unset_under_cpu_limit;
pub mod uvicorn_max_requests_missing;
pub mod uvicorn_max_requests_single_process;
pub mod uvicorn_max_requests_without_jitter;
pub mod uwsgi_max_requests_without_delta;
pub mod uwsgi_recycling_missing;
pub mod yaml_syntax;

use std::any::Any;
use std::cell::OnceCell;
use std::sync::{Arc, OnceLock};

use crate::config::Config;
use crate::finding::{Finding, Severity};
use crate::k8s::{Object, ObjectIndex};
use crate::process::PodFacts;

/// A check. Rules never print, never read files and never know the output format: they see
/// objects (and, in the set pass, the index of all objects) and push findings.
pub trait Rule: Send + Sync {
    /// The rule's documentation, `rules/<rule-id>.md`, with its metadata in front matter.
    fn doc(&self) -> &'static str;

    /// Checks one object. Runs in parallel over objects.
    fn check_object(&self, _object: &Object<'_, '_>, _cx: &mut ObjectContext<'_>) {}

    /// Finishes what [`ObjectContext::defer`] set aside, once every object is known.
    fn check_deferred(
        &self,
        _deferred: Box<dyn Any + Send>,
        _index: &ObjectIndex,
        _cx: &mut SetContext<'_>,
    ) {
    }

    /// Checks the whole set once, after every object is known and every deferred check is
    /// done: the cross-environment rules compare paired workloads here.
    fn check_set(&self, _index: &ObjectIndex, _cx: &mut SetContext<'_>) {}
}

/// What a rule may use and produce while checking one object.
pub struct ObjectContext<'c> {
    pub config: &'c Config,
    pub(crate) rule: usize,
    pub(crate) findings: &'c mut Vec<Finding>,
    pub(crate) deferred: &'c mut Vec<Deferred>,
    /// The object's pod as written, captured once for all rules (see [`Self::pod_facts`]).
    pub(crate) pod: &'c OnceCell<Option<Arc<PodFacts>>>,
}

impl ObjectContext<'_> {
    /// The object's pod as the process rules read it ([`PodFacts::capture`]), captured on the
    /// first request and shared: every rule that defers it holds the same copy, so memory
    /// does not grow with the number of rules.
    pub fn pod_facts(&self, object: &Object<'_, '_>) -> Option<Arc<PodFacts>> {
        self.pod
            .get_or_init(|| PodFacts::capture(object).map(Arc::new))
            .clone()
    }

    /// Sets aside the object's [`PodFacts`] (shared with every other rule that does) for the
    /// set pass, where ConfigMaps and LimitRanges resolve them; nothing when it has no pod.
    pub fn defer_pod_facts(&mut self, object: &Object<'_, '_>) {
        if let Some(pod) = self.pod_facts(object) {
            self.defer(pod);
        }
    }

    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Sets aside what the rule needs to finish its check in the set pass, when it depends on
    /// other objects (an HPA in another file). Keep it small: it lives until the set pass.
    pub fn defer<T: Any + Send>(&mut self, payload: T) {
        self.deferred.push(Deferred {
            rule: self.rule,
            payload: Box::new(payload),
        });
    }
}

/// What a rule may use and produce in the set pass.
pub struct SetContext<'c> {
    pub config: &'c Config,
    pub(crate) findings: &'c mut Vec<Finding>,
}

impl SetContext<'_> {
    pub fn report(&mut self, finding: Finding) {
        self.findings.push(finding);
    }
}

/// A check set aside by a rule for the set pass.
pub struct Deferred {
    pub(crate) rule: usize,
    pub(crate) payload: Box<dyn Any + Send>,
}

/// A rule's metadata, from the front matter of its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    pub id: &'static str,
    pub severity: Severity,
    pub category: &'static str,
    pub summary: &'static str,
    /// The document without its front matter.
    pub body: &'static str,
}

impl RuleMeta {
    /// Reads `---\nid: …\nseverity: …\ncategory: …\nsummary: …\n---\n<body>`.
    pub fn parse(doc: &'static str) -> Result<RuleMeta, String> {
        let rest = doc
            .strip_prefix("---\n")
            .ok_or("document does not start with front matter")?;
        let (front, body) = rest
            .split_once("\n---\n")
            .ok_or("front matter is not closed")?;
        let mut fields = std::collections::HashMap::new();
        for line in front.lines() {
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| format!("bad front matter line `{line}`"))?;
            fields.insert(key.trim(), value.trim());
        }
        let field = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| format!("front matter has no `{name}`"))
        };
        let severity = field("severity")?;
        Ok(RuleMeta {
            id: field("id")?,
            severity: Severity::parse(severity)
                .ok_or_else(|| format!("unknown severity `{severity}`"))?,
            category: field("category")?,
            summary: field("summary")?,
            body: body.trim_start_matches('\n'),
        })
    }
}

/// A registered rule with its metadata.
pub struct RuleEntry {
    pub meta: RuleMeta,
    pub rule: &'static dyn Rule,
}

/// Every rule kubelint has, in id order.
pub struct Registry {
    entries: Vec<RuleEntry>,
}

/// The one list of all rules.
const RULES: &[&dyn Rule] = &[
    &celery_child_recycling_missing::CeleryChildRecyclingMissing,
    &celery_concurrency_host_cpus::CeleryConcurrencyHostCpus,
    &celery_max_memory_per_child_ineffective::CeleryMaxMemoryPerChildIneffective,
    &cpu_count_from_host::CpuCountFromHost,
    &daemonset_surge_conflict::DaemonsetSurgeConflict,
    &daemonset_surge_invalid::DaemonsetSurgeInvalid,
    &deployment_strategy_invalid::DeploymentStrategyInvalid,
    &downward_api_cpu_divisor::DownwardApiCpuDivisor,
    &downward_api_cpu_without_limit::DownwardApiCpuWithoutLimit,
    &env_limit_below_peer_request::EnvLimitBelowPeerRequest,
    &env_memory_per_worker_far_below::EnvMemoryPerWorkerFarBelow,
    &env_pairing_ambiguous::EnvPairingAmbiguous,
    &env_replicas_far_below::EnvReplicasFarBelow,
    &env_resources_far_below::EnvResourcesFarBelow,
    &env_resources_missing::EnvResourcesMissing,
    &extended_resource_invalid::ExtendedResourceInvalid,
    &gunicorn_boot_timeout_risk::GunicornBootTimeoutRisk,
    &gunicorn_jitter_without_max_requests::GunicornJitterWithoutMaxRequests,
    &gunicorn_max_requests_jitter_small::GunicornMaxRequestsJitterSmall,
    &gunicorn_max_requests_missing::GunicornMaxRequestsMissing,
    &gunicorn_max_requests_without_jitter::GunicornMaxRequestsWithoutJitter,
    &gunicorn_workers_exceed_cpu_limit::GunicornWorkersExceedCpuLimit,
    &intorstr_invalid::IntorstrInvalid,
    &invalid_object::InvalidObject,
    &invalid_suppression::InvalidSuppression,
    &pdb_blocks_eviction::PdbBlocksEviction,
    &pdb_invalid::PdbInvalid,
    &pdb_overlap::PdbOverlap,
    &pdb_selects_nothing::PdbSelectsNothing,
    &pdb_unhealthy_eviction_policy::PdbUnhealthyEvictionPolicy,
    &pdb_unscalable_target::PdbUnscalableTarget,
    &resources_cpu_no_milli_suffix::ResourcesCpuNoMilliSuffix,
    &resources_limit_below_request::ResourcesLimitBelowRequest,
    &resources_memory_limit_missing::ResourcesMemoryLimitMissing,
    &resources_memory_milli_suffix::ResourcesMemoryMilliSuffix,
    &resources_quantity_invalid::ResourcesQuantityInvalid,
    &resources_requests_missing::ResourcesRequestsMissing,
    &rollout_surge_hostport::RolloutSurgeHostport,
    &rollout_surge_rwo_volume::RolloutSurgeRwoVolume,
    &rollout_surge_rwop_volume::RolloutSurgeRwopVolume,
    &rollout_surge_scarce_resource::RolloutSurgeScarceResource,
    &rollout_surge_self_anti_affinity::RolloutSurgeSelfAntiAffinity,
    &threads_exceed_cpu_limit::ThreadsExceedCpuLimit,
    &threads_node_sized_without_cpu_limit::ThreadsNodeSizedWithoutCpuLimit,
    &threads_times_processes_exceed_cpu_limit::ThreadsTimesProcessesExceedCpuLimit,
    &threads_unset_under_cpu_limit::ThreadsUnsetUnderCpuLimit,
    &uvicorn_max_requests_missing::UvicornMaxRequestsMissing,
    &uvicorn_max_requests_single_process::UvicornMaxRequestsSingleProcess,
    &uvicorn_max_requests_without_jitter::UvicornMaxRequestsWithoutJitter,
    &uwsgi_max_requests_without_delta::UwsgiMaxRequestsWithoutDelta,
    &uwsgi_recycling_missing::UwsgiRecyclingMissing,
    &yaml_syntax::YamlSyntax,
];

impl Registry {
    pub fn entries(&self) -> &[RuleEntry] {
        &self.entries
    }

    pub fn get(&self, id: &str) -> Option<&RuleEntry> {
        self.entries.iter().find(|e| e.meta.id == id)
    }
}

/// The registry, built on first use. Rule documents are compiled in; a malformed one is a
/// bug caught by the test suite, so it panics here with the reason.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut entries: Vec<RuleEntry> = RULES
            .iter()
            .map(|rule| RuleEntry {
                meta: RuleMeta::parse(rule.doc())
                    .unwrap_or_else(|e| panic!("bad rule document: {e}")),
                rule: *rule,
            })
            .collect();
        entries.sort_by_key(|e| e.meta.id);
        Registry { entries }
    })
}

/// The `yaml` examples of a rule document, with whether each is marked `bad` (must fire).
pub fn doc_examples(body: &str) -> Vec<(bool, String)> {
    let mut examples = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        let info = line.trim();
        let bad = match info {
            "```yaml bad" => true,
            "```yaml good" => false,
            _ => continue,
        };
        let text: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        examples.push((bad, text.join("\n") + "\n"));
    }
    examples
}
