//! The detectors. Adding one touches two places: its module (with a doc
//! comment: what it reads, what it emits, what is not evidence) and one line
//! in [`all`].

use crate::command::{classify, Invocation};
use crate::evidence::{Confidence, Evidence, Location};
use crate::{Cmd, Output, Unit};

pub mod argo_workflows;
pub mod azure_pipelines;
pub mod azureml;
pub mod binaries;
pub mod bitbucket;
pub mod buildkite;
pub mod cdk_pipeline;
pub mod circleci;
pub mod cloud_build;
pub mod codebuild;
pub mod codepipeline;
pub mod compose;
pub mod config_targets;
pub mod credentials;
pub mod dagster;
pub mod data_steps;
pub mod databricks;
pub mod dockerfile;
pub mod drone;
pub mod dvc;
pub mod github_actions;
pub mod gitlab_ci;
pub mod iac;
pub mod invoke;
pub mod jenkins;
pub mod job_spec;
pub mod justfile;
pub mod kedro;
pub mod kubernetes;
pub mod mage;
pub mod makefile;
pub mod mise;
pub mod mlflow_recipe;
pub mod mlproject;
pub mod notebook;
pub mod nox;
pub mod npm_scripts;
pub mod package_data;
pub mod pre_commit;
pub mod pyproject;
pub mod python;
pub mod requirements;
pub mod shell_script;
pub mod taskfile;
pub mod tekton;
pub mod test_suite;
pub mod tox;
pub mod travis;

/// Every registered detector.
pub fn all() -> Vec<Box<dyn crate::Detector>> {
    vec![
        Box::new(argo_workflows::ArgoWorkflows),
        Box::new(azure_pipelines::AzurePipelines),
        Box::new(azureml::AzureMl),
        Box::new(binaries::GitAttributes),
        Box::new(bitbucket::Bitbucket),
        Box::new(buildkite::Buildkite),
        Box::new(cdk_pipeline::CdkPipeline),
        Box::new(circleci::CircleCi),
        Box::new(cloud_build::CloudBuild),
        Box::new(codebuild::CodeBuild),
        Box::new(codepipeline::CodePipeline),
        Box::new(compose::Compose),
        Box::new(credentials::Credentials),
        Box::new(databricks::Databricks),
        Box::new(dockerfile::Dockerfile),
        Box::new(drone::Drone),
        Box::new(dvc::Dvc),
        Box::new(github_actions::GithubActions),
        Box::new(gitlab_ci::GitlabCi),
        Box::new(iac::Iac),
        Box::new(invoke::Invoke),
        Box::new(jenkins::Jenkins),
        Box::new(job_spec::JobSpec),
        Box::new(justfile::Justfile),
        Box::new(kedro::Kedro),
        Box::new(kubernetes::Kubernetes),
        Box::new(mage::Mage),
        Box::new(makefile::Makefile),
        Box::new(mise::Mise),
        Box::new(mlflow_recipe::MlflowRecipe),
        Box::new(mlproject::MlProject),
        Box::new(package_data::PackageData),
        Box::new(notebook::Notebook),
        Box::new(npm_scripts::NpmScripts),
        Box::new(nox::Nox),
        Box::new(pre_commit::PreCommit),
        Box::new(pyproject::Pyproject),
        Box::new(python::Python),
        Box::new(config_targets::ConfigTargets),
        Box::new(requirements::Requirements),
        Box::new(shell_script::ShellScript),
        Box::new(taskfile::Taskfile),
        Box::new(tekton::Tekton),
        Box::new(test_suite::Tests),
        Box::new(tox::Tox),
        Box::new(travis::Travis),
    ]
}

/// One trigger of a CI definition: (class, line, implied by the CI system's default).
pub type TriggerSpec = (&'static str, u32, bool);

/// The trigger class added beside `external` when what starts a pipeline is
/// an event from outside the code and its CI: new data landing in object
/// storage, a dataset or registry update, a message or dispatch from
/// another system. Runs chained after another CI run (GitHub
/// `workflow_run`, Jenkins `upstream`, GitLab parent pipelines) are
/// `external` only. Such a start is automatic but not driven by production
/// metrics (RUBRIC `L4.retrain.triggered`: partial).
pub const EVENT: &str = "event";

/// Push the trigger specs of a start by an outside event (see [`EVENT`]):
/// `external` (automatic) and `event`.
pub fn push_event_trigger(specs: &mut Vec<TriggerSpec>, line: u32) {
    specs.push(("external", line, false));
    specs.push((EVENT, line, false));
}

/// Emit `ci.trigger` for each trigger and one `ci.pipeline`; return the trigger set.
/// `unknown` is the class for a trigger that lives outside the repository.
pub fn emit_pipeline(
    out: &mut Output,
    path: &str,
    system: &str,
    detector: &str,
    triggers: &[TriggerSpec],
    what: &str,
) -> std::collections::BTreeSet<String> {
    let mut set = std::collections::BTreeSet::new();
    for (t, line, default) in triggers {
        set.insert(t.to_string());
        let snippet = if *default { format!("{what}: runs on {t} by default") } else { format!("{what}: {t}") };
        let mut e = Evidence::new("ci.trigger", detector, Location::line(path, *line), Confidence::High, &snippet)
            .attr("system", system)
            .attr("trigger", *t);
        if *default {
            e = e.attr("default", "true");
        }
        out.push(e);
    }
    out.push(
        Evidence::new("ci.pipeline", detector, Location::line(path, 1), Confidence::High, what)
            .attr("system", system)
            .attr("triggers", set.iter().cloned().collect::<Vec<_>>().join(",")),
    );
    set
}

/// Whether a CI condition (GitHub `if:`, GitLab `rules: if`, Azure
/// `condition:`, a Jenkins `when { expression }` or scripted `if (...)`)
/// tests a drift or degradation result: a word part `drift`, `degrad*`,
/// `decay` or `skew` (`needs.check.outputs.drift_detected == 'true'`,
/// `cfg.model_monitor.drift_score > 5`), a population stability index
/// (`data_psi > 0.2`), or a retraining verdict derived from them
/// (`result.retrain_triggered`, `needs_retrain`).
pub fn is_drift_condition(cond: &str) -> bool {
    static RX: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(
            r"(?i-u)(?:^|[^a-z])(?:drift|degrad|decay|skew|psi(?:[^a-z]|$)|(?:needs?|should)_retrain|retrain_(?:needed|required|triggered))",
        )
        .unwrap()
    });
    RX.is_match(cond.as_bytes())
}

/// `ci.drift-gate`: the commands of `unit` written on lines `start..=end` of
/// `path` run only when `cond` (a drift or degradation test, see
/// [`is_drift_condition`]) holds. The linker pairs it with the training it
/// starts and a monitor of the same CI definition (`link.retrain-on-alert`).
pub fn drift_gate(out: &mut Output, detector: &str, path: &str, start: u32, end: u32, cond: &str, unit: &str) {
    let snippet: String = cond.split_whitespace().collect::<Vec<_>>().join(" ");
    out.push_in(Evidence::new("ci.drift-gate", detector, Location::new(path, start, end.max(start)), Confidence::Medium, &snippet), unit);
}

/// Report an unparsable CI definition: a scan issue and `ci.unparsable` evidence.
pub fn unparsable(out: &mut Output, path: &str, system: &str, detector: &str, e: &crate::yaml::YamlError) {
    out.issues.push(crate::ScanIssue::new(path, e.line, "yaml-parse", format!("{system} definition is not valid YAML: {}", e.message)));
    out.push(
        Evidence::new("ci.unparsable", detector, Location::line(path, e.line.unwrap_or(1)), Confidence::High, &e.message)
            .attr("system", system),
    );
}

/// A root unit for a CI job.
pub fn ci_job(path: &str, name: &str, line: u32, end: u32, triggers: &std::collections::BTreeSet<String>) -> Unit {
    let mut u = Unit::new(format!("ci:{path}#{name}"), Location::new(path, line, end), name);
    u.root = true;
    u.triggers = triggers.clone();
    u
}

/// Variables a CI definition sets (`env:`, `variables:`), by name.
pub type Vars = std::collections::BTreeMap<String, String>;

/// Read a mapping (`NAME: value`) or an Azure-style list (`- name: N, value: V`)
/// of variables into `vars`.
pub fn read_vars(node: Option<&crate::yaml::Node>, vars: &mut Vars) {
    let Some(n) = node else { return };
    for (k, v) in n.entries() {
        if let (Some(k), Some(v)) = (k.as_str(), v.as_str().or_else(|| v.get("value").and_then(crate::yaml::Node::as_str))) {
            vars.insert(k.to_string(), override_default(v).to_string());
        }
    }
    for item in n.items() {
        if let (Some(k), Some(v)) =
            (item.get("name").and_then(crate::yaml::Node::as_str), item.get("value").and_then(crate::yaml::Node::as_str))
        {
            vars.insert(k.to_string(), override_default(v).to_string());
        }
    }
}

/// The value an Azure Pipelines override variable has when nobody
/// overrides it: `$[coalesce(variables['X_OVERRIDE'], 'src/train.py')]` is
/// `src/train.py` (the literal its other, variable, arguments fall back
/// to). Any other value is itself.
pub fn override_default(value: &str) -> &str {
    let v = value.trim();
    let Some(args) = v
        .strip_prefix("$[")
        .and_then(|r| r.strip_suffix(']'))
        .map(str::trim)
        .and_then(|r| r.strip_prefix("coalesce("))
        .and_then(|r| r.strip_suffix(')'))
    else {
        return value;
    };
    let args: Vec<&str> = args.split(',').map(str::trim).collect();
    match args.split_last() {
        Some((last, rest)) if rest.iter().all(|a| a.starts_with("variables[") || a.starts_with("variables.")) => {
            last.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')).filter(|l| !l.contains('\'')).unwrap_or(value)
        }
        _ => value,
    }
}

/// The folder a path filter glob scopes to: its literal leading folders,
/// up to the first glob character (`projects/churn/**` -> `projects/churn`,
/// `svc/a/*.py` -> `svc/a`, `svc/a/` -> `svc/a`). `None` for negations,
/// variables, root-level patterns and patterns that start with a glob.
pub fn path_filter_dir(glob: &str) -> Option<String> {
    let g = glob.trim().trim_start_matches("./");
    if g.starts_with('!') || g.contains('$') {
        return None;
    }
    let lit = g.split(['*', '?', '[', '{']).next().unwrap_or("");
    let dir = if lit.len() < g.len() || !g.ends_with('/') && g.rsplit('/').next().is_some_and(|n| n.contains('.')) {
        // A glob, or a file name: the folders before it.
        lit.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
    } else {
        // No glob and no extension: a folder.
        lit.trim_end_matches('/')
    };
    let dir = crate::paths::normalize(dir)?;
    (!dir.is_empty() && !dir.starts_with('.')).then_some(dir)
}

/// `ci.path-filter` evidence for each folder a list of path globs (or one
/// glob) scopes a CI definition (`unit` None) or one job (`unit`) to.
pub fn path_filters(out: &mut Output, detector: &str, system: &str, path: &str, globs: &crate::yaml::Node, unit: Option<&str>) {
    let items: Vec<&crate::yaml::Node> = if globs.as_str().is_some() { vec![globs] } else { globs.items().iter().collect() };
    for g in items {
        let Some(glob) = g.as_str() else { continue };
        let Some(dir) = path_filter_dir(glob) else { continue };
        let e = Evidence::new("ci.path-filter", detector, Location::line(path, g.line), Confidence::High, glob)
            .attr("system", system)
            .attr("dir", dir);
        out.evidence.push((e, unit.map(str::to_string)));
    }
}

/// The environment names a CI job's `environment:` value stands for: the
/// literal itself, or, when it is one variable reference (`$(ENVIRONMENT)`,
/// `${{ variables.X }}`, `${{ env.X }}`, `${{ vars.X }}`), every literal value
/// the repository gives that variable (per-environment variable templates
/// chosen by branch or stage). Other expressions name nothing.
pub fn environment_names(raw: &str, repo: &crate::RepoIndex) -> Vec<String> {
    let raw = raw.trim();
    if !raw.contains('$') {
        return if raw.is_empty() { Vec::new() } else { vec![raw.to_string()] };
    }
    let inner = raw
        .strip_prefix("$(")
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| {
            let e = raw.strip_prefix("${{")?.strip_suffix("}}")?.trim();
            ["variables.", "env.", "vars."].iter().find_map(|p| e.strip_prefix(p))
        })
        .map(str::trim);
    let Some(name) = inner.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) else {
        return Vec::new();
    };
    repo.ci_var_values(name).filter(|v| !v.is_empty() && !v.contains('$')).map(str::to_string).collect()
}

