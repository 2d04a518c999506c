//! What a Dagster code location's schedules and sensors start.
//!
//! A Dagster code location (`Definitions(assets=..., schedules=[...])`)
//! imports every asset module, but a schedule starts only the assets its
//! job selects (`define_asset_job("nightly", selection=[predictions])`).
//! The linker follows imports, so without this every asset of the location
//! would read as started by any schedule of it: a nightly scoring schedule
//! would launch the training asset only a person materializes. This module
//! reads the jobs, schedules and sensors of each Dagster module; the linker
//! unites them over the repository (`link::unreach_unscheduled_assets`).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::bytes::Regex;

use super::python::{call_args, literal};
use crate::pylex;

/// Assets a job, schedule or sensor selects.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Every asset, or a selection this reader cannot resolve (a variable,
    /// `downstream()`, a query string): nothing may be ruled out.
    pub all: bool,
    /// Asset names (the last part of a key).
    pub names: BTreeSet<String>,
    /// Asset groups (`AssetSelection.groups("training")`, `"group:training"`).
    pub groups: BTreeSet<String>,
}

impl Selection {
    fn everything() -> Self {
        Selection { all: true, ..Default::default() }
    }

    /// Add `other` to this selection.
    pub fn union(&mut self, other: &Selection) {
        self.all |= other.all;
        self.names.extend(other.names.iter().cloned());
        self.groups.extend(other.groups.iter().cloned());
    }

    /// Whether an asset named `name` (in `group`, when its decorator names
    /// one) may be selected. An asset whose group is not written on it may
    /// be in any group.
    pub fn may_select(&self, name: &str, group: Option<&str>) -> bool {
        self.all || self.names.contains(name) || (!self.groups.is_empty() && group.is_none_or(|g| self.groups.contains(g)))
    }
}

/// What a schedule or sensor starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A job, by its variable or its name (resolved over the repository).
    Job(String),
    /// Assets selected in place (`target=`, `asset_selection=`, an inline
    /// `define_asset_job`).
    Assets(Selection),
}

/// One module's asset jobs and the targets of its schedules and sensors.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Launches {
    /// Asset jobs, each under its variable and under its name.
    pub jobs: Vec<(String, Selection)>,
    /// What each schedule or sensor starts.
    pub targets: Vec<Target>,
}

/// Literals one of which every module [`launches`] reads something in holds:
/// the linker reads those modules' texts, so the scan keeps them.
pub const KEYS: &[&str] = &[
    "define_asset_job",
    "ScheduleDefinition",
    "SensorDefinition",
    "build_schedule_from_partitioned_job",
    "automation_condition",
    "AutoMaterializePolicy",
    "auto_materialize_policy",
    "@schedule",
    "@sensor",
    "@asset_sensor",
    "@multi_asset_sensor",
    "@run_status_sensor",
    "@run_failure_sensor",
    "@dg.schedule",
    "@dg.sensor",
    "@dg.asset_sensor",
    "@dg.multi_asset_sensor",
    "@dg.run_status_sensor",
    "@dg.run_failure_sensor",
    "@dagster.schedule",
    "@dagster.sensor",
    "@dagster.asset_sensor",
    "@dagster.multi_asset_sensor",
    "@dagster.run_status_sensor",
    "@dagster.run_failure_sensor",
];

