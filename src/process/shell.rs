//! A POSIX shell word splitter for the scripts of `sh -c "…"` (SEMANTICS.md §0.10).
//!
//! It does what the shell does before running anything — quote removal, backslash escapes,
//! line continuations, operators (`;` `&&` `||` `|` `&` newlines), redirections, comments and
//! here-documents — and keeps every expansion (`$VAR`, `${VAR:-d}`, `$(…)`, `` `…` ``,
//! `$((…))`) as an opaque piece, so that a caller decides what it can know. It never executes
//! anything, never fails and never panics: an unterminated quote ends at the end of the text
//! and makes the script [`Script::opaque`].

use std::ops::Range;

/// One part of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text after quote removal.
    Literal(String),
    /// `$NAME`, `${NAME}` or `${NAME<op><word>}`; positional and special parameters too
    /// (`$1`, `$@`, `$#`).
    Param {
        name: String,
        /// `:-`, `-`, `:=`, `=`, `:+`, `+`, `:?`, `?`, `#`, `%`, … as written; `None` for a
        /// plain reference. A `${#NAME}` length is the operator `len`.
        operator: Option<String>,
        /// The operator's word, as written (quotes included).
        word: String,
    },
    /// `$(…)` or `` `…` ``: the command text.
    Command(String),
    /// `$((…))`: the expression text.
    Arithmetic(String),
}

/// A shell word: its pieces and where it is written in the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub pieces: Vec<Piece>,
    /// Byte range of the word as written in the script (quotes included).
    pub range: Range<usize>,
}

impl Word {
    /// The word's value when it has no expansion.
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                _ => return None,
            }
        }
        Some(out)
    }

    /// `NAME=` at the start of the word, unquoted: the word is an assignment when it stands
    /// before a command's name. Returns the name and the byte length of `NAME=` in the script.
    pub fn assignment_name<'s>(&self, script: &'s str) -> Option<&'s str> {
        let written = script.get(self.range.clone())?;
        let (name, _) = written.split_once('=')?;
        is_name(name).then_some(name)
    }

    /// The word without its leading `NAME=` (the value of an assignment).
    pub fn assigned_value(&self, name: &str) -> Word {
        let mut pieces = self.pieces.clone();
        if let Some(Piece::Literal(first)) = pieces.first_mut() {
            let prefix = name.len() + 1;
            if first.len() >= prefix {
                first.drain(..prefix);
            }
            if first.is_empty() {
                pieces.remove(0);
            }
        }
        Word {
            pieces,
            range: (self.range.start + name.len() + 1).min(self.range.end)..self.range.end,
        }
    }
}

/// A valid shell variable name.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// A control operator or a parenthesis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Semicolon,
    DoubleSemicolon,
    Newline,
    And,
    Or,
    Pipe,
    Background,
    OpenParen,
    CloseParen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Word(Word),
    Operator(Operator),
    /// `>file`, `2>&1`, `<in`: not part of the command's arguments.
    Redirect {
        operator: String,
        target: Option<Word>,
    },
}

/// A split script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Script {
    pub tokens: Vec<Token>,
    /// The script has a here-document or an unterminated quote: what it runs cannot be
    /// read reliably from its words alone.
    pub opaque: bool,
}

/// Splits a script into words, operators and redirections.
pub fn split(script: &str) -> Script {
    Splitter {
        text: script,
        chars: script.char_indices().collect(),
        at: 0,
        out: Script::default(),
        heredocs: Vec::new(),
    }
    .run()
}

struct Splitter<'s> {
    text: &'s str,
    chars: Vec<(usize, char)>,
    at: usize,
    out: Script,
    /// Here-document delimiters whose bodies start after the next newline.
    heredocs: Vec<(String, bool)>,
}

/// Characters that end an unquoted word.
fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>'
    )
}

