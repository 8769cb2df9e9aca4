/** The unit tests' in-memory store keeps the same promises as the Tablestore adapter. */
import { InMemoryRecordStore } from "../../unit/app/fakes";
import { recordStoreContract } from "./record-store-contract";

let store: InMemoryRecordStore;

recordStoreContract(
  "in-memory fake",
  async () => {
    store = new InMemoryRecordStore();
    return store;
  },
  () => ({ hold: () => store.holdIndexes(), settle: () => store.settleIndexes() }),
);
