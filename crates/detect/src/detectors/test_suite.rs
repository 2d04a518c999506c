//! Test suites: pytest / unittest files holding test cases a runner
//! collects, and what they import.
//!
//! Emits `test.case` (framework, count) for files whose names a runner
//! collects (`test_*.py`, `*_test.py`) holding `def test_*` functions or
//! `unittest.TestCase` classes, and `test.imports` for each module they import
//! (the linker turns these into `test.covers`). Test functions inside
//! docstrings or comments are not test cases. Example: `tests/test_api.py`
//! with `def test_predict():` and `from app.main import app`.

use super::python;
use crate::evidence::{Confidence, Evidence, Location};
pub use crate::paths::{is_js_test, other_test_family};
use crate::pylex;
use crate::{Detector, FileCtx, Output};
use regex::bytes::Regex;
use std::sync::LazyLock;

/// The test-suite detector.
pub struct Tests;

const NAME: &str = "test-suite";
static TEST_FN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)(?m)^[ \t]*(?:async[ \t]+)?def[ \t]+test\w*[ \t]*\(").unwrap());
static TEST_CLASS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)(?m)^class[ \t]+\w+[ \t]*\([^)]*TestCase[^)]*\)").unwrap());

/// True for file names pytest/unittest collect by default.
pub fn is_collected_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    // pytest's defaults (test_*.py, *_test.py), unittest discovery's (test*.py),
    // and the common configured *_tests.py.
    name.ends_with(".py") && (name.starts_with("test") || name.ends_with("_test.py") || name.ends_with("_tests.py"))
}

/// True for a Python module of a behave `steps/` folder.
fn is_steps_module(path: &str) -> bool {
    path.ends_with(".py") && (path.starts_with("steps/") || path.contains("/steps/"))
}

/// A feature file runs the step definitions of the nearest `steps/` folder
/// at or above its own (behave's layout): its unit calls those modules.
fn feature_steps(f: &FileCtx<'_>, out: &mut Output) {
    let dir = f.path.rsplit_once('/').map_or("", |(d, _)| d);
    for d in crate::paths::dir_and_ancestors(dir) {
        let prefix = crate::paths::join(d, "steps/");
        let steps: Vec<&str> = f.repo.paths.with_prefix(&prefix).into_iter().filter(|p| p.ends_with(".py")).collect();
        if !steps.is_empty() {
            let mut u = crate::Unit::new(format!("file:{}", f.path), Location::line(f.path, 1), f.path);
            u.calls = steps.into_iter().map(|p| (format!("file:{p}"), Location::line(f.path, 1))).collect();
            out.units.push(u);
            return;
        }
    }
}

/// `test.case` and `test.covers area=app` for a test file of application code.
fn app_tests(f: &FileCtx<'_>, out: &mut Output, line: u32, count: usize, framework: &str) {
    let unit = format!("file:{}", f.path);
    let snippet = f.text.lines().nth(line as usize - 1).unwrap_or("");
    out.push_in(
        Evidence::new("test.case", NAME, Location::line(f.path, line), Confidence::High, snippet)
            .attr("framework", framework)
            .attr("count", count.to_string()),
        &unit,
    );
    out.push_in(
        Evidence::new("test.covers", NAME, Location::line(f.path, line), Confidence::Medium, snippet)
            .attr("area", "app")
            .attr("module", f.path),
        &unit,
    );
}

