/**
 * The settings every function shares, declared once (see settings.ts for the format): the ones
 * config.ts parses into the shared config, then those their readers take from the environment
 * themselves. A function's own settings live in its functions/<name>/config.ts; serve's, the
 * schedules' and deploy's in cli/host-settings.ts.
 */
import { SIGN_METHODS } from "../tencent/signer.ts";
import { baseUrl, bool, csv, field, int, oneOf, optionalString, region, regions, secret } from "./fields.ts";
import { parseDestination, type Destination } from "./destinations.ts";
import { parseAccounts, type AccountsSpec } from "../accounts/accounts.ts";
import { declareSettings } from "./settings.ts";

/** ACCOUNTS: role ARNs, organization:<role>, self (docs/operating.md, "Many accounts"). */
const accounts = () =>
  field((v, fail): AccountsSpec | undefined => {
    const a = parseAccounts(v);
    if (typeof a === "string") fail(a);
    return typeof a === "string" ? undefined : a;
  });

/** NOTIFY_URLS: robot or webhook addresses, separated by commas or spaces (docs/operating.md, "Notifications"). */
const destinations = () =>
  field((v, fail): Destination[] => {
    const out: Destination[] = [];
    for (const raw of csv(v?.replace(/\s+/g, ","))) {
      const d = parseDestination(raw);
      if (typeof d === "string") fail(d);
      else out.push(d);
    }
    return out;
  });

const DEMO_WITHOUT_KEY = "none: `serve` and `run` use the demo emulator";

/** The credentials, under the official SDK's names and the names SCF injects for a function's role. */
const CREDENTIALS = declareSettings({
  secretId: {
    env: "TENCENTCLOUD_SECRET_ID",
    parse: optionalString(),
    meaning:
      "the API key's id (the official SDK's name); with its key set, the CLI works on the real cloud, never the demo",
    default: DEMO_WITHOUT_KEY,
  },
  secretKey: {
    env: "TENCENTCLOUD_SECRET_KEY",
    parse: optionalString(),
    meaning: "the API key's secret (the official SDK's name); never logged or reported",
    default: DEMO_WITHOUT_KEY,
  },
  sessionToken: {
    env: "TENCENTCLOUD_SESSION_TOKEN",
    parse: optionalString(),
    meaning: "session token for temporary credentials",
  },
  // Names SCF injects for a function's execution role (no underscore inside).
  scfSecretId: {
    env: "TENCENTCLOUD_SECRETID",
    parse: optionalString(),
    meaning: "the key id SCF injects for a function's execution role (TENCENTCLOUD_SECRET_ID wins)",
    default: "set by SCF",
  },
  scfSecretKey: {
    env: "TENCENTCLOUD_SECRETKEY",
    parse: optionalString(),
    meaning: "the key secret SCF injects for a function's execution role (TENCENTCLOUD_SECRET_KEY wins)",
    default: "set by SCF",
  },
  scfSessionToken: {
    env: "TENCENTCLOUD_SESSIONTOKEN",
    parse: optionalString(),
    meaning: "the role's session token SCF injects beside them (TENCENTCLOUD_SESSION_TOKEN wins)",
    default: "set by SCF",
  },
});

