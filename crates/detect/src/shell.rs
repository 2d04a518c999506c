//! Shell command lines as CI steps, Makefile recipes and scripts write them:
//! split into simple commands with their line, wrappers removed
//! (`poetry run`, `env X=1`, `sudo`, `bash -c "..."`), comments dropped.

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellCmd {
    /// Words after quote removal, wrappers stripped.
    pub argv: Vec<String>,
    /// 1-based line in the file.
    pub line: u32,
    /// The source text of the (joined) line, for snippets.
    pub text: String,
}

const WRAPPERS: &[&str] = &[
    "sudo", "time", "exec", "nohup", "xvfb-run", "command", "builtin", "then", "do", "else", "elif", "if", "while", "until", "!", "{", "(",
];

/// Split shell `text` (starting at `first_line`) into simple commands.
pub fn commands(text: &str, first_line: u32) -> Vec<ShellCmd> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    let mut heredoc: Option<String> = None;
    // Command lines kept in shell variables (`cmd="python x.py"`, then `$cmd`).
    let mut vars: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    while i < lines.len() {
        let start = i;
        if let Some(delim) = &heredoc {
            if lines[i].trim() == delim {
                heredoc = None;
            }
            i += 1;
            continue;
        }
        let mut joined = String::new();
        loop {
            let l = lines[i];
            if let Some(stripped) = l.trim_end().strip_suffix('\\') {
                joined.push_str(stripped);
                joined.push(' ');
                i += 1;
                if i >= lines.len() {
                    break;
                }
            } else {
                joined.push_str(l);
                i += 1;
                break;
            }
        }
        let line_no = first_line + start as u32;
        let (words_groups, hd) = split_line(&joined);
        if hd.is_some() {
            heredoc = hd;
        }
        for words in words_groups {
            push_cmd(&mut out, &mut vars, words, line_no, joined.trim(), 0);
        }
    }
    out
}

fn push_cmd(
    out: &mut Vec<ShellCmd>,
    vars: &mut std::collections::BTreeMap<String, String>,
    words: Vec<String>,
    line: u32,
    text: &str,
    depth: u8,
) {
    // A lone assignment of a literal keeps its value for a later `$name`.
    if let [w] = words.as_slice() {
        if is_assignment(w) && !w.contains("$(") && !w.contains('`') {
            let (name, value) = w.split_once('=').unwrap_or_default();
            vars.insert(name.to_string(), value.to_string());
            return;
        }
    }
    // Command substitutions `$(...)` run commands too: `ID=$(az ml job create -f x)`.
    if depth < 4 {
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
                    push_cmd(out, vars, group, line, text, depth + 1);
                }
                rest = &inner[end.min(inner.len())..];
            }
        }
    }
    let words: Vec<String> = if words.first().is_some_and(|w| w.contains("$(")) && is_assignment(&words[0]) { Vec::new() } else { words };
    let argv = strip_wrappers(words);
    if argv.is_empty() {
        return;
    }
    // `bash -c "..."`, `sh -c '...'`: the string is itself a command line.
    if let (Some(inner), true) = (inline_script(&argv), depth < 4) {
        for group in split_line(inner).0 {
            push_cmd(out, vars, group, line, text, depth + 1);
        }
        return;
    }
    // `$cmd` / `${cmd}` run the command line the variable holds.
    let name = argv[0].strip_prefix("${").and_then(|n| n.strip_suffix('}')).or_else(|| argv[0].strip_prefix('$'));
    if let (Some(value), true) = (name.and_then(|n| vars.get(n)).cloned(), depth < 4) {
        if let Some(mut group) = split_line(&value).0.into_iter().next() {
            group.extend(argv[1..].iter().cloned());
            push_cmd(out, vars, group, line, text, depth + 1);
        }
        return;
    }
    out.push(ShellCmd { argv, line, text: text.to_string() });
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

