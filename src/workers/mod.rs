//! Worker processes of Python application servers (SEMANTICS.md §D): how gunicorn, uvicorn,
//! Celery and uWSGI are configured from the command line, the environment and configuration
//! files, resolved the way each server resolves them.
//!
//! Everything here is a pure function of word lists, environment lookups and file text, so
//! it can be tested (and fuzzed) without manifests.

pub mod celery;
pub mod checks;
pub mod container;
pub mod gunicorn;
pub mod ini;
pub mod options;
pub mod pyconf;
pub mod uvicorn;
pub mod uwsgi;

use std::collections::BTreeMap;

use options::{ArgEvent, ArgValue, OptionSpec, Word};
use pyconf::{EnvLookup, PyValue};

/// A setting's value as far as kubelint can tell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Bool(bool),
    Str(String),
    /// Computed from the node's CPU count (`multiprocessing.cpu_count()`).
    HostCpu,
    /// Set, but to something kubelint cannot evaluate (or possibly set, by an unresolved
    /// `$VAR` among the options or a configuration file kubelint cannot see).
    Unknown,
}

impl Value {
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

/// Where a setting's value was written: what a finding points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The server's default: nothing is written.
    Default,
    /// An environment variable read directly (`WEB_CONCURRENCY`, `UVICORN_WORKERS`).
    Env { name: String },
    /// Word `word` (its value in `value_word`) of the options kept in an environment
    /// variable (`GUNICORN_CMD_ARGS`).
    EnvArgs {
        name: String,
        word: usize,
        value_word: Option<usize>,
    },
    /// Line `line` (0-based) of a configuration file.
    ConfigLine { line: usize },
    /// Word `word` of the command line after the program name (`value_word` holds the value).
    Argv {
        word: usize,
        value_word: Option<usize>,
    },
}

/// A setting with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub value: Value,
    pub origin: Origin,
}

impl Resolved {
    pub fn default(value: Value) -> Self {
        Resolved {
            value,
            origin: Origin::Default,
        }
    }
}

/// How a setting's text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A non-negative integer (`int(text)`; negative values are rejected).
    Count,
    /// A flag or boolean.
    Bool,
    Text,
}

/// Reads an option's text as the setting's kind.
pub fn typed(kind: Kind, value: &ArgValue) -> Value {
    match (kind, value) {
        (_, ArgValue::Unknown) => Value::Unknown,
        (Kind::Bool, ArgValue::Flag) => Value::Bool(true),
        (Kind::Bool, ArgValue::Text(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "y" | "on" | "t" => Value::Bool(true),
            "false" | "0" | "no" | "n" | "off" | "f" => Value::Bool(false),
            _ => Value::Unknown,
        },
        (Kind::Count, ArgValue::Text(text)) => count(text),
        (Kind::Text, ArgValue::Text(text)) => Value::Str(text.clone()),
        (_, ArgValue::Flag) => Value::Unknown,
    }
}

/// A non-negative base-10 integer as Python's `int()` reads it.
pub fn count(text: &str) -> Value {
    match pyconf::python_int(text, 10) {
        Some(i) if i >= 0 => Value::Int(i),
        _ => Value::Unknown,
    }
}

/// A Python configuration value read as a setting of `kind` (gunicorn's validators:
/// `validate_pos_int` takes ints, bools and `int(text, 0)`; `validate_bool` takes bools and
/// "true"/"false").
pub fn from_python(kind: Kind, value: PyValue) -> Value {
    match (kind, value) {
        (_, PyValue::HostCpu) => Value::HostCpu,
        (Kind::Count, PyValue::Int(i)) if i >= 0 => Value::Int(i),
        (Kind::Count, PyValue::Bool(b)) => Value::Int(i64::from(b)),
        (Kind::Count, PyValue::Str(s)) => match pyconf::python_int(&s, 0) {
            Some(i) if i >= 0 => Value::Int(i),
            _ => Value::Unknown,
        },
        (Kind::Bool, PyValue::Bool(b)) => Value::Bool(b),
        (Kind::Bool, PyValue::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Unknown,
        },
        (Kind::Text, PyValue::Str(s)) => Value::Str(s.trim().to_string()),
        _ => Value::Unknown,
    }
}

/// The settings one source of options writes (a command line, `GUNICORN_CMD_ARGS`), the last
/// occurrence winning.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub settings: BTreeMap<&'static str, Resolved>,
}

