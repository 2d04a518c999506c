//! Shell command lines as CI steps, Makefile recipes and scripts write them:
//! split into simple commands with their line, wrappers removed
//! (`poetry run`, `env X=1`, `sudo`, `bash -c "..."`), comments dropped.
//!
//! One shell session keeps its state from one command to the next, as the
//! shell does: variables assigned with literal values are expanded in later
//! lines (`CMD="python train.py"` then `$CMD`, `${CMD}`, `eval "$CMD"`),
//! functions defined in the script run where they are called (with their
//! arguments as `$1`, `$@`), and `source file` / `. file` reads the
//! variables and functions that file defines. A session may span several
//! chunks of text: the items of a CI `script:` list run in one shell.

use std::collections::{BTreeMap, BTreeSet};

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCmd {
    /// Words after quote removal, wrappers stripped.
    pub argv: Vec<String>,
    /// 1-based line in the file.
    pub line: u32,
    /// The source text of the (joined) line, for snippets.
    pub text: String,
    /// The file the command is written in, when it is not the file being
    /// read (a function defined in a sourced script).
    pub file: Option<String>,
    /// The folder the command runs in, relative to the session's working
    /// directory, when a runner option moves it for this command only
    /// (`uv run --directory svc`, `poetry -C svc run`, `npm --prefix web`).
    pub dir: Option<String>,
    /// The image a container runs the command in (`docker run IMAGE cmd`).
    pub image: Option<String>,
}

const WRAPPERS: &[&str] = &[
    "sudo", "time", "exec", "nohup", "xvfb-run", "command", "builtin", "then", "do", "else", "elif", "if", "while", "until", "!", "{", "(",
];

/// Reads the scripts a session sources: given the path as written, the
/// repository path and text of the file.
pub type SourceReader<'a> = &'a dyn Fn(&str) -> Option<(String, String)>;

/// Split shell `text` (starting at `first_line`) into simple commands.
pub fn commands(text: &str, first_line: u32) -> Vec<ShellCmd> {
    session(&[(text, first_line)], &BTreeMap::new(), None)
}

/// Split the chunks of one shell session (each with its first line) into
/// simple commands, carrying variables, functions and sourced definitions
/// from one chunk to the next. `env` holds the variables the environment
/// sets before the session starts; `source` reads sourced scripts, when given.
pub fn session(chunks: &[(&str, u32)], env: &BTreeMap<String, String>, source: Option<SourceReader<'_>>) -> Vec<ShellCmd> {
    let lines: Vec<Line> = chunks.iter().flat_map(|(t, l)| logical_lines(t, *l)).collect();
    let defs = functions(&lines);
    let mut s = Session { source, vars: env.clone(), called: called_names(&lines, &defs), ..Session::default() };
    s.lines(&lines, &defs, &[], None, 0);
    s.out
}

/// A logical line: continuations joined, heredoc bodies removed (kept as
/// the standard input of the line's last command).
#[derive(Debug, Clone)]
struct Line {
    no: u32,
    text: String,
    /// The heredoc body the line feeds to its command (`ssh host << EOF`).
    stdin: Option<String>,
    /// The line the heredoc body starts on.
    body_line: u32,
}

/// Budget of function expansions per session (nested calls multiply).
const MAX_EXPANSIONS: usize = 256;
/// Nesting limit for `$(...)`, `bash -c`, `eval`, function calls and `source`.
const MAX_DEPTH: u8 = 4;

#[derive(Default)]
struct Session<'a> {
    vars: BTreeMap<String, String>,
    /// Function name -> body lines and the file they are written in.
    funcs: BTreeMap<String, (Vec<Line>, Option<String>)>,
    /// Names used as a command somewhere in the session.
    called: BTreeSet<String>,
    source: Option<SourceReader<'a>>,
    sourced: BTreeSet<String>,
    expansions: usize,
    /// The image of the container an inline script runs in (`docker run
    /// img bash -c "..."`), while its commands are read.
    container: Option<String>,
    out: Vec<ShellCmd>,
}

fn logical_lines(text: &str, first_line: u32) -> Vec<Line> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut heredoc: Option<String> = None;
    while i < lines.len() {
        let start = i;
        if let Some(delim) = &heredoc {
            if lines[i].trim() == delim {
                heredoc = None;
            } else if let Some(body) = out.last_mut().and_then(|l: &mut Line| l.stdin.as_mut()) {
                body.push_str(lines[i]);
                body.push('\n');
            }
            i += 1;
            continue;
        }
        let mut joined = String::new();
        // A quoted string or an array literal left open goes on to the line
        // closing it (`files=(` ... `)`, `MSG="` ... `"`), if one does
        // within a screenful: its lines are words, not commands.
        let close = open_until(&lines[i..]).map(|n| i + n);
        // What the lines joined so far leave open (read only when `close`).
        let mut open = Open::default();
        loop {
            let l = lines[i];
            if let Some(stripped) = l.trim_end().strip_suffix('\\') {
                joined.push_str(stripped);
                joined.push(' ');
                if close.is_some() {
                    open = open.after(stripped);
                }
                i += 1;
                if i >= lines.len() {
                    break;
                }
            } else if close.is_some_and(|c| i < c) {
                joined.push_str(l);
                open = open.after(l);
                joined.push(if open.quote.is_some() { '\n' } else { ' ' });
                i += 1;
            } else {
                joined.push_str(l);
                i += 1;
                break;
            }
        }
        let opens = split_line(&joined).1;
        let stdin = opens.is_some().then(String::new);
        heredoc = opens;
        out.push(Line { no: first_line + start as u32, text: joined, stdin, body_line: first_line + i as u32 });
    }
    out
}

/// What a line leaves open for the next: a quote, an array literal.
#[derive(Clone, Copy, Default, PartialEq)]
struct Open {
    quote: Option<u8>,
    array: bool,
}

impl Open {
    /// The state after `line`, read from `self`.
    fn after(mut self, line: &str) -> Open {
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            match self.quote {
                Some(b'\'') => {
                    if c == b'\'' {
                        self.quote = None;
                    }
                }
                Some(_) => match c {
                    b'\\' => i += 1,
                    b'"' => self.quote = None,
                    _ => {}
                },
                None => match c {
                    b'\\' => i += 1,
                    b'#' if i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t' => break,
                    b'\'' | b'"' => self.quote = Some(c),
                    b'(' if !self.array && i > 0 && b[i - 1] == b'=' => self.array = true,
                    b')' if self.array => self.array = false,
                    _ => {}
                },
            }
            i += 1;
        }
        self
    }
}

/// Lines after the first (counted from 1) up to the one that closes what
/// the first leaves open, when one does within 200 lines; `None` when the
/// first closes everything it opens.
fn open_until(lines: &[&str]) -> Option<usize> {
    let mut st = Open::default().after(lines.first()?);
    if st == Open::default() {
        return None;
    }
    for (n, l) in lines.iter().enumerate().skip(1).take(200) {
        st = st.after(l);
        if st == Open::default() {
            return Some(n);
        }
    }
    None
}

/// A function definition starting at a line: its name and the text after
/// the opening brace (if the brace is on that line).
fn function_start(line: &str) -> Option<(String, Option<String>)> {
    static DEF: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^[ \t]*(?:function[ \t]+([A-Za-z_][A-Za-z0-9_:.-]*)[ \t]*(?:\([ \t]*\))?|([A-Za-z_][A-Za-z0-9_:.-]*)[ \t]*\([ \t]*\))[ \t]*(\{.*)?$")
            .unwrap()
    });
    let c = DEF.captures(line)?;
    let name = c.get(1).or(c.get(2))?.as_str().to_string();
    Some((name, c.get(3).map(|m| m.as_str()[1..].to_string())))
}

/// Function definitions: (index of the first line, index after the last
/// line, name, body lines).
type Def = (usize, usize, String, Vec<Line>);

fn functions(lines: &[Line]) -> Vec<Def> {
    let mut defs = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some((name, after)) = function_start(&lines[i].text) else {
            i += 1;
            continue;
        };
        let start = i;
        let after = match after {
            Some(a) => a,
            // `name()` then `{` on the next line.
            None if lines.get(i + 1).is_some_and(|l| l.text.trim() == "{") => {
                i += 1;
                String::new()
            }
            None => {
                i += 1;
                continue;
            }
        };
        let mut body = Vec::new();
        let a = after.trim();
        if let Some(inner) = a.strip_suffix('}').filter(|_| !a.is_empty()) {
            // One line: `name() { cmd; }`.
            body.push(Line { no: lines[start].no, text: inner.to_string(), stdin: None, body_line: 0 });
            defs.push((start, i + 1, name, body));
            i += 1;
            continue;
        }
        if !a.is_empty() {
            body.push(Line { no: lines[i].no, text: a.to_string(), stdin: None, body_line: 0 });
        }
        let mut depth = 1;
        i += 1;
        while i < lines.len() {
            let t = lines[i].text.trim();
            if t.starts_with('}') {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            } else if t == "{" || t.ends_with(" {") || t.ends_with("){") {
                depth += 1;
            }
            body.push(lines[i].clone());
            i += 1;
        }
        defs.push((start, (i + 1).min(lines.len()), name, body));
        i += 1;
    }
    defs
}

