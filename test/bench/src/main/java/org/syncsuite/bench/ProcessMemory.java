package org.syncsuite.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/** This JVM's memory figures, as the benchmarks' child processes report them. */
final class ProcessMemory {

    private static long lifetimePeakHeap;

    private ProcessMemory() {
    }

    /** Peak heap in use since the last {@link #resetPeakHeap}, summed over the heap's pools. */
    static synchronized long peakHeapBytes() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        lifetimePeakHeap = Math.max(lifetimePeakHeap, peak);
        return peak;
    }

    /** Starts a new peak-heap measurement; {@link #lifetimePeakHeapBytes} keeps the highest so far. */
    static synchronized void resetPeakHeap() {
        peakHeapBytes();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** The highest peak heap seen by this JVM's measurements (an upper bound of the sums per pool). */
    static synchronized long lifetimePeakHeapBytes() {
        return Math.max(lifetimePeakHeap, peakHeapBytes());
    }

    /**
     * Heap in use right after the last collection, summed over the heap's pools: what was still
     * live then (garbage not yet collected is not counted, unlike {@link #peakHeapBytes}).
     */
    static long heapAfterGcBytes() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                used += pool.getCollectionUsage().getUsed();
            }
        }
        return used;
    }

    /** The process's peak resident set size (Linux: VmHWM), or -1 where unknown. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }

    /** Time spent in garbage collection so far. */
    static double gcSeconds() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis / 1000.0;
    }
}
