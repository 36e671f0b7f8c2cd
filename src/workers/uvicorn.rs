//! uvicorn's settings (SEMANTICS.md §D.8): a `click` command whose every option can also come
//! from `UVICORN_<OPTION>` (`auto_envvar_prefix="UVICORN"`, the command line winning), and
//! whose `workers` falls back to `WEB_CONCURRENCY`, then 1 (Kludex/uvicorn uvicorn/main.py,
//! uvicorn/config.py `Config.__init__`).

use super::options::{Dialect, OptionSpec, Word, flag, value};
use super::pyconf::EnvLookup;
use super::{Kind, Layer, Origin, Resolved, Value, env_count};

pub const WORKERS: &str = "workers";
pub const LIMIT_MAX_REQUESTS: &str = "limit_max_requests";
pub const LIMIT_MAX_REQUESTS_JITTER: &str = "limit_max_requests_jitter";
pub const RELOAD: &str = "reload";

pub const SETTINGS: &[(&str, Kind)] = &[
    (WORKERS, Kind::Count),
    (LIMIT_MAX_REQUESTS, Kind::Count),
    (LIMIT_MAX_REQUESTS_JITTER, Kind::Count),
    (RELOAD, Kind::Bool),
];

/// uvicorn's options (0.30–0.51); anything else is a usage error.
pub const OPTIONS: &[OptionSpec] = &[
    value(&["--workers"], &[], Some(WORKERS)),
    value(&["--limit-max-requests"], &[], Some(LIMIT_MAX_REQUESTS)),
    value(
        &["--limit-max-requests-jitter"],
        &[],
        Some(LIMIT_MAX_REQUESTS_JITTER),
    ),
    flag(&["--reload"], &[], Some(RELOAD)),
    value(&["--host"], &[], None),
    value(&["--port"], &[], None),
    value(&["--uds"], &[], None),
    value(&["--fd"], &[], None),
    value(&["--reload-dir"], &[], None),
    value(&["--reload-include"], &[], None),
    value(&["--reload-exclude"], &[], None),
    value(&["--reload-delay"], &[], None),
    value(&["--loop"], &[], None),
    value(&["--http"], &[], None),
    flag(&["--http2"], &[], None),
    value(&["--ws"], &[], None),
    value(&["--ws-max-size"], &[], None),
    value(&["--ws-max-queue"], &[], None),
    value(&["--ws-ping-interval"], &[], None),
    value(&["--ws-ping-timeout"], &[], None),
    value(&["--ws-per-message-deflate"], &[], None),
    value(&["--lifespan"], &[], None),
    value(&["--interface"], &[], None),
    value(&["--env-file"], &[], None),
    value(&["--log-config"], &[], None),
    value(&["--log-level"], &[], None),
    flag(&["--access-log", "--no-access-log"], &[], None),
    flag(&["--use-colors", "--no-use-colors"], &[], None),
    flag(&["--proxy-headers", "--no-proxy-headers"], &[], None),
    flag(&["--server-header", "--no-server-header"], &[], None),
    flag(&["--date-header", "--no-date-header"], &[], None),
    value(&["--forwarded-allow-ips"], &[], None),
    value(&["--root-path"], &[], None),
    value(&["--limit-concurrency"], &[], None),
    value(&["--backlog"], &[], None),
    value(&["--timeout-keep-alive"], &[], None),
    value(&["--timeout-graceful-shutdown"], &[], None),
    value(&["--timeout-worker-healthcheck"], &[], None),
    value(&["--ssl-keyfile"], &[], None),
    value(&["--ssl-certfile"], &[], None),
    value(&["--ssl-keyfile-password"], &[], None),
    value(&["--ssl-version"], &[], None),
    value(&["--ssl-cert-reqs"], &[], None),
    value(&["--ssl-ca-certs"], &[], None),
    value(&["--ssl-ciphers"], &[], None),
    value(&["--header"], &[], None),
    flag(&["--version"], &[], None),
    value(&["--app-dir"], &[], None),
    value(&["--h11-max-incomplete-event-size"], &[], None),
    flag(&["--reset-contextvars"], &[], None),
    flag(&["--factory"], &[], None),
    flag(&["--help"], &[], None),
];

/// The environment variable click reads for a setting.
pub fn env_name(setting: &str) -> String {
    format!("UVICORN_{}", setting.to_ascii_uppercase())
}

/// Resolves uvicorn's settings from the command line after `uvicorn` and the environment.
pub fn resolve(words: &[Word<'_>], env: &dyn Fn(&str) -> EnvLookup) -> Layer {
    let cli = super::argv_layer(words, OPTIONS, SETTINGS, Dialect::Click);
    let mut settings = Layer::default();
    for (name, value) in [
        (LIMIT_MAX_REQUESTS_JITTER, Value::Int(0)),
        (RELOAD, Value::Bool(false)),
    ] {
        settings.settings.insert(name, Resolved::default(value));
    }
    for (name, kind) in SETTINGS {
        let var = env_name(name);
        let value = match env(&var) {
            EnvLookup::Unset => continue,
            EnvLookup::Unknown => Value::Unknown,
            // click reads an empty variable as unset.
            EnvLookup::Set(text) if text.is_empty() => continue,
            EnvLookup::Set(text) => super::typed(*kind, &super::options::ArgValue::Text(text)),
        };
        settings.settings.insert(
            name,
            Resolved {
                value,
                origin: Origin::Env { name: var },
            },
        );
    }
    settings.overlay(&cli);
    // `workers or int(os.environ.get("WEB_CONCURRENCY", 1))`: 0 and unset both fall back.
    let workers_given = settings
        .get(WORKERS)
        .is_some_and(|r| r.value != Value::Int(0));
    if !workers_given {
        let fallback = env_count("WEB_CONCURRENCY", env("WEB_CONCURRENCY"))
            .unwrap_or_else(|| Resolved::default(Value::Int(1)));
        settings.settings.insert(WORKERS, fallback);
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Word<'_>> {
        text.split_whitespace().map(Some).collect()
    }

    #[test]
    fn cli_beats_env_and_web_concurrency_is_the_fallback() {
        let env = |name: &str| match name {
            "UVICORN_LIMIT_MAX_REQUESTS" => EnvLookup::Set("500".into()),
            "UVICORN_WORKERS" => EnvLookup::Set("2".into()),
            "WEB_CONCURRENCY" => EnvLookup::Set("8".into()),
            _ => EnvLookup::Unset,
        };
        let s = resolve(&words("main:app --limit-max-requests=900"), &env);
        assert_eq!(
            s.get(LIMIT_MAX_REQUESTS).map(|r| &r.value),
            Some(&Value::Int(900))
        );
        assert_eq!(s.get(WORKERS).map(|r| &r.value), Some(&Value::Int(2)));
        let s = resolve(&words("main:app --workers 0"), &|n| {
            if n == "WEB_CONCURRENCY" {
                EnvLookup::Set("3".into())
            } else {
                EnvLookup::Unset
            }
        });
        assert_eq!(s.get(WORKERS).map(|r| &r.value), Some(&Value::Int(3)));
        let s = resolve(&words("main:app"), &|_| EnvLookup::Unset);
        assert_eq!(s.get(WORKERS), Some(&Resolved::default(Value::Int(1))));
    }
}
