package io.tradepulse.launcher;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tradepulse} command line. */
@Command(name = "tradepulse", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Monthly trade statistics turned into live, trustworthy signals on Kafka.",
        subcommands = {DemoCommand.class, RunCommand.class, IngestCommand.class, TariffsCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:", "  tradepulse demo                     # everything embedded, bundled real data",
                "  tradepulse demo --exit-when-done    # print the results and stop",
                "  tradepulse run --config app.properties",
                "  tradepulse tariffs --file tariff-events.csv --config app.properties"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tradepulse " + (v == null ? "(development build)" : v)};
        }
    }
}
