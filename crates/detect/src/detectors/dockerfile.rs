//! Dockerfiles: whether the image serves a model (its `CMD`/`ENTRYPOINT`
//! starts a model server or an API app).
//!
//! Emits `docker.image` with `serves=yes|no`, and `role=environment` for an
//! environment image: one that runs nothing by itself (no `CMD` or
//! `ENTRYPOINT` in its last stage) and takes from the build context only
//! dependency manifests (`requirements*.txt`, `setup.cfg`, `pyproject.toml`,
//! `environment.yml`, lock files): a CI or tooling image that carries
//! neither the application nor a model. Comment lines are not evidence.
//! Example: `CMD ["uvicorn", "app.main:app"]` -> serves=yes.

use crate::evidence::{Confidence, Evidence, Location};
use crate::{Detector, FileCtx, Output};

/// The Dockerfile detector.
pub struct Dockerfile;

const NAME: &str = "dockerfile";
const SERVERS: &[&str] = &[
    "uvicorn",
    "gunicorn",
    "flask",
    "bentoml",
    "torchserve",
    "tritonserver",
    "mlflow models serve",
    "seldon",
    "kserve",
    "serve",
    "predict",
    "score",
    "infer",
    "app.py",
    "main:app",
    "streamlit",
    "fastapi",
    "waitress",
    "hypercorn",
];

impl Detector for Dockerfile {
    fn name(&self) -> &'static str {
        NAME
    }
    fn applies(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        name == "Dockerfile"
            || name.starts_with("Dockerfile.")
            || name.ends_with(".Dockerfile")
            || name.ends_with(".dockerfile")
            || name == "Containerfile"
    }
    fn detect(&self, f: &FileCtx<'_>, out: &mut Output) {
        let mut serves = None;
        let mut from_line = None;
        // Whether everything copied from the build context is a dependency manifest.
        let mut manifests_only = true;
        // What the image runs: the last stage's ENTRYPOINT followed by its CMD.
        let (mut entry, mut cmd): (Option<Instruction>, Option<Instruction>) = (None, None);
        // The last stage's copies from the build context, and the program
        // the SageMaker training toolkit runs (`ENV SAGEMAKER_PROGRAM`).
        let mut copies: Vec<(u32, String)> = Vec::new();
        let mut program: Option<String> = None;
        // Every stage's `RUN` lines: what building the image runs.
        let mut runs: Vec<(u32, String)> = Vec::new();
        for (line, t) in instructions(f.text) {
            let Some((keyword, args)) = split_instruction(&t) else { continue };
            match keyword.as_str() {
                "FROM" => {
                    from_line.get_or_insert(line);
                    (entry, cmd) = (None, None);
                    copies.clear();
                }
                "ENV" if args.contains("SAGEMAKER_PROGRAM") => {
                    program = args
                        .split(|c: char| c.is_whitespace() || c == '=')
                        .skip_while(|w| *w != "SAGEMAKER_PROGRAM")
                        .find(|w| !w.is_empty() && *w != "SAGEMAKER_PROGRAM")
                        .map(|w| w.trim_matches('"').to_string());
                }
                "CMD" | "ENTRYPOINT" => {
                    let lower = t.to_ascii_lowercase();
                    if SERVERS.iter().any(|s| lower.contains(s)) {
                        serves = Some((line, t.clone()));
                    }
                    let slot = if keyword == "CMD" { &mut cmd } else { &mut entry };
                    *slot = Some((line, instruction_argv(args)));
                }
                "RUN" => {
                    // Build flags first (`RUN --mount=type=cache,target=/root/.cache pip ...`).
                    let mut rest = args.trim_start();
                    while let Some(flagged) = rest.strip_prefix("--") {
                        rest = flagged.split_once(char::is_whitespace).map(|(_, r)| r.trim_start()).unwrap_or("");
                    }
                    if !rest.is_empty() {
                        runs.push((line, rest.to_string()));
                    }
                }
                "COPY" | "ADD" => {
                    manifests_only &= copies_only_manifests(args);
                    copies.push((line, args.to_string()));
                }
                _ => {}
            }
        }
        let Some(from) = from_line else { return };
        let (line, snippet, s) = match serves {
            Some((l, t)) => (l, t, "yes"),
            None => (from, f.text.lines().nth(from as usize - 1).unwrap_or("").to_string(), "no"),
        };
        let mut image = Evidence::new("docker.image", NAME, Location::line(f.path, line), Confidence::Medium, &snippet).attr("serves", s);
        if manifests_only && entry.is_none() && cmd.is_none() {
            image = image.attr("role", "environment");
        }
        out.push(image);
        // The unit a `docker run` of this image calls.
        let dir = f.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let mut unit = crate::Unit::new(format!("docker:{}", f.path), Location::line(f.path, from), f.path);
        let line = entry.as_ref().or(cmd.as_ref()).map(|(l, _)| *l);
        let argv: Vec<String> = entry.into_iter().chain(cmd).flat_map(|(_, a)| a).collect();
        if let (Some(line), false) = (line, argv.is_empty()) {
            super::add_argv(&mut unit, out, NAME, f.path, argv, line, dir);
        } else if let Some((line, file)) = sagemaker_program(f, dir, &copies, program.as_deref()) {
            unit.calls.push((format!("file:{file}"), Location::line(f.path, line)));
        }
        out.units.push(unit);
        // The unit a `docker build` of this file calls: its `RUN` lines, on
        // the build context (taken to be the Dockerfile's folder).
        if !runs.is_empty() {
            let mut build = crate::Unit::new(format!("docker-build:{}", f.path), Location::line(f.path, from), f.path);
            for (line, args) in runs {
                super::add_argv(&mut build, out, NAME, f.path, instruction_argv(&args), line, dir);
            }
            if !build.commands.is_empty() {
                out.units.push(build);
            }
        }
    }
}

