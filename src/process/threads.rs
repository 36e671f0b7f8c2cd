//! Thread-count settings and process counts of a container (SEMANTICS.md §C.2, §C.4).

use crate::finding::Location;
use crate::yaml::FieldPath;

use super::argv::{Origin, SimpleCommand};
use super::env::{EnvValue, Lookup, ResourceFieldRef};
use super::shell;
use super::{EnvVar, ResolvedContainer};

/// A library or runtime and the variables that size its pool, highest precedence first.
#[derive(Debug, Clone, Copy)]
pub struct Library {
    pub name: &'static str,
    pub vars: &'static [&'static str],
}

/// The thread pools of §C.7, with their precedence (§C.2).
pub const LIBRARIES: &[Library] = &[
    Library {
        name: "OpenBLAS",
        vars: &[
            "OPENBLAS_NUM_THREADS",
            "GOTO_NUM_THREADS",
            "OMP_NUM_THREADS",
        ],
    },
    Library {
        name: "MKL",
        vars: &["MKL_NUM_THREADS", "OMP_NUM_THREADS"],
    },
    Library {
        name: "OpenMP",
        vars: &["OMP_NUM_THREADS"],
    },
    Library {
        name: "numexpr",
        vars: &["NUMEXPR_NUM_THREADS"],
    },
    Library {
        name: "PyTorch",
        vars: &["MKL_NUM_THREADS", "OMP_NUM_THREADS"],
    },
    Library {
        name: "TensorFlow",
        vars: &["TF_NUM_INTRAOP_THREADS"],
    },
    Library {
        name: "polars",
        vars: &["POLARS_MAX_THREADS"],
    },
    Library {
        name: "rayon",
        vars: &["RAYON_NUM_THREADS"],
    },
];

/// Variables whose presence bounds the BLAS/OpenMP pools (`covered(c)` of §C.4).
pub const COVERING_VARS: &[&str] = &[
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "MKL_NUM_THREADS",
];

/// Every variable of §C.2 that holds a thread or CPU count.
pub const THREAD_COUNT_VARS: &[&str] = &[
    "OMP_NUM_THREADS",
    "OMP_THREAD_LIMIT",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_DEFAULT_NUM_THREADS",
    "GOTO_NUM_THREADS",
    "MKL_NUM_THREADS",
    "MKL_DOMAIN_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMEXPR_MAX_THREADS",
    "NUMBA_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "POLARS_MAX_THREADS",
    "RAYON_NUM_THREADS",
    "GOMAXPROCS",
    "DOTNET_PROCESSOR_COUNT",
    "UV_THREADPOOL_SIZE",
    "PYTHON_CPU_COUNT",
    "LOKY_MAX_CPU_COUNT",
];

/// What a thread-count variable holds.
#[derive(Debug, Clone)]
pub enum Threads {
    /// A literal count.
    Count(i64),
    /// Filled in by the kubelet from the pod's resources.
    DownwardApi(ResourceFieldRef),
    /// Set to something kubelint cannot see (counts as set).
    Unknown,
}

/// A thread-count variable as the main process sees it, and where it is set.
#[derive(Debug, Clone)]
pub struct ThreadSetting {
    pub name: &'static str,
    pub threads: Threads,
    /// The `env` entry, ConfigMap value or script assignment that sets it.
    pub location: Location,
    pub path: FieldPath,
    /// Set in a ConfigMap imported by this `envFrom` entry.
    pub via: Option<Location>,
}

/// The count in a variable's text: `4`, or the first level of an OpenMP list (`4,2`).
fn count(text: &str) -> Option<i64> {
    text.split(',').next()?.trim().parse().ok()
}

