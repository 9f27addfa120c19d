package org.syncsuite.core.protocol;

import org.syncsuite.core.DocumentWriter;

/**
 * Why a bucket is in a checkpoint: a default (auto-subscribed) stream, by its index in the
 * checkpoint's {@code streams}, or an explicit subscription, by its index in the request's
 * {@code streams.subscriptions}.
 */
public sealed interface InclusionReason {

    void write(DocumentWriter out);

    /** {@code {"default": streamIndex}}. */
    record Default(int streamIndex) implements InclusionReason {
        @Override
        public void write(DocumentWriter out) {
            out.beginObject().name("default").value(streamIndex).endObject();
        }
    }

    /** {@code {"sub": subscriptionIndex}}. */
    record Subscription(int subscriptionIndex) implements InclusionReason {
        @Override
        public void write(DocumentWriter out) {
            out.beginObject().name("sub").value(subscriptionIndex).endObject();
        }
    }
}
