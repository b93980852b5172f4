"""The hybrid activations of generated code, in one tool-neutral shape (issue 11).

Terraform writes `aws_ssm_activation`; CloudFormation and the CDK, which have no
activation resource type, write a `Custom::SsmActivation` per activation answered by one
Lambda function (the "provider"), or, with `activation_method: script`, the
create-activations.sh script. Parity means every target creates the same activations:

  activations: {iam role (path/name as CreateActivation takes it):
                {registration_limit, expiry_hours, default_instance_name, description, tags}}

compared across all four targets, and, for CloudFormation and the CDK only,

  activation_provider: {function, role, log_group, invoke_config, secrets, custom}

the provider itself (the function's settings and a digest of its code, its role's trust
and statements, its log group, its invoke configuration, each secret, and each custom
resource's own settings). Reading a template also refuses what would leak an activation
code: an output or a Fn::GetAtt of a custom activation, or a dynamic reference to a
secret's value.
"""

import hashlib
import json
import re

ACTIVATION_TYPE = "Custom::SsmActivation"


class Unresolvable(Exception):
    pass


def _as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _tags(tags):
    if isinstance(tags, dict):
        return dict(tags)
    return {t["Key"]: t["Value"] for t in _as_list(tags)}


def _activation(role, limit, hours, name, description, tags):
    return {role: {
        "registration_limit": int(limit),
        "expiry_hours": int(hours),
        "default_instance_name": name,
        "description": description,
        "tags": _tags(tags),
    }}


# ------------------------------------------------------------------ CloudFormation

def provider_resources(template):
    """Logical ids of the provider's resources: everything a Custom::SsmActivation's
    ServiceToken leads to (the function, its role and the role's unnamed managed
    policies, its log group and invoke configuration) and the secrets the activations
    name. The IAM model leaves these to this module."""
    resources = template.get("Resources", {})
    functions = set()
    for res in resources.values():
        if res.get("Type") == ACTIVATION_TYPE:
            token = res.get("Properties", {}).get("ServiceToken")
            if isinstance(token, dict) and "Fn::GetAtt" in token:
                att = token["Fn::GetAtt"]
                functions.add(att[0] if isinstance(att, list) else att.split(".")[0])
    roles = set()
    for lid in functions:
        role = resources.get(lid, {}).get("Properties", {}).get("Role")
        if isinstance(role, dict) and "Fn::GetAtt" in role:
            att = role["Fn::GetAtt"]
            roles.add(att[0] if isinstance(att, list) else att.split(".")[0])
    out = set(functions) | roles
    for lid, res in resources.items():
        t, props = res.get("Type"), res.get("Properties", {})
        if t == "AWS::IAM::ManagedPolicy" and "ManagedPolicyName" not in props \
                and any(r == {"Ref": x} for r in _as_list(props.get("Roles")) for x in roles):
            out.add(lid)
        if t == "AWS::Lambda::EventInvokeConfig" and props.get("FunctionName") in [
                {"Ref": f} for f in functions]:
            out.add(lid)
        if t == "AWS::Logs::LogGroup" and _is_function_log_group(resources, functions, props):
            out.add(lid)
        if t == "AWS::SecretsManager::Secret":
            out.add(lid)
        if t == ACTIVATION_TYPE:
            out.add(lid)
    return out


def _is_function_log_group(resources, functions, props):
    names = set()
    for f in functions:
        name = resources[f].get("Properties", {}).get("FunctionName")
        if isinstance(name, str):
            names.add(f"/aws/lambda/{name}")
    return props.get("LogGroupName") in names


def _function_log_group(resources, props):
    """The log group a function writes to: its LoggingConfig's (a Ref to a log group of
    the template, read by name), else Lambda's default, /aws/lambda/<function name>."""
    group = props.get("LoggingConfig", {}).get("LogGroup")
    if group is None:
        return f"/aws/lambda/{props.get('FunctionName')}"
    if isinstance(group, dict) and set(group) == {"Ref"}:
        res = resources.get(group["Ref"], {})
        if res.get("Type") == "AWS::Logs::LogGroup":
            return res.get("Properties", {}).get("LogGroupName")
    if isinstance(group, str):
        return group
    raise Unresolvable(f"function log group {group!r}")