/// Read a Dagster module's asset jobs, schedules and sensors.
pub fn launches(text: &str) -> Launches {
    static RX_JOB: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bdefine_asset_job[ \t]*\(").unwrap());
    static RX_ASSIGNED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?-u)^[ \t]*([A-Za-z_]\w*)[ \t]*(?::[^=]*)?=[ \t]*(?:\w+\.)*$").unwrap());
    static RX_STARTER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?-u)\b(ScheduleDefinition|SensorDefinition|build_schedule_from_partitioned_job)[ \t]*\(|@(?:dg\.|dagster\.)?(schedule|sensor|asset_sensor|multi_asset_sensor|run_status_sensor|run_failure_sensor)\b",
        )
        .unwrap()
    });
    let mut out = Launches::default();
    if !text.contains("dagster") {
        return out;
    }
    let masked = pylex::mask(text);
    let bytes = masked.as_bytes();
    for m in RX_JOB.find_iter(bytes) {
        let args = call_args(bytes, m.start());
        let sel = job_selection(&args);
        let name = args
            .iter()
            .find(|(k, _)| k.as_deref() == Some("name"))
            .or_else(|| args.iter().find(|(k, _)| k.is_none()))
            .and_then(|(_, v)| literal(v));
        if let Some(n) = name {
            out.jobs.push((n, sel.clone()));
        }
        // Its variable: the start of the line, up to the call.
        let line = bytes[..m.start()].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if let Some(c) = RX_ASSIGNED.captures(&bytes[line..m.start()]) {
            out.jobs.push((String::from_utf8_lossy(&c[1]).into_owned(), sel));
        }
    }
    for c in RX_STARTER.captures_iter(bytes) {
        let whole = c.get(0).expect("match");
        let call = c.get(1).map(|m| m.as_bytes());
        let decorator = c.get(2).map(|m| m.as_bytes());
        // A bare decorator has no arguments; a decorator's own arguments
        // open right after its name.
        let opens = bytes[whole.end()..].iter().find(|b| !matches!(b, b' ' | b'\t')) == Some(&b'(');
        let args = if call.is_some() || opens { call_args(bytes, whole.end() - usize::from(call.is_some())) } else { Vec::new() };
        let kw = |k: &str| args.iter().find(|(key, _)| key.as_deref() == Some(k)).map(|(_, v)| v.as_str());
        let mut found = false;
        for k in ["job", "target", "request_job"] {
            if let Some(v) = kw(k) {
                out.targets.push(target(v));
                found = true;
            }
        }
        for k in ["jobs", "request_jobs"] {
            if let Some(v) = kw(k) {
                out.targets.extend(list_items(v).into_iter().map(target));
                found = true;
            }
        }
        if let Some(v) = kw("job_name").and_then(literal) {
            out.targets.push(Target::Job(v));
            found = true;
        }
        if let Some(v) = kw("asset_selection") {
            out.targets.push(Target::Assets(selection(v)));
            found = true;
        }
        if call == Some(b"build_schedule_from_partitioned_job".as_slice()) {
            if let Some((_, v)) = args.iter().find(|(k, _)| k.is_none()) {
                out.targets.push(target(v));
                found = true;
            }
        }
        // A run-status or failure sensor that requests no job only reports;
        // any other starter of unknown target (a sensor yielding
        // `RunRequest`s) may start anything.
        let reports = matches!(decorator, Some(b"run_status_sensor" | b"run_failure_sensor"));
        if !found && !reports {
            out.targets.push(Target::Assets(Selection::everything()));
        }
    }
    // Declarative automation: assets that materialize themselves.
    if ["automation_condition", "AutoMaterializePolicy", "auto_materialize_policy"].iter().any(|w| masked.contains(w)) {
        out.targets.push(Target::Assets(Selection::everything()));
    }
    out
}

/// Unite every module's targets, each job resolved by variable or name
/// over all modules; a job no module defines as an asset job (an op job, a
/// job built elsewhere) may run anything.
pub fn started(modules: &[Launches]) -> Selection {
    let mut jobs: std::collections::BTreeMap<&str, Vec<&Selection>> = std::collections::BTreeMap::new();
    for (n, sel) in modules.iter().flat_map(|m| &m.jobs) {
        jobs.entry(n.as_str()).or_default().push(sel);
    }
    let mut s = Selection::default();
    for t in modules.iter().flat_map(|m| &m.targets) {
        match t {
            Target::Assets(a) => s.union(a),
            Target::Job(j) => {
                let Some(defined) = jobs.get(j.as_str()) else { return Selection::everything() };
                for sel in defined {
                    s.union(sel);
                }
            }
        }
        if s.all {
            break;
        }
    }
    s
}

/// What a `define_asset_job(name, selection)` call selects: its
/// `selection=` or second argument; every asset without one.
fn job_selection(args: &[(Option<String>, String)]) -> Selection {
    args.iter()
        .find(|(k, _)| k.as_deref() == Some("selection"))
        .or_else(|| args.iter().filter(|(k, _)| k.is_none()).nth(1))
        .map_or_else(Selection::everything, |(_, v)| selection(v))
}

/// A job reference (`training_job`, `jobs.training_job`) or a job or
/// selection written in place.
fn target(v: &str) -> Target {
    let v = v.trim();
    if let Some(inner) = v.find("define_asset_job").filter(|_| v.contains('(')) {
        return Target::Assets(job_selection(&call_args(v.as_bytes(), inner)));
    }
    if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        return Target::Job(v.rsplit('.').next().unwrap_or(v).to_string());
    }
    Target::Assets(selection(v))
}

