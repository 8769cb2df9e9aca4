/**
 * The Logger port as JSON lines on stdout (FC ships stdout to SLS). Fields whose names say they hold
 * a secret are replaced before writing, so a careless call cannot leak a JWT or a key. An Error
 * passed as a field is written as its errorFields() (shared/domain/errors), like every error field.
 */
import type { Logger } from "../app/ports";
import { errorFields } from "../domain/errors";

export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names (case-insensitive) that never reach a log line. */
const SECRET_FIELD = /authorization|token|secret|password|credential|accesskey|jwt|cookie/i;
export const REDACTED = "[redacted]";

export interface JsonLoggerOptions {
  /** A level, or a getter read at each call (so the level can come from configuration read later). */
  level?: LogLevel | (() => LogLevel);
  /** Fields on every line, e.g. the function name. */
  base?: Record<string, unknown>;
  write?: (line: string) => void;
  now?: () => Date;
}

function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) return errorFields(value);
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value))
    out[key] = SECRET_FIELD.test(key) ? REDACTED : redact(entry, depth + 1);
  return out;
}

export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const threshold = (): number => {
    try {
      const level = typeof options.level === "function" ? options.level() : options.level;
      return RANK[level ?? "info"];
    } catch {
      return RANK.info;
    }
  };
  const log = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < threshold()) return;
    const line = {
      time: now().toISOString(),
      level,
      message,
      ...(redact(options.base ?? {}) as object),
      ...(redact(fields ?? {}) as object),
    };
    write(JSON.stringify(line));
  };
  return {
    debug: (message, fields) => log("debug", message, fields),
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields) => log("error", message, fields),
  };
}

/** The same logger with fields added to every line (the FC request id, the function name). */
export function withLogFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const merged = (extra?: Record<string, unknown>) => ({ ...fields, ...extra });
  return {
    debug: (message, extra) => logger.debug(message, merged(extra)),
    info: (message, extra) => logger.info(message, merged(extra)),
    warn: (message, extra) => logger.warn(message, merged(extra)),
    error: (message, extra) => logger.error(message, merged(extra)),
  };
}
