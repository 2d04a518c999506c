//! GitLab CI: the root `.gitlab-ci.yml` and the local files it includes.
//!
//! Emits `ci.pipeline`, `ci.trigger` (GitLab's default branch pipelines are
//! push; `workflow:rules` / job `rules` / `only` add or narrow merge request,
//! schedule, tag, web and API triggers), `ci.environment`, `ci.unparsable`, and
//! one root unit per job with its `before_script` / `script` / `after_script`
//! commands (`extends` resolved). Hidden jobs (`.name`) are templates, not
//! jobs; jobs with `when: never` are disabled. Example: `test: {script:
//! [pytest]}` -> trigger push (default), unit `ci:.gitlab-ci.yml#test`.

use crate::evidence::{Confidence, Evidence, Location, ScanIssue};
use crate::yaml::{self, Node};
use crate::{Detector, FileCtx, Output, Unit};
use std::collections::BTreeSet;

/// The GitLab CI detector.
pub struct GitlabCi;

const NAME: &str = "gitlab-ci";
const RESERVED: &[&str] = &[
    "stages",
    "variables",
    "default",
    "include",
    "workflow",
    "image",
    "services",
    "before_script",
    "after_script",
    "cache",
    "pages_not_a_job",
];

impl Detector for GitlabCi {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        path == ".gitlab-ci.yml" || path == ".gitlab-ci.yaml"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let doc = match yaml::parse(f.text) {
            Ok(d) => d,
            Err(e) => {
                out.issues.push(ScanIssue::new(f.path, e.line, "yaml-parse", format!("GitLab CI file is not valid YAML: {}", e.message)));
                out.push(
                    Evidence::new("ci.unparsable", NAME, Location::line(f.path, e.line.unwrap_or(1)), Confidence::High, &e.message)
                        .attr("system", "gitlab-ci"),
                );
                return;
            }
        };
        // Local includes: their jobs join this pipeline.
        let mut docs: Vec<(String, yaml::Doc)> = vec![(f.path.to_string(), doc.clone())];
        for (inc, inputs) in includes(&doc) {
            let inc = inc.trim_start_matches('/').to_string();
            if let Some(text) = f.repo.text(&inc) {
                match with_inputs(&text, &inputs) {
                    Ok(d) => docs.push((inc, d)),
                    Err(e) => out.issues.push(ScanIssue::new(
                        &inc,
                        e.line,
                        "yaml-parse",
                        format!("included GitLab CI file is not valid YAML: {}", e.message),
                    )),
                }
            }
        }
        let all_jobs: Vec<(&str, &Node, &Node, &str)> = docs
            .iter()
            .flat_map(|(p, d)| d.entries().iter().filter_map(move |(k, v)| k.as_str().map(|n| (n, k, v, p.as_str()))))
            .filter(|(n, _, v, _)| !RESERVED.contains(n) && v.is_map())
            .collect();
        let lookup = |name: &str| all_jobs.iter().find(|(n, ..)| *n == name).map(|(_, _, v, _)| *v);
        let explicit = doc.path(&["workflow", "rules"]).and_then(conditions_triggers);
        let default = explicit.is_none();
        let declared = explicit.unwrap_or_else(|| ["push".to_string()].into());
        // Each job's triggers, once; `None` for templates and jobs that run
        // nothing (no `script:`, no `trigger:`).
        let per_job: Vec<Option<BTreeSet<String>>> = all_jobs
            .iter()
            .map(|(name, _, job, _)| {
                let runs = resolve(job, "script", &lookup, 0).is_some() || resolve(job, "trigger", &lookup, 0).is_some();
                (!name.starts_with('.') && runs).then(|| job_triggers(job, &lookup, &declared))
            })
            .collect();
        pipeline_triggers(f.path, &doc, &declared, default, &per_job, out);
        if let Some(rules) = doc.path(&["workflow", "rules"]) {
            changes_filters(out, f.path, rules, None);
        }
        out.push(
            Evidence::new("ci.pipeline", NAME, Location::line(f.path, 1), Confidence::High, "gitlab-ci pipeline")
                .attr("system", "gitlab-ci")
                .attr("triggers", declared.iter().cloned().collect::<Vec<_>>().join(",")),
        );
        let stages: Vec<&str> = match doc.get("stages") {
            Some(s) => s.strings(),
            None => vec!["build", "test", "deploy"],
        };
        // Each job's stage rank (hidden templates excluded), in file order.
        let ranks: Vec<(&str, usize, &str)> = all_jobs
            .iter()
            .filter(|(n, ..)| !n.starts_with('.'))
            .map(|(n, _, v, p)| (*n, stage_rank(&stages, resolve(v, "stage", &lookup, 0).and_then(Node::as_str).unwrap_or("test")), *p))
            .collect();
        let default_before = doc.path(&["default", "before_script"]).or_else(|| doc.get("before_script"));
        let first_unit = out.units.len();
        for ((name, key, job, path), triggers) in all_jobs.iter().zip(per_job) {
            let Some(triggers) = triggers.filter(|t| !t.is_empty()) else { continue };
            let field = |k: &str| resolve(job, k, &lookup, 0);
            let id = format!("ci:{path}#{name}");
            let mut unit = Unit::new(id, Location::new(*path, key.line, job.last_line()), name);
            unit.root = true;
            unit.triggers = triggers;
            // What it waits for: `needs:`, else every job of the earlier stages.
            match field("needs") {
                Some(needs) => {
                    for n in needs.items() {
                        if let Some(j) = n.as_str().or_else(|| n.get("job").and_then(Node::as_str)) {
                            if let Some((_, _, _, p)) = all_jobs.iter().find(|(jn, ..)| *jn == j) {
                                unit.after.push(format!("ci:{p}#{j}"));
                            }
                        }
                    }
                }
                None => {
                    // The jobs of the nearest earlier stage that has any: they
                    // wait in turn for theirs, so the order stays transitive
                    // while a job lists one stage, not every job before it.
                    let mine = ranks.iter().find(|(n, ..)| n == name).map(|(_, r, _)| *r).unwrap_or(0);
                    let prev = ranks.iter().map(|(_, r, _)| *r).filter(|r| *r < mine).max();
                    for (jn, _, p) in ranks.iter().filter(|(_, r, _)| Some(*r) == prev) {
                        unit.after.push(format!("ci:{p}#{jn}"));
                    }
                }
            }
            if let Some(rules) = field("rules") {
                changes_filters(out, path, rules, Some(&unit.id));
            }
            if let Some(changes) = field("only").and_then(|o| o.get("changes")) {
                let globs = changes.get("paths").unwrap_or(changes);
                super::path_filters(out, NAME, "gitlab-ci", path, globs, Some(&unit.id));
            }
            if let Some(cond) = drift_rule(job, &lookup) {
                super::drift_gate(out, NAME, path, key.line, job.last_line(), &cond, &unit.id);
            }
            super::read_vars(doc.get("variables"), &mut unit.vars);
            super::read_vars(field("variables"), &mut unit.vars);
            // `before_script` and `script` run in one shell; `after_script` in another.
            let before = field("before_script").or(default_before);
            for session in [vec![before, field("script")], vec![field("after_script")]] {
                let mut chunks = Vec::new();
                for k in session.into_iter().flatten() {
                    script_lines(k, &mut chunks, &lookup, 0);
                }
                super::add_shell_session(&mut unit, out, NAME, path, &chunks, "", Some(f.repo));
            }
            if let Some(env) = field("environment") {
                let env_name = env.as_str().or_else(|| env.get("name").and_then(Node::as_str)).unwrap_or("");
                if !env_name.is_empty() && !env_name.contains('$') {
                    out.push_in(
                        Evidence::new(
                            "ci.environment",
                            NAME,
                            Location::line(*path, env.line),
                            Confidence::High,
                            &format!("environment: {env_name}"),
                        )
                        .attr("system", "gitlab-ci")
                        .attr("name", env_name.to_lowercase()),
                        &unit.id,
                    );
                }
            }
            out.units.push(unit);
        }
        gate_behind_blocking_manual_jobs(&mut out.units[first_unit..], &all_jobs, &lookup);
    }
}

