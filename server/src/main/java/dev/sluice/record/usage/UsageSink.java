package dev.sluice.record.usage;

/** Takes usage records off the request path; never blocks and never fails the request. */
public interface UsageSink extends AutoCloseable {
  UsageSink NONE = new UsageSink() {
    @Override
    public void accept(UsageRecord record) {
    }

    @Override
    public void close() {
    }
  };

  void accept(UsageRecord record);

  /** Writes everything accepted so far, then stops. */
  @Override
  void close();
}