impl ResolvedContainer<'_> {
    /// The main command, if the container's argv is known.
    fn main_command(&self) -> Option<&SimpleCommand> {
        self.commands.main()
    }

    /// `threadVar(name)` of §C.4: a variable set for the main command in its script
    /// (`OMP_NUM_THREADS=1 python …`, `export …`), else in the container environment.
    /// `None` when certainly not set.
    pub fn thread_setting(&self, name: &'static str) -> Option<ThreadSetting> {
        if let Some(assignment) = self.main_command().and_then(|m| m.assignment(name)) {
            let threads = match assignment.value.known() {
                Some(text) if text.trim().is_empty() => return None,
                Some(text) => count(text).map_or(Threads::Unknown, Threads::Count),
                None => Threads::Unknown,
            };
            return Some(ThreadSetting {
                name,
                threads,
                location: self.locate(&assignment.value.origin),
                path: self.path_of(&assignment.value.origin),
                via: None,
            });
        }
        match self.env.lookup(name) {
            Lookup::Set(var) => {
                let threads = match &var.value {
                    EnvValue::Literal(text) if text.trim().is_empty() => return None,
                    EnvValue::Literal(text) => count(text).map_or(Threads::Unknown, Threads::Count),
                    EnvValue::ResourceField(field) => Threads::DownwardApi(field.clone()),
                    EnvValue::Unknown(_) => Threads::Unknown,
                };
                Some(self.setting_of(name, var, threads))
            }
            Lookup::Unset => None,
            Lookup::Unknown => Some(ThreadSetting {
                name,
                threads: Threads::Unknown,
                location: self.facts.env_location.clone(),
                path: self.facts.path.clone().key("envFrom"),
                via: None,
            }),
        }
    }

    fn setting_of(&self, name: &'static str, var: &EnvVar, threads: Threads) -> ThreadSetting {
        let from_config_map = matches!(var.source, super::EnvSource::EnvFrom { .. });
        ThreadSetting {
            name,
            threads,
            location: var.location.clone(),
            path: self.env_path(var),
            via: from_config_map.then(|| {
                let index = match var.source {
                    super::EnvSource::EnvFrom { index, .. } => index,
                    _ => 0,
                };
                self.facts
                    .env
                    .env_from
                    .get(index)
                    .map_or_else(|| self.facts.env_location.clone(), |f| f.location.clone())
            }),
        }
    }

    /// Whether any of [`COVERING_VARS`] is (or may be) set.
    pub fn threads_covered(&self) -> bool {
        COVERING_VARS
            .iter()
            .any(|v| self.thread_setting(v).is_some())
    }

    /// `procs(c)` of §C.4: the processes the main command's server starts.
    pub fn processes(&self) -> Processes {
        let Some(main) = self.main_command() else {
            return Processes::One;
        };
        let from_option = |short: &[&str], long: &[&str]| {
            main.option(short, long).map(|option| match option.int() {
                Some(n) => Processes::Known {
                    count: n,
                    location: self.locate(&option.origin()),
                    what: if option.offset == 0 {
                        format!("{} {}", option.option.written, option.written())
                    } else {
                        option.option.written.clone()
                    },
                },
                None => Processes::Unknown,
            })
        };
        let from_env = |name: &str| match self.env.lookup(name) {
            Lookup::Set(var) => Some(match &var.value {
                EnvValue::Literal(text) => match count(text) {
                    Some(n) => Processes::Known {
                        count: n,
                        location: var.location.clone(),
                        what: format!("{name}={n}"),
                    },
                    None => Processes::Unknown,
                },
                _ => Processes::Unknown,
            }),
            Lookup::Unset => None,
            Lookup::Unknown => Some(Processes::Unknown),
        };
        match main.program.as_str() {
            "gunicorn" => from_option(&["-w"], &["--workers"])
                .or_else(|| self.gunicorn_cmd_args_workers())
                .or_else(|| from_env("WEB_CONCURRENCY"))
                .unwrap_or(Processes::One),
            "uvicorn" => from_option(&[], &["--workers"])
                .or_else(|| from_env("UVICORN_WORKERS"))
                .or_else(|| from_env("WEB_CONCURRENCY"))
                .unwrap_or(Processes::One),
            "hypercorn" => from_option(&["-w"], &["--workers"]).unwrap_or(Processes::One),
            "celery" if main.has_arg("worker") => {
                let pool = main
                    .option(&["-P"], &["--pool"])
                    .and_then(|p| p.value().map(str::to_string));
                if pool.as_deref() == Some("solo") {
                    return Processes::One;
                }
                if let Some(autoscale) = main.option(&[], &["--autoscale"]) {
                    return match autoscale
                        .value()
                        .and_then(|v| v.split(',').next()?.trim().parse().ok())
                    {
                        Some(n) => Processes::Known {
                            count: n,
                            location: self.locate(&autoscale.origin()),
                            what: format!("--autoscale {}", autoscale.written()),
                        },
                        None => Processes::Unknown,
                    };
                }
                from_option(&["-c"], &["--concurrency"]).unwrap_or(Processes::HostCpus)
            }
            "uwsgi" => from_option(&["-p"], &["--processes", "--workers"])
                .or_else(|| from_env("UWSGI_PROCESSES"))
                .or_else(|| from_env("UWSGI_WORKERS"))
                .unwrap_or(Processes::One),
            "torchrun" | "torch.distributed.run" => {
                from_option(&[], &["--nproc-per-node", "--nproc_per_node"])
                    .unwrap_or(Processes::One)
            }
            _ => Processes::One,
        }
    }

    /// `-w`/`--workers` in `GUNICORN_CMD_ARGS`.
    fn gunicorn_cmd_args_workers(&self) -> Option<Processes> {
        let var = match self.env.lookup("GUNICORN_CMD_ARGS") {
            Lookup::Set(var) => var,
            Lookup::Unset => return None,
            Lookup::Unknown => return Some(Processes::Unknown),
        };
        let EnvValue::Literal(text) = &var.value else {
            return Some(Processes::Unknown);
        };
        let words: Vec<String> = shell::split(text)
            .tokens
            .iter()
            .filter_map(|t| match t {
                shell::Token::Word(w) => w.literal(),
                _ => None,
            })
            .collect();
        let mut found = None;
        for (i, word) in words.iter().enumerate() {
            let value = match word.as_str() {
                "-w" | "--workers" => words.get(i + 1).map(String::as_str),
                w => w
                    .strip_prefix("--workers=")
                    .or_else(|| w.strip_prefix("-w").filter(|v| !v.is_empty())),
            };
            if let Some(value) = value {
                found = Some(match value.parse() {
                    Ok(n) => Processes::Known {
                        count: n,
                        location: var.location.clone(),
                        what: format!("GUNICORN_CMD_ARGS sets {} workers", n),
                    },
                    Err(_) => Processes::Unknown,
                });
            }
        }
        found
    }

    /// The location of the main command's program word, or of the process when unknown.
    pub fn program_location(&self) -> (Location, FieldPath) {
        match self.main_command().and_then(|m| m.words.first()) {
            Some(word) => (self.locate(&word.origin), self.path_of(&word.origin)),
            None => (self.process_location(), self.process_path()),
        }
    }

    /// The origin of the main command's program word.
    pub fn program_origin(&self) -> Option<&Origin> {
        self.main_command()?.words.first().map(|w| &w.origin)
    }
}

/// How many processes a container's server starts.
#[derive(Debug, Clone)]
pub enum Processes {
    /// One process (no server that forks, or its default of one).
    One,
    /// A count written in the manifest.
    Known {
        count: i64,
        location: Location,
        /// How it is written, for messages (`-w 4`, `WEB_CONCURRENCY=4`).
        what: String,
    },
    /// One per node CPU (Celery's default concurrency).
    HostCpus,
    /// Set to something kubelint cannot see.
    Unknown,
}

impl Processes {
    /// The count when known (`One` is 1).
    pub fn count(&self) -> Option<i64> {
        match self {
            Processes::One => Some(1),
            Processes::Known { count, .. } => Some(*count),
            Processes::HostCpus | Processes::Unknown => None,
        }
    }
}