/// The program a SageMaker training job runs in an image that names no
/// command: the file `ENV SAGEMAKER_PROGRAM` names (the training toolkit),
/// else an executable named `train` (SageMaker starts the container as
/// `docker run IMAGE train`), copied from the build context (taken to be the
/// Dockerfile's folder) as itself or inside a copied folder. Its copy line
/// and repository path.
fn sagemaker_program(f: &FileCtx<'_>, dir: &str, copies: &[(u32, String)], program: Option<&str>) -> Option<(u32, String)> {
    let name = program.unwrap_or("train");
    let named = |src: &str| src.trim_end_matches('/').rsplit('/').next() == Some(name);
    // Only copies that may hold the program ask for the repository's paths.
    let candidates: Vec<(u32, Vec<&str>)> = copies
        .iter()
        .filter(|(_, a)| !a.contains("--from"))
        .filter_map(|(l, a)| {
            let words: Vec<&str> = a.split_whitespace().filter(|w| !w.starts_with("--")).collect();
            let (_, sources) = words.split_last()?;
            Some((*l, sources.to_vec()))
        })
        .filter(|(_, srcs)| program.is_some() || srcs.iter().any(|s| named(s) || !s.contains('.')))
        .collect();
    if candidates.is_empty() || crate::early_needs_index() {
        return None;
    }
    candidates.iter().find_map(|(l, srcs)| {
        srcs.iter().find_map(|src| {
            let base = crate::paths::join(dir, src.trim_start_matches("./").trim_end_matches('/'));
            [base.clone(), format!("{base}/{name}")].into_iter().find(|p| f.repo.paths.contains(p) && named(p)).map(|p| (*l, p))
        })
    })
}

/// Instructions with their first line: `\` continuations joined, comment
/// lines (`# ...`) dropped, as Docker reads them.
fn instructions(text: &str) -> Vec<(u32, String)> {
    let mut out: Vec<(u32, String)> = Vec::new();
    let mut open = false;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim();
        if t.starts_with('#') || (t.is_empty() && !open) {
            continue;
        }
        let (body, continues) = match t.strip_suffix('\\') {
            Some(b) => (b.trim_end(), true),
            None => (t, false),
        };
        match out.last_mut() {
            Some((_, prev)) if open => {
                prev.push(' ');
                prev.push_str(body);
            }
            _ => out.push((i as u32 + 1, body.to_string())),
        }
        open = continues;
    }
    out
}

