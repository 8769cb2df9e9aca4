/** ListQueue and ListTopic: one paging rule (`x-mns-prefix`, `x-mns-marker`, `x-mns-ret-number`). */
import type { OperationContext, Reply } from "../context";
import { checkRangeText, LIMITS } from "../limits";

export function listPage(
  ctx: OperationContext,
  kind: { collection: "queues" | "topics"; root: string; item: string },
  names: (prefix: string) => string[],
): Reply {
  const prefix = String(ctx.headers["x-mns-prefix"] ?? "");
  const marker = String(ctx.headers["x-mns-marker"] ?? "");
  const retNumber = ctx.headers["x-mns-ret-number"];
  const limit =
    retNumber === undefined
      ? LIMITS.RetNumber.max
      : checkRangeText("x-mns-ret-number", String(retNumber), LIMITS.RetNumber);
  const after = names(prefix).filter((n) => marker === "" || n > marker);
  const page = after.slice(0, limit);
  return {
    status: 200,
    root: kind.root,
    fields: {
      [kind.item]: page.map((n) => ({ [`${kind.item}URL`]: `http://${ctx.host}/${kind.collection}/${n}` })),
      NextMarker: after.length > limit ? page[page.length - 1] : undefined,
    },
  };
}
