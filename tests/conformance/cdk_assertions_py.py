"""CDK assertion tests of the generated Python construct's API (issue 12 part 1,
CDK-API.md), the Python counterpart of cdk_assertions.check_ts: the arguments that make
the construct composable (generated_names, session_key/log_bucket/log_group, outputs,
tags), the synth-time error of a stack that contradicts a pinned value, and the methods
(attach_to, grant_start_session), each checked with aws-cdk-lib's own assertions
(`Template`, `Annotations`, `Match`) on one fixed spec.

tests/conformance/assertions/payments.py holds the seven cases (plain Python, no pytest);
`check` runs them with the suite's venv against the construct of
examples/operators-encrypted.yaml.
"""

import shutil

from tooling import HERE, VENV_BIN, WORK, Failure, run

SPEC = "operators-encrypted"  # pins account and Region; two EC2 fleets; operators
PY_TESTS = HERE / "assertions" / "payments.py"
# jsii warns on every start about the Node release; the warning is not a failure.
ENV = {
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1",
}


def check(outs):
    """Runs the Python assertion tests on the construct of `SPEC` in `outs` ({spec name:
    output folder}, as conformance.py's main builds it). Returns a one-line summary;
    raises Failure with the failed cases' output."""
    constructs = sorted((outs[SPEC] / "cdk-python").glob("*_ssm_access.py"))
    if len(constructs) != 1:
        raise Failure(f"{SPEC}: expected one construct module, found {constructs}")
    proj = WORK / "cdk-assertions-py"
    if proj.exists():
        shutil.rmtree(proj)
    proj.mkdir(parents=True)
    shutil.copy(constructs[0], proj / constructs[0].name)
    shutil.copy(PY_TESTS, proj / PY_TESTS.name)
    code, out, err = run([str(VENV_BIN / "python"), PY_TESTS.name], cwd=proj, env=ENV)
    if code != 0:
        raise Failure(f"Python CDK assertion tests failed:\n{(out + err)[-6000:]}")
    cases = [line[5:] for line in out.splitlines() if line.startswith("ok   ")]
    if len(cases) != 7:
        raise Failure(f"Python CDK assertion tests: {len(cases)} of 7 cases ran:\n{out[-3000:]}")
    return f"{len(cases)} Python cases passed"
