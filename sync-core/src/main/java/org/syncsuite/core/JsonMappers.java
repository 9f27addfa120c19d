package org.syncsuite.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Jackson mappers for code that runs on virtual threads, one per client stream: their parsing
 * buffers come from one shared pool instead of each thread's own (Jackson's default keeps a set
 * per thread for the thread's life, which ten thousand long-lived streams would each hold).
 */
public final class JsonMappers {

    private JsonMappers() {
    }

    /** A mapper builder whose buffers are pooled process-wide. */
    public static JsonMapper.Builder builder() {
        return JsonMapper.builder(JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build());
    }
}
