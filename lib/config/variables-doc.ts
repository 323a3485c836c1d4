/**
 * What every environment variable means and defaults to, for people: the text of
 * docs/configuration.md, which scripts/config-doc.ts generates by walking the zod schemas
 * (shared, each function's, deploy's) and the CLI's own settings and looking each one up here.
 * A variable a schema declares without an entry here fails the generator and its test, so the
 * reference cannot fall behind the code.
 */
export interface VariableDoc {
  meaning: string;
  default: string;
}

/** By section, in the order the reference lists them; a function's section is its name. */
export const VARIABLE_DOCS: Record<string, Record<string, VariableDoc>> = {
  Shared: {
    TENCENTCLOUD_SECRET_ID: {
      meaning:
        "the API key's id (the official SDK's name); with its key set, the CLI works on the real cloud, never the demo",
      default: "none: `serve` and `run` use the demo emulator",
    },
    TENCENTCLOUD_SECRET_KEY: {
      meaning: "the API key's secret (the official SDK's name); never logged or reported",
      default: "none: `serve` and `run` use the demo emulator",
    },
    TENCENTCLOUD_SESSION_TOKEN: { meaning: "session token for temporary credentials", default: "—" },
    TENCENTCLOUD_PROFILE: {
      meaning:
        "for the CLI, the key from a named profile when the environment has none: the SDK's `~/.tencentcloud/credentials` section `[NAME]` (`secret_id`, `secret_key`, `token`; then `/etc/tencentcloud/credentials`), else tccli's `~/.tccli/NAME.credential`, with the region from `~/.tccli/NAME.configure`. Only a named profile is read, so a key in a file is never used unasked",
      default: "—",
    },
    CVM_AUTOPILOT_USE_CVM_ROLE: {
      meaning:
        "`true` on a CVM with a CAM role bound: the role's temporary credentials from the instance metadata service (as the SDK's CvmRoleCredential reads them), renewed before they expire; a key in the environment still wins",
      default: "`false`",
    },
    CVM_AUTOPILOT_METADATA_URL: {
      meaning: "the metadata service's address (tests point it at a stand-in)",
      default: "`http://metadata.tencentyun.com/latest/meta-data/`",
    },
    TENCENTCLOUD_SECRETID: {
      meaning: "the key id SCF injects for a function's execution role (TENCENTCLOUD_SECRET_ID wins)",
      default: "set by SCF",
    },
    TENCENTCLOUD_SECRETKEY: {
      meaning: "the key secret SCF injects for a function's execution role (TENCENTCLOUD_SECRET_KEY wins)",
      default: "set by SCF",
    },
    TENCENTCLOUD_SESSIONTOKEN: {
      meaning: "the role's session token SCF injects beside them (TENCENTCLOUD_SESSION_TOKEN wins)",
      default: "set by SCF",
    },
    TENCENTCLOUD_REGION: { meaning: "default region", default: "first of `REGIONS`" },
    REGIONS: {
      meaning: "regions to act in: a comma list, or `all` (every AVAILABLE region from DescribeRegions)",
      default: "`TENCENTCLOUD_REGION`",
    },
    DRY_RUN: {
      meaning:
        "`true`: decide and report, change nothing; `false`: act. Going live is a decision: with credentials and DRY_RUN unset, `serve` and `run` do a dry run and say how to go live, and `deploy` (and `serverless package`) deploy the functions with `true`; live, they first name the account, the regions and each function's scope. The demo (no credentials) acts on its emulator",
      default:
        "unset: a dry run for `serve`, `run` and deployed functions; a handler given an environment without it reads `false`",
    },
    HISTORY_BUCKET: {
      meaning:
        "keep run history and the savings ledger in this bucket: `cos://name-appid` (COS, the default on Tencent Cloud) or `s3://name` (the default on Lambda); one object per run, never overwritten. Unset: `serve` and `run` keep it in a local directory (`REPORT_DIR/history`, else `XDG_STATE_HOME` or `~/.local/state`, then `/cvm-autopilot/history`; with no `HOME` none); SCF and Lambda keep none. COS is signed with the function's key; S3 with the Lambda role's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` (set by the runtime, as is `AWS_LAMBDA_FUNCTION_NAME`, which tells Lambda apart)",
      default: "—",
    },
    HISTORY_BUCKET_REGION: {
      meaning: "the history bucket's region",
      default: "`TENCENTCLOUD_REGION` (COS), `AWS_REGION` (S3)",
    },
    HISTORY_ENDPOINT: {
      meaning:
        "a path-style S3-protocol address for the history bucket (a local stand-in); unset: `<bucket>.cos.<region>.myqcloud.com` or `<bucket>.s3.<region>.amazonaws.com`",
      default: "`CVM_AUTOPILOT_ENDPOINT` for COS",
    },
    HISTORY: { meaning: "`off`: keep no history at all", default: "on" },
    CVM_AUTOPILOT_ENDPOINT: {
      meaning: "send every service to one base URL (the emulator)",
      default: "`https://<service>.tencentcloudapi.com`",
    },
    CVM_AUTOPILOT_SITE: {
      meaning:
        "`china`: `<service>.tencentcloudapi.com`; `intl`: the international site's `<service>.intl.tencentcloudapi.com`. Finance regions keep their own hosts; global services (cam, sts, organization, tag, region) are never sent to a finance-region host",
      default: "`china`",
    },
    CVM_AUTOPILOT_SIGN_METHOD: {
      meaning: "`TC3-HMAC-SHA256`, `HmacSHA256` or `HmacSHA1`",
      default: "`TC3-HMAC-SHA256`",
    },
    CVM_AUTOPILOT_TIMEOUT_MS: { meaning: "per-request timeout, 100–120000 ms", default: "`10000`" },
    CVM_AUTOPILOT_MAX_ATTEMPTS: {
      meaning:
        "attempts per call; only throttling (including HTTP 429, waiting as `Retry-After` asks), 5xx, timeouts and network errors are retried",
      default: "`5`",
    },
    CVM_AUTOPILOT_ACCOUNT_BUDGET: {
      meaning:
        "`true` also keeps CVM calls under the 2018 CVM API 3.0 reference's account-wide budget: 1,000 a minute, 100 a minute per API (the current API documents per-second limits per action instead)",
      default: "`false`",
    },
    LOG_LEVEL: { meaning: "`debug`, `info`, `warn`, `error`", default: "`info`" },
    LOG_FORMAT: {
      meaning:
        "the CLI's log lines: `human` (level, message, code, RequestId) or `json`; unset: human on a terminal, JSON when piped. Functions on the platforms always log JSON",
      default: "—",
    },
    NO_COLOR: {
      meaning: "any value: the CLI's table does not colour outcomes, even on a terminal",
      default: "unset: colours on a terminal",
    },
    FORCE_COLOR: {
      meaning: "any value but `0`: the CLI's table colours outcomes even when piped",
      default: "unset: no colours when piped",
    },
    COLUMNS: {
      meaning:
        "the table's width when the terminal does not say (it fits the terminal: the zone, type, a shared region and price columns go first, then the reason and name wrap)",
      default: "`130`",
    },
    WEBHOOK_SECRET: {
      meaning: "HMAC key for webhook triggers, at least 32 characters; blank or unset means webhooks are refused",
      default: "—",
    },
    ACCOUNTS: {
      meaning:
        "the accounts a run covers: CAM role ARNs to assume (`qcs::cam::uin/<uin>:roleName/<role>`), or `organization:<role name>` for every member of the organization, plus `self` for the caller's own account (see [Many accounts](operating.md#many-accounts))",
      default: "the caller's own account",
    },
    FANOUT: {
      meaning:
        "`auto`: on SCF or Lambda, a scheduled run with more than one account × region shard invokes the function once per shard, asynchronously; `off`: one invocation does all",
      default: "`auto`",
    },
    FANOUT_MAX_INVOCATIONS: {
      meaning:
        "at most this many worker invocations a run (Invoke allows 20 a second, so 1,000 take 50 s): past it, each worker takes a batch of one account's regions and runs them as one run, with that batch's share of the count limits; 1–10,000",
      default: "`1000`",
    },
    SHARD_CONCURRENCY: {
      meaning: "accounts run at once in one process (`run`, `serve`, `FANOUT=off`), 1–64",
      default: "`4`",
    },
    AWS_ENDPOINT_URL_LAMBDA: {
      meaning: "where the Lambda fan-out sends its Invoke calls (a test stand-in); the AWS SDK's own variable",
      default: "AWS",
    },
    CVM_AUTOPILOT_SECRET_NAME: {
      meaning:
        "the secret a deployed function reads once per container at cold start. On AWS Lambda: the Secrets Manager secret holding the Tencent key and the webhook and notification secrets. On SCF: set by `deploy` to the SSM secret holding `WEBHOOK_SECRET` and `NOTIFY_*`",
      default: "Lambda `cvm-autopilot`; SCF `cvm-autopilot-secrets`",
    },
    CVM_AUTOPILOT_SECRET_VERSION: {
      meaning: "on SCF: the SSM secret's version, set by `deploy` from its content (a change makes a new version)",
      default: "—",
    },
    AWS_ENDPOINT_URL_SECRETS_MANAGER: {
      meaning: "where that secret is read from (a test stand-in); the AWS SDK's own variable",
      default: "AWS",
    },
    NOTIFY_URLS: {
      meaning:
        "where each run's messages go, comma- or space-separated: WeCom group robot, DingTalk robot, Slack incoming webhook, Feishu or Lark custom robot (`https://open.feishu.cn/open-apis/bot/v2/hook/…`, `https://open.larksuite.com/…`), or any https URL for signed JSON (see [Operating it](operating.md))",
      default: "—",
    },
    NOTIFY_ALWAYS: {
      meaning: "`true`: send a message after every run, even one that did and found nothing",
      default: "`false`",
    },
    NOTIFY_SECRET: {
      meaning:
        "HMAC key (32+ characters) signing messages to a generic JSON destination; required when `NOTIFY_URLS` has one",
      default: "—",
    },
    NOTIFY_DINGTALK_SECRET: {
      meaning: "the DingTalk robot's signing secret (`SEC…`), when its security setting is 加签",
      default: "—",
    },
    NOTIFY_FEISHU_SECRET: {
      meaning:
        "the Feishu or Lark custom robot's signing secret, when its security setting is signature verification (签名校验); each message then carries `timestamp` and `sign`",
      default: "—",
    },
  },
  "auto-stop-idle": {
    AUTO_STOP_INCLUDE_TAGS: {
      meaning: "only instances with these tags, `k=v,k=v` (same key twice: either value)",
      default: "all",
    },
    AUTO_STOP_OPT_OUT_TAG: {
      meaning: "instances with this tag are never stopped",
      default: "`autopilot:auto-stop=off`",
    },
    AUTO_STOP_NAME_PATTERN: {
      meaning:
        "only instance names matching this regular expression (RE2 syntax, matched in linear time: no backreferences or lookaround)",
      default: "all",
    },
    AUTO_STOP_PROJECTS: { meaning: "only these project ids, comma list", default: "all" },
    AUTO_STOP_LOOKBACK_MINUTES: { meaning: "look-back window", default: "`60`" },
    AUTO_STOP_METRIC_PERIOD: { meaning: "metric granularity, `60` or `300` seconds", default: "`300`" },
    AUTO_STOP_CPU_THRESHOLD: { meaning: "CPU % below which an instance may be idle", default: "`5`" },
    AUTO_STOP_CPU_STAT: { meaning: "`max` or `p95` over the window", default: "`max`" },
    AUTO_STOP_NETWORK_THRESHOLD_MBPS: { meaning: "outbound Mbps below which an instance may be idle", default: "`1`" },
    AUTO_STOP_SCHEDULE: {
      meaning:
        "only act inside these windows, `HH:MM-HH:MM[,…]` (may wrap midnight); an instance's `autopilot:schedule` tag overrides it",
      default: "always",
    },
    AUTO_STOP_TIMEZONE: { meaning: "IANA time zone of the windows", default: "`UTC`" },
    AUTO_STOP_STOPPED_MODE: { meaning: "`STOP_CHARGING` or `KEEP_CHARGING`", default: "`STOP_CHARGING`" },
    AUTO_STOP_STOP_TYPE: { meaning: "`SOFT`, `SOFT_FIRST` or `HARD`", default: "`SOFT`" },
    AUTO_STOP_MAX_FRACTION: {
      meaning:
        "blast-radius guard: refuse to stop more than this share of the in-scope fleet (after tags, projects, name pattern and opt-out)",
      default: "`0.5`",
    },
    AUTO_STOP_MAX_COUNT: { meaning: "blast-radius guard: and no more than this many", default: "—" },
    AUTO_STOP_OVERRIDE_GUARD: { meaning: "`true` lets a run past the guard", default: "`false`" },
    AUTO_STOP_PRICES: {
      meaning:
        "`InstanceType=hourlyPrice,…`: overrides for estimated savings. Without one, a stopped type's price comes from DescribeZoneInstanceConfigInfos (pay-as-you-go `UnitPriceDiscount`, else `UnitPrice`, per zone; one call per region per run). Savings are reported per hour and per 30-day month at that rate; a type with no price is counted as `unpriced` and named in `unpricedTypes`, never taken as free, and a failed lookup only leaves types unpriced",
      default: "—",
    },
    AUTO_STOP_SOURCE: {
      meaning:
        "where candidates come from: `polling` reads every in-scope machine's metrics each run; `alarms` reads only the machines the account's Cloud Monitor idle alarm policy reports (DescribeAlarmHistories, not billed) and verifies each with fresh metrics before a stop. `deploy` creates one policy per account (`cvm-autopilot-idle`, in each account of ACCOUNTS, bound by AUTO_STOP_INCLUDE_TAGS, which alarm mode requires) and removes it in polling mode and with `--remove`. See docs/functions.md, \"Idle detection and its cost\"",
      default: "`polling`",
    },
    AUTO_STOP_METRIC_BUDGET: {
      meaning:
        "GetMonitorData calls one run may make in one account, split evenly over its regions (each batch of 50 machines may take 3: CPU, LAN, WAN); machines past it are kept as `deferred` and take their turn at a later run: a rotation checks every in-scope machine within ⌈in scope ÷ machines a run⌉ consecutive runs. `0`: no limit. Cloud Monitor bills past 1,000,000 calls a month per root account",
      default: "`340` with `alarms` (a 15-minute schedule's share of the free tier), none with `polling`",
    },
    AUTO_STOP_ALARM_SEARCH_DAYS: {
      meaning:
        "with `alarms`: how far back alarm histories are searched (the API finds an alarm by when it began, so an alarm older than this is missed until it fires again)",
      default: "`30`",
    },
    AUTO_STOP_WARN_MINUTES: {
      meaning:
        "warn before stopping: a machine found idle is announced and tagged `autopilot:warning:auto-stop-idle` (when, the stop time now plus these minutes, the machine's running period, and a seal keyed from WEBHOOK_SECRET), with links when AUTO_STOP_LINK_URL and WEBHOOK_SECRET are set; a later run stops it only on this function's own warning, given at least these minutes earlier while the machine has run since, if fresh metrics still say idle and it is not snoozed (`autopilot:snooze-until`). A stop or restart uses a warning up; one more than an hour past its time is given again. `0`: stop at once",
      default: "`0`",
    },
    AUTO_STOP_LINK_URL: {
      meaning:
        "the address a warning's links point at: the auto-stop-idle function URL `deploy` prints, or `serve`'s address. Links (`/snooze?…`, HMAC-signed with a key derived from WEBHOOK_SECRET) keep one machine running 2 h or until tomorrow 09:00 (AUTO_STOP_TIMEZONE), or stop it now through every scope rule and the guard; opening one shows the machine's state and a button, and only the button (a POST) acts; they expire with the warning, a stop-now link acts only while the machine runs in the period it was sent for, and a dry run gives none",
      default: "— (no links)",
    },
    AUTO_STOP_CURRENCY: {
      meaning:
        "the currency of the prices (the account's site decides it), stated in the report: `CNY` (China site) or `USD` (international site)",
      default: "`CNY`",
    },
  },
  "image-sync": {
    IMAGE_SYNC_SOURCE_REGION: { meaning: "where golden images are built", default: "`TENCENTCLOUD_REGION`" },
    IMAGE_SYNC_DESTINATIONS: { meaning: "comma list of regions, or `all`", default: "`REGIONS` minus the source" },
    IMAGE_SYNC_IMAGE_IDS: { meaning: "sync exactly these images", default: "—" },
    IMAGE_SYNC_NAME_PREFIX: { meaning: "or: the newest NORMAL private image per name with this prefix", default: "—" },
    IMAGE_SYNC_TAG: {
      meaning: "or (default): the newest NORMAL private image per name with this tag",
      default: "`autopilot:sync=true`",
    },
    IMAGE_SYNC_KEEP: { meaning: "copies the tool made to keep per image name and destination", default: "`2`" },
    IMAGE_SYNC_KEEP_TAG: { meaning: "images with this tag are never pruned", default: "`autopilot:keep=true`" },
    IMAGE_SYNC_MAX_DELETES: { meaning: "blast-radius limit on image deletions per run", default: "`20`" },
  },
  "renew-flag": {
    RENEW_RULES: { meaning: "`key=value:FLAG,…`; **the first matching rule wins** (order is priority)", default: "—" },
    RENEW_DEFAULT_FLAG: {
      meaning: "flag for prepaid instances no rule matches; unset: leave them alone",
      default: "—",
    },
    RENEW_WARN_DAYS: {
      meaning: "warn about instances expiring within this many days that will not auto-renew",
      default: "`7`",
    },
  },
  "key-rotation": {
    KEY_ROTATION_TAG: { meaning: "instances in scope", default: "`autopilot:rotate-keys=true`" },
    KEY_ROTATION_MAX_AGE_DAYS: { meaning: "rotate keys older than this", default: "`90`" },
    KEY_ROTATION_ALLOW_FORCE_STOP: {
      meaning: "`true` rotates running instances too (ForceStop); otherwise they are skipped and reported",
      default: "`false`",
    },
    KEY_ROTATION_KEY_PREFIX: {
      meaning: "names of the keys the tool creates: `<prefix>_YYYYMMDDHHMM`",
      default: "`autopilot`",
    },
    KEY_ROTATION_KEY_BITS: { meaning: "RSA key size, at least 3072", default: "`3072`" },
    KEY_ROTATION_MAX_INSTANCES: { meaning: "blast-radius limit per region and run", default: "`100`" },
    KEY_ROTATION_SECRET_RECOVERY_DAYS: {
      meaning:
        "SSM recovery window for retired private keys, 7–30 days: the secret is disabled first (SSM schedules the deletion of a disabled secret only), and a scheduled deletion can be undone (`RestoreSecret`) until then; the role needs `ssm:DisableSecret` (in `dist/cam-policy.json`)",
      default: "`7`",
    },
  },
  "office-hours": {
    OFFICE_HOURS_SCHEDULES: {
      meaning: "JSON: named schedules (docs/functions.md, office-hours)",
      default: "weekdays 09:00–19:00, `Asia/Shanghai`, `CN` calendar, named `office`",
    },
    OFFICE_HOURS_TAG: {
      meaning: "the tag key an instance opts in with; its value names the schedule",
      default: "`autopilot:office-hours`",
    },
    OFFICE_HOURS_OPT_OUT_TAG: {
      meaning: "instances with this tag are never started or stopped",
      default: "`autopilot:office-hours-opt-out=true`",
    },
    OFFICE_HOURS_STATE_TAG: {
      meaning: "the tag on which each run records its last action on an instance (docs/functions.md, office-hours)",
      default: "`autopilot:office-hours-last`",
    },
    OFFICE_HOURS_STOPPED_MODE: {
      meaning: "`STOP_CHARGING` or `KEEP_CHARGING` for pay-as-you-go stops",
      default: "`STOP_CHARGING`",
    },
    OFFICE_HOURS_MAX_FRACTION: {
      meaning: "blast-radius guard: at most this share (0–1) of the in-scope instances started or stopped per run",
      default: "`1` (a schedule's edge moves every machine on it)",
    },
    OFFICE_HOURS_MAX_COUNT: {
      meaning: "blast-radius guard: at most this many instances started or stopped per run",
      default: "— (no count limit)",
    },
    OFFICE_HOURS_WARN_MINUTES: {
      meaning:
        "warn before stopping: at the end of hours a machine is announced and tagged `autopilot:warning:office-hours` (sealed like auto-stop-idle's) instead of stopped; a later run stops it only on office-hours' own warning, given at least these minutes earlier while the machine has run since, unless `autopilot:snooze-until` says otherwise. Starts are never delayed. `0`: stop at once",
      default: "`0`",
    },
    OFFICE_HOURS_PRICES: {
      meaning:
        "`InstanceType=hourlyPrice,…`: the report's `estimatedSaving` for the hours stopped; pay-as-you-go machines whose type has no price are counted as `unpriced` and named in `unpricedTypes`, never taken as free",
      default: "—",
    },
  },
  rightsize: {
    RIGHTSIZE_CPU_TARGET: {
      meaning: "the smaller type must keep the look-back's P99 CPU, scaled by the vCPU ratio, under this percent",
      default: "`70`",
    },
    RIGHTSIZE_MEMORY_TARGET: {
      meaning:
        "where Cloud Monitor has MemUsage (only with the monitoring agent), the P99 memory used must fit under this percent of the smaller type's memory; without it memory is reported unknown, never guessed",
      default: "`80`",
    },
    RIGHTSIZE_LOOKBACK_DAYS: {
      meaning: "days of hourly CPU and memory read (GetMonitorData, Period 3600)",
      default: "`14`",
    },
    RIGHTSIZE_MIN_HOURS: { meaning: "hours of CPU data a machine needs before it is judged", default: "`30`" },
    RIGHTSIZE_APPLY_TAG: {
      meaning: "only machines with this tag are resized (stop, ResetInstancesType, start); the rest are proposed only",
      default: "`autopilot:rightsize=apply`",
    },
    RIGHTSIZE_WINDOW: {
      meaning:
        "maintenance window(s), `HH:MM-HH:MM,…` in RIGHTSIZE_TIMEZONE: the only time a resize begins (one begun earlier and left half done is finished whenever found)",
      default: "none: nothing is resized",
    },
    RIGHTSIZE_TIMEZONE: { meaning: "time zone of RIGHTSIZE_WINDOW", default: "`UTC`" },
    RIGHTSIZE_MAX_FRACTION: {
      meaning: "blast-radius limit: share of the machines judged resized in one run",
      default: "`0.5`",
    },
    RIGHTSIZE_MAX_COUNT: { meaning: "blast-radius limit: resizes per run", default: "no limit" },
    RIGHTSIZE_OVERRIDE_GUARD: { meaning: "`true` lets one run past the guard", default: "`false`" },
  },
  "prepaid-advice": {
    PREPAID_ADVICE_MIN_SAVING: {
      meaning:
        "advise a prepaid month only where it saves at least this much a month (CNY); the hours stopped without charge come from history (HISTORY, HISTORY_BUCKET)",
      default: "`0`",
    },
  },
  "serve, schedules and deploy": {
    PORT: { meaning: "webhook server port (`0`: any free port)", default: "`8080`" },
    LOG_FILE: { meaning: "JSON logs to this file (`-`: stdout); unset: warnings and errors on stderr", default: "—" },
    SCHEDULE_TIMEZONE: {
      meaning:
        "the IANA zone every schedule is written in; each platform gets an expression that fires at the same instants (SCF evaluates timers in Beijing time, EventBridge in UTC); a zone with daylight saving, or whose offset from those is not whole hours, is refused",
      default: "`UTC`",
    },
    REPORT_DIR: {
      meaning:
        "keep each run's full report as `<dir>/<function>/<runId>.json` plus `latest.json` (for `serve` and `run`; `run --out DIR` wins)",
      default: "—",
    },
    SERVE_RUN_ON_START: { meaning: "run each function once at start", default: "`true` with the demo emulator" },
    SERVE_FUNCTIONS: { meaning: "which functions to serve, comma list", default: "all" },
    SCHEDULE_AUTO_STOP_IDLE: {
      meaning:
        "when auto-stop-idle runs: a 5-field cron in SCHEDULE_TIMEZONE (`cvm-autopilot validate` says it in words)",
      default: "`*/15 * * * *` (every 15 minutes)",
    },
    SCHEDULE_IMAGE_SYNC: {
      meaning: "when image-sync runs: a 5-field cron in SCHEDULE_TIMEZONE (`cvm-autopilot validate` says it in words)",
      default: "`0 2 * * *` (02:00 daily)",
    },
    SCHEDULE_RENEW_FLAG: {
      meaning: "when renew-flag runs: a 5-field cron in SCHEDULE_TIMEZONE (`cvm-autopilot validate` says it in words)",
      default: "`0 9 * * *` (09:00 daily)",
    },
    SCHEDULE_KEY_ROTATION: {
      meaning:
        "when key-rotation runs: a 5-field cron in SCHEDULE_TIMEZONE (`cvm-autopilot validate` says it in words)",
      default: "`0 3 * * 1` (03:00 on Mondays)",
    },
    SCHEDULE_OFFICE_HOURS: {
      meaning:
        "when office-hours runs: a 5-field cron in SCHEDULE_TIMEZONE (`cvm-autopilot validate` says it in words)",
      default: "`*/5 * * * *` (every 5 minutes)",
    },
    SCHEDULE_RIGHTSIZE: {
      meaning:
        "when rightsize runs: a 5-field cron in SCHEDULE_TIMEZONE (`cvm-autopilot validate` says it in words); a resize begins only if the run falls in RIGHTSIZE_WINDOW",
      default: "`0 19 * * *` (19:00 daily: 03:00 in Beijing)",
    },
    SCHEDULE_PREPAID_ADVICE: {
      meaning:
        "when prepaid-advice runs: a 5-field cron in SCHEDULE_TIMEZONE (`cvm-autopilot validate` says it in words)",
      default: "`0 2 * * 1` (02:00 on Mondays)",
    },
    SCF_NAMESPACE: { meaning: "SCF namespace for `deploy`", default: "`default`" },
    SCF_RUNTIME: { meaning: "SCF Node.js runtime", default: "`Nodejs18.15`" },
    SCF_MEMORY_SIZE: {
      meaning: "each function's memory in MB: 64, or 128–3072 in steps of 128",
      default: "`128`",
    },
    SCF_TIMEOUT: {
      meaning: "each function's timeout in seconds, 1–900",
      default: "`900`",
    },
    SCF_ROLE: {
      meaning:
        "the CAM roles the functions run as: each function its own, `<SCF_ROLE>-<function>`, with that function's policy from `dist/cam-policy.json` (SCF gives a function credentials only through its role)",
      default: "`cvm-autopilot-runner`",
    },
    SCF_TIMER_ZONE: {
      meaning:
        "the zone SCF evaluates timer cron in, which `deploy` converts schedules to (deployers' guides give Beijing time; Tencent's pages at hand do not say, so it can be overridden)",
      default: "`Asia/Shanghai`",
    },
    AWS_REGION: { meaning: "region for `serverless package`", default: "`us-east-1`" },
  },
};
