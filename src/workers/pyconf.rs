//! Reading the settings a Python configuration file (gunicorn.conf.py) assigns at module
//! level, without running it (SEMANTICS.md §D.2): `name = expr` lines whose expression is a
//! literal, arithmetic over literals, an environment lookup (`os.environ.get("X", "4")`,
//! `os.getenv`, `os.environ["X"]`, wrapped in `int(…)`) or the host CPU count
//! (`multiprocessing.cpu_count()`, `os.cpu_count()`). Anything else, and any assignment
//! under `if`/`for`/`try`/`def`, is unknown; a star import or `exec` makes every name
//! unknown. Pure and total: any text gives an answer.

use std::collections::HashMap;

/// An expression kubelint can evaluate once the container's environment is known.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    /// `os.environ.get(name, default)`, `os.getenv(name, default)`, `os.environ[name]`.
    Env {
        name: String,
        default: Option<Box<Expr>>,
    },
    /// The node's CPU count (`multiprocessing.cpu_count()`, `os.cpu_count()`).
    HostCpu,
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `int(x)` / `str(x)`.
    ToInt(Box<Expr>),
    ToStr(Box<Expr>),
    /// `min(…)` / `max(…)`.
    MinMax {
        max: bool,
        args: Vec<Expr>,
    },
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    FloorDiv,
}

/// The value of an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    /// Depends on the node's CPU count: the expression's text is kept for messages.
    HostCpu,
    Unknown,
}

/// How the container's environment answers a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvLookup {
    Set(String),
    Unset,
    Unknown,
}

