package io.cachedapi.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/** The strict check of the chart test finds what fabric8 would silently keep aside. */
class StrictModelTest {

    @Test
    void aMisspelledFieldIsReportedWithItsPath() {
        Deployment deployment = Serialization.unmarshal("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec:
                  replica: 2
                  template:
                    spec:
                      containers: [{name: c, image: i, imagePullPolicy: Always, runAsUser: 1}]
                """, Deployment.class);
        assertThat(StrictModel.unknownFields(deployment))
                .containsExactlyInAnyOrder(".Spec.replica", ".Spec.Template.Spec.Containers[0].runAsUser");
    }
}
