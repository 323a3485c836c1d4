/**
 * Serverless Cloud Function actions `cvm-autopilot deploy` uses (scf 2018-04-16), shaped as
 * Tencent Cloud's current SCF API docs give them: GetFunction, CreateFunction,
 * UpdateFunctionCode, UpdateFunctionConfiguration, CreateTrigger, ListTriggers, DeleteTrigger,
 * Get/UpdateFunctionEventInvokeConfig, and Invoke (a coordinator's fan-out). Shapes follow
 * Tencent's published examples (witness files from tccli's scf examples): a function URL's
 * NetConfig with ExtranetUrl / IntranetUrl on `tencentscf.com`, a timer's TriggerDesc as
 * `{"cron":…}`, AddTime as `2021-06-09 16:07:18`.
 */
import { createHash } from "node:crypto";
import { ApiFault, int, str } from "../api-fault.ts";
import type { Handler, HandlerContext } from "./context.ts";

export interface EmuFunction {
  FunctionName: string;
  Namespace: string;
  Runtime: string;
  Handler: string;
  MemorySize: number;
  Timeout: number;
  Description: string;
  Environment: { Variables: Array<{ Key: string; Value: string }> };
  CodeSha256: string;
  CodeSize: number;
  Role: string;
  /** Creating / Updating for a while after a write, then Active (SCF); the next write before that fails. */
  Status: "Creating" | "Updating" | "Active";
  activeAt: number;
  triggers: Map<string, { Type: string; TriggerName: string; TriggerDesc: string; Enable: number; AddTime: string }>;
  /** Retries of a failed asynchronous run: SCF retries user errors twice by default; MsgTTL in seconds. */
  asyncConfig?: { MsgTTL: number; RetryConfig: Array<{ RetryNum: number }> };
  /** Invoke calls received (the emulator runs no code): the event each carried, and how. */
  invocations?: Array<{ type: string; event: unknown; requestId: string; environment: Record<string, string> }>;
}

/** An Active function with no code and no triggers, put straight into the store: something to Invoke (fan-out benchmarks and tests). */
export function stubFunction(name: string, namespace = "default"): EmuFunction {
  return {
    FunctionName: name,
    Namespace: namespace,
    Runtime: "Nodejs18.15",
    Handler: "index.main_handler",
    MemorySize: 128,
    Timeout: 900,
    Description: "",
    Environment: { Variables: [] },
    CodeSha256: "",
    CodeSize: 0,
    Role: "",
    Status: "Active",
    activeAt: 0,
    triggers: new Map(),
  };
}

/** Functions per region/namespace/name; kept outside EmulatorState so the CVM model stays small. */
export const scfStore = new WeakMap<object, Map<string, EmuFunction>>();
const store = (ctx: HandlerContext) => {
  let m = scfStore.get(ctx.state);
  if (!m) scfStore.set(ctx.state, (m = new Map()));
  return m;
};
/** Namespaces made with CreateNamespace, per account state and region; `default` always exists. */
const namespaces = new WeakMap<object, Set<string>>();
const namespaceOf = (ctx: HandlerContext) => str(ctx.params, "Namespace") ?? "default";
function checkNamespace(ctx: HandlerContext): void {
  const ns = namespaceOf(ctx);
  if (ns !== "default" && !namespaces.get(ctx.state)?.has(`${ctx.region}/${ns}`))
    throw new ApiFault("ResourceNotFound.Namespace", `The namespace \`${ns}\` does not exist.`);
}
const keyOf = (ctx: HandlerContext) => {
  checkNamespace(ctx);
  return `${ctx.region}/${namespaceOf(ctx)}/${str(ctx.params, "FunctionName", true)}`;
};
const RUNTIMES = ["Nodejs12.16", "Nodejs14.18", "Nodejs16.13", "Nodejs18.15", "Nodejs20.15"];

