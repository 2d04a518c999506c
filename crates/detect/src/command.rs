//! What a command line does, in the terms the linker and the rules need:
//! which test runner, which task-runner target, which script or module,
//! which platform job file, whether it publishes or deploys.

/// A classified command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// A test runner (`pytest`, `python -m unittest`, ...), with path arguments.
    TestRunner { runner: String, paths: Vec<String> },
    /// `make [-C dir] [-f file] targets...`.
    Make { dir: Option<String>, file: Option<String>, targets: Vec<String> },
    /// `just [recipes]`.
    Just { recipes: Vec<String> },
    /// `task [tasks]` (go-task).
    Task { tasks: Vec<String> },
    /// `mise run <task>` / `mise <task>`.
    Mise { task: String },
    /// `npm test`, `npm run x`, `yarn x`, `pnpm run x`.
    Npm { script: String },
    /// `tox [-e envs]`.
    Tox { envs: Vec<String> },
    /// `nox [-s sessions]`.
    Nox { sessions: Vec<String> },
    /// `pre-commit run [hook] [--hook-stage S]`: the repository's local hooks.
    PreCommit { hook: Option<String>, stage: String },
    /// `invoke [-c collection] [-r root] [tasks]` (pyinvoke; also `inv`):
    /// task names as written (`test`, `checks.all`, `checks`).
    Invoke { tasks: Vec<String>, collection: Option<String>, root: Option<String> },
    /// `python path/to/script.py`.
    PythonScript { path: String },
    /// `python -m pkg.mod`.
    PythonModule { module: String },
    /// `bash x.sh`, `./x.sh`.
    Script { path: String },
    /// `dvc repro [targets]` / `dvc exp run`.
    DvcRepro { targets: Vec<String> },
    /// A notebook executed headless (papermill, nbconvert --execute).
    Notebook { path: String },
    /// A job or pipeline file submitted to an ML platform (`az ml job create -f x.yml`).
    SubmitJob { platform: String, file: String },
    /// Publishes a release artifact (image push, package upload).
    Publish { what: String },
    /// Deploys to a serving target; `traffic` when it shifts traffic between deployments.
    Deploy { target: String, traffic: Option<String>, file: Option<String> },
    /// Starts another pipeline or workflow (`gh workflow run`, a dispatch API call).
    TriggerPipeline { target: String },
    /// Calls a deployed endpoint (smoke test).
    InvokeEndpoint,
    /// Opens a pull (merge) request into `base` (`gh pr create --base main`,
    /// `glab mr create`, `az repos pr create`, `hub pull-request`); empty when
    /// the command names no target branch (the repository's default).
    OpenPullRequest { base: String },
    /// `mlflow run <dir> -e <entry>`: an MLflow Project entry point.
    MlflowRun { entry: String, dir: String },
    /// `mlflow recipes run [--step S]` (MLflow Pipelines: `mlflow pipelines
    /// run`): the recipe of the working folder, step `S` and those before it
    /// (the whole training recipe without one).
    MlflowRecipe { step: Option<String> },
    /// `kedro run`: the project's pipelines.
    Kedro,
    /// `databricks bundle run <job>`.
    BundleRun { job: String },
    /// `databricks bundle deploy`: the bundle's resources (jobs, serving endpoints).
    BundleDeploy,
    /// `airflow dags test|trigger <dag_id>`: the DAG of that id.
    AirflowDag { dag_id: String },
    /// `dbx launch <workflow>` / `dbx execute <workflow>` (`--job=<name>` in
    /// older dbx): a workflow of the project's dbx deployment file.
    DbxLaunch { workflow: String },
    /// Starts a pipeline defined in the cluster by name: `tkn pipeline|task
    /// start NAME` (a Tekton Pipeline or Task), `argo submit --from
    /// workflowtemplate/NAME` (an Argo WorkflowTemplate). `unit` is the id
    /// of the unit that defines it.
    StartDefined { unit: String },
    /// `tfx run create`: a run of a TFX pipeline created from its runner
    /// file by `tfx pipeline create|update --pipeline-path F`
    /// ([`tfx_pipeline_path`]), which is what runs.
    TfxRun,
    /// Compares metrics of two revisions and reports them (`dvc metrics diff`).
    CompareMetrics,
    /// Anything else.
    Other,
}

/// The deployment target of an app pushed or uploaded to a Hugging Face Space.
pub const HF_SPACE: &str = "hf-space";

/// True for the git URL of a Hugging Face Space
/// (`https://user:$HF_TOKEN@huggingface.co/spaces/org/app`, `hf.co/spaces/...`),
/// not of a model or dataset repository on the Hub.
pub fn is_hf_space_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    ["huggingface.co/spaces/", "hf.co/spaces/"].iter().any(|h| {
        l.find(h).is_some_and(|at| {
            // The host starts the URL's host part: after `//`, `@` or the word's start.
            at == 0 || matches!(l.as_bytes()[at - 1], b'/' | b'@' | b'.')
        })
    })
}

/// The value of the first of `names` given (`--name value` or `--name=value`).
pub(crate) fn opt_value<'a>(argv: &'a [String], names: &[&str]) -> Option<&'a str> {
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        for n in names {
            if a == n {
                return it.next().map(String::as_str);
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                return Some(v);
            }
        }
    }
    None
}

/// A request to a hosting platform's deploy hook: a URL of one
/// (`api.render.com/deploy/srv-...`, Netlify `build_hooks`, Vercel
/// `integrations/deploy`), or a variable or secret named for one
/// (`${{ secrets.RENDER_DEPLOY_HOOK }}`, `$DEPLOY_HOOK_URL`): the platform
/// builds and releases the service.
fn is_deploy_hook(rest: &[String]) -> bool {
    const HOOK_URLS: &[&str] = &["api.render.com/deploy/", "api.netlify.com/build_hooks/", "api.vercel.com/v1/integrations/deploy/"];
    rest.iter().any(|a| {
        let upper = a.to_ascii_uppercase();
        // `DEPLOY` then `HOOK` as name parts (`RENDER_DEPLOY_HOOK_URL`,
        // `DEPLOYHOOK`): a `DEPLOY_WEBHOOK` posts a message about a deploy.
        let parts: Vec<&str> = upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let named = parts.contains(&"DEPLOYHOOK") || parts.windows(2).any(|w| w == ["DEPLOY", "HOOK"]);
        HOOK_URLS.iter().any(|h| a.contains(h))
            || named && (a.contains('$') || upper.starts_with("SECRETS.") || upper.starts_with("ENV.") || upper.starts_with("VARS."))
    })
}

/// The job spec file of a Databricks CLI command: `--json-file F` (the
/// legacy CLI) or `--json @F` (the unified CLI; an inline JSON names none).
fn databricks_json_file(rest: &[String]) -> Option<String> {
    opt_value(rest, &["--json-file"])
        .or_else(|| opt_value(rest, &["--json"]).and_then(|v| v.strip_prefix('@')))
        .filter(|f| !f.is_empty())
        .map(str::to_string)
}

/// The spec file of `databricks jobs create|reset --json-file F`: the job
/// is installed, not run.
fn databricks_job_install(argv: &[String]) -> Option<String> {
    let rest = argv.get(1..)?;
    (argv.first().map(String::as_str) == Some("databricks")
        && rest.first().map(String::as_str) == Some("jobs")
        && matches!(rest.get(1).map(String::as_str), Some("create" | "reset")))
    .then(|| databricks_json_file(rest))
    .flatten()
}

/// A script's commands, in order: a Databricks job installed from a spec
/// file and run by the same script (`job_id=$(databricks jobs create
/// --json-file F)`, then `databricks jobs run-now --job-id $job_id`, whose
/// id a static reader cannot follow) is that spec submitted, as
/// `databricks runs submit --json-file F` submits it. Installed only, the
/// job runs on its own schedule, if any.
pub fn submit_jobs_run_now(cmds: &mut [crate::shell::ShellCmd]) {
    let run_now = |argv: &[String]| argv.len() > 2 && argv[..3] == ["databricks", "jobs", "run-now"];
    if !cmds.iter().any(|c| run_now(&c.argv)) {
        return;
    }
    for c in cmds.iter_mut() {
        if let Some(f) = databricks_job_install(&c.argv) {
            c.argv = ["databricks", "runs", "submit", "--json-file", &f].map(str::to_string).to_vec();
        }
    }
}

/// True when the words of a command run on a remote host (`ssh host ...`,
/// `aws ssm send-command`, `az vm run-command`, `gcloud compute ssh
/// --command`) start or restart a service there: containers, a unit, a
/// Python or WSGI server, a process manager.
fn runs_a_service(words: &[String]) -> bool {
    words
        .iter()
        .any(|a| ["docker", "systemctl", "kubectl", "python", "gunicorn", "uvicorn", "supervisorctl", "pm2"].iter().any(|w| a.contains(w)))
}

/// The platform of a managed fine-tuning job a command starts: `aws bedrock
/// create-model-customization-job`, `aws sagemaker create-training-job`,
/// `openai api fine_tuning.jobs.create`, or a request posted to a tuning
/// API (`curl -X POST .../tuningJobs`, `.../v1/fine_tuning/jobs`).
pub fn managed_tuning_job(argv: &[String]) -> Option<&'static str> {
    // Every command passes here: most start with another program.
    if !matches!(argv.first().map(String::as_str), Some("aws" | "openai" | "curl")) {
        return None;
    }
    let w: Vec<&str> = argv.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["aws", "bedrock", "create-model-customization-job", ..] => Some("bedrock"),
        ["aws", "sagemaker", "create-training-job", ..] => Some("sagemaker"),
        ["openai", "api", job, ..] if matches!(*job, "fine_tuning.jobs.create" | "fine_tunes.create") => Some("openai"),
        ["curl", rest @ ..] => {
            let posts =
                rest.iter().any(|a| matches!(*a, "POST" | "-XPOST" | "--request=POST") || a.starts_with("-d") || a.starts_with("--data"));
            let url = request_url(&argv[1..]);
            let path = url.split('?').next().unwrap_or(url);
            if !posts {
                None
            } else if path.ends_with("/tuningJobs") {
                Some("vertex")
            } else if path.ends_with("/fine_tuning/jobs") || path.ends_with("/fine-tunes") {
                Some("openai")
            } else if path.ends_with("/model-customization-jobs") {
                Some("bedrock")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The URL an HTTP client's arguments name: the first word with a scheme
/// or starting with a variable (`$ENDPOINT/score`); `""` when none does.
fn request_url(args: &[String]) -> &str {
    args.iter().find(|a| a.contains("://") || a.starts_with('$')).map(String::as_str).unwrap_or("")
}

/// The local folder `gcloud functions deploy` uploads (`--source DIR`,
/// `--source=DIR`; `""` for the root), when given: not a bucket or
/// repository URL, nor a variable.
pub fn function_source(argv: &[String]) -> Option<&str> {
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    if words.first() != Some(&"gcloud") {
        return None;
    }
    let at = words.windows(2).position(|w| w == ["functions", "deploy"])?;
    let src = opt_value(&argv[at + 2..], &["--source"])?;
    let src = src.trim_matches(['"', '\'']).trim_start_matches("./").trim_end_matches('/');
    (!src.contains("://") && !src.starts_with('$') && !src.is_empty()).then_some(if src == "." { "" } else { src })
}

/// Every value of a flag that takes several (`--revision-weight a=80 b=20`,
/// or `--flag=a=80`): the words after it up to the next flag.
fn opt_values<'a>(argv: &'a [String], name: &str) -> Vec<&'a str> {
    let Some(at) = argv.iter().position(|a| a == name || a.starts_with(&format!("{name}="))) else { return Vec::new() };
    let first = argv[at].strip_prefix(&format!("{name}=")).into_iter();
    first.chain(argv[at + 1..].iter().map(String::as_str).take_while(|a| !a.starts_with('-'))).collect()
}

/// The traffic of a Lambda alias: its version and the extra versions'
/// weights of `--routing-config` (`AdditionalVersionWeights={"3"=0.1}` or
/// its JSON form), as `version=weight` pairs; `None` without a routing config.
fn lambda_alias_traffic(rest: &[String]) -> Option<String> {
    let routing = opt_value(rest, &["--routing-config"])?;
    let version = opt_value(rest, &["--function-version"]).unwrap_or("current");
    let mut pairs = Vec::new();
    let mut extra = 0.0;
    // `"3"=0.1` or `"3":0.1`, in the innermost braces (the key's value).
    let body = routing.rsplit_once('{').map_or(routing, |(_, b)| b).split('}').next().unwrap_or("");
    for part in body.split(',') {
        let Some((v, w)) = part.split_once(['=', ':']) else { continue };
        let (v, w) = (v.trim().trim_matches('"'), w.trim());
        // A version with no weight gets no traffic.
        if let (false, Ok(w)) = (v.is_empty(), w.parse::<f64>()) {
            if w <= 0.0 {
                continue;
            }
            extra += w;
            pairs.push(format!("{v}={w}"));
        }
    }
    if pairs.is_empty() {
        return None;
    }
    pairs.insert(0, format!("{version}={}", 1.0 - extra));
    Some(pairs.join(","))
}

