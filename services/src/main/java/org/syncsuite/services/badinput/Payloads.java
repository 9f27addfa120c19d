package org.syncsuite.services.badinput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Bodies, header values and paths of a corpus case, written in YAML without spelling out large
 * or binary ones. A spec is one of:
 * <ul>
 *   <li>a string: its UTF-8 bytes;</li>
 *   <li>{@code {repeat: "x", times: n, prefix: spec, suffix: spec}}: {@code x} n times between them
 *       (a 2 MiB body, 100,000 nested arrays, a 64 KiB header);</li>
 *   <li>{@code {hex: "ff fe"}} or {@code {base64: "..."}}: raw bytes (invalid UTF-8);</li>
 *   <li>{@code {gzip: spec}}: the spec gzip-compressed, streamed through the compressor (a
 *       compression bomb of 100 MiB costs no memory to build);</li>
 *   <li>{@code {concat: [spec, ...]}}: one after another.</li>
 * </ul>
 */
public final class Payloads {

    private Payloads() {
    }

    /** The bytes of {@code spec}. */
    public static byte[] bytes(Object spec) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(spec, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The text of {@code spec} (UTF-8 decoded): for header values and paths. */
    public static String text(Object spec) {
        return new String(bytes(spec), StandardCharsets.UTF_8);
    }

    /** Writes {@code spec}'s bytes to {@code out}. */
    public static void write(Object spec, OutputStream out) throws IOException {
        switch (spec) {
            case null -> {
            }
            case String text -> out.write(text.getBytes(StandardCharsets.UTF_8));
            case Map<?, ?> map when map.containsKey("repeat") -> {
                write(map.get("prefix"), out);
                byte[] unit = bytes(map.get("repeat"));
                long times = ((Number) map.get("times")).longValue();
                byte[] block = unit.length == 0 ? unit : repeatBlock(unit);
                long perBlock = unit.length == 0 ? 1 : block.length / unit.length;
                for (long left = times; left > 0; ) {
                    long n = Math.min(left, perBlock);
                    out.write(block, 0, (int) (n * unit.length));
                    left -= n;
                }
                write(map.get("suffix"), out);
            }
            case Map<?, ?> map when map.containsKey("hex") ->
                    out.write(HexFormat.of().parseHex(((String) map.get("hex")).replace(" ", "")));
            case Map<?, ?> map when map.containsKey("base64") -> out.write(Base64.getDecoder().decode((String) map.get("base64")));
            case Map<?, ?> map when map.containsKey("gzip") -> {
                GZIPOutputStream gzip = new GZIPOutputStream(new NonClosing(out), 64 * 1024);
                write(map.get("gzip"), gzip);
                gzip.finish();
            }
            case Map<?, ?> map when map.containsKey("concat") -> {
                for (Object part : (List<?>) map.get("concat")) {
                    write(part, out);
                }
            }
            default -> throw new IllegalArgumentException("Not a payload spec: " + spec);
        }
    }

    /** {@code unit} repeated to about 64 KiB, so that large payloads are written in few calls. */
    private static byte[] repeatBlock(byte[] unit) {
        int copies = Math.max(1, (64 * 1024) / unit.length);
        byte[] block = new byte[copies * unit.length];
        for (int i = 0; i < copies; i++) {
            System.arraycopy(unit, 0, block, i * unit.length, unit.length);
        }
        return block;
    }

    /** Lets a compressor finish without closing the stream it writes into. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