/// Substitute CI variables in a script: `${{ env.X }}`, `${{ variables.X }}`,
/// `$(X)`, `${X}` and `$X` with the values the definition sets, and the
/// template expressions `${{ inputs.X }}` / `${{ parameters.X }}` with the
/// inputs and parameters a caller binds (keys `inputs.X`, `parameters.X`, see
/// [`substitute_exprs`]). Variable values that are themselves expressions are
/// left alone.
pub fn substitute_vars(text: &str, vars: &Vars) -> String {
    if vars.is_empty() || !text.contains('$') {
        return text.to_string();
    }
    let mut s = substitute_exprs(text, vars);
    for (k, v) in vars.iter().filter(|(_, v)| !v.contains('$') && !v.contains('\n')) {
        // Inputs and parameters: only as template expressions (done above).
        if is_expr_key(k) {
            continue;
        }
        for pat in [
            format!("${{{{ env.{k} }}}}"),
            format!("${{{{env.{k}}}}}"),
            format!("${{{{ variables.{k} }}}}"),
            format!("$({k})"),
            format!("${{{k}}}"),
        ] {
            s = s.replace(&pat, v);
        }
        // `$X` only when X is not the prefix of a longer name.
        let bare = format!("${k}");
        let mut out = String::with_capacity(s.len());
        let mut rest = s.as_str();
        while let Some(pos) = rest.find(&bare) {
            let after = rest[pos + bare.len()..].chars().next();
            out.push_str(&rest[..pos]);
            if after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.push_str(&bare);
            } else {
                out.push_str(v);
            }
            rest = &rest[pos + bare.len()..];
        }
        out.push_str(rest);
        s = out;
    }
    s
}

/// True for the keys of template inputs and parameters (`inputs.X`,
/// `parameters.X`) and of a job's matrix (`matrix.X`).
fn is_expr_key(k: &str) -> bool {
    k.starts_with("inputs.") || k.starts_with("parameters.") || k.starts_with("matrix.")
}

/// Replace the template expressions `${{ inputs.X }}` and `${{ parameters.X }}`
/// (any spacing, also `parameters['X']`) with their values in `vars` (keys
/// `inputs.X` / `parameters.X`), as the CI system expands templates: literally,
/// before the script runs. Expressions with no value, and every other
/// expression, stay as written.
pub fn substitute_exprs(text: &str, vars: &Vars) -> String {
    if !text.contains("${{") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("${{") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 3..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[pos..]);
            return out;
        };
        let inner = after[..end].trim();
        // `parameters['x']` / `parameters["x"]` is `parameters.x`.
        let key = inner
            .split_once("['")
            .or_else(|| inner.split_once("[\""))
            .map(|(head, tail)| format!("{head}.{}", tail.trim_end_matches("']").trim_end_matches("\"]")))
            .unwrap_or_else(|| inner.to_string());
        match vars.get(&key).filter(|_| is_expr_key(&key)) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[pos..pos + 3 + end + 2]),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

pub use crate::paths::is_yaml;

/// Parse shell `script` (first line `line`) into commands of `unit`, and
/// record what each command does as `run.*` evidence owned by the unit.
pub fn add_shell(unit: &mut Unit, out: &mut Output, detector: &str, path: &str, script: &str, line: u32, workdir: &str) {
    add_shell_session(unit, out, detector, path, &[(script, line)], workdir, None);
}

/// Variables CI systems set to the checkout of the repository: a path under
/// them is a path in the repository. They start every shell session as `.`
/// (a script that assigns one overrides it).
const CHECKOUT_ROOT_VARS: &[&str] = &[
    "CI_PROJECT_DIR",
    "GITHUB_WORKSPACE",
    "BITBUCKET_CLONE_DIR",
    "TRAVIS_BUILD_DIR",
    "DRONE_WORKSPACE",
    "CI_WORKSPACE",
    "BUILDKITE_BUILD_CHECKOUT_PATH",
    "CODEBUILD_SRC_DIR",
    "CIRCLE_WORKING_DIRECTORY",
    "BUILD_SOURCESDIRECTORY",
    "SYSTEM_DEFAULTWORKINGDIRECTORY",
    "BUILD_REPOSITORY_LOCALPATH",
    "WORKSPACE",
];

/// Expressions the CI system replaces with the checkout before the shell
/// runs (GitHub expressions, Azure macros, Jenkins Groovy interpolation).
const CHECKOUT_ROOT_EXPRS: &[&str] = &[
    "${{ github.workspace }}",
    "${{github.workspace}}",
    "$(Build.SourcesDirectory)",
    "$(System.DefaultWorkingDirectory)",
    "$(Build.Repository.LocalPath)",
    "${env.WORKSPACE}",
];

pub(crate) fn checkout_root(script: &str) -> String {
    if !script.contains('$') {
        return script.to_string();
    }
    CHECKOUT_ROOT_EXPRS.iter().fold(script.to_string(), |s, e| s.replace(e, "."))
}