/// pytest options (its own and common plugins') whose value is the next
/// word: that word is no test path (`-W ignore`, `--tb short`).
const PYTEST_VALUED: &[&str] = &[
    "-k",
    "-m",
    "-c",
    "-p",
    "-n",
    "-o",
    "-W",
    "-r",
    "--junitxml",
    "--junit-xml",
    "--junit-prefix",
    "--cov",
    "--cov-report",
    "--cov-config",
    "--cov-fail-under",
    "--maxfail",
    "--durations",
    "--durations-min",
    "--rootdir",
    "--confcutdir",
    "--basetemp",
    "--override-ini",
    "--pythonwarnings",
    "--log-level",
    "--log-cli-level",
    "--log-file",
    "--log-file-level",
    "--log-format",
    "--log-date-format",
    "--ignore",
    "--ignore-glob",
    "--deselect",
    "--tb",
    "--color",
    "--code-highlight",
    "--capture",
    "--import-mode",
    "--timeout",
    "--numprocesses",
    "--dist",
    "--maxprocesses",
    "--reruns",
    "--reruns-delay",
    "--html",
    "--count",
    "--randomly-seed",
    "--splits",
    "--group",
    "--alluredir",
];

/// `python -m unittest` / nose options whose value is the next word
/// (`discover -s tests -t . -p "test_*.py"`).
const UNITTEST_VALUED: &[&str] = &["-k", "-p", "-s", "-t", "-c", "--pattern", "--start-directory", "--top-level-directory"];

/// The non-option words of `args`, skipping the word after each option in
/// `with_value` (its value).
pub(crate) fn positionals<S: AsRef<str>>(args: &[S], with_value: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args.iter().map(AsRef::as_ref) {
        if skip {
            skip = false;
            continue;
        }
        if a.starts_with('-') {
            if with_value.contains(&a) {
                skip = true;
            }
            continue;
        }
        out.push(a.to_string());
    }
    out
}

/// True for a Python interpreter (`python`, `python3`, `python3.11`, `py`),
/// by its file name.
pub fn is_python(w: &str) -> bool {
    let base = w.rsplit('/').next().unwrap_or(w);
    base == "python" || base == "python3" || base.starts_with("python3.") || base == "py"
}

/// Deploy tools that package managers run as local binaries (`yarn cdk deploy`).
const DEPLOY_BINS: &[&str] = &["cdk", "sam", "serverless", "sls", "pulumi"];

/// True when an HTTP client's command line names a URL on this machine
/// (`localhost`, `127.x.x.x`, `0.0.0.0`, `[::1]`, Docker's
/// `host.docker.internal`): a server started beside the command, such as
/// a container on the CI runner.
pub fn calls_loopback(argv: &[String]) -> bool {
    argv.iter().skip(1).filter(|a| !a.starts_with('-')).any(|a| is_loopback_url(a))
}

/// True when a URL (or a bare `host:port/path`) names this machine; see
/// [`calls_loopback`].
pub fn is_loopback_url(a: &str) -> bool {
    let rest = a.split_once("://").map_or(a, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host =
        if host.starts_with('[') { host.split_inclusive(']').next().unwrap_or(host) } else { host.split(':').next().unwrap_or(host) };
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "0.0.0.0"
        || host == "[::1]"
        || host == "host.docker.internal"
        || host
            .strip_prefix("127.")
            .is_some_and(|r| r.split('.').count() == 3 && r.split('.').all(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit())))
}

/// `curl` uploading a built distribution to a package index: a form field
/// or upload body read from a file (`-F package=@dist/x.whl`, `-T
/// dist/x.tar.gz`) that is under `dist/` or is a wheel or source archive.
fn uploads_built_package(rest: &[String]) -> bool {
    let built = |p: &str| {
        let p = p.trim_matches(['"', '\'']);
        p.starts_with("dist/") || p.contains("/dist/") || p.ends_with(".whl") || p.ends_with(".tar.gz")
    };
    rest.windows(2).any(|w| match w[0].as_str() {
        "-F" | "--form" => w[1].split_once("=@").is_some_and(|(_, f)| built(f)),
        "-T" | "--upload-file" => built(&w[1]),
        _ => false,
    })
}

/// Programs that start no other program and read no code: shell builtins
/// (the shell runs them before any program of the same name) and file
/// utilities. `eval`, `exec`, `source`, `.`, `env`, `find`, `xargs` and
/// interpreters are not among them.
const STARTS_NOTHING: &[&str] = &[
    "set", "echo", "printf", "export", "unset", "cd", "pushd", "popd", "pwd", "exit", "return", "shift", "true", "false", "trap", "local",
    "readonly", "declare", "typeset", "read", "wait", "umask", "ulimit", "alias", "unalias", "test", "[", "[[", ":", "dirname", "basename",
    "mkdir", "rm", "rmdir", "cp", "mv", "ln", "ls", "cat", "touch", "chmod", "chown", "head", "tail", "wc", "date", "sleep", "whoami",
    "tee", "realpath", "readlink", "printenv",
];

/// True when the linker can follow nothing from this command: a shell
/// builtin or file utility (`STARTS_NOTHING`) with no argument that names
/// a file (`.`) or a module option. Units do not hold such commands (most
/// lines of shell scripts and CI steps: `set -e`, `echo`, `mkdir -p out`).
pub fn starts_nothing(argv: &[String]) -> bool {
    let Some(cmd0) = argv.first() else { return true };
    // `test` alone tests nothing: it is a task alias (`pdm run test`,
    // `hatch run test`, the runner stripped), which the linker resolves.
    if argv.len() == 1 && cmd0 == "test" {
        return false;
    }
    STARTS_NOTHING.contains(&cmd0.as_str())
        && matches!(classify(argv), Invocation::Other)
        && !argv[1..].iter().any(|a| a.contains('.') || a.contains("module"))
}

/// The feature files or folders a `behave` command names (a `file:line`
/// location names its file).
fn behave_paths(rest: &[String]) -> Vec<String> {
    const VALUE: &[&str] = &[
        "-i",
        "--include",
        "-e",
        "--exclude",
        "-t",
        "--tags",
        "-f",
        "--format",
        "-o",
        "--outfile",
        "-D",
        "--define",
        "-n",
        "--name",
        "-c",
        "--config",
    ];
    positionals(rest, VALUE).into_iter().filter(|p| !p.contains('=')).map(|p| p.split(':').next().unwrap_or(&p).to_string()).collect()
}

/// `kubectl`'s arguments from its subcommand on: global options before it
/// (`--context c`, `-n ns`, `--kubeconfig f`, `--namespace=ns`) skipped.
fn kubectl_subcommand(rest: &[String]) -> &[String] {
    const VALUE: &[&str] = &[
        "--context",
        "-n",
        "--namespace",
        "--kubeconfig",
        "--cluster",
        "--user",
        "-s",
        "--server",
        "--token",
        "--as",
        "--request-timeout",
    ];
    rest.get(leading_options(rest, VALUE)..).unwrap_or(&[])
}

/// What `kubectl create <kind>` can deploy: workloads. Any other kind
/// (`namespace`, `secret`, `configmap`, `serviceaccount`, roles, quotas)
/// prepares the cluster and releases nothing.
const KUBE_CREATE_WORKLOADS: &[&str] = &["deployment", "deploy", "job", "cronjob", "cj"];

/// `kubectl create secret|configmap|namespace ... --dry-run -o yaml`: prints
/// the manifest of an object that prepares the cluster, which the usual
/// create-or-update idiom pipes to `kubectl apply -f -`. That apply deploys
/// nothing either.
pub(crate) fn prints_cluster_object(argv: &[String]) -> bool {
    if !is_kubectl(argv) {
        return false;
    }
    let sub = kubectl_subcommand(&argv[1..]);
    sub.first().is_some_and(|v| v == "create")
        && sub.get(1).is_some_and(|k| !k.starts_with('-') && !KUBE_CREATE_WORKLOADS.contains(&k.as_str()))
        && argv.iter().any(|a| a.starts_with("--dry-run"))
}

/// A `kubectl` or `oc` command (by path too: `/usr/local/bin/kubectl`).
fn is_kubectl(argv: &[String]) -> bool {
    matches!(argv.first().map(|p| p.rsplit('/').next().unwrap_or(p)), Some("kubectl" | "oc"))
}

/// `kubectl apply -f -` (or `create`/`replace`): a manifest read from the pipe.
pub(crate) fn applies_stdin_manifest(argv: &[String]) -> bool {
    is_kubectl(argv)
        && kubectl_subcommand(&argv[1..]).first().is_some_and(|v| matches!(v.as_str(), "apply" | "create" | "replace"))
        && opt_value(&argv[1..], &["-f", "--filename"]) == Some("-")
}

/// The runner file a TFX CLI command creates or updates a pipeline from
/// (`tfx pipeline create|update --pipeline-path kubeflow_runner.py`): it
/// registers the pipeline; `tfx run create` runs it.
pub fn tfx_pipeline_path(argv: &[String]) -> Option<&str> {
    let words: Vec<&str> = argv.iter().take(3).map(String::as_str).collect();
    if !matches!(words.as_slice(), ["tfx", "pipeline", "create" | "update"]) {
        return None;
    }
    opt_value(&argv[3..], &["--pipeline-path", "--pipeline_path"])
}

/// The command that starts what a manifest fed to `kubectl create -f -`
/// runs, when it is a run of a pipeline defined by name: a Tekton
/// `PipelineRun` (`pipelineRef.name`) or `TaskRun` (`taskRef.name`) is `tkn
/// pipeline|task start NAME`, an Argo `Workflow` from a template
/// (`workflowTemplateRef.name`) is `argo submit --from
/// workflowtemplate/NAME`.
pub(crate) fn run_of_defined_pipeline(manifest: &str) -> Option<Vec<String>> {
    let docs = crate::yaml::parse_all(manifest).ok()?;
    docs.iter().find_map(|doc| {
        let name = |r: &str| doc.path(&["spec", r, "name"]).and_then(crate::yaml::Node::as_str).filter(|n| !n.is_empty());
        let argv = match doc.get("kind").and_then(crate::yaml::Node::as_str)? {
            "PipelineRun" => ["tkn", "pipeline", "start", name("pipelineRef")?].map(str::to_string),
            "TaskRun" => ["tkn", "task", "start", name("taskRef")?].map(str::to_string),
            "Workflow" => ["argo", "submit", "--from", &format!("workflowtemplate/{}", name("workflowTemplateRef")?)].map(str::to_string),
            _ => return None,
        };
        Some(argv.to_vec())
    })
}

