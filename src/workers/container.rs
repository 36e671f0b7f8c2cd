//! The application servers a resolved container runs, with their settings and where each
//! setting is written (SEMANTICS.md §D.2): the bridge between the container resolution of
//! [`crate::process`] and the pure settings models of this module.

use crate::finding::Location;
use crate::k8s::ObjectIndex;
use crate::process::shell::{self, Token};
use crate::process::{EnvSource, EnvValue, Lookup, ResolvedContainer, SimpleCommand, SourceText};
use crate::yaml::FieldPath;

use super::options::Word;
use super::pyconf::{self, EnvLookup};
use super::{Layer, Origin, Resolved, Value, celery, gunicorn, ini, uvicorn, uwsgi};

/// One server process of a container and its resolved settings.
pub struct ServerRun<'c> {
    pub container: &'c ResolvedContainer<'c>,
    pub command: SimpleCommand,
    /// gunicorn started by the entrypoint of the official image (ghcr.io/benoitc/gunicorn):
    /// the command is not written, so absent settings point at the image.
    pub official_image: bool,
    /// Index in `command.words` of the first option word: word `i` of the settings'
    /// [`Origin::Argv`] is `command.words[first_option + i]`.
    pub first_option: usize,
    pub kind: ServerKind,
    pub settings: Layer,
    /// gunicorn: a configuration file kubelint cannot see may set what is not written.
    pub hidden_config: bool,
    /// Which file that is, for messages.
    pub hidden_reason: Option<String>,
    /// The word of `command.words` that stands for the server when a setting is absent
    /// (`gunicorn`, or `worker` in `celery -A proj worker`).
    pub anchor: usize,
    /// The split words of the environment variables holding options (`GUNICORN_CMD_ARGS`,
    /// the official image's `GUNICORN_ARGS`), by name.
    env_args: Vec<(&'static str, EnvArgs)>,
    /// The configuration file text read from a ConfigMap, and the mount that provides it.
    pub config: Option<MountedFile>,
}

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    Gunicorn,
    Uvicorn,
    Celery,
    Uwsgi,
}

/// `GUNICORN_CMD_ARGS` as gunicorn splits it, with each word's bytes in the value.
struct EnvArgs {
    text: SourceText,
    ranges: Vec<std::ops::Range<usize>>,
}

/// A configuration file mounted from a ConfigMap.
#[derive(Debug, Clone)]
pub struct MountedFile {
    /// The path the server reads.
    pub path: String,
    /// ConfigMap `name` and key.
    pub config_map: String,
    pub key: String,
    pub text: SourceText,
    /// The `mountPath` that provides it.
    pub mount: Location,
}

/// What a path resolves to through the container's mounts.
enum Mounted {
    File(MountedFile),
    /// A ConfigMap volume is mounted over the file's directory, without the file: the image's
    /// own copy is hidden, so there is none.
    Absent,
    /// No mount decides: the image's file system, or a volume kubelint cannot read.
    Unknown,
}

