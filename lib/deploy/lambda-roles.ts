/**
 * On AWS Lambda, one IAM role per function (dist/serverless-roles.json, read by serverless.yml),
 * as SCF gets one CAM role per function: a function may invoke only itself (its fan-out shards
 * and alarm hand-offs are invocations of itself), read the one secret holding the Tencent key,
 * write its logs, and add and read run records in the history bucket. No function can invoke
 * another, so a read-only function cannot trigger a writing one.
 *
 * The Tencent key in that secret is one for all functions (Lambda has no Tencent role to give
 * each): docs/deploy.md says to make it a CAM sub-user's key holding the union of
 * dist/cam-policy.json's documents.
 */

/** CloudFormation's logical id of a function's role: `auto-stop-idle` → `AutoStopIdleRole`. */
export const lambdaRoleId = (fn: string) =>
  `${fn
    .split("-")
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("")}Role`;

const arn = (...parts: unknown[]) => ({ "Fn::Join": [":", ["arn", { Ref: "AWS::Partition" }, ...parts]] });
// biome-ignore lint/suspicious/noTemplateCurlyInString: Serverless Framework variables, resolved by `serverless package`
const HISTORY_BUCKET = "${env:HISTORY_BUCKET, 'cvm-autopilot-no-history'}";

/** The statements of one function's role policy. */
function statements(fn: string) {
  return [
    {
      Effect: "Allow",
      Action: "lambda:InvokeFunction",
      Resource: arn(
        "lambda",
        { Ref: "AWS::Region" },
        { Ref: "AWS::AccountId" },
        "function",
        `\${self:service}-\${sls:stage}-${fn}`,
      ),
    },
    {
      // Secrets Manager ARNs end in -<6 random characters>.
      Effect: "Allow",
      Action: "secretsmanager:GetSecretValue",
      Resource: arn(
        "secretsmanager",
        { Ref: "AWS::Region" },
        { Ref: "AWS::AccountId" },
        "secret",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a Serverless Framework variable
        "${env:CVM_AUTOPILOT_SECRET_NAME, 'cvm-autopilot'}-??????",
      ),
    },
    // One new object per run, read back by later runs; never deleted or overwritten by the functions.
    { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: `arn:aws:s3:::${HISTORY_BUCKET}/*` },
    { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${HISTORY_BUCKET}` },
  ];
}

/** serverless.yml's generated resources: each function's role (CloudFormation), logs through AWS's managed basic execution policy. */
export function serverlessRoles(functions: readonly { name: string }[]) {
  return {
    Resources: Object.fromEntries(
      functions.map(({ name }) => [
        lambdaRoleId(name),
        {
          Type: "AWS::IAM::Role",
          Properties: {
            AssumeRolePolicyDocument: {
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
              ],
            },
            ManagedPolicyArns: [
              {
                "Fn::Join": [
                  "",
                  ["arn:", { Ref: "AWS::Partition" }, ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
                ],
              },
            ],
            Policies: [
              {
                PolicyName: `cvm-autopilot-${name}`,
                PolicyDocument: { Version: "2012-10-17", Statement: statements(name) },
              },
            ],
          },
        },
      ]),
    ),
  };
}