/// The `key=value` fields of a Vertex AI custom job's worker pool specs
/// (`gcloud [beta] ai custom-jobs create --worker-pool-spec=k=v,...`), in
/// order; `None` for any other command.
pub fn vertex_worker_pool(argv: &[String]) -> Option<Vec<(String, String)>> {
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    let rest = match words.as_slice() {
        ["gcloud", "ai", "custom-jobs", "create", ..] => &argv[4..],
        ["gcloud", "beta", "ai", "custom-jobs", "create", ..] => &argv[5..],
        _ => return None,
    };
    let spec = opt_values(rest, "--worker-pool-spec").join(",");
    Some(spec.split(',').filter_map(|kv| kv.trim().split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect())
}

/// What the shell session gives a variable holding the address of a
/// deployed endpoint read back from its platform ([`reads_endpoint_url`]).
pub const DEPLOYED_ENDPOINT_URL: &str = "deployed-endpoint://address";

/// Whether a command prints the address a deployed model or service answers
/// at: `az ml online-endpoint|batch-endpoint show --query scoring_uri`, `az
/// ml service show --query scoringUri`, `gcloud run services describe
/// --format 'value(status.url)'`, `kubectl get ksvc|inferenceservice -o
/// jsonpath='{.status.url}'`.
pub fn reads_endpoint_url(argv: &[String]) -> bool {
    let words: Vec<&str> = argv.iter().map(String::as_str).collect();
    let asks = |keys: &[&str]| {
        argv.iter().any(|a| {
            let l = a.to_ascii_lowercase();
            keys.iter().any(|k| l.contains(k))
        })
    };
    match words.as_slice() {
        ["az", "ml", "online-endpoint" | "batch-endpoint" | "service" | "endpoint", "show", ..] => asks(&["scoring_uri", "scoringuri"]),
        ["gcloud", rest @ ..] => {
            let verb = rest.iter().position(|w| *w == "describe");
            verb.is_some_and(|v| rest[..v].ends_with(&["run", "services"]) || rest[..v].ends_with(&["functions"]))
                && asks(&["status.url", "httpstrigger.url", "serviceconfig.uri"])
        }
        ["kubectl" | "oc", ..] => {
            let sub = kubectl_subcommand(&argv[1..]);
            sub.first().map(String::as_str) == Some("get")
                && sub.get(1).is_some_and(|k| {
                    let k = k.split(['/', '.']).next().unwrap_or("");
                    matches!(k, "ksvc" | "kservice" | "inferenceservice" | "inferenceservices" | "isvc" | "route" | "ingress")
                })
                && asks(&["status.url", ".status.address.url", "status.ingress", ".spec.host"])
        }
        _ => false,
    }
}

/// Classify one simple command. A deploy or publish run as a dry run
/// (`kubectl apply --dry-run=server`, `helm upgrade --dry-run`, `npm
/// publish --dry-run`, `sam deploy --no-execute-changeset`) changes nothing:
/// it is a check, not a release.
pub fn classify(argv: &[String]) -> Invocation {
    match classify_command(argv) {
        Invocation::Deploy { .. } | Invocation::Publish { .. } if is_dry_run(argv) => Invocation::Other,
        // `pytest --collect-only` (`--co`) lists the tests and runs none.
        Invocation::TestRunner { .. } if argv.iter().any(|a| a == "--collect-only" || a == "--co") => Invocation::Other,
        i => i,
    }
}

fn is_dry_run(argv: &[String]) -> bool {
    argv.iter().any(|a| {
        a == "--dry-run" || a == "--no-execute-changeset" || a.strip_prefix("--dry-run=").is_some_and(|v| !v.eq_ignore_ascii_case("none"))
    })
}

fn classify_command(argv: &[String]) -> Invocation {
    let Some(cmd0) = argv.first() else {
        return Invocation::Other;
    };
    let base = cmd0.rsplit('/').next().unwrap_or(cmd0).to_string();
    let rest = &argv[1..];
    match base.as_str() {
        "jest" | "vitest" | "mocha" | "ava" | "karma" | "ctest" => Invocation::TestRunner { runner: base.clone(), paths: vec![] },
        "cargo" if matches!(rest.first().map(String::as_str), Some("test") | Some("nextest")) => {
            Invocation::TestRunner { runner: "cargo".into(), paths: vec![] }
        }
        "go" if rest.first().map(String::as_str) == Some("test") => Invocation::TestRunner { runner: "go".into(), paths: vec![] },
        "mvn" | "./mvnw" | "mvnw" if rest.iter().any(|a| a == "test" || a == "verify") => {
            Invocation::TestRunner { runner: "jvm".into(), paths: vec![] }
        }
        "gradle" | "gradlew" if rest.iter().any(|a| a == "test" || a == "check") => {
            Invocation::TestRunner { runner: "jvm".into(), paths: vec![] }
        }
        "dotnet" if rest.first().map(String::as_str) == Some("test") => Invocation::TestRunner { runner: "dotnet".into(), paths: vec![] },
        // behave runs the Gherkin features under its path arguments (`features/` by default).
        "behave" => Invocation::TestRunner { runner: "behave".into(), paths: behave_paths(rest) },
        "pytest" | "py.test" | "nosetests" | "nose2" | "ward" => Invocation::TestRunner {
            runner: base.replace("py.test", "pytest"),
            paths: positionals(rest, PYTEST_VALUED).into_iter().filter(|p| !p.contains('=')).collect(),
        },
        "make" | "gmake" => Invocation::Make {
            dir: opt_value(rest, &["-C", "--directory"]).map(str::to_string),
            file: opt_value(rest, &["-f", "--file", "--makefile"]).map(str::to_string),
            targets: positionals(rest, &["-C", "--directory", "-f", "--file", "-j", "-l", "-o", "-W", "--makefile"])
                .into_iter()
                .filter(|t| !t.contains('='))
                .collect(),
        },
        "just" => Invocation::Just {
            recipes: positionals(rest, &["-f", "--justfile", "-d", "--working-directory", "--set"])
                .into_iter()
                .filter(|r| !r.contains('='))
                .collect(),
        },
        "mise" => match rest.first().map(String::as_str) {
            Some("run") | Some("r") => rest.get(1).map(|t| Invocation::Mise { task: t.clone() }).unwrap_or(Invocation::Other),
            Some("install") | Some("use") | Some("exec") | Some("x") | Some("trust") | None => Invocation::Other,
            Some(t) if !t.starts_with('-') => Invocation::Mise { task: t.to_string() },
            _ => Invocation::Other,
        },
        "task" => Invocation::Task { tasks: positionals(rest, &["-d", "--dir", "-t", "--taskfile"]) },
        // `npx cdk deploy`, `bunx sls deploy`: the package binary runs with its arguments.
        "npx" | "bunx" => {
            let mut i = 0;
            while i < rest.len() && rest[i].starts_with('-') {
                i += if matches!(rest[i].as_str(), "-p" | "--package") { 2 } else { 1 };
            }
            if i < rest.len() {
                classify(&rest[i..])
            } else {
                Invocation::Other
            }
        }
        "npm" | "pnpm" | "yarn" | "bun" => {
            let sub = rest.first().map(String::as_str).unwrap_or("");
            // `yarn cdk deploy`, `pnpm exec sam deploy`: a deploy tool's binary with its arguments.
            let bin_args = if matches!(sub, "exec" | "x" | "dlx") { rest.get(1..) } else { Some(rest) };
            if let Some(b) = bin_args.filter(|b| b.len() > 1 && DEPLOY_BINS.contains(&b[0].as_str())) {
                if let d @ Invocation::Deploy { .. } = classify(b) {
                    return d;
                }
            }
            match sub {
                "test" | "t" | "start" => Invocation::Npm { script: if sub == "t" { "test".into() } else { sub.into() } },
                "run" | "run-script" => rest.get(1).map(|s| Invocation::Npm { script: s.clone() }).unwrap_or(Invocation::Other),
                "install" | "ci" | "i" | "add" | "exec" | "x" | "dlx" | "publish" | "" => {
                    if sub == "publish" {
                        Invocation::Publish { what: "npm-package".into() }
                    } else {
                        Invocation::Other
                    }
                }
                s if base != "npm" && !s.starts_with('-') => Invocation::Npm { script: s.to_string() },
                _ => Invocation::Other,
            }
        }
        "ray" if rest.first().map(String::as_str) == Some("job") && rest.get(1).map(String::as_str) == Some("submit") => {
            // `ray job submit [opts] -- python train.py`: the entrypoint runs on the cluster.
            match rest.iter().position(|a| a == "--") {
                Some(p) => classify(&rest[p + 1..]),
                None => Invocation::Other,
            }
        }
        "anyscale" if rest.iter().any(|a| a == "submit") && rest.iter().any(|a| a == "--") => match rest.iter().position(|a| a == "--") {
            Some(p) => classify(&rest[p + 1..]),
            None => Invocation::Other,
        },
        "mlflow"
            if matches!(rest.first().map(String::as_str), Some("recipes" | "pipelines"))
                && rest.get(1).map(String::as_str) == Some("run") =>
        {
            Invocation::MlflowRecipe { step: opt_value(rest, &["--step", "-s"]).map(str::to_string) }
        }
        "mlflow" if rest.first().map(String::as_str) == Some("run") => Invocation::MlflowRun {
            entry: opt_value(rest, &["-e", "--entry-point"]).unwrap_or("main").to_string(),
            dir: positionals(
                &rest[1..],
                &[
                    "-e",
                    "--entry-point",
                    "-P",
                    "--param-list",
                    "--experiment-name",
                    "--experiment-id",
                    "-b",
                    "--backend",
                    "--backend-config",
                    "--env-manager",
                    "--run-name",
                    "--version",
                    "-v",
                ],
            )
            .first()
            .cloned()
            .unwrap_or_else(|| ".".into()),
        },
        // A model packaged with its server: a `.mar` archive, a bento or its
        // image, written on the machine that runs the command (a CI runner's
        // store, thrown away with it). Only a push publishes it.
        "torch-model-archiver" => Invocation::Publish { what: "model-build".into() },
        "bentoml" if matches!(rest.first().map(String::as_str), Some("build") | Some("containerize")) => {
            Invocation::Publish { what: "model-build".into() }
        }
        // A bento pushed to a remote store (BentoCloud, Yatai): a versioned artifact of the model.
        "bentoml" if rest.first().is_some_and(|a| a == "push") => Invocation::Publish { what: "model-package".into() },
        // A model from the local store pushed to a remote one (BentoCloud, Yatai).
        "bentoml" if rest.len() >= 2 && rest[0] == "models" && rest[1] == "push" => {
            Invocation::Publish { what: "model-registration".into() }
        }
        "gto" if matches!(rest.first().map(String::as_str), Some("register") | Some("assign") | Some("promote")) => {
            Invocation::Publish { what: "model-registration".into() }
        }
        // An upload to the Hugging Face Hub: by its repository type, an app
        // deployed to a Space, a dataset (neither a release nor a model), or
        // a model version (the default type, and a type the command does not
        // spell out: `--repo-type "$TYPE"`).
        "huggingface-cli" | "hf" if matches!(rest.first().map(String::as_str), Some("upload" | "upload-large-folder")) => {
            match opt_value(rest, &["--repo-type"]).unwrap_or("model") {
                "space" | "spaces" => Invocation::Deploy { target: HF_SPACE.into(), traffic: None, file: None },
                "dataset" | "datasets" => Invocation::Other,
                _ => Invocation::Publish { what: "model-registration".into() },
            }
        }
        // Copying to or running on a remote host: a hand-rolled deployment.
        "scp" | "rsync"
            if rest.iter().any(|a| {
                !a.starts_with('-')
                    && a.contains(':')
                    && !a.contains("://")
                    && a.split(':').next().is_some_and(|h| !h.is_empty() && !h.contains('/'))
            }) =>
        {
            Invocation::Deploy { target: "remote-host".into(), traffic: None, file: None }
        }
        "ssh" if runs_a_service(rest) => Invocation::Deploy { target: "remote-host".into(), traffic: None, file: None },
        "anyscale"
            if rest.first().map(String::as_str).is_some_and(|s| s == "job" || s == "jobs")
                && rest.get(1).map(String::as_str) == Some("submit")
                && !rest.iter().any(|a| a == "--") =>
        {
            match opt_value(rest, &["-f", "--config-file", "--config"]).map(str::to_string).or_else(|| {
                positionals(&rest[2..], &["--name", "-n", "--project-id", "--compute-config", "--working-dir", "--image-uri"])
                    .into_iter()
                    .find(|p| p.ends_with(".yaml") || p.ends_with(".yml"))
            }) {
                Some(f) => Invocation::SubmitJob { platform: "anyscale".into(), file: f },
                None => Invocation::Other,
            }
        }
        "anyscale"
            if rest.first().map(String::as_str).is_some_and(|s| s == "service" || s == "services")
                && rest.get(1).map(String::as_str).is_some_and(|s| matches!(s, "rollout" | "deploy")) =>
        {
            Invocation::Deploy {
                target: "anyscale-service".into(),
                traffic: None,
                file: opt_value(rest, &["-f", "--config-file"]).map(str::to_string),
            }
        }
        "kedro" if rest.first().map(String::as_str) == Some("run") => Invocation::Kedro,
        // Orchestrators' runners name the file or module that defines the
        // pipeline, as `python pipeline.py` does: `dagster job execute -f
        // defs.py -j train`, `dagster asset materialize -m pkg.defs`,
        // `pyflyte run [--remote] wf.py train`, `zenml pipeline run
        // pkg.pipelines.training` (the pipeline object's module).
        "dagster" | "dagster-pipes"
            if matches!(rest.first().map(String::as_str), Some("job" | "pipeline" | "asset"))
                && matches!(rest.get(1).map(String::as_str), Some("execute" | "launch" | "materialize" | "backfill")) =>
        {
            match (opt_value(rest, &["-f", "--python-file"]), opt_value(rest, &["-m", "--module-name"])) {
                (Some(f), _) => Invocation::PythonScript { path: f.to_string() },
                (None, Some(m)) => Invocation::PythonModule { module: m.to_string() },
                _ => Invocation::Other,
            }
        }
        "pyflyte" if rest.iter().any(|a| a == "run") => {
            match rest.iter().skip_while(|a| *a != "run").skip(1).find(|a| !a.starts_with('-') && a.ends_with(".py")) {
                Some(f) => Invocation::PythonScript { path: f.clone() },
                None => Invocation::Other,
            }
        }
        "zenml" if rest.first().map(String::as_str) == Some("pipeline") && rest.get(1).map(String::as_str) == Some("run") => {
            match positionals(&rest[2..], &["-c", "--config", "-s", "--stack", "-b", "--build"]).first() {
                Some(src) if src.contains('.') && !src.ends_with(".py") && !src.ends_with(".yaml") => {
                    Invocation::PythonModule { module: src.rsplit_once('.').map(|(m, _)| m.to_string()).unwrap_or_default() }
                }
                _ => Invocation::Other,
            }
        }
        "airflow"
            if rest.first().map(String::as_str) == Some("dags") && matches!(rest.get(1).map(String::as_str), Some("test" | "trigger")) =>
        {
            match positionals(&rest[2..], &["-c", "--conf", "-e", "--exec-date", "-r", "--run-id", "-S", "--subdir", "--logical-date"])
                .first()
            {
                Some(id) if !id.contains('$') => Invocation::AirflowDag { dag_id: id.clone() },
                _ => Invocation::Other,
            }
        }
        // A one-time run of a job spec file (`databricks runs submit
        // --json-file F`; the unified CLI's `databricks jobs submit --json @F`).
        "databricks"
            if matches!(rest.first().map(String::as_str), Some("runs" | "jobs")) && rest.get(1).map(String::as_str) == Some("submit") =>
        {
            match databricks_json_file(rest) {
                Some(f) => Invocation::SubmitJob { platform: "databricks".into(), file: f },
                None => Invocation::Other,
            }
        }
        "dbx" if matches!(rest.first().map(String::as_str), Some("launch" | "execute")) => {
            let named = opt_value(rest, &["--job", "--workflow"]).map(str::to_string);
            let workflow = named.or_else(|| {
                positionals(
                    &rest[1..],
                    &["--environment", "-e", "--cluster-name", "--cluster-id", "--deployment-file", "--parameters", "--tags"],
                )
                .first()
                .cloned()
            });
            match workflow {
                Some(w) => Invocation::DbxLaunch { workflow: w },
                None => Invocation::Other,
            }
        }
        "databricks" if rest.first().map(String::as_str) == Some("bundle") => match rest.get(1).map(String::as_str) {
            Some("run") => Invocation::BundleRun {
                job: positionals(&rest[2..], &["-t", "--target", "-p", "--profile", "--var"]).first().cloned().unwrap_or_default(),
            },
            Some("deploy") => Invocation::BundleDeploy,
            _ => Invocation::Other,
        },
        "tox" => Invocation::Tox {
            envs: opt_value(rest, &["-e", "--env"])
                .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
        },
        "invoke" | "inv" => classify_invoke(rest),
        "pre-commit" | "prek" if rest.first().map(String::as_str) == Some("run") => Invocation::PreCommit {
            hook: positionals(&rest[1..], &["--hook-stage", "--from-ref", "--to-ref", "--files", "-c", "--config", "--color"])
                .first()
                .cloned(),
            stage: opt_value(rest, &["--hook-stage"]).unwrap_or("pre-commit").to_string(),
        },
        "nox" => Invocation::Nox {
            sessions: {
                let mut s = Vec::new();
                let mut it = rest.iter().peekable();
                while let Some(a) = it.next() {
                    if a == "-s" || a == "--session" || a == "--sessions" {
                        while let Some(n) = it.peek() {
                            if n.starts_with('-') {
                                break;
                            }
                            s.push(it.next().unwrap().clone());
                        }
                    }
                }
                s
            },
        },
        // Launchers that start a Python program on several processes or
        // nodes (distributed training, MPI, Slurm): the program they start.
        "torchrun" | "deepspeed" | "composer" => classify_launched(rest, true),
        "accelerate" if rest.first().map(String::as_str) == Some("launch") => classify_launched(&rest[1..], true),
        "horovodrun" | "mpirun" | "mpiexec" | "srun" | "ipython" => classify_launched(rest, false),
        "sbatch" => match rest.iter().find(|a| !a.starts_with('-') && !a.contains('=')) {
            Some(p) if p.ends_with(".sh") || p.ends_with(".slurm") || p.ends_with(".sbatch") => Invocation::Script { path: p.clone() },
            _ => Invocation::Other,
        },
        "coverage" if rest.first().map(String::as_str) == Some("run") => {
            // coverage run [-m] target ...
            let args: Vec<String> = rest[1..].iter().filter(|a| !a.starts_with("--")).cloned().collect();
            let mut v = vec!["python".to_string()];
            v.extend(args);
            classify(&v)
        }
        "dvc" => match rest.first().map(String::as_str) {
            Some("repro") => Invocation::DvcRepro { targets: positionals(&rest[1..], &["--pipeline"]) },
            Some("exp") if rest.get(1).map(String::as_str) == Some("run") => {
                Invocation::DvcRepro { targets: positionals(&rest[2..], &["-n", "--name", "-S", "--set-param"]) }
            }
            // `dvc run -n stage -d dep -o out python train.py` (DVC before
            // 3.0) writes the stage and runs its command, unless `--no-exec`.
            Some("run") if !rest.iter().any(|a| a == "--no-exec") => {
                dvc_run_command(&rest[1..]).map_or(Invocation::Other, |c| classify(&c))
            }
            Some("push") => Invocation::Publish { what: "dvc-push".into() },
            Some("metrics") | Some("params") | Some("plots") if rest.get(1).map(String::as_str) == Some("diff") => {
                Invocation::CompareMetrics
            }
            _ => Invocation::Other,
        },
        "papermill" => match positionals(rest, &["-p", "-k", "--cwd"]).first() {
            Some(p) => Invocation::Notebook { path: p.clone() },
            None => Invocation::Other,
        },
        "jupyter" if rest.iter().any(|a| a == "--execute") => match rest.iter().find(|a| a.ends_with(".ipynb")) {
            Some(p) => Invocation::Notebook { path: p.clone() },
            None => Invocation::Other,
        },
        "bash" | "sh" | "zsh" | "source" | "." => match rest.iter().find(|a| !a.starts_with('-')) {
            Some(p) => Invocation::Script { path: p.clone() },
            None => Invocation::Other,
        },
        "docker" | "podman" => {
            let sub = rest.first().map(String::as_str);
            let compose_push = sub == Some("compose") && rest.iter().any(|a| a == "push");
            // `--push`, or its long form `--output type=image,push=true`
            // (`-o`, `type=registry`).
            let pushes_output =
                || opt_value(rest, &["--output", "-o"]).is_some_and(|o| o.split(',').any(|kv| kv == "push=true" || kv == "type=registry"));
            let builds = matches!(sub, Some("build") | Some("buildx"));
            if sub == Some("push") || (builds && (rest.iter().any(|a| a == "--push") || pushes_output())) || compose_push {
                Invocation::Publish { what: "container-image".into() }
            } else {
                Invocation::Other
            }
        }
        "twine" if rest.first().map(String::as_str) == Some("upload") => Invocation::Publish { what: "python-package".into() },
        "poetry" | "flit" | "hatch" | "pdm" | "uv" if rest.first().map(String::as_str) == Some("publish") => {
            Invocation::Publish { what: "python-package".into() }
        }
        "helm" => match rest.first().map(String::as_str) {
            Some("push") => Invocation::Publish { what: "helm-chart".into() },
            Some("upgrade") | Some("install") => Invocation::Deploy { target: "kubernetes".into(), traffic: None, file: None },
            _ => Invocation::Other,
        },
        "kubectl" | "oc" => {
            let sub = kubectl_subcommand(rest);
            let (verb, object) = (sub.first().map(String::as_str), sub.get(1).map(String::as_str));
            match verb {
                // `kubectl create namespace|secret|configmap|serviceaccount|role...`
                // prepares a cluster; only workloads (or files) are deployed.
                Some("create") if object.is_some_and(|k| !k.starts_with('-') && !KUBE_CREATE_WORKLOADS.contains(&k)) => Invocation::Other,
                Some("apply") | Some("create") | Some("replace") => Invocation::Deploy {
                    target: "kubernetes".into(),
                    traffic: None,
                    file: opt_value(rest, &["-f", "--filename"]).map(str::to_string),
                },
                Some("set") | Some("rollout") if object != Some("status") => {
                    Invocation::Deploy { target: "kubernetes".into(), traffic: None, file: None }
                }
                _ => Invocation::Other,
            }
        }
        "kustomize" | "skaffold" if rest.iter().any(|a| a == "run" || a == "deploy") => {
            Invocation::Deploy { target: "kubernetes".into(), traffic: None, file: None }
        }
        "tkn" if rest.get(1).map(String::as_str) == Some("start") => {
            let kind = match rest.first().map(String::as_str) {
                Some("pipeline" | "p") => "pipeline",
                Some("task" | "t") => "task",
                _ => return Invocation::Other,
            };
            match positionals(
                &rest[2..],
                &["-n", "--namespace", "-p", "--param", "-w", "--workspace", "-s", "--serviceaccount", "--prefix-name"],
            )
            .first()
            {
                Some(name) => Invocation::StartDefined { unit: format!("tekton:{kind}#{name}") },
                None => Invocation::Other,
            }
        }
        "tfx" if rest.first().map(String::as_str) == Some("run") && rest.get(1).map(String::as_str) == Some("create") => Invocation::TfxRun,
        "argo" if rest.first().map(String::as_str) == Some("submit") => {
            match opt_value(rest, &["--from"]).and_then(|v| v.split_once('/')) {
                Some(("workflowtemplate" | "wftmpl" | "clusterworkflowtemplate" | "cwftmpl", name)) if !name.is_empty() => {
                    Invocation::StartDefined { unit: format!("argo:template#{name}") }
                }
                _ => Invocation::Other,
            }
        }
        // A GitOps controller told to apply now what its repository holds
        // (`argocd app sync`; `flux reconcile` of anything but a source).
        "argocd" | "flux"
            if matches!(
                (base.as_str(), rest.first().map(String::as_str), rest.get(1).map(String::as_str)),
                ("argocd", Some("app"), Some("sync")) | ("flux", Some("reconcile"), Some("kustomization" | "ks" | "helmrelease" | "hr"))
            ) =>
        {
            Invocation::Deploy { target: "kubernetes".into(), traffic: None, file: None }
        }
        "az" => classify_az(rest),
        "gh" if rest.first().map(String::as_str) == Some("pr") && rest.get(1).map(String::as_str) == Some("create") => {
            Invocation::OpenPullRequest { base: opt_value(rest, &["--base", "-B"]).unwrap_or("").to_string() }
        }
        "glab" if rest.first().map(String::as_str) == Some("mr") && rest.get(1).map(String::as_str) == Some("create") => {
            Invocation::OpenPullRequest { base: opt_value(rest, &["--target-branch", "-b"]).unwrap_or("").to_string() }
        }
        "hub" if rest.first().map(String::as_str) == Some("pull-request") => {
            Invocation::OpenPullRequest { base: opt_value(rest, &["--base", "-b"]).unwrap_or("").to_string() }
        }
        "gh" if rest.first().map(String::as_str) == Some("workflow") && rest.get(1).map(String::as_str) == Some("run") => {
            Invocation::TriggerPipeline { target: rest.get(2).cloned().unwrap_or_default() }
        }
        "gh" if rest.first().map(String::as_str) == Some("api") && rest.iter().any(|a| a.ends_with("/dispatches")) => {
            Invocation::TriggerPipeline { target: "repository_dispatch".into() }
        }
        "curl" | "wget" | "http" | "httpie" => {
            let url = request_url(rest);
            if url.starts_with(DEPLOYED_ENDPOINT_URL) {
                Invocation::InvokeEndpoint
            } else if uploads_built_package(rest) {
                Invocation::Publish { what: "python-package".into() }
            } else if url.ends_with("/dispatches") {
                Invocation::TriggerPipeline { target: "repository_dispatch".into() }
            } else if is_deploy_hook(rest) {
                Invocation::Deploy { target: "paas".into(), traffic: None, file: None }
            } else if ["/score", "/predict", "/invocations", "/v1/models", "/v2/models", "/infer", "/health", "/ready"]
                .iter()
                .any(|p| url.contains(p))
            {
                Invocation::InvokeEndpoint
            } else {
                Invocation::Other
            }
        }
        "gcloud" => {
            let joined = rest.join(" ");
            if joined.starts_with("run deploy") || joined.starts_with("app deploy") || joined.starts_with("functions deploy") {
                Invocation::Deploy { target: "gcp-serverless".into(), traffic: None, file: None }
            } else if joined.starts_with("run services update-traffic") {
                // Traffic moved between a service's revisions (`--to-revisions=a=90,b=10`, `--to-latest`).
                let traffic = opt_value(rest, &["--to-revisions"]).map(str::to_string);
                Invocation::Deploy { target: "gcp-serverless".into(), traffic, file: None }
            } else if joined.starts_with("run services update") {
                // A new image or new environment (the model's location) for a running service.
                Invocation::Deploy { target: "gcp-serverless".into(), traffic: None, file: None }
            } else if joined.contains("endpoints predict") || joined.contains("endpoints raw-predict") {
                Invocation::InvokeEndpoint
            } else if joined.starts_with("ai models upload") || joined.starts_with("beta ai models upload") {
                Invocation::Publish { what: "model-registration".into() }
            } else if joined.contains("endpoints deploy-model") {
                let traffic = opt_value(rest, &["--traffic-split"]).map(str::to_string);
                Invocation::Deploy { target: "vertex-endpoint".into(), traffic, file: None }
            } else if let Some(pool) = vertex_worker_pool(argv) {
                // A Vertex AI custom job from local code: the worker pool's
                // `python-module=trainer.task` or `script=task.py` runs.
                let entry = |key: &str| pool.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
                match (entry("python-module"), entry("script"), opt_value(rest, &["--config"])) {
                    (Some(m), _, _) => classify(&["python".to_string(), "-m".to_string(), m.to_string()]),
                    (None, Some(s), _) => classify(&["python".to_string(), s.to_string()]),
                    // The job spec in a file (`--config=job.yaml`): submitted as written there.
                    (None, None, Some(f)) => Invocation::SubmitJob { platform: "vertex".into(), file: f.to_string() },
                    _ => Invocation::Other,
                }
            } else if joined.starts_with("compute ssh") && opt_value(rest, &["--command"]).is_some_and(|c| runs_a_service(&[c.to_string()]))
            {
                Invocation::Deploy { target: "remote-host".into(), traffic: None, file: None }
            } else if joined.starts_with("builds submit") {
                match opt_value(rest, &["--config"]) {
                    Some(f) => Invocation::SubmitJob { platform: "cloud-build".into(), file: f.to_string() },
                    None => Invocation::Publish { what: "container-image".into() },
                }
            } else {
                Invocation::Other
            }
        }
        "aws" => {
            let joined = rest.join(" ");
            if joined.starts_with("sagemaker-runtime invoke-endpoint") {
                Invocation::InvokeEndpoint
            } else if joined.starts_with("sagemaker start-pipeline-execution") {
                Invocation::TriggerPipeline { target: "sagemaker-pipeline".into() }
            } else if joined.starts_with("ecs update-service")
                || joined.starts_with("ecs deploy")
                || joined.starts_with("lambda update-function-code")
                // New configuration for a running function (the environment
                // naming the model it serves) is a release of it too.
                || joined.starts_with("lambda update-function-configuration")
                || joined.starts_with("apprunner start-deployment")
            {
                Invocation::Deploy { target: "aws-service".into(), traffic: None, file: None }
            } else if joined.starts_with("lambda update-alias") || joined.starts_with("lambda create-alias") {
                // An alias points callers at a version; a routing config splits them between two.
                Invocation::Deploy { target: "aws-service".into(), traffic: lambda_alias_traffic(rest), file: None }
            } else if joined.starts_with("sagemaker create-model-package") {
                Invocation::Publish { what: "model-registration".into() }
            } else if joined.starts_with("sagemaker create-endpoint") || joined.starts_with("sagemaker update-endpoint") {
                Invocation::Deploy { target: "sagemaker-endpoint".into(), traffic: None, file: None }
            } else if joined.starts_with("ssm send-command") && runs_a_service(rest) {
                // SSM Run Command: a shell script on the fleet's hosts, the
                // cloud's `ssh host "docker compose up -d"`.
                Invocation::Deploy { target: "remote-host".into(), traffic: None, file: None }
            } else if joined.starts_with("cloudformation deploy") {
                Invocation::Deploy {
                    target: "cloudformation".into(),
                    traffic: None,
                    file: opt_value(rest, &["--template-file"]).map(str::to_string),
                }
            } else if joined.starts_with("cloudformation create-stack") || joined.starts_with("cloudformation update-stack") {
                // A local template (`--template-body file://x.yml`); one in a
                // bucket (`--template-url`) names no file of the repository.
                Invocation::Deploy {
                    target: "cloudformation".into(),
                    traffic: None,
                    file: opt_value(rest, &["--template-body"]).and_then(|b| b.strip_prefix("file://")).map(str::to_string),
                }
            } else {
                Invocation::Other
            }
        }
        // Platform-as-a-service releases of an application or model server.
        "railway" if matches!(rest.first().map(String::as_str), Some("up" | "deploy" | "redeploy")) => {
            Invocation::Deploy { target: "paas".into(), traffic: None, file: None }
        }
        // The Azure Developer CLI: `azd deploy` (or `azd up`, provision
        // then deploy) ships the services `azure.yaml` declares.
        "azd" if matches!(rest.first().map(String::as_str), Some("deploy" | "up")) => {
            Invocation::Deploy { target: "paas".into(), traffic: None, file: None }
        }
        "fly" | "flyctl" | "eb" | "modal" | "kamal" | "caprover" if rest.first().map(String::as_str) == Some("deploy") => {
            Invocation::Deploy { target: "paas".into(), traffic: None, file: None }
        }
        "heroku" if matches!(rest.first().map(String::as_str), Some("container:release" | "releases:promote")) => {
            Invocation::Deploy { target: "paas".into(), traffic: None, file: None }
        }
        "git"
            if rest.first().map(String::as_str) == Some("push")
                && rest[1..]
                    .iter()
                    .find(|a| !a.starts_with('-'))
                    .is_some_and(|r| r == "heroku" || r == "dokku" || r.contains("git.heroku.com")) =>
        {
            Invocation::Deploy { target: "paas".into(), traffic: None, file: None }
        }
        // A push to a Space's git repository builds and restarts its app.
        // (Credentials in the URL may hold spaces once a CI expression is
        // split into words: any word after `push` naming a Space counts.)
        "git" if rest.first().map(String::as_str) == Some("push") && rest[1..].iter().any(|a| is_hf_space_url(a)) => {
            Invocation::Deploy { target: HF_SPACE.into(), traffic: None, file: None }
        }
        // `sam deploy` reads `--template-file` (`-t`), by default the
        // `template.yaml` it finds in the folder it runs in.
        "sam" if rest.first().map(String::as_str) == Some("deploy") => Invocation::Deploy {
            target: base.clone(),
            traffic: None,
            file: Some(opt_value(rest, &["--template-file", "--template", "-t"]).unwrap_or("template.yaml").to_string()),
        },
        "sam" | "serverless" | "sls" | "cdk" | "pulumi" if rest.iter().any(|a| a == "deploy" || a == "up") => {
            Invocation::Deploy { target: base.clone(), traffic: None, file: None }
        }
        "terraform" | "terragrunt" | "tofu" if rest.first().map(String::as_str) == Some("apply") => {
            Invocation::Deploy { target: "terraform".into(), traffic: None, file: None }
        }
        _ if is_python(&base) => classify_python(rest),
        // `modal run app.py[::fn]`: the app's local entry point runs, and
        // what it calls remotely on Modal's machines.
        "modal" if rest.first().map(String::as_str) == Some("run") => {
            match rest[1..].iter().find(|a| !a.starts_with('-')).map(|a| a.split("::").next().unwrap_or(a)) {
                Some(f) if f.ends_with(".py") => Invocation::PythonScript { path: f.to_string() },
                Some(m) if !m.contains('/') && !m.contains('$') => Invocation::PythonModule { module: m.to_string() },
                _ => Invocation::Other,
            }
        }
        // A Python file run as the program (`uv run train.py`, the runner
        // stripped; `src/train.py` made executable).
        _ if base.ends_with(".py") && !cmd0.contains('$') => Invocation::PythonScript { path: cmd0.clone() },
        _ => {
            if base.ends_with(".sh") || base.ends_with(".bash") || (cmd0.starts_with("./") && !cmd0.contains("..")) {
                Invocation::Script { path: cmd0.clone() }
            } else {
                Invocation::Other
            }
        }
    }
}

/// `invoke` / `inv`: core options, then task names, each maybe followed by
/// its own options. A task option's value cannot be told from a task name
/// without the task's signature: such words are kept, and name no task.
fn classify_invoke(rest: &[String]) -> Invocation {
    let (mut tasks, mut collection, mut root) = (Vec::new(), None, None);
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            // Listing, help, completion: no task runs.
            "-l" | "--list" | "-h" | "--help" | "--complete" | "-V" | "--version" if tasks.is_empty() => return Invocation::Other,
            "-c" | "--collection" => collection = it.next().cloned(),
            "-r" | "--search-root" => root = it.next().cloned(),
            "-f" | "--config" | "-D" | "--list-depth" | "-F" | "--list-format" | "-T" | "--command-timeout" | "--prefix" => {
                it.next();
            }
            o if o.starts_with("--collection=") => collection = Some(o["--collection=".len()..].to_string()),
            o if o.starts_with("--search-root=") => root = Some(o["--search-root=".len()..].to_string()),
            o if o.starts_with('-') => {}
            t if !t.contains(['/', '=', '$', '{']) => tasks.push(t.to_string()),
            _ => {}
        }
    }
    Invocation::Invoke { tasks, collection, root }
}