impl Expr {
    /// Evaluates with Python's semantics for the few forms kubelint reads.
    pub fn eval(&self, env: &dyn Fn(&str) -> EnvLookup) -> PyValue {
        match self {
            Expr::Int(i) => PyValue::Int(*i),
            Expr::Float(f) => PyValue::Float(*f),
            Expr::Str(s) => PyValue::Str(s.clone()),
            Expr::Bool(b) => PyValue::Bool(*b),
            Expr::None => PyValue::None,
            Expr::HostCpu => PyValue::HostCpu,
            Expr::Unknown => PyValue::Unknown,
            Expr::Env { name, default } => match env(name) {
                EnvLookup::Set(value) => PyValue::Str(value),
                EnvLookup::Unknown => PyValue::Unknown,
                EnvLookup::Unset => default.as_ref().map_or(PyValue::None, |d| d.eval(env)),
            },
            Expr::Neg(inner) => match inner.eval(env) {
                PyValue::Int(i) => i.checked_neg().map_or(PyValue::Unknown, PyValue::Int),
                PyValue::Float(f) => PyValue::Float(-f),
                PyValue::HostCpu => PyValue::HostCpu,
                _ => PyValue::Unknown,
            },
            Expr::Binary(op, left, right) => binary(*op, left.eval(env), right.eval(env)),
            Expr::ToInt(inner) => match inner.eval(env) {
                PyValue::Int(i) => PyValue::Int(i),
                PyValue::Bool(b) => PyValue::Int(i64::from(b)),
                // int() truncates toward zero.
                PyValue::Float(f) if f.is_finite() && f.abs() < 9.0e18 => {
                    PyValue::Int(f.trunc() as i64)
                }
                PyValue::Str(s) => python_int(&s, 10).map_or(PyValue::Unknown, PyValue::Int),
                PyValue::HostCpu => PyValue::HostCpu,
                _ => PyValue::Unknown,
            },
            Expr::ToStr(inner) => match inner.eval(env) {
                PyValue::Int(i) => PyValue::Str(i.to_string()),
                PyValue::Str(s) => PyValue::Str(s),
                PyValue::HostCpu => PyValue::HostCpu,
                _ => PyValue::Unknown,
            },
            Expr::MinMax { max, args } => {
                let values: Vec<PyValue> = args.iter().map(|a| a.eval(env)).collect();
                if values.contains(&PyValue::HostCpu) {
                    return PyValue::HostCpu;
                }
                let ints: Option<Vec<i64>> = values
                    .iter()
                    .map(|v| match v {
                        PyValue::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                let ints = ints.unwrap_or_default();
                let pick = if *max {
                    ints.iter().max()
                } else {
                    ints.iter().min()
                };
                pick.map_or(PyValue::Unknown, |i| PyValue::Int(*i))
            }
        }
    }
}

fn binary(op: BinOp, left: PyValue, right: PyValue) -> PyValue {
    use PyValue::{Float, HostCpu, Int};
    match (left, right) {
        (Int(a), Int(b)) => match op {
            BinOp::Add => a.checked_add(b),
            BinOp::Sub => a.checked_sub(b),
            BinOp::Mul => a.checked_mul(b),
            BinOp::FloorDiv => a.checked_div(b).map(|q| {
                let inexact = a % b != 0;
                if inexact && ((a < 0) != (b < 0)) {
                    q - 1
                } else {
                    q
                }
            }),
        }
        .map_or(PyValue::Unknown, Int),
        (Float(a), Int(b)) => float_op(op, a, b as f64),
        (Int(a), Float(b)) => float_op(op, a as f64, b),
        (Float(a), Float(b)) => float_op(op, a, b),
        (HostCpu, Int(_) | Float(_) | HostCpu) | (Int(_) | Float(_), HostCpu) => HostCpu,
        _ => PyValue::Unknown,
    }
}

fn float_op(op: BinOp, a: f64, b: f64) -> PyValue {
    let value = match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::FloorDiv if b != 0.0 => (a / b).floor(),
        BinOp::FloorDiv => return PyValue::Unknown,
    };
    PyValue::Float(value)
}

/// Python's `int(text, base)` for base 10 or 0 (surrounding whitespace, sign, `_` between
/// digits; base 0 also takes `0x`/`0o`/`0b` and rejects leading zeros).
pub fn python_int(text: &str, base: u32) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if base == 0 {
        match lower.get(..2) {
            Some("0x") => (16, &lower[2..]),
            Some("0o") => (8, &lower[2..]),
            Some("0b") => (2, &lower[2..]),
            _ => (10, lower.as_str()),
        }
    } else {
        (10, lower.as_str())
    };
    let body = body
        .strip_prefix('_')
        .filter(|_| radix != 10)
        .unwrap_or(body);
    if body.is_empty()
        || body.starts_with('_')
        || body.ends_with('_')
        || body.contains("__")
        || (base == 0
            && radix == 10
            && body.len() > 1
            && body.starts_with('0')
            && body.chars().any(|c| c != '0' && c != '_'))
    {
        return None;
    }
    let magnitude = i64::from_str_radix(&body.replace('_', ""), radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// One module-level assignment to a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub name: String,
    pub expr: Expr,
    /// 0-based line of the file where the statement starts.
    pub line: usize,
    /// Whether the assignment may not run, or not as written (under `if`, in a function…):
    /// its value is then unknown.
    pub conditional: bool,
}

/// What kubelint read from a Python configuration file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PyConfig {
    pub assignments: Vec<Assignment>,
    /// A star import, `exec`, `globals()`… may set any name: nothing absent is known.
    pub opaque: bool,
}

impl PyConfig {
    /// The assignment that decides `name` (the last one), if any.
    pub fn last(&self, name: &str) -> Option<&Assignment> {
        self.assignments.iter().rev().find(|a| a.name == name)
    }

