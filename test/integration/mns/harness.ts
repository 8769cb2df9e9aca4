/** Starts an MNS emulator on a free port and builds SDK clients for it with the local identities. */
import {
  LOCAL_ACCESS_KEY_ID,
  LOCAL_ACCESS_KEY_SECRET,
  LOCAL_SERVICE_ACCOUNT_ID,
} from "../../../local/identities";
import { type MnsStartOptions, start } from "../../../local/mns/index";
import {
  createMnsClient,
  type MnsClientConfig,
  type MnsError,
  toMnsError,
} from "../../../shared/adapters/mns/index";

export type MnsEmulator = Awaited<ReturnType<typeof start>>;

export function startMns(options: Partial<MnsStartOptions> = {}): Promise<MnsEmulator> {
  return start({ port: 0, ...options });
}

export function clientFor(emulator: { url: string }, overrides: Partial<MnsClientConfig> = {}) {
  return createMnsClient({
    endpoint: emulator.url,
    accountId: LOCAL_SERVICE_ACCOUNT_ID,
    accessKeyId: LOCAL_ACCESS_KEY_ID,
    accessKeySecret: LOCAL_ACCESS_KEY_SECRET,
    ...overrides,
  });
}

/** The MnsError a call fails with; fails the test if it succeeds. */
export async function failure(call: Promise<unknown>): Promise<MnsError> {
  try {
    await call;
  } catch (err) {
    return toMnsError(err);
  }
  throw new Error("expected the MNS call to fail, but it succeeded");
}

let counter = 0;
/** A queue or topic name no other test in the file uses. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}
