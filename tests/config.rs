//! The configuration file as users meet it: the published JSON schema agrees with the loader
//! in both directions, `kubelint init` writes a starter that loads, validates and changes
//! nothing, `--config` picks the file, and an unknown key is reported at its line.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use kubelint::config::{CONFIG_FILE_NAME, Config, SCHEMA_URL};
use kubelint::rules::registry;
use kubelint::yaml::{Loaded, Loader, from_node};
use serde_json::{Map, Value, json};

fn kubelint(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubelint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kubelint")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn schema() -> Value {
    let text = std::fs::read_to_string(common::repo().join("schema/kubelint.schema.json"))
        .expect("schema/kubelint.schema.json");
    serde_json::from_str(&text).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::new(&schema()).expect("the schema compiles")
}

/// The config text as the JSON value the schema sees: read by kubelint's own YAML loader
/// (YAML 1.1 scalars, as the config loader reads them); an empty file is null.
fn as_json(text: &str) -> Value {
    match Loader::new(text).next() {
        None => Value::Null,
        Some(Loaded::Error(e)) => panic!("not YAML: {}", e.message),
        Some(Loaded::Document(doc)) => match doc.root {
            None => Value::Null,
            Some(root) => from_node(&doc, root).expect("any YAML is a JSON value"),
        },
    }
}

/// Whether the schema accepts `text`, with the reasons when it does not.
fn schema_errors(text: &str) -> Vec<String> {
    let instance = as_json(text);
    validator()
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Follows a local `$ref` (`#/$defs/...`).
fn resolve<'s>(root: &'s Value, node: &'s Value) -> &'s Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            root.pointer(pointer).expect("the reference resolves")
        }
        None => node,
    }
}

#[test]
fn the_schema_is_valid_draft_2020_12_and_published_where_the_starter_says() {
    let schema = schema();
    jsonschema::draft202012::meta::validate(&schema).expect("a valid 2020-12 schema");
    assert_eq!(schema["$id"], SCHEMA_URL);
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    assert!(
        readme.contains("(schema/kubelint.schema.json)"),
        "the README links the schema"
    );
}

