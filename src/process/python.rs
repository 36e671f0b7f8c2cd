//! Does a container run (numeric) Python? (SEMANTICS.md §C.3.) Decided from the image
//! reference, the main command and the environment together, because each alone misleads:
//! `nvcr.io/nvidia/tritonserver:22.01-py3` is a C++ server whose tag merely says which Python
//! its backends use, `gcr.io/ml-pipeline/frontend` is Node.js under an `ml` organisation, and
//! `TF_VAR_region` is Terraform.

use serde::Deserialize;

use super::argv::{Commands, is_python};
use super::env::Environment;

/// How sure kubelint is that a container runs Python with a numeric stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    None,
    /// Python, numeric libraries unknown.
    Medium,
    /// Numeric Python very likely.
    High,
}

/// `assumptions.numericPython` in `.kubelint.yaml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NumericPython {
    /// Decide from image, command and environment.
    #[default]
    Auto,
    /// Every Python container uses numeric libraries (medium becomes high).
    Always,
    /// Only containers with clear signs of numeric libraries count (medium becomes none).
    Never,
}

/// The decision and what it rests on, for messages ("image pytorch/pytorch:2.3").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonEvidence {
    pub confidence: Confidence,
    pub reason: String,
}

impl PythonEvidence {
    fn none() -> Self {
        PythonEvidence {
            confidence: Confidence::None,
            reason: String::new(),
        }
    }
}

/// Image tokens that name a numeric library or an ML/notebook image. Only the image's own
/// name and tag are tokenized: registry hosts and organisations (`gcr.io/ml-pipeline/…`) say
/// who publishes an image, not what runs in it.
const NUMERIC_TOKENS: &[&str] = &[
    "numpy",
    "scipy",
    "pandas",
    "sklearn",
    "scikit",
    "torch",
    "pytorch",
    "tensorflow",
    "keras",
    "jax",
    "xgboost",
    "lightgbm",
    "ml",
    "notebook",
];

/// Main commands of numeric Python tools.
const NUMERIC_PROGRAMS: &[&str] = &[
    "jupyter",
    "jupyter-lab",
    "jupyter-notebook",
    "jupyterhub-singleuser",
    "ray",
    "dask-worker",
    "dask",
    "torchrun",
    "accelerate",
    "deepspeed",
    "vllm",
    "text-generation-launcher",
    "streamlit",
    "mlflow",
];

/// Main commands that are Python programs.
const PYTHON_PROGRAMS: &[&str] = &[
    "gunicorn",
    "uvicorn",
    "hypercorn",
    "daphne",
    "celery",
    "airflow",
    "flask",
    "django-admin",
    "manage.py",
];

/// Environment variables set by people who think about numeric libraries.
const NUMERIC_ENV: &[&str] = &[
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "HF_HOME",
    "TRANSFORMERS_CACHE",
    "TORCH_HOME",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "TF_CPP_MIN_LOG_LEVEL",
    "TF_FORCE_GPU_ALLOW_GROWTH",
    "TF_ENABLE_ONEDNN_OPTS",
    "TF_XLA_FLAGS",
    "TF_CONFIG",
    "TF_GPU_ALLOCATOR",
];
const NUMERIC_ENV_PREFIXES: &[&str] = &["NUMEXPR_", "NUMBA_", "JAX_"];

const PYTHON_ENV: &[&str] = &[
    "PYTHONPATH",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "VIRTUAL_ENV",
    "DJANGO_SETTINGS_MODULE",
    "FLASK_APP",
    "GUNICORN_CMD_ARGS",
    "WEB_CONCURRENCY",
];

/// An image reference split into its repository path (lowercase, without registry port
/// confusion) and tag.
struct ImageRef {
    /// Path segments after the registry, e.g. `["nvidia", "pytorch"]`.
    segments: Vec<String>,
    tag: String,
}