fn strip_wrappers(mut w: Vec<String>) -> Vec<String> {
    loop {
        let Some(first) = w.first() else { return w };
        let f = first.as_str();
        if WRAPPERS.contains(&f) || is_assignment(f) {
            w.remove(0);
        } else if f == "env" {
            w.remove(0);
            while w.first().is_some_and(|x| is_assignment(x) || x.starts_with('-')) {
                w.remove(0);
            }
        } else if f == "timeout" {
            w.remove(0);
            while w.first().is_some_and(|x| x.starts_with('-')) {
                w.remove(0);
            }
            if !w.is_empty() {
                w.remove(0);
            }
        } else if matches!(f, "poetry" | "uv" | "pipenv" | "pdm" | "hatch" | "rye") && w.get(1).map(String::as_str) == Some("run") {
            w.drain(..2);
            // `uv run --with x python ...`: drop the runner's own options.
            while w.first().is_some_and(|x| x.starts_with('-')) {
                let opt = w.remove(0);
                if !opt.contains('=')
                    && matches!(opt.as_str(), "--with" | "-e" | "--env" | "--python" | "-p" | "--group" | "--extra")
                    && !w.is_empty()
                {
                    w.remove(0);
                }
            }
        } else if matches!(f, "conda" | "mamba" | "micromamba") && w.get(1).map(String::as_str) == Some("run") {
            w.drain(..2);
            while w.first().is_some_and(|x| x.starts_with('-')) {
                let opt = w.remove(0);
                if matches!(opt.as_str(), "-n" | "--name" | "-p" | "--prefix") && !w.is_empty() {
                    w.remove(0);
                }
            }
        } else {
            return w;
        }
    }
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
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
    let mut groups = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut heredoc = None;
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
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
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    cur.push(chars[i]);
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
                if !words.is_empty() {
                    groups.push(std::mem::take(&mut words));
                }
                // Swallow doubled operators (&&, ||, ;;) and redirections like 2>&1.
                while i + 1 < chars.len() && matches!(chars[i + 1], ';' | '&' | '|') {
                    i += 1;
                }
            }
            '<' if i + 1 < chars.len() && chars[i + 1] == '<' && !in_word => {
                flush(&mut cur, &mut in_word, &mut words);
                let rest: String = chars[i + 2..].iter().collect();
                let delim: String = rest
                    .trim_start_matches(['-', '~'])
                    .trim_start()
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, ';' | '&' | '|' | ')'))
                    .filter(|c| !matches!(c, '\'' | '"'))
                    .collect();
                if !delim.is_empty() && !rest.trim_start().starts_with('<') {
                    heredoc = Some(delim);
                }
                break;
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
    (groups, heredoc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<Vec<String>> {
        commands(s, 1).into_iter().map(|c| c.argv).collect()
    }

    #[test]
    fn command_line_kept_in_a_variable() {
        let c = argv("cmd=\"pipenv run python collect.py \\\n  --days=3\"\nout=$($cmd)\necho \"$out\"");
        assert_eq!(c[0], vec!["python", "collect.py", "--days=3"]);
        let c = argv("RUN=\"python fit.py\"\n${RUN} --fast");
        assert_eq!(c[0], vec!["python", "fit.py", "--fast"]);
        // An unset variable stays what it is; a computed value is not followed.
        let c = argv("CMD=$(cat cmd.txt)\n$CMD\n$OTHER x.py");
        assert!(c.iter().all(|a| a.first().map(String::as_str) != Some("python")), "{c:?}");
    }

    #[test]
    fn splits_and_strips_wrappers() {
        let c = argv("pip install -r req.txt && poetry run pytest -q tests/\n# pytest commented\nFOO=1 python -m src.train --epochs 3 2>&1 | tee log");
        assert_eq!(c[0][0], "pip");
        assert_eq!(c[1], vec!["pytest", "-q", "tests/"]);
        assert_eq!(c[2], vec!["python", "-m", "src.train", "--epochs", "3"]);
        assert_eq!(c[3], vec!["tee", "log"]);
        assert_eq!(c.len(), 4);
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
    fn comment_only_lines_give_nothing() {
        assert!(argv("# pytest tests\n   # make train").is_empty());
    }
}
