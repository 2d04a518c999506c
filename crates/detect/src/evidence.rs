//! The evidence model: typed, located facts that detectors observe and the
//! linker derives. Evidence never judges; the rule pack does.

use serde::Serialize;
use std::borrow::Cow;

/// An evidence kind or detector name: borrowed from the declared names
/// (see [`name`]), owned otherwise.
pub type Name = Cow<'static, str>;

/// `s` as a [`Name`]. The declared kinds and the detectors' names are
/// borrowed, so the items of a scan (tens of thousands in a large one) do
/// not each hold a copy of them.
pub fn name(s: &str) -> Name {
    static NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
        let detectors = crate::detectors::all();
        let mut v: Vec<&'static str> =
            crate::kinds::KINDS.iter().map(|k| k.name).chain(detectors.iter().map(|d| d.name())).chain(["linker", "walk"]).collect();
        v.sort_unstable();
        v.dedup();
        v
    });
    match NAMES.binary_search(&s) {
        Ok(i) => Cow::Borrowed(NAMES[i]),
        Err(_) => Cow::Owned(s.to_string()),
    }
}

/// A repository-relative path (`/` separators) held by reference count:
/// copies share one string. The locations of a file's evidence, of its
/// units' commands and of the provenance chains that pass through it hold
/// one copy of its path between them (see [`crate::Output`]'s compaction),
/// where a `String` each held one apiece: a large scan holds a location or
/// two per evidence item. A `str` in comparison, ordering, hashing and
/// output.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PathName(std::sync::Arc<str>);

impl PathName {
    /// The path as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when both hold the same string (not only equal ones).
    pub fn shares(&self, other: &PathName) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::ops::Deref for PathName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for PathName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for PathName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PathName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for PathName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for PathName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl From<&str> for PathName {
    fn from(s: &str) -> Self {
        PathName(s.into())
    }
}

impl From<&String> for PathName {
    fn from(s: &String) -> Self {
        PathName(s.as_str().into())
    }
}

impl From<String> for PathName {
    fn from(s: String) -> Self {
        PathName(s.into())
    }
}

impl PartialEq<&str> for PathName {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<PathName> for String {
    fn eq(&self, other: &PathName) -> bool {
        **self == *other.0
    }
}

/// A span of lines in a repository file (1-based, inclusive).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Repository-relative path with `/` separators.
    pub path: PathName,
    /// First line of the span (1-based).
    pub start_line: u32,
    /// Last line of the span (inclusive).
    pub end_line: u32,
}

impl Location {
    /// A location spanning `start..=end` in `path`.
    pub fn new(path: impl Into<PathName>, start_line: u32, end_line: u32) -> Self {
        let start_line = start_line.max(1);
        Location { path: path.into(), start_line, end_line: end_line.max(start_line) }
    }

    /// A single-line location.
    pub fn line(path: impl Into<PathName>, line: u32) -> Self {
        Self::new(path, line, line)
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.start_line)
    }
}

/// How sure a detector is that the fact holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Heuristic (naming, weak signal).
    Low,
    /// Structural match with some ambiguity.
    Medium,
    /// Parsed structure or an unambiguous API call.
    High,
}

/// One typed, located fact about the repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence {
    /// Where the fact was observed.
    pub location: Location,
    /// Dotted `domain.fact` kind, declared by its detector (see [`crate::kinds`]).
    pub kind: Name,
    /// The detector (kebab-case, = its module name) or `linker`.
    pub detector: Name,
    /// How sure the detector is.
    pub confidence: Confidence,
    /// The source line(s), trimmed and capped.
    pub snippet: String,
    /// Sorted key/values; multi-valued attributes are comma-joined and sorted.
    pub attrs: Attrs,
    /// Provenance for derived facts: the chain of locations that led here,
    /// starting at the launcher (e.g. a CI step) and ending at this fact.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<Location>,
}

/// Longest snippet kept, in characters.
pub const SNIPPET_MAX: usize = 160;

/// Trim and cap a snippet so output stays small and stable.
pub fn snippet(text: &str) -> String {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    if first.chars().count() > SNIPPET_MAX {
        let mut s: String = first.chars().take(SNIPPET_MAX - 1).collect();
        s.push('…');
        s
    } else {
        first.to_string()
    }
}

impl Evidence {
    /// A new evidence item with no attributes.
    pub fn new(kind: &str, detector: &str, location: Location, confidence: Confidence, snippet_text: &str) -> Self {
        Evidence {
            location,
            kind: name(kind),
            detector: name(detector),
            confidence,
            snippet: snippet(snippet_text),
            attrs: Attrs::default(),
            chain: Vec::new(),
        }
    }

