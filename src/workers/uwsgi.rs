//! uWSGI's settings (SEMANTICS.md §D.10): command-line options (`getopt_long`), `UWSGI_<OPTION>`
//! environment variables (core/utils.c `parse_sys_envs`: upper → lower, `_` → `-`) and
//! `[uwsgi]` sections of INI files. The command line is read last, so it wins.

use super::ini::IniEntry;
use super::options::{ArgEvent, ArgValue, Dialect, OptionSpec, Word, flag, value};
use super::pyconf::EnvLookup;
use super::{Kind, Layer, Origin, Resolved, Value};

pub const PROCESSES: &str = "processes";
pub const MAX_REQUESTS: &str = "max-requests";
pub const MAX_REQUESTS_DELTA: &str = "max-requests-delta";
pub const RELOAD_ON_RSS: &str = "reload-on-rss";
pub const EVIL_RELOAD_ON_RSS: &str = "evil-reload-on-rss";
pub const MAX_WORKER_LIFETIME: &str = "max-worker-lifetime";
pub const MAX_WORKER_LIFETIME_DELTA: &str = "max-worker-lifetime-delta";

pub const SETTINGS: &[(&str, Kind)] = &[
    (PROCESSES, Kind::Count),
    (MAX_REQUESTS, Kind::Count),
    (MAX_REQUESTS_DELTA, Kind::Count),
    (RELOAD_ON_RSS, Kind::Count),
    (EVIL_RELOAD_ON_RSS, Kind::Count),
    (MAX_WORKER_LIFETIME, Kind::Count),
    (MAX_WORKER_LIFETIME_DELTA, Kind::Count),
];

/// The options kubelint reads, the configuration-file options, and common flags (so that a
/// flag never swallows the next word). Other options are guessed (see [`Dialect`]).
pub const OPTIONS: &[OptionSpec] = &[
    value(&["--processes", "--workers"], &['p'], Some(PROCESSES)),
    value(&["--max-requests"], &['R'], Some(MAX_REQUESTS)),
    value(&["--max-requests-delta"], &[], Some(MAX_REQUESTS_DELTA)),
    value(&["--reload-on-rss"], &[], Some(RELOAD_ON_RSS)),
    value(&["--evil-reload-on-rss"], &[], Some(EVIL_RELOAD_ON_RSS)),
    value(&["--max-worker-lifetime"], &[], Some(MAX_WORKER_LIFETIME)),
    value(
        &["--max-worker-lifetime-delta"],
        &[],
        Some(MAX_WORKER_LIFETIME_DELTA),
    ),
    value(&["--ini"], &[], Some(CONFIG)),
    value(&["--yaml", "--yml"], &['y'], Some(CONFIG)),
    value(&["--json", "--js"], &['j'], Some(CONFIG)),
    value(&["--xml"], &['x'], Some(CONFIG)),
    value(&["--include"], &[], Some(CONFIG)),
    value(&["--module"], &['w'], None),
    value(&["--socket"], &['s'], None),
    value(&["--harakiri"], &['t'], None),
    value(&["--buffer-size"], &['b'], None),
    value(
        &["--home", "--virtualenv", "--venv", "--pyhome"],
        &['H'],
        None,
    ),
    flag(&["--master"], &['M'], None),
    flag(&["--enable-threads"], &['T'], None),
    flag(&["--single-interpreter"], &['i'], None),
    flag(&["--disable-logging"], &['L'], None),
    flag(&["--lazy-apps"], &[], None),
    flag(&["--die-on-term"], &[], None),
    flag(&["--vacuum"], &[], None),
    flag(&["--strict"], &[], None),
    flag(&["--need-app"], &[], None),
    flag(&["--no-orphans"], &[], None),
    flag(&["--thunder-lock"], &[], None),
    flag(&["--py-autoreload"], &[], None),
    flag(&["--log-master"], &[], None),
    flag(&["--honour-stdin"], &[], None),
];

/// A configuration file option (`--ini`, `--yaml`…); its value is the file.
pub const CONFIG: &str = "config";

/// INI keys that load another configuration file.
const INCLUDES: &[&str] = &[
    "ini", "include", "yaml", "yml", "json", "js", "xml", "inherit",
];

/// One configuration file the command line names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRef {
    /// The path (an INI path may carry `:section`), `None` when unknown.
    pub path: Option<String>,
    /// Whether it is an INI file (the only format kubelint reads).
    pub ini: bool,
    pub origin: Origin,
}

