//! The ML API catalogue: which calls, methods and source patterns of each
//! platform train, track, version a model, deploy, split traffic, monitor or
//! start a pipeline, as data (`rules/catalog/*.yaml`, embedded at build
//! time), read by the Python detector. A team adds its in-house SDK with a
//! catalogue file of its own (`--catalog FILE`, or `catalog:` in
//! `.mlops-level.yml`); the format is documented in `docs/catalog.md`.
//!
//! Example entry: `{call: acme_ml.submit_training, kind: train, script_arg:
//! {position: 0, keyword: script}}` -> every `acme_ml.submit_training("x.py")`
//! is `code.train` evidence, and the script it names is launched by the file
//! that calls it.

use crate::yaml::{self, Node};
use regex::bytes::Regex;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

/// The built-in catalogue files, as (repository path, text).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("rules/catalog/azureml.yaml", include_str!("../../../rules/catalog/azureml.yaml")),
    ("rules/catalog/data.yaml", include_str!("../../../rules/catalog/data.yaml")),
    ("rules/catalog/databricks.yaml", include_str!("../../../rules/catalog/databricks.yaml")),
    ("rules/catalog/feature-stores.yaml", include_str!("../../../rules/catalog/feature-stores.yaml")),
    ("rules/catalog/frameworks.yaml", include_str!("../../../rules/catalog/frameworks.yaml")),
    ("rules/catalog/generic.yaml", include_str!("../../../rules/catalog/generic.yaml")),
    ("rules/catalog/huggingface.yaml", include_str!("../../../rules/catalog/huggingface.yaml")),
    ("rules/catalog/ibm-wml.yaml", include_str!("../../../rules/catalog/ibm-wml.yaml")),
    ("rules/catalog/kfp.yaml", include_str!("../../../rules/catalog/kfp.yaml")),
    ("rules/catalog/mlflow.yaml", include_str!("../../../rules/catalog/mlflow.yaml")),
    ("rules/catalog/model-files.yaml", include_str!("../../../rules/catalog/model-files.yaml")),
    ("rules/catalog/model-tuning.yaml", include_str!("../../../rules/catalog/model-tuning.yaml")),
    ("rules/catalog/monitoring.yaml", include_str!("../../../rules/catalog/monitoring.yaml")),
    ("rules/catalog/orchestrators.yaml", include_str!("../../../rules/catalog/orchestrators.yaml")),
    ("rules/catalog/sagemaker.yaml", include_str!("../../../rules/catalog/sagemaker.yaml")),
    ("rules/catalog/serving.yaml", include_str!("../../../rules/catalog/serving.yaml")),
    ("rules/catalog/trackers.yaml", include_str!("../../../rules/catalog/trackers.yaml")),
    ("rules/catalog/vertex.yaml", include_str!("../../../rules/catalog/vertex.yaml")),
    ("rules/catalog/wandb.yaml", include_str!("../../../rules/catalog/wandb.yaml")),
    ("rules/catalog/zenml.yaml", include_str!("../../../rules/catalog/zenml.yaml")),
];

/// The catalogue kinds: (kind, evidence kind emitted, meaning).
pub const KINDS: &[(&str, &str, &str)] = &[
    ("train", "code.train", "trains a model or launches a training job"),
    ("track", "code.track", "logs parameters or metrics to a tracking system"),
    ("version-model", "code.model-version", "registers or versions a trained model"),
    ("load-model", "code.load-model", "loads a trained model"),
    ("serve", "code.scoring", "defines a scoring or serving entry point"),
    ("deploy", "code.deploy", "deploys a model to a serving target"),
    ("split-traffic", "code.traffic-split", "splits traffic between model deployments"),
    ("invoke-endpoint", "code.invoke-endpoint", "calls a deployed model endpoint"),
    ("monitor", "code.monitor", "monitors a deployed model (drift, quality, performance)"),
    ("log-predictions", "code.prediction-log", "records inputs or predictions of a served model"),
    ("telemetry", "code.telemetry", "switches on generic request telemetry for a deployment (no model inputs or outputs)"),
    ("compute", "code.compute", "declares training compute"),
    ("trigger-pipeline", "code.pipeline-trigger", "starts a pipeline, job or workflow (retraining)"),
    ("prepare-data", "code.data-prep", "acquires, extracts or validates data"),
    ("gate", "code.eval-gate", "gates a model on a metric threshold"),
    ("compare-models", "code.model-compare", "compares a candidate with the current model"),
    ("version-data", "lineage.data-version", "ties a dataset version to a model or run"),
];

