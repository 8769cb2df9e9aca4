/**
 * Record and batch ids: ULIDs (26 characters of Crockford base32; 48 bits of milliseconds, then 80
 * random bits). They sort by creation time as strings, which the "newest first" listings rely on,
 * and carry no meaning a caller could guess from.
 */
import { createHash, randomBytes } from "node:crypto";
import { isRecordId } from "../domain/record-id";
import type { Clock } from "./ports";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export { isRecordId, RECORD_ID_PATTERN } from "../domain/record-id";

export function newRecordId(clock: Clock, random: (bytes: number) => Uint8Array = randomBytes): string {
  let time = clock.now().getTime();
  if (!Number.isSafeInteger(time) || time < 0 || time >= 2 ** 48)
    throw new RangeError(`time ${time} out of ULID range`);
  let timePart = "";
  for (let i = 0; i < 10; i++) {
    timePart = (CROCKFORD[time % 32] as string) + timePart;
    time = Math.floor(time / 32);
  }
  // 80 random bits = 16 characters of 5 bits each.
  const bytes = random(10);
  let bits = 0n;
  for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
  let randomPart = "";
  for (let i = 0; i < 16; i++) {
    randomPart = (CROCKFORD[Number(bits & 31n)] as string) + randomPart;
    bits >>= 5n;
  }
  return timePart + randomPart;
}

/** The creation time encoded in an id. */
export function recordIdTime(id: string): Date {
  let ms = 0;
  for (const char of id.slice(0, 10)) ms = ms * 32 + CROCKFORD.indexOf(char);
  return new Date(ms);
}

/**
 * The record ids of a batch's items: the batch id plus 1, 2, ... read as one 128-bit number. They
 * increase in item order (so the batch index, ordered by id, lists items as submitted), and they
 * follow from the batch id alone, so a replay that finds a half-written batch rebuilds the same ids.
 */
export function batchRecordIds(batchId: string, count: number): string[] {
  if (!isRecordId(batchId)) throw new RangeError(`${batchId} is not an id`);
  let value = 0n;
  for (const char of batchId) value = value * 32n + BigInt(CROCKFORD.indexOf(char));
  const ids: string[] = [];
  for (let offset = 1n; offset <= BigInt(count); offset++) {
    let rest = value + offset;
    let id = "";
    for (let i = 0; i < 26; i++) {
      id = (CROCKFORD[Number(rest & 31n)] as string) + id;
      rest >>= 5n;
    }
    if (!isRecordId(id)) throw new RangeError(`batch ${batchId} has no room for ${count} ids`);
    ids.push(id);
  }
  return ids;
}

/**
 * The ClientToken sent to ECS for a caller's own ClientToken. ECS keeps one pipeline per account
 * and ClientToken, whoever calls; the service calls for every caller with one identity, so a
 * caller's token alone would let two callers (or one guessing another's token) meet on one
 * pipeline. Derived from the caller's `sub` and their token, it differs between callers and is
 * the same for each retry of one caller: the SHA-256 of the JSON pair `[sub, token]` in hex, 64
 * ASCII characters (the API's limit). The JSON pair keeps `("a:b", "c")` and `("a", "b:c")` apart.
 */
export function callerClientToken(sub: string, clientToken: string): string {
  return createHash("sha256")
    .update(JSON.stringify([sub, clientToken]))
    .digest("hex");
}