/// [`add_shell`] for the chunks of one shell session (the items of a CI
/// `script:` list, a job's `before_script` and `script`): the working
/// directory, shell variables and functions carry from one chunk to the
/// next. With `repo`, `source file` reads the variables and functions the
/// file defines (resolved from the working directory, the script's folder,
/// then the root).
pub fn add_shell_session(
    unit: &mut Unit,
    out: &mut Output,
    detector: &str,
    path: &str,
    chunks: &[(&str, u32)],
    workdir: &str,
    repo: Option<&crate::RepoIndex>,
) {
    // `cd` changes the directory of the commands after it.
    let script_dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let wd = std::cell::RefCell::new(workdir.to_string());
    let texts: Vec<String> = chunks.iter().map(|(t, _)| substitute_vars(&checkout_root(t), &unit.vars)).collect();
    let chunks: Vec<(&str, u32)> = texts.iter().map(String::as_str).zip(chunks.iter().map(|c| c.1)).collect();
    let reader = |target: &str| -> Option<(String, String)> {
        let repo = repo?;
        let w = wd.borrow();
        [crate::paths::join(&w, target), crate::paths::join(script_dir, target), crate::paths::join("", target)]
            .into_iter()
            .find_map(|p| repo.text(&p).map(|t| (p, t.to_string())))
    };
    let env: std::collections::BTreeMap<String, String> = CHECKOUT_ROOT_VARS.iter().map(|v| (v.to_string(), ".".to_string())).collect();
    let mut cmds = crate::shell::session(&chunks, &env, repo.map(|_| &reader as crate::shell::SourceReader<'_>));
    // What one command of the script means may depend on another's.
    crate::command::submit_jobs_run_now(&mut cmds);
    // `pushd` changes the directory like `cd` and remembers the old one for `popd`.
    let mut stack: Vec<String> = Vec::new();
    for c in cmds {
        let verb = c.argv.first().map(String::as_str);
        if verb == Some("popd") {
            if let Some(prev) = stack.pop() {
                *wd.borrow_mut() = prev;
            }
            continue;
        }
        if verb == Some("cd") || verb == Some("pushd") {
            if verb == Some("pushd") {
                stack.push(wd.borrow().clone());
            }
            if let Some(target) = c.argv.iter().skip(1).find(|a| !a.starts_with('-') || a.as_str() == "-") {
                let t = ["$(dirname $0)", "$(dirname ${BASH_SOURCE[0]})", "${0%/*}", "$(dirname $BASH_SOURCE)"]
                    .iter()
                    .fold(target.clone(), |t, pat| t.replace(pat, if script_dir.is_empty() { "." } else { script_dir }));
                if !t.contains('$') && !t.starts_with('~') && t != "-" {
                    let mut w = wd.borrow_mut();
                    *w = if t.starts_with('/') { String::new() } else { crate::paths::join(&w, &t) };
                }
            }
            continue;
        }
        // A program given inline (`python -c`, a heredoc): read as a module
        // written in this file, run by this unit.
        if let Some(program) = crate::shell::python_program(&c.argv) {
            inline_python(unit, out, c.file.as_deref().unwrap_or(path), c.line, program, repo);
            continue;
        }
        let location = Location::line(c.file.as_deref().unwrap_or(path), c.line);
        // A runner's folder option moves this command only; a container of
        // an image the unit built runs it on the build context's files.
        let context = c.image.as_deref().and_then(|i| unit.image_contexts.get(i).or_else(|| unit.image_contexts.get(image_name(i))));
        let workdir = match (&c.dir, context) {
            (_, Some(ctx)) => ctx.clone(),
            (Some(d), None) if d.starts_with('/') => String::new(),
            (Some(d), None) => crate::paths::join(&wd.borrow(), d),
            (None, None) => wd.borrow().clone(),
        };
        let cmd = Cmd { argv: c.argv, location, text: c.text, workdir };
        add_cmd(unit, out, detector, cmd);
    }
}

/// Python written inside a CI step or script (`python -c "..."`, `python -
/// << EOF`): its evidence is the unit's, its commands and local imports
/// are the unit's to run. `program` starts on `line` of `path`.
fn inline_python(unit: &mut Unit, out: &mut Output, path: &str, line: u32, program: &str, repo: Option<&crate::RepoIndex>) {
    let default;
    let repo = match repo {
        Some(r) => r,
        None => {
            default = crate::RepoIndex::default();
            &default
        }
    };
    let text = format!("{}{program}", "\n".repeat(line.saturating_sub(1) as usize));
    let facts = super::detectors::python::analyze(path, &text, repo, "python", false);
    for e in facts.evidence {
        out.push_in(e, &unit.id);
    }
    unit.commands.extend(facts.commands);
    // A module imported and never used (`python -c "from pkg.train import
    // main; print('ok')"`) is an import check: only what the program uses
    // of it is run.
    let masked = crate::pylex::mask(&text);
    let rest: String = masked
        .split(['\n', ';'])
        .filter(|st| !matches!(st.split_whitespace().next(), Some("import" | "from")))
        .collect::<Vec<_>>()
        .join("\n");
    let used = |line: u32| {
        facts.imports.iter().filter(|i| i.line == line).flat_map(|i| i.bound_names()).any(|b| b == "*" || mentions_word(&rest, b))
    };
    unit.calls.extend(facts.local_imports.iter().filter(|(_, l)| used(*l)).map(|(p, l)| (format!("file:{p}"), Location::line(path, *l))));
}

/// True when `word` occurs in `text` as a whole name (not part of a longer
/// one).
fn mentions_word(text: &str, word: &str) -> bool {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    !word.is_empty()
        && text.match_indices(word).any(|(at, _)| !ident(text[..at].chars().next_back()) && !ident(text[at + word.len()..].chars().next()))
}

/// One command given as an argument array (a container `command`/`args`, a
/// Dockerfile exec form): a shell `-c` script is parsed as shell, anything
/// else is the command itself.
pub fn add_argv(unit: &mut Unit, out: &mut Output, detector: &str, path: &str, argv: Vec<String>, line: u32, workdir: &str) {
    if let Some(script) = crate::shell::inline_script(&argv) {
        let script = script.to_string();
        return add_shell(unit, out, detector, path, &script, line, workdir);
    }
    let text = argv.join(" ");
    // Runners and wrappers (`uv run`, `poetry run`, `env`, `sudo`) as in a
    // shell command: `["uv", "run", "python", "fit.py"]` runs `fit.py`.
    let (argv, dir) = crate::shell::strip_wrappers_dir(argv);
    if argv.is_empty() {
        return;
    }
    let workdir = match dir {
        Some(d) if d.starts_with('/') => String::new(),
        Some(d) => crate::paths::join(workdir, &d),
        None => workdir.to_string(),
    };
    add_cmd(unit, out, detector, Cmd { argv, location: Location::line(path, line), text, workdir });
}

/// [`add_shell`] for a YAML node that is one command string or a list of
/// them; the items of a list run in one shell session.
pub fn add_shell_node(unit: &mut Unit, out: &mut Output, detector: &str, path: &str, node: &crate::yaml::Node, workdir: &str) {
    add_shell_node_in(unit, out, detector, path, node, workdir, None);
}

/// [`add_shell_node`] with the repository, so that `source file` is read.
pub fn add_shell_node_in(
    unit: &mut Unit,
    out: &mut Output,
    detector: &str,
    path: &str,
    node: &crate::yaml::Node,
    workdir: &str,
    repo: Option<&crate::RepoIndex>,
) {
    let items: Vec<&crate::yaml::Node> = if node.items().is_empty() { vec![node] } else { node.items().iter().collect() };
    let chunks: Vec<(&str, u32)> = items.iter().filter_map(|c| c.as_str().map(|t| (t, c.line))).collect();
    add_shell_session(unit, out, detector, path, &chunks, workdir, repo);
}

/// Inputs handed to a callee whose body is not in the repository (a reusable
/// workflow or action of another repository, an Azure Pipelines template
/// `x.yml@other-repo`): a literal input that names an Azure ML spec file of
/// this repository is that spec created with the `az ml` command of its kind
/// (a job submitted, a deployment created, a model or data asset registered),
/// run by `unit` at the input's line. Expressions and paths that name no
/// such file are not followed.
pub fn opaque_call_inputs(
    unit: &mut Unit,
    out: &mut Output,
    detector: &str,
    path: &str,
    repo: &crate::RepoIndex,
    callee: &str,
    inputs: Option<&crate::yaml::Node>,
) {
    for (k, v) in inputs.map(crate::yaml::Node::entries).unwrap_or_default() {
        let (Some(k), Some(value)) = (k.as_str(), v.as_str()) else { continue };
        let value = value.trim();
        if value.contains('$') || !is_yaml(value) {
            continue;
        }
        let file = crate::paths::join("", value);
        let Some(argv) = azureml::spec_command(repo, &file) else { continue };
        let text = format!("{k}: {value} (input of {callee})");
        add_cmd(unit, out, detector, Cmd { argv, location: Location::line(path, v.line), text, workdir: String::new() });
    }
}

/// True when a push trigger's branch filter names only topic or personal
/// branches (`ijk/issue-12`, `my_debug_branch`, `feature/x`): the main line
/// is never built by it. Globs (`*`, `release/**`) and main-line names
/// (`main`, `master`, `develop`, `release/1.0`, ...) make it a real push trigger.
pub fn topic_branches_only(branches: &[&str]) -> bool {
    const MAINLINE: &[&str] = &[
        "main",
        "master",
        "trunk",
        "develop",
        "development",
        "dev",
        "default",
        "stable",
        "prod",
        "production",
        "staging",
        "release",
        "releases",
    ];
    const TOPIC: &[&str] = &[
        "debug",
        "wip",
        "tmp",
        "temp",
        "experiment",
        "sandbox",
        "scratch",
        "issue",
        "feature",
        "feat",
        "fix",
        "bugfix",
        "hotfix",
        "spike",
        "poc",
        "try",
    ];
    !branches.is_empty()
        && branches.iter().all(|b| {
            let b = b.trim().trim_start_matches("refs/heads/").to_ascii_lowercase();
            if b.is_empty() || b.contains(['*', '?', '[', '$']) || b.starts_with('!') {
                return false;
            }
            let first = b.split('/').next().unwrap_or("");
            if MAINLINE.contains(&first) {
                return false;
            }
            let words: Vec<&str> = b.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
            // Whole words (`tmp`, `fixes`), so `templates` or `pocket` are not topics.
            b.contains('/') || words.iter().any(|w| TOPIC.iter().any(|t| *w == *t || w.strip_suffix('s') == Some(t)))
        })
}

/// Add one command to `unit`, emitting its `run.*` evidence.
pub fn add_cmd(unit: &mut Unit, out: &mut Output, detector: &str, mut cmd: Cmd) {
    git_remote_flow(unit, &mut cmd);
    if starts_local_cluster(&cmd.argv) {
        unit.local_cluster = true;
    }
    // A deploy to a cluster on the CI machine (an end-to-end test setup) is
    // not a release: neither the command nor the manifests it applies count.
    if unit.local_cluster && matches!(classify(&cmd.argv), Invocation::Deploy { target, .. } if target == "kubernetes") {
        return;
    }
    docker_image_flow(unit, &cmd);
    compose_flow(unit, &cmd);
    // A deployment tool told which of the project's environments to deploy
    // into (`databricks bundle deploy -t prod`) names a stage as a CI
    // `environment:` does.
    if let Some(env) = crate::command::deploy_environment(&cmd.argv) {
        let e = Evidence::new("ci.environment", detector, cmd.location.clone(), Confidence::Medium, &cmd.text);
        out.push_in(e.attr("name", env).attr("via", "command"), &unit.id);
    }
    if let Some(e) = command_evidence(detector, &cmd) {
        for mut ev in e {
            if ev.kind == "run.publish" && ev.attrs.get("what").is_some_and(|w| w == "container-image") {
                if let Some(file) = pushed_dockerfile(unit, &cmd.argv) {
                    ev = ev.attr("dockerfile", file);
                }
            }
            // A deploy of an image this unit built (`--image-uri repo/x:sha`)
            // releases that image's build context: the linker reads whether
            // anything in it serves a model.
            if ev.kind == "run.deploy" && !ev.attrs.contains_key("source") {
                if let Some(dir) = deployed_image_context(unit, &cmd.argv) {
                    ev = ev.attr("source", dir);
                }
            }
            out.push_in(ev, &unit.id);
        }
    }
    unit.commands.push(cmd);
}

/// Git remotes named in one command and pushed to in a later one of the same
/// unit (the steps of a CI job, the lines of a script): `git remote add space
/// https://...huggingface.co/spaces/org/app` records the remote, and a later
/// `git push space main` is rewritten to push to its URL, which is what
/// [`classify`] reads. Only remotes whose URL is a deployment target are
/// recorded (a Hugging Face Space); `origin` and other remotes stay names.
fn git_remote_flow(unit: &mut Unit, cmd: &mut Cmd) {
    if cmd.argv.first().map(String::as_str) != Some("git") {
        return;
    }
    match cmd.argv.get(1).map(String::as_str) {
        Some("remote") if matches!(cmd.argv.get(2).map(String::as_str), Some("add" | "set-url")) => {
            let words: Vec<&String> = cmd.argv[3..].iter().filter(|a| !a.starts_with('-')).collect();
            let url = words.get(1..).and_then(|w| w.iter().find(|a| crate::command::is_hf_space_url(a)));
            if let (Some(name), Some(url)) = (words.first(), url) {
                unit.remotes.insert(name.to_string(), url.to_string());
            }
        }
        Some("push") if !unit.remotes.is_empty() => {
            if let Some(at) = cmd.argv.iter().skip(2).position(|a| !a.starts_with('-')).map(|i| i + 2) {
                if let Some(url) = unit.remotes.get(&cmd.argv[at]) {
                    cmd.argv[at] = url.clone();
                }
            }
        }
        _ => {}
    }
}

/// True for a command that starts a Kubernetes cluster on the machine it
/// runs on: `kind create cluster`, `minikube start`, `k3d cluster create`,
/// `microk8s start`.
pub fn starts_local_cluster(argv: &[String]) -> bool {
    // Every command passes here: most are settled by their first word.
    if !matches!(argv.first().map(String::as_str), Some("kind" | "minikube" | "k3d" | "microk8s")) {
        return false;
    }
    let a: Vec<&str> = argv.iter().map(String::as_str).collect();
    matches!(
        a.as_slice(),
        ["kind", "create", "cluster", ..] | ["minikube", "start", ..] | ["k3d", "cluster", "create", ..] | ["microk8s", "start", ..]
    )
}

/// GitHub Actions that start a Kubernetes cluster on the runner.
pub const LOCAL_CLUSTER_ACTIONS: &[&str] = &[
    "helm/kind-action",
    "engineerd/setup-kind",
    "container-tools/kind-action",
    "medyagh/setup-minikube",
    "manusa/actions-setup-minikube",
    "nolar/setup-k3d-k3s",
    "AbsaOSS/k3d-action",
];

/// `docker build -t tag [-f file] context` records which Dockerfile the tag
/// comes from; a later `docker run [options] tag` in the same unit calls that
/// Dockerfile's `ENTRYPOINT`/`CMD` (unit `docker:<path>`).
fn docker_image_flow(unit: &mut Unit, cmd: &Cmd) {
    let a: Vec<&str> = cmd.argv.iter().map(String::as_str).collect();
    let tool = a.first().map(|t| t.rsplit('/').next().unwrap_or(t));
    if !matches!(tool, Some("docker" | "podman")) {
        return;
    }
    let rest: &[&str] = match a.get(1..) {
        Some(["build", r @ ..]) | Some(["buildx", "build", r @ ..]) | Some(["image", "build", r @ ..]) => r,
        // `docker tag SRC DST`: DST is the image SRC was built from.
        Some(["tag", src, dst, ..]) | Some(["image", "tag", src, dst, ..]) => {
            if let Some(file) = unit.images.get(*src).or_else(|| unit.images.get(image_name(src))).cloned() {
                let dir = unit.image_contexts.get(*src).or_else(|| unit.image_contexts.get(image_name(src))).cloned().unwrap_or_default();
                record_image(unit, dst, &file, &dir);
            }
            return;
        }
        Some(["run", r @ ..]) | Some(["container", "run", r @ ..]) => {
            // The image is the first operand that names a built tag.
            if let Some(file) = r.iter().find_map(|x| unit.images.get(*x).or_else(|| unit.images.get(image_name(x)))) {
                let call = (format!("docker:{file}"), cmd.location.clone());
                if !unit.calls.contains(&call) {
                    unit.calls.push(call);
                }
            }
            return;
        }
        _ => return,
    };
    let (mut tags, mut file, mut context) = (Vec::new(), None, None);
    let mut i = 0;
    while i < rest.len() {
        let x = rest[i];
        let value = |flag: &str| x.strip_prefix(flag).and_then(|v| v.strip_prefix('='));
        match x {
            "-t" | "--tag" => tags.extend(rest.get(i + 1).copied()),
            "-f" | "--file" => file = rest.get(i + 1).copied(),
            _ if value("--tag").is_some() => tags.extend(value("--tag")),
            _ if value("--file").is_some() => file = value("--file"),
            _ if x.starts_with('-') => {
                // Options with a value: skip it.
                if ["--build-arg", "--target", "--platform", "--label", "--cache-from", "--secret", "--network", "--progress"].contains(&x)
                {
                    i += 1;
                }
            }
            _ => context = Some(x),
        }
        if matches!(x, "-t" | "--tag" | "-f" | "--file") {
            i += 1;
        }
        i += 1;
    }
    let Some(context) = context.filter(|c| !c.contains("://") && !c.contains('$')) else { return };
    let dir = crate::paths::join(&cmd.workdir, context);
    let path = match file {
        Some(f) => crate::paths::join(&cmd.workdir, f),
        None => crate::paths::join(&dir, "Dockerfile"),
    };
    for t in tags {
        record_image(unit, t, &path, &dir);
    }
    // Building the image runs its `RUN` lines (`RUN python train.py` bakes
    // the model into the image).
    let call = (format!("docker-build:{path}"), cmd.location.clone());
    if !unit.calls.contains(&call) {
        unit.calls.push(call);
    }
}

/// The build context of the image a deploy command names
/// (`--image-uri`, `--image`, `--container-image`), when this unit built it
/// from a folder other than the repository root.
fn deployed_image_context(unit: &Unit, argv: &[String]) -> Option<String> {
    let image = crate::command::opt_value(argv, &["--image-uri", "--image", "--container-image"])?;
    let dir = unit.image_contexts.get(image).or_else(|| unit.image_contexts.get(image_name(image)))?;
    let dir = dir.trim_start_matches("./").trim_end_matches('/');
    (!dir.is_empty() && dir != ".").then(|| dir.to_string())
}

/// Records that `tag` is built from the Dockerfile at `path` with the build
/// context `dir` (both repository-relative).
pub(crate) fn record_image(unit: &mut Unit, tag: &str, path: &str, dir: &str) {
    for t in [tag, image_name(tag)] {
        unit.images.insert(t.to_string(), path.to_string());
        if !dir.contains('$') {
            unit.image_contexts.insert(t.to_string(), dir.to_string());
        }
    }
}

/// Options of `docker compose up`/`start` that take a value (those of
/// Compose itself and of `run` are the shell reader's
/// [`crate::shell::CONTAINER_VALUE_OPTIONS`]).
const COMPOSE_UP_VALUE_OPTIONS: &[&str] =
    &["--exit-code-from", "--scale", "-t", "--timeout", "--wait-timeout", "--attach", "--no-attach", "--env-from-file", "--progress"];

/// `docker compose [-f F]... up|run|start [options] [SERVICE...]` with no
/// command of its own (`run svc pytest` reaches here as `pytest`: the shell
/// reader strips the container prefix) starts services of the Compose file:
/// calls to their units (`compose:<file>#<service>`), or to the file's unit
/// (every service) when none is named. Without `-f`, Compose's default file
/// names in the command's folder (or `--project-directory`).
fn compose_flow(unit: &mut Unit, cmd: &Cmd) {
    // Every command passes here: the first words settle almost all.
    let tool = cmd.argv.first().map(|t| t.rsplit('/').next().unwrap_or(t));
    let mut i = match tool {
        Some("docker" | "podman") if cmd.argv.get(1).is_some_and(|s| s == "compose") => 2,
        Some("docker-compose" | "podman-compose") => 1,
        _ => return,
    };
    let a: Vec<&str> = cmd.argv.iter().map(String::as_str).collect();
    let (mut files, mut project_dir, mut services, mut sub) = (Vec::new(), None, Vec::new(), None);
    while let Some(x) = a.get(i).copied() {
        i += 1;
        if x.starts_with('-') {
            let (flag, inline) = x.split_once('=').map_or((x, None), |(f, v)| (f, Some(v)));
            let takes = crate::shell::CONTAINER_VALUE_OPTIONS.contains(&flag) || COMPOSE_UP_VALUE_OPTIONS.contains(&flag);
            let value = if takes && inline.is_none() {
                i += 1;
                a.get(i - 1).copied()
            } else {
                inline
            };
            match flag {
                "-f" | "--file" if sub.is_none() => files.extend(value),
                "--project-directory" if sub.is_none() => project_dir = value,
                _ => {}
            }
            continue;
        }
        match sub {
            None if matches!(x, "up" | "run" | "start") => sub = Some(x),
            None => return,
            Some(s) => {
                services.push(x);
                // `run SERVICE [COMMAND...]`: one service.
                if s == "run" {
                    break;
                }
            }
        }
    }
    if sub.is_none() || services.iter().any(|s| s.contains('$')) {
        return;
    }
    let base = crate::paths::join(&cmd.workdir, project_dir.unwrap_or(""));
    let files: Vec<String> = if files.is_empty() {
        ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"].iter().map(|n| crate::paths::join(&base, n)).collect()
    } else {
        files.iter().filter(|f| !f.contains('$')).map(|f| crate::paths::join(&base, f)).collect()
    };
    for f in files {
        let ids: Vec<String> = if services.is_empty() {
            vec![format!("compose:{f}")]
        } else {
            services.iter().map(|s| compose::service_unit(&f, s)).collect()
        };
        for id in ids {
            let call = (id, cmd.location.clone());
            if !unit.calls.contains(&call) {
                unit.calls.push(call);
            }
        }
    }
}

/// The Dockerfile of the image a `docker push REF` (or `docker build --push
/// -t REF`) publishes, when an earlier `docker build` of the unit tagged it.
fn pushed_dockerfile(unit: &Unit, argv: &[String]) -> Option<String> {
    let a: Vec<&str> = argv.iter().map(String::as_str).collect();
    let refs: Vec<&str> = match a.get(1..)? {
        ["push", r @ ..] | ["image", "push", r @ ..] => r.iter().filter(|x| !x.starts_with('-')).copied().collect(),
        r => r.windows(2).filter(|w| matches!(w[0], "-t" | "--tag")).map(|w| w[1]).collect(),
    };
    refs.iter().find_map(|x| unit.images.get(*x).or_else(|| unit.images.get(image_name(x))).cloned())
}

/// An image reference without its tag (`reg:5000/app:1.2` -> `reg:5000/app`).
pub(crate) fn image_name(reference: &str) -> &str {
    reference.rsplit_once(':').filter(|(_, v)| !v.contains('/')).map(|(n, _)| n).unwrap_or(reference)
}

/// Detectors of CI systems (their steps are pipeline steps).
pub const CI_DETECTORS: &[&str] = &[
    "github-actions",
    "gitlab-ci",
    "azure-pipelines",
    "jenkins",
    "circleci",
    "bitbucket",
    "travis",
    "buildkite",
    "drone",
    "cloud-build",
    "codebuild",
    "tekton",
    "argo-workflows",
];

/// The option of a test runner command that hands the tests the model to
/// test (`pytest --run-id=$RUN_ID tests/model`, `--model-path out/model.pkl`,
/// `--checkpoint ckpt/`): a custom option of the suite (conftest
/// `pytest_addoption`), named for a run, model or checkpoint, with a value.
pub fn model_under_test_option(argv: &[String]) -> Option<String> {
    let mut it = argv.iter().skip(1).peekable();
    while let Some(a) = it.next() {
        let Some(opt) = a.strip_prefix("--") else { continue };
        let (name, inline) = match opt.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (opt, None),
        };
        let name = name.to_ascii_lowercase().replace('_', "-");
        let names_model = matches!(
            name.as_str(),
            "run-id"
                | "mlflow-run-id"
                | "model"
                | "model-uri"
                | "model-path"
                | "model-dir"
                | "model-file"
                | "model-version"
                | "model-name"
                | "checkpoint"
                | "checkpoint-path"
                | "ckpt"
                | "ckpt-path"
        );
        let has_value = inline.is_some_and(|v| !v.is_empty()) || it.peek().is_some_and(|v| !v.starts_with('-'));
        if names_model && has_value {
            return Some(name);
        }
    }
    None
}

/// A CI job on a self-hosted runner that leaves a service running there
/// (`docker run -d`, `docker compose up -d`, `systemctl restart app`, `pm2
/// start`) deploys to that machine: the runner is the host. A service the
/// job stops again (`docker rm -f`, `docker compose down`) was a test.
/// The deploy is the last start not followed by a stop.
pub(crate) fn self_hosted_deploy(unit: &Unit, out: &mut Output, detector: &str) {
    let words = |c: &Cmd| crate::shell::strip_wrappers_dir(c.argv.clone()).0;
    let detached = |w: &[String]| w.iter().any(|a| a == "--detach" || a.starts_with('-') && !a.starts_with("--") && a.contains('d'));
    let compose = |w: &[String]| match w.first().map(String::as_str) {
        Some("docker-compose") => Some(1),
        Some("docker" | "podman") if w.get(1).is_some_and(|a| a == "compose") => Some(2),
        _ => None,
    };
    let starts = |w: &[String]| match w.first().map(String::as_str) {
        Some("docker" | "podman") if compose(w).is_none() => matches!(w.get(1).map(String::as_str), Some("run")) && detached(&w[2..]),
        Some("docker" | "podman" | "docker-compose") => {
            let at = compose(w).unwrap_or(1);
            w[at..].iter().any(|a| a == "up") && detached(&w[at..])
        }
        Some("systemctl" | "service" | "supervisorctl") => w.iter().any(|a| matches!(a.as_str(), "start" | "restart" | "reload")),
        Some("pm2") => w.iter().any(|a| matches!(a.as_str(), "start" | "restart" | "reload")),
        _ => false,
    };
    let stops = |w: &[String]| match w.first().map(String::as_str) {
        Some("docker" | "podman" | "docker-compose") => {
            let at = compose(w).unwrap_or(1);
            w.get(at).is_some_and(|a| matches!(a.as_str(), "rm" | "stop" | "kill" | "down"))
        }
        Some("systemctl" | "service" | "pm2" | "supervisorctl") => w.iter().any(|a| matches!(a.as_str(), "stop" | "delete" | "kill")),
        _ => false,
    };
    let mut deploy = None;
    for c in &unit.commands {
        let w = words(c);
        if starts(&w) {
            deploy = Some(c);
        } else if stops(&w) {
            deploy = None;
        }
    }
    if let Some(c) = deploy {
        let e = Evidence::new("run.deploy", detector, c.location.clone(), Confidence::Medium, &c.text).attr("target", "self-hosted-runner");
        out.push_in(e, &unit.id);
    }
}

/// Evidence a single command carries by itself.
pub fn command_evidence(detector: &str, cmd: &Cmd) -> Option<Vec<Evidence>> {
    let ev = |kind: &str| Evidence::new(kind, detector, cmd.location.clone(), Confidence::High, &cmd.text);
    // Managed training compute the command provisions or asks for.
    let compute = declares_training_compute(&cmd.argv);
    let tuning = crate::command::managed_tuning_job(&cmd.argv);
    let v = match classify(&cmd.argv) {
        Invocation::TestRunner { runner, .. } => {
            let mut e = ev("run.tests").attr("runner", runner);
            if let Some(opt) = model_under_test_option(&cmd.argv) {
                e = e.attr("model_arg", opt);
            }
            vec![e]
        }
        Invocation::Publish { what } => {
            let mut e = ev("run.publish").attr("what", what.clone());
            // The folder a package is built in (`working-directory: pkg`).
            if what == "python-package" && !cmd.workdir.is_empty() {
                e = e.attr("dir", cmd.workdir.clone());
            }
            let mut v = vec![e];
            // A model registered with its data version or commit as tags.
            if what == "model-registration" && tags_model_with_data(&cmd.argv) {
                v.push(ev("lineage.data-version").attr("how", "model-tags"));
            }
            v
        }
        // Copying files to a host from a script is how training runs are
        // launched too; only a CI step doing it is a deployment.
        Invocation::Deploy { target, .. } if target == "remote-host" && !CI_DETECTORS.contains(&detector) => return None,
        Invocation::Deploy { target, traffic, .. } => {
            let mut d = ev("run.deploy").attr("target", target.clone());
            // Applying infrastructure is not releasing a model; the endpoints it
            // declares are evidence of their own (iac detector, reached through it).
            if matches!(target.as_str(), "terraform" | "cloudformation" | "azure-arm" | "sam" | "cdk" | "pulumi" | "serverless" | "sls") {
                d = d.attr("infra", "yes");
            }
            // The folder a function is deployed from (`gcloud functions
            // deploy --source=fn/`): the linker reads whether it serves a model.
            if let Some(src) = crate::command::function_source(&cmd.argv) {
                d = d.attr("source", crate::paths::join(&cmd.workdir, src));
            }
            let mut v = vec![d];
            // Model files uploaded into a Space are pushed to the Hub too:
            // a versioned model, as an upload to a model repository is.
            if target == crate::command::HF_SPACE && hub_upload_of_model_files(&cmd.argv) {
                v.push(ev("run.publish").attr("what", "model-registration"));
            }
            if tags_ci_build(&cmd.argv) {
                v.push(ev("lineage.data-version").attr("how", "build-tag"));
            }
            if let Some(t) = traffic {
                if weighted_targets(&t) >= 2 {
                    v.push(ev("run.traffic-split").attr("target", target).attr("traffic", t));
                }
            }
            v
        }
        Invocation::SubmitJob { platform, file } => {
            let mut v = vec![ev("run.submit-job").attr("platform", platform).attr("file", file)];
            if let Some(tool) = compute {
                v.push(ev("code.compute").attr("tool", tool));
            }
            if cmd.argv.iter().any(|a| is_pinned_asset(a)) {
                v.push(ev("lineage.data-version").attr("how", "pinned-data-asset"));
            } else if tags_ci_build(&cmd.argv) {
                v.push(ev("lineage.data-version").attr("how", "build-tag"));
            }
            v
        }
        Invocation::Notebook { path } => vec![ev("run.notebook").attr("path", path)],
        // A managed fine-tuning job: the platform trains on its own compute.
        _ if tuning.is_some() => {
            let platform = tuning.unwrap_or_default();
            vec![ev("code.train").attr("framework", platform), ev("code.compute").attr("tool", platform)]
        }
        Invocation::TriggerPipeline { target } => vec![ev("run.trigger-pipeline").attr("target", target)],
        // A call to this machine (`curl localhost:8000/predict`) reaches a
        // server the same job started on its own runner, not a deployment.
        Invocation::InvokeEndpoint if crate::command::calls_loopback(&cmd.argv) => vec![ev("run.invoke-endpoint").attr("host", "local")],
        // A liveness probe (`curl -f $URL/health`) says the server is up,
        // not what the model answers.
        Invocation::InvokeEndpoint if is_liveness_probe(&cmd.argv) => vec![ev("run.invoke-endpoint").attr("probe", "liveness")],
        Invocation::InvokeEndpoint => vec![ev("run.invoke-endpoint")],
        // A run that opens a pull request starts the pull-request builds.
        Invocation::OpenPullRequest { base } => vec![ev("run.open-pull-request").attr("base", base)],
        // Comparing experiment metrics with the main branch and reporting it:
        // a diff of stored results for a person, which evaluates no model.
        Invocation::CompareMetrics => vec![ev("code.model-compare").attr("acts", "no").attr("reported", "yes").attr("tool", "dvc")],
        // Build outputs copied to a bucket by a CI step: a release artifact
        // published to object storage (compiled pipeline specs, bundles).
        _ if CI_DETECTORS.contains(&detector) && uploads_build_output(&cmd.argv) => {
            vec![ev("run.publish").attr("what", "storage-artifact")]
        }
        _ if compute.is_some() => vec![ev("code.compute").attr("tool", compute.unwrap_or_default())],
        _ => match data_download_tool(&cmd.argv) {
            Some(tool) => vec![ev("code.data-prep").attr("op", "download").attr("tool", tool)],
            // Trained weights fetched from a release's assets: a model
            // versioned by hand-uploaded release assets (RUBRIC: partial).
            None if cmd.argv.iter().skip(1).any(|a| is_release_asset_model(a))
                || cmd.argv.iter().skip(1).any(|a| is_release_asset(a))
                    && cmd
                        .argv
                        .iter()
                        .skip(1)
                        .any(|a| ["weight", "model", "ckpt", "checkpoint"].iter().any(|w| a.to_ascii_lowercase().contains(w))) =>
            {
                vec![ev("code.model-version").attr("mechanism", "release-asset").attr("tool", "release-assets")]
            }
            None => return None,
        },
    };
    Some(v)
}

/// A request (`curl`, `wget`, `http`) to a liveness or readiness path
/// (`/health`, `/healthz`, `/ready`, `/ping`, ...) that sends no body: it
/// checks that a server answers, not what its model predicts.
pub fn is_liveness_probe(argv: &[String]) -> bool {
    const PROBES: &[&str] =
        &["health", "healthz", "healthcheck", "health-check", "ready", "readyz", "readiness", "livez", "liveness", "ping"];
    const BODY: &[&str] = &[
        "-d",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--json",
        "-F",
        "--form",
        "-T",
        "--upload-file",
        "--post-data",
        "--post-file",
        "--body-data",
        "--body-file",
    ];
    let rest = argv.get(1..).unwrap_or(&[]);
    // `-d x`, `--data=x`, `-dx`.
    let sends_body = rest.iter().any(|a| BODY.iter().any(|b| a.strip_prefix(b).is_some_and(|v| v.is_empty() || v.starts_with('=') || b.len() == 2)))
        // httpie's `key=value` / `key:=json` request items.
        || (matches!(argv.first().map(String::as_str), Some("http" | "https" | "httpie")) && rest.iter().any(|a| !a.starts_with('-') && !a.contains("://") && a.contains('=')));
    let Some(url) = rest.iter().find(|a| a.contains("://") || a.starts_with('$')) else { return false };
    let path = url.split(['?', '#']).next().unwrap_or(url).trim_end_matches('/');
    let last = path.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    !sends_body && path.contains('/') && PROBES.contains(&last.as_str())
}

/// The platform of a command that provisions or asks for managed training
/// compute: an Azure ML compute created (`az ml compute create`, CLI v1 `az
/// ml computetarget create amlcompute|computeinstance`; an AKS target serves),
/// a SageMaker training job's `--resource-config`, a Vertex custom job's
/// worker pool `machine-type=`.
pub fn declares_training_compute(argv: &[String]) -> Option<&'static str> {
    let a: Vec<&str> = argv.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["az", "ml", "compute", "create", ..] => Some("azureml"),
        ["az", "ml", "computetarget", "create", "amlcompute" | "computeinstance", ..] => Some("azureml"),
        ["aws", "sagemaker", "create-training-job", rest @ ..] if rest.iter().any(|r| r.starts_with("--resource-config")) => {
            Some("sagemaker")
        }
        ["gcloud", ..] => crate::command::vertex_worker_pool(argv)?.iter().any(|(k, _)| k == "machine-type").then_some("vertex"),
        _ => None,
    }
}

