import type { Requester } from "../app/requester";
import { type Caller, isAdmin } from "./auth";

/** The use cases' view of a verified caller. */
export const requesterOf = (caller: Caller): Requester => ({ sub: caller.sub, isAdmin: isAdmin(caller) });
