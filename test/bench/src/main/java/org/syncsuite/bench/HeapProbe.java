package org.syncsuite.bench;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;

/**
 * The heap of another JVM on this machine, read through its platform MXBeans over a local JMX
 * connection opened with the attach API: the heap still in use after a full collection that the
 * probe asks for, and the time the JVM's collectors have taken. One connection serves every
 * reading, so a reading costs a collection and two remote calls, not a {@code jcmd} JVM start.
 *
 * <p>Not thread-safe: one sampling thread uses it.
 */
final class HeapProbe implements AutoCloseable {

    /**
     * Heap in use right after a full collection, and the collection's time by the JVM's own
     * account (with a stop-the-world collector, how long it held the process up).
     */
    record AfterGc(long usedBytes, long pauseMillis) {
    }

    private final JMXConnector connector;
    private final MemoryMXBean memory;
    private final List<MemoryPoolMXBean> heapPools;
    private final List<GarbageCollectorMXBean> collectors;

    private HeapProbe(JMXConnector connector) throws IOException {
        this.connector = connector;
        MBeanServerConnection server = connector.getMBeanServerConnection();
        memory = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
        heapPools = ManagementFactory.getPlatformMXBeans(server, MemoryPoolMXBean.class).stream()
                .filter(pool -> pool.getType() == MemoryType.HEAP).toList();
        collectors = ManagementFactory.getPlatformMXBeans(server, GarbageCollectorMXBean.class);
    }

    /** Connects to the JVM of process {@code pid} (started by this user), starting its local JMX agent. */
    static HeapProbe attach(long pid) throws IOException {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException e) {
            throw new IOException("Cannot attach to process " + pid + ": " + e.getMessage(), e);
        }
        return new HeapProbe(JMXConnectorFactory.connect(new JMXServiceURL(address)));
    }

    /**
     * Runs a full collection ({@code System.gc()}) and returns the heap its pools still held after
     * it: what was live then.
     */
    AfterGc afterFullGc() throws IOException {
        long before = gcMillis();
        memory.gc();
        long pause = gcMillis() - before;
        long used = 0;
        for (MemoryPoolMXBean pool : heapPools) {
            java.lang.management.MemoryUsage afterGc = pool.getCollectionUsage();
            if (afterGc != null) {
                used += afterGc.getUsed();
            }
        }
        return new AfterGc(used, pause);
    }

    /** Seconds all the JVM's collectors have taken so far (pauses and, for some, concurrent work). */
    double gcSeconds() {
        return gcMillis() / 1000.0;
    }

    private long gcMillis() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : collectors) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis;
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