/// An asset selection: lists of assets or keys, `AssetSelection.assets`,
/// `.keys`, `.groups`, selection strings, and unions of them (`|`).
/// Anything else (a variable, `.downstream()`, `-`, a query with spaces)
/// may select anything.
fn selection(v: &str) -> Selection {
    let mut s = Selection::default();
    for part in v.split('|').map(str::trim) {
        let part = part.strip_prefix("dg.").unwrap_or(part);
        let args = |call: &str| part.strip_prefix(call).and_then(|r| r.trim_start().strip_prefix('(')?.strip_suffix(')'));
        if ["downstream", "upstream", "sinks", "roots", "required_multi_asset_neighbors", " - ", " & ", "*", "+"]
            .iter()
            .any(|w| part.contains(w))
        {
            return Selection::everything();
        }
        if let Some(a) = args("AssetSelection.groups") {
            for g in list_items(a) {
                match literal(g) {
                    Some(g) => s.groups.insert(g),
                    None => return Selection::everything(),
                };
            }
        } else if let Some(a) = args("AssetSelection.assets").or_else(|| args("AssetSelection.keys")) {
            for i in list_items(a) {
                if !item(i, &mut s) {
                    return Selection::everything();
                }
            }
        } else if part.starts_with('[') || part.starts_with('(') || literal(part).is_some() {
            for i in list_items(part) {
                if !item(i, &mut s) {
                    return Selection::everything();
                }
            }
        } else {
            return Selection::everything();
        }
    }
    s
}

/// One selected asset: an asset object (`training.digit_model`), its key
/// (`"digit_model"`, `"ml/digit_model"`, `AssetKey(["ml", "digit_model"])`,
/// `["ml", "digit_model"]`) or a group (`"group:training"`). False for what
/// is not one of those.
fn item(i: &str, s: &mut Selection) -> bool {
    let i = i.trim();
    if let Some(lit) = literal(i) {
        if let Some(g) = lit.strip_prefix("group:") {
            if g.is_empty() || !g.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return false;
            }
            s.groups.insert(g.to_string());
            return true;
        }
        if lit.contains([' ', ':', '*', '+']) {
            return false;
        }
        s.names.insert(lit.rsplit('/').next().unwrap_or(&lit).to_string());
        return true;
    }
    // A key path: the asset is its last part.
    let key = i.strip_prefix("dg.").unwrap_or(i);
    let key = key.strip_prefix("AssetKey").map(str::trim_start).unwrap_or(key);
    let key = key.strip_prefix('(').and_then(|k| k.strip_suffix(')')).unwrap_or(key);
    if key.starts_with('[') {
        let Some(last) = list_items(key).last().and_then(|l| literal(l)) else { return false };
        s.names.insert(last);
        return true;
    }
    if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
        s.names.insert(key.rsplit('.').next().unwrap_or(key).to_string());
        return true;
    }
    false
}