impl Splitter<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).map(|(_, c)| *c)
    }

    /// Byte offset of char index `at` (the text's length past the end).
    fn offset(&self, at: usize) -> usize {
        self.chars.get(at).map_or(self.text.len(), |(i, _)| *i)
    }

    fn operator(&mut self, operator: Operator, width: usize) {
        self.at += width;
        self.out.tokens.push(Token::Operator(operator));
    }

    fn run(mut self) -> Script {
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\r' => self.at += 1,
                '\n' => {
                    self.operator(Operator::Newline, 1);
                    self.skip_heredoc_bodies();
                }
                '#' => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                '\\' if self.peek(1) == Some('\n') => self.at += 2,
                ';' if self.peek(1) == Some(';') => self.operator(Operator::DoubleSemicolon, 2),
                ';' => self.operator(Operator::Semicolon, 1),
                '&' if self.peek(1) == Some('&') => self.operator(Operator::And, 2),
                '&' if self.peek(1) == Some('>') => self.redirect(),
                '&' => self.operator(Operator::Background, 1),
                '|' if self.peek(1) == Some('|') => self.operator(Operator::Or, 2),
                '|' if self.peek(1) == Some('&') => self.operator(Operator::Pipe, 2),
                '|' => self.operator(Operator::Pipe, 1),
                '(' => self.operator(Operator::OpenParen, 1),
                ')' => self.operator(Operator::CloseParen, 1),
                '<' | '>' => self.redirect(),
                _ => {
                    let word = self.word();
                    // An unquoted number right before `<` or `>` is a file descriptor.
                    let io_number = matches!(self.peek(0), Some('<' | '>'))
                        && self.text.get(word.range.clone()).is_some_and(|w| {
                            !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit())
                        });
                    if !io_number {
                        self.out.tokens.push(Token::Word(word));
                    }
                }
            }
        }
        if !self.heredocs.is_empty() {
            self.out.opaque = true;
        }
        self.out
    }

    /// `>`, `>>`, `>&`, `>|`, `<`, `<&`, `<>`, `&>`, `<<`, `<<-`, `<<<`, then the target word.
    fn redirect(&mut self) {
        let start = self.at;
        let first = self.peek(0);
        self.at += 1;
        let mut heredoc = None;
        match (first, self.peek(0)) {
            (Some('<'), Some('<')) => {
                self.at += 1;
                match self.peek(0) {
                    Some('<') => self.at += 1,
                    Some('-') => {
                        self.at += 1;
                        heredoc = Some(true);
                    }
                    _ => heredoc = Some(false),
                }
            }
            (Some('&'), Some('>')) => {
                self.at += 1;
                if self.peek(0) == Some('>') {
                    self.at += 1;
                }
            }
            (_, Some('>' | '&' | '|')) => self.at += 1,
            _ => {}
        }
        let operator: String = self.chars[start..self.at.min(self.chars.len())]
            .iter()
            .map(|(_, c)| *c)
            .collect();
        while matches!(self.peek(0), Some(' ' | '\t')) {
            self.at += 1;
        }
        let target = match self.peek(0) {
            Some(c) if !is_meta(c) => Some(self.word()),
            _ => None,
        };
        if let Some(strip_tabs) = heredoc {
            self.out.opaque = true;
            let delimiter = target
                .as_ref()
                .map(|w| {
                    w.pieces
                        .iter()
                        .map(|p| match p {
                            Piece::Literal(t) => t.clone(),
                            _ => String::new(),
                        })
                        .collect::<String>()
                })
                .unwrap_or_default();
            self.heredocs.push((delimiter, strip_tabs));
        }
        self.out.tokens.push(Token::Redirect { operator, target });
    }

    /// After a newline: skips the bodies of pending here-documents, line by line, up to each
    /// delimiter line.
    fn skip_heredoc_bodies(&mut self) {
        for (delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            loop {
                if self.peek(0).is_none() {
                    return;
                }
                let line_start = self.at;
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.at += 1;
                }
                let line = &self.text[self.offset(line_start)..self.offset(self.at)];
                let line = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if self.peek(0) == Some('\n') {
                    self.at += 1;
                }
                if line == delimiter {
                    break;
                }
            }
        }
    }

    fn word(&mut self) -> Word {
        let start = self.at;
        let mut pieces = Vec::new();
        let mut literal = String::new();
        while let Some(c) = self.peek(0) {
            if is_meta(c) {
                break;
            }
            match c {
                '\\' => {
                    self.at += 1;
                    match self.peek(0) {
                        Some('\n') => self.at += 1,
                        Some(next) => {
                            literal.push(next);
                            self.at += 1;
                        }
                        None => literal.push('\\'),
                    }
                }
                '\'' => {
                    self.at += 1;
                    loop {
                        match self.peek(0) {
                            Some('\'') => {
                                self.at += 1;
                                break;
                            }
                            Some(c) => {
                                literal.push(c);
                                self.at += 1;
                            }
                            None => {
                                self.out.opaque = true;
                                break;
                            }
                        }
                    }
                }
                '"' => {
                    self.at += 1;
                    self.double_quoted(&mut pieces, &mut literal);
                }
                '$' | '`' => {
                    if let Some(piece) = self.expansion() {
                        flush(&mut pieces, &mut literal);
                        pieces.push(piece);
                    } else {
                        literal.push('$');
                    }
                }
                _ => {
                    literal.push(c);
                    self.at += 1;
                }
            }
        }
        flush(&mut pieces, &mut literal);
        Word {
            pieces,
            range: self.offset(start)..self.offset(self.at),
        }
    }

    /// The inside of `"…"`, after the opening quote.
    fn double_quoted(&mut self, pieces: &mut Vec<Piece>, literal: &mut String) {
        loop {
            match self.peek(0) {
                None => {
                    self.out.opaque = true;
                    return;
                }
                Some('"') => {
                    self.at += 1;
                    return;
                }
                Some('\\') => {
                    self.at += 1;
                    match self.peek(0) {
                        Some('\n') => self.at += 1,
                        Some(c @ ('$' | '`' | '"' | '\\')) => {
                            literal.push(c);
                            self.at += 1;
                        }
                        _ => literal.push('\\'),
                    }
                }
                Some('$' | '`') => {
                    if let Some(piece) = self.expansion() {
                        flush(pieces, literal);
                        pieces.push(piece);
                    } else {
                        literal.push('$');
                    }
                }
                Some(c) => {
                    literal.push(c);
                    self.at += 1;
                }
            }
        }
    }

    /// An expansion at `$` or `` ` ``; `None` (one character consumed) for a lone `$`.
    fn expansion(&mut self) -> Option<Piece> {
        if self.peek(0) == Some('`') {
            self.at += 1;
            let mut body = String::new();
            loop {
                match self.peek(0) {
                    None => {
                        self.out.opaque = true;
                        break;
                    }
                    Some('`') => {
                        self.at += 1;
                        break;
                    }
                    Some('\\') if matches!(self.peek(1), Some('`' | '\\' | '$')) => {
                        body.extend(self.peek(1));
                        self.at += 2;
                    }
                    Some(c) => {
                        body.push(c);
                        self.at += 1;
                    }
                }
            }
            return Some(Piece::Command(body));
        }
        self.at += 1; // `$`
        match self.peek(0) {
            Some('(') if self.peek(1) == Some('(') => {
                self.at += 2;
                let body = self.balanced('(', ')', 2);
                Some(Piece::Arithmetic(
                    body.strip_suffix(')').unwrap_or(&body).to_string(),
                ))
            }
            Some('(') => {
                self.at += 1;
                Some(Piece::Command(self.balanced('(', ')', 1)))
            }
            Some('{') => {
                self.at += 1;
                let body = self.balanced('{', '}', 1);
                Some(parameter(&body))
            }
            Some(c) if c == '_' || c.is_ascii_alphabetic() => {
                let mut name = String::new();
                while let Some(c) = self
                    .peek(0)
                    .filter(|c| *c == '_' || c.is_ascii_alphanumeric())
                {
                    name.push(c);
                    self.at += 1;
                }
                Some(Piece::Param {
                    name,
                    operator: None,
                    word: String::new(),
                })
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.at += 1;
                Some(Piece::Param {
                    name: c.to_string(),
                    operator: None,
                    word: String::new(),
                })
            }
            _ => None,
        }
    }

    /// The text up to the `close` that balances `depth` open ones, skipping quoted text;
    /// consumes the closing character(s). For `$((…))` the final `)` of the pair is left in
    /// the body and trimmed by the caller.
    fn balanced(&mut self, open: char, close: char, mut depth: usize) -> String {
        let start = self.at;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek(0) {
            self.at += 1;
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some('"'), '\\') => self.at += 1,
                (Some(_), _) => {}
                (None, '\\') => self.at += 1,
                (None, '\'' | '"') => quote = Some(c),
                (None, c) if c == open => depth += 1,
                (None, c) if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        let end = self.offset(self.at - 1);
                        return self.text[self.offset(start)..end].to_string();
                    }
                }
                _ => {}
            }
        }
        self.out.opaque = true;
        self.text[self.offset(start).min(self.text.len())..].to_string()
    }
}

