"""Validate every fixture's JSON report against schema/report.schema.json and
its SARIF against the official SARIF 2.1.0 schema, with Python's jsonschema:
a check independent of the Rust test's own validator and of the multitool.

usage: check_schemas.py MLOPS_LEVEL_BINARY SARIF_SCHEMA_JSON
"""
import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys
import tempfile

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


def check(repo):
    """Scan once, writing both reports; return (schema error count, lines)."""
    with tempfile.TemporaryDirectory() as d:
        outs = {fmt: os.path.join(d, "r." + fmt) for fmt in ("json", "sarif")}
        args = [a for fmt, path in outs.items() for a in ("-o", f"{fmt}={path}")]
        subprocess.run([binary, "scan", *args, str(repo)], capture_output=True, check=True)
        count, lines = 0, []
        for fmt, validator in (("json", report_v), ("sarif", sarif_v)):
            errors = list(validator.iter_errors(json.loads(pathlib.Path(outs[fmt]).read_text())))
            lines += [f"{repo.parent.name} {fmt}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
            count += len(errors)
        return count, lines


failures = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
    for count, lines in pool.map(check, repos):
        failures += count
        for line in lines:
            print(line)
print(f"{len(repos)} fixtures: JSON and SARIF validated, {failures} schema error(s)")
sys.exit(1 if failures else 0)
