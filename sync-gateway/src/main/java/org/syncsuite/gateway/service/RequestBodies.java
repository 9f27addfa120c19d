package org.syncsuite.gateway.service;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

import io.helidon.webserver.http.ServerRequest;

import org.syncsuite.core.ErrorCode;
import org.syncsuite.core.SyncException;

/** Request bodies read whole, up to a limit: beyond it {@link ErrorCode#REQUEST_TOO_LARGE}, before or while reading. */
public final class RequestBodies {

    private RequestBodies() {
    }

    /** The body of {@code req}, at most {@code max} bytes. */
    public static byte[] read(ServerRequest req, int max) {
        if (req.headers().contentLength().orElse(0) > max) {
            throw tooLarge(max);
        }
        try (InputStream in = req.content().inputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            int read;
            while ((read = in.read(buffer)) >= 0) {
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

    private static SyncException tooLarge(int max) {
        return new SyncException(ErrorCode.REQUEST_TOO_LARGE, "The request body exceeds " + max + " bytes");
    }
}
