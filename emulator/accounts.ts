/**
 * The emulator's accounts: several Tencent Cloud accounts, each with its own
 * permanent key, its own fleet (EmulatorState) and the CAM roles others may assume in it, plus the
 * temporary credentials STS hands out — each with a token and an expiry the emulator enforces.
 * The first account is the organization's management account; every other account is a member
 * unless made an outsider (`member: false`: its roles trust us, but the organization lists it not).
 */
import { randomBytes } from "node:crypto";
import type { AcceptedCredentials } from "./auth.ts";
import type { CamPolicy } from "./cam.ts";
import { EmulatorState } from "./state.ts";
import { generateFleet } from "./fleet.ts";

export interface EmuAccount {
  uin: string;
  name: string;
  credentials: AcceptedCredentials;
  /** Role names that may be assumed in this account (by any caller in the organization). */
  roles: Set<string>;
  /** Roles SCF may assume (a function's execution role, trust policy naming scf.qcloud.com). */
  scfRoles?: Set<string>;
  /** Policies attached to roles (by role name); a role with none may call anything, as before CAM is set up. */
  rolePolicies?: Map<string, CamPolicy>;
  state: EmulatorState;
  /** Listed by the organization (default true). */
  member?: boolean;
}

interface TempCredentials {
  secretKey: string;
  token: string;
  uin: string;
  expiresAtMs: number;
  policy?: CamPolicy | undefined;
}

/** AssumeRole's limits (the STS model): 7200 s by default, at most 43200. */
export const DEFAULT_SESSION_S = 7200;
export const MAX_SESSION_S = 43_200;

export class AccountRegistry {
  readonly byUin = new Map<string, EmuAccount>();
  private readonly temp = new Map<string, TempCredentials>();
  /** CAM sub-users' permanent keys, each with its policy (emulator/cam.ts). */
  private readonly users = new Map<string, AcceptedCredentials & { uin: string; policy: CamPolicy }>();
  /** A test may shorten every session (then the emulator clock can pass it mid-run). */
  maxSessionS = MAX_SESSION_S;

  constructor(private readonly now: () => number) {}

  add(a: EmuAccount): EmuAccount {
    this.byUin.set(a.uin, a);
    return a;
  }

  get management(): EmuAccount {
    return this.byUin.values().next().value!;
  }

  /** The secret a SecretId signs with, the token it needs, when it expires, and whose it is. */
  lookup(secretId: string): (AcceptedCredentials & { uin: string; expiresAtS?: number }) | undefined {
    for (const a of this.byUin.values())
      if (a.credentials.secretId === secretId) return { ...a.credentials, uin: a.uin };
    const user = this.users.get(secretId);
    if (user) return { secretId, secretKey: user.secretKey, uin: user.uin };
    const t = this.temp.get(secretId);
    return t
      ? { secretId, secretKey: t.secretKey, token: t.token, uin: t.uin, expiresAtS: Math.floor(t.expiresAtMs / 1000) }
      : undefined;
  }

  /** The CAM policy a key carries (a sub-user's or an assumed role's); undefined for a root key: anything goes. */
  policyOf(secretId: string): CamPolicy | undefined {
    return this.users.get(secretId)?.policy ?? this.temp.get(secretId)?.policy;
  }

  /** A CAM sub-user of an account with this policy, and its permanent key. */
  addUser(uin: string, policy: CamPolicy): AcceptedCredentials {
    const secretId = `AKIDsub${randomBytes(12).toString("hex")}`;
    const secretKey = randomBytes(20).toString("base64url");
    this.users.set(secretId, { secretId, secretKey, uin, policy });
    return { secretId, secretKey };
  }

  /** Temporary credentials in an account, limited by the assumed role's policy when it has one. */
  issue(
    uin: string,
    durationS: number,
    policy?: CamPolicy,
  ): { secretId: string; secretKey: string; token: string; expiresAtMs: number } {
    const secretId = `AKIDtmp${randomBytes(12).toString("hex")}`;
    const t = {
      secretKey: randomBytes(20).toString("base64url"),
      token: randomBytes(32).toString("base64url"),
      uin,
      expiresAtMs: this.now() + Math.min(durationS, this.maxSessionS) * 1000,
    };
    this.temp.set(secretId, { ...t, policy });
    return { secretId, ...t };
  }
}

/** A permanent key pair for a generated account. */
export const keysFor = (uin: string): AcceptedCredentials => ({
  secretId: `AKIDautopilot${uin}`.padEnd(36, "0"),
  secretKey: `autopilotKey${uin}`.padEnd(32, "0"),
});

/** The default account's uin: the organization's management account in a many-account emulator. */
export const DEMO_UIN = "100000000001";

export interface AccountOptions {
  uin: string;
  name?: string;
  /** Role names others may assume here (default: cvm-autopilot). */
  roles?: string[];
  /** A synthetic fleet of this many instances over `fleetRegions`. */
  instances?: number;
  fleetRegions?: string[];
  /** false: an account outside the organization whose roles still trust the caller. */
  member?: boolean;
}

/** The emulator's accounts: the default one (the organization's management account) with the given state, then each member with a fleet of its own. */
export function buildAccounts(
  o: {
    credentials: AcceptedCredentials;
    roles?: string[] | undefined;
    scfRoles?: string[] | undefined;
    accounts?: AccountOptions[] | undefined;
    seed: number;
  },
  state: EmulatorState,
  regions: string[],
  now: () => number,
): AccountRegistry {
  const accounts = new AccountRegistry(now);
  accounts.add({
    uin: DEMO_UIN,
    name: "demo",
    credentials: o.credentials,
    roles: new Set(o.roles ?? ["cvm-autopilot"]),
    scfRoles: new Set(o.scfRoles ?? ["cvm-autopilot-runner"]),
    state,
  });
  for (const a of o.accounts ?? []) {
    const seed = o.seed + accounts.byUin.size;
    const st = new EmulatorState(regions, now, seed);
    st.timings = { ...state.timings };
    if (a.instances)
      generateFleet(st, { instances: a.instances, regions: a.fleetRegions ?? regions.slice(0, 2), seed });
    accounts.add({
      uin: a.uin,
      name: a.name ?? `member-${a.uin}`,
      credentials: keysFor(a.uin),
      roles: new Set(a.roles ?? ["cvm-autopilot"]),
      state: st,
      member: a.member ?? true,
    });
  }
  return accounts;
}
