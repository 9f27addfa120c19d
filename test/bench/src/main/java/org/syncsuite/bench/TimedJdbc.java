package org.syncsuite.bench;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JDBC driver for {@code jdbc:timed:<url>} that hands out the real driver's connections for
 * {@code jdbc:<url>}, wrapped so that the wall time of every statement execution and commit is
 * added up per kind of statement (verb and table: {@code insert_bucket_ops},
 * {@code upsert_bucket_state}, ...). Used by {@code bench writer --profile=true} to tell where a
 * writer's database time goes; it costs a reflective call per JDBC call, so profiled runs are a
 * little slower.
 */
final class TimedJdbc implements Driver {

    static final String PREFIX = "jdbc:timed:";
    private static final Pattern TABLE = Pattern.compile("(?i)\\b(?:INTO(?:\\s+TABLE)?|FROM|UPDATE)\\s+`?(\\w+)");

    /** Per kind: calls, nanoseconds, batched rows. */
    private final Map<String, AtomicLongArray> totals = new ConcurrentHashMap<>();

    private TimedJdbc() {
    }

    static TimedJdbc register() throws SQLException {
        TimedJdbc driver = new TimedJdbc();
        DriverManager.registerDriver(driver);
        return driver;
    }

    /** {@code jdbc:mysql://...} as {@code jdbc:timed:mysql://...}. */
    static String timed(String url) {
        if (!url.startsWith("jdbc:")) {
            throw new IllegalArgumentException("Not a JDBC URL: " + url);
        }
        return PREFIX + url.substring("jdbc:".length());
    }

    /** What was measured so far: kind, then calls, milliseconds and batched rows. */
    Map<String, long[]> totals() {
        Map<String, long[]> out = new TreeMap<>();
        totals.forEach((kind, t) -> out.put(kind, new long[] {t.get(0), t.get(1) / 1_000_000, t.get(2)}));
        return out;
    }

    /** The kind of a statement: {@code verb_table}, {@code upsert_} for an upsert, {@code lock_} for a locking read. */
    static String kind(String sql) {
        String s = sql.strip().replaceAll("\\s+", " ");
        String upper = s.toUpperCase(Locale.ROOT);
        String verb = upper.contains(" ON DUPLICATE KEY UPDATE ") ? "upsert"
                : upper.endsWith(" FOR UPDATE") ? "lock"
                : upper.split(" ", 2)[0].toLowerCase(Locale.ROOT);
        Matcher m = TABLE.matcher(s);
        return m.find() ? verb + "_" + m.group(1).toLowerCase(Locale.ROOT) : verb;
    }

    private void add(String kind, long nanos, long rows) {
        AtomicLongArray t = totals.computeIfAbsent(kind, k -> new AtomicLongArray(3));
        t.incrementAndGet(0);
        t.addAndGet(1, nanos);
        t.addAndGet(2, rows);
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        Connection real = DriverManager.getConnection("jdbc:" + url.substring(PREFIX.length()), info);
        return wrap(Connection.class, real, (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("commit") || name.equals("rollback")) {
                long started = System.nanoTime();
                try {
                    return invoke(method, real, args);
                } finally {
                    add(name, System.nanoTime() - started, 0);
                }
            }
            Object result = invoke(method, real, args);
            if (name.equals("prepareStatement") && result instanceof PreparedStatement statement) {
                return statement(PreparedStatement.class, statement, kind((String) args[0]));
            }
            if (name.equals("createStatement") && result instanceof Statement statement) {
                return statement(Statement.class, statement, null);
            }
            return result;
        });
    }

    private <T extends Statement> T statement(Class<T> type, T real, String preparedKind) {
        long[] batched = new long[1];
        return wrap(type, real, (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("addBatch")) {
                batched[0]++;
            }
            if (!name.startsWith("execute")) {
                return invoke(method, real, args);
            }
            String kind = preparedKind != null ? preparedKind
                    : args != null && args.length > 0 && args[0] instanceof String sql ? kind(sql) : "statement";
            long started = System.nanoTime();
            try {
                return invoke(method, real, args);
            } finally {
                add(kind, System.nanoTime() - started, name.equals("executeBatch") ? batched[0] : 1);
                batched[0] = 0;
            }
        });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T wrap(Class<T> type, T real, InvocationHandler handler) {
        return (T) Proxy.newProxyInstance(TimedJdbc.class.getClassLoader(), new Class<?>[] {type}, handler);
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