/// The items of a list or tuple literal (or of a bare argument list).
fn list_items(v: &str) -> Vec<&str> {
    let v = v.trim();
    let inner = v
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .or_else(|| v.strip_prefix('(').and_then(|r| r.strip_suffix(')')))
        .unwrap_or(v);
    let mut items = Vec::new();
    let mut rest = inner;
    while let Some(i) = pylex::top_level_comma(rest.as_bytes()) {
        items.push(rest[..i].trim());
        rest = &rest[i + 1..];
    }
    items.push(rest.trim());
    items.retain(|i| !i.is_empty());
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &Selection) -> Vec<&str> {
        s.names.iter().map(String::as_str).collect()
    }

    #[test]
    fn a_schedule_starts_only_the_assets_its_job_selects() {
        let jobs = launches(
            "import dagster as dg\nfrom pkg.assets import model, preds\n\ntraining_job = dg.define_asset_job(\"training_job\", selection=[model])\ninference_job = dg.define_asset_job(\n    \"inference_job\",\n    selection=[preds, \"ml/features\"],\n)\n",
        );
        let sched = launches("import dagster as dg\nfrom pkg.jobs import inference_job\n\nnightly = dg.ScheduleDefinition(job=inference_job, cron_schedule=\"0 2 * * *\")\n");
        assert_eq!(sched.targets, vec![Target::Job("inference_job".into())]);
        let s = started(&[jobs.clone(), sched]);
        assert!(!s.all);
        assert_eq!(names(&s), ["features", "preds"]);
        assert!(!s.may_select("model", None));
        assert!(s.may_select("preds", Some("inference")));
        // Scheduling the training job too starts the model.
        let both = launches("from dagster import ScheduleDefinition\nfrom pkg.jobs import training_job, inference_job\nschedules = [ScheduleDefinition(job=training_job, cron_schedule=\"@weekly\"), ScheduleDefinition(job=inference_job, cron_schedule=\"@daily\")]\n");
        assert!(started(&[jobs, both]).may_select("model", None));
    }

    #[test]
    fn groups_keys_and_job_names_resolve() {
        let jobs = launches("from dagster import AssetSelection, define_asset_job\nscoring = define_asset_job(name=\"score\", selection=AssetSelection.groups(\"inference\") | AssetSelection.keys(\"ml/report\"))\n");
        let sensor = launches("from dagster import sensor, RunRequest\n@sensor(job_name=\"score\", minimum_interval_seconds=60)\ndef new_files(context):\n    yield RunRequest()\n");
        let s = started(&[jobs, sensor]);
        assert!(!s.all);
        assert_eq!(s.groups.iter().collect::<Vec<_>>(), ["inference"]);
        assert!(s.may_select("report", Some("reports")));
        assert!(s.may_select("scores", Some("inference")));
        assert!(!s.may_select("model", Some("training")));
        // An asset whose group is not written on it may be in the selected group.
        assert!(s.may_select("model", None));
        // Inline jobs and selection strings; a decorated schedule.
        let inline = launches("import dagster as dg\n@dg.schedule(cron_schedule=\"0 * * * *\", target=[\"group:etl\", \"raw_data\"])\ndef hourly(context):\n    return dg.RunRequest()\nd = dg.ScheduleDefinition(job=dg.define_asset_job(\"x\", selection=[\"scores\"]), cron_schedule=\"@daily\")\n");
        let s = started(&[inline]);
        assert_eq!(names(&s), ["raw_data", "scores"]);
        assert!(s.groups.contains("etl"));
    }

    #[test]
    fn every_module_read_holds_a_key() {
        for src in [
            "import dagster as dg\nj = dg.define_asset_job(\"j\", selection=[\"a\"])\n",
            "from dagster import schedule\n@schedule(job=j, cron_schedule=\"@daily\")\ndef s(c):\n    pass\n",
            "import dagster as dg\n@dg.multi_asset_sensor(monitored_assets=[], job=j)\ndef s(c):\n    pass\n",
            "import dagster\n@dagster.asset(automation_condition=dagster.AutomationCondition.eager())\ndef a():\n    pass\n",
        ] {
            assert_ne!(launches(src), Launches::default(), "{src}");
            assert!(KEYS.iter().any(|k| src.contains(k)), "{src}");
        }
    }

    #[test]
    fn what_cannot_be_resolved_may_start_anything() {
        let all = |src: &str| started(&[launches(src)]).all;
        // A job no module defines as an asset job (an op job).
        assert!(all("from dagster import ScheduleDefinition\nfrom pkg.jobs import train_graph_job\ns = ScheduleDefinition(job=train_graph_job, cron_schedule=\"@daily\")\n"));
        // A job without a selection selects every asset.
        assert!(all(
            "import dagster as dg\nj = dg.define_asset_job(\"all\")\ns = dg.ScheduleDefinition(job=j, cron_schedule=\"@daily\")\n"
        ));
        // Selections this reader does not resolve.
        for sel in [
            "AssetSelection.assets(raw).downstream()",
            "training_assets",
            "\"*\"",
            "AssetSelection.all() - AssetSelection.groups(\"x\")",
            "\"tag:nightly\"",
        ] {
            assert!(all(&format!("import dagster as dg\nj = dg.define_asset_job(\"j\", selection={sel})\ns = dg.ScheduleDefinition(job=j, cron_schedule=\"@daily\")\n")), "{sel}");
        }
        // A sensor that yields its own run requests; declarative automation.
        assert!(all("from dagster import sensor\n@sensor\ndef watch(context):\n    pass\n"));
        assert!(all("import dagster as dg\n@dg.asset(automation_condition=dg.AutomationCondition.eager())\ndef model():\n    pass\n"));
        // A failure sensor that requests no job starts nothing.
        assert!(!all("from dagster import run_failure_sensor\n@run_failure_sensor\ndef alert(context):\n    pass\n"));
        // Commented-out schedules start nothing; non-Dagster text is not read.
        assert_eq!(launches("import dagster as dg\n# s = dg.ScheduleDefinition(job=training_job)\n").targets, vec![]);
        assert_eq!(launches("ScheduleDefinition(job=x)\n"), Launches::default());
    }
}
