/** Key pair actions (the 2018 CVM API 3.0 reference "Key-related APIs"). Tencent never keeps a private key. */
import { generateKeyPairSync } from "node:crypto";
import { ApiFault, bool, checkIdFormat, filters, idList, int, paging, str } from "../api-fault.ts";
import type { EmuKeyPair } from "../state.ts";
import { publicKeyPair } from "../views.ts";
import { isOpenSshRsa, publicKeyBlob, toOpenSshRsaPublicKey } from "../../lib/ssh/openssh.ts";
import { findInstances, stateFault } from "./instances.ts";
import type { Handler, HandlerContext } from "./context.ts";

/**
 * Seed CreateKeyPair: letters, digits and underscores, at most 25 characters. The current error
 * codes for a bad name have no dot (InvalidKeyPairNameEmpty, …IncludeIllegalChar, …TooLong);
 * a duplicate is InvalidKeyPairName.Duplicate.
 */
function checkKeyName(ctx: HandlerContext, name: string | undefined): string {
  if (!name) throw new ApiFault("InvalidKeyPairNameEmpty", "Key name is empty.");
  if (!/^[A-Za-z0-9_]+$/.test(name))
    throw new ApiFault(
      "InvalidKeyPairNameIncludeIllegalChar",
      "Key name can only contain letters, numbers and underscores.",
    );
  if (name.length > 25) throw new ApiFault("InvalidKeyPairNameTooLong", "Key name length exceeded 25 characters.");
  if (ctx.state.keyPairsIn(ctx.region).some((k) => k.KeyName === name))
    throw new ApiFault("InvalidKeyPairName.Duplicate", `Duplicate key pair name \`${name}\`.`);
  return name;
}

function findKey(ctx: HandlerContext, id: string): EmuKeyPair {
  checkIdFormat("skey", id);
  const k = ctx.state.keyPairs.get(id);
  if (!k || k.Region !== ctx.region)
    throw new ApiFault("InvalidKeyPairId.NotFound", `The key pair \`${id}\` does not exist.`);
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
  // The fields the published reply has (witness cvm.CreateKeyPair.json), not DescribeKeyPairs' row.
  return {
    KeyPair: {
      KeyId: kp.KeyId,
      KeyName: kp.KeyName,
      ProjectId: kp.ProjectId,
      PublicKey: kp.PublicKey,
      PrivateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    },
  };
};

const importKeyPair: Handler = (ctx) => {
  const name = checkKeyName(ctx, str(ctx.params, "KeyName"));
  const projectId = int(ctx.params, "ProjectId", 0);
  const publicKey = str(ctx.params, "PublicKey", true)!;
  if (!isOpenSshRsa(publicKey))
    throw new ApiFault("InvalidPublicKey.Malformed", "The public key is not in OpenSSH RSA format.");
  const blob = publicKeyBlob(publicKey);
  if (ctx.state.keyPairsIn(ctx.region).some((k) => publicKeyBlob(k.PublicKey) === blob)) {
    throw new ApiFault("InvalidPublicKey.Duplicate", "The specified public key already exists.");
  }
  const kp = ctx.state.addKeyPair({
    Region: ctx.region,
    KeyName: name,
    ProjectId: projectId,
    PublicKey: publicKey.trim(),
  });
  return { KeyId: kp.KeyId };
};

const describeKeyPairs: Handler = (ctx) => {
  const ids = idList(ctx.params, "KeyIds");
  // The filters the official model lists for DescribeKeyPairs.
  const fs = filters(
    ctx.params,
    (n) => ["project-id", "key-name", "tag-key", "tag-value"].includes(n) || n.startsWith("tag:"),
  );
  if (ids.length && fs.length)
    throw new ApiFault("InvalidParameter", "KeyIds and Filters cannot be specified together.");
  for (const id of ids) checkIdFormat("skey", id);
  const { offset, limit } = paging(ctx.params);
  const rows = ctx.state
    .keyPairsIn(ctx.region)
    .filter((k) =>
      ids.length
        ? ids.includes(k.KeyId)
        : fs.every((f) =>
            f.Name === "key-name"
              ? f.Values.includes(k.KeyName)
              : f.Name === "project-id"
                ? f.Values.includes(String(k.ProjectId))
                : f.Name === "tag-key"
                  ? (k.Tags ?? []).some((t) => f.Values.includes(t.Key))
                  : f.Name === "tag-value"
                    ? (k.Tags ?? []).some((t) => f.Values.includes(t.Value))
                    : (k.Tags ?? []).some((t) => t.Key === f.Name.slice(4) && f.Values.includes(t.Value)),
          ),
    );
  return { TotalCount: rows.length, KeyPairSet: rows.slice(offset, offset + limit).map(publicKeyPair) };
};

/**
 * Bind or unbind: the instances must be STOPPED unless ForceStop lets the platform shut a running
 * one down first (current API for Associate; seed DisassociateInstancesKeyPairs: "Only Linux
 * instances in a status of STOPPED are supported").
 */
const keyBinding =
  (bind: boolean): Handler =>
  (ctx) => {
    const insts = findInstances(ctx, idList(ctx.params, "InstanceIds", { required: true }));
    const keyIds = idList(ctx.params, "KeyIds", { required: true }).map((k) => findKey(ctx, k).KeyId);
    const force = bool(ctx.params, "ForceStop");
    for (const i of insts)
      if (i.InstanceState !== "STOPPED" && !(force && i.InstanceState === "RUNNING")) throw stateFault(i);
    for (const i of insts) {
      if (i.InstanceState === "RUNNING") {
        // The platform stops, binds and starts it again: a new running period.
        ctx.state.forceKeyOp(i, keyIds, bind);
        ctx.state.operated(i, bind ? "AssociateInstancesKeyPairs" : "DisassociateInstancesKeyPairs", ctx.requestId);
      } else if (bind) ctx.state.bindKeys(i, keyIds);
      else ctx.state.unbindKeys(i, keyIds);
    }
    return {};
  };

/**
 * Seed DeleteKeyPairs: "The key pair referenced by an instance or image cannot be deleted." The
 * current API answers success and simply leaves such keys in place (its model says to check with
 * DescribeKeyPairs), so a caller that trusts the reply is wrong: this emulator does the same.
 */
const deleteKeyPairs: Handler = (ctx) => {
  const keys = idList(ctx.params, "KeyIds", { required: true }).map((k) => findKey(ctx, k));
  for (const k of keys)
    if (k.AssociatedInstanceIds.length === 0 && !ctx.state.keysInImages.has(k.KeyId))
      ctx.state.keyPairs.delete(k.KeyId);
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
