"""The generated CDK constructs' props, exercised in real aws-cdk-lib apps (TypeScript, from
the project check_cdk_ts_all compiled, and Python): a `tags` prop key that differs from a
spec tag key only in case fails synth (IAM role tag keys are case-insensitive, so one
would silently replace the other); a distinct key synthesizes; and a prop tag with a
spec tag's own key overrides it on every resource that carries it (the prop documents
"over the spec's own tags").
"""

import json

from tooling import NODE_ENV, VENV_BIN, WORK, Failure, find_class, run

SPEC = "session-only-ec2"  # its roles carry the spec tags `env` and `team`

TS_CASE = """
const cdk = require('aws-cdk-lib');
const mod = require(process.argv[2]);
const cls = mod[process.argv[3]];
for (const [tags, ok] of [[{stage: 'prod'}, true], [{team: 'override'}, true], [{Team: 'x'}, false], [{a: '1', A: '2'}, false]]) {
  const app = new cdk.App();
  const stack = new cdk.Stack(app, 'S');
  let error = null;
  let template = null;
  try {
    new cls(stack, 'SsmAccess', { tags });
    template = app.synth().getStackByName('S').template;
  } catch (e) { error = String(e); }
  if (ok !== (error === null) || (error && !error.includes('only in case'))) {
    console.log(JSON.stringify({tags, error}));
    process.exit(1);
  }
  if (template) {
    for (const [id, r] of Object.entries(template.Resources)) {
      for (const t of (r.Properties || {}).Tags || []) {
        if (t.Key in tags && t.Value !== tags[t.Key]) {
          console.log(JSON.stringify({tags, resource: id, tag: t}));
          process.exit(1);
        }
      }
    }
  }
}
"""

PY_CASE = """
import importlib.util, json, sys
import aws_cdk as cdk
spec = importlib.util.spec_from_file_location("construct", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
for tags, ok in [({"stage": "prod"}, True), ({"team": "override"}, True), ({"Team": "x"}, False),
                 ({"a": "1", "A": "2"}, False)]:
    app = cdk.App()
    stack = cdk.Stack(app, "S")
    error = None
    template = None
    try:
        getattr(mod, sys.argv[2])(stack, "SsmAccess", tags=tags)
        template = app.synth().get_stack_by_name("S").template
    except Exception as e:
        error = str(e)
    if ok != (error is None) or (error and "only in case" not in error):
        print(json.dumps({"tags": tags, "error": error}))
        sys.exit(1)
    for rid, r in (template or {}).get("Resources", {}).items():
        for t in r.get("Properties", {}).get("Tags", []):
            if t["Key"] in tags and t["Value"] != tags[t["Key"]]:
                print(json.dumps({"tags": tags, "resource": rid, "tag": t}))
                sys.exit(1)
"""


def check(outs):
    out = outs[SPEC]
    ts_file = next((out / "cdk-typescript").glob("*.ts"))
    ts_js = WORK / "ts" / "dist" / SPEC / (ts_file.stem + ".js")
    script = WORK / "tag-case.js"
    script.write_text(TS_CASE)
    cls = find_class(ts_file.read_text(), "export class ")
    code, o, e = run(["node", str(script), str(ts_js), cls], env=NODE_ENV)
    if code != 0:
        raise Failure(f"TypeScript construct, tags prop case check:\n{(o + e)[-3000:]}")
    py_file = next((out / "cdk-python").glob("*.py"))
    script = WORK / "tag_case.py"
    script.write_text(PY_CASE)
    cls = find_class(py_file.read_text(), "class ")
    code, o, e = run([str(VENV_BIN / "python"), str(script), str(py_file), cls],
                     env={"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1"})
    if code != 0:
        raise Failure(f"Python construct, tags prop case check:\n{(o + e)[-3000:]}")
    return json.dumps({"refused": ["Team (spec has team)", "a and A"], "accepted": ["stage"],
                       "overrides": ["team"]})
