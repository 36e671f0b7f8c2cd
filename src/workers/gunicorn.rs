//! gunicorn's settings (SEMANTICS.md §D.1–D.2), from every source in gunicorn's own
//! precedence: defaults (`WEB_CONCURRENCY` for `workers`) < the Python config file <
//! `GUNICORN_CMD_ARGS` < the command line (benoitc/gunicorn gunicorn/app/base.py
//! `Application.load_config`). The command line is parsed as gunicorn's `argparse` parser
//! does, abbreviations of long options included.

use super::options::{Dialect, OptionSpec, Word, flag, value};
use super::pyconf::{EnvLookup, PyConfig};
use super::{Kind, Layer, Origin, Resolved, Value, env_count, from_python};

pub const WORKERS: &str = "workers";
pub const WORKER_CLASS: &str = "worker_class";
pub const THREADS: &str = "threads";
pub const MAX_REQUESTS: &str = "max_requests";
pub const MAX_REQUESTS_JITTER: &str = "max_requests_jitter";
pub const TIMEOUT: &str = "timeout";
pub const PRELOAD_APP: &str = "preload_app";
pub const CONFIG: &str = "config";

/// The settings kubelint reads, with how their text is read.
pub const SETTINGS: &[(&str, Kind)] = &[
    (WORKERS, Kind::Count),
    (WORKER_CLASS, Kind::Text),
    (THREADS, Kind::Count),
    (MAX_REQUESTS, Kind::Count),
    (MAX_REQUESTS_JITTER, Kind::Count),
    (TIMEOUT, Kind::Count),
    (PRELOAD_APP, Kind::Bool),
    (CONFIG, Kind::Text),
];

/// Every command-line option of gunicorn (gunicorn/config.py, 20.x–26.x): all are needed to
/// decide whether an abbreviation is unique.
pub const OPTIONS: &[OptionSpec] = &[
    value(&["--config"], &['c'], Some(CONFIG)),
    value(&["--workers"], &['w'], Some(WORKERS)),
    value(&["--worker-class"], &['k'], Some(WORKER_CLASS)),
    value(&["--threads"], &[], Some(THREADS)),
    value(&["--max-requests"], &[], Some(MAX_REQUESTS)),
    value(&["--max-requests-jitter"], &[], Some(MAX_REQUESTS_JITTER)),
    value(&["--timeout"], &['t'], Some(TIMEOUT)),
    flag(&["--preload"], &[], Some(PRELOAD_APP)),
    value(&["--bind"], &['b'], None),
    value(&["--backlog"], &[], None),
    value(&["--worker-connections"], &[], None),
    value(&["--graceful-timeout"], &[], None),
    value(&["--keep-alive"], &[], None),
    value(&["--limit-request-line"], &[], None),
    value(&["--limit-request-fields"], &[], None),
    value(&["--limit-request-field_size"], &[], None),
    flag(&["--reload"], &[], None),
    value(&["--reload-engine"], &[], None),
    value(&["--reload-extra-file"], &[], None),
    flag(&["--spew"], &[], None),
    flag(&["--check-config"], &[], None),
    flag(&["--print-config"], &[], None),
    value(&["--chdir"], &[], None),
    flag(&["--no-sendfile"], &[], None),
    flag(&["--reuse-port"], &[], None),
    flag(&["--daemon"], &['D'], None),
    value(&["--env"], &['e'], None),
    value(&["--pythonpath"], &[], None),
    value(&["--paste", "--paster"], &[], None),
    value(&["--pid"], &['p'], None),
    value(&["--worker-tmp-dir"], &[], None),
    value(&["--user"], &['u'], None),
    value(&["--group"], &['g'], None),
    value(&["--umask"], &['m'], None),
    flag(&["--initgroups"], &[], None),
    value(&["--forwarded-allow-ips"], &[], None),
    value(&["--access-logfile"], &[], None),
    flag(&["--disable-redirect-access-to-syslog"], &[], None),
    value(&["--access-logformat"], &[], None),
    value(&["--error-logfile", "--log-file"], &[], None),
    value(&["--log-level"], &[], None),
    flag(&["--capture-output"], &[], None),
    value(&["--logger-class"], &[], None),
    value(&["--log-config"], &[], None),
    value(&["--log-config-json"], &[], None),
    value(&["--log-syslog-to"], &[], None),
    flag(&["--log-syslog"], &[], None),
    value(&["--log-syslog-prefix"], &[], None),
    value(&["--log-syslog-facility"], &[], None),
    flag(&["--enable-stdio-inheritance"], &['R'], None),
    value(&["--statsd-host"], &[], None),
    value(&["--dogstatsd-tags"], &[], None),
    value(&["--statsd-prefix"], &[], None),
    value(&["--name"], &['n'], None),
    flag(&["--proxy-protocol"], &[], None),
    value(&["--proxy-allow-from"], &[], None),
    value(&["--keyfile"], &[], None),
    value(&["--certfile"], &[], None),
    value(&["--ssl-version"], &[], None),
    value(&["--cert-reqs"], &[], None),
    value(&["--ca-certs"], &[], None),
    flag(&["--suppress-ragged-eofs"], &[], None),
    flag(&["--do-handshake-on-connect"], &[], None),
    value(&["--ciphers"], &[], None),
    value(&["--paste-global"], &[], None),
    flag(&["--strip-header-spaces"], &[], None),
    flag(&["--permit-unconventional-http-method"], &[], None),
    flag(&["--permit-unconventional-http-version"], &[], None),
    flag(&["--casefold-http-method"], &[], None),
    flag(&["--permit-obsolete-folding"], &[], None),
    value(&["--forwarder-headers"], &[], None),
    value(&["--header-map"], &[], None),
    flag(&["--version"], &['v'], None),
    flag(&["--help"], &['h'], None),
];

