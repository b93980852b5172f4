"""The session resources generated code creates (issue 11, part 1), in one tool-neutral
shape, so that every target is proven to create the same ones:

  created: {key:       {description, spec, usage, rotation, alias, policy, tags, retain},
            bucket:    {key, bucket_key, public_access_block, ownership, versioning,
                        lifecycle, policy, tags, retain},
            log_group: {name, retention_days, key, tags, retain}}

Key and bucket policy statements are compared as atoms: each statement with its sid,
effect, principals (`*`, `AWS:<arn>`, `Service:<name>`), actions, resources and
conditions. Names the tools generate (the bucket's) are not compared; what refers to a
created resource resolves to the same fixed values in every target, the values the Rust
call model gives them (src/calls/mod.rs `CREATED_KEY_ID`, `CREATED_BUCKET_NAME`), so that
the agent call check judges the targets' policies with created resources too.
"""

import json

CREATED_KEY_ID = "00000000-0000-4000-8000-00000000c0de"
CREATED_BUCKET_NAME = "created-session-log-bucket"

KEY_TYPE = "AWS::KMS::Key"
ALIAS_TYPE = "AWS::KMS::Alias"
BUCKET_TYPE = "AWS::S3::Bucket"
BUCKET_POLICY_TYPE = "AWS::S3::BucketPolicy"
LOG_GROUP_TYPE = "AWS::Logs::LogGroup"


class Unresolvable(Exception):
    pass


def _as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def key_arn(pseudo):
    return "arn:{}:kms:{}:{}:key/{}".format(
        pseudo["AWS::Partition"], pseudo["AWS::Region"], pseudo["AWS::AccountId"], CREATED_KEY_ID)


def bucket_arn(pseudo):
    return "arn:{}:s3:::{}".format(pseudo["AWS::Partition"], CREATED_BUCKET_NAME)


def log_group_arn(pseudo, name, streams):
    arn = "arn:{}:logs:{}:{}:log-group:{}".format(
        pseudo["AWS::Partition"], pseudo["AWS::Region"], pseudo["AWS::AccountId"], name)
    return arn + ":*" if streams else arn


# ------------------------------------------------------------------ references

def cfn_ref(ev, res):
    """`Ref` of a created resource (CloudFormation's return values), or None."""
    t, props = res["Type"], res.get("Properties", {})
    if t == KEY_TYPE:
        return CREATED_KEY_ID
    if t == BUCKET_TYPE:
        if "BucketName" in props:
            raise Unresolvable("a created bucket with a BucketName (bucket names are global)")
        return CREATED_BUCKET_NAME
    if t == LOG_GROUP_TYPE and "LogGroupName" in props:
        return ev.eval(props["LogGroupName"])
    if t == ALIAS_TYPE:
        return ev.eval(props["AliasName"])
    return None


def cfn_getatt(ev, res, attr):
    t, props = res["Type"], res.get("Properties", {})
    if t == KEY_TYPE and attr == "Arn":
        return key_arn(ev.pseudo)
    if t == KEY_TYPE and attr == "KeyId":
        return CREATED_KEY_ID
    if t == BUCKET_TYPE and attr == "Arn":
        return bucket_arn(ev.pseudo)
    if t == LOG_GROUP_TYPE and attr == "Arn" and "LogGroupName" in props:
        # CloudFormation's log group Arn ends `:*`.
        return log_group_arn(ev.pseudo, ev.eval(props["LogGroupName"]), True)
    return None


def tf_attr(ev, typ, block, a):
    """An attribute of a created resource of a Terraform module, or None."""
    if typ == "aws_kms_key":
        return {"arn": key_arn(ev.pseudo), "key_id": CREATED_KEY_ID, "id": CREATED_KEY_ID}.get(a)
    if typ == "aws_s3_bucket":
        if "bucket" in block:
            raise Unresolvable("a created bucket with a fixed name (bucket names are global)")
        return {"bucket": CREATED_BUCKET_NAME, "id": CREATED_BUCKET_NAME,
                "arn": bucket_arn(ev.pseudo)}.get(a)
    if typ == "aws_cloudwatch_log_group" and a == "arn":
        # The provider's log group arn has no `:*` (unlike CloudFormation's attribute).
        return log_group_arn(ev.pseudo, ev.eval(block["name"]), False)
    return None


