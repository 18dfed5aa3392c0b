package torihiki;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import java.time.Duration;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.internal.Version;

/**
 * Runs an embedded Neo4j Community DBMS with a Bolt connector on 127.0.0.1,
 * so tests get a real Neo4j without Docker or the server tarball.
 *
 * <pre>
 * java -cp target/classes:target/lib/* torihiki.Neo4jLauncher \
 *     --home DIR --port 7687 --password-file FILE [--pagecache 256m] [--conf FILE]
 * </pre>
 *
 * Prints {@code READY bolt://127.0.0.1:PORT} on stdout once Bolt accepts
 * connections and the password of user {@code neo4j} has been set.
 * SIGTERM (or SIGINT) shuts the DBMS down cleanly via a shutdown hook.
 */
public final class Neo4jLauncher {

    private Neo4jLauncher() {}

    public static void main(String[] args) throws Exception {
        Path home = null;
        int port = 7687;
        Path passwordFile = null;
        String pageCache = "256m";
        Path conf = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--home" -> home = Path.of(args[++i]);
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--password-file" -> passwordFile = Path.of(args[++i]);
                case "--pagecache" -> pageCache = args[++i];
                case "--conf" -> conf = Path.of(args[++i]);
                default -> usage("unknown argument: " + a);
            }
        }
        if (home == null) usage("--home is required");
        if (passwordFile == null) usage("--password-file is required");
        String password = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
        if (password.isEmpty()) usage("password file is empty: " + passwordFile);

        long started = System.nanoTime();
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.auth_minimum_password_length, 1)
                .setConfig(GraphDatabaseSettings.pagecache_memory, parseBytes(pageCache))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                // Bolt's defaults wait ~10 s of quiet periods on shutdown; a
                // test helper wants a fast, still clean, stop.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(2));
        if (conf != null && Files.exists(conf)) {
            builder.loadPropertiesFromFile(conf);
        }
        DatabaseManagementService dbms;
        try {
            dbms = builder.build();
        } catch (Throwable t) {
            System.err.println("Neo4jLauncher: failed to start the DBMS");
            t.printStackTrace();
            System.exit(1);
            return;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("Neo4jLauncher: shutting down");
            try {
                dbms.shutdown();
            } finally {
                System.err.println("Neo4jLauncher: stopped");
                stopped.countDown();
            }
        }, "neo4j-launcher-shutdown"));

        try {
            long dbmsUp = System.nanoTime();
            // ALTER USER costs ~3 s of cold Cypher compilation: skip it when
            // this data dir already got this password (marker lives in data/,
            // so wiping the data also forgets the marker).
            Path marker = home.resolve("data").resolve(".torihiki-password.sha256");
            String digest = sha256(password);
            if (!Files.exists(marker) || !Files.readString(marker).strip().equals(digest)) {
                setPassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), password);
                Files.writeString(marker, digest + "\n");
            }
            long pwSet = System.nanoTime();
            System.err.printf("Neo4jLauncher: dbms started in %d ms, password set in %d ms%n",
                    (dbmsUp - started) / 1_000_000, (pwSet - dbmsUp) / 1_000_000);
            String version = Version.getNeo4jVersion();

            long ms = (System.nanoTime() - started) / 1_000_000;
            System.err.printf("Neo4jLauncher: Neo4j %s Community up in %d ms (home %s)%n", version, ms, home);
            System.out.println("READY bolt://127.0.0.1:" + port);
            System.out.flush();
        } catch (Throwable t) {
            // Neo4j's threads are non-daemon: without an explicit exit a failed
            // start would leave a half-up JVM behind.
            System.err.println("Neo4jLauncher: startup failed");
            t.printStackTrace();
            System.exit(1);  // runs the shutdown hook
        }

        stopped.await();
    }

    /**
     * Embedded mode has no {@code neo4j-admin dbms set-initial-password}; the
     * system database is writable through the embedded API (full access), so
     * set the password there. Runs on every start so the stored password file
     * always wins; ALTER USER refuses an unchanged password, which is fine.
     */
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PLAINTEXT PASSWORD $pw CHANGE NOT REQUIRED",
                    Map.of("pw", password));
        } catch (RuntimeException e) {
            if (!causeChainMentions(e, "Old password and new password cannot be the same")) {
                throw e;
            }
            system.executeTransactionally("ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
        }
    }

    private static String sha256(String s) throws Exception {
        byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(h);
    }

    private static boolean causeChainMentions(Throwable t, String text) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(text)) return true;
        }
        return false;
    }

    private static long parseBytes(String s) {
        String v = s.trim().toLowerCase();
        long mult = 1;
        char last = v.charAt(v.length() - 1);
        if (Character.isLetter(last)) {
            v = v.substring(0, v.length() - 1);
            mult = switch (last) {
                case 'k' -> ByteUnit.kibiBytes(1);
                case 'm' -> ByteUnit.mebiBytes(1);
                case 'g' -> ByteUnit.gibiBytes(1);
                default -> throw new IllegalArgumentException("bad size: " + s);
            };
        }
        return Long.parseLong(v) * mult;
    }

    private static void usage(String msg) {
        System.err.println("Neo4jLauncher: " + msg);
        System.err.println("usage: Neo4jLauncher --home DIR --port N --password-file FILE"
                + " [--pagecache 256m] [--conf neo4j.conf]");
        System.exit(2);
    }
}
