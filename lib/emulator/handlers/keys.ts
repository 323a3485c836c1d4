/** Key pair actions (seed 004 "Key-related APIs"). Tencent never keeps a private key. */
import { generateKeyPairSync } from "node:crypto";
import { ApiFault, bool, checkIdFormat, filters, idList, int, paging, str } from "../api-fault.ts";
import { publicKeyPair, type EmuKeyPair } from "../state.ts";
import { isOpenSshRsa, publicKeyBlob, toOpenSshRsaPublicKey } from "../../ssh/openssh.ts";
import { findInstances, stateFault } from "./instances.ts";
import type { Handler, HandlerContext } from "./context.ts";

/** Seed CreateKeyPair: letters, digits and underscores, at most 25 characters. */
function checkKeyName(ctx: HandlerContext, name: string | undefined): string {
  if (!name) throw new ApiFault("InvalidKeyPairName.Empty", "Key name is empty.");
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new ApiFault("InvalidKeyPairName.IncludeIllegalChar", "Key name can only contain letters, numbers and underscores.");
  if (name.length > 25) throw new ApiFault("InvalidKeyPairName.TooLong", "Key name length exceeded 25 characters.");
  if (ctx.state.keyPairsIn(ctx.region).some((k) => k.KeyName === name)) throw new ApiFault("InvalidKeyPairName.Duplicate", `Duplicate key pair name \`${name}\`.`);
  return name;
}

function findKey(ctx: HandlerContext, id: string): EmuKeyPair {
  checkIdFormat("skey", id);
  const k = ctx.state.keyPairs.get(id);
  if (!k || k.Region !== ctx.region) throw new ApiFault("InvalidKeyId.NotFound", `The key pair \`${id}\` does not exist.`);
  return k;
}

const createKeyPair: Handler = (ctx) => {
  const name = checkKeyName(ctx, str(ctx.params, "KeyName"));
  const projectId = int(ctx.params, "ProjectId", 0);
  // 2048 bits keeps the emulator quick; the real service's key size is not documented in the seed.
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kp = ctx.state.addKeyPair({
    Region: ctx.region,
    KeyName: name,
    ProjectId: projectId,
    PublicKey: toOpenSshRsaPublicKey(publicKey, name),
  });
  return { KeyPair: { ...publicKeyPair(kp), PrivateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString() } };
};

const importKeyPair: Handler = (ctx) => {
  const name = checkKeyName(ctx, str(ctx.params, "KeyName"));
  const projectId = int(ctx.params, "ProjectId", 0);
  const publicKey = str(ctx.params, "PublicKey", true)!;
  if (!isOpenSshRsa(publicKey)) throw new ApiFault("InvalidPublicKey.Malformed", "The public key is not in OpenSSH RSA format.");
  const blob = publicKeyBlob(publicKey);
  if (ctx.state.keyPairsIn(ctx.region).some((k) => publicKeyBlob(k.PublicKey) === blob)) {
    throw new ApiFault("InvalidPublicKey.Duplicate", "The specified public key already exists.");
  }
  const kp = ctx.state.addKeyPair({ Region: ctx.region, KeyName: name, ProjectId: projectId, PublicKey: publicKey.trim() });
  return { KeyId: kp.KeyId };
};

const describeKeyPairs: Handler = (ctx) => {
  const ids = idList(ctx.params, "KeyIds");
  const fs = filters(ctx.params, (n) => n === "project-id" || n === "key-name" || n === "key-id");
  if (ids.length && fs.length) throw new ApiFault("InvalidParameter", "KeyIds and Filters cannot be specified together.");
  for (const id of ids) checkIdFormat("skey", id);
  const { offset, limit } = paging(ctx.params);
  const rows = ctx.state.keyPairsIn(ctx.region).filter((k) =>
    ids.length
      ? ids.includes(k.KeyId)
      : fs.every((f) =>
          f.Name === "key-name" ? f.Values.includes(k.KeyName) : f.Name === "key-id" ? f.Values.includes(k.KeyId) : f.Values.includes(String(k.ProjectId)),
        ),
  );
  return { TotalCount: rows.length, KeyPairSet: rows.slice(offset, offset + limit).map(publicKeyPair) };
};

/**
 * Bind or unbind: the instances must be STOPPED unless ForceStop lets the platform shut a running
 * one down first (current API for Associate; seed DisassociateInstancesKeyPairs: "Only Linux
 * instances in a status of STOPPED are supported").
 */
const keyBinding = (bind: boolean): Handler => (ctx) => {
  const insts = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true }));
  const keyIds = idList(ctx.params, "KeyIds", { required: true }).map((k) => findKey(ctx, k).KeyId);
  const force = bool(ctx.params, "ForceStop");
  for (const i of insts) if (i.InstanceState !== "STOPPED" && !(force && i.InstanceState === "RUNNING")) throw stateFault(i);
  for (const i of insts) {
    if (i.InstanceState === "RUNNING") i.forceStops++;
    if (bind) ctx.state.bindKeys(i, keyIds);
    else ctx.state.unbindKeys(i, keyIds);
  }
  return {};
};

const deleteKeyPairs: Handler = (ctx) => {
  const keys = idList(ctx.params, "KeyIds", { required: true }).map((k) => findKey(ctx, k));
  // Seed DeleteKeyPairs: "The key pair referenced by an instance or image cannot be deleted."
  const inUse = keys.find((k) => k.AssociatedInstanceIds.length > 0);
  if (inUse) throw new ApiFault("FailedOperation.KeyPairInUse", `The key pair \`${inUse.KeyId}\` is bound to ${inUse.AssociatedInstanceIds.length} instance(s).`);
  for (const k of keys) ctx.state.keyPairs.delete(k.KeyId);
  return {};
};

export const keyHandlers: Record<string, Handler> = {
  CreateKeyPair: createKeyPair,
  ImportKeyPair: importKeyPair,
  DescribeKeyPairs: describeKeyPairs,
  AssociateInstancesKeyPairs: keyBinding(true),
  DisassociateInstancesKeyPairs: keyBinding(false),
  DeleteKeyPairs: deleteKeyPairs,
};
