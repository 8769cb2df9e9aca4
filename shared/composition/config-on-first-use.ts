/**
 * The configuration of one function instance: read from its environment at the first invocation
 * (cold start) and kept once valid. While a variable is missing or malformed, every invocation
 * fails with the ConfigError naming each problem, which the function logs and answers (500 for
 * HTTP), instead of the instance failing to load with nothing said.
 */
import { createJsonLogger } from "../adapters/logger";
import type { Logger } from "../app/ports";
import { type Config, type Environment, readConfig } from "../config";

export function configOnFirstUse(env: Environment): () => Config {
  let cached: Config | undefined;
  return () => {
    cached ??= readConfig(env);
    return cached;
  };
}

/** Logs at the configured level once the configuration is readable, at `info` before. */
export function configuredLogger(config: () => Config, base?: Record<string, unknown>): Logger {
  return createJsonLogger({ level: () => config().logLevel, ...(base ? { base } : {}) });
}