/// The `if:` of each allowing rule of a job (`""` for a rule without one),
/// or `[""]` when it has no `rules:` (it runs in every pipeline).
fn allowing_conditions<'a>(job: &'a Node, lookup: &dyn Fn(&str) -> Option<&'a Node>) -> Vec<&'a str> {
    match resolve(job, "rules", lookup, 0) {
        Some(rules) => rules
            .items()
            .iter()
            .filter(|r| r.get("when").and_then(Node::as_str) != Some("never"))
            .map(|r| r.get("if").and_then(Node::as_str).unwrap_or(""))
            .collect(),
        None => vec![""],
    }
}

/// A blocking manual job: `when: manual` in an allowing rule, which GitLab
/// makes `allow_failure: false` unless the rule or job says otherwise. The
/// later stages (and the jobs that `needs:` it) wait for a person to play it.
/// A job-level `when: manual` is not blocking (it defaults to
/// `allow_failure: true`).
fn blocking_manual<'a>(job: &'a Node, lookup: &dyn Fn(&str) -> Option<&'a Node>) -> bool {
    let allowed = |n: Option<&Node>| n.and_then(Node::as_str).is_some_and(|v| v == "true") || n.is_some_and(|v| v.is_map());
    let Some(rules) = resolve(job, "rules", lookup, 0) else { return false };
    let manual: Vec<&Node> = rules.items().iter().filter(|r| r.get("when").and_then(Node::as_str) == Some("manual")).collect();
    !manual.is_empty() && !allowed(resolve(job, "allow_failure", lookup, 0)) && manual.iter().all(|r| !allowed(r.get("allow_failure")))
}

