/**
 * The emulator's world: instances, images, key pairs and secrets per region. State changes
 * that take time on the real cloud (STOPPING -> STOPPED, SYNCING -> NORMAL) are stored as a
 * pending transition and settled lazily against the emulator clock, so tests stay deterministic.
 */
import type { Image, Instance, InstanceState, KeyPair } from "../lib/tencent/data-types.ts";
import { resourceId, seededRandom, type Random } from "./random.ts";
import { TYPES } from "./instance-types.ts";

export interface MetricProfile {
  /** Average CPUUsage in percent; null means the instance reports no data. */
  cpu: number | null;
  /** Average outbound traffic in Mbps (LanOuttraffic and WanOuttraffic). */
  traffic: number;
  /** Share of points missing from each series (0..1), independently per metric. */
  gaps?: number;
  /**
   * Average MemUsage in percent, reported only where the monitoring agent runs (Cloud Monitor's
   * MemUsage needs it): undefined means no agent, and the series comes back empty.
   */
  mem?: number | undefined;
  /** A metric at another level for the most recent seconds (a busy tail in a quiet hour). */
  bursts?: Array<{ metric: string; lastSeconds: number; value: number }>;
  /**
   * New levels from a moment on (`at` in ms, in time order): a point at or after `at` takes the
   * last one it has reached, earlier points keep theirs. Past points stay as they were, as a real
   * series does (a machine that goes quiet at noon still shows its busy morning); changing `cpu`
   * or `traffic` instead rewrites the whole series, and `bursts` move with the clock.
   */
  changes?: Array<{ at: number; cpu: number | null; traffic: number }>;
  /**
   * A weekly rhythm: busy (at `cpu` and `traffic`) in these hours of the week, idle at `idle`
   * otherwise. Hours count from Monday 00:00 Beijing time (0) to Sunday 23:00 (167): the zone
   * Cloud Monitor writes its times in (witness monitor.GetMonitorData.json).
   */
  weekly?: { busyHours: readonly number[]; idle: { cpu: number; traffic: number } };
}

export interface EmuInstance extends Instance {
  Region: string;
  profile: MetricProfile;
  transition?: { to: InstanceState; at: number } | undefined;
  /** A type change that completes later (ResetInstancesType is asynchronous; the machine comes back RUNNING). */
  typeOp?: { at: number; type: string; cpu: number; memory: number } | undefined;
  /** A key (un)binding that completes later: with ForceStop the platform stops, binds, restarts. */
  keyOp?: { at: number; keyIds: string[]; bind: boolean } | undefined;
  forceStops: number;
}

export interface EmuImage extends Image {
  Region: string;
  readyAt?: number | undefined;
  sourceImageId?: string | undefined;
}

export interface EmuKeyPair extends KeyPair {
  Region: string;
}

export interface EmuSecret {
  Region: string;
  SecretName: string;
  Description: string;
  CreateTime: number;
  Status: "Enabled" | "Disabled" | "PendingDelete";
  versions: Map<string, string>;
  Tags: Array<{ TagKey: string; TagValue: string }>;
}

export interface Timings {
  /** RUNNING -> STOPPING -> STOPPED after this many ms. */
  stopMs: number;
  startMs: number;
  /** A synced image copy goes SYNCING -> NORMAL after this many ms. */
  syncMs: number;
  /** A key (un)bound with ForceStop on a running instance shows after this many ms (it is stopped, bound, restarted). */
  bindMs: number;
  /** An SCF function is Creating / Updating for this many ms after a write. */
  functionMs: number;
  /** ResetInstancesType completes after this many ms (default: startMs). */
  resizeMs?: number;
}

export const DEFAULT_REGIONS = [
  "ap-guangzhou",
  "ap-shanghai",
  "ap-beijing",
  "ap-chengdu",
  "ap-chongqing",
  "ap-hongkong",
  "ap-singapore",
  "ap-seoul",
  "ap-tokyo",
  "ap-mumbai",
  "ap-bangkok",
  "eu-frankfurt",
  "na-siliconvalley",
  "na-ashburn",
  "na-toronto",
  "ap-shanghai-fsi",
  "ap-shenzhen-fsi",
];