/// The command line after `gunicorn`, as gunicorn reads it.
pub fn command_line(words: &[Word<'_>]) -> Layer {
    super::argv_layer(words, OPTIONS, SETTINGS, Dialect::Argparse)
}

/// `GUNICORN_CMD_ARGS`: its words (gunicorn splits it with `shlex.split`) parsed by the same
/// parser, positional arguments ignored. `None` when the variable's value is unknown: then
/// it may set anything.
pub fn env_args(name: &str, words: Option<&[Word<'_>]>) -> Layer {
    let Some(words) = words else {
        return Layer::unknown(
            SETTINGS,
            Origin::Env {
                name: name.to_string(),
            },
        );
    };
    let events = super::options::parse(words, OPTIONS, Dialect::Argparse);
    Layer::from_events(&events, OPTIONS, SETTINGS, &|word, value_word| {
        Origin::EnvArgs {
            name: name.to_string(),
            word,
            value_word,
        }
    })
}

/// Which configuration file gunicorn reads.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigRequest {
    /// `-c`/`--config` on the command line (else in `GUNICORN_CMD_ARGS`): `file:` stripped.
    Path(String, Origin),
    /// `python:module` or an unknown value: a file kubelint cannot read.
    Unreadable(Origin),
    /// Nothing given: `./gunicorn.conf.py` in the working directory, if it exists.
    Default,
}

/// The configuration file the command line and `GUNICORN_CMD_ARGS` ask for
/// (gunicorn/app/base.py `Application.load_config`, config.py `ConfigFile`).
pub fn config_request(cli: &Layer, env: &Layer) -> ConfigRequest {
    let Some(config) = cli.get(CONFIG).or_else(|| env.get(CONFIG)) else {
        return ConfigRequest::Default;
    };
    match &config.value {
        Value::Str(path) if path.starts_with("python:") => {
            ConfigRequest::Unreadable(config.origin.clone())
        }
        Value::Str(path) => ConfigRequest::Path(
            path.strip_prefix("file:").unwrap_or(path).to_string(),
            config.origin.clone(),
        ),
        _ => ConfigRequest::Unreadable(config.origin.clone()),
    }
}

/// The configuration file as kubelint sees it.
pub enum ConfigFile<'c> {
    /// Read from a ConfigMap the container mounts at the path gunicorn reads.
    Visible {
        config: &'c PyConfig,
        env: &'c dyn Fn(&str) -> EnvLookup,
    },
    /// There may be one kubelint cannot see (baked into the image, or not in the input).
    Hidden,
    /// There is none.
    Absent,
}

