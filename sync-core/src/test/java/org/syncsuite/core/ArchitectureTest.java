package org.syncsuite.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * sync-core is shared by the services, the CLI and the client, so it must stay free of
 * frameworks and infrastructure: no Jakarta/Helidon, Kafka, JDBC, Hibernate or S3 class.
 */
class ArchitectureTest {

    static final ArchRule CORE_IS_FRAMEWORK_FREE = noClasses()
            .that().resideInAPackage("org.syncsuite.core..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "jakarta..", "javax.ws..", "javax.persistence..", "javax.inject..",
                    "io.helidon..",
                    "org.apache.kafka..", "kafka..",
                    "java.sql..", "javax.sql..", "com.mysql..", "org.mariadb..", "org.hibernate..",
                    "org.flywaydb..", "com.zaxxer..",
                    "io.minio..", "software.amazon..", "com.amazonaws..",
                    "com.github.shyiko..", "org.eclipse.microprofile..")
            .because("sync-core is framework-free; see CONVENTIONS.md, 'Layout shows the architecture'");

    @Test
    void coreImportsNoFrameworkKafkaJdbcOrS3Class() {
        JavaClasses core = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.syncsuite.core");
        assertThat(core).as("production classes of sync-core").isNotEmpty();
        CORE_IS_FRAMEWORK_FREE.check(core);
    }

    @Test
    void theRuleCatchesAForbiddenImport() {
        JavaClasses offender = new ClassFileImporter().importClasses(ForbiddenJdbcUse.class);
        EvaluationResult result = CORE_IS_FRAMEWORK_FREE.evaluate(offender);
        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().getDetails()).anyMatch(line -> line.contains("java.sql.Connection"));
    }
}
