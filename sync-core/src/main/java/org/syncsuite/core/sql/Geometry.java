package org.syncsuite.core.sql;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.syncsuite.core.JsonWriter;
import org.syncsuite.core.SqliteValue;

/**
 * Geometry values for {@code ST_AsGeoJSON}, {@code ST_AsText}, {@code ST_X} and {@code ST_Y}: MySQL's
 * internal form (a 4-byte SRID, then WKB), plain WKB, or either as hex text.
 */
record Geometry(String type, List<Object> parts) {

    private static final String[] TYPES = {null, "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
        "MultiPolygon", "GeometryCollection"};

    static Geometry parse(SqliteValue value) {
        byte[] bytes;
        if (value instanceof SqliteValue.Blob blob) {
            bytes = blob.value();
        } else {
            try {
                bytes = HexFormat.of().parseHex(SqlValues.text(value));
            } catch (IllegalArgumentException e) {
                throw new SqlEvaluationException("Not a geometry value");
            }
        }
        // Plain WKB, or MySQL's form: a 4-byte SRID before the WKB. The one that reads to the end wins.
        for (int start : new int[] {0, 4}) {
            try {
                ByteBuffer buffer = ByteBuffer.wrap(bytes, start, bytes.length - start);
                Geometry geometry = read(buffer);
                if (!buffer.hasRemaining()) {
                    return geometry;
                }
            } catch (RuntimeException e) {
                // try the other layout
            }
        }
        throw new SqlEvaluationException("Malformed geometry value");
    }

    private static Geometry read(ByteBuffer buffer) {
        byte order = buffer.get();
        if (order != 0 && order != 1) {
            throw new SqlEvaluationException("Not WKB");
        }
        buffer.order(order == 0 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int code = buffer.getInt() & 0xFFFF;
        code = code % 1000; // ISO Z/M variants use 1000s; only 2D is read
        if (code < 1 || code >= TYPES.length) {
            throw new SqlEvaluationException("Unsupported geometry type " + code);
        }
        List<Object> parts = new ArrayList<>();
        switch (code) {
            case 1 -> parts.add(new double[] {buffer.getDouble(), buffer.getDouble()});
            case 2 -> parts.add(points(buffer));
            case 3 -> {
                int rings = buffer.getInt();
                for (int i = 0; i < rings; i++) {
                    parts.add(points(buffer));
                }
            }
            default -> {
                int count = buffer.getInt();
                for (int i = 0; i < count; i++) {
                    parts.add(read(buffer));
                }
            }
        }
        return new Geometry(TYPES[code], parts);
    }

    private static List<double[]> points(ByteBuffer buffer) {
        int count = buffer.getInt();
        List<double[]> points = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            points.add(new double[] {buffer.getDouble(), buffer.getDouble()});
        }
        return points;
    }

    SqliteValue x() {
        return SqliteValue.of(point()[0]);
    }

    SqliteValue y() {
        return SqliteValue.of(point()[1]);
    }

    private double[] point() {
        if (!type.equals("Point")) {
            throw new SqlEvaluationException("ST_X and ST_Y need a Point, not a " + type);
        }
        return (double[]) parts.getFirst();
    }

    String toGeoJson() {
        JsonWriter json = new JsonWriter();
        writeGeoJson(json);
        return json.toString();
    }

    @SuppressWarnings("unchecked")
    private void writeGeoJson(JsonWriter json) {
        json.beginObject().name("type").value(type);
        if (type.equals("GeometryCollection")) {
            json.name("geometries").beginArray();
            parts.forEach(part -> ((Geometry) part).writeGeoJson(json));
            json.endArray();
        } else {
            json.name("coordinates");
            writeCoordinates(json);
        }
        json.endObject();
    }

    @SuppressWarnings("unchecked")
    private void writeCoordinates(JsonWriter json) {
        switch (type) {
            case "Point" -> writePoint(json, (double[]) parts.getFirst());
            case "LineString" -> writePoints(json, (List<double[]>) parts.getFirst());
            case "Polygon" -> {
                json.beginArray();
                parts.forEach(ring -> writePoints(json, (List<double[]>) ring));
                json.endArray();
            }
            default -> {
                json.beginArray();
                parts.forEach(part -> ((Geometry) part).writeCoordinates(json));
                json.endArray();
            }
        }
    }

    private static void writePoint(JsonWriter json, double[] point) {
        json.beginArray().value(point[0]).value(point[1]).endArray();
    }

    private static void writePoints(JsonWriter json, List<double[]> points) {
        json.beginArray();
        points.forEach(point -> writePoint(json, point));
        json.endArray();
    }

    String toText() {
        return type.toUpperCase(java.util.Locale.ROOT) + body();
    }

    @SuppressWarnings("unchecked")
    private String body() {
        return switch (type) {
            case "Point" -> "(" + coordinate((double[]) parts.getFirst()) + ")";
            case "LineString" -> ring((List<double[]>) parts.getFirst());
            case "Polygon" -> "(" + String.join(",", parts.stream().map(r -> ring((List<double[]>) r)).toList()) + ")";
            case "MultiPoint" -> "(" + String.join(",", parts.stream().map(p -> ((Geometry) p).body()).toList()) + ")";
            case "GeometryCollection" -> "(" + String.join(",", parts.stream().map(p -> ((Geometry) p).toText()).toList()) + ")";
            default -> "(" + String.join(",", parts.stream().map(p -> ((Geometry) p).body()).toList()) + ")";
        };
    }

    private static String ring(List<double[]> points) {
        return "(" + String.join(",", points.stream().map(Geometry::coordinate).toList()) + ")";
    }

    private static String coordinate(double[] point) {
        return JsonWriter.formatNumber(point[0]) + " " + JsonWriter.formatNumber(point[1]);
    }
}