/// An instruction's keyword (upper case) and its arguments.
fn split_instruction(t: &str) -> Option<(String, &str)> {
    let end = t.find(|c: char| c.is_whitespace() || c == '[').unwrap_or(t.len());
    (end > 0).then(|| (t[..end].to_ascii_uppercase(), &t[end..]))
}

/// True when a `COPY`/`ADD` takes from the build context only dependency
/// manifests (requirement lists, package metadata, environment and lock
/// files). Copies from another stage or image (`--from=`) and downloads
/// (`ADD https://...`) bring nothing of the repository's own.
fn copies_only_manifests(args: &str) -> bool {
    let args = args.trim();
    let words: Vec<String> = if args.starts_with('[') {
        serde_json::from_str::<Vec<String>>(args).unwrap_or_default()
    } else {
        args.split_whitespace().map(str::to_string).collect()
    };
    if words.iter().any(|w| w.starts_with("--from")) {
        return true;
    }
    let operands: Vec<&String> = words.iter().filter(|w| !w.starts_with("--")).collect();
    let Some((_, sources)) = operands.split_last() else { return true };
    !sources.is_empty() && sources.iter().all(|src| src.contains("://") || is_dependency_manifest(src))
}

/// A file that lists or locks dependencies, by name.
fn is_dependency_manifest(path: &str) -> bool {
    let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem_ext = |stem: &str, exts: &[&str]| name.starts_with(stem) && exts.iter().any(|e| name.ends_with(e));
    matches!(
        name.as_str(),
        "setup.cfg"
            | "setup.py"
            | "pyproject.toml"
            | "poetry.lock"
            | "pipfile"
            | "pipfile.lock"
            | "uv.lock"
            | "pdm.lock"
            | "conda-lock.yml"
    ) || stem_ext("requirements", &[".txt", ".in"])
        || stem_ext("environment", &[".yml", ".yaml"])
        || stem_ext("conda", &[".yml", ".yaml"])
        || path.contains("requirements/") && name.ends_with(".txt")
}

/// An `ENTRYPOINT` or `CMD`: its line and arguments.
type Instruction = (u32, Vec<String>);

