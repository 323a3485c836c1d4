/**
 * OpenSSH `ssh-rsa` public key lines (RFC 4253 section 6.6: string "ssh-rsa", mpint e, mpint n),
 * written with node:crypto alone so no key library enters a bundle.
 */
import type { KeyObject } from "node:crypto";

const withLength = (b: Buffer): Buffer => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
};

/** An mpint is big-endian two's complement: a leading zero byte keeps a set top bit positive. */
const mpint = (base64url: string): Buffer => {
  const b = Buffer.from(base64url, "base64url");
  return b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
};

/** `ssh-rsa AAAA... comment` for an RSA public key. */
export function toOpenSshRsaPublicKey(publicKey: KeyObject, comment: string): string {
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.kty !== "RSA" || !jwk.n || !jwk.e) throw new TypeError("expected an RSA public key");
  const blob = Buffer.concat([withLength(Buffer.from("ssh-rsa")), withLength(mpint(jwk.e)), withLength(mpint(jwk.n))]);
  return `ssh-rsa ${blob.toString("base64")}${comment ? ` ${comment}` : ""}`;
}

/** True for a well-formed `ssh-rsa` line whose blob names its own type. */
export function isOpenSshRsa(line: string): boolean {
  const [type, blob] = line.trim().split(/\s+/);
  if (type !== "ssh-rsa" || !blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) return false;
  const buf = Buffer.from(blob, "base64");
  if (buf.length < 11) return false;
  const len = buf.readUInt32BE(0);
  return len === 7 && buf.subarray(4, 11).toString() === "ssh-rsa";
}

/** The base64 blob of a public key line: what identifies the key regardless of its comment. */
export function publicKeyBlob(line: string): string {
  return line.trim().split(/\s+/)[1] ?? "";
}