/// Jobs that wait (by stage or `needs:`) for a blocking manual job of the
/// same pipelines, directly or through other such jobs, run only once a
/// person plays it: their triggers become `manual`. The manual job is in a
/// waiting job's pipelines when every condition allowing the waiting job
/// also allows it (or it is allowed unconditionally).
fn gate_behind_blocking_manual_jobs<'a>(
    units: &mut [Unit],
    all_jobs: &[(&str, &Node, &'a Node, &str)],
    lookup: &dyn Fn(&str) -> Option<&'a Node>,
) {
    let blockers: std::collections::HashMap<String, Vec<&str>> = all_jobs
        .iter()
        .filter(|(n, _, job, _)| !n.starts_with('.') && blocking_manual(job, lookup))
        .map(|(n, _, job, p)| (format!("ci:{p}#{n}"), allowing_conditions(job, lookup)))
        .collect();
    if blockers.is_empty() {
        return;
    }
    // Each unit's job, by id, found once (not a search per unit and round).
    let jobs: std::collections::HashMap<String, &'a Node> = all_jobs.iter().map(|(n, _, job, p)| (format!("ci:{p}#{n}"), *job)).collect();
    let mut gated: BTreeSet<String> = BTreeSet::new();
    // Waits chain through stages; a few rounds settle any real file.
    for _ in 0..4 {
        let mut changed = false;
        for u in units.iter_mut() {
            if gated.contains(&u.id) || blockers.contains_key(&u.id) {
                continue;
            }
            let Some(job) = jobs.get(&u.id) else { continue };
            let mine = allowing_conditions(job, lookup);
            let waits = u.after.iter().any(|a| {
                gated.contains(a) || blockers.get(a).is_some_and(|conds| conds.contains(&"") || mine.iter().all(|c| conds.contains(c)))
            });
            if waits {
                u.triggers = ["manual".to_string()].into();
                gated.insert(u.id.clone());
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}

/// The local files `include:` names, each with the literal `inputs:` it passes.
fn includes(doc: &Node) -> Vec<(String, Vec<(String, String)>)> {
    let Some(inc) = doc.get("include") else { return vec![] };
    let mut out = Vec::new();
    let mut one = |n: &Node| {
        if let Some(s) = n.as_str() {
            if !s.starts_with("http") {
                out.push((s.to_string(), Vec::new()));
            }
        } else if let Some(l) = n.get("local").and_then(Node::as_str) {
            let inputs = n
                .get("inputs")
                .map(Node::entries)
                .unwrap_or_default()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                .collect();
            out.push((l.to_string(), inputs));
        }
    };
    match &inc.value {
        yaml::Value::Seq(items) => items.iter().for_each(&mut one),
        _ => one(inc),
    }
    out
}

/// Parse an included file. A file that declares `spec: inputs:` in a header
/// document is its second document, with every `$[[ inputs.x ]]` replaced by
/// the value the include passes, else the input's `default:` (GitLab
/// interpolates inputs into the text before reading the jobs). Inputs with
/// no value stay as written.
fn with_inputs(text: &str, passed: &[(String, String)]) -> Result<yaml::Doc, yaml::YamlError> {
    let docs = yaml::parse_all(text)?;
    let Some(spec) = docs.first().and_then(|d| d.path(&["spec", "inputs"])).filter(|_| docs.len() > 1) else {
        return Ok(docs.into());
    };
    let mut values: Vec<(String, String)> =
        spec.entries().iter().filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.get("default")?.as_str()?.to_string()))).collect();
    for (k, v) in passed {
        values.retain(|(n, _)| n != k);
        values.push((k.clone(), v.clone()));
    }
    // The header document ends at the first `---` line; keep line numbers.
    let header_end = text.lines().position(|l| l.trim_end() == "---").unwrap_or(0);
    let mut body = String::new();
    for (i, l) in text.lines().enumerate() {
        if i > header_end {
            body.push_str(&interpolate(l, &values));
        }
        body.push('\n');
    }
    yaml::parse(&body)
}

/// Replace `$[[ inputs.x ]]` (any spacing, with or without `| functions`) by the value of `x`.
fn interpolate(line: &str, values: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(pos) = rest.find("$[[") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 3..];
        let Some(end) = after.find("]]") else {
            out.push_str(&rest[pos..]);
            return out;
        };
        let inner = after[..end].split('|').next().unwrap_or("").trim();
        match inner.strip_prefix("inputs.").and_then(|k| values.iter().find(|(n, _)| n == k)) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(&rest[pos..pos + 3 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Look `key` up in the job, then in what it `extends` (depth-limited).
fn resolve<'a>(job: &'a Node, key: &str, lookup: &dyn Fn(&str) -> Option<&'a Node>, depth: u8) -> Option<&'a Node> {
    if let Some(v) = job.get(key) {
        return Some(v);
    }
    if depth > 8 {
        return None;
    }
    let parents = job.get("extends").map(Node::strings).unwrap_or_default();
    parents.iter().rev().find_map(|p| lookup(p).and_then(|pj| resolve(pj, key, lookup, depth + 1)))
}

/// The command strings of a script key, `!reference`s followed, as chunks of
/// one shell session.
fn script_lines<'a>(n: &'a Node, chunks: &mut Vec<(&'a str, u32)>, lookup: &dyn Fn(&str) -> Option<&'a Node>, depth: u8) {
    match &n.value {
        yaml::Value::Seq(items) => {
            for i in items {
                match &i.value {
                    yaml::Value::Seq(parts) => {
                        // `!reference [.job, key, ...]` (the tag is dropped by the parser):
                        // a nested list whose first item names a job.
                        let names: Vec<&str> = parts.iter().filter_map(Node::as_str).collect();
                        let target = names.first().and_then(|j| lookup(j)).and_then(|j| names[1..].iter().try_fold(j, |n, k| n.get(k)));
                        match target {
                            Some(t) if depth < 4 => script_lines(t, chunks, lookup, depth + 1),
                            Some(_) => {}
                            None => script_lines(i, chunks, lookup, depth + 1),
                        }
                    }
                    _ => chunks.extend(i.as_str().map(|s| (s, i.line))),
                }
            }
        }
        _ => chunks.extend(n.as_str().map(|s| (s, n.line))),
    }
}

/// Map a `$CI_PIPELINE_SOURCE` value or an `only:` keyword to a trigger class.
fn source_trigger(v: &str) -> Option<&'static str> {
    Some(match v {
        "push" | "branches" => "push",
        "merge_request_event" | "merge_requests" | "external_pull_request_event" => "pull_request",
        "schedule" | "schedules" => "schedule",
        "web" => "manual",
        "tags" => "tag",
        "api" | "trigger" | "triggers" | "pipeline" | "parent_pipeline" | "pipelines" => "external",
        _ => return None,
    })
}

/// Where a stage runs: `.pre` first, the declared stages in order, `.post`
/// last (an undeclared stage is not run; it is ranked last).
fn stage_rank(stages: &[&str], stage: &str) -> usize {
    match stage {
        ".pre" => 0,
        ".post" => stages.len() + 1,
        s => stages.iter().position(|x| *x == s).map(|i| i + 1).unwrap_or(stages.len() + 2),
    }
}

/// `ci.path-filter` evidence for the `changes:` of allowing `rules:`
/// entries (a list of globs, or `changes: {paths: [...]}`).
fn changes_filters(out: &mut Output, path: &str, rules: &Node, unit: Option<&str>) {
    for r in rules.items() {
        if r.get("when").and_then(Node::as_str) == Some("never") {
            continue;
        }
        if let Some(changes) = r.get("changes") {
            let globs = changes.get("paths").unwrap_or(changes);
            super::path_filters(out, NAME, "gitlab-ci", path, globs, unit);
        }
    }
}

fn conditions_triggers(rules: &Node) -> Option<BTreeSet<String>> {
    // Each rule: `if:` expression (+ `when:`). Collect trigger classes named
    // by allowing rules; a rule naming none allows the default (push).
    let mut set = BTreeSet::new();
    let mut any_rule = false;
    for r in rules.items() {
        any_rule = true;
        let when = r.get("when").and_then(Node::as_str).unwrap_or("on_success");
        if when == "never" {
            continue;
        }
        let cond = r.get("if").and_then(Node::as_str).unwrap_or("");
        let mut named = false;
        for src in [
            "merge_request_event",
            "schedule",
            "web",
            "api",
            "trigger",
            "pipeline",
            "parent_pipeline",
            "push",
            "external_pull_request_event",
        ] {
            if cond.contains(&format!("\"{src}\"")) || cond.contains(&format!("'{src}'")) {
                if cond.contains("!=") {
                    continue;
                }
                named = true;
                set.insert(source_trigger(src).unwrap().to_string());
            }
        }
        if cond.contains("CI_COMMIT_TAG") && !cond.contains("== null") && !cond.contains("!=") || cond.trim() == "$CI_COMMIT_TAG" {
            named = true;
            set.insert("tag".into());
        }
        if !named {
            let push = if topic_branch_condition(cond) { "side-branch" } else { "push" };
            set.insert(if when == "manual" { "manual".into() } else { push.into() });
        } else if when == "manual" {
            set.clear();
            set.insert("manual".into());
        }
    }
    any_rule.then_some(set)
}

/// True when a rule's `if:` lets a job run only on topic or personal
/// branches: it tests the branch (`$CI_COMMIT_BRANCH`, `$CI_COMMIT_REF_NAME`,
/// `$CI_COMMIT_REF_SLUG`) for equality with a name or a regex anchored on a
/// literal prefix, and every name is a topic branch's
/// ([`super::topic_branches_only`]: `exp/x`, `feature-*`, `my_debug`).
/// A disjunction (`||`) or a negated test may run on the main line.
fn topic_branch_condition(cond: &str) -> bool {
    static RX: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"\$\{?CI_COMMIT_(?:BRANCH|REF_NAME|REF_SLUG)\}?[ \t]*(==|=~)[ \t]*(?:"([^"]*)"|'([^']*)'|/\^([^/]*(?:\/[^/]*)*)/)"#,
        )
        .unwrap()
    });
    // Only the branch tests matter: `$CI_PIPELINE_SOURCE != "merge_request_event"`
    // beside them (no duplicate MR pipeline) runs on no other branch.
    if cond.contains("||") {
        return false;
    }
    let branch_tests: Vec<&str> = cond.split("&&").filter(|p| p.contains("CI_COMMIT_BRANCH") || p.contains("CI_COMMIT_REF_")).collect();
    if branch_tests.iter().any(|p| p.contains("!=") || p.contains("!~")) {
        return false;
    }
    let cond = branch_tests.join("&&");
    let names: Vec<String> = RX
        .captures_iter(&cond)
        .filter_map(|c| {
            if let Some(n) = c.get(2).or(c.get(3)) {
                return Some(n.as_str().to_string());
            }
            // The regex's literal prefix (`^exp\/.*$` -> `exp/`).
            let rx = c.get(4)?.as_str().replace("\\/", "/").replace("\\-", "-");
            let lit: String = rx.chars().take_while(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '/' | '-' | '_')).collect();
            (lit.len() >= 2).then_some(lit)
        })
        .collect();
    let names: Vec<&str> = names.iter().map(|n| n.trim_end_matches(['-', '_'])).collect();
    super::topic_branches_only(&names)
}

