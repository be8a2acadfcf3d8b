package io.cachedapi.operator.observer;

/** A replication probe that logs in with a CachedApi's own superuser credentials. */
@FunctionalInterface
public interface ProbeFactory {

    ReplicationProbe withCredentials(String user, String password);
}