/// Words used as a command name anywhere (outside their own definition line).
fn called_names(lines: &[Line], defs: &[Def]) -> BTreeSet<String> {
    let starts: BTreeSet<usize> = defs.iter().map(|d| d.0).collect();
    let mut names = BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        if starts.contains(&i) {
            // `name() { other; }`: the body may call functions.
            if let Some((_, Some(after))) = function_start(&l.text) {
                collect_names(&after, &mut names);
            }
            continue;
        }
        collect_names(&l.text, &mut names);
    }
    names
}

fn collect_names(text: &str, names: &mut BTreeSet<String>) {
    for g in split_line(text).0 {
        if let Some(first) = strip_wrappers(g).into_iter().next() {
            names.insert(first);
        }
    }
}

impl Session<'_> {
    /// Run `lines`: definitions are recorded (a function nobody calls runs
    /// in place, as the script may be sourced or dispatch on `$1`), other
    /// lines are expanded and split into commands.
    fn lines(&mut self, lines: &[Line], defs: &[Def], args: &[String], file: Option<&str>, depth: u8) {
        let mut i = 0;
        let mut d = defs.iter().peekable();
        while i < lines.len() {
            if let Some((end, name, body)) = d.peek().filter(|d| d.0 == i).map(|d| (d.1, d.2.clone(), d.3.clone())) {
                d.next();
                if self.called.contains(&name) {
                    self.funcs.insert(name, (body, file.map(str::to_string)));
                } else {
                    self.lines(&body, &[], args, file, depth);
                }
                i = end;
                continue;
            }
            if let Some(lp) = for_loop(lines, i) {
                self.for_loop(lines, lp, args, file, depth);
                i = lp.end;
                while d.next_if(|x| x.0 < i).is_some() {}
                continue;
            }
            let l = &lines[i];
            let text = expand(&l.text, &self.vars, args);
            let Split { groups, reader, .. } = split_full(&text);
            for (k, mut group) in groups.into_iter().enumerate() {
                let stdin = l.stdin.as_ref().filter(|_| reader == Some(k));
                // `ssh host << EOF ... EOF` runs the body on the host, as
                // `ssh host '...'` does: the body is the remote command.
                if let Some(body) = stdin.filter(|_| is_ssh(&group)) {
                    group.push(expand(body, &self.vars, args));
                }
                // `python - << EOF ... EOF` runs the body as a program, as
                // `python -c '...'` does: given as `-c`, the body padded to
                // its lines (the line's own text before it).
                if let Some(body) = stdin.filter(|_| reads_program_from_stdin(&group)) {
                    let pad = "\n".repeat(l.body_line.saturating_sub(l.no) as usize);
                    group.retain(|w| w != "-");
                    group.extend(["-c".to_string(), format!("{pad}{body}")]);
                }
                // `kubectl create -f - <<EOF` (or `cat <<EOF | kubectl create
                // -f -`) of a PipelineRun, or a Workflow from a template,
                // starts that pipeline, as `tkn pipeline start NAME` does.
                if let Some(run) = stdin
                    .filter(|_| crate::command::applies_stdin_manifest(&group))
                    .and_then(|body| crate::command::run_of_defined_pipeline(body))
                {
                    group = run;
                }
                self.group(group, l.no, l.text.trim(), file, depth);
            }
            i += 1;
        }
    }

    fn group(&mut self, words: Vec<String>, line: u32, text: &str, file: Option<&str>, depth: u8) {
        // A subshell `( ... )`: its `cd` does not outlast it, as `pushd .`
        // ... `popd` would not.
        if words.len() == 1 && matches!(words[0].as_str(), "(" | ")") {
            let argv = if words[0] == "(" { vec!["pushd".to_string(), ".".to_string()] } else { vec!["popd".to_string()] };
            self.out.push(ShellCmd { argv, line, text: text.to_string(), file: file.map(str::to_string), dir: None, image: None });
            return;
        }
        self.assignments(&words);
        // Command substitutions `$(...)` run commands too: `ID=$(az ml job create -f x)`.
        if depth < MAX_DEPTH {
            for w in &words {
                let mut rest = w.as_str();
                while let Some(pos) = rest.find("$(") {
                    let inner = &rest[pos + 2..];
                    if inner.starts_with('(') {
                        break; // arithmetic $((..))
                    }
                    let mut level = 1;
                    let mut end = inner.len();
                    for (i, c) in inner.char_indices() {
                        match c {
                            '(' => level += 1,
                            ')' => {
                                level -= 1;
                                if level == 0 {
                                    end = i;
                                    break;
                                }
                            }
                            _ => {}
                        }
                    }
                    for group in split_line(&inner[..end]).0 {
                        self.group(group, line, text, file, depth + 1);
                    }
                    rest = &inner[end.min(inner.len())..];
                }
            }
        }
        // Leading assignments (computed ones included) prefix the command that follows, if any.
        let Stripped { argv, dir, image } = strip_wrappers_in(words);
        // A compound command's closing word is not a command.
        if argv.is_empty() || (argv.len() == 1 && matches!(argv[0].as_str(), "done" | "fi" | "esac" | "}")) {
            return;
        }
        if depth < MAX_DEPTH {
            // `bash -c "..."`, `sh -c '...'`, `eval "..."`: the string is itself a command line.
            let inline = inline_script(&argv).map(str::to_string).or_else(|| (argv[0] == "eval").then(|| argv[1..].join(" ")));
            if let Some(inner) = inline {
                let outer = if image.is_some() { std::mem::replace(&mut self.container, image) } else { self.container.clone() };
                for group in split_line(&inner).0 {
                    self.group(group, line, text, file, depth + 1);
                }
                self.container = outer;
                return;
            }
            // A function of the session runs its body with the call's arguments.
            if let Some((body, def_file)) = self.funcs.get(&argv[0]).cloned() {
                if self.expansions < MAX_EXPANSIONS {
                    self.expansions += 1;
                    let defs = functions(&body);
                    self.lines(&body, &defs, &argv[1..], def_file.as_deref().or(file), depth + 1);
                }
                return;
            }
            if matches!(argv[0].as_str(), "source" | ".") {
                self.source_file(&argv, depth);
            }
        }
        let image = image.or_else(|| self.container.clone());
        self.out.push(ShellCmd { argv, line, text: text.to_string(), file: file.map(str::to_string), dir, image });
    }

    /// Record `NAME=value` assignments that stand alone (`export`, `local`,
    /// `declare`, `readonly` included); a value computed by a command is
    /// unknown, so the name is forgotten.
    fn assignments(&mut self, words: &[String]) {
        let rest = match words.first().map(String::as_str) {
            Some("export" | "local" | "declare" | "readonly" | "typeset") => &words[1..],
            Some("for") => {
                if let Some(v) = words.get(1) {
                    self.vars.remove(v);
                }
                return;
            }
            Some("read") => {
                for w in words[1..].iter().filter(|w| !w.starts_with('-')) {
                    self.vars.remove(w);
                }
                return;
            }
            _ if words.iter().all(|w| is_assignment(w)) => words,
            _ => return,
        };
        for w in rest.iter().filter(|w| is_assignment(w)) {
            let (name, value) = w.split_once('=').unwrap();
            let name = name.trim_end_matches('+');
            if value.contains("$(") || value.contains('`') {
                // The address of a deployed endpoint, read back from the
                // platform (`URL=$(az ml online-endpoint show ... --query
                // scoring_uri)`): a request to it calls the endpoint.
                let inner = value.strip_prefix("$(").and_then(|v| v.strip_suffix(')'));
                if inner.is_some_and(|i| split_line(i).0.iter().any(|g| crate::command::reads_endpoint_url(g))) {
                    self.vars.insert(name.to_string(), crate::command::DEPLOYED_ENDPOINT_URL.to_string());
                } else {
                    self.vars.remove(name);
                }
            } else {
                self.vars.insert(name.to_string(), value.to_string());
            }
        }
    }

    /// `source file` / `. file`: the file's variables and functions join the
    /// session (its commands are the linker's to follow, as a called script).
    fn source_file(&mut self, argv: &[String], depth: u8) {
        let (Some(reader), Some(target)) = (self.source, argv.get(1)) else { return };
        if target.contains('$') {
            return;
        }
        let Some((path, text)) = reader(target) else { return };
        if !self.sourced.insert(path.clone()) {
            return;
        }
        let lines = logical_lines(&text, 1);
        let defs = functions(&lines);
        let mut starts = defs.iter().map(|d| (d.0, d.1)).peekable();
        let mut i = 0;
        while i < lines.len() {
            if let Some((_, end)) = starts.next_if(|(s, _)| *s == i) {
                i = end;
                continue;
            }
            let t = expand(&lines[i].text, &self.vars, &[]);
            for g in split_line(&t).0 {
                self.assignments(&g);
                if depth + 1 < MAX_DEPTH && matches!(g.first().map(String::as_str), Some("source" | ".")) {
                    self.source_file(&g, depth + 1);
                }
            }
            i += 1;
        }
        for (_, _, name, body) in defs {
            self.called.insert(name.clone());
            self.funcs.insert(name, (body, Some(path.clone())));
        }
    }
}

