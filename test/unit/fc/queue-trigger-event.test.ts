import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decodeQueueBody } from "../../../shared/adapters/mns/queue-body";
import { parseQueueTriggerEvent, TriggerEventError } from "../../../shared/fc/queue-trigger-event";

const EVENTS = join(import.meta.dirname, "../../../events/worker");
/** As FC delivers it: the file's bytes in a Buffer. */
const eventBuffer = (name: string): Buffer => readFileSync(join(EVENTS, name));

const FIRST = "01JDQ5Z8W3K4N6P7R9S2T4V6X8";
const SECOND = "01JDQ5ZA1B2C3D4E5F6G7H8J9K";

describe("parseQueueTriggerEvent: every sample in events/worker", () => {
  it.each([
    [
      "eventbridge-mns-streaming.json",
      ["C6DB60D1574661357FA227277445001", "C6DB60D1574661357FA227277445002"],
      [FIRST, SECOND],
    ],
    [
      "eventbridge-mns-rawdata.json",
      ["C6DB60D1574661357FA227277445001", "C6DB60D1574661357FA227277445002"],
      [FIRST, SECOND],
    ],
    ["cloudevent-single.json", ["C6DB60D1574661357FA227277445001"], [FIRST]],
    ["mns-topic-json.json", ["2F5B3C082B923D4EAC694B76D9280001"], [FIRST]],
    ["mns-topic-stream.json", [undefined], [FIRST]],
  ] as const)("%s", (file, messageIds, recordIds) => {
    for (const event of [
      eventBuffer(file),
      eventBuffer(file).toString("utf8"),
      JSON.parse(eventBuffer(file).toString("utf8")),
    ]) {
      const entries = parseQueueTriggerEvent(event);
      expect(entries.map((e) => (e.ok ? e.message.messageId : "broken"))).toEqual(messageIds);
      expect(entries.map((e) => (e.ok ? decodeQueueBody(e.message.body) : "broken"))).toEqual(
        recordIds.map((id) => ({ id })),
      );
    }
  });

  it("topic STREAM without attributes: the event bytes are the body", () => {
    const body = Buffer.from(JSON.stringify({ id: FIRST })).toString("base64");
    expect(parseQueueTriggerEvent(Buffer.from(body))).toEqual([{ ok: true, message: { body } }]);
  });
});

describe("parseQueueTriggerEvent: malformed messages stay on their own", () => {
  const good = { data: { messageId: "M-1", messageBody: "eyJpZCI6IngifQ==" }, specversion: "1.0" };

  it.each([
    ["a CloudEvent without data", { specversion: "1.0", id: "x" }, /no data object/],
    [
      "a CloudEvent whose messageBody is missing",
      { specversion: "1.0", data: { messageId: "M-2" } },
      /no messageBody/,
    ],
    [
      "a CloudEvent whose messageBody is a number",
      { specversion: "1.0", data: { messageId: "M-2", messageBody: 7 } },
      /number, not a string/,
    ],
    ["a RawData entry without messageBody", { requestId: "r", messageId: "M-2" }, /no messageBody/],
    ["a string entry", "hello", /string, not an object/],
    ["a null entry", null, /null, not an object/],
  ])("%s next to a good message", (_what, bad, problem) => {
    const entries = parseQueueTriggerEvent(Buffer.from(JSON.stringify([good, bad, good])));
    expect(entries.map((e) => e.ok)).toEqual([true, false, true]);
    const broken = entries[1];
    expect(broken?.ok).toBe(false);
    if (broken && !broken.ok) {
      expect(broken.index).toBe(1);
      expect(broken.problem).toMatch(problem);
    }
  });

  it("keeps the message id of a broken entry for the logs", () => {
    const [entry] = parseQueueTriggerEvent([{ specversion: "1.0", data: { messageId: "M-9" } }]);
    expect(entry).toMatchObject({ ok: false, messageId: "M-9" });
  });

  it("a body that is not base64 JSON passes parsing and is refused by the body decoder", () => {
    const [entry] = parseQueueTriggerEvent([{ messageId: "M-1", messageBody: "not base64!" }]);
    expect(entry?.ok).toBe(true);
    if (entry?.ok) expect(() => decodeQueueBody(entry.message.body)).toThrow(/not base64/);
  });
});

describe("parseQueueTriggerEvent: events it cannot read", () => {
  it.each([
    ["an empty Buffer", Buffer.alloc(0)],
    ["whitespace", "  \n"],
    ["a parsed object of no known form", { hello: "world" }],
    ["a number", 42],
    ["null", null],
    ["undefined", undefined],
  ])("%s: TriggerEventError", (_what, event) => {
    let thrown: unknown;
    try {
      parseQueueTriggerEvent(event);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TriggerEventError);
    expect(thrown).toMatchObject({ code: "UnreadableTriggerEvent" });
  });

  it("an empty batch is no messages, not an error", () => {
    expect(parseQueueTriggerEvent(Buffer.from("[]"))).toEqual([]);
  });
});
