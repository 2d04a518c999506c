//! A YAML tree that keeps the line of every node, parsed with `serde-saphyr`
//! (budgets on, strict booleans so `on:` stays a string, merge keys expanded).
//!
//! Most YAML files are plain trees (no tags, anchors, aliases, merge keys or
//! duplicate keys). Those are built straight from the parser's events
//! ([`parse_plain`]), which costs about half of going through serde; anything
//! else, and any error, goes through `serde-saphyr`, which gives the same
//! tree (tested on every YAML file of the fixtures) and the error messages.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML value with the line it was defined on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// 1-based line where the value is used (for an alias: the alias; for a
    /// block scalar: its first content line).
    pub line: u32,
    /// 1-based line where the value is defined (differs from `line` for
    /// aliases and merged values).
    pub defined_line: u32,
    /// The value.
    pub value: Value,
}

/// YAML value kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Any number, kept as its text form.
    Number(String),
    /// A string scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

struct Raw(Value);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw(Value::Null))
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                Raw::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw(Value::Number(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw(Value::Number(v.to_string())))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
                Ok(Raw(Value::Number(v.to_string())))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
                Ok(Raw(Value::Number(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw(Value::Number(v.to_string())))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw(Value::Str(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Raw, E> {
                Ok(Raw(Value::Str(v)))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw, E> {
                Ok(Raw(Value::Str(String::from_utf8_lossy(v).into_owned())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element::<Spanned<Raw>>()? {
                    v.push(node(x));
                }
                Ok(Raw(Value::Seq(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
                let mut v = Vec::new();
                while let Some(k) = a.next_key::<Spanned<Raw>>()? {
                    let val = a.next_value::<Spanned<Raw>>()?;
                    v.push((node(k), node(val)));
                }
                Ok(Raw(Value::Map(v)))
            }
        }
        d.deserialize_any(V)
    }
}

fn node(s: Spanned<Raw>) -> Node {
    Node { line: s.referenced.line() as u32, defined_line: s.defined.line() as u32, value: s.value.0 }
}

/// A parse failure with its line when known.
#[derive(Debug, Clone)]
pub struct YamlError {
    /// 1-based line, when the parser reported one.
    pub line: Option<u32>,
    /// The parser's message (first line).
    pub message: String,
}

fn options() -> serde_saphyr::Options {
    let mut o = serde_saphyr::Options::default();
    o.strict_booleans = true;
    o.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::LastWins;
    o.with_snippet = false;
    let mut b = serde_saphyr::Budget::default();
    // Real CI files and Kubernetes streams are large; keep bombs out, not them.
    b.max_documents = 10_000;
    b.max_nodes = 2_000_000;
    b.max_events = b.max_events.max(4_000_000);
    b.max_depth = 256;
    o.budget = Some(b);
    // Real CI files replay few aliases; a bomb is cut off early.
    o.alias_limits.max_total_replayed_events = 200_000;
    o
}

/// A parsed YAML stream: its documents, shared with the per-thread cache
/// rather than copied (cloning is a reference count).
#[derive(Debug, Clone)]
pub struct Docs(std::rc::Rc<Vec<Node>>);

impl std::ops::Deref for Docs {
    type Target = [Node];
    fn deref(&self) -> &[Node] {
        &self.0
    }
}

impl<'a> IntoIterator for &'a Docs {
    type Item = &'a Node;
    type IntoIter = std::slice::Iter<'a, Node>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The first document of a YAML stream (a null node when there is none).
#[derive(Debug, Clone)]
pub struct Doc(Docs);

impl From<Docs> for Doc {
    fn from(d: Docs) -> Doc {
        Doc(d)
    }
}

static NULL: Node = Node { line: 1, defined_line: 1, value: Value::Null };

impl std::ops::Deref for Doc {
    type Target = Node;
    fn deref(&self) -> &Node {
        self.0.first().unwrap_or(&NULL)
    }
}

/// A parsed text and its result.
type Parsed = Option<(String, Result<Docs, YamlError>)>;

thread_local! {
    /// The last text parsed on this thread and its result. A scan runs every
    /// detector over one file on one thread, so each YAML file is parsed once
    /// however many detectors read it. Keyed by the whole text (compared, not
    /// hashed), so a hit is never a different file.
    static LAST: std::cell::RefCell<Parsed> = const { std::cell::RefCell::new(None) };
}

/// Parse every document of a YAML stream.
pub fn parse_all(text: &str) -> Result<Docs, YamlError> {
    if let Some(hit) = LAST.with(|c| c.borrow().as_ref().filter(|(t, _)| t == text).map(|(_, r)| r.clone())) {
        return hit;
    }
    let r = parse_uncached(text).map(|d| Docs(std::rc::Rc::new(d)));
    LAST.with(|c| *c.borrow_mut() = Some((text.to_string(), r.clone())));
    r
}

fn parse_uncached(text: &str) -> Result<Vec<Node>, YamlError> {
    if let Some(docs) = parse_plain(text) {
        return Ok(docs);
    }
    parse_serde(text)
}

fn parse_serde(text: &str) -> Result<Vec<Node>, YamlError> {
    let r: Result<Vec<Spanned<Raw>>, _> = serde_saphyr::from_multiple_with_options(text, options());
    match r {
        Ok(docs) => Ok(docs.into_iter().map(node).collect()),
        Err(e) => {
            let msg = e.to_string();
            let line = find_line(&msg);
            let first = msg.lines().next().unwrap_or("YAML parse error").trim().to_string();
            Err(YamlError { line, message: first })
        }
    }
}

/// A collection being built from events: its line, its items, and for a
/// mapping the key waiting for its value.
enum Open {
    Seq(u32, Vec<Node>),
    Map(u32, Vec<(Node, Node)>, Option<Node>),
}

/// Build the documents of a plain YAML stream from the parser's events, as
/// `serde-saphyr` would with [`options`]: `None` (read it with serde) for a
/// parse error, a tag, an anchor or alias, a merge key, a duplicate or
/// non-scalar key, a plain scalar whose type is not plainly a string, bool,
/// null, decimal integer or decimal fraction, or a stream over the budgets.
/// Null documents are skipped, as `serde-saphyr` skips them.
fn parse_plain(text: &str) -> Option<Vec<Node>> {
    use serde_saphyr::granit_parser::{Event, Parser, StrInput};
    let budget = options().budget?;
    let mut po = serde_saphyr::granit_parser::Options::default();
    po.simple_key_max_lookahead = budget.simple_key_max_lookahead;
    po.flow_nesting_limit = budget.flow_nesting_limit;
    po.block_nesting_limit = po.block_nesting_limit.max(budget.max_depth.saturating_add(1));
    let mut docs = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let (mut nodes, mut events, mut documents) = (0usize, 0usize, 0usize);
    for item in Parser::with_options(StrInput::new(text), po) {
        let (ev, span) = item.ok()?;
        events += 1;
        if events > budget.max_events {
            return None;
        }
        let line = span.start.line() as u32;
        let done = match ev {
            Event::StreamStart | Event::StreamEnd => continue,
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > budget.max_documents {
                    return None;
                }
                continue;
            }
            Event::DocumentEnd => {
                if let Some(r) = root.take().filter(|r| !matches!(r.value, Value::Null)) {
                    docs.push(r);
                }
                continue;
            }
            Event::Scalar(v, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                let value =
                    if style == serde_saphyr::granit_parser::ScalarStyle::Plain { plain_scalar(v)? } else { Value::Str(v.into_owned()) };
                Node { line, defined_line: line, value }
            }
            Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag) if anchor != 0 || tag.is_some() => return None,
            Event::SequenceStart(..) => {
                stack.push(Open::Seq(line, Vec::new()));
                if stack.len() > budget.max_depth {
                    return None;
                }
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Open::Map(line, Vec::new(), None));
                if stack.len() > budget.max_depth {
                    return None;
                }
                continue;
            }
            Event::SequenceEnd => match stack.pop()? {
                Open::Seq(l, items) => Node { line: l, defined_line: l, value: Value::Seq(items) },
                Open::Map(..) => return None,
            },
            Event::MappingEnd => match stack.pop()? {
                Open::Map(l, pairs, None) => {
                    if has_duplicate_keys(&pairs) {
                        return None;
                    }
                    Node { line: l, defined_line: l, value: Value::Map(pairs) }
                }
                _ => return None,
            },
            _ => return None,
        };
        nodes += 1;
        if nodes > budget.max_nodes {
            return None;
        }
        match stack.last_mut() {
            None => root = Some(done),
            Some(Open::Seq(_, items)) => items.push(done),
            Some(Open::Map(_, pairs, key)) => match key.take() {
                Some(k) => pairs.push((k, done)),
                None => {
                    // Only scalar keys, and no merge key (`<<`).
                    match &done.value {
                        Value::Str(k) if k == "<<" => return None,
                        Value::Seq(_) | Value::Map(_) => return None,
                        _ => *key = Some(done),
                    }
                }
            },
        }
    }
    (stack.is_empty() && root.is_none()).then_some(docs)
}

/// A plain scalar's value as `serde-saphyr` types it with strict booleans,
/// or `None` when that is not plain (a number in another radix or with
/// leading zeros, signs, exponents, underscores or special floats: serde
/// decides those).
fn plain_scalar(v: std::borrow::Cow<'_, str>) -> Option<Value> {
    let t: &str = &v;
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let b = t.as_bytes();
    if b[0].is_ascii_whitespace() || b[b.len() - 1].is_ascii_whitespace() {
        return None;
    }
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let first = digits.as_bytes().first().copied();
    match first {
        // A leading plus, a lone minus, `.inf`/`.nan`/`.5` spellings: serde's.
        _ if b[0] == b'+' => return None,
        None | Some(b'.') => return None,
        Some(c) if !c.is_ascii_digit() => return Some(Value::Str(v.into_owned())),
        _ => {}
    }
    let plain_digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    let no_leading_zero = |s: &str| s.len() == 1 || !s.starts_with('0');
    if plain_digits(digits) {
        if !no_leading_zero(digits) {
            return None;
        }
        return if neg {
            t.parse::<i64>().ok().map(|n| Value::Number(n.to_string()))
        } else {
            t.parse::<u64>().ok().map(|n| Value::Number(n.to_string()))
        };
    }
    if let Some((int, frac)) = digits.split_once('.') {
        if plain_digits(int) && plain_digits(frac) && no_leading_zero(int) {
            return t.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| Value::Number(f.to_string()));
        }
    }
    // Not a number in any YAML form: a second dot (versions), a sign inside
    // that does not follow an exponent (dates), or a character no numeral
    // has (`3.10-slim`, `10m`).
    let dots = digits.bytes().filter(|&c| c == b'.').count();
    let inner_sign = digits.bytes().enumerate().any(|(i, c)| (c == b'-' || c == b'+') && !matches!(digits.as_bytes()[i - 1], b'e' | b'E'));
    let foreign = digits.bytes().any(|c| !(c.is_ascii_hexdigit() || matches!(c, b'.' | b'+' | b'-' | b'_' | b'x' | b'X' | b'o' | b'O')));
    (dots > 1 || inner_sign || foreign).then(|| Value::Str(v.into_owned()))
}

/// Two keys of a mapping with the same scalar value (serde keeps the last;
/// the plain reader leaves such mappings to it).
fn has_duplicate_keys(pairs: &[(Node, Node)]) -> bool {
    // By text alone: `1` and `"1"` count as the same key here.
    fn text(n: &Node) -> Option<&str> {
        match &n.value {
            Value::Null => Some(""),
            Value::Bool(b) => Some(if *b { "true" } else { "false" }),
            Value::Number(s) | Value::Str(s) => Some(s),
            _ => None,
        }
    }
    if pairs.len() < 16 {
        return pairs.iter().enumerate().any(|(i, (k, _))| pairs[..i].iter().any(|(o, _)| text(o) == text(k)));
    }
    let mut seen = std::collections::HashSet::with_capacity(pairs.len());
    pairs.iter().any(|(k, _)| !seen.insert(text(k)))
}

/// Parse a single-document YAML file (the first document when there are several).
pub fn parse(text: &str) -> Result<Doc, YamlError> {
    parse_all(text).map(Doc)
}

/// The keys of a YAML stream's top-level block mappings, read from the lines
/// that start at column 0, without parsing. `None` when the top level is not
/// plain block mappings that a line scan can read: a sequence or flow
/// collection, an indented root, a tag, anchor, alias or merge key at the
/// root, a document marker with content. Then only a parse can tell.
///
/// A line at column 0 inside a multi-line quoted scalar may add a key that
/// is not one: the answer can hold too much, never too little, so a caller
/// that skips parsing when a key it needs is absent never misses a document
/// whose top level has it.
pub fn top_level_keys(text: &str) -> Option<Vec<&str>> {
    let mut keys = Vec::new();
    let mut content = false;
    for line in text.trim_start_matches('\u{feff}').lines() {
        let Some(&first) = line.as_bytes().first() else { continue };
        match first {
            b' ' | b'\t' => {
                let t = line.trim_start();
                // An indented first line: the root itself is indented.
                if !content && !t.is_empty() && !t.starts_with('#') {
                    return None;
                }
                continue;
            }
            b'#' => continue,
            b'%' if !content => continue,
            _ => {}
        }
        if line == "..." {
            continue;
        }
        if let Some(rest) = line.strip_prefix("---").filter(|r| r.is_empty() || r.starts_with([' ', '\t'])) {
            let rest = rest.trim_start();
            if !(rest.is_empty() || rest.starts_with('#')) {
                return None;
            }
            content = false;
            continue;
        }
        // `key:` then `- item` at column 0: the key's sequence, not the root.
        if content && (line == "-" || line.starts_with("- ") || line.starts_with("-\t")) {
            continue;
        }
        content = true;
        keys.push(block_key(line)?);
    }
    Some(keys)
}

/// The key of a `key:` line at column 0 (plain or quoted without escapes).
fn block_key(line: &str) -> Option<&str> {
    let (key, rest) = match line.as_bytes()[0] {
        q @ (b'"' | b'\'') => {
            let end = line[1..].find(q as char)? + 1;
            let key = &line[1..end];
            if key.contains('\\') {
                return None;
            }
            (key, line[end + 1..].trim_start_matches([' ', '\t']))
        }
        b'-' | b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>' | b'@' | b'`' => return None,
        _ => {
            // `key: value`, `key:` or `key :`; a colon inside a plain key is
            // only an indicator when followed by a space or the line's end.
            let b = line.as_bytes();
            let at = (0..b.len()).find(|&i| b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' ' || b[i + 1] == b'\t'))?;
            let key = line[..at].trim_end_matches([' ', '\t']);
            if key.contains(" #") || key.contains("\t#") || key == "<<" {
                return None;
            }
            (key, &line[at..])
        }
    };
    let after = rest.strip_prefix(':')?;
    (after.is_empty() || after.starts_with([' ', '\t'])).then_some(key)
}

/// True unless the top-level keys are known ([`top_level_keys`]) and none
/// is in `wanted`: a detector that reads only documents with one of
/// `wanted` at the top skips the parse when this is false.
pub fn may_have_top_key(text: &str, wanted: &[&str]) -> bool {
    top_level_keys(text).is_none_or(|keys| keys.iter().any(|k| wanted.contains(k)))
}

fn find_line(msg: &str) -> Option<u32> {
    // serde-saphyr messages carry "line N" (and "at line N column M").
    let idx = msg.find("line ")?;
    let digits: String = msg[idx + 5..].chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

impl Node {
    /// The mapping value for `key`, if this is a mapping holding it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key node for `key` (for its line).
    pub fn key(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(m) => m.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(k, _)| k),
            _ => None,
        }
    }

    /// Follow a path of keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |n, k| n.get(k))
    }

    /// The string form of a scalar (strings, numbers and booleans).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) | Value::Number(s) => Some(s),
            Value::Bool(true) => Some("true"),
            Value::Bool(false) => Some("false"),
            _ => None,
        }
    }

    /// Mapping entries (empty for other kinds).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    /// Sequence items (empty for other kinds).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    /// True for a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// True for null.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A scalar or each scalar of a sequence, as strings.
    pub fn strings(&self) -> Vec<&str> {
        match &self.value {
            Value::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
            _ => self.as_str().into_iter().collect(),
        }
    }

    /// Largest line number anywhere in this subtree (for spans).
    pub fn last_line(&self) -> u32 {
        let own = self.line.max(self.defined_line.min(self.line));
        match &self.value {
            Value::Seq(s) => s.iter().map(Node::last_line).max().unwrap_or(own).max(own),
            Value::Map(m) => m.iter().map(|(k, v)| k.last_line().max(v.last_line())).max().unwrap_or(own).max(own),
            Value::Str(s) => own + s.trim_end_matches('\n').matches('\n').count() as u32,
            _ => own,
        }
    }

    /// Line of the first mapping key in the subtree (depth first) for which
    /// `pred` holds.
    pub fn find_key_line(&self, pred: &dyn Fn(&str) -> bool) -> Option<u32> {
        let mut found = None;
        self.walk(&mut |n| {
            if found.is_none() {
                found = n.entries().iter().find(|(k, _)| k.as_str().is_some_and(pred)).map(|(k, _)| k.line);
            }
        });
        found
    }

    /// Visit every node of the subtree, depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Node)) {
        f(self);
        match &self.value {
            Value::Seq(s) => s.iter().for_each(|n| n.walk(f)),
            Value::Map(m) => m.iter().for_each(|(k, v)| {
                k.walk(f);
                v.walk(f);
            }),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_lines_and_on_key() {
        let n = parse("on:\n  push:\n    branches: [main]\nrun: |\n  pytest -q\n").unwrap();
        assert!(n.get("on").is_some(), "`on` must stay a string key");
        assert_eq!(n.key("run").unwrap().line, 4);
        assert_eq!(n.get("run").unwrap().line, 5);
        assert_eq!(n.path(&["on", "push", "branches"]).unwrap().strings(), vec!["main"]);
    }

    #[test]
    fn merge_keys_expand() {
        let n = parse("a: &x\n  k: 1\nb:\n  <<: *x\n  z: 2\n").unwrap();
        assert_eq!(n.path(&["b", "k"]).unwrap().as_str(), Some("1"));
    }

    #[test]
    fn errors_carry_a_line() {
        let e = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(!e.message.is_empty());
    }

    #[test]
    fn top_level_keys_are_read_from_column_zero_or_unknown() {
        let keys = |t: &str| top_level_keys(t).map(|k| k.join(","));
        let doc = "# c\n%YAML 1.2\n---\ntrigger: none\n\"pool\" :\n  vmImage: x\nsteps:\n- script: |\n    a: b\n...\n--- # two\njobs: []\nurl: http://x\n";
        assert_eq!(keys(doc).as_deref(), Some("trigger,pool,steps,jobs,url"));
        assert_eq!(keys("").as_deref(), Some(""));
        assert_eq!(keys("a:b: c\n").as_deref(), Some("a:b"));
        assert_eq!(keys("\u{feff}k: 1\r\nj: 2\r\n").as_deref(), Some("k,j"));
        // What a line scan cannot read is unknown: callers parse.
        for t in [
            "- a\n",
            "{steps: []}\n",
            "  steps: []\n",
            "--- !Tag\nsteps: []\n",
            "--- {a: 1}\n",
            "&a steps: []\n",
            "<<: *x\n",
            "? complex\n: v\n",
            "\"a\\\"b\": 1\n",
            "just a scalar\n",
            "k # not: a key\n",
        ] {
            assert_eq!(keys(t), None, "{t:?}");
        }
        // Every top-level key a parse sees is among the keys read.
        for t in [doc, "a: 1\n---\nb:\n  c: 2\n", "'q': 1\nr: \"x\"\n", "k: >\n  folded\nl: [1,\n  2]\n"] {
            let read = top_level_keys(t).unwrap();
            for d in &parse_all(t).unwrap() {
                for (k, _) in d.entries() {
                    assert!(read.contains(&k.as_str().unwrap()), "{t:?}: {:?} not in {read:?}", k.as_str());
                }
            }
        }
        assert_eq!(keys("---x: 1\n"), None);
        assert!(may_have_top_key("a: 1\n", &["a"]) && !may_have_top_key("a: 1\n", &["b"]) && may_have_top_key("- a\n", &["b"]));
    }

    /// Every YAML file of the fixtures: the keys read hold every top-level
    /// key a parse finds.
    #[test]
    fn top_level_keys_hold_every_parsed_top_key_of_the_fixtures() {
        let (mut read, mut unknown) = (0, 0);
        for (p, text) in crate::fixture_texts(&["yml", "yaml"]) {
            let Ok(docs) = parse_all(&text) else { continue };
            let Some(keys) = top_level_keys(&text) else {
                unknown += 1;
                continue;
            };
            read += 1;
            for d in &docs {
                for (k, _) in d.entries() {
                    let k = k.as_str().unwrap_or_default();
                    assert!(keys.contains(&k), "{}: top-level key {k:?} not in {keys:?}", p.display());
                }
            }
        }
        assert!(read > 100 && unknown < read / 5, "{read} read, {unknown} unknown");
    }

    /// Detectors reading the same file share one parsed tree: no copy.
    #[test]
    fn a_text_parsed_again_shares_the_tree() {
        let (a, b) = (parse_all("k: 1\n").unwrap(), parse_all("k: 1\n").unwrap());
        assert!(std::rc::Rc::ptr_eq(&a.0, &b.0));
        let c = parse_all("k: 2\n").unwrap();
        assert!(!std::rc::Rc::ptr_eq(&a.0, &c.0));
        assert_eq!(parse("k: 2\n").unwrap().get("k").and_then(Node::as_str), Some("2"));
        assert!(parse("").unwrap().is_null());
    }

    #[test]
    fn billion_laughs_is_rejected_quickly() {
        let mut s = String::from("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for i in 1..10 {
            let p = i - 1;
            s.push_str(&format!("a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"));
        }
        assert!(parse(&s).is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = "[".repeat(100_000);
        assert!(parse(&s).is_err());
    }

    fn yaml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let (p, ft) = (e.path(), e.file_type().unwrap());
            let ft = if ft.is_symlink() { std::fs::metadata(&p).map(|m| m.file_type()).unwrap_or(ft) } else { ft };
            if ft.is_dir() && e.file_name() != ".git" {
                yaml_files(&p, out);
            } else if ft.is_file() && p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                out.push(p);
            }
        }
    }

    /// The plain reader gives the tree serde gives, on every YAML file of
    /// the fixtures (and of `MLOPS_LEVEL_YAML_CORPUS`, a folder, when set),
    /// and reads most of them itself.
    #[test]
    fn plain_reader_agrees_with_serde_on_every_fixture() {
        let mut files = Vec::new();
        yaml_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures"), &mut files);
        let fixtures = files.len();
        if let Some(extra) = std::env::var_os("MLOPS_LEVEL_YAML_CORPUS") {
            yaml_files(std::path::Path::new(&extra), &mut files);
        }
        let mut plain = 0;
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else { continue };
            if let Some(fast) = parse_plain(&text) {
                plain += 1;
                let slow = parse_serde(&text);
                assert!(slow.as_ref().is_ok_and(|s| *s == fast), "{}: plain {fast:?}\nserde {slow:?}", f.display());
            }
        }
        eprintln!("{plain} of {} read plainly", files.len());
        assert!(fixtures > 300 && plain * 10 > files.len() * 8, "{plain} of {} read plainly", files.len());
    }

    #[test]
    fn plain_scalars_are_typed_as_serde_types_them() {
        for (text, want) in [
            ("k: 3.10\n", Some(Value::Number("3.1".into()))),
            ("k: -7\n", Some(Value::Number("-7".into()))),
            ("k: 1.2.3\n", Some(Value::Str("1.2.3".into()))),
            ("k: 2024-01-01\n", Some(Value::Str("2024-01-01".into()))),
            ("k: 3.10-slim\n", Some(Value::Str("3.10-slim".into()))),
            ("k: True\n", Some(Value::Bool(true))),
            ("k: yes\n", Some(Value::Str("yes".into()))),
            ("k: ~\n", Some(Value::Null)),
            ("k: '1'\n", Some(Value::Str("1".into()))),
            // Left to serde: radix, leading zero, exponent, special floats.
            ("k: 0x1F\n", None),
            ("k: 007\n", None),
            ("k: 1e3\n", None),
            ("k: .inf\n", None),
            ("k: +1\n", None),
        ] {
            let fast = parse_plain(text);
            assert_eq!(fast.as_ref().map(|d| d[0].get("k").unwrap().value.clone()), want, "{text}");
            if let Some(fast) = fast {
                assert_eq!(fast, parse_serde(text).unwrap(), "{text}");
            }
        }
        for text in ["a: &x 1\nb: *x\n", "<<: {a: 1}\n", "k: !Ref x\n", "k: 1\nk: 2\n", "? [a]\n: 1\n", "k: [\n"] {
            assert!(parse_plain(text).is_none(), "{text} is serde's");
        }
        assert!(parse_plain("---\n---\nk: 1\n").is_some_and(|d| d.len() == 1), "null documents are skipped");
    }
}
