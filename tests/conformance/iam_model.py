"""A tool-neutral model of the IAM content of generated code, so that CloudFormation,
CDK-synthesized templates and Terraform can be compared for the same permissions.

The model (plain, sorted, JSON-serializable data):
  roles:     {role name: {path, trust: [statement...], managed: [arn...], boundary, tags}}
  profiles:  {profile name: {path, roles: [role name...]}}
  policies:  {policy name: {path, statements: [statement...], roles: [role name...],
              groups: [group name...], users: [user name...]}}
             (fleet policies and operator policies alike; attachments by name)
  documents: {document name: {type, format, update_method, content, tags}}
             (for CloudFormation and the CDK, with the document their
             session-preferences.sh writes: with_preferences_script)
  service_settings: {setting id (the /ssm/... form): value}
A statement is {effect, actions, resources, principals, conditions} with every list
sorted; Sid, logical ids, order and CDK metadata do not count. A document's content is
the parsed JSON object (an object or a JSON string in the template read the same), its
format and update method the values the service applies, defaults included (JSON,
Replace), so a target that leaves one out differs. Pseudo values (account, Region,
partition, URL suffix) are evaluated to one fixed set per comparison.
"""

import json
import re

import activation_model
import created_model

PSEUDO_SETS = {
    "aws": {"AWS::Partition": "aws", "AWS::Region": "us-east-2",
            "AWS::AccountId": "123456789012", "AWS::URLSuffix": "amazonaws.com"},
    "aws-cn": {"AWS::Partition": "aws-cn", "AWS::Region": "cn-north-1",
               "AWS::AccountId": "123456789012", "AWS::URLSuffix": "amazonaws.com.cn"},
    "aws-us-gov": {"AWS::Partition": "aws-us-gov", "AWS::Region": "us-gov-west-1",
                   "AWS::AccountId": "123456789012", "AWS::URLSuffix": "amazonaws.com"},
}


# One exception for both readers: a model that cannot be read is a failure either way.
Unresolvable = activation_model.Unresolvable


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def norm_statement(effect, actions, resources, principals, conditions):
    conds = {}
    for op, kv in (conditions or {}).items():
        for key, vals in kv.items():
            conds.setdefault(op, {})[key] = sorted(str(x) for x in as_list(vals))
    return {
        "effect": effect,
        "actions": sorted(set(as_list(actions))),
        "resources": sorted(set(as_list(resources))),
        "principals": sorted(set(as_list(principals))),
        "conditions": conds,
    }


def canonical(model):
    """Sorted lists of statements, so that equal permissions compare equal."""
    def key(st):
        return json.dumps(st, sort_keys=True)
    out = {"roles": {}, "profiles": {}, "policies": {},
           "activations": dict(model.get("activations", {})),
           "documents": dict(model.get("documents", {})),
           "service_settings": dict(model.get("service_settings", {})),
           "created": model.get("created"),
           "required_region": sorted(model.get("required_region", []))}
    if model.get("activation_provider") is not None:
        out["activation_provider"] = model["activation_provider"]
    for name, r in model["roles"].items():
        out["roles"][name] = dict(r, trust=sorted(r["trust"], key=key),
                                  managed=sorted(r["managed"]))
    for name, p in model["profiles"].items():
        out["profiles"][name] = dict(p, roles=sorted(p["roles"]))
    for name, p in model["policies"].items():
        out["policies"][name] = dict(p, statements=sorted(p["statements"], key=key),
                                     roles=sorted(p["roles"]),
                                     groups=sorted(p.get("groups", [])),
                                     users=sorted(p.get("users", [])))
    return out


# ---------------------------------------------------------------- CloudFormation

