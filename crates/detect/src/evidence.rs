//! The evidence model: typed, located facts that detectors observe and the
//! linker derives. Evidence never judges; the rule pack does.

use serde::Serialize;
use std::collections::BTreeMap;

/// A span of lines in a repository file (1-based, inclusive).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Repository-relative path with `/` separators.
    pub path: String,
    /// First line of the span (1-based).
    pub start_line: u32,
    /// Last line of the span (inclusive).
    pub end_line: u32,
}

impl Location {
    /// A location spanning `start..=end` in `path`.
    pub fn new(path: impl Into<String>, start_line: u32, end_line: u32) -> Self {
        let start_line = start_line.max(1);
        Location { path: path.into(), start_line, end_line: end_line.max(start_line) }
    }

    /// A single-line location.
    pub fn line(path: impl Into<String>, line: u32) -> Self {
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
    pub kind: String,
    /// The detector (kebab-case, = its module name) or `linker`.
    pub detector: String,
    /// How sure the detector is.
    pub confidence: Confidence,
    /// The source line(s), trimmed and capped.
    pub snippet: String,
    /// Sorted key/values; multi-valued attributes are comma-joined and sorted.
    pub attrs: BTreeMap<String, String>,
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
            kind: kind.to_string(),
            detector: detector.to_string(),
            confidence,
            snippet: snippet(snippet_text),
            attrs: BTreeMap::new(),
            chain: Vec::new(),
        }
    }

    /// Builder: set an attribute.
    pub fn attr(mut self, key: &str, value: impl Into<String>) -> Self {
        self.attrs.insert(key.to_string(), value.into());
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
        self.attrs.insert(key.to_string(), set.into_iter().collect::<Vec<_>>().join(","));
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
