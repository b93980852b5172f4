"""Agent calls on every target: the canonical IAM model read back from each target's output
(CloudFormation YAML and JSON, Terraform through HashiCorp's parser, both CDK synths) is
judged by the same call model and evaluator as the plan (tests/agent_calls.rs,
src/calls/): every call the SSM Agent makes is allowed, every neighbour denied.

`save` writes one model per spec, partition and target while `same` builds them; `check`
then runs the Rust judge over all of them, and proves it can fail: a copy of one model
with an action removed, an ARN narrowed or a condition dropped must be refused.
"""

import copy
import json
import shutil

from tooling import ROOT, WORK, Failure, run

MODELS = WORK / "models"
TEST = ["cargo", "test", "--locked", "--quiet", "--test", "agent_calls", "--",
        "--ignored", "--exact", "target_outputs_allow_every_call", "--nocapture"]


def reset():
    shutil.rmtree(MODELS, ignore_errors=True)
    MODELS.mkdir(parents=True)


def save(spec, partition, target, pseudo, model):
    doc = {"spec": str(spec.resolve()), "target": target, "pseudo": pseudo, "model": model}
    path = MODELS / f"{spec.stem}--{partition}--{target}.json"
    path.write_text(json.dumps(doc, indent=1, sort_keys=True))


def judge(folder):
    code, out, err = run(TEST, cwd=ROOT, env={"SSMGEN_TARGET_MODELS": str(folder)})
    return code, out + err


def mutations(doc):
    """Three broken copies of a model: an action removed, an ARN narrowed, a condition
    dropped. Each names what it broke."""
    out = []
    policies = doc["model"]["policies"]
    for name, p in sorted(policies.items()):
        for i, st in enumerate(p["statements"]):
            if "kms:Decrypt" in st["actions"] and not out:
                m = copy.deepcopy(doc)
                m["model"]["policies"][name]["statements"][i]["actions"].remove("kms:Decrypt")
                out.append(("removed kms:Decrypt", m))
    for name, p in sorted(policies.items()):
        for i, st in enumerate(p["statements"]):
            # The session log objects (s3:PutObject), which every upload call needs.
            if "s3:PutObject" in st["actions"] and len(out) == 1:
                m = copy.deepcopy(doc)
                res = m["model"]["policies"][name]["statements"][i]["resources"]
                res[0] = res[0][:-1] + "narrowed/*"
                out.append((f"narrowed {st['resources'][0]}", m))
    for name, r in sorted(doc["model"]["roles"].items()):
        for i, st in enumerate(r["trust"]):
            if "aws:SourceAccount" in st["conditions"].get("StringEquals", {}) and len(out) == 2:
                m = copy.deepcopy(doc)
                del m["model"]["roles"][name]["trust"][i]["conditions"]["StringEquals"]
                out.append(("dropped the aws:SourceAccount condition", m))
    return out


def check():
    """Runs the judge on every saved model; returns a one-line summary."""
    code, out = judge(MODELS)
    if code != 0:
        raise Failure(f"the agent call check failed on the targets' policies:\n{out[-6000:]}")
    summary = next((line for line in out.splitlines() if line.startswith("agent calls:")), "")
    # The judge must refuse a broken target: mutate one model three ways.
    pick = sorted(MODELS.glob("all-options--aws--terraform-hashicorp.json"))
    if not pick:
        raise Failure("no all-options Terraform model (HashiCorp's parser) to mutate")
    broken = mutations(json.loads(pick[0].read_text()))
    if len(broken) != 3:
        raise Failure(f"expected 3 mutations of {pick[0].name}, made {len(broken)}")
    for what, doc in broken:
        folder = WORK / "models-broken"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        (folder / pick[0].name).write_text(json.dumps(doc))
        code, out = judge(folder)
        if code == 0:
            raise Failure(f"the agent call check passed a Terraform model that {what}")
    return f"{summary}; refuses a model that " + ", ".join(w for w, _ in broken)
