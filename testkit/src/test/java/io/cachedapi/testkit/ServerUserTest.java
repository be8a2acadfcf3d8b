package io.cachedapi.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A checkout in a folder closed to other accounts (a 0700 one, like /root or a mktemp -d folder): the
 * PostgreSQL account still gets directories it can write, and a failure about permissions says so.
 * Run as root (CI) the account is another one and the folder is truly closed to it; run as anyone
 * else the account is that user, for whom every directory of its own is reachable.
 */
class ServerUserTest {

    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private final ServerUser postgres = ServerUser.forPostgres();
    private Path closed;
    private Path real;

    @AfterEach
    void cleanUp() {
        if (real != null) {
            Directories.deleteRecursively(real);
        }
        Directories.deleteRecursively(closed);
    }

    @Test
    void aDirectoryAskedForInAClosedFolderIsOneThePostgresAccountCanWriteAndItsPathLeadsThere() throws IOException {
        closed = Files.createTempDirectory("cachedapi-closed-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path wanted = closed.resolve("pg");

        real = postgres.reachableDirectory(wanted);

        assertThatCode(() -> postgres.requireWritable(real)).doesNotThrowAnyException();
        assertThat(Files.isSameFile(wanted, real)).as("the usual path leads to the same directory").isTrue();
        assertThat(Files.isSymbolicLink(wanted)).as("a link out of the closed folder, only when it is closed")
                .isEqualTo(ROOT);
        assertThat(postgres.reachableDirectory(wanted)).as("asked again: the same directory").isEqualTo(real);
    }

    @Test
    void aClosedFolderIsReportedAsAPermissionProblem() throws IOException {
        closed = Files.createTempDirectory("cachedapi-closed-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        if (ROOT) {
            assertThatThrownBy(() -> postgres.requireWritable(closed))
                    .hasMessageContaining("cannot write " + closed)
                    .hasMessageContaining("closed to other accounts");
        } else {
            assertThatCode(() -> postgres.requireWritable(closed)).doesNotThrowAnyException();
        }
    }
}
