//! Repository paths: joining and normalising repo-relative paths, and
//! classifying files and names by what they say (test code, Kedro
//! configuration, environment names). Shared
//! by the detectors and the linker, so that neither depends on the other for
//! them.

/// True for `.yml` / `.yaml` paths.
pub fn is_yaml(path: &str) -> bool {
    path.ends_with(".yml") || path.ends_with(".yaml")
}

/// Resolve `.` and `..` in a repo-relative path; `None` if it would leave the root.
pub fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join("/"))
}

/// Join a repo-relative directory and a relative path (normalized; an
/// escaping path stays unresolved and so matches no file).
pub fn join(dir: &str, rel: &str) -> String {
    let rel = rel.trim_start_matches("./");
    let s = if dir.is_empty() || rel.starts_with('/') { rel.trim_start_matches('/').to_string() } else { format!("{dir}/{rel}") };
    normalize(&s).unwrap_or_else(|| format!("../{s}"))
}

/// True for paths of test code (pytest/unittest conventions).
pub fn is_test_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with("_tests.py")
        || matches!(name, "test.py" | "tests.py" | "conftest.py")
        || path.split('/').any(|c| c == "tests" || c == "test")
}

/// JavaScript / TypeScript test files (jest, vitest, mocha conventions).
pub fn is_js_test(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let js = [".js", ".ts", ".jsx", ".tsx", ".mjs", ".cjs"].iter().any(|e| name.ends_with(e));
    js && (name.contains(".test.") || name.contains(".spec.") || path.contains("__tests__/"))
}

/// Test files of compiled languages' runners: Rust (`#[test]`), Go
/// (`*_test.go`), C/C++ (gtest), Java/Kotlin (JUnit).
pub fn other_test_family(path: &str) -> Option<(&'static str, &'static str)> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.ends_with(".rs") {
        Some(("rust", "#[test]"))
    } else if name.ends_with("_test.go") {
        Some(("go", "func Test"))
    } else if [".cc", ".cpp", ".cxx", ".c"].iter().any(|e| name.ends_with(e)) && (name.contains("test") || path.contains("/test")) {
        Some(("cpp", "TEST"))
    } else if (name.ends_with("Test.java") || name.ends_with("Test.kt") || name.ends_with("Tests.java")) && path.contains("/test/") {
        Some(("jvm", "@Test"))
    } else {
        None
    }
}

/// True for Kedro configuration files this detector reads.
pub fn is_kedro_conf(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    (path.starts_with("conf/") || path.contains("/conf/")) && is_yaml(path) && (name.starts_with("catalog") || name.starts_with("mlflow"))
}

/// The environment class a name stands for (`dev`, `test`, `staging`,
/// `prod`), read from its last word that names one (`deploy-staging`).
pub fn env_class(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    lower.split(|c: char| !c.is_ascii_alphanumeric()).filter_map(env_token).next_back()
}

fn env_token(n: &str) -> Option<&'static str> {
    Some(match n {
        _ if n.starts_with("dev") || n == "sandbox" => "dev",
        "" => return None,
        _ if n.starts_with("test") || n == "qa" || n == "ci" || n == "int" || n.starts_with("integration") => "test",
        _ if n.starts_with("stag") || n.starts_with("preprod") || n == "uat" || n.starts_with("pre-prod") => "staging",
        _ if n.starts_with("prod") || n == "live" || n == "prd" => "prod",
        _ => return None,
    })
}

/// The repository's file paths, sorted and without duplicates: one copy of
/// each, addressed by position. Lookups are binary searches, and the files
/// under a folder are one contiguous range, so no question about the tree
/// walks every path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PathSet {
    paths: Vec<String>,
}

impl PathSet {
    /// The empty set.
    pub(crate) const EMPTY: PathSet = PathSet { paths: Vec::new() };

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// True when there is no path.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The set of paths already sorted and without duplicates, as a listing
    /// gives them (a list that is not is sorted and deduplicated, as
    /// `collect` does, so the set is always valid).
    pub(crate) fn from_sorted(paths: Vec<String>) -> Self {
        if paths.windows(2).all(|w| w[0] < w[1]) {
            PathSet { paths }
        } else {
            paths.into_iter().collect()
        }
    }

    /// True when `path` is in the set.
    pub fn contains(&self, path: &str) -> bool {
        self.position(path).is_some()
    }

    /// Where `path` is in the set.
    pub(crate) fn position(&self, path: &str) -> Option<usize> {
        self.paths.binary_search_by(|p| p.as_str().cmp(path)).ok()
    }