impl<'c> ServerRun<'c> {
    /// Every application server `container` runs (SEMANTICS.md §D.2: gunicorn, uvicorn, Celery
    /// workers and uWSGI, directly or through wrappers, shells and `python -m`).
    pub fn all(container: &'c ResolvedContainer<'c>, index: &ObjectIndex) -> Vec<ServerRun<'c>> {
        let mut runs: Vec<ServerRun<'c>> = container
            .commands
            .list
            .iter()
            .filter_map(|command| ServerRun::of(container, command, index, false))
            .collect();
        if let Some(command) = official_image_command(container) {
            runs.extend(ServerRun::of(container, &command, index, true));
        }
        runs.into_iter().map(ServerRun::with_host_cpu).collect()
    }

    /// A value the script computes from `nproc` (`-w $(( 2 * $(nproc) + 1 ))`) depends on the
    /// node's CPUs: it is [`Value::HostCpu`] rather than merely unknown.
    fn with_host_cpu(mut self) -> Self {
        for resolved in self.settings.settings.values_mut() {
            let Origin::Argv {
                value_word: Some(value_word),
                ..
            } = resolved.origin
            else {
                continue;
            };
            let from_nproc = self
                .command
                .words
                .get(self.first_option + value_word)
                .is_some_and(|arg| arg.dynamic.iter().any(|d| d.contains("nproc")));
            if resolved.value == Value::Unknown && from_nproc {
                resolved.value = Value::HostCpu;
            }
        }
        self
    }

    fn of(
        container: &'c ResolvedContainer<'c>,
        command: &SimpleCommand,
        index: &ObjectIndex,
        official_image: bool,
    ) -> Option<ServerRun<'c>> {
        let words: Vec<Word<'_>> = command.args().iter().map(option_word).collect();
        let env = |name: &str| env_lookup(container, command, name);
        let program = command.program.as_str();
        // Commands that print and exit start no workers.
        let inspects = |flags: &[&str]| words.iter().any(|w| w.is_some_and(|w| flags.contains(&w)));
        let run = |kind, first_option, settings, hidden_config, env_args, config| ServerRun {
            container,
            command: command.clone(),
            official_image,
            first_option,
            kind,
            settings,
            hidden_config,
            hidden_reason: None,
            anchor: first_option.saturating_sub(1),
            env_args,
            config,
        };
        match program {
            "gunicorn" => {
                if inspects(&[
                    "--check-config",
                    "--print-config",
                    "--version",
                    "-v",
                    "--help",
                    "-h",
                ]) {
                    return None;
                }
                let (cli, mut env_args) = if official_image {
                    official_image_command_line(container, command, &words)
                } else {
                    (gunicorn::command_line(&words), Vec::new())
                };
                let (env_layer, cmd_args) = gunicorn_env_args(container, command);
                env_args.extend(cmd_args.map(|args| ("GUNICORN_CMD_ARGS", args)));
                let request = gunicorn::config_request(&cli, &env_layer);
                let working_dir = container.facts.working_dir.as_deref();
                let mounted = match &request {
                    gunicorn::ConfigRequest::Unreadable(_) => Mounted::Unknown,
                    gunicorn::ConfigRequest::Path(path, _) => {
                        match absolute(path, working_dir)
                            .map(|p| mounted_file(container, index, &p))
                        {
                            // An explicit file that is not there stops gunicorn: leave it.
                            Some(Mounted::Absent) | None => Mounted::Unknown,
                            Some(found) => found,
                        }
                    }
                    gunicorn::ConfigRequest::Default => absolute("gunicorn.conf.py", working_dir)
                        .map_or(Mounted::Unknown, |p| mounted_file(container, index, &p)),
                };
                let parsed = match &mounted {
                    Mounted::File(file) => Some(pyconf::parse(&file.text.value)),
                    _ => None,
                };
                let config = match (&mounted, &parsed) {
                    (Mounted::File(_), Some(parsed)) => gunicorn::ConfigFile::Visible {
                        config: parsed,
                        env: &env,
                    },
                    (Mounted::Absent, _) => gunicorn::ConfigFile::Absent,
                    _ => gunicorn::ConfigFile::Hidden,
                };
                let resolved = gunicorn::resolve(env("WEB_CONCURRENCY"), config, &env_layer, &cli);
                let hidden_reason = match &request {
                    gunicorn::ConfigRequest::Default => format!(
                        "./gunicorn.conf.py in {}",
                        working_dir.map_or("the image's working directory".to_string(), |d| {
                            format!("the working directory {d}")
                        })
                    ),
                    gunicorn::ConfigRequest::Path(path, _) => format!("the config file {path}"),
                    gunicorn::ConfigRequest::Unreadable(_) => "the config module".to_string(),
                };
                let paste = match resolved.settings.get(gunicorn::PASTE).map(|r| &r.value) {
                    Some(Value::Str(file)) => Some(format!("the PasteDeploy file {file}")),
                    Some(_) => Some("a PasteDeploy file".to_string()),
                    None => None,
                };
                let hidden_reason = match (paste, &mounted) {
                    (Some(paste), Mounted::File(_) | Mounted::Absent) => paste,
                    (Some(paste), Mounted::Unknown) => format!("{hidden_reason} and {paste}"),
                    (None, _) => hidden_reason,
                };
                let config = match mounted {
                    Mounted::File(file) => Some(file),
                    _ => None,
                };
                let mut server = run(
                    ServerKind::Gunicorn,
                    1,
                    resolved.settings,
                    resolved.hidden_config,
                    env_args,
                    config,
                );
                server.hidden_reason = resolved.hidden_config.then_some(hidden_reason);
                Some(server)
            }
            "uvicorn" | "uvicorn.main" => {
                if inspects(&["--version", "--help"]) {
                    return None;
                }
                let settings = uvicorn::resolve(&words, &env);
                Some(run(
                    ServerKind::Uvicorn,
                    1,
                    settings,
                    false,
                    Vec::new(),
                    None,
                ))
            }
            "celery" => {
                let start = celery::worker_args(&words)?;
                if inspects(&["--help"]) {
                    return None;
                }
                let settings = celery::resolve(words.get(start..).unwrap_or_default(), &env);
                Some(run(
                    ServerKind::Celery,
                    1 + start,
                    settings,
                    false,
                    Vec::new(),
                    None,
                ))
            }
            p if p == "uwsgi" || p.starts_with("uwsgi_") => {
                // The emperor only supervises vassals, each with its own configuration.
                let emperor = words
                    .iter()
                    .any(|w| w.is_some_and(|w| w.starts_with("--emperor")));
                if emperor || inspects(&["--version", "--help", "-h"]) {
                    return None;
                }
                // Only the first INI file read from a ConfigMap is kept (for its lines);
                // any other file is one kubelint cannot see.
                let mut found: Vec<Option<(MountedFile, Vec<ini::IniEntry>)>> = Vec::new();
                for file in uwsgi::config_files(&words) {
                    let readable = file
                        .path
                        .as_deref()
                        .filter(|_| file.ini && found.iter().all(Option::is_none))
                        .and_then(|path| {
                            let (path, section) = match path.rsplit_once(':') {
                                Some((p, s)) if !s.contains('/') => (p, s),
                                _ => (path, "uwsgi"),
                            };
                            let path = absolute(path, container.facts.working_dir.as_deref())?;
                            match mounted_file(container, index, &path) {
                                Mounted::File(f) => {
                                    let entries = ini::section(&f.text.value, section);
                                    Some((f, entries))
                                }
                                _ => None,
                            }
                        });
                    found.push(readable);
                }
                let configs: Vec<uwsgi::ConfigFile<'_>> = found
                    .iter()
                    .map(|f| match f {
                        Some((_, entries)) => uwsgi::ConfigFile::Ini(entries),
                        None => uwsgi::ConfigFile::Hidden,
                    })
                    .collect();
                let settings = uwsgi::resolve(&words, &configs, &env);
                let mounted_ini = found.into_iter().flatten().next().map(|(f, _)| f);
                Some(run(
                    ServerKind::Uwsgi,
                    1,
                    settings,
                    false,
                    Vec::new(),
                    mounted_ini,
                ))
            }
            _ => None,
        }
    }

    /// A setting (Unknown with a default origin when never resolved).
    pub fn get(&self, setting: &str) -> Resolved {
        self.settings
            .get(setting)
            .cloned()
            .unwrap_or_else(|| Resolved::default(Value::Unknown))
    }

    /// Whether `setting` is unset (not written anywhere kubelint reads) for certain.
    pub fn absent(&self, setting: &str) -> bool {
        self.settings.get(setting).is_none()
    }

    /// gunicorn: whether a hidden configuration file may change `setting`.
    pub fn may_be_hidden(&self, setting: &str) -> bool {
        // The official image's entrypoint always passes --workers on the command line.
        if self.official_image && setting == gunicorn::WORKERS {
            return false;
        }
        self.hidden_config
            && matches!(
                self.get(setting).origin,
                Origin::Default | Origin::Env { .. }
            )
    }

    /// The `gunicorn`/`uvicorn`/… word of the command (`worker` for Celery): where an absent
    /// setting is reported.
    pub fn program_location(&self) -> (Location, FieldPath) {
        if let (true, Some(image)) = (self.official_image, &self.container.facts.image) {
            return (
                image.location.clone(),
                self.container.facts.path.clone().key("image"),
            );
        }
        match self
            .command
            .words
            .get(self.anchor)
            .or(self.command.words.first())
        {
            Some(word) => (
                self.container.locate(&word.origin),
                self.container.path_of(&word.origin),
            ),
            None => (
                self.container.process_location(),
                self.container.process_path(),
            ),
        }
    }

    /// Where a setting's value is written, and the field path to report.
    pub fn locate(&self, origin: &Origin) -> (Location, FieldPath) {
        match origin {
            Origin::Default => self.program_location(),
            Origin::Argv { word, value_word } => {
                let at = |i: usize| self.command.words.get(self.first_option + i);
                // `--opt value` underlines the option; the value's element when they are apart.
                match at(*word).or_else(|| value_word.and_then(at)) {
                    Some(arg) => (
                        self.container.locate(&arg.origin),
                        self.container.path_of(&arg.origin),
                    ),
                    None => self.program_location(),
                }
            }
            Origin::Env { name } => self.env_location(name),
            Origin::EnvArgs { name, word, .. } => {
                let (fallback, path) = self.env_location(name);
                match self.env_args.iter().find(|(n, _)| n == name) {
                    Some((_, args)) => match args.ranges.get(*word) {
                        Some(range) => (args.text.locate(range.clone()), path),
                        None => (args.text.location.clone(), path),
                    },
                    None => (fallback, path),
                }
            }
            Origin::ConfigLine { line } => match &self.config {
                Some(file) => (
                    file.text.locate_line(*line),
                    FieldPath::keys(&["data"]).key(file.key.clone()),
                ),
                None => self.program_location(),
            },
        }
    }

    /// Where an environment variable is set: the command's own assignment, else the `env`
    /// value (or the ConfigMap value `envFrom` imports).
    fn env_location(&self, name: &str) -> (Location, FieldPath) {
        if let Some(assignment) = self.command.assignment(name) {
            return (
                self.container.locate(&assignment.value.origin),
                self.container.path_of(&assignment.value.origin),
            );
        }
        match self.container.env.get(name) {
            Some(var) => (
                var.text
                    .as_ref()
                    .map_or_else(|| var.location.clone(), |t| t.location.clone()),
                self.container.env_path(var),
            ),
            None => (
                self.container.facts.env_location.clone(),
                self.container.facts.path.clone().key("env"),
            ),
        }
    }

    /// How a setting is spelled where it is written, for messages.
    pub fn describe(&self, origin: &Origin) -> String {
        match origin {
            Origin::Default => "the default".to_string(),
            Origin::Env { name } => format!("${name}"),
            Origin::EnvArgs { name, .. } => name.to_string(),
            Origin::ConfigLine { line } => match &self.config {
                Some(file) => format!(
                    "{} line {} (ConfigMap {}, key {})",
                    file.path,
                    line + 1,
                    file.config_map,
                    file.key
                ),
                None => "the configuration file".to_string(),
            },
            Origin::Argv { .. } => "the command line".to_string(),
        }
    }
}