/// How an entry recognises a call site.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// A call's qualified name after import resolution (`*` matches anything).
    Call(String),
    /// A method name on an object of unknown type; counts when the file imports one of `needs`.
    Method(String),
    /// A regular expression over the comment-free source.
    Pattern(Regex),
}

/// Which argument of a call names the script or entry point it runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptArg {
    /// 0-based positional index.
    pub position: Option<usize>,
    /// Keyword name.
    pub keyword: Option<String>,
    /// Keyword naming the folder the script is relative to (`source_directory`).
    pub dir_keyword: Option<String>,
}

/// One catalogue entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Platform or library (`mlflow`, `sagemaker`, `acme-ml`).
    pub platform: String,
    /// Catalogue kind (see [`KINDS`]).
    pub kind: String,
    /// Evidence kind emitted.
    pub evidence: &'static str,
    /// The evidence's `tool` attribute (empty: none).
    pub tool: String,
    /// How the call site is recognised.
    pub matcher: Matcher,
    /// The text of the matcher, as written.
    pub matcher_text: String,
    /// Modules one of which the file must import (empty: no condition).
    pub needs: Vec<String>,
    /// Attributes set on the evidence.
    pub attrs: Vec<(String, String)>,
    /// The argument that names the script the call runs, if any.
    pub script_arg: Option<ScriptArg>,
    /// For a `method` entry: qualified constructor names (`*` wildcards)
    /// whose objects the method does not count on (`fit` on a
    /// `sklearn.preprocessing.StandardScaler` prepares data, it trains nothing).
    pub not_on: Vec<String>,
    /// Where the entry is defined (`file:line`).
    pub source: String,
}

/// A loaded catalogue.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Entries in file order.
    pub entries: Vec<Entry>,
    by_method: BTreeMap<String, Vec<usize>>,
    /// Call entries by the first dotted segment of their pattern (each list
    /// also holds the entries whose first segment has a wildcard), in file order.
    calls_by_root: BTreeMap<String, Vec<usize>>,
    /// Call entries whose first segment has a wildcard.
    calls_any_root: Vec<usize>,
    /// The literals of Python source: the Python detector's screened
    /// regexes, then (from the position given) the pattern entries in
    /// [`Catalog::patterns`] order; built on first use, from the entries
    /// as loaded.
    source_screen: std::sync::OnceLock<(crate::rx::LiteralScreen, usize)>,
}

/// Which regexes can match a module, by the literals each needs, found in
/// one pass: the Python detector's screened regexes and the catalogue's
/// patterns ([`Catalog::screen_source`]).
#[derive(Debug, Clone)]
pub struct SourceScreen {
    possible: crate::rx::Possible,
    /// Where the catalogue's patterns start among the consumers.
    patterns_from: usize,
}

impl SourceScreen {
    /// The Python detector's screened regexes that can match (in the order
    /// of their set): what [`crate::rx::RxSet::screen_by`] takes.
    pub fn regexes(&self) -> &crate::rx::Possible {
        &self.possible
    }

    /// Whether pattern `i` of [`Catalog::patterns`] can match.
    pub fn pattern(&self, i: usize) -> bool {
        self.possible.get(self.patterns_from + i)
    }
}

/// Errors of a catalogue file, each `file:line: message`.
#[derive(Debug, Clone)]
pub struct CatalogError(pub Vec<String>);

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogError {}