/** Where and how the API is called. */
const API = declareSettings({
  region: { env: "TENCENTCLOUD_REGION", parse: region(), meaning: "default region", default: "first of `REGIONS`" },
  regions: {
    env: "REGIONS",
    parse: regions(),
    meaning: "regions to act in: a comma list, or `all` (every AVAILABLE region from DescribeRegions)",
    default: "`TENCENTCLOUD_REGION`",
  },
  // Unset is a dry run wherever it is read (a handler, the platform container, serve, run): going
  // live is the operator's decision, never a default. Only the demo, on its own emulator, sets false.
  dryRun: {
    env: "DRY_RUN",
    parse: bool(true),
    meaning:
      "`true`: decide and report, change nothing; `false`: act. Going live is a decision: with DRY_RUN unset every function does a dry run (a deployed handler, `serve`, `run`), `serve` and `run` say how to go live, and `deploy` (and `serverless package`) deploy the functions with `true`; live, they first name the account, the regions and each function's scope. The demo (no credentials) acts on its emulator",
    default: "unset: a dry run everywhere but the demo",
  },
  endpoint: {
    env: "CVM_AUTOPILOT_ENDPOINT",
    parse: baseUrl(),
    meaning: "send every service to one base URL (the emulator)",
    default: "`https://<service>.tencentcloudapi.com`",
  },
  // china: <service>.tencentcloudapi.com; intl: the international site's <service>.intl.tencentcloudapi.com.
  site: {
    env: "CVM_AUTOPILOT_SITE",
    parse: oneOf(["china", "intl"], "china"),
    meaning:
      "`china`: `<service>.tencentcloudapi.com`; `intl`: the international site's `<service>.intl.tencentcloudapi.com`. Finance regions keep their own hosts; global services (cam, sts, organization, tag, region) are never sent to a finance-region host",
  },
  // On a CVM with a CAM role bound: that role's credentials from the instance metadata service.
  useCvmRole: {
    env: "CVM_AUTOPILOT_USE_CVM_ROLE",
    parse: bool(false),
    meaning:
      "`true` on a CVM with a CAM role bound: the role's temporary credentials from the instance metadata service (as the SDK's CvmRoleCredential reads them), renewed before they expire; a key in the environment still wins",
  },
  metadataUrl: {
    env: "CVM_AUTOPILOT_METADATA_URL",
    parse: baseUrl(),
    meaning: "the metadata service's address (tests point it at a stand-in)",
    default: "`http://metadata.tencentyun.com/latest/meta-data/`",
  },
  signMethod: {
    env: "CVM_AUTOPILOT_SIGN_METHOD",
    parse: oneOf(SIGN_METHODS, "TC3-HMAC-SHA256"),
    meaning: "`TC3-HMAC-SHA256`, `HmacSHA256` or `HmacSHA1`",
  },
  // Bounded: past 2^31-1 ms Node fires a timer after 1 ms, and no API call needs two minutes.
  timeoutMs: {
    env: "CVM_AUTOPILOT_TIMEOUT_MS",
    parse: int(10000, 100, 120_000),
    meaning: "per-request timeout, 100–120000 ms",
  },
  maxAttempts: {
    env: "CVM_AUTOPILOT_MAX_ATTEMPTS",
    parse: int(5, 1, 20),
    meaning:
      "attempts per call; only throttling (including HTTP 429, waiting as `Retry-After` asks), 5xx, timeouts and network errors are retried (rightsize's stop only on throttling: see functions.md)",
  },
  // The 2018 CVM API 3.0 reference's account-wide CVM budget (1,000 calls a minute, 100 per API); off by default.
  accountBudget: {
    env: "CVM_AUTOPILOT_ACCOUNT_BUDGET",
    parse: bool(false),
    meaning:
      "`true` also keeps CVM calls under the 2018 CVM API 3.0 reference's account-wide budget: 1,000 a minute, 100 a minute per API (the current API documents per-second limits per action instead)",
  },
  logLevel: {
    env: "LOG_LEVEL",
    parse: oneOf(["debug", "info", "warn", "error"], "info"),
    meaning: "`debug`, `info`, `warn`, `error`",
  },
});

