package io.resnet4j.cli;

import io.resnet4j.kernels.Kernels;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** {@code resnet4j --version}: the project version, the JVM and the kernels that run. */
final class Version implements CommandLine.IVersionProvider {

    static String projectVersion() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "resnet4j " + projectVersion(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                    + System.getProperty("os.arch") + ")",
            "kernels: " + Kernels.describe()
        };
    }
}
