//! Every evidence kind a detector or the linker may emit, with what it
//! means. The rule pack is validated against this list: a rule naming an
//! undeclared kind is a rule-pack error.

/// One declared evidence kind.
#[derive(Debug, Clone, Copy)]
pub struct KindDecl {
    /// Dotted `domain.fact` name.
    pub name: &'static str,
    /// What it means, for `mlops-level explain` and the docs.
    pub doc: &'static str,
}

macro_rules! kinds {
    ($($name:literal => $doc:literal,)*) => {
        /// All declared kinds, sorted by name.
        pub const KINDS: &[KindDecl] = &[$(KindDecl { name: $name, doc: $doc }),*];
    };
}

kinds! {
    "config.monitor-switch" => "A flag that turns model monitoring on or off (`enable_monitoring: false` in a config or pipeline YAML / tfvars, a Terraform `count = var.enable_monitoring ? 1 : 0`): monitoring configured; attrs: name, state (on|off|unset).",
    "iac.environment" => "Infrastructure code kept per environment (a Terraform root module in an environment folder calling a shared module, an environment's variable file); attrs: name.",
    "ci.drift-gate" => "CI commands (a job, step or stage, or a scripted `if` block), or a Python `if` block calling into local modules (a flow that checks, then retrains in-process), that run only when a condition tests drift or degradation; location spans the gated lines; the linker derives link.retrain-on-alert (gate=ci-condition) when they start training and the same CI definition, or the gating module itself, runs a monitor.",
    "ci.environment" => "A CI job deploys to a named environment (GitHub/GitLab environment, Azure Pipelines deployment job, or a deployment tool's own option such as `databricks bundle deploy -t prod`, via=command); attrs: name, system, approval, via; release_of=package when the job only publishes a package to an index (linker).",
    "ci.path-filter" => "A CI definition or job that runs only when files under a folder change (GitHub `on.*.paths`, GitLab `rules: changes` / `only: changes`, Azure Pipelines `trigger.paths.include`, Bitbucket `changesets.includePaths`): the folder CI scopes work to, used to find the projects of a monorepo; attrs: system, dir.",
    "ci.pipeline" => "A CI definition in the place its CI system reads it; attrs: system, triggers.",
    "ci.trigger" => "One event that starts a CI definition (also a Prefect deployment or an in-process scheduler: system prefect, schedule, apscheduler); attrs: system, trigger (push|pull_request|tag|schedule|manual|external|side-branch: pushes to topic or personal branches only), default=true when implied by the CI system.",
    "ci.unparsable" => "A CI definition that cannot be parsed (the CI system will reject it too).",
    "code.compute" => "Training compute declared in code (cluster, instance type, compute target); attrs: tool.",
    "code.data-prep" => "Data acquisition or preparation code (reads an external source, writes prepared data); attrs: op.",
    "code.deploy" => "Code that deploys a model to a serving target (SDK calls); attrs: target.",
    "code.eval-gate" => "A model evaluation gate: a metric compared with a threshold that stops the run (exit/raise/assert) or a platform validation threshold.",
    "code.hardcoded-credential" => "A credential-looking literal assigned in source.",
    "code.hardcoded-tracking-uri" => "A tracking server URI written as a literal in source.",
    "code.invoke-endpoint" => "Code that calls a deployed model endpoint over HTTP or an SDK (a smoke or integration test of the deployment); attrs: in_test, after_deploy=yes (in a test a CI job runs after the deploying job), host=local.",
    "code.load-model" => "Code that loads a trained model (joblib/pickle/torch/mlflow/transformers).",
    "code.model-compare" => "A candidate model compared with the current (champion/production) model; attrs: acts=yes when the result blocks or promotes, verdict (the variable the result is kept in), overridden=yes when that verdict is set to a constant before it is tested (acts=no), switched=yes when the baseline is `None` unless a switch is on (no acts).",
    "code.model-select" => "The best of the tracked runs by a metric promoted in the registry (search_runs ordered by a metric, then a stage or alias set): a selection over runs, not a comparison with the serving model.",
    "code.model-version" => "A trained model registered or versioned; attrs: tool, mechanism (registry|run-artifact|hub|model-store).",
    "code.monitor" => "Model monitoring in code: drift, data quality or model performance monitors; attrs: tool (cloudwatch: model metrics a job publishes with put_metric_data), with_training=yes when it runs as part of training (the training file, a module it imports, the same pipeline or CI job; linker), in_service=yes when the module serves the model or is a web service of its own (it runs with the service).",
    "code.pipeline-trigger" => "Code that starts a training pipeline or workflow (dispatch API, pipeline submit); attrs: target.",
    "code.pipeline-def" => "An ML/data pipeline, DAG or flow defined as code (Airflow, Prefect, Dagster, Kubeflow, SageMaker, Metaflow, Flyte, ZenML, Kedro); attrs: tool, trigger (schedule|external) when it starts itself.",
    "code.prediction-log" => "Serving code that records inputs, predictions or latency for later analysis.",
    "code.scoring" => "A scoring / inference entry point; attrs: style (mlflow-pyfunc|azureml-init-run|sagemaker|api|handler|bentoml|kserve|triton|ray-serve|predict-function|batch-job|batch-script|checkpoint-eval: a trained checkpoint evaluated on a data split, partial|stub: an empty or stub-bodied entry point, partial).",
    "code.telemetry" => "Generic application telemetry in serving code (no model inputs/outputs); attrs: tool.",
    "code.test-functions" => "Top-level `test_*` functions that a module which no runner collects calls itself (tests run as a script, `python module.py`); attrs: count.",
    "code.track" => "Experiment tracking: parameters/metrics logged to a tracking system; attrs: tool, local=true for local-only logs (TensorBoard).",
    "code.traffic-split" => "Traffic split between model deployments set in code (two or more weighted deployments).",
    "code.train" => "Model training: fit/train calls of an ML framework; attrs: framework.",
    "code.verdict-override" => "A computed or read verdict set to a constant right before the branch that tests it (the gate decides nothing); attrs: name.",
    "azureml.compute" => "Azure ML compute declared as code, or a job's compute target; attrs: name.",
    "azureml.data-asset" => "A versioned Azure ML data asset.",
    "azureml.deployment" => "An Azure ML online/batch deployment; attrs: name, endpoint, data_collector=yes when inputs/outputs are collected.",
    "azureml.endpoint" => "An Azure ML online/batch endpoint; attrs: traffic when set in YAML.",
    "azureml.job" => "An Azure ML job or pipeline job file; attrs: type, compute.",
    "azureml.model" => "An Azure ML model asset defined as code (registered from YAML).",
    "azureml.monitor" => "An Azure ML model monitor (monitoring schedule).",
    "azureml.schedule" => "An Azure ML schedule that runs a job; attrs: trigger.",
    "azureml.traffic-split" => "Traffic split across two or more Azure ML deployments (or mirrored/shadow traffic).",
    "deploy.rollout-setting" => "A serving platform's service spec rolling a new version out gradually (rollout_strategy), with no second model; attrs: strategy.",
    "deps.unpinned" => "A dependency without a pinned version in a requirements file; attrs: package.",
    "docker.image" => "A Dockerfile; attrs: serves=yes when its command starts a model server.",
    "dvc.metrics" => "DVC metrics/params/plots declared for a pipeline (experiment tracking).",
    "dvc.remote" => "A DVC remote is configured.",
    "dvc.stage" => "A DVC pipeline stage; attrs: name, role (data|train|evaluate|other).",
    "dvc.tracked" => "Data or a model tracked by DVC; attrs: what (data|model|report: a stage's reports, plots and metrics files), remote=yes|no.",
    "k8s.gitops-sync" => "A GitOps controller object (Argo CD Application/ApplicationSet, Flux Kustomization/HelmRelease) keeping a folder of the repository applied to a cluster; attrs: path, automated, controller. The linker makes a pipeline that edits a file there and pushes a run.deploy (mechanism=gitops).",
    "k8s.inference-service" => "A model-serving resource (KServe InferenceService, Seldon deployment) or a Deployment serving a model.",
    "k8s.serves-nothing" => "A Kubernetes manifest file holding only batch or training jobs (Job, CronJob, PyTorchJob, RayJob, ...) and what they use (ConfigMap, Secret, PVC, RBAC): applying it serves nothing; attrs: jobs (yes when it holds a job).",
    "k8s.rollout-setting" => "A rolling update that a model-serving Deployment or StatefulSet chooses (RollingUpdate, maxSurge/maxUnavailable), with no second model.",
    "k8s.traffic-split" => "Traffic split between model versions (Istio weights or a mirrored route, mode=shadow; Argo Rollouts / Flagger canary, KServe canaryTrafficPercent, Seldon traffic). An Istio route, Argo Rollout or Flagger Canary naming no model word counts when a model-serving workload carries one of its hosts' or targets' names (hosts) or sits in its folder.",
    "lineage.data-version" => "Training data version or commit recorded with the model (pinned data asset, model tags, mlflow.log_input); attrs: how.",
    "link.env-promotion" => "Two or more deployment environments defined as code (dev/test/staging/prod); derived by the linker; attrs: environments.",
    "link.pull-based-serving" => "Serving loads the model by a registry alias or stage (models:/m@production) that no pipeline promotes: releasing a model is a manual promotion; derived by the linker.",
    "link.retrain-on-alert" => "A monitoring path that starts the training pipeline when it detects drift or degradation; derived by the linker.",
    "notebook.code" => "A notebook with code cells.",
    "package.model-data" => "A Python packaging manifest (MANIFEST.in, package data) that ships serialized model files.",
    "repo.seed-folder" => "A folder shipped for other projects (its own CI definitions that no CI system reads at that depth, or packaged as an archive): its contents are not this repository's practice; attrs: dir, why.",
    "repo.git-lfs" => "Model files tracked with Git LFS (.gitattributes).",
    "repo.tool-library" => "The repository is the library of an ML tool (a packaged distribution whose own package calls a tool's API or registers a tool plugin, and nothing trains outside its tests): the models, runs and projects its tests make are fixtures, not its practice; attrs: package, why.",
    "repo.model-binary" => "A model binary committed to git (outside LFS/DVC) over the size threshold; attrs: bytes.",
    "run.deploy" => "A command that deploys to a serving target (or, mechanism=gitops, pushes an edit to a folder a GitOps controller applies; synced_by, sync=manual when the controller does not sync on its own); attrs: target, traffic, infra (what it applies serves no model: infrastructure stacks, manifests of batch jobs only), source (the folder a function is deployed from), serves=none when nothing in that folder serves or loads a model (linker).",
    "run.invoke-endpoint" => "A command that calls a deployed model endpoint (smoke test); attrs: host=local when the URL is this machine (`localhost`, `127.0.0.1`: a server started on the CI runner, not a deployment).",
    "run.notebook" => "A command that executes a notebook headless.",
    "run.publish" => "A command that publishes a release artifact; attrs: what, dir (the folder a python-package is built in, when not the root), carries=model when the package ships model files (linker).",
    "run.submit-job" => "A command that submits a job or pipeline file to an ML platform; attrs: platform, file.",
    "run.tests" => "A command that runs a test runner; attrs: runner, model_arg when an option hands the tests the model to test (`--run-id`, `--model-path`, `--checkpoint`), after_training=yes when that run trained first, in_release=yes when a job that deploys or publishes the model runs it or waits for it (linker).",
    "run.traffic-split" => "A command that splits traffic between two or more model deployments.",
    "run.open-pull-request" => "A CI step that opens a pull or merge request (gh pr create, a create-pull-request action), which starts the pull-request builds; attrs: base.",
    "run.trigger-pipeline" => "A command that starts another pipeline or workflow (gh workflow run, dispatch).",
    "test.case" => "A test file holding test cases a runner collects; attrs: framework, count.",
    "test.covers" => "A test exercises repository code; attrs: area (training|scoring|model|data|app), module. Derived by the linker from test imports.",
    "test.imports" => "A test file imports a module; attrs: module.",
}

/// True when `name` is a declared kind.
pub fn is_declared(name: &str) -> bool {
    KINDS.iter().any(|k| k.name == name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn kinds_are_sorted_and_unique() {
        let names: Vec<_> = super::KINDS.iter().map(|k| k.name).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names.len(), sorted.len(), "duplicate kind");
    }
}
