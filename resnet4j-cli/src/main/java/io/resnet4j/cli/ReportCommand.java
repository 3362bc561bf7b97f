package io.resnet4j.cli;

import io.resnet4j.cli.report.RunReport;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code resnet4j report DIR}: (re)draws a run's plots and HTML report from its metrics.jsonl. */
@Command(name = "report",
        description = "Draw the plots (loss, accuracy, learning rate, confusion matrix) and the HTML report of a "
                + "training run from its metrics.jsonl. 'train' does this itself at the end; use 'report' on a run "
                + "that is still going or was stopped.",
        mixinStandardHelpOptions = true,
        footerHeading = "%nExamples:%n",
        footer = {
            "  ./resnet4j report runs/fashion-resnet20",
            "  ./resnet4j report runs/fashion-resnet20 && xdg-open runs/fashion-resnet20/report.html"
        })
final class ReportCommand extends BaseCommand {

    @Parameters(index = "0", paramLabel = "DIR", description = "A run directory (the --out of train) with metrics.jsonl.")
    Path runDir;

    @Override
    public Integer call() {
        RunReport.Result r = RunReport.generate(runDir);
        for (Path f : r.files()) {
            out().println("wrote " + f);
        }
        out().println("report: " + r.html().toAbsolutePath().normalize().toUri());
        return 0;
    }
}