function find(ctx: HandlerContext): EmuFunction {
  const f = store(ctx).get(keyOf(ctx));
  if (!f)
    throw new ApiFault(
      "ResourceNotFound.Function",
      `The function \`${str(ctx.params, "FunctionName")}\` does not exist.`,
    );
  if (f.Status !== "Active" && f.activeAt <= ctx.state.now()) f.Status = "Active";
  return f;
}

/** A function still Creating or Updating refuses the next write, as SCF does. */
function findActive(ctx: HandlerContext): EmuFunction {
  const f = find(ctx);
  if (f.Status !== "Active")
    throw new ApiFault(
      "FailedOperation.FunctionStatusError",
      `The function \`${f.FunctionName}\` is ${f.Status}; try again when it is Active.`,
    );
  return f;
}

/** After a write: Creating or Updating until the emulator's clock passes `functionMs`. */
function busy(ctx: HandlerContext, f: EmuFunction, status: "Creating" | "Updating"): void {
  const ms = ctx.state.timings.functionMs;
  f.Status = ms > 0 ? status : "Active";
  f.activeAt = ctx.state.now() + ms;
}

/** SCF's documented rules, checked before anything is stored (the real service refuses these). */
function checkConfig(ctx: HandlerContext): void {
  const d = str(ctx.params, "Description");
  // Letters, digits, space, comma, period, newline and Chinese, at most 1,000 (the CreateFunction model's doc).
  if (d !== undefined && (d.length > 1000 || !/^[A-Za-z0-9 ,.\n\u4e00-\u9fa5]*$/.test(d)))
    throw new ApiFault(
      "InvalidParameterValue.Description",
      "Description may hold letters, digits, spaces, commas, periods and Chinese only.",
    );
  const mem = ctx.params.MemorySize;
  if (mem !== undefined && !(mem === 64 || (typeof mem === "number" && mem % 128 === 0 && mem >= 128 && mem <= 3072)))
    throw new ApiFault("InvalidParameterValue.MemorySize", "MemorySize is 64, or 128 to 3072 in steps of 128.");
  const t = ctx.params.Timeout;
  if (t !== undefined && !(typeof t === "number" && t >= 1 && t <= 900))
    throw new ApiFault("InvalidParameterValue.Timeout", "Timeout is 1 to 900 seconds.");
  const vars = environment(ctx.params.Environment).Variables;
  for (const v of vars) {
    if (v.Key.startsWith("TENCENTCLOUD_"))
      throw new ApiFault(
        "InvalidParameterValue.Environment",
        `Environment key \`${v.Key}\` is reserved (TENCENTCLOUD_*).`,
      );
  }
  // At most 4 KB of environment in all (scf error codes: InvalidParameterValue.EnvironmentExceededLimit).
  const bytes = vars.reduce((n, v) => n + Buffer.byteLength(v.Key) + Buffer.byteLength(v.Value), 0);
  if (bytes > 4096)
    throw new ApiFault(
      "InvalidParameterValue.EnvironmentExceededLimit",
      `The environment is ${bytes} bytes; at most 4096.`,
    );
}

