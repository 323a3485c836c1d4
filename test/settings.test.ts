/** One declaration per setting: values keyed by property, every problem named by variable, defaults said. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/config/config-error.ts";
import { bool, int, optionalString } from "../lib/config/fields.ts";
import { tag } from "../lib/config/parsers.ts";
import { declareSettings, defaultWords, readSettings, variablesOf } from "../lib/config/settings.ts";

const A = declareSettings({
  lookbackMinutes: { env: "X_LOOKBACK_MINUTES", parse: int(60, 5, 1440), meaning: "look-back window" },
  optOut: { env: "X_OPT_OUT_TAG", parse: tag("autopilot:x=off"), meaning: "never these" },
});
const B = declareSettings({
  live: { env: "X_LIVE", parse: bool(false), meaning: "act" },
  label: { env: "X_LABEL", parse: optionalString(), meaning: "a label", default: "the function's name" },
});

describe("readSettings", () => {
  it("parses each variable into the property its declaration names, defaults included", () => {
    const s = readSettings({ X_LOOKBACK_MINUTES: "30", X_LIVE: "yes" }, A, B);
    expect(s).toEqual({
      lookbackMinutes: 30,
      optOut: { key: "autopilot:x", value: "off" },
      live: true,
      label: undefined,
    });
  });

  it("lists every problem of every group at once, each by its variable", () => {
    const read = () => readSettings({ X_LOOKBACK_MINUTES: "2", X_LIVE: "maybe" }, A, B);
    expect(read).toThrow(ConfigError);
    try {
      read();
    } catch (e) {
      expect((e as ConfigError).issues).toEqual([
        'X_LOOKBACK_MINUTES: expected a whole number from 5 to 1440, got "2"',
        'X_LIVE: expected true or false, got "maybe"',
      ]);
    }
  });

  it("refuses two groups that fill one property", () => {
    const clash = declareSettings({ live: { env: "Y_LIVE", parse: bool(true), meaning: "other" } });
    expect(() => readSettings({}, B, clash)).toThrow("settings declared twice: live");
  });
});

describe("the declared defaults, for people", () => {
  it("come from the parser, or from the words the declaration gives", () => {
    expect(variablesOf(A)).toEqual(["X_LOOKBACK_MINUTES", "X_OPT_OUT_TAG"]);
    expect(defaultWords(A.lookbackMinutes)).toBe("`60`");
    expect(defaultWords(A.optOut)).toBe("`autopilot:x=off`");
    expect(defaultWords(B.live)).toBe("`false`");
    expect(defaultWords(B.label)).toBe("the function's name");
    expect(defaultWords({ env: "Z", parse: optionalString(), meaning: "z" })).toBe("—");
  });
});