class CfnEvaluator:
    def __init__(self, template, pseudo):
        self.resources = template.get("Resources", {})
        self.parameters = template.get("Parameters", {})
        self.pseudo = pseudo

    def ref(self, name):
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            # A stack input evaluates to its default (the activations' renewal).
            return self.parameters[name]["Default"]
        res = self.resources.get(name)
        if res is None:
            raise Unresolvable(f"Ref {name}")
        t, props = res["Type"], res.get("Properties", {})
        if t == "AWS::IAM::Role":
            return self.eval(props["RoleName"])
        if t == "AWS::IAM::InstanceProfile":
            return self.eval(props["InstanceProfileName"])
        if t == "AWS::IAM::ManagedPolicy":
            return "arn:{}:iam::{}:policy{}{}".format(
                self.pseudo["AWS::Partition"], self.pseudo["AWS::AccountId"],
                self.eval(props.get("Path", "/")), self.eval(props["ManagedPolicyName"]))
        if t == "AWS::SSM::Document" and "Name" in props:
            return self.eval(props["Name"])
        created = created_model.cfn_ref(self, res)
        if created is not None:
            return created
        raise Unresolvable(f"Ref to {t}")

    def getatt(self, name, attr):
        res = self.resources.get(name)
        if res is None:
            raise Unresolvable(f"GetAtt {name}")
        props = res.get("Properties", {})
        if res["Type"] == "AWS::IAM::Role" and attr == "Arn":
            return "arn:{}:iam::{}:role{}{}".format(
                self.pseudo["AWS::Partition"], self.pseudo["AWS::AccountId"],
                self.eval(props.get("Path", "/")), self.eval(props["RoleName"]))
        created = created_model.cfn_getatt(self, res, attr)
        if created is not None:
            return created
        raise Unresolvable(f"GetAtt {name}.{attr}")

    def sub(self, text, variables=None):
        variables = variables or {}

        def repl(m):
            inner = m.group(1)
            if inner.startswith("!"):
                return "${" + inner[1:] + "}"
            if inner in variables:
                return str(self.eval(variables[inner]))
            if "." in inner and inner not in self.pseudo:
                name, attr = inner.split(".", 1)
                return self.getatt(name, attr)
            return self.ref(inner)
        return re.sub(r"\$\{([^}]*)\}", repl, text)

    def eval(self, v):
        if isinstance(v, dict) and len(v) == 1:
            (k, arg), = v.items()
            if k == "Ref":
                return self.ref(arg)
            if k == "Fn::GetAtt":
                name, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.getatt(name, attr)
            if k == "Fn::Join":
                sep, parts = arg
                return sep.join(str(self.eval(p)) for p in parts)
            if k == "Fn::Sub":
                if isinstance(arg, list):
                    return self.sub(arg[0], arg[1])
                return self.sub(arg)
        if isinstance(v, dict):
            return {k: self.eval(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.eval(x) for x in v]
        return v


def cfn_statements(doc, with_principal):
    out = []
    for st in as_list(doc.get("Statement")):
        principals = []
        if with_principal:
            principals = as_list(st.get("Principal", {}).get("Service"))
        out.append(norm_statement(st.get("Effect"), st.get("Action"), st.get("Resource"),
                                  principals, st.get("Condition")))
    return out


def cfn_tags(tags):
    return {t["Key"]: t["Value"] for t in as_list(tags)}


# AWS::SSM::Document's defaults, from its resource schema.
CFN_DOCUMENT_FORMAT = "JSON"
CFN_UPDATE_METHOD = "Replace"


def cfn_document_content(content, fmt):
    """The content as the service parses it: a template may hold the object itself or
    its text in the document's format."""
    if not isinstance(content, str):
        return content
    if fmt == "JSON":
        return json.loads(content)
    if fmt == "YAML":
        import yaml
        return yaml.safe_load(content)
    raise Unresolvable(f"document content in format {fmt}")


def cfn_document(props):
    fmt = props.get("DocumentFormat", CFN_DOCUMENT_FORMAT)
    return {
        "type": props.get("DocumentType"),
        "format": fmt,
        "update_method": props.get("UpdateMethod", CFN_UPDATE_METHOD),
        "content": cfn_document_content(props["Content"], fmt),
        "tags": cfn_tags(props.get("Tags")),
    }


# The script CloudFormation and the CDK write beside their code for the account's default
# preferences document, which a stack cannot adopt (src/targets/preferences_script.rs).
PREFERENCES_SCRIPT = "session-preferences.sh"


def script_calls(text, operation):
    """The arguments of each `aws ssm <operation>` call of a shell script, continuation
    lines joined, as the shell splits them (variables stay as written)."""
    import shlex
    joined = re.sub(r"\\\n\s*", " ", text)
    calls = []
    for m in re.finditer(r"\baws ssm " + re.escape(operation) + r"( [^\n]*)?$", joined, re.M):
        calls.append(shlex.split(m.group(1) or "", comments=True))
    return calls


def call_arg(args, flag):
    return args[args.index(flag) + 1] if flag in args[:-1] else None


def preferences_script_document(text):
    """The document session-preferences.sh writes, as {name: document} in the shape
    from_cloudformation gives: the content is the JSON of its quoted here-document; the
    type and format those of its create-document call; the update method NewVersion,
    which is what its update path does (update-document, then
    update-document-default-version to the new version); no tags, as it writes none."""
    m = re.search(r"<<'([A-Za-z_][A-Za-z0-9_]*)'\n(.*?)\n\1\n", text, re.S)
    if not m:
        raise Unresolvable(f"{PREFERENCES_SCRIPT}: no quoted here-document")
    content = json.loads(m.group(2))
    creates = script_calls(text, "create-document")
    updates = script_calls(text, "update-document")
    defaults = script_calls(text, "update-document-default-version")
    if len(creates) != 1 or len(updates) != 1 or not defaults:
        raise Unresolvable(f"{PREFERENCES_SCRIPT}: expected one create-document, one "
                           "update-document and update-document-default-version calls")
    create, update = creates[0], updates[0]
    names = {call_arg(c, "--name") for c in creates + updates + defaults}
    if len(names) != 1 or None in names:
        raise Unresolvable(f"{PREFERENCES_SCRIPT}: the calls name documents {sorted(map(str, names))}")
    for call in (create, update):
        if call_arg(call, "--content") != "$content":
            raise Unresolvable(f"{PREFERENCES_SCRIPT}: a call does not pass the here-document's content")
    if "--tags" in create:
        raise Unresolvable(f"{PREFERENCES_SCRIPT}: tags are not read")
    fmt = call_arg(create, "--document-format") or "JSON"
    if call_arg(update, "--document-format") != fmt:
        raise Unresolvable(f"{PREFERENCES_SCRIPT}: create and update differ in format")
    return {names.pop(): {
        "type": call_arg(create, "--document-type"),
        "format": fmt,
        "update_method": "NewVersion",
        "content": content,
        "tags": {},
    }}


def with_preferences_script(model, text):
    """The model with the document of a session-preferences.sh added; a document the
    template holds as well is an error (it would be managed twice)."""
    documents = dict(model.get("documents", {}))
    for name, doc in preferences_script_document(text).items():
        if name in documents:
            raise Unresolvable(f"document {name} is both a resource and written by {PREFERENCES_SCRIPT}")
        documents[name] = doc
    return canonical(dict(model, documents=documents))


def from_cloudformation(template, pseudo, activation_script=None):
    """The IAM model of a CloudFormation template (plain JSON form, intrinsics as dicts),
    with its activations (activation_model; `activation_script` is the text of the
    folder's create-activations.sh, if it has one)."""
    ev = CfnEvaluator(template, pseudo)
    model = {"roles": {}, "profiles": {}, "policies": {}, "documents": {},
             "service_settings": {}}
    provider = activation_model.provider_resources(template)
    model["activations"], model["activation_provider"] = activation_model.from_cloudformation(
        template, ev, cfn_statements, activation_script)
    role_names = {}
    for lid, res in template.get("Resources", {}).items():
        if lid in provider:
            continue
        if res["Type"] == "AWS::IAM::Role":
            props = ev.eval(res.get("Properties", {}))
            role_names[lid] = props["RoleName"]
    for lid, res in sorted(template.get("Resources", {}).items()):
        t = res["Type"]
        if t in ("CDK::Metadata", "AWS::CDK::Metadata") or lid in provider:
            continue
        props = ev.eval(res.get("Properties", {}))
        if t == "AWS::IAM::Role":
            model["roles"][props["RoleName"]] = {
                "path": props.get("Path", "/"),
                "trust": cfn_statements(props["AssumeRolePolicyDocument"], True),
                "managed": as_list(props.get("ManagedPolicyArns")),
                "boundary": props.get("PermissionsBoundary"),
                "tags": cfn_tags(props.get("Tags")),
                "inline": sorted(p["PolicyName"] for p in as_list(props.get("Policies"))),
            }
        elif t == "AWS::IAM::InstanceProfile":
            model["profiles"][props["InstanceProfileName"]] = {
                "path": props.get("Path", "/"), "roles": as_list(props.get("Roles"))}
        elif t == "AWS::IAM::ManagedPolicy":
            model["policies"][props["ManagedPolicyName"]] = {
                "path": props.get("Path", "/"),
                "statements": cfn_statements(props["PolicyDocument"], False),
                "roles": as_list(props.get("Roles")),
                "groups": as_list(props.get("Groups")),
                "users": as_list(props.get("Users")),
            }
        elif t == "AWS::SSM::Document":
            if props.get("Name") is None:
                raise Unresolvable(f"document {lid} without a Name")
            if props["Name"] in model["documents"]:
                raise Unresolvable(f"two documents named {props['Name']}")
            model["documents"][props["Name"]] = cfn_document(props)
        elif t == "AWS::SSM::ServiceSetting":
            if props["SettingId"] in model["service_settings"]:
                raise Unresolvable(f"two settings of {props['SettingId']}")
            model["service_settings"][props["SettingId"]] = props["SettingValue"]
        elif t.startswith(("AWS::IAM::", "AWS::SSM::")):
            raise Unresolvable(f"unexpected resource {t} ({lid})")
    model["required_region"] = cfn_required_region(template)
    model["created"] = created_model.from_cloudformation(template, ev, provider)
    return canonical(model)


def cfn_required_region(template):
    """[region, description] of each `Rules` assertion that the stack's Region equals one
    (CDK's own CheckBootstrapVersion rule is not ssmgen's)."""
    out = []
    for name, rule in sorted(template.get("Rules", {}).items()):
        if name == "CheckBootstrapVersion":
            continue
        for a in rule.get("Assertions", []):
            eq = a.get("Assert", {}).get("Fn::Equals")
            if not (isinstance(eq, list) and len(eq) == 2 and eq[0] == {"Ref": "AWS::Region"}):
                raise Unresolvable(f"unexpected rule {name}: {a}")
            out.append([eq[1], a.get("AssertDescription")])
    return out


# ---------------------------------------------------------------- Terraform

class TfEvaluator:
    """Evaluates the small expression language ssmgen's Terraform uses."""

    def __init__(self, blocks, pseudo):
        self.blocks = blocks  # {("resource"|"data", type, name): attrs}
        self.pseudo = pseudo

    def attr(self, ref):
        parts = ref.split(".")
        if parts[0] == "data":
            kind, typ, name, rest = "data", parts[1], parts[2], parts[3:]
        else:
            kind, typ, name, rest = "resource", parts[0], parts[1], parts[2:]
        if kind == "data" and typ == "aws_partition":
            return {"partition": self.pseudo["AWS::Partition"],
                    "dns_suffix": self.pseudo["AWS::URLSuffix"]}[rest[0]]
        if kind == "data" and typ == "aws_region":
            return self.pseudo["AWS::Region"]
        if kind == "data" and typ == "aws_caller_identity":
            return self.pseudo["AWS::AccountId"]
        block = self.blocks.get((kind, typ, name))
        if block is None:
            raise Unresolvable(ref)
        if kind == "data" and typ == "aws_iam_policy_document" and rest == ["json"]:
            return {"__policy_document__": (typ, name)}
        a = rest[0]
        if typ == "aws_iam_role" and a == "arn":
            return "arn:{}:iam::{}:role{}{}".format(
                self.pseudo["AWS::Partition"], self.pseudo["AWS::AccountId"],
                self.eval(block.get("path", "/")), self.eval(block["name"]))
        if typ == "aws_iam_policy" and a == "arn":
            return "arn:{}:iam::{}:policy{}{}".format(
                self.pseudo["AWS::Partition"], self.pseudo["AWS::AccountId"],
                self.eval(block.get("path", "/")), self.eval(block["name"]))
        created = created_model.tf_attr(self, typ, block, a)
        if created is not None:
            return created
        if a in block:
            return self.eval(block[a])
        if a == "path":
            return "/"
        raise Unresolvable(ref)

    def eval(self, v):
        if isinstance(v, list):
            return [self.eval(x) for x in v]
        if isinstance(v, dict):
            # Map keys are quoted strings too (tags).
            return {self.template(k): self.eval(x) for k, x in v.items()}
        if not isinstance(v, str):
            return v
        # One interpolation alone is the expression's own value (a string, or whatever
        # jsonencode or a reference gives), not text.
        if v.startswith("${") and interpolation_end(v, 0) == len(v):
            return self.expr(v[2:-1].strip())
        return self.template(v)

    def template(self, s):
        """The text of a quoted string's body as both readers keep it: HCL escapes,
        doubled `$${`/`%%{` and interpolations, which are evaluated."""
        out, i = [], 0
        while i < len(s):
            if s[i] == "\\" and i + 1 < len(s):
                e = s[i + 1]
                if e in HCL_ESCAPES:
                    out.append(HCL_ESCAPES[e])
                    i += 2
                elif e in "uU":
                    n = 4 if e == "u" else 8
                    out.append(chr(int(s[i + 2:i + 2 + n], 16)))
                    i += 2 + n
                else:
                    raise Unresolvable(f"HCL escape \\{e}")
            elif s.startswith("$${", i):
                out.append("${")
                i += 3
            elif s.startswith("%%{", i):
                out.append("%{")
                i += 3
            elif s.startswith("${", i):
                j = interpolation_end(s, i)
                out.append(str(self.expr(s[i + 2:j - 1].strip())))
                i = j
            elif s.startswith("%{", i):
                raise Unresolvable(f"template directive in {s!r}")
            else:
                out.append(s[i])
                i += 1
        return "".join(out)

    def expr(self, e):
        m = re.fullmatch(r'trimprefix\((.*),\s*"(.*)"\)', e, re.S)
        if m:
            inner = self.expr_value(m.group(1).strip())
            return inner[len(m.group(2)):] if inner.startswith(m.group(2)) else inner
        m = re.fullmatch(r"toset\((.*)\)", e, re.S)
        if m:
            # A for_each over a set of names (attachments to existing principals): each
            # instance's key and value are the name.
            items = HclValueReader(self, m.group(1)).read_all()
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise Unresolvable(f"toset of {items!r}")
            return {x: x for x in items}
        m = re.fullmatch(r"jsonencode\((.*)\)", e, re.S)
        if m:
            # What Terraform's jsonencode returns: the JSON text of the value.
            return json.dumps(HclValueReader(self, m.group(1)).read_all(), ensure_ascii=False)
        return self.expr_value(e)

    def expr_value(self, e):
        if e.startswith('"') and e.endswith('"'):
            return self.template(e[1:-1])
        if re.fullmatch(r"[A-Za-z_][\w.\-]*", e):
            return self.attr(e)
        raise Unresolvable(e)


def string_end(s, i):
    """Index just past the quoted HCL string that opens at s[i] (a `"`): escapes, doubled
    `$${`/`%%{` and nested interpolations (which may hold quotes) are skipped whole."""
    j = i + 1
    while j < len(s):
        if s[j] == "\\":
            j += 2
        elif s.startswith("$${", j) or s.startswith("%%{", j):
            j += 3
        elif s.startswith("${", j) or s.startswith("%{", j):
            j = interpolation_end(s, j)
        elif s[j] == '"':
            return j + 1
        else:
            j += 1
    raise Unresolvable(f"unclosed string in {s!r}")


def interpolation_end(s, i):
    """Index just past the `}` that closes the interpolation (or directive) opening at
    s[i]; braces inside quoted strings do not count."""
    depth, j = 1, i + 2
    while j < len(s):
        if s[j] == '"':
            j = string_end(s, j)
            continue
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise Unresolvable(f"unclosed interpolation in {s!r}")


HCL_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


class HclValueReader:
    """Reads an HCL value expression from its source text: objects (`{k = v, ...}`, keys
    bare or quoted), tuples, quoted strings (HCL escapes; `$${` and `%%{` are literal
    text, a live `${...}` is evaluated), numbers, `true`, `false`, `null` and references.
    python-hcl2 keeps a function call's arguments as source text; hashicorp_tf writes
    HashiCorp's tree back in the same form."""

    def __init__(self, ev, text):
        self.ev, self.s, self.i = ev, text, 0

    def read_all(self):
        v = self.value()
        self.skip()
        if self.i != len(self.s):
            raise Unresolvable(f"unexpected {self.s[self.i:self.i + 20]!r} in an HCL value")
        return v

    def skip(self, separators=""):
        while self.i < len(self.s) and (self.s[self.i].isspace() or self.s[self.i] in separators):
            self.i += 1

    def peek(self):
        self.skip()
        return self.s[self.i] if self.i < len(self.s) else ""

    def expect(self, c):
        if self.peek() != c:
            raise Unresolvable(f"expected {c!r} at {self.s[self.i:self.i + 20]!r}")
        self.i += 1

    def value(self):
        c = self.peek()
        if c == "{":
            return self.object()
        if c == "[":
            return self.tuple()
        if c == '"':
            return self.string()
        m = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?|[A-Za-z_][\w.\-]*").match(self.s, self.i)
        if not m:
            raise Unresolvable(f"HCL value at {self.s[self.i:self.i + 20]!r}")
        self.i = m.end()
        word = m.group(0)
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        if word[0].isdigit() or word[0] == "-":
            return json.loads(word)
        return self.ev.attr(word)

    def object(self):
        self.expect("{")
        out = {}
        while True:
            self.skip(",")
            if self.peek() == "}":
                self.i += 1
                return out
            if self.peek() == '"':
                key = self.string()
            else:
                m = re.compile(r"[A-Za-z_][\w\-]*").match(self.s, self.i)
                if not m:
                    raise Unresolvable(f"object key at {self.s[self.i:self.i + 20]!r}")
                key, self.i = m.group(0), m.end()
            self.skip()
            if self.peek() not in ("=", ":"):
                raise Unresolvable(f"expected = after object key {key!r}")
            self.i += 1
            out[key] = self.value()

    def tuple(self):
        self.expect("[")
        out = []
        while True:
            self.skip(",")
            if self.peek() == "]":
                self.i += 1
                return out
            out.append(self.value())

    def string(self):
        start = self.i
        self.i = string_end(self.s, start)
        return self.ev.template(self.s[start + 1:self.i - 1])


def tf_blocks(parsed_files):
    """The labelled blocks (resources and data sources) of a module by (kind, type, name).
    Other top-level blocks, `import` among them, are no part of the model."""
    blocks = {}
    for parsed in parsed_files:
        for kind in ("resource", "data"):
            for entry in parsed.get(kind, []):
                for typ, named in entry.items():
                    for name, attrs in named.items():
                        blocks[(kind, typ, name)] = attrs
    return blocks


# The account's default Session Manager preferences document: it exists before any
# module does, so a module that manages it must import it.
ACCOUNT_DEFAULT_DOCUMENT = "SSM-SessionManagerRunShell"


def tf_imports(parsed_files):
    """The `(to, id)` of every top-level `import` block (Terraform 1.5), as both readers
    keep them: `to` a reference (`${aws_ssm_document.name}`), `id` a string."""
    out = []
    for parsed in parsed_files:
        for block in parsed.get("import", []):
            args = {k: v for k, v in block.items() if not k.startswith("__")}
            if set(args) != {"to", "id"}:
                raise Unresolvable(f"import block with arguments {sorted(args)}")
            out.append((args["to"], args["id"]))
    return out


def check_tf_imports(ev, blocks, imports):
    """The only import ssmgen writes adopts the account's default preferences document:
    `to` must name an aws_ssm_document of the module whose name is
    SSM-SessionManagerRunShell, and `id` that name (the provider imports by name). That
    document, in turn, must be imported, or the first apply fails on the taken name."""
    imported = set()
    for to, id_ in imports:
        m = re.fullmatch(r"\$\{aws_ssm_document\.([A-Za-z_][\w-]*)\}", to)
        if not m:
            raise Unresolvable(f"import to {to}: not an aws_ssm_document")
        attrs = blocks.get(("resource", "aws_ssm_document", m.group(1)))
        if attrs is None:
            raise Unresolvable(f"import to {to}: the module has no such resource")
        name = ev.eval(attrs["name"])
        if name != ACCOUNT_DEFAULT_DOCUMENT:
            raise Unresolvable(f"import to {to}: a document named {name}, not {ACCOUNT_DEFAULT_DOCUMENT}")
        if ev.eval(id_) != name:
            raise Unresolvable(f"import to {to} with id {id_!r}, not the document's name {name}")
        if m.group(1) in imported:
            raise Unresolvable(f"import to {to} twice")
        imported.add(m.group(1))
    for (kind, typ, name), attrs in sorted(blocks.items()):
        if (kind, typ) == ("resource", "aws_ssm_document") and name not in imported \
                and ev.eval(attrs["name"]) == ACCOUNT_DEFAULT_DOCUMENT:
            raise Unresolvable(f"aws_ssm_document.{name} is {ACCOUNT_DEFAULT_DOCUMENT}, "
                               "which exists before the module, but no import block adopts it")


def strip_hcl2_quotes(v):
    """python-hcl2 (v5+) keeps string literals quoted; older versions did not."""
    if isinstance(v, str) and len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        return v[1:-1]
    if isinstance(v, list):
        return [strip_hcl2_quotes(x) for x in v]
    if isinstance(v, dict):
        return {strip_hcl2_quotes(k): strip_hcl2_quotes(x) for k, x in v.items()}
    return v


def tf_policy_document(ev, attrs, with_principal):
    out = []
    for st in as_list(attrs.get("statement")):
        principals = []
        for p in as_list(st.get("principals")):
            if ev.eval(p["type"]) != "Service":
                raise Unresolvable("non-service principal")
            principals += as_list(ev.eval(p["identifiers"]))
        conditions = {}
        for c in as_list(st.get("condition")):
            conditions.setdefault(ev.eval(c["test"]), {})[ev.eval(c["variable"])] = ev.eval(c["values"])
        out.append(norm_statement(ev.eval(st.get("effect", "Allow")), ev.eval(st.get("actions")),
                                  ev.eval(st.get("resources")) if not with_principal else None,
                                  principals, conditions))
    return out


def from_terraform(parsed_files, pseudo):
    """The IAM model of a Terraform module, from python-hcl2's parse of each file. Its
    import blocks are checked (check_tf_imports) but add nothing to the model."""
    parsed_files = [strip_hcl2_quotes(p) for p in parsed_files]
    blocks = tf_blocks(parsed_files)
    ev = TfEvaluator(blocks, pseudo)
    check_tf_imports(ev, blocks, tf_imports(parsed_files))
    model = {"roles": {}, "profiles": {}, "policies": {}}

    def doc(ref_value, with_principal):
        typ, name = ref_value["__policy_document__"]
        return tf_policy_document(ev, blocks[("data", typ, name)], with_principal)

    model["required_region"] = []
    for check in blocks.get(("data", "aws_region", "current"), {}).get("lifecycle", []):
        for post in check.get("postcondition", []):
            m = re.fullmatch(r'\$\{self\.region == "([^"]+)"\}', post["condition"])
            if not m:
                raise Unresolvable(f"unexpected postcondition {post['condition']}")
            model["required_region"].append([m.group(1), ev.eval(post["error_message"])])
    for (kind, typ, name), attrs in sorted(blocks.items()):
        if kind != "resource":
            continue
        if typ == "aws_iam_role":
            model["roles"][ev.eval(attrs["name"])] = {
                "path": ev.eval(attrs.get("path", "/")),
                "trust": doc(ev.eval(attrs["assume_role_policy"]), True),
                "managed": [],
                "boundary": ev.eval(attrs.get("permissions_boundary")),
                "tags": ev.eval(attrs.get("tags", {})),
                "inline": [],
            }
    for (kind, typ, name), attrs in sorted(blocks.items()):
        if kind != "resource":
            continue
        if typ == "aws_iam_instance_profile":
            model["profiles"][ev.eval(attrs["name"])] = {
                "path": ev.eval(attrs.get("path", "/")), "roles": [ev.eval(attrs["role"])]}
        elif typ == "aws_iam_policy":
            model["policies"][ev.eval(attrs["name"])] = {
                "path": ev.eval(attrs.get("path", "/")),
                "statements": doc(ev.eval(attrs["policy"]), False),
                "roles": [],
                "groups": [],
                "users": [],
            }
    policy_by_arn = {}
    for (kind, typ, name), attrs in blocks.items():
        if kind == "resource" and typ == "aws_iam_policy":
            policy_by_arn[ev.attr(f"aws_iam_policy.{name}.arn")] = ev.eval(attrs["name"])
    # Attachments: to roles (generated ones, or existing ones operator policies name),
    # groups and users, each one resource or one per for_each item.
    attachments = {"aws_iam_role_policy_attachment": ("role", "roles"),
                   "aws_iam_group_policy_attachment": ("group", "groups"),
                   "aws_iam_user_policy_attachment": ("user", "users")}
    for (kind, typ, name), attrs in sorted(blocks.items()):
        if kind != "resource" or typ not in attachments:
            continue
        attr, field = attachments[typ]
        for_each = attrs.get("for_each")
        items = [None] if for_each is None else list(ev.eval(for_each).items())
        for item in items:
            if item is not None:
                ev.each = {"key": item[0], "value": item[1]}
            target = ev_each(ev, attrs[attr])
            arn = ev_each(ev, attrs["policy_arn"])
            if arn in policy_by_arn:
                model["policies"][policy_by_arn[arn]][field].append(target)
            elif field == "roles" and target in model["roles"]:
                model["roles"][target]["managed"].append(arn)
            else:
                raise Unresolvable(f"managed policy {arn} attached to unknown {attr} {target}")
    model["documents"], model["service_settings"] = tf_session_setup(ev, blocks)
    model["activations"] = activation_model.from_terraform(ev, blocks)
    model["created"] = created_model.from_terraform(ev, blocks)
    return canonical(model)


def tf_session_setup(ev, blocks):
    """The Session Manager set up of a module, in the shape from_cloudformation gives:
    documents by name ({type, format, update_method, content as a JSON object, tags})
    and service settings by their `/ssm/...` id (the part of the ARN after
    `:servicesetting`)."""
    documents, settings = {}, {}
    pseudo = ev.pseudo
    arn_prefix = "arn:{}:ssm:{}:{}:servicesetting".format(
        pseudo["AWS::Partition"], pseudo["AWS::Region"], pseudo["AWS::AccountId"])
    for (kind, typ, name), attrs in sorted(blocks.items()):
        if kind != "resource":
            continue
        if typ == "aws_ssm_document":
            fmt = ev.eval(attrs.get("document_format", "JSON"))
            content = ev.eval(attrs["content"])
            if fmt != "JSON":
                raise Unresolvable(f"aws_ssm_document.{name}: format {fmt}")
            documents[ev.eval(attrs["name"])] = {
                "type": ev.eval(attrs["document_type"]),
                "format": fmt,
                # What CloudFormation calls NewVersion is what the provider always does
                # on a content change: UpdateDocument, then UpdateDocumentDefaultVersion
                # to the new version (the name alone forces a replacement).
                "update_method": "NewVersion",
                "content": json.loads(content) if isinstance(content, str) else content,
                "tags": ev.eval(attrs.get("tags", {})),
            }
        elif typ == "aws_ssm_service_setting":
            setting = ev.eval(attrs["setting_id"])
            # Another account's or Region's ARN keeps its whole text, so that it differs.
            if setting.startswith(arn_prefix + "/"):
                setting = setting[len(arn_prefix):]
            settings[setting] = ev.eval(attrs["setting_value"])
    return documents, settings


def ev_each(ev, v):
    each = getattr(ev, "each", None)
    if isinstance(v, str) and each is not None:
        v = v.replace("${each.value}", str(each["value"])).replace("${each.key}", str(each["key"]))
    return ev.eval(v)


# ---------------------------------------------------------------- comparison

def diff(a, b, path=""):
    """Readable differences between two models."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = f"{path}.{k}" if path else str(k)
            if k not in a:
                out.append(f"+ {p}: {json.dumps(b[k], sort_keys=True)}")
            elif k not in b:
                out.append(f"- {p}: {json.dumps(a[k], sort_keys=True)}")
            else:
                out += diff(a[k], b[k], p)
    elif isinstance(a, list) and isinstance(b, list) and all(isinstance(x, dict) for x in a + b):
        sa = {json.dumps(x, sort_keys=True) for x in a}
        sb = {json.dumps(x, sort_keys=True) for x in b}
        out += [f"- {path}: {x}" for x in sorted(sa - sb)]
        out += [f"+ {path}: {x}" for x in sorted(sb - sa)]
    elif a != b:
        out.append(f"~ {path}: {json.dumps(a, sort_keys=True)} != {json.dumps(b, sort_keys=True)}")
    return out
