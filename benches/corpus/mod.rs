//! A deterministic generator of `helm template`-like output for the benchmark.
//!
//! Every chart is one multi-document stream of 50–200 KB, written to `<out>/<chart>/rendered.yaml`:
//! mostly Deployments (probes, resources, env with secret references, security contexts,
//! volumes), with Services, ConfigMaps, StatefulSets, PodDisruptionBudgets, HPAs and a ~2 %
//! share of GPU Deployments with the PersistentVolumeClaim of their models, so that the rules
//! and the set pass (label selection, claims, HPAs) find something. Documents come in Helm's
//! install order, each after a `# Source:` comment. The same seed and size give the same bytes,
//! and a bigger corpus starts with the files of a smaller one.
//!
//! Shared by `benches/pipeline.rs` and `examples/gen_corpus.rs`; it needs nothing but std.

use std::fmt::{self, Write as _};
use std::fs;
use std::io;
use std::path::Path;

/// What [`generate`] wrote.
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
    pub documents: usize,
}

/// Writes charts into `out` (which must be empty or absent) until they total at least `size`
/// bytes.
pub fn generate(out: &Path, size: u64, seed: u64) -> io::Result<Summary> {
    // Never mix a new corpus into old files, nor write into a directory that is not ours.
    if out.exists() && fs::read_dir(out)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} is not empty", out.display()),
        ));
    }
    let mut rng = Rng(seed);
    let mut summary = Summary {
        files: 0,
        bytes: 0,
        documents: 0,
    };
    while summary.bytes < size {
        let target = rng.range(50_000, 200_000).min(size - summary.bytes);
        let chart = Chart::new(&mut rng, summary.files + 1);
        let mut text = String::with_capacity(target as usize + 8_192);
        summary.documents += chart
            .render(&mut rng, target as usize, &mut text)
            .expect("formatting into a String cannot fail");
        let dir = out.join(format!("{}-{:04}", chart.name, summary.files + 1));
        fs::create_dir_all(&dir)?;
        fs::write(dir.join("rendered.yaml"), &text)?;
        summary.files += 1;
        summary.bytes += text.len() as u64;
    }
    Ok(summary)
}

/// splitmix64: tiny, and the same stream on every platform, so a seed names a corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`; the modulo bias does not matter here.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    fn checksum(&mut self) -> String {
        (0..4).map(|_| format!("{:016x}", self.next())).collect()
    }
}

const CHARTS: &[&str] = &[
    "checkout",
    "billing",
    "catalog",
    "payments",
    "inventory",
    "search",
    "ledger",
    "notifications",
    "identity",
    "gateway",
    "orders",
    "shipping",
    "reviews",
    "pricing",
    "recommender",
    "analytics",
    "media",
    "profile",
    "cart",
    "fraud",
    "loyalty",
    "reporting",
    "audit",
    "messaging",
    "telemetry",
    "ingest",
    "export",
    "documents",
];

const COMPONENTS: &[&str] = &[
    "api",
    "worker",
    "web",
    "consumer",
    "scheduler",
    "indexer",
    "grpc",
    "admin",
    "sync",
    "webhook",
    "stream",
    "frontend",
    "backend",
    "cache-warmer",
];

const STATEFUL: &[&str] = &[
    "postgres",
    "redis",
    "kafka",
    "zookeeper",
    "elasticsearch",
    "etcd",
];

const MODELS: &[&str] = &[
    "llama-3.1-8b-instruct",
    "mistral-7b-instruct",
    "bge-large-en",
    "whisper-large-v3",
    "qwen2.5-14b",
];