static BUILTIN: LazyLock<Arc<Catalog>> = LazyLock::new(|| {
    let sources = EMBEDDED.iter().map(|(f, t)| (f.to_string(), t.to_string())).collect();
    Arc::new(Catalog::load(sources).expect("the built-in catalogue is valid (tested)"))
});

impl Catalog {
    /// The built-in catalogue (shared).
    pub fn builtin() -> Arc<Catalog> {
        BUILTIN.clone()
    }

    /// The built-in catalogue plus the given (file name, text) sources.
    pub fn builtin_with(extra: Vec<(String, String)>) -> Result<Catalog, CatalogError> {
        let mut sources: Vec<(String, String)> = EMBEDDED.iter().map(|(f, t)| (f.to_string(), t.to_string())).collect();
        sources.extend(extra);
        Catalog::load(sources)
    }

    /// Load and validate catalogue sources; every problem is reported with its file and line.
    pub fn load(sources: Vec<(String, String)>) -> Result<Catalog, CatalogError> {
        let mut cat = Catalog::default();
        let mut errs = Vec::new();
        for (file, text) in &sources {
            let doc = match yaml::parse(text) {
                Ok(d) => d,
                Err(e) => {
                    errs.push(format!("{file}:{}: not valid YAML: {}", e.line.unwrap_or(1), e.message));
                    continue;
                }
            };
            load_file(file, &doc, &mut cat.entries, &mut errs);
        }
        if !errs.is_empty() {
            return Err(CatalogError(errs));
        }
        for (i, e) in cat.entries.iter().enumerate() {
            match &e.matcher {
                Matcher::Method(m) => cat.by_method.entry(m.clone()).or_default().push(i),
                Matcher::Call(g) => {
                    let root = g.split('.').next().unwrap_or(g);
                    if root.contains('*') {
                        cat.calls_any_root.push(i);
                    } else {
                        cat.calls_by_root.entry(root.to_string()).or_default().push(i);
                    }
                }
                Matcher::Pattern(_) => {}
            }
        }
        for list in cat.calls_by_root.values_mut() {
            list.extend(cat.calls_any_root.iter().copied());
            list.sort_unstable();
        }
        Ok(cat)
    }

    /// Entries that match calls by qualified name.
    pub fn calls(&self) -> impl Iterator<Item = (&Entry, &str)> {
        self.entries.iter().filter_map(|e| match &e.matcher {
            Matcher::Call(g) => Some((e, g.as_str())),
            _ => None,
        })
    }

    /// The call entries that can match a qualified name whose first dotted
    /// segment is `root` (a pattern matches from the start of the name), in
    /// file order: a lookup instead of trying every entry on every call.
    pub fn calls_rooted(&self, root: &str) -> impl Iterator<Item = (&Entry, &str)> {
        let ids = self.calls_by_root.get(root).unwrap_or(&self.calls_any_root);
        ids.iter().filter_map(|&i| match &self.entries[i].matcher {
            Matcher::Call(g) => Some((&self.entries[i], g.as_str())),
            _ => None,
        })
    }

    /// True when some call entry names `root` as its first dotted segment
    /// (`mlflow` of `mlflow.log_metric`): a module the catalogue knows.
    pub fn knows_module(&self, root: &str) -> bool {
        !root.contains(['*', '?']) && self.calls_by_root.contains_key(root)
    }

    /// Entries for a method name.
    pub fn methods(&self, name: &str) -> impl Iterator<Item = &Entry> {
        self.by_method.get(name).into_iter().flatten().map(|&i| &self.entries[i])
    }

