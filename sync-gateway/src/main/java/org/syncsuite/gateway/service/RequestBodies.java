package org.syncsuite.gateway.service;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/**
 * Request bodies read whole, up to a limit: beyond it {@link ErrorCode#REQUEST_TOO_LARGE}, before
 * or while reading. A body whose framing is ambiguous or malformed is {@link ErrorCode#REQUEST_INVALID}.
 */
public final class RequestBodies {

    private RequestBodies() {
    }

    /**
     * Refuses a request whose body framing two parties could read differently (RFC 9112 §6.3):
     * both {@code Content-Length} and {@code Transfer-Encoding}, or several lengths that differ.
     * A proxy in front that took the other reading would see a second request smuggled in the body.
     */
    public static void checkFraming(ServerRequest req) {
        List<String> lengths = req.headers().contains(HeaderNames.CONTENT_LENGTH)
                ? req.headers().get(HeaderNames.CONTENT_LENGTH).allValues(true) : List.of();
        if (!lengths.isEmpty() && req.headers().contains(HeaderNames.TRANSFER_ENCODING)) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "A request has Content-Length or Transfer-Encoding, not both");
        }
        if (lengths.stream().map(String::strip).distinct().count() > 1) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "The request has several Content-Length values that differ");
        }
    }

    /** The body of {@code req}, at most {@code max} bytes. */
    public static byte[] read(ServerRequest req, int max) {
        checkFraming(req);
        long declared;
        try {
            declared = req.headers().contentLength().orElse(0);
        } catch (IllegalArgumentException e) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "Content-Length is not a number", e);
        }
        if (declared < 0) {
            // Helidon would read a negative length into an ArrayIndexOutOfBoundsException: a 500
            throw new SyncException(ErrorCode.REQUEST_INVALID, "Content-Length is negative: " + declared);
        }
        if (declared > max) {
            throw tooLarge(max);
        }
        try (InputStream in = req.content().inputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int read;
            while ((read = read(in, buffer)) >= 0) {
                out.write(buffer, 0, read);
                if (out.size() > max) {
                    throw tooLarge(max);
                }
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "The request body could not be read: " + e.getMessage(), e);
        }
    }

    /**
     * One read from the server's decoder of the body's framing. What it throws comes of bytes the
     * client sent: a chunk size that is not hexadecimal ({@link NumberFormatException}), a chunk
     * longer than it says, a body said to be in an encoding the server does not decode, a
     * connection that ends before the body's declared length.
     */
    private static int read(InputStream in, byte[] buffer) throws IOException {
        try {
            return in.read(buffer);
        } catch (io.helidon.common.buffers.DataReader.InsufficientDataAvailableException e) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "The connection ended before the request body's declared length", e);
        } catch (IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException | io.helidon.http.RequestException e) {
            throw new SyncException(ErrorCode.REQUEST_INVALID, "The request body is malformed: " + e.getMessage(), e);
        }
    }

    private static SyncException tooLarge(int max) {
        return new SyncException(ErrorCode.REQUEST_TOO_LARGE, "The request body exceeds " + max + " bytes");
    }
}
