package dev.sluice.bench;

import java.nio.ByteBuffer;
import java.util.Base64;
import org.HdrHistogram.Histogram;

/** HdrHistogram conventions of the benchmark: values in microseconds, 1 us .. 1 h, 3 significant digits. */
final class Histograms {

    static final long MAX_MICROS = 3_600_000_000L;

    private Histograms() {
    }

    static Histogram create() {
        return new Histogram(1, MAX_MICROS, 3);
    }

    /** 4 significant digits (about 2 us resolution at 20 ms) up to 60 s, for the concurrency-1 comparisons. */
    static Histogram createPrecise() {
        return new Histogram(1, 60_000_000L, 4);
    }

    /** Records the time elapsed since {@code startNanos} (a {@link System#nanoTime()} value) in microseconds. */
    static void recordSince(Histogram h, long startNanos, long nowNanos) {
        long micros = (nowNanos - startNanos) / 1000;
        h.recordValue(Math.max(1, Math.min(h.getHighestTrackableValue(), micros)));
    }

    static double millis(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    static double maxMillis(Histogram h) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0;
    }

    /** Compressed, base64 encoded histogram, so raw distributions can be re-analysed from the JSON report. */
    static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int n = h.encodeIntoCompressedByteBuffer(buf);
        byte[] bytes = new byte[n];
        buf.flip();
        buf.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