/// True for an object-storage upload of local files (`gsutil cp`, `gcloud
/// storage cp`, `aws s3 cp|sync`, `az storage blob upload[-batch]`, `azcopy
/// copy`): the source is a local path, the destination a bucket URL or a
/// variable. Downloads (a remote source) and data files (`.csv`, a `data/`
/// folder) are not release artifacts.
pub fn uploads_build_output(argv: &[String]) -> bool {
    let a: Vec<&str> = argv.iter().map(String::as_str).collect();
    let tool = a.first().map(|t| t.rsplit('/').next().unwrap_or(t)).unwrap_or("");
    let args: &[&str] = match (tool, a.get(1..).unwrap_or(&[])) {
        ("gsutil", ["-m", "cp" | "rsync", r @ ..]) | ("gsutil", ["cp" | "rsync", r @ ..]) => r,
        ("gcloud", ["storage" | "alpha" | "beta", "cp" | "rsync", r @ ..]) => r,
        ("aws", ["s3", "cp" | "sync", r @ ..]) => r,
        ("azcopy", ["copy" | "cp" | "sync", r @ ..]) => r,
        ("az", ["storage", "blob", "upload" | "upload-batch" | "sync", r @ ..]) => {
            // Named options: the source is `--file`/`--source`, the destination a container.
            let src = r.windows(2).find(|w| matches!(w[0], "-f" | "--file" | "-s" | "--source")).map(|w| w[1]);
            return src.is_some_and(|s| !is_remote(s) && !is_data_path(s) && !is_report_path(s));
        }
        _ => return false,
    };
    let ops: Vec<&str> = args.iter().copied().filter(|x| !x.starts_with('-')).collect();
    let (Some(src), Some(dst)) = (ops.first(), ops.last()) else { return false };
    ops.len() >= 2 && !is_remote(src) && !is_data_path(src) && !is_report_path(src) && (is_remote(dst) || dst.contains('$'))
}

