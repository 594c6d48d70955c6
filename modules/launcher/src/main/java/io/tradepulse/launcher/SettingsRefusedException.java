package io.tradepulse.launcher;

/**
 * Settings a command was given (ingest's connector settings from --config and --set, its --worker-config) that are
 * refused before anything starts: the user's to fix, exit 2, and its one line only ({@link Main#failed}), as {@code
 * run} prints an invalid setting ("Invalid configuration: ..."). Thrown as a picocli ParameterException, the line was
 * followed by the command's whole usage (some 100 lines), which says nothing about settings and pushed the line out of
 * a terminal's view. A command line picocli cannot parse, or options that do not go together, still show the usage.
 * Also ingest's connector settings that the Connect worker refuses once it is given the connector (another
 * connector.class, whose settings only the worker checks), and an offsets file of the old shared default name.
 */
final class SettingsRefusedException extends RuntimeException {
    SettingsRefusedException(String message) {
        super(message);
    }
}
