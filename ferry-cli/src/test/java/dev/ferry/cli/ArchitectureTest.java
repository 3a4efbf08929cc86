package dev.ferry.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The modules' boundaries, over every production class of Ferry (the CLI's classpath holds them
 * all): SQL lives in ferry-store only, behind its ports; the pure core and the file formats know
 * nothing of the modules around them; the host agent's daemon and the controller's driver are
 * apart; nothing but the CLI (the composition root) depends on the CLI.
 */
class ArchitectureTest {
    private final JavaClasses ferry = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar")) // other modules' test helpers on this classpath
            .importPackages("dev.ferry");

    @Test
    void sqlLivesInTheStoreOnly() {
        noClasses().that().resideOutsideOfPackage("dev.ferry.store..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "javax.sql..", "org.h2..", "org.postgresql..",
                        "com.zaxxer..", "org.flywaydb..")
                .check(ferry);
    }

    @Test
    void theCoreAndTheFormatsKnowNothingOfTheModulesAroundThem() {
        noClasses().that().resideInAPackage("dev.ferry.core..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.formats..", "dev.ferry.sim..", "dev.ferry.store..",
                        "dev.ferry.server..", "dev.ferry.agent..", "dev.ferry.lab..", "dev.ferry.cli..")
                .check(ferry);
        noClasses().that().resideInAPackage("dev.ferry.formats..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.sim..", "dev.ferry.store..", "dev.ferry.server..",
                        "dev.ferry.agent..", "dev.ferry.lab..", "dev.ferry.cli..")
                .check(ferry);
        noClasses().that().resideInAPackage("dev.ferry.store..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.sim..", "dev.ferry.server..", "dev.ferry.agent..",
                        "dev.ferry.lab..", "dev.ferry.cli..")
                .check(ferry);
    }

    @Test
    void theAdaptersDependOnlyOnWhatIsBelowThem() {
        noClasses().that().resideInAPackage("dev.ferry.sim..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.store..", "dev.ferry.server..", "dev.ferry.agent..",
                        "dev.ferry.lab..", "dev.ferry.cli..")
                .check(ferry);
        noClasses().that().resideInAPackage("dev.ferry.agent..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.formats..", "dev.ferry.sim..", "dev.ferry.store..",
                        "dev.ferry.server..", "dev.ferry.lab..", "dev.ferry.cli..")
                .check(ferry);
        noClasses().that().resideInAPackage("dev.ferry.server..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.ferry.lab..", "dev.ferry.cli..")
                .check(ferry);
    }

    @Test
    void theHostAgentAndTheControllersDriverAreApart() {
        noClasses().that().resideInAPackage("dev.ferry.agent.host..")
                .should().dependOnClassesThat().resideInAPackage("dev.ferry.agent.driver..")
                .check(ferry);
        noClasses().that().resideInAPackage("dev.ferry.agent.driver..")
                .should().dependOnClassesThat().resideInAPackage("dev.ferry.agent.host..")
                .check(ferry);
    }

    @Test
    void onlyTheCompositionRootDependsOnTheCli() {
        noClasses().that().resideOutsideOfPackage("dev.ferry.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.ferry.cli..")
                .check(ferry);
    }
}
