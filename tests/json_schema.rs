//! `schema/report.schema.json` describes `--format json` exactly: every
//! fixture's report validates against it, and reports that break the contract
//! do not.
//!
//! The validator here is a small subset of JSON Schema (draft 2020-12): the
//! keywords the committed schema uses, and it rejects any other keyword so the
//! schema cannot silently rely on one it ignores. The `jsonschema` crate
//! would pull ~75 crates into the build for this one test; `.ci/run`
//! validates the same reports with Python's `jsonschema` as a second,
//! independent check.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};

const KNOWN: &[&str] = &[
    "$schema",
    "$id",
    "$defs",
    "$ref",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "minLength",
    "pattern",
];

struct Validator<'a> {
    root: &'a Value,
}

impl Validator<'_> {
    fn resolve<'b>(&'b self, r: &str) -> &'b Value {
        let path = r.strip_prefix("#/").unwrap_or_else(|| panic!("only local $refs are supported: {r}"));
        path.split('/').fold(self.root, |v, k| v.get(k).unwrap_or_else(|| panic!("dangling $ref {r}")))
    }

    fn validate(&self, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
        let s = schema.as_object().expect("schema is an object");
        for k in s.keys() {
            assert!(KNOWN.contains(&k.as_str()), "schema uses `{k}`, which this validator does not implement");
        }
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            self.validate(self.resolve(r), v, at, errs);
        }
        if let Some(t) = s.get("type").and_then(Value::as_str) {
            let ok = match t {
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                "null" => v.is_null(),
                other => panic!("unknown type {other}"),
            };
            if !ok {
                errs.push(format!("{at}: expected {t}, got {v}"));
                return;
            }
        }
        if let Some(c) = s.get("const") {
            if c != v {
                errs.push(format!("{at}: expected {c}, got {v}"));
            }
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.contains(v) {
                errs.push(format!("{at}: {v} is not one of {e:?}"));
            }
        }
        if let Some(n) = v.as_f64() {
            if s.get("minimum").and_then(Value::as_f64).is_some_and(|m| n < m)
                || s.get("maximum").and_then(Value::as_f64).is_some_and(|m| n > m)
            {
                errs.push(format!("{at}: {n} out of range"));
            }
        }
        if let Some(text) = v.as_str() {
            if s.get("minLength").and_then(Value::as_u64).is_some_and(|m| (text.chars().count() as u64) < m) {
                errs.push(format!("{at}: string too short"));
            }
            if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                if !regex::Regex::new(p).unwrap().is_match(text) {
                    errs.push(format!("{at}: `{text}` does not match {p}"));
                }
            }
        }
        if let Some(items) = v.as_array() {
            if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| (items.len() as u64) < m)
                || s.get("maxItems").and_then(Value::as_u64).is_some_and(|m| (items.len() as u64) > m)
            {
                errs.push(format!("{at}: {} items out of bounds", items.len()));
            }
            if let Some(is) = s.get("items") {
                for (i, item) in items.iter().enumerate() {
                    self.validate(is, item, &format!("{at}[{i}]"), errs);
                }
            }
        }
        if let Some(obj) = v.as_object() {
            for r in s.get("required").and_then(Value::as_array).into_iter().flatten() {
                let r = r.as_str().unwrap();
                if !obj.contains_key(r) {
                    errs.push(format!("{at}: missing required `{r}`"));
                }
            }
            let props = s.get("properties").and_then(Value::as_object);
            for (k, val) in obj {
                match props.and_then(|p| p.get(k)) {
                    Some(ps) => self.validate(ps, val, &format!("{at}.{k}"), errs),
                    None => match s.get("additionalProperties") {
                        Some(Value::Bool(false)) => errs.push(format!("{at}: unexpected property `{k}`")),
                        Some(ap @ Value::Object(_)) => self.validate(ap, val, &format!("{at}.{k}"), errs),
                        _ => {}
                    },
                }
            }
        }
    }

    fn errors(&self, v: &Value) -> Vec<String> {
        let mut errs = Vec::new();
        self.validate(self.root, v, "$", &mut errs);
        errs
    }
}

fn schema() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(p).expect("schema/report.schema.json is committed")).expect("schema is JSON")
}

fn fixture_repos() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(root).unwrap().filter_map(Result::ok).map(|e| e.path().join("repo")).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

fn report(repo: &Path) -> Value {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_mlops-level")).args(["scan", "--format", "json"]).arg(repo).output().unwrap();
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{}: not JSON: {e}", repo.display()))
}

#[test]
fn every_fixture_report_validates_against_the_committed_schema() {
    let schema = schema();
    let v = Validator { root: &schema };
    let repos = fixture_repos();
    assert!(repos.len() >= 14, "expected the fixtures, found {}", repos.len());
    let mut failures = Vec::new();
    let mut saw_chain = false;
    let mut saw_finding = false;
    let mut saw_issue_line = false;
    for (repo, r) in repos.iter().zip(common::par_map(&repos, |r| report(r))) {
        saw_chain |=
            r["criteria"].as_array().unwrap().iter().any(|c| c["evidence"].as_array().unwrap().iter().any(|e| e.get("chain").is_some()));
        saw_finding |= !r["findings"].as_array().unwrap().is_empty();
        saw_issue_line |= r["issues"].as_array().unwrap().iter().any(|i| i.get("line").is_some());
        for e in v.errors(&r) {
            failures.push(format!("{}: {e}", repo.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The fixtures exercise the optional parts of the schema too.
    assert!(saw_chain && saw_finding && saw_issue_line, "chain {saw_chain}, finding {saw_finding}, issue line {saw_issue_line}");
}

#[test]
fn the_schema_rejects_reports_that_break_the_contract() {
    let schema = schema();
    let v = Validator { root: &schema };
    let good = report(&fixture_repos()[0]);
    assert!(v.errors(&good).is_empty());
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut r = good.clone();
        f(&mut r);
        v.errors(&r)
    };
    assert!(!mutate(&|r| r["schema_version"] = 2.into()).is_empty(), "schema_version is pinned");
    assert!(!mutate(&|r| r["level"] = 5.into()).is_empty(), "level is 0-4");
    assert!(!mutate(&|r| r["criteria"][0]["status"] = "passed".into()).is_empty(), "status is an enum");
    assert!(!mutate(&|r| r["extra"] = true.into()).is_empty(), "no undeclared fields");
    assert!(!mutate(&|r| {
        r.as_object_mut().unwrap().remove("capped_by");
    })
    .is_empty());
    assert!(!mutate(&|r| r["levels"][1]["required"]["met"] = "2".into()).is_empty(), "counts are integers");
}
