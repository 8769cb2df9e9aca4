/**
 * The key and certificate the emulator signs its HTTP pushes with. MNS signs each push with
 * RSA-SHA1 and names the X.509 certificate holding the public key in `x-mns-signing-cert-url`
 * (https://www.alibabacloud.com/help/en/mns/developer-reference/topic-message-http-subscription-signature).
 * Locally the key pair is made at start and the certificate is self-signed and served by the
 * emulator itself, so a receiver runs the same verification code against it; only the URL prefix it
 * trusts differs (README.md, "HTTP endpoints"). Node has no certificate builder, so the few DER
 * structures of a minimal X.509 v1 certificate are written here.
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const hex = length.toString(16);
  const bytes = Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
  return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
}

const der = (tag: number, ...content: Buffer[]): Buffer => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
};
const sequence = (...parts: Buffer[]) => der(0x30, ...parts);
const NULL = Buffer.from([0x05, 0x00]);

function oid(dotted: string): Buffer {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const bytes = [first! * 40 + second!];
  for (const n of rest) {
    const base128 = [n & 0x7f];
    for (let v = n >>> 7; v > 0; v >>>= 7) base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return der(0x06, Buffer.from(bytes));
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, "").slice(2, 14);
  return der(0x17, Buffer.from(`${text}Z`, "ascii"));
}

const SHA256_WITH_RSA = sequence(oid("1.2.840.113549.1.1.11"), NULL);

function selfSignedCertificate(keys: { publicKey: KeyObject; privateKey: KeyObject }, now: Date): string {
  const name = sequence(
    der(0x31, sequence(oid("2.5.4.3"), der(0x0c, Buffer.from("local MNS emulator push signing")))),
  );
  const serial = randomBytes(8);
  serial[0] = serial[0]! & 0x7f;
  const notAfter = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const tbs = sequence(
    der(0x02, serial),
    SHA256_WITH_RSA,
    name,
    sequence(utcTime(new Date(now.getTime() - 3600 * 1000)), utcTime(notAfter)),
    name,
    keys.publicKey.export({ type: "spki", format: "der" }),
  );
  const signature = sign("sha256", tbs, keys.privateKey);
  const certificate = sequence(tbs, SHA256_WITH_RSA, der(0x03, Buffer.from([0]), signature));
  const lines = certificate.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

export interface PushSigner {
  /** The certificate (PEM) whose public key verifies {@link sign}. */
  certificatePem: string;
  /** The certificate's path on the emulator; the name changes with the key, as MNS's does. */
  certificatePath: string;
  /** base64 RSA-SHA1 signature of the string to sign, the value of a push's Authorization header. */
  sign(stringToSign: string): string;
}

export function createPushSigner(now: Date = new Date()): PushSigner {
  const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const certificatePem = selfSignedCertificate(keys, now);
  const fingerprint = createHash("sha256").update(certificatePem).digest("hex").slice(0, 16);
  return {
    certificatePem,
    certificatePath: `/local-signing-cert/x509_public_certificate-${fingerprint}.pem`,
    sign: (stringToSign) =>
      sign("RSA-SHA1", Buffer.from(stringToSign, "utf8"), keys.privateKey).toString("base64"),
  };
}