# ------------------------------------------------------------------ statements

def cfn_principals(p):
    if p == "*" or p == {"AWS": "*"}:
        return ["*"]
    out = []
    for kind, values in (p or {}).items():
        for v in _as_list(values):
            out.append("*" if (kind, v) == ("AWS", "*") else f"{kind}:{v}")
    return out


def statement(sid, effect, principals, actions, resources, conditions):
    conds = {}
    for op, kv in (conditions or {}).items():
        for key, vals in kv.items():
            conds.setdefault(op, {})[key] = sorted(str(x) for x in _as_list(vals))
    return {"sid": sid, "effect": effect, "principals": sorted(set(principals)),
            "actions": sorted(set(_as_list(actions))),
            "resources": sorted(set(_as_list(resources))), "conditions": conds}


def cfn_policy(doc):
    if isinstance(doc, str):
        doc = json.loads(doc)
    return sorted((statement(st.get("Sid"), st.get("Effect"), cfn_principals(st.get("Principal")),
                             st.get("Action"), st.get("Resource"), st.get("Condition"))
                   for st in _as_list(doc.get("Statement"))),
                  key=lambda s: json.dumps(s, sort_keys=True))


def tf_policy(ev, value, blocks):
    """A policy argument: a data "aws_iam_policy_document" reference or JSON text."""
    if isinstance(value, dict) and "__policy_document__" in value:
        typ, name = value["__policy_document__"]
        out = []
        for st in _as_list(blocks[("data", typ, name)].get("statement")):
            principals = []
            for p in _as_list(st.get("principals")):
                kind = ev.eval(p["type"])
                for v in _as_list(ev.eval(p["identifiers"])):
                    principals.append("*" if kind == "*" or (kind, v) == ("AWS", "*")
                                      else f"{kind}:{v}")
            conditions = {}
            for c in _as_list(st.get("condition")):
                conditions.setdefault(ev.eval(c["test"]), {})[ev.eval(c["variable"])] = \
                    ev.eval(c["values"])
            out.append(statement(ev.eval(st.get("sid")), ev.eval(st.get("effect", "Allow")),
                                 principals, ev.eval(st.get("actions")),
                                 ev.eval(st.get("resources")), conditions))
        return sorted(out, key=lambda s: json.dumps(s, sort_keys=True))
    if isinstance(value, str):
        return cfn_policy(json.loads(value))
    raise Unresolvable(f"policy {value!r}")


# ------------------------------------------------------------------ CloudFormation

def _retain(res):
    return res.get("DeletionPolicy") == "Retain" and res.get("UpdateReplacePolicy") == "Retain"


def _tags(tags):
    if isinstance(tags, dict):
        return dict(tags)
    return {t["Key"]: t["Value"] for t in _as_list(tags)}


def _one(found, what):
    if len(found) > 1:
        raise Unresolvable(f"{len(found)} {what}s")
    return found[0] if found else None