enum Env {
    Value(&'static str),
    Secret(&'static str),
    Field(&'static str),
}

/// A quarter of the entries read a Secret, as in the generator STACK.md measured with.
const ENV: &[(&str, Env)] = &[
    ("LOG_LEVEL", Env::Value("info")),
    ("LOG_FORMAT", Env::Value("json")),
    ("DATABASE_HOST", Env::Value("postgres.db.svc.cluster.local")),
    ("DATABASE_PASSWORD", Env::Secret("database-password")),
    ("POD_NAME", Env::Field("metadata.name")),
    ("REDIS_URL", Env::Secret("redis-url")),
    (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        Env::Value("http://otel-collector.observability:4317"),
    ),
    ("HTTP_PORT", Env::Value("8080")),
    ("POD_NAMESPACE", Env::Field("metadata.namespace")),
    ("FEATURE_FLAGS", Env::Value("new-checkout,async-billing")),
    ("API_TOKEN", Env::Secret("api-token")),
    ("CACHE_TTL_SECONDS", Env::Value("300")),
    ("ENABLE_TRACING", Env::Value("true")),
    ("JAVA_TOOL_OPTIONS", Env::Value("-XX:MaxRAMPercentage=75.0")),
    ("SENTRY_DSN", Env::Secret("sentry-dsn")),
    ("NODE_IP", Env::Field("status.hostIP")),
];

/// (request, limit) pairs.
const CPU: &[(&str, &str)] = &[
    ("50m", "200m"),
    ("100m", "500m"),
    ("250m", "1"),
    ("500m", "\"1\""),
    ("1", "\"2\""),
];
const MEMORY: &[(&str, &str)] = &[
    ("64Mi", "128Mi"),
    ("128Mi", "256Mi"),
    ("256Mi", "512Mi"),
    ("512Mi", "1Gi"),
    ("1Gi", "2Gi"),
];

/// Helm's install order for the kinds we write; documents are emitted in this order.
#[derive(Clone, Copy)]
enum Kind {
    PodDisruptionBudget,
    ServiceAccount,
    ConfigMap,
    PersistentVolumeClaim,
    Service,
    Deployment,
    HorizontalPodAutoscaler,
    StatefulSet,
}

const KINDS: usize = Kind::StatefulSet as usize + 1;

/// What a component runs.
enum Workload {
    Gpu,
    Stateful,
    Plain,
}

/// A chart's documents, bucketed by kind until they are written out in install order.
#[derive(Default)]
struct Docs {
    by_kind: [String; KINDS],
    count: usize,
}

impl Docs {
    /// The buffer to append the next document of `kind` to.
    fn next(&mut self, kind: Kind) -> &mut String {
        self.count += 1;
        &mut self.by_kind[kind as usize]
    }

    fn len(&self) -> usize {
        self.by_kind.iter().map(String::len).sum()
    }
}

struct Chart {
    name: &'static str,
    namespace: &'static str,
    version: String,
    app_version: String,
}

/// One component of a chart: the workload and what goes with it.
struct App<'c> {
    chart: &'c Chart,
    name: String,
    component: &'static str,
    config_map: bool,
}

impl Chart {
    fn new(rng: &mut Rng, index: usize) -> Chart {
        let name = CHARTS[index % CHARTS.len()];
        Chart {
            name,
            namespace: if rng.percent(70) { name } else { "apps" },
            version: format!(
                "{}.{}.{}",
                rng.range(0, 3),
                rng.range(0, 20),
                rng.range(0, 9)
            ),
            app_version: format!(
                "{}.{}.{}",
                rng.range(1, 4),
                rng.range(0, 30),
                rng.range(0, 9)
            ),
        }
    }

    /// Appends documents until they reach `target` bytes; returns how many.
    fn render(&self, rng: &mut Rng, target: usize, out: &mut String) -> Result<usize, fmt::Error> {
        let mut docs = Docs::default();
        self.service_account(docs.next(Kind::ServiceAccount))?;
        let mut ordinal = 0;
        while docs.len() < target {
            ordinal += 1;
            self.component(rng, ordinal, &mut docs)?;
        }
        for doc in docs.by_kind {
            out.push_str(&doc);
        }
        Ok(docs.count)
    }

    /// One workload and its companions.
    fn component(&self, rng: &mut Rng, ordinal: usize, docs: &mut Docs) -> fmt::Result {
        let workload = match rng.range(0, 99) {
            0..=1 => Workload::Gpu,
            2..=7 => Workload::Stateful,
            _ => Workload::Plain,
        };
        let component = match workload {
            Workload::Gpu => "inference",
            Workload::Stateful => *rng.pick(STATEFUL),
            Workload::Plain => *rng.pick(COMPONENTS),
        };
        let app = App {
            chart: self,
            name: format!("{}-{component}-{ordinal}", self.name),
            component,
            config_map: !matches!(workload, Workload::Gpu) && rng.percent(15),
        };
        if app.config_map {
            app.config_map(rng, docs.next(Kind::ConfigMap))?;
        }
        match workload {
            Workload::Gpu => {
                app.models_claim(docs.next(Kind::PersistentVolumeClaim))?;
                app.gpu_deployment(rng, docs.next(Kind::Deployment))?;
                if rng.percent(20) {
                    app.hpa(rng, 1, docs.next(Kind::HorizontalPodAutoscaler))?;
                }
            }
            Workload::Stateful => {
                app.service(rng, true, docs.next(Kind::Service))?;
                app.stateful_set(rng, docs.next(Kind::StatefulSet))?;
                if rng.percent(50) {
                    app.pdb(rng, docs.next(Kind::PodDisruptionBudget))?;
                }
            }
            Workload::Plain => {
                app.deployment(rng, docs.next(Kind::Deployment))?;
                if rng.percent(20) {
                    app.service(rng, false, docs.next(Kind::Service))?;
                }
                if rng.percent(10) {
                    app.pdb(rng, docs.next(Kind::PodDisruptionBudget))?;
                }
                if rng.percent(8) {
                    app.hpa(rng, 2, docs.next(Kind::HorizontalPodAutoscaler))?;
                }
            }
        }
        Ok(())
    }

    fn service_account(&self, out: &mut String) -> fmt::Result {
        let (name, namespace, version, app_version) =
            (self.name, self.namespace, &self.version, &self.app_version);
        write!(
            out,
            "\
---
# Source: {name}/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
  namespace: {namespace}
  labels:
    helm.sh/chart: {name}-{version}
    app.kubernetes.io/instance: {name}
    app.kubernetes.io/version: \"{app_version}\"
    app.kubernetes.io/managed-by: Helm
automountServiceAccountToken: false
"
        )
    }
}

impl App<'_> {
    /// `---`, the `# Source:` comment, apiVersion, kind and metadata with Helm's labels.
    fn head(
        &self,
        out: &mut String,
        template: &str,
        api_version: &str,
        kind: &str,
        name: &str,
    ) -> fmt::Result {
        let (chart, namespace) = (self.chart.name, self.chart.namespace);
        let component = self.component;
        write!(
            out,
            "\
---
# Source: {chart}/templates/{component}/{template}
apiVersion: {api_version}
kind: {kind}
metadata:
  name: {name}
  namespace: {namespace}
  labels:
"
        )?;
        self.labels(out, "    ", true)
    }

    /// The selector labels, plus Helm's bookkeeping labels when `all`.
    fn labels(&self, out: &mut String, indent: &str, all: bool) -> fmt::Result {
        let (chart, name) = (self.chart.name, &self.name);
        writeln!(out, "{indent}app.kubernetes.io/name: {name}")?;
        writeln!(out, "{indent}app.kubernetes.io/instance: {chart}")?;
        if all {
            let (version, app_version) = (&self.chart.version, &self.chart.app_version);
            writeln!(
                out,
                "{indent}app.kubernetes.io/component: {}",
                self.component
            )?;
            writeln!(out, "{indent}helm.sh/chart: {chart}-{version}")?;
            writeln!(out, "{indent}app.kubernetes.io/version: \"{app_version}\"")?;
            writeln!(out, "{indent}app.kubernetes.io/managed-by: Helm")?;
        }
        Ok(())
    }

    fn selector(&self, out: &mut String) -> fmt::Result {
        out.push_str("  selector:\n    matchLabels:\n");
        self.labels(out, "      ", false)
    }

    fn deployment(&self, rng: &mut Rng, out: &mut String) -> fmt::Result {
        self.head(out, "deployment.yaml", "apps/v1", "Deployment", &self.name)?;
        let replicas = rng.range(2, 6);
        let unavailable = rng.pick(&["0", "1", "25%"]);
        write!(
            out,
            "\
spec:
  replicas: {replicas}
  revisionHistoryLimit: 10
"
        )?;
        self.selector(out)?;
        write!(
            out,
            "  \
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: {unavailable}
"
        )?;
        self.pod_template(rng, out, false)
    }

    fn stateful_set(&self, rng: &mut Rng, out: &mut String) -> fmt::Result {
        self.head(
            out,
            "statefulset.yaml",
            "apps/v1",
            "StatefulSet",
            &self.name,
        )?;
        let name = &self.name;
        let policy = rng.pick(&["OrderedReady", "Parallel"]);
        let storage = rng.pick(&["10Gi", "20Gi", "50Gi", "100Gi"]);
        write!(
            out,
            "\
spec:
  serviceName: {name}-headless
  replicas: 3
  podManagementPolicy: {policy}
  updateStrategy:
    type: RollingUpdate
"
        )?;
        self.selector(out)?;
        self.pod_template(rng, out, true)?;
        write!(
            out,
            "  \
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [\"ReadWriteOnce\"]
        storageClassName: standard-rwo
        resources:
          requests:
            storage: {storage}
"
        )
    }

    /// `spec.template` of a Deployment or StatefulSet.
    fn pod_template(&self, rng: &mut Rng, out: &mut String, data: bool) -> fmt::Result {
        let checksum = rng.checksum();
        write!(
            out,
            "  \
  template:
    metadata:
      annotations:
        checksum/config: \"{checksum}\"
        prometheus.io/scrape: \"true\"
        prometheus.io/port: \"9090\"
      labels:
"
        )?;
        self.labels(out, "        ", true)?;
        let chart = self.chart.name;
        write!(
            out,
            "    \
    spec:
      serviceAccountName: {chart}
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
      terminationGracePeriodSeconds: {}
",
            rng.pick(&[30, 60, 120])
        )?;
        if rng.percent(25) {
            out.push_str(
                "      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
",
            );
            self.labels(out, "              ", false)?;
        }
        out.push_str("      containers:\n");
        self.container(rng, out, data)?;
        if rng.percent(40) {
            sidecar(rng, out)?;
        }
        out.push_str(
            "      volumes:
        - name: tmp
          emptyDir: {}
",
        );
        if self.config_map {
            let name = &self.name;
            write!(
                out,
                "        \
        - name: config
          configMap:
            name: {name}-config
            defaultMode: 420
"
            )?;
        }
        Ok(())
    }

    fn container(&self, rng: &mut Rng, out: &mut String, data: bool) -> fmt::Result {
        let (chart, component, tag) = (self.chart.name, self.component, &self.chart.app_version);
        write!(
            out,
            "        \
        - name: {component}
          image: \"registry.example.com/{chart}/{component}:{tag}\"
          imagePullPolicy: IfNotPresent
"
        )?;
        if rng.percent(50) {
            out.push_str("          args: [\"--port=8080\", \"--metrics-port=9090\"]\n");
        }
        out.push_str(
            "          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            - name: metrics
              containerPort: 9090
              protocol: TCP
",
        );
        let count = rng.range(4, 10) as usize;
        env(rng, out, count)?;
        let (cpu, cpu_limit) = rng.pick(CPU);
        let (memory, memory_limit) = rng.pick(MEMORY);
        write!(
            out,
            "          \
          resources:
            requests:
              cpu: {cpu}
              memory: {memory}
            limits:
              cpu: {cpu_limit}
              memory: {memory_limit}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: {}
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
",
            rng.pick(&[5, 10, 15, 30])
        )?;
        out.push_str(match rng.range(0, 2) {
            0 => {
                "          readinessProbe:
            httpGet:
              path: /ready
              port: http
            periodSeconds: 5
            timeoutSeconds: 2
"
            }
            1 => {
                "          readinessProbe:
            tcpSocket: {port: http}
            periodSeconds: 5
"
            }
            _ => {
                "          readinessProbe:
            exec:
              command: [\"/bin/grpc_health_probe\", \"-addr=:8080\"]
            periodSeconds: 10
"
            }
        });
        out.push_str(
            "          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [\"ALL\"]
          volumeMounts:
            - name: tmp
              mountPath: /tmp
",
        );
        if self.config_map {
            write!(
                out,
                "            \
            - name: config
              mountPath: /etc/{component}
              readOnly: true
"
            )?;
        }
        if data {
            write!(
                out,
                "            \
            - name: data
              mountPath: /var/lib/{component}
"
            )?;
        }
        Ok(())
    }

    fn gpu_deployment(&self, rng: &mut Rng, out: &mut String) -> fmt::Result {
        self.head(out, "deployment.yaml", "apps/v1", "Deployment", &self.name)?;
        writeln!(out, "spec:\n  replicas: {}", rng.range(1, 3))?;
        // Recreate is the safe strategy; the others are what the rollout rule reports.
        if rng.percent(40) {
            out.push_str("  strategy: {type: Recreate}\n");
        }
        self.selector(out)?;
        out.push_str("  template:\n    metadata:\n      labels:\n");
        self.labels(out, "        ", true)?;
        let (name, model) = (&self.name, rng.pick(MODELS));
        let accelerator = rng.pick(&["nvidia-l4", "nvidia-tesla-a100", "nvidia-h100-80gb"]);
        write!(
            out,
            "    \
    spec:
      nodeSelector:
        cloud.google.com/gke-accelerator: {accelerator}
      tolerations:
        - key: nvidia.com/gpu
          operator: Exists
          effect: NoSchedule
      containers:
        - name: server
          image: \"vllm/vllm-openai:v0.9.2\"
          args: [\"--model=/models/{model}\", \"--port=8000\", \"--gpu-memory-utilization=0.9\"]
          ports:
            - name: http
              containerPort: 8000
              protocol: TCP
"
        )?;
        let count = rng.range(4, 6) as usize;
        env(rng, out, count)?;
        write!(
            out,
            "          \
          resources:
            requests:
              cpu: \"4\"
              memory: 24Gi
              nvidia.com/gpu: 1
            limits:
              memory: 24Gi
              nvidia.com/gpu: 1
          livenessProbe:
            httpGet:
              path: /health
              port: http
            initialDelaySeconds: 120
            periodSeconds: 15
          readinessProbe:
            httpGet: {{path: /health, port: http}}
            periodSeconds: 5
          volumeMounts:
            - name: dshm
              mountPath: /dev/shm
            - name: models
              mountPath: /models
      volumes:
        - name: dshm
          emptyDir: {{medium: Memory, sizeLimit: 8Gi}}
        - name: models
          persistentVolumeClaim:
            claimName: {name}-models
"
        )
    }

    /// The claim a GPU Deployment mounts its models from (no random draws, so that adding it
    /// left the rest of the stream as it was).
    fn models_claim(&self, out: &mut String) -> fmt::Result {
        let claim = format!("{}-models", self.name);
        self.head(out, "pvc.yaml", "v1", "PersistentVolumeClaim", &claim)?;
        out.push_str(
            "spec:
  accessModes:
    - ReadWriteOnce
  resources:
    requests:
      storage: 200Gi
",
        );
        Ok(())
    }

    fn service(&self, rng: &mut Rng, headless: bool, out: &mut String) -> fmt::Result {
        let name = &self.name;
        if headless {
            // StatefulSets name their governing Service; Helm charts render it separately.
            let headless = format!("{name}-headless");
            self.head(out, "service-headless.yaml", "v1", "Service", &headless)?;
            out.push_str("spec:\n  clusterIP: None\n");
        } else {
            self.head(out, "service.yaml", "v1", "Service", &self.name)?;
            out.push_str("spec:\n  type: ClusterIP\n");
        }
        out.push_str("  selector:\n");
        self.labels(out, "    ", false)?;
        let port = rng.pick(&[80, 8080, 5432, 6379]);
        write!(
            out,
            "  \
  ports:
    - {{name: http, port: {port}, targetPort: http, protocol: TCP}}
    - {{name: metrics, port: 9090, targetPort: metrics, protocol: TCP}}
"
        )
    }

    fn config_map(&self, rng: &mut Rng, out: &mut String) -> fmt::Result {
        self.head(out, "configmap.yaml", "v1", "ConfigMap", &self.name)?;
        let component = self.component;
        write!(
            out,
            "\
data:
  LOG_FORMAT: \"json\"
  WORKERS: \"{}\"
  application.yaml: |
    server:
      port: 8080
      shutdown: graceful
    management:
      endpoints:
        web:
          exposure:
            include: \"health,info,prometheus\"
    {component}:
      batch-size: {}
      features:
",
            rng.range(1, 16),
            rng.pick(&[50, 100, 500]),
        )?;
        for i in 0..rng.range(3, 30) {
            writeln!(out, "        flag-{i}: {}", rng.percent(50))?;
        }
        out.push_str(
            "  logging.conf: |
    [loggers]
    keys=root,app

    [handler_console]
    class=StreamHandler
    formatter=json
    args=(sys.stdout,)
",
        );
        Ok(())
    }

    fn pdb(&self, rng: &mut Rng, out: &mut String) -> fmt::Result {
        self.head(
            out,
            "pdb.yaml",
            "policy/v1",
            "PodDisruptionBudget",
            &self.name,
        )?;
        out.push_str("spec:\n");
        out.push_str(if rng.percent(50) {
            "  minAvailable: 1\n"
        } else {
            "  maxUnavailable: 25%\n"
        });
        self.selector(out)
    }

    fn hpa(&self, rng: &mut Rng, min: u64, out: &mut String) -> fmt::Result {
        self.head(
            out,
            "hpa.yaml",
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            &self.name,
        )?;
        let name = &self.name;
        let max = rng.range(min + 1, 12);
        write!(
            out,
            "\
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: {min}
  maxReplicas: {max}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {}
",
            rng.pick(&[60, 70, 80])
        )
    }
}

/// A small helper container next to the main one.
fn sidecar(rng: &mut Rng, out: &mut String) -> fmt::Result {
    let (name, image, args) = rng.pick(&[
        (
            "metrics-exporter",
            "prom/statsd-exporter:v0.26.1",
            "[\"--web.listen-address=:9102\"]",
        ),
        (
            "cloud-sql-proxy",
            "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.0",
            "[\"--structured-logs\", \"--port=5432\", \"project:region:instance\"]",
        ),
        (
            "log-shipper",
            "fluent/fluent-bit:3.0.4",
            "[\"-c\", \"/fluent-bit/etc/fluent-bit.conf\"]",
        ),
    ]);
    write!(
        out,
        "        \
        - name: {name}
          image: \"{image}\"
          args: {args}
"
    )?;
    env(rng, out, 2)?;
    out.push_str(
        "          resources:
            requests:
              cpu: 10m
              memory: 32Mi
            limits:
              memory: 64Mi
          securityContext:
            allowPrivilegeEscalation: false
            capabilities:
              drop: [\"ALL\"]
",
    );
    Ok(())
}

/// `count` distinct entries of [`ENV`], starting at a random one.
fn env(rng: &mut Rng, out: &mut String, count: usize) -> fmt::Result {
    out.push_str("          env:\n");
    let start = rng.range(0, ENV.len() as u64 - 1) as usize;
    for (name, value) in ENV.iter().cycle().skip(start).take(count) {
        writeln!(out, "            - name: {name}")?;
        match value {
            Env::Value(value) => writeln!(out, "              value: \"{value}\"")?,
            Env::Secret(key) => write!(
                out,
                "              \
              valueFrom:
                secretKeyRef:
                  name: app-secrets
                  key: {key}
"
            )?,
            Env::Field(path) => write!(
                out,
                "              \
              valueFrom:
                fieldRef:
                  fieldPath: {path}
"
            )?,
        }
    }
    Ok(())
}
