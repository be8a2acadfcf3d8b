package io.cachedapi.testkit.stack;

import java.nio.file.Path;
import java.util.List;

/**
 * {@code make up | down | status}: the local stack from the command line.
 *
 * <pre>
 * java -jar testkit/target/cachedapi-testkit-*-cli.jar up|down|status
 *      [--state-dir .local] [--rendered .local/rendered.yaml] [--service-jar JAR]
 * </pre>
 */
public final class LocalStackCli {

    private static final String USAGE = """
            usage: local-stack up|down|status [--state-dir DIR] [--rendered FILE] [--service-jar JAR]
              up      start the Postgres primary, its replicas, Redis and (given the service jar) the API
                      instances of the rendered CachedApi; write DIR/stack.env
              down    stop every server of the stack (data stays in DIR)
              status  each Postgres instance's role and replication as Postgres reports them; Redis health
            --rendered: what the operator's `render -f SAMPLE` printed (make up writes .local/rendered.yaml)
            defaults: --state-dir .local  --rendered DIR/rendered.yaml;  no --service-jar: no API instances""";

    private LocalStackCli() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(List.of(args)));
        } catch (RuntimeException e) {
            // A person reads this: the message says what failed and, for a server, the tail of its log.
            System.err.println("local stack: " + e.getMessage());
            System.exit(1);
        }
    }

    static int run(List<String> args) {
        if (args.isEmpty() || args.contains("--help") || args.contains("-h")) {
            System.out.println(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        Path state = Path.of(".local");
        Path rendered = null;
        Path serviceJar = null;
        for (int i = 1; i < args.size(); i += 2) {
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(args.get(i) + " needs a value\n" + USAGE);
            }
            Path value = Path.of(args.get(i + 1));
            switch (args.get(i)) {
                case "--state-dir" -> state = value;
                case "--rendered" -> rendered = value;
                case "--service-jar" -> serviceJar = value;
                default -> throw new IllegalArgumentException("unknown option " + args.get(i) + "\n" + USAGE);
            }
        }
        LocalStack stack = new LocalStack(state,
                StackSpec.fromRendering(rendered != null ? rendered : state.resolve("rendered.yaml")));
        switch (args.getFirst()) {
            case "up" -> {
                stack.up(serviceJar);
                System.out.println("local stack up; its ports and passwords are in " + stack.envFile());
                System.out.print(stack.status());
            }
            case "down" -> {
                List<String> stopped = stack.down();
                System.out.println(stopped.isEmpty() ? "nothing was running" : "stopped " + String.join(", ", stopped));
            }
            case "status" -> System.out.print(stack.status());
            default -> throw new IllegalArgumentException("unknown command " + args.getFirst() + "\n" + USAGE);
        }
        return 0;
    }
}