/// `ci.trigger` evidence for the pipeline: what `workflow: rules` declares
/// (else GitLab's default, push), narrowed to what its jobs run on. GitLab
/// creates no pipeline in which no job runs, so a file whose every job is
/// manual or scheduled (`when: manual`, job `rules:`, `only:`) is not run
/// by a push. `jobs`: each job's triggers, `None` for those that run nothing.
fn pipeline_triggers(
    path: &str,
    doc: &Node,
    declared: &BTreeSet<String>,
    default: bool,
    jobs: &[Option<BTreeSet<String>>],
    out: &mut Output,
) {
    // No job seen (remote includes, templates): what the file declares.
    let set: BTreeSet<String> =
        if jobs.iter().all(Option::is_none) { declared.clone() } else { jobs.iter().flatten().flatten().cloned().collect() };
    let line = doc.key("workflow").map(|k| k.line).unwrap_or(1);
    for t in &set {
        let declared_too = declared.contains(t);
        let mut e = Evidence::new(
            "ci.trigger",
            NAME,
            Location::line(path, line),
            Confidence::High,
            match (declared_too, default) {
                (false, _) => "a job's rules",
                (true, true) => "default branch pipelines run on every push",
                (true, false) => "workflow: rules",
            },
        )
        .attr("system", "gitlab-ci")
        .attr("trigger", t.clone());
        if default && declared_too {
            e = e.attr("default", "true");
        }
        out.push(e);
    }
}

