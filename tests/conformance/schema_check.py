"""The spec's JSON Schema (schema/spec-v1.schema.json, generated from the Rust types that
parse specs) with a real validator, jsonschema from PyPI: every example and fixture
validates; every spec of the error corpus that ssmgen refuses for its shape (an unknown
or missing field, a wrong type or value, a value not allowed) fails it. Specs refused for
their meaning (names, ARNs, Regions) may pass: the schema describes shape only.
"""

import json

import yaml
from jsonschema import Draft202012Validator

from tooling import ROOT, Failure

SHAPE_ERRORS = ("unknown field", "missing required field", "is not an allowed value",
                "wrong type:", "wrong value:", "the spec must be a mapping")


def check():
    schema = json.loads((ROOT / "schema" / "spec-v1.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    problems = []
    valid = sorted((ROOT / "examples").glob("*.yaml"))
    valid += sorted((ROOT / "tests" / "conformance" / "fixtures").glob("*.yaml"))
    for path in valid:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        if errors:
            problems.append(f"{path.name} is valid but fails the schema: {errors[0].message}")
    refused = 0
    for stderr in sorted((ROOT / "tests" / "errors").glob("*.stderr")):
        spec = stderr.with_suffix("")
        if not any(s in stderr.read_text() for s in SHAPE_ERRORS):
            continue
        refused += 1
        doc = yaml.safe_load(spec.read_text())
        if validator.is_valid(doc):
            problems.append(f"{spec.name} has a shape error but passes the schema")
    if problems:
        raise Failure("\n".join(problems))
    return f"{len(valid)} valid specs pass, {refused} shape errors of the corpus fail"