fn flush(pieces: &mut Vec<Piece>, literal: &mut String) {
    if !literal.is_empty() {
        pieces.push(Piece::Literal(std::mem::take(literal)));
    }
}

/// The inside of `${…}`.
fn parameter(body: &str) -> Piece {
    if let Some(name) = body.strip_prefix('#').filter(|n| !n.is_empty()) {
        return Piece::Param {
            name: name.to_string(),
            operator: Some("len".to_string()),
            word: String::new(),
        };
    }
    let name_len = match body.chars().next() {
        Some(c) if c.is_ascii_digit() => body.bytes().take_while(u8::is_ascii_digit).count(),
        Some(c) if "@*#?$!-".contains(c) => 1,
        _ => body
            .bytes()
            .take_while(|b| *b == b'_' || b.is_ascii_alphanumeric())
            .count(),
    };
    let (name, rest) = body.split_at(name_len.min(body.len()));
    let operator_len = [
        ":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%", "/", ":",
    ]
    .iter()
    .find(|op| rest.starts_with(*op))
    .map_or(0, |op| op.len());
    let (operator, word) = rest.split_at(operator_len);
    Piece::Param {
        name: name.to_string(),
        operator: (!operator.is_empty() || !word.is_empty()).then(|| operator.to_string()),
        word: word.to_string(),
    }
}

