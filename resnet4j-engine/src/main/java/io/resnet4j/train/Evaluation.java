package io.resnet4j.train;

/**
 * A pass over a test source in eval mode.
 *
 * @param loss     mean loss per example (the training criterion, label smoothing included)
 * @param accuracy fraction of examples whose first maximal logit is at the label
 * @param examples examples seen
 */
public record Evaluation(double loss, double accuracy, long examples) {
}
