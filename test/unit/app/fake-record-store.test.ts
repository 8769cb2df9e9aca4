/** The unit tests' in-memory store keeps the same promises as the Tablestore adapter. */
import { InMemoryRecordStore } from "../../support/fakes";
import { recordStoreContract } from "../../support/record-store-contract";

let store: InMemoryRecordStore;

recordStoreContract(
  "in-memory fake",
  async () => {
    store = new InMemoryRecordStore();
    return store;
  },
  () => ({ hold: () => store.holdIndexes(), settle: () => store.settleIndexes() }),
);