/// A word as the option parsers see it. A word that expands to nothing from a variable the
/// manifests do not set (`$GUNICORN_OPTS`) is unknown rather than empty: the image's own
/// environment (Dockerfile `ENV`) may set it to any options.
fn option_word(arg: &crate::process::Arg) -> Word<'_> {
    match arg.known() {
        Some("") if arg.written.contains('$') => None,
        known => known,
    }
}

/// Looks a variable up as `command` sees it: its own assignments first, then the container's.
fn env_lookup(container: &ResolvedContainer<'_>, command: &SimpleCommand, name: &str) -> EnvLookup {
    if let Some(assignment) = command.assignment(name) {
        return match assignment.value.known() {
            Some(value) => EnvLookup::Set(value.to_string()),
            None => EnvLookup::Unknown,
        };
    }
    if command.opaque {
        return EnvLookup::Unknown;
    }
    match container.env.lookup(name) {
        Lookup::Set(var) => match &var.value {
            EnvValue::Literal(value) => EnvLookup::Set(value.clone()),
            EnvValue::ResourceField(field) => downward_cpu(container, field)
                .map_or(EnvLookup::Unknown, |value| {
                    EnvLookup::Set(value.to_string())
                }),
            EnvValue::Unknown(_) => EnvLookup::Unknown,
        },
        Lookup::Unset => EnvLookup::Unset,
        Lookup::Unknown => EnvLookup::Unknown,
    }
}

