//! A small Python lexer: enough to tell code from comments and strings.
//!
//! [`mask`] returns the source with comments and the contents of
//! triple-quoted strings (docstrings, embedded examples) blanked out, byte for
//! byte, so offsets and line numbers still match the original. Single-line
//! string literals are kept: their values (`"champion"`, a tracking URI) are
//! evidence, and a call spelled inside one is rare.

/// Blank comments and triple-quoted string contents, keeping newlines.
pub fn mask(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k);
                out[i..end].fill(b' ');
                i = end;
            }
            q @ (b'"' | b'\'') => {
                let triple = i + 2 < b.len() && b[i + 1] == q && b[i + 2] == q;
                if triple {
                    let start = i + 3;
                    let mut j = start;
                    let mut end = b.len();
                    while j < b.len() {
                        if b[j] == b'\\' {
                            j += 2;
                            continue;
                        }
                        if j + 2 < b.len() && b[j] == q && b[j + 1] == q && b[j + 2] == q {
                            end = j;
                            break;
                        }
                        // On to the next escape or quote.
                        j = memchr::memchr2(b'\\', q, &b[j + 1..]).map_or(b.len(), |k| j + 1 + k);
                    }
                    for byte in out.iter_mut().take(end.min(b.len())).skip(start) {
                        if *byte != b'\n' {
                            *byte = b' ';
                        }
                    }
                    i = (end + 3).min(b.len());
                } else {
                    // Single-line string: skip to its end, keep contents.
                    let mut j = i + 1;
                    while j < b.len() && b[j] != q && b[j] != b'\n' {
                        if b[j] == b'\\' {
                            j += 1;
                        }
                        j += 1;
                    }
                    i = (j + 1).min(b.len());
                }
            }
            // Nothing to do up to the next comment or quote.
            _ => i = memchr::memchr3(b'#', b'"', b'\'', &b[i..]).map_or(b.len(), |k| i + k),
        }
    }
    // Blanking only replaced ASCII bytes or whole multi-byte sequences inside
    // comments/strings with spaces; any partially blanked sequence is repaired.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Offset of the first comma of `s` outside brackets and quoted strings (the
/// end of a call argument).
pub fn top_level_comma(s: &[u8]) -> Option<usize> {
    scan_brackets(s, 0, true)
}

/// The items of a comma-separated list (call arguments, parameters), split
/// at its top-level commas only.
pub fn split_top_level(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let r = rest?;
        match top_level_comma(r.as_bytes()) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

/// Offset of the `)` closing a call whose arguments `s` starts just after
/// its `(`: brackets nest and quoted strings are skipped. `None` when it does
/// not close within `s`.
pub fn closing_paren(s: &[u8]) -> Option<usize> {
    scan_brackets(s, 1, false)
}

/// Walk `s` from bracket depth `depth`, skipping quoted strings: the offset
/// of the bracket that closes depth 1, or (with `comma`) of the first comma
/// at depth 0.
fn scan_brackets(s: &[u8], mut depth: usize, comma: bool) -> Option<usize> {
    let (mut quote, mut i) = (None::<u8>, 0);
    while i < s.len() {
        let b = s[i];
        match quote {
            Some(_) if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth == 1 && !comma => return Some(i),
                b')' | b']' | b'}' => depth = depth.saturating_sub(1),
                b',' if comma && depth == 0 => return Some(i),
                _ => {}
            },
        }
        i += 1;
    }
    None
}

/// Byte offsets of line starts, for offset -> line lookups.
pub struct LineIndex(Vec<usize>);

impl LineIndex {
    /// Index the line starts of `text`.
    pub fn new(text: &str) -> Self {
        let mut v = vec![0];
        v.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex(v)
    }

    /// The text of 1-based `line` in `text` (the text this index was built
    /// from, or one with the same line breaks such as its masked form),
    /// without its line break: a lookup, not a scan from the top.
    pub fn text<'t>(&self, text: &'t str, line: u32) -> &'t str {
        let Some(&start) = (line as usize).checked_sub(1).and_then(|i| self.0.get(i)) else { return "" };
        let end = self.0.get(line as usize).map(|e| e - 1).unwrap_or(text.len()).min(text.len());
        let l = text.get(start.min(end)..end).unwrap_or("");
        l.strip_suffix('\r').unwrap_or(l)
    }

    /// How many lines (a text ending in a line break has an empty last one).
    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// Byte offset where 1-based `line` starts (0 past the last line).
    pub fn start(&self, line: u32) -> usize {
        (line as usize).checked_sub(1).and_then(|i| self.0.get(i)).copied().unwrap_or(0)
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> u32 {
        match self.0.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }
}

