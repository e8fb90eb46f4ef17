package dev.sluice.record.usage;

/**
 * A usage record with the id the writer gave it when it was taken: the same id however many times the record
 * is offered to the store (retries, replay from the spool), so the store keeps it once.
 */
record Stamped(String uid, UsageRecord record) {
}