static RX_BDD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)(?m)^(?:[ \t]*@|(?:[ \t]*\w+[ \t]*=[ \t]*)?)scenarios?[ \t]*\(").unwrap());
static JS_TEST: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)(?m)^\s*(?:test|it|describe)(?:\.\w+)?\s*\(").unwrap());

impl Detector for Tests {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        is_collected_name(path) || is_js_test(path) || other_test_family(path).is_some() || is_steps_module(path)
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        if let Some((family, marker)) = other_test_family(f.path) {
            // Tests of the application in a compiled language: they cover app code.
            let code = crate::detectors::jenkins::strip_comments(f.text);
            let lines: Vec<usize> = code.lines().enumerate().filter(|(_, l)| l.trim_start().starts_with(marker)).map(|(i, _)| i).collect();
            if let Some(first) = lines.first() {
                app_tests(f, out, *first as u32 + 1, lines.len(), family);
                if family == "gherkin" {
                    feature_steps(f, out);
                }
            }
            return;
        }
        if is_steps_module(f.path) && !is_collected_name(f.path) {
            // behave step definitions: what they import, the scenarios test.
            // Most `steps/` folders are pipeline steps (ZenML, ...): they are
            // settled on the raw text, before masking.
            if !f.text.contains("behave") {
                return;
            }
            let masked = pylex::mask(f.text);
            if masked.contains("behave") {
                let unit = format!("file:{}", f.path);
                test_imports(f, out, &masked, &unit);
            }
            return;
        }
        if is_js_test(f.path) {
            // Application tests of a front end or a Node service: they cover app code.
            let masked = crate::detectors::jenkins::strip_comments(f.text);
            let idx = pylex::LineIndex::new(&masked);
            let cases: Vec<_> = JS_TEST.find_iter(masked.as_bytes()).collect();
            if let Some(first) = cases.first() {
                app_tests(f, out, idx.line(first.start()), cases.len(), "js");
            }
            return;
        }
        let masked = pylex::mask(f.text);
        let idx = pylex::LineIndex::new(&masked);
        // Tests skipped unconditionally never run (`@pytest.mark.skip`,
        // `@unittest.skip(...)`, a module-wide `pytestmark = pytest.mark.skip`).
        let lines: Vec<&str> = masked.lines().collect();
        let is_skip = |l: &str| {
            let l = l.trim();
            l.starts_with("@pytest.mark.skip(") || l == "@pytest.mark.skip" || l.starts_with("@unittest.skip(") || l == "@unittest.skip"
        };
        // Spaces ignored, compared in place (no copy of each line).
        let starts = |l: &str, p: &str| {
            let mut b = l.bytes().filter(|&b| b != b' ');
            p.bytes().all(|c| b.next() == Some(c))
        };
        let module_skipped = lines.iter().any(|l| starts(l, "pytestmark=pytest.mark.skip") && !starts(l, "pytestmark=pytest.mark.skipif"));
        let skipped = |start: usize| {
            let line = idx.line(start) as usize - 1;
            lines[..line].iter().rev().take_while(|l| l.trim_start().starts_with('@')).any(|l| is_skip(l))
        };
        let fns: Vec<_> = TEST_FN.find_iter(masked.as_bytes()).filter(|m| !module_skipped && !skipped(m.start())).collect();
        let classes = TEST_CLASS.find_iter(masked.as_bytes()).count();
        // pytest-bdd: `scenarios("features/")` or `@scenario(...)` makes the
        // feature files' scenarios test functions of the module.
        let bdd: Vec<usize> = if fns.is_empty() && masked.contains("pytest_bdd") {
            RX_BDD.find_iter(masked.as_bytes()).map(|m| m.start()).collect()
        } else {
            vec![]
        };
        let Some(&first_at) = fns.first().map(|m| m.start()).as_ref().or(bdd.first()) else {
            return;
        };
        let unit = format!("file:{}", f.path);
        let first = idx.line(first_at);
        let framework = if !bdd.is_empty() {
            "pytest-bdd"
        } else if classes > 0 {
            "unittest"
        } else {
            "pytest"
        };
        let snippet = f.text.lines().nth(first as usize - 1).unwrap_or("");
        // A test that only asserts constants (`assert True`, `assert 1 == 1`) tests nothing.
        let asserts: Vec<&str> = masked.lines().map(str::trim_start).filter(|l| l.starts_with("assert ")).collect();
        let trivial = !asserts.is_empty()
            && asserts.iter().all(|l| {
                let a = l.trim_start_matches("assert ").split(',').next().unwrap_or("").trim();
                let sides: Vec<&str> = a.split("==").map(str::trim).collect();
                a == "True" || a == "1" || (sides.len() == 2 && sides[0] == sides[1])
            })
            && !masked.contains("self.assert")
            && !masked.contains("pytest.raises");
        let local = test_imports(f, out, &masked, &unit);
        // A placeholder (`print("hello")`, a bare expression under `try`
        // with `assert False` in its handler) reaches no code of the
        // repository and checks nothing: no local import, no fixture, no
        // subprocess or HTTP call, and no assertion outside a handler.
        let placeholder = bdd.is_empty()
            && local == 0
            && fns.iter().all(|m| takes_no_fixture(&masked[m.end()..]))
            && !REACHES_OUT.is_match(masked.as_bytes())
            && !checks_anything(&masked);
        let mut e = Evidence::new("test.case", NAME, Location::line(f.path, first), Confidence::High, snippet)
            .attr("framework", framework)
            .attr("count", fns.len().max(bdd.len()).to_string());
        if trivial || placeholder {
            e = e.attr("trivial", "true");
        }
        out.push_in(e, &unit);
    }
}