/// A container's gunicorn settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GunicornSettings {
    pub settings: Layer,
    /// A configuration file kubelint cannot read may set what the command line does not.
    pub hidden_config: bool,
}

impl GunicornSettings {
    /// A setting (every one in [`SETTINGS`] has a value, its default at least).
    pub fn get(&self, setting: &str) -> Resolved {
        self.settings
            .get(setting)
            .cloned()
            .unwrap_or_else(|| Resolved::default(Value::Unknown))
    }

    /// Whether a setting could still be changed by a file kubelint cannot see: it has its
    /// default (or an environment default), and the configuration file is hidden.
    pub fn may_be_hidden(&self, setting: &str) -> bool {
        self.hidden_config
            && matches!(
                self.get(setting).origin,
                Origin::Default | Origin::Env { .. }
            )
    }

    /// `sync` with more than one thread runs as `gthread` (gunicorn/config.py
    /// `Config.worker_class_str`).
    pub fn worker_class(&self) -> Option<String> {
        match (self.get(WORKER_CLASS).value, self.get(THREADS).value) {
            (Value::Str(class), Value::Int(threads))
                if threads > 1 && (class == "sync" || class.ends_with("SyncWorker")) =>
            {
                Some("gthread".to_string())
            }
            (Value::Str(class), _) => Some(class),
            _ => None,
        }
    }
}

