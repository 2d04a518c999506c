//! A YAML tree that keeps the line of every node, parsed with `serde-saphyr`
//! (budgets on, strict booleans so `on:` stays a string, merge keys expanded).

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A YAML value with the line it was defined on.
#[derive(Debug, Clone)]
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
#[derive(Debug, Clone)]
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
}
