"""CDK assertion tests of the generated constructs' API (issue 12 part 1, CDK-API.md): the
props that make a construct composable (generatedNames, sessionKey/logBucket/logGroup,
outputs, tags), the synth-time error of a stack that contradicts a pinned value, and the
methods (attachTo, grantStartSession), each checked with aws-cdk-lib's own assertions
(`Template`, `Annotations`, `Match`) on one fixed spec.

TypeScript (`check_ts`): tests/conformance/assertions/payments.ts against the construct
of examples/operators-encrypted.yaml, compiled with the suite's tsc (strict) and run with
node. The Python construct's tests (`check_py`) are another module's part.
"""

import json
import shutil

from tooling import HERE, NODE_ENV, TSC, WORK, Failure, must, run, tsconfig

SPEC = "operators-encrypted"  # pins account and Region; two EC2 fleets; operators
TS_TESTS = HERE / "assertions" / "payments.ts"


def check_ts(outs):
    """Compiles and runs the TypeScript assertion tests on the construct of `SPEC` in
    `outs` ({spec name: output folder}, as conformance.py's main builds it). Returns a
    one-line summary; raises Failure with the failed cases' output."""
    constructs = sorted((outs[SPEC] / "cdk-typescript").glob("*.ts"))
    if len(constructs) != 1:
        raise Failure(f"{SPEC}: expected one construct file, found {constructs}")
    proj = WORK / "cdk-assertions-ts"
    if proj.exists():
        shutil.rmtree(proj)
    (proj / "src").mkdir(parents=True)
    shutil.copy(constructs[0], proj / "src" / constructs[0].name)
    shutil.copy(TS_TESTS, proj / "src" / TS_TESTS.name)
    (proj / "tsconfig.json").write_text(json.dumps(
        tsconfig(["src/**/*.ts"], root_dir="src", base_url=".", out_dir="dist"), indent=2))
    must([str(TSC), "--strict", "-p", str(proj)], "tsc (CDK assertion tests)")
    code, out, err = run(["node", str(proj / "dist" / (TS_TESTS.stem + ".js"))], env=NODE_ENV)
    if code != 0:
        raise Failure(f"TypeScript CDK assertion tests failed:\n{(out + err)[-6000:]}")
    cases = [line[5:] for line in out.splitlines() if line.startswith("ok   ")]
    return f"{len(cases)} TypeScript cases passed"
