package zest.nn;

/** A model config.json is missing, malformed, or asks for an architecture zest does not implement. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) { super(message); }

    public ConfigException(String message, Throwable cause) { super(message, cause); }
}
