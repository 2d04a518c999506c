use super::*;
use mlops_detect::{Confidence, Evidence, Location};

fn ev(kind: &str, attrs: &[(&str, &str)]) -> Evidence {
    let mut e = Evidence::new(kind, "test", Location::line("x.py", 1), Confidence::High, "x");
    for (k, v) in attrs {
        e.attrs.insert(k, v);
    }
    e
}

fn status(a: &Assessment, id: &str) -> Status {
    a.criteria.iter().find(|c| c.id == id).unwrap().status
}

#[test]
fn embedded_pack_has_every_rubric_criterion() {
    let p = load_embedded().expect("embedded pack is valid");
    let levels: Vec<usize> = (1..=4).map(|l| p.criteria.iter().filter(|c| c.level == l).count()).collect();
    assert_eq!(levels, vec![6, 6, 6, 4]);
    assert_eq!(p.criteria.iter().filter(|c| c.kind == CriterionKind::Required).count(), 10);
    assert_eq!(p.criterion("P.collaboration").unwrap().kind, CriterionKind::NotAssessed);
    assert!(p.advice.len() >= 5);
}

#[test]
fn validation_lists_every_problem() {
    let bad = "criteria:\n  - id: L1.build.automated\n    level: 1\n    kind: required\n    title: t\n    summary: s\n    remediation: r\n    colour: blue\n    met:\n      evidence: {kind: no.such.kind}\n  - id: L1.build.automated\n    level: 1\n    kind: required\n    title: t\n    summary: s\n    remediation: r\n    met:\n      evidence: {kind: ci.trigger}\n  - id: bad_id\n    level: 7\n    title: t\n    summary: s\n    remediation: r\n    met:\n      sometimes: {}\n";
    let err = load_sources(vec![("rules/x.yaml".into(), bad.into())]).unwrap_err();
    let all = err.0.join("\n");
    assert!(all.contains("rules/x.yaml:8: unknown field `colour`"), "{all}");
    assert!(all.contains("unknown evidence kind `no.such.kind`"), "{all}");
    assert!(all.contains("duplicate id `L1.build.automated`"), "{all}");
    assert!(all.contains("criterion id `bad_id`"), "{all}");
    assert!(all.contains("`level` must be an integer 0-4"), "{all}");
    assert!(all.contains("unknown condition `sometimes`"), "{all}");
    assert!(err.0.len() >= 6, "{all}");
}

#[test]
fn invalid_yaml_is_reported_with_its_file() {
    let err = load_sources(vec![("r.yaml".into(), "criteria: [\n".into())]).unwrap_err();
    assert!(err.0[0].starts_with("r.yaml:"), "{:?}", err.0);
}

#[test]
fn levels_are_cumulative_and_capped() {
    let p = load_embedded().unwrap();
    // Level 2 evidence and a registry, but no tests in CI.
    let evidence = vec![
        ev("ci.trigger", &[("trigger", "push")]),
        ev("code.train", &[("triggers", "push"), ("reached", "yes")]),
        ev("code.track", &[("with_training", "yes")]),
        ev("code.model-version", &[("with_training", "yes")]),
    ];
    let a = evaluate(&p, &evidence, &[]);
    assert_eq!(a.level, 0);
    assert_eq!(status(&a, "L1.build.automated"), Status::Met);
    assert_eq!(status(&a, "L1.test.app-unit"), Status::Missing);
    assert_eq!(a.capped_by, vec!["L1.test.app-unit".to_string()]);
    assert_eq!(a.level_if_uncapped, 2);
    assert!(a.levels[2].required_met == 3 && !a.levels[2].reached);
    assert_eq!(status(&a, "P.collaboration"), Status::NotAssessed);
}

#[test]
fn partial_never_satisfies_required() {
    let p = load_embedded().unwrap();
    let evidence = vec![ev("ci.trigger", &[("trigger", "manual")]), ev("ci.pipeline", &[]), ev("test.case", &[("triggers", "manual")])];
    let a = evaluate(&p, &evidence, &[]);
    assert_eq!(status(&a, "L1.build.automated"), Status::Partial);
    assert_eq!(status(&a, "L1.test.app-unit"), Status::Partial);
    assert_eq!(a.level, 0);
    assert_eq!(a.level_if_uncapped, 1);
}

