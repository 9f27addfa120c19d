package org.syncsuite.core.config;

/**
 * Where a row goes: into {@code bucket}, as {@code objectType}/{@code objectId}, with {@code data}
 * the JSON text of its synced columns (the exact text that is checksummed and sent).
 */
public record BucketPlacement(String bucket, String objectType, String objectId, String data) {
}
