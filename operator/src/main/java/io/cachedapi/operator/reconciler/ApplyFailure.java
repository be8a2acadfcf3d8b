package io.cachedapi.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import java.util.stream.Collectors;

/**
 * What a person reads when the children could not be applied: the API server's own words for each
 * child it refused (they name the object and the field), and what to do about it.
 */
final class ApplyFailure {

    private ApplyFailure() {
    }

    static String describe(Exception failure) {
        String refused = failure instanceof AggregatedOperatorException aggregated
                && !aggregated.getAggregatedExceptions().isEmpty()
                ? aggregated.getAggregatedExceptions().values().stream().map(ApplyFailure::serverMessage)
                        .distinct().sorted().collect(Collectors.joining("; "))
                : serverMessage(failure);
        return "the cluster refused what the spec asks for: " + refused
                + ". Change the spec back, or fix what the message names; the operator tries again until then";
    }

    /**
     * Whether the API server refused what was sent (a 4xx: invalid, forbidden by a policy or webhook, a
     * conflict with an immutable field), for every child that failed. Anything else (a server error, a
     * timeout, a bug) is not the spec's fault: it is thrown again, for JOSDK to retry.
     */
    static boolean isRefusal(Exception failure) {
        if (failure instanceof AggregatedOperatorException aggregated && !aggregated.getAggregatedExceptions().isEmpty()) {
            return aggregated.getAggregatedExceptions().values().stream().allMatch(ApplyFailure::refusedByServer);
        }
        return refusedByServer(failure);
    }

    private static boolean refusedByServer(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof KubernetesClientException client) {
                return client.getCode() >= 400 && client.getCode() < 500;
            }
        }
        return false;
    }

    /** The Status message of the first Kubernetes client error among the causes, else the exception's own message. */
    private static String serverMessage(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof KubernetesClientException client && client.getStatus() != null
                    && client.getStatus().getMessage() != null) {
                return client.getStatus().getMessage();
            }
        }
        return failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }
}
