/** The API's view of the emulator's resources: internal fields stripped, shaped as real replies are. */
import type { Image, Instance, KeyPair } from "../lib/tencent/data-types.ts";
import { snapshotCache } from "./json-snapshot.ts";
import type { EmuImage, EmuInstance, EmuKeyPair } from "./state.ts";

/**
 * The API view of a resource: internal fields stripped. A shallow copy: replies are serialised
 * as soon as a handler returns, so nested values are never shared with a later mutation.
 */
export function publicInstance(i: EmuInstance): Instance {
  // The fields stripped here are INTERNAL below: keep the two lists the same.
  const { Region: _r, profile: _p, transition: _t, keyOp: _k, typeOp: _o, forceStops: _f, ...rest } = i;
  // As real replies write them: tags in both spellings, and null (not []) where nothing is set.
  const keys = rest.LoginSettings?.KeyIds;
  return {
    ...rest,
    Tags: (rest.Tags ?? []).map((t) => ({
      Key: t.Key,
      Value: t.Value,
      tagKey: t.Key,
      tagValue: t.Value,
    })) as Instance["Tags"],
    LoginSettings: { ...rest.LoginSettings, KeyIds: keys?.length ? keys : null },
  };
}

export function publicImage(i: EmuImage): Image {
  const { Region: _r, readyAt: _a, sourceImageId: _s, ...rest } = i;
  return rest;
}

export function publicKeyPair(k: EmuKeyPair): KeyPair {
  const { Region: _r, PrivateKey: _p, ...rest } = k;
  return rest;
}

/** Fields of an instance the public view strips: its kept JSON does not depend on them. */
const INTERNAL = new Set(["Region", "profile", "transition", "keyOp", "typeOp", "forceStops"]);

/** An instance's public view as JSON, made again only when the instance has changed since (json-snapshot.ts). */
export const instanceJson: (i: EmuInstance) => string = snapshotCache(
  (i) => JSON.stringify(publicInstance(i)),
  INTERNAL,
);