/// What the kubelet puts in a `resourceFieldRef` variable for the container's own CPU
/// (SEMANTICS.md §C.5: `ceil(amount / divisor)`), when the amount is the container's: its
/// written limit (or the LimitRange default admission writes) or its written request. Without
/// a limit the kubelet substitutes the node's allocatable CPU, which kubelint cannot know.
fn downward_cpu(
    container: &ResolvedContainer<'_>,
    field: &crate::process::ResourceFieldRef,
) -> Option<i128> {
    if field
        .container
        .as_deref()
        .is_some_and(|c| c != container.facts.name)
    {
        return None;
    }
    let amount = match field.resource.as_str() {
        "limits.cpu" => container
            .cpu_limit
            .as_ref()
            .filter(|l| !matches!(l.source, crate::process::CpuLimitSource::Pod))
            .map(|l| &l.quantity)?,
        "requests.cpu" => &container.facts.resources.cpu_request.as_ref()?.quantity,
        _ => return None,
    };
    field.value_for(amount)
}

/// The official image ghcr.io/benoitc/gunicorn runs gunicorn from its entrypoint when the
/// first argument is an option or contains `:` (benoitc/gunicorn docker/docker-entrypoint.sh):
/// `gunicorn [--bind B] [--workers W] $GUNICORN_ARGS "$@"`. Its command, with the image
/// standing for the program word.
fn official_image_command(container: &ResolvedContainer<'_>) -> Option<SimpleCommand> {
    let facts = container.facts;
    let image = facts.image.as_ref()?;
    let repository = image.value.split(['@']).next()?;
    let repository = match repository.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => repository,
    };
    let first = facts.args.first()?.value.as_str();
    let runs_gunicorn = first.starts_with('-') || first.contains(':');
    if repository != "ghcr.io/benoitc/gunicorn" || !facts.command.is_empty() || !runs_gunicorn {
        return None;
    }
    let program = SourceText::at(image.location.clone(), "gunicorn".to_string());
    crate::process::argv::resolve(&[program], &facts.args, &container.env)
        .list
        .into_iter()
        .next()
}