/// The program a launcher starts: the first `.py` (or `.sh`) operand, an
/// interpreter and what follows it, or (`module`: the launcher takes
/// `-m`/`--module`) the module named after that flag. The launcher's own
/// option values are not told from operands: only those shapes count.
/// How many leading words of `args` are options (`-x`, `--name`) and the
/// values of those in `valued`.
fn leading_options(args: &[String], valued: &[&str]) -> usize {
    let mut i = 0;
    while let Some(a) = args.get(i).filter(|a| a.starts_with('-')) {
        i += if valued.contains(&a.as_str()) { 2 } else { 1 };
    }
    i
}

/// The command of `dvc run [options] command...`: the words after its
/// options (one quoted word is split as the shell would).
fn dvc_run_command(args: &[String]) -> Option<Vec<String>> {
    const VALUED: &[&str] = &[
        "-n",
        "--name",
        "-d",
        "--deps",
        "-o",
        "--outs",
        "-O",
        "--outs-no-cache",
        "--outs-persist",
        "--outs-persist-no-cache",
        "-m",
        "--metrics",
        "-M",
        "--metrics-no-cache",
        "--plots",
        "--plots-no-cache",
        "-p",
        "--params",
        "-w",
        "--wdir",
        "-f",
        "--file",
        "--desc",
        "-c",
        "--checkpoints",
        "--live",
    ];
    let words = args.get(leading_options(args, VALUED)..).filter(|w| !w.is_empty())?;
    Some(match words {
        [one] => one.split_whitespace().map(str::to_string).collect(),
        _ => words.to_vec(),
    })
}

