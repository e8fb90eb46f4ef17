package dev.sluice.download;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** Human log lines on stderr, every one passed through the {@link Redactor}. */
final class Log {

    private final PrintStream err;
    private final Redactor redactor;

    Log(PrintStream err, Redactor redactor) {
        this.err = err;
        this.redactor = redactor;
    }

    void info(String format, Object... args) {
        line("INFO ", format, args);
    }

    void warn(String format, Object... args) {
        line("WARN ", format, args);
    }

    void error(String format, Object... args) {
        line("ERROR", format, args);
    }

    Redactor redactor() {
        return redactor;
    }

    private void line(String level, String format, Object... args) {
        String message = args.length == 0 ? format : String.format(Locale.ROOT, format, args);
        String stamp = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        synchronized (err) {
            err.println(stamp + " " + level + " sluice-download: " + redactor.redact(message));
            err.flush();
        }
    }

    /** 1536 -> "1.5 KiB": sizes a person reads at a glance. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