/// Calls that run or reach code of the repository without importing it.
static REACHES_OUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)\b(?:subprocess|os\.system|os\.popen|Popen|runpy|importlib|import_module|__import__|requests|httpx|urllib|urlopen|TestClient|testbook|nbclient|papermill|sys\.path|exec|eval|open)\b").unwrap()
});

/// The parameter list after a test function's `(`: empty or `self` only
/// (pytest injects nothing).
fn takes_no_fixture(after_paren: &str) -> bool {
    let params = after_paren.split(')').next().unwrap_or("");
    params.split(',').map(str::trim).all(|p| p.is_empty() || p == "self" || p == "cls")
}

/// True when the module asserts something outside an `except` handler, or
/// uses an assertion helper (`self.assert*`, `pytest.raises`, `assert_close(...)`).
fn checks_anything(masked: &str) -> bool {
    if ["self.assert", "pytest.raises", "pytest.fail", "assert_"].iter().any(|h| masked.contains(h)) {
        return true;
    }
    let mut handler: Option<usize> = None;
    for line in masked.lines() {
        let t = line.trim_start();
        if t.is_empty() {
            continue;
        }
        let indent = line.len() - t.len();
        if handler.is_some_and(|h| indent <= h) {
            handler = None;
        }
        if t.starts_with("except") && t.trim_end().ends_with(':') {
            handler = Some(indent);
        } else if handler.is_none() && (t.starts_with("assert ") || t.starts_with("assert(") || t.starts_with("raise ")) {
            return true;
        }
    }
    false
}

/// `test.imports` for each local module a test file imports (with the names it uses).
/// Returns how many local modules the file imports.
fn test_imports(f: &FileCtx<'_>, out: &mut Output, masked: &str, unit: &str) -> usize {
    let imports = with_attribute_names(pylex::imports(masked), masked);
    let resolved = python::local_imports(f.repo, f.path, &imports);
    // Indexed only when a package's `__init__.py` is among them (most test files import none).
    let found: std::collections::BTreeSet<(&str, u32)> = if resolved.iter().any(|(p, _)| p.ends_with("__init__.py")) {
        resolved.iter().map(|(p, l)| (p.as_str(), *l)).collect()
    } else {
        Default::default()
    };
    for (path, line) in &resolved {
        let (path, line) = (path.clone(), *line);
        // `from pkg import mod`: the package's `__init__.py` is resolved
        // beside `pkg/mod.py`; when every name is such a submodule, the test
        // uses nothing of the `__init__` (often empty) itself.
        if let Some(dir) = path.strip_suffix("__init__.py") {
            let names: Vec<&String> = imports.iter().filter(|i| i.line == line).flat_map(|i| &i.names).collect();
            let submodule = |n: &str| {
                found.contains(&(format!("{dir}{n}.py").as_str(), line))
                    || found.contains(&(format!("{dir}{n}/__init__.py").as_str(), line))
            };
            if !names.is_empty() && names.iter().all(|n| submodule(n)) {
                continue;
            }
        }
        let mut names: Vec<String> = Vec::new();
        let mut whole_module = false;
        for im in imports.iter().filter(|i| i.line == line) {
            let within = im.module.trim_start_matches('.').replace('.', "/");
            let within = if within.is_empty() { String::new() } else { format!("{within}/") };
            for n in &im.names {
                // `from pkg import mod` names the module itself: what the
                // test uses of it are the members it reaches (`mod.fn(...)`).
                let module = format!("{within}{n}");
                if path == format!("{module}.py")
                    || path.ends_with(&format!("/{module}.py"))
                    || path == format!("{module}/__init__.py")
                    || path.ends_with(&format!("/{module}/__init__.py"))
                {
                    whole_module = true;
                    names.extend(attribute_names(masked, n));
                } else {
                    names.push(n.clone());
                }
            }
        }
        // Package metadata (`from pkg import __version__`, the stub test
        // `poetry new` writes) exercises no code.
        if !whole_module && !names.is_empty() && names.iter().all(|n| n.len() > 4 && n.starts_with("__") && n.ends_with("__")) {
            continue;
        }
        let snippet = f.text.lines().nth(line as usize - 1).unwrap_or("");
        let mut e = Evidence::new("test.imports", NAME, Location::line(f.path, line), Confidence::High, snippet);
        if let Some(fw) = f.repo.module_framework(&path) {
            e = e.attr("ml_framework", fw);
        }
        if !names.is_empty() {
            e = e.attr("names", names.join(","));
        }
        out.push_in(e.attr("module", path), unit);
    }
    resolved.len()
}

