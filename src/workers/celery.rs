//! Celery worker settings (SEMANTICS.md §D.9): `celery [global options] worker [options]`,
//! a `click` group whose options can also come from `CELERY_WORKER_<OPTION>`
//! (`auto_envvar_prefix="CELERY"`, celery/bin/celery.py `main`), the command line winning.
//! Celery 4's optparse spellings (`--maxtasksperchild`) are accepted too.

use super::options::{ArgEvent, ArgValue, Dialect, OptionSpec, Word, flag, value};
use super::pyconf::EnvLookup;
use super::{Kind, Layer, Origin, Resolved, Value};

pub const CONCURRENCY: &str = "concurrency";
pub const POOL: &str = "pool";
pub const AUTOSCALE: &str = "autoscale";
pub const MAX_TASKS_PER_CHILD: &str = "max_tasks_per_child";
pub const MAX_MEMORY_PER_CHILD: &str = "max_memory_per_child";

pub const SETTINGS: &[(&str, Kind)] = &[
    (CONCURRENCY, Kind::Count),
    (POOL, Kind::Text),
    (AUTOSCALE, Kind::Text),
    (MAX_TASKS_PER_CHILD, Kind::Count),
    (MAX_MEMORY_PER_CHILD, Kind::Count),
];

/// Options of the `celery` group itself, before the sub-command.
const GLOBAL_OPTIONS: &[OptionSpec] = &[
    value(&["--app"], &['A'], None),
    value(&["--broker"], &['b'], None),
    value(&["--result-backend"], &[], None),
    value(&["--loader"], &[], None),
    value(&["--config"], &[], None),
    value(&["--workdir"], &[], None),
    flag(&["--no-color"], &['C'], None),
    flag(&["--quiet"], &['q'], None),
    flag(&["--version"], &[], None),
    flag(&["--skip-checks"], &[], None),
    flag(&["--help"], &[], None),
];

/// Options of `celery worker` (celery/bin/worker.py, 4.x and 5.x).
pub const WORKER_OPTIONS: &[OptionSpec] = &[
    value(&["--concurrency"], &['c'], Some(CONCURRENCY)),
    value(&["--pool"], &['P'], Some(POOL)),
    value(&["--autoscale"], &[], Some(AUTOSCALE)),
    value(
        &["--max-tasks-per-child", "--maxtasksperchild"],
        &[],
        Some(MAX_TASKS_PER_CHILD),
    ),
    value(
        &["--max-memory-per-child", "--maxmemperchild"],
        &[],
        Some(MAX_MEMORY_PER_CHILD),
    ),
    value(&["--app"], &['A'], None),
    value(&["--broker"], &['b'], None),
    value(&["--hostname"], &['n'], None),
    flag(&["--detach"], &['D'], None),
    value(&["--statedb"], &['S'], None),
    value(&["--loglevel"], &['l'], None),
    value(&[], &['O'], None),
    value(&["--prefetch-multiplier"], &[], None),
    flag(&["--task-events", "--events"], &['E'], None),
    value(&["--time-limit"], &[], None),
    value(&["--soft-time-limit"], &[], None),
    flag(&["--purge", "--discard"], &[], None),
    value(&["--queues"], &['Q'], None),
    value(&["--exclude-queues"], &['X'], None),
    value(&["--include"], &['I'], None),
    flag(&["--without-gossip"], &[], None),
    flag(&["--without-mingle"], &[], None),
    flag(&["--without-heartbeat"], &[], None),
    value(&["--heartbeat-interval"], &[], None),
    flag(&["--beat"], &['B'], None),
    value(&["--schedule-filename", "--schedule"], &['s'], None),
    value(&["--scheduler"], &[], None),
    value(&["--logfile"], &['f'], None),
    value(&["--pidfile"], &[], None),
    value(&["--uid"], &[], None),
    value(&["--gid"], &[], None),
    value(&["--umask"], &[], None),
    value(&["--executable"], &[], None),
    flag(&["--help"], &[], None),
];

