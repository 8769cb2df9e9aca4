/**
 * Wiring built once per set of function keys: FC hands each invocation the role's temporary keys
 * and rotates them, so SDK clients are kept while the keys stay the same and rebuilt when they
 * change. The one copy of that rule for every composition.
 */
import {
  type AccessKeyCredentials,
  credentialsFromContext,
  keysFingerprint,
} from "../adapters/credentials/index";
import type { Config } from "../config";
import type { FcContext } from "../fc/context";

export function perKeys<T>(
  config: () => Config,
  build: (cfg: Config, keys: AccessKeyCredentials, context: FcContext) => T,
): (context: FcContext) => T {
  let cached: { key: string; value: T } | undefined;
  return (context) => {
    const keys = credentialsFromContext(context);
    const key = keysFingerprint(keys);
    if (cached?.key !== key) cached = { key, value: build(config(), keys, context) };
    return cached.value;
  };
}
