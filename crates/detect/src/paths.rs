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

/// `dir` and each folder above it, nearest first, ending with the root
/// (`""`): where a file looked up from `dir` upwards may be.
pub fn dir_and_ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let d = next?;
        next = match d.rsplit_once('/') {
            Some((up, _)) => Some(up),
            None if !d.is_empty() => Some(""),
            None => None,
        };
        Some(d)
    })
}

/// True for a CI definition kept for reference, not run: in a folder named
/// for archived or superseded files (`archive/`, `deprecated/`, `old/`),
/// named so (`train-pipeline-old.yml`, `deploy_deprecated.yml`), or
/// opening with a comment that says `DEPRECATED`. GitHub workflows are
/// never so: GitHub runs every file of `.github/workflows`, whatever its
/// name.
pub fn is_archived_definition(path: &str, text: &str) -> bool {
    if path.starts_with(".github/workflows/") {
        return false;
    }
    const FOLDERS: &[&str] = &["archive", "archived", "_archive", "deprecated", "obsolete", "old", "attic", "graveyard", "unused"];
    let (dirs, name) = path.rsplit_once('/').unwrap_or(("", path));
    let stem = name.split('.').next().unwrap_or(name).to_ascii_lowercase();
    let named = ["old", "deprecated", "archived", "obsolete", "backup", "unused"]
        .iter()
        .any(|w| stem.strip_suffix(w).is_some_and(|s| s.ends_with(['-', '_'])));
    let header = text
        .lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with('#') || l.starts_with("//"))
        .any(|l| l.contains("DEPRECATED"));
    named || header || in_folder_named(dirs, FOLDERS)
}

/// True when a folder of `dirs` (a path's folders) is named one of `names`,
/// in any letter case.
fn in_folder_named(dirs: &str, names: &[&str]) -> bool {
    dirs.split('/').any(|d| names.iter().any(|f| d.eq_ignore_ascii_case(f)))
}

/// True for a file in a folder of examples, samples, demos or tutorials:
/// material shown to readers, which is the repository's practice only when
/// something it runs uses it.
pub fn is_example_path(path: &str) -> bool {
    const FOLDERS: &[&str] = &["example", "examples", "sample", "samples", "demo", "demos", "tutorial", "tutorials"];
    in_folder_named(path.rsplit_once('/').map_or("", |(d, _)| d), FOLDERS)
}

/// True for paths of test code (pytest/unittest conventions).
pub fn is_test_path(path: &str) -> bool {
    // Every case below names `test`: most paths are settled by one search.
    if !path.contains("test") {
        return false;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with("_tests.py")
        // A script (hyphens: not importable) named for tests: `hf-integration-tests.py`.
        || name.ends_with("-tests.py")
        || name.ends_with("-test.py")
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
    } else if name.ends_with(".feature") {
        // Gherkin scenarios (behave, pytest-bdd, Cucumber): acceptance tests of the application.
        Some(("gherkin", "Scenario"))
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
/// `prod`), read from its last word that names one (`deploy-staging`,
/// `DeployToProd`: camelCase humps are words).
pub fn env_class(name: &str) -> Option<&'static str> {
    let mut spaced = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            spaced.push(' ');
        }
        prev_lower = c.is_ascii_lowercase();
        spaced.push(c.to_ascii_lowercase());
    }
    spaced.split(|c: char| !c.is_ascii_alphanumeric()).filter_map(env_token).next_back()
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
///
/// Held as one string of all the paths and the end of each: about 57
/// bytes a path at 200k files, where a `String` each took about 85 (its
/// own 24 and the allocator's rounding). The paths' text is limited to
/// 4 GiB (some 80 million files).
#[derive(Default, Clone, PartialEq, Eq)]
pub struct PathSet {
    text: String,
    ends: Vec<u32>,
}

/// The paths of a [`PathSet`] between two positions, in order.
#[derive(Clone, Copy)]
pub struct PathRange<'a> {
    set: &'a PathSet,
    start: usize,
    end: usize,
}

/// The paths of a [`PathRange`], in order.
#[derive(Clone)]
pub struct PathIter<'a> {
    set: &'a PathSet,
    next: usize,
    end: usize,
}

impl<'a> Iterator for PathIter<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.set.at(self.next - 1)
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.end - self.next, Some(self.end - self.next))
    }
}

impl DoubleEndedIterator for PathIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.next < self.end).then(|| {
            self.end -= 1;
            self.set.at(self.end)
        })
    }
}

impl ExactSizeIterator for PathIter<'_> {}

impl<'a> PathRange<'a> {
    /// Number of paths.
    pub fn len(&self) -> usize {
        self.end - self.start
    }

    /// True when there is no path.
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The paths, in order.
    pub fn iter(&self) -> PathIter<'a> {
        PathIter { set: self.set, next: self.start, end: self.end }
    }
}

impl<'a> IntoIterator for PathRange<'a> {
    type Item = &'a str;
    type IntoIter = PathIter<'a>;
    fn into_iter(self) -> PathIter<'a> {
        self.iter()
    }
}

