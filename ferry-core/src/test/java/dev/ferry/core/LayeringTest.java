package dev.ferry.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.time.Instant;
import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;

/** The core decides on snapshots: no JDBC, HTTP, process, file or wall-clock code, no parsers. */
class LayeringTest {
    private final JavaClasses core = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.ferry.core");

    @Test
    void coreImportsNoInputOutputCode() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "java.sql..", "javax.sql..", "java.net..", "java.net.http..", "java.nio.file..", "java.nio.channels..",
                        "com.sun.net.httpserver..", "org.snakeyaml..", "com.fasterxml..", "picocli..")
                .check(core);
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName(ProcessBuilder.class.getName()).check(core);
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName(Process.class.getName()).check(core);
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName(java.io.File.class.getName()).check(core);
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName(java.io.FileInputStream.class.getName()).check(core);
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName(java.io.FileOutputStream.class.getName()).check(core);
    }

    @Test
    void coreNeverReadsTheWallClock() {
        noClasses().should().callMethod(System.class, "currentTimeMillis").check(core);
        noClasses().should().callMethod(System.class, "nanoTime").check(core);
        noClasses().should().callMethod(Instant.class, "now").check(core);
        noClasses().should().callMethod(LocalDateTime.class, "now").check(core);
        noClasses().should().callMethod(Thread.class, "sleep", long.class).check(core);
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName(java.time.Clock.class.getName()).check(core);
    }
}