export class EmulatorState {
  readonly instances = new Map<string, EmuInstance>();
  readonly images = new Map<string, EmuImage>();
  readonly keyPairs = new Map<string, EmuKeyPair>();
  readonly secrets = new Map<string, EmuSecret>();
  /** Custom images allowed per region (seed: at most 10 per region by default). */
  imageQuota = 10;
  timings: Timings = { stopMs: 2000, startMs: 2000, syncMs: 5000, bindMs: 4000, functionMs: 3000 };
  readonly random: Random;
  /** GetMonitorData calls answered per billing month (`2026-12`, Beijing time): the free tier is counted per root account. */
  readonly monitorCalls = new Map<string, number>();
  /** Free GetMonitorData calls a month (Cloud Monitor: 1,000,000 per root account). */
  monitorFreeCalls = 1_000_000;
  /** "API请求按量付费" enabled: past the free tier, calls are billed instead of refused. */
  monitorPayAsYouGo = false;

  constructor(
    readonly regions: string[] = DEFAULT_REGIONS,
    readonly now: () => number = Date.now,
    seed = 1,
  ) {
    this.random = seededRandom(seed ^ 0x5eed);
  }

  newId(prefix: "ins" | "img" | "skey"): string {
    const pool: Map<string, unknown> =
      prefix === "ins" ? this.instances : prefix === "img" ? this.images : this.keyPairs;
    for (;;) {
      const id = resourceId(prefix, this.random);
      if (!pool.has(id)) return id;
    }
  }

  /** Applies a pending transition whose time has come. */
  settle<T extends EmuInstance | EmuImage>(r: T): T {
    const now = this.now();
    if ("transition" in r && r.transition && r.transition.at <= now) {
      r.InstanceState = r.transition.to;
      r.transition = undefined;
      if (r.LatestOperationState === "OPERATING") r.LatestOperationState = "SUCCESS";
    }
    if ("keyOp" in r && r.keyOp && r.keyOp.at <= now) {
      const op = r.keyOp;
      r.keyOp = undefined;
      if (op.bind) this.bindKeys(r, op.keyIds);
      else this.unbindKeys(r, op.keyIds);
      r.InstanceState = "RUNNING";
      if (r.LatestOperationState === "OPERATING") r.LatestOperationState = "SUCCESS";
    }
    if ("typeOp" in r && r.typeOp && r.typeOp.at <= now) {
      const op = r.typeOp;
      r.typeOp = undefined;
      r.InstanceType = op.type;
      r.CPU = op.cpu;
      r.Memory = op.memory;
      // Current API doc (ResetInstancesType): once the change completes the instance shows RUNNING, with no start needed.
      r.InstanceState = "RUNNING";
      r.StopChargingMode = "NOT_APPLICABLE";
      if (r.LatestOperationState === "OPERATING") r.LatestOperationState = "SUCCESS";
    }
    if ("readyAt" in r && r.readyAt !== undefined && r.readyAt <= now) {
      r.ImageState = "NORMAL";
      r.readyAt = undefined;
    }
    return r;
  }

  /** Instances per region in creation order, so a region's listing never scans the whole fleet. */
  private readonly byRegion = new Map<string, EmuInstance[]>();
  /** Counts instances added and tag writes (TagResources): a tag index is current while this holds still. */
  tagVersion = 0;
  /** Instances with a state change or key operation still to complete: the only ones a listing must settle. */
  private readonly pending = new Set<EmuInstance>();

  instancesIn(region: string): EmuInstance[] {
    const list = this.byRegion.get(region) ?? [];
    for (const i of this.pending)
      if (i.Region === region && !this.settle(i).transition && !i.keyOp && !i.typeOp) this.pending.delete(i);
    return list;
  }

  imagesIn(region: string): EmuImage[] {
    const out: EmuImage[] = [];
    for (const i of this.images.values()) if (i.Region === region) out.push(this.settle(i));
    return out;
  }

  keyPairsIn(region: string): EmuKeyPair[] {
    return [...this.keyPairs.values()].filter((k) => k.Region === region);
  }