    /// Add a path (keeps the order; a linear insert, for building small sets).
    pub fn insert(&mut self, path: String) -> bool {
        match self.paths.binary_search(&path) {
            Ok(_) => false,
            Err(i) => {
                self.paths.insert(i, path);
                true
            }
        }
    }

    /// Every path, in order, as a slice (positions are indexes).
    pub fn as_slice(&self) -> &[String] {
        &self.paths
    }

    /// Every path, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, String> {
        self.paths.iter()
    }

    /// The paths that start with `prefix` (those under a folder when it ends
    /// with `/`), in order: one range, found by two binary searches.
    pub fn with_prefix(&self, prefix: &str) -> &[String] {
        let start = self.paths.partition_point(|p| p.as_str() < prefix);
        let len = self.paths[start..].partition_point(|p| p.starts_with(prefix));
        &self.paths[start..start + len]
    }

    /// True when some path starts with `prefix` (one binary search).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        let start = self.paths.partition_point(|p| p.as_str() < prefix);
        self.paths.get(start).is_some_and(|p| p.starts_with(prefix))
    }

    /// The files under the folder `dir` (`""`: every file), in order.
    pub fn in_dir(&self, dir: &str) -> &[String] {
        if dir.is_empty() {
            &self.paths
        } else {
            self.with_prefix(&format!("{dir}/"))
        }
    }
}

impl FromIterator<String> for PathSet {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        let mut paths: Vec<String> = iter.into_iter().collect();
        paths.sort_unstable();
        paths.dedup();
        paths.shrink_to_fit();
        PathSet { paths }
    }
}

impl IntoIterator for PathSet {
    type Item = String;
    type IntoIter = std::vec::IntoIter<String>;
    fn into_iter(self) -> Self::IntoIter {
        self.paths.into_iter()
    }
}

impl<'a> IntoIterator for &'a PathSet {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;
    fn into_iter(self) -> Self::IntoIter {
        self.paths.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::PathSet;

    fn set(paths: &[&str]) -> PathSet {
        paths.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn a_prefix_is_one_range_and_a_folder_needs_its_slash() {
        let s = set(&["tests_old/a.py", "tests/b.py", "tests/sub/c.py", "test.py", "tests/a.py", "tests/a.py"]);
        assert_eq!(s.len(), 5, "duplicates are dropped");
        assert_eq!(s.with_prefix("tests/"), ["tests/a.py", "tests/b.py", "tests/sub/c.py"]);
        assert_eq!(s.with_prefix("tests"), ["tests/a.py", "tests/b.py", "tests/sub/c.py", "tests_old/a.py"]);
        assert!(s.with_prefix("zzz/").is_empty());
        assert!(s.with_prefix("tests/sub/c.py/").is_empty());
        assert_eq!(s.with_prefix("").len(), 5);
        assert_eq!(s.in_dir("tests"), s.with_prefix("tests/"));
        assert_eq!(s.in_dir("tests/sub"), ["tests/sub/c.py"]);
        assert_eq!(s.in_dir("").len(), 5, "the root holds every file");
    }

    #[test]
    fn has_prefix_answers_as_the_prefix_range() {
        let s = set(&["src/pkg.py", "src/pkgs/b.py", "tests/a.py"]);
        for p in ["src/pkg", "src/pkgs/", "src/pkg/", "src/pk", "tests/a.py", "tests/a.pyc", "", "a", "zzz", "src/q"] {
            assert_eq!(s.has_prefix(p), !s.with_prefix(p).is_empty(), "{p}");
        }
        assert!(s.has_prefix("src/pkg") && !s.has_prefix("src/pkg/") && !s.has_prefix("zzz"));
        assert!(!set(&[]).has_prefix(""));
    }

    #[test]
    fn lookups_and_inserts_keep_the_order() {
        let mut s = set(&["b/x.py", "a/y.py"]);
        assert!(s.contains("a/y.py") && !s.contains("a/y") && !s.contains("a"));
        assert!(s.insert("a/a.py".into()));
        assert!(!s.insert("b/x.py".into()), "already there");
        assert_eq!(s.iter().map(String::as_str).collect::<Vec<_>>(), ["a/a.py", "a/y.py", "b/x.py"]);
        assert_eq!(PathSet::from_sorted(vec!["b".into(), "a".into(), "b".into()]), set(&["a", "b"]), "an unsorted list is sorted");
    }
}