#[test]
fn attribute_filters() {
    let p = load_embedded().unwrap();
    let a = evaluate(&p, &[ev("code.train", &[("notebook", "true"), ("triggers", "push")])], &[]);
    assert_eq!(status(&a, "L2.train.automated"), Status::Partial);
    assert_eq!(status(&a, "L2.training-code.versioned"), Status::Partial);
    assert!(a.findings.iter().any(|f| f.rule == "A.notebook-only-training"));
    let a = evaluate(&p, &[ev("code.train", &[("triggers", "push,schedule")])], &[]);
    assert_eq!(status(&a, "L2.train.automated"), Status::Met);
    assert!(a.findings.iter().all(|f| f.rule != "A.notebook-only-training"));
}

#[test]
fn partial_criteria_say_what_falls_short() {
    let p = load_embedded().unwrap();
    let a = evaluate(&p, &[ev("code.train", &[("notebook", "true")])], &[]);
    assert_eq!(a.criteria.iter().find(|c| c.id == "L2.train.automated").unwrap().why.as_deref(), Some("found only in notebooks"));
    let a = evaluate(&p, &[ev("code.train", &[("reached", "yes"), ("triggers", "manual")])], &[]);
    assert_eq!(a.criteria.iter().find(|c| c.id == "L2.train.automated").unwrap().why.as_deref(), Some("only a person starts it"));
    let a = evaluate(&p, &[ev("code.train", &[("reached", "yes"), ("triggers", "manual,schedule")])], &[]);
    assert_eq!(status(&a, "L2.train.automated"), Status::Met);
    assert_eq!(
        a.criteria.iter().find(|c| c.id == "L4.retrain.triggered").unwrap().why.as_deref(),
        Some("training runs on a schedule, not on production metrics")
    );
    // A pipeline an event handler starts is automatic retraining, but not on metrics.
    let a = evaluate(&p, &[ev("code.pipeline-trigger", &[("on", "event")])], &[]);
    assert_eq!(status(&a, "L4.retrain.triggered"), Status::Partial);
    assert_eq!(
        a.criteria.iter().find(|c| c.id == "L4.retrain.triggered").unwrap().why.as_deref(),
        Some("an event (new data, a message) starts the pipeline, not production metrics")
    );
    let a = evaluate(&p, &[ev("code.pipeline-trigger", &[])], &[]);
    assert_eq!(status(&a, "L4.retrain.triggered"), Status::Missing);
    // Predictions on stdout are partial; shipped to a log store they are met, and monitor the model.
    let a = evaluate(&p, &[ev("code.prediction-log", &[("sink", "local")])], &[]);
    assert_eq!(status(&a, "L4.metrics.post-deploy"), Status::Partial);
    assert_eq!(status(&a, "L4.monitor.model"), Status::Missing);
    let a = evaluate(&p, &[ev("code.prediction-log", &[("sink", "shipper")])], &[]);
    assert_eq!(status(&a, "L4.metrics.post-deploy"), Status::Met);
    assert_eq!(status(&a, "L4.monitor.model"), Status::Met);
    let a = evaluate(&p, &[ev("code.prediction-log", &[("notebook", "true")])], &[]);
    assert_eq!(status(&a, "L4.metrics.post-deploy"), Status::Partial);
    let a = evaluate(&p, &[ev("code.train", &[])], &[]);
    assert_eq!(
        a.criteria.iter().find(|c| c.id == "L2.train.automated").unwrap().why.as_deref(),
        Some("no launcher found: no CI job, schedule or script that mlops-level follows reaches it")
    );
    assert!(a.criteria.iter().find(|c| c.id == "L2.training-code.versioned").unwrap().why.is_none(), "met criteria carry no reason");
    // Training whose program CI launches only with another action.
    let a = evaluate(&p, &[ev("code.train", &[("launched_action", "eval")])], &[]);
    assert_eq!(status(&a, "L2.train.automated"), Status::Partial);
    assert_eq!(
        a.criteria.iter().find(|c| c.id == "L2.train.automated").unwrap().why.as_deref(),
        Some("its program is launched only with another action than training (`eval`)")
    );
    // A canary manifest among examples that nothing applies.
    let a = evaluate(&p, &[ev("k8s.traffic-split", &[("example", "yes")])], &[]);
    assert_eq!(status(&a, "L3.deploy.ab-testing"), Status::Partial);
    assert_eq!(
        a.criteria.iter().find(|c| c.id == "L3.deploy.ab-testing").unwrap().why.as_deref(),
        Some("the traffic split is an example manifest (an examples, samples or demo folder) that nothing the repository runs applies")
    );
    assert_eq!(status(&evaluate(&p, &[ev("k8s.traffic-split", &[])], &[]), "L3.deploy.ab-testing"), Status::Met);
    // Training in a Dagster asset no schedule or sensor selects.
    let a = evaluate(&p, &[ev("code.train", &[("unscheduled_asset", "digit_model")])], &[]);
    assert_eq!(status(&a, "L2.train.automated"), Status::Partial);
    assert_eq!(
        a.criteria.iter().find(|c| c.id == "L2.train.automated").unwrap().why.as_deref(),
        Some("its Dagster asset `digit_model` is in no job a schedule or sensor starts: only a person materializes it")
    );
    // Pull-based serving: the alias decides the release, moved by hand or by a pipeline.
    let why = |attrs: &[(&str, &str)]| {
        let a = evaluate(&p, &[ev("link.pull-based-serving", attrs)], &[]);
        assert_eq!(status(&a, "L3.release.cd"), Status::Partial);
        a.criteria.iter().find(|c| c.id == "L3.release.cd").unwrap().why.clone().unwrap_or_default()
    };
    assert!(why(&[]).contains("by hand"));
    assert!(why(&[("promotion", "automated")]).starts_with("a pipeline moves the registry alias"));
}