#[test]
fn valid_configs_pass_both_the_schema_and_the_loader_and_invalid_ones_fail_both() {
    let dir = common::repo().join("testdata/config");
    let mut checked = 0;
    for (expect_valid, sub) in [(true, "valid"), (false, "invalid")] {
        for entry in std::fs::read_dir(dir.join(sub)).expect("testdata/config") {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            let loaded = Config::parse(&name, &text);
            let errors = schema_errors(&text);
            if expect_valid {
                assert!(
                    loaded.is_ok(),
                    "{name}: the loader rejects it: {:?}",
                    loaded.err()
                );
                assert!(
                    errors.is_empty(),
                    "{name}: the schema rejects it: {errors:?}"
                );
            } else {
                assert!(loaded.is_err(), "{name}: the loader accepts it");
                assert!(!errors.is_empty(), "{name}: the schema accepts it");
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked} files");
}

/// The field names the loader accepts at a place of the file, from the error it gives for an
/// unknown one (`unknown field `x`, expected one of `a`, `b``).
fn loader_fields(path: &[&str]) -> Vec<String> {
    let mut text = "{__probe__: 1}".to_string();
    for key in path.iter().rev() {
        text = format!("{{{key}: {text}}}");
    }
    let error = Config::parse("probe.yaml", &text).expect_err("an unknown field is an error");
    let message = &error.message;
    // serde lists them as "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`".
    let listed = message
        .split_once("expected one of ")
        .or_else(|| message.split_once("expected "))
        .map(|(_, fields)| fields)
        .unwrap_or_else(|| panic!("at {path:?}: no field list in {message:?}"));
    let mut fields: Vec<String> = listed
        .split(", ")
        .flat_map(|field| field.split(" or "))
        .map(|field| field.trim_matches('`').to_string())
        .collect();
    fields.sort();
    fields
}

/// Every object of the schema that names its properties, with the path to reach it (a
/// free-form key such as a resource name is written `x`). `rules` is checked against the
/// registry instead: its properties are rule ids, not fields.
fn schema_objects<'s>(
    root: &'s Value,
    node: &'s Value,
    path: Vec<String>,
    out: &mut Vec<(Vec<String>, &'s Map<String, Value>)>,
) {
    let node = resolve(root, node);
    if let Some(properties) = node.get("properties").and_then(Value::as_object)
        && path != ["rules"]
    {
        out.push((path.clone(), properties));
        for (key, property) in properties {
            let mut below = path.clone();
            below.push(key.clone());
            schema_objects(root, property, below, out);
        }
    }
    if let Some(additional) = node.get("additionalProperties").filter(|a| a.is_object()) {
        let mut below = path;
        below.push("x".to_string());
        schema_objects(root, additional, below, out);
    }
}

#[test]
fn the_schema_names_exactly_the_keys_the_loader_accepts() {
    let schema = schema();
    let mut objects = Vec::new();
    schema_objects(&schema, &schema, Vec::new(), &mut objects);
    assert!(objects.len() >= 3, "top level, capacity, a resource entry");
    for (path, properties) in objects {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let mut in_schema: Vec<String> = properties.keys().cloned().collect();
        in_schema.sort();
        assert_eq!(
            loader_fields(&path),
            in_schema,
            "at {path:?}: the loader (left) and schema/kubelint.schema.json (right) must name the same keys; add the missing ones to the schema with a description"
        );
    }
}

#[test]
fn the_schema_names_every_rule_with_its_summary() {
    let schema = schema();
    let rules = schema["properties"]["rules"]["properties"]
        .as_object()
        .expect("rules lists the rule ids");
    let in_schema: Vec<&str> = rules.keys().map(String::as_str).collect();
    let registered: Vec<&str> = registry().entries().iter().map(|e| e.meta.id).collect();
    let missing: Vec<String> = registry()
        .entries()
        .iter()
        .filter(|e| !rules.contains_key(e.meta.id))
        .map(|e| {
            format!(
                "\"{}\": {{\"$ref\": \"#/$defs/level\", \"description\": \"{}\"}}",
                e.meta.id, e.meta.summary
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "add to properties.rules.properties of schema/kubelint.schema.json:\n{}",
        missing.join(",\n")
    );
    assert_eq!(
        in_schema, registered,
        "the schema names rules that do not exist"
    );
    for entry in registry().entries() {
        assert_eq!(rules[entry.meta.id]["description"], entry.meta.summary);
    }
}

/// A value of every property the schema names, built from the schema itself.
fn example(root: &Value, node: &Value) -> Value {
    let node = resolve(root, node);
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return values[0].clone();
    }
    if let Some(properties) = node.get("properties").and_then(Value::as_object) {
        return Value::Object(
            properties
                .iter()
                .map(|(key, property)| (key.clone(), example(root, property)))
                .collect(),
        );
    }
    if let Some(additional) = node.get("additionalProperties").filter(|a| a.is_object()) {
        return json!({"example.com/unit": example(root, additional)});
    }
    let types: Vec<&str> = match &node["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    match types.first().copied() {
        Some("boolean") => json!(true),
        Some("integer") => json!(node.get("minimum").and_then(Value::as_u64).unwrap_or(0) + 1),
        Some("array") => json!([example(root, &node["items"])]),
        Some("number") => json!(node.get("maximum").and_then(Value::as_f64).unwrap_or(0.5)),
        Some("string") => json!("vendor/**"),
        other => panic!("no example for type {other:?} in {node}"),
    }
}

#[test]
fn every_property_and_level_the_schema_names_is_accepted_by_the_loader() {
    let schema = schema();
    let full = example(&schema, &schema);
    let text = serde_json::to_string(&full).unwrap();
    assert!(
        schema_errors(&text).is_empty(),
        "{text}: {:?}",
        schema_errors(&text)
    );
    Config::parse("example.yaml", &text)
        .unwrap_or_else(|e| panic!("the loader rejects {text}: {}", e.message));
    let levels = schema["$defs"]["level"]["enum"].as_array().unwrap();
    for level in levels {
        let text = format!("{{rules: {{yaml-syntax: {level}}}}}");
        assert!(schema_errors(&text).is_empty(), "{text}");
        Config::parse("level.yaml", &text)
            .unwrap_or_else(|e| panic!("the loader rejects {text}: {}", e.message));
    }
}

#[test]
fn init_writes_a_starter_that_loads_validates_shows_every_key_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let output = kubelint(&["init"], dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let path = dir.path().join(CONFIG_FILE_NAME);
    let text = std::fs::read_to_string(&path).expect("init wrote .kubelint.yaml");
    assert!(
        text.starts_with(&format!("# yaml-language-server: $schema={SCHEMA_URL}\n")),
        "{text}"
    );
    Config::load(&path).unwrap_or_else(|e| panic!("{}: {}", e.position, e.message));
    assert_eq!(schema_errors(&text), Vec::<String>::new());

    // Every key the schema names is in the starter, set, not only mentioned in a comment.
    let schema = schema();
    let mut objects = Vec::new();
    schema_objects(&schema, &schema, Vec::new(), &mut objects);
    let starter = as_json(&text);
    for (path, properties) in objects {
        let mut node = &starter;
        for key in &path {
            node = if key == "x" {
                node.as_object()
                    .and_then(|o| o.values().next())
                    .unwrap_or_else(|| panic!("the starter has an entry at {path:?}"))
            } else {
                &node[key]
            };
        }
        for key in properties.keys() {
            assert!(
                node.get(key).is_some(),
                "the starter does not set {path:?}.{key}"
            );
        }
    }
    for entry in registry().entries() {
        assert!(
            text.contains(&format!("  # {}:", entry.meta.id)),
            "{}",
            entry.meta.id
        );
    }

    // The starter changes nothing: the same report with it as without any configuration.
    let testdata = common::repo().join("testdata");
    let testdata = testdata.to_str().unwrap();
    let with = kubelint(&["check", testdata, "--format", "json"], dir.path());
    let empty = dir.path().join("empty.yaml");
    std::fs::write(&empty, "").unwrap();
    let without = kubelint(
        &[
            "check",
            testdata,
            "--format",
            "json",
            "--config",
            empty.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(with.status.code(), without.status.code());
    assert!(
        with.stdout == without.stdout,
        "the starter changes the report of testdata/"
    );
    assert!(with.stdout.len() > 1000, "testdata has findings");

    // It never replaces a file unless told to.
    std::fs::write(&path, "rules: {}\n").unwrap();
    let again = kubelint(&["init"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again)
            .contains(".kubelint.yaml already exists; `kubelint init --force` replaces it"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "rules: {}\n");
    let forced = kubelint(&["init", "--force"], dir.path());
    assert_eq!(forced.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

    // A directory or a file name may be given.
    std::fs::create_dir(dir.path().join("repo")).unwrap();
    assert_eq!(
        kubelint(&["init", "repo"], dir.path()).status.code(),
        Some(0)
    );
    assert!(dir.path().join("repo").join(CONFIG_FILE_NAME).is_file());
    assert_eq!(
        kubelint(&["init", "other.yaml"], dir.path()).status.code(),
        Some(0)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("other.yaml")).unwrap(),
        text
    );
}

#[test]
fn config_flag_picks_the_file_and_unknown_keys_are_reported_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::repo().join("testdata/example/embedder.yaml"),
        dir.path().join("gpu.yaml"),
    )
    .unwrap();
    // The discovered file turns the rule off; --config names another that does not.
    std::fs::write(
        dir.path().join(CONFIG_FILE_NAME),
        "rules:\n  rollout-surge-scarce-resource: off\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("strict.yaml"),
        "capacity:\n  assumeNoSpare: true\n",
    )
    .unwrap();
    assert_eq!(
        kubelint(&["check", "gpu.yaml"], dir.path()).status.code(),
        Some(0)
    );
    let strict = kubelint(
        &[
            "check",
            "gpu.yaml",
            "--config",
            "strict.yaml",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert_eq!(strict.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert_eq!(
        report["findings"][0]["severity"], "error",
        "assumeNoSpare applied"
    );

    std::fs::write(
        dir.path().join("typo.yaml"),
        "rules:\n  yaml-syntax: error\ncapacity:\n  assumeNoSpares: true\n",
    )
    .unwrap();
    let typo = kubelint(&["check", "gpu.yaml", "--config", "typo.yaml"], dir.path());
    assert_eq!(typo.status.code(), Some(2));
    let message = stderr(&typo);
    assert!(message.contains("typo.yaml:4:3"), "{message}");
    assert!(
        message.contains("unknown field `assumeNoSpares`"),
        "{message}"
    );
    assert!(
        message.contains("4 │   assumeNoSpares: true"),
        "with a snippet: {message}"
    );

    let missing = kubelint(&["check", "gpu.yaml", "--config", "nope.yaml"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("nope.yaml"),
        "{}",
        stderr(&missing)
    );
}
