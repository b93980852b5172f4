# Custom::SsmActivation, written by ssmgen: CloudFormation has no activation resource.
# Creates a Systems Manager hybrid activation and puts its id and code in the stack's
# secret (SecretId). Inline code: standard library and botocore (in the Lambda runtime).
# Never log or answer the code: CloudFormation shows Reason and PhysicalResourceId.
import json, logging, os, re, threading, time
from datetime import datetime, timedelta, timezone
from urllib.request import Request, urlopen
import botocore.session
from botocore.exceptions import ClientError

log = logging.getLogger()
log.setLevel(logging.INFO)
# botocore logs response bodies, the code among them, at DEBUG.
logging.getLogger("botocore").setLevel(logging.WARNING)
ACTIVATION_ID = re.compile(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}")
# DeleteActivation's answers for an activation already deleted, or never made.
GONE = ("InvalidActivation", "InvalidActivationId")


class Failed(Exception):
    pass


def client(name):
    session = botocore.session.get_session()
    return session.create_client(name, region_name=os.environ["AWS_REGION"])


def why(e):
    if isinstance(e, ClientError):
        e = "%s: %s" % (e.response["Error"].get("Code"), e.response["Error"].get("Message"))
    elif not isinstance(e, Failed):
        e = "%s: %s" % (type(e).__name__, e)
    return " ".join(str(e).split())[:400]


def delete(ssm, aid):
    for n in range(3):
        try:
            return ssm.delete_activation(ActivationId=aid)
        except ClientError as e:
            code = e.response["Error"].get("Code")
            if code in GONE:
                return log.info("activation %s already gone (%s)", aid, code)
            # TooManyUpdates is transient: try again, then answer FAILED.
            if code != "TooManyUpdates" or n == 2:
                raise
            time.sleep(2 ** n)


def create(p):
    need = [k for k in ("IamRole", "RegistrationLimit", "ExpiryHours", "SecretId") if not p.get(k)]
    if need:
        raise Failed("missing properties: " + ", ".join(need))
    hours = int(p["ExpiryHours"])  # CloudFormation passes every scalar as a string
    if not 1 <= hours <= 720:
        raise Failed("ExpiryHours %d: an activation lasts 1 to 720 hours (30 days)" % hours)
    expiry = datetime.now(timezone.utc) + timedelta(hours=hours)
    args = dict(IamRole=p["IamRole"], RegistrationLimit=int(p["RegistrationLimit"]),
                ExpirationDate=expiry)
    args.update((k, p[k]) for k in ("DefaultInstanceName", "Description", "Tags") if p.get(k))
    ssm = client("ssm")
    made = ssm.create_activation(**args)
    aid, code = made["ActivationId"], made["ActivationCode"]
    log.info("created activation %s", aid)
    try:
        client("secretsmanager").put_secret_value(SecretId=p["SecretId"], SecretString=json.dumps({
            "ActivationId": aid, "ActivationCode": code,
            "ExpirationDate": expiry.isoformat(timespec="seconds"), "Region": os.environ["AWS_REGION"]}))
    except Exception as e:  # e.g. ResourceNotFoundException: no such secret
        reason = why(e).replace(code, "***")
        try:
            delete(ssm, aid)
            reason += "; activation %s deleted" % aid
        except Exception as d:
            reason += "; activation %s NOT deleted: %s" % (aid, why(d))
        raise Failed(reason)
    return aid


def apply(event):
    kind, pid = event["RequestType"], event.get("PhysicalResourceId", "")
    mine = ACTIVATION_ID.fullmatch(pid)  # not a failed Create's placeholder
    if kind == "Delete":
        if mine:
            delete(client("ssm"), pid)
        return pid
    if kind == "Update" and mine:
        # Every activation property is fixed at creation, tags too: a change makes a new
        # activation under a new physical id, and CloudFormation then deletes the old one.
        # So a change of Renewal is how an activation is re-issued, expired (30 days at
        # most) or not; a rollback's Update re-issues one too, and the secret follows.
        # The custom resource's own settings are no activation property.
        own = dict(ServiceToken=None, ServiceTimeout=None)
        if dict(event["ResourceProperties"], **own) == dict(event["OldResourceProperties"], **own):
            return pid
    return create(event["ResourceProperties"])


def handler(event, context):
    old = event.get("PhysicalResourceId")
    fallback = old or "failed-" + event["RequestId"]
    log.info("%s %s %s", event["RequestType"], event["LogicalResourceId"], old or "-")
    lock, sent = threading.Lock(), []

    def reply(status, reason, pid):
        with lock:  # once, from here or from the guard; a late caller waits for the PUT
            if sent:
                return False
            sent.append(status)
            body = json.dumps({"Status": status, "Reason": reason, "PhysicalResourceId": pid,
                               "StackId": event["StackId"], "RequestId": event["RequestId"],
                               "LogicalResourceId": event["LogicalResourceId"], "Data": {}})
            for n in range(3):
                try:  # the URL is presigned for an empty Content-Type
                    urlopen(Request(event["ResponseURL"], body.encode(), {"Content-Type": ""},
                                    method="PUT"), timeout=15).close()
                    return True
                except Exception as e:
                    log.warning("answer not sent: %s", type(e).__name__)
                    time.sleep(n + 1)
            return True

    # Answer FAILED 5 s (at most half the time left) before Lambda stops the function, or
    # CloudFormation waits for its ServiceTimeout, an hour by default.
    left = context.get_remaining_time_in_millis() / 1000
    guard = threading.Timer(left - min(5, left / 2), reply,
                            ("FAILED", "timed out: no answer from the AWS APIs in time", fallback))
    guard.daemon = True
    guard.start()
    try:
        status, reason, pid = "SUCCESS", "", apply(event)
    except Exception as e:
        status, reason, pid = "FAILED", why(e), fallback
        log.error("%s failed: %s", event["RequestType"], reason)
    guard.cancel()
    if not reply(status, reason, pid) and pid not in (old, fallback):
        try:  # the guard answered first: CloudFormation will never know this activation
            delete(client("ssm"), pid)
        except Exception as e:
            log.error("activation %s left behind: %s", pid, why(e))
