package io.cachedapi.operator.liveloop;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachedapi.operator.OperatorSettings;
import io.cachedapi.operator.cli.Render;
import io.cachedapi.operator.crd.CachedApi;
import io.cachedapi.operator.crd.CachedApiStatus;
import io.cachedapi.operator.lifecycle.JdbcPostgresAdmin;
import io.cachedapi.operator.observer.JdbcReplicationProbe;
import io.cachedapi.operator.reconciler.CachedApiReconciler;
import io.cachedapi.operator.resources.Labels;
import io.cachedapi.operator.resources.PgCredentialsSecret;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * One live-loop run (DESIGN.md, "Testing levels"): the real operator, wired as OperatorMain wires it
 * (its real JDBC probe and admin), on fabric8's mock API server, while {@link LiveCluster} plays the
 * controllers and kubelet, so every pg pod is a real PostgreSQL started from its own pod template and
 * the Services route by their selectors. The mock server has no server-side apply, so the operator
 * runs with it off, as in OperatorIT. Also the scenario tests' common reads and connections. Public, in
 * the operator's test-jar, for the service's tests that run real API instances on it.
 */
public final class LiveLoop implements AutoCloseable {

    public static final String NAME = "shop";

    private final KubernetesClient client;
    private final String namespace;
    private final Operator operator;
    private final LiveCluster cluster;
    private List<String> pgPods = List.of();
    private volatile String superuserPassword;   // generated once by the operator, then read on every connect

    private LiveLoop(KubernetesClient client, String namespace, Operator operator, LiveCluster cluster) {
        this.client = client;
        this.namespace = namespace;
        this.operator = operator;
        this.cluster = cluster;
    }

    /** The operator re-checks every second, as the scenarios need; everything else at its defaults. */
    public static LiveLoop start(KubernetesClient client, String namespace) {
        OperatorSettings settings = OperatorSettings.from(Map.of("RECHECK_SECONDS", "1"));
        Operator operator = new Operator(overrider -> overrider
                .withKubernetesClient(client)
                .withCloseClientOnStop(false)
                .withSSABasedCreateUpdateMatchForDependentResources(false)
                .withUseSSAToPatchPrimaryResource(false));
        operator.register(new CachedApiReconciler(
                (user, password) -> new JdbcReplicationProbe(user, password, Duration.ofSeconds(2),
                        settings.maxReplayLagBytes()),
                (user, password) -> new JdbcPostgresAdmin(user, password, settings.failover().promotionTimeout()),
                settings.failover(), Clock.systemUTC(), settings.recheck()));
        operator.start();
        return new LiveLoop(client, namespace, operator, LiveCluster.start(client, namespace));
    }

    /** Creates the repository's sample CachedApi with {@code replicas} streaming replicas, changed by {@code edit}. */
    public CachedApi create(int replicas, Consumer<CachedApi> edit) {
        CachedApi api = Render.read(Path.of("../manifests/samples/cachedapi.yaml"));
        api.getMetadata().setNamespace(namespace);
        api.getSpec().getPostgres().setReplicas(replicas);
        edit.accept(api);
        pgPods = IntStream.rangeClosed(0, replicas).mapToObj(ordinal -> NAME + "-pg-" + ordinal).toList();
        return client.resource(api).create();
    }