    /// Every name with its deciding assignment.
    pub fn by_name(&self) -> HashMap<&str, &Assignment> {
        let mut map = HashMap::new();
        for a in &self.assignments {
            map.insert(a.name.as_str(), a);
        }
        map
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// An f-string or a string kubelint cannot decode.
    OpaqueStr,
    Op(String),
}

/// One logical line: its tokens, the 0-based line it starts on and its indentation.
struct Logical {
    toks: Vec<Tok>,
    line: usize,
    indent: usize,
}

/// Splits Python source into logical lines (brackets and `\` join physical lines; strings,
/// triple-quoted ones included, and comments are handled).
fn logical_lines(text: &str) -> Vec<Logical> {
    let chars: Vec<char> = text.chars().collect();
    let mut lines = Vec::new();
    let mut toks = Vec::new();
    let mut line = 0usize;
    let mut start_line = 0usize;
    let mut indent = 0usize;
    let mut at_line_start = true;
    let mut depth = 0usize;
    let mut i = 0;
    let flush = |toks: &mut Vec<Tok>, lines: &mut Vec<Logical>, start: usize, indent: usize| {
        if !toks.is_empty() {
            lines.push(Logical {
                toks: std::mem::take(toks),
                line: start,
                indent,
            });
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if at_line_start {
            let mut width = 0;
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\t') {
                width += if chars[i] == '\t' { 8 - width % 8 } else { 1 };
                i += 1;
            }
            indent = width;
            start_line = line;
            at_line_start = false;
            continue;
        }
        match c {
            '\n' => {
                line += 1;
                i += 1;
                if depth == 0 {
                    flush(&mut toks, &mut lines, start_line, indent);
                    at_line_start = true;
                }
            }
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                line += 1;
                i += 2;
            }
            ' ' | '\t' | '\r' | '\x0c' => i += 1,
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            ';' if depth == 0 => {
                // `a = 1; b = 2`: separate statements on one line.
                flush(&mut toks, &mut lines, start_line, indent);
                i += 1;
            }
            '"' | '\'' => {
                let (tok, next, newlines) = string(&chars, i, false, false);
                toks.push(tok);
                line += newlines;
                i = next;
            }
            c if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let startc = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
                let literal: String = chars[startc..i].iter().collect();
                toks.push(number(&literal));
            }
            c if c.is_alphabetic() || c == '_' => {
                let startc = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let name: String = chars[startc..i].iter().collect();
                let lower = name.to_ascii_lowercase();
                let is_prefix =
                    lower.len() <= 3 && lower.chars().all(|c| matches!(c, 'r' | 'b' | 'u' | 'f'));
                if is_prefix && matches!(chars.get(i), Some('"' | '\'')) {
                    let (tok, next, newlines) =
                        string(&chars, i, lower.contains('r'), lower.contains('f'));
                    toks.push(tok);
                    line += newlines;
                    i = next;
                } else {
                    toks.push(Tok::Name(name));
                }
            }
            _ => {
                let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
                let three: String = chars[i..(i + 3).min(chars.len())].iter().collect();
                let op = if ["**=", "//=", ">>=", "<<=", "..."].contains(&three.as_str()) {
                    three
                } else if [
                    "==", "!=", "<=", ">=", "//", "**", "+=", "-=", "*=", "/=", "%=", "&=", "|=",
                    "^=", "->", ":=", "<<", ">>", "@=",
                ]
                .contains(&two.as_str())
                {
                    two
                } else {
                    c.to_string()
                };
                match op.as_str() {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    _ => {}
                }
                i += op.chars().count();
                toks.push(Tok::Op(op));
            }
        }
    }
    flush(&mut toks, &mut lines, start_line, indent);
    lines
}

fn number(literal: &str) -> Tok {
    if let Some(i) = python_int(literal, 0) {
        return Tok::Int(i);
    }
    match literal.replace('_', "").parse::<f64>() {
        Ok(f) if !literal.contains(['x', 'X', 'j', 'J']) => Tok::Float(f),
        _ => Tok::OpaqueStr,
    }
}