/// Plots, reports and logs: hosting them in a bucket (a CML comment's
/// images, an evaluation report) publishes no release. Nor do the local
/// stores of experiment trackers and training logs (`mlruns`, `wandb`,
/// `lightning_logs`): copying them keeps tracking records.
fn is_report_path(s: &str) -> bool {
    let l = s.trim_matches(['"', '\'']).to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".svg", ".gif", ".pdf", ".md", ".log"].iter().any(|e| l.ends_with(e))
        || l.split('/').any(|seg| {
            ["report", "plot", "figure", "metric", "confusion", "chart"].iter().any(|w| seg.contains(w))
                || matches!(
                    seg,
                    "mlruns" | "mlartifacts" | "wandb" | "lightning_logs" | "tb_logs" | "logs" | "runs" | "tensorboard" | "aim" | ".aim"
                )
        })
}

fn is_remote(s: &str) -> bool {
    let s = s.trim_matches(['"', '\'']);
    s.contains("://") || s.starts_with("http")
}

/// Data files and trained model files: copying them to a bucket stores data or
/// a model (versioning, judged elsewhere), it does not publish a release.
fn is_data_path(s: &str) -> bool {
    let l = s.trim_matches(['"', '\'']).to_ascii_lowercase();
    [".csv", ".tsv", ".parquet", ".jsonl", ".avro", ".pkl", ".joblib", ".pt", ".pth", ".h5", ".onnx", ".ckpt", ".safetensors"]
        .iter()
        .any(|e| l.ends_with(e))
        || l.split('/').any(|seg| {
            matches!(seg, "data" | "dataset" | "datasets" | "raw" | "processed")
                || ["model", "checkpoint", "weights"].iter().any(|w| seg.contains(w))
        })
}

/// The tool of a command that downloads a dataset: `kaggle competitions|datasets
/// download`, `huggingface-cli download --repo-type dataset`, and generic copies from object storage or the web (`aws s3 cp|sync`,
/// `gsutil cp|rsync`, `gcloud storage cp|rsync`, `az storage blob download*`,
/// `azcopy copy|sync`, `mc cp|mirror`, `wget`, `curl -o|-O`) whose remote
/// source or local destination names data (see [`names_data`]): those fetch
/// models and tools as often as data, so the path must say which. `dvc pull`
/// is not: it restores a snapshot someone versioned, which is lineage
/// (judged by the DVC detector), not gathering data.
pub fn data_download_tool(argv: &[String]) -> Option<&'static str> {
    let a: Vec<&str> = argv.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["kaggle", "competitions" | "datasets" | "c" | "d", "download", ..] => Some("kaggle"),
        ["huggingface-cli" | "hf", "download", rest @ ..]
            if rest.windows(2).any(|w| w == ["--repo-type", "dataset"]) || rest.contains(&"--repo-type=dataset") =>
        {
            Some("huggingface")
        }
        ["aws", "s3", "cp" | "sync", rest @ ..] => {
            remote_to_local(rest, &AWS_S3_VALUE_FLAGS, |s| s.starts_with("s3://")).then_some("aws-s3")
        }
        ["gsutil", rest @ ..] => {
            let sub = rest.iter().position(|x| matches!(*x, "cp" | "rsync" | "mv"))?;
            remote_to_local(&rest[sub + 1..], &[], |s| s.starts_with("gs://")).then_some("gsutil")
        }
        ["gcloud", "storage", "cp" | "rsync", rest @ ..] => {
            remote_to_local(rest, &[], |s| s.starts_with("gs://")).then_some("gcloud-storage")
        }
        ["azcopy", "copy" | "cp" | "sync", rest @ ..] => remote_to_local(rest, &[], |s| s.starts_with("https://")).then_some("azcopy"),
        ["az", "storage", "blob", "download" | "download-batch", rest @ ..] => opt_values(
            rest,
            &["-s", "--source", "-c", "--container-name", "-n", "--name", "--pattern", "-d", "--destination", "-f", "--file"],
        )
        .iter()
        .any(|v| names_data(v))
        .then_some("azure-storage"),
        // MinIO's client names remotes `alias/bucket/path`: not a local path.
        ["mc", "cp" | "mirror", rest @ ..] => {
            let ops = crate::command::positionals(rest, &["--storage-class", "--encrypt-key", "--attr", "--tags"]);
            match ops.as_slice() {
                [src, .., dst] if !is_local_like(src) && is_local_like(dst) => (names_data(src) || names_data(dst)).then_some("minio"),
                _ => None,
            }
        }
        ["wget", rest @ ..] => {
            let urls = crate::command::positionals(
                rest,
                &["-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file", "-U", "--user-agent", "--header"],
            );
            urls.iter().any(|u| is_web_url(u) && names_data(u)).then_some("wget")
        }
        // A download kept in a file (`-o F`, `-O`); requests that send data are calls.
        ["curl", rest @ ..]
            if rest.iter().any(|x| matches!(*x, "-o" | "-O" | "--output" | "--remote-name") || x.starts_with("-o") && x.len() > 2)
                && !rest.iter().any(|x| {
                    matches!(
                        *x,
                        "-d" | "--data" | "--data-binary" | "--data-raw" | "-F" | "--form" | "-T" | "--upload-file" | "-X" | "--request"
                    )
                }) =>
        {
            rest.iter().any(|u| is_web_url(u) && names_data(u)).then_some("curl")
        }
        _ => None,
    }
}

/// `aws s3 cp|sync` options that take a value.
const AWS_S3_VALUE_FLAGS: [&str; 12] = [
    "--exclude",
    "--include",
    "--profile",
    "--region",
    "--endpoint-url",
    "--acl",
    "--sse",
    "--storage-class",
    "--content-type",
    "--cache-control",
    "--expires",
    "--grants",
];

/// The values of the options in `names` (`-o V`, `--out=V`).
fn opt_values<'a>(args: &[&'a str], names: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for (i, a) in args.iter().enumerate() {
        if names.contains(a) {
            out.extend(args.get(i + 1).copied());
        } else if let Some((k, v)) = a.split_once('=') {
            if names.contains(&k) {
                out.push(v);
            }
        }
    }
    out
}

