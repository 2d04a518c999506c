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
