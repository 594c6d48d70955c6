package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.census.CensusSourceConnector;
import io.tradepulse.connect.file.FileSourceConnector;
import java.util.List;
import org.junit.jupiter.api.Test;

/** connector.class resolved as Kafka 4.4's worker resolves it (PluginUtils.computeAliases, Plugins.connectorClass). */
class ConnectorClassesTest {
    private final ConnectorClasses onClassPath = ConnectorClasses.onClassPath(getClass().getClassLoader());

    @Test
    void shouldResolveTheSimpleNameAndTheNameWithoutConnectorToTheConnectorFoundAsConnectDoes() {
        String file = FileSourceConnector.class.getName();

        assertThat(onClassPath.resolve(file)).contains(file);
        assertThat(onClassPath.resolve("FileSourceConnector")).contains(file);
        assertThat(onClassPath.resolve("FileSource")).contains(file);
        assertThat(onClassPath.resolve("CensusSource")).contains(CensusSourceConnector.class.getName());
        assertThat(onClassPath.resolve("filesource")).as("aliases are case-sensitive, as Connect's").isEmpty();
        assertThat(onClassPath.resolve("File")).isEmpty();
    }

    @Test
    void shouldResolveNoAliasThatNamesTwoConnectorsAsConnectDropsIt() {
        ConnectorClasses twins = new ConnectorClasses(getClass().getClassLoader(),
                List.of(One.TwinSourceConnector.class, Two.TwinSourceConnector.class));

        assertThat(twins.resolve("TwinSourceConnector")).isEmpty();
        assertThat(twins.resolve("TwinSource")).isEmpty();
        assertThat(twins.resolve(One.TwinSourceConnector.class.getName())).contains(One.TwinSourceConnector.class.getName());
    }

    @Test
    void shouldLeaveAConnectorOnTheClassPathWithoutAServiceEntryToTheWorkerWhichLoadsItByItsName() {
        String own = StartRefusingConnector.class.getName();

        assertThat(onClassPath.resolve(own)).as("not one found").isEmpty();
        assertThat(onClassPath.workerLoads(own)).isTrue();
        assertThat(onClassPath.workerLoads("StartRefusingConnector")).as("no alias without a service entry").isFalse();
        assertThat(onClassPath.workerLoads("java.lang.String")).as("no Connector").isFalse();
        assertThat(onClassPath.workerLoads("com.nope.NoConnector")).isFalse();
        assertThat(onClassPath.workerLoads("")).isFalse();
    }

    @Test
    void shouldListEachSourceConnectorFoundWithItsAliasesAsTheAllowedValues() {
        assertThat(onClassPath.allowedValues()).isEqualTo(
                "io.tradepulse.connect.census.CensusSourceConnector (CensusSourceConnector, CensusSource),"
                        + " io.tradepulse.connect.comtrade.ComtradeSourceConnector (ComtradeSourceConnector, ComtradeSource),"
                        + " io.tradepulse.connect.comext.ComextSourceConnector (ComextSourceConnector, ComextSource),"
                        + " io.tradepulse.connect.gacc.GaccSourceConnector (GaccSourceConnector, GaccSource),"
                        + " io.tradepulse.connect.file.FileSourceConnector (FileSourceConnector, FileSource)");
    }

    /** A connector class that does nothing, for the alias rules. */
    abstract static class Nothing extends IdleSourceConnector {
    }

    static final class One {
        static class TwinSourceConnector extends Nothing {
        }
    }

    static final class Two {
        static class TwinSourceConnector extends Nothing {
        }
    }
}