/// Reads a string literal starting at the quote `chars[i]`; returns the token, the index
/// after it and the newlines it spans.
fn string(chars: &[char], i: usize, raw: bool, formatted: bool) -> (Tok, usize, usize) {
    let quote = chars[i];
    let triple = chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote);
    let mut j = if triple { i + 3 } else { i + 1 };
    let mut value = String::new();
    let mut newlines = 0;
    let mut decodable = !formatted;
    loop {
        let Some(&c) = chars.get(j) else {
            return (Tok::OpaqueStr, j, newlines);
        };
        if c == quote
            && (!triple || (chars.get(j + 1) == Some(&quote) && chars.get(j + 2) == Some(&quote)))
        {
            j += if triple { 3 } else { 1 };
            break;
        }
        if c == '\n' {
            newlines += 1;
            if !triple {
                return (Tok::OpaqueStr, j, newlines - 1);
            }
        }
        if c == '\\' {
            let next = chars.get(j + 1).copied();
            if next == Some('\n') {
                newlines += 1;
            }
            if raw {
                value.push('\\');
                if let Some(n) = next {
                    value.push(n);
                }
            } else {
                match next {
                    Some('n') => value.push('\n'),
                    Some('t') => value.push('\t'),
                    Some('\\') => value.push('\\'),
                    Some('\'') => value.push('\''),
                    Some('"') => value.push('"'),
                    Some('\n') => {}
                    _ => decodable = false,
                }
            }
            j += 2;
            continue;
        }
        value.push(c);
        j += 1;
    }
    let tok = if decodable {
        Tok::Str(value)
    } else {
        Tok::OpaqueStr
    };
    (tok, j, newlines)
}

const COMPOUND: &[&str] = &[
    "if", "elif", "else", "for", "while", "try", "except", "finally", "with", "def", "class",
    "async", "match", "case",
];

/// Reads the module-level assignments of a Python file.
pub fn parse(text: &str) -> PyConfig {
    let mut config = PyConfig::default();
    for logical in logical_lines(text) {
        let toks = &logical.toks;
        if mentions_dynamic_namespace(toks) {
            config.opaque = true;
        }
        let nested = logical.indent > 0;
        let first = match toks.first() {
            Some(Tok::Name(n)) => n.as_str(),
            _ => continue,
        };
        if COMPOUND.contains(&first) {
            // `if x: workers = 2` on one line: the statement after the colon is conditional.
            if let Some(colon) = toks.iter().position(|t| *t == Tok::Op(":".into())) {
                record(&toks[colon + 1..], logical.line, true, &mut config);
            }
            continue;
        }
        record(toks, logical.line, nested, &mut config);
    }
    config
}

/// `exec`, `globals()`, `vars()`, `setattr`, `__dict__` and `from x import *` may assign
/// any name.
fn mentions_dynamic_namespace(toks: &[Tok]) -> bool {
    let star_import = matches!(toks.first(), Some(Tok::Name(n)) if n == "from")
        && toks
            .windows(2)
            .any(|w| matches!(&w[0], Tok::Name(n) if n == "import") && w[1] == Tok::Op("*".into()));
    star_import
        || toks.iter().any(|t| {
            matches!(t, Tok::Name(n) if matches!(n.as_str(), "exec" | "globals" | "vars" | "setattr" | "__dict__" | "locals"))
        })
}