/// The word index (in `words`) where the `worker` sub-command's options start, when the
/// command is `celery … worker`.
pub fn worker_args(words: &[Word<'_>]) -> Option<usize> {
    let events = super::options::parse(words, GLOBAL_OPTIONS, Dialect::Click);
    // The first positional word is the sub-command; an opaque or unknown word before it
    // leaves kubelint unable to tell.
    for event in events {
        match event {
            ArgEvent::Positional { word } => {
                return (words.get(word).copied().flatten() == Some("worker")).then_some(word + 1);
            }
            ArgEvent::Opaque { .. } | ArgEvent::Error { .. } => return None,
            ArgEvent::Option { .. } => {}
        }
    }
    None
}

/// Celery worker settings from the words after `worker` and the environment. The word
/// indices of origins are relative to `words`.
pub fn resolve(words: &[Word<'_>], env: &dyn Fn(&str) -> EnvLookup) -> Layer {
    let events = super::options::parse(words, WORKER_OPTIONS, Dialect::Click);
    // `celery worker -- worker_max_tasks_per_child=10`: configuration from the command line.
    let trailing_config = words.contains(&Some("--"));
    let cli = Layer::from_events(&events, WORKER_OPTIONS, SETTINGS, &|word, value_word| {
        Origin::Argv { word, value_word }
    });
    let mut settings = Layer::default();
    settings
        .settings
        .insert(POOL, Resolved::default(Value::Str("prefork".to_string())));
    for (name, kind) in SETTINGS {
        let var = format!("CELERY_WORKER_{}", name.to_ascii_uppercase());
        let value = match env(&var) {
            EnvLookup::Unset => continue,
            EnvLookup::Set(text) if text.is_empty() => continue,
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
    settings.overlay(&cli);
    if trailing_config {
        for name in [MAX_TASKS_PER_CHILD, MAX_MEMORY_PER_CHILD] {
            settings
                .settings
                .entry(name)
                .or_insert_with(|| Resolved::default(Value::Unknown));
        }
    }
    settings
}

/// Whether the pool forks child processes (only prefork recycles children). Celery 5 also
/// reads `-P processes` as prefork.
pub fn is_prefork(pool: &Value) -> Option<bool> {
    match pool {
        Value::Str(p) => Some(matches!(p.as_str(), "prefork" | "processes")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Word<'_>> {
        text.split_whitespace().map(Some).collect()
    }

    #[test]
    fn finds_the_worker_subcommand() {
        assert_eq!(worker_args(&words("-A proj worker -l info")), Some(3));
        assert_eq!(worker_args(&words("--app=proj worker")), Some(2));
        assert_eq!(worker_args(&words("-A proj beat")), None);
        assert_eq!(worker_args(&[None, Some("worker")]), None);
    }

    #[test]
    fn options_and_environment() {
        let env = |name: &str| match name {
            "CELERY_WORKER_MAX_TASKS_PER_CHILD" => EnvLookup::Set("50".into()),
            _ => EnvLookup::Unset,
        };
        let s = resolve(
            &words("-c 4 --max-memory-per-child=200000 -P prefork"),
            &env,
        );
        assert_eq!(
            s.get(MAX_TASKS_PER_CHILD).map(|r| r.origin.clone()),
            Some(Origin::Env {
                name: "CELERY_WORKER_MAX_TASKS_PER_CHILD".into()
            })
        );
        assert_eq!(
            s.get(MAX_MEMORY_PER_CHILD).map(|r| &r.value),
            Some(&Value::Int(200_000))
        );
        let s = resolve(&words("--maxtasksperchild 10 -P gevent"), &|_| {
            EnvLookup::Unset
        });
        assert_eq!(
            s.get(MAX_TASKS_PER_CHILD).map(|r| &r.value),
            Some(&Value::Int(10))
        );
        assert_eq!(s.get(POOL).map(|r| is_prefork(&r.value)), Some(Some(false)));
    }
}
