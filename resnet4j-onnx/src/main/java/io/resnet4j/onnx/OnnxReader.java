package io.resnet4j.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.resnet4j.onnx.proto.OnnxProto.ModelProto;
import io.resnet4j.onnx.proto.OnnxProto.TensorProto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads ONNX protobuf files with bounded memory. The whole file is read once (its size is checked first);
 * protobuf lengths are then checked against the bytes present, and byte fields alias the file's array.
 * Before parsing, a scan of the wire format counts the messages and strings the parse would create and
 * rejects files whose object count could make the parsed form much larger than the file itself (a hostile
 * file made of millions of empty messages). Nested depth is limited as well.
 */
public final class OnnxReader {
    /** Protobuf's own limit on one message (2 GiB - 1); ONNX puts larger weights in external files. */
    static final long MAX_FILE = Integer.MAX_VALUE - 8;
    /** At most this many messages and strings in one file: a ResNet-50 has about 3,000. */
    static final int MAX_OBJECTS = 2_000_000;
    static final int MAX_DEPTH = 32;

    private OnnxReader() {
    }

    public static ModelProto readModel(Path file) throws IOException {
        byte[] bytes = readBounded(file);
        scan(bytes, ModelProto.getDescriptor(), file);
        try {
            return ModelProto.parseFrom(input(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxException(file + " is not a valid ONNX model (protobuf: " + e.getMessage() + ")", e);
        }
    }

    public static TensorProto readTensor(Path file) throws IOException {
        byte[] bytes = readBounded(file);
        scan(bytes, TensorProto.getDescriptor(), file);
        try {
            return TensorProto.parseFrom(input(bytes));
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxException(file + " is not a valid ONNX TensorProto (protobuf: " + e.getMessage() + ")", e);
        }
    }

    static ModelProto parseModel(byte[] bytes, String what) {
        scan(bytes, ModelProto.getDescriptor(), Path.of(what));
        try {
            return ModelProto.parseFrom(input(bytes));
        } catch (IOException e) {
            throw new OnnxException(what + " is not a valid ONNX model (protobuf: " + e.getMessage() + ")", e);
        }
    }

    private static byte[] readBounded(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new OnnxException("no ONNX file at " + file);
        }
        long size = Files.size(file);
        if (size > MAX_FILE) {
            throw new OnnxException(file + " has " + size + " bytes, more than one protobuf message holds (2 GiB)");
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length != size) {
            throw new OnnxException(file + " changed while it was read");
        }
        return bytes;
    }

    private static CodedInputStream input(byte[] bytes) {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        in.enableAliasing(true);
        in.setRecursionLimit(MAX_DEPTH);
        in.setSizeLimit(bytes.length);
        return in;
    }

    /** Walks the wire format under the schema, counting objects and checking nesting, without allocating. */
    static void scan(byte[] bytes, Descriptor type, Path file) {
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        int[] objects = {0};
        try {
            in.pushLimit(bytes.length);
            scanMessage(in, type, 0, objects, file);
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxException(file + " is not a valid ONNX protobuf (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new OnnxException(file + ": " + e.getMessage(), e);
        }
    }

    private static void scanMessage(CodedInputStream in, Descriptor type, int depth, int[] objects, Path file) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new OnnxException(file + ": messages nested deeper than " + MAX_DEPTH + " levels");
        }
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return;
            }
            FieldDescriptor field = type.findFieldByNumber(WireFormat.getTagFieldNumber(tag));
            if (WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                if (++objects[0] > MAX_OBJECTS) {
                    throw new OnnxException(file + " holds more than " + MAX_OBJECTS
                            + " protobuf messages and strings; this is not a model this importer reads");
                }
                if (field != null && field.getType() == FieldDescriptor.Type.MESSAGE) {
                    int length = in.readRawVarint32();
                    // pushLimit rejects a length past the enclosing message's end (or a negative one).
                    int old = in.pushLimit(length);
                    scanMessage(in, field.getMessageType(), depth + 1, objects, file);
                    in.popLimit(old);
                    continue;
                }
            }
            if (!in.skipField(tag)) {
                return;
            }
        }
    }
}