/// The official image's command line: `$GUNICORN_ARGS` (split on blanks, as an unquoted
/// expansion is) before the container's `args`, and `--workers ${GUNICORN_WORKERS:-$(( 2 *
/// $(nproc) + 1 ))}` unless either names the workers.
fn official_image_command_line(
    container: &ResolvedContainer<'_>,
    command: &SimpleCommand,
    args: &[Word<'_>],
) -> (Layer, Vec<(&'static str, EnvArgs)>) {
    const NAME: &str = "GUNICORN_ARGS";
    let mut env_args = Vec::new();
    let mut words: Vec<Word<'_>> = Vec::new();
    let text = env_lookup(container, command, NAME);
    match &text {
        EnvLookup::Set(text) => {
            let mut ranges = Vec::new();
            let mut start = None;
            for (i, c) in text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')))
            {
                match (c.is_whitespace(), start) {
                    (true, Some(s)) => {
                        ranges.push(s..i);
                        start = None;
                    }
                    (false, None) => start = Some(i),
                    _ => {}
                }
            }
            words.extend(ranges.iter().map(|r| text.get(r.clone())));
            if let Some(var) = container
                .env
                .get(NAME)
                .filter(|_| command.assignment(NAME).is_none())
                && let Some(source) = var.text.clone().filter(|t| &t.value == text)
            {
                env_args.push((
                    NAME,
                    EnvArgs {
                        text: source,
                        ranges,
                    },
                ));
            }
        }
        EnvLookup::Unknown => words.push(None),
        EnvLookup::Unset => {}
    }
    let from_env = words.len();
    words.extend_from_slice(args);
    let events =
        super::options::parse(&words, gunicorn::OPTIONS, super::options::Dialect::Argparse);
    let mut cli = Layer::from_events(
        &events,
        gunicorn::OPTIONS,
        gunicorn::SETTINGS,
        &|word, value_word| {
            if word < from_env {
                Origin::EnvArgs {
                    name: NAME.to_string(),
                    word,
                    value_word: value_word.filter(|v| *v < from_env),
                }
            } else {
                Origin::Argv {
                    word: word - from_env,
                    value_word: value_word.map(|v| v.saturating_sub(from_env)),
                }
            }
        },
    );
    if cli.get(gunicorn::WORKERS).is_none() {
        let workers = match env_lookup(container, command, "GUNICORN_WORKERS") {
            EnvLookup::Set(text) if !text.is_empty() => Resolved {
                value: super::count(&text),
                origin: Origin::Env {
                    name: "GUNICORN_WORKERS".to_string(),
                },
            },
            EnvLookup::Unknown => Resolved {
                value: Value::Unknown,
                origin: Origin::Env {
                    name: "GUNICORN_WORKERS".to_string(),
                },
            },
            _ => Resolved::default(Value::HostCpu),
        };
        cli.settings.insert(gunicorn::WORKERS, workers);
    }
    (cli, env_args)
}

/// `GUNICORN_CMD_ARGS` as a layer, with its words' places when it is written in the manifests.
fn gunicorn_env_args(
    container: &ResolvedContainer<'_>,
    command: &SimpleCommand,
) -> (Layer, Option<EnvArgs>) {
    const NAME: &str = "GUNICORN_CMD_ARGS";
    let text = match env_lookup(container, command, NAME) {
        EnvLookup::Unset => return (Layer::default(), None),
        EnvLookup::Unknown => return (gunicorn::env_args(NAME, None), None),
        EnvLookup::Set(text) => text,
    };
    // gunicorn splits with shlex.split: quotes and escapes, no operators or expansions.
    let script = shell::split(&text);
    let mut words: Vec<Option<String>> = Vec::new();
    let mut ranges = Vec::new();
    for token in &script.tokens {
        match token {
            Token::Word(word) => {
                words.push(word.literal());
                ranges.push(word.range.clone());
            }
            _ => return (gunicorn::env_args(NAME, None), None),
        }
    }
    if script.opaque {
        return (gunicorn::env_args(NAME, None), None);
    }
    let refs: Vec<Word<'_>> = words.iter().map(|w| w.as_deref()).collect();
    let layer = gunicorn::env_args(NAME, Some(&refs));
    // The words' places, when the value is the one written (not a command's own assignment
    // or an expanded reference).
    let written = container
        .env
        .get(NAME)
        .filter(|_| command.assignment(NAME).is_none())
        .filter(|var| {
            matches!(
                var.source,
                EnvSource::Env { .. } | EnvSource::EnvFrom { .. }
            )
        })
        .and_then(|var| var.text.clone())
        .filter(|t| t.value == text);
    (layer, written.map(|text| EnvArgs { text, ranges }))
}

/// `path` made absolute against the working directory (`None` when that is the image's).
fn absolute(path: &str, working_dir: Option<&str>) -> Option<String> {
    if path.starts_with('/') {
        return Some(normalize(path));
    }
    let dir = working_dir.filter(|d| d.starts_with('/'))?;
    Some(normalize(&format!("{dir}/{path}")))
}

/// Removes `.` segments, empty segments and resolves `..`.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The file at absolute `path` as the container's mounts provide it (SEMANTICS.md §D.2
/// `readConfigFile`). The deepest mount containing the path decides.
fn mounted_file(container: &ResolvedContainer<'_>, index: &ObjectIndex, path: &str) -> Mounted {
    let pod = container.pod;
    let mount = container
        .facts
        .mounts
        .iter()
        .filter_map(|m| {
            let mount_path = normalize(&m.mount_path);
            if m.sub_path.is_some() {
                return (mount_path == path).then_some((m, mount_path, None));
            }
            let relative = path.strip_prefix(&mount_path)?.strip_prefix('/')?;
            Some((m, mount_path.clone(), Some(relative.to_string())))
        })
        .max_by_key(|(_, mount_path, _)| mount_path.len());
    let Some((mount, _, relative)) = mount else {
        return Mounted::Unknown;
    };
    let volumes: Vec<_> = pod
        .config_map_volumes
        .iter()
        .filter(|v| v.volume == mount.volume)
        .collect();
    if volumes.is_empty() {
        // An emptyDir, a Secret, a persistent volume: not readable here.
        return Mounted::Unknown;
    }
    // The file's name inside the volume: the subPath, or the path below the mount.
    let Some(name) = mount.sub_path.clone().or(relative) else {
        return Mounted::Unknown;
    };
    let mut unknown = false;
    for volume in volumes {
        let key = if volume.items.is_empty() {
            Some(name.clone())
        } else {
            volume
                .items
                .iter()
                .find(|(_, item_path)| normalize(item_path) == normalize(&name))
                .map(|(key, _)| key.clone())
        };
        let Some(key) = key else { continue };
        let Some(config_map) =
            index.config_map(pod.namespace.as_deref(), &volume.config_map, pod.file)
        else {
            unknown = true;
            continue;
        };
        match config_map.data.get(&key) {
            Some(text) => {
                return Mounted::File(MountedFile {
                    path: path.to_string(),
                    config_map: volume.config_map.clone(),
                    key,
                    text: text.clone(),
                    mount: mount.location.clone(),
                });
            }
            None if config_map.unread_keys.contains(&key) => unknown = true,
            None => {}
        }
    }
    if unknown {
        Mounted::Unknown
    } else {
        Mounted::Absent
    }
}

/// How many worker processes a container's application server starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerCount {
    pub server: ServerKind,
    pub count: i64,
    /// Where the count is written (the server's word when it is the default).
    pub location: Location,
    /// A gunicorn configuration file kubelint cannot see (`./gunicorn.conf.py` baked into the
    /// image) may set another count: the count comes from a default or `WEB_CONCURRENCY`.
    pub may_be_overridden: bool,
}

/// The number of worker processes a container's application server starts, for rules that
/// compare per-process resources (SEMANTICS.md §C.4 `procs(c)`, §E): gunicorn `workers`,
/// uvicorn `--workers`, Celery `--concurrency`, uWSGI `processes`, each resolved from every
/// source the server reads. `None` when the container runs none of them or the count is not
/// a known number (an unresolved variable, the node's CPU count: Celery's default, `nproc`).
/// The last server the container starts counts (the one a shell script `exec`s).
pub fn worker_processes(
    container: &ResolvedContainer<'_>,
    index: &ObjectIndex,
) -> Option<WorkerCount> {
    let runs = ServerRun::all(container, index);
    let run = runs.last()?;
    let setting = match run.kind {
        ServerKind::Gunicorn => gunicorn::WORKERS,
        ServerKind::Uvicorn => uvicorn::WORKERS,
        ServerKind::Celery => celery::CONCURRENCY,
        ServerKind::Uwsgi => uwsgi::PROCESSES,
    };
    let resolved = run.settings.get(setting)?;
    Some(WorkerCount {
        server: run.kind,
        count: resolved.value.as_int()?,
        location: run.locate(&resolved.origin).0,
        may_be_overridden: run.may_be_hidden(setting),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::k8s::object::{FileContext, Object, decode_object};
    use crate::process::{NumericPython, PodFacts};
    use crate::yaml::load::first_document;

    /// The worker count of the first container of a Deployment with `container` (YAML lines
    /// at container level), with no other object in the run.
    fn workers_of(container: &str) -> Option<i64> {
        let body: String = container.lines().map(|l| format!("      {l}\n")).collect();
        let text = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w}}\nspec:\n  selector: {{}}\n  \
             template:\n    spec:\n      containers:\n{body}"
        );
        let doc = first_document(&text);
        let root = doc.root.expect("root");
        let (metadata, typed) = decode_object(&doc, root, "apps/v1", "Deployment")
            .unwrap_or_else(|e| panic!("{}", e.message));
        let file = FileContext::new(0, &text);
        let object = Object {
            doc: &doc,
            root,
            file: &file,
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            metadata,
            typed,
            environment: None,
            environment_scope: std::sync::Arc::from(""),
        };
        let pod = PodFacts::capture(&object).expect("pod");
        let index = ObjectIndex::build(Vec::new(), ["w.yaml"]);
        let containers = pod.resolve(Some(&index), NumericPython::Auto);
        worker_processes(&containers[0], &index)
            .filter(|w| !w.may_be_overridden)
            .map(|w| w.count)
    }

    #[test]
    fn worker_processes_of_each_server() {
        let cases = [
            ("- name: c\n  command: [gunicorn, app, -w, '5']", Some(5)),
            (
                "- name: c\n  command: [gunicorn, app]\n  env: [{name: GUNICORN_CMD_ARGS, value: '--workers=3'}]",
                Some(3),
            ),
            // WEB_CONCURRENCY, but ./gunicorn.conf.py in the image may set workers.
            (
                "- name: c\n  command: [gunicorn, app]\n  env: [{name: WEB_CONCURRENCY, value: '4'}]",
                None,
            ),
            (
                "- name: c\n  command: [uvicorn, app, --workers, '2']",
                Some(2),
            ),
            (
                "- name: c\n  command: [celery, -A, p, worker, -c, '8']",
                Some(8),
            ),
            // Celery's default is the node's CPU count.
            ("- name: c\n  command: [celery, -A, p, worker]", None),
            ("- name: c\n  command: [uwsgi, --processes, '6']", Some(6)),
            (
                "- name: c\n  command: [sh, -c, 'exec gunicorn app -w $(nproc)']",
                None,
            ),
            ("- name: c\n  command: [nginx]", None),
        ];
        for (container, expected) in cases {
            assert_eq!(workers_of(container), expected, "{container}");
        }
    }

    #[test]
    fn paths_resolve_against_the_working_directory() {
        assert_eq!(
            absolute("gunicorn.conf.py", Some("/app")).as_deref(),
            Some("/app/gunicorn.conf.py")
        );
        assert_eq!(
            absolute("./conf/../g.py", Some("/srv/")).as_deref(),
            Some("/srv/g.py")
        );
        assert_eq!(
            absolute("/etc//gunicorn/./g.py", None).as_deref(),
            Some("/etc/gunicorn/g.py")
        );
        // The image's WORKDIR is unknown.
        assert_eq!(absolute("gunicorn.conf.py", None), None);
        assert_eq!(absolute("g.py", Some("relative")), None);
    }
}
