/** The unit tests' in-memory store keeps the same promises as the Tablestore adapter. */
import { InMemoryRecordStore } from "../../unit/app/fakes";
import { recordStoreContract } from "./record-store-contract";

recordStoreContract("in-memory fake", async () => new InMemoryRecordStore());