/// Items of a `for` loop run at most (more are not read).
const MAX_LOOP_ITEMS: usize = 32;
/// Lines searched for a loop's `done` (a scan stays linear in the script).
const MAX_LOOP_LINES: usize = 400;

/// A `for NAME in WORDS; do BODY; done` found at a line: indexes are into
/// the session's lines; offsets are bytes of those lines' text.
#[derive(Clone, Copy)]
struct ForLoop {
    /// The header line, and where `for` starts in it.
    start: usize,
    at: usize,
    /// The line holding `do`, and where the body starts in it.
    do_line: usize,
    body_at: usize,
    /// The line holding the matching `done`, and where `done` starts in it.
    done_line: usize,
    done_at: usize,
    /// The index of the line after the loop.
    end: usize,
}

/// The `for` loop whose header is on `lines[i]` (at the line's first
/// command or after other commands), with its `do` and matching `done`.
fn for_loop(lines: &[Line], i: usize) -> Option<ForLoop> {
    let text = &lines[i].text;
    if !text.contains("for") {
        return None;
    }
    let kws = keywords(text);
    let k = kws.iter().position(|(_, w)| *w == "for")?;
    let at = kws[k].0;
    let mut depth = 0;
    let (mut do_pos, mut done_pos) = (None, None);
    let mut rest = kws[k..].to_vec();
    let mut j = i;
    'scan: loop {
        for (off, w) in rest {
            match w {
                "for" | "while" | "until" | "select" => depth += 1,
                "do" if depth == 1 && do_pos.is_none() => do_pos = Some((j, off + 2)),
                "done" => {
                    depth -= 1;
                    if depth == 0 {
                        done_pos = Some((j, off));
                        break 'scan;
                    }
                }
                _ => {}
            }
        }
        j += 1;
        if j >= lines.len() || j - i > MAX_LOOP_LINES {
            break;
        }
        rest = keywords(&lines[j].text);
    }
    let ((do_line, body_at), (done_line, done_at)) = (do_pos?, done_pos?);
    Some(ForLoop { start: i, at, do_line, body_at, done_line, done_at, end: done_line + 1 })
}

/// The loop keywords (`for`, `while`, `until`, `select`, `do`, `done`) that
/// stand where a command starts on `line` (not quoted, not in a comment),
/// with their byte offsets.
fn keywords(line: &str) -> Vec<(usize, &'static str)> {
    const KW: [&str; 6] = ["for", "while", "until", "select", "do", "done"];
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut at_command = true;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' => i += 1,
            b';' | b'&' | b'|' | b'(' | b')' | b'{' | b'}' => {
                at_command = true;
                i += 1;
            }
            b'#' => break,
            _ => {
                let start = i;
                // One word: quotes and `$(...)` kept whole.
                let mut level = 0usize;
                while i < b.len() {
                    match b[i] {
                        q @ (b'\'' | b'"' | b'`') => {
                            i += 1;
                            while i < b.len() && b[i] != q {
                                i += if b[i] == b'\\' && q != b'\'' { 2 } else { 1 };
                            }
                        }
                        b'\\' => i += 1,
                        b'(' => level += 1,
                        b')' if level > 0 => level -= 1,
                        b' ' | b'\t' | b';' | b'&' | b'|' | b')' | b'{' | b'}' if level == 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                let word = &line[start..i.min(b.len())];
                match KW.iter().find(|k| **k == word) {
                    Some(k) if at_command => {
                        out.push((start, *k));
                        // The word after `do` (and the loop's body) starts a command.
                        at_command = matches!(*k, "do" | "while" | "until");
                    }
                    // Words after which a command starts: `if`, `then`, `else`, `!`, `time`.
                    _ if at_command && matches!(word, "if" | "then" | "else" | "elif" | "!" | "time") => {}
                    _ => at_command = false,
                }
            }
        }
    }
    out
}

impl Session<'_> {
    /// Run a `for` loop's body once per item, the loop variable set to it.
    /// Items the session cannot know (`$(ls)`, an unknown variable) run the
    /// body once with the variable unknown, as does a spent expansion budget.
    fn for_loop(&mut self, lines: &[Line], lp: ForLoop, args: &[String], file: Option<&str>, depth: u8) {
        let header = &lines[lp.start];
        let one = |no: u32, text: &str| Line { no, text: text.to_string(), stdin: None, body_line: 0 };
        // Commands before `for` on its line run first.
        let before = header.text[..lp.at].trim();
        if !before.is_empty() {
            self.lines(&[one(header.no, before)], &[], args, file, depth);
        }
        let head_end = if lp.do_line == lp.start { lp.body_at - 2 } else { header.text.len() };
        let head = expand(&header.text[lp.at..head_end], &self.vars, args);
        let words = split_line(&head).0.into_iter().next().unwrap_or_default();
        let name = words.get(1).filter(|n| is_assignment(&format!("{n}="))).cloned();
        let items: Option<Vec<String>> = match words.get(2).map(String::as_str) {
            Some("in") => Some(words[3..].to_vec()).filter(|it| !it.iter().any(|w| w.contains('$'))),
            // `for x; do`: the function's or script's arguments.
            None if !args.is_empty() => Some(args.to_vec()),
            _ => None,
        };
        let mut body = Vec::new();
        for (j, l) in lines.iter().enumerate().take(lp.done_line + 1).skip(lp.do_line) {
            let from = if j == lp.do_line { lp.body_at } else { 0 };
            let to = if j == lp.done_line { lp.done_at } else { l.text.len() };
            let t = l.text.get(from..to).map(str::trim).unwrap_or("");
            if !t.is_empty() {
                body.push(Line { no: l.no, text: t.to_string(), stdin: l.stdin.clone(), body_line: l.body_line });
            }
        }
        let defs = functions(&body);
        let mut ran = false;
        if let (Some(name), Some(items)) = (&name, items) {
            for item in items.into_iter().take(MAX_LOOP_ITEMS) {
                if self.expansions >= MAX_EXPANSIONS {
                    break;
                }
                self.expansions += 1;
                self.vars.insert(name.clone(), item);
                self.lines(&body, &defs, args, file, depth + 1);
                ran = true;
            }
        }
        if !ran {
            if let Some(name) = &name {
                self.vars.remove(name);
            }
            self.lines(&body, &defs, args, file, depth + 1);
        }
        // Commands after `done` on its line (`done; make report`); a
        // redirection or pipe feeds the loop and is not a command.
        let last = &lines[lp.done_line];
        let after = last.text[lp.done_at + 4..].trim_start();
        let after = after.trim_start_matches([';', '&']).trim_start();
        if !after.is_empty() && !after.starts_with(['<', '>', '|']) {
            self.lines(
                &[Line { no: last.no, text: after.to_string(), stdin: last.stdin.clone(), body_line: last.body_line }],
                &[],
                args,
                file,
                depth,
            );
        }
    }
}