#[test]
fn compute_declared_only_in_notebooks_is_partial() {
    let p = load_embedded().unwrap();
    let a = evaluate(&p, &[ev("code.compute", &[("notebook", "true")])], &[]);
    assert_eq!(status(&a, "L2.compute.managed"), Status::Partial);
    assert_eq!(a.criteria.iter().find(|c| c.id == "L2.compute.managed").unwrap().why.as_deref(), Some("found only in notebooks"));
    let a = evaluate(&p, &[ev("code.compute", &[("notebook", "true")]), ev("code.compute", &[])], &[]);
    assert_eq!(status(&a, "L2.compute.managed"), Status::Met);
    let a = evaluate(&p, &[ev("code.compute", &[("in_test", "true")])], &[]);
    assert_eq!(status(&a, "L2.compute.managed"), Status::Missing);
}

#[test]
fn side_branch_pushes_are_not_automated_builds() {
    let p = load_embedded().unwrap();
    let a = evaluate(&p, &[ev("ci.pipeline", &[("triggers", "side-branch")]), ev("ci.trigger", &[("trigger", "side-branch")])], &[]);
    assert_eq!(status(&a, "L1.build.automated"), Status::Partial);
    assert_eq!(
        a.criteria.iter().find(|c| c.id == "L1.build.automated").unwrap().why.as_deref(),
        Some("CI runs only on pushes to topic or personal branches, never on the main line")
    );
}

#[test]
fn a_condition_reads_the_evidence_of_its_kind_in_scan_order() {
    let at = |kind: &str, file: &str, mode: &str| {
        let mut e = Evidence::new(kind, "test", Location::line(file, 1), Confidence::High, "x");
        e.attrs.insert("mode", mode);
        e
    };
    // Kinds interleaved, files out of order: what matches comes back in the
    // order of the scan, not grouped or sorted.
    let evidence = vec![
        at("code.train", "b.py", "x"),
        at("ci.test", "a.yml", "x"),
        at("code.train", "a.py", "y"),
        at("code.deploy", "c.py", "x"),
        at("code.train", "c.py", "x"),
    ];
    let cond = |kind: &str, mode: Option<&str>| {
        Cond::Evidence(EvidenceCond {
            kind: kind.into(),
            attrs: mode.map(|m| [("mode".to_string(), vec![m.to_string()])].into_iter().collect()).unwrap_or_default(),
            not_attrs: Default::default(),
            min_confidence: Confidence::Low,
        })
    };
    let files = |c: &Cond| c.eval_in(&ByKind::new(&evidence)).map(|v| v.iter().map(|e| e.location.path.to_string()).collect::<Vec<_>>());
    assert_eq!(files(&cond("code.train", None)), Some(vec!["b.py".into(), "a.py".into(), "c.py".into()]));
    assert_eq!(files(&cond("code.train", Some("x"))), Some(vec!["b.py".into(), "c.py".into()]));
    assert_eq!(files(&cond("code.monitor", None)), None);
    let any = Cond::Any(vec![cond("code.deploy", None), cond("ci.test", None)]);
    assert_eq!(files(&any), Some(vec!["c.py".into(), "a.yml".into()]));
    // The same answers as a filter over the whole list.
    for c in [cond("code.train", None), cond("code.train", Some("y")), any] {
        assert_eq!(c.eval_in(&ByKind::new(&evidence)), c.eval(&evidence));
    }
}
