package io.cachedapi.operator.liveloop;

import io.cachedapi.testkit.Directories;
import io.cachedapi.testkit.ServerUser;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A pod's volumes as local directories under the pod's own directory, owned by the account the
 * container runs as (what {@code fsGroup} achieves on a cluster):
 * <ul>
 *   <li>{@code configMap} and {@code secret}: one file per key (or per {@code items} entry) with
 *       {@code defaultMode} / the item's mode, rewritten at every container start and kept in step
 *       with the objects while it runs ({@link #refresh}), as the kubelet does;</li>
 *   <li>{@code emptyDir}: empty for each new pod (kept across container restarts, as on a node);</li>
 *   <li>{@code persistentVolumeClaim}: the claim's directory ({@link VolumeClaims}).</li>
 * </ul>
 * Other volume types, {@code readOnly} and {@code mountPropagation} are not faked.
 */
final class Volumes {

    private static final int DEFAULT_MODE = 0644;

    private final ConfigObjects objects;
    private final VolumeClaims claims;
    private final ServerUser user;

    Volumes(ConfigObjects objects, VolumeClaims claims, ServerUser user) {
        this.objects = objects;
        this.claims = claims;
        this.user = user;
    }

    /** A new pod on this "node": its emptyDir volumes start empty. */
    void prepareNewPod(Pod pod, Path podDirectory) {
        Directories.deleteRecursively(podDirectory);
        Directories.createOwned(podDirectory, user);
        for (Volume volume : volumes(pod)) {
            if (volume.getEmptyDir() != null) {
                Directories.createOwned(podDirectory.resolve(volume.getName()), user);
            }
        }
    }

    /** Materialises what the container mounts and says where each mount path lives. */
    MountTable mount(Pod pod, Container container, Path podDirectory) throws ContainerConfigError {
        var byName = new HashMap<String, Volume>();
        volumes(pod).forEach(volume -> byName.put(volume.getName(), volume));
        var localByMountPath = new HashMap<String, Path>();
        for (VolumeMount mount : Objects.requireNonNullElse(container.getVolumeMounts(), List.<VolumeMount>of())) {
            Volume volume = byName.get(mount.getName());
            if (volume == null) {
                throw new ContainerConfigError("volumeMount " + mount.getName() + " names no volume of the pod");
            }
            Path local = materialise(volume, podDirectory);
            if (mount.getSubPath() != null && !mount.getSubPath().isEmpty()) {
                local = Directories.createOwned(local.resolve(mount.getSubPath()), user);
            }
            localByMountPath.put(stripTrailingSlash(mount.getMountPath()), local);
        }
        return new MountTable(localByMountPath);
    }

    /**
     * The kubelet's periodic sync of mounted ConfigMaps and Secrets: while the container runs, their
     * files follow the objects (here within a supervision tick; the kubelet takes up to a minute or
     * so). A directory is replaced whole, by renaming a complete copy into place, and only when
     * something in it changed; one whose object is gone keeps its files, as on a node.
     */
    void refresh(Pod pod, Path podDirectory) {
        for (Volume volume : volumes(pod)) {
            if (volume.getConfigMap() == null && volume.getSecret() == null) {
                continue;
            }
            Path local = podDirectory.resolve(volume.getName());
            Path fresh = podDirectory.resolve("." + volume.getName() + ".fresh");
            try {
                materialiseInto(volume, fresh);
                if (!sameFiles(fresh, local)) {
                    Path old = podDirectory.resolve("." + volume.getName() + ".old");
                    Directories.deleteRecursively(old);
                    Files.move(local, old, StandardCopyOption.ATOMIC_MOVE);
                    Files.move(fresh, local, StandardCopyOption.ATOMIC_MOVE);
                    Directories.deleteRecursively(old);
                }
            } catch (ContainerConfigError | IOException gone) {
                // the kubelet keeps the last files it could write
            } finally {
                Directories.deleteRecursively(fresh);
            }
        }
    }

    private void materialiseInto(Volume volume, Path directory) throws ContainerConfigError {
        if (volume.getConfigMap() != null) {
            var source = volume.getConfigMap();
            Optional<Map<String, byte[]>> contents = objects.configMap(source.getName(), source.getOptional());
            writeFiles(directory, contents.orElse(Map.of()), source.getItems(), source.getDefaultMode(), source.getOptional());
        } else {
            var source = volume.getSecret();
            Optional<Map<String, byte[]>> contents = objects.secret(source.getSecretName(), source.getOptional());
            writeFiles(directory, contents.orElse(Map.of()), source.getItems(), source.getDefaultMode(), source.getOptional());
        }
    }

    private static boolean sameFiles(Path one, Path other) throws IOException {
        if (!Files.isDirectory(other)) {
            return false;
        }
        try (var left = Files.walk(one); var right = Files.walk(other)) {
            var leftFiles = left.filter(Files::isRegularFile).map(one::relativize).sorted().toList();
            var rightFiles = right.filter(Files::isRegularFile).map(other::relativize).sorted().toList();
            if (!leftFiles.equals(rightFiles)) {
                return false;
            }
            for (Path file : leftFiles) {
                if (Files.mismatch(one.resolve(file), other.resolve(file)) != -1
                        || !Files.getPosixFilePermissions(one.resolve(file)).equals(Files.getPosixFilePermissions(other.resolve(file)))) {
                    return false;
                }
            }
            return true;
        }
    }

    private Path materialise(Volume volume, Path podDirectory) throws ContainerConfigError {
        Path local = podDirectory.resolve(volume.getName());
        if (volume.getConfigMap() != null || volume.getSecret() != null) {
            materialiseInto(volume, local);
            return local;
        }
        if (volume.getEmptyDir() != null) {
            return Directories.createOwned(local, user);
        }
        if (volume.getPersistentVolumeClaim() != null) {
            return claims.boundDirectory(volume.getPersistentVolumeClaim().getClaimName());
        }
        throw new ContainerConfigError("volume " + volume.getName() + ": only configMap, secret, emptyDir and"
                + " persistentVolumeClaim volumes are faked by the live loop");
    }

    private void writeFiles(Path directory, Map<String, byte[]> contents, List<KeyToPath> items, Integer defaultMode,
                            Boolean optional) throws ContainerConfigError {
        Directories.deleteRecursively(directory);
        Directories.createOwned(directory, user);
        int mode = Objects.requireNonNullElse(defaultMode, DEFAULT_MODE);
        var files = new HashMap<String, byte[]>();
        var modes = new HashMap<String, Integer>();
        if (items == null || items.isEmpty()) {
            files.putAll(contents);
        } else {
            for (KeyToPath item : items) {
                byte[] value = contents.get(item.getKey());
                if (value == null) {
                    if (Boolean.TRUE.equals(optional)) {
                        continue;
                    }
                    throw new ContainerConfigError("volume item: couldn't find key " + item.getKey());
                }
                files.put(item.getPath(), value);
                if (item.getMode() != null) {
                    modes.put(item.getPath(), item.getMode());
                }
            }
        }
        try {
            for (var file : files.entrySet()) {
                Path target = directory.resolve(file.getKey());
                Directories.createOwned(target.getParent(), user);
                Files.write(target, file.getValue());
                user.own(target);
                Files.setPosixFilePermissions(target, permissions(modes.getOrDefault(file.getKey(), mode)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the files of volume " + directory, e);
        }
    }

    private static List<Volume> volumes(Pod pod) {
        return Objects.requireNonNullElse(pod.getSpec().getVolumes(), List.of());
    }

    private static String stripTrailingSlash(String mountPath) {
        return mountPath.length() > 1 && mountPath.endsWith("/") ? mountPath.substring(0, mountPath.length() - 1) : mountPath;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        var permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                permissions.add(order[bit]);
            }
        }
        return permissions;
    }
}