/// Expand `$NAME` and `${NAME}` with the session's known values (not inside
/// single quotes), and `$1`..`$9`, `$@`, `$*` with a function's arguments.
fn expand(line: &str, vars: &BTreeMap<String, String>, args: &[String]) -> String {
    if !line.contains('$') {
        return line.to_string();
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let (mut single, mut double) = (false, false);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '\\' if !single && i + 1 < chars.len() => {
                out.push(c);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '$' if !single => {
                let (name, len) = if chars.get(i + 1) == Some(&'{') {
                    let end = chars[i + 2..].iter().position(|&c| c == '}');
                    match end {
                        Some(e) => (chars[i + 2..i + 2 + e].iter().collect::<String>(), e + 3),
                        None => (String::new(), 1),
                    }
                } else if chars.get(i + 1).is_some_and(|c| c.is_ascii_digit() || matches!(c, '@' | '*')) {
                    (chars[i + 1].to_string(), 2)
                } else {
                    let n: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == '_').collect();
                    let l = n.chars().count() + 1;
                    (n, l)
                };
                let lookup = |n: &str| -> Option<String> {
                    match n {
                        "@" | "*" if !args.is_empty() => Some(args.join(" ")),
                        "0" => None,
                        n if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => args.get(n.parse::<usize>().ok()? - 1).cloned(),
                        n => vars.get(n).cloned(),
                    }
                };
                let value = match name.split_once(":-").or_else(|| name.split_once('-')) {
                    // `${NAME:-default}`: the default runs unless something sets NAME.
                    Some((v, d)) if is_name(v) || v.chars().all(|c| c.is_ascii_digit()) => {
                        lookup(v).or_else(|| (!d.contains('$') && !d.contains('`')).then(|| d.to_string()))
                    }
                    _ => lookup(&name),
                };
                if let Some(v) = value {
                    out.push_str(&v);
                    i += len;
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    out
}

/// The words of one command line, quotes removed, with no shell semantics
/// (as Docker Compose splits a `command:` string): separators are words.
pub fn words(line: &str) -> Vec<String> {
    split_line(line).0.into_iter().flatten().collect()
}

/// The script of a shell started with `-c` (`bash -c "..."`, `/bin/sh -c`,
/// `/usr/bin/env bash -c`), as exec-form command arrays write it.
pub fn inline_script(argv: &[String]) -> Option<&str> {
    let base = |a: &String| a.rsplit('/').next().unwrap_or(a).to_string();
    let argv = match argv.first().map(base) {
        Some(b) if b == "env" => &argv[1..],
        _ => argv,
    };
    let shell = argv.first().map(base)?;
    (matches!(shell.as_str(), "sh" | "bash" | "zsh" | "dash") && argv.get(1).map(String::as_str) == Some("-c"))
        .then(|| argv.get(2).map(String::as_str))
        .flatten()
}

/// True when the simple command `words` is a Python interpreter given no
/// program (`python`, `python3 -`, `uv run python -u -`): it reads it from
/// standard input.
fn reads_program_from_stdin(words: &[String]) -> bool {
    let w = strip_wrappers(words.to_vec());
    let Some(first) = w.first() else { return false };
    crate::command::is_python(first) && w[1..].iter().all(|a| a.starts_with('-') && a != "-c" && a != "-m")
}

/// The program of a Python interpreter run with `-c` (a heredoc body is
/// given so too), lines before it padded: `python -c "import x; x.y()"`.
pub fn python_program(argv: &[String]) -> Option<&str> {
    if !crate::command::is_python(argv.first()?) {
        return None;
    }
    let at = argv.iter().position(|a| a == "-c")?;
    argv[1..at].iter().all(|a| a.starts_with('-')).then(|| argv.get(at + 1).map(String::as_str)).flatten()
}

/// True when the simple command `words` is an `ssh` client (after wrappers:
/// `sudo`, `sshpass -p ...`).
fn is_ssh(words: &[String]) -> bool {
    strip_wrappers(words.to_vec()).first().is_some_and(|w| w.rsplit('/').next() == Some("ssh"))
}

fn strip_wrappers(w: Vec<String>) -> Vec<String> {
    strip_wrappers_dir(w).0
}

/// [`strip_wrappers`], and the folder a runner's option moves the command
/// to (joined when runners nest).
pub fn strip_wrappers_dir(w: Vec<String>) -> (Vec<String>, Option<String>) {
    let s = strip_wrappers_in(w);
    (s.argv, s.dir)
}

/// A command with its wrappers stripped ([`strip_wrappers_in`]).
pub struct Stripped {
    /// The command itself.
    pub argv: Vec<String>,
    /// The folder a runner's option moves it to.
    pub dir: Option<String>,
    /// The image of the container it runs in (`docker run [opts] IMAGE cmd`;
    /// not `exec`, whose container is named, nor a Compose service).
    pub image: Option<String>,
}

/// [`strip_wrappers_dir`], and the image of the outermost container that
/// runs the command.
pub fn strip_wrappers_in(mut w: Vec<String>) -> Stripped {
    let mut dir: Option<String> = None;
    let mut image: Option<String> = None;
    let mut moved = |d: String| {
        dir = Some(match dir.take() {
            Some(outer) if !d.starts_with('/') => crate::paths::join(&outer, &d),
            _ => d,
        });
    };
    loop {
        let Some(first) = w.first() else { return Stripped { argv: w, dir, image } };
        let f = first.as_str();
        if WRAPPERS.contains(&f) || is_assignment(f) {
            w.remove(0);
        } else if f.ends_with(')') && !f.contains('(') && w.len() > 1 {
            // A `case` arm: `train) run_training ;;`.
            w.remove(0);
        } else if f == "env" {
            w.remove(0);
            while w.first().is_some_and(|x| is_assignment(x) || x.starts_with('-')) {
                w.remove(0);
            }
        } else if f == "sshpass" {
            // `sshpass -p PASS ssh ...`, `sshpass -e ssh ...`: the password feeder.
            w.remove(0);
            while w.first().is_some_and(|x| x.starts_with('-')) {
                let opt = w.remove(0);
                if matches!(opt.as_str(), "-p" | "-f" | "-d" | "-P") && !w.is_empty() {
                    w.remove(0);
                }
            }
        } else if f == "timeout" {
            w.remove(0);
            while w.first().is_some_and(|x| x.starts_with('-')) {
                w.remove(0);
            }
            if !w.is_empty() {
                w.remove(0);
            }
        } else if f == "poetry" && w.get(1).is_some_and(|x| x == "poe") {
            // `poetry poe TASK`: the Poe the Poet plugin runs the task as `poe` does.
            w.remove(0);
        } else if let Some(run) = runner_run(&w) {
            // `uv run`, `poetry -C svc run`: global options, then `run`.
            let runner = w[0].clone();
            let globals: Vec<String> = w.drain(..run + 1).skip(1).collect();
            if let Some(d) = runner_dir(&runner, &globals) {
                moved(d);
            }
            // `uv run --with x python ...`: drop the runner's own options.
            let mut opts = Vec::new();
            while w.first().is_some_and(|x| x.starts_with('-')) {
                let opt = w.remove(0);
                // `uv run -m pkg.mod`: the module, run by the interpreter.
                if matches!(opt.as_str(), "-m" | "--module") && !w.is_empty() {
                    w.splice(0..0, ["python".to_string(), "-m".to_string()]);
                    break;
                }
                opts.push(opt.clone());
                if !opt.contains('=') && RUNNER_VALUE_OPTIONS.contains(&opt.as_str()) && !w.is_empty() {
                    opts.push(w.remove(0));
                }
            }
            if let Some(d) = runner_dir(&runner, &opts) {
                moved(d);
            }
        } else if let Some((n, run)) = container_command(&w) {
            // `docker run img pytest`, `docker compose run svc pytest`,
            // `docker exec ctr pytest`: the command runs in a container of
            // the project's image, on the project's code.
            if run && image.is_none() {
                image = Some(w[n - 1].clone());
            }
            w.drain(..n);
        } else if matches!(f, "conda" | "mamba" | "micromamba") && w.get(1).map(String::as_str) == Some("run") {
            w.drain(..2);
            while w.first().is_some_and(|x| x.starts_with('-')) {
                let opt = w.remove(0);
                if matches!(opt.as_str(), "-n" | "--name" | "-p" | "--prefix") && !w.is_empty() {
                    w.remove(0);
                }
            }
        } else {
            // `npm --prefix web test`, `yarn --cwd web test`, `pnpm -C web test`:
            // the package manager runs in that folder.
            if let Some(d) = package_manager_dir(&mut w) {
                moved(d);
            }
            // `${params.AWSCLI} sagemaker ...`, `$GCLOUD_BIN run deploy ...`.
            if let Some(tool) = w.first().and_then(|f| tool_in_variable(f)) {
                w[0] = tool.to_string();
            }
            return Stripped { argv: w, dir, image };
        }
    }
}

/// A command word that is a variable holding a tool's executable, named for
/// it (`$AWS_CLI`, `${params.AWSCLI}`, `${GCLOUD_BIN}`, `$KUBECTL`):
/// the tool. Other variables, and command substitutions, are not.
fn tool_in_variable(word: &str) -> Option<&'static str> {
    const TOOLS: &[&str] = &[
        "aws",
        "gcloud",
        "gsutil",
        "bq",
        "az",
        "kubectl",
        "oc",
        "helm",
        "kustomize",
        "docker",
        "podman",
        "databricks",
        "python",
        "python3",
        "pip",
        "pip3",
        "dvc",
        "mlflow",
        "terraform",
        "sam",
        "cdk",
    ];
    let inner = word.strip_prefix("${").and_then(|r| r.strip_suffix('}')).or_else(|| word.strip_prefix('$'))?;
    // `params.AWSCLI`, `env.AWS_BIN`: the last part names it.
    let name = inner.rsplit('.').next()?;
    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
        return None;
    }
    let n = name.to_ascii_lowercase().replace('_', "");
    let n = ["executable", "command", "binary", "path", "cmd", "bin", "exe", "cli"]
        .iter()
        .find_map(|s| n.strip_suffix(s).filter(|t| !t.is_empty()))
        .unwrap_or(n.as_str());
    TOOLS.iter().find(|t| **t == n).copied()
}

/// The index of `run` in `poetry|uv|pipenv|pdm|hatch|rye [global options] run ...`.
fn runner_run(w: &[String]) -> Option<usize> {
    if !matches!(w.first().map(String::as_str), Some("poetry" | "uv" | "pipenv" | "pdm" | "hatch" | "rye")) {
        return None;
    }
    let mut i = 1;
    while let Some(x) = w.get(i) {
        if x == "run" {
            return Some(i);
        }
        if !x.starts_with('-') {
            return None;
        }
        i += if !x.contains('=') && RUNNER_VALUE_OPTIONS.contains(&x.as_str()) { 2 } else { 1 };
    }
    None
}

/// The folder a runner's options move its command to: `uv --directory`,
/// `poetry -C`/`--directory` (`--project` finds the project without moving).
fn runner_dir(runner: &str, opts: &[String]) -> Option<String> {
    let names: &[&str] = match runner {
        "uv" => &["--directory"],
        "poetry" => &["-C", "--directory"],
        _ => return None,
    };
    option_value(opts, names)
}

/// The last value of any of `names` in `opts` (`--name value` or `--name=value`).
fn option_value(opts: &[String], names: &[&str]) -> Option<String> {
    let mut found = None;
    for (i, o) in opts.iter().enumerate() {
        for n in names {
            if o == n {
                found = opts.get(i + 1).cloned();
            } else if let Some(v) = o.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                found = Some(v.to_string());
            }
        }
    }
    found.filter(|d| !d.is_empty() && !d.contains('$') && !d.starts_with('~'))
}

