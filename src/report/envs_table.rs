//! `kubelint envs`: the cross-environment table. One block per paired workload and container,
//! one column per environment, with cpu/memory requests and limits and replicas; the cells
//! that fire a cross-environment rule are marked (colour on a terminal, `!`/`!!` without).
//! Also as JSON and as Markdown for a pull-request comment.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::config::Config;
use crate::env::compare::{
    Effective, Side, Source, effective, field_path, groups, paired_containers,
};
use crate::finding::{Finding, ObjectRef, Severity};
use crate::k8s::{ObjectIndex, ObjectKey};

/// The rules whose findings mark cells.
pub const TABLE_RULES: [&str; 3] = [
    "env-limit-below-peer-request",
    "env-resources-far-below",
    "env-resources-missing",
];

/// The fields shown per container, in order.
const FIELDS: [(Side, &str); 4] = [
    (Side::Requests, "cpu"),
    (Side::Limits, "cpu"),
    (Side::Requests, "memory"),
    (Side::Limits, "memory"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvTable {
    pub environments: Vec<String>,
    pub rows: Vec<Row>,
    /// Workloads with an environment that pair with none in another environment.
    pub unpaired: usize,
}

/// One paired workload and container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub kind: String,
    /// The workload's name in each environment, in column order (`None`: absent there).
    pub names: Vec<Option<String>>,
    pub container: String,
    pub init: bool,
    /// `name` and `namespace` where they differ, `requests.cpu`, `limits.cpu`,
    /// `requests.memory`, `limits.memory`, then `replicas`.
    pub fields: Vec<FieldRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldRow {
    pub field: String,
    /// One cell per environment, in column order.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    /// What the pod gets (`-` when nothing is set, empty when the workload is absent).
    pub value: String,
    /// Where a defaulted value comes from: `limit`, `LimitRange <name>`, `HPA <name>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaulted_from: Option<String>,
    /// The worst severity of the rules that fire on this cell, and their ids.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<&'static str>,
}

impl Cell {
    fn absent() -> Cell {
        Cell {
            value: String::new(),
            defaulted_from: None,
            severity: None,
            rules: Vec::new(),
        }
    }

    fn text(&self) -> String {
        match &self.defaulted_from {
            Some(from) => format!("{} ({from})", self.value),
            None => self.value.clone(),
        }
    }
}

fn cell_of(value: Option<Effective<'_>>) -> Cell {
    match value {
        None => Cell {
            value: "-".to_string(),
            ..Cell::absent()
        },
        Some(v) => Cell {
            value: v.quantity().to_string(),
            defaulted_from: match v.source {
                Source::Written => None,
                Source::FromLimit => Some("= limit".to_string()),
                Source::LimitRange(name) => Some(format!("LimitRange {name}")),
            },
            ..Cell::absent()
        },
    }
}

/// Builds the table from the set pass's index and the findings of [`TABLE_RULES`].
pub fn build(index: &ObjectIndex, config: &Config, findings: &[Finding]) -> EnvTable {
    let configured: Vec<String> = config.environments.iter().map(|e| e.name.clone()).collect();
    let pairing = index.pairing(&configured);
    let environments: Vec<String> = pairing.environments.iter().map(|e| e.to_string()).collect();
    // By environment too: the same object (kind, namespace, name, document) is often in
    // every environment's render.
    let mut marks: HashMap<(&str, &ObjectRef, &str), (Severity, Vec<&'static str>)> =
        HashMap::new();
    for finding in findings.iter().filter(|f| TABLE_RULES.contains(&f.rule)) {
        if let (Some(environment), Some(object), Some(path)) =
            (&finding.environment, &finding.object, &finding.path)
        {
            let mark = marks
                .entry((environment.as_str(), object, path.as_str()))
                .or_insert((finding.severity, Vec::new()));
            mark.0 = mark.0.max(finding.severity);
            if !mark.1.contains(&finding.rule) {
                mark.1.push(finding.rule);
            }
        }
    }
    let column = |env: &str| environments.iter().position(|e| e == env);
    let mut rows = Vec::new();
    for group in groups(index, config) {
        let mut names = vec![None; environments.len()];
        let mut namespaces = vec![None; environments.len()];
        for w in &group {
            if let Some(i) = column(&w.environment) {
                names[i] = Some(w.name().to_string());
                namespaces[i] = Some(w.object.namespace.clone().unwrap_or_default());
            }
        }
        // Names and namespaces get a line of their own where they differ.
        let identity_rows: Vec<FieldRow> = [("name", &names), ("namespace", &namespaces)]
            .into_iter()
            .filter(|(_, values)| {
                let present: Vec<_> = values.iter().flatten().collect();
                present.windows(2).any(|pair| pair[0] != pair[1])
            })
            .map(|(field, values)| FieldRow {
                field: field.to_string(),
                cells: values
                    .iter()
                    .map(|v| Cell {
                        value: v.clone().unwrap_or_default(),
                        ..Cell::absent()
                    })
                    .collect(),
            })
            .collect();
        let replicas = {
            let mut cells = vec![Cell::absent(); environments.len()];
            for w in &group {
                let Some(i) = column(&w.environment) else {
                    continue;
                };
                let key = ObjectKey {
                    namespace: w.object.namespace.clone(),
                    kind: w.object.kind.clone(),
                    name: w.name().to_string(),
                };
                cells[i] = match index.autoscaling(&key, w.file) {
                    Some(a) => Cell {
                        value: format!("{}-{}", a.min_replicas, a.max_replicas),
                        defaulted_from: Some(format!("HPA {}", a.hpa_name)),
                        ..Cell::absent()
                    },
                    None if w.has_replicas => Cell {
                        value: w.replicas.unwrap_or(1).to_string(),
                        defaulted_from: w.replicas.is_none().then(|| "default".to_string()),
                        ..Cell::absent()
                    },
                    None => Cell {
                        value: "-".to_string(),
                        ..Cell::absent()
                    },
                };
            }
            FieldRow {
                field: "replicas".to_string(),
                cells,
            }
        };
        for container in paired_containers(&group) {
            let mut fields = identity_rows.clone();
            for (side, resource) in FIELDS {
                let mut cells = vec![Cell::absent(); environments.len()];
                let mut missing_marks = Vec::new();
                for (w, c) in &container.members {
                    let Some(i) = column(&w.environment) else {
                        continue;
                    };
                    let mut cell = cell_of(effective(index, w, c, side, resource));
                    let path = field_path(c, side, resource);
                    if let Some((severity, rules)) =
                        marks.get(&(w.environment.as_ref(), &w.object, path.as_str()))
                    {
                        cell.severity = Some(*severity);
                        cell.rules.clone_from(rules);
                    }
                    // env-resources-missing names the container's `resources` once for all
                    // the fields it leaves out.
                    let container_path = format!("{}.resources", c.path);
                    if cell.value == "-"
                        && !(side == Side::Limits && resource == "cpu")
                        && let Some(mark) =
                            marks.get(&(w.environment.as_ref(), &w.object, container_path.as_str()))
                    {
                        missing_marks.push((i, mark.clone()));
                    }
                    cells[i] = cell;
                }
                let set_elsewhere = cells.iter().any(|c| !c.value.is_empty() && c.value != "-");
                for (i, (severity, rules)) in missing_marks {
                    if set_elsewhere {
                        let cell = &mut cells[i];
                        cell.severity = cell.severity.max(Some(severity));
                        for rule in rules {
                            if !cell.rules.contains(&rule) {
                                cell.rules.push(rule);
                            }
                        }
                    }
                }
                fields.push(FieldRow {
                    field: format!("{side}.{resource}"),
                    cells,
                });
            }
            // A container without any request or limit anywhere has nothing to compare.
            let sized = fields
                .iter()
                .filter(|f| f.field.contains('.'))
                .flat_map(|f| &f.cells)
                .any(|c| !c.value.is_empty() && c.value != "-");
            if !sized {
                continue;
            }
            fields.push(replicas.clone());
            rows.push(Row {
                kind: group[0].object.kind.clone(),
                names: names.clone(),
                container: container.name.to_string(),
                init: container.init,
                fields,
            });
        }
    }
    let paired: usize = pairing.groups.iter().map(|g| g.members.len()).sum();
    let ambiguous: usize = pairing.ambiguities.iter().map(|a| a.members.len()).sum();
    EnvTable {
        environments,
        rows,
        unpaired: index.workloads().len().saturating_sub(paired + ambiguous),
    }
}

/// How the plain table marks cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marking {
    /// `!` after a warning or info cell, `!!` after an error cell.
    Markers,
    /// ANSI colours: yellow for warnings and infos, red for errors.
    Colour,
}

impl Row {
    /// `Deployment/api`; when names differ per environment, the shortest (a `name` line
    /// shows each).
    fn workload(&self) -> String {
        let shortest = self
            .names
            .iter()
            .flatten()
            .min_by_key(|n| (n.len(), n.as_str()))
            .map_or("", String::as_str);
        format!("{}/{shortest}", self.kind)
    }

    fn container_label(&self) -> String {
        if self.init {
            format!("{} (init)", self.container)
        } else {
            self.container.clone()
        }
    }
}

fn marker(cell: &Cell) -> &'static str {
    match cell.severity {
        Some(Severity::Error) => " !!",
        Some(_) => " !",
        None => "",
    }
}

/// The plain-text table.
pub fn write_plain(table: &EnvTable, marking: Marking, out: &mut dyn Write) -> io::Result<()> {
    if table.rows.is_empty() {
        writeln!(
            out,
            "kubelint: no workload found in two or more environments ({} environment(s): {})",
            table.environments.len(),
            table.environments.join(", ")
        )?;
        return Ok(());
    }
    let mut header = vec![
        "WORKLOAD".to_string(),
        "CONTAINER".to_string(),
        "FIELD".to_string(),
    ];
    header.extend(table.environments.iter().cloned());
    let mut lines: Vec<Vec<(String, Option<Severity>)>> =
        vec![header.into_iter().map(|h| (h, None)).collect()];
    for row in &table.rows {
        for (i, field) in row.fields.iter().enumerate() {
            let (workload, container) = if i == 0 {
                (row.workload(), row.container_label())
            } else {
                (String::new(), String::new())
            };
            let mut line = vec![
                (workload, None),
                (container, None),
                (field.field.clone(), None),
            ];
            for cell in &field.cells {
                let text = match marking {
                    Marking::Markers => format!("{}{}", cell.text(), marker(cell)),
                    Marking::Colour => cell.text(),
                };
                line.push((text, cell.severity));
            }
            lines.push(line);
        }
    }
    let columns = lines[0].len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            lines
                .iter()
                .map(|l| l.get(c).map_or(0, |(t, _)| t.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for line in &lines {
        let mut text = String::new();
        for (c, (cell, severity)) in line.iter().enumerate() {
            let pad = widths[c].saturating_sub(cell.chars().count());
            let last = c + 1 == line.len();
            let painted = match (marking, severity) {
                (Marking::Colour, Some(Severity::Error)) => format!("\x1b[1;31m{cell}\x1b[0m"),
                (Marking::Colour, Some(_)) => format!("\x1b[33m{cell}\x1b[0m"),
                _ => cell.clone(),
            };
            text.push_str(&painted);
            if !last {
                text.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", text.trim_end())?;
    }
    writeln!(out)?;
    match marking {
        Marking::Markers => writeln!(
            out,
            "! a cross-environment rule warns about this value, !! reports an error; `kubelint check` explains each."
        )?,
        Marking::Colour => writeln!(
            out,
            "Yellow: a cross-environment rule warns about this value; red: it reports an error. `kubelint check` explains each."
        )?,
    }
    if table.unpaired > 0 {
        writeln!(
            out,
            "{} workload(s) appear in one environment only and are not shown.",
            table.unpaired
        )?;
    }
    Ok(())
}

/// The table as GitHub-flavoured Markdown, for a pull-request comment.
pub fn write_markdown(table: &EnvTable, out: &mut dyn Write) -> io::Result<()> {
    if table.rows.is_empty() {
        writeln!(out, "No workload found in two or more environments.")?;
        return Ok(());
    }
    let escape = |s: &str| s.replace('|', "\\|");
    write!(out, "| workload | container | field |")?;
    for env in &table.environments {
        write!(out, " {} |", escape(env))?;
    }
    writeln!(out)?;
    write!(out, "|---|---|---|")?;
    for _ in &table.environments {
        write!(out, "---|")?;
    }
    writeln!(out)?;
    for row in &table.rows {
        for (i, field) in row.fields.iter().enumerate() {
            let (workload, container) = if i == 0 {
                (
                    format!("`{}`", escape(&row.workload())),
                    format!("`{}`", escape(&row.container_label())),
                )
            } else {
                (String::new(), String::new())
            };
            write!(out, "| {workload} | {container} | {} |", field.field)?;
            for cell in &field.cells {
                let text = escape(&cell.text());
                match cell.severity {
                    Some(Severity::Error) => write!(out, " **{text}** ❌ |")?,
                    Some(_) => write!(out, " **{text}** ⚠️ |")?,
                    None => write!(out, " {text} |")?,
                }
            }
            writeln!(out)?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "⚠️ a cross-environment rule warns about this value, ❌ reports an error (`kubelint check` explains each)."
    )?;
    if table.unpaired > 0 {
        writeln!(
            out,
            "{} workload(s) appear in one environment only and are not shown.",
            table.unpaired
        )?;
    }
    Ok(())
}

/// The table as JSON.
pub fn write_json(table: &EnvTable, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, table).map_err(io::Error::other)?;
    writeln!(out)
}
