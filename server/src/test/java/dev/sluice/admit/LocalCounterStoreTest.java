package dev.sluice.admit;

import org.junit.jupiter.api.AfterEach;

class LocalCounterStoreTest extends CounterStoreContract {
  private final LocalCounterStore store = new LocalCounterStore();

  @Override
  CounterStore store() {
    return store;
  }

  @AfterEach
  void close() {
    store.close();
  }
}
