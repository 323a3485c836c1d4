/**
 * The platforms' event shapes and how each is recognised: Tencent SCF (timer, function URL and
 * API-gateway events; a function URL's event is API gateway's without requestContext and the
 * *Parameters fields, per SCF's function URL docs) and AWS Lambda (EventBridge schedule, HTTP API v2).
 */
export interface ScfTimerEvent {
  Type: "Timer";
  TriggerName: string;
  Time: string;
  Message?: string;
}
export interface ScfApiGatewayEvent {
  httpMethod: string;
  path: string;
  headers: Record<string, string>;
  body?: string | null;
  isBase64Encoded?: boolean;
  queryString?: Record<string, string>;
  requestContext?: { requestId?: string; stage?: string; serviceId?: string };
}
export interface ScfContext {
  request_id?: string;
  function_name?: string;
  namespace?: string;
}
export interface EventBridgeEvent {
  "detail-type": string;
  source: string;
  time: string;
  id?: string;
}
export interface HttpApiV2Event {
  version: "2.0";
  rawPath: string;
  headers: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  rawQueryString?: string;
  requestContext: { http: { method: string; path: string }; requestId: string };
}
export interface LambdaContext {
  awsRequestId?: string;
  functionName?: string;
  invokedFunctionArn?: string;
}

export interface HttpReply {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

/** SCF's timer event; `Type` is compared without case (deployers' guides show "Timer" and "timer"). */
export const isScfTimer = (e: unknown): e is ScfTimerEvent =>
  typeof (e as ScfTimerEvent)?.Type === "string" && (e as ScfTimerEvent).Type.toLowerCase() === "timer";
export const isScfApiGateway = (e: unknown): e is ScfApiGatewayEvent =>
  typeof (e as ScfApiGatewayEvent)?.httpMethod === "string";
export const isEventBridge = (e: unknown): e is EventBridgeEvent =>
  (e as EventBridgeEvent)?.["detail-type"] === "Scheduled Event";
export const isHttpApiV2 = (e: unknown): e is HttpApiV2Event => {
  const ev = e as HttpApiV2Event | undefined;
  return ev?.version === "2.0" && typeof ev.requestContext?.http === "object" && ev.requestContext.http !== null;
};

/** The key of the event a function sends itself to verify one alarmed machine after answering the callback (alarm-event.ts). */
export const ALARM_KEY = "cvm-autopilot-alarm";

export interface AlarmEvent {
  [ALARM_KEY]: { function: string; instance: string };
}

// Reading events defensively: a field of the wrong type reads as empty, never as a crash.
export const decode = (body: unknown, b64: unknown) =>
  typeof body === "string" && body ? (b64 === true ? Buffer.from(body, "base64").toString("utf8") : body) : "";
export const text = (v: unknown) => (typeof v === "string" ? v : "");
/** SCF hands the query as a map (its function URL and API gateway events): back to a query string, string values only. */
export const queryOf = (v: unknown) =>
  v && typeof v === "object"
    ? new URLSearchParams(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string")).toString()
    : "";
/** Header maps from events are trusted for nothing: only string values are kept. */
export const headersOf = (v: unknown): Record<string, string> =>
  v && typeof v === "object"
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"))
    : {};