/// Removes a package manager's folder option (`npm --prefix DIR`, `yarn
/// --cwd DIR`, `pnpm -C|--dir DIR`) from `w` and returns the folder.
fn package_manager_dir(w: &mut Vec<String>) -> Option<String> {
    let names: &[&str] = match w.first().map(String::as_str) {
        Some("npm") => &["--prefix"],
        Some("yarn") => &["--cwd"],
        Some("pnpm") => &["-C", "--dir"],
        _ => return None,
    };
    let i = w.iter().position(|x| names.iter().any(|n| x == n || x.strip_prefix(n).is_some_and(|r| r.starts_with('='))))?;
    let joined = w[i].contains('=');
    let value = if joined { w[i].split_once('=').map(|(_, v)| v.to_string()) } else { w.get(i + 1).cloned() }?;
    w.drain(i..if joined { i + 1 } else { i + 2 });
    Some(value).filter(|d| !d.is_empty() && !d.contains('$') && !d.starts_with('~'))
}

/// Options of `uv run`, `poetry run`, `pdm run`, `hatch run`, `rye run`,
/// `pipenv run` that take a value as the next word.
const RUNNER_VALUE_OPTIONS: &[&str] = &[
    "--with",
    "--with-editable",
    "--with-requirements",
    "-e",
    "--env",
    "--python",
    "-p",
    "--group",
    "--extra",
    "--only-group",
    "--no-group",
    "--package",
    "--project",
    "--directory",
    "-C",
    "-P",
    "--env-file",
    "--index",
    "--default-index",
    "--index-url",
    "--extra-index-url",
    "--config-file",
    "--config-setting",
    "--cache-dir",
    "--python-preference",
];

/// Options of `docker`/`podman` `run`/`exec` and of Compose (global, `run`,
/// `exec`) that take a value as the next word.
pub(crate) const CONTAINER_VALUE_OPTIONS: &[&str] = &[
    "-e",
    "--env",
    "--env-file",
    "-v",
    "--volume",
    "-w",
    "--workdir",
    "-u",
    "--user",
    "-p",
    "--publish",
    "--name",
    "--network",
    "--net",
    "--entrypoint",
    "-l",
    "--label",
    "--mount",
    "--gpus",
    "--shm-size",
    "-m",
    "--memory",
    "--cpus",
    "--platform",
    "--add-host",
    "--cap-add",
    "--cap-drop",
    "--runtime",
    "--ipc",
    "--pid",
    "-h",
    "--hostname",
    "--restart",
    "--log-driver",
    "--log-opt",
    "--device",
    "--ulimit",
    "--tmpfs",
    "--security-opt",
    "--cidfile",
    "--pull",
    "--memory-swap",
    "--cpuset-cpus",
    "--stop-signal",
    "--stop-timeout",
    "--dns",
    "--expose",
    "--link",
    "--volumes-from",
    "--index",
    "-f",
    "--file",
    "--project-name",
    "--profile",
    "--project-directory",
    "--ansi",
    "--parallel",
    "--context",
    "-c",
    "-H",
    "--host",
];

/// Where the command starts in a container run of `w` (`docker [compose]
/// run|exec [options] IMAGE|SERVICE|CONTAINER COMMAND...`, also `podman`,
/// `docker-compose`, `docker container run|exec`): `None` when `w` is no
/// such run or names no command (the image's own `ENTRYPOINT`/`CMD` runs,
/// or arguments are handed to it).
fn container_command(w: &[String]) -> Option<(usize, bool)> {
    let tool = w.first()?.rsplit('/').next()?;
    let mut compose = match tool {
        "docker" | "podman" => false,
        // Compose's own options come before the subcommand.
        "docker-compose" | "podman-compose" => true,
        _ => return None,
    };
    let mut i = 1;
    let skip_options = |i: &mut usize| {
        while let Some(o) = w.get(*i).filter(|o| o.starts_with('-')) {
            *i += if CONTAINER_VALUE_OPTIONS.contains(&o.as_str()) { 2 } else { 1 };
        }
    };
    skip_options(&mut i);
    match w.get(i).map(String::as_str) {
        Some(sub @ ("compose" | "container")) if matches!(tool, "docker" | "podman") => {
            compose = sub == "compose";
            i += 1;
            skip_options(&mut i);
        }
        _ => {}
    }
    let run = match w.get(i).map(String::as_str) {
        Some("run") => !compose,
        Some("exec") => false,
        _ => return None,
    };
    i += 1;
    skip_options(&mut i);
    // The image, service or container; then the command.
    let cmd = i + 1;
    w.get(cmd).filter(|c| !c.starts_with('-') && i < w.len()).map(|_| (cmd, run))
}