impl Layer {
    /// Every setting in `settings` set to Unknown at `origin`: a source kubelint cannot read.
    pub fn unknown(settings: &[(&'static str, Kind)], origin: Origin) -> Layer {
        Layer {
            settings: settings
                .iter()
                .map(|(name, _)| {
                    (
                        *name,
                        Resolved {
                            value: Value::Unknown,
                            origin: origin.clone(),
                        },
                    )
                })
                .collect(),
        }
    }

    pub fn get(&self, setting: &str) -> Option<&Resolved> {
        self.settings.get(setting)
    }

    /// Folds parsed options into settings. `origin` says how a word index becomes an
    /// [`Origin`]. An opaque word may be any option, so every setting not written after it
    /// is unknown; an abbreviation kubelint cannot resolve makes the settings it may mean
    /// unknown.
    pub fn from_events(
        events: &[ArgEvent],
        table: &[OptionSpec],
        kinds: &[(&'static str, Kind)],
        origin: &dyn Fn(usize, Option<usize>) -> Origin,
    ) -> Layer {
        let mut layer = Layer::default();
        let kind_of = |setting: &str| {
            kinds
                .iter()
                .find(|(name, _)| *name == setting)
                .map(|(_, kind)| *kind)
        };
        for event in events {
            match event {
                ArgEvent::Option {
                    spec,
                    value,
                    word,
                    value_word,
                } => {
                    let Some(setting) = table.get(*spec).and_then(|s| s.setting) else {
                        continue;
                    };
                    let Some(kind) = kind_of(setting) else {
                        continue;
                    };
                    layer.settings.insert(
                        setting,
                        Resolved {
                            value: typed(kind, value),
                            origin: origin(*word, *value_word),
                        },
                    );
                }
                ArgEvent::Opaque { word } => {
                    for (setting, _) in kinds {
                        layer.settings.insert(
                            setting,
                            Resolved {
                                value: Value::Unknown,
                                origin: origin(*word, None),
                            },
                        );
                    }
                }
                ArgEvent::Error { word, near } => {
                    for setting in near {
                        if let Some((name, _)) = kinds.iter().find(|(n, _)| n == setting) {
                            layer.settings.insert(
                                name,
                                Resolved {
                                    value: Value::Unknown,
                                    origin: origin(*word, None),
                                },
                            );
                        }
                    }
                }
                ArgEvent::Positional { .. } => {}
            }
        }
        layer
    }

    /// Lays `over` on top of `self`: its settings win.
    pub fn overlay(&mut self, over: &Layer) {
        for (name, resolved) in &over.settings {
            self.settings.insert(name, resolved.clone());
        }
    }
}

/// Parses option words into a layer with argv origins.
pub fn argv_layer(
    words: &[Word<'_>],
    table: &[OptionSpec],
    kinds: &[(&'static str, Kind)],
    dialect: options::Dialect,
) -> Layer {
    let events = options::parse(words, table, dialect);
    Layer::from_events(&events, table, kinds, &|word, value_word| Origin::Argv {
        word,
        value_word,
    })
}

/// An environment variable read as an integer setting (`WEB_CONCURRENCY`).
pub fn env_count(name: &str, lookup: EnvLookup) -> Option<Resolved> {
    let value = match lookup {
        EnvLookup::Unset => return None,
        EnvLookup::Unknown => Value::Unknown,
        EnvLookup::Set(text) => count(&text),
    };
    Some(Resolved {
        value,
        origin: Origin::Env {
            name: name.to_string(),
        },
    })
}