/// Resolves gunicorn's settings: defaults, `WEB_CONCURRENCY`, the config file,
/// `GUNICORN_CMD_ARGS`, the command line, each over the one before.
pub fn resolve(
    web_concurrency: EnvLookup,
    config: ConfigFile<'_>,
    env: &Layer,
    cli: &Layer,
) -> GunicornSettings {
    let mut settings = Layer::default();
    for (name, value) in [
        (WORKERS, Value::Int(1)),
        (WORKER_CLASS, Value::Str("sync".to_string())),
        (THREADS, Value::Int(1)),
        (MAX_REQUESTS, Value::Int(0)),
        (MAX_REQUESTS_JITTER, Value::Int(0)),
        (TIMEOUT, Value::Int(30)),
        (PRELOAD_APP, Value::Bool(false)),
    ] {
        settings.settings.insert(name, Resolved::default(value));
    }
    // Workers.default = int(os.environ.get("WEB_CONCURRENCY", 1))
    if let Some(resolved) = env_count("WEB_CONCURRENCY", web_concurrency) {
        settings.settings.insert(WORKERS, resolved);
    }
    let mut hidden_config = false;
    match config {
        ConfigFile::Visible { config, env } => {
            if config.opaque {
                hidden_config = true;
            }
            for (name, kind) in SETTINGS {
                let Some(assignment) = config.last(name) else {
                    continue;
                };
                let value = if assignment.conditional {
                    Value::Unknown
                } else {
                    from_python(*kind, assignment.expr.eval(env))
                };
                settings.settings.insert(
                    name,
                    Resolved {
                        value,
                        origin: Origin::ConfigLine {
                            line: assignment.line,
                        },
                    },
                );
            }
        }
        ConfigFile::Hidden => hidden_config = true,
        ConfigFile::Absent => {}
    }
    settings.overlay(env);
    settings.overlay(cli);
    GunicornSettings {
        settings,
        hidden_config,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::pyconf;

    fn words(text: &str) -> Vec<Word<'_>> {
        text.split_whitespace().map(Some).collect()
    }

    fn no_env(_: &str) -> EnvLookup {
        EnvLookup::Unset
    }

    #[test]
    fn precedence_default_file_env_cli() {
        let file = pyconf::parse("workers = 3\nmax_requests = 100\nmax_requests_jitter = 10\n");
        let env_words = words("--max-requests 200 -w 5 app:app");
        let env = env_args("GUNICORN_CMD_ARGS", Some(&env_words));
        let cli = command_line(&words("app:app --max-requests=300"));
        let settings = resolve(
            EnvLookup::Set("7".into()),
            ConfigFile::Visible {
                config: &file,
                env: &no_env,
            },
            &env,
            &cli,
        );
        assert_eq!(
            settings.get(MAX_REQUESTS),
            Resolved {
                value: Value::Int(300),
                origin: Origin::Argv {
                    word: 1,
                    value_word: Some(1)
                }
            }
        );
        assert_eq!(settings.get(WORKERS).value, Value::Int(5));
        assert_eq!(
            settings.get(MAX_REQUESTS_JITTER).origin,
            Origin::ConfigLine { line: 2 }
        );
        assert!(!settings.hidden_config);
    }

    #[test]
    fn web_concurrency_is_the_workers_default() {
        let settings = resolve(
            EnvLookup::Set("4".into()),
            ConfigFile::Hidden,
            &Layer::default(),
            &command_line(&words("app:app")),
        );
        assert_eq!(settings.get(WORKERS).value, Value::Int(4));
        assert!(settings.may_be_hidden(WORKERS));
        assert!(settings.may_be_hidden(MAX_REQUESTS));
    }

    #[test]
    fn config_from_cli_then_env() {
        let env = env_args("GUNICORN_CMD_ARGS", Some(&words("-c /etc/g.py")));
        assert!(matches!(
            config_request(&command_line(&words("--config=file:/app/g.py")), &env),
            ConfigRequest::Path(p, _) if p == "/app/g.py"
        ));
        assert!(matches!(
            config_request(&command_line(&words("app:app")), &env),
            ConfigRequest::Path(p, Origin::EnvArgs { .. }) if p == "/etc/g.py"
        ));
        assert!(matches!(
            config_request(&command_line(&words("-c python:conf")), &env),
            ConfigRequest::Unreadable(_)
        ));
        assert_eq!(
            config_request(&command_line(&words("app")), &Layer::default()),
            ConfigRequest::Default
        );
    }

    #[test]
    fn unknown_env_args_and_opaque_words_hide_settings() {
        let env = env_args("GUNICORN_CMD_ARGS", None);
        let settings = resolve(
            EnvLookup::Unset,
            ConfigFile::Absent,
            &env,
            &command_line(&words("--max-requests 10 app")),
        );
        assert_eq!(settings.get(MAX_REQUESTS).value, Value::Int(10));
        assert_eq!(settings.get(MAX_REQUESTS_JITTER).value, Value::Unknown);
        let cli = command_line(&[Some("--max-requests"), Some("5"), None, Some("app")]);
        assert_eq!(
            cli.get(MAX_REQUESTS).map(|r| &r.value),
            Some(&Value::Unknown)
        );
    }

    #[test]
    fn sync_with_threads_is_gthread() {
        let settings = resolve(
            EnvLookup::Unset,
            ConfigFile::Absent,
            &Layer::default(),
            &command_line(&words("--threads 4 app")),
        );
        assert_eq!(settings.worker_class().as_deref(), Some("gthread"));
    }

    #[test]
    fn abbreviations_resolve_as_argparse_does() {
        let cli = command_line(&words("--max-requests-j 50 --work 3 --pre app"));
        assert_eq!(
            cli.get(MAX_REQUESTS_JITTER).map(|r| &r.value),
            Some(&Value::Int(50))
        );
        assert_eq!(
            cli.get(PRELOAD_APP).map(|r| &r.value),
            Some(&Value::Bool(true))
        );
        // --work: --workers, --worker-class, --worker-connections, --worker-tmp-dir.
        assert_eq!(cli.get(WORKERS).map(|r| &r.value), Some(&Value::Unknown));
        let ambiguous = command_line(&words("--max-req 1000"));
        assert_eq!(
            ambiguous.get(MAX_REQUESTS).map(|r| &r.value),
            Some(&Value::Unknown)
        );
    }

    #[test]
    fn conditional_and_computed_file_values() {
        let file = pyconf::parse(
            "import multiprocessing\nworkers = multiprocessing.cpu_count() * 2 + 1\nif X:\n    max_requests = 5\n",
        );
        let settings = resolve(
            EnvLookup::Unset,
            ConfigFile::Visible {
                config: &file,
                env: &no_env,
            },
            &Layer::default(),
            &Layer::default(),
        );
        assert_eq!(settings.get(WORKERS).value, Value::HostCpu);
        assert_eq!(settings.get(MAX_REQUESTS).value, Value::Unknown);
    }
}