  /**
   * A listing moving under a caller that pages it: `remove` deletes the first row of the
   * region's listing that nothing uses; `insert` puts a new row ahead of every other, so each
   * later row moves one place on.
   */
  shiftListing(action: string, region: string, mode: "remove" | "insert"): void {
    if (action === "DescribeKeyPairs") {
      if (mode === "remove") {
        const k = this.keyPairsIn(region).find((x) => x.AssociatedInstanceIds.length === 0);
        if (k) this.keyPairs.delete(k.KeyId);
        return;
      }
      const rest = [...this.keyPairs.entries()];
      const added = this.addKeyPair({
        Region: region,
        KeyName: `shifted_${this.keyPairs.size}`,
        PublicKey: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== shifted",
      });
      this.keyPairs.clear();
      this.keyPairs.set(added.KeyId, added);
      for (const [id, k] of rest) this.keyPairs.set(id, k);
      return;
    }
    if (action === "DescribeInstances" || action === "DescribeInstancesStatus") {
      if (mode === "remove") {
        const gone = this.byRegion.get(region)?.shift();
        if (gone) this.instances.delete(gone.InstanceId);
        return;
      }
      const added = this.addInstance({ Region: region, InstanceName: "shifted-in" });
      const list = this.byRegion.get(region)!;
      list.splice(list.indexOf(added), 1);
      list.unshift(added);
    }
  }

  /**
   * Binds or unbinds keys on a running instance with ForceStop: asynchronous on the real platform
   * (stop, bind, start), so the keys show only once it is RUNNING again.
   */
  forceKeyOp(inst: EmuInstance, keyIds: string[], bind: boolean): void {
    inst.forceStops++;
    if (this.timings.bindMs <= 0) {
      if (bind) this.bindKeys(inst, keyIds);
      else this.unbindKeys(inst, keyIds);
      return;
    }
    inst.InstanceState = "STOPPING";
    inst.keyOp = { at: this.now() + this.timings.bindMs, keyIds, bind };
    this.pending.add(inst);
  }

  /**
   * Records an operation as DescribeInstances shows it: LatestOperation, its state (OPERATING
   * until a timed change lands) and the request's id, which the next operation replaces.
   */
  operated(inst: EmuInstance, action: string, requestId: string | undefined): void {
    inst.LatestOperation = action;
    inst.LatestOperationRequestId = requestId ?? null;
    inst.LatestOperationState = inst.transition || inst.keyOp ? "OPERATING" : "SUCCESS";
  }

  /** A type change (ResetInstancesType): the machine is stopped for it, then RUNNING as `type` after resizeMs. */
  resizeLater(inst: EmuInstance, type: string, cpu: number, memory: number): void {
    const ms = this.timings.resizeMs ?? this.timings.startMs;
    inst.typeOp = { at: this.now() + ms, type, cpu, memory };
    inst.InstanceState = "STOPPED";
    this.pending.add(inst);
    if (ms <= 0) this.settle(inst);
  }

  /** Starts a timed state change: the instance is in `via` now and `to` after `ms`. */
  transition(inst: EmuInstance, via: InstanceState, to: InstanceState, ms: number): void {
    if (ms <= 0) {
      inst.InstanceState = to;
      inst.transition = undefined;
      return;
    }
    inst.InstanceState = via;
    inst.transition = { to, at: this.now() + ms };
    this.pending.add(inst);
  }

