package dev.ferry.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The controller's layers: HTTP stays in {@code api} (services and the campaign loop know nothing
 * of Javalin; they refuse with {@link Refused}, and only {@code api} turns that into status codes),
 * the campaign loop does not call the HTTP layer, and nothing reads the wall clock behind the
 * injected {@code InstantSource}'s back.
 */
class ServerLayeringTest {
    private final JavaClasses server = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.ferry.server");

    @Test
    void httpStaysInTheApiPackage() {
        noClasses().that().resideOutsideOfPackage("dev.ferry.server.api..")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "jakarta.servlet..", "org.eclipse.jetty..")
                .check(server);
        noClasses().that().resideInAPackage("dev.ferry.server.engine..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.server.api..", "dev.ferry.server.webhook..")
                .check(server);
    }

    @Test
    void servicesRefuseInDomainTermsAndOnlyTheHttpLayerKnowsStatusCodes() {
        noClasses().that().resideOutsideOfPackage("dev.ferry.server.api..")
                .should().dependOnClassesThat().haveSimpleName("ApiException").check(server);
    }

    @Test
    void timeComesFromTheInjectedClock() {
        noClasses().should().callMethod(System.class, "currentTimeMillis").check(server);
        noClasses().should().callMethod(Instant.class, "now").check(server);
    }
}