/// The condition under which a job runs only on drift or degradation: every
/// allowing `rules:` entry (`when` other than `never`) has an `if` that tests
/// drift (see `is_drift_condition`), or `only: variables:` does.
fn drift_rule<'a>(job: &'a Node, lookup: &dyn Fn(&str) -> Option<&'a Node>) -> Option<String> {
    if let Some(rules) = resolve(job, "rules", lookup, 0) {
        let allowing: Vec<&str> = rules
            .items()
            .iter()
            .filter(|r| r.get("when").and_then(Node::as_str) != Some("never"))
            .map(|r| r.get("if").and_then(Node::as_str).unwrap_or(""))
            .collect();
        if !allowing.is_empty() && allowing.iter().all(|c| super::is_drift_condition(c)) {
            return Some(allowing.join(" || "));
        }
        return None;
    }
    let vars = resolve(job, "only", lookup, 0).and_then(|o| o.get("variables")).map(Node::strings).unwrap_or_default();
    (!vars.is_empty() && vars.iter().all(|c| super::is_drift_condition(c))).then(|| vars.join(" || "))
}

fn job_triggers<'a>(job: &'a Node, lookup: &dyn Fn(&str) -> Option<&'a Node>, pipeline: &BTreeSet<String>) -> BTreeSet<String> {
    let when = resolve(job, "when", lookup, 0).and_then(Node::as_str).unwrap_or("on_success");
    if when == "never" {
        return BTreeSet::new();
    }
    if when == "manual" {
        return ["manual".to_string()].into();
    }
    if let Some(rules) = resolve(job, "rules", lookup, 0) {
        if let Some(set) = conditions_triggers(rules) {
            return set;
        }
    }
    if let Some(only) = resolve(job, "only", lookup, 0) {
        let refs = only.get("refs").map(Node::strings).unwrap_or_else(|| only.strings());
        let mut set = BTreeSet::new();
        for r in refs {
            set.insert(source_trigger(r).unwrap_or("push").to_string());
        }
        if !set.is_empty() {
            return set;
        }
    }
    pipeline.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    fn run(text: &str) -> Output {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        GitlabCi.detect(&FileCtx { path: ".gitlab-ci.yml", text, repo: &repo }, &mut out);
        out
    }

    #[test]
    fn jobs_wait_for_their_needs_or_the_earlier_stage() {
        let o = run("stages: [test, train, deploy]\n.base:\n  stage: train\nunit:\n  stage: test\n  script: [pytest]\nfit:\n  extends: .base\n  script: [python fit.py]\nship:\n  stage: deploy\n  script: [./deploy.sh]\nfast:\n  stage: deploy\n  needs: [unit]\n  script: [./smoke.sh]\nlast:\n  stage: .post\n  script: [echo done]\n");
        let after = |n: &str| o.units.iter().find(|u| u.id.ends_with(n)).unwrap().after.clone();
        let ids = |v: &[&str]| v.iter().map(|n| format!("ci:.gitlab-ci.yml#{n}")).collect::<Vec<_>>();
        assert!(after("#unit").is_empty());
        // `extends` gives fit its stage; stage order decides without `needs`.
        assert_eq!(after("#fit"), ids(&["unit"]));
        // Stage order lists the nearest earlier stage (which waits for the one before).
        assert_eq!(after("#ship"), ids(&["fit"]));
        assert_eq!(after("#fast"), ids(&["unit"]));
        assert_eq!(after("#last"), ids(&["ship", "fast"]));
    }

    #[test]
    fn jobs_allowed_only_by_drift_rules_are_drift_gates() {
        let o = run("refit:\n  rules:\n    - if: $DRIFT_DETECTED == \"true\"\n    - when: never\n  script:\n    - python fit.py\nalso:\n  rules:\n    - if: $DRIFT_DETECTED == \"true\"\n    - if: $CI_PIPELINE_SOURCE == \"push\"\n  script:\n    - python fit.py\nplain:\n  script:\n    - python fit.py\n");
        let g = crate::detectors::drift_gates(&o);
        // `also` runs on every push too: not gated by drift.
        assert_eq!(g, vec![("ci:.gitlab-ci.yml#refit", 1)]);
    }

    #[test]
    fn default_push_jobs_and_extends() {
        let o = run(".py:\n  image: python:3.11\n  before_script:\n    - pip install -r req.txt\ntest:\n  extends: .py\n  script:\n    - pytest tests/\n");
        let job = o.units.iter().find(|u| u.id == "ci:.gitlab-ci.yml#test").unwrap();
        assert!(job.triggers.contains("push"));
        assert_eq!(job.commands.len(), 2);
        assert_eq!(o.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
        assert!(o.evidence.iter().any(|(e, _)| e.kind == "ci.trigger" && e.attrs.contains_key("default")));
    }

    #[test]
    fn rules_for_topic_branches_only_do_not_build_the_main_line() {
        for c in [
            r#"$CI_COMMIT_BRANCH =~ /^exp\/.*$/"#,
            r#"$CI_COMMIT_REF_NAME == "feature/loader""#,
            r#"$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH =~ /^experiment-/"#,
            r#"$CI_COMMIT_BRANCH == 'my_debug_branch'"#,
            // No duplicate merge-request pipeline: still topic branches only.
            r#"$CI_COMMIT_BRANCH =~ /^exp\/.*$/ && $CI_PIPELINE_SOURCE != "merge_request_event""#,
        ] {
            assert!(topic_branch_condition(c), "{c}");
        }
        for c in [
            r#"$CI_COMMIT_BRANCH == "main""#,
            r#"$CI_COMMIT_BRANCH =~ /^release\//"#,
            r#"$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"#,
            r#"$CI_COMMIT_BRANCH =~ /^exp\// || $CI_COMMIT_BRANCH == "main""#,
            r#"$CI_COMMIT_BRANCH != "feature/x""#,
            r#"$CI_PIPELINE_SOURCE != "merge_request_event""#,
            r#"$CI_PIPELINE_SOURCE != "schedule" && $CI_COMMIT_REF_NAME !~ /^exp\//"#,
            r#"$CI_COMMIT_BRANCH =~ /exp/"#,
            "",
        ] {
            assert!(!topic_branch_condition(c), "{c}");
        }
        let o = run("train:\n  rules:\n    - if: $CI_COMMIT_BRANCH =~ /^exp\\/.*$/\n    - when: never\n  script: [python train.py]\n");
        let t: Vec<&str> = o.units[0].triggers.iter().map(String::as_str).collect();
        assert_eq!(t, vec!["side-branch"]);
    }

    #[test]
    fn later_stages_wait_for_a_blocking_manual_job() {
        let triggers = |manual_job: &str| {
            let text = format!(
                "stages: [build, train, report]\nbuild:\n  stage: build\n{manual_job}  script: [docker build -t t .]\ntrain:\n  stage: train\n  script: [python train.py]\nreport:\n  stage: report\n  script: [python report.py]\nlint:\n  stage: build\n  script: [ruff check .]\n"
            );
            let o = run(&text);
            ["#train", "#report", "#lint"]
                .map(|j| o.units.iter().find(|u| u.id.ends_with(j)).unwrap().triggers.iter().cloned().collect::<Vec<_>>().join(","))
        };
        // `when: manual` in rules blocks: the later stages run once a person plays it.
        assert_eq!(triggers("  rules:\n    - when: manual\n"), ["manual", "manual", "push"]);
        // Not blocking: allowed to fail, or a job-level `when: manual`.
        assert_eq!(triggers("  rules:\n    - when: manual\n      allow_failure: true\n"), ["push", "push", "push"]);
        assert_eq!(triggers("  when: manual\n"), ["push", "push", "push"]);
        // Only in other pipelines (an experiment branch's): the main line's do not wait.
        assert_eq!(
            triggers("  rules:\n    - if: $CI_COMMIT_BRANCH =~ /^exp\\//\n      when: manual\n    - when: never\n"),
            ["push", "push", "push"]
        );
    }

    #[test]
    fn hidden_manual_and_schedule_jobs() {
        let o = run(".tmpl:\n  script: [pytest]\ntrain:\n  script: [python train.py]\n  rules:\n    - if: $CI_PIPELINE_SOURCE == \"schedule\"\ndeploy:\n  script: [kubectl apply -f k8s/]\n  when: manual\n");
        assert!(o.units.iter().all(|u| !u.id.ends_with("#.tmpl")));
        let t = |n: &str| o.units.iter().find(|u| u.id.ends_with(n)).unwrap().triggers.iter().cloned().collect::<Vec<_>>();
        assert_eq!(t("#train"), vec!["schedule"]);
        assert_eq!(t("#deploy"), vec!["manual"]);
        assert!(o.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
        // No job runs on a push: the pipeline's triggers are its jobs'.
        let mut triggers: Vec<_> =
            o.evidence.iter().filter(|(e, _)| e.kind == "ci.trigger").map(|(e, _)| e.attrs["trigger"].to_string()).collect();
        triggers.sort();
        assert_eq!(triggers, vec!["manual", "schedule"]);
        assert!(o.evidence.iter().all(|(e, _)| !e.attrs.contains_key("default")));
    }

    #[test]
    fn one_job_on_push_keeps_the_default_trigger() {
        let o = run("test:\n  script: [pytest]\ndeploy:\n  script: [./deploy.sh]\n  when: manual\n");
        let triggers: Vec<_> = o.evidence.iter().filter(|(e, _)| e.kind == "ci.trigger").collect();
        assert!(triggers.iter().any(|(e, _)| e.attrs.get("trigger") == Some("push")));
        // Only templates or remote includes: the declared default stands.
        let o = run("include:\n  - template: Auto-DevOps.gitlab-ci.yml\n");
        assert!(o
            .evidence
            .iter()
            .any(|(e, _)| e.kind == "ci.trigger" && e.attrs.get("trigger") == Some("push") && e.attrs.contains_key("default")));
    }

    #[test]
    fn reference_tags_resolve() {
        let o = run(".setup:\n  script:\n    - pip install -r requirements.txt\n    - pytest -q\ntest:\n  script:\n    - !reference [.setup, script]\n    - echo done\n");
        let job = o.units.iter().find(|u| u.id.ends_with("#test")).unwrap();
        assert_eq!(job.commands.len(), 3);
        assert_eq!(o.evidence.iter().filter(|(e, _)| e.kind == "run.tests").count(), 1);
    }

    #[test]
    fn commented_script_is_not_evidence() {
        let o = run("test:\n  script:\n    - echo ok\n    # - pytest\n");
        assert!(o.evidence.iter().all(|(e, _)| e.kind != "run.tests"));
    }

    #[test]
    fn before_script_and_script_share_one_shell() {
        // `cd` in one item and a variable from `before_script` reach later items;
        // `after_script` is a shell of its own.
        let o = run("before_script:\n  - export RUNNER=\"python -m unittest\"\nunit:\n  script:\n    - cd $CI_PROJECT_DIR\n    - cd checks\n    - $RUNNER test_core.py\n  after_script:\n    - $RUNNER test_late.py\n");
        let job = o.units.iter().find(|u| u.id.ends_with("#unit")).unwrap();
        let c = job.commands.iter().find(|c| c.argv.last().is_some_and(|a| a == "test_core.py")).unwrap();
        assert_eq!(c.argv[..3], ["python", "-m", "unittest"].map(String::from));
        assert_eq!(c.workdir, "checks");
        let late = job.commands.iter().find(|c| c.argv.last().is_some_and(|a| a == "test_late.py")).unwrap();
        assert_eq!(late.argv[0], "$RUNNER");
        assert_eq!(late.workdir, "");
    }

    #[test]
    fn included_spec_inputs_are_interpolated() {
        let root = "include:\n  - local: ci/python-job.yml\n    inputs:\n      entry: pipelines/fit.py\n";
        let inc = "spec:\n  inputs:\n    entry:\n    stage:\n      default: build\n---\nrun-$[[ inputs.stage ]]:\n  script:\n    - python $[[ inputs.entry ]] --stage $[[inputs.stage|expand_vars]] $[[ inputs.missing ]]\n";
        let repo = RepoIndex {
            texts: [(".gitlab-ci.yml".to_string(), root.to_string()), ("ci/python-job.yml".to_string(), inc.to_string())].into(),
            ..RepoIndex::default()
        };
        let mut out = Output::default();
        GitlabCi.detect(&FileCtx { path: ".gitlab-ci.yml", text: root, repo: &repo }, &mut out);
        let u = out.units.iter().find(|u| u.id == "ci:ci/python-job.yml#run-build").expect("job of the included file");
        assert_eq!(u.commands[0].text, "python pipelines/fit.py --stage build $[[ inputs.missing ]]");
        // Line numbers stay those of the file.
        assert_eq!(u.commands[0].location.start_line, 9);
    }

    #[test]
    fn include_without_spec_header_is_read_as_is() {
        let doc = with_inputs(
            "# spec:\n#   inputs: {}\ntrain:\n  script:\n    - python $[[ inputs.entry ]]\n",
            &[("entry".into(), "x.py".into())],
        )
        .unwrap();
        // No `spec:` header: nothing is interpolated.
        assert_eq!(doc.path(&["train", "script"]).unwrap().items()[0].as_str(), Some("python $[[ inputs.entry ]]"));
    }
}
