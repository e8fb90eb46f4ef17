package dev.sluice.bench;

import java.util.List;
import java.util.Locale;

/**
 * A grouped bar chart as a self-contained SVG (no plotting library on the machine, and a text file diffs): one group
 * per target, one bar per series, each bar labelled with its value. Log scale when the targets differ by orders of
 * magnitude (Portkey next to nginx); values at or below the axis floor are drawn at the floor, labelled as they are.
 */
record BarChart(String title, String unit, List<String> groups, List<String> series, double[][] values, boolean log) {

    private static final String[] COLORS = {"#9cc3e6", "#4a86c5", "#1f4e89", "#0b2447"};

    String svg() {
        int width = 820, height = 440, left = 80, right = 20, top = 44, bottom = 70;
        int plotW = width - left - right, plotH = height - top - bottom;
        double max = 0, min = Double.MAX_VALUE;
        for (double[] row : values) {
            for (double v : row) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                    if (v > 0) {
                        min = Math.min(min, v);
                    }
                }
            }
        }
        double lo = log ? Math.floor(Math.log10(min == Double.MAX_VALUE ? 0.01 : Math.max(1e-3, min))) : 0;
        double hi = log ? Math.max(lo + 1, Math.ceil(Math.log10(Math.max(max, 1e-3)))) : niceCeiling(max);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n", width, height));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\">%s</text>%n", left, esc(title)));
        int ticks = log ? (int) (hi - lo) : 5;
        for (int i = 0; i <= ticks; i++) {
            double y = top + plotH - (double) i / ticks * plotH;
            double v = log ? Math.pow(10, lo + i) : hi * i / ticks;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
                    left, width - right, y, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", left - 6,
                    y + 4, number(v)));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" "
                + "text-anchor=\"middle\">%s</text>%n", top + plotH / 2, top + plotH / 2, esc(unit)));
        int groupW = plotW / Math.max(1, groups.size());
        int barW = Math.max(6, (groupW - 16) / Math.max(1, series.size()));
        for (int g = 0; g < groups.size(); g++) {
            int x0 = left + g * groupW + 8;
            for (int b = 0; b < series.size(); b++) {
                double v = values[g][b];
                if (Double.isNaN(v)) {
                    continue;
                }
                double frac = log ? (Math.log10(Math.max(Math.pow(10, lo), v)) - lo) / (hi - lo)
                        : Math.max(0, v) / hi;
                double h = Math.max(1, frac * plotH);
                double x = x0 + b * barW;
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                        + "fill=\"%s\"/>%n", x, top + plotH - h, barW - 3, h, COLORS[b % COLORS.length]));
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                        + "font-size=\"10\">%s</text>%n", x + (barW - 3) / 2.0, top + plotH - h - 4, number(v)));
            }
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x0 + barW * series.size() / 2, top + plotH + 18, esc(groups.get(g))));
        }
        for (int b = 0; b < series.size(); b++) {
            int x = left + b * 150;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", x, height - 26, COLORS[b % COLORS.length], x + 16,
                    height - 16, esc(series.get(b))));
        }
        return s.append("</svg>\n").toString();
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String number(double v) {
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
