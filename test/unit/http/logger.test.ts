import { describe, expect, it } from "vitest";
import { createJsonLogger, REDACTED, withLogFields } from "../../../shared/adapters/logger";
import { DependencyError } from "../../../shared/domain/errors";

function capture(level: "debug" | "info" | "warn" | "error" = "info") {
  const lines: string[] = [];
  const logger = createJsonLogger({
    level,
    base: { fn: "submit" },
    write: (line) => lines.push(line),
    now: () => new Date("2026-11-27T16:00:00.000Z"),
  });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line)) };
}

describe("createJsonLogger", () => {
  it("writes one JSON object per line with time, level, message and fields", () => {
    const { logger, parsed } = capture();
    logger.info("request accepted", { recordId: "01JD" });
    expect(parsed()).toEqual([
      {
        time: "2026-11-27T16:00:00.000Z",
        level: "info",
        message: "request accepted",
        fn: "submit",
        recordId: "01JD",
      },
    ]);
  });

  it("writes an Error field as its errorFields: code, transient, status and cause", () => {
    const { logger, parsed } = capture();
    const cause = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    logger.error("store failed", {
      error: new DependencyError("NetworkingError", "no answer", { transient: true, httpStatus: 0, cause }),
    });
    expect(parsed()[0].error).toEqual({
      name: "DependencyError",
      code: "NetworkingError",
      message: "no answer",
      transient: true,
      httpStatus: 0,
      cause: { name: "Error", code: "ECONNRESET", message: "read ECONNRESET" },
    });
  });

  it("drops lines below the level", () => {
    const { logger, lines } = capture("warn");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines).toHaveLength(2);
  });

  it("never writes credentials, tokens or JWTs, however deep", () => {
    const { logger, lines } = capture();
    logger.error("x", {
      authorization: "Bearer eyJ.secret.jwt",
      credentials: { accessKeyId: "AK", accessKeySecret: "SK" },
      nested: { securityToken: "STS", list: [{ clientToken: "T" }] },
    });
    expect(lines[0]).not.toMatch(/eyJ|SK|STS|"T"|"AK"/);
    expect(JSON.parse(lines[0] ?? "{}").nested.securityToken).toBe(REDACTED);
  });

  it("falls back to info when the level cannot be read yet", () => {
    const lines: string[] = [];
    const logger = createJsonLogger({
      level: () => {
        throw new Error("no config");
      },
      write: (line) => lines.push(line),
    });
    logger.debug("hidden");
    logger.info("shown");
    expect(lines).toHaveLength(1);
  });

  it("adds fields to every line with withLogFields, the call's own fields winning", () => {
    const { logger, parsed } = capture();
    const scoped = withLogFields(logger, { requestId: "r-1", recordId: "a" });
    scoped.warn("w", { recordId: "b" });
    expect(parsed()[0]).toMatchObject({ level: "warn", requestId: "r-1", recordId: "b" });
  });
});