    /**
     * Changes the CachedApi as {@code kubectl edit} would, again on a conflict: the operator may patch it
     * (its status, an annotation) between the read and the write.
     */
    public void edit(Consumer<CachedApi> change) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .ignoreExceptionsMatching(e -> e instanceof io.fabric8.kubernetes.client.KubernetesClientException client
                        && client.getCode() == 409)
                .until(() -> {
                    client.resources(CachedApi.class).inNamespace(namespace).withName(NAME).edit(api -> {
                        change.accept(api);
                        return api;
                    });
                    return true;
                });
    }

    public LiveCluster cluster() {
        return cluster;
    }

    public List<String> pgPods() {
        return pgPods;
    }

    public CachedApi current() {
        return client.resources(CachedApi.class).inNamespace(namespace).withName(NAME).get();
    }

    public Pod pod(String name) {
        return client.pods().inNamespace(namespace).withName(name).get();
    }

    /** Role label by pod, for the pods that have one. */
    public Map<String, String> roles() {
        return pgPods.stream().map(this::pod)
                .filter(pod -> pod != null && pod.getMetadata().getLabels().containsKey(Labels.ROLE))
                .collect(Collectors.toMap(pod -> pod.getMetadata().getName(),
                        pod -> pod.getMetadata().getLabels().get(Labels.ROLE)));
    }

    /** The Events recorded on the CachedApi with this reason. */
    public List<Event> events(String reason) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(event -> reason.equals(event.getReason())).toList();
    }

    /** ReplicationHealthy=True, every replica streaming, the named primary labelled, the others replicas. */
    public void assertReplicationVerified(String primary) {
        CachedApiStatus status = current().getStatus();
        assertThat(status).as(this::diagnostics).isNotNull();
        assertThat(condition(status, "ReplicationHealthy").getStatus()).as(this::diagnostics).isEqualTo("True");
        assertThat(status.getPrimary()).as(this::diagnostics).isEqualTo(primary);
        assertThat(status.getReplicas()).as(this::diagnostics).hasSize(pgPods.size() - 1)
                .allSatisfy(replica -> assertThat(replica.walReceiver()).isEqualTo("streaming"));
        Map<String, String> expected = pgPods.stream().collect(Collectors.toMap(pod -> pod,
                pod -> pod.equals(primary) ? Labels.PRIMARY : Labels.REPLICA));
        assertThat(roles()).as(this::diagnostics).isEqualTo(expected);
    }

    /** A connection as the superuser to a Service's or a pod's address. */
    public Connection connect(InetSocketAddress address, String database) throws SQLException {
        var properties = new Properties();
        properties.setProperty("user", PgCredentialsSecret.SUPERUSER);
        properties.setProperty("password", superuserPassword());
        properties.setProperty("connectTimeout", "2");
        properties.setProperty("socketTimeout", "5");
        return DriverManager.getConnection("jdbc:postgresql://" + address.getAddress().getHostAddress() + ":"
                + address.getPort() + "/" + database, properties);
    }

    public static String single(Connection connection, String query) throws SQLException {
        try (var statement = connection.createStatement(); var rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getString(1);
        }
    }

    public static void execute(Connection connection, String sql) throws SQLException {
        try (var statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    String superuserPassword() {
        if (superuserPassword == null) {
            superuserPassword = readSuperuserPassword();
        }
        return superuserPassword;
    }

    private String readSuperuserPassword() {
        Secret secret = client.secrets().inNamespace(namespace).withName(NAME + "-pg-credentials").get();
        if (secret.getData() != null && secret.getData().containsKey(PgCredentialsSecret.SUPERUSER_PASSWORD)) {
            return new String(Base64.getDecoder().decode(secret.getData().get(PgCredentialsSecret.SUPERUSER_PASSWORD)),
                    StandardCharsets.UTF_8);
        }
        return secret.getStringData().get(PgCredentialsSecret.SUPERUSER_PASSWORD);
    }

    public static Condition condition(CachedApiStatus status, String type) {
        return status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " condition in " + status.getConditions()));
    }

    /** What a failure needs: the CachedApi's conditions, each pod's state and the pg pods' log tails. */
    public String diagnostics() {
        var out = new StringBuilder("\nCachedApi status: ");
        out.append(Optional.ofNullable(current()).map(CachedApi::getStatus).map(status -> status.getPhase()
                + " primary=" + status.getPrimary() + " " + status.getConditions().stream()
                .map(c -> c.getType() + "=" + c.getStatus() + " (" + c.getMessage() + ")")
                .collect(Collectors.joining("; "))).orElse("none"));
        for (String name : pgPods) {
            Pod pod = pod(name);
            out.append("\n").append(name).append(": ").append(pod == null ? "no pod" : pod.getStatus() == null ? "no status"
                    : pod.getStatus().getPhase() + ", labels " + pod.getMetadata().getLabels() + ", conditions "
                    + pod.getStatus().getConditions().stream().map(c -> c.getType() + "=" + c.getStatus()).toList());
            out.append(cluster.logTail(name));
        }
        return out.toString();
    }

    /** The operator first: it must not watch the pods go and react. */
    @Override
    public void close() {
        try {
            operator.stop();
        } finally {
            cluster.close();
        }
    }
}