/// One simple command of a script: its words, without redirections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCommand {
    pub words: Vec<Word>,
    /// Runs only under a condition or in a loop (`if`, `while`, `case`, after `&&`/`||`), or
    /// in the background.
    pub conditional: bool,
}

/// Reserved words that start or continue a compound command.
const RESERVED: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "case", "esac", "{",
    "}", "!", "in", "select", "function",
];

/// The simple commands of a script. Compound commands are flattened: their keywords are
/// dropped and the commands inside are marked conditional; the script is reported opaque
/// (`if`, loops, `case`, `eval`: what runs depends on run time).
pub fn commands(script: &str, split: &Script) -> (Vec<ShellCommand>, bool) {
    let mut out = Vec::new();
    let mut opaque = split.opaque;
    let mut current: Vec<Word> = Vec::new();
    // Nesting of if/while/until/for/case and subshells.
    let mut compound = 0usize;
    let mut after_logic = false;
    // Inside a `for NAME in …` or `case WORD in` header, words are not a command.
    let mut skip_header = false;
    let mut finish = |words: &mut Vec<Word>, conditional: bool| {
        if !words.is_empty() {
            out.push(ShellCommand {
                words: std::mem::take(words),
                conditional,
            });
        }
    };
    for token in &split.tokens {
        match token {
            Token::Word(word) => {
                if skip_header {
                    continue;
                }
                if current.is_empty() {
                    let written = script.get(word.range.clone()).unwrap_or_default();
                    if RESERVED.contains(&written) {
                        opaque = true;
                        match written {
                            "if" | "while" | "until" => compound += 1,
                            "for" | "case" | "select" => {
                                compound += 1;
                                skip_header = true;
                            }
                            "fi" | "done" | "esac" => compound = compound.saturating_sub(1),
                            _ => {}
                        }
                        continue;
                    }
                    if written == "eval" {
                        opaque = true;
                    }
                }
                current.push(word.clone());
            }
            Token::Redirect { .. } => {}
            Token::Operator(operator) => {
                let conditional = compound > 0 || after_logic;
                match operator {
                    Operator::And | Operator::Or => {
                        finish(&mut current, conditional);
                        // The command after `&&`/`||` may not run; the one before does run
                        // (its status decides), so only what follows is conditional.
                        after_logic = true;
                        continue;
                    }
                    Operator::Background => finish(&mut current, true),
                    Operator::Pipe => finish(&mut current, conditional),
                    Operator::OpenParen => {
                        finish(&mut current, conditional);
                        compound += 1;
                    }
                    Operator::CloseParen => {
                        finish(&mut current, conditional);
                        compound = compound.saturating_sub(1);
                    }
                    Operator::DoubleSemicolon => {
                        finish(&mut current, conditional);
                        opaque = true;
                    }
                    Operator::Semicolon | Operator::Newline => {
                        finish(&mut current, conditional);
                        skip_header = false;
                    }
                }
                after_logic = false;
            }
        }
    }
    let conditional = compound > 0 || after_logic;
    finish(&mut current, conditional);
    (out, opaque)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn words(script: &str) -> Vec<String> {
        split(script)
            .tokens
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(
                    w.pieces
                        .iter()
                        .map(|p| match p {
                            Piece::Literal(t) => t.clone(),
                            Piece::Param { name, .. } => format!("<${name}>"),
                            Piece::Command(c) => format!("<cmd {c}>"),
                            Piece::Arithmetic(a) => format!("<arith {a}>"),
                        })
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            words(r#"gunicorn "app:create_app()" --bind='0.0.0.0:8000' a\ b "x\"y" 'it''s'"#),
            [
                "gunicorn",
                "app:create_app()",
                "--bind=0.0.0.0:8000",
                "a b",
                "x\"y",
                "its"
            ]
        );
        assert_eq!(words("a\\\nb c"), ["ab", "c"]);
        assert_eq!(words(r#""\a\$""#), ["\\a$"]);
    }

    #[test]
    fn expansions_stay_opaque() {
        assert_eq!(
            words(r#"-w ${WORKERS:-4} $(( 2 * $(nproc) + 1 )) `nproc` "$HOME/x" $1 $"#),
            [
                "-w",
                "<$WORKERS>",
                "<arith  2 * $(nproc) + 1 >",
                "<cmd nproc>",
                "<$HOME>/x",
                "<$1>",
                "$"
            ]
        );
        let Token::Word(word) = &split("${WORKERS:-4}").tokens[0] else {
            panic!()
        };
        assert_eq!(
            word.pieces[0],
            Piece::Param {
                name: "WORKERS".into(),
                operator: Some(":-".into()),
                word: "4".into()
            }
        );
    }

    #[test]
    fn operators_split_commands() {
        let script = "cd /app && pip install -r r.txt; exec gunicorn app:app -w 4 >/dev/null 2>&1 &\nsleep 1 | cat";
        let split = split(script);
        let (commands, opaque) = commands(script, &split);
        let firsts: Vec<(String, bool)> = commands
            .iter()
            .map(|c| (c.words[0].literal().unwrap(), c.conditional))
            .collect();
        assert_eq!(
            firsts,
            [
                ("cd".into(), false),
                ("pip".into(), true),
                ("exec".into(), true),
                ("sleep".into(), false),
                ("cat".into(), false)
            ]
        );
        assert_eq!(commands[2].words.len(), 5, "redirections are not arguments");
        assert!(!opaque);
    }

    #[test]
    fn compound_commands_are_flattened_and_opaque() {
        let script = "if [ -n \"$X\" ]; then\n  exec celery worker\nelse\n  exec gunicorn app\nfi";
        let (commands, opaque) = commands(script, &split(script));
        assert!(opaque);
        let names: Vec<String> = commands
            .iter()
            .map(|c| c.words[0].literal().unwrap())
            .collect();
        assert_eq!(names, ["[", "exec", "exec"]);
        assert!(commands.iter().all(|c| c.conditional));
    }

    #[test]
    fn heredoc_bodies_are_skipped() {
        let script = "cat > /tmp/g.py <<'EOF'\nworkers = 4\nEOF\nexec gunicorn -c /tmp/g.py app";
        let split = split(script);
        assert!(split.opaque);
        let (commands, _) = commands(script, &split);
        let names: Vec<String> = commands
            .iter()
            .map(|c| c.words[0].literal().unwrap())
            .collect();
        assert_eq!(names, ["cat", "exec"]);
    }

    #[test]
    fn word_ranges_are_as_written() {
        let script = "exec  gunicorn \"-w\" 4";
        let ranges: Vec<&str> = split(script)
            .tokens
            .iter()
            .filter_map(|t| match t {
                Token::Word(w) => Some(&script[w.range.clone()]),
                _ => None,
            })
            .collect();
        assert_eq!(ranges, ["exec", "gunicorn", "\"-w\"", "4"]);
    }

    #[test]
    fn unterminated_quotes_are_opaque() {
        assert!(split("echo 'abc").opaque);
        assert!(split("echo \"abc").opaque);
        assert!(split("echo $(abc").opaque);
    }

    /// Quotes a word the way a person would write it for `sh`.
    fn quote(word: &str) -> String {
        format!("'{}'", word.replace('\'', r"'\''"))
    }

    proptest! {
        #[test]
        fn never_panics(script in any::<String>()) {
            let split = split(&script);
            let (commands, _) = commands(&script, &split);
            for command in commands {
                for word in command.words {
                    prop_assert!(script.get(word.range.clone()).is_some());
                }
            }
        }

        #[test]
        fn never_panics_on_shell_like_text(script in r#"[a-z$(){}`'"\\ ;&|<>#=:\-\n0-9]{0,64}"#) {
            let split = split(&script);
            let _ = commands(&script, &split);
        }

        #[test]
        fn quoted_words_round_trip(words in prop::collection::vec(any::<String>(), 1..6)) {
            let script = words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
            let split = split(&script);
            let back: Vec<String> = split
                .tokens
                .iter()
                .filter_map(|t| match t {
                    Token::Word(w) => Some(w.literal().unwrap_or_default()),
                    _ => None,
                })
                .collect();
            prop_assert_eq!(back, words);
        }
    }
}