impl<S: AsRef<str>> PartialEq<[S]> for PathRange<'_> {
    fn eq(&self, other: &[S]) -> bool {
        self.len() == other.len() && self.iter().zip(other).all(|(a, b)| a == b.as_ref())
    }
}

impl<S: AsRef<str>, const N: usize> PartialEq<[S; N]> for PathRange<'_> {
    fn eq(&self, other: &[S; N]) -> bool {
        *self == other[..]
    }
}

impl PartialEq for PathRange<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for PathRange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl std::fmt::Debug for PathSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PathSet {
    /// The empty set.
    pub(crate) const EMPTY: PathSet = PathSet { text: String::new(), ends: Vec::new() };

    /// Number of paths.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is no path.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The path at position `i` (panics past the end).
    fn at(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The path at position `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        (i < self.len()).then(|| self.at(i))
    }

    /// The set of paths already sorted and without duplicates, as a listing
    /// gives them (a list that is not is sorted and deduplicated, as
    /// `collect` does, so the set is always valid).
    pub(crate) fn from_sorted(paths: Vec<String>) -> Self {
        if paths.windows(2).all(|w| w[0] < w[1]) {
            Self::of_sorted(paths)
        } else {
            paths.into_iter().collect()
        }
    }

    /// The set of `paths`, sorted and without duplicates, each freed as it
    /// is copied in.
    fn of_sorted(paths: impl IntoIterator<Item = String, IntoIter: ExactSizeIterator>) -> Self {
        let paths = paths.into_iter();
        let mut set = PathSet { text: String::new(), ends: Vec::with_capacity(paths.len()) };
        for p in paths {
            set.text.push_str(&p);
            set.ends.push(u32::try_from(set.text.len()).expect("the paths' text is under 4 GiB"));
        }
        set.text.shrink_to_fit();
        set
    }

    /// True when `path` is in the set.
    pub fn contains(&self, path: &str) -> bool {
        self.position(path).is_some()
    }

    /// The first position from `from` whose path fails `pred`, where `pred`
    /// holds for a leading run of the paths from there (as
    /// `slice::partition_point`).
    fn partition_point(&self, from: usize, pred: impl Fn(&str) -> bool) -> usize {
        let (mut lo, mut hi) = (from, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.at(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The first position whose path is not less than `path`.
    fn lower_bound(&self, path: &str) -> usize {
        self.partition_point(0, |p| p < path)
    }

    /// Where `path` is in the set.
    pub(crate) fn position(&self, path: &str) -> Option<usize> {
        let i = self.lower_bound(path);
        (i < self.len() && self.at(i) == path).then_some(i)
    }

    /// Add a path (keeps the order; rebuilds the set, for building small sets).
    pub fn insert(&mut self, path: String) -> bool {
        let i = self.lower_bound(&path);
        if i < self.len() && self.at(i) == path {
            return false;
        }
        let mut all: Vec<String> = self.iter().map(str::to_string).collect();
        all.insert(i, path);
        *self = Self::of_sorted(all);
        true
    }

    /// Every path, in order.
    pub fn iter(&self) -> PathIter<'_> {
        PathIter { set: self, next: 0, end: self.len() }
    }

    /// The paths that start with `prefix` (those under a folder when it ends
    /// with `/`), in order: one range, found by two binary searches.
    pub fn with_prefix(&self, prefix: &str) -> PathRange<'_> {
        let start = self.lower_bound(prefix);
        PathRange { set: self, start, end: self.partition_point(start, |p| p.starts_with(prefix)) }
    }

    /// True when some path starts with `prefix` (one binary search).
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.get(self.lower_bound(prefix)).is_some_and(|p| p.starts_with(prefix))
    }

    /// The files under the folder `dir` (`""`: every file), in order.
    pub fn in_dir(&self, dir: &str) -> PathRange<'_> {
        if dir.is_empty() {
            PathRange { set: self, start: 0, end: self.len() }
        } else {
            self.with_prefix(&format!("{dir}/"))
        }
    }
}

impl From<Vec<String>> for PathSet {
    /// The set of the paths of a list, sorted and without duplicates.
    fn from(paths: Vec<String>) -> Self {
        Self::from_sorted(paths)
    }
}

impl std::ops::Index<usize> for PathSet {
    type Output = str;
    /// The path at position `i`; panics past the end, as a slice does.
    fn index(&self, i: usize) -> &str {
        self.at(i)
    }
}

impl FromIterator<String> for PathSet {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        let mut paths: Vec<String> = iter.into_iter().collect();
        paths.sort_unstable();
        paths.dedup();
        Self::of_sorted(paths)
    }
}

impl<'a> IntoIterator for &'a PathSet {
    type Item = &'a str;
    type IntoIter = PathIter<'a>;
    fn into_iter(self) -> PathIter<'a> {
        self.iter()
    }
}

/// A set of small numbers, one bit each: positions of files in a
/// [`PathSet`] (the texts a scan dropped), indexes of projects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    /// Whether `i` is in the set.
    pub(crate) fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }
    /// The set of `i` alone.
    pub(crate) fn one(i: usize) -> Bits {
        let mut b = Bits::default();
        b.set(i);
        b
    }
    /// Add `i` (the set grows to hold it).
    pub(crate) fn set(&mut self, i: usize) {
        if self.0.len() <= i / 64 {
            self.0.resize(i / 64 + 1, 0);
        }
        self.0[i / 64] |= 1 << (i % 64);
    }
    /// Union; true when it grew.
    pub(crate) fn union(&mut self, o: &Bits) -> bool {
        if self.0.len() < o.0.len() {
            self.0.resize(o.0.len(), 0);
        }
        let mut grew = false;
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            let n = *a | b;
            grew |= n != *a;
            *a = n;
        }
        grew
    }
    /// True when no number is in the set.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    /// The numbers in the set, in order.
    pub(crate) fn indexes(&self) -> Vec<usize> {
        (0..self.0.len() * 64).filter(|i| self.0[i / 64] & (1 << (i % 64)) != 0).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn example_folders_are_told_by_name() {
        for p in ["examples/canary/isvc.yaml", "deploy/Samples/split.yaml", "docs/demo/vs.yaml", "a/tutorials/x/y.yaml"] {
            assert!(is_example_path(p), "{p}");
        }
        for p in ["deploy/isvc.yaml", "examples.yaml", "example-app/k8s.yaml", "src/sampler/x.yaml", "demo.yaml"] {
            assert!(!is_example_path(p), "{p}");
        }
    }

    #[test]
    fn archived_definitions_are_told_by_folder_name_and_header() {
        let yes = |p: &str, t: &str| is_archived_definition(p, t);
        assert!(yes("archive/pipelines/train.yml", "trigger: [main]\n"));
        assert!(yes("ci/Deprecated/release.yml", ""));
        assert!(yes("pipelines/train-pipeline-old.yml", ""));
        assert!(yes("pipelines/deploy_deprecated.yaml", ""));
        assert!(yes("ml/retrain.yml", "\n# DEPRECATED: kept for reference only\ntrigger: none\n"));
        // Live definitions: a word inside a name, a later comment, GitHub workflows.
        assert!(!yes("pipelines/golden-path.yml", ""));
        assert!(!yes("pipelines/holdout.yml", ""));
        assert!(!yes("older/ci.yml", ""));
        assert!(!yes("ml/retrain.yml", "trigger: [main]\n# DEPRECATED input below\n"));
        assert!(!yes(".github/workflows/train-old.yml", "# DEPRECATED\non: push\n"));
    }

    use super::{dir_and_ancestors, env_class, is_archived_definition, is_example_path, is_test_path, Bits, PathSet};

    #[test]
    fn test_paths_by_name_and_folder() {
        for p in [
            "tests/x.py",
            "pkg/test_model.py",
            "pkg/model_test.py",
            "ci/run_tests.py",
            "scripts/hf-integration-tests.py",
            "smoke-test.py",
            "conftest.py",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in ["src/train.py", "testing_utils/fit.py", "pkg/attestation.py", "latest-model.py", "contest.py"] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn environment_classes_from_names() {
        for (name, class) in [
            ("deploy-staging", Some("staging")),
            ("DeployToTest", Some("test")),
            ("DeployToProd", Some("prod")),
            ("deploy_prd", Some("prod")),
            ("PROD", Some("prod")),
            ("deploy", None),
            ("Deployment", None),
            ("protobuf", None),
        ] {
            assert_eq!(env_class(name), class, "{name}");
        }
    }

    #[test]
    fn a_folder_and_those_above_it_end_at_the_root_once() {
        assert_eq!(dir_and_ancestors("a/b/c").collect::<Vec<_>>(), ["a/b/c", "a/b", "a", ""]);
        assert_eq!(dir_and_ancestors("a").collect::<Vec<_>>(), ["a", ""]);
        assert_eq!(dir_and_ancestors("").collect::<Vec<_>>(), [""]);
    }

    /// A bit set holds what was set, across words, and nothing beyond.
    #[test]
    fn bits_hold_what_was_set() {
        let mut b = Bits::default();
        for i in [0, 63, 64, 200] {
            b.set(i);
        }
        assert_eq!(b.indexes(), [0, 63, 64, 200]);
        assert!(b.get(63) && b.get(64) && b.get(200));
        assert!(!b.get(1) && !b.get(65) && !b.get(201) && !b.get(100_000));
        assert!(Bits::default().is_empty() && !Bits::default().get(0));
    }

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
        assert_eq!(s.iter().collect::<Vec<_>>(), ["a/a.py", "a/y.py", "b/x.py"]);
        assert_eq!((&s[1], s.get(2), s.get(3)), ("a/y.py", Some("b/x.py"), None));
        assert_eq!(s.iter().rev().collect::<Vec<_>>(), ["b/x.py", "a/y.py", "a/a.py"]);
        assert_eq!(PathSet::from_sorted(vec!["b".into(), "a".into(), "b".into()]), set(&["a", "b"]), "an unsorted list is sorted");
    }
}
