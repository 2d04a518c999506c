"""Validate every fixture's JSON report against schema/report.schema.json and
its SARIF against the official SARIF 2.1.0 schema, with Python's jsonschema:
a check independent of the Rust test's own validator and of the multitool.

usage: check_schemas.py MLOPS_LEVEL_BINARY SARIF_SCHEMA_JSON
"""
import json
import pathlib
import subprocess
import sys

import jsonschema

binary, sarif_schema_path = sys.argv[1], sys.argv[2]
root = pathlib.Path(__file__).resolve().parent.parent
report_schema = json.loads((root / "schema/report.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(report_schema)
report_v = jsonschema.Draft202012Validator(report_schema)
sarif_schema = json.loads(pathlib.Path(sarif_schema_path).read_text(encoding="utf-8-sig"))
sarif_v = jsonschema.validators.validator_for(sarif_schema)(sarif_schema)

repos = sorted(p for p in (root / "fixtures").glob("*/repo") if p.is_dir())
if not repos:
    sys.exit("no fixtures found")
failures = 0
for repo in repos:
    for fmt, validator in (("json", report_v), ("sarif", sarif_v)):
        out = subprocess.run([binary, "scan", "--format", fmt, str(repo)], capture_output=True, check=True).stdout
        errors = list(validator.iter_errors(json.loads(out)))
        for e in errors[:5]:
            print(f"{repo.parent.name} {fmt}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        failures += len(errors)
print(f"{len(repos)} fixtures: JSON and SARIF validated, {failures} schema error(s)")
sys.exit(1 if failures else 0)
