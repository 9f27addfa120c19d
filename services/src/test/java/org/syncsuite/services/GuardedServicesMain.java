package org.syncsuite.services;

/**
 * Run in a child JVM by {@link NoProcessLeftBehindIT}: starts MariaDB and S3, prints their pids,
 * then waits to be killed.
 */
public final class GuardedServicesMain {

    private GuardedServicesMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedMariaDb db = EmbeddedMariaDb.builder().build();
        EmbeddedS3 s3 = EmbeddedS3.builder().build();
        db.start();
        s3.start();
        long watchdog = ProcessGuard.get().watchdog().orElseThrow().pid();
        System.out.println("PIDS " + db.pid().orElseThrow() + " " + s3.pid().orElseThrow() + " " + watchdog);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