/// A copy from a remote source (`is_remote`) to a local path, where one of
/// the two names data.
fn remote_to_local(args: &[&str], valued: &[&str], is_remote: impl Fn(&str) -> bool) -> bool {
    let ops = crate::command::positionals(args, valued);
    let Some(i) = ops.iter().position(|s| is_remote(s.trim_matches(['"', '\'']))) else { return false };
    let locals: Vec<&String> = ops[i + 1..].iter().filter(|s| !s.contains("://")).collect();
    let (src_data, src_other) = data_words(&ops[i]);
    !locals.is_empty() && !src_other && (src_data || locals.iter().any(|l| names_data(l)))
}

fn is_local_like(s: &str) -> bool {
    let s = s.trim_matches(['"', '\'']);
    s.starts_with('.') || s.starts_with('/') || s.starts_with('~') || s.starts_with('$') || !s.contains('/')
}

fn is_web_url(s: &str) -> bool {
    let s = s.trim_matches(['"', '\'']);
    (s.starts_with("https://") || s.starts_with("http://") || s.starts_with("ftp://")) && !crate::command::is_loopback_url(s)
}

/// True when a path or URL names data: a word such as `data`, `dataset`, `raw`
/// or `corpus` in it (split on `/`, `_`, `-`, `.`), or a data file extension,
/// and no word of a model, checkpoint or run output. A web URL's host is not
/// read (`data.example.com` names a server), a bucket's name is
/// (`s3://raw-data/`).
pub fn names_data(s: &str) -> bool {
    let (data, other) = data_words(s);
    data && !other
}

/// Whether a path or URL names data, and whether it names a model, a
/// checkpoint or a run's output (see [`names_data`]).
pub(crate) fn data_words(s: &str) -> (bool, bool) {
    let l = s.trim_matches(['"', '\'']).to_ascii_lowercase();
    let path = match l.split_once("://") {
        Some(("http" | "https" | "ftp", rest)) => rest.split_once('/').map_or("", |(_, p)| p),
        Some((_, rest)) => rest,
        None => l.as_str(),
    };
    let path = path.split(['?', '#']).next().unwrap_or("");
    const DATA_EXT: &[&str] =
        &[".csv", ".tsv", ".parquet", ".jsonl", ".avro", ".feather", ".arrow", ".tfrecord", ".tfrecords", ".xlsx", ".csv.gz", ".csv.zip"];
    let words: Vec<&str> = path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let other = binaries::BINARY_EXT.iter().any(|e| path.ends_with(e))
        || words.iter().any(|w| {
            matches!(
                *w,
                "model"
                    | "models"
                    | "checkpoint"
                    | "checkpoints"
                    | "ckpt"
                    | "weights"
                    | "results"
                    | "mlruns"
                    | "reports"
                    | "logs"
                    | "artifacts"
            )
        });
    let data = DATA_EXT.iter().any(|e| path.ends_with(e))
        || words.iter().any(|w| {
            matches!(
                *w,
                "data"
                    | "dataset"
                    | "datasets"
                    | "rawdata"
                    | "raw"
                    | "corpus"
                    | "corpora"
                    | "processed"
                    | "traindata"
                    | "trainset"
                    | "testset"
            )
        });
    (data, other)
}

/// True for the URL of a model file attached to a code host's release
/// (`https://github.com/o/r/releases/download/v1/model.pth`, GitLab
/// `/-/releases/...`): weights published as release assets.
pub fn is_release_asset_model(s: &str) -> bool {
    const MODEL_EXT: &[&str] = &[
        ".pth",
        ".pt",
        ".ckpt",
        ".h5",
        ".hdf5",
        ".keras",
        ".onnx",
        ".pkl",
        ".joblib",
        ".safetensors",
        ".tflite",
        ".pb",
        ".weights",
        ".bin",
    ];
    let l = s.trim_matches(|c| c == '"' || c == '\'').to_ascii_lowercase();
    is_release_asset(&l) && MODEL_EXT.iter().any(|e| l.split(['?', '#']).next().unwrap_or("").ends_with(e))
}

/// True for the URL of a file attached to a code host's release.
fn is_release_asset(s: &str) -> bool {
    let l = s.trim_matches(|c| c == '"' || c == '\'').to_ascii_lowercase();
    l.starts_with("http") && (l.contains("/releases/download/") || l.contains("/-/releases/"))
}

/// True for a Hub CLI upload (`huggingface-cli|hf upload REPO LOCAL
/// [PATH_IN_REPO]`) whose local or repository path names model files: a
/// folder named for models (`./Model`, `models/`) or a serialized model
/// ([`binaries::BINARY_EXT`]: `.pkl`, `.joblib`, `.pt`, `.onnx`, `.safetensors`, ...).
fn hub_upload_of_model_files(argv: &[String]) -> bool {
    if !matches!(argv.first().map(String::as_str), Some("huggingface-cli" | "hf")) {
        return false;
    }
    let mut positional = Vec::new();
    let mut it = argv.iter().skip(2);
    while let Some(a) = it.next() {
        if a.starts_with('-') {
            // `--repo-type space`, `--commit-message msg`: the option's value.
            if !a.contains('=')
                && matches!(
                    a.as_str(),
                    "--repo-type"
                        | "--revision"
                        | "--commit-message"
                        | "--commit-description"
                        | "--token"
                        | "--include"
                        | "--exclude"
                        | "--delete"
                        | "--every"
                )
            {
                it.next();
            }
            continue;
        }
        positional.push(a.to_ascii_lowercase());
    }
    // The repository id first, then the paths.
    positional.iter().skip(1).any(|p| {
        let p = p.trim_end_matches('/');
        p.rsplit('/').any(|part| part.starts_with("model") || part.ends_with("model") || part.ends_with("models"))
            || binaries::BINARY_EXT.iter().any(|e| p.ends_with(e))
    })
}

/// True when a command registering a model attaches its data version or the
/// commit it was trained from: a pair in the value of a tag, label, metadata
/// or property option whose key is one of `data_version`, `dataset_version`,
/// `data_asset`, `data_hash`, `data_snapshot`, `git_commit`, `commit`
/// (`--tags data_version=3 git_commit=$SHA`, `--labels=commit=$SHA`,
/// `--set tags.data_hash=$H`), or an option of that name given a value
/// (`--data-version 3`). Keys and options are whole words: an option that
/// only contains one (`--commit-message "..."`, `--commit-description`) and
/// the free text of other options (a message saying "commit: sync") attach
/// nothing.
pub fn tags_model_with_data(argv: &[String]) -> bool {
    const KEYS: &[&str] = &["data_version", "dataset_version", "data_asset", "data_hash", "data_snapshot", "git_commit", "commit"];
    let norm = |k: &str| k.trim_matches(|c| matches!(c, '"' | '\'' | '{' | '[' | ' ')).to_ascii_lowercase().replace('-', "_");
    // `tags.git_commit`, `labels.commit`: the last dotted part is the key.
    let is_key = |k: &str| KEYS.contains(&norm(k).rsplit('.').next().unwrap_or(""));
    let tagging = |opt: &str| {
        let o = norm(opt);
        o.split('_').any(|p| p == "set" || ["tag", "label", "metadata", "propert", "annotation"].iter().any(|w| p.starts_with(w)))
    };
    // `k=v` / `k:v` pairs of a value (`a=1,b=2`, `{"a": "1"}`).
    let pairs_name_key = |value: &str| {
        value.split([',', ';', '\n']).any(|p| p.split_once(['=', ':']).is_some_and(|(k, v)| !v.trim().is_empty() && is_key(k)))
    };
    // Whether the words being read are the values of a tagging option.
    let mut in_tags = false;
    let mut it = argv.iter().skip(1).peekable();
    while let Some(a) = it.next() {
        if let Some(opt) = a.strip_prefix("--").or_else(|| a.strip_prefix('-')).filter(|o| !o.is_empty()) {
            let (name, inline) = match opt.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (opt, None),
            };
            let has_value = inline.is_some_and(|v| !v.is_empty()) || it.peek().is_some_and(|v| !v.starts_with('-'));
            if is_key(name) && has_value {
                return true;
            }
            in_tags = tagging(name) && inline.is_none();
            if tagging(name) && inline.is_some_and(pairs_name_key) {
                return true;
            }
            continue;
        }
        if in_tags && pairs_name_key(a) {
            return true;
        }
    }
    false
}

/// True when a command tags what it creates (a job, a deployment) with the CI
/// build or commit that runs it: `--set tags.git_commit=${GITHUB_SHA}`,
/// `--tags build=$(Build.BuildId)`. The value must come from a variable; a
/// literal tag is not the build.
pub fn tags_ci_build(argv: &[String]) -> bool {
    const WORDS: &[&str] = &["commit", "sha", "build", "run_id", "run_number", "pipeline_id", "revision", "source_version"];
    let mut after_flag = false;
    argv.iter().any(|a| {
        let lower = a.to_ascii_lowercase();
        let tagged = after_flag || lower.starts_with("tags.") || lower.contains("--tags.");
        after_flag = matches!(lower.as_str(), "--tag" | "--tags" | "--set-tag" | "--set-tags" | "--labels");
        let Some((key, value)) = lower.split_once('=') else { return false };
        tagged && value.contains('$') && WORDS.iter().any(|w| key.contains(w) || value.contains(w))
    })
}

/// True for a reference to a versioned Azure ML asset (`azureml:name:3`,
/// `azureml:name:$(version)`), not `@latest`.
pub fn is_pinned_asset(s: &str) -> bool {
    s.split("azureml:").skip(1).any(|rest| {
        let parts: Vec<&str> = rest.split([':', ' ', ',']).collect();
        parts.len() >= 2 && !parts[0].is_empty() && !parts[1].is_empty() && !rest.starts_with("//") && !rest.contains("@latest")
    })
}

/// `code.compute` evidence at `line` of a file (the line itself as snippet).
pub fn compute_at(detector: &str, path: &str, text: &str, line: u32, tool: &str, confidence: Confidence) -> Evidence {
    Evidence::new(
        "code.compute",
        detector,
        Location::line(path, line),
        confidence,
        text.lines().nth(line as usize - 1).unwrap_or("").trim(),
    )
    .attr("tool", tool)
}

/// Count `name=weight` pairs in a traffic spec (`blue=90 green=10`, `blue=90,green=10`).
pub fn weighted_targets(spec: &str) -> usize {
    spec.split([',', ' ', ';'])
        .filter(|p| p.split_once('=').is_some_and(|(n, w)| !n.trim().is_empty() && w.trim().trim_end_matches('%').parse::<f64>().is_ok()))
        .count()
}

/// Python identifiers that are keywords, for parsers that scan names.
pub fn is_python_keyword(w: &str) -> bool {
    matches!(
        w,
        "if" | "for"
            | "while"
            | "with"
            | "def"
            | "class"
            | "return"
            | "and"
            | "or"
            | "not"
            | "in"
            | "is"
            | "lambda"
            | "elif"
            | "else"
            | "try"
            | "except"
            | "print"
            | "assert"
            | "yield"
            | "raise"
            | "del"
            | "import"
            | "from"
            | "as"
            | "pass"
            | "await"
            | "async"
    )
}

/// The drift gates a detector emitted: (owning unit, first line). For tests.
#[cfg(test)]
pub(crate) fn drift_gates(o: &Output) -> Vec<(&str, u32)> {
    o.evidence.iter().filter(|(e, _)| e.kind == "ci.drift-gate").map(|(e, u)| (u.as_deref().unwrap_or(""), e.location.start_line)).collect()
}

#[cfg(test)]
mod tests {

    use super::*;

    #[test]
    fn a_databricks_job_created_then_run_now_is_its_spec_submitted() {
        let submitted = |script: &str| {
            let mut u = Unit::new("ci:x#j".into(), Location::line("ci.yml", 1), "j");
            let mut out = Output::default();
            add_shell(&mut u, &mut out, "t", "ci.yml", script, 1, "");
            out.evidence.iter().filter(|(e, _)| e.kind == "run.submit-job").map(|(e, _)| e.attrs["file"].to_string()).collect::<Vec<_>>()
        };
        assert_eq!(
            submitted("JOB=$(databricks jobs create --json-file jobs/fit.json | jq -r .job_id)\ndatabricks jobs run-now --job-id $JOB\n"),
            ["jobs/fit.json"]
        );
        // Installed (or reset) only, or read back: the job's own schedule, if any, runs it.
        assert!(submitted("databricks jobs reset --job-id 7 --json-file jobs/fit.json\n").is_empty());
        assert!(submitted("databricks jobs create --json-file jobs/fit.json\ndatabricks jobs get --job-id 7\n").is_empty());
    }