/// Records the assignments of one simple statement.
fn record(toks: &[Tok], line: usize, conditional: bool, config: &mut PyConfig) {
    // Targets are the parts before each top-level `=`; the last part is the value.
    let mut parts: Vec<&[Tok]> = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut augmented_target: Option<&str> = None;
    for (i, tok) in toks.iter().enumerate() {
        if let Tok::Op(op) = tok {
            match op.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                "=" if depth == 0 => {
                    parts.push(&toks[start..i]);
                    start = i + 1;
                }
                op if depth == 0
                    && op.len() >= 2
                    && op.ends_with('=')
                    && !matches!(op, "==" | "!=" | "<=" | ">=")
                    && i == 1 =>
                {
                    if let Some(Tok::Name(n)) = toks.first() {
                        augmented_target = Some(n);
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(name) = augmented_target {
        config.assignments.push(Assignment {
            name: name.to_string(),
            expr: Expr::Unknown,
            line,
            conditional: true,
        });
        return;
    }
    if parts.is_empty() {
        return;
    }
    let value = &toks[start..];
    let expr = Parser {
        toks: value,
        pos: 0,
    }
    .whole();
    for target in parts {
        match target {
            [Tok::Name(name)] => config.assignments.push(Assignment {
                name: name.clone(),
                expr: expr.clone(),
                line,
                conditional,
            }),
            // `workers: int = 4`
            [Tok::Name(name), Tok::Op(colon), ..] if colon == ":" => {
                config.assignments.push(Assignment {
                    name: name.clone(),
                    expr: expr.clone(),
                    line,
                    conditional,
                });
            }
            // `a, b = …`, `(a, b) = …`: each plain name gets an unknown value.
            _ => {
                for tok in target {
                    if let Tok::Name(name) = tok {
                        config.assignments.push(Assignment {
                            name: name.clone(),
                            expr: Expr::Unknown,
                            line,
                            conditional: true,
                        });
                    }
                }
            }
        }
    }
}

/// A small precedence parser for the expressions kubelint evaluates.
struct Parser<'t> {
    toks: &'t [Tok],
    pos: usize,
}

impl Parser<'_> {
    /// The whole token list as one expression, or Unknown if anything is left over.
    fn whole(mut self) -> Expr {
        let expr = self.sum();
        if self.pos == self.toks.len() {
            expr
        } else {
            Expr::Unknown
        }
    }

    fn peek_op(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some(Tok::Op(op)) => Some(op.as_str()),
            _ => None,
        }
    }

    fn eat_op(&mut self, op: &str) -> bool {
        if self.peek_op() == Some(op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Expr {
        let mut left = self.product();
        loop {
            let op = match self.peek_op() {
                Some("+") => BinOp::Add,
                Some("-") => BinOp::Sub,
                _ => return left,
            };
            self.pos += 1;
            let right = self.product();
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn product(&mut self) -> Expr {
        let mut left = self.unary();
        loop {
            let op = match self.peek_op() {
                Some("*") => BinOp::Mul,
                Some("//") => BinOp::FloorDiv,
                // `/`, `%`, `**`: not evaluated.
                Some("/" | "%" | "**") => {
                    self.pos += 1;
                    let _ = self.unary();
                    left = Expr::Unknown;
                    continue;
                }
                _ => return left,
            };
            self.pos += 1;
            let right = self.unary();
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Expr {
        if self.eat_op("-") {
            return Expr::Neg(Box::new(self.unary()));
        }
        if self.eat_op("+") {
            return self.unary();
        }
        self.atom()
    }

    fn atom(&mut self) -> Expr {
        let Some(tok) = self.toks.get(self.pos).cloned() else {
            return Expr::Unknown;
        };
        self.pos += 1;
        match tok {
            Tok::Int(i) => Expr::Int(i),
            Tok::Float(f) => Expr::Float(f),
            Tok::Str(mut s) => {
                // Adjacent literals concatenate.
                while let Some(Tok::Str(next)) = self.toks.get(self.pos) {
                    s.push_str(next);
                    self.pos += 1;
                }
                Expr::Str(s)
            }
            Tok::OpaqueStr => Expr::Unknown,
            Tok::Op(op) if op == "(" => {
                let inner = self.sum();
                if self.eat_op(")") {
                    inner
                } else {
                    self.skip_to_end();
                    Expr::Unknown
                }
            }
            Tok::Op(_) => {
                self.skip_to_end();
                Expr::Unknown
            }
            Tok::Name(first) => self.named(first),
        }
    }

    /// A dotted name and what follows it: a call, a subscript, or a constant.
    fn named(&mut self, first: String) -> Expr {
        let mut dotted = first;
        while self.peek_op() == Some(".") {
            match self.toks.get(self.pos + 1) {
                Some(Tok::Name(n)) => {
                    dotted.push('.');
                    dotted.push_str(n);
                    self.pos += 2;
                }
                _ => break,
            }
        }
        match self.peek_op() {
            Some("(") => {
                self.pos += 1;
                let args = self.call_args();
                call(&dotted, args)
            }
            Some("[") => {
                self.pos += 1;
                let key = self.sum();
                if !self.eat_op("]") {
                    self.skip_to_end();
                    return Expr::Unknown;
                }
                match (dotted.as_str(), key) {
                    ("os.environ" | "environ", Expr::Str(name)) => Expr::Env {
                        name,
                        default: None,
                    },
                    _ => Expr::Unknown,
                }
            }
            _ => match dotted.as_str() {
                "True" => Expr::Bool(true),
                "False" => Expr::Bool(false),
                "None" => Expr::None,
                _ => Expr::Unknown,
            },
        }
    }

    /// Positional arguments up to the closing parenthesis; `None` when something else
    /// (keywords, `*args`) is there.
    fn call_args(&mut self) -> Option<Vec<Expr>> {
        let mut args = Vec::new();
        if self.eat_op(")") {
            return Some(args);
        }
        loop {
            if matches!(
                (self.toks.get(self.pos), self.toks.get(self.pos + 1)),
                (Some(Tok::Name(_)), Some(Tok::Op(eq))) if eq == "="
            ) || matches!(self.peek_op(), Some("*" | "**"))
            {
                self.skip_to_close();
                return None;
            }
            args.push(self.sum());
            if self.eat_op(",") {
                if self.eat_op(")") {
                    return Some(args);
                }
                continue;
            }
            if self.eat_op(")") {
                return Some(args);
            }
            self.skip_to_close();
            return None;
        }
    }

    /// Skips to just after the parenthesis that closes the current call.
    fn skip_to_close(&mut self) {
        let mut depth = 1usize;
        while let Some(tok) = self.toks.get(self.pos) {
            self.pos += 1;
            if let Tok::Op(op) = tok {
                match op.as_str() {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => {
                        depth -= 1;
                        if depth == 0 {
                            return;
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn skip_to_end(&mut self) {
        self.pos = self.toks.len() + 1;
    }
}

fn call(function: &str, args: Option<Vec<Expr>>) -> Expr {
    let Some(mut args) = args else {
        return Expr::Unknown;
    };
    match (function, args.len()) {
        ("os.environ.get" | "environ.get" | "os.getenv" | "getenv", 1 | 2) => {
            let default = (args.len() == 2).then(|| Box::new(args.remove(1)));
            match args.remove(0) {
                Expr::Str(name) => Expr::Env { name, default },
                _ => Expr::Unknown,
            }
        }
        ("multiprocessing.cpu_count" | "os.cpu_count" | "cpu_count", 0) => Expr::HostCpu,
        ("int", 1) => Expr::ToInt(Box::new(args.remove(0))),
        ("str", 1) => Expr::ToStr(Box::new(args.remove(0))),
        ("min" | "max", n) if n >= 1 => Expr::MinMax {
            max: function == "max",
            args,
        },
        _ => Expr::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn no_env(_: &str) -> EnvLookup {
        EnvLookup::Unset
    }

    fn value(config: &PyConfig, name: &str) -> Option<(PyValue, usize, bool)> {
        config
            .last(name)
            .map(|a| (a.expr.eval(&no_env), a.line, a.conditional))
    }

    #[test]
    fn literals_arithmetic_and_lines() {
        let text = "import multiprocessing\n\n# recycle\nmax_requests = 1000\nmax_requests_jitter = 50  # 5%\n\
                    workers = multiprocessing.cpu_count() * 2 + 1\nthreads = (2 *\n    4)\ntimeout: int = 120\n\
                    preload_app = True\nworker_class = 'gthread'\nbind = [\"0.0.0.0:8000\"]\n";
        let config = parse(text);
        assert!(!config.opaque);
        assert_eq!(
            value(&config, "max_requests"),
            Some((PyValue::Int(1000), 3, false))
        );
        assert_eq!(
            value(&config, "max_requests_jitter"),
            Some((PyValue::Int(50), 4, false))
        );
        assert_eq!(
            value(&config, "workers"),
            Some((PyValue::HostCpu, 5, false))
        );
        assert_eq!(value(&config, "threads"), Some((PyValue::Int(8), 6, false)));
        assert_eq!(
            value(&config, "timeout"),
            Some((PyValue::Int(120), 8, false))
        );
        assert_eq!(
            value(&config, "preload_app"),
            Some((PyValue::Bool(true), 9, false))
        );
        assert_eq!(
            value(&config, "worker_class"),
            Some((PyValue::Str("gthread".into()), 10, false))
        );
        assert_eq!(value(&config, "bind").map(|v| v.0), Some(PyValue::Unknown));
    }

    #[test]
    fn environment_lookups() {
        let config = parse(
            "import os\nworkers = int(os.environ.get('GUNICORN_WORKERS', '3'))\n\
             max_requests = int(os.getenv(\"MAX_REQ\", 500))\ntimeout = int(os.environ[\"T\"])\n",
        );
        let env = |name: &str| match name {
            "MAX_REQ" => EnvLookup::Set("800".into()),
            "T" => EnvLookup::Unknown,
            _ => EnvLookup::Unset,
        };
        let eval = |name: &str| config.last(name).map(|a| a.expr.eval(&env));
        assert_eq!(eval("workers"), Some(PyValue::Int(3)));
        assert_eq!(eval("max_requests"), Some(PyValue::Int(800)));
        assert_eq!(eval("timeout"), Some(PyValue::Unknown));
    }

    #[test]
    fn conditional_and_dynamic_assignments() {
        let config = parse(
            "max_requests = 1000\nif DEBUG:\n    max_requests = 0\nworkers = 2\nworkers += 1\n\
             def post_fork(server, worker):\n    threads = 4\nif X: timeout = 5\n",
        );
        assert_eq!(
            config.last("max_requests").map(|a| a.conditional),
            Some(true)
        );
        assert_eq!(config.last("workers").map(|a| a.conditional), Some(true));
        assert_eq!(config.last("threads").map(|a| a.conditional), Some(true));
        assert_eq!(config.last("timeout").map(|a| a.conditional), Some(true));
        assert!(parse("from settings import *\n").opaque);
        assert!(parse("globals()['workers'] = 3\n").opaque);
    }

    #[test]
    fn strings_with_hashes_and_triple_quotes() {
        let config = parse(
            "doc = \"\"\"a\n# max_requests = 5\nb\"\"\"\nworker_class = 'x#y'\nmax_requests = '1200'\n",
        );
        assert!(config.last("max_requests").is_some_and(|a| a.line == 4));
        assert_eq!(
            config.last("worker_class").map(|a| a.expr.clone()),
            Some(Expr::Str("x#y".into()))
        );
    }

    #[test]
    fn python_int_rules() {
        assert_eq!(python_int(" 1_000 ", 10), Some(1000));
        assert_eq!(python_int("0x10", 0), Some(16));
        assert_eq!(python_int("010", 0), None);
        assert_eq!(python_int("010", 10), Some(10));
        assert_eq!(python_int("1__0", 10), None);
        assert_eq!(python_int("", 10), None);
        assert_eq!(python_int("-5", 10), Some(-5));
    }

    proptest! {
        #[test]
        fn any_text_parses(text in "(.|\n){0,200}") {
            let config = parse(&text);
            for a in &config.assignments {
                prop_assert!(a.line <= text.lines().count());
                let _ = a.expr.eval(&|_| EnvLookup::Unknown);
            }
        }

        #[test]
        fn pythonish_text_parses(lines in proptest::collection::vec(
            "( {0,4})(workers|max_requests|x)( = |: int = | \\+= )([0-9]{1,20}|'[a-z#]*'|\"\"\"|\\(|int\\(os\\.environ\\.get\\('A', '3'\\)\\)|-|\\*|//|cpu_count\\(\\))*", 0..10)) {
            let text = lines.join("\n");
            let config = parse(&text);
            for a in &config.assignments {
                let _ = a.expr.eval(&|_| EnvLookup::Set("x".into()));
            }
        }
    }
}
