/**
 * A reply's body as the API writes it: `{"Response":{...fields,"RequestId":...}}`. A field may
 * hold rows already serialised (JsonRows, as UTF-8): they are copied into the body as they are,
 * so a listing page neither serialises nor encodes a hundred unchanged instances again. The bytes
 * are the same as JSON.stringify of the rows' views, encoded as UTF-8, would give.
 */
export class JsonRows {
  constructor(
    /** Each row's JSON as UTF-8, in order. */
    readonly rows: readonly Buffer[],
  ) {}

  /** For JSON.stringify reaching these rows some other way: the same text, parsed back. */
  toJSON(): unknown[] {
    return this.rows.map((r) => JSON.parse(r.toString()) as unknown);
  }
}

const COMMA = Buffer.from(",");

/** The body: a string, or the UTF-8 bytes of the same text when a field holds JsonRows. */
export function replyBody(fields: Record<string, unknown>, requestId: string): string | Buffer {
  const response: Record<string, unknown> = { ...fields, RequestId: requestId };
  let spliced = false;
  for (const k in response) if (response[k] instanceof JsonRows) spliced = true;
  if (!spliced) return JSON.stringify({ Response: response });
  // As JSON.stringify writes an object: own enumerable keys in order, fields without a JSON value left out.
  const chunks: Buffer[] = [];
  let text = '{"Response":{';
  let first = true;
  for (const [k, v] of Object.entries(response)) {
    const part = v instanceof JsonRows ? `${JSON.stringify(k)}:[` : JSON.stringify({ [k]: v }).slice(1, -1);
    if (!part) continue;
    text += (first ? "" : ",") + part;
    first = false;
    if (!(v instanceof JsonRows)) continue;
    chunks.push(Buffer.from(text));
    v.rows.forEach((row, i) => {
      if (i) chunks.push(COMMA);
      chunks.push(row);
    });
    text = "]";
  }
  chunks.push(Buffer.from(`${text}}}`));
  return Buffer.concat(chunks);
}