fn is_name(w: &str) -> bool {
    !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !w.starts_with(|c: char| c.is_ascii_digit())
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            // `name+=value` appends.
            let name = name.strip_suffix('+').unwrap_or(name);
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Tokenize one logical line: words grouped by command separators, plus a
/// heredoc delimiter when the line opens one.
fn split_line(line: &str) -> (Vec<Vec<String>>, Option<String>) {
    let s = split_full(line);
    (s.groups, s.heredoc)
}

/// A logical line tokenized: its command groups, the heredoc delimiter it
/// opens, and which group reads the heredoc's body.
struct Split {
    groups: Vec<Vec<String>>,
    heredoc: Option<String>,
    /// The group whose standard input the body ends up on: the one that
    /// opens it, or the next when that one only passes it down a pipe
    /// (`cat <<EOF | kubectl apply -f -`).
    reader: Option<usize>,
}

fn split_full(line: &str) -> Split {
    let mut groups = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut heredoc = None;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    // Open subshells `( ... )`: each paren is a group of its own.
    let mut sub = 0usize;
    // Groups that apply a manifest piped from a cluster-preparing create.
    let mut prepared: Vec<usize> = Vec::new();
    let mut reader: Option<usize> = None;
    let flush = |cur: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
        if *in_word {
            words.push(std::mem::take(cur));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '#' if !in_word => break,
            ' ' | '\t' => flush(&mut cur, &mut in_word, &mut words),
            '(' if !in_word => {
                if !words.is_empty() {
                    groups.push(std::mem::take(&mut words));
                }
                groups.push(vec!["(".to_string()]);
                sub += 1;
            }
            '(' if cur.ends_with('=') && is_name(cur.trim_end_matches('=').trim_end_matches('+')) => {
                // An array assignment (`files=("a.py" "b.py")`): one word,
                // its items data, quotes kept.
                let mut quote = None;
                while i < chars.len() {
                    let ch = chars[i];
                    cur.push(ch);
                    match (quote, ch) {
                        (None, '\'' | '"') => quote = Some(ch),
                        (Some(q), _) if ch == q => quote = None,
                        (None, ')') => break,
                        _ => {}
                    }
                    i += 1;
                }
            }
            ')' if sub > 0 => {
                flush(&mut cur, &mut in_word, &mut words);
                if !words.is_empty() {
                    groups.push(std::mem::take(&mut words));
                }
                groups.push(vec![")".to_string()]);
                sub -= 1;
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    cur.push(chars[i]);
                    i += 1;
                }
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '`' {
                        i = backtick(&chars, i, &mut cur);
                        continue;
                    }
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    cur.push(chars[i]);
                    i += 1;
                }
            }
            '`' => {
                // The old form of `$(...)`: one word, written as `$(...)` so
                // substitutions are followed and assignments forgotten alike.
                in_word = true;
                i = backtick(&chars, i, &mut cur);
                continue;
            }
            '$' if matches!((chars.get(i + 1), chars.get(i + 2)), (Some('{'), Some('{')) | (Some('['), Some('['))) => {
                // A CI expression the CI system replaces before the shell
                // runs (`${{ github.sha }}`, GitLab `$[[ inputs.x ]]`): its
                // spaces and operators do not split words.
                in_word = true;
                let close = if chars[i + 1] == '{' { '}' } else { ']' };
                while i < chars.len() {
                    cur.push(chars[i]);
                    if chars[i] == close && chars.get(i + 1) == Some(&close) {
                        cur.push(close);
                        i += 1;
                        break;
                    }
                    i += 1;
                }
            }
            '$' if i + 1 < chars.len() && chars[i + 1] == '(' => {
                // Keep a command substitution in one word: `$(az ml job create ...)`.
                in_word = true;
                let mut level = 0;
                while i < chars.len() {
                    let ch = chars[i];
                    cur.push(ch);
                    if ch == '(' {
                        level += 1;
                    } else if ch == ')' {
                        level -= 1;
                        if level == 0 {
                            break;
                        }
                    }
                    i += 1;
                }
            }
            '\\' if i + 1 < chars.len() => {
                in_word = true;
                cur.push(chars[i + 1]);
                i += 1;
            }
            ';' | '&' | '|' => {
                flush(&mut cur, &mut in_word, &mut words);
                // `kubectl create secret ... --dry-run -o yaml | kubectl
                // apply -f -`: the apply takes that object's manifest.
                let pipe = c == '|' && chars.get(i + 1) != Some(&'|');
                if pipe && crate::command::prints_cluster_object(&words) {
                    prepared.push(groups.len() + 1);
                }
                // A heredoc body printed into a pipe (`cat`, `envsubst`) is
                // read by the command after it.
                if pipe && reader == Some(groups.len()) && words.first().is_some_and(|w| matches!(w.as_str(), "cat" | "envsubst")) {
                    reader = Some(groups.len() + 1);
                }
                if !words.is_empty() {
                    groups.push(std::mem::take(&mut words));
                }
                // Swallow doubled operators (&&, ||, ;;) and redirections like 2>&1.
                while i + 1 < chars.len() && matches!(chars[i + 1], ';' | '&' | '|') {
                    i += 1;
                }
            }
            '<' if i + 1 < chars.len() && chars[i + 1] == '<' && !in_word => {
                // `<<DELIM` (`<<-`, quoted) opens a heredoc; `<<< word` is a
                // here-string. Either way the word is skipped and the rest of
                // the line (`| kubectl apply -f -`, `&& make`) read on.
                flush(&mut cur, &mut in_word, &mut words);
                let here_string = chars.get(i + 2) == Some(&'<');
                let mut j = i + if here_string { 3 } else { 2 };
                while j < chars.len() && (matches!(chars[j], ' ' | '\t') || (!here_string && matches!(chars[j], '-' | '~'))) {
                    j += 1;
                }
                let mut delim = String::new();
                let mut quote = None;
                while j < chars.len() {
                    let ch = chars[j];
                    match quote {
                        Some(q) if ch == q => quote = None,
                        Some(_) => delim.push(ch),
                        None if matches!(ch, '\'' | '"') => quote = Some(ch),
                        None if ch.is_whitespace() || matches!(ch, ';' | '&' | '|' | ')') => break,
                        None => delim.push(ch),
                    }
                    j += 1;
                }
                if !here_string && !delim.is_empty() {
                    heredoc = Some(delim);
                    reader = Some(groups.len());
                }
                i = j;
                continue;
            }
            '>' | '<' => {
                // Redirection: drop it, a leading fd number, and its target word.
                if in_word && cur.chars().all(|c| c.is_ascii_digit()) {
                    cur.clear();
                    in_word = false;
                }
                flush(&mut cur, &mut in_word, &mut words);
                while i + 1 < chars.len() && matches!(chars[i + 1], '>' | '&') {
                    i += 1;
                }
                while i + 1 < chars.len() && chars[i + 1] == ' ' {
                    i += 1;
                }
                while i + 1 < chars.len() && !matches!(chars[i + 1], ' ' | ';' | '&' | '|') {
                    i += 1;
                }
            }
            _ => {
                in_word = true;
                cur.push(c);
            }
        }
        i += 1;
    }
    flush(&mut cur, &mut in_word, &mut words);
    if !words.is_empty() {
        groups.push(words);
    }
    for k in prepared.into_iter().rev() {
        if groups.get(k).is_some_and(|g| crate::command::applies_stdin_manifest(g)) {
            groups.remove(k);
            reader = reader.and_then(|r| match r.cmp(&k) {
                std::cmp::Ordering::Less => Some(r),
                std::cmp::Ordering::Equal => None,
                std::cmp::Ordering::Greater => Some(r - 1),
            });
        }
    }
    Split { groups, heredoc, reader }
}