function code(zipBase64: string | undefined): { sha: string; size: number } {
  if (!zipBase64) throw new ApiFault("MissingParameter", "The request is missing the function code (ZipFile).");
  const bytes = Buffer.from(zipBase64, "base64");
  // A zip starts with a local file header, PK\x03\x04.
  if (bytes.length < 22 || bytes.readUInt32LE(0) !== 0x04034b50)
    throw new ApiFault("InvalidParameterValue.ZipFile", "ZipFile is not a zip archive.");
  return { sha: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
}

function environment(v: unknown): EmuFunction["Environment"] {
  const vars = (v as { Variables?: Array<{ Key?: unknown; Value?: unknown }> } | undefined)?.Variables ?? [];
  return { Variables: vars.map((x) => ({ Key: String(x.Key), Value: String(x.Value ?? "") })) };
}

const view = (f: EmuFunction) => {
  const { triggers, CodeSha256: _s, activeAt: _a, ...rest } = f;
  return { ...rest, Triggers: [...triggers.values()] };
};

/** A trigger as SCF answers it: a timer's TriggerDesc wrapped, `{"cron":"<expression>"}` (CreateTrigger and ListTriggers witnesses). */
const shown = (t: { Type: string; TriggerDesc: string }) =>
  t.Type === "timer" ? { ...t, TriggerDesc: JSON.stringify({ cron: t.TriggerDesc }) } : t;
/** SCF's times: `2021-06-09 16:07:18`, Beijing time (the CreateTrigger witness). */
const scfTime = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
const DEFAULT_ASYNC = () => ({ MsgTTL: 21_600, RetryConfig: [{ RetryNum: 2 }] });

export const scfHandlers: Record<string, Handler> = {
  GetFunctionEventInvokeConfig: (ctx) => ({ AsyncTriggerConfig: find(ctx).asyncConfig ?? DEFAULT_ASYNC() }),
  UpdateFunctionEventInvokeConfig: (ctx) => {
    const f = findActive(ctx);
    const c = ctx.params.AsyncTriggerConfig as
      | { MsgTTL?: unknown; RetryConfig?: Array<{ RetryNum?: unknown }> }
      | undefined;
    const retry = c?.RetryConfig?.[0]?.RetryNum;
    if (
      !c ||
      typeof c.MsgTTL !== "number" ||
      !Array.isArray(c.RetryConfig) ||
      typeof retry !== "number" ||
      !Number.isInteger(retry) ||
      retry < 0
    ) {
      throw new ApiFault(
        "InvalidParameterValue.AsyncTriggerConfig",
        "AsyncTriggerConfig needs RetryConfig [{RetryNum}] and MsgTTL.",
      );
    }
    f.asyncConfig = { MsgTTL: c.MsgTTL, RetryConfig: [{ RetryNum: retry }] };
    return {};
  },
  GetFunction: (ctx) => view(find(ctx)),
  CreateFunction: (ctx) => {
    const k = keyOf(ctx);
    if (store(ctx).has(k))
      throw new ApiFault(
        "ResourceInUse.Function",
        `The function \`${str(ctx.params, "FunctionName")}\` already exists.`,
      );
    const runtime = str(ctx.params, "Runtime") ?? "Nodejs18.15";
    if (!RUNTIMES.includes(runtime))
      throw new ApiFault("InvalidParameterValue.Runtime", `Runtime must be one of ${RUNTIMES.join(", ")}.`);
    checkConfig(ctx);
    const c = code((ctx.params.Code as { ZipFile?: string } | undefined)?.ZipFile);
    const f: EmuFunction = {
      FunctionName: str(ctx.params, "FunctionName", true)!,
      Namespace: str(ctx.params, "Namespace") ?? "default",
      Runtime: runtime,
      Handler: str(ctx.params, "Handler") ?? "index.main_handler",
      MemorySize: int(ctx.params, "MemorySize", 128),
      Timeout: int(ctx.params, "Timeout", 3),
      Description: str(ctx.params, "Description") ?? "",
      Environment: environment(ctx.params.Environment),
      CodeSha256: c.sha,
      CodeSize: c.size,
      Role: str(ctx.params, "Role") ?? "",
      Status: "Active",
      activeAt: 0,
      triggers: new Map(),
    };
    busy(ctx, f, "Creating");
    store(ctx).set(k, f);
    return {};
  },
  UpdateFunctionCode: (ctx) => {
    const f = findActive(ctx);
    const c = code(str(ctx.params, "ZipFile"));
    Object.assign(f, { CodeSha256: c.sha, CodeSize: c.size, Handler: str(ctx.params, "Handler") ?? f.Handler });
    busy(ctx, f, "Updating");
    return {};
  },
  UpdateFunctionConfiguration: (ctx) => {
    const f = findActive(ctx);
    checkConfig(ctx);
    if (ctx.params.MemorySize !== undefined) f.MemorySize = int(ctx.params, "MemorySize", f.MemorySize);
    if (ctx.params.Timeout !== undefined) f.Timeout = int(ctx.params, "Timeout", f.Timeout);
    if (ctx.params.Description !== undefined) f.Description = str(ctx.params, "Description") ?? "";
    if (ctx.params.Environment !== undefined) f.Environment = environment(ctx.params.Environment);
    // The runtime is fixed when a function is created (SCF: UpdateFunctionConfiguration cannot change it).
    if (ctx.params.Runtime !== undefined && str(ctx.params, "Runtime") !== f.Runtime) {
      throw new ApiFault(
        "InvalidParameterValue.Runtime",
        `The runtime of \`${f.FunctionName}\` cannot be changed after creation.`,
      );
    }
    if (ctx.params.Role !== undefined) f.Role = str(ctx.params, "Role") ?? "";
    busy(ctx, f, "Updating");
    return {};
  },
  CreateTrigger: (ctx) => {
    const f = findActive(ctx);
    let name = str(ctx.params, "TriggerName", true)!;
    const type = str(ctx.params, "Type", true)!;
    // The current CreateTrigger types (the model's doc); `apigw` is not one of them any more.
    if (!["timer", "http", "cos", "cls", "ckafka"].includes(type))
      throw new ApiFault(
        "InvalidParameterValue.Type",
        `Trigger type \`${type}\` is not one CreateTrigger takes (timer, http, cos, cls, ckafka).`,
      );
    let desc = str(ctx.params, "TriggerDesc") ?? "";
    if (type === "timer" && desc.trim().split(/\s+/).length !== 7)
      throw new ApiFault("InvalidParameterValue.TriggerDesc", "A timer trigger needs a 7-field cron expression.");
    if (type === "http") {
      // A function URL: one per function, named by SCF (the name sent is not used), its address
      // `https://<appid>-<id>.<region>.tencentscf.com` (`.in.` for the intranet one) for as long as
      // it exists, inside the description's NetConfig (witness scf.ListTriggers.json).
      if ([...f.triggers.values()].some((t) => t.Type === "http"))
        throw new ApiFault("ResourceInUse.Trigger", "The function already has a function URL.");
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(desc) as Record<string, unknown>;
      } catch {
        throw new ApiFault(
          "InvalidParameterValue.TriggerDesc",
          'A function URL\'s TriggerDesc is JSON: {"AuthType": …, "NetConfig": …}.',
        );
      }
      name = createHash("sha1")
        .update(`${f.FunctionName}${ctx.state.now()}${Math.random()}`)
        .digest("hex")
        .slice(0, 10);
      const net = (parsed.NetConfig ?? {}) as { EnableIntranet?: boolean; EnableExtranet?: boolean };
      const url = (scheme: string, inner: string) =>
        `${scheme}://1250000000-${name}.${inner}${ctx.region}.tencentscf.com`;
      desc = JSON.stringify({
        AuthType: parsed.AuthType ?? "NONE",
        NetConfig: {
          EnableIntranet: net.EnableIntranet === true,
          IntranetUrl: net.EnableIntranet ? url("https", "in.") : "",
          IntranetHTTPUrl: net.EnableIntranet ? url("http", "in.") : "",
          ExtranetUrl: net.EnableExtranet ? url("https", "") : "",
          ExtranetHTTPUrl: net.EnableExtranet ? url("http", "") : "",
          EnableExtranet: net.EnableExtranet === true,
        },
      });
    }
    if (f.triggers.has(name)) throw new ApiFault("ResourceInUse.Trigger", `The trigger \`${name}\` already exists.`);
    const t = {
      Type: type,
      TriggerName: name,
      TriggerDesc: desc,
      Enable: str(ctx.params, "Enable") === "CLOSE" ? 0 : 1,
      AddTime: scfTime(ctx.state.now()),
    };
    f.triggers.set(name, t);
    return { TriggerInfo: shown(t) };
  },
  CreateNamespace: (ctx) => {
    const ns = str(ctx.params, "Namespace", true)!;
    const set = namespaces.get(ctx.state) ?? new Set<string>();
    namespaces.set(ctx.state, set);
    if (ns === "default" || set.has(`${ctx.region}/${ns}`))
      throw new ApiFault("ResourceInUse.Namespace", `The namespace \`${ns}\` already exists.`);
    set.add(`${ctx.region}/${ns}`);
    return {};
  },
  DeleteFunction: (ctx) => {
    const f = find(ctx);
    store(ctx).delete(keyOf(ctx));
    f.triggers.clear();
    return {};
  },
  ListTriggers: (ctx) => {
    const f = find(ctx);
    const offset = int(ctx.params, "Offset", 0);
    const limit = int(ctx.params, "Limit", 20);
    // As real ListTriggers answers: a timer's TriggerDesc comes back wrapped, `{"cron":"<expression>"}`.
    const all = [...f.triggers.values()].map(shown);
    return { TotalCount: all.length, Triggers: all.slice(offset, offset + limit) };
  },
  /**
   * Invoke (scf 2018-04-16): `InvocationType` Event (asynchronous: SCF queues it and answers at
   * once with the invocation's FunctionRequestId) or RequestResponse; the event travels in
   * `ClientContext` as a JSON string. The emulator keeps each event for tests to read.
   */
  Invoke: (ctx) => {
    const f = find(ctx);
    const type = str(ctx.params, "InvocationType") ?? "RequestResponse";
    if (!["Event", "RequestResponse"].includes(type))
      throw new ApiFault("InvalidParameterValue.InvocationType", "InvocationType is Event or RequestResponse.");
    const raw = str(ctx.params, "ClientContext") ?? "{}";
    let event: unknown;
    try {
      event = JSON.parse(raw);
    } catch {
      throw new ApiFault("InvalidParameterValue.ClientContext", "ClientContext must be a JSON string.");
    }
    if (Buffer.byteLength(raw) > 128 * 1024)
      throw new ApiFault("InvalidParameterValue.ClientContext", "An asynchronous event is at most 128 KB.");
    const requestId = createHash("sha1")
      .update(`${f.FunctionName}${Date.now()}${Math.random()}`)
      .digest("hex")
      .slice(0, 32);
    // What the function would run with: its variables, its region, and — only when it has an
    // execution role SCF may assume — that role's temporary credentials (SCF's reserved names).
    const creds = f.Role ? ctx.roleCredentials?.(f.Role) : undefined;
    const environment: Record<string, string> = {
      ...Object.fromEntries(f.Environment.Variables.map((v) => [v.Key, v.Value])),
      TENCENTCLOUD_REGION: ctx.region,
      ...(creds
        ? {
            TENCENTCLOUD_SECRETID: creds.secretId,
            TENCENTCLOUD_SECRETKEY: creds.secretKey,
            TENCENTCLOUD_SESSIONTOKEN: creds.token,
          }
        : {}),
    };
    (f.invocations ??= []).push({ type, event, requestId, environment });
    return {
      Result: {
        FunctionRequestId: requestId,
        ...(type === "Event"
          ? {}
          : { RetMsg: "", Log: "", MemUsage: 0, Duration: 0, BillDuration: 0, InvokeResult: 0 }),
      },
    };
  },
  DeleteTrigger: (ctx) => {
    const f = find(ctx);
    const name = str(ctx.params, "TriggerName", true)!;
    if (!f.triggers.delete(name))
      throw new ApiFault("ResourceNotFound.Trigger", `The trigger \`${name}\` does not exist.`);
    return {};
  },
};