/// Arguments of an `ENTRYPOINT`/`CMD`: the exec form (a JSON array) or the
/// shell form (run by `sh -c`).
fn instruction_argv(v: &str) -> Vec<String> {
    let v = v.trim();
    if v.starts_with('[') {
        return serde_json::from_str::<Vec<String>>(v).unwrap_or_default();
    }
    vec!["sh".into(), "-c".into(), v.to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RepoIndex;

    #[test]
    fn serving_images() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Dockerfile.detect(
            &FileCtx {
                path: "Dockerfile",
                text: "FROM python:3.11\n# CMD [\"uvicorn\"]\nCMD [\"uvicorn\", \"app.main:app\"]\n",
                repo: &repo,
            },
            &mut out,
        );
        assert_eq!(out.evidence[0].0.attrs["serves"], *"yes");
        assert_eq!(out.evidence[0].0.location.start_line, 3);
        let mut out = Output::default();
        Dockerfile.detect(
            &FileCtx { path: "Dockerfile", text: "FROM python:3.11\n# CMD [\"uvicorn\"]\nCMD [\"python\", \"worker.py\"]\n", repo: &repo },
            &mut out,
        );
        assert_eq!(out.evidence[0].0.attrs["serves"], *"no");
    }

    fn role(text: &str) -> Option<String> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Dockerfile.detect(&FileCtx { path: "ci/Dockerfile", text, repo: &repo }, &mut out);
        out.evidence[0].0.attrs.get("role").map(str::to_string)
    }

    #[test]
    fn an_image_of_dependencies_only_is_an_environment() {
        let env = "FROM python:3.11\nRUN apt-get update\nCOPY requirements.txt requirements-dev.txt /deps/\nCOPY [\"pyproject.toml\", \"/deps/\"]\nRUN pip install -r /deps/requirements.txt\n";
        assert_eq!(role(env).as_deref(), Some("environment"));
        // The application's code copied in, or a command it runs: a release image.
        assert_eq!(role(&format!("{env}COPY src/ /app/src/\n")), None);
        assert_eq!(role(&format!("{env}COPY . /app\n")), None);
        assert_eq!(role(&format!("{env}CMD [\"python\", \"-m\", \"svc\"]\n")), None);
        // A commented-out copy of the code changes nothing.
        assert_eq!(role(&format!("{env}# COPY . /app\n")).as_deref(), Some("environment"));
    }

    fn image_commands(path: &str, text: &str) -> Vec<(String, String)> {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        Dockerfile.detect(&FileCtx { path, text, repo: &repo }, &mut out);
        let u = out.units.iter().find(|u| u.id == format!("docker:{path}")).expect("image unit");
        u.commands.iter().map(|c| (c.argv.join(" "), c.workdir.clone())).collect()
    }

    #[test]
    fn an_image_naming_no_command_runs_its_sagemaker_program() {
        let calls = |path: &str, text: &str, files: &[&str]| -> Vec<String> {
            let repo = RepoIndex { paths: files.iter().map(|p| p.to_string()).collect(), ..RepoIndex::default() };
            let mut out = Output::default();
            Dockerfile.detect(&FileCtx { path, text, repo: &repo }, &mut out);
            let u = out.units.iter().find(|u| u.id == format!("docker:{path}")).expect("image unit");
            u.calls.iter().map(|c| c.0.clone()).collect()
        };
        let byo = "FROM python:3.11\nENV PATH=/opt/program:$PATH\nCOPY churn /opt/program\nWORKDIR /opt/program\n";
        let files = ["sm/Dockerfile", "sm/churn/train", "sm/churn/serve"];
        // `train` inside a copied folder, or copied itself.
        assert_eq!(calls("sm/Dockerfile", byo, &files), ["file:sm/churn/train"]);
        let single = "FROM python:3.11\nCOPY churn/train /opt/program/train\n";
        assert_eq!(calls("sm/Dockerfile", single, &files), ["file:sm/churn/train"]);
        // The training toolkit's program.
        let toolkit = "FROM python:3.11\nCOPY fit.py /opt/ml/code/fit.py\nENV SAGEMAKER_PROGRAM fit.py\n";
        assert_eq!(calls("img/Dockerfile", toolkit, &["img/Dockerfile", "img/fit.py"]), ["file:img/fit.py"]);
        // An image with a command runs that; a folder without `train`, or a
        // `train` copied from another stage, is nothing to run.
        assert!(calls("sm/Dockerfile", &format!("{byo}CMD [\"serve\"]\n"), &files).iter().all(|c| !c.ends_with("/train")));
        assert!(calls("sm/Dockerfile", byo, &["sm/Dockerfile", "sm/churn/serve"]).is_empty());
        assert!(calls("sm/Dockerfile", "FROM a AS b\nFROM c\nCOPY --from=b /src/train /opt/program/train\n", &files).is_empty());
    }

    #[test]
    fn what_the_image_runs() {
        // ENTRYPOINT then CMD; only the last stage counts; commented lines never.
        let text = "FROM python:3.11 AS build\nCMD [\"python\", \"build.py\"]\nFROM python:3.11-slim\n# ENTRYPOINT [\"python\", \"old.py\"]\nENTRYPOINT [\"python\", \"src/train.py\"]\nCMD [\"--epochs\", \"3\"]\n";
        assert_eq!(image_commands("ml/Dockerfile.train", text), vec![("python src/train.py --epochs 3".to_string(), "ml".to_string())]);
        // No space before the array, an array continued over lines, `env bash -c`.
        let text = "FROM python:3.11\nENTRYPOINT[\"python\", \\\n  \"-m\", \\\n  \"jobs.train\"]\n";
        assert_eq!(image_commands("Dockerfile", text), vec![("python -m jobs.train".to_string(), String::new())]);
        let text = "FROM python:3.11\nCMD [\"/usr/bin/env\", \"bash\", \"-c\", \"python train.py\"]\n";
        assert_eq!(image_commands("Dockerfile", text), vec![("python train.py".to_string(), String::new())]);
        // Runners in the exec form, as in the shell form.
        let text = "FROM python:3.12\nENTRYPOINT [\"uv\", \"run\", \"python\", \"fit.py\"]\n";
        assert_eq!(image_commands("trainer/Dockerfile", text), vec![("python fit.py".to_string(), "trainer".to_string())]);
        let text = "FROM python:3.12\nCMD [\"poetry\", \"run\", \"python\", \"-m\", \"jobs.fit\"]\n";
        assert_eq!(image_commands("Dockerfile", text), vec![("python -m jobs.fit".to_string(), String::new())]);
        let text = "FROM python:3.12\nCMD [\"uv\", \"run\", \"--directory\", \"svc\", \"python\", \"serve.py\"]\n";
        assert_eq!(image_commands("Dockerfile", text), vec![("python serve.py".to_string(), "svc".to_string())]);
        // The shell form runs through `sh -c`.
        let shell = image_commands("Dockerfile", "FROM python:3.11\nCMD python -m pipeline.train && python -m pipeline.register\n");
        assert_eq!(shell.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(), vec!["python -m pipeline.train", "python -m pipeline.register"]);
        assert!(image_commands("Dockerfile", "FROM python:3.11\nRUN pip install x\n").is_empty());
    }

    #[test]
    fn building_the_image_runs_its_run_lines() {
        let repo = RepoIndex::default();
        let mut out = Output::default();
        let text = "FROM python:3.11 AS build\nRUN --mount=type=cache,target=/root/.cache pip install -r requirements.txt\n# RUN python old.py\nRUN python train.py \\\n    --out model.pkl && python check.py\nFROM python:3.11-slim\nRUN [\"python\", \"-m\", \"jobs.warm\"]\nCMD [\"python\", \"serve.py\"]\n";
        Dockerfile.detect(&FileCtx { path: "svc/Dockerfile", text, repo: &repo }, &mut out);
        let u = out.units.iter().find(|u| u.id == "docker-build:svc/Dockerfile").expect("build unit");
        let argvs: Vec<String> = u.commands.iter().map(|c| c.argv.join(" ")).collect();
        assert_eq!(argvs, ["pip install -r requirements.txt", "python train.py --out model.pkl", "python check.py", "python -m jobs.warm"]);
        assert!(u.commands.iter().all(|c| c.workdir == "svc"));
        assert!(!u.root, "only a build starts it");
        // The image's own unit still runs only its CMD.
        assert_eq!(image_commands("svc/Dockerfile", text), [("python serve.py".to_string(), "svc".to_string())]);
        // An image that runs nothing at build time has no build unit.
        let mut out = Output::default();
        Dockerfile.detect(
            &FileCtx { path: "Dockerfile", text: "FROM python:3.11\nCOPY . .\nCMD [\"python\", \"a.py\"]\n", repo: &repo },
            &mut out,
        );
        assert!(out.units.iter().all(|u| !u.id.starts_with("docker-build:")));
    }

    #[test]
    fn docker_run_of_a_built_tag_calls_the_image() {
        use crate::detectors::add_shell;
        let mut unit = crate::Unit::new("ci:x".into(), Location::line("ci.yml", 1), "x");
        let mut out = Output::default();
        add_shell(&mut unit, &mut out, "t", "ci.yml", "docker build --build-arg A=1 -f docker/Dockerfile.train -t trainer:${SHA} .\ndocker run --rm -e X=1 trainer:${SHA} --epochs 2\ndocker run --rm other/image:1\n", 3, "");
        assert_eq!(
            unit.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["docker-build:docker/Dockerfile.train", "docker:docker/Dockerfile.train"]
        );
        // The default Dockerfile of the context, relative to the workdir.
        let mut unit = crate::Unit::new("ci:y".into(), Location::line("ci.yml", 1), "y");
        add_shell(&mut unit, &mut out, "t", "ci.yml", "docker build -t svc services/api\ndocker run svc\n", 3, "deploy");
        assert_eq!(
            unit.calls.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
            vec!["docker-build:deploy/services/api/Dockerfile", "docker:deploy/services/api/Dockerfile"]
        );
        // A context named at run time builds nothing known.
        let mut unit = crate::Unit::new("ci:z".into(), Location::line("ci.yml", 1), "z");
        add_shell(&mut unit, &mut out, "t", "ci.yml", "docker build -t svc $CTX\n", 3, "");
        assert!(unit.calls.is_empty());
    }
}