def check_no_leak(template):
    """An activation code reaches a template only through an attribute of the custom
    resource (the handler answers none) or the secret's value: refuse both."""
    resources = template.get("Resources", {})
    customs = {lid for lid, r in resources.items() if r.get("Type") == ACTIVATION_TYPE}
    text = json.dumps(template)
    for lid in customs:
        if re.search(r'"Fn::GetAtt": \["' + re.escape(lid) + r'"', text) or \
                re.search(r'"Fn::GetAtt": "' + re.escape(lid) + r'\.', text) or \
                re.search(r'\$\{' + re.escape(lid) + r'\.', text):
            raise Unresolvable(f"an attribute of the activation {lid} is read")
        for name, out in template.get("Outputs", {}).items():
            if f'"{lid}"' in json.dumps(out):
                raise Unresolvable(f"output {name} names the activation {lid}")
    if "{{resolve:secretsmanager" in text:
        raise Unresolvable("a dynamic reference reads a secret's value")


def from_cloudformation(template, ev, statements_of, script=None):
    """(activations, activation_provider) of a template; `ev` evaluates intrinsics (the
    IAM model's CfnEvaluator, which resolves a parameter's Ref to its default), and
    `statements_of(doc, with_principal)` reads a policy document. `script` is the text of
    the folder's create-activations.sh, if any (activation_method: script)."""
    check_no_leak(template)
    resources = template.get("Resources", {})
    ids = provider_resources(template)
    activations, provider = {}, None
    customs = sorted(lid for lid in ids if resources[lid]["Type"] == ACTIVATION_TYPE)
    if customs:
        provider = {"function": None, "role": None, "log_group": None,
                    "invoke_config": None, "secrets": {}, "custom": {}}
    kinds = {}
    # References among the provider's own resources (ServiceToken, Role, Roles,
    # FunctionName) are checked by provider_resources, not evaluated: the role is unnamed.
    linking = {"ServiceToken", "Role", "Roles"}
    for lid in sorted(ids):
        res = resources[lid]
        t = res["Type"]
        kinds[lid] = t
        raw = res.get("Properties", {})
        skip = linking | ({"FunctionName"} if t == "AWS::Lambda::EventInvokeConfig" else set()) \
            | {"LoggingConfig"}
        props = {k: (v if k in skip else ev.eval(v)) for k, v in raw.items()}
        if t == ACTIVATION_TYPE:
            activations.update(_activation(
                props["IamRole"], props["RegistrationLimit"], props["ExpiryHours"],
                props.get("DefaultInstanceName"), props.get("Description"), props.get("Tags")))
            provider["custom"][props["IamRole"]] = {
                "secret": props.get("SecretId"),
                "service_timeout": int(props["ServiceTimeout"]) if "ServiceTimeout" in props else None,
                "renewal": props.get("Renewal"),
                "extra": sorted(set(props) - {
                    "ServiceToken", "ServiceTimeout", "IamRole", "RegistrationLimit",
                    "ExpiryHours", "DefaultInstanceName", "Description", "Tags", "SecretId",
                    "Renewal"}),
            }
        elif t == "AWS::Lambda::Function":
            code = props.get("Code", {}).get("ZipFile")
            provider["function"] = {
                "name": props.get("FunctionName"),
                "runtime": props.get("Runtime"),
                "handler": props.get("Handler"),
                "timeout": int(props.get("Timeout", 3)),
                "memory": int(props.get("MemorySize", 128)),
                "code_sha256": hashlib.sha256(code.encode()).hexdigest() if isinstance(code, str) else None,
                "reserved_concurrency": props.get("ReservedConcurrentExecutions"),
                "logs_to": _function_log_group(resources, props),
            }
        elif t == "AWS::IAM::Role":
            provider["role"] = dict(provider["role"] or {"statements": []},
                                    path=props.get("Path", "/"),
                                    trust=statements_of(props["AssumeRolePolicyDocument"], True),
                                    boundary=props.get("PermissionsBoundary"),
                                    tags=_tags(props.get("Tags")),
                                    inline=sorted(p["PolicyName"] for p in _as_list(props.get("Policies"))))
        elif t == "AWS::IAM::ManagedPolicy":
            role = provider["role"] or {"statements": []}
            role["statements"] = role["statements"] + statements_of(props["PolicyDocument"], False)
            role["policy_path"] = props.get("Path", "/")
            provider["role"] = role
        elif t == "AWS::Logs::LogGroup":
            provider["log_group"] = {"name": props.get("LogGroupName"),
                                     "retention_days": props.get("RetentionInDays"),
                                     "kms": props.get("KmsKeyId")}
        elif t == "AWS::Lambda::EventInvokeConfig":
            provider["invoke_config"] = {"qualifier": props.get("Qualifier"),
                                         "retries": props.get("MaximumRetryAttempts"),
                                         "max_event_age": props.get("MaximumEventAgeInSeconds")}
        elif t == "AWS::SecretsManager::Secret":
            if provider is None:
                continue
            provider["secrets"][props.get("Name")] = {
                "description": props.get("Description"),
                "tags": _tags(props.get("Tags")),
                "kms": props.get("KmsKeyId"),
                "initial_value": "SecretString" in props or "GenerateSecretString" in props,
            }
    if provider is not None:
        # What each activation waits for, by kind: the request must find retries off,
        # its secret and the function's permissions in place.
        for lid in customs:
            props = {k: ev.eval(v) for k, v in resources[lid].get("Properties", {}).items()
                     if k not in linking}
            waits = {kinds.get(d, resources.get(d, {}).get("Type")) for d in
                     _as_list(resources[lid].get("DependsOn"))}
            provider["custom"][props["IamRole"]]["waits_for"] = sorted(
                k for k in waits if k in ("AWS::Lambda::EventInvokeConfig",
                                          "AWS::SecretsManager::Secret",
                                          "AWS::IAM::ManagedPolicy"))
        if provider["role"]:
            provider["role"]["statements"] = sorted(
                provider["role"]["statements"], key=lambda s: json.dumps(s, sort_keys=True))
    if script is not None:
        if customs:
            raise Unresolvable("custom activations and create-activations.sh both")
        activations = from_script(script)
    return activations, provider


