package io.cachedapi.testkit;

import java.nio.file.Path;

/**
 * The three roles the bootstrap scripts create, with their passwords and the files that hold them
 * (the scripts read passwords from files, as pods read them from the mounted Secret).
 */
public record PostgresCredentials(
        String superuser, String superuserPassword, Path superuserPasswordFile,
        String replicationUser, String replicationPassword, Path replicationPasswordFile,
        String appUser, String appPassword, Path appPasswordFile) {

    public static final String SUPERUSER = "postgres";
    public static final String REPLICATION_USER = "replicator";
    public static final String APP_USER = "app";

    /** Reads the passwords kept in {@code directory}, generating the missing ones. */
    static PostgresCredentials loadOrGenerate(Path directory, ServerUser owner) {
        Path superuserFile = directory.resolve("superuser.password");
        Path replicationFile = directory.resolve("replication.password");
        Path appFile = directory.resolve("app.password");
        return new PostgresCredentials(
                SUPERUSER, Secrets.loadOrGenerate(superuserFile, owner), superuserFile,
                REPLICATION_USER, Secrets.loadOrGenerate(replicationFile, owner), replicationFile,
                APP_USER, Secrets.loadOrGenerate(appFile, owner), appFile);
    }

    @Override
    public String toString() {
        return "PostgresCredentials[superuser=" + superuser + ", replicationUser=" + replicationUser
                + ", appUser=" + appUser + ", passwords in " + superuserPasswordFile.getParent() + "]";
    }
}
