/**
 * The attachment queue: files (photos, documents) that data rows reference by id, kept out of the
 * synced rows themselves. Their state lives in a local-only table ({@link
 * org.syncsuite.client.attachments.AttachmentTable}); an {@link
 * org.syncsuite.client.attachments.AttachmentQueue} uploads files the app saves, downloads files
 * the synced rows reference, deletes files the app deletes, and archives files nothing references
 * any more, through a {@link org.syncsuite.client.attachments.LocalStorage} on the device and a
 * {@link org.syncsuite.client.attachments.RemoteStorage} (for example {@link
 * org.syncsuite.client.attachments.AttachmentsServiceStorage}, the attachments service's HTTP API).
 */
package org.syncsuite.client.attachments;