/// `import pkg` then `pkg.member.fn(...)`: the test uses `pkg/member` as if it
/// had imported it by name, so the members it reaches are its imports' names
/// (resolved to `pkg/member.py` when that module exists).
fn with_attribute_names(mut imports: Vec<pylex::Import>, masked: &str) -> Vec<pylex::Import> {
    for im in imports.iter_mut().filter(|i| i.names.is_empty() && !i.module.starts_with('.')) {
        im.names = attribute_names(masked, im.alias.as_deref().unwrap_or(&im.module));
    }
    imports
}

/// The members reached through `name.` in comment-free source (`pkg.fn` of
/// `pkg.fn(...)`), first 24, in order.
pub(crate) fn attribute_names(masked: &str, name: &str) -> Vec<String> {
    let prefix = format!("{name}.");
    let mut names: Vec<String> = Vec::new();
    for (at, _) in masked.match_indices(&prefix) {
        // A whole name, not the tail of a longer one (`xpkg.`).
        if masked[..at].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let rest = &masked[at + prefix.len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() && !names.contains(&name) && names.len() < 24 {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn run(path: &str, text: &str, repo: &RepoIndex) -> Output {
        let mut out = Output::default();
        Tests.detect(&FileCtx { path, text, repo }, &mut out);
        out
    }

    #[test]
    fn counts_tests_and_resolves_imports() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("src/model/train.py".into());
        let o = run("tests/test_train.py", "from src.model.train import fit\n\ndef test_fit():\n    assert fit() is not None\n\ndef test_other():\n    assert fit(1) > 0\n", &repo);
        let case = o.evidence.iter().find(|(e, _)| e.kind == "test.case").unwrap();
        assert_eq!(case.0.attrs["count"], *"2");
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "test.imports" && e.attrs["module"] == *"src/model/train.py"));
    }

    #[test]
    fn a_package_init_is_not_covered_when_only_its_submodules_are_imported() {
        let mut repo = RepoIndex::default();
        for p in ["pipeline/__init__.py", "pipeline/train.py", "pipeline/drift.py"] {
            repo.paths.insert(p.into());
        }
        let modules = |text: &str| -> Vec<String> {
            let o = run("tests/test_p.py", text, &repo);
            let mut m: Vec<String> =
                o.evidence.iter().filter(|(e, _)| e.kind == "test.imports").map(|(e, _)| e.attrs["module"].to_string()).collect();
            m.sort();
            m
        };
        let test = |import: &str| format!("{import}\n\ndef test_a():\n    assert train.fit() is not None\n");
        assert_eq!(modules(&test("from pipeline import train")), vec!["pipeline/train.py"]);
        assert_eq!(modules(&test("from pipeline import train, drift")), vec!["pipeline/drift.py", "pipeline/train.py"]);
        // A name the package itself defines keeps its `__init__`.
        assert!(modules(&test("from pipeline import train, settings")).contains(&"pipeline/__init__.py".to_string()));
        assert_eq!(modules(&test("import pipeline")), vec!["pipeline/__init__.py"]);
    }

    #[test]
    fn constant_asserts_are_trivial_real_ones_are_not() {
        let repo = RepoIndex::default();
        let o = run("tests/test_t.py", "def test_a():\n    assert True\n\ndef test_b():\n    assert 1 == 1\n", &repo);
        assert_eq!(o.evidence[0].0.attrs.get("trivial"), Some("true"));
        let o = run("tests/test_r.py", "def test_a():\n    assert set(a) <= set(b)\n", &repo);
        assert!(!o.evidence[0].0.attrs.contains_key("trivial"));
    }

    #[test]
    fn placeholder_tests_that_reach_no_code_are_trivial() {
        let mut repo = RepoIndex::default();
        repo.paths.insert("src/app.py".into());
        let trivial = |path: &str, text: &str| {
            let o = run(path, text, &repo);
            o.evidence.iter().find(|(e, _)| e.kind == "test.case").map(|(e, _)| e.attrs.contains_key("trivial"))
        };
        // Prints, or a bare expression with `assert False` only in its handler.
        assert_eq!(trivial("tests/test_p.py", "def test_hello():\n    print('hello')\n"), Some(true));
        let except = "def test_x():\n    try:\n        print('a') is None\n    except Exception:\n        assert False\n";
        assert_eq!(trivial("tests/test_e.py", except), Some(true));
        // Code of the repository imported, a fixture injected, a script run,
        // an assertion outside a handler: a test.
        assert_eq!(trivial("tests/test_i.py", "from src.app import main\n\ndef test_main():\n    main()\n"), Some(false));
        assert_eq!(trivial("tests/test_f.py", "def test_api(client):\n    client.get('/health')\n"), Some(false));
        assert_eq!(
            trivial("tests/test_s.py", "import subprocess\n\ndef test_cli():\n    subprocess.run(['python', 'train.py'], check=True)\n"),
            Some(false)
        );
        assert_eq!(trivial("tests/test_a.py", "import math\n\ndef test_m():\n    assert math.isclose(score(), 1.0)\n"), Some(false));
        let after = "def test_y():\n    try:\n        x = 1\n    except ValueError:\n        pass\n    assert x == 1\n";
        assert_eq!(trivial("tests/test_y.py", after), Some(false));
        assert_eq!(
            trivial(
                "tests/test_c.py",
                "import unittest\n\nclass T(unittest.TestCase):\n    def test_z(self):\n        self.assertEqual(f(), 2)\n"
            ),
            Some(false)
        );
    }

    #[test]
    fn unconditionally_skipped_tests_are_not_cases() {
        let repo = RepoIndex::default();
        let skipped = "import pytest\n\n@pytest.mark.skip(reason='todo')\ndef test_a():\n    assert False\n\n@unittest.skip\n@other\ndef test_b():\n    assert False\n";
        assert!(run("tests/test_s.py", skipped, &repo).evidence.iter().all(|(e, _)| e.kind != "test.case"));
        let module = "import pytest\npytestmark = pytest.mark.skip(reason='wip')\ndef test_a():\n    assert f() == 2\n";
        assert!(run("tests/test_m.py", module, &repo).evidence.iter().all(|(e, _)| e.kind != "test.case"));
        // Conditional skips still run somewhere; one live test keeps the file.
        let live = "import pytest\n@pytest.mark.skipif(sys.platform == 'win32', reason='x')\ndef test_a():\n    assert f() == 2\n@pytest.mark.skip\ndef test_b():\n    assert False\n";
        let o = run("tests/test_l.py", live, &repo);
        let case = o.evidence.iter().find(|(e, _)| e.kind == "test.case").expect("live test");
        assert_eq!(case.0.attrs["count"], *"1");
    }

    #[test]
    fn tests_in_docstrings_and_non_test_files() {
        let repo = RepoIndex::default();
        let o = run("tests/test_x.py", "\"\"\"\ndef test_doc():\n    pass\n\"\"\"\n# def test_commented():\n", &repo);
        assert!(o.evidence.is_empty());
        assert!(Tests.applies("src/tests/model_tests.py"));
        assert!(!Tests.applies("src/util_testing.py"));
    }

    #[test]
    fn gherkin_scenarios_and_pytest_bdd_modules_are_tests() {
        let repo = RepoIndex::default();
        let count = |o: &Output| {
            o.evidence.iter().find(|(e, _)| e.kind == "test.case").map(|(e, _)| (e.location.start_line, e.attrs["count"].to_string()))
        };
        let feature = "Feature: scoring\n  # Scenario: commented\n  Scenario: a known customer\n    Given a customer\n  Scenario Outline: many\n    Given <n>\n";
        assert_eq!(count(&run("features/score.feature", feature, &repo)), Some((3, "2".into())));
        let bdd = "from pytest_bdd import given, scenarios\n\nscenarios(\"../features/score.feature\")\n\n@given(\"a customer\")\ndef customer():\n    return {}\n";
        assert_eq!(count(&run("tests/test_score.py", bdd, &repo)), Some((3, "1".into())));
        // Without pytest-bdd, a `scenarios(...)` call is not a test; nor is a commented one.
        assert_eq!(count(&run("tests/test_x.py", "from sim import scenarios\nscenarios(3)\n", &repo)), None);
        assert_eq!(count(&run("tests/test_y.py", "import pytest_bdd\n# scenarios('a.feature')\n", &repo)), None);
        // A pipeline's `steps/` module, or one naming behave only in a comment, is no step definition.
        let mut repo = RepoIndex::default();
        repo.paths.insert("app/score.py".into());
        let imports = |path: &str, text: &str| run(path, text, &repo).evidence.iter().filter(|(e, _)| e.kind == "test.imports").count();
        assert_eq!(imports("features/steps/score_steps.py", "from behave import given\nfrom app.score import score\n"), 1);
        // The version stub imports metadata only.
        assert_eq!(
            imports("tests/test_app.py", "from app import __version__\ndef test_version():\n    assert __version__ == '0.1.0'\n"),
            0
        );
        assert_eq!(imports("tests/test_app.py", "from app import __version__, score\ndef test_score():\n    assert score(1)\n"), 1);
        assert_eq!(imports("pipelines/steps/train.py", "from zenml import step\nfrom app.score import score\n"), 0);
        assert_eq!(imports("features/steps/old.py", "# from behave import given\nfrom app.score import score\n"), 0);
    }

    #[test]
    fn compiled_language_tests_and_commented_ones() {
        let repo = RepoIndex::default();
        let o = run(
            "src/lib.rs",
            "// #[test]\nfn helper() {}\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn adds() { assert_eq!(1 + 1, 2); }\n}\n",
            &repo,
        );
        let case = o.evidence.iter().find(|(e, _)| e.kind == "test.case").unwrap();
        assert_eq!(case.0.location.start_line, 5);
        assert_eq!(case.0.attrs["count"], *"1");
        let o = run("pkg/util.go", "package util\nfunc TestX(t *testing.T) {}\n", &repo);
        assert!(o.evidence.is_empty(), "not a _test.go file");
        assert!(!Tests.applies("pkg/util.go") && Tests.applies("pkg/util_test.go"));
    }

    #[test]
    fn a_module_imported_by_name_is_used_through_its_members() {
        let mut repo = RepoIndex::default();
        for p in ["shop/__init__.py", "shop/rank.py", "web/__init__.py"] {
            repo.paths.insert(p.into());
        }
        let names = |o: &Output, module: &str| {
            o.evidence
                .iter()
                .find(|(e, _)| e.kind == "test.imports" && &e.attrs["module"] == module)
                .and_then(|(e, _)| e.attrs.get("names").map(str::to_string))
        };
        let text = "from shop import rank

# rank.refit()
def test_top():
    assert rank.top_k([3, 1], 1) == [3]
";
        assert_eq!(names(&run("tests/test_rank.py", text, &repo), "shop/rank.py").as_deref(), Some("top_k"));
        // A name the package defines, spelled like the package, stays a name.
        let text = "from web import web

def test_up():
    assert web.ok()
";
        assert_eq!(names(&run("tests/test_web.py", text, &repo), "web/__init__.py").as_deref(), Some("web"));
    }

    #[test]
    fn package_members_reached_by_attribute_resolve_in_a_project_src_layout() {
        let mut repo = RepoIndex::default();
        for p in ["steps/scoring-steps/src/scoring_steps/__init__.py", "steps/scoring-steps/src/scoring_steps/bulk_score.py"] {
            repo.paths.insert(p.into());
        }
        let text = "import scoring_steps\n\nrun = scoring_steps.bulk_score.python_func\n\ndef test_run():\n    assert run(1) == 2\n";
        let o = run("steps/scoring-steps/tests/test_bulk.py", text, &repo);
        let modules: Vec<&str> = o.evidence.iter().filter(|(e, _)| e.kind == "test.imports").map(|(e, _)| &e.attrs["module"]).collect();
        assert!(modules.contains(&"steps/scoring-steps/src/scoring_steps/bulk_score.py"), "{modules:?}");
        // Only members the test reaches: a comment, or a longer name ending
        // like the package, is not a use of the package.
        let text = "import scoring_steps\n\n# scoring_steps.bulk_score\nx = my_scoring_steps.bulk_score\n\ndef test_run():\n    assert x(1) == 2\n";
        let o = run("steps/scoring-steps/tests/test_bulk.py", text, &repo);
        assert!(!o.evidence.iter().any(|(e, _)| e.kind == "test.imports" && e.attrs["module"].ends_with("bulk_score.py")));
    }
}