    /// Builder: set an attribute.
    pub fn attr(mut self, key: &str, value: impl Into<String>) -> Self {
        self.attrs.insert(key, value.into());
        self
    }

    /// Values of a (possibly multi-valued) attribute.
    pub fn attr_values(&self, key: &str) -> impl Iterator<Item = &str> {
        self.attrs.get(key).map(|v| v.split(',').filter(|s| !s.is_empty())).into_iter().flatten()
    }

    /// Add values to a multi-valued attribute, keeping it sorted and unique.
    pub fn add_attr_values<'a>(&mut self, key: &str, values: impl IntoIterator<Item = &'a str>) {
        let mut set: std::collections::BTreeSet<String> = self.attr_values(key).map(str::to_string).collect();
        set.extend(values.into_iter().map(str::to_string));
        self.attrs.insert(key, set.into_iter().collect::<Vec<_>>().join(","));
    }
}

/// An evidence item's attributes: key/value pairs sorted by key, each key
/// once. A map in behaviour (and in JSON and in order), held as one string:
/// `key\0value\0` per pair, in key order. Items carry two to six short
/// attributes; as a vector of `String` pairs each took about 250 bytes in
/// seven allocations, as one string about 60 in one, and evidence is what a
/// large scan holds most of. A NUL in a value is held as U+FFFD.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Attrs(Box<str>);

/// Key/value pairs of an [`Attrs`], in key order.
pub struct AttrsIter<'a>(std::str::SplitTerminator<'a, char>);

impl<'a> Iterator for AttrsIter<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<Self::Item> {
        Some((self.0.next()?, self.0.next().unwrap_or("")))
    }
}

impl Attrs {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().take_while(|(k, _)| *k <= key).find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// True when `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Set `key` to `value`, returning the value it replaces.
    pub fn insert(&mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> Option<String> {
        let (key, value) = (key.as_ref(), value.as_ref());
        debug_assert!(!key.contains('\0'), "attribute names hold no NUL");
        let mut old = None;
        // A NUL would end the value early: held as U+FFFD.
        let value = match value.contains('\0') {
            true => std::borrow::Cow::Owned(value.replace('\0', "\u{fffd}")),
            false => std::borrow::Cow::Borrowed(value),
        };
        let mut s = String::with_capacity(self.0.len() + key.len() + value.len() + 2);
        let mut placed = false;
        for (k, v) in self.iter() {
            if !placed && k >= key {
                push_pair(&mut s, key, &value);
                placed = true;
                if k == key {
                    old = Some(v.to_string());
                    continue;
                }
            }
            push_pair(&mut s, k, v);
        }
        if !placed {
            push_pair(&mut s, key, &value);
        }
        // Exactly sized: most items take an attribute or two after
        // detection (the linker's).
        self.0 = s.into_boxed_str();
        old
    }

    /// Remove `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let old = self.get(key)?.to_string();
        let mut s = String::with_capacity(self.0.len() - key.len() - old.len() - 2);
        for (k, v) in self.iter().filter(|(k, _)| *k != key) {
            push_pair(&mut s, k, v);
        }
        self.0 = s.into_boxed_str();
        Some(old)
    }

    /// Key/value pairs in key order.
    pub fn iter(&self) -> AttrsIter<'_> {
        AttrsIter(self.0.split_terminator('\0'))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.bytes().filter(|b| *b == 0).count() / 2
    }

    /// True when no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Append one `key\0value\0` pair of an [`Attrs`] string.
fn push_pair(s: &mut String, key: &str, value: &str) {
    s.push_str(key);
    s.push('\0');
    s.push_str(value);
    s.push('\0');
}

impl PartialOrd for Attrs {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Attrs {
    /// As the map of the pairs orders: pair by pair.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.iter().cmp(other.iter())
    }
}

impl std::fmt::Debug for Attrs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for Attrs {
    type Output = str;
    /// The value of `key`; panics when it is not set, as a map does.
    fn index(&self, key: &str) -> &str {
        self.get(key).unwrap_or_else(|| panic!("no attribute `{key}`"))
    }
}

impl<'a> IntoIterator for &'a Attrs {
    type Item = (&'a str, &'a str);
    type IntoIter = AttrsIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<K: AsRef<str>, V: AsRef<str>> FromIterator<(K, V)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut a = Attrs::default();
        for (k, v) in iter {
            a.insert(k, v);
        }
        a
    }
}