fn classify_launched(rest: &[String], module: bool) -> Invocation {
    for (i, a) in rest.iter().enumerate() {
        if a.starts_with('-') {
            if module && (a == "-m" || a == "--module") {
                if let Some(m) = rest.get(i + 1).filter(|m| !m.starts_with('-')) {
                    return if m.ends_with(".py") {
                        Invocation::PythonScript { path: m.clone() }
                    } else {
                        Invocation::PythonModule { module: m.clone() }
                    };
                }
            }
            continue;
        }
        let base = a.rsplit('/').next().unwrap_or(a);
        if a.ends_with(".py") {
            return Invocation::PythonScript { path: a.clone() };
        }
        if a.ends_with(".sh") {
            return Invocation::Script { path: a.clone() };
        }
        if base == "python" || base.strip_prefix("python").is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.')) {
            return classify(&rest[i..]);
        }
    }
    Invocation::Other
}

fn classify_python(rest: &[String]) -> Invocation {
    let mut i = 0;
    // Skip interpreter flags (-u, -O, -W x, -X y).
    while i < rest.len() && rest[i].starts_with('-') && rest[i] != "-m" && rest[i] != "-c" {
        if matches!(rest[i].as_str(), "-W" | "-X") {
            i += 1;
        }
        i += 1;
    }
    match rest.get(i).map(String::as_str) {
        Some("-m") => {
            let module = rest.get(i + 1).cloned().unwrap_or_default();
            let after = &rest[(i + 2).min(rest.len())..];
            match module.as_str() {
                "pytest" | "unittest" | "nose" | "nose2" => Invocation::TestRunner {
                    runner: module.clone(),
                    paths: positionals(after, if module == "pytest" { PYTEST_VALUED } else { UNITTEST_VALUED })
                        .into_iter()
                        .filter(|p| !p.contains('=') && p != "discover")
                        .collect(),
                },
                "behave" => Invocation::TestRunner { runner: "behave".into(), paths: behave_paths(after) },
                "tox" => classify(&std::iter::once("tox".to_string()).chain(after.iter().cloned()).collect::<Vec<_>>()),
                "nox" => classify(&std::iter::once("nox".to_string()).chain(after.iter().cloned()).collect::<Vec<_>>()),
                "invoke" => classify_invoke(after),
                "dvc" => classify(&std::iter::once("dvc".to_string()).chain(after.iter().cloned()).collect::<Vec<_>>()),
                "twine" => classify(&std::iter::once("twine".to_string()).chain(after.iter().cloned()).collect::<Vec<_>>()),
                "papermill" => classify(&std::iter::once("papermill".to_string()).chain(after.iter().cloned()).collect::<Vec<_>>()),
                "torch.distributed.run" | "torch.distributed.launch" => classify_launched(after, true),
                "accelerate.commands.launch" => classify_launched(after, true),
                "" => Invocation::Other,
                _ => Invocation::PythonModule { module },
            }
        }
        Some(p) if p.ends_with(".py") => Invocation::PythonScript { path: p.to_string() },
        _ => Invocation::Other,
    }
}

fn classify_az(rest: &[String]) -> Invocation {
    let words: Vec<&str> = rest.iter().map(String::as_str).take_while(|w| !w.starts_with('-')).collect();
    let file = opt_value(rest, &["-f", "--file"]).map(str::to_string);
    match words.as_slice() {
        ["ml", "job", "create", ..] | ["ml", "job", "submit", ..] | ["ml", "schedule", "create", ..] => match file {
            Some(f) => Invocation::SubmitJob { platform: "azureml".into(), file: f },
            None => Invocation::Other,
        },
        // Azure ML CLI v1: `az ml run submit-script [opts] train.py [args]`
        // runs the script on the workspace's compute.
        ["ml", "run", "submit-script", ..] => {
            let args = positionals(
                &rest[3..],
                &[
                    "-g",
                    "--resource-group",
                    "-w",
                    "--workspace-name",
                    "-e",
                    "--experiment-name",
                    "--ct",
                    "--compute-target",
                    "-d",
                    "--conda-dependencies",
                    "-t",
                    "--output-metadata-file",
                    "-c",
                    "--run-configuration-name",
                    "--path",
                    "--source-directory",
                    "--subscription-id",
                ],
            );
            match args.iter().position(|a| a.ends_with(".py")) {
                Some(i) => {
                    let dir = opt_value(rest, &["--source-directory"]).filter(|d| !d.is_empty() && *d != ".");
                    let script = dir.map_or_else(|| args[i].clone(), |d| format!("{}/{}", d.trim_end_matches('/'), args[i]));
                    let mut argv = vec!["python".to_string(), script];
                    argv.extend(args[i + 1..].iter().cloned());
                    classify(&argv)
                }
                None => Invocation::Other,
            }
        }
        ["ml", "online-deployment" | "batch-deployment", "create" | "update", ..] => Invocation::Deploy {
            target: "azureml-endpoint".into(),
            traffic: opt_value(rest, &["--all-traffic"])
                .map(|_| "all".to_string())
                .or_else(|| rest.iter().any(|a| a == "--all-traffic").then(|| "all".to_string())),
            file,
        },
        ["ml", "online-endpoint" | "batch-endpoint", "create" | "update", ..] => Invocation::Deploy {
            target: "azureml-endpoint".into(),
            traffic: opt_value(rest, &["--traffic", "--mirror-traffic"]).map(str::to_string),
            file,
        },
        ["ml", "online-endpoint" | "batch-endpoint", "invoke", ..] => Invocation::InvokeEndpoint,
        ["repos", "pr", "create", ..] => {
            Invocation::OpenPullRequest { base: opt_value(rest, &["--target-branch", "-t"]).unwrap_or("").to_string() }
        }
        ["pipelines", "run", ..] => Invocation::TriggerPipeline { target: opt_value(rest, &["--name"]).unwrap_or("").to_string() },
        // Azure ML CLI v1: deploy a registered model as a web service.
        ["ml", "model", "deploy", ..] | ["ml", "service", "update", ..] => {
            Invocation::Deploy { target: "azureml-webservice".into(), traffic: None, file: None }
        }
        ["ml", "model", "create" | "register", ..] => Invocation::Publish { what: "model-registration".into() },
        // Run Command on a VM: a script on the host, as over ssh.
        ["vm", "run-command", "invoke" | "create", ..]
            if runs_a_service(&opt_values(rest, "--scripts").iter().map(|s| s.to_string()).collect::<Vec<_>>()) =>
        {
            Invocation::Deploy { target: "remote-host".into(), traffic: None, file: None }
        }
        ["acr", "build", ..] => Invocation::Publish { what: "container-image".into() },
        // Traffic between a container app's revisions (`--revision-weight a=80 b=20`).
        ["containerapp", "ingress", "traffic", "set", ..] => {
            let weights = opt_values(rest, "--revision-weight");
            Invocation::Deploy { target: "azure-app".into(), traffic: (!weights.is_empty()).then(|| weights.join(",")), file: None }
        }
        ["webapp" | "functionapp" | "containerapp", ..] if words.iter().any(|w| matches!(*w, "deploy" | "up" | "create" | "update")) => {
            Invocation::Deploy { target: "azure-app".into(), traffic: None, file: None }
        }
        // New application settings (the model a service loads) restart it on them.
        ["webapp" | "functionapp", "config", "appsettings", "set", ..] => {
            Invocation::Deploy { target: "azure-app".into(), traffic: None, file: None }
        }
        ["deployment", "group" | "sub", "create", ..] => Invocation::Deploy {
            target: "azure-arm".into(),
            traffic: None,
            file: opt_value(rest, &["--template-file", "-f"]).map(str::to_string),
        },
        _ => Invocation::Other,
    }
}