/** Triggers, accounts and fan-out. */
const RUNS = declareSettings({
  // Blank (or only spaces) means webhooks are off; a set key is at least 32 characters.
  webhookSecret: {
    env: "WEBHOOK_SECRET",
    parse: secret(32, "make one with `openssl rand -hex 32`, or leave it blank to turn webhooks off"),
    meaning: "HMAC key for webhook triggers, at least 32 characters; blank or unset means webhooks are refused",
  },
  // Where the dashboard's links point (the monthly digest's, `dashboard --url`).
  dashboardUrl: {
    env: "DASHBOARD_URL",
    parse: baseUrl(),
    meaning: "where the dashboard's links point: serve's or a function URL",
    default: "serve's own",
  },
  accounts: {
    env: "ACCOUNTS",
    parse: accounts(),
    meaning:
      "the accounts a run covers: CAM role ARNs to assume (`qcs::cam::uin/<uin>:roleName/<role>`), or `organization:<role name>` for every member of the organization, plus `self` for the caller's own account (see [Many accounts](operating.md#many-accounts))",
    default: "the caller's own account",
  },
  // auto: a platform run with more than one account × region shard invokes one worker per shard.
  fanout: {
    env: "FANOUT",
    parse: oneOf(["auto", "off"], "auto"),
    meaning:
      "`auto`: on SCF or Lambda, a scheduled run with more than one account × region shard invokes the function once per shard, asynchronously; `off`: one invocation does all",
  },
  // At most this many worker invocations a run: past it, each worker takes a batch of one account's regions.
  fanoutMaxInvocations: {
    env: "FANOUT_MAX_INVOCATIONS",
    parse: int(1000, 1, 10_000),
    meaning:
      "at most this many worker invocations a run (Invoke allows 20 a second, so 1,000 take 50 s): past it, each worker takes a batch of one account's regions and runs them as one run, with that batch's share of the count limits; 1–10,000",
  },
  shardConcurrency: {
    env: "SHARD_CONCURRENCY",
    parse: int(4, 1, 64),
    meaning: "accounts run at once in one process (`run`, `serve`, `FANOUT=off`), 1–64",
  },
});

/** Each run's message. */
const NOTIFY = declareSettings({
  notifyUrls: {
    env: "NOTIFY_URLS",
    parse: destinations(),
    meaning:
      "where each run's messages go, comma- or space-separated: WeCom group robot, DingTalk robot, Slack incoming webhook, Feishu or Lark custom robot (`https://open.feishu.cn/open-apis/bot/v2/hook/…`, `https://open.larksuite.com/…`), or any https URL for signed JSON (see [Operating it](operating.md))",
  },
  notifyAlways: {
    env: "NOTIFY_ALWAYS",
    parse: bool(false),
    meaning: "`true`: send a message after every run, even one that did and found nothing",
  },
  // The generic JSON destination's HMAC key; its own, so a receiver that can verify messages cannot also trigger runs.
  notifySecret: {
    env: "NOTIFY_SECRET",
    parse: secret(32, "make one with `openssl rand -hex 32`; the receiver checks X-Autopilot-Signature with it"),
    meaning:
      "HMAC key (32+ characters) signing messages to a generic JSON destination; required when `NOTIFY_URLS` has one",
  },
  // DingTalk's 加签 secret (starts with SEC), when the robot has signing on.
  dingtalkSecret: {
    env: "NOTIFY_DINGTALK_SECRET",
    parse: optionalString(),
    meaning: "the DingTalk robot's signing secret (`SEC…`), when its security setting is 加签",
  },
  feishuSecret: {
    env: "NOTIFY_FEISHU_SECRET",
    parse: optionalString(),
    meaning:
      "the Feishu or Lark custom robot's signing secret, when its security setting is signature verification (签名校验); each message then carries `timestamp` and `sign`",
  },
});

/**
 * Run history and the savings ledger: lib/history/from-env.ts reads them at each host; declared
 * with the shared ones so deploy copies them into SCF's and Lambda's environments.
 */