impl Serialize for Attrs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// A problem met while scanning (not a finding about practice): unparsable
/// files, files over the size cap, symlink loops, special files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ScanIssue {
    /// Repository-relative path (`.` for the root).
    pub path: String,
    /// Line, when the problem has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Stable kebab-case kind: `yaml-parse`, `json-parse`, `invalid-utf8`,
    /// `file-too-large`, `symlink-loop`, `symlink-broken`, `symlink-escapes-root`,
    /// `not-regular-file`, `unreadable`, `name-collision` (two names that are
    /// not UTF-8 decode to one path), `walk-error`, `unresolved-reference`
    /// (a launched command names a script the scan cannot follow).
    pub kind: String,
    /// What happened, for people.
    pub message: String,
}

impl ScanIssue {
    /// A new issue.
    pub fn new(path: &str, line: Option<u32>, kind: &str, message: impl Into<String>) -> Self {
        ScanIssue { path: path.to_string(), line, kind: kind.to_string(), message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn attrs_behave_as_a_sorted_map() {
        let mut a = Attrs::default();
        assert_eq!(a.insert("tool", "mlflow"), None);
        assert_eq!(a.insert("acts", "no"), None);
        assert_eq!(a.insert("tool", "wandb"), Some("mlflow".into()));
        assert_eq!(a.keys().collect::<Vec<_>>(), ["acts", "tool"]);
        assert_eq!((a.len(), a.get("tool"), a.contains_key("x")), (2, Some("wandb"), false));
        assert_eq!(&a["acts"], "no");
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"acts":"no","tool":"wandb"}"#);
        assert_eq!(a.remove("acts").as_deref(), Some("no"));
        assert!(a.remove("acts").is_none() && a.len() == 1);
    }

    /// Held as one string: empty values, keys that prefix one another,
    /// inserts and removals in the middle, and a NUL in a value (held as
    /// U+FFFD) keep every pair whole.
    #[test]
    fn attrs_keep_pairs_whole_in_one_string() {
        let mut a: Attrs = [("b", ""), ("bb", "x,y"), ("d", "4")].into_iter().collect();
        assert_eq!(a.iter().collect::<Vec<_>>(), [("b", ""), ("bb", "x,y"), ("d", "4")]);
        assert_eq!((a.get("b"), a.get("bb"), a.get("a"), a.get("c"), a.get("e")), (Some(""), Some("x,y"), None, None, None));
        a.insert("c", "3");
        a.insert("a", "1");
        assert_eq!(a.keys().collect::<Vec<_>>(), ["a", "b", "bb", "c", "d"]);
        assert_eq!(a.remove("bb").as_deref(), Some("x,y"));
        assert_eq!(a.remove("b").as_deref(), Some(""));
        assert_eq!(a.iter().collect::<Vec<_>>(), [("a", "1"), ("c", "3"), ("d", "4")]);
        a.insert("n", "x\0y");
        assert_eq!((a.get("n"), a.len()), (Some("x\u{fffd}y"), 4));
        assert_eq!(format!("{a:?}"), "{\"a\": \"1\", \"c\": \"3\", \"d\": \"4\", \"n\": \"x\u{fffd}y\"}");
    }

    /// Declared kinds and detector names are borrowed; anything else (a
    /// catalogue file's own kind) is held as given.
    #[test]
    fn names_are_borrowed_when_declared() {
        for n in ["code.train", "test.case", "python", "linker", "walk", "github-actions"] {
            assert!(matches!(name(n), Cow::Borrowed(b) if b == n), "{n}");
        }
        assert!(matches!(name("code.trains"), Cow::Owned(o) if o == "code.trains"));
        let e = Evidence::new("code.train", "python", Location::line("a.py", 1), Confidence::High, "fit()");
        assert!(matches!((&e.kind, &e.detector), (Cow::Borrowed(_), Cow::Borrowed(_))));
    }

    /// Evidence is sorted with its attributes: the order must be the map's.
    #[test]
    fn attrs_order_as_the_map_did() {
        let sets: [&[(&str, &str)]; 8] = [
            &[],
            &[("a", "1")],
            &[("a", "1"), ("b", "0")],
            &[("a", "2")],
            &[("b", "0"), ("c", "9")],
            &[("a", "")],
            &[("ab", "1")],
            &[("a", "1"), ("ab", "")],
        ];
        for x in sets {
            for y in sets {
                let (ax, ay): (Attrs, Attrs) = (x.iter().copied().collect(), y.iter().copied().collect());
                let (mx, my): (BTreeMap<_, _>, BTreeMap<_, _>) = (x.iter().copied().collect(), y.iter().copied().collect());
                assert_eq!(ax.cmp(&ay), mx.cmp(&my), "{x:?} vs {y:?}");
            }
        }
    }
}