    #[test]
    fn compose_commands_start_services_of_their_file() {
        let calls = |script: &str, wd: &str| {
            let mut u = Unit::new("ci:x#j".into(), Location::line("ci.yml", 1), "j");
            let mut out = Output::default();
            add_shell(&mut u, &mut out, "t", "ci.yml", script, 1, wd);
            u.calls.into_iter().map(|c| c.0).collect::<Vec<_>>()
        };
        assert_eq!(
            calls("docker compose -f docker-compose.test.yaml up --build --exit-code-from svc", ""),
            ["compose:docker-compose.test.yaml"]
        );
        assert_eq!(calls("docker-compose -f ops/ci.yml run --rm -e A=1 tests", "svc"), ["compose:svc/ops/ci.yml#tests"]);
        assert_eq!(
            calls("docker compose up -d api worker", "app"),
            [
                "compose:app/compose.yaml#api",
                "compose:app/compose.yaml#worker",
                "compose:app/compose.yml#api",
                "compose:app/compose.yml#worker",
                "compose:app/docker-compose.yaml#api",
                "compose:app/docker-compose.yaml#worker",
                "compose:app/docker-compose.yml#api",
                "compose:app/docker-compose.yml#worker"
            ]
        );
        // Building, stopping, or running a command of its own: no service's command.
        for other in
            ["docker compose build", "docker compose down -v", "docker compose logs api", "docker compose -f c.yml run tests pytest -q"]
        {
            assert!(calls(other, "").iter().all(|c| !c.starts_with("compose:")), "{other}");
        }
    }

    #[test]
    fn model_tagged_with_data_version_or_commit_as_whole_keys() {
        let argv = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        for yes in [
            "az ml model create -n m --tags data_asset=$(A) data_version=3 git_commit=$(Build.SourceVersion)",
            "gcloud ai models upload --region=r --labels=commit=$SHA,team=x",
            "az ml model create --set tags.data_hash=$H",
            "gto register model --data-version v3",
            "aws sagemaker create-model-package --customer-metadata-properties git_commit=$SHA",
        ] {
            assert!(tags_model_with_data(&argv(yes)), "{yes}");
        }
        // A word that only contains a key, and the free text of other options.
        let mut message = argv("huggingface-cli upload org/m ./model --commit-message");
        message.push("commit: sync data_version=3".into());
        for no in [
            argv("huggingface-cli upload org/m ./model --commit-message=Sync"),
            argv("huggingface-cli upload org/m ./model --commit-description=nightly"),
            message,
            argv("az ml model create -n m --tags team=ml stage=dev"),
            argv("az ml model create -n commit --version 3"),
            argv("gcloud ai models upload --labels="),
        ] {
            assert!(!tags_model_with_data(&no), "{no:?}");
        }
        // Through the command's evidence: a publish, no lineage.
        let cmd = |t: &str| Cmd { argv: argv(t), location: Location::line("ci.yml", 1), text: t.into(), workdir: String::new() };
        let kinds =
            |t: &str| command_evidence("t", &cmd(t)).unwrap_or_default().into_iter().map(|e| e.kind.to_string()).collect::<Vec<_>>();
        assert_eq!(kinds("huggingface-cli upload org/m ./model --commit-message=Sync"), ["run.publish"]);
        assert_eq!(kinds("az ml model create -n m --tags git_commit=$SHA"), ["run.publish", "lineage.data-version"]);
    }

    #[test]
    fn liveness_probes_send_nothing_to_a_health_path() {
        let argv = |t: &str| t.split_whitespace().map(String::from).collect::<Vec<_>>();
        for yes in [
            "curl -fsS https://api.example.com/health",
            "curl -f $URL/healthz/",
            "wget -qO- https://x.run.app/ready?verbose=1",
            "http GET https://x/ping",
        ] {
            assert!(is_liveness_probe(&argv(yes)), "{yes}");
        }
        for no in [
            "curl -f -X POST -d @req.json https://api.example.com/health",
            "curl -f --data-binary=@r.json https://api.example.com/health",
            "http POST https://x/ping text=hello",
            "curl -f https://api.example.com/predict",
            "curl -f https://health.example.com/score",
        ] {
            assert!(!is_liveness_probe(&argv(no)), "{no}");
        }
    }

    #[test]
    fn commands_that_provision_training_compute() {
        let argv = |t: &str| t.split_whitespace().map(String::from).collect::<Vec<_>>();
        let cmd = |t: &str| Cmd { argv: argv(t), location: Location::line("ci.yml", 1), text: t.into(), workdir: String::new() };
        let compute = |t: &str| {
            command_evidence("t", &cmd(t))
                .unwrap_or_default()
                .into_iter()
                .find(|e| e.kind == "code.compute")
                .map(|e| e.attrs["tool"].to_string())
        };
        for yes in [
            "az ml compute create --name cpu-cluster --type amlcompute --size STANDARD_DS3_V2 --max-instances 4",
            "az ml compute create -f compute/cluster.yml",
            "az ml computetarget create amlcompute -n gpu --vm-size STANDARD_NC6 --max-nodes 2",
        ] {
            assert_eq!(compute(yes).as_deref(), Some("azureml"), "{yes}");
        }
        assert_eq!(
            compute("aws sagemaker create-training-job --training-job-name t --resource-config InstanceType=ml.m5.xlarge,InstanceCount=1,VolumeSizeInGB=10").as_deref(),
            Some("sagemaker")
        );
        assert_eq!(
            compute("gcloud ai custom-jobs create --region=us-central1 --display-name=fit --worker-pool-spec=machine-type=n1-standard-4,replica-count=1,executor-image-uri=img,python-module=trainer.task").as_deref(),
            Some("vertex")
        );
        // Serving targets, listings and jobs that name no machine.
        for no in [
            "az ml computetarget create aks -n serve-aks",
            "az ml compute list -o table",
            "az ml compute show -n cpu-cluster",
            "gcloud ai custom-jobs create --region=us-central1 --display-name=fit --config=job.yaml",
        ] {
            assert_eq!(compute(no), None, "{no}");
        }
    }

    #[test]
    fn model_files_uploaded_into_a_space_are_versioned_too() {
        let argv = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        for yes in [
            "huggingface-cli upload org/app ./Model /Model --repo-type=space --commit-message=Sync",
            "hf upload org/app models/clf.joblib --repo-type space",
            "huggingface-cli upload org/app ./out/weights.safetensors weights.safetensors --repo-type=space",
        ] {
            assert!(hub_upload_of_model_files(&argv(yes)), "{yes}");
        }
        for no in [
            "huggingface-cli upload org/app ./App --repo-type=space --commit-message=Model",
            "huggingface-cli upload org/model-app . --repo-type=space",
            "hf upload org/app app.py --repo-type space",
            "git push https://huggingface.co/spaces/org/model main",
        ] {
            assert!(!hub_upload_of_model_files(&argv(no)), "{no}");
        }
        let cmd = |t: &str| Cmd { argv: argv(t), location: Location::line("ci.yml", 1), text: t.into(), workdir: String::new() };
        let kinds =
            |t: &str| command_evidence("t", &cmd(t)).unwrap_or_default().into_iter().map(|e| e.kind.to_string()).collect::<Vec<_>>();
        assert_eq!(kinds("huggingface-cli upload org/app ./Model /Model --repo-type=space"), ["run.deploy", "run.publish"]);
        assert_eq!(kinds("huggingface-cli upload org/app ./App --repo-type=space"), ["run.deploy"]);
    }

    #[test]
    fn pushes_to_a_remote_added_for_a_space_deploy_it() {
        let deploys = |chunks: &[&str]| {
            let mut u = Unit::new("ci:x#j".into(), Location::line("ci.yml", 1), "j");
            let mut out = Output::default();
            for (i, c) in chunks.iter().enumerate() {
                add_shell(&mut u, &mut out, "t", "ci.yml", c, i as u32 + 1, "");
            }
            out.evidence.iter().filter(|(e, _)| e.kind == "run.deploy").map(|(e, _)| e.attrs["target"].to_string()).collect::<Vec<_>>()
        };
        // The remote added in one step, pushed in a later one.
        assert_eq!(
            deploys(&["git remote add space https://user:$HF_TOKEN@huggingface.co/spaces/org/app", "git push --force space main"]),
            ["hf-space"]
        );
        assert_eq!(deploys(&["git remote set-url hf https://huggingface.co/spaces/org/app\ngit push -f hf HEAD:main"]), ["hf-space"]);
        // Pushing another remote, a remote of a model repository, or a
        // Space remote that is added but never pushed.
        assert!(deploys(&["git remote add space https://huggingface.co/spaces/org/app", "git push origin main"]).is_empty());
        assert!(deploys(&["git remote add hub https://huggingface.co/org/model", "git push hub main"]).is_empty());
        assert!(deploys(&["git remote add space https://huggingface.co/spaces/org/app"]).is_empty());
        assert!(deploys(&["git remote add", "git push space main"]).is_empty());
    }

    #[test]
    fn override_variables_default_to_their_literal() {
        assert_eq!(override_default("$[coalesce(variables['SCRIPT_OVERRIDE'], 'src/train.py')]"), "src/train.py");
        assert_eq!(
            override_default("$[ coalesce(variables.A, variables['B'], '$(Build.SourcesDirectory)') ]"),
            "$(Build.SourcesDirectory)"
        );
        // Not a fallback to a literal: kept as written.
        assert_eq!(override_default("$[coalesce(variables['A'], variables['B'])]"), "$[coalesce(variables['A'], variables['B'])]");
        assert_eq!(override_default("$[eq(variables['A'], 'x')]"), "$[eq(variables['A'], 'x')]");
        assert_eq!(override_default("src/train.py"), "src/train.py");
    }

