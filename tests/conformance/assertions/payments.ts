// CDK assertion tests of the generated TypeScript construct's API (CDK-API.md), on the
// construct of examples/operators-encrypted.yaml (project payments: account and Region
// pinned, two EC2 fleets api and workers, one session key, log bucket and log group for
// both, operators oncall and deployer). cdk_assertions.py copies the construct beside
// this file, compiles both with the suite's tsc and runs this with node; it prints one
// line per case and exits non-zero when one fails.
import * as cdk from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { PaymentsSsmAccess } from './payments-ssm-access';

const failures: string[] = [];

function test(name: string, body: () => void): void {
  try {
    body();
    console.log(`ok   ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`FAIL ${name}\n${String(e instanceof Error ? e.stack ?? e.message : e)}`);
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) {
    throw new Error(message);
  }
}

function throws(body: () => void, text: string): void {
  try {
    body();
  } catch (e) {
    check(String(e).includes(text), `expected an error with '${text}', got ${String(e)}`);
    return;
  }
  throw new Error(`expected an error with '${text}', got none`);
}

type Resources = { [id: string]: { Type: string; Properties?: { [k: string]: unknown } } };

/** The physical names a resource sets, by the property CloudFormation names it with. */
const NAME_PROPERTIES: { [type: string]: string } = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::SSM::Document': 'Name',
};

/** Every physical name the app's stacks set, with where. */
function physicalNames(app: cdk.App): [string, string][] {
  const names: [string, string][] = [];
  for (const stack of app.synth().stacks) {
    const resources = (stack.template.Resources ?? {}) as Resources;
    for (const [id, r] of Object.entries(resources)) {
      const prop = NAME_PROPERTIES[r.Type];
      const name = prop === undefined ? undefined : r.Properties?.[prop];
      if (name !== undefined) {
        names.push([JSON.stringify(name), `${stack.stackName}/${id}`]);
      }
    }
  }
  return names;
}

function duplicates(names: [string, string][]): string[] {
  const seen = new Map<string, string>();
  const dup: string[] = [];
  for (const [name, where] of names) {
    const first = seen.get(name);
    if (first !== undefined) {
      dup.push(`${name}: ${first} and ${where}`);
    }
    seen.set(name, where);
  }
  return dup;
}

/** (action, resource, conditions) atoms of policy statements: one per action, resource
 * and value of each multi-valued condition, so that equal grants written differently
 * (merged, split, ordered otherwise) compare equal. */
function atoms(statements: unknown[]): Set<string> {
  const out = new Set<string>();
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  for (const s of statements as { Action: unknown; Resource: unknown; Condition?: { [op: string]: { [k: string]: unknown } } }[]) {
    let conditions: string[][] = [[]];
    for (const [op, byKey] of Object.entries(s.Condition ?? {}).sort()) {
      for (const [key, values] of Object.entries(byKey).sort()) {
        conditions = conditions.flatMap((c) => list(values).map((v) => [...c, `${op}:${key}=${JSON.stringify(v)}`]));
      }
    }
    for (const a of list(s.Action)) {
      for (const r of list(s.Resource)) {
        for (const c of conditions) {
          out.add(JSON.stringify([a, r, c]));
        }
      }
    }
  }
  return out;
}

/** The statements of the one resource of `type` whose properties match `props`. */
function statementsOf(template: Template, type: string, props: object): unknown[] {
  const found = Object.values(template.findResources(type, { Properties: props }));
  check(found.length === 1, `expected one ${type} with ${JSON.stringify(props)}, found ${found.length}`);
  return found[0].Properties.PolicyDocument.Statement;
}

function sameSets(a: Set<string>, b: Set<string>, what: string): void {
  const onlyA = [...a].filter((x) => !b.has(x));
  const onlyB = [...b].filter((x) => !a.has(x));
  check(onlyA.length === 0 && onlyB.length === 0,
    `${what}: only in the first ${JSON.stringify(onlyA)}, only in the second ${JSON.stringify(onlyB)}`);
}

test('1. two instances with generatedNames in two stacks share no physical name', () => {
  const app = new cdk.App();
  for (const name of ['One', 'Two']) {
    new PaymentsSsmAccess(new cdk.Stack(app, name), 'SsmAccess', { generatedNames: true });
  }
  const dup = duplicates(physicalNames(app));
  check(dup.length === 0, `shared physical names: ${dup.join('; ')}`);
  // The check sees collisions: with the spec's names the two instances share every name.
  const named = new cdk.App();
  for (const name of ['One', 'Two']) {
    new PaymentsSsmAccess(new cdk.Stack(named, name), 'SsmAccess');
  }
  check(duplicates(physicalNames(named)).length >= 7, 'the spec\'s names should collide');
});

test('2. a stack whose account contradicts the pinned one fails synth', () => {
  const app = new cdk.App();
  const wrong = new cdk.Stack(app, 'Wrong', { env: { account: '999988887777', region: 'us-east-1' } });
  new PaymentsSsmAccess(wrong, 'SsmAccess');
  Annotations.fromStack(wrong).hasError('/Wrong/SsmAccess',
    Match.stringLikeRegexp('pins account 111122223333, this stack is for account 999988887777'));
  const right = new cdk.Stack(app, 'Right', { env: { account: '111122223333', region: 'us-east-1' } });
  new PaymentsSsmAccess(right, 'SsmAccess');
  Annotations.fromStack(right).hasNoError('*', Match.anyValue());
  const agnostic = new cdk.Stack(app, 'Agnostic');
  new PaymentsSsmAccess(agnostic, 'SsmAccess');
  Annotations.fromStack(agnostic).hasNoError('*', Match.anyValue());
});

test('3. attachTo wires an ec2.Instance, an AutoScalingGroup and a launch template', () => {
  const app = new cdk.App();
  const stack = new cdk.Stack(app, 'Attach');
  const access = new PaymentsSsmAccess(stack, 'SsmAccess');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const common = {
    vpc,
    instanceType: new ec2.InstanceType('t3.micro'),
    machineImage: ec2.MachineImage.latestAmazonLinux2023(),
  };
  const instance = new ec2.Instance(stack, 'Instance', common);
  const asg = new autoscaling.AutoScalingGroup(stack, 'Group', common);
  const lt = new ec2.LaunchTemplate(stack, 'Template', { machineImage: common.machineImage });
  access.attachTo('api', instance);
  access.attachTo('workers', asg);
  access.attachTo('workers', lt);
  const t = Template.fromStack(stack);
  const roleRef = (role: iam.IRole) => ({ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) });
  t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
    ManagedPolicyName: 'payments-api-session-manager',
    Roles: Match.arrayWith([roleRef(instance.role)]),
  });
  t.hasResourceProperties('AWS::IAM::ManagedPolicy', {
    ManagedPolicyName: 'payments-workers-session-manager',
    Roles: Match.arrayWith([roleRef(asg.role)]),
  });
  t.hasResourceProperties('AWS::EC2::Instance', {
    Tags: Match.arrayWith([{ Key: 'ssmgen-fleet', Value: 'payments-api' }]),
  });
  t.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', {
    Tags: Match.arrayWith([{ Key: 'Service', PropagateAtLaunch: true, Value: 'payments-workers' }]),
  });
  const profile = stack.getLogicalId(access.workersInstanceProfile.node.defaultChild as iam.CfnInstanceProfile);
  t.hasResourceProperties('AWS::EC2::LaunchTemplate', {
    LaunchTemplateData: Match.objectLike({
      IamInstanceProfile: { Arn: { 'Fn::GetAtt': [profile, 'Arn'] } },
      TagSpecifications: Match.arrayWith([Match.objectLike({
        ResourceType: 'instance',
        Tags: Match.arrayWith([{ Key: 'Service', Value: 'payments-workers' }]),
      })]),
    }),
  });
  throws(() => access.attachTo('nope' as 'api', instance), "'nope' is not an EC2 fleet");
});

test('4. grantStartSession(role, \'api\') grants the atoms of a federated operator of api alone', () => {
  for (const generatedNames of [false, true]) {
    const app = new cdk.App();
    const stack = new cdk.Stack(app, 'Grant');
    const access = new PaymentsSsmAccess(stack, 'SsmAccess', { generatedNames });
    const role = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    const grant = access.grantStartSession(role, 'api');
    check(grant.success, 'the grant should succeed on a role');
    const t = Template.fromStack(stack);
    const granted = atoms(statementsOf(t, 'AWS::IAM::Policy', {
      Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) }],
    }));
    // Operator deployer: fleets [api], identity federated, and pass_roles, which a grant
    // leaves out (iam:PassRole is not starting a session).
    const deployer = statementsOf(t, 'AWS::IAM::ManagedPolicy', {
      Description: Match.stringLikeRegexp('operators deployer'),
    }).filter((s) => (s as { Action: unknown }).Action !== 'iam:PassRole');
    check(deployer.length >= 5, 'the deployer policy should have its statements');
    sameSets(granted, atoms(deployer), `generatedNames ${generatedNames}: grant vs operator deployer`);
  }
  const access = new PaymentsSsmAccess(new cdk.Stack(new cdk.App(), 'S'), 'SsmAccess');
  const user = new iam.User(cdk.Stack.of(access), 'U');
  throws(() => access.grantStartSession(user), 'name at least one fleet');
  throws(() => access.grantStartSession(user, 'nope' as 'api'), "'nope' is not a fleet");
});

test('5. the tags prop overrides the spec\'s tags', () => {
  const stack = new cdk.Stack(new cdk.App(), 'Tags');
  new PaymentsSsmAccess(stack, 'SsmAccess', { tags: { team: 'override', stage: 'prod' } });
  const t = Template.fromStack(stack);
  let tagged = 0;
  for (const [id, r] of Object.entries(t.toJSON().Resources as Resources)) {
    const tags = r.Properties?.Tags as { Key: string; Value: string }[] | undefined;
    for (const tag of tags ?? []) {
      check(tag.Key !== 'team' || tag.Value === 'override', `${id} keeps team=${tag.Value}`);
    }
    if (tags?.some((x) => x.Key === 'stage' && x.Value === 'prod')) {
      tagged++;
    }
  }
  check(tagged >= 3, `stage=prod on ${tagged} resources`);
  t.hasResourceProperties('AWS::IAM::Role', {
    RoleName: 'payments-api-ssm',
    Tags: Match.arrayWith([{ Key: 'team', Value: 'override' }]),
  });
});

test('6. a kms.Key, s3.Bucket and logs.LogGroup passed in replace the spec\'s in statements and documents', () => {
  const stack = new cdk.Stack(new cdk.App(), 'Props');
  const sessionKey = new kms.Key(stack, 'Key');
  const logBucket = new s3.Bucket(stack, 'Bucket');
  const logGroup = new logs.LogGroup(stack, 'Group');
  const access = new PaymentsSsmAccess(stack, 'SsmAccess', { sessionKey, logBucket, logGroup });
  const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
  access.grantStartSession(operator, 'workers');
  const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as cdk.CfnElement);
  const key = { 'Fn::GetAtt': [id(sessionKey), 'Arn'] };
  const bucket = { 'Fn::GetAtt': [id(logBucket), 'Arn'] };
  const group = { 'Fn::GetAtt': [id(logGroup), 'Arn'] };
  const t = Template.fromStack(stack);
  const api = atoms(statementsOf(t, 'AWS::IAM::ManagedPolicy', { ManagedPolicyName: 'payments-api-session-manager' }));
  const has = (set: Set<string>, action: string, resource: unknown) =>
    [...set].some((a) => { const [x, r] = JSON.parse(a); return x === action && JSON.stringify(r) === JSON.stringify(resource); });
  check(has(api, 'kms:Decrypt', key), 'kms:Decrypt on the given key');
  check(has(api, 's3:GetEncryptionConfiguration', bucket), 's3:GetEncryptionConfiguration on the given bucket');
  check(has(api, 's3:PutObject', { 'Fn::Join': ['', [bucket, '/sessions/*']] }), 's3:PutObject on the given bucket\'s objects');
  check(has(api, 'logs:PutLogEvents', group), 'logs:PutLogEvents on the given log group');
  const grant = atoms(statementsOf(t, 'AWS::IAM::Policy', { Roles: [{ Ref: id(operator) }] }));
  check(has(grant, 'kms:GenerateDataKey', key), 'the grant names the given key');
  // None of the spec's own key, bucket or log group is left in any policy.
  const policies = JSON.stringify([
    t.findResources('AWS::IAM::ManagedPolicy'), t.findResources('AWS::IAM::Policy')]);
  for (const spec of ['1234abcd-12ab-34cd-56ef-1234567890ab', 'payments-session-logs', '/ssm/payments/sessions']) {
    check(!policies.includes(spec), `a policy still names ${spec}`);
  }
  t.hasResourceProperties('AWS::SSM::Document', {
    Content: { inputs: Match.objectLike({
      kmsKeyId: key,
      s3BucketName: { Ref: id(logBucket) },
      cloudWatchLogGroupName: { Ref: id(logGroup) },
    }) },
  });
  // The cdk-nag acknowledgements name the given bucket's objects, as cdk-nag would.
  const metadata = JSON.stringify(t.findResources('AWS::IAM::ManagedPolicy', {
    Properties: { ManagedPolicyName: 'payments-api-session-manager' } }));
  check(metadata.includes(`Resource::<${id(logBucket)}.Arn>/sessions/*`), 'acknowledgement of the bucket objects');
});

test('7. outputs only when asked', () => {
  const quiet = new cdk.Stack(new cdk.App(), 'Quiet');
  new PaymentsSsmAccess(quiet, 'SsmAccess');
  check(Object.keys(Template.fromStack(quiet).findOutputs('*')).length === 0, 'no outputs by default');
  const loud = new cdk.Stack(new cdk.App(), 'Loud');
  new PaymentsSsmAccess(loud, 'SsmAccess', { outputs: true });
  Template.fromStack(loud).hasOutput('*', { Value: 'ssmgen-fleet=payments-api' });
});

if (failures.length > 0) {
  console.log(`${failures.length} failed: ${failures.join(', ')}`);
  process.exit(1);
}