const HISTORY = declareSettings({
  historyBucket: {
    env: "HISTORY_BUCKET",
    parse: optionalString(),
    meaning:
      "keep run history and the savings ledger in this bucket: `cos://name-appid` (COS, the default on Tencent Cloud) or `s3://name` (the default on Lambda); one object per run, never overwritten. Unset: `serve` and `run` keep it in a local directory (`REPORT_DIR/history`, else `XDG_STATE_HOME` or `~/.local/state`, then `/cvm-autopilot/history`; with no `HOME` none); SCF and Lambda keep none. COS is signed with the function's key; S3 with the Lambda role's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (set by the runtime, as is `AWS_LAMBDA_FUNCTION_NAME`, which tells Lambda apart)",
  },
  historyBucketRegion: {
    env: "HISTORY_BUCKET_REGION",
    parse: optionalString(),
    meaning: "the history bucket's region",
    default: "`TENCENTCLOUD_REGION` (COS), `AWS_REGION` (S3)",
  },
  historyEndpoint: {
    env: "HISTORY_ENDPOINT",
    parse: optionalString(),
    meaning:
      "a path-style S3-protocol address for the history bucket (a local stand-in); unset: `<bucket>.cos.<region>.myqcloud.com` or `<bucket>.s3.<region>.amazonaws.com`",
    default: "`CVM_AUTOPILOT_ENDPOINT` for COS",
  },
  history: { env: "HISTORY", parse: optionalString(), meaning: "`off`: keep no history at all", default: "on" },
});

/** The shared settings config.ts parses for every function, the CLI and serve. */
export const SHARED_SETTINGS = declareSettings({ ...CREDENTIALS, ...API, ...RUNS, ...NOTIFY, ...HISTORY });

/**
 * Shared settings their readers take from the environment themselves (the CLI's profile and
 * display, the platforms' secret and stand-ins): declared so the reference and the typo check know
 * them. Not copied into deployed functions' environments.
 */
export const DIRECT_SHARED_SETTINGS = declareSettings({
  profile: {
    env: "TENCENTCLOUD_PROFILE",
    parse: optionalString(),
    meaning:
      "for the CLI, the key from a named profile when the environment has none: the SDK's `~/.tencentcloud/credentials` section `[NAME]` (`secret_id`, `secret_key`, `token`; then `/etc/tencentcloud/credentials`), else tccli's `~/.tccli/NAME.credential`, with the region from `~/.tccli/NAME.configure`. Only a named profile is read, so a key in a file is never used unasked",
  },
  logFormat: {
    env: "LOG_FORMAT",
    parse: oneOf(["human", "json"]),
    meaning:
      "the CLI's log lines: `human` (level, message, code, RequestId) or `json`; unset: human on a terminal, JSON when piped. Functions on the platforms always log JSON",
  },
  noColor: {
    env: "NO_COLOR",
    parse: optionalString(),
    meaning: "any value: the CLI's table does not colour outcomes, even on a terminal",
    default: "unset: colours on a terminal",
  },
  forceColor: {
    env: "FORCE_COLOR",
    parse: optionalString(),
    meaning: "any value but `0`: the CLI's table colours outcomes even when piped",
    default: "unset: no colours when piped",
  },
  columns: {
    env: "COLUMNS",
    parse: optionalString(),
    meaning:
      "the table's width when the terminal does not say (it fits the terminal: the zone, type, a shared region and price columns go first, then the reason and name wrap)",
    default: "`130`",
  },
  lambdaEndpoint: {
    env: "AWS_ENDPOINT_URL_LAMBDA",
    parse: optionalString(),
    meaning: "where the Lambda fan-out sends its Invoke calls (a test stand-in); the AWS SDK's own variable",
    default: "AWS",
  },
  secretName: {
    env: "CVM_AUTOPILOT_SECRET_NAME",
    parse: optionalString(),
    meaning:
      "the secret a deployed function reads once per container at cold start. On AWS Lambda: the Secrets Manager secret holding the Tencent key and the webhook and notification secrets. On SCF: set by `deploy` to the SSM secret holding `WEBHOOK_SECRET` and `NOTIFY_*`",
    default: "Lambda `cvm-autopilot`; SCF `cvm-autopilot-secrets`",
  },
  secretVersion: {
    env: "CVM_AUTOPILOT_SECRET_VERSION",
    parse: optionalString(),
    meaning: "on SCF: the SSM secret's version, set by `deploy` from its content (a change makes a new version)",
  },
  secretsManagerEndpoint: {
    env: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    parse: optionalString(),
    meaning: "where that secret is read from (a test stand-in); the AWS SDK's own variable",
    default: "AWS",
  },
});