/// A top-level or nested `import` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Dotted module (`pkg.mod`; for `from . import x`, the leading dots are kept).
    pub module: String,
    /// Names imported from it (`from m import a, b`), empty for `import m`.
    pub names: Vec<String>,
    /// Local aliases of imported names (`from m import a as b` -> `(b, a)`).
    pub name_aliases: Vec<(String, String)>,
    /// Alias for `import m as x`.
    pub alias: Option<String>,
    /// 1-based line.
    pub line: u32,
}

/// The byte ranges of the contents of the single-line string literals of
/// [`mask`]ed source, in order (a message that spells a call,
/// `f"run model.push_to_hub('x') to upload"`, holds no call). An
/// f-string's replacement fields (`{...}`) are code and are left out.
pub fn string_spans(masked: &[u8]) -> Vec<std::ops::Range<usize>> {
    let b = masked;
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = memchr::memchr2(b'"', b'\'', &b[i..]) {
        let at = i + k;
        let q = b[at];
        if at + 2 < b.len() && b[at + 1] == q && b[at + 2] == q {
            // Triple-quoted: its contents are already blank.
            let start = at + 3;
            let end = memchr::memmem::find(&b[start..], &[q, q, q]).map_or(b.len(), |e| start + e);
            i = (end + 3).min(b.len());
            continue;
        }
        // The prefix (`f`, `rf`, `b`...) right before the quote.
        let prefix_start = (at.saturating_sub(2)..at).find(|&p| b[p..at].iter().all(u8::is_ascii_alphabetic)).unwrap_or(at);
        let whole_word = prefix_start == 0 || !(b[prefix_start - 1].is_ascii_alphanumeric() || b[prefix_start - 1] == b'_');
        let fstring = whole_word && b[prefix_start..at].iter().any(|c| matches!(c, b'f' | b'F'));
        let (mut j, mut seg, mut depth) = (at + 1, at + 1, 0usize);
        while j < b.len() && b[j] != b'\n' {
            match b[j] {
                b'\\' => {
                    j += 2;
                    continue;
                }
                c if c == q && depth == 0 => break,
                b'{' if fstring && depth == 0 && b.get(j + 1) == Some(&b'{') => {
                    j += 2;
                    continue;
                }
                b'{' if fstring => {
                    if depth == 0 && seg < j {
                        out.push(seg..j);
                    }
                    depth += 1;
                }
                b'}' if fstring && depth > 0 => {
                    depth -= 1;
                    if depth == 0 {
                        seg = j + 1;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        let end = j.min(b.len());
        if depth == 0 && seg < end {
            out.push(seg..end);
        }
        i = (end + 1).min(b.len());
    }
    out
}

impl Import {
    /// The local names the statement binds: each imported name under its
    /// alias (`from m import a as b` binds `b`), or the module under its
    /// alias or its dotted name (`import pkg.mod` is used as `pkg.mod.x`).
    pub fn bound_names(&self) -> Vec<&str> {
        if self.names.is_empty() {
            return vec![self.alias.as_deref().unwrap_or(&self.module)];
        }
        self.names.iter().map(|n| self.name_aliases.iter().find(|(_, orig)| orig == n).map_or(n.as_str(), |(a, _)| a.as_str())).collect()
    }
}

/// Imports of masked source, in order.
pub fn imports(masked: &str) -> Vec<Import> {
    let mut out = Vec::new();
    let mut lines = masked.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let line = raw.trim();
        // Only these lines can be (or continue into) an import: no copy of the others.
        if !(line.starts_with("import") || line.starts_with("from") || line.ends_with('\\')) {
            continue;
        }
        let mut stmt = line.to_string();
        // Parenthesised or backslash-continued imports.
        if (line.starts_with("from ") && line.contains('(') && !line.contains(')')) || line.ends_with('\\') {
            for (_, next) in lines.by_ref() {
                stmt.push(' ');
                stmt.push_str(next.trim());
                if next.contains(')') || (!next.trim_end().ends_with('\\') && !stmt.contains('(')) {
                    break;
                }
            }
        }
        // A statement ends at `;` (`import x; x.run()`).
        let stmt = stmt.split(';').next().unwrap_or("").replace(['(', ')', '\\'], " ");
        let line_no = i as u32 + 1;
        if let Some(rest) = stmt.strip_prefix("import ") {
            for part in rest.split(',') {
                let mut it = part.split_whitespace();
                if let Some(m) = it.next() {
                    let alias = match (it.next(), it.next()) {
                        (Some("as"), Some(a)) => Some(a.to_string()),
                        _ => None,
                    };
                    out.push(Import { module: m.to_string(), names: vec![], name_aliases: vec![], alias, line: line_no });
                }
            }
        } else if let Some(rest) = stmt.strip_prefix("from ") {
            if let Some((m, names)) = rest.split_once(" import ") {
                let mut list = Vec::new();
                let mut name_aliases = Vec::new();
                for part in names.split(',') {
                    let mut w = part.split_whitespace();
                    if let Some(n) = w.next() {
                        list.push(n.to_string());
                        if let (Some("as"), Some(a)) = (w.next(), w.next()) {
                            name_aliases.push((a.to_string(), n.to_string()));
                        }
                    }
                }
                out.push(Import { module: m.trim().to_string(), names: list, name_aliases, alias: None, line: line_no });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn string_spans_cover_literal_text_not_fstring_fields() {
        let src = "print(f\"run `m.push_to_hub('x')` {m.save(p)} {{ok}}\")\nx = 'a(b)' + g(\"c\")\ns = \"\"\"\n  h(1)\n\"\"\"\nt = \"esc\\\" q(2)\"\n";
        let m = mask(src);
        let spans: Vec<&str> = string_spans(m.as_bytes()).into_iter().map(|r| &m[r]).collect();
        assert_eq!(spans, ["run `m.push_to_hub('x')` ", " {{ok}}", "a(b)", "c", "esc\\\" q(2)"]);
        // A name ending in f before a quote is no f-string prefix; an unclosed string ends at its line.
        let m = mask("elf\"{g(1)}\"\ny = 'open(\nz = h(2)\n");
        let spans: Vec<&str> = string_spans(m.as_bytes()).into_iter().map(|r| &m[r]).collect();
        assert_eq!(spans, ["{g(1)}", "open("]);
    }

    #[test]
    fn an_import_binds_its_names_under_their_aliases() {
        let i = super::imports("from m import a as b, c\nimport pkg.mod\nimport pkg.fit as f\n");
        assert_eq!(i[0].bound_names(), ["b", "c"]);
        assert_eq!(i[1].bound_names(), ["pkg.mod"]);
        assert_eq!(i[2].bound_names(), ["f"]);
    }

    #[test]
    fn an_import_statement_ends_at_a_semicolon() {
        let i = super::imports("from pipeline.train import main; main('x')\nimport pkg.fit as f; f.run()\n");
        assert_eq!((i[0].module.as_str(), i[0].names.clone()), ("pipeline.train", vec!["main".to_string()]));
        assert_eq!((i[1].module.as_str(), i[1].alias.as_deref()), ("pkg.fit", Some("f")));
    }

    #[test]
    fn lists_split_at_their_top_level_commas_only() {
        let items: Vec<&str> = split_top_level("cmd: list[str], *, env: dict[str, str] = {'a': 1, 'b': 2}, sep=','").collect();
        assert_eq!(items, vec!["cmd: list[str]", " *", " env: dict[str, str] = {'a': 1, 'b': 2}", " sep=','"]);
        assert_eq!(split_top_level("").collect::<Vec<_>>(), vec![""]);
    }

    #[test]
    fn line_text_is_looked_up_without_the_line_break() {
        let t = "a = 1\r\nb = 2\n\nlast";
        let idx = LineIndex::new(t);
        assert_eq!(idx.text(t, 1), "a = 1");
        assert_eq!(idx.text(t, 2), "b = 2");
        assert_eq!(idx.text(t, 3), "");
        assert_eq!(idx.text(t, 4), "last");
        assert_eq!(idx.text(t, 5), "");
        assert_eq!(idx.text(t, 0), "");
        for (n, l) in t.lines().enumerate() {
            assert_eq!(idx.text(t, n as u32 + 1), l);
        }
    }

    #[test]
    fn closing_paren_nests_and_skips_strings() {
        assert_eq!(closing_paren(b"a, f(b), [c], \"x)\") + 1"), Some(18));
        assert_eq!(closing_paren(b"'it\\'s)', y"), None);
        assert_eq!(closing_paren(b"x"), None);
    }

    use super::*;

    #[test]
    fn masks_comments_and_docstrings_keeps_lines() {
        let src = "x = 1  # mlflow.log_metric('a', 1)\n\"\"\"\nmlflow.start_run()\n\"\"\"\ny = 'keep'\n";
        let m = mask(src);
        assert_eq!(m.len(), src.len());
        assert!(!m.contains("mlflow"));
        assert!(m.contains("'keep'"));
        assert_eq!(m.lines().count(), src.lines().count());
    }

    /// [`mask`] byte by byte, without jumping to the next byte that matters:
    /// what the jumps must agree with.
    fn mask_by_bytes(src: &str) -> String {
        let b = src.as_bytes();
        let mut out = b.to_vec();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'#' => {
                    while i < b.len() && b[i] != b'\n' {
                        out[i] = b' ';
                        i += 1;
                    }
                }
                q @ (b'"' | b'\'') if i + 2 < b.len() && b[i + 1] == q && b[i + 2] == q => {
                    let (start, mut j, mut end) = (i + 3, i + 3, b.len());
                    while j < b.len() {
                        if b[j] == b'\\' {
                            j += 2;
                            continue;
                        }
                        if j + 2 < b.len() && b[j] == q && b[j + 1] == q && b[j + 2] == q {
                            end = j;
                            break;
                        }
                        j += 1;
                    }
                    for byte in out.iter_mut().take(end.min(b.len())).skip(start) {
                        if *byte != b'\n' {
                            *byte = b' ';
                        }
                    }
                    i = (end + 3).min(b.len());
                }
                q @ (b'"' | b'\'') => {
                    let mut j = i + 1;
                    while j < b.len() && b[j] != q && b[j] != b'\n' {
                        if b[j] == b'\\' {
                            j += 1;
                        }
                        j += 1;
                    }
                    i = (j + 1).min(b.len());
                }
                _ => i += 1,
            }
        }
        String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    #[test]
    fn masking_by_jumps_agrees_with_masking_byte_by_byte() {
        let cases = [
            "x = 1  # c\ny = '#' # d",
            r"'''a\''' b'''",
            "\"\"\"doc \\\"\"\" still\"\"\"\nx\n",
            r"s = 'it\'s' # q",
            r"'''never closed \",
            r#"a = """\"#,
            "# only",
            "é = '#é' # ü\n'''ü'''",
            "''",
            "'",
            "\"\"\"a\n# b\n'c'\"\"\" # d\n",
        ];
        let fixtures = crate::fixture_texts(&["py"]);
        assert!(fixtures.len() > 100, "fixtures found: {}", fixtures.len());
        for src in cases.into_iter().chain(fixtures.iter().map(|(_, t)| t.as_str())) {
            assert_eq!(mask(src), mask_by_bytes(src), "{src:?}");
        }
    }

    #[test]
    fn hash_inside_string_is_not_a_comment() {
        let m = mask("url = 'http://x/#frag'; mlflow.log_param('a', 1)\n");
        assert!(m.contains("mlflow.log_param"));
    }

    #[test]
    fn unterminated_triple_quote_does_not_panic() {
        let m = mask("a = '''never closed\nmlflow.start_run()");
        assert!(!m.contains("mlflow"));
    }

    #[test]
    fn parses_imports() {
        let im = imports("import mlflow, os as o\nfrom src.train import (\n  fit,\n  score as s)\nfrom . import utils\n");
        assert_eq!(im[0].module, "mlflow");
        assert_eq!(im[1].alias.as_deref(), Some("o"));
        assert_eq!(im[2].module, "src.train");
        assert_eq!(im[2].names, vec!["fit", "score"]);
        assert_eq!(im[2].name_aliases, vec![("s".to_string(), "score".to_string())]);
        assert_eq!(im[3].module, ".");
        assert_eq!(im[3].line, 5);
    }

    #[test]
    fn line_index() {
        let li = LineIndex::new("a\nb\nc");
        assert_eq!(li.line(0), 1);
        assert_eq!(li.line(2), 2);
        assert_eq!(li.line(4), 3);
    }
}