def from_script(text):
    """The activations create-activations.sh creates, from its `aws ssm
    create-activation` calls (continuation lines joined, as the shell splits them)."""
    import shlex
    joined = re.sub(r"\\\n\s*", " ", text)
    out = {}
    for m in re.finditer(r"\baws ssm create-activation ([^\n]*)", joined):
        args = shlex.split(m.group(1).replace('"$(expiry ', "EXPIRY(").replace(')"', ")"))
        arg = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}
        hours = re.fullmatch(r"EXPIRY\((\d+)\)", arg.get("--expiration-date", ""))
        if not hours:
            raise Unresolvable(f"create-activation without an expiry: {m.group(0)[:80]}")
        out.update(_activation(arg["--iam-role"], arg["--registration-limit"], hours.group(1),
                               arg.get("--default-instance-name"), arg.get("--description"),
                               json.loads(arg.get("--tags", "[]"))))
    return out


# ------------------------------------------------------------------ Terraform

def from_terraform(ev, blocks):
    """The activations of a module: each aws_ssm_activation with the hours of the
    time_offset its expiration_date reads."""
    out = {}
    for (kind, typ, name), attrs in sorted(blocks.items()):
        if (kind, typ) != ("resource", "aws_ssm_activation"):
            continue
        expiry = attrs.get("expiration_date", "")
        m = re.fullmatch(r"\$\{time_offset\.([\w-]+)\.rfc3339\}", str(expiry))
        if not m:
            raise Unresolvable(f"aws_ssm_activation.{name}: expiration_date {expiry!r}")
        offset = blocks.get(("resource", "time_offset", m.group(1)))
        if offset is None or "offset_hours" not in offset:
            raise Unresolvable(f"time_offset.{m.group(1)} without offset_hours")
        out.update(_activation(
            ev.eval(attrs["iam_role"]), ev.eval(attrs["registration_limit"]),
            ev.eval(offset["offset_hours"]), ev.eval(attrs.get("name")),
            ev.eval(attrs.get("description")), ev.eval(attrs.get("tags", {}))))
    return out