  addInstance(partial: Partial<EmuInstance> & { Region: string }): EmuInstance {
    const id = partial.InstanceId ?? this.newId("ins");
    const zone = `${partial.Region}-${1 + Math.floor(this.random() * 3)}`;
    const inst: EmuInstance = {
      InstanceName: `instance-${id.slice(4)}`,
      InstanceState: "RUNNING",
      InstanceChargeType: "POSTPAID_BY_HOUR",
      InstanceType: "S5.MEDIUM4",
      CPU: 2,
      Memory: 4,
      Placement: { Zone: zone, ProjectId: 0 },
      CreatedTime: new Date(this.now() - 30 * 86400_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      ExpiredTime: null,
      RenewFlag: null,
      RestrictState: "NORMAL",
      ImageId: "img-pmqg1cw7",
      OsName: "TencentOS Server 3.1",
      LoginSettings: { KeyIds: [] },
      Tags: [],
      PrivateIpAddresses: [`10.0.${Math.floor(this.random() * 255)}.${Math.floor(this.random() * 255)}`],
      PublicIpAddresses: null,
      StopChargingMode: "NOT_APPLICABLE",
      // The cvm model's SystemDisk; ResetInstancesType accepts only cloud system disks.
      SystemDisk: { DiskType: "CLOUD_PREMIUM", DiskSize: 50 },
      profile: { cpu: 40, traffic: 5 },
      forceStops: 0,
      ...(partial.InstanceType && TYPES[partial.InstanceType]
        ? { CPU: TYPES[partial.InstanceType]!.cpu, Memory: TYPES[partial.InstanceType]!.memory }
        : {}),
      ...partial,
      InstanceId: id,
    };
    this.instances.set(id, inst);
    this.tagVersion++;
    const list = this.byRegion.get(inst.Region);
    if (list) list.push(inst);
    else this.byRegion.set(inst.Region, [inst]);
    return inst;
  }

  addImage(partial: Partial<EmuImage> & { Region: string }): EmuImage {
    const id = partial.ImageId ?? this.newId("img");
    const img: EmuImage = {
      ImageName: `image-${id.slice(4)}`,
      ImageDescription: "",
      // Realistic: a custom image is the size of the system disk it came from, 50 GB by default.
      ImageSize: 50,
      ImageState: "NORMAL",
      ImageType: "PRIVATE_IMAGE",
      CreatedTime: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      OsName: "TencentOS Server 3.1",
      Platform: "TencentOS",
      Architecture: "x86_64",
      ImageCreator: "100000000001",
      ImageSource: "CREATE_IMAGE",
      Tags: [],
      ...partial,
      ImageId: id,
    };
    this.images.set(id, img);
    return img;
  }

  addKeyPair(partial: Partial<EmuKeyPair> & { Region: string; KeyName: string; PublicKey: string }): EmuKeyPair {
    const id = partial.KeyId ?? this.newId("skey");
    const kp: EmuKeyPair = {
      ProjectId: 0,
      Description: "",
      AssociatedInstanceIds: [],
      CreatedTime: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
      Tags: [],
      ...partial,
      KeyId: id,
    };
    this.keyPairs.set(id, kp);
    return kp;
  }

  /**
   * `replace` is the documented behaviour (seed AssociateInstancesKeyPairs: "the old key will
   * become invalid"); `add` models a platform that keeps the old key bound, so tests can prove a
   * caller verifies and cleans up rather than trusting the call.
   */
  keyBinding: "replace" | "add" = "replace";
  /** Key pairs an image still references (images made from an instance keep its key): DeleteKeyPairs leaves them. */
  readonly keysInImages = new Set<string>();

  /** Binds keys to an instance, replacing what it had unless keyBinding is `add`. */
  bindKeys(inst: EmuInstance, keyIds: string[]): void {
    if (this.keyBinding === "add") keyIds = [...new Set([...(inst.LoginSettings?.KeyIds ?? []), ...keyIds])];
    for (const old of inst.LoginSettings?.KeyIds ?? []) {
      const kp = this.keyPairs.get(old);
      if (kp) kp.AssociatedInstanceIds = kp.AssociatedInstanceIds.filter((i) => i !== inst.InstanceId);
    }
    inst.LoginSettings = { KeyIds: [...keyIds] };
    for (const k of keyIds) {
      const kp = this.keyPairs.get(k);
      if (kp && !kp.AssociatedInstanceIds.includes(inst.InstanceId)) kp.AssociatedInstanceIds.push(inst.InstanceId);
    }
  }

  unbindKeys(inst: EmuInstance, keyIds: string[]): void {
    inst.LoginSettings = { KeyIds: (inst.LoginSettings?.KeyIds ?? []).filter((k) => !keyIds.includes(k)) };
    for (const k of keyIds) {
      const kp = this.keyPairs.get(k);
      if (kp) kp.AssociatedInstanceIds = kp.AssociatedInstanceIds.filter((i) => i !== inst.InstanceId);
    }
  }
}