/// The configuration files the command line after `uwsgi` loads: `--ini` & co., and
/// positional arguments (uWSGI loads a lone `*.ini` argument as a config file).
pub fn config_files(words: &[Word<'_>]) -> Vec<ConfigRef> {
    let mut files = Vec::new();
    for event in super::options::parse(words, OPTIONS, Dialect::GetoptPartial) {
        match event {
            ArgEvent::Option {
                spec,
                value,
                word,
                value_word,
            } if OPTIONS.get(spec).and_then(|s| s.setting) == Some(CONFIG) => {
                let ini = OPTIONS[spec].long.first() == Some(&"--ini");
                files.push(ConfigRef {
                    path: match value {
                        ArgValue::Text(t) => Some(t),
                        _ => None,
                    },
                    ini,
                    origin: Origin::Argv { word, value_word },
                });
            }
            ArgEvent::Positional { word } | ArgEvent::Opaque { word } => {
                let path = words.get(word).copied().flatten().map(str::to_string);
                files.push(ConfigRef {
                    ini: path.as_deref().is_some_and(|p| p.ends_with(".ini")),
                    path,
                    origin: Origin::Argv {
                        word,
                        value_word: Some(word),
                    },
                });
            }
            _ => {}
        }
    }
    files
}

/// What kubelint read of one configuration file.
pub enum ConfigFile<'c> {
    /// The `[uwsgi]` entries of an INI file from a mounted ConfigMap.
    Ini(&'c [IniEntry]),
    /// A file kubelint cannot read: it may set anything.
    Hidden,
}

/// A `$(VAR)` in an INI value is the environment variable; anything else with `$(` or `%(`
/// is not evaluated.
fn ini_value(raw: &str, env: &dyn Fn(&str) -> EnvLookup) -> ArgValue {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(at) = rest.find("$(") {
        out.push_str(&rest[..at]);
        let Some(end) = rest[at..].find(')') else {
            return ArgValue::Unknown;
        };
        match env(&rest[at + 2..at + end]) {
            EnvLookup::Set(v) => out.push_str(&v),
            _ => return ArgValue::Unknown,
        }
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    if out.contains("%(") {
        ArgValue::Unknown
    } else {
        ArgValue::Text(out)
    }
}

/// Resolves uWSGI's settings: environment, then configuration files in order, then the
/// command line after `uwsgi`.
pub fn resolve(
    words: &[Word<'_>],
    files: &[ConfigFile<'_>],
    env: &dyn Fn(&str) -> EnvLookup,
) -> Layer {
    let mut settings = Layer::default();
    settings
        .settings
        .insert(PROCESSES, Resolved::default(Value::Int(1)));
    for (name, kind) in SETTINGS {
        let var = format!("UWSGI_{}", name.to_ascii_uppercase().replace('-', "_"));
        let value = match env(&var) {
            EnvLookup::Unset => continue,
            EnvLookup::Unknown => Value::Unknown,
            EnvLookup::Set(text) => super::typed(*kind, &ArgValue::Text(text)),
        };
        settings.settings.insert(
            name,
            Resolved {
                value,
                origin: Origin::Env { name: var },
            },
        );
    }
    for file in files {
        match file {
            // It is read after the environment, so it may override anything.
            ConfigFile::Hidden => settings.overlay(&Layer::unknown(SETTINGS, Origin::Default)),
            ConfigFile::Ini(entries) => {
                for entry in *entries {
                    let key = entry.key.replace('_', "-");
                    // Another file loaded from this one may set anything from here on.
                    if INCLUDES.contains(&key.as_str()) {
                        settings.overlay(&Layer::unknown(
                            SETTINGS,
                            Origin::ConfigLine { line: entry.line },
                        ));
                        continue;
                    }
                    let key = if key == "workers" { PROCESSES } else { &key };
                    let Some((name, kind)) = SETTINGS.iter().find(|(n, _)| *n == key) else {
                        continue;
                    };
                    settings.settings.insert(
                        name,
                        Resolved {
                            value: super::typed(*kind, &ini_value(&entry.value, env)),
                            origin: Origin::ConfigLine { line: entry.line },
                        },
                    );
                }
            }
        }
    }
    let cli = super::argv_layer(words, OPTIONS, SETTINGS, Dialect::GetoptPartial);
    settings.overlay(&cli);
    settings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::ini;

    fn words(text: &str) -> Vec<Word<'_>> {
        text.split_whitespace().map(Some).collect()
    }

    #[test]
    fn env_ini_and_command_line() {
        let text = "[uwsgi]\nprocesses = $(PROCS)\nmax-requests = 1000\n";
        let entries = ini::section(text, "uwsgi");
        let env = |name: &str| match name {
            "PROCS" => EnvLookup::Set("4".into()),
            "UWSGI_MAX_REQUESTS_DELTA" => EnvLookup::Set("10".into()),
            _ => EnvLookup::Unset,
        };
        let s = resolve(
            &words("--ini /etc/uwsgi.ini --master -R 2000"),
            &[ConfigFile::Ini(&entries)],
            &env,
        );
        assert_eq!(s.get(PROCESSES).map(|r| &r.value), Some(&Value::Int(4)));
        assert_eq!(
            s.get(MAX_REQUESTS).map(|r| &r.value),
            Some(&Value::Int(2000))
        );
        assert_eq!(
            s.get(MAX_REQUESTS_DELTA).map(|r| &r.value),
            Some(&Value::Int(10))
        );
    }

    #[test]
    fn config_files_are_found() {
        let files = config_files(&words("--master --ini /etc/u.ini app.ini --yaml x.yml"));
        let paths: Vec<_> = files.iter().map(|f| (f.path.clone(), f.ini)).collect();
        assert_eq!(
            paths,
            vec![
                (Some("/etc/u.ini".into()), true),
                (Some("app.ini".into()), true),
                (Some("x.yml".into()), false)
            ]
        );
    }

    #[test]
    fn an_included_file_hides_what_follows() {
        let entries = ini::section(
            "[uwsgi]\nmax-requests = 10\nini = /etc/more.ini\nprocesses = 2\n",
            "uwsgi",
        );
        let s = resolve(&[], &[ConfigFile::Ini(&entries)], &|_| EnvLookup::Unset);
        assert_eq!(s.get(MAX_REQUESTS).map(|r| &r.value), Some(&Value::Unknown));
        assert_eq!(s.get(PROCESSES).map(|r| &r.value), Some(&Value::Int(2)));
    }

    #[test]
    fn a_hidden_file_hides_defaults() {
        let s = resolve(&words("--ini x.ini -p 4"), &[ConfigFile::Hidden], &|_| {
            EnvLookup::Unset
        });
        assert_eq!(s.get(PROCESSES).map(|r| &r.value), Some(&Value::Int(4)));
        assert_eq!(s.get(MAX_REQUESTS).map(|r| &r.value), Some(&Value::Unknown));
    }
}