    /// The literal name each call and method entry is found by: a call's
    /// last dotted segment without glob characters (`mlflow.log_metric` ->
    /// `log_metric`), a method's name. Pattern entries have none.
    pub fn literals(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .entries
            .iter()
            .filter_map(|e| match &e.matcher {
                Matcher::Call(g) => {
                    let last = g.rsplit('.').next().unwrap_or(g).trim_matches('*');
                    (last.len() >= 3 && !last.contains('*')).then(|| last.to_string())
                }
                Matcher::Method(m) => Some(m.clone()),
                Matcher::Pattern(_) => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Which of the Python detector's screened regexes and of
    /// [`Catalog::patterns`] can match the module `text`, in one pass over
    /// it (by the literals each needs): the others need not run.
    pub fn screen_source(&self, text: &[u8]) -> SourceScreen {
        let (screen, patterns_from) = self.source_screen.get_or_init(|| {
            let regexes = crate::detectors::python::SCREEN.sources();
            let from = regexes.len();
            (crate::rx::LiteralScreen::new(regexes.chain(self.patterns().map(|(_, r)| r.as_str()))), from)
        });
        SourceScreen { possible: screen.possible(text), patterns_from: *patterns_from }
    }

    /// Entries that match the source by a pattern.
    pub fn patterns(&self) -> impl Iterator<Item = (&Entry, &Regex)> {
        self.entries.iter().filter_map(|e| match &e.matcher {
            Matcher::Pattern(r) => Some((e, r)),
            _ => None,
        })
    }
}

/// The evidence kind of a catalogue kind.
pub fn evidence_kind(kind: &str) -> Option<&'static str> {
    KINDS.iter().find(|(k, ..)| *k == kind).map(|(_, e, _)| *e)
}

const FILE_FIELDS: &[&str] = &["platform", "tool", "entries"];
const ENTRY_FIELDS: &[&str] = &["call", "method", "pattern", "platform", "kind", "tool", "needs", "attrs", "script_arg", "not_on"];
const SCRIPT_FIELDS: &[&str] = &["position", "keyword", "dir_keyword"];

fn unknown_fields(file: &str, n: &Node, allowed: &[&str], what: &str, errs: &mut Vec<String>) {
    for (k, _) in n.entries() {
        let name = k.as_str().unwrap_or("");
        if !allowed.contains(&name) {
            errs.push(format!("{file}:{}: unknown field `{name}` in {what} (expected one of: {})", k.line, allowed.join(", ")));
        }
    }
}

fn str_field(file: &str, n: &Node, key: &str, errs: &mut Vec<String>) -> Option<String> {
    let v = n.get(key)?;
    match v.as_str() {
        Some(s) => Some(s.trim().to_string()),
        None if v.is_null() => Some(String::new()),
        None => {
            errs.push(format!("{file}:{}: `{key}` must be a string", v.line));
            None
        }
    }
}

fn load_file(file: &str, doc: &Node, out: &mut Vec<Entry>, errs: &mut Vec<String>) {
    if !doc.is_map() {
        errs.push(format!("{file}:{}: a catalogue file is a mapping with `entries:` (and optionally `platform:`, `tool:`)", doc.line));
        return;
    }
    unknown_fields(file, doc, FILE_FIELDS, "a catalogue file", errs);
    let platform = str_field(file, doc, "platform", errs);
    let tool = str_field(file, doc, "tool", errs);
    let Some(entries) = doc.get("entries") else {
        errs.push(format!("{file}:{}: missing field `entries`", doc.line));
        return;
    };
    if entries.items().is_empty() {
        errs.push(format!("{file}:{}: `entries` must be a non-empty list", entries.line));
        return;
    }
    for n in entries.items() {
        if !n.is_map() {
            errs.push(format!("{file}:{}: an entry is a mapping (`call:`/`method:`/`pattern:`, `kind:` ...)", n.line));
            continue;
        }
        unknown_fields(file, n, ENTRY_FIELDS, "a catalogue entry", errs);
        let at = format!("{file}:{}", n.line);
        let before = errs.len();
        let matchers: Vec<&str> = ["call", "method", "pattern"].into_iter().filter(|k| n.get(k).is_some()).collect();
        if matchers.len() != 1 {
            errs.push(format!("{at}: an entry needs exactly one of `call`, `method`, `pattern` (found {})", matchers.len()));
            continue;
        }
        let mkey = matchers[0];
        let mtext = str_field(file, n, mkey, errs).unwrap_or_default();
        if mtext.is_empty() {
            errs.push(format!("{at}: `{mkey}` is empty"));
        }
        let matcher = match mkey {
            "call" => Matcher::Call(mtext.clone()),
            "method" => {
                if !mtext.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    errs.push(format!("{at}: `method` is a bare method name such as `fit` (got `{mtext}`)"));
                }
                Matcher::Method(mtext.clone())
            }
            _ => match Regex::new(&format!("(?-u){mtext}")) {
                Ok(r) => Matcher::Pattern(r),
                Err(e) => {
                    errs.push(format!("{at}: `pattern` is not a valid regular expression: {}", e.to_string().replace('\n', " ")));
                    continue;
                }
            },
        };
        let platform = match str_field(file, n, "platform", errs).or_else(|| platform.clone()) {
            Some(p) if !p.is_empty() => p,
            _ => {
                errs.push(format!("{at}: no `platform` (set it on the entry or at the top of the file)"));
                String::new()
            }
        };
        let kind = str_field(file, n, "kind", errs).unwrap_or_default();
        let evidence = match evidence_kind(&kind) {
            Some(e) => e,
            None => {
                let line = n.get("kind").map(|k| k.line).unwrap_or(n.line);
                let known: Vec<&str> = KINDS.iter().map(|k| k.0).collect();
                errs.push(format!(
                    "{file}:{line}: {} (expected one of: {})",
                    if kind.is_empty() { "missing field `kind`".to_string() } else { format!("unknown kind `{kind}`") },
                    known.join(", ")
                ));
                ""
            }
        };
        let tool = str_field(file, n, "tool", errs).or_else(|| tool.clone()).unwrap_or_else(|| platform.clone());
        let needs = match n.get("needs") {
            None => Vec::new(),
            Some(v) => {
                let s: Vec<String> = v.strings().into_iter().map(str::to_string).collect();
                if s.is_empty() || s.iter().any(|m| m.is_empty()) {
                    errs.push(format!("{file}:{}: `needs` is a module name or a list of module names", v.line));
                }
                s
            }
        };
        if matches!(matcher, Matcher::Method(_)) && needs.is_empty() {
            errs.push(format!("{at}: a `method` entry needs `needs:` (the modules whose import makes the method name meaningful)"));
        }
        let mut attrs = Vec::new();
        if let Some(a) = n.get("attrs") {
            if !a.is_map() {
                errs.push(format!("{file}:{}: `attrs` must be a mapping of attribute to value", a.line));
            }
            for (k, v) in a.entries() {
                match (k.as_str(), v.as_str()) {
                    (Some(k), Some(v)) => attrs.push((k.to_string(), v.to_string())),
                    _ => errs.push(format!("{file}:{}: attribute values are strings", v.line)),
                }
            }
        }
        let script_arg = n.get("script_arg").and_then(|s| {
            if !s.is_map() {
                errs.push(format!("{file}:{}: `script_arg` is a mapping with `position` and/or `keyword`", s.line));
                return None;
            }
            unknown_fields(file, s, SCRIPT_FIELDS, "`script_arg`", errs);
            let position = s.get("position").and_then(|p| match &p.value {
                yaml::Value::Number(t) => t.parse::<usize>().ok(),
                _ => None,
            });
            if s.get("position").is_some() && position.is_none() {
                errs.push(format!("{file}:{}: `position` is a 0-based argument index", s.line));
            }
            let keyword = str_field(file, s, "keyword", errs).filter(|k| !k.is_empty());
            let dir_keyword = str_field(file, s, "dir_keyword", errs).filter(|k| !k.is_empty());
            if position.is_none() && keyword.is_none() {
                errs.push(format!("{file}:{}: `script_arg` needs `position` or `keyword`", s.line));
            }
            Some(ScriptArg { position, keyword, dir_keyword })
        });
        if script_arg.is_some() && matches!(matcher, Matcher::Pattern(_)) {
            errs.push(format!("{at}: `script_arg` applies to `call` and `method` entries, not `pattern`"));
        }
        let not_on = match n.get("not_on") {
            None => Vec::new(),
            Some(v) => {
                let s: Vec<String> = v.strings().into_iter().map(str::to_string).collect();
                if s.is_empty() || s.iter().any(|m| m.is_empty()) {
                    errs.push(format!("{file}:{}: `not_on` is a list of qualified constructor names", v.line));
                }
                if !matches!(matcher, Matcher::Method(_)) {
                    errs.push(format!("{at}: `not_on` applies to `method` entries only"));
                }
                s
            }
        };
        if errs.len() > before {
            continue;
        }
        out.push(Entry { platform, kind, evidence, tool, matcher, matcher_text: mtext, needs, attrs, script_arg, not_on, source: at });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_and_covers_every_kind_it_declares() {
        let c = Catalog::builtin();
        assert!(c.entries.len() > 150);
        for e in &c.entries {
            assert!(crate::kinds::is_declared(e.evidence), "{} emits undeclared {}", e.source, e.evidence);
        }
        assert!(c.methods("fit").any(|e| e.needs.iter().any(|n| n == "sklearn")));
        assert!(c.calls().any(|(e, g)| g == "mlflow.register_model" && e.kind == "version-model"));
    }

    #[test]
    fn malformed_entries_are_reported_with_file_and_line() {
        let text = "platform: acme\nentries:\n  - call: acme.train\n    kind: trian\n  - method: a.b\n    kind: train\n  - pattern: '('\n    kind: track\n  - call: x\n    method: y\n    kind: track\n  - call: z\n    kind: track\n    colour: red\n";
        let err = Catalog::load(vec![("in-house.yaml".into(), text.into())]).unwrap_err();
        let all = err.to_string();
        assert!(all.contains("in-house.yaml:4: unknown kind `trian`"), "{all}");
        assert!(all.contains("in-house.yaml:5: `method` is a bare method name"), "{all}");
        assert!(all.contains("in-house.yaml:5: a `method` entry needs `needs:`"), "{all}");
        assert!(all.contains("in-house.yaml:7: `pattern` is not a valid regular expression"), "{all}");
        assert!(all.contains("in-house.yaml:9: an entry needs exactly one of"), "{all}");
        assert!(all.contains("in-house.yaml:14: unknown field `colour`"), "{all}");
    }

    #[test]
    fn not_yaml_and_missing_platform_are_errors() {
        assert!(Catalog::load(vec![("a.yaml".into(), "entries: [".into())]).unwrap_err().0[0].starts_with("a.yaml:"));
        let e = Catalog::load(vec![("b.yaml".into(), "entries:\n  - call: x.y\n    kind: train\n".into())]).unwrap_err();
        assert!(e.0[0].contains("b.yaml:2: no `platform`"), "{e}");
    }

    #[test]
    fn script_arg_is_read() {
        let text = "platform: acme\nentries:\n  - call: acme_ml.submit_training\n    kind: train\n    script_arg: {position: 0, keyword: script, dir_keyword: source}\n";
        let c = Catalog::load(vec![("a.yaml".into(), text.into())]).unwrap();
        let sa = c.entries[0].script_arg.clone().unwrap();
        assert_eq!(sa, ScriptArg { position: Some(0), keyword: Some("script".into()), dir_keyword: Some("source".into()) });
        assert_eq!(c.entries[0].tool, "acme");
        assert_eq!(c.entries[0].evidence, "code.train");
    }

    #[test]
    fn not_on_is_read_for_methods_and_refused_elsewhere() {
        let text = "platform: acme\nentries:\n  - method: fit\n    needs: [acme]\n    kind: train\n    not_on: [acme.prep.*]\n";
        let c = Catalog::load(vec![("a.yaml".into(), text.into())]).unwrap();
        assert_eq!(c.entries[0].not_on, vec!["acme.prep.*".to_string()]);
        let text = "platform: acme\nentries:\n  - call: acme.fit\n    kind: train\n    not_on: [acme.prep.*]\n";
        let e = Catalog::load(vec![("b.yaml".into(), text.into())]).unwrap_err();
        assert!(e.to_string().contains("b.yaml:3: `not_on` applies to `method` entries only"), "{e}");
    }
}
