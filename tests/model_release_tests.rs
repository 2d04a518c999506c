//! Tests handed the freshly trained model (`pytest --run-id=$RUN_ID tests/model`)
//! are tests of each model release when the same run trains first.

use mlops_detect::detectors::model_under_test_option;

fn argv(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

#[test]
fn options_that_hand_the_tests_a_model() {
    assert_eq!(model_under_test_option(&argv("pytest --run-id=$RUN_ID tests/model")).as_deref(), Some("run-id"));
    assert_eq!(model_under_test_option(&argv("pytest --model-path out/m.pkl tests")).as_deref(), Some("model-path"));
    assert_eq!(model_under_test_option(&argv("pytest --checkpoint_path ckpt/ tests")).as_deref(), Some("checkpoint-path"));
    // No value, or options about something else.
    assert_eq!(model_under_test_option(&argv("pytest tests --model-path")), None);
    assert_eq!(model_under_test_option(&argv("pytest --cov=src/model --verbose tests/model")), None);
    assert_eq!(model_under_test_option(&argv("pytest -k model tests")), None);
}

const TESTS: &str = "import joblib\nimport pytest\n\n\ndef pytest_addoption(parser):\n    parser.addoption(\"--model-path\")\n\n\n@pytest.fixture\ndef model(request):\n    return joblib.load(request.config.getoption(\"--model-path\"))\n";
const CASE: &str = "def test_predicts_a_known_class(model):\n    assert model.predict([[1.0, 2.0]])[0] in (0, 1)\n";
const TRAIN: &str = "import joblib\nfrom sklearn.linear_model import LogisticRegression\n\nmodel = LogisticRegression().fit(X, y)\njoblib.dump(model, 'm.pkl')\n";

fn status(workflow: &str, id: &str) -> String {
    let files = [
        (".github/workflows/ci.yml", workflow),
        ("train.py", TRAIN),
        ("tests/model/conftest.py", TESTS),
        ("tests/model/test_model.py", CASE),
    ];
    let scan = mlops_detect::scan_in_memory(&files, &mlops_detect::ScanOptions::default());
    let pack = mlops_rules::load_embedded().unwrap();
    let a = mlops_rules::evaluate(&pack, &scan.evidence, &scan.issues);
    a.criteria.iter().find(|c| c.id == id).unwrap().status.as_str().to_string()
}

#[test]
fn model_tests_after_training_in_the_same_run_test_each_release() {
    let trains_then_tests = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: python train.py\n      - run: pytest --model-path m.pkl tests/model\n";
    assert_eq!(status(trains_then_tests, "L3.test.release"), "met");
    assert_eq!(status(trains_then_tests, "L1.model.integration-test"), "met");
    // The same tests with no training in the run test some model, not each release.
    let tests_only = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: pytest --model-path m.pkl tests/model\n";
    assert_eq!(status(tests_only, "L3.test.release"), "partial");
    // Training first, but tests not handed the model: not a release test.
    let plain = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: python train.py\n      - run: pytest tests/model\n";
    assert_eq!(status(plain, "L3.test.release"), "missing");
    // A commented-out step is not evidence.
    let commented = "on: push\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: python train.py\n      # - run: pytest --model-path m.pkl tests/model\n";
    assert_eq!(status(commented, "L3.test.release"), "missing");
}

/// A test job the deploying job waits for gates the release on tests, though
/// not on tests of the model: partial. Without the wait it gates nothing.
#[test]
fn tests_the_release_waits_for_are_partial() {
    let status = |workflow: &str| {
        let files = [(".github/workflows/ci.yml", workflow), ("tests/test_x.py", "def test_x():\n    assert 1 + 1 == 2\n")];
        let scan = mlops_detect::scan_in_memory(&files, &mlops_detect::ScanOptions::default());
        let pack = mlops_rules::load_embedded().unwrap();
        let a = mlops_rules::evaluate(&pack, &scan.evidence, &scan.issues);
        a.criteria.iter().find(|c| c.id == "L3.test.release").unwrap().status.as_str().to_string()
    };
    let waits = "on: push\njobs:\n  test:\n    runs-on: x\n    steps:\n      - run: pytest tests\n  ship:\n    needs: test\n    runs-on: x\n    steps:\n      - run: gcloud run deploy scorer --source .\n";
    assert_eq!(status(waits), "partial");
    let apart = "on: push\njobs:\n  test:\n    runs-on: x\n    steps:\n      - run: pytest tests\n  ship:\n    runs-on: x\n    steps:\n      - run: gcloud run deploy scorer --source .\n";
    assert_eq!(status(apart), "missing");
}