impl ImageRef {
    fn parse(image: &str) -> ImageRef {
        let image = image.trim().to_ascii_lowercase();
        let image = image.split('@').next().unwrap_or_default();
        let (path, tag) = match image.rsplit_once(':') {
            Some((path, tag)) if !tag.contains('/') => (path, tag),
            _ => (image, ""),
        };
        let mut segments: Vec<String> = path.split('/').map(str::to_string).collect();
        // A first segment with a dot or a port, or `localhost`, is a registry host.
        if segments.len() > 1
            && segments
                .first()
                .is_some_and(|s| s.contains('.') || s.contains(':') || s == "localhost")
        {
            segments.remove(0);
        }
        ImageRef {
            segments,
            tag: tag.to_string(),
        }
    }

    fn name(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    fn owner(&self) -> &str {
        match self.segments.len() {
            0 | 1 => "",
            n => &self.segments[n - 2],
        }
    }

    /// The repository ends with `owner/name`.
    fn is(&self, owner: &str, name: &str) -> bool {
        self.owner() == owner && self.name() == name
    }

    fn tokens(&self) -> impl Iterator<Item = &str> {
        self.name()
            .split(['-', '_', '.', ':'])
            .chain(self.tag.split(['-', '_', '.', ':']))
    }

    fn numeric(&self) -> bool {
        let (owner, name) = (self.owner(), self.name());
        self.is("pytorch", "pytorch")
            || self.is("nvidia", "pytorch")
            || self.is("tensorflow", "tensorflow")
            || self.is("nvidia", "tensorflow")
            || (owner == "jupyter")
            || (owner == "rayproject" && name.starts_with("ray"))
            || self.is("vllm", "vllm-openai")
            || name == "text-generation-inference"
            || owner == "huggingface"
            || (owner == "continuumio"
                && (name.starts_with("anaconda") || name.starts_with("miniconda")))
            || owner == "condaforge"
            || self.is("mambaorg", "micromamba")
            || name.starts_with("sagemaker-")
            || self.tokens().any(|t| NUMERIC_TOKENS.contains(&t))
    }

    fn python(&self) -> bool {
        let (owner, name) = (self.owner(), self.name());
        name == "python"
            || name == "pypy"
            || name.starts_with("python")
            || name.ends_with("-python")
            || (owner == "tiangolo" && name.starts_with("uvicorn-gunicorn"))
            || self.is("benoitc", "gunicorn")
    }
}

/// Decides `pythonConfidence(c)`.
pub fn python_confidence(
    image: Option<&str>,
    commands: &Commands,
    env: &Environment,
    assumption: NumericPython,
) -> PythonEvidence {
    let evidence = detect(image, commands, env);
    match (evidence.confidence, assumption) {
        (Confidence::Medium, NumericPython::Always) => PythonEvidence {
            confidence: Confidence::High,
            ..evidence
        },
        (Confidence::Medium, NumericPython::Never) => PythonEvidence::none(),
        _ => evidence,
    }
}

fn detect(image: Option<&str>, commands: &Commands, env: &Environment) -> PythonEvidence {
    let image_ref = image.map(ImageRef::parse);
    let main = commands.main();
    let program = main.map_or("", |m| m.program.as_str());
    let evidence = |confidence, reason: String| PythonEvidence { confidence, reason };
    // A C++ inference server: its `-py3` tags name the Python of its backends.
    if program == "tritonserver"
        || image_ref
            .as_ref()
            .is_some_and(|i| i.name() == "tritonserver")
    {
        return PythonEvidence::none();
    }
    if let (Some(image), Some(image_ref)) = (image, &image_ref)
        && image_ref.numeric()
    {
        return evidence(Confidence::High, format!("image {}", image.trim()));
    }
    if let Some(main) = main {
        let numeric_module = main.python_module
            && (program == "torch.distributed.run"
                || program.starts_with("vllm.entrypoints")
                || program == "sklearn");
        if NUMERIC_PROGRAMS.contains(&program) || numeric_module {
            return evidence(Confidence::High, format!("runs {program}"));
        }
    }
    let numeric_env = env.vars().iter().find(|v| {
        NUMERIC_ENV.contains(&v.name.as_str())
            || NUMERIC_ENV_PREFIXES.iter().any(|p| v.name.starts_with(p))
    });
    if let Some(var) = numeric_env {
        return evidence(Confidence::High, format!("sets {}", var.name));
    }
    if let (Some(image), Some(image_ref)) = (image, &image_ref)
        && image_ref.python()
    {
        return evidence(Confidence::Medium, format!("image {}", image.trim()));
    }
    if let Some(main) = main {
        let uwsgi_python = program == "uwsgi"
            && main.args().iter().any(|a| {
                a.known().is_some_and(|w| {
                    w.contains("python") || matches!(w, "--module" | "--wsgi-file" | "-w")
                })
            });
        let manage_py = is_python(program)
            && main.args().iter().any(|a| {
                a.known()
                    .is_some_and(|w| w.rsplit('/').next() == Some("manage.py"))
            });
        if is_python(program) || PYTHON_PROGRAMS.contains(&program) || uwsgi_python || manage_py {
            return evidence(Confidence::Medium, format!("runs {program}"));
        }
    }
    if let Some(var) = env
        .vars()
        .iter()
        .find(|v| PYTHON_ENV.contains(&v.name.as_str()))
    {
        return evidence(Confidence::Medium, format!("sets {}", var.name));
    }
    PythonEvidence::none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::argv::resolve;
    use crate::process::text::SourceText;

    fn confidence(image: &str, command: &[&str]) -> Confidence {
        let texts: Vec<SourceText> = command
            .iter()
            .map(|c| {
                SourceText::at(
                    crate::finding::Location {
                        file: 0,
                        line: 1,
                        column: 1,
                        end_line: 1,
                        end_column: 1,
                        start: 0,
                        end: 0,
                    },
                    c.to_string(),
                )
            })
            .collect();
        let env = Environment::default();
        let commands = resolve(&texts, &[], &env);
        python_confidence(Some(image), &commands, &env, NumericPython::Auto).confidence
    }

    #[test]
    fn images() {
        use Confidence::*;
        assert_eq!(
            confidence("pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime", &[]),
            High
        );
        assert_eq!(confidence("nvcr.io/nvidia/pytorch:24.01-py3", &[]), High);
        assert_eq!(
            confidence("quay.io/jupyter/scipy-notebook:2024-01-15", &[]),
            High
        );
        assert_eq!(confidence("rayproject/ray-ml:2.9.0", &[]), High);
        assert_eq!(confidence("vllm/vllm-openai:v0.6.0", &[]), High);
        assert_eq!(
            confidence("ghcr.io/huggingface/text-generation-inference:2.0", &[]),
            High
        );
        assert_eq!(confidence("myorg/fraud-xgboost:1", &[]), High);
        assert_eq!(confidence("python:3.12-slim", &[]), Medium);
        assert_eq!(
            confidence("tiangolo/uvicorn-gunicorn-fastapi:python3.11", &[]),
            Medium
        );
        assert_eq!(confidence("ghcr.io/benoitc/gunicorn:23", &[]), Medium);
    }

    #[test]
    fn traps() {
        use Confidence::*;
        // C++ server; `py3` names its backends' Python.
        assert_eq!(
            confidence("nvcr.io/nvidia/tritonserver:22.01-py3", &[]),
            None
        );
        // An organisation is not what runs: kubeflow's UI is Node.js.
        assert_eq!(confidence("gcr.io/ml-pipeline/frontend:2.0.0", &[]), None);
        // Tokens, not substrings.
        assert_eq!(confidence("nginx:1.25-html", &["nginx"]), None);
        assert_eq!(confidence("myorg/yaml-tools:1", &[]), None);
        assert_eq!(confidence("registry.local:5000/team/api", &[]), None);
    }

    #[test]
    fn commands() {
        use Confidence::*;
        assert_eq!(
            confidence(
                "myorg/app:1",
                &["torchrun", "--nproc-per-node=2", "train.py"]
            ),
            High
        );
        assert_eq!(
            confidence(
                "myorg/app:1",
                &["python", "-m", "vllm.entrypoints.openai.api_server"]
            ),
            High
        );
        assert_eq!(
            confidence("myorg/app:1", &["sh", "-c", "exec gunicorn app:app"]),
            Medium
        );
        assert_eq!(
            confidence("myorg/app:1", &["/venv/bin/python3.11", "app.py"]),
            Medium
        );
        assert_eq!(confidence("myorg/app:1", &["/app/server"]), None);
    }
}