def from_cloudformation(template, ev, skip):
    """The created resources of a template (plain JSON form, intrinsics as dicts);
    `skip` holds the logical ids of other features' resources (the activation
    provider's log group)."""
    res = {lid: r for lid, r in template.get("Resources", {}).items() if lid not in skip}
    of = lambda t: [(lid, r) for lid, r in sorted(res.items()) if r["Type"] == t]  # noqa: E731
    out = {"key": None, "bucket": None, "log_group": None}
    key = _one(of(KEY_TYPE), "KMS key")
    if key:
        lid, r = key
        p = ev.eval(r.get("Properties", {}))
        aliases = [ev.eval(a.get("Properties", {})) for _, a in of(ALIAS_TYPE)]
        for a in aliases:
            if a.get("TargetKeyId") not in (CREATED_KEY_ID, key_arn(ev.pseudo)):
                raise Unresolvable(f"alias {a.get('AliasName')} targets {a.get('TargetKeyId')}")
        out["key"] = {
            "description": p.get("Description"),
            "spec": p.get("KeySpec", "SYMMETRIC_DEFAULT"),
            "usage": p.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "rotation": bool(p.get("EnableKeyRotation")),
            "alias": sorted(a["AliasName"] for a in aliases),
            "policy": cfn_policy(p["KeyPolicy"]),
            "tags": _tags(p.get("Tags")),
            "retain": _retain(r),
        }
    bucket = _one(of(BUCKET_TYPE), "bucket")
    if bucket:
        lid, r = bucket
        p = ev.eval(r.get("Properties", {}))
        rules = _as_list(p.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration"))
        if len(rules) != 1:
            raise Unresolvable(f"bucket encryption with {len(rules)} rules")
        default = rules[0].get("ServerSideEncryptionByDefault", {})
        if default.get("SSEAlgorithm") != "aws:kms":
            raise Unresolvable(f"bucket encryption {default.get('SSEAlgorithm')}")
        bpa = p.get("PublicAccessBlockConfiguration", {})
        lifecycle = []
        for rule in _as_list(p.get("LifecycleConfiguration", {}).get("Rules")):
            lifecycle.append({
                "id": rule.get("Id"), "enabled": rule.get("Status") == "Enabled",
                "prefix": rule.get("Prefix", ""),
                "expiration_days": rule.get("ExpirationInDays"),
                "noncurrent_days": rule.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays"),
                "abort_multipart_days":
                    rule.get("AbortIncompleteMultipartUpload", {}).get("DaysAfterInitiation"),
            })
        policies = [ev.eval(b.get("Properties", {})) for _, b in of(BUCKET_POLICY_TYPE)]
        for b in policies:
            if b.get("Bucket") != CREATED_BUCKET_NAME:
                raise Unresolvable(f"a bucket policy of {b.get('Bucket')}")
        out["bucket"] = {
            "key": default.get("KMSMasterKeyID"),
            "bucket_key": bool(rules[0].get("BucketKeyEnabled")),
            "public_access_block": sorted(k for k, v in bpa.items() if v is True),
            "ownership": [o.get("ObjectOwnership") for o in
                          _as_list(p.get("OwnershipControls", {}).get("Rules"))],
            "versioning": p.get("VersioningConfiguration", {}).get("Status"),
            "lifecycle": lifecycle,
            "policy": [s for b in policies for s in cfn_policy(b["PolicyDocument"])],
            "tags": _tags(p.get("Tags")),
            "retain": _retain(r),
        }
    group = _one(of(LOG_GROUP_TYPE), "log group")
    if group:
        lid, r = group
        p = ev.eval(r.get("Properties", {}))
        out["log_group"] = {
            "name": p.get("LogGroupName"),
            "retention_days": p.get("RetentionInDays"),
            "key": p.get("KmsKeyId"),
            "tags": _tags(p.get("Tags")),
            "retain": _retain(r),
        }
    return out


# ------------------------------------------------------------------ Terraform

BPA_ARGS = {"block_public_acls": "BlockPublicAcls", "block_public_policy": "BlockPublicPolicy",
            "ignore_public_acls": "IgnorePublicAcls",
            "restrict_public_buckets": "RestrictPublicBuckets"}


def _tf_retain(ev, attrs):
    return any(ev.eval(lc.get("prevent_destroy")) is True for lc in _as_list(attrs.get("lifecycle")))


def _block(v):
    """A nested block as python-hcl2 gives it: a list of one mapping (or none)."""
    items = _as_list(v)
    if len(items) > 1:
        raise Unresolvable(f"{len(items)} nested blocks where one is expected")
    return items[0] if items else {}


def from_terraform(ev, blocks):
    """The created resources of a module, from its blocks by (kind, type, name)."""
    of = lambda t: [(n, a) for (k, typ, n), a in sorted(blocks.items())  # noqa: E731
                    if k == "resource" and typ == t]
    out = {"key": None, "bucket": None, "log_group": None}
    key = _one(of("aws_kms_key"), "KMS key")
    if key:
        name, a = key
        aliases = [ev.eval(x) for _, x in of("aws_kms_alias")]
        for x in aliases:
            if x.get("target_key_id") not in (CREATED_KEY_ID, key_arn(ev.pseudo)):
                raise Unresolvable(f"alias {x.get('name')} targets {x.get('target_key_id')}")
        out["key"] = {
            "description": ev.eval(a.get("description")),
            "spec": ev.eval(a.get("customer_master_key_spec", "SYMMETRIC_DEFAULT")),
            "usage": ev.eval(a.get("key_usage", "ENCRYPT_DECRYPT")),
            "rotation": ev.eval(a.get("enable_key_rotation")) is True,
            "alias": sorted(x["name"] for x in aliases),
            "policy": tf_policy(ev, ev.eval(a["policy"]), blocks),
            "tags": ev.eval(a.get("tags", {})),
            "retain": _tf_retain(ev, a),
        }
    bucket = _one(of("aws_s3_bucket"), "bucket")
    if bucket:
        name, a = bucket

        def part(typ):
            found = [ev.eval({k: v for k, v in x.items() if k not in ("lifecycle", "depends_on")})
                     for _, x in of(typ)]
            for x in found:
                if x.get("bucket") != CREATED_BUCKET_NAME:
                    raise Unresolvable(f"{typ} of bucket {x.get('bucket')}")
            return _one(found, typ) or {}

        sse = part("aws_s3_bucket_server_side_encryption_configuration")
        rule = _block(sse.get("rule"))
        default = _block(rule.get("apply_server_side_encryption_by_default"))
        if default.get("sse_algorithm") != "aws:kms":
            raise Unresolvable(f"bucket encryption {default.get('sse_algorithm')}")
        bpa = part("aws_s3_bucket_public_access_block")
        ownership = part("aws_s3_bucket_ownership_controls")
        versioning = _block(part("aws_s3_bucket_versioning").get("versioning_configuration"))
        lifecycle = []
        for r in _as_list(part("aws_s3_bucket_lifecycle_configuration").get("rule")):
            f = _block(r.get("filter"))
            lifecycle.append({
                "id": r.get("id"), "enabled": r.get("status") == "Enabled",
                "prefix": f.get("prefix", ""),
                "expiration_days": _block(r.get("expiration")).get("days"),
                "noncurrent_days":
                    _block(r.get("noncurrent_version_expiration")).get("noncurrent_days"),
                "abort_multipart_days":
                    _block(r.get("abort_incomplete_multipart_upload")).get("days_after_initiation"),
            })
        policy = part("aws_s3_bucket_policy")
        out["bucket"] = {
            "key": default.get("kms_master_key_id"),
            "bucket_key": rule.get("bucket_key_enabled") is True,
            "public_access_block": sorted(BPA_ARGS[k] for k, v in bpa.items()
                                          if k in BPA_ARGS and v is True),
            "ownership": [_block(r).get("object_ownership") for r in _as_list(ownership.get("rule"))],
            "versioning": versioning.get("status"),
            "lifecycle": lifecycle,
            "policy": tf_policy(ev, policy["policy"], blocks) if policy else [],
            "tags": ev.eval(a.get("tags", {})),
            "retain": _tf_retain(ev, a),
        }
    group = _one(of("aws_cloudwatch_log_group"), "log group")
    if group:
        name, a = group
        out["log_group"] = {
            "name": ev.eval(a.get("name")),
            "retention_days": ev.eval(a.get("retention_in_days")),
            "key": ev.eval(a.get("kms_key_id")),
            "tags": ev.eval(a.get("tags", {})),
            "retain": _tf_retain(ev, a),
        }
    return out