/// Copy the backtick substitution opening at `chars[start]` into `cur` as
/// `$(...)` (an escaped backtick inside stays literal); returns the index
/// after the closing backtick, or the end of the line when it is unclosed.
fn backtick(chars: &[char], start: usize, cur: &mut String) -> usize {
    cur.push_str("$(");
    let mut i = start + 1;
    while i < chars.len() && chars[i] != '`' {
        if chars[i] == '\\' && i + 1 < chars.len() {
            i += 1;
        }
        cur.push(chars[i]);
        i += 1;
    }
    cur.push(')');
    (i + 1).min(chars.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn lists_and_strings_over_several_lines_are_words_not_commands() {
        let argvs = |text: &str| commands(text, 1).into_iter().map(|c| c.argv.join(" ")).collect::<Vec<_>>();
        // A multi-line array of paths, then a loop checking them.
        let text = "required=(\n  \"src/train.py\"\n  'requirements.txt'\n)\nfor f in \"${required[@]}\"; do\n  [ -f \"$f\" ] || exit 1\ndone\npytest tests\n";
        assert_eq!(argvs(text), ["[ -f $f ]", "exit 1", "pytest tests"]);
        let lines = logical_lines(text, 1);
        assert_eq!(lines.iter().map(|l| l.no).collect::<Vec<_>>(), [1, 5, 6, 7, 8]);
        // One line, no spaces, `+=`.
        assert_eq!(argvs("FILES=(\"src/train.py\" \"b.py\")\nFILES+=(src/score.py)\nmake test\n"), ["make test"]);
        // A string spanning lines.
        assert_eq!(
            argvs("MSG=\"checked:\n  src/train.py\n  src/serve.py\"\necho \"$MSG\"\n"),
            ["echo checked:\n  src/train.py\n  src/serve.py"]
        );
        // A quote in a comment opens nothing; a subshell is commands.
        assert_eq!(
            argvs("# don't train here\npython src/train.py\n(\n  cd web\n  npm test\n)\n"),
            ["python src/train.py", "pushd .", "cd web", "npm test", "popd"]
        );
        // Never closed: each line stays its own.
        assert_eq!(argvs("echo \"oops\npython src/train.py\n"), ["echo oops", "python src/train.py"]);
    }

    use super::*;

    fn argv(s: &str) -> Vec<Vec<String>> {
        commands(s, 1).into_iter().map(|c| c.argv).collect()
    }

    #[test]
    fn an_apply_of_a_piped_secret_or_config_map_runs_nothing() {
        let c = argv("kubectl create secret generic creds --from-literal=k=$K -n ml --dry-run=client -o yaml | kubectl apply -f -\n");
        assert_eq!(
            c,
            vec![vec![
                "kubectl",
                "create",
                "secret",
                "generic",
                "creds",
                "--from-literal=k=$K",
                "-n",
                "ml",
                "--dry-run=client",
                "-o",
                "yaml"
            ]]
        );
        let c = argv("kubectl -n ml create configmap report --from-file=r.json --dry-run=client -o yaml | kubectl apply -f -\n");
        assert_eq!(c.len(), 1);
        // A manifest rendered from the repository, or a workload, is applied.
        assert_eq!(argv("kustomize build deploy/prod | kubectl apply -f -\n").len(), 2);
        assert_eq!(argv("kubectl create deployment api --image=x --dry-run=client -o yaml | kubectl apply -f -\n").len(), 2);
        // `||` is no pipe.
        assert_eq!(argv("kubectl create secret generic s --dry-run=client -o yaml || kubectl apply -f -\n").len(), 2);
    }

    #[test]
    fn splits_and_strips_wrappers() {
        let c = argv("pip install -r req.txt && poetry run pytest -q tests/\n# pytest commented\nFOO=1 python -m src.train --epochs 3 2>&1 | tee log");
        assert_eq!(c[0][0], "pip");
        assert_eq!(c[1], vec!["pytest", "-q", "tests/"]);
        assert_eq!(c[2], vec!["python", "-m", "src.train", "--epochs", "3"]);
        assert_eq!(c[3], vec!["tee", "log"]);
        assert_eq!(c.len(), 4);
        // The Poe the Poet plugin of Poetry runs a task as `poe` does; other Poetry commands stay.
        assert_eq!(
            argv(
                "poetry poe test --verbose
poetry install
"
            ),
            [vec!["poe", "test", "--verbose"], vec!["poetry", "install"]]
        );
    }

    #[test]
    fn a_tool_held_in_a_variable_named_for_it_is_that_tool() {
        let c = argv("${params.AWSCLI} sagemaker update-endpoint --endpoint-name e\n$AWS_BIN s3 cp a b\n${GCLOUD_PATH} run deploy api\n${PYTHON} train.py\n$KUBECTL apply -f k8s/");
        let heads: Vec<&str> = c.iter().map(|a| a[0].as_str()).collect();
        assert_eq!(heads, ["aws", "aws", "gcloud", "python", "kubectl"]);
        assert_eq!(c[0][1..], ["sagemaker", "update-endpoint", "--endpoint-name", "e"]);
        // Other variables and command substitutions stay as written.
        let c = argv("$RUNNER train.py\n${BIN} x\n$CLI_TOOL y\n$(which aws) s3 ls");
        let heads: Vec<&str> = c.iter().map(|a| a[0].as_str()).collect();
        assert!(!heads.iter().any(|h| matches!(*h, "aws" | "python")), "{heads:?}");
    }

    #[test]
    fn project_runner_options_are_skipped() {
        let c = argv("uv run --frozen --directory svc --with pytest-cov pytest -q\nuv run --no-sync -m pkg.train --epochs 2\npoetry run -C api python serve.py");
        assert_eq!(c[0], vec!["pytest", "-q"]);
        assert_eq!(c[1], vec!["python", "-m", "pkg.train", "--epochs", "2"]);
        assert_eq!(c[2], vec!["python", "serve.py"]);
    }

    #[test]
    fn for_loops_run_their_body_per_item() {
        let lines = |s: &str| commands(s, 1).into_iter().map(|c| (c.line, c.argv.join(" "))).collect::<Vec<_>>();
        let got = lines(concat!(
            "for d in svc api; do (cd $d && pytest -q); done\n",
            "for m in train \"eval uate\"\n",
            "do\n",
            "  python -m pkg.$m --fast\n",
            "done\n",
            "for f in $(ls models); do python score.py $f; done\n",
            "cd ci; for a in x y; do for b in 1 2; do echo $a$b; done; done; make report\n",
            "# for d in a b; do pytest $d; done\n",
            "while read -r f; do pytest $f; done < list.txt\n",
        ));
        let want: Vec<(u32, &str)> = vec![
            (1, "pushd ."),
            (1, "cd svc"),
            (1, "pytest -q"),
            (1, "popd"),
            (1, "pushd ."),
            (1, "cd api"),
            (1, "pytest -q"),
            (1, "popd"),
            (4, "python -m pkg.train --fast"),
            (4, "python -m pkg.eval uate --fast"),
            // Items the session cannot know: the body once, the variable unknown.
            (6, "python score.py $f"),
            (7, "cd ci"),
            (7, "echo x1"),
            (7, "echo x2"),
            (7, "echo y1"),
            (7, "echo y2"),
            (7, "make report"),
            (9, "read -r f"),
            (9, "pytest $f"),
        ];
        let got: Vec<(u32, &str)> = got.iter().map(|(l, a)| (*l, a.as_str())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn loop_budget_keeps_nested_loops_linear() {
        // Four nested loops of 32 items: at most the expansion budget of
        // bodies run, and every body still runs at least once.
        let mut s = String::new();
        for v in ["a", "b", "c", "d"] {
            let items: Vec<String> = (0..32).map(|i| format!("{v}{i}")).collect();
            s.push_str(&format!("for {v} in {}; do\n", items.join(" ")));
        }
        s.push_str("pytest $a/$b/$c/$d\ndone\ndone\ndone\ndone\n");
        let n = commands(&s, 1).len();
        assert!(n > 0 && n <= MAX_EXPANSIONS + 4, "{n} commands");
    }

    #[test]
    fn runner_folder_options_move_one_command() {
        let dirs = |s: &str| commands(s, 1).into_iter().map(|c| (c.argv.join(" "), c.dir)).collect::<Vec<_>>();
        let c = dirs(concat!(
            "uv run --frozen --directory svc --with pytest-cov pytest -q\n",
            "uv --directory=svc run -m pkg.train\n",
            "poetry -C api run python serve.py\n",
            "poetry run --directory api pytest\n",
            "uv run --project lib pytest\n",
            "npm --prefix web run test\n",
            "yarn --cwd=web test\n",
            "pnpm -C web test\n",
            "npm run test --prefix $WEB\n",
            "uv run pytest\n",
        ));
        let want: Vec<(&str, Option<&str>)> = vec![
            ("pytest -q", Some("svc")),
            ("python -m pkg.train", Some("svc")),
            ("python serve.py", Some("api")),
            ("pytest", Some("api")),
            // `--project` finds the project but does not move the command.
            ("pytest", None),
            ("npm run test", Some("web")),
            ("yarn test", Some("web")),
            ("pnpm test", Some("web")),
            // An unknown folder moves nothing.
            ("npm run test", None),
            ("pytest", None),
        ];
        let got: Vec<(&str, Option<&str>)> = c.iter().map(|(a, d)| (a.as_str(), d.as_deref())).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn commands_run_in_containers() {
        let c = argv(concat!(
            "docker compose -f ci/compose.yml run --rm -e MODE=ci app pytest -q tests\n",
            "docker-compose exec -T api python -m pkg.train --epochs 2\n",
            "docker run --rm -v $PWD:/work -w /work python:3.11 bash -c \"pip install -r req.txt && pytest\"\n",
            "podman container exec -it box make test\n",
            "docker run -d -p 8080:80 --name web app:1\n",
            "docker run --rm app:1 --epochs 3\n",
            "docker compose up -d\n",
        ));
        assert_eq!(c[0], vec!["pytest", "-q", "tests"]);
        assert_eq!(c[1], vec!["python", "-m", "pkg.train", "--epochs", "2"]);
        assert_eq!(c[2][0], "pip");
        assert_eq!(c[3], vec!["pytest"]);
        assert_eq!(c[4], vec!["make", "test"]);
        // No command: the image's own entry point runs (or is handed the arguments).
        assert_eq!(c[5][..2], ["docker", "run"]);
        assert_eq!(c[6][..2], ["docker", "run"]);
        assert_eq!(c[7][..3], ["docker", "compose", "up"]);
        assert_eq!(c.len(), 8);
    }

    #[test]
    fn commands_in_containers_know_their_image() {
        let c = commands(
            concat!(
                "docker run --rm -e X=1 -v $PWD:/w app:latest make test\n",
                "docker run --rm img:1 bash -c \"pip install . && pytest\"\n",
                "docker exec box pytest\n",
                "docker compose run --rm svc pytest\n",
                "pytest\n",
            ),
            1,
        );
        let images: Vec<(&str, Option<&str>)> = c.iter().map(|c| (c.argv[0].as_str(), c.image.as_deref())).collect();
        assert_eq!(
            images,
            vec![
                ("make", Some("app:latest")),
                ("pip", Some("img:1")),
                ("pytest", Some("img:1")),
                // A running container's or a service's files are not an image's.
                ("pytest", None),
                ("pytest", None),
                ("pytest", None),
            ]
        );
    }

    #[test]
    fn ci_expressions_are_one_word() {
        // Their spaces and `||` do not split words or commands.
        let c = argv("docker run --rm -e U=${{ secrets.U || 'x' }} -v ${{ github.workspace }}/d:/d img:${{ github.sha }} python -m a.b\npytest $[[ inputs.dir ]] -q");
        assert_eq!(c[0], vec!["python", "-m", "a.b"]);
        assert_eq!(c[1], vec!["pytest", "$[[ inputs.dir ]]", "-q"]);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn continuation_and_lines() {
        let c = commands("echo hi\npython train.py \\\n  --lr 0.1\nmake test", 10);
        assert_eq!(c[1].line, 11);
        assert_eq!(c[1].argv, vec!["python", "train.py", "--lr", "0.1"]);
        assert_eq!(c[2].line, 13);
    }

    #[test]
    fn command_substitution_runs_commands() {
        let c = argv("JOB=$(az ml job create --file ml/train.yml --query name -o tsv)\necho \"$(date)\"");
        assert_eq!(c[0][..4], ["az", "ml", "job", "create"].map(String::from));
        assert!(c.iter().all(|a| a[0] != "ml"));
    }

    #[test]
    fn endpoint_addresses_read_back_are_known_urls() {
        use crate::command::{classify, Invocation};
        let c = argv("URL=$(az ml online-endpoint show -n churn --query scoring_uri -o tsv)\ncurl -sf -X POST -d @req.json \"$URL\"\nOTHER=$(cat url.txt)\ncurl -sf \"$OTHER\"");
        let curls: Vec<&Vec<String>> = c.iter().filter(|a| a[0] == "curl").collect();
        assert_eq!(classify(curls[0]), Invocation::InvokeEndpoint);
        // An address from anywhere else stays unknown: no endpoint call.
        assert_eq!(classify(curls[1]), Invocation::Other);
    }

    #[test]
    fn backtick_substitution_is_one_word_that_runs() {
        // The file name read by `cat` is an argument, never a program.
        let c = argv("CFG=`cat ./conf/run.json`\nV=\"`git rev-parse HEAD`\" python fit.py\nID=`az ml job create -f ml/job.yml`");
        assert_eq!(c[0], vec!["cat", "./conf/run.json"]);
        assert_eq!(c[1], vec!["git", "rev-parse", "HEAD"]);
        assert_eq!(c[2], vec!["python", "fit.py"]);
        assert_eq!(c[3][..4], ["az", "ml", "job", "create"].map(String::from));
        assert_eq!(c.len(), 4);
        assert!(c.iter().flatten().all(|w| !w.contains('`')));
    }

    #[test]
    fn backtick_value_is_unknown_but_quoted_backticks_are_text() {
        // A value computed by backticks is forgotten like `$(...)`;
        // single quotes keep backticks as plain text (no command).
        let c = argv("S=`cat name.txt`\npython $S\necho 'run `make train` by hand'");
        assert_eq!(c[0], vec!["cat", "name.txt"]);
        assert_eq!(c[1], vec!["python", "$S"]);
        assert_eq!(c[2], vec!["echo", "run `make train` by hand"]);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn bash_c_is_unwrapped() {
        assert_eq!(argv("bash -c \"cd app && pytest\"")[1], vec!["pytest"]);
    }

    #[test]
    fn heredoc_body_is_not_commands() {
        let c = argv("cat <<EOF > x.py\npytest\nEOF\nmake train");
        assert_eq!(c.len(), 2);
        assert_eq!(c[1], vec!["make", "train"]);
    }

    #[test]
    fn python_reading_its_program_from_a_heredoc_runs_the_body() {
        let c =
            commands("echo start\nuv run python3 - <<'PY'\nimport mlflow\nmlflow.register_model('runs:/x/model', 'm')\nPY\nmake check", 1);
        assert_eq!(c.len(), 3, "{c:?}");
        // The body as `-c`, padded so that its first line is line 3.
        let program = python_program(&c[1].argv).expect("a program");
        assert_eq!(program, "\nimport mlflow\nmlflow.register_model('runs:/x/model', 'm')\n");
        assert_eq!(c[1].line, 2);
        assert_eq!(python_program(&argv("python -u -c \"import x; x.run()\"")[0]), Some("import x; x.run()"));
        // Data fed to a script, a heredoc written to a file, a module run: no program.
        for s in ["python fit.py <<EOF\n1 2\nEOF", "cat <<EOF > x.py\nimport os\nEOF", "python -m pkg.fit <<EOF\nx\nEOF"] {
            assert!(argv(s).iter().all(|a| python_program(a).is_none()), "{s}");
        }
    }

    #[test]
    fn a_pipeline_run_fed_to_kubectl_starts_the_pipeline_it_names() {
        let run = "cat <<EOF | kubectl create -f -\napiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata:\n  generateName: train-\nspec:\n  pipelineRef:\n    name: model-training\nEOF\necho started";
        let c = argv(run);
        assert_eq!(c[..2], [vec!["cat"], vec!["tkn", "pipeline", "start", "model-training"]], "{c:?}");
        assert_eq!(c.last().unwrap(), &["echo", "started"]);
        let direct = "oc create -f - <<'YAML'\napiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: fit-\nspec:\n  workflowTemplateRef:\n    name: fit-template\nYAML";
        assert_eq!(argv(direct)[0], ["argo", "submit", "--from", "workflowtemplate/fit-template"]);
        // Any other manifest starts no pipeline.
        let other = "kubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\nEOF";
        assert_eq!(&argv(other)[0][..2], ["kubectl", "apply"]);
        let no_ref = "cat <<EOF | kubectl create -f -\nkind: PipelineRun\nspec:\n  pipelineSpec:\n    tasks: []\nEOF";
        assert_eq!(argv(no_ref), [vec!["cat"], vec!["kubectl", "create", "-f", "-"]]);
    }

    #[test]
    fn words_after_a_heredoc_delimiter_are_commands() {
        // The rest of the opening line runs: a pipe into an apply, a chained command.
        let piped = "cat <<'EOF' | kubectl apply -f -\nkind: Deployment\nEOF";
        assert_eq!(argv(piped), [vec!["cat"], vec!["kubectl", "apply", "-f", "-"]]);
        let chained = "python - <<-PY && make report\nimport mlflow\nPY";
        let c = argv(chained);
        assert_eq!(c[0][..2], ["python", "-c"], "{c:?}");
        assert!(c[0][2].contains("import mlflow"));
        assert_eq!(c[1], ["make", "report"]);
        // A here-string's word is data, and opens no body.
        assert_eq!(
            argv("kubectl apply -f - <<< \"$MANIFEST\" && echo ok\nmake train"),
            [vec!["kubectl", "apply", "-f", "-"], vec!["echo", "ok"], vec!["make", "train"]]
        );
        // The body stays with the command that opens it unless printed into a pipe.
        let tee = "ssh host <<EOF | tee log.txt\ndocker run img\nEOF";
        assert_eq!(argv(tee)[0], ["ssh", "host", "docker run img\n"]);
        // A heredoc written to a file is no command.
        assert_eq!(
            argv("cat <<EOF > job.yaml && kubectl apply -f job.yaml\nkind: Job\nEOF"),
            [vec!["cat"], vec!["kubectl", "apply", "-f", "job.yaml"]]
        );
    }

    #[test]
    fn ssh_heredoc_body_is_the_remote_command() {
        // The body goes to the remote host: an argument of `ssh`, not local commands.
        let c = argv("IMG=reg/app:1\nsshpass -p \"$PW\" ssh -o StrictHostKeyChecking=no $USER@$HOST << EOF\n  docker pull $IMG\n  docker run -d $IMG\nEOF\nmake check");
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(&c[0][..2], &["ssh", "-o"]);
        assert_eq!(c[0].last().unwrap(), "  docker pull reg/app:1\n  docker run -d reg/app:1\n");
        assert_eq!(c[1], vec!["make", "check"]);
        // Another command's heredoc stays text.
        let c = argv("cat << EOF > run.sh\ndocker run x\nEOF\n");
        assert_eq!(c, vec![vec!["cat"]]);
    }

    #[test]
    fn comment_only_lines_give_nothing() {
        assert!(argv("# pytest tests\n   # make train").is_empty());
    }

    #[test]
    fn command_in_a_variable_runs() {
        let c = argv("CMD=\"python train.py --epochs 3\"\n$CMD --lr 0.1\neval \"$CMD\"\nRUN='pytest -q'\n${RUN} tests/");
        assert_eq!(c[0], vec!["python", "train.py", "--epochs", "3", "--lr", "0.1"]);
        assert_eq!(c[1], vec!["python", "train.py", "--epochs", "3"]);
        assert_eq!(c[2], vec!["pytest", "-q", "tests/"]);
        assert_eq!(c.len(), 3);
    }

    #[test]
    fn unknown_or_quoted_variables_stay_unexpanded() {
        // A value computed by a command is unknown; single quotes do not expand.
        let c = argv("CMD=$(cat cmd.txt)\n$CMD\nX=train.py\necho '$X'\n# $X\npython ${SCRIPT:-main.py}");
        assert_eq!(c[0], vec!["cat", "cmd.txt"]);
        assert_eq!(c[1], vec!["$CMD"]);
        assert_eq!(c[2], vec!["echo", "$X"]);
        assert_eq!(c[3], vec!["python", "main.py"]);
        assert_eq!(c.len(), 4);
    }

    #[test]
    fn functions_run_where_called_with_their_arguments() {
        let c =
            commands("train() {\n  python train.py --config \"$1\"\n}\nsetup() { pip install -r req.txt; }\nsetup\ntrain cfg/a.yaml\n", 1);
        let a: Vec<_> = c.iter().map(|c| c.argv.clone()).collect();
        assert_eq!(a, vec![vec!["pip", "install", "-r", "req.txt"], vec!["python", "train.py", "--config", "cfg/a.yaml"]]);
        // The body keeps its own line.
        assert_eq!(c[1].line, 2);
    }

    #[test]
    fn functions_nobody_calls_stay_in_place() {
        // A library script or one that dispatches on `$1`: the bodies are its commands.
        let c = argv("function deploy {\n  kubectl apply -f k8s/\n}\ncase \"$1\" in\n  go) echo go ;;\nesac");
        assert_eq!(c[0], vec!["kubectl", "apply", "-f", "k8s/"]);
        // A case arm pattern is not a command.
        assert!(c.iter().any(|a| a == &vec!["echo", "go"]));
    }

    #[test]
    fn a_session_spans_chunks_and_reads_sourced_files() {
        let read = |p: &str| {
            (p == "ci/env.sh")
                .then(|| ("ci/env.sh".to_string(), "export TRAIN=src/fit.py\nrun_tests() {\n  pytest tests/\n}\n".to_string()))
        };
        let c = session(&[("source ci/env.sh", 10), ("python $TRAIN", 11), ("run_tests", 12)], &BTreeMap::new(), Some(&read));
        let a: Vec<_> = c.iter().map(|c| c.argv.clone()).collect();
        assert_eq!(a[1], vec!["python", "src/fit.py"]);
        assert_eq!(a[2], vec!["pytest", "tests/"]);
        assert_eq!((c[2].file.as_deref(), c[2].line), (Some("ci/env.sh"), 3));
        // Without a reader, nothing is known about the sourced file.
        let c = session(&[("source ci/env.sh", 10), ("python $TRAIN", 11)], &BTreeMap::new(), None);
        assert_eq!(c[1].argv, vec!["python", "$TRAIN"]);
    }
}
