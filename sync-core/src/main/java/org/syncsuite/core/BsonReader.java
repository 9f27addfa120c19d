package org.syncsuite.core;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads PowerSync's BSON stream: length-prefixed documents one after another, each as a JSON
 * tree (strings, numbers, booleans, nulls, binary, nested documents and arrays; other BSON types
 * are refused). The counterpart of {@link BsonWriter}. Whatever the bytes, a malformed document is
 * an {@link IOException}: documents nest at most {@link BsonWriter#MAX_DEPTH} deep, so a hostile
 * one cannot overflow the stack.
 */
public final class BsonReader {

    /** Larger documents than this are refused rather than buffered. */
    public static final int MAX_DOCUMENT = 64 << 20;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final DataInputStream in;

    public BsonReader(InputStream in) {
        this.in = new DataInputStream(in);
    }

    /** The next document, or empty at the end of the stream (between documents). */
    public Optional<ObjectNode> next() throws IOException {
        byte[] head = new byte[4];
        int read = in.readNBytes(head, 0, 4);
        if (read == 0) {
            return Optional.empty();
        }
        if (read < 4) {
            throw new EOFException("The BSON stream ended inside a document's length");
        }
        int length = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (length < 5 || length > MAX_DOCUMENT) {
            throw new IOException("Not a BSON document length: " + length);
        }
        byte[] document = new byte[length];
        System.arraycopy(head, 0, document, 0, 4);
        if (in.readNBytes(document, 4, length - 4) < length - 4) {
            throw new EOFException("The BSON stream ended inside a document of " + length + " bytes");
        }
        return Optional.of(parse(document));
    }

    /** One whole document. */
    public static ObjectNode parse(byte[] document) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(document).order(ByteOrder.LITTLE_ENDIAN);
        ObjectNode root = NODES.objectNode();
        readInto(buffer, root, null, 1);
        if (buffer.hasRemaining()) {
            throw new IOException("Bytes after the end of a BSON document");
        }
        return root;
    }

    private static void readInto(ByteBuffer buffer, ObjectNode object, ArrayNode array, int depth) throws IOException {
        if (depth > BsonWriter.MAX_DEPTH) {
            throw new IOException("BSON documents nested more than " + BsonWriter.MAX_DEPTH + " deep");
        }
        try {
            int start = buffer.position();
            int length = buffer.getInt();
            int end = start + length;
            while (true) {
                byte type = buffer.get();
                if (type == 0) {
                    break;
                }
                String name = cstring(buffer);
                JsonNode value = switch (type) {
                    case 0x01 -> NODES.numberNode(buffer.getDouble());
                    case 0x02 -> {
                        int size = buffer.getInt();
                        if (size < 1 || size > buffer.remaining() || buffer.get(buffer.position() + size - 1) != 0) {
                            throw new IOException("Bad BSON string length " + size);
                        }
                        String text = new String(buffer.array(), buffer.position(), size - 1, StandardCharsets.UTF_8);
                        buffer.position(buffer.position() + size);
                        yield NODES.textNode(text);
                    }
                    case 0x03 -> {
                        ObjectNode child = NODES.objectNode();
                        readInto(buffer, child, null, depth + 1);
                        yield child;
                    }
                    case 0x04 -> {
                        ArrayNode child = NODES.arrayNode();
                        readInto(buffer, null, child, depth + 1);
                        yield child;
                    }
                    case 0x05 -> {
                        int size = buffer.getInt();
                        buffer.get(); // the subtype
                        if (size < 0 || size > buffer.remaining()) {
                            throw new IOException("Bad BSON binary length " + size);
                        }
                        byte[] bytes = new byte[size];
                        buffer.get(bytes);
                        yield NODES.binaryNode(bytes);
                    }
                    case 0x08 -> NODES.booleanNode(buffer.get() != 0);
                    case 0x0A -> NODES.nullNode();
                    case 0x10 -> NODES.numberNode(buffer.getInt());
                    case 0x12 -> NODES.numberNode(buffer.getLong());
                    default -> throw new IOException("Unsupported BSON type 0x" + Integer.toHexString(type & 0xff) + " for "
                            + (name.length() > 40 ? name.substring(0, 40) + "..." : name));
                };
                if (array != null) {
                    array.add(value);
                } else {
                    object.set(name, value);
                }
            }
            if (buffer.position() != end) {
                throw new IOException("A BSON document's length does not match its content");
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw new EOFException("A BSON document ends early");
        }
    }

    private static String cstring(ByteBuffer buffer) {
        int start = buffer.position();
        while (buffer.get() != 0) {
            // to the terminator
        }
        return new String(buffer.array(), start, buffer.position() - start - 1, StandardCharsets.UTF_8);
    }
}