/// The environment a deployment tool's command deploys into, named by the
/// tool's own option: `databricks bundle deploy|run -t staging`, `dbx
/// deploy|launch --environment=prod`, `serverless deploy --stage prod`, `sam
/// deploy --config-env prod`, `azd deploy -e prod`, `copilot deploy --env
/// prod`. The value as written (a `$VAR` too; the caller classifies it).
pub fn deploy_environment(argv: &[String]) -> Option<&str> {
    let sub = |i: usize| argv.get(i).map(String::as_str);
    let program = argv.first()?.rsplit('/').next().unwrap_or_default();
    let names: &[&str] = match (program, sub(1)) {
        ("databricks", Some("bundle")) if matches!(sub(2), Some("deploy" | "run")) => &["-t", "--target"],
        ("dbx", Some("deploy" | "launch")) => &["-e", "--environment"],
        ("serverless" | "sls", Some("deploy")) => &["-s", "--stage"],
        ("sam", Some("deploy")) => &["--config-env"],
        ("azd", Some("deploy" | "up" | "provision")) => &["-e", "--environment"],
        ("copilot", Some(_)) if argv.iter().any(|a| a == "deploy") => &["-e", "--env"],
        _ => return None,
    };
    if is_dry_run(argv) {
        return None;
    }
    opt_value(&argv[1..], names).map(str::trim).filter(|v| !v.is_empty() && !v.starts_with('-'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn buildx_pushes_by_its_long_output_form() {
        // buildx's long form of `--push`; a local output is no push.
        assert_eq!(
            c("docker buildx build --platform linux/arm64 --output type=image,name=ghcr.io/a/b:1,push=true ."),
            Invocation::Publish { what: "container-image".into() }
        );
        assert_eq!(c("docker buildx build -o type=registry -t ghcr.io/a/b:1 ."), Invocation::Publish { what: "container-image".into() });
        assert_eq!(c("docker buildx build --output type=local,dest=out ."), Invocation::Other);
    }

    #[test]
    fn azure_developer_cli_deploys() {
        let paas = Invocation::Deploy { target: "paas".into(), traffic: None, file: None };
        assert_eq!(c("azd deploy --no-prompt"), paas);
        assert_eq!(c("azd up --no-prompt -e prod"), paas);
        assert_eq!(c("azd provision --no-prompt"), Invocation::Other);
        assert_eq!(c("azd auth login --client-id x"), Invocation::Other);
    }

    #[test]
    fn managed_tuning_jobs_by_cli_and_rest() {
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            managed_tuning_job(&w("aws bedrock create-model-customization-job --job-name j --cli-input-json file://job.json")),
            Some("bedrock")
        );
        assert_eq!(managed_tuning_job(&w("openai api fine_tuning.jobs.create -t file-abc -m gpt-4o-mini")), Some("openai"));
        assert_eq!(
            managed_tuning_job(&w("curl -s -X POST -H Authorization https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/tuningJobs -d @req.json")),
            Some("vertex")
        );
        assert_eq!(managed_tuning_job(&w("curl https://api.openai.com/v1/fine_tuning/jobs -d @job.json")), Some("openai"));
        // Listing jobs, other APIs, other commands.
        assert_eq!(managed_tuning_job(&w("curl -s https://api.openai.com/v1/fine_tuning/jobs")), None);
        assert_eq!(managed_tuning_job(&w("curl -X POST https://api.openai.com/v1/chat/completions -d @q.json")), None);
        assert_eq!(managed_tuning_job(&w("aws bedrock list-custom-models")), None);
    }

    #[test]
    fn a_function_deploy_names_the_folder_it_uploads() {
        let src = |line: &str| function_source(&line.split_whitespace().map(String::from).collect::<Vec<_>>()).map(str::to_string);
        assert_eq!(src("gcloud functions deploy f --source=fn/ --entry-point=x").as_deref(), Some("fn"));
        assert_eq!(src("gcloud beta functions deploy f --source ./svc/fn").as_deref(), Some("svc/fn"));
        assert_eq!(src("gcloud functions deploy f --source .").as_deref(), Some(""));
        // A bucket, a repository, a variable, no folder, another command.
        assert_eq!(src("gcloud functions deploy f --source=gs://b/f.zip"), None);
        assert_eq!(src("gcloud functions deploy f --source $SRC"), None);
        assert_eq!(src("gcloud functions deploy f --runtime python312"), None);
        assert_eq!(src("gcloud run deploy svc --source fn"), None);
    }

    use super::*;

    fn c(s: &str) -> Invocation {
        classify(&s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
    }

    #[test]
    fn deploy_hooks_release_the_service() {
        let paas = Invocation::Deploy { target: "paas".into(), traffic: None, file: None };
        assert_eq!(c("curl -X POST https://api.render.com/deploy/srv-abc?key=k"), paas);
        assert_eq!(c("curl -fsS -X POST $RENDER_DEPLOY_HOOK_URL"), paas);
        assert_eq!(c("curl -X POST ${{ secrets.DEPLOY_HOOK }}"), paas);
        assert_eq!(c("curl -X POST -d {} https://api.netlify.com/build_hooks/5f1"), paas);
        // A webhook that deploys nothing (a message about a deploy); a hook named in prose.
        assert_eq!(c("curl -X POST $SLACK_WEBHOOK"), Invocation::Other);
        assert_eq!(c("curl -X POST -d {\"text\":\"deployed\"} $SLACK_DEPLOY_WEBHOOK"), Invocation::Other);
        assert_eq!(c("curl -X POST https://example.com/hooks -d deploy_hook_done"), Invocation::Other);
    }

    #[test]
    fn python_files_run_as_programs_and_by_modal() {
        let script = |p: &str| Invocation::PythonScript { path: p.into() };
        assert_eq!(c("modal run src/train_modal.py --epochs 3"), script("src/train_modal.py"));
        assert_eq!(c("modal run -d jobs/fit.py::main"), script("jobs/fit.py"));
        assert_eq!(c("modal run pkg.fit"), Invocation::PythonModule { module: "pkg.fit".into() });
        assert_eq!(c("modal deploy serve.py"), Invocation::Deploy { target: "paas".into(), traffic: None, file: None });
        assert_eq!(c("src/train.py --epochs 1"), script("src/train.py"));
        assert_eq!(c("$SCRIPT.py"), Invocation::Other);
    }

    #[test]
    fn orchestrator_runners_name_the_pipeline_file_module_or_dag() {
        let script = |p: &str| Invocation::PythonScript { path: p.into() };
        let module = |m: &str| Invocation::PythonModule { module: m.into() };
        assert_eq!(c("dagster job execute -f pipeline.py -j training_job"), script("pipeline.py"));
        assert_eq!(c("dagster asset materialize --select * -m churn.definitions"), module("churn.definitions"));
        assert_eq!(c("dagster job list -f pipeline.py"), Invocation::Other);
        assert_eq!(c("pyflyte run --remote workflows/train.py training_wf --epochs 3"), script("workflows/train.py"));
        assert_eq!(c("pyflyte register workflows"), Invocation::Other);
        assert_eq!(c("zenml pipeline run pipelines.training.training_pipeline -c configs/train.yaml"), module("pipelines.training"));
        assert_eq!(c("zenml pipeline list"), Invocation::Other);
        assert_eq!(c("airflow dags test retrain_dag 2024-01-01"), Invocation::AirflowDag { dag_id: "retrain_dag".into() });
        assert_eq!(c("airflow dags trigger -c {} nightly"), Invocation::AirflowDag { dag_id: "nightly".into() });
        assert_eq!(c("airflow dags list"), Invocation::Other);
    }

    #[test]
    fn deployment_tools_name_the_environment_they_deploy_into() {
        let env = |s: &str| deploy_environment(&s.split_whitespace().map(str::to_string).collect::<Vec<_>>()).map(str::to_string);
        assert_eq!(env("databricks bundle deploy -t staging"), Some("staging".into()));
        assert_eq!(env("databricks bundle run --target=prod train_job"), Some("prod".into()));
        assert_eq!(env("dbx deploy churn --environment=prod"), Some("prod".into()));
        assert_eq!(env("dbx launch churn -e staging --trace"), Some("staging".into()));
        assert_eq!(env("serverless deploy --stage prod"), Some("prod".into()));
        assert_eq!(env("sam deploy --config-env staging"), Some("staging".into()));
        assert_eq!(env("azd deploy -e prod"), Some("prod".into()));
        assert_eq!(env("copilot svc deploy --name api --env test"), Some("test".into()));
        // Not a deployment, no environment option, or a dry run.
        assert_eq!(env("databricks bundle validate -t prod"), None);
        assert_eq!(env("databricks bundle deploy"), None);
        assert_eq!(env("dbx execute churn --environment=prod"), None);
        assert_eq!(env("serverless deploy --stage prod --dry-run"), None);
        assert_eq!(env("helm upgrade api chart -n prod"), None);
    }

    #[test]
    fn the_tfx_cli_registers_runners_and_runs_them() {
        assert_eq!(c("tfx run create --engine vertex --pipeline-name churn --project p --region r"), Invocation::TfxRun);
        assert_eq!(c("tfx pipeline create --pipeline-path kubeflow_runner.py --engine vertex"), Invocation::Other);
        let argv = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(tfx_pipeline_path(&argv("tfx pipeline update --pipeline-path=runner.py --engine kubeflow")), Some("runner.py"));
        assert_eq!(tfx_pipeline_path(&argv("tfx pipeline compile --pipeline-path runner.py")), None);
    }

    #[test]
    fn pipelines_defined_in_the_cluster_are_started_by_name() {
        let start = |u: &str| Invocation::StartDefined { unit: u.into() };
        assert_eq!(c("tkn pipeline start retrain --param days=7 -w name=src,claimName=pvc"), start("tekton:pipeline#retrain"));
        assert_eq!(c("tkn t start fit -n ml"), start("tekton:task#fit"));
        assert_eq!(c("argo submit --from workflowtemplate/train-wf -p epochs=3"), start("argo:template#train-wf"));
        assert_eq!(c("argo submit -n argo --from=cwftmpl/fit"), start("argo:template#fit"));
        assert_eq!(c("argo submit workflow.yaml"), Invocation::Other);
        assert_eq!(c("tkn pipeline list"), Invocation::Other);
    }

    #[test]
    fn gitops_controllers_asked_to_apply_now_deploy() {
        let k8s = Invocation::Deploy { target: "kubernetes".into(), traffic: None, file: None };
        assert_eq!(c("argocd app sync sentiment-serving --prune"), k8s);
        assert_eq!(c("flux reconcile kustomization serving --with-source"), k8s);
        assert_eq!(c("flux reconcile helmrelease model-api"), k8s);
        assert_eq!(c("flux reconcile source git flux-system"), Invocation::Other);
        assert_eq!(c("flux get kustomizations"), Invocation::Other);
        assert_eq!(c("argocd app get sentiment-serving"), Invocation::Other);
    }

    #[test]
    fn databricks_job_specs_submitted_and_dbx_workflows_launched() {
        let job = |f: &str| Invocation::SubmitJob { platform: "databricks".into(), file: f.into() };
        assert_eq!(c("databricks runs submit --json-file jobs/fit.json"), job("jobs/fit.json"));
        assert_eq!(c("databricks jobs submit --json @jobs/fit.json"), job("jobs/fit.json"));
        assert_eq!(c("databricks jobs submit --json '{\"run_name\": \"x\"}'"), Invocation::Other);
        // Installing a job runs nothing by itself.
        assert_eq!(c("databricks jobs create --json-file jobs/fit.json"), Invocation::Other);
        let argv = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(databricks_job_install(&argv("databricks jobs reset --job-id 3 --json-file j.json")).as_deref(), Some("j.json"));
        assert_eq!(databricks_job_install(&argv("databricks jobs list")), None);
        assert_eq!(c("dbx launch train --from-assets --trace"), Invocation::DbxLaunch { workflow: "train".into() });
        assert_eq!(c("dbx execute --cluster-name dev --job=train"), Invocation::DbxLaunch { workflow: "train".into() });
        assert_eq!(c("dbx deploy train --assets-only"), Invocation::Other);
    }

    #[test]
    fn vertex_custom_jobs_from_a_spec_file_submit_it() {
        assert_eq!(
            c("gcloud ai custom-jobs create --region=europe-west4 --display-name=t --config=configs/job.yaml"),
            Invocation::SubmitJob { platform: "vertex".into(), file: "configs/job.yaml".into() }
        );
        // An inline worker pool's module wins; no pool and no file: nothing known.
        assert_eq!(
            c("gcloud ai custom-jobs create --config=c.yaml --worker-pool-spec=machine-type=n1-standard-4,python-module=t.task"),
            Invocation::PythonModule { module: "t.task".into() }
        );
        assert_eq!(c("gcloud ai custom-jobs create --region=r --display-name=t"), Invocation::Other);
    }

    #[test]
    fn cloudformation_stacks_created_or_updated_from_a_template_deploy_it() {
        let cfn =
            |file: Option<&str>| Invocation::Deploy { target: "cloudformation".into(), traffic: None, file: file.map(str::to_string) };
        assert_eq!(
            c("aws cloudformation create-stack --stack-name ep-test --template-body file://deploy/endpoint.yml"),
            cfn(Some("deploy/endpoint.yml"))
        );
        assert_eq!(
            c("aws cloudformation update-stack --stack-name ep --template-body=file://deploy/endpoint.yml"),
            cfn(Some("deploy/endpoint.yml"))
        );
        assert_eq!(c("aws cloudformation deploy --template-file infra/stack.yml --stack-name s"), cfn(Some("infra/stack.yml")));
        // A template in a bucket: a deploy, of no file here; reading stacks is none.
        assert_eq!(c("aws cloudformation update-stack --stack-name ep --template-url https://b.s3.amazonaws.com/t.yml"), cfn(None));
        assert_eq!(c("aws cloudformation describe-stacks --stack-name ep"), Invocation::Other);
        assert_eq!(c("aws cloudformation wait stack-create-complete --stack-name ep"), Invocation::Other);
    }

    #[test]
    fn commands_run_on_remote_hosts_that_restart_a_service_deploy() {
        let host = Invocation::Deploy { target: "remote-host".into(), traffic: None, file: None };
        let words = |v: &[&str]| classify(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(c("ssh deploy@host docker compose up -d"), host);
        assert_eq!(
            words(&[
                "aws",
                "ssm",
                "send-command",
                "--document-name",
                "AWS-RunShellScript",
                "--targets",
                "Key=tag:Role,Values=scorer",
                "--parameters",
                "commands=[\"cd /srv/api && docker compose pull && docker compose up -d\"]",
            ]),
            host
        );
        assert_eq!(
            words(&[
                "az",
                "vm",
                "run-command",
                "invoke",
                "-g",
                "rg",
                "-n",
                "vm1",
                "--command-id",
                "RunShellScript",
                "--scripts",
                "sudo systemctl restart scorer"
            ]),
            host
        );
        assert_eq!(
            words(&["gcloud", "compute", "ssh", "scorer-1", "--zone", "europe-west1-b", "--command=sudo systemctl restart scorer"]),
            host
        );
        // Commands that start nothing there, or another SSM verb: no deploy.
        assert_eq!(
            words(&["aws", "ssm", "send-command", "--document-name", "AWS-RunShellScript", "--parameters", "commands=[\"df -h\"]"]),
            Invocation::Other
        );
        assert_eq!(c("aws ssm get-parameter --name /app/python/version"), Invocation::Other);
        assert_eq!(words(&["az", "vm", "run-command", "invoke", "--scripts", "uptime"]), Invocation::Other);
        assert_eq!(words(&["gcloud", "compute", "ssh", "vm", "--command=ls /srv"]), Invocation::Other);
    }

    #[test]
    fn commands_that_print_a_deployed_endpoints_address() {
        let r = |s: &str| reads_endpoint_url(&s.split_whitespace().map(String::from).collect::<Vec<_>>());
        assert!(r("az ml online-endpoint show -n ep -g rg -w ws --query scoring_uri -o tsv"));
        assert!(r("az ml service show -n svc --query scoringUri -o tsv"));
        assert!(r("gcloud run services describe api --region europe-west1 --format value(status.url)"));
        assert!(r("kubectl -n models get inferenceservice churn -o jsonpath={.status.url}"));
        assert!(r("kubectl get ksvc/churn -o jsonpath={.status.url}"));
        // Other fields, other resources, other verbs.
        assert!(!r("az ml online-endpoint show -n ep --query provisioning_state"));
        assert!(!r("az ml online-endpoint list --query [].scoring_uri"));
        assert!(!r("kubectl get pods -o jsonpath={.status.url}"));
        assert!(!r("gcloud run services list --format value(status.url)"));
    }

    #[test]
    fn mlflow_recipe_runs_name_their_step() {
        let step = |s: Option<&str>| Invocation::MlflowRecipe { step: s.map(str::to_string) };
        assert_eq!(c("mlflow recipes run --step train --profile ci"), step(Some("train")));
        assert_eq!(c("mlflow recipes run --profile local -s register"), step(Some("register")));
        assert_eq!(c("mlflow pipelines run --step=evaluate --profile local"), step(Some("evaluate")));
        assert_eq!(c("mlflow recipes run --profile local"), step(None));
        // Other recipe commands run nothing; `mlflow run` stays a project run.
        assert_eq!(c("mlflow recipes inspect --step train --profile local"), Invocation::Other);
        assert!(matches!(c("mlflow run . -e train"), Invocation::MlflowRun { .. }));
    }

    #[test]
    fn dvc_run_runs_its_stage_command() {
        let w = |s: &[&str]| classify(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        let train = Invocation::PythonScript { path: "src/train.py".into() };
        assert_eq!(
            w(&["dvc", "run", "-n", "train", "-d", "data.csv", "-o", "model.pkl", "--force", "python", "src/train.py", "--epochs", "3"]),
            train
        );
        assert_eq!(w(&["dvc", "run", "-n", "train", "-M", "scores.json", "python src/train.py --epochs 3"]), train);
        // Written, not run; and no command at all.
        assert_eq!(w(&["dvc", "run", "-n", "train", "--no-exec", "python", "src/train.py"]), Invocation::Other);
        assert_eq!(w(&["dvc", "run", "-n", "train"]), Invocation::Other);
    }

    /// Builtins and file utilities start nothing unless an argument names
    /// a file or a module; interpreters, wrappers and runners do.
    #[test]
    fn commands_that_start_nothing() {
        let inert = |s: &str| starts_nothing(&s.split_whitespace().map(str::to_string).collect::<Vec<_>>());
        for s in ["set -euo pipefail", "echo training", "dirname $0", "mkdir -p out", "export X=1", "cd src", "rm -rf build", "test -n $X"]
        {
            assert!(inert(s), "{s}");
        }
        for s in [
            // A bare `test`: a task alias left by a stripped runner (`pdm run test`).
            "test",
            "echo params.yaml",
            "cat configs/train.json",
            "test -f ./x",
            "echo --module-name pipelines",
            "python train.py",
            "source env.sh",
            "bash run",
            "env python",
            "find src -exec run",
            "xargs run",
            "make train",
            "/bin/echo hi",
        ] {
            assert!(!inert(s), "{s}");
        }
    }

    #[test]
    fn classifies_common_commands() {
        assert_eq!(c("pytest -q tests/unit"), Invocation::TestRunner { runner: "pytest".into(), paths: vec!["tests/unit".into()] });
        assert_eq!(c("python -m pytest"), Invocation::TestRunner { runner: "pytest".into(), paths: vec![] });
        // Listing the tests runs none.
        assert_eq!(c("pytest --collect-only -q tests"), Invocation::Other);
        assert_eq!(c("python -m pytest --co"), Invocation::Other);
        // Option values are no test paths; `-s` is a pytest flag but unittest's start directory.
        let pytest =
            |paths: &[&str]| Invocation::TestRunner { runner: "pytest".into(), paths: paths.iter().map(|p| p.to_string()).collect() };
        assert_eq!(c("pytest -W ignore --tb short --color yes -r fE tests"), pytest(&["tests"]));
        assert_eq!(c("pytest --timeout 60 --capture no --import-mode importlib --durations 5"), pytest(&[]));
        assert_eq!(c("python -m pytest -s tests/api"), pytest(&["tests/api"]));
        assert_eq!(
            c("python -m unittest discover -s tests -p test_*.py"),
            Invocation::TestRunner { runner: "unittest".into(), paths: vec![] }
        );
        assert_eq!(
            c("behave --tags ~@slow -f progress features/run.feature:12 e2e"),
            Invocation::TestRunner { runner: "behave".into(), paths: vec!["features/run.feature".into(), "e2e".into()] }
        );
        assert_eq!(c("python -m behave"), Invocation::TestRunner { runner: "behave".into(), paths: vec![] });
        // Dry runs release nothing.
        for dry in [
            "kubectl apply --dry-run=server -f k8s/",
            "helm upgrade --install api chart --dry-run",
            "npm publish --dry-run",
            "sam deploy --no-execute-changeset",
        ] {
            assert_eq!(c(dry), Invocation::Other, "{dry}");
        }
        assert!(matches!(c("kubectl apply --dry-run=none -f k8s/"), Invocation::Deploy { .. }));
        for prep in [
            "kubectl create ns kfp",
            "kubectl create secret generic creds --from-literal=a=b",
            "oc create configmap cfg --from-file=x",
            "kubectl -n ml rollout status deploy/api",
            "kubectl --context prod get pods",
        ] {
            assert!(matches!(c(prep), Invocation::Other), "{prep}");
        }
        for deploy in [
            "kubectl create -f k8s/serve.yaml",
            "kubectl create deployment api --image=reg/api:1",
            "kubectl create --filename=a.yaml",
            "kubectl --context prod -n ml apply -f k8s/serve.yaml",
            "kubectl --namespace=ml set image deploy/api api=reg/api:2",
        ] {
            assert!(matches!(c(deploy), Invocation::Deploy { .. }), "{deploy}");
        }
        assert_eq!(c("python3 -u src/train.py --lr 1"), Invocation::PythonScript { path: "src/train.py".into() });
        assert_eq!(c("python -m pkg.train"), Invocation::PythonModule { module: "pkg.train".into() });
        assert_eq!(c("make -C ml train"), Invocation::Make { dir: Some("ml".into()), file: None, targets: vec!["train".into()] });
        assert_eq!(c("tox -e py311,lint"), Invocation::Tox { envs: vec!["py311".into(), "lint".into()] });
        assert_eq!(c("nox -s tests lint"), Invocation::Nox { sessions: vec!["tests".into(), "lint".into()] });
        // Distributed and batch launchers start the program they name.
        let script = |p: &str| Invocation::PythonScript { path: p.into() };
        let module = |m: &str| Invocation::PythonModule { module: m.into() };
        assert_eq!(c("torchrun --nproc_per_node=2 --nnodes 1 train.py --cfg x"), script("train.py"));
        assert_eq!(c("torchrun --standalone --nproc_per_node 8 -m pkg.train --lr 1"), module("pkg.train"));
        assert_eq!(c("accelerate launch --config_file a.yaml scripts/finetune.py"), script("scripts/finetune.py"));
        assert_eq!(c("accelerate config"), Invocation::Other);
        assert_eq!(c("deepspeed --num_gpus 2 --module pkg.train"), module("pkg.train"));
        assert_eq!(c("python -m torch.distributed.run --nproc_per_node 2 train.py"), script("train.py"));
        assert_eq!(c("mpirun -np 4 python -m pkg.train"), module("pkg.train"));
        assert_eq!(c("srun -m block --gres=gpu:1 python3.11 train.py"), script("train.py"));
        assert_eq!(c("sbatch --time=2:00:00 jobs/train.sh"), Invocation::Script { path: "jobs/train.sh".into() });
        assert_eq!(c("mpirun -np 4 ./a.out"), Invocation::Other);
        // Cloud job submissions of local code run it (Azure ML CLI v1, Vertex AI custom jobs).
        assert_eq!(c("az ml run submit-script -g rg -w ws -e churn --ct cpu -d env.yml -t run.json fit.py --epochs 3"), script("fit.py"));
        assert_eq!(c("az ml run submit-script --source-directory src/ -e x train.py"), script("src/train.py"));
        assert_eq!(c("az ml run submit-script -e x --ct cpu"), Invocation::Other);
        assert_eq!(
            c("gcloud ai custom-jobs create --region=us-central1 --display-name=t --worker-pool-spec=machine-type=n1-standard-4,replica-count=1,executor-image-uri=img,local-package-path=.,python-module=trainer.task"),
            module("trainer.task")
        );
        assert_eq!(c("gcloud ai custom-jobs create --worker-pool-spec=machine-type=n1-standard-4,script=task.py"), script("task.py"));
        assert_eq!(
            c("gcloud ai custom-jobs create --worker-pool-spec=machine-type=n1-standard-4,container-image-uri=img"),
            Invocation::Other
        );
        let inv = |t: &[&str], c: Option<&str>, r: Option<&str>| Invocation::Invoke {
            tasks: t.iter().map(|s| s.to_string()).collect(),
            collection: c.map(str::to_string),
            root: r.map(str::to_string),
        };
        assert_eq!(c("invoke checks"), inv(&["checks"], None, None));
        assert_eq!(
            c("inv -e -c ops --search-root=build lint test.unit --verbose"),
            inv(&["lint", "test.unit"], Some("ops"), Some("build"))
        );
        assert_eq!(c("python -m invoke train --epochs=3"), inv(&["train"], None, None));
        assert_eq!(c("invoke"), inv(&[], None, None));
        assert_eq!(c("invoke --list"), Invocation::Other);
        assert_eq!(c("pre-commit run --all-files"), Invocation::PreCommit { hook: None, stage: "pre-commit".into() });
        assert_eq!(
            c("pre-commit run --hook-stage manual slow --all-files"),
            Invocation::PreCommit { hook: Some("slow".into()), stage: "manual".into() }
        );
        assert_eq!(
            c("az ml job create -f ml/train.yml -g rg"),
            Invocation::SubmitJob { platform: "azureml".into(), file: "ml/train.yml".into() }
        );
        assert_eq!(c("docker push reg/img:1"), Invocation::Publish { what: "container-image".into() });
        assert!(matches!(c("az ml online-endpoint update -n ep --traffic blue=90,green=10"), Invocation::Deploy { traffic: Some(_), .. }));
        assert_eq!(c("./scripts/train.sh"), Invocation::Script { path: "./scripts/train.sh".into() });
        assert_eq!(c("coverage run -m pytest"), Invocation::TestRunner { runner: "pytest".into(), paths: vec![] });
        assert_eq!(c("gh workflow run train.yml"), Invocation::TriggerPipeline { target: "train.yml".into() });
        assert_eq!(c("az ml online-endpoint invoke -n ep --request-file r.json"), Invocation::InvokeEndpoint);
        assert_eq!(c("curl -f https://ep.example/score"), Invocation::InvokeEndpoint);
        assert_eq!(c("dvc repro train"), Invocation::DvcRepro { targets: vec!["train".into()] });
    }

    #[test]
    fn serving_functions_and_services_updated_in_place_are_releases() {
        let aws = Invocation::Deploy { target: "aws-service".into(), traffic: None, file: None };
        let gcp = Invocation::Deploy { target: "gcp-serverless".into(), traffic: None, file: None };
        let azure = Invocation::Deploy { target: "azure-app".into(), traffic: None, file: None };
        assert_eq!(c("aws lambda update-function-configuration --function-name f --environment Variables={RUN_ID=abc}"), aws);
        assert_eq!(c("aws lambda update-alias --function-name f --name live --function-version 7"), aws);
        assert_eq!(c("gcloud run services update svc --image gcr.io/p/m:2"), gcp);
        assert_eq!(c("gcloud run services update-traffic svc --to-latest"), gcp);
        assert_eq!(c("az functionapp config appsettings set -n app -g rg --settings MODEL_VERSION=3"), azure);
        assert_eq!(c("az webapp config appsettings set -n app -g rg --settings MODEL_URI=x"), azure);
        // Reading a function's or a service's configuration releases nothing.
        for cmd in [
            "aws lambda get-function --function-name f",
            "aws lambda get-function-configuration --function-name f",
            "aws lambda list-aliases --function-name f",
            "gcloud run services describe svc",
            "gcloud run services list",
            "az functionapp config appsettings list -n app -g rg",
            "az containerapp ingress traffic show -n app -g rg",
        ] {
            assert_eq!(c(cmd), Invocation::Other, "{cmd}");
        }
    }

    #[test]
    fn traffic_between_revisions_and_versions_is_read() {
        let traffic = |cmd: &str| match c(cmd) {
            Invocation::Deploy { traffic, .. } => traffic,
            other => panic!("{cmd}: {other:?}"),
        };
        let split = |cmd: &str| traffic(cmd).is_some_and(|t| crate::detectors::weighted_targets(&t) >= 2);
        assert!(split("gcloud run services update-traffic svc --to-revisions=svc-001=90,svc-002=10"));
        assert!(split("gcloud run services update-traffic svc --to-revisions svc-001=90,svc-002=10"));
        assert!(split("az containerapp ingress traffic set -n app -g rg --revision-weight app--r1=80 app--r2=20"));
        assert!(split("aws lambda update-alias --function-name f --name live --function-version 6 --routing-config AdditionalVersionWeights={\"7\"=0.1}"));
        assert!(split("aws lambda update-alias --function-name f --name live --function-version 6 --routing-config {\"AdditionalVersionWeights\":{\"7\":0.05}}"));
        // All traffic to one revision or version is a plain rollout.
        assert!(!split("gcloud run services update-traffic svc --to-latest"));
        assert!(!split("az containerapp ingress traffic set -n app -g rg --revision-weight latest=100"));
        assert!(!split("aws lambda update-alias --function-name f --name live --function-version 7"));
        assert!(!split(
            "aws lambda update-alias --function-name f --name live --function-version 7 --routing-config AdditionalVersionWeights={}"
        ));
        assert!(!split("aws lambda update-alias --function-name f --name live --function-version 7 --routing-config AdditionalVersionWeights={\"6\"=0}"));
    }

    #[test]
    fn paas_releases_and_package_uploads() {
        let paas = Invocation::Deploy { target: "paas".into(), traffic: None, file: None };
        for cmd in [
            "railway up --detach",
            "flyctl deploy --remote-only",
            "heroku container:release web -a api",
            "git push heroku main",
            "eb deploy prod-env",
            "modal deploy serve.py",
        ] {
            assert_eq!(c(cmd), paas, "{cmd}");
        }
        let pkg = Invocation::Publish { what: "python-package".into() };
        assert_eq!(c("curl -F package=@dist/scorer-1.2.0-py3-none-any.whl https://push.fury.example/TOKEN/team"), pkg);
        assert_eq!(c("curl --upload-file dist/scorer-1.2.0.tar.gz https://nexus.example/repository/pypi/"), pkg);
    }

    #[test]
    fn azureml_v1_cli_deploys_web_services() {
        let v1 = Invocation::Deploy { target: "azureml-webservice".into(), traffic: None, file: None };
        assert_eq!(c("az ml model deploy --name svc --model m:1 --ic inference.yml --dc aci.yml"), v1);
        assert_eq!(c("az ml service update --name svc --model m:2"), v1);
        assert_eq!(c("az ml model list"), Invocation::Other);
        assert_eq!(c("az ml service list"), Invocation::Other);
    }

    #[test]
    fn commands_that_open_pull_requests_name_their_target_branch() {
        let pr = |b: &str| Invocation::OpenPullRequest { base: b.into() };
        assert_eq!(c("gh pr create --base release --title t --body b"), pr("release"));
        assert_eq!(c("gh pr create -B main --fill"), pr("main"));
        assert_eq!(c("gh pr create --fill"), pr(""));
        assert_eq!(c("glab mr create --target-branch main --fill"), pr("main"));
        assert_eq!(c("az repos pr create --target-branch main --source-branch x"), pr("main"));
        assert_eq!(c("hub pull-request -b main -m t"), pr("main"));
        // Reading, listing or merging pull requests opens none.
        for cmd in ["gh pr list", "gh pr merge 3 --squash", "glab mr list", "az repos pr list", "gh pr view"] {
            assert_eq!(c(cmd), Invocation::Other, "{cmd}");
        }
    }

    #[test]
    fn bentoml_pushes_from_the_local_store_are_registrations() {
        assert_eq!(c("bentoml models push iris_clf:latest"), Invocation::Publish { what: "model-registration".into() });
        assert_eq!(c("bentoml push iris_service:latest"), Invocation::Publish { what: "model-package".into() });
        // Packaging on the runner publishes nothing by itself.
        assert_eq!(c("bentoml build -f bentofile.yaml"), Invocation::Publish { what: "model-build".into() });
        assert_eq!(c("bentoml containerize iris_service:latest -t iris:1"), Invocation::Publish { what: "model-build".into() });
        assert_eq!(
            c("torch-model-archiver --model-name resnet --version 1.0 --serialized-file m.pt --handler h.py --export-path model_store"),
            Invocation::Publish { what: "model-build".into() }
        );
        assert_eq!(c("bentoml models list"), Invocation::Other);
        assert_eq!(c("bentoml serve service:svc"), Invocation::Other);
    }

    #[test]
    fn hugging_face_uploads_by_repository_type() {
        let space = Invocation::Deploy { target: HF_SPACE.into(), traffic: None, file: None };
        let model = Invocation::Publish { what: "model-registration".into() };
        for cmd in [
            "huggingface-cli upload org/app ./app --repo-type=space",
            "huggingface-cli upload org/app ./Model /Model --repo-type=space --commit-message=Sync",
            "hf upload org/app . --repo-type space",
            "huggingface-cli upload-large-folder org/app ./app --repo-type=space",
            "git push https://user:$HF_TOKEN@huggingface.co/spaces/org/app main",
            "git push -f https://hf.co/spaces/org/app HEAD:main",
            "git push --force https://$HF_USER:${{ secrets.HF_TOKEN }}@huggingface.co/spaces/org/app main",
        ] {
            assert_eq!(c(cmd), space, "{cmd}");
        }
        for cmd in [
            "huggingface-cli upload org/model ./model",
            "hf upload org/model ./model --repo-type=model",
            "hf upload org/m m.bin",
            "hf upload org/m m.bin --repo-type $REPO_TYPE",
        ] {
            assert_eq!(c(cmd), model, "{cmd}");
        }
        // A dataset upload, a push to a model repository or to a lookalike
        // host, a clone or a download of a Space: no release.
        for cmd in [
            "huggingface-cli upload org/data ./data --repo-type=dataset",
            "hf upload org/data ./data --repo-type dataset",
            "git push https://user:$HF_TOKEN@huggingface.co/org/model main",
            "git push https://notthehuggingface.co/spaces/org/app main",
            "git clone https://huggingface.co/spaces/org/app",
            "huggingface-cli download org/app --repo-type=space",
        ] {
            assert_ne!(c(cmd), space, "{cmd}");
            assert_ne!(c(cmd), model, "{cmd}");
        }
    }

    #[test]
    fn paas_status_and_form_posts_are_not_releases() {
        for cmd in ["railway logs", "fly status", "heroku logs --tail", "git push origin main", "eb status"] {
            assert_eq!(c(cmd), Invocation::Other, "{cmd}");
        }
        // A form field read from a report, and a plain JSON post.
        assert_eq!(c("curl -F file=@reports/coverage.xml https://cov.example/upload"), Invocation::Other);
        assert_eq!(c("curl -d @payload.json https://hooks.example/notify"), Invocation::Other);
    }

    #[test]
    fn unrelated_commands_are_other() {
        assert_eq!(c("echo pytest"), Invocation::Other);
        assert_eq!(c("pip install pytest"), Invocation::Other);
        assert_eq!(c("docker build -t x ."), Invocation::Other);
    }

    #[test]
    fn package_runners_start_deploy_tools_with_their_arguments() {
        let cdk = Invocation::Deploy { target: "cdk".into(), traffic: None, file: None };
        assert_eq!(c("yarn cdk deploy --require-approval never"), cdk);
        assert_eq!(c("npx cdk deploy --all"), cdk);
        assert_eq!(c("npx -y aws-cdk deploy"), Invocation::Other);
        assert_eq!(c("pnpm exec cdk deploy"), cdk);
        // Not a deploy: synth, or a package script named like the tool.
        assert_eq!(c("yarn cdk synth"), Invocation::Npm { script: "cdk".into() });
        assert_eq!(c("npx cdk synth"), Invocation::Other);
        assert_eq!(c("yarn lint"), Invocation::Npm { script: "lint".into() });
    }

    #[test]
    fn loopback_urls_are_this_machine() {
        let argv = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        for local in [
            "curl -fsS http://127.0.0.1:8000/health",
            "curl localhost:8080/predict",
            "wget -qO- http://0.0.0.0:5000/invocations",
            "curl -X POST http://[::1]:8000/predict",
            "curl http://user:pw@localhost/score",
            "curl http://host.docker.internal:8080/v1/models/m:predict",
            "http POST api.localhost/predict",
        ] {
            assert!(calls_loopback(&argv(local)), "{local}");
        }
        for remote in [
            "curl -fsS https://churn.example.com/predict",
            "curl $ENDPOINT_URL/score",
            "curl http://127.0.0.1.example.com/predict",
            "curl http://localhost-api.example/predict",
            "curl -H Host:localhost https://ep.example/score",
            "curl http://10.0.0.5:8000/predict",
        ] {
            assert!(!calls_loopback(&argv(remote)), "{remote}");
        }
    }
}
