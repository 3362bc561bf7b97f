package io.resnet4j.onnx;

/** An ONNX file that cannot be read, imported or written; the message says what, where and what to do. */
public class OnnxException extends RuntimeException {
    public OnnxException(String message) {
        super(message);
    }

    public OnnxException(String message, Throwable cause) {
        super(message, cause);
    }
}