    /// The path tests every listed file goes through, on the cases their
    /// cheap first checks must not change: a word inside a longer name, a
    /// folder named like a suffix of another, case, hidden folders.
    #[test]
    fn path_tests_answer_alike_whatever_they_check_first() {
        use crate::Detector;
        // (name, the test, paths it accepts, paths it refuses)
        type Case = (&'static str, fn(&str) -> bool, &'static [&'static str], &'static [&'static str]);
        let cases: [Case; 5] = [
            (
                "is_test_path",
                crate::paths::is_test_path,
                &["tests/a.py", "pkg/test/b.py", "test_x.py", "src/x_test.py", "src/x_tests.py", "conftest.py", "a/test.py"],
                &["src/latest/a.py", "contest/x.py", "pkg/testing.py", "Tests/a.py", "src/attest.py"],
            ),
            (
                "shell",
                |p| super::shell_script::ShellScript.applies(p),
                &["scripts/train", "a/scripts/train", "ci/run", ".github/scripts/release", "x/run.sh", "bin/deploy"],
                &["myscripts/train", "notci/run", "scripts/train.txt", "docs/bin/readme.md"],
            ),
            (
                "codepipeline",
                |p| super::codepipeline::CodePipeline.applies(p),
                &["infra/Pipeline.JSON", "stack.template", "cfn/app-Stack.json", "a.yml", "b/c.yaml"],
                &["data.json", "pipeline.txt", "templates/index.html"],
            ),
            (
                "iac",
                |p| super::iac::Iac.applies(p),
                &["infra/app.ts", "lib/EndpointStack.ts", "cfn-template.json", "main.tf", "x.tfvars", "deploy/cdk.json"],
                &["src/app.ts", "infra/types.d.ts", "data.json", "README.md"],
            ),
            (
                "cloud-build",
                |p| super::cloud_build::CloudBuild.applies(p),
                &[".cloudbuild/build.json", "Cloud-Build/x.yml", "cloudbuild.json", "ops/cloud_build/run.json", "any/config.yaml"],
                &["cloudbuilds/x.json", "build/cloudbuild.md", "mycloudbuild/x.json"],
            ),
        ];
        for (name, test, yes, no) in cases {
            for p in yes {
                assert!(test(p), "{name}: {p}");
            }
            for p in no {
                assert!(!test(p), "{name}: {p}");
            }
        }
    }

    fn cmd(s: &str) -> Cmd {
        Cmd {
            argv: s.split(' ').map(String::from).collect(),
            location: Location::line("ci.yml", 3),
            text: s.into(),
            workdir: String::new(),
        }
    }

    #[test]
    fn storage_and_web_downloads_of_data_are_data_acquisition() {
        let tool = |s: &str| data_download_tool(&cmd(s).argv);
        // Object storage to a local path, where a path names data.
        assert_eq!(tool("aws s3 sync s3://bucket/raw ./rawdata/"), Some("aws-s3"));
        assert_eq!(tool("aws s3 cp s3://b/exports/sales.parquet ./in/ --exclude *.tmp"), Some("aws-s3"));
        assert_eq!(tool("aws s3 cp --recursive s3://b/2024/ data/"), Some("aws-s3"));
        assert_eq!(tool("gsutil -m cp -r gs://b/datasets/images ."), Some("gsutil"));
        assert_eq!(tool("gsutil cp gs://acme-raw-data/2024/*.gz in/"), Some("gsutil"));
        assert_eq!(tool("gcloud storage rsync gs://b/corpus ./corpus"), Some("gcloud-storage"));
        assert_eq!(tool("azcopy copy https://acct.blob.core.windows.net/c/train.csv ./train.csv"), Some("azcopy"));
        assert_eq!(tool("az storage blob download-batch -s training-data -d ./work"), Some("azure-storage"));
        assert_eq!(tool("mc cp --recursive myminio/data-from-sensors/week1/ ./rawdata/"), Some("minio"));
        assert_eq!(tool("wget -q https://example.org/files/iris.csv -O iris.csv"), Some("wget"));
        assert_eq!(tool("curl -L -o d.zip https://example.org/datasets/d.zip"), Some("curl"));
        // Models, run outputs, tools, uploads and calls are not data.
        assert_eq!(tool("aws s3 cp s3://b/models/model.pkl ./model.pkl"), None);
        assert_eq!(tool("aws s3 cp s3://b/data/models/best.pt data/best.pt"), None);
        assert_eq!(tool("aws s3 cp s3://b/runs/results/ results/ --recursive"), None);
        assert_eq!(tool("aws s3 sync ./data s3://bucket/data"), None);
        assert_eq!(tool("gsutil cp gs://b/tools/helm.tgz ."), None);
        assert_eq!(tool("mc cp ./data/train.csv myminio/bucket/"), None);
        assert_eq!(tool("wget https://data.example.com/install.sh"), None);
        assert_eq!(tool("curl -o out.json http://localhost:8000/data/export.csv"), None);
        assert_eq!(tool("curl -X POST -o r.json https://api.example/data.csv"), None);
        assert_eq!(tool("curl https://example.org/data.csv"), None, "printed, not kept");
        assert_eq!(tool("dvc pull data/raw.dvc"), None, "a versioned snapshot restored");
        // In a CI step, a data download is data-preparation evidence.
        let ev = command_evidence("github-actions", &cmd("aws s3 sync s3://bucket/raw ./rawdata/")).expect("evidence");
        assert_eq!((ev[0].kind.as_ref(), ev[0].attrs.get("tool")), ("code.data-prep", Some("aws-s3")));
    }

    #[test]
    fn an_inline_program_runs_only_the_modules_it_uses() {
        let mut repo = crate::RepoIndex::default();
        repo.paths.insert("pkg/__init__.py".into());
        repo.paths.insert("pkg/train.py".into());
        let calls = |script: &str| {
            let mut unit = Unit::new("ci:x#job".into(), Location::line(".github/workflows/x.yml", 1), "job");
            let mut out = Output::default();
            add_shell_session(&mut unit, &mut out, "github-actions", ".github/workflows/x.yml", &[(script, 1)], "", Some(&repo));
            unit.calls.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>()
        };
        assert_eq!(calls("python -c \"from pkg.train import main; main('data.csv')\""), ["file:pkg/train.py"]);
        assert_eq!(calls("python -c 'import pkg.train as t; t.fit()'"), ["file:pkg/train.py"]);
        // Imported to check that it imports: nothing of it runs.
        assert!(calls("python -c \"from pkg.train import main; print('ok')\"").is_empty());
        assert!(calls("python -c 'import pkg.train'").is_empty());
        assert!(mentions_word("x = main()", "main") && !mentions_word("x = domain()", "main"));
    }

    #[test]
    fn drift_conditions_name_drift_stability_or_a_derived_retrain_verdict() {
        for c in [
            "needs.check.outputs.drift_detected == 'true'",
            "data_psi > 0.2 or perf.detected",
            "psi > threshold",
            "result.retrain_triggered",
            "if needs_retrain:",
            "report.should_retrain",
        ] {
            assert!(is_drift_condition(c), "{c}");
        }
        for c in ["args.retrain", "github.event_name == 'schedule'", "psychology_score > 1", "epsilon < 0.1", "retrain_every_days > 7"] {
            assert!(!is_drift_condition(c), "{c}");
        }
    }

    #[test]
    fn storage_uploads_of_build_outputs_are_published_artifacts() {
        let up = |s: &str| uploads_build_output(&cmd(s).argv);
        assert!(up("gsutil cp -r build/specs gs://bucket/v1"));
        assert!(up("gsutil -m cp out/pipeline.json $DEST"));
        assert!(up("gcloud storage cp dist/bundle.tgz gs://b/r/"));
        assert!(up("aws s3 sync ./site s3://my-site"));
        assert!(up("az storage blob upload --container-name c --file out/app.zip --name app.zip"));
        // Downloads, local copies and data files are not.
        assert!(!up("gsutil cp gs://bucket/model.pkl model.pkl"));
        assert!(!up("aws s3 cp s3://b/x ./x"));
        assert!(!up("gsutil cp a.json b.json"));
        assert!(!up("gsutil cp data/train.csv gs://bucket/"));
        assert!(!up("aws s3 cp results.parquet s3://b/"));
        assert!(!up("aws s3 cp build/model s3://b/churn/ --recursive"));
        assert!(!up("gsutil cp out/clf.joblib gs://b/"));
        // Plots and reports hosted for a comment or a reader are no release.
        assert!(!up("gsutil cp $uuid.png gs://bucket/plots/"));
        assert!(!up("aws s3 cp reports/eval.html s3://b/reports/"));
        // A tracker's local store copied to a bucket keeps tracking records.
        assert!(!up("aws s3 sync mlruns s3://team-bucket/mlruns"));
        assert!(!up("gsutil -m rsync -r ./wandb gs://b/wandb"));
        assert!(up("aws s3 sync dist/ s3://b/releases/$VERSION/"));
        assert!(!up("aws s3 sync ./metrics s3://b/runs/$RUN/"));
        assert!(!up("az storage blob upload --container-name c --file confusion_matrix.svg"));
        // Only a CI step publishes; the same upload in a script does not.
        let ci = command_evidence("cloud-build", &cmd("gsutil cp -r out gs://b/")).unwrap();
        assert_eq!(ci[0].kind, "run.publish");
        assert_eq!(ci[0].attrs["what"], *"storage-artifact");
        assert!(command_evidence("shell-script", &cmd("gsutil cp -r out gs://b/")).is_none());
    }

    #[test]
    fn dataset_download_commands() {
        let ev = command_evidence("github-actions", &cmd("kaggle competitions download -c prices -p data")).expect("evidence");
        assert_eq!(ev[0].kind, "code.data-prep");
        assert_eq!(ev[0].attrs.get("tool"), Some("kaggle"));
        assert_eq!(data_download_tool(&cmd("huggingface-cli download org/rows --repo-type dataset").argv), Some("huggingface"));
        // A model download, or listing a competition's files, is not a dataset download.
        assert!(command_evidence("github-actions", &cmd("huggingface-cli download org/bert")).is_none());
        assert!(command_evidence("github-actions", &cmd("kaggle competitions files -c prices")).is_none());
    }

    #[test]
    fn downloading_release_asset_weights_is_hand_versioning() {
        let cmd = |line: &str| Cmd {
            argv: line.split(' ').map(String::from).collect(),
            location: Location::line("get.sh", 1),
            text: line.into(),
            workdir: String::new(),
        };
        let ev =
            command_evidence("shell-script", &cmd("wget -q https://github.com/acme/nets/releases/download/v1/final_b7.pth -P weights"))
                .unwrap();
        assert_eq!(ev[0].kind, "code.model-version");
        assert_eq!(ev[0].attrs.get("mechanism"), Some("release-asset"));
        assert!(
            command_evidence("shell-script", &cmd("wget https://github.com/acme/tool/releases/download/v1/tool-linux.tar.gz")).is_none()
        );
        // No extension, but saved as weights.
        let ev = command_evidence(
            "shell-script",
            &cmd("wget -O weights/final_3_fold0 https://github.com/acme/nets/releases/download/$tag/final_3_fold0"),
        );
        assert!(ev.is_some_and(|v| v[0].kind == "code.model-version"));
        assert!(command_evidence("shell-script", &cmd("curl -LO https://example.com/models/final.pth")).is_none());
    }

    #[test]
    fn deployments_and_jobs_tagged_with_the_ci_build() {
        let how = |s: &str| -> Vec<String> {
            command_evidence("github-actions", &cmd(s))
                .unwrap_or_default()
                .into_iter()
                .filter(|e| e.kind == "lineage.data-version")
                .map(|e| e.attrs["how"].to_string())
                .collect()
        };
        assert_eq!(how("az ml online-deployment create -f blue.yml --set tags.source_rev=${CI_COMMIT_SHA}"), vec!["build-tag"]);
        assert_eq!(how("az ml job create -f train.yml --tags build=$(Build.BuildId)"), vec!["build-tag"]);
        // A literal tag, or a variable that is not the build, is not the build.
        assert!(how("az ml online-deployment create -f blue.yml --set tags.source_rev=abc123").is_empty());
        assert!(how("az ml job create -f train.yml --tags owner=$USER").is_empty());
    }

    #[test]
    fn a_push_names_the_dockerfile_its_image_was_built_from() {
        let cmd = |text: &str| Cmd {
            argv: text.split(' ').map(String::from).collect(),
            location: Location::line("ci.yml", 3),
            text: text.into(),
            workdir: String::new(),
        };
        let mut unit = Unit::new("ci:img".into(), Location::line("ci.yml", 1), "img");
        let mut out = Output::default();
        add_cmd(&mut unit, &mut out, "gitlab-ci", cmd("docker build -f docker/env.Dockerfile -t reg/env:1 ."));
        add_cmd(&mut unit, &mut out, "gitlab-ci", cmd("docker push reg/env:1"));
        // A push of an image this unit did not build names no Dockerfile.
        add_cmd(&mut unit, &mut out, "gitlab-ci", cmd("docker push reg/other:1"));
        let files: Vec<Option<&str>> =
            out.evidence.iter().filter(|(e, _)| e.kind == "run.publish").map(|(e, _)| e.attrs.get("dockerfile")).collect();
        assert_eq!(files, vec![Some("docker/env.Dockerfile"), None]);
    }

    #[test]
    fn commands_in_a_built_images_container_run_on_its_build_context() {
        let mut unit = Unit::new("ci:test".into(), Location::line("ci.yml", 1), "test");
        let mut out = Output::default();
        // Separate steps of one job: the build's tags outlive its session.
        add_shell_session(
            &mut unit,
            &mut out,
            "github-actions",
            "ci.yml",
            &[("docker build -f app/Dockerfile -t app:latest app", 5)],
            "",
            None,
        );
        add_shell_session(&mut unit, &mut out, "github-actions", "ci.yml", &[("docker tag app:latest reg/app:ci", 6)], "", None);
        let session = [
            ("docker run --rm app:latest make test", 7),
            ("docker run reg/app:ci bash -c 'pytest tests'", 8),
            // An image built elsewhere, or none (a running container): the job's folder.
            ("docker run -v $PWD:/w -w /w python:3.11 pytest", 9),
            ("docker exec box pytest", 10),
        ];
        add_shell_session(&mut unit, &mut out, "github-actions", "ci.yml", &session, "svc", None);
        let runs: Vec<(&str, &str)> = unit.commands.iter().skip(2).map(|c| (c.argv[0].as_str(), c.workdir.as_str())).collect();
        assert_eq!(runs, vec![("make", "app"), ("pytest", "app"), ("pytest", "svc"), ("pytest", "svc")]);
    }
}
